"""Which students a shard grades: ``--shard I/N``, ``auto`` (Slurm) or ``auto/N`` (Kubernetes).

A student belongs to shard ``I`` of ``N`` when a SHA-256 of their id, case folded, is ``I``
modulo ``N``: the same on every machine and every Python (never ``hash()``, which is salted
per process), spread evenly over the shards, and the same for ids that differ only in case
(which the batch takes for one student).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import __version__
from grader.assignment import Assignment
from grader.batch.backend import MAX_SHEET
from grader.batch.engine import BatchResult, Reader
from grader.batch.files import RefusedError, write_atomic
from grader.errors import UsageError

MAX_SHARDS = 100_000
SLURM_TASK, SLURM_MIN, SLURM_COUNT = (
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_COUNT",
)
KUBERNETES_INDEX = "JOB_COMPLETION_INDEX"


def shard_of(student: str, count: int) -> int:
    """The shard (0-based) of ``count`` that grades ``student``."""
    digest = hashlib.sha256(student.casefold().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


@dataclass(frozen=True)
class Shard:
    index: int  # 0-based
    count: int
    source: str = ""  # where I and N came from: "", "Slurm", "Kubernetes"

    def holds(self, student: str) -> bool:
        return shard_of(student, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def _whole(name: str, text: str | None, what: str) -> int:
    if text is None or not re.fullmatch(r"\s*[0-9]{1,9}\s*", text):
        shown = "unset" if text is None else repr(text)
        raise UsageError(f"--shard {what}: {name} is {shown}, not a whole number")
    return int(text)


def parse_shard(text: str, env: Mapping[str, str] | None = None) -> Shard:
    """``I/N``, ``auto`` or ``auto/N`` as a :class:`Shard`, or a UsageError saying why not."""
    env = os.environ if env is None else env
    spec = text.strip()
    if spec == "auto":  # a Slurm job array: --array=0-3, 1-4 or 5-8 all give shards 0..3
        task = _whole(SLURM_TASK, env.get(SLURM_TASK), "auto (a Slurm job array)")
        low = _whole(SLURM_MIN, env.get(SLURM_MIN, "0"), "auto (a Slurm job array)")
        count = _whole(SLURM_COUNT, env.get(SLURM_COUNT), "auto (a Slurm job array)")
        return _checked(task - low, count, "Slurm", f"{SLURM_TASK} minus {SLURM_MIN}")
    match = re.fullmatch(r"(auto|[0-9]{1,9})\s*/\s*([0-9]{1,9})", spec)
    if match is None:
        raise UsageError(
            f"--shard {text!r}: give I/N (shard I of N, from 0), auto (Slurm's job array) or "
            "auto/N (Kubernetes' JOB_COMPLETION_INDEX)"
        )
    count = int(match[2])
    if match[1] != "auto":
        return _checked(int(match[1]), count, "", "I")
    if KUBERNETES_INDEX in env:
        index = _whole(KUBERNETES_INDEX, env[KUBERNETES_INDEX], "auto/N")
        return _checked(index, count, "Kubernetes", KUBERNETES_INDEX)
    if SLURM_TASK in env:
        task = _whole(SLURM_TASK, env[SLURM_TASK], "auto/N")
        low = _whole(SLURM_MIN, env.get(SLURM_MIN, "0"), "auto/N")
        return _checked(task - low, count, "Slurm", f"{SLURM_TASK} minus {SLURM_MIN}")
    raise UsageError(
        f"--shard {text!r}: neither {KUBERNETES_INDEX} (a Kubernetes Indexed Job) nor "
        f"{SLURM_TASK} (a Slurm job array) is set; give I/N instead"
    )


def _checked(index: int, count: int, source: str, what: str) -> Shard:
    if not 1 <= count <= MAX_SHARDS:
        raise UsageError(f"--shard: the number of shards must be 1 to {MAX_SHARDS:,}, not {count}")
    if not 0 <= index < count:
        raise UsageError(
            f"--shard: shard {index} is not one of 0 to {count - 1} ({what} counts from 0)"
        )
    return Shard(index, count, source)


# --- what a shard leaves for `grader merge` -------------------------------------------------

MANIFEST = "shard.json"
MANIFEST_FORMAT = 1


def assignment_digest(assignment: Assignment) -> str:
    """The same digest of the assignment as the results' (:func:`grader.batch.engine.plan`)."""
    return hashlib.sha256(repr(assignment).encode()).hexdigest()


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ShardInputs:
    """What a shard was graded from, as the merge checks and needs it."""

    assignment_text: str
    assignment_source: str
    identity: str  # the secret's fingerprint, never the secret
    key: bytes | None
    roster: bytes | None
    roster_name: str | None
    timeout: float
    canvas_column: str | None = None  # the Canvas export's column for the grades, as decided


