"""``grader gradescope``: build a Gradescope autograder zip for an assignment."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("gradescope")
@click.option("--assignment", "-a", required=True, help="A built-in assignment or a TOML file.")
@click.option(
    "--secret-file",
    type=click.Path(path_type=Path),
    help="Course secret: hidden tests and each student's variant (else public tests).",
)
@click.option("--key", type=click.Path(path_type=Path), help="key.json from `grader generate`.")
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path), help="The zip.")
@click.option(
    "--timeout", type=float, default=5.0, show_default=True, help="Seconds per function call."
)
@click.option("--pypi", is_flag=True, help="Install nn-grader from PyPI instead of bundling it.")
def gradescope(
    assignment: str,
    secret_file: Path | None,
    key: Path | None,
    out: Path,
    timeout: float,
    pypi: bool,
) -> None:
    """Build a Gradescope autograder zip (setup.sh, run_autograder) for an assignment.

    Upload the zip as a programming assignment's autograder: students submit their .py file
    or answers.toml, and Gradescope runs this grader on its own machines. Keep the zip
    private: with --secret-file it carries the course secret.

    \b
    Example:
      grader gradescope --assignment nn-code --secret-file secret.txt --out autograder.zip
    """
    from grader.assignment import assignment_text, parse_assignment
    from grader.batch.files import write_atomic
    from grader.batch.gradescope import AutograderFiles, build_autograder
    from grader.batch.pipeline import read_key
    from grader.sandbox.job import valid_timeout
    from grader.seeds import read_secret

    valid_timeout(timeout)
    text = assignment_text(assignment)
    parsed = parse_assignment(text, assignment)
    secret = read_secret(str(secret_file)) if secret_file else None
    key_json = None
    if key is not None:
        read_key(key, parsed)  # validated here, rather than on Gradescope
        key_json = key.read_text("utf-8")
    if parsed.questions and secret is None and key_json is None:
        click.echo(
            "Note: without --secret-file, answer sheets get practice feedback only.", err=True
        )
    data = build_autograder(parsed, AutograderFiles(text, secret, key_json, timeout), pypi=pypi)
    write_atomic(out, data)
    click.echo(f"wrote {out} ({len(data) / 1024:.0f} KiB)")
