"""The rules behind a verdict, pinned at their thresholds: just below, at, and just above.

- a mistake is named only when it explains at least half of the wrong values
  (``grader.codecheck.diagnose.name_mistakes``);
- two expressions are compared only where enough random points define both
  (``grader.answers.expr``: ``MIN_POINTS``), so functions whose domains barely overlap,
  ``log(a)`` and ``log(-a)``, are never judged equal;
- a sheet is called copied from MIN_COPIED_PARTS = 3 parts of another student's variant
  (``grader.batch.integrity``), and only when they outnumber the student's own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exercises.base import Mistake
from grader.answers import expr
from grader.answers.expr import default_vocabulary, equivalent, parse_expression
from grader.batch import integrity
from grader.batch.integrity import copied_sheets
from grader.codecheck.cases import Case
from grader.codecheck.diagnose import name_mistakes

# ---- at least half of the wrong values ---------------------------------------------------------


def failures(total: int, explained: int) -> list[tuple[Case, float]]:
    """``total`` wrong values, of which the first ``explained`` are what the mistake gives."""
    out = []
    for k in range(total):
        case = Case(f"c{k}", (k,), expected=float(k), mistakes=(Mistake("gd-wrong-sign", -1.0),))
        out.append((case, -1.0 if k < explained else 100.0 + k))
    return out


@pytest.mark.parametrize(
    ("total", "explained", "named"),
    [
        (4, 1, False),  # below half
        (4, 2, True),  # exactly half
        (4, 3, True),  # above
        (5, 2, False),  # just below half of an odd count
        (5, 3, True),  # the first count above half
        (1, 1, True),
        (1, 0, False),
    ],
)
def test_a_mistake_is_named_from_half_of_the_wrong_values(total, explained, named):
    assert (name_mistakes(failures(total, explained)) == ["gd-wrong-sign"]) is named


def test_a_mistake_that_explains_only_what_another_explains_is_left_out():
    both = (Mistake("loss-mean-instead-of-sum", -1.0), Mistake("loss-missing-half", -1.0))
    one = (Mistake("loss-mean-instead-of-sum", -2.0),)
    cases = [(Case("a", (), expected=0.0, mistakes=both), -1.0)] * 2
    cases += [(Case("b", (), expected=0.0, mistakes=one), -2.0)] * 2
    assert name_mistakes(cases) == ["loss-mean-instead-of-sum"]


# ---- expressions whose domains barely overlap ---------------------------------------------------


def node(text: str) -> expr.Node:
    return parse_expression(text, default_vocabulary())


@pytest.mark.parametrize(
    ("expected", "given"),
    [
        ("log(a)", "log(-a)"),
        ("sqrt(a)", "sqrt(-a)"),
        ("log(a)", "2*log(sqrt(-a))"),
        ("sqrt(a) + sqrt(-a)", "0"),
    ],
)
def test_expressions_with_no_common_domain_are_not_equal(expected, given):
    verdict = equivalent(node(expected), node(given))
    assert not verdict.equivalent, verdict


def domain_cut(defined: int) -> float:
    """A c such that exactly ``defined`` of the points the comparison draws have a > c."""
    points = sorted((p["a"] for p in expr._points(["a"], 4 * expr.MIN_POINTS)), reverse=True)
    return (points[defined - 1] + points[defined]) / 2


@pytest.mark.parametrize(
    ("defined", "equal"),
    [
        (expr.MIN_POINTS - 1, False),  # too few points to compare at: no verdict of equality
        (expr.MIN_POINTS, True),  # exactly enough
        (expr.MIN_POINTS + 1, True),
    ],
)
def test_equality_needs_min_points_where_both_are_defined(defined, equal):
    c = domain_cut(defined)
    expected = node(f"sqrt(a - {c!r})")
    given = node(f"sqrt(a - {c!r}) * (a + 1) / (a + 1)")  # the same function, written otherwise
    assert expected != given
    verdict = equivalent(expected, given)
    assert verdict.equivalent is equal, verdict


# ---- the copied-sheet threshold -----------------------------------------------------------------

ANSWERS = {
    "A1": {"q1": {"a": 0.4134, "b": -0.0226, "c": 1.25, "d": 7.5, "e": 2.125}},
    "A2": {"q1": {"a": 0.7311, "b": -0.0511, "c": 3.5, "d": 9.25, "e": 4.75}},
}


def sheet(tmp_path: Path, theirs: int, own: int = 0) -> Path:
    """A2's sheet with ``theirs`` parts of A1's variant and then ``own`` of A2's own."""
    parts = list(ANSWERS["A1"]["q1"])
    lines = ['student = "A2"', "[q1]"]
    lines += [f"{p} = {ANSWERS['A1']['q1'][p]}" for p in parts[:theirs]]
    lines += [f"{p} = {ANSWERS['A2']['q1'][p]}" for p in parts[theirs : theirs + own]]
    path = tmp_path / f"a2-{theirs}-{own}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("theirs", "own", "flagged"),
    [
        (integrity.MIN_COPIED_PARTS - 1, 0, False),  # just below
        (integrity.MIN_COPIED_PARTS, 0, True),  # at
        (integrity.MIN_COPIED_PARTS + 1, 0, True),  # just above
        (integrity.MIN_COPIED_PARTS, 2, True),  # more of theirs than of their own
    ],
)
def test_a_sheet_is_copied_from_three_parts_of_another_variant(tmp_path, theirs, own, flagged):
    assert integrity.MIN_COPIED_PARTS == 3
    flags = copied_sheets({"A2": sheet(tmp_path, theirs, own)}, ANSWERS)
    assert [(f.kind, f.students) for f in flags] == (
        [("copied-sheet", ("A2", "A1"))] if flagged else []
    )
    if flagged:
        assert f"on {theirs} parts (their own on {own})" in flags[0].message


def test_as_many_own_parts_as_copied_ones_is_not_called_copied(tmp_path):
    path = tmp_path / "even.toml"
    a1, a2 = ANSWERS["A1"]["q1"], ANSWERS["A2"]["q1"]
    path.write_text(
        'student = "A2"\n[q1]\n'
        + "".join(f"{p} = {a1[p]}\n" for p in ("a", "b", "c"))
        + "".join(f"{p} = {a2[p]}\n" for p in ("d", "e"))
    )
    ANSWERS_SIX = {
        "A1": {"q1": {**a1, "f": 11.5}, "q2": {"g": 13.25}},
        "A2": {"q1": {**a2, "f": 12.5}, "q2": {"g": 14.75}},
    }
    path.write_text(path.read_text() + "f = 12.5\n")  # three of their own, three copied
    assert copied_sheets({"A2": path}, ANSWERS_SIX) == []
