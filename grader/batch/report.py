"""The instructor's ``report.html``: how the class did, and what needs a person's eyes.

Score histogram, pass rate per test, the most common misconceptions with counts, submissions
that failed to run, integrity flags, every notice from collecting the files, and a table of
every student (id linking to their feedback, name, score, marks per function and question,
status) that sorts by any column and filters as one types. One self-contained page, readable
offline: inline CSS, SVG and one small inline script (the table is whole and in id order
without it); under half a kilobyte per student of nn-code.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from grader import __version__
from grader.assignment import Assignment
from grader.batch.columns import column_scores, columns
from grader.batch.engine import BatchResult, StudentResult
from grader.batch.integrity import Flag
from grader.batch.render import render
from grader.roster import Roster
from grader.topics import MISCONCEPTIONS

BINS = 10
DETAIL = 300  # characters of a status's detail kept in its tooltip (the full text is above)


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    x: float
    y: float
    height: float


@dataclass(frozen=True)
class PassRate:
    name: str
    passed: int
    total: int

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


def histogram(fractions: Sequence[float], width: float = 600, height: float = 180) -> list[Bar]:
    """Bars for scores as fractions of the maximum, in tenths (the last bin includes 100 %)."""
    counts = [0] * BINS
    for f in fractions:
        counts[min(BINS - 1, max(0, int(f * BINS + 1e-9)))] += 1
    top = max(counts) or 1
    step = width / BINS
    return [
        Bar(
            f"{10 * i}–{10 * i + 10}%",
            c,
            x=i * step,
            y=height - height * c / top,
            height=height * c / top,
        )
        for i, c in enumerate(counts)
    ]


def pass_rates(batch: BatchResult) -> list[PassRate]:
    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    order: dict[str, None] = {}
    for result in batch.results.values():
        if result.submission is None or result.problem is not None:
            continue  # what did not run is listed on its own
        for t in result.report.tests:
            order.setdefault(t.name)
            total[t.name] += 1
            passed[t.name] += t.status == "passed"
    return [PassRate(name, passed[name], total[name]) for name in order]


def misconception_counts(batch: BatchResult) -> list[tuple[str, int, str]]:
    """(id, number of students, sentence), most common first."""
    counts: Counter[str] = Counter()
    for result in batch.results.values():
        counts.update({tag for t in result.report.tests for tag in t.tags})
    return [(tag, n, MISCONCEPTIONS.get(tag, "")) for tag, n in counts.most_common()]


@dataclass(frozen=True)
class Status:
    """One thing to know about a student: ``kind`` picks its colour, ``detail`` its tooltip."""

    label: str
    kind: str  # "bad" (nothing to grade, or not graded), "warn", "note"
    detail: str = ""


@dataclass(frozen=True)
class StudentRow:
    id: str
    name: str
    score: float | None  # None: held, not graded
    marks: tuple[float | None, ...]  # one per column of grades.csv
    statuses: tuple[Status, ...]

    @property
    def out(self) -> bool:
        """Nothing of theirs was graded: not submitted, did not load, or held."""
        return any(s.kind == "bad" for s in self.statuses)


def column_maxima(assignment: Assignment) -> list[tuple[str, float]]:
    """(column, its points) in the order of grades.csv: functions, then questions."""
    points = {t.function: t.points for t in assignment.code}
    points.update({q.id: q.points for q in assignment.questions})
    return [(c, points[c]) for c in columns(assignment)]


def _short(text: str) -> str:
    return text if len(text) <= DETAIL else text[: DETAIL - 1] + "…"


def student_statuses(
    result: StudentResult, flags: Sequence[Flag], mismatch: str | None
) -> list[Status]:
    statuses = []
    submission = result.submission
    if result.held is not None:
        statuses.append(Status("held: conflict", "bad", _short(result.held)))
    elif submission is None:
        statuses.append(Status("not submitted", "bad", "nothing handed in: graded 0"))
    if result.problem is not None:
        statuses.append(Status("did not load", "bad", _short(result.problem)))
    if submission is not None and submission.late:
        statuses.append(Status("late", "warn", "submitted late"))
    if submission is not None and not submission.on_roster:
        statuses.append(Status("not on roster", "warn", "graded anyway"))
    for flag in flags:
        if result.student in flag.students:
            statuses.append(Status(f"flag: {flag.kind}", "warn", _short(flag.message)))
    if mismatch:
        statuses.append(Status("key mismatch", "warn", _short(mismatch)))
    return statuses


def student_rows(
    batch: BatchResult, flags: Sequence[Flag], roster: Roster | None = None
) -> list[StudentRow]:
    """Every student of the run, in id order, as the report's table shows them."""
    names = {s.id: s.name for s in roster.students} if roster else {}
    cols = columns(batch.assignment)
    mismatches = dict(batch.mismatches)
    rows = []
    for sid in sorted(batch.results):
        result = batch.results[sid]
        statuses = tuple(student_statuses(result, flags, mismatches.get(sid)))
        if result.held is not None:
            rows.append(StudentRow(sid, names.get(sid, ""), None, (None,) * len(cols), statuses))
            continue
        per = column_scores(batch.assignment, result.report)
        marks = tuple(per[c] for c in cols)
        rows.append(StudentRow(sid, names.get(sid, ""), result.report.score, marks, statuses))
    return rows


def render_report(batch: BatchResult, flags: Sequence[Flag], roster: Roster | None = None) -> str:
    a = batch.assignment
    rows = student_rows(batch, flags, roster)
    held = sorted((r.student, r.held) for r in batch.results.values() if r.held is not None)
    submitted = [r for r in batch.results.values() if r.submission is not None and r.held is None]
    fractions = [r.report.score / a.max_score if a.max_score else 0.0 for r in submitted]
    scores = [r.report.score for r in submitted]
    return render(
        "report.html.j2",
        assignment=a,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
        students=len(batch.results),
        submitted=len(submitted),
        mean=statistics.fmean(scores) if scores else 0.0,
        median=statistics.median(scores) if scores else 0.0,
        bars=histogram(fractions),
        rates=pass_rates(batch),
        misconceptions=misconception_counts(batch),
        failed=sorted(
            (r.student, r.problem) for r in batch.results.values() if r.problem is not None
        ),
        held=held,
        conflicts=list(batch.collection.conflicts),
        flags=list(flags),
        notices=list(batch.collection.notices),
        missing=list(batch.collection.missing),
        mismatches=list(batch.mismatches),
        rows=rows,
        named=any(r.name for r in rows),
        maxima=column_maxima(a),
    )
