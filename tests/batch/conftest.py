"""Fixtures for the batch: a small mixed assignment and a stand-in backend.

The stand-in reads files as text and runs nothing: it lets the batch's own machinery
(collecting, storing, resuming, outputs, integrity) be tested apart from the sandbox and the
sheet grader, which have their own tests. The end-to-end tests use the real backend.
"""

from __future__ import annotations

import re
import threading
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from exercises.base import Problem
from grader.assignment import Assignment, parse_assignment
from grader.results import Report, TestResult, load_error_extra

MIXED = """
name = "mixed"
title = "Mixed practice"

[[code]]
function = "sigmoid"
points = 2
[[code]]
function = "sigmoid_derivative"
points = 2

[[question]]
id = "q1"
exercise = "neuron_backprop"
points = 8

[[question]]
id = "q2"
exercise = "conv_output_size"
points = 2
"""

# Code only: two functions, no questions.
CODE_ONLY = """
name = "code-only"
title = "Two functions"
[[code]]
function = "sigmoid"
points = 2
[[code]]
function = "relu"
points = 1
"""


class FakeBackend:
    """Code: a function scores when the file defines it and carries no `# wrong` mark for it.
    Sheets: a part scores when its value equals the key's exactly."""

    def __init__(self, assignment: Assignment) -> None:
        self.assignment = assignment
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def grade_code(self, path: Path, student: str, seed: int, timeout: float) -> Report:
        with self.lock:
            self.calls.append(("code", student))
        text = path.read_text()
        if "CRASH" in text:
            raise RuntimeError("the fake backend broke")
        if "SYNTAX" in text:
            unloaded = tuple(
                TestResult(t.function, 0, t.points, "syntax error", attempted=False)
                for t in self.assignment.code
            )
            return Report(unloaded, "syntax error", load_error_extra("syntax error on line 1"))
        tests = []
        for task in self.assignment.code:
            defined = f"def {task.function}(" in text
            wrong = f"# wrong {task.function}\n" in text
            tags = ("sigmoid-derivative-missing-beta",) if wrong else ()
            score = task.points if defined and not wrong else 0.0
            tests.append(TestResult(task.function, score, task.points, "", tags, defined))
        return Report(tuple(tests))

    def grade_sheet(self, path: Path, student: str, problems: Mapping[str, Problem]) -> Report:
        with self.lock:
            self.calls.append(("sheet", student))
        data = tomllib.loads(path.read_text())
        tests = []
        for q in self.assignment.questions:
            parts = problems[q.id].parts
            for part in parts:
                got = data.get(q.id, {}).get(part.id)
                want = problems[q.id].key()[part.id]
                ok = got is not None and abs(float(got) - float(want)) < 1e-9
                share = q.points / len(parts)
                tests.append(TestResult(f"{q.id}.{part.id}", share if ok else 0.0, share))
        return Report(tuple(tests))


@pytest.fixture
def mixed() -> Assignment:
    return parse_assignment(MIXED, "mixed.toml")


@pytest.fixture
def assignment_file(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.toml"
    path.write_text(MIXED)
    return path


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("course secret 2026\n")
    return path


@pytest.fixture
def fake_factory() -> Iterator[list[FakeBackend]]:
    """A backend factory for ``pipeline.grade``; the list collects the backends it made."""
    made: list[FakeBackend] = []

    @contextmanager
    def factory(assignment: Assignment, jobs: int) -> Iterator[FakeBackend]:
        backend = FakeBackend(assignment)
        made.append(backend)
        yield backend

    factory.made = made  # type: ignore[attr-defined]
    yield factory  # type: ignore[misc]


def class_files(out: Path) -> dict[str, str]:
    """Every file of an output folder but the database, report.html's date made constant:
    what must be the same after a merge of shards as after one run of the whole class."""
    files = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and not path.name.startswith(("grading.sqlite", ".")):
            text = path.read_text("utf-8")
            if path.name == "report.html":
                text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "DATE", text)
            files[str(path.relative_to(out))] = text
    return files
