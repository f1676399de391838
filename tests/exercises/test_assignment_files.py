"""Assignment files an instructor gets wrong: refused with a reason, never a broken sheet."""

from __future__ import annotations

import tomllib

import pytest

from exercises.base import Tolerance
from grader.assignment import parse_assignment
from grader.errors import InputError
from grader.problem_sets import items_for
from grader.render import render_answer_sheet
from grader.variants import build_variants

QUESTION = '[[question]]\nid = "{qid}"\nexercise = "neuron_output"\n{extra}\n'


def _text(qid: str = "q1", extra: str = "") -> str:
    return 'name = "t"\n' + QUESTION.format(qid=qid, extra=extra)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("points = nan", "points must be a number from 0 to"),
        ("points = 1e308", "points must be a number from 0 to"),
        ("tolerance = 0.01", "tolerance must be a table such as"),
        ('tolerance = { rtol = "a" }', "rtol must be a number >= 0, got 'a'"),
        ("tolerance = { decimals = 1, sigfigs = 3 }", "use one rule"),
        ("tolerance = { decimals = 1, rtol = 0.1 }", "use one rule"),
        ("tolerance = { decimals = 400 }", "decimals must be a whole number from 0 to 15"),
    ],
)
def test_bad_points_and_tolerances(extra, message):
    with pytest.raises(InputError) as info:
        parse_assignment(_text(extra=extra))
    assert message in str(info.value)
    assert "question 'q1'" in str(info.value)


def test_rtol_with_atol_is_one_rule():
    q = parse_assignment(_text(extra="tolerance = { rtol = 0.01, atol = 0.001 }")).questions[0]
    assert q.tolerance == Tolerance(rtol=0.01, atol=0.001)


@pytest.mark.parametrize("qid", ["student", "assignment", "_problems", "_x"])
def test_ids_that_would_break_the_answer_sheet_are_refused(qid):
    with pytest.raises(InputError, match="reserved by the answer sheet"):
        parse_assignment(_text(qid=qid))


def test_every_allowed_id_gives_a_valid_sheet():
    text = 'name = "t"\n' + "".join(
        QUESTION.format(qid=qid, extra="") for qid in ["Student", "q-1", "2", "assignment_2"]
    )
    assignment = parse_assignment(text)
    problems = build_variants(assignment, "A1", b"secret")
    sheet = tomllib.loads(render_answer_sheet("t", "A1", items_for(assignment, problems)))
    assert {"Student", "q-1", "2", "assignment_2"} <= set(sheet)


def test_the_readme_example_assignment_is_valid_and_means_what_it_says():
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", readme, re.S)
    assert example is not None
    spec = parse_assignment(example.group(1))
    assert spec.name == "week5" and spec.forbid == ("torch",)
    q = spec.questions[0]
    assert (q.rounding, q.tolerance, q.params["x"]) == (2, Tolerance(decimals=3), 0.5)
    assert spec.code[0].function == "conv2d" and spec.code[0].forbid == ("scipy",)
    assert spec.grading.follow_through == 1.0 and not spec.grading.matrix_partial
    assert not spec.grading.code_partial
    problems = build_variants(spec, "A1", b"secret")
    assert problems["q1"].params["w"] == 0.3  # pinned for every student


def test_rounding_is_promised_only_where_a_problem_can_be_worked_by_hand():
    from grader.render import render_problem_set

    spec = parse_assignment(
        'name = "r"\n'
        + "".join(
            f'[[question]]\nid = "q{i}"\nexercise = "{e}"\nrounding = 2\n'
            for i, e in enumerate(("neuron_output", "concept", "conv_output_size", "mlp_backprop"))
        )
    )
    problems = build_variants(spec, "A1", b"secret")
    assert [p.hand_rounding for p in problems.values()] == [2, None, None, 2]
    text = render_problem_set("r", "A1", items_for(spec, problems), "md")
    assert text.count("You may round intermediate values to 2 decimal places") == 2
    sheet = render_answer_sheet("r", "A1", items_for(spec, problems))
    assert sheet.count("rounding = 2") == 2
