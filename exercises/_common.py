"""Helpers shared by the exercise modules: parameter checks, nice random numbers, mistakes.

Parameters are plain JSON data (numbers, lists of lists, strings, booleans), so a problem can
be rebuilt exactly from what ``key.json`` records. Every check raises a ``ValueError`` that
names the exercise and the parameter.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from exercises.base import Mistake, Problem, Tolerance, Value, finite_scalar

MAX_ATTEMPTS = 200  # redraws before a generator gives up on a diagnostic variant
MAX_MAGNITUDE = 1e6  # the largest number a problem worked by hand may hold (pixels are <= 255)


@dataclass(frozen=True)
class Given:
    """One quantity shown in a problem statement: a symbol name and its value.

    ``name`` is a key of the rendering notation table (e.g. ``"W1"``, ``"beta"``); ``value`` is
    a number, a matrix (list of lists) or a short text.
    """

    name: str
    value: Any
    note: str = ""


@dataclass(frozen=True)
class Statement:
    """A problem statement in parts a renderer can typeset: prose, the givens, the question."""

    intro: str
    givens: tuple[Given, ...]
    ask: str

    def as_text(self) -> str:
        lines = [self.intro]
        for g in self.givens:
            lines.append(
                f"  {g.name} = {format_value(g.value)}" + (f"  ({g.note})" if g.note else "")
            )
        if self.ask:
            lines.append(self.ask)
        return "\n".join(lines)


def format_number(value: float, places: int = 6) -> str:
    """A number as a person writes it: no trailing zeros, at most ``places`` decimals."""
    v = float(value)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    text = f"{v:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_value(value: Any) -> str:
    """Plain-text form of a parameter: numbers, ``[a b; c d]`` matrices, lists, text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, np.floating, np.integer)):
        return format_number(float(value))
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(r, (list, tuple)) for r in value):
            return "[" + "; ".join(" ".join(format_value(v) for v in r) for r in value) + "]"
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


# --- parameter checks ---------------------------------------------------------------


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


# --- random numbers that read well on paper ---------------------------------------------


def tenths(rng: np.random.Generator, low: float, high: float, *, nonzero: bool = True) -> float:
    """A multiple of 0.1 in ``[low, high]`` (not 0 when ``nonzero``)."""
    while True:
        v = round(int(rng.integers(round(low * 10), round(high * 10) + 1)) / 10, 1)
        if v != 0 or not nonzero:
            return v


def tenths_matrix(
    rng: np.random.Generator, rows: int, cols: int, low: float, high: float
) -> list[list[float]]:
    return [[tenths(rng, low, high, nonzero=False) for _ in range(cols)] for _ in range(rows)]


def pick(rng: np.random.Generator, options: Sequence[Any]) -> Any:
    return options[int(rng.integers(len(options)))]


# --- mistakes ------------------------------------------------------------------------


_NUMBER = (float, int)


def differs(answer: Value, value: Value, tolerance: Tolerance) -> bool:
    """True when ``value`` would be marked wrong against ``answer`` under ``tolerance``."""
    if isinstance(answer, str) or isinstance(value, str):
        return str(answer).replace(" ", "") != str(value).replace(" ", "")
    if type(answer) in _NUMBER and type(value) in _NUMBER:  # two plain numbers: no arrays
        return not tolerance.accepts(float(value), float(answer))
    a = np.asarray(answer, dtype=np.float64)
    v = np.asarray(value, dtype=np.float64)
    if a.shape != v.shape:
        return True
    # element by element, exactly as the grader marks a matrix (answers.compare.match_matrix)
    return not all(
        tolerance.accepts(float(x), float(y)) for x, y in zip(v.flat, a.flat, strict=True)
    )


def mistakes(
    answer: Value,
    tolerance: Tolerance,
    candidates: Sequence[tuple[str, Value | None]],
    known: Sequence[Mistake] = (),
) -> tuple[tuple[Mistake, ...], list[str]]:
    """Keep the candidates that a grader can tell from the answer and from each other (and
    from the ``known`` mistakes, kept first).

    Returns the kept mistakes and the ids of those dropped (they coincide with the answer or
    with an earlier mistake), so that a generator can redraw a more diagnostic variant.
    """
    kept: list[Mistake] = list(known)
    dropped: list[str] = []
    for misconception, value in candidates:
        if value is None:
            continue
        if differs(answer, value, tolerance) and all(
            differs(m.value, value, tolerance) for m in kept
        ):
            kept.append(Mistake(misconception, value))
        else:
            dropped.append(misconception)
    return tuple(kept), dropped


