"""Arbitrary input never crashes a reader: it is a value or a one-line reason."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from exercises.base import Kind
from grader.answers.expr import ExpressionError, Node, equivalent, parse_expression
from grader.answers.values import AnswerError, parse_answer

EXPRESSION_ALPHABET = st.sampled_from(
    [
        *list("0123456789.eE+-*/^() asbetigmxplnqrt_β σπ−,'\"[]{}:;=<>!@#$%&|~`\\\n\t"),
        "**",
        "exp(",
        "log(",
        "sqrt(",
        "sigma(",
        "beta",
        "9**9",
        "__",
    ]
)
expressions = st.lists(EXPRESSION_ALPHABET, max_size=60).map("".join)

toml_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | expressions,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(expressions)
def test_expression_parser_total(text: str) -> None:
    try:
        tree = parse_expression(text)
    except ExpressionError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    assert isinstance(tree, Node)


@settings(max_examples=60, deadline=None)
@given(expressions, expressions)
def test_equivalence_total(x: str, y: str) -> None:
    try:
        a, b = parse_expression(x), parse_expression(y)
    except ExpressionError:
        return
    assert isinstance(equivalent(a, b).equivalent, bool)


@settings(max_examples=400, deadline=None)
@given(toml_values, st.sampled_from(list(Kind)))
def test_value_readers_total(raw: Any, kind: Kind) -> None:
    try:
        parse_answer(raw, kind, choices=("True", "False"))
    except AnswerError as exc:
        assert "\n" not in str(exc) and str(exc)
