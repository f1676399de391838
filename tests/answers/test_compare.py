"""Tolerances, integers, matrices (shapes, first wrong entry, partial credit) and choices."""

from __future__ import annotations

import numpy as np
import pytest

from exercises.base import EXACT, Exercise, Kind, Part, Problem, Tolerance
from exercises.diagnostic import DiagnosticExercise
from grader.answers.compare import match, show_number
from grader.answers.expr import default_vocabulary
from grader.answers.marking import Marking, mark_question
from grader.assignment import Grading
from grader.topics import get_exercise

V = default_vocabulary()


@pytest.mark.parametrize(
    ("tolerance", "expected", "accepted", "refused"),
    [
        # "up to 1 decimal place": any correct rounding of 0.73 to 1 place, and no more
        (Tolerance(decimals=1), 0.73, [0.7, 0.73, 0.75, 0.68], [0.6, 0.8, 0.79]),
        (Tolerance(decimals=3), 0.562177, [0.562, 0.5622, 0.5617], [0.56, 0.563]),
        (Tolerance(sigfigs=3), 0.0246134, [0.0246, 0.02461], [0.025, 0.0245]),
        (Tolerance(sigfigs=2), 1234.0, [1200, 1230], [1100, 1300]),
        (Tolerance(rtol=0.01, atol=0.0), 2.0, [2.019, 1.981], [2.03, 1.97]),
        (Tolerance(rtol=0.0, atol=0.05), 0.0, [0.04, -0.05], [0.06]),
    ],
)
def test_number_tolerances(
    tolerance: Tolerance, expected: float, accepted: list[float], refused: list[float]
) -> None:
    for got in accepted:
        assert match(Kind.NUMBER, got, expected, tolerance, V).ok, got
    for got in refused:
        assert not match(Kind.NUMBER, got, expected, tolerance, V).ok, got


def test_integers_compare_exactly() -> None:
    assert match(Kind.INTEGER, 400_000_000, 400_000_000, EXACT, V).ok
    assert not match(Kind.INTEGER, 400_000_001, 400_000_000, Tolerance(rtol=0.1), V).ok


def test_matrix_shape_mismatch_is_named() -> None:
    m = match(Kind.MATRIX, np.ones((3, 2)), np.ones((3, 3)), EXACT, V)
    assert not m.ok and m.shape == "got shape (3, 2), expected (3, 3)"


def test_a_flat_list_fits_a_column_or_row() -> None:
    assert match(Kind.MATRIX, np.array([[1.0, 2.0, 3.0]]), np.array([[1], [2], [3]]), EXACT, V).ok
    assert not match(Kind.MATRIX, np.ones((2, 3)), np.ones((3, 2)), EXACT, V).ok


def test_matrix_mask_counts_entries() -> None:
    expected = np.array([[4, 3, 4], [2, 4, 3], [2, 3, 4]], dtype=float)
    got = expected.copy()
    got[1, 2] = 5
    got[2, 0] = 0
    m = match(Kind.MATRIX, got, expected, EXACT, V)
    assert not m.ok
    assert m.fraction == pytest.approx(7 / 9)


def test_choices_by_letter() -> None:
    assert match(Kind.CHOICE, "B", "b", EXACT, V).ok
    assert not match(Kind.CHOICE, "A", "B", EXACT, V).ok


@pytest.mark.parametrize(
    ("x", "tolerance", "text"),
    [
        (0.5621765, Tolerance(decimals=3), "0.5622"),
        (-0.1154, Tolerance(decimals=3), "-0.1154"),
        (0.0246134, Tolerance(sigfigs=3), "0.02461"),
        (4.0, EXACT, "4"),
        (1 / 3, None, "0.333333"),
    ],
)
def test_numbers_are_shown_to_the_precision_marked(
    x: float, tolerance: Tolerance, text: str
) -> None:
    assert show_number(x, tolerance) == text


class _Matrix(DiagnosticExercise):
    """A stand-in exercise with one matrix part (the notes' feature map)."""

    id = "matrix_fixture"
    title = topic = "fixture"


FMAP = np.array([[4, 3, 4], [2, 4, 3], [2, 3, 4]], dtype=float)
FLIPPED = np.array([[4, 3, 4], [2, 4, 3], [2, 3, 5]], dtype=float)
PROBLEM = Problem(
    "matrix_fixture",
    {},
    "",
    (
        Part(
            "feature_map",
            "the feature map",
            Kind.MATRIX,
            FMAP,
            EXACT,
            mistakes=(),
        ),
    ),
)


def _mark(raw: object, grading: Grading, reveal: bool = False) -> tuple[float, str]:
    exercise: Exercise = _Matrix()  # type: ignore[assignment]
    (pm,) = mark_question(
        exercise,
        PROBLEM,
        {"feature_map": raw},
        Marking({"feature_map": 3.0}, grading=grading, reveal=reveal),
    )
    return pm.credit, pm.message


def test_partial_credit_per_entry_only_where_the_assignment_allows() -> None:
    wrong_two = "4 3 4; 2 4 5; 0 3 4"
    credit, message = _mark(wrong_two, Grading(matrix_partial=True))
    assert credit == pytest.approx(7 / 9)
    assert "7 of 9 entries right; row 2, column 3 and row 3, column 1 are off" in message
    credit, _ = _mark(wrong_two, Grading(matrix_partial=False))
    assert credit == 0


def test_first_wrong_entry_revealed_only_on_request() -> None:
    _, hidden = _mark("4 3 4; 2 4 5; 0 3 4", Grading())
    assert "row 2, column 3 and row 3, column 1 are off" in hidden and "expected" not in hidden
    _, shown = _mark("4 3 4; 2 4 5; 0 3 4", Grading(), reveal=True)
    assert "the first wrong entry is row 2, column 3: expected 3, got 5" in shown
    _, one = _mark("4 3 4; 2 4 5; 2 3 4", Grading())
    assert one.endswith("8 of 9 entries right; row 2, column 3 is off")
    _, many = _mark("0 0 0; 0 0 0; 0 0 0", Grading())
    assert many.endswith("row 1, column 1; row 1, column 2; row 1, column 3 and 6 more are off")


def test_shape_mismatch_feedback_and_no_partial_credit() -> None:
    credit, message = _mark([[4, 3], [2, 4], [2, 3]], Grading(matrix_partial=True))
    assert credit == 0
    assert message == "wrong: got shape (3, 2), expected (3, 3)"


def test_a_transposed_matrix_is_named_as_such() -> None:
    problem = get_exercise("mlp_backprop").generate(np.random.default_rng(3))
    exercise = get_exercise("mlp_backprop")
    answers = {p.id: np.asarray(p.answer).T.tolist() for p in problem.parts}
    points = {p.id: 1.0 for p in problem.parts}
    marks = mark_question(exercise, problem, answers, Marking(points))
    for m in marks:
        assert m.credit == 0
        assert m.message == "wrong: this is the transpose of the answer (rows and columns swapped)"
