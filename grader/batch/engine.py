"""Grading a whole folder of submissions: plan, grade in parallel, store as it goes.

:func:`grade_batch` is the core of ``grader grade``. It collects the submissions, works out
each student's hidden tests (a code seed and a variant, both derived in this process from the
secret, which never reaches a child), skips every student whose stored result has the same
content digest, grades the others on ``jobs`` worker threads that share the sandbox's warm
server, and stores each result the moment it is produced. It returns values and never prints;
``progress`` is called as results arrive.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader import __version__
from grader.assignment import Assignment
from grader.batch.backend import (
    MAX_SHEET,
    Backend,
    UnrunnableError,
    Variants,
    secret_fingerprint,
    sheet_too_large,
)
from grader.batch.collect import Collection, Submission
from grader.batch.files import (
    NO_GUARD,
    Guard,
    RefusedError,
    TooLargeError,
    read_submission,
    write_private,
)
from grader.batch.integrity import MAX_SOURCE, code_fingerprint
from grader.batch.store import ResultStore, Stored
from grader.errors import GraderError, InputError
from grader.results import Report, TestResult
from grader.sandbox.job import Limits
from grader.sandbox.server import SandboxError, too_large_to_run

Progress = Callable[[int, int], None]  # (done, to do)
# Raised whenever the same files would now be graded differently, so a rerun regrades them:
# 3 = the sandbox loads more of the standard library, gives loading three call budgets, reads
# object arrays of numbers, names the student's file in what it prints; float32 tolerances.
DIGEST_VERSION = 3
# The report's output opens with these for Gradescope and results.json; feedback.md says them once.
NOT_SUBMITTED = "Nothing was submitted."
LATE = "Submitted late."
# The largest code file read at all: what the sandbox runs at most.
MAX_CODE = Limits.source
# A notebook also stores its outputs (plots as images), which are read but never run.
MAX_NOTEBOOK = 4 * MAX_CODE


def code_limit(path: Path) -> int:
    """The most bytes of a code file that are read: more for a notebook, whose outputs count."""
    return MAX_NOTEBOOK if path.suffix.lower() == ".ipynb" else MAX_CODE


@dataclass(frozen=True)
class Job:
    """One student's grading, planned: files, hidden-test seed and content digest.

    The digest covers the files, the assignment, the grader and NumPy versions, and an identity
    derived from the secret (its fingerprint, the code seed, the student's key.json entry):
    never the secret itself. The variant is built later, by the worker that grades the sheet.
    """

    student: str
    submission: Submission | None
    seed: int  # of the hidden code tests (0 when the assignment has no code)
    digest: str


@dataclass(frozen=True)
class StudentResult:
    student: str
    report: Report
    meta: Mapping[str, Any]  # see Stored.meta
    fresh: bool  # graded in this run (not taken from the store)
    submission: Submission | None

    @property
    def problem(self) -> str | None:
        """Why the submission failed to run, if it did."""
        return self.meta.get("problem")

    @property
    def held(self) -> str | None:
        """Why the student is not graded (files that conflict over their slot), if so."""
        return self.meta.get("held")

    @property
    def expected(self) -> dict[str, dict[str, Any]]:
        """The student's variant: question id -> part id -> answer (answer sheets only)."""
        return dict(self.meta.get("expected") or {})


@dataclass(frozen=True)
class BatchResult:
    assignment: Assignment
    collection: Collection
    results: Mapping[str, StudentResult]
    elapsed: float

    @property
    def mismatches(self) -> list[tuple[str, str]]:
        """(student, message) where key.json and the secret disagree."""
        return [(s, r.meta["mismatch"]) for s, r in self.results.items() if r.meta.get("mismatch")]

    @property
    def fresh(self) -> int:
        return sum(r.fresh for r in self.results.values())


@dataclass(frozen=True)
class Reader:
    """How the batch reads students' files: :func:`~grader.batch.files.read_submission` with
    the run's guard (the secret's device and inode), below the submissions folder."""

    guard: Guard = NO_GUARD
    root: Path | None = None

    def read(self, path: Path, limit: int) -> bytes:
        return read_submission(path, limit, guard=self.guard, root=self.root)

    def content(self, path: Path, limit: int) -> str:
        """The digest of what grading would see: the bytes read, or why they are not."""
        try:
            return hashlib.sha256(self.read(path, limit)).hexdigest()
        except TooLargeError as exc:
            return f"too large: {exc.size}"
        except RefusedError as exc:
            return f"refused: {exc.reason}"


def plan(
    assignment: Assignment,
    collection: Collection,
    variants: Variants,
    secret: bytes,
    timeout: float,
    reader: Reader | None = None,
) -> list[Job]:
    """One job per student who submitted or is on the roster, with its content digest."""
    reader = reader or Reader(root=collection.root)
    assignment_id = hashlib.sha256(repr(assignment).encode()).hexdigest()
    identity = secret_fingerprint(secret)
    jobs = []
    for student in sorted(set(collection.submissions) | set(collection.missing)):
        sub = collection.submissions.get(student)
        seed = variants.code_seed(student) if assignment.code else 0
        parts = {
            "v": DIGEST_VERSION,
            "grader": __version__,
            "numpy": np.__version__,
            "assignment": assignment_id,
            "identity": identity,
            "timeout": timeout,
            "student": student,
            "seed": seed,
            "variant": variants.recorded(student) if assignment.questions else None,
            "code": reader.content(sub.code, code_limit(sub.code)) if sub and sub.code else None,
            "sheet": reader.content(sub.sheet, MAX_SHEET) if sub and sub.sheet else None,
        }
        if sub and sub.conflict:
            parts["held"] = sub.conflict
        digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
        jobs.append(Job(student, sub, seed, digest))
    return jobs


def _zeros(assignment: Assignment, code: bool, reason: str) -> list[TestResult]:
    """Zero for each function (``code``) or each question, with the reason."""
    slots = (
        [(t.function, t.points) for t in assignment.code]
        if code
        else [(q.id, q.points) for q in assignment.questions]
    )
    return [TestResult(name, 0.0, points, reason, attempted=False) for name, points in slots]


def failure(report: Report) -> str | None:
    """Why a code report says the file could not be loaded at all (one line), or None.

    The checker says so in ``report.load_error`` (the file, line and error); what the
    tests' feedback happens to say is never read, so a student's own message cannot pass
    for it.
    """
    reason = report.load_error
    if reason is None:
        return None
    lines = reason.strip().splitlines()
    return lines[0] if lines else "the file could not be loaded"


class _Staging:
    """A private folder for snapshots of the files being graded: the sandbox and the sheet
    grader read what :class:`Reader` accepted, never the student's file itself (which could be
    swapped for a link between the check and the read)."""

    def __init__(self, root: Path, reader: Reader) -> None:
        self.root, self.reader = root, reader

    def snapshot(self, path: Path, limit: int) -> tuple[Path, bytes]:
        """A private copy of ``path`` under its own name, and its bytes (RefusedError)."""
        data = self.reader.read(path, limit)
        folder = Path(tempfile.mkdtemp(dir=self.root))
        return write_private(folder, path.name, data), data

    @staticmethod
    def discard(copy: Path) -> None:
        copy.unlink(missing_ok=True)
        os.rmdir(copy.parent)


def _held(assignment: Assignment, reason: str) -> tuple[list[TestResult], dict[str, Any]]:
    message = f"Not graded: {reason}"
    tests: list[TestResult] = []
    if assignment.code:
        tests += _zeros(assignment, True, message)
    if assignment.questions:
        tests += _zeros(assignment, False, message)
    return tests, {"held": reason}


def _code_text(name: str, source: bytes) -> str:
    """The code of a submitted file: a notebook's code cells, else the file's text."""
    if name.lower().endswith(".ipynb"):
        from grader.notebook.source import notebook_code

        return notebook_code(source)
    return source.decode("utf-8", "replace")


def grade_one(
    assignment: Assignment,
    backend: Backend,
    variants: Variants,
    job: Job,
    timeout: float,
    staging: _Staging | None = None,
) -> Stored:
    """Grade one student: never raises; a crash of our own becomes a zero with the reason."""
    tests: list[TestResult] = []
    outputs: list[str] = []
    meta: dict[str, Any] = {}
    sub = job.submission
    if staging is None:
        with tempfile.TemporaryDirectory(prefix="grader-") as tmp:
            reader = Reader(root=None)
            return grade_one(
                assignment, backend, variants, job, timeout, _Staging(Path(tmp), reader)
            )
    if sub is not None and sub.conflict:
        tests, meta = _held(assignment, sub.conflict)
        return Stored(job.student, job.digest, Report(tuple(tests), meta["held"]), meta)
    if assignment.code:
        if sub is None or sub.code is None:
            tests += _zeros(assignment, True, "No code submitted.")
        else:
            name = sub.code.name
            copy: Path | None = None
            try:
                copy, source = staging.snapshot(sub.code, code_limit(sub.code))
                # the integrity fingerprint is worked out here, while other code runs
                if len(source) <= MAX_SOURCE or name.lower().endswith(".ipynb"):
                    meta["fingerprint"] = code_fingerprint(_code_text(name, source))
                report = backend.grade_code(copy, job.student, job.seed, timeout)
                # students see their file's name, not where it was graded
                problem = failure(report)
                meta["problem"] = problem = problem.replace(str(copy), name) if problem else None
                # a file that did not load: its reason on top, each function "not run"
                tests += report.tests
                if report.output:
                    outputs.append(report.output.replace(str(copy), name))
            except SandboxError as exc:  # the sandbox's failure, not the student's
                meta["problem"] = f"could not be graded: {exc} (it is graded again next run)"
                meta["transient"] = True
                tests += _zeros(assignment, True, meta["problem"])
            except TooLargeError as exc:
                meta["problem"] = too_large_to_run(exc.size, exc.limit)
                tests += _zeros(assignment, True, meta["problem"])
            except RefusedError as exc:
                meta["problem"] = f"{name} was not read: {exc.reason}"
                tests += _zeros(assignment, True, meta["problem"])
            except InputError as exc:  # a notebook that is not one: one line, the student's name
                meta["problem"] = str(exc).replace(str(copy), name)
                tests += _zeros(assignment, True, meta["problem"])
            except Exception as exc:  # one broken submission never sinks the batch
                meta["problem"] = f"could not be graded: {type(exc).__name__}: {exc}"
                tests += _zeros(assignment, True, meta["problem"])
            finally:
                if copy is not None:
                    staging.discard(copy)
    if assignment.questions:
        sheet_copy: Path | None = None
        try:
            variant = variants.variant(job.student)
            meta["expected"] = {qid: p.key() for qid, p in variant.problems.items()}
            meta["mismatch"] = variant.mismatch
            if sub is None or sub.sheet is None:
                tests += _zeros(assignment, False, "No answer sheet submitted.")
            else:
                try:
                    sheet_copy, _ = staging.snapshot(sub.sheet, MAX_SHEET)
                except TooLargeError as exc:
                    raise UnrunnableError(sheet_too_large(exc.size, exc.limit)) from None
                except RefusedError as exc:
                    raise UnrunnableError(f"the answer sheet was not read: {exc.reason}") from None
                report = backend.grade_sheet(sheet_copy, job.student, variant.problems)
                tests += report.tests
                if report.output:
                    outputs.append(report.output.replace(str(sheet_copy), sub.sheet.name))
        except UnrunnableError as exc:
            meta["problem"] = meta.get("problem") or str(exc)
            tests += _zeros(assignment, False, str(exc))
        except GraderError as exc:  # e.g. a student the key records no variant for
            reason = f"answer sheet could not be graded: {exc}"
            meta["problem"] = meta.get("problem") or reason
            tests += _zeros(assignment, False, reason)
        except Exception as exc:
            reason = f"answer sheet could not be graded: {type(exc).__name__}: {exc}"
            meta["problem"] = meta.get("problem") or reason
            tests += _zeros(assignment, False, reason)
        finally:
            if sheet_copy is not None:
                staging.discard(sheet_copy)
    if sub is None:
        outputs.insert(0, NOT_SUBMITTED)
    elif sub.late:
        outputs.insert(0, LATE)
    meta = {k: v for k, v in meta.items() if v is not None}
    return Stored(job.student, job.digest, Report(tuple(tests), "\n\n".join(outputs)), meta)


def run_jobs(
    assignment: Assignment,
    backend: Backend,
    variants: Variants,
    jobs: list[Job],
    store: ResultStore,
    *,
    workers: int,
    timeout: float,
    progress: Progress | None = None,
    staging: _Staging | None = None,
) -> dict[str, Stored]:
    """Grade ``jobs`` on ``workers`` threads, storing each result as it completes."""
    done: dict[str, Stored] = {}
    if progress:
        progress(0, len(jobs))
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="grade") as pool:
        pending: set[Future[Stored]] = set()
        queue = iter(jobs)

        def refill() -> None:
            # Keep a bounded window of work in flight, so memory stays flat however many jobs.
            while len(pending) < 2 * max(1, workers):
                job = next(queue, None)
                if job is None:
                    return
                pending.add(
                    pool.submit(grade_one, assignment, backend, variants, job, timeout, staging)
                )

        refill()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                pending.discard(future)
                stored = future.result()
                if not stored.meta.get("transient"):  # kept only when its child ended normally
                    store.put(stored)
                done[stored.student] = stored
                if progress:
                    progress(len(done), len(jobs))
            refill()
    return done


