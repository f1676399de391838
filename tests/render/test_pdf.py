"""PDF through LaTeX: formulas in sentences typeset from their nodes, pdflatex run safely, and
a one-line reason where no TeX engine is installed."""

from __future__ import annotations

import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from exercises import prose as t
from grader import pdf, render
from grader.cli import main
from grader.topics import CATALOGUE

HAS_TEX = shutil.which("pdflatex") is not None
needs_tex = pytest.mark.skipif(not HAS_TEX, reason="no pdflatex on this machine")
# maths as escaped text: a symbol escaped on its own, run into letters or brackets (σ(z), ∂L),
# a caret or a squared written out
ESCAPED_MATHS = re.compile(
    r"\$\\[A-Za-z]+\$[(A-Za-z/$]|[A-Za-z)/]\$\\[A-Za-z]+\$|\\textasciicircum|\$\^2\$"
)


def _outside_texttt(tex: str) -> str:
    return re.sub(r"\\texttt\{[^{}]*(\{\}[^{}]*)*\}", "", tex)


@pytest.mark.parametrize("exercise", [e for e in CATALOGUE if e != "concept"])
def test_statements_typeset_their_formulas_as_mathematics(exercise):
    for seed in range(6):
        problem = CATALOGUE[exercise].generate(np.random.default_rng(seed))
        tex = str(render.Views().statement(problem, "tex"))
        body = tex.split("\\begin{center}")[0]  # the prose, before the parts table
        assert not ESCAPED_MATHS.search(_outside_texttt(body)), body
        table = tex.split("\\begin{center}")[1]
        assert not ESCAPED_MATHS.search(_outside_texttt(table)), table


def test_the_sigmoid_sentence_in_latex_and_plain_text():
    problem = CATALOGUE["sigmoid_derivative"].build({"a": -1.7, "beta": 0.5})
    tex = str(render.Views().statement(problem, "tex"))
    assert r"is $\sigma\left(a\right) = \frac{1}{1 + {e}^{-\beta a}}$." in tex
    assert r"$\sigma'(a) = \frac{d\sigma}{da}$" in tex
    assert r"\texttt{2*a*exp(-beta*a)}" in tex
    md = str(render.Views().statement(problem, "md"))
    assert "The sigmoid with slope β is σ(a) = 1/(1 + e^(−βa))." in md  # plain text unchanged


def test_prose_reads_as_its_text_and_keeps_its_formulas():
    s = t.Prose("slope ", t.math("beta", 2.0)) + "."
    assert s == "slope β = 2." and isinstance(s, str)
    assert s.tex() == r"slope $\beta = 2$."
    assert ("x " + s).tex() == r"x slope $\beta = 2$."
    back = pickle.loads(pickle.dumps(s))  # as worker processes get it
    assert back == s and back.tex() == s.tex()
    assert t.tex("50% of a_b") == r"50\% of a\_b"  # plain words are escaped
    assert t.dims(3, 3, 8).tex == r"3 \times 3 \times 8"


def test_tables_use_ragged_right_columns():
    problem = CATALOGUE["neuron_backprop"].build(
        {"x": 0.5, "y": 1.5, "w": 0.3, "b": 0.1, "lr": 0.1}
    )
    tex = render.render_problem_set("T", "s", [render.Item("q1", 1, problem)], "tex")
    assert "\\newcolumntype{L}[1]{>{\\raggedright\\arraybackslash}p{#1}}" in tex
    assert "|L{0.17\\textwidth}|" in tex and "|p{" not in tex


def _hide_tex(monkeypatch, tmp_path):
    empty = tmp_path / "no-tex"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert pdf.tex_engine() is None


def test_without_a_tex_engine_generate_pdf_exits_2_with_the_reason(tmp_path, monkeypatch):
    _hide_tex(monkeypatch, tmp_path)
    out = tmp_path / "sets"
    result = CliRunner().invoke(
        main, ["generate", "--assignment", "nn-quiz", "--out", str(out), "--format", "md,pdf"]
    )
    assert result.exit_code == 2, result.output
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "no TeX engine (pdflatex)" in lines[0] and "--format tex" in lines[0]
    assert not out.exists()  # nothing written before the refusal


def test_without_a_tex_engine_in_a_subprocess(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}  # no pdflatex on this PATH
    run = subprocess.run(
        [sys.executable, "-m", "grader", "generate", "--assignment", "nn-quiz",
         "--out", str(tmp_path / "o"), "--format", "pdf"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert "cannot write PDF: no TeX engine" in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


@needs_tex
def test_generate_pdf_writes_problem_sets_and_answer_keys(tmp_path):
    out = tmp_path / "sets"
    result = CliRunner().invoke(
        main, ["generate", "--assignment", "nn-quiz", "--out", str(out), "--format", "tex,pdf"]
    )
    assert result.exit_code == 0, result.output
    folder = out / "default"
    names = {p.name for p in folder.iterdir()}
    assert {"problems.pdf", "solutions.pdf", "problems.tex", "solutions.tex"} <= names
    for name in ("problems.pdf", "solutions.pdf"):
        data = (folder / name).read_bytes()
        assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(folder / "solutions.pdf"), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert "Worked solution" in text and "exact value" in text and "0.104886" in text
        problems = subprocess.run(
            ["pdftotext", str(folder / "problems.pdf"), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert "Worked solution" not in problems and "Question q13" in problems


@needs_tex
def test_a_latex_error_is_one_line_naming_the_document_and_the_error():
    bad = "\\documentclass{article}\n\\begin{document}\n\\nosuchcommand\n\\end{document}\n"
    with pytest.raises(pdf.PdfError) as info:
        pdf.compile_pdf(bad, "A1/solutions.pdf")
    message = str(info.value)
    assert message == "LaTeX failed on A1/solutions.pdf: Undefined control sequence. (line 3)"
    assert info.value.exit_code == 2


@needs_tex
def test_latex_runs_without_shell_escape(tmp_path):
    marker = tmp_path / "escaped"
    doc = (
        "\\documentclass{article}\n\\begin{document}\n"
        f"\\immediate\\write18{{touch {marker}}}\nx\n\\end{{document}}\n"
    )
    assert pdf.compile_pdf(doc).startswith(b"%PDF-")
    assert not marker.exists()


@needs_tex
def test_latex_that_runs_too_long_is_stopped():
    loop = "\\documentclass{article}\n\\begin{document}\n\\def\\x{\\x}\\x\n\\end{document}\n"
    with pytest.raises(pdf.PdfError, match=r"LaTeX took longer than 2s on loop\.pdf"):
        pdf.compile_pdf(loop, "loop.pdf", timeout=2)


def test_no_files_left_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    if HAS_TEX:
        pdf.compile_pdf("\\documentclass{article}\\begin{document}x\\end{document}")
    assert list(Path(tmp_path).iterdir()) == []
