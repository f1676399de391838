"""``grader show``: the worked example, the notes' feature map, formats and bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from grader.cli import main

NOTES = ["--set", "x=0.5", "--set", "y=1.5", "--set", "w=0.3", "--set", "b=0.1", "--set", "lr=0.1"]
IMAGE = "[[1,1,1,0,0],[0,1,1,1,0],[0,0,1,1,1],[0,0,1,1,0],[0,1,1,0,0]]"
KERNEL = "[[1,0,1],[0,1,0],[1,0,1]]"


def run(*args: str):
    return CliRunner().invoke(main, ["show", *args])


def test_worked_example_step_by_step():
    result = run("neuron_backprop", *NOTES)
    assert result.exit_code == 0, result.output
    out = result.output
    for line in [
        "= 0.3·0.5 + 0.1",
        "= 0.25",
        "= 1/(1 + e^(−0.25))",
        "= 0.562177",
        "= 0.439756",
        "= −(1.5 − 0.562177)",
        "= −0.937823",
        "= 0.246134",
        "= (−0.937823)·0.246134·0.5",
        "= −0.115415",
        "= −0.23083",
        "= 0.3 − 0.1·(−0.115415)",
        "= 0.311542",
        "= 0.123083",
    ]:
        assert line in out, line
    # the order of the chain: forward, loss, gradients, update
    assert out.index("0.562177   [y_hat]") < out.index("[loss]") < out.index("[dL_dw]")
    assert out.index("[dL_dw]") < out.index("[w_new]") < out.index("[b_new]")


def test_worked_example_by_hand():
    result = run("neuron_backprop", *NOTES, "--round", "2")
    assert result.exit_code == 0, result.output
    values = [
        line.split("=")[-1].split()[0] for line in result.output.splitlines() if "   [" in line
    ]
    assert values == ["0.56", "0.44", "−0.94", "0.25", "−0.1175", "−0.235", "0.3118", "0.1235"]
    assert "(−0.94)·0.25·0.5" in result.output
    assert "rounded to 2 decimal places" in result.output


def test_feature_map_of_the_notes():
    result = run("conv_feature_map", "--set", f"image={IMAGE}", "--set", f"kernel={KERNEL}")
    assert result.exit_code == 0, result.output
    assert "[4 3 4; 2 4 3; 2 3 4]" in result.output
    data = json.loads(
        run(
            "conv_feature_map", "--set", f"image={IMAGE}", "--set", f"kernel={KERNEL}",
            "--format", "json",
        ).output
    )  # fmt: skip
    assert data["exercise"] == "conv_feature_map"
    assert data["params"]["kernel"] == [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
    assert data["parts"] == [
        {
            "id": "feature_map",
            "label": "the feature map",
            "kind": "matrix",
            "answer": [[4, 3, 4], [2, 4, 3], [2, 3, 4]],
        }
    ]


@pytest.mark.parametrize("fmt", ["text", "md", "html", "tex", "json"])
def test_every_format_for_every_exercise(fmt):
    from grader.topics import CATALOGUE

    for exercise in CATALOGUE:
        result = run(exercise, "--seed", "5", "--format", fmt)
        assert result.exit_code == 0, (exercise, result.output)
        if fmt == "json":
            data = json.loads(result.output)
            assert data["exercise"] == exercise and all("answer" in p for p in data["parts"])
        if fmt == "html":
            assert result.output.startswith("<!DOCTYPE html>") and "<math" in result.output


def test_seed_gives_reproducible_and_different_variants():
    a = run("mlp_forward", "--seed", "1", "--format", "json").output
    assert a == run("mlp_forward", "--seed", "1", "--format", "json").output
    assert a != run("mlp_forward", "--seed", "2", "--format", "json").output


def test_plain_word_and_number_settings():
    result = run(
        "neuron_output", "--set", "x=[1, 2]", "--set", "w=[0.5, -0.25]", "--set", "b=0.5",
        "--set", "activation=relu", "--format", "json",
    )  # fmt: skip
    data = json.loads(result.output)
    assert data["params"]["activation"] == "relu"
    assert {p["id"]: p["answer"] for p in data["parts"]} == {"z": 0.5, "y_hat": 0.5}


def test_round_where_rounding_does_not_apply_shows_the_exact_working():
    result = run("conv_output_size", "--round", "2")
    assert result.exit_code == 0
    assert "n_out = ⌊(n + 2p − k)/s⌋ + 1" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "unknown exercise 'nope'"),
        (["neuron_backprop", "--set", "x"], "expected NAME=VALUE"),
        (["neuron_backprop", "--set", "x=[1"], "not valid JSON"),
        (["neuron_backprop", "--set", "eta=1"], "unknown parameter 'eta'"),
        (["neuron_backprop", "--set", "x=true"], "'x' must be a number"),
        (["conv_feature_map", "--set", "kernel=[[1,2],[3]]"], "'kernel'"),
        (["neuron_backprop", "--seed", "-1"], "--seed"),
        (["neuron_backprop", "--format", "pdf"], "pdf"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_show_in_a_subprocess():
    out = subprocess.run(
        [sys.executable, "-m", "grader", "show", "neuron_backprop", *NOTES, "--round", "2"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert "0.1235   [b_new]" in out.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "grader", "show", "nope"], capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("value", "expected"), [("1/2", 0.5), ("−0.5", -0.5), (".5", 0.5), ("2e-3", 0.002)]
)
def test_set_takes_numbers_as_people_write_them(value, expected):
    result = run("neuron_output", "--set", f"x={value}", "--set", "w=2", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["params"]["x"] == [expected]


def test_set_json_with_a_unicode_minus():
    result = run("conv_feature_map", "--set", "kernel=[[1,−1],[0,2]]", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["params"]["kernel"] == [[1, -1], [0, 2]]


@pytest.mark.parametrize("seed", range(6))
def test_a_pinned_input_gets_weights_that_fit(seed):
    for x, n in (("[1,2,3,4]", 4), ("0.5", 1)):
        result = run("neuron_output", "--seed", str(seed), "--set", f"x={x}", "--format", "json")
        assert result.exit_code == 0, result.output
        assert len(json.loads(result.output)["params"]["w"]) == n


def test_the_plain_sigmoid_is_written_without_beta():
    result = run(
        "neuron_output",
        *("--set", "x=1", "--set", "w=1", "--set", "beta=1"),
        *("--set", "activation=sigmoid"),
    )
    assert "σ(a) = 1/(1 + e^(−a))" in result.output and "β" not in result.output


def test_a_parameter_set_twice_differently_is_refused():
    result = run("neuron_output", "--set", "x=0.5", "--set", "x=0.6")
    assert result.exit_code == 2
    assert "--set x is given twice, with different values" in result.output
    assert run("neuron_output", "--set", "x=0.5", "--set", "x=1/2").exit_code == 0
