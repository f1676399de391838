"""Running a notebook's program in the sandbox, so that top-level work cannot sink its functions.

A notebook does work between its definitions: it plots, trains, asks for ``input()``, reads a
data file that the checker does not have, or loops until it is interrupted. When loading the
whole program fails, it is run again with every top-level statement that does work left out
(its lines blank, so every place stays where it was): only imports, functions, classes and
constants. If that loads, the functions are checked on it and the report says which cell
failed and that code outside functions runs when the notebook is checked. If a kept statement
fails in turn (an import the sandbox does not offer, a constant built from a dropped result),
it is left out too, a few times at most. When nothing loads, the first failure is the verdict,
as for a ``.py`` file. Every run is a sandbox run: nothing is executed here.
"""

from __future__ import annotations

import dataclasses

from grader.notebook.source import Program
from grader.sandbox import Job, RunOutcome, SandboxServer

RETRIES = 3  # more runs, each leaving out one more statement that failed


def run_program(
    server: SandboxServer, job: Job, program: Program, timeout: float
) -> tuple[RunOutcome, Job, str | None]:
    """The outcome of ``job`` (whose source is ``program``), the job that gave it (for any
    further run of the same functions), and a note when that job is the program without the
    notebook's top-level work."""
    run = server.run(job, timeout=timeout)
    first = run.load_error
    if first is None or first.kind in ("syntax", "interference"):
        return run, job, None
    dropped = set(program.top_level_work())
    failed = program.statement_at(first.line)
    if failed is not None:
        dropped.add(failed)
    for _ in range(1 + RETRIES):
        if not dropped:
            break
        lighter = dataclasses.replace(job, source=program.without(dropped).encode())
        retry = server.run(lighter, timeout=timeout)
        err = retry.load_error
        if err is None:
            return retry, lighter, _note(program, first.message, first.line, dropped)
        again = program.statement_at(err.line)
        if again is None or again in dropped or err.kind == "interference":
            break
        dropped.add(again)
    return run, job, None


def _note(program: Program, message: str, line: int | None, dropped: set[int]) -> str:
    cells = list(dict.fromkeys(program.statements[i].cell for i in sorted(dropped)))
    where = program.place(line)
    if where is None:  # a timeout or a crash: no line to name
        where = cells[0] if len(cells) == 1 else "one of " + _and(cells)
    message = message.replace("the file", "the notebook")
    return (
        f"{where}: {message}. Code outside functions runs when the notebook is checked: your "
        f"functions were checked without the top-level code of {_and(cells)} (anything but "
        "imports, definitions and constants). Move work such as plots, training loops, "
        "input() and reading data files into a function, or under "
        '`if __name__ == "__main__":`.'
    )


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
