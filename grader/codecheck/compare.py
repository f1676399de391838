"""Compare what a student function returned with what it should return.

Values, not types: a list, an int, a float32 array or a 1-element array where a scalar is
expected are all fine. Checks run in PrairieLearn's order (type, shape, finiteness, values)
and the first that fails says what differs. Every value here is plain data decoded from the
sandbox; nothing the student defined is ever called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from exercises.misconceptions import SHAPE_COLUMN_VECTOR

# Tolerances admit float32 arithmetic (about 7 significant digits, fewer after cancellation
# such as 1 - sigmoid(a) near 1, or a gradient summed over samples): each value may be off by
# RTOL of itself, plus SCALE_TOL of the largest value it comes with, plus ATOL.
RTOL = 1e-4
SCALE_TOL = 1e-5
ATOL = 1e-6


def _margin(exp: NDArray[np.float64]) -> NDArray[np.float64]:
    scale = float(np.abs(exp).max(initial=0.0))
    return ATOL + RTOL * np.abs(exp) + SCALE_TOL * scale


@dataclass(frozen=True)
class Verdict:
    """Whether a returned value is right and, if not, one sentence saying what differs."""

    ok: bool
    message: str = ""
    kind: str = ""  # "type", "shape", "finite", "values"
    tag: str = ""  # a misconception id the comparison itself recognises, or ""


OK = Verdict(True)


def _describe_type(got: Any) -> str:
    if got is None:
        return "None (is a `return` missing?)"
    if isinstance(got, np.ndarray):
        return f"an array of shape {got.shape}"
    if isinstance(got, list):
        return f"a list of {len(got)} item{'s' if len(got) != 1 else ''}"
    return f"the number {got!r}"


def as_array(got: Any) -> NDArray[np.float64] | None:
    """A float64 array from a number, an array or (nested) lists of numbers; else None."""
    if isinstance(got, bool) or got is None:
        return None
    if isinstance(got, (int, float)):
        return np.array(float(got))
    if isinstance(got, np.ndarray):
        return got.astype(np.float64)
    if isinstance(got, list):
        try:
            parts = [as_array(g) for g in got]
        except RecursionError:
            return None
        if any(p is None for p in parts):
            return None
        shapes = {p.shape for p in parts if p is not None}
        if len(shapes) > 1:
            return None
        if not parts:
            return np.zeros((0,))
        return np.stack([p for p in parts if p is not None])
    return None


def fmt_number(x: float) -> str:
    """A number as a student reads it: whole numbers in full, others to 6 significant digits."""
    if not np.isfinite(x):
        return str(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def _index(idx: tuple[int, ...]) -> str:
    return "[" + ", ".join(map(str, idx)) + "]" if idx else ""


def compare(
    got: Any,
    expected: Any,
    either: Any = None,
    what: str = "",
    names: tuple[str, ...] = (),
    strict: bool = True,
) -> Verdict:
    """Compare ``got`` with ``expected`` (a float, an int, an ndarray, or a tuple/list of them).

    ``either``, shaped like ``expected``, holds a second accepted value of every element.
    ``what`` names the returned value in messages; ``names`` the items of a returned tuple
    (``("dL/dw", "dL/db")``). ``strict`` False accepts the right values in a shape that
    squeezes to the expected one (a column ``(N, 1)`` for ``(N,)``); strict, such a value
    fails with the tag ``shape-column-vector``.
    """
    where = f"{what}: " if what else ""
    if isinstance(expected, (tuple, list)):
        n = len(expected)
        if not isinstance(got, (list, tuple)) or len(got) != n:
            return Verdict(False, f"{where}expected {n} values, got {_describe_type(got)}", "type")
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            alt = either[i] if either is not None else None
            if names:
                label = names[i]
            elif what:
                label = f"{what}[{i}]"
            else:
                label = _part_name(i, n)
            v = compare(g, e, alt, label, strict=strict)
            if not v.ok:
                return v
        return OK
    arr = as_array(got)
    if arr is None:
        return Verdict(False, f"{where}expected numbers, got {_describe_type(got)}", "type")
    exp = np.asarray(expected, dtype=np.float64)
    integer = isinstance(expected, int) and not isinstance(expected, bool)
    if exp.size == 1 and arr.size == 1:  # a scalar, [x] or [[x]]: the same single number
        arr, exp = arr.reshape(()), exp.reshape(())
    if exp.ndim == 0:
        if arr.size != 1:
            return Verdict(
                False, f"{where}expected a single number, got shape {arr.shape}", "shape"
            )
        arr = arr.reshape(())
    elif arr.shape != exp.shape:
        squeezed = _squeezed_to(arr, exp)
        shape = f"{where}got shape {arr.shape}, expected {exp.shape}"
        if squeezed is None:
            return Verdict(False, shape, "shape")
        if strict:
            if compare(squeezed, expected, either).ok:
                right = ": the values are right, in the wrong shape"
                return Verdict(False, shape + right, "shape", COLUMN_VECTOR)
            return Verdict(False, shape, "shape")
        arr = squeezed
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if arr.ndim else ()
        at = f" at index {_index(idx)}" if idx else ""
        return Verdict(
            False,
            f"{where}got {arr[idx] if idx else arr.item()}{at}; expected a finite number",
            "finite",
        )
    margin = 1e-9 if integer else _margin(exp)
    close = np.abs(arr - exp) <= margin
    if either is not None:
        alt = np.asarray(either, dtype=np.float64).reshape(exp.shape)
        close |= np.abs(arr - alt) <= _margin(alt)
    if close.all():
        return OK
    if exp.ndim == 0:
        return Verdict(
            False,
            f"{where}expected {fmt_number(float(exp))}, got {fmt_number(float(arr))}",
            "values",
        )
    wrong = np.argwhere(~close)
    idx = tuple(int(i) for i in wrong[0])
    err = np.abs(arr - exp)
    message = (
        f"{where}{len(wrong)} of {exp.size} values wrong; first at index {_index(idx)}: "
        f"expected {fmt_number(float(exp[idx]))}, got {fmt_number(float(arr[idx]))}; "
        f"largest error {fmt_number(float(err.max()))}"
    )
    return Verdict(False, message, "values")


COLUMN_VECTOR = SHAPE_COLUMN_VECTOR


def _squeezed_to(arr: NDArray[np.float64], exp: NDArray[np.float64]) -> Any:
    """``arr`` in the shape of ``exp`` when the two differ only by axes of length 1 (a column
    ``(N, 1)``, a row ``(1, N)`` or an ``np.matrix`` for ``(N,)``), else None."""
    if arr.size != exp.size or arr.squeeze().shape != exp.squeeze().shape:
        return None
    return arr.reshape(exp.shape)


def _part_name(i: int, n: int) -> str:
    ordinal = ["1st", "2nd", "3rd"][i] if i < 3 else f"{i + 1}th"
    return f"{ordinal} of {n} returned values"


def clearly_differs(got: Any, expected: Any) -> bool:
    """A cheap test that ``got``, a value the grader computed, fails :func:`compare` against
    ``expected``: same shape, every entry finite, and some entry off by more than the margin.
    False means "ask :func:`compare`", not "equal"."""
    if isinstance(got, (tuple, list)) or isinstance(expected, (tuple, list)):
        return False
    a, e = as_array(got), as_array(expected)
    if a is None or e is None or a.shape != e.shape or not np.isfinite(a).all():
        return False
    return bool((np.abs(a - e) > _margin(e)).any())


def matches(got: Any, value: Any) -> bool:
    """True when ``got`` equals a mistake's ``value`` (same rules as :func:`compare`).

    A mistake's value may hold inf or nan (what an overflow returns, e^1000 / e^1000): it
    matches a value with the same inf and nan at the same places whose other entries match.
    """
    return compare(got, value).ok or _same_overflow(got, value)


def _same_overflow(got: Any, value: Any) -> bool:
    if isinstance(value, (tuple, list)):
        return False
    want = np.asarray(value, dtype=np.float64)
    bad = ~np.isfinite(want)
    arr = as_array(got)
    if not bad.any() or arr is None or arr.size != want.size:
        return False
    arr = arr.reshape(want.shape)
    if not np.array_equal(~np.isfinite(arr), bad):
        return False
    if not np.array_equal(arr[bad], want[bad], equal_nan=True):
        return False
    return bool(bad.all()) or compare(arr[~bad], want[~bad]).ok
