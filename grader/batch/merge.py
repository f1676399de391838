"""``grader merge``: the outputs of shards (``grade --shard I/N``) as one whole-class run's.

Each shard leaves ``shard.json`` (who it graded, from what, and the text of their answer
sheets) next to its ``grading.sqlite``. The merge checks that the shards belong together (one
assignment, secret, key, roster, grader version, timeout and shard count), that none is
missing and that no student was graded differently by two of them, then writes exactly what
``grade`` on the whole class writes: grades.csv and the LMS files, every student's
results.json and feedback.md, report.html with integrity checks across the whole class, and a
grading.sqlite that a later whole-class ``grade`` resumes from. It reads no submission and
runs nothing; merging again gives the same outputs.
"""

from __future__ import annotations

import base64
import json
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path, PurePath
from typing import Any

from grader.assignment import Assignment, parse_assignment
from grader.batch.collect import Collection, Notice, Submission
from grader.batch.engine import BatchResult, StudentResult
from grader.batch.files import RefusedError
from grader.batch.integrity import Flag
from grader.batch.outdir import reading, writing
from grader.batch.outputs import previous_run, write_outputs
from grader.batch.pipeline import DATABASE, integrity_flags
from grader.batch.report import render_report
from grader.batch.shard import (
    MANIFEST,
    MANIFEST_FORMAT,
    Shard,
    assignment_digest,
    shard_of,
)
from grader.batch.store import ResultStore, Stored, report_to_data
from grader.errors import InputError, UsageError
from grader.roster import Roster, load_roster

SHOWN = 5  # students named in a message before "and N more"


@dataclass(frozen=True)
class ShardOutput:
    """One shard's output folder, as read for the merge."""

    folder: Path
    shard: Shard
    manifest: dict[str, Any]
    results: dict[str, Stored]  # the students it graded, from its database

    def __str__(self) -> str:
        return f"{self.folder} (shard {self.shard})"


@dataclass(frozen=True)
class MergeOutcome:
    batch: BatchResult
    flags: tuple[Flag, ...]
    files: tuple[Path, ...]
    shards: tuple[ShardOutput, ...]
    warnings: tuple[str, ...] = ()


