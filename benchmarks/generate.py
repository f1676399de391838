"""Benchmark: problem sets for a roster, with worked solutions in every format.

    python benchmarks/generate.py [--students 1000] [--rederive 30] [--jobs N]

Times ``grader generate``'s core for a roster (every student's variants, problems and
solutions in md, html and tex, the blank answer sheet, every file written, then key.json), per
student. Side by side, on one process and the same sample of students, it times the same work
done by an implementation that derives per student instead of once, in two ways:

- *re-derived, sympy's cache kept*: every worked solution derives its formulas with sympy and
  prints them afresh (our caches of derivations, formula nodes, printed formulas and rendered
  variants are cleared before each one), while sympy's own cache keeps what earlier students
  derived, as it does in one long process;
- *re-derived, fresh start per student*: our caches and sympy's are cleared before each
  student, as in a program started afresh for each student (imports not counted); within a
  student, caches work as usual.

It prints both ratios for a student's whole set, then, as a breakdown, for the worked
solutions alone (md and html, and the hand-rounded working where a question allows it) of
variants drawn beforehand: what our caches save, without the work both sides do alike
(drawing variants, statements, answer sheets). Targets: under 10 ms per student, and at least
10x faster than re-deriving per student.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def clear_our_caches() -> None:
    """Forget every derivation, formula and printed formula of ours, as a first run would."""
    import sys

    from exercises.solutions import derive, notation, steps
    from grader import render

    render.SHARED.clear()  # rendered text of variants already seen
    topics_steps = [m for k, m in sys.modules.items() if k.startswith("grader.topics._")]
    for module in (derive, notation, steps, *topics_steps):  # every cache they define
        for value in vars(module).values():
            if getattr(value, "__module__", None) == module.__name__ and hasattr(
                value, "cache_clear"
            ):
                value.cache_clear()


@contextmanager
def deriving_every_time() -> Iterator[list[int]]:
    """Within the block, each worked solution starts from cold caches; yields a call counter."""
    import grader.topics as solutions

    cached = solutions.worked_solution
    calls = [0]

    def uncached(problem: Any, rounding: int | None = None) -> Any:
        clear_our_caches()
        calls[0] += 1
        return cached(problem, rounding)

    solutions.worked_solution = uncached
    try:
        yield calls
    finally:
        solutions.worked_solution = cached


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument(
        "--rederive", type=int, default=30, help="students in the side-by-side sample"
    )
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: auto)")
    args = parser.parse_args()

    from grader import render
    from grader.assignment import load_assignment
    from grader.problem_sets import (
        DOCUMENT_FORMATS,
        default_jobs,
        student_files,
        write_problem_sets,
    )
    from grader.variants import build_variants

    assignment = load_assignment("nn-quiz")
    secret = b"benchmark secret"
    ids = [f"A{i:07d}X" for i in range(args.students)]
    formats = ("md", "html", "tex")

    # Warm up: imports, template compilation, the one-off derivations.
    student_files(assignment, "warm-up", build_variants(assignment, "warm-up", secret), formats)

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = write_problem_sets(assignment, ids, secret, Path(tmp), formats, jobs=args.jobs)
        roster = (time.perf_counter() - start) / summary.students

    # Side by side on one process: the same students, with and without the caches; first each
    # student's whole set, then (a breakdown) only the worked solutions of variants drawn
    # beforehand, in the formats a set has them.
    sample = ids[: args.rederive]
    drawn = {sid: build_variants(assignment, sid, secret) for sid in sample}

    def whole_set(sid: str) -> None:
        student_files(assignment, sid, build_variants(assignment, sid, secret), formats)

    def solutions_only(sid: str) -> None:
        views = render.Views()
        for problem in drawn[sid].values():
            for fmt in DOCUMENT_FORMATS:
                views.working(problem, fmt)
                views.hand(problem, fmt)

    whole = side_by_side(whole_set, sample)
    alone = side_by_side(solutions_only, sample)

    jobs = default_jobs(len(ids)) if args.jobs is None else args.jobs
    print(f"{summary.students} students, {summary.files} files, formats {', '.join(formats)}")
    print(f"{'':54}{'wall ms/student':>16}{'CPU ms/student':>16}")
    label = f"whole roster, written to disk ({jobs} process(es))"
    print(f"{label:54}{roster * 1000:>16.2f}{'':>16}")
    for title, (cached, kept, fresh, calls) in (
        (f"one student's whole set, one process (median of {len(sample)})", whole),
        ("only its worked solutions (md, html, by hand), variants drawn", alone),
    ):
        print(title)
        rows = [
            ("  cached", cached),
            (f"  re-derived, sympy's cache kept ({calls / len(sample):.0f} solutions)", kept),
            ("  re-derived, fresh start per student", fresh),
        ]
        for label, timing in rows:
            print(f"{label:54}{timing.wall * 1000:>16.2f}{timing.cpu * 1000:>16.2f}")
        for label, timing in rows[1:]:
            print(
                f"{'  ratio, ' + label.strip().split(' (')[0]:54}"
                f"{timing.wall / cached.wall:>15.1f}x{timing.cpu / cached.cpu:>15.1f}x"
            )
    cached, kept, fresh, _ = whole
    verdicts = [
        f"{name} {t.wall / cached.wall:.1f}x {'met' if t.wall / cached.wall >= 10 else 'NOT met'}"
        for name, t in (("sympy's cache kept", kept), ("fresh start", fresh))
    ]
    print(
        f"target < 10 ms per student: {'met' if roster < 0.010 else 'NOT met'}; "
        f"target >= 10x (whole set): {', '.join(verdicts)}"
    )


def side_by_side(work: Any, sample: list[str]) -> tuple[Timing, Timing, Timing, int]:
    """``work(student)`` timed with our caches, re-deriving every worked solution with
    sympy's cache kept, and from a fresh start per student; and the solutions re-derived."""
    cached = Timing()
    for sid in sample:
        with cached.measure():
            work(sid)
    kept = Timing()
    clear_our_caches()  # nothing typeset by the cached run may serve this one
    with deriving_every_time() as calls:
        for sid in sample:
            with kept.measure():
                work(sid)
    if not calls[0]:
        raise SystemExit("the worked solutions were not re-derived: the measurement is void")
    fresh = Timing()
    for sid in sample:
        clear_our_caches()
        clear_sympy_cache()
        with fresh.measure():
            work(sid)
    return cached, kept, fresh, calls[0]


class Timing:
    """Wall and CPU time of repeated runs; ``wall`` and ``cpu`` are the medians."""

    def __init__(self) -> None:
        self.walls: list[float] = []
        self.cpus: list[float] = []

    @contextmanager
    def measure(self) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.walls.append(time.perf_counter() - wall)
        self.cpus.append(time.process_time() - cpu)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)


def clear_sympy_cache() -> None:
    from sympy.core.cache import clear_cache

    clear_cache()


if __name__ == "__main__":
    main()
