"""Checks of an exercise's parameters.

Parameters are plain JSON data (numbers, lists of lists, strings, booleans), so a problem can
be rebuilt exactly from what ``key.json`` records. Every check raises a ``ValueError`` that
names the exercise and the parameter.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

MAX_MAGNITUDE = 1e6  # the largest number a problem worked by hand may hold (pixels are <= 255)


def check_names(exercise: str, params: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Reject parameter names the exercise does not know."""
    known = list(allowed)
    for name in params:
        if name not in known:
            raise ValueError(
                f"{exercise}: unknown parameter {name!r}; parameters are {', '.join(known)}"
            )


def require(exercise: str, params: Mapping[str, Any], name: str) -> Any:
    if name not in params:
        raise ValueError(f"{exercise}: parameter {name!r} is missing")
    return params[name]


def number(exercise: str, name: str, value: Any, *, positive: bool = False) -> float:
    """A finite float parameter (``positive``: strictly greater than 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{exercise}: parameter {name!r} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{exercise}: parameter {name!r} must be finite, got {value!r}")
    if abs(v) > MAX_MAGNITUDE:
        raise ValueError(
            f"{exercise}: parameter {name!r} must be between {-MAX_MAGNITUDE:g} and "
            f"{MAX_MAGNITUDE:g}, got {v:g}"
        )
    if positive and v <= 0:
        raise ValueError(f"{exercise}: parameter {name!r} must be > 0, got {value!r}")
    return v


def count(exercise: str, name: str, value: Any, minimum: int = 0, maximum: int = 10**9) -> int:
    """A whole-number parameter in ``[minimum, maximum]`` (an integral float is accepted)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{exercise}: parameter {name!r} must be a whole number, got {value!r}")
    if not math.isfinite(float(value)) or float(value) != int(value):
        raise ValueError(f"{exercise}: parameter {name!r} must be a whole number, got {value!r}")
    if not minimum <= float(value) <= maximum:
        shown = f"{float(value):g}" if abs(float(value)) >= 1e15 else str(int(value))
        raise ValueError(
            f"{exercise}: parameter {name!r} must be between {minimum} and {maximum}, got {shown}"
        )
    n = int(value)
    return n


def matrix(
    exercise: str, name: str, value: Any, *, max_size: int = 64, integer: bool = False
) -> list[list[float]]:
    """A non-empty rectangular matrix of finite numbers, as a list of row lists."""
    fast = _plain_matrix(value, max_size, integer)
    if fast is not None:
        return fast
    if isinstance(value, str) or not isinstance(value, (list, tuple, np.ndarray)):
        raise ValueError(f"{exercise}: parameter {name!r} must be a matrix (list of rows)")
    rows = [list(r) if isinstance(r, (list, tuple, np.ndarray)) else None for r in value]
    if not rows or any(r is None for r in rows):
        raise ValueError(f"{exercise}: parameter {name!r} must be a non-empty list of rows")
    widths = {len(r) for r in rows if r is not None}
    if len(widths) != 1 or 0 in widths:
        raise ValueError(f"{exercise}: parameter {name!r} must have rows of equal, non-zero length")
    if len(rows) > max_size or max(widths) > max_size:
        raise ValueError(f"{exercise}: parameter {name!r} is larger than {max_size}x{max_size}")
    out = [
        [number(exercise, f"{name}[{i}][{j}]", v) for j, v in enumerate(r)]
        for i, r in enumerate(rows)
        if r is not None
    ]
    if integer and any(v != int(v) for r in out for v in r):
        raise ValueError(f"{exercise}: parameter {name!r} must hold whole numbers")
    return out


def _plain_matrix(value: Any, max_size: int, integer: bool) -> list[list[float]] | None:
    """The common case, checked quickly: lists of equal length of finite ints and floats."""
    if not isinstance(value, list) or not value or len(value) > max_size:
        return None
    width = len(value[0]) if isinstance(value[0], list) else 0
    if not 0 < width <= max_size:
        return None
    rows = []
    for r in value:
        if not isinstance(r, list) or len(r) != width:
            return None
        if not all(type(v) is float or type(v) is int for v in r):  # bools and text go the slow way
            return None
        row = [float(v) for v in r]
        if not all(
            math.isfinite(v) and abs(v) <= MAX_MAGNITUDE and (not integer or v == int(v))
            for v in row
        ):
            return None
        rows.append(row)
    return rows


def choice(exercise: str, name: str, value: Any, options: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in options:
        raise ValueError(
            f"{exercise}: parameter {name!r} must be one of {', '.join(options)}, got {value!r}"
        )
    return value


def flag(exercise: str, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{exercise}: parameter {name!r} must be true or false, got {value!r}")
    return value
