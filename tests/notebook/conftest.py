"""Notebooks built with nbformat from the same code as the .py submissions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from grader.sandbox import Limits, SandboxServer

SUBMISSIONS = Path(__file__).parents[1] / "codecheck" / "submissions"
CORRECT = (SUBMISSIONS / "correct.py").read_text()
WRONG = (SUBMISSIONS / "mistakes" / "loss-missing-half.py").read_text()


def notebook(*cells: str | tuple[str, str]) -> nbformat.NotebookNode:
    """A v4 notebook: a string is a code cell, ("md", text) a markdown cell."""
    built = []
    for cell in cells:
        if isinstance(cell, tuple):
            built.append(new_markdown_cell(cell[1]))
        else:
            code = new_code_cell(cell)
            # a stored output that claims success: never read
            code.outputs = [new_output("stream", name="stdout", text="all tests passed\n")]
            built.append(code)
    nb = new_notebook(cells=built)
    nbformat.validate(nb)
    return nb


def write(nb: nbformat.NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def as_py(*cells: str | tuple[str, str]) -> str:
    """The same code as one .py file (code cells in order)."""
    return "\n".join(c for c in cells if isinstance(c, str)) + "\n"


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(Limits(timeout=2.0)) as s:
        yield s
