"""What the batch needs from the rest of the grader, behind one small interface.

:class:`Backend` grades one code file on hidden tests and one answer sheet against a given
variant; :class:`Variants` says which problems a student was set. The real implementations
call the sandboxed code checker (one warm fork server shared by every worker thread), the
answer-sheet grader and the variant generator; tests may pass their own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from exercises.base import Problem, to_json
from grader.assignment import Assignment
from grader.results import Report


class Backend(Protocol):
    """Grades one student's files; safe to call from several threads at once."""

    def grade_code(self, path: Path, student: str, seed: int, timeout: float) -> Report: ...

    def grade_sheet(self, path: Path, student: str, problems: Mapping[str, Problem]) -> Report: ...


@dataclass(frozen=True)
class Variant:
    """The problems one student was set, where they came from, and any disagreement."""

    problems: Mapping[str, Problem]
    source: str  # "key" or "secret"
    mismatch: str | None = None

    def identity(self) -> str:
        """A digest of the problems (exercise and parameters), for the result's content hash."""
        data = {qid: [p.exercise, to_json(p.params)] for qid, p in sorted(self.problems.items())}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


class Variants(Protocol):
    def variant(self, student: str) -> Variant:
        from grader.variants import build_variants, cross_check, problems_from_key

        recorded = (self.key or {}).get("variants", {})
        if self.key is None or student not in recorded:
            note = None
            if self.key is not None:
                note = f"{student} is not in key.json; the variant was regenerated from the secret"
            return Variant(build_variants(self.assignment, student, self._secret), "secret", note)
        problems = problems_from_key(self.key, student, self.assignment)
        differ = cross_check(self.key, student, self.assignment, self._secret)
        note = None
        if differ:
            note = (
                f"key.json and the secret give different variants of {', '.join(differ)} "
                "(graded against key.json)"
            )
        return Variant(problems, "key", note)


class GraderBackend:
    """The real thing: hidden code tests in the sandbox, answer sheets by the sheet grader."""

    def __init__(self, assignment: Assignment, server: Any = None) -> None:
        self.assignment, self.server = assignment, server

    def grade_code(self, path: Path, student: str, seed: int, timeout: float) -> Report:
        from grader.codecheck import check_file

        return check_file(path, self.assignment, seed=seed, timeout=timeout, server=self.server)

    def grade_sheet(self, path: Path, student: str, problems: Mapping[str, Problem]) -> Report:
        from grader.answers import grade_sheet

        source = path.read_text("utf-8", errors="replace")
        return grade_sheet(source, self.assignment, problems, student, reveal=True)


@contextmanager
def grader_backend(assignment: Assignment, jobs: int) -> Iterator[GraderBackend]:
    """A :class:`GraderBackend` with a warm sandbox server for ``jobs`` workers, if needed."""
    if not assignment.code:
        yield GraderBackend(assignment)
        return
    from grader.sandbox import start_server  # type: ignore[attr-defined]

    server = start_server(workers=jobs)
    try:
        yield GraderBackend(assignment, server)
    finally:
        server.close()
