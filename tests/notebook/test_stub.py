"""The starter notebook: valid nbformat v4, one markdown and one code cell per function."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.codecheck import check_file
from grader.topics import CODE_FUNCTIONS
from tests.notebook.conftest import CORRECT


def stub(tmp_path: Path, *args: str) -> nbformat.NotebookNode:
    result = CliRunner().invoke(main, ["stub", *args])
    assert result.exit_code == 0, result.output
    out = tmp_path / "hw.ipynb"
    if "-o" not in args:
        out.write_text(result.output)
    return nbformat.read(str(out), as_version=4)


@pytest.mark.parametrize("args", [("-o", "{out}"), ("--format", "ipynb")])
def test_stub_writes_a_valid_v4_notebook(
    tmp_path: Path, args: tuple[str, ...], api_assignment: Path
) -> None:
    args = (*args, "--assignment", str(api_assignment))
    nb = stub(tmp_path, *(a.format(out=tmp_path / "hw.ipynb") for a in args))
    nbformat.validate(nb)
    assert nb.nbformat == 4 and nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    md = [c for c in nb.cells if c.cell_type == "markdown"]
    defs = [c for c in code if c.source.startswith("def ")]
    assert [ast.parse(c.source).body[0].name for c in defs] == list(CODE_FUNCTIONS)
    assert all(c.source.endswith("raise NotImplementedError") for c in defs)
    assert code[-1].source == f"%load_ext grader\n%grader check --assignment {api_assignment.name}"
    # per function, the cell before its code is its markdown: signature, maths, shapes
    for cell in defs:
        before = nb.cells[nb.cells.index(cell) - 1]
        name = ast.parse(cell.source).body[0].name
        assert before.cell_type == "markdown" and before.source.startswith(f"## `{name}(")
        assert re.search(r"\$\$.+\$\$", before.source), name
        assert "**Parameters**" in before.source
    conv = next(c for c in md if c.source.startswith("## `conv2d("))
    assert "`image`: array_like of shape (H, W)." in conv.source


def test_py_stays_the_default(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["stub"])
    assert result.output.startswith('"""')
    result = CliRunner().invoke(main, ["stub", "--format", "ipynb", "-o", str(tmp_path / "x.py")])
    assert result.exit_code == 0
    nbformat.validate(nbformat.read(str(tmp_path / "x.py"), as_version=4))


def test_a_filled_in_stub_passes_check(tmp_path: Path) -> None:
    path = tmp_path / "hw.ipynb"
    nb = stub(tmp_path, "-o", str(path))
    solutions = {
        node.name: ast.get_source_segment(CORRECT, node)
        for node in ast.parse(CORRECT).body
        if isinstance(node, ast.FunctionDef)
    }
    helpers = [
        ast.get_source_segment(CORRECT, n)
        for n in ast.parse(CORRECT).body
        if not isinstance(n, ast.FunctionDef) or n.name not in CODE_FUNCTIONS
    ]
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("def "):
            cell.source = solutions[ast.parse(cell.source).body[0].name]
    nb.cells.insert(1, nbformat.v4.new_code_cell("\n".join(h for h in helpers if h)))
    nbformat.write(nb, str(path))
    blank = check_file(path, timeout=2.0)
    assert blank.score == blank.max_score == 38, blank.output
    result = CliRunner().invoke(main, ["check", str(path), "--timeout", "2"])
    assert result.exit_code == 0 and "Score: 38/38" in result.output
    assert "Not run" not in result.output  # the notebook's own check is no one's business


def test_the_unfilled_stub_is_not_attempted(tmp_path: Path) -> None:
    path = tmp_path / "hw.ipynb"
    stub(tmp_path, "-o", str(path))
    result = CliRunner().invoke(main, ["check", str(path), "--timeout", "2"])
    assert result.exit_code == 1
    assert "Score: 0/38 (0 passed, 21 not attempted)" in result.output
