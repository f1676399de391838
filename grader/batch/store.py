"""Results kept as they are produced, so that nothing is lost and nothing is graded twice.

One SQLite database (``grading.sqlite`` in the output folder, write-ahead log) holds a row per
student: the digest of what was graded and the report. A result is committed the moment it
exists, so a run that is killed keeps everything finished before the kill, and a rerun grades
only the students whose digest changed.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import InputError
from grader.results import Report, TestResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS result (
    student   TEXT PRIMARY KEY,
    digest    TEXT NOT NULL,
    report    TEXT NOT NULL,
    meta      TEXT NOT NULL,
    graded_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS run (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Stored:
    """One stored result: the report, and what the batch learned grading it.

    ``meta`` is plain JSON data: ``problem`` (why the submission could not run), ``mismatch``
    (key.json and the secret disagree), ``expected`` (the variant's answers, for integrity).
    """

    student: str
    digest: str
    report: Report
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def problem(self) -> str | None:
        return self.meta.get("problem")


def report_to_data(report: Report) -> dict[str, Any]:
    """Everything in a report, ``attempted`` included (which results.json leaves out)."""
    return {
        "output": report.output,
        "extra": report.extra,
        "tests": [
            {
                "name": t.name,
                "score": t.score,
                "max_score": t.max_score,
                "output": t.output,
                "tags": list(t.tags),
                "attempted": t.attempted,
            }
            for t in report.tests
        ],
    }


def report_from_data(data: dict[str, Any]) -> Report:
    tests = tuple(
        TestResult(
            name=t["name"],
            score=float(t["score"]),
            max_score=float(t["max_score"]),
            output=t.get("output", ""),
            tags=tuple(t.get("tags", ())),
            attempted=bool(t.get("attempted", True)),
        )
        for t in data["tests"]
    )
    return Report(tests, data.get("output", ""), dict(data.get("extra", {})))


class ResultStore:
    """The results database of one output folder."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        try:
            if readonly:  # another run's results, read and never changed (a shard's, to merge)
                uri = f"{path.resolve().as_uri()}?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
                self._db.execute("SELECT 1 FROM result, run LIMIT 1").fetchall()
                return
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise InputError(path, f"not a results database this grader can use ({exc})") from None

    def load(self) -> dict[str, Stored]:
        rows = self._db.execute("SELECT student, digest, report, meta FROM result")
        return {
            student: Stored(student, digest, report_from_data(json.loads(report)), json.loads(meta))
            for student, digest, report, meta in rows
        }

    def put(self, stored: Stored) -> None:
        """Store one result, committed at once."""
        self._db.execute(
            "INSERT OR REPLACE INTO result VALUES (?, ?, ?, ?, ?)",
            (
                stored.student,
                stored.digest,
                json.dumps(report_to_data(stored.report)),
                json.dumps(stored.meta),
                time.time(),
            ),
        )

    def put_all(self, results: Iterable[Stored]) -> None:
        """Store many results in one transaction: all of them, or none (a full disk)."""
        self._db.execute("BEGIN")
        try:
            for stored in results:
                self.put(stored)
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def run_info(self) -> tuple[str, str] | None:
        """(assignment, secret fingerprint) of the run that wrote this folder, if recorded."""
        rows = dict(self._db.execute("SELECT key, value FROM run"))
        if "assignment" not in rows or "identity" not in rows:
            return None
        return rows["assignment"], rows["identity"]

    def set_run_info(self, assignment: str, identity: str) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO run VALUES (?, ?)",
            [("assignment", assignment), ("identity", identity)],
        )

    def close(self) -> None:
        self._db.close()
