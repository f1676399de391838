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

from exercises.base import Problem
from grader.assignment import Assignment
from grader.results import Report

MAX_SHEET = 1 << 20  # an answer sheet is a few KB: a larger file is not read into memory


def sheet_too_large(size: int, limit: int) -> str:
    """Why an answer sheet of ``size`` bytes is not read, where at most ``limit`` are."""
    return f"the answer sheet is {size >> 10} KB, too large to be read (at most {limit >> 10} KB)"


class UnrunnableError(Exception):
    """The submission cannot be graded at all (an unreadable sheet): the message says why."""


class Backend(Protocol):
    """Grades one student's files; safe to call from several threads at once."""

    def grade_code(self, path: Path, student: str, seed: int, timeout: float) -> Report: ...

    def grade_sheet(self, path: Path, student: str, problems: Mapping[str, Problem]) -> Report: ...


@dataclass(frozen=True)
class Variant:
    """The problems one student was set, and any disagreement between key.json and secret."""

    problems: Mapping[str, Problem]
    mismatch: str | None = None


class Variants(Protocol):
    """Each student's hidden tests, derived from the secret in the grading process."""

    def variant(self, student: str) -> Variant: ...

    def recorded(self, student: str) -> str | None:
        """A digest of what key.json records for ``student`` (None without a key)."""
        ...

    def code_seed(self, student: str) -> int: ...


def secret_fingerprint(secret: bytes) -> str:
    """A one-way name for the secret: results graded under another secret are regraded."""
    return hmac.new(secret, b"grader batch identity", hashlib.sha256).hexdigest()[:16]


class SecretVariants:
    """Variants recorded in ``key.json`` where given, else regenerated from the secret.

    With both, the recorded variant is graded and the regenerated one cross-checks it: a
    difference is reported, never silently resolved.
    """

    def __init__(
        self, assignment: Assignment, secret: bytes, key: Mapping[str, Any] | None = None
    ) -> None:
        self.assignment, self._secret, self.key = assignment, secret, key

    def recorded(self, student: str) -> str | None:
        if self.key is None:
            return None
        entry = self.key.get("variants", {}).get(student)
        return hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()

    def code_seed(self, student: str) -> int:
        from grader.seeds import code_seed

        return code_seed(self._secret, self.assignment.name, student)

    def variant(self, student: str) -> Variant:
        from grader.variants import build_variants, cross_check, problems_from_key

        recorded = (self.key or {}).get("variants", {})
        if self.key is None or student not in recorded:
            note = None
            if self.key is not None:
                note = f"{student} is not in key.json; the variant was regenerated from the secret"
            return Variant(build_variants(self.assignment, student, self._secret), note)
        problems = problems_from_key(self.key, student, self.assignment)
        differ = cross_check(self.key, student, self.assignment, self._secret)
        note = None
        if differ:
            note = (
                f"key.json and the secret give different variants of {', '.join(differ)} "
                "(graded against key.json)"
            )
        return Variant(problems, note)


class GraderBackend:
    """The real thing: hidden code tests in the sandbox, answer sheets by the sheet grader."""

    def __init__(self, assignment: Assignment, server: Any = None) -> None:
        self.assignment, self.server = assignment, server

    def grade_code(self, path: Path, student: str, seed: int, timeout: float) -> Report:
        from grader.codecheck import check_file

        return check_file(path, self.assignment, seed=seed, timeout=timeout, server=self.server)

    def grade_sheet(self, path: Path, student: str, problems: Mapping[str, Problem]) -> Report:
        from grader.answers import grade_sheet
        from grader.answers.sheet import read_sheet
        from grader.errors import InputError

        try:
            size = path.stat().st_size
        except OSError:
            size = 0  # read_sheet says why it cannot be read
        if size > MAX_SHEET:
            raise UnrunnableError(sheet_too_large(size, MAX_SHEET))
        try:
            read_sheet(path)
        except InputError as exc:
            where = f" (line {exc.line})" if exc.line else ""
            reason = f"the answer sheet could not be read{where}: {exc.reason}"
            raise UnrunnableError(reason) from None
        return grade_sheet(path, self.assignment, problems, student, reveal=True)


@contextmanager
def grader_backend(
    assignment: Assignment, jobs: int, *, trust_code: bool = False
) -> Iterator[GraderBackend]:
    """A :class:`GraderBackend` with a warm sandbox server for ``jobs`` workers, if needed.

    Raises
    ------
    UsageError : the machine allows the sandbox no isolation (neither root nor user
        namespaces) and ``trust_code`` is not set.
    """
    # imported here, once, rather than by several worker threads at the same time
    import grader.answers
    import grader.codecheck
    import grader.variants  # noqa: F401

    if not assignment.code:
        yield GraderBackend(assignment)
        return
    from grader.sandbox import SandboxServer

    with SandboxServer() as server:  # one warm server; each run forks its own child
        if server.isolation == "none" and not trust_code:
            from grader.errors import UsageError

            raise UsageError(NO_ISOLATION)
        yield GraderBackend(assignment, server)


NO_ISOLATION = (
    "this machine gives student code no isolation (no root, and user namespaces are "
    "disabled), so a submission could read the secret and other students' results; grade as "
    "root or where unprivileged user namespaces are allowed, or pass --trust-code to grade "
    "code you trust anyway"
)
