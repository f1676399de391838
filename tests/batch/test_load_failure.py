"""A file that could not be loaded is recognised by the checker's signal, not by wording."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.assignment import Assignment, parse_assignment
from grader.batch.backend import GraderBackend
from grader.batch.collect import Submission
from grader.batch.engine import Job, failure, grade_one
from grader.results import Report, TestResult, load_error_extra
from grader.sandbox import Limits, SandboxServer
from tests.batch.conftest import CODE_ONLY

# Loads, defines every function, and each raises with words a load failure might use.
MISLEADING = (
    "def sigmoid(a, beta=1.0):\n"
    "    raise ValueError('your file could not be loaded')\n"
    "def relu(a):\n"
    "    raise ValueError('your file could not be loaded')\n"
)


class NoVariants:
    def variant(self, student: str):  # pragma: no cover - code-only assignment
        raise AssertionError("no questions to vary")

    def recorded(self, student: str) -> None:
        return None

    def code_seed(self, student: str) -> int:
        return 7


@pytest.fixture(scope="module")
def assignment() -> Assignment:
    return parse_assignment(CODE_ONLY, "code-only.toml")


@pytest.fixture(scope="module")
def backend(assignment: Assignment) -> Iterator[GraderBackend]:
    with SandboxServer(Limits(timeout=5.0)) as server:
        yield GraderBackend(assignment, server)


def _grade(assignment: Assignment, backend: GraderBackend, path: Path):
    job = Job("S1", Submission("S1", code=path), 7, "digest")
    return grade_one(assignment, backend, NoVariants(), job, 5.0)


def test_failure_reads_the_structured_signal():
    tests = (TestResult("sigmoid", 0.0, 2.0, "not run"),)
    report = Report(tests, "ignored", load_error_extra("f.py:3: SyntaxError: bad\nmore"))
    assert report.load_error == "f.py:3: SyntaxError: bad\nmore"
    assert failure(report) == "f.py:3: SyntaxError: bad"
    data = report.to_json()
    assert data["error"] == {"kind": "load", "message": "f.py:3: SyntaxError: bad\nmore"}
    assert {"score", "max_score", "output", "tests"} <= set(data)


def test_wording_alone_is_not_a_load_failure():
    tests = (
        TestResult("sigmoid", 0.0, 2.0, "not run: your file could not be loaded"),
        TestResult("relu", 0.0, 1.0, "raised ValueError: could not be loaded"),
    )
    assert failure(Report(tests, "x.py: could not be loaded")) is None
    assert Report(tests).load_error is None
    assert failure(Report(tests, "", {"error": {"kind": "other", "message": "m"}})) is None


def test_a_file_that_does_not_load_is_one_reason_for_every_function(assignment, backend, tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("import numpy as np\n\ndef sigmoid(a:\n    return a\n")
    stored = _grade(assignment, backend, path)
    problem = stored.meta["problem"]
    assert problem.startswith("broken.py:3: SyntaxError") and str(tmp_path) not in problem
    # sigmoid is written but not run; relu is not in the file at all
    outputs = [(t.name, t.output, t.attempted) for t in stored.report.tests]
    assert outputs == [
        ("sigmoid", "not run (the file did not load)", True),
        ("relu", "not attempted: not defined in your file", False),
    ]
    assert stored.report.output.startswith(problem)  # the reason, on top
    assert stored.report.score == 0


def test_a_crash_while_importing_is_a_load_failure(assignment, backend, tmp_path):
    path = tmp_path / "crash.py"
    path.write_text("import os\nos._exit(3)\n")
    stored = _grade(assignment, backend, path)
    assert "loading the file failed" in stored.meta["problem"]
    assert all(not t.attempted for t in stored.report.tests)  # it defines no function
    assert stored.report.output.startswith(stored.meta["problem"])


def test_a_students_own_message_does_not_pass_for_a_load_failure(assignment, backend, tmp_path):
    path = tmp_path / "misleading.py"
    path.write_text(MISLEADING)
    stored = _grade(assignment, backend, path)
    assert "problem" not in stored.meta
    outputs = {t.name: t.output for t in stored.report.tests}
    assert set(outputs) == {"sigmoid", "relu"}
    assert all("raised ValueError: your file could not be loaded" in o for o in outputs.values())
