"""Scores per question or per function: the columns of ``grades.csv``."""

from __future__ import annotations

import re

from grader.assignment import Assignment
from grader.results import Report, TestResult


def columns(assignment: Assignment) -> list[str]:
    """The column names after ``id,score,max_score``: code functions, then question ids."""
    return [t.function for t in assignment.code] + [q.id for q in assignment.questions]


def column_of(test: TestResult, names: list[str]) -> str | None:
    """The column a test counts towards: its name is the column, or starts with it.

    A test of function ``sigmoid_derivative`` must not count for ``sigmoid``: the column name
    must be followed by something that cannot continue an identifier.
    """
    best = None
    for name in names:
        if re.match(re.escape(name) + r"(?![A-Za-z0-9_])", test.name) and (
            best is None or len(name) > len(best)
        ):
            best = name
    return best


def column_scores(assignment: Assignment, report: Report) -> dict[str, float]:
    names = columns(assignment)
    scores = dict.fromkeys(names, 0.0)
    for test in report.tests:
        col = column_of(test, names)
        if col is not None:
            scores[col] += test.score
    return scores
