"""``grader export``: an assignment's questions as a quiz file for Moodle or Canvas."""

from __future__ import annotations

import os
from pathlib import Path

import click

FORMATS = ("moodle", "qti", "gift")


@click.command("export")
@click.option(
    "--assignment",
    "assignment_ref",
    metavar="A",
    help="A built-in assignment (nn-quiz) or an assignment file.  [required]",
)
@click.option(
    "--format",
    "fmt",
    metavar="[moodle|qti|gift]",
    help="moodle: Moodle XML; qti: a Canvas QTI 1.2 zip; gift: Moodle's GIFT text.  [required]",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (replaced atomically).  [required]",
)
@click.option(
    "--variants",
    default="1",
    show_default=True,
    metavar="N",
    help="Distinct variants of each question (1-200), grouped so a quiz draws one per student.",
)
@click.option(
    "--seed",
    default="0",
    show_default=True,
    metavar="N",
    help="Seed of the variants (a whole number >= 0): the same seed gives the same variants.",
)
def export(
    assignment_ref: str | None, fmt: str | None, out: Path | None, variants: str, seed: str
) -> None:
    """Export the questions of an assignment for an LMS.

    Every question becomes N variants in a category (Moodle, GIFT) or question group
    (Canvas) of its own, from which a quiz draws one at random. Parts that the format cannot
    grade automatically (symbolic expressions) are named in the summary.

    \b
    Examples:
      grader export --assignment nn-quiz --format moodle --out nn-quiz.xml --variants 5
      grader export --assignment my-quiz.toml --format qti --out quiz.zip --seed 7
    """
    from exercises.base import plural
    from grader.assignment import load_assignment
    from grader.batch.files import write_atomic
    from grader.errors import UsageError
    from grader.lms import MAX_VARIANTS, export_quiz

    for option, value in (("--assignment", assignment_ref), ("--format", fmt), ("--out", out)):
        if value is None or str(value) == "":
            raise UsageError(f"export needs {option} (see grader export --help)")
    assert assignment_ref is not None and fmt is not None and out is not None
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    n = _whole("--variants", variants, 1, MAX_VARIANTS)
    seed_value = _whole("--seed", seed, 0, 2**63 - 1)
    if out.is_dir():
        raise UsageError(f"--out {out} is a directory; give a file name")

    assignment = load_assignment(assignment_ref)
    result = export_quiz(assignment, fmt, n, seed_value)
    try:
        write_atomic(out, result.data)
        mask = os.umask(0)
        os.umask(mask)
        out.chmod(0o666 & ~mask)  # a file for others to read, not the private temp file's 0600
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    summary = (
        f"Exported {plural(len(assignment.questions), 'question')} x "
        f"{plural(n, 'variant')} of {assignment.name} as {fmt} "
        f"({plural(result.items, 'LMS question')}"
        + (f", {result.layout}" if result.layout else "")
        + f") to {out}"
    )
    if result.notes:
        summary += "; " + "; ".join(result.notes)
    click.echo(summary, err=True)


def _whole(option: str, text: str, low: int, high: int) -> int:
    from grader.errors import UsageError

    try:
        value = int(text.strip())
    except ValueError:
        raise UsageError(f"{option} must be a whole number, got {text!r}") from None
    if not low <= value <= high:
        raise UsageError(f"{option} must be between {low} and {high}, got {value}")
    return value
