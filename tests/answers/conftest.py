"""Helpers for answer-sheet tests: writing sheets as ``grader generate`` does, and problems."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from exercises.base import Problem, to_json
from grader.assignment import Assignment, load_assignment
from grader.topics import get_exercise

WORKED = {"x": 0.5, "y": 1.5, "w": 0.3, "b": 0.1, "lr": 0.1}
# The notes' chain as the notes print it (CURRICULUM §5), b_new with the notes' slip.
NOTES_ANSWERS = {
    "y_hat": 0.56,
    "loss": 0.44,
    "dL_dyhat": -0.94,
    "dyhat_dz": 0.25,
    "dL_dw": -0.118,
    "dL_db": -0.235,
    "w_new": 0.312,
    "b_new": 0.125,
}


def toml_value(v: Any) -> str:
    """A TOML literal for plain data (strings, numbers, booleans, lists, tables)."""
    v = to_json(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def sheet_text(
    answers: Mapping[str, Mapping[str, Any]],
    problems: Mapping[str, Problem],
    *,
    student: str | None = "A0000001X",
    assignment: str | None = "nn-quiz",
) -> str:
    """An ``answers.toml`` in the format ``grader generate`` writes, filled with ``answers``."""
    lines = []
    if student is not None:
        lines.append(f"student = {toml_value(student)}")
    if assignment is not None:
        lines.append(f"assignment = {toml_value(assignment)}")
    for qid, problem in problems.items():
        lines.append(f"\n[{qid}]")
        given = answers.get(qid, {})
        for part in problem.parts:
            lines.append(f"{part.id} = {toml_value(given.get(part.id, ''))}")
    for qid, problem in problems.items():
        lines.append(f"\n[_problems.{qid}]")
        lines.append(f"exercise = {toml_value(problem.exercise)}")
        lines.append(f"params = {toml_value(problem.params)}")
    return "\n".join(lines) + "\n"


def write_sheet(path: Path, *args: Any, **kwargs: Any) -> Path:
    path.write_text(sheet_text(*args, **kwargs), encoding="utf-8")
    return path


def quiz_problems(assignment: Assignment, seed: int) -> dict[str, Problem]:
    """One variant of every question (pinned ones as pinned)."""
    rng = np.random.default_rng(seed)
    return {
        q.id: get_exercise(q.exercise).generate(rng, q.params or None) for q in assignment.questions
    }


@pytest.fixture(scope="session")
def quiz() -> Assignment:
    return load_assignment("nn-quiz")


@pytest.fixture(scope="session")
def worked() -> Problem:
    return get_exercise("neuron_backprop").build(WORKED)
