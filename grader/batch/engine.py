"""Grading a whole folder of submissions: plan, grade in parallel, store as it goes.

:func:`grade_batch` is the core of ``grader grade``. It collects the submissions, works out
each student's hidden tests (a code seed and a variant, both derived in this process from the
secret, which never reaches a child), skips every student whose stored result has the same
content digest, grades the others on ``jobs`` worker threads that share the sandbox's warm
server, and stores each result the moment it is produced. It returns values and never prints;
``progress`` is called as results arrive.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader import __version__
from grader.assignment import Assignment
from grader.batch.backend import Backend, UnrunnableError, Variants, secret_fingerprint
from grader.batch.collect import Collection, Submission
from grader.batch.integrity import MAX_SOURCE, code_fingerprint
from grader.batch.store import ResultStore, Stored
from grader.errors import GraderError
from grader.results import Report, TestResult
from grader.sandbox.server import SandboxError

Progress = Callable[[int, int], None]  # (done, to do)
# Raised whenever the same files would now be graded differently, so a rerun regrades them:
# 3 = the sandbox loads more of the standard library, gives loading three call budgets, reads
# object arrays of numbers, names the student's file in what it prints; float32 tolerances.
DIGEST_VERSION = 3
# The report's output opens with these for Gradescope and results.json; feedback.md says them once.
NOT_SUBMITTED = "Nothing was submitted."
LATE = "Submitted late."


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


def _sha(path: Path) -> str:
    with path.open("rb") as fh:  # in chunks: a submission may be gigabytes
        return hashlib.file_digest(fh, "sha256").hexdigest()


def plan(
    assignment: Assignment,
    collection: Collection,
    variants: Variants,
    secret: bytes,
    timeout: float,
) -> list[Job]:
    """One job per student who submitted or is on the roster, with its content digest."""
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
            "code": _sha(sub.code) if sub and sub.code else None,
            "sheet": _sha(sub.sheet) if sub and sub.sheet else None,
        }
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


def grade_one(
    assignment: Assignment, backend: Backend, variants: Variants, job: Job, timeout: float
) -> Stored:
    """Grade one student: never raises; a crash of our own becomes a zero with the reason."""
    tests: list[TestResult] = []
    outputs: list[str] = []
    meta: dict[str, Any] = {}
    sub = job.submission
    if assignment.code:
        if sub is None or sub.code is None:
            tests += _zeros(assignment, True, "No code submitted.")
        else:
            # the integrity fingerprint is worked out here, while other code runs; an
            # unreadable file is reported by the grading below
            with contextlib.suppress(OSError):
                if sub.code.stat().st_size <= MAX_SOURCE:  # larger: not read into memory
                    meta["fingerprint"] = code_fingerprint(sub.code.read_text("utf-8", "replace"))
            try:
                report = backend.grade_code(sub.code, job.student, job.seed, timeout)
                # students see their file's name, not where the instructor keeps it
                name = str(sub.code), sub.code.name
                problem = failure(report)
                meta["problem"] = problem = problem.replace(*name) if problem else None
                # a file that did not load: one reason for every function
                tests += _zeros(assignment, True, problem) if problem else report.tests
                if report.output:
                    outputs.append(report.output.replace(*name))
            except SandboxError as exc:  # the sandbox's failure, not the student's
                meta["problem"] = f"could not be graded: {exc} (it is graded again next run)"
                meta["transient"] = True
                tests += _zeros(assignment, True, meta["problem"])
            except Exception as exc:  # one broken submission never sinks the batch
                meta["problem"] = f"could not be graded: {type(exc).__name__}: {exc}"
                tests += _zeros(assignment, True, meta["problem"])
    if assignment.questions:
        try:
            variant = variants.variant(job.student)
            meta["expected"] = {qid: p.key() for qid, p in variant.problems.items()}
            meta["mismatch"] = variant.mismatch
            if sub is None or sub.sheet is None:
                tests += _zeros(assignment, False, "No answer sheet submitted.")
            else:
                report = backend.grade_sheet(sub.sheet, job.student, variant.problems)
                tests += report.tests
                if report.output:
                    outputs.append(report.output)
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
                pending.add(pool.submit(grade_one, assignment, backend, variants, job, timeout))

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
) -> BatchResult:
    """Grade every student of ``collection`` whose stored result is missing or out of date."""
    start = time.monotonic()
    jobs = plan(assignment, collection, variants, secret, timeout)
    stored = store.load()
    todo = [j for j in jobs if j.student not in stored or stored[j.student].digest != j.digest]
    fresh = run_jobs(
        assignment,
        backend,
        variants,
        todo,
        store,
        workers=workers,
        timeout=timeout,
        progress=progress,
    )
    results = {}
    for job in jobs:
        got = fresh.get(job.student) or stored[job.student]
        results[job.student] = StudentResult(
            job.student, got.report, got.meta, job.student in fresh, job.submission
        )
    return BatchResult(assignment, collection, results, time.monotonic() - start)