def write_manifest(
    out: Path, shard: Shard, inputs: ShardInputs, batch: BatchResult, reader: Reader
) -> Path:
    """``OUT/shard.json``: who this shard graded, from what, and what the merge needs of
    their files (the answer sheets' text, for the class-wide check for copied sheets)."""
    students: dict[str, dict[str, Any]] = {}
    for student, result in sorted(batch.results.items()):
        sub = result.submission
        entry: dict[str, Any] = {"submitted": sub is not None}
        if sub is not None:
            entry.update(
                code=str(sub.code) if sub.code else None,
                sheet=str(sub.sheet) if sub.sheet else None,
                late=sub.late,
                on_roster=sub.on_roster,
                conflict=sub.conflict,
            )
            if sub.sheet:
                try:
                    entry["sheet_text"] = reader.read(sub.sheet, MAX_SHEET).decode(
                        "utf-8", errors="replace"
                    )
                except RefusedError as exc:
                    entry["sheet_refused"] = exc.reason
                except OSError as exc:
                    entry["sheet_refused"] = f"it could not be read: {exc.strerror}"
        students[student] = entry
    collection = batch.collection
    data = {
        "format": MANIFEST_FORMAT,
        "shard": {"index": shard.index, "count": shard.count, "source": shard.source},
        "grader": __version__,
        "assignment": {
            "name": batch.assignment.name,
            "digest": assignment_digest(batch.assignment),
            "text": inputs.assignment_text,
            "source": inputs.assignment_source,
        },
        "identity": inputs.identity,
        "key": file_digest(inputs.key) if inputs.key is not None else None,
        "roster": None
        if inputs.roster is None
        else {
            "digest": file_digest(inputs.roster),
            "name": inputs.roster_name,
            "data": base64.b64encode(inputs.roster).decode("ascii"),
        },
        "timeout": inputs.timeout,
        "canvas_column": inputs.canvas_column,
        "root": str(collection.root) if collection.root else None,
        "walked": collection.walked,
        "notices": [[n.kind, n.path, n.message, n.student] for n in collection.notices],
        "missing": list(collection.missing),
        "students": students,
        "elapsed": batch.elapsed,
        "fresh": batch.fresh,
    }
    path = out / MANIFEST
    write_atomic(path, json.dumps(data, indent=1, sort_keys=True) + "\n")
    return path


def shard_summary(shard: Shard, batch: BatchResult) -> str:
    """A shard's one-line summary: which shard, how many students, and what comes next."""
    results = batch.results.values()
    submitted = sum(r.submission is not None for r in results)
    failed = sum(r.problem is not None for r in results)
    held = sum(r.held is not None for r in results)
    rate = batch.fresh / batch.elapsed if batch.elapsed > 0 else 0.0
    source = f" ({shard.source})" if shard.source else ""
    notices = len(batch.collection.notices) + len(batch.mismatches)
    return (
        f"shard {shard}{source}: graded {len(batch.results)} students ({batch.fresh} new, "
        f"{len(batch.results) - batch.fresh} unchanged) in {batch.elapsed:.1f}s ({rate:.1f}/s): "
        f"{submitted} submitted, {failed} failed to run, {held} held, {notices} notices; "
        "no class files written: combine every shard with `grader merge`"
    )
