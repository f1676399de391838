"""Answer sheets through ``grader check`` and ``grader grade``: letters read as letters, why a
wrong option is wrong, relu'(0) either way, the sign hint where the sign went wrong, and the
mistakes named where they show (a loss averaged, the activation ignored, / for //)."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from exercises.base import to_json
from exercises.concept import BANK, BY_ID, WHY
from grader.cli import main
from grader.topics import CATALOGUE, MISCONCEPTIONS


def toml_value(value: Any) -> str:
    return json.dumps(to_json(value))


def write_sheet(
    path: Path, questions: dict[str, tuple[str, dict[str, Any], dict[str, Any]]]
) -> Path:
    """A sheet of ``{qid: (exercise, params, {part: answer})}``, with its problems recorded."""
    lines = ['student = "S1"']
    for qid, (_exercise, _params, answers) in questions.items():
        lines.append(f"[{qid}]")
        lines += [f"{part} = {toml_value(v)}" for part, v in answers.items()]
    for qid, (exercise, params, _answers) in questions.items():
        lines.append(f"[_problems.{qid}]")
        lines.append(f'exercise = "{exercise}"')
        inline = ", ".join(f"{k} = {toml_value(v)}" for k, v in params.items())
        lines.append(f"params = {{ {inline} }}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def check(path: Path) -> tuple[int, dict[str, dict[str, Any]]]:
    result = CliRunner().invoke(main, ["check", str(path), "--json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, {t["name"]: t for t in json.loads(result.output)["tests"]}


def build(exercise: str, params: dict[str, Any]):
    return CATALOGUE[exercise].build(params)


# ---- multiple choice ---------------------------------------------------------------------------


def every_order() -> list[tuple[str, list[int]]]:
    out = []
    for q in BANK:
        orders = [[0, 1]] if q.true_false else itertools.permutations(range(len(q.options)))
        out += [(q.id, list(o)) for o in orders]
    return out


def test_every_concept_key_copied_into_a_sheet_earns_full_marks_in_every_order(tmp_path):
    questions = {}
    for k, (qid, order) in enumerate(every_order()):
        key = build("concept", {"question": qid, "order": order}).key()["answer"]
        questions[f"q{k}"] = ("concept", {"question": qid, "order": order}, {"answer": key})
    assert len(questions) == sum(1 if q.true_false else 24 for q in BANK) > 250  # every order
    code, tests = check(write_sheet(tmp_path / "answers.toml", questions))
    wrong = {n: t["output"] for n, t in tests.items() if t["status"] != "passed"}
    assert code == 0 and not wrong, wrong
    # lower case and "(b)" read the same
    lowered = {
        q: (e, p, {"answer": f"({a['answer'].lower()})"}) for q, (e, p, a) in questions.items()
    }
    code, tests = check(write_sheet(tmp_path / "lower.toml", lowered))
    assert code == 0


def test_the_letter_a_is_option_a_although_another_option_reads_a(tmp_path):
    q = BY_ID["relu-derivative"]
    assert "a" in q.options and q.options.index("a") != 0  # the case of the issue
    params = {"question": q.id, "order": [0, 1, 2, 3]}  # A is "1" (right), C is "a"
    sheet = {
        "right": ("concept", params, {"answer": "A"}),
        "text": ("concept", params, {"answer": "1"}),  # an option's text, where no letter fits
        "c": ("concept", params, {"answer": "C"}),
    }
    _, tests = check(write_sheet(tmp_path / "answers.toml", sheet))
    assert tests["right.answer"]["status"] == "passed"
    assert tests["text.answer"]["status"] == "passed"
    assert tests["c.answer"]["status"] == "failed"


@pytest.mark.parametrize("qid", sorted(BY_ID))
def test_a_wrong_option_says_why_as_the_exports_do(tmp_path, qid):
    from grader.lms.quiz import _choice_blank

    q = BY_ID[qid]
    order = list(range(len(q.options)))
    problem = build("concept", {"question": qid, "order": order})
    blank = _choice_blank(problem.parts[0], 1.0)
    sheet = {
        f"o{i}": ("concept", {"question": qid, "order": order}, {"answer": chr(65 + i)})
        for i in range(len(q.options))
        if i != q.correct
    }
    _, tests = check(write_sheet(tmp_path / "answers.toml", sheet))
    for i in range(len(q.options)):
        if i == q.correct:
            continue
        output = tests[f"o{i}.answer"]["output"]
        assert output.startswith("wrong: ") and blank.feedback[i], output
        assert blank.feedback[i] in output  # the same words as the exported feedback
        tag = blank.misconceptions[i]
        assert tests[f"o{i}.answer"]["tags"] == ([tag] if tag else [])
        if not tag:
            assert output == f"wrong: {WHY[qid][[j for j in order if j != q.correct].index(i)]}"


def test_gd_update_distractor_names_the_wrong_sign(tmp_path):
    params = {"question": "gd-update", "order": [0, 1, 2, 3]}
    _, tests = check(write_sheet(tmp_path / "a.toml", {"q": ("concept", params, {"answer": "B"})}))
    assert tests["q.answer"]["tags"] == ["gd-wrong-sign"]
    assert MISCONCEPTIONS["gd-wrong-sign"] in tests["q.answer"]["output"]


# ---- relu'(0) --------------------------------------------------------------------------------

RELU_AT_ZERO = {  # mlp_backprop's draw for seed 24: a hidden ReLU input is exactly 0
    "X": [[1.0, -1.0], [1.0, 2.0]],
    "weights": [[[-0.8, 0.0, -0.2], [0.1, 0.2, 0.1]], [[0.2], [0.8], [-0.3], [-0.9]]],
    "augment": [False, True],
    "activation": ["relu", "sigmoid"],
    "beta": 1.0,
    "Y": [[1.0], [0.0]],
}


def test_relu_derivative_at_zero_either_way_is_right(tmp_path):
    problem = build("mlp_backprop", RELU_AT_ZERO)
    part = problem.part("dL_dW1")
    (other,) = part.alternatives
    assert not np.allclose(other, part.answer)
    # independent oracle: the same gradient with relu'(0) = 1, by hand with numpy
    X = np.array(RELU_AT_ZERO["X"])
    W1, W2 = (np.array(w) for w in RELU_AT_ZERO["weights"])
    Z1 = X @ W1
    assert np.any(Z1 == 0)
    H = np.hstack([np.ones((2, 1)), np.maximum(Z1, 0)])
    out = 1 / (1 + np.exp(-(H @ W2)))
    d2 = (out - np.array(RELU_AT_ZERO["Y"])) * out * (1 - out)
    for slope, expected in (((Z1 > 0) * 1.0, part.answer), ((Z1 >= 0) * 1.0, other)):
        d1 = (d2 @ W2.T)[:, 1:] * slope
        np.testing.assert_allclose(X.T @ d1, expected, atol=1e-12)
    sheet = {
        "zero": ("mlp_backprop", RELU_AT_ZERO, {"dL_dW1": np.asarray(part.answer).tolist()}),
        "one": ("mlp_backprop", RELU_AT_ZERO, {"dL_dW1": np.asarray(other).tolist()}),
        "wrong": ("mlp_backprop", RELU_AT_ZERO, {"dL_dW1": (-np.asarray(other)).tolist()}),
    }
    _, tests = check(write_sheet(tmp_path / "a.toml", sheet))
    assert tests["zero.dL_dW1"]["status"] == "passed"
    assert tests["one.dL_dW1"]["status"] == "passed"
    assert tests["wrong.dL_dW1"]["status"] == "failed"


def test_relu_at_zero_is_right_in_the_exports_too():
    from grader.lms.quiz import _blanks

    problem = build("mlp_backprop", RELU_AT_ZERO)
    part = problem.part("dL_dW1")
    blanks = _blanks(part, None, 1.0)
    other = np.asarray(part.alternatives[0])
    for blank in blanks:
        r, c = blank.element
        right = {round(a.value, 9) for a in blank.answers if a.fraction == 1.0}
        assert round(float(part.answer[r, c]), 9) in right
        assert round(float(other[r, c]), 9) in right


# ---- the sign hint ---------------------------------------------------------------------------

NOTES = {"x": 0.5, "y": 1.5, "w": 0.3, "b": 0.1, "lr": 0.1}  # CURRICULUM §5


def test_the_sign_hint_names_the_step_whose_sign_is_wrong(tmp_path):
    key = build("neuron_backprop", NOTES).key()
    flipped_last = {**key, "dL_dw": -key["dL_dw"], "dL_db": -key["dL_db"]}
    del flipped_last["w_new"], flipped_last["b_new"]
    alone = {"dL_dw": -key["dL_dw"]}  # no ∂L/∂ŷ given: it may be where the sign went wrong
    flipped_first = {**key, "dL_dyhat": -key["dL_dyhat"], "dL_dw": -key["dL_dw"]}
    sheet = {
        "last": ("neuron_backprop", NOTES, flipped_last),
        "alone": ("neuron_backprop", NOTES, alone),
        "first": ("neuron_backprop", NOTES, flipped_first),
    }
    _, tests = check(write_sheet(tmp_path / "a.toml", sheet))
    last = tests["last.dL_dw"]
    assert last["tags"] == ["grad-wrong-sign"]
    assert "the sign went wrong in the last step" in last["output"]
    assert "∂L/∂ŷ and ∂ŷ/∂z are right" in last["output"]
    assert MISCONCEPTIONS["grad-wrong-sign"] not in last["output"]  # it does not blame ∂L/∂ŷ
    assert "∂L/∂b = ∂L/∂ŷ · ∂ŷ/∂z · 1" in tests["last.dL_db"]["output"]
    assert MISCONCEPTIONS["grad-wrong-sign"] in tests["alone.dL_dw"]["output"]
    assert tests["first.dL_dyhat"]["tags"] == ["grad-wrong-sign"]
    assert tests["first.dL_dw"]["status"] == "passed"  # right from their ∂L/∂ŷ: carried


# ---- mistakes named where they show ------------------------------------------------------------


def test_the_new_mistakes_are_named_on_a_sheet(tmp_path):
    relu_neuron = {"x": [1.0, -0.5], "w": [0.4, 0.2], "b": 0.3, "activation": "relu"}
    z = 1.0 * 0.4 - 0.5 * 0.2 + 0.3
    mixed = {
        "X": [[1.0, 0.5, -1.0], [1.0, -0.3, 0.8]],
        "weights": [[[0.1, -0.2], [0.5, 0.4], [-0.3, 0.6]], [[0.2, 0.1], [0.7, -0.5], [-0.4, 0.9]]],
        "augment": [False, True],
        "activation": ["relu", "sigmoid"],
    }
    forward = build("mlp_forward", mixed)
    as_sigmoid = build("mlp_forward", {**mixed, "activation": "sigmoid"}).part("output").answer
    two = {
        "X": [[1.0, -2.0], [1.0, 3.0]],
        "weights": [[[0.5, 0.5], [1.0, 0.6]], [[-0.5, -0.4], [0.3, 0.3], [0.4, 0.8]]],
        "augment": [False, True],
        "activation": "sigmoid",
        "beta": 2.0,
        "Y": [[0.0, 0.0], [0.0, 0.0]],
    }
    g2 = np.asarray(build("mlp_backprop", two).part("dL_dW2").answer)
    one = {**two, "X": [[1.0, -2.0]], "Y": [[0.0, 0.0]]}
    g1 = np.asarray(build("mlp_backprop", one).part("dL_dW2").answer)
    classes = np.asarray(forward.part("predicted_class").answer)
    assert classes.shape == (1, 2)
    sheet = {
        "neuron": ("neuron_output", relu_neuron, {"z": z, "y_hat": 1 / (1 + np.exp(-z))}),
        "forward": (
            "mlp_forward",
            mixed,
            {"output": np.asarray(as_sigmoid).tolist(), "predicted_class": classes.T.tolist()},
        ),
        "mean": ("mlp_backprop", two, {"dL_dW2": (g2 / 2).tolist(), "dL_dW1": ""}),
        "single": ("mlp_backprop", one, {"dL_dW2": (2 * g1).tolist(), "dL_dW1": ""}),
        "size": ("conv_output_size", {"n": 8, "k": 3, "stride": 2, "padding": 1}, {"size": "4.5"}),
        "whole": ("conv_output_size", {"n": 7, "k": 3, "stride": 2, "padding": 0}, {"size": "3.5"}),
    }
    _, tests = check(write_sheet(tmp_path / "a.toml", sheet))
    assert tests["neuron.z"]["status"] == "passed"
    assert tests["neuron.y_hat"]["tags"] == ["activation-ignored"]
    assert tests["forward.output"]["tags"] == ["activation-ignored"]
    # a sheet takes a row of values written as a column (shape-column-vector is code's)
    assert tests["forward.predicted_class"]["status"] == "passed"
    assert tests["mean.dL_dW2"]["tags"] == ["loss-mean-instead-of-sum"]
    # one sample: the mean of (Y − F)² is exactly the dropped ½, and named so
    assert tests["single.dL_dW2"]["tags"] == ["loss-missing-half"]
    assert tests["size.size"]["tags"] == ["conv-size-float-division"]
    assert MISCONCEPTIONS["conv-size-float-division"] in tests["size.size"]["output"]
    # (7 − 3)/2 + 1 is whole: no fraction to explain, 3.5 is just not a whole number
    assert tests["whole.size"]["output"].startswith("unreadable")
    assert tests["whole.size"]["tags"] == []


def test_new_mistakes_are_never_required_of_a_draw():
    """The new ids are recognised where they show and never coincide with the answer; that
    they change no draw is held by the golden sheet of tests/render (its recorded params)."""
    for exercise in ("neuron_output", "mlp_forward", "mlp_backprop", "conv_output_size"):
        ex = CATALOGUE[exercise]
        for seed in range(40):
            problem = ex.generate(np.random.default_rng(seed))
            for part in problem.parts:
                for m in part.mistakes:
                    if m.misconception in ("loss-mean-instead-of-sum", "conv-size-float-division"):
                        # a mean over one sample, or a whole size, is not offered as the mistake
                        assert not np.allclose(
                            np.asarray(m.value, float), np.asarray(part.answer, float)
                        )


# ---- grade ------------------------------------------------------------------------------------


def test_grade_gives_copied_concept_keys_full_marks(tmp_path):
    questions = "\n".join(
        f'[[question]]\nid = "c{k}"\nexercise = "concept"\npoints = 1\n'
        f'params = {{ question = "{q.id}" }}\n'
        for k, q in enumerate(BANK)
    )
    assignment = tmp_path / "concepts.toml"
    assignment.write_text(f'name = "concepts"\ntitle = "Concepts"\n{questions}')
    roster = tmp_path / "roster.csv"
    roster.write_text("id\n" + "".join(f"S{i}\n" for i in range(8)))
    secret = tmp_path / "secret.txt"
    secret.write_text("concept secret\n")
    gen = tmp_path / "gen"
    runner = CliRunner()
    made = runner.invoke(
        main,
        [
            "generate",
            "--assignment",
            str(assignment),
            "--roster",
            str(roster),
            "--secret-file",
            str(secret),
            "--out",
            str(gen),
        ],
    )
    assert made.exit_code == 0, made.output
    key = json.loads((gen / "key.json").read_text())
    subs = tmp_path / "subs"
    subs.mkdir()
    for student, answers in key["students"].items():
        lines = [f'student = "{student}"', 'assignment = "concepts"']
        for qid, parts in answers.items():
            lines += [f"[{qid}]", f'answer = "{parts["answer"]}"']
        (subs / f"{student}.toml").write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    graded = runner.invoke(
        main,
        [
            "grade",
            str(subs),
            "--assignment",
            str(assignment),
            "--secret-file",
            str(secret),
            "--out",
            str(out),
            "--roster",
            str(roster),
        ],
    )
    assert graded.exit_code == 0, graded.output
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert len(rows) == 8
    assert all(float(r["score"]) == float(r["max_score"]) == len(BANK) for r in rows), rows
