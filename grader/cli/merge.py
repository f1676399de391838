"""``grader merge``: the shards of a class (``grade --shard``) as one whole-class run's outputs."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.grade import standing, took
from grader.report_text import counted
from grader.safetext import printable


@click.command("merge")
@click.argument(
    "shards", metavar="SHARD_OUT...", nargs=-1, required=True, type=click.Path(path_type=Path)
)
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path), help="Output folder.")
def merge(shards: tuple[Path, ...], out: Path) -> None:
    """Combine the output folders of `grader grade --shard I/N` into OUT, exactly as one
    `grader grade` of the whole class writes it: grades.csv and the LMS files, every
    student's results.json and feedback.md, report.html with integrity checks across the
    whole class, and grading.sqlite.

    Refuses shards of different assignments, secrets, keys, rosters or grader versions, a
    student two shards graded differently, and missing shards. Merging again gives the same.

    \b
    Example:
      grader merge graded/shard-* --out graded/class
    """
    from grader.batch.merge import merge as run

    outcome = run(list(shards), out)
    for warning in outcome.warnings:
        click.echo(printable(f"Warning: {warning}"), err=True)
    batch = outcome.batch
    count = outcome.shards[0].shard.count
    head = (
        f"merged {count} shards in {took(batch.elapsed)}: {counted(len(batch.results), 'student')}"
    )
    click.echo(printable(f"{head}; {standing(batch, len(outcome.flags), out)}"))
