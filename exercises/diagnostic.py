"""Variants drawn until their known mistakes show, and what every catalogue exercise shares."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from exercises.base import Mistake, Problem, Tolerance, Value, finite_scalar

MAX_ATTEMPTS = 200  # redraws before a generator gives up on a diagnostic variant

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
    expression_symbols: Mapping[str, str] = {}
    expression_definitions: Mapping[str, str] = {}

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

    def explain_mistake(
        self, problem: Problem, part_id: str, misconception: str, status: Mapping[str, str]
    ) -> str | None:
        return None

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
    if type(exercise).by_hand is DiagnosticExercise.by_hand:
        return False
    return params is None or bool(exercise.hand_applies(params))
