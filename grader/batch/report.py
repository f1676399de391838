"""The instructor's ``report.html``: how the class did, and what needs a person's eyes.

Score histogram, pass rate per test, the most common misconceptions with counts, submissions
that failed to run, integrity flags, and every notice from collecting the files. One
self-contained page: inline CSS and SVG, no script, readable offline.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from exercises.misconceptions import MISCONCEPTIONS
from grader import __version__
from grader.batch.engine import BatchResult
from grader.batch.integrity import Flag
from grader.batch.render import render

BINS = 10


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


def render_report(batch: BatchResult, flags: Sequence[Flag]) -> str:
    a = batch.assignment
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
    )