def also_recognised(
    answer: Value,
    tolerance: Tolerance,
    kept: Sequence[Mistake],
    candidates: Sequence[tuple[str, Value | None]],
) -> tuple[Mistake, ...]:
    """``kept``, and the ``candidates`` a grader can tell from the answer and from them.

    For mistakes named where they show but no part of what makes a variant diagnostic: adding
    them to what a draw must show would change which variants the secret draws.
    """
    return mistakes(answer, tolerance, candidates, kept)[0]


def given_number(given: Mapping[str, Value], part_id: str, fallback: float) -> float:
    """The student's value for ``part_id`` as a float, or ``fallback`` when absent or unusable."""
    value = finite_scalar(given.get(part_id))
    return fallback if value is None else value


def generate_diagnostic(
    exercise: str,
    draw: Callable[[np.random.Generator, Mapping[str, Any]], dict[str, Any]],
    compose: Callable[[Mapping[str, Any]], tuple[Problem, list[str]]],
    rng: np.random.Generator,
    pinned: Mapping[str, Any] | None,
) -> Problem:
    """Draw parameters (keeping ``pinned`` ones) until no expected mistake coincides.

    ``draw`` sees the pinned parameters, so it can fit the shapes it draws to them. With every
    parameter pinned, the pinned problem is returned as it is.
    """
    pinned = dict(pinned or {})
    problem: Problem | None = None
    previous: dict[str, Any] | None = None
    for _ in range(MAX_ATTEMPTS):
        params = {**draw(rng, pinned), **pinned}
        if params == previous:  # nothing left to redraw
            break
        previous = params
        if params == pinned:  # every parameter pinned: the same problem for every student
            return _pinned_problem(exercise, compose, params)
        problem, dropped = compose(params)
        if not dropped:
            return problem
    if problem is None:  # pragma: no cover - MAX_ATTEMPTS > 0
        raise ValueError(f"{exercise}: could not draw a problem")
    return problem


_PINNED: dict[str, Problem] = {}
_PINNED_MAX = 256


def _pinned_problem(
    exercise: str,
    compose: Callable[[Mapping[str, Any]], tuple[Problem, list[str]]],
    params: Mapping[str, Any],
) -> Problem:
    """``compose(params)``'s problem, built once per exercise and parameters (JSON data only).

    A question whose parameters are all pinned gives every student the same problem; problems
    are frozen, so they are shared rather than built again for each student.
    """
    try:
        key = json.dumps([exercise, params])  # key order kept: the same input, the same problem
    except (TypeError, ValueError):  # not plain JSON data (arrays, say): no cache
        return compose(params)[0]
    if key not in _PINNED:
        if len(_PINNED) >= _PINNED_MAX:
            _PINNED.clear()
        _PINNED[key] = compose(params)[0]
    return _PINNED[key]


class DiagnosticExercise:
    """What every catalogue exercise shares: drawing until mistakes show, and no chaining.

    A subclass sets ``id``, ``title`` and ``topic``, and defines ``_draw(rng, pinned)`` (fresh
    parameters) and ``_compose(params)`` (the problem, and the mistakes that could not show);
    it overrides ``follow_through`` and ``by_hand`` where its parts chain or are worked by hand.
    """

    id: str
    title: str
    topic: str

    def _draw(self, rng: np.random.Generator, pinned: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _compose(self, params: Mapping[str, Any]) -> tuple[Problem, list[str]]:
        raise NotImplementedError

    def generate(
        self, rng: np.random.Generator, pinned: Mapping[str, Any] | None = None
    ) -> Problem:
        return generate_diagnostic(self.id, self._draw, self._compose, rng, pinned)

    def build(self, params: Mapping[str, Any]) -> Problem:
        return self._compose(params)[0]

    def follow_through(
        self, problem: Problem, part_id: str, given: Mapping[str, Value]
    ) -> Value | None:
        return None

    def carried_mistakes(
        self, problem: Problem, part_id: str, given: Mapping[str, Value]
    ) -> tuple[Mistake, ...]:
        return ()

    def by_hand(self, problem: Problem, decimals: int) -> Mapping[str, Value] | None:
        return None

    def hand_applies(self, params: Mapping[str, Any]) -> bool:
        """Whether a variant with ``params`` has values to read off a calculator (where the
        exercise works by hand at all)."""
        return True


def works_by_hand(exercise: Any, params: Mapping[str, Any] | None = None) -> bool:
    """Whether ``exercise`` has a hand-rounded working at all (it overrides ``by_hand``):
    rounding intermediates means nothing to the others (counts, exact sums, choices). Given a
    variant's ``params``, also whether it applies to that variant (a ReLU neuron reads nothing
    off a calculator)."""
    if getattr(type(exercise), "by_hand", None) is DiagnosticExercise.by_hand:
        return False
    applies = getattr(exercise, "hand_applies", None)
    return params is None or applies is None or bool(applies(params))
