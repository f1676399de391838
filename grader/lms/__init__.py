"""Quizzes for learning management systems: Moodle XML, Canvas QTI 1.2 and GIFT.

:func:`export_quiz` draws the variants of an assignment's questions (:mod:`grader.lms.quiz`)
and writes them in one format. Each writer documents what it makes of numbers, matrices and
choices; parts no format can grade (symbolic expressions) are named in the export's notes.
"""

from __future__ import annotations

from collections.abc import Callable

from grader.assignment import Assignment
from grader.errors import UsageError
from grader.lms.common import Export
from grader.lms.gift import write_gift
from grader.lms.moodle import write_moodle
from grader.lms.qti import write_qti
from grader.lms.quiz import MAX_VARIANTS, Quiz, build_quiz

FORMATS: dict[str, Callable[[Quiz], Export]] = {
    "moodle": write_moodle,
    "qti": write_qti,
    "gift": write_gift,
}

# the file name ending each format's file usually has
SUFFIXES = {"moodle": ".xml", "qti": ".zip", "gift": ".txt"}


def export_quiz(assignment: Assignment, fmt: str, variants: int = 1, seed: int = 0) -> Export:
    """``assignment``'s questions, ``variants`` variants each, written in format ``fmt``."""
    try:
        writer = FORMATS[fmt]
    except KeyError:
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}") from None
    return writer(build_quiz(assignment, variants, seed))


__all__ = ["FORMATS", "MAX_VARIANTS", "SUFFIXES", "Export", "Quiz", "build_quiz", "export_quiz"]
