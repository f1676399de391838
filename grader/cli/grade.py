"""``grader grade``: batch grading of a folder of submissions, with outputs for the LMS."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.batch.engine import BatchResult
from grader.batch.pipeline import GradeOutcome, GradeRequest
from grader.report_text import counted, points
from grader.safetext import printable


@click.command("grade")
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option("--assignment", "-a", required=True, help="A built-in assignment or a TOML file.")
@click.option(
    "--secret-file",
    required=True,
    type=click.Path(path_type=Path),
    help="The course secret the variants and hidden tests derive from.",
)
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option(
    "--roster",
    type=click.Path(path_type=Path),
    help="Roster CSV (an `id` column, optional `name` and `email`) or a Canvas gradebook export.",
)
@click.option("--key", type=click.Path(path_type=Path), help="key.json from `grader generate`.")
@click.option("--jobs", "-j", type=int, help="Parallel workers (default: two per available core).")
@click.option(
    "--timeout", type=float, default=5.0, show_default=True, help="Seconds per function call."
)
@click.option(
    "--id-pattern",
    help="Regex finding the id in a file name (tried without its suffix, then whole): group "
    "`id`, else group 1.",
)
@click.option(
    "--canvas-column",
    metavar="TITLE",
    help="The Canvas export's assignment column for the grades, e.g. 'Homework 3 (12345)' "
    "(default: the only one).",
)
@click.option(
    "--trust-code",
    is_flag=True,
    help="Grade even where the machine allows no isolation (only code you trust).",
)
@click.option(
    "--shard",
    "shard_spec",
    metavar="I/N|auto|auto/N",
    help="Grade only shard I of N (from 0), for `grader merge`; auto: a Slurm job array's "
    "task, auto/N: a Kubernetes Indexed Job's index.",
)
def grade(
    submissions: Path,
    assignment: str,
    secret_file: Path,
    out: Path,
    roster: Path | None,
    key: Path | None,
    jobs: int | None,
    timeout: float,
    id_pattern: str | None,
    trust_code: bool,
    canvas_column: str | None,
    shard_spec: str | None,
) -> None:
    """Grade every submission in SUBMISSIONS on hidden tests and write grades for the LMS.

    SUBMISSIONS holds a folder per student named by id, files named by id (A0123456X.py,
    A0123456X.toml), files matched by --id-pattern, or a Canvas bulk download (mapped through
    a Canvas --roster). --id-pattern is tried on each file's name without its suffix, then on
    its whole name: 'A12_(?P<id>A\\d{7}X)' and 'A12_(?P<id>A\\d{7}X)\\.py' both find
    A12_A0123456X.py. A folder with no submission at all stops the run (exit 2).

    Results are kept in OUT/grading.sqlite: a rerun grades only what changed, and a killed run
    resumes. OUT receives grades.csv, moodle.csv, canvas.csv (with a Canvas roster),
    report.html, and <id>/results.json and <id>/feedback.md per student.

    The roster is a CSV with an `id` column and optional `name` and `email` (students on it
    who hand in nothing get 0; files of ids off it are graded and noticed), or a Canvas
    gradebook export (Grades > Export): its `SIS User ID` is the id, and canvas.csv puts the
    grades in its assignment column, the one --canvas-column names or else its only one.

    \b
    A roster:
      id,name,email
      A0123456X,Ada Lovelace,ada@example.edu
      A0234567Y,Alan Turing,alan@example.edu

    \b
    Example:
      grader grade submissions/ --assignment nn-code --secret-file secret.txt \\
          --roster roster.csv --out graded/
      grader grade canvas-download/ -a nn-code --secret-file secret.txt \\
          --roster gradebook.csv --canvas-column 'Homework 3 (12345)' --out graded/
    """
    from grader.batch.pipeline import grade as run
    from grader.batch.progress import ProgressBar
    from grader.batch.shard import parse_shard, shard_summary

    shard = parse_shard(shard_spec) if shard_spec is not None else None
    bar = ProgressBar(sys.stderr)
    try:
        outcome = run(
            GradeRequest(
                submissions=submissions,
                assignment=assignment,
                secret_file=secret_file,
                out=out,
                roster=roster,
                key=key,
                jobs=jobs,
                timeout=timeout,
                id_pattern=id_pattern,
                trust_code=trust_code,
                canvas_column=canvas_column,
                shard=shard,
            ),
            progress=bar,
        )
    finally:
        bar.close()
    for warning in outcome.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if shard is not None:
        click.echo(printable(shard_summary(shard, outcome.batch)))
        return
    click.echo(printable(summary(outcome, out)))


def summary(outcome: GradeOutcome, out: Path) -> str:
    """The final one-line summary: what was graded now, then how the class stands."""
    batch = outcome.batch
    total, fresh = len(batch.results), batch.fresh
    if fresh:
        rate = f" ({fresh / batch.elapsed:.1f}/s)" if batch.elapsed >= 0.05 else ""
        head = f"graded {counted(total, 'student')} ({fresh} new, {total - fresh} unchanged) in "
        head += took(batch.elapsed) + rate
    else:
        head = f"nothing changed: {total} unchanged"
    return f"{head}; {standing(batch, len(outcome.flags), out)}"


def took(seconds: float) -> str:
    """How long a run took, for a summary line: 2.3s, or under 0.1s (never 0.0s)."""
    return f"{seconds:.1f}s" if seconds >= 0.05 else "under 0.1s"


def standing(batch: BatchResult, flags: int, out: Path) -> str:
    """How the class stands, for a summary line: submitted, mean, failures, flags, notices,
    conflicts, and where the report is."""
    results = batch.results.values()
    submitted = [r for r in results if r.submission is not None]
    graded = [r for r in submitted if r.held is None]
    mean = sum(r.report.score for r in graded) / len(graded) if graded else 0.0
    failed = sum(r.problem is not None for r in results)
    notices = len(batch.collection.notices) + len(batch.mismatches)
    held = sum(r.held is not None for r in results)
    conflicts = len(batch.collection.conflicts)
    # a conflict is said even in a one-line summary: someone's grade waits on the instructor
    trouble = (
        f", {counted(conflicts, 'conflict')} ({counted(held, 'student')} held, not graded)"
        if conflicts or held
        else ""
    )
    return (
        f"{len(submitted)} submitted, mean "
        f"{points(mean)}/{points(batch.assignment.max_score)}, {failed} failed to run, "
        f"{counted(flags, 'integrity flag')}, {counted(notices, 'notice')}"
        f"{trouble}; see {out / 'report.html'}"
    )
