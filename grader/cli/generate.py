"""``grader generate``: per-student problem sets, answer sheets, solutions and the key."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.errors import UsageError


@click.command("generate")
@click.option("--assignment", "assignment_ref", required=True, help="Built-in name or TOML file.")
@click.option("--roster", type=click.Path(dir_okay=False), help="Roster CSV (or Canvas export).")
@click.option(
    "--secret-file",
    type=click.Path(dir_okay=False),
    help="The course secret; without it one public set is made with a public default secret.",
)
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option(
    "--format",
    "formats",
    default="md,html,tex",
    show_default=True,
    help=(
        "Document formats, comma-separated: md, html, tex, pdf (pdf compiles the LaTeX with "
        "pdflatex, which must be installed)."
    ),
)
def generate(
    assignment_ref: str, roster: str | None, secret_file: str | None, out: str, formats: str
) -> None:
    """Write one problem set per student, with answer sheets, solutions, key.json and key.csv.

    Each student's variant comes from the secret, the assignment, the question and the id.
    Without --roster a single set is written under the id `default`; without --secret-file
    that set uses a public default secret (fine for one public set, never for graded work).

    \b
    Examples:
      grader generate --assignment nn-quiz --out problem-set
      grader generate --assignment nn-quiz --roster class.csv --secret-file secret.txt --out sets
    """
    from exercises.base import plural
    from grader.assignment import load_assignment
    from grader.problem_sets import DEFAULT_ID, parse_formats, write_problem_sets
    from grader.roster import load_roster
    from grader.seeds import DEFAULT_SECRET, read_secret

    try:
        fmts = parse_formats(formats)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if "pdf" in fmts:
        from grader.pdf import require_engine

        require_engine()  # before anything is written
    if roster and not secret_file:
        raise UsageError(
            "--roster needs --secret-file, so that students cannot compute each other's variants"
        )
    out_dir = Path(out)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder")
    assignment = load_assignment(assignment_ref)
    if not assignment.questions:
        raise UsageError(f"assignment {assignment.name!r} has no questions to generate")
    secret = read_secret(secret_file) if secret_file else DEFAULT_SECRET
    students = list(load_roster(roster).ids) if roster else [DEFAULT_ID]
    if not secret_file:
        click.echo(
            "No --secret-file: using the public default secret (one public set only).", err=True
        )
    if sys.stdout.isatty() and len(students) >= 20:
        with click.progressbar(length=len(students), label="Generating", show_pos=True) as bar:
            summary = write_problem_sets(
                assignment, students, secret, out_dir, fmts, progress=bar.update
            )
    else:
        summary = write_problem_sets(assignment, students, secret, out_dir, fmts)
    click.echo(
        f"Wrote {plural(summary.students, 'problem set')} "
        f"({summary.files} files) for {assignment.name} to {out_dir}/; "
        f"key: {out_dir / 'key.json'}"
    )
    stale = _stale_sets(out_dir, set(students))
    if stale:
        shown = ", ".join(stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
        click.echo(
            f"Note: {out_dir}/ still holds {plural(len(stale), 'set')} "
            f"from an earlier run that key.json does not cover ({shown}); remove "
            f"{'them' if len(stale) != 1 else 'it'} before handing the folder out.",
            err=True,
        )


def _stale_sets(out_dir: Path, students: set[str]) -> list[str]:
    """Student folders in ``out_dir`` left by an earlier run, not written by this one."""
    return sorted(
        p.name
        for p in out_dir.iterdir()
        if p.is_dir() and p.name not in students and (p / "answers.toml").is_file()
    )
