"""Exercise ids mapped to exercises, in the order a course teaches them."""

from __future__ import annotations

from exercises.base import Exercise

CATALOGUE: dict[str, Exercise] = {}


def get_exercise(exercise_id: str) -> Exercise:
    """The exercise called ``exercise_id``, or a KeyError listing the known ids."""
    try:
        return CATALOGUE[exercise_id]
    except KeyError:
        known = ", ".join(CATALOGUE) or "none yet"
        raise KeyError(f"unknown exercise {exercise_id!r}; known: {known}") from None
