"""``grader check PATH``: instant feedback on a code file (.py), a notebook (.ipynb) or an
answer sheet (.toml)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from grader.errors import InputError, UsageError
from grader.safetext import printable

NO_ISOLATION = (
    "Note: this machine gives the checker no isolation (no root, and user namespaces are "
    "disabled): your code ran with your own permissions and network."
)


@click.command("check")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=True))
@click.option(
    "--assignment",
    "-a",
    "assignment",
    default=None,
    metavar="A",
    help="A built-in assignment (nn-code, nn-quiz) or an assignment file.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results JSON (Gradescope schema).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1, max=600),
    default=None,
    help="Seconds allowed for each call of a function (code files only; default 5).",
)
def check(path: Path, assignment: str | None, as_json: bool, timeout: float | None) -> None:
    """Check a code file or an answer sheet against the public tests.

    A .py file or an .ipynb notebook (its code cells): every function of the student code
    API it defines is run in a sandbox and compared with the expected values; a .toml answer
    sheet: every answer is checked.
    Exit code 0 when everything passed, 1 when something failed, 2 for unusable input.

    \b
    Examples:
      grader check my_solution.py
      grader check homework.ipynb
      grader check answers.toml --json
    """
    if not path.exists():
        raise InputError(path, "no such file")
    if path.is_dir():
        raise InputError(
            path, "is a directory; give a .py file, an .ipynb notebook or a .toml answer sheet"
        )
    suffix = path.suffix.lower()
    if suffix in (".py", ".ipynb"):
        from grader.sandbox import Limits, SandboxServer

        limits = Limits() if timeout is None else Limits(timeout=timeout)
        # The sandbox warms up (imports NumPy) on the other core while we import the checks.
        server = SandboxServer(limits).start()
        try:
            from grader.codecheck import check_file

            report = check_file(
                path, assignment or "nn-code", timeout=limits.timeout, server=server
            )
            if server.isolation == "none":
                click.echo(NO_ISOLATION, err=True)
        finally:
            server.close()
    elif suffix == ".toml":
        try:
            from grader.answers import check_sheet
        except ImportError:
            raise UsageError("answer-sheet checking is not available") from None
        from grader.assignment import load_assignment

        report = check_sheet(path, load_assignment(assignment) if assignment else None)
    else:
        raise InputError(
            path, "expected a .py file or an .ipynb notebook (code), or a .toml answer sheet"
        )
    if as_json:  # JSON escapes C0 controls itself; bidi, zero-width and C1 it keeps as they are
        click.echo(printable(report.dumps()))
    else:
        from grader.report_text import render_report

        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        click.echo(render_report(report, color=color))
    sys.exit(0 if report.passed else 1)
