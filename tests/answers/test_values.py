"""Reading the values students write: every accepted form and every refusal."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from exercises.base import Kind
from grader.answers.values import (
    AnswerError,
    parse_answer,
    parse_choice,
    parse_integer,
    parse_matrix,
    parse_number,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (-0.118, -0.118),
        (3, 3.0),
        ("0.56", 0.56),
        ("  -0.118 ", -0.118),
        ("\u22120.118", -0.118),  # Unicode minus
        ("\u20130.118", -0.118),  # en dash
        ("+2", 2.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("2e-3", 0.002),
        ("2E3", 2000.0),
        ("1/2", 0.5),
        ("-3 / 4", -0.75),
        ("\u22121/8", -0.125),
        ("0.5/2", 0.25),
    ],
)
def test_numbers(raw: object, expected: float) -> None:
    assert parse_number(raw) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("abc", "could not read 'abc' as a number"),
        ("nan", "NaN"),
        ("-inf", "infinite"),
        ("Infinity", "infinite"),
        (float("nan"), "NaN"),
        (float("inf"), "infinite"),
        ("1e999", "infinite"),
        (10**400, "infinite"),
        ("12%", "without %"),
        ("0,5", "use a point for decimals (0.5)"),
        ("1/0", "divides by zero"),
        ("1_000", "could not read"),
        ("0x10", "could not read"),
        ("1 2", "could not read"),
        (True, "true is not a number"),
        ([1, 2], "expected a single number"),
        ("2*3", "could not read"),
        ("__import__('os')", "could not read"),
    ],
)
def test_number_refusals(raw: object, reason: str) -> None:
    with pytest.raises(AnswerError) as err:
        parse_number(raw)
    message = str(err.value)
    assert reason in message
    assert "\n" not in message


def test_long_text_refused_without_work() -> None:
    with pytest.raises(AnswerError, match="too long"):
        parse_number("1" * 100_000)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (4, 4),
        ("4", 4),
        (4.0, 4),
        ("4e8", 400_000_000),
        ("400,000,000", 400_000_000),
        ("8/2", 4),
        ("400 010 000", 400_010_000),  # grouped as the course notes print it
        ("10\u202f000", 10_000),
    ],
)
def test_integers(raw: object, expected: int) -> None:
    value = parse_integer(raw)
    assert value == expected and isinstance(value, int)


@pytest.mark.parametrize(
    "raw", [4.5, "4.5", "1/3", "1,00", True, "1e400", 10**20, "1e9999", "400 010,000", "1 2"]
)
def test_integer_refusals(raw: object) -> None:
    with pytest.raises(AnswerError):
        parse_integer(raw)


FEATURE_MAP = np.array([[4, 3, 4], [2, 4, 3], [2, 3, 4]], dtype=float)


@pytest.mark.parametrize(
    "raw",
    [
        [[4, 3, 4], [2, 4, 3], [2, 3, 4]],
        [["4", "3", "4"], [2, 4.0, 3], [2, "3", 4]],
        "4 3 4; 2 4 3; 2 3 4",
        "4, 3, 4; 2, 4, 3; 2, 3, 4",
        "4 3 4\n2 4 3\n2 3 4\n",
        "[[4, 3, 4], [2, 4, 3], [2, 3, 4]]",
        "[4 3 4; 2 4 3; 2 3 4]",
        "4 3 4; 2 4 3; 2 3 4;",
    ],
)
def test_matrices(raw: object) -> None:
    got = parse_matrix(raw)
    assert got.shape == (3, 3)
    np.testing.assert_array_equal(got, FEATURE_MAP)


def test_matrix_with_unicode_minus_and_fractions() -> None:
    got = parse_matrix("\u22121 1/2; 0.25 \u22122e-1")
    np.testing.assert_allclose(got, [[-1, 0.5], [0.25, -0.2]])


def test_flat_list_and_single_number_are_matrices() -> None:
    assert parse_matrix([1, 2, 3]).shape == (1, 3)
    assert parse_matrix(7).shape == (1, 1)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1 2 3; 4 5", "row 1 has 3 entries, row 2 has 2"),
        ([[1, 2], [3]], "row 1 has 2 entries, row 2 has 1"),
        ("1 x; 3 4", "row 1, column 2: could not read 'x' as a number"),
        ([[1, float("nan")]], "row 1, column 2"),
        ([[[1]]], "nested too deeply"),
        ([1, [2]], "mix of numbers and rows"),
        ([], "no entries"),
        (True, "as a matrix"),
    ],
)
def test_matrix_refusals(raw: object, reason: str) -> None:
    with pytest.raises(AnswerError) as err:
        parse_matrix(raw)
    assert reason in str(err.value)


OPTIONS = ("Dense connections", "Local, shared weights", "Max pooling", "Dropout")


@pytest.mark.parametrize("raw", ["b", "B", " b ", "b)", "(b)", "B.", "b) Local, shared weights"])
def test_choice_letters(raw: str) -> None:
    assert parse_choice(raw, OPTIONS) == "B"


def test_choice_by_option_text() -> None:
    assert parse_choice("local, shared weights", OPTIONS) == "B"


def test_choice_booleans_pick_the_true_false_option() -> None:
    assert parse_choice(True, ("True", "False")) == "A"
    assert parse_choice(False, ("True", "False")) == "B"
    assert parse_choice("false", ("True", "False")) == "B"
    with pytest.raises(AnswerError, match="letter of an option"):
        parse_choice(True, OPTIONS)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("E", "'E' is not one of the options (A to D)"),
        ("bc", "letter of an option (A to D)"),
        (2, "letter of an option"),
        ("the second one", "letter of an option"),
    ],
)
def test_choice_refusals(raw: object, reason: str) -> None:
    with pytest.raises(AnswerError) as err:
        parse_choice(raw, OPTIONS)
    assert reason in str(err.value)


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("raw", ["", "   "])
def test_empty_string_is_unanswered(kind: Kind, raw: str) -> None:
    assert parse_answer(raw, kind) is None


def test_tables_are_not_answers() -> None:
    with pytest.raises(AnswerError, match="a table is not an answer"):
        parse_answer({"x": 1}, Kind.NUMBER)


def test_expression_answers_are_parsed_not_evaluated() -> None:
    node = parse_answer("beta*s*(1-s)", Kind.EXPRESSION)
    assert "exp" in str(node)
    with pytest.raises(AnswerError, match="could not read the expression"):
        parse_answer("__import__('os')", Kind.EXPRESSION)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1.2×10^-3", 0.0012), ("1.2*10**(-3)", 0.0012), ("≈0.56", 0.56), ("~ \u22120.1", -0.1)],
)
def test_written_scientific_notation_and_approximately(raw: str, expected: float) -> None:
    assert parse_number(raw) == pytest.approx(expected, rel=1e-15)


def test_t_and_f_for_true_false_questions_only() -> None:
    assert parse_choice("t", ("True", "False")) == "A"
    assert parse_choice("F", ("True", "False")) == "B"
    with pytest.raises(AnswerError, match="'F' is not one of the options"):
        parse_choice("F", OPTIONS)


@pytest.mark.parametrize(
    "raw", [datetime.date(1980, 1, 1), datetime.time(7, 32), datetime.datetime(1979, 5, 27, 7, 32)]
)
def test_a_toml_date_is_refused_in_words(raw: object) -> None:
    with pytest.raises(AnswerError) as err:
        parse_answer(raw, Kind.NUMBER)
    assert str(err.value).startswith("a date or time (")
    assert "datetime." not in str(err.value)  # no Python repr
