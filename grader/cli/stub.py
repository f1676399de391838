"""``grader stub``: the starter file (.py) or notebook (.ipynb) of an assignment's functions."""

from __future__ import annotations

from pathlib import Path

import click

from grader.errors import InputError, UsageError


def render_stub(
    assignment: str | Path = "nn-code", filename: str = "solution.py", fmt: str = "py"
) -> str:
    """The starter file's text: every code function of ``assignment``, in the API's order.

    Each function has its exact signature, a numpydoc docstring (shapes, formula, a tiny
    example) and a body that raises ``NotImplementedError``; ``filename`` is how the file's
    own check command names it. ``fmt="ipynb"``: a notebook (:mod:`grader.notebook.stub`)
    whose last cell checks it.
    """
    from grader.assignment import load_assignment
    from grader.templating import template_environment
    from grader.topics import CODE_FUNCTIONS

    spec = load_assignment(assignment)
    listed = {t.function for t in spec.code}
    if not listed:
        raise UsageError(f"assignment {spec.name!r} has no code functions")
    functions = [f for f in CODE_FUNCTIONS if f in listed]
    if fmt == "ipynb":
        from grader.notebook.stub import render_notebook

        check = "%grader check"
        if str(assignment) != "nn-code":
            check += f" --assignment {Path(str(assignment)).name}"
        return render_notebook(spec.title, spec.name, functions, check)
    return (
        template_environment("stub")
        .get_template("starter.py.j2")
        .render(title=spec.title, name=spec.name, filename=filename, functions=functions)
    )


@click.command("stub")
@click.option(
    "--assignment",
    "-a",
    default="nn-code",
    show_default=True,
    metavar="A",
    help="A built-in assignment or an assignment file.",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the starter file here instead of printing it.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["py", "ipynb"]),
    default=None,
    help="A Python file or a Jupyter notebook (default: from -o's suffix, else py).",
)
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
def stub(assignment: str, output: Path | None, fmt: str | None, force: bool) -> None:
    """Write a starter file: every function to implement, with docstrings.

    \b
    Examples:
      grader stub -o solution.py
      grader stub -o homework.ipynb
      grader stub --assignment course.toml > starter.py
    """
    if fmt is None:
        fmt = "ipynb" if output is not None and output.suffix.lower() == ".ipynb" else "py"
    text = render_stub(assignment, output.name if output else "solution.py", fmt)
    if output is None:
        click.echo(text, nl=False)
        return
    if output.exists() and not force:
        raise InputError(output, "already exists; use --force to overwrite it")
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(output, f"cannot write: {exc.strerror or exc}") from None
    click.echo(f"Wrote {output}", err=True)