def grade_batch(
    assignment: Assignment,
    collection: Collection,
    variants: Variants,
    backend: Backend,
    store: ResultStore,
    *,
    secret: bytes,
    workers: int,
    timeout: float,
    progress: Progress | None = None,
    guard: Guard = NO_GUARD,
) -> BatchResult:
    """Grade every student of ``collection`` whose stored result is missing or out of date.

    Every student's file is read through one :class:`Reader` (``guard`` names the files that
    are never read, such as the secret), and graded from a private snapshot of what it read.
    """
    start = time.monotonic()
    reader = Reader(guard, collection.root)
    jobs = plan(assignment, collection, variants, secret, timeout, reader)
    stored = store.load()
    todo = [j for j in jobs if j.student not in stored or stored[j.student].digest != j.digest]
    with tempfile.TemporaryDirectory(prefix="grader-batch-") as tmp:
        fresh = run_jobs(
            assignment,
            backend,
            variants,
            todo,
            store,
            workers=workers,
            timeout=timeout,
            progress=progress,
            staging=_Staging(Path(tmp), reader),
        )
    results = {}
    for job in jobs:
        got = fresh.get(job.student) or stored[job.student]
        results[job.student] = StudentResult(
            job.student, got.report, got.meta, job.student in fresh, job.submission
        )
    return BatchResult(assignment, collection, results, time.monotonic() - start)
