"""The check from inside a running notebook: ``%load_ext grader``, ``%grader check``.

What the student has run so far is the kernel's input history, in order (``In [1]``,
``In [2]``, ...: re-runs included, the last definition winning, as in the kernel). It becomes a
program exactly as a notebook file does (:mod:`grader.notebook.source`), and is checked by
:func:`grader.codecheck.check_file` in a sandbox server started for the check: the same
sandbox and public tests as ``grader check``. Nothing of the tests runs in the student's
kernel, and the kernel's objects are never read, only the text of its inputs.

The result shows as a compact HTML table (one row per function: ✓/✗/–, points, the named
mistake or the first failure) and as the text of ``grader check`` where HTML is not shown.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import GraderError
from grader.results import Report, TestResult

NAME = Path("this notebook")  # how messages name what was checked
NO_ISOLATION = (
    "Note: this machine gives the checker no isolation: your code ran with your own "
    "permissions and network."
)
USAGE = "usage: %grader check [--assignment A] [--timeout S]"


@dataclass(frozen=True)
class NotebookCheck:
    """What the in-notebook check found: a report, or why there is none."""

    report: Report | None
    error: str | None = None
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.report is not None and self.report.passed

    def __str__(self) -> str:
        if self.report is None:
            return f"Error: {self.error}"
        from grader.report_text import render_report

        text = render_report(self.report, color=False)
        return f"{self.note}\n{text}" if self.note else text

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        import html

        from grader.report_text import points
        from grader.templating import template_environment

        if self.report is None:
            return f'<p style="color: #b00">Error: {html.escape(self.error or "")}</p>'
        report = self.report
        passed = sum(t.status == "passed" for t in report.tests)
        skipped = sum(not t.attempted for t in report.tests)
        failed = len(report.tests) - passed - skipped
        summary = f"{passed} passed" + (f", {failed} failed" if failed else "")
        summary += f", {skipped} not attempted" if skipped else ""
        rows = [_row(t, points) for t in report.tests]
        notes = "\n".join(n for n in (self.note, report.output) if n)
        template = template_environment("notebook").get_template("check.html.j2")
        return template.render(
            score=points(report.score),
            max_score=points(report.max_score),
            summary=summary,
            notes=notes,
            rows=rows,
        )


def _row(test: TestResult, points: Any) -> dict[str, str]:
    if not test.attempted:
        mark, colour = "–", "#a60"
    elif test.status == "passed":
        mark, colour = "✓", "#080"
    else:
        mark, colour = "✗", "#b00"
    lines = [ln for ln in test.output.splitlines() if ln.strip()]
    why = ""
    if test.status != "passed":
        named = [ln for ln in lines if ln.startswith("Likely mistake:")]
        detail = [ln for ln in lines if not ln.startswith(("failed ", "earns "))]
        why = (named or detail or lines or [""])[0]
    return {
        "mark": mark,
        "colour": colour,
        "name": test.name,
        "points": f"{points(test.score)}/{points(test.max_score)}",
        "why": why,
    }


def history() -> list[str] | None:
    """The kernel's inputs so far (``In [1]`` first), or None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None:
        return None
    return [str(s) for s in shell.history_manager.input_hist_raw]


def check(assignment: str = "nn-code", *, timeout: float | None = None) -> NotebookCheck:
    """Check what this notebook's kernel has run so far against ``assignment``'s public tests."""
    inputs = history()
    if inputs is None:
        return NotebookCheck(
            None, "this check runs inside a Jupyter notebook; elsewhere, use `grader check FILE`"
        )
    return check_inputs(inputs, assignment, timeout=timeout)


def check_inputs(
    inputs: list[str], assignment: str = "nn-code", *, timeout: float | None = None
) -> NotebookCheck:
    """Check a kernel's inputs (``inputs[n]`` is ``In [n]``; ``inputs[0]`` is unused)."""
    from grader.codecheck import check_file
    from grader.notebook.source import Cell, build_program
    from grader.sandbox import Limits, SandboxServer

    cells = [Cell(f"In [{n}]", "code", src) for n, src in enumerate(inputs) if n and src]
    try:
        limits = Limits() if timeout is None else Limits(timeout=timeout)
        with SandboxServer(limits) as server:
            report = check_file(
                NAME,
                assignment,
                timeout=limits.timeout,
                server=server,
                program=build_program(cells),
            )
            note = ""
            if server.isolation == "none":
                note = NO_ISOLATION
    except GraderError as exc:
        return NotebookCheck(None, str(exc))
    return NotebookCheck(report, note=note)


def load_ipython_extension(ipython: Any) -> None:
    """Register the ``%grader`` line magic."""
    ipython.register_magic_function(grader_magic, "line", "grader")


def grader_magic(line: str) -> NotebookCheck | None:
    """``%grader check [--assignment A] [--timeout S]``."""
    try:
        words = shlex.split(line)
    except ValueError:
        words = []
    if not words or words[0] != "check":
        print(USAGE)
        return None
    assignment, timeout = "nn-code", None
    rest = words[1:]
    while rest:
        flag = rest.pop(0)
        if flag in ("--assignment", "-a") and rest:
            assignment = rest.pop(0)
        elif flag == "--timeout" and rest:
            try:
                timeout = float(rest.pop(0))
            except ValueError:
                print(USAGE)
                return None
        else:
            print(USAGE)
            return None
    return check(assignment, timeout=timeout)
