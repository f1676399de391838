"""Comparing one read answer with one expected value, by the part's kind and tolerance.

* numbers: the part's :class:`~exercises.base.Tolerance` (or the question's override);
* integers: exactly (``4.0`` equals 4, ``4.5`` never does);
* matrices: shapes first ("got shape (3, 2), expected (3, 3)"; a row or column written as a
  flat list is taken in the expected orientation), then element by element, naming the first
  element that is off and counting the elements that are right (for partial credit);
* choices: the letter;
* expressions: equivalence as decided by :func:`grader.answers.expr.equivalent`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from exercises.base import Kind, Tolerance
from grader.answers.expr import ExpressionError, Node, Vocabulary, equivalent, parse_expression


@dataclass(frozen=True)
class Match:
    """How a value compares with one expected value.

    ``mask`` holds, for a matrix of the right shape, which elements are accepted; ``shape``
    is the reason when the shapes differ.
    """

    ok: bool
    mask: NDArray[np.bool_] | None = None
    shape: str = ""

    @property
    def fraction(self) -> float:
        if self.mask is not None and self.mask.size:
            return float(self.mask.mean())
        return 1.0 if self.ok else 0.0


def show_number(x: float, tolerance: Tolerance | None = None) -> str:
    """A number as feedback shows it, to the precision the tolerance asks for."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    if tolerance is not None and tolerance.decimals is not None:
        text = f"{x:.{tolerance.decimals + 1}f}"
    elif tolerance is not None and tolerance.sigfigs is not None:
        text = f"{x:.{tolerance.sigfigs + 1}g}"
    else:
        text = f"{x:.6g}"
    if "e" not in text and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def show_value(value: Any, tolerance: Tolerance | None = None) -> str:
    """Any answer value as one line of feedback."""
    if isinstance(value, Node):
        return str(value)
    if isinstance(value, (np.ndarray, list)):
        arr = np.atleast_2d(np.asarray(value, dtype=np.float64))
        rows = ["  ".join(show_number(v, tolerance) for v in row) for row in arr]
        return "[" + "; ".join(rows) + "]"
    if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
        return show_number(float(value), tolerance)
    return str(value)


def _as_matrix(value: Any) -> NDArray[np.float64]:
    return np.atleast_2d(np.asarray(value, dtype=np.float64))


def oriented(got: NDArray[np.float64], expected_shape: tuple[int, ...]) -> NDArray[np.float64]:
    """``got`` reshaped to a row or column vector's expected shape when only that differs."""
    if got.shape == expected_shape or got.size != math.prod(expected_shape):
        return got
    if sum(d > 1 for d in got.shape) <= 1 and sum(d > 1 for d in expected_shape) <= 1:
        return got.reshape(expected_shape)
    return got


def shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def match_matrix(got: Any, expected: Any, tolerance: Tolerance) -> Match:
    exp = _as_matrix(expected)
    g = oriented(_as_matrix(got), exp.shape)
    if g.shape != exp.shape:
        return Match(
            False, shape=f"got shape {shape_text(g.shape)}, expected {shape_text(exp.shape)}"
        )
    mask = np.array(
        [tolerance.accepts(float(a), float(b)) for a, b in zip(g.flat, exp.flat, strict=True)],
        dtype=bool,
    ).reshape(exp.shape)
    return Match(bool(mask.all()), mask=mask)


def expression_node(value: Any, vocab: Vocabulary) -> Node | None:
    """An expected value (text from the exercise) as a tree; None if it is not one."""
    if isinstance(value, Node):
        return value
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        try:
            return parse_expression(str(value), vocab)
        except ExpressionError:
            return None
    return None


def match(kind: Kind, got: Any, expected: Any, tolerance: Tolerance, vocab: Vocabulary) -> Match:
    """Compare a read answer ``got`` with ``expected`` for a part of ``kind``."""
    if expected is None:
        return Match(False)
    if kind == Kind.NUMBER:
        arr = np.asarray(expected, dtype=np.float64)
        if arr.size != 1:
            return Match(False)
        return Match(tolerance.accepts(float(got), float(arr.reshape(()))))
    if kind == Kind.INTEGER:
        exp = float(np.asarray(expected, dtype=np.float64).reshape(()))
        return Match(exp == int(exp) and int(got) == int(exp))
    if kind == Kind.MATRIX:
        return match_matrix(got, expected, tolerance)
    if kind == Kind.CHOICE:
        return Match(str(got).strip().upper() == str(expected).strip().upper())
    if kind == Kind.EXPRESSION:
        node = expression_node(expected, vocab)
        return Match(node is not None and equivalent(node, got).equivalent)
    return Match(False)  # pragma: no cover
