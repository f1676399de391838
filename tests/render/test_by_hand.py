"""Worked solutions: the exact working once, then only the steps rounding changes, side by side
with the exact value they replace."""

from __future__ import annotations

import dataclasses
import re

from click.testing import CliRunner

from grader import render
from grader.cli import main
from grader.topics import CATALOGUE

NOTES = {"x": 0.5, "y": 1.5, "w": 0.3, "b": 0.1, "lr": 0.1}


def _rounded(exercise: str, params: dict, k: int = 2):
    return dataclasses.replace(CATALOGUE[exercise].build(params), hand_rounding=k)


def _solutions(problem, fmt: str = "md") -> str:
    return render.render_solution_set("T", "s", [render.Item("q1", 1, problem)], fmt)


def _hand_rows(md: str) -> list[list[str]]:
    """The rows of the by-hand table of a Markdown solution set: part, by hand, exact."""
    section = md.split("### By hand", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]


def test_the_derivation_is_printed_once_and_only_changed_steps_by_hand():
    problem = _rounded("sigmoid_derivative", {"a": -1.7, "beta": 0.5})
    md = _solutions(problem)
    assert md.count(r"\frac{d}{da}") == 1  # the symbolic derivation, once
    assert md.count("### By hand") == 1
    rows = _hand_rows(md)
    # s and the value change with rounding to 2 places; the expression does not
    assert [r[0] for r in rows] == ["", "`value`"]
    assert rows[0][1].endswith("= 0.3$") and rows[0][2] == "$0.299433$"
    hand = CATALOGUE["sigmoid_derivative"].by_hand(problem, 2)["value"]
    assert abs(hand - 0.5 * 0.3 * 0.7) < 1e-12  # an independent hand calculation
    assert rows[1][1].endswith(f"= {hand:g}$") and rows[1][2] == "$0.104886$"


def test_a_step_rounding_leaves_alike_is_not_repeated():
    md = _solutions(_rounded("neuron_backprop", NOTES))
    rows = _hand_rows(md)
    parts = [r[0].strip("`") for r in rows]
    assert parts == ["y_hat", "loss", "dL_dyhat", "dyhat_dz", "dL_dw", "dL_db", "w_new", "b_new"]
    assert "z = " not in md.split("### By hand", 1)[1]  # z = 0.25 either way
    by_part = dict(zip(parts, rows, strict=True))
    assert by_part["dL_dw"][1].endswith("= -0.1175$") and by_part["dL_dw"][2] == "$-0.115415$"
    for _, hand, exact in rows:
        assert hand.rsplit("= ", 1)[1].rstrip("$") != exact.strip("$")
    # every formula of the exact working appears once in the whole page
    assert md.count(r"\frac{\partial}{\partial \hat{y}}") == 1


def test_no_by_hand_section_where_rounding_changes_nothing():
    params = {"X": [[1, 2], [1, 3]], "weights": [[[1], [2]]], "augment": [False]}
    problem = _rounded("mlp_forward", {**params, "activation": "relu", "beta": 1})
    for fmt in ("md", "html", "tex", "text"):
        text = _solutions(problem, fmt)
        assert "By hand" not in text and "by hand" not in text, fmt


def test_a_substitution_equal_to_its_value_is_printed_once():
    problem = CATALOGUE["neuron_output"].build(
        {"x": [1.6, -1.6, 0.8], "w": [0.2, 0.9, 0.8], "b": 0.8, "activation": "linear", "beta": 1}
    )
    md = render.render_show(problem, "md")
    assert md.count("0.32") == 2  # z = … = 0.32, and ŷ = σ(z) = z = 0.32


def test_html_shows_hand_and_exact_side_by_side():
    html = _solutions(_rounded("neuron_backprop", NOTES), "html")
    table = html.split("<h3>By hand</h3>", 1)[1]
    row = re.search(r"<tr><td><code>dL_dw</code></td>(.*?)</tr>", table, re.S)
    assert row is not None
    hand, exact = re.findall(r"<td>(.*?)</td>", row.group(1), re.S)
    assert "<mn>−0.1175</mn>" in hand and "<mn>−0.115415</mn>" in exact


def test_generate_writes_solutions_without_repeated_derivations(tmp_path):
    out = tmp_path / "ps"
    result = CliRunner().invoke(main, ["generate", "--assignment", "nn-quiz", "--out", str(out)])
    assert result.exit_code == 0, result.output
    md = (out / "default" / "solutions.md").read_text(encoding="utf-8")
    assert md.count(r"\frac{d}{da}") == 1
    assert md.count("### By hand") >= 3
    for section in md.split("### By hand")[1:]:
        table = section.split("\n## ", 1)[0]
        assert r"\frac{\partial}{\partial" not in table and r"\frac{d}{da}" not in table
