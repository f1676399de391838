"""The check from inside a running notebook, in a real kernel (nbclient, ipykernel)."""

from __future__ import annotations

import html
import re

import pytest

from grader.notebook.kernel import NotebookCheck, check, check_inputs, grader_magic
from grader.results import Report, TestResult
from tests.notebook.conftest import CORRECT, WRONG, notebook

nbclient = pytest.importorskip("nbclient")


def run(nb):
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return nb


def test_a_real_notebook_checks_itself_with_the_magic_and_the_function() -> None:
    nb = notebook(
        "import numpy as np",
        CORRECT,
        WRONG,  # re-defines sse_loss without the half
        "%load_ext grader\n%grader check",
        "import grader\nresult = grader.notebook.check()\nresult",
        "print(result.passed, result.report.score)",
    )
    run(nb)
    magic = nb.cells[3].outputs[0]
    assert magic.output_type == "execute_result"
    text, page = magic.data["text/plain"], magic.data["text/html"]
    assert "✗ sse_loss" in text and "Score: 37/38 (20 passed, 1 failed)" in text
    rows = re.findall(r"<tr style[^>]*>(.*?)</tr>", page, re.S)
    assert len(rows) == 21
    sse = next(r for r in rows if ">sse_loss<" in r)
    assert "✗" in sse and "0/1" in sse
    assert "Likely mistake:" in html.unescape(sse)
    assert sum("✓" in r for r in rows) == 20
    # the function gives the same verdicts; the kernel's own values are its, untouched
    plain = nb.cells[4].outputs[0].data["text/plain"]
    assert "Score: 37/38" in plain
    assert nb.cells[5].outputs[0].text.strip() == "False 37.0"


def test_history_is_labelled_as_the_kernel_shows_it() -> None:
    inputs = ["", CORRECT, "def relu(a):\n    return a\n", "sigmoid(1)\nraise KeyError('x')\n"]
    got = check_inputs(inputs, timeout=2.0)
    assert got.report is not None
    relu = next(t for t in got.report.tests if t.name == "relu")
    assert relu.status == "failed"
    # inputs[n] is In [n]: the raise was the third input
    assert "In [3], line 2: loading the notebook failed: raised KeyError" in got.report.output
    assert "top-level code of In [3]" in got.report.output
    # the functions still count: as many points as without the failing input
    without = check_inputs(inputs[:3], timeout=2.0).report
    assert without is not None and got.report.score == without.score > 0


def test_outside_a_notebook_and_bad_magics_say_so(capsys: pytest.CaptureFixture[str]) -> None:
    outside = check()
    assert outside.report is None and "runs inside a Jupyter notebook" in str(outside)
    assert grader_magic("grade") is None
    assert "usage: %grader check" in capsys.readouterr().out
    bad = check_inputs(["", CORRECT], timeout=-1)
    assert bad.report is None and "--timeout must be" in (bad.error or "")


def test_html_escapes_what_the_student_wrote() -> None:
    report = Report((TestResult("relu", 0, 1, "raised <script>alert(1)</script>"),))
    page = NotebookCheck(report)._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page
