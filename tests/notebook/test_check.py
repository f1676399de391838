"""`grader check` of notebooks: the verdicts of the same code as a .py file, placed in cells."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.codecheck import check_file
from grader.sandbox import SandboxServer
from tests.notebook.conftest import CORRECT, WRONG, as_py, notebook, write

CASES: dict[str, tuple[str | tuple[str, str], ...]] = {
    "correct": (("md", "# Homework"), "%matplotlib inline\nimport numpy as np", CORRECT),
    "wrong function": (CORRECT, ("md", "A mistake:"), WRONG),
    "markdown only": (("md", "# nothing to see"), ("md", "$$x^2$$")),
    "empty": (),
}


def verdicts(report) -> list[tuple[str, float, str, tuple[str, ...]]]:
    return [(t.name, t.score, t.status, t.tags) for t in report.tests]


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_notebook_gets_the_verdicts_of_its_code_as_a_py_file(
    tmp_path: Path, server: SandboxServer, case: str
) -> None:
    cells = CASES[case]
    nb = write(notebook(*cells), tmp_path / "hw.ipynb")
    py = tmp_path / "hw.py"
    py.write_text(as_py(*cells).replace("%matplotlib inline", ""))
    got = check_file(nb, timeout=2.0, server=server)
    want = check_file(py, timeout=2.0, server=server)
    assert verdicts(got) == verdicts(want)
    assert [t.output for t in got.tests] == [t.output for t in want.tests]
    if case == "wrong function":
        sse = next(t for t in got.tests if t.name == "sse_loss")
        assert sse.tags == ("loss-missing-half",) and sse.score == 0
    if case == "correct":
        assert got.score == got.max_score == 38
        assert "`%matplotlib inline`" in got.output
    if case in ("markdown only", "empty"):
        assert got.score == 0 and not any(t.attempted for t in got.tests)


def test_a_syntax_error_costs_only_its_cell(tmp_path: Path, server: SandboxServer) -> None:
    broken = "def relu(a):\n    return max(0, a\n"
    nb = write(
        notebook(CORRECT.replace("def relu(", "def _old_relu("), broken), tmp_path / "hw.ipynb"
    )
    report = check_file(nb, timeout=2.0, server=server)
    tests = {t.name: t for t in report.tests}
    assert tests["relu"].score == 0 and not tests["relu"].attempted
    assert tests["relu"].output.startswith("not run: cell 2, line 2 has a syntax error")
    assert tests["sigmoid"].status == "passed"
    assert "cell 2, line 2: SyntaxError:" in report.output
    assert report.load_error is None
    # the same code as a .py file does not load at all
    py = tmp_path / "hw.py"
    py.write_text(as_py(CORRECT, broken))
    assert check_file(py, timeout=2.0, server=server).load_error is not None


@pytest.mark.parametrize(
    ("work", "said"),
    [
        ("while True:\n    pass\n", "cell 3: loading the notebook took longer than"),
        (
            "x = input('your name? ')\n",
            "cell 3, line 1: loading the notebook failed: raised EOFError",
        ),
        (
            "data = open('train.csv').read()\n",
            "cell 3, line 1: loading the notebook failed: raised FileNotFoundError",
        ),
        (
            "import matplotlib.pyplot as plt\nplt.plot([1, 2])\n",
            "cell 3, line 1: loading the notebook failed: raised ModuleNotFoundError",
        ),
        (
            "losses = []\nfor epoch in range(3):\n    losses.append(sse_loss([1.0], [0.0]))\nraise SystemExit(losses)\n",
            "cell 3, line 4: loading the notebook failed: called sys.exit",
        ),
    ],
)
def test_top_level_work_that_fails_does_not_cost_the_functions(
    tmp_path: Path, server: SandboxServer, work: str, said: str
) -> None:
    nb = write(notebook("import numpy as np", CORRECT, work), tmp_path / "hw.ipynb")
    report = check_file(nb, timeout=1.0, server=server)
    assert report.score == report.max_score == 38
    assert report.load_error is None
    assert said in report.output
    assert "Code outside functions runs when the notebook is checked" in report.output
    assert "the top-level code of cell 3" in report.output
    # the same code as a .py file: nothing loads, as before
    py = tmp_path / "hw.py"
    py.write_text(as_py("import numpy as np", CORRECT, work))
    assert check_file(py, timeout=1.0, server=server).score == 0


def test_diagnoses_run_on_the_notebook_without_its_top_level_work(
    tmp_path: Path, server: SandboxServer
) -> None:
    # the further run on arrays that names inputs-not-arrays loads what the check loaded
    lists = (Path(__file__).parents[1] / "codecheck" / "corpus" / "lists_fail.py").read_text()
    nb = write(notebook(lists, "while True:\n    pass\n"), tmp_path / "hw.ipynb")
    py = tmp_path / "hw.py"
    py.write_text(lists)
    got = check_file(nb, timeout=1.0, server=server)
    want = check_file(py, timeout=1.0, server=server)
    assert "the top-level code of cell 2" in got.output
    assert verdicts(got) == verdicts(want)
    tags = {t.name: t.tags for t in got.tests if t.tags}
    assert set(tags) == {"sigmoid", "sse_loss", "gradient_descent_step"}
    assert all(t == ("inputs-not-arrays",) for t in tags.values())


def test_errors_in_calls_name_cell_and_line(tmp_path: Path, server: SandboxServer) -> None:
    helper = "def relu(a):\n    b = 1\n    raise ValueError('boom')\n"
    nb = write(notebook(CORRECT, ("md", "text"), helper), tmp_path / "hw.ipynb")
    report = check_file(nb, timeout=2.0, server=server)
    relu = next(t for t in report.tests if t.name == "relu")
    assert "raised ValueError: boom (cell 3, line 3)" in relu.output


def test_a_definition_that_never_finishes_still_fails_the_notebook(
    tmp_path: Path, server: SandboxServer
) -> None:
    # no top-level work to leave out: the notebook does not load, as a .py file would not
    forever = "def f(x=[i for i in iter(int, 1)]):\n    return x\n"
    nb = write(notebook(CORRECT, forever), tmp_path / "hw.ipynb")
    report = check_file(nb, timeout=0.5, server=server)
    assert report.score == 0
    reason, hint = report.load_error.split("\n")
    assert reason == f"{nb}: loading the file took longer than 1.5 s"
    assert hint.startswith("Hint: code outside your functions runs when the notebook is checked")
    assert all(t.output == "not run (the file did not load)" for t in report.tests if t.attempted)


def test_a_class_whose_body_fails_is_left_out_too(tmp_path: Path, server: SandboxServer) -> None:
    nb = write(
        notebook(CORRECT, "class Broken:\n    raise RuntimeError('no')\n"), tmp_path / "hw.ipynb"
    )
    report = check_file(nb, timeout=2.0, server=server)
    assert report.score == 38
    assert "cell 2, line 2: loading the notebook failed: raised RuntimeError: no" in report.output


def test_cli_checks_a_notebook_and_refuses_a_broken_one(tmp_path: Path) -> None:
    nb = write(notebook(CORRECT, "!pip install numpy"), tmp_path / "hw.ipynb")
    result = CliRunner().invoke(main, ["check", str(nb), "--timeout", "2"])
    assert result.exit_code == 0, result.output
    assert "Score: 38/38 (21 passed)" in result.output
    assert "cell 2, line 1 `!pip install numpy`" in result.output
    result = CliRunner().invoke(main, ["check", str(nb), "--json", "--timeout", "2"])
    assert json.loads(result.output)["score"] == 38
    bad = tmp_path / "bad.ipynb"
    bad.write_text('{"cells": [')
    result = CliRunner().invoke(main, ["check", str(bad)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"Error: {bad}: is not a valid notebook: it is not JSON (line 1): Expecting value"
    ]


def test_check_in_a_subprocess(tmp_path: Path) -> None:
    nb = write(notebook(CORRECT, WRONG), tmp_path / "hw.ipynb")
    done = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(nb), "--timeout", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "✗ sse_loss" in done.stdout and "Score: 37/38" in done.stdout
    assert "Traceback" not in done.stderr


def test_the_py_path_never_imports_nbformat(tmp_path: Path) -> None:
    py = tmp_path / "hw.py"
    py.write_text(CORRECT)
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom grader.cli import main\n"
        f"r = CliRunner().invoke(main, ['check', {str(py)!r}, '--timeout', '2'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('nbformat', 'IPython', 'jsonschema')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import grader, sys; print('IPython' in sys.modules, 'nbformat' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False False"


def test_what_the_notebook_prints_names_cells_not_program_lines(
    tmp_path: Path, server: SandboxServer
) -> None:
    warn = "import warnings\n\nwarnings.warn('careful')\n"
    nb = write(notebook(CORRECT, ("md", "note"), warn), tmp_path / "hw.ipynb")
    report = check_file(nb, timeout=2.0, server=server)
    assert "hw.ipynb (cell 3, line 3): UserWarning: careful" in report.output


def test_a_notebook_heavy_with_plots_is_read_whole(tmp_path: Path, server: SandboxServer) -> None:
    from nbformat.v4 import new_output

    nb = notebook(CORRECT, "print('plot')")
    image = "iVBORw0KGgo" * (2 << 20)  # about 23 MB of a stored image: more than code may be
    nb.cells[1].outputs = [new_output("display_data", data={"image/png": image})]
    path = write(nb, tmp_path / "hw.ipynb")
    assert path.stat().st_size > server.limits.source
    assert check_file(path, timeout=2.0, server=server).score == 38
