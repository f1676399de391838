"""The project's error types. The CLI maps them to a one-line message and an exit code."""

from __future__ import annotations

from grader.safetext import printable


class GraderError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""

    exit_code = 2


class UsageError(GraderError):
    """Bad options or arguments."""


class InputError(GraderError):
    """An input file that is missing, unreadable or malformed.

    The file's name and the reason (which may quote the file, as a TOML syntax error does)
    come from outside: both are shown only through :func:`~grader.safetext.printable`.
    """

    def __init__(self, path: object, reason: str, line: int | None = None) -> None:
        self.path, self.reason, self.line = path, printable(str(reason)), line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else f"{self.path}"
        return printable(f"{where}: {self.reason}")
