"""``grader grade`` as one call: read the inputs, grade what changed, write every output."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from grader.assignment import Assignment, load_assignment
from grader.batch.backend import (
    MAX_SHEET,
    Backend,
    SecretVariants,
    grader_backend,
    secret_fingerprint,
)
from grader.batch.collect import Collection, Slot, collect, compile_id_pattern
from grader.batch.engine import BatchResult, Progress, Reader, grade_batch
from grader.batch.files import NO_GUARD, Guard
from grader.batch.integrity import Flag, copied_sheets, identical_code
from grader.batch.outdir import writing
from grader.batch.outputs import (
    canvas_column,
    canvas_user_ids,
    canvas_user_names,
    previous_run,
    write_outputs,
    write_student_files,
)
from grader.batch.report import render_report
from grader.batch.shard import MANIFEST, Shard, ShardInputs, write_manifest
from grader.batch.store import ResultStore
from grader.cores import available_cores
from grader.errors import InputError, UsageError
from grader.report_text import counted
from grader.roster import Roster, load_roster
from grader.seeds import read_secret

DATABASE = "grading.sqlite"


@dataclass(frozen=True)
class GradeRequest:
    submissions: Path
    assignment: str
    secret_file: Path
    out: Path
    roster: Path | None = None
    key: Path | None = None
    jobs: int | None = None
    timeout: float = 5.0
    id_pattern: str | None = None
    trust_code: bool = False  # grade even where the sandbox cannot isolate code
    canvas_column: str | None = None  # the Canvas export's column for the grades
    allow_empty: bool = False  # grade even when no submission is found (one Gradescope upload)
    shard: Shard | None = None  # grade only this shard's students (see grader.batch.shard)


@dataclass(frozen=True)
class GradeOutcome:
    batch: BatchResult
    flags: tuple[Flag, ...]
    files: tuple[Path, ...]
    warnings: tuple[str, ...] = ()  # for the instructor, before the summary
    shard: Shard | None = None


BackendFactory = Callable[[Assignment, int], AbstractContextManager[Backend]]


def read_key(path: Path, assignment: Assignment | None = None) -> dict[str, Any]:
    """A ``key.json`` from ``grader generate``; with ``assignment``, one written for it."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InputError(path, "no such key file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(path, f"not a readable key.json: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("variants"), dict):
        raise InputError(path, "no `variants` table: not a key written by `grader generate`")
    if assignment is not None and data.get("assignment") not in (None, assignment.name):
        # else every student would fail alone, with the batch reported as finished
        raise InputError(
            path, f"the key is for assignment {data.get('assignment')!r}, not {assignment.name!r}"
        )
    return data


def integrity_flags(
    batch: BatchResult, guard: Guard = NO_GUARD, read: Callable[[Path], bytes] | None = None
) -> list[Flag]:
    """The integrity checks after grading: one student's file that breaks a check costs that
    student a flag, never the run. Sheets are read with ``read`` (the merge's record of what
    each shard read), else from the submissions through the guard."""
    code = {s: r.meta.get("fingerprint") for s, r in batch.results.items()}
    sheets = {
        s: r.submission.sheet
        for s, r in batch.results.items()
        if r.submission and r.submission.sheet
    }
    expected = {s: r.expected for s, r in batch.results.items() if r.expected}
    try:
        flags = identical_code(code)
    except Exception as exc:  # a digest is plain text: not expected, never fatal
        flags = [Flag("check-failed", (), f"identical code could not be checked: {exc!r}")]
    if read is None:
        reader = Reader(guard, batch.collection.root)
        read = partial(reader.read, limit=MAX_SHEET)
    return flags + copied_sheets(sheets, expected, read=read)


def nothing_found(collection: Collection, id_pattern: str | None) -> str:
    """Why a folder gave no submission at all, in one line: most likely the wrong folder or
    names that do not carry the ids, so the run stops before writing a class of zeros."""
    counts = Counter(n.message for n in collection.notices)
    if not counts:
        return "no submission found: the folder holds no student's folder or file"
    reason, n = counts.most_common(1)[0]
    total = len(collection.notices)
    files = counted(total, "file or folder", "files and folders")
    why = "because" if n == total else "most of them because"
    hint = (
        f"--id-pattern '{id_pattern}' is tried on each file's whole name and on its name "
        "without suffix"
        if id_pattern
        else "name them by id (A0123456X.py), a folder per id, or use --id-pattern"
    )
    return f"no submission found: {files} set aside {why} {reason}; {hint}"


def _canvas_column(
    request: GradeRequest, assignment: Assignment, roster: Roster | None
) -> str | None:
    """The Canvas export's column for the grades, decided (or refused) before grading."""
    if roster is None or not roster.canvas:
        if request.canvas_column is not None:
            raise UsageError(
                "--canvas-column names a column of a Canvas gradebook export: give the export "
                "as --roster"
            )
        return None
    return canvas_column(assignment, roster.columns, request.canvas_column)


def _wanted(assignment: Assignment) -> Iterator[Slot]:
    if assignment.code:
        yield "code"
    if assignment.questions:
        yield "sheet"


def shard_inputs(
    request: GradeRequest,
    assignment: Assignment,
    identity: str,
    canvas_column: str | None = None,
) -> ShardInputs:
    """What a shard records of its inputs for the merge (the secret only as its fingerprint)."""
    from grader.assignment import assignment_text

    def read(path: Path | None) -> bytes | None:
        try:
            return path.read_bytes() if path is not None else None
        except OSError as exc:
            raise InputError(path, f"cannot read: {exc.strerror}") from None

    return ShardInputs(
        assignment_text=assignment_text(request.assignment),
        # the source is part of the assignment, and of its digest
        assignment_source=assignment.source,
        identity=identity,
        key=read(request.key),
        roster=read(request.roster),
        roster_name=request.roster.name if request.roster else None,
        timeout=request.timeout,
        canvas_column=canvas_column,
    )


def default_workers() -> int:
    """Two workers per core: a worker waiting on a submission that sleeps or blocks leaves its
    core to another, and the sandbox stretches timeouts while children outnumber the cores,
    so sharing a core never stops a child early."""
    return 2 * available_cores()


def grade(
    request: GradeRequest,
    *,
    progress: Progress | None = None,
    backend_factory: BackendFactory | None = None,
) -> GradeOutcome:
    """Grade a folder of submissions into ``request.out``; see ``grader grade --help``."""
    from grader.sandbox.job import valid_timeout

    valid_timeout(request.timeout)
    jobs = request.jobs if request.jobs is not None else default_workers()
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    compile_id_pattern(request.id_pattern)
    if not request.submissions.is_dir():
        raise InputError(request.submissions, "no such folder of submissions")
    if request.out.resolve() == request.submissions.resolve():
        # each student's output folder would be their submission folder, read back next time
        raise UsageError(
            "--out must not be the folder of submissions itself (a folder in it is fine)"
        )
    secret = read_secret(str(request.secret_file))  # read here, never passed to a child
    assignment = load_assignment(request.assignment)
    key = read_key(request.key, assignment) if request.key else None
    roster: Roster | None = load_roster(request.roster) if request.roster else None
    # the grader's own inputs are never read as a submission, however they are linked in
    assignment_file = Path(request.assignment)
    guard = Guard.of(
        [
            request.secret_file,
            request.key,
            request.roster,
            assignment_file if assignment_file.is_file() else None,
        ]
    )
    canvas = roster is not None and roster.canvas
    column = _canvas_column(request, assignment, roster)
    collection = collect(
        request.submissions,
        wanted=tuple(_wanted(assignment)),
        roster_ids=roster.ids if roster else None,
        canvas_ids=canvas_user_ids(roster) if roster and canvas else None,
        canvas_names=canvas_user_names(roster) if roster and canvas else None,
        id_pattern=request.id_pattern,
        functions=[task.function for task in assignment.code],
        skip=request.out,
        guard=guard,
        keep=request.shard.holds if request.shard else None,
    )
    # a shard may hold none of the class's students: the merge says what is missing
    empty_allowed = request.allow_empty or request.shard is not None
    if not collection.submissions and not collection.conflicts and not empty_allowed:
        raise InputError(request.submissions, nothing_found(collection, request.id_pattern))
    with writing(request.out, "grade"):  # one run at a time; a full disk said as such
        # a shard's record for the merge is written last: none while it grades, or after a
        # whole-class run, so a merge never takes one that the database has moved past
        (request.out / MANIFEST).unlink(missing_ok=True)
        store = ResultStore(request.out / DATABASE)
        identity = secret_fingerprint(secret)
        warnings = previous_run(request.out, store.run_info(), assignment, identity)
        if roster is not None and column is not None and column not in roster.columns:
            warnings.append(
                f"the Canvas export has no assignment column: canvas.csv adds one, {column!r}, "
                "which Canvas imports as a new assignment"
            )
        store.set_run_info(assignment.name, identity)
        try:
            factory = backend_factory or partial(grader_backend, trust_code=request.trust_code)
            with factory(assignment, jobs) as backend:
                batch = grade_batch(
                    assignment,
                    collection,
                    SecretVariants(assignment, secret, key),
                    backend,
                    store,
                    secret=secret,
                    workers=jobs,
                    timeout=request.timeout,
                    progress=progress,
                    guard=guard,
                )
        finally:
            store.close()
        if request.shard is not None:  # its students' files only: the class's come from the merge
            write_student_files(request.out, batch)
            manifest = write_manifest(
                request.out,
                request.shard,
                shard_inputs(request, assignment, identity, column),
                batch,
                Reader(guard, collection.root),
            )
            return GradeOutcome(batch, (), (manifest,), tuple(warnings), request.shard)
        flags = integrity_flags(batch, guard)
        report = render_report(batch, flags, roster)
        files = write_outputs(request.out, batch, roster, report, column)
        return GradeOutcome(batch, tuple(flags), tuple(files), tuple(warnings))