def _names(items: Sequence[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def read_shard(folder: Path) -> ShardOutput:
    """A shard's output folder, or an InputError saying why it is not a finished shard."""
    if not folder.is_dir():
        raise InputError(folder, "no such folder")
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        if (folder / DATABASE).exists():
            raise InputError(
                folder,
                f"no {MANIFEST}: not a finished shard (a shard writes it when it has graded "
                "all its students; run that `grader grade --shard` again)",
            ) from None
        raise InputError(
            folder, f"not the output of `grader grade --shard` (no {MANIFEST} in it)"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(folder / MANIFEST, f"not readable: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise InputError(folder / MANIFEST, "written by another version of the grader")
    try:
        info = manifest["shard"]
        shard = Shard(int(info["index"]), int(info["count"]), str(info.get("source", "")))
        students: dict[str, Any] = manifest["students"]
    except (KeyError, TypeError, ValueError):
        raise InputError(folder / MANIFEST, "damaged: no shard or students recorded") from None
    if not (folder / DATABASE).is_file():
        raise InputError(folder, f"no {DATABASE}: the shard's results are not there")
    store = ResultStore(folder / DATABASE, readonly=True)
    try:
        stored = store.load()
    finally:
        store.close()
    lacking = sorted(set(students) - set(stored))
    if lacking:
        raise InputError(
            folder,
            f"{DATABASE} lacks the results of {len(lacking)} of its students "
            f"({_names(lacking)}): run that shard again",
        )
    return ShardOutput(folder, shard, manifest, {s: stored[s] for s in students})


# what shards must share, with how to say that two do not
_SAME: tuple[tuple[str, str], ...] = (
    (
        "grader",
        "were graded by different versions of the grader ({a} and {b}): grade every shard with one",
    ),
    ("assignment", "are shards of different assignments ({a} and {b})"),
    ("identity", "were graded with different secrets (--secret-file)"),
    ("key", "were graded with different key files (--key), or one with and one without"),
    ("roster", "were graded with different rosters (--roster), or one with and one without"),
    ("timeout", "were graded with different --timeout ({a} and {b})"),
    (
        "canvas_column",
        "put the grades in different Canvas columns ({a} and {b}): see --canvas-column",
    ),
    ("count", "split the class differently (into {a} and into {b} shards)"),
)


def _fact(output: ShardOutput, name: str) -> tuple[Any, str]:
    """What ``output`` recorded of ``name``: a value to compare, and one to show."""
    m = output.manifest
    if name == "assignment":
        a = m.get("assignment") or {}
        return a.get("digest"), repr(a.get("name"))
    if name == "roster":
        roster = m.get("roster")
        return (roster or {}).get("digest"), ""
    if name == "count":
        return output.shard.count, str(output.shard.count)
    return m.get(name), str(m.get(name))


def check_together(outputs: Sequence[ShardOutput]) -> None:
    """Refuse, in one line, shards that do not come from one grading of one class."""
    first = outputs[0]
    for other in outputs[1:]:
        for name, said in _SAME:
            (mine, a), (theirs, b) = _fact(first, name), _fact(other, name)
            if mine != theirs:
                if name == "assignment" and a == b:
                    said = "were graded on different versions of assignment {a}"
                raise InputError(other.folder, f"it and {first.folder} " + said.format(a=a, b=b))
    count = first.shard.count
    present = {o.shard.index for o in outputs}
    missing = [i for i in range(count) if i not in present]
    if missing:
        which = ", ".join(str(i) for i in missing)
        shards = "shard" if len(missing) == 1 else "shards"
        roster = _roster_ids(first)
        unmatched = (
            sorted(s for s in roster if shard_of(s, count) in set(missing))
            if roster is not None
            else []
        )
        lacking = (
            f"; no result for {len(unmatched)} students of the roster ({_names(unmatched)})"
            if unmatched
            else ""
        )
        raise UsageError(
            f"{shards} {which} of {count} missing from the merge (given: "
            f"{', '.join(str(i) for i in sorted(present))}){lacking}: grade "
            f"{'it' if len(missing) == 1 else 'them'} with --shard I/{count} and merge every shard"
        )


def _roster_ids(output: ShardOutput) -> list[str] | None:
    with _roster_file(output) as path:
        return None if path is None else list(load_roster(path).ids)


@contextmanager
def _roster_file(output: ShardOutput) -> Iterator[Path | None]:
    """The roster a shard recorded, as a file again (for :func:`load_roster`), or None."""
    roster = output.manifest.get("roster")
    if not roster:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="grader-merge-") as tmp:
        path = Path(tmp) / PurePath(roster.get("name") or "roster.csv").name
        path.write_bytes(base64.b64decode(roster["data"]))
        yield path


def merged_results(outputs: Sequence[ShardOutput]) -> dict[str, tuple[Stored, ShardOutput]]:
    """Every student's result, once; a student two shards graded differently is refused."""
    merged: dict[str, tuple[Stored, ShardOutput]] = {}
    for output in outputs:
        for student, stored in output.results.items():
            seen = merged.get(student)
            if seen is None:
                merged[student] = (stored, output)
            elif _content(seen[0]) != _content(stored):
                raise InputError(
                    output.folder,
                    f"{student} was graded differently by it and by {seen[1]}: give the "
                    "merge one of the two (the folder of the latest run of that shard)",
                )
    return dict(sorted(merged.items()))


def _content(stored: Stored) -> str:
    return json.dumps([stored.digest, report_to_data(stored.report), stored.meta], sort_keys=True)


def _notices(outputs: Iterable[ShardOutput]) -> tuple[Notice, ...]:
    """The shards' notices, in the order one run over the whole class gives them.

    Collecting walks the folder in the order of the files' paths and then settles each
    student's files, student by student; a shard keeps that order for its own students and
    says every notice about no student, which the shards then share.
    """
    keyed: dict[tuple[Any, ...], Notice] = {}
    for output in outputs:
        walked = int(output.manifest.get("walked", 0))
        seen_on: dict[str, int] = {}
        for i, (kind, path, message, student) in enumerate(output.manifest.get("notices", [])):
            notice = Notice(kind, path, message, student)
            if i < walked:
                n = seen_on[path] = seen_on.get(path, -1) + 1
                key: tuple[Any, ...] = (0, PurePath(path).parts, n, "", 0)
            else:
                key = (1, (), 0 if kind == "conflict" else 1, student or "", i)
            keyed.setdefault((*key, kind, message, student or ""), notice)
    return tuple(keyed[k] for k in sorted(keyed))


def _submission(student: str, entry: dict[str, Any]) -> Submission | None:
    if not entry.get("submitted"):
        return None
    return Submission(
        student,
        code=Path(entry["code"]) if entry.get("code") else None,
        sheet=Path(entry["sheet"]) if entry.get("sheet") else None,
        late=bool(entry.get("late")),
        on_roster=bool(entry.get("on_roster", True)),
        conflict=entry.get("conflict"),
    )


def merge(folders: Sequence[Path], out: Path) -> MergeOutcome:
    """Merge the shards in ``folders`` into ``out``; see ``grader merge --help``."""
    start = time.monotonic()
    if not folders:
        raise UsageError("give the output folder of every shard to merge")
    with ExitStack() as held:  # no shard may change while it is read
        outputs: list[ShardOutput] = []
        for folder in dict.fromkeys(f.resolve() for f in folders):  # a folder twice is once
            if folder == out.resolve():
                raise UsageError(
                    f"--out must not be one of the shards ({folder}): give a new folder"
                )
            held.enter_context(reading(folder))
            outputs.append(read_shard(folder))
    check_together(outputs)
    first = outputs[0]
    recorded = first.manifest["assignment"]
    assignment: Assignment = parse_assignment(recorded["text"], recorded.get("source", ""))
    if assignment_digest(assignment) != recorded["digest"]:
        raise InputError(first.folder / MANIFEST, "the recorded assignment does not read back")
    results = merged_results(outputs)
    entries = {s: o.manifest["students"][s] for s, (_, o) in results.items()}
    submissions = {s: sub for s, e in entries.items() if (sub := _submission(s, e)) is not None}
    root = first.manifest.get("root")
    collection = Collection(
        submissions,
        _notices(outputs),
        tuple(sorted({s for o in outputs for s in o.manifest.get("missing", [])})),
        Path(root) if root else None,
    )
    batch = BatchResult(
        assignment,
        collection,
        {
            s: StudentResult(s, stored.report, stored.meta, False, submissions.get(s))
            for s, (stored, _) in results.items()
        },
        0.0,
    )
    sheets = {str(entries[s]["sheet"]): entries[s] for s in submissions if entries[s].get("sheet")}

    def read(path: Path) -> bytes:  # what the shard read of the sheet, or why it did not
        entry = sheets[str(path)]
        if "sheet_text" not in entry:
            raise RefusedError(entry.get("sheet_refused", "it was not read"))
        return str(entry["sheet_text"]).encode("utf-8")

    flags = integrity_flags(batch, read=read)
    with _roster_file(first) as roster_path:
        roster: Roster | None = load_roster(roster_path) if roster_path else None
    with writing(out, "merge"):
        (out / MANIFEST).unlink(missing_ok=True)  # a whole class's folder, not a shard's
        store = ResultStore(out / DATABASE)
        try:
            identity = str(first.manifest["identity"])
            warnings = previous_run(out, store.run_info(), assignment, identity)
            store.set_run_info(assignment.name, identity)
            store.put_all(stored for stored, _ in results.values())
        finally:
            store.close()
        batch = replace(batch, elapsed=time.monotonic() - start)
        report = render_report(batch, flags, roster)
        column = first.manifest.get("canvas_column")
        files = write_outputs(out, batch, roster, report, column)
    return MergeOutcome(batch, tuple(flags), tuple(files), tuple(outputs), tuple(warnings))
