"""The ``grader`` command line: a thin layer over the core.

Commands are imported only when invoked, so ``grader check`` never pays for sympy or jinja2.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from grader import __version__
from grader.errors import GraderError
from grader.safetext import printable

# command name -> "module:function"
COMMANDS: dict[str, str] = {
    "list": "grader.cli.list_cmd:list_cmd",
    "show": "grader.cli.show:show",
    "stub": "grader.cli.stub:stub",
    "check": "grader.cli.check:check",
    "generate": "grader.cli.generate:generate",
    "grade": "grader.cli.grade:grade",
    "merge": "grader.cli.merge:merge",
    "gradescope": "grader.cli.gradescope:gradescope",
    "export": "grader.cli.export:export",
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            command = getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as exc:
            if exc.name == module:  # a command not built into this installation
                return None
            raise
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GraderError as exc:
            click.echo(printable(f"Error: {exc}"), err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:  # output piped into `head`: stop quietly, as Unix tools do
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(0)
        except Exception as exc:  # a bug of ours: one line, unless asked for the traceback
            if os.environ.get("GRADER_DEBUG"):
                raise
            click.echo(
                printable(
                    f"Error: internal error ({type(exc).__name__}: {exc}); "
                    "rerun with GRADER_DEBUG=1 for details"
                ),
                err=True,
            )
            ctx.exit(2)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="grader")
def main() -> None:
    """Auto-graded exercises and quizzes for neural-network courses.

    \b
    Examples:
      grader list
      grader show neuron_backprop --seed 3
      grader check my_solution.py
    """
