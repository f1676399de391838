"""Rendering: every exercise in every format, self-contained HTML, LaTeX, answer sheets, goldens.

Golden files live in ``tests/golden/problems/``; refresh them with
``GRADER_UPDATE_GOLDEN=1 python -m pytest tests/render``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from grader import render
from grader.assignment import load_assignment
from grader.topics import CATALOGUE
from grader.variants import build_variants

GOLDEN = Path(__file__).parents[1] / "golden" / "problems"
NOTES = {"x": 0.5, "y": 1.5, "w": 0.3, "b": 0.1, "lr": 0.1}


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GRADER_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}: create it with GRADER_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} changed; refresh with GRADER_UPDATE_GOLDEN=1 if intended"
    )


def quiz_items(student: str = "A1") -> list[render.Item]:
    quiz = load_assignment("nn-quiz")
    problems = build_variants(quiz, student, b"golden secret")
    return [render.Item(q.id, q.points, problems[q.id]) for q in quiz.questions]


@pytest.mark.parametrize("fmt", render.FORMATS)
@pytest.mark.parametrize("exercise", list(CATALOGUE))
def test_every_exercise_renders_in_every_format(exercise, fmt):
    problem = CATALOGUE[exercise].generate(np.random.default_rng(2))
    text = str(render.Views().statement(problem, fmt))
    solution = render.render_show(problem, fmt)
    assert text.strip() and solution.strip()
    for part in problem.parts:
        assert part.id in text.replace("\\_", "_")
    assert "{{" not in text and "{%" not in text


def test_show_of_the_worked_example_in_every_format_is_golden():
    problem = CATALOGUE["neuron_backprop"].build(NOTES)
    for fmt, ext in (("text", "txt"), ("md", "md"), ("html", "html"), ("tex", "tex")):
        golden(f"show_neuron_backprop.{ext}", render.render_show(problem, fmt))
    golden("show_neuron_backprop_round2.txt", render.render_show(problem, "text", 2))


def test_problem_set_and_solutions_are_golden():
    items = quiz_items()
    golden("set_problems.md", render.render_problem_set("NN quiz", "A1", items, "md"))
    golden("set_solutions.html", render.render_solution_set("NN quiz", "A1", items, "html"))
    golden("set_problems.tex", render.render_problem_set("NN quiz", "A1", items, "tex"))
    golden("answers.toml", render.render_answer_sheet("nn-quiz", "A1", items))


def test_html_is_self_contained_with_mathml_and_matrices():
    items = quiz_items()
    html = render.render_solution_set("NN quiz", "A1", items, "html")
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "no external resources"
    maths = re.findall(r"<math\b.*?</math>", html, flags=re.S)
    assert len(maths) > 50
    for m in maths:
        ET.fromstring(m)  # every formula is well-formed XML
    assert "<mtable" in html and "mfenced" not in html  # matrices, no deprecated fences
    assert "0.56" in render.render_solution_set("NN quiz", "A1", items[2:3], "html")


def test_latex_is_balanced_and_uses_bmatrix():
    tex = render.render_solution_set("NN quiz", "A1", quiz_items(), "tex")
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    begins = re.findall(r"\\begin\{(\w+\*?)\}", tex)
    ends = re.findall(r"\\end\{(\w+\*?)\}", tex)
    assert sorted(begins) == sorted(ends)
    assert "bmatrix" in begins
    body = re.sub(r"\\[{}%$&#_]", "", tex)
    assert body.count("{") == body.count("}")
    assert tex.isascii(), "pdflatex-safe: no raw unicode"


def test_latex_text_keeps_every_character_the_product_writes(monkeypatch):
    """No character of a problem, a tolerance or a note falls back to "?" in LaTeX."""
    from exercises.solutions import notation

    lost: set[str] = set()
    escape = notation.tex_escape

    def spy(text):
        lost.update(c for c in text.translate(notation._TEX_TABLE) if not c.isascii())
        return escape(text)

    monkeypatch.setattr(notation, "tex_escape", spy)
    monkeypatch.setitem(render.environment().filters, "tex", spy)
    for exercise in CATALOGUE:
        for seed in range(12):
            problem = CATALOGUE[exercise].generate(np.random.default_rng(seed))
            for rounding in (None, 2):
                render.render_show(problem, "tex", rounding)
    render.render_solution_set("NN quiz", "A1", quiz_items(), "tex")
    assert not lost
    assert escape("within a relative 0.01 (or ±0.0005)").endswith(r"(or $\pm$0.0005)")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex on this machine")
def test_latex_compiles_with_pdflatex(tmp_path):
    documents = {
        "set.tex": render.render_problem_set("NN quiz", "A1", quiz_items(), "tex"),
        "solutions.tex": render.render_solution_set("NN quiz", "A1", quiz_items(), "tex"),
    }
    for name, text in documents.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        run = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        log = (tmp_path / name).with_suffix(".log").read_text(errors="replace")
        assert run.returncode == 0, log[-2000:]
        assert "Missing character" not in log
        assert (tmp_path / name).with_suffix(".pdf").stat().st_size > 10_000


def test_answer_sheet_has_every_part_blank_and_the_public_params():
    items = quiz_items()
    text = render.render_answer_sheet("nn-quiz", "A1", items)
    data = tomllib.loads(text)
    assert data["student"] == "A1" and data["assignment"] == "nn-quiz"
    for it in items:
        assert data[it.qid] == {p.id: "" for p in it.problem.parts}
        embedded = data["_problems"][it.qid]
        assert embedded["exercise"] == it.problem.exercise
        rebuilt = CATALOGUE[embedded["exercise"]].build(embedded["params"])
        assert rebuilt.key() == it.problem.key()
    assert "to 3 decimal places" in text and "round intermediate values to 2" in text
    assert "beta*s*(1 - s)" not in text, "the sheet must not give the expression away"


def test_toml_values_and_hostile_text():
    assert (
        render.toml_value({"a": [1, 2.5], 'we"ird': 'x"\n'})
        == '{ a = [1, 2.5], "we\\"ird" = "x\\"\\n" }'
    )
    with pytest.raises(ValueError):
        render.toml_value(float("nan"))


def test_unknown_format_is_a_value_error():
    problem = CATALOGUE["concept"].generate(np.random.default_rng(0))
    with pytest.raises(ValueError, match="unknown format"):
        render.render_show(problem, "pdf")


@pytest.mark.parametrize(
    ("k", "words"), [(0, "whole numbers"), (1, "1 decimal place"), (2, "2 decimal places")]
)
def test_rounding_is_worded_in_every_format_and_the_sheet(k, words):
    problem = CATALOGUE["neuron_backprop"].build(
        {"x": 0.5, "y": 1.5, "w": 0.3, "b": 0.1, "lr": 0.1}
    )
    problem = dataclasses.replace(problem, hand_rounding=k)
    item = render.Item("q1", 1.0, problem)
    sheet = render.render_answer_sheet("a", "A1", [item])
    assert f"# You may round intermediate values to {words}.\n" in sheet
    for fmt in ("text", "md", "html"):
        text = render.render_show(problem, fmt, rounding=k)
        assert f"round intermediate values to {words}" in text, fmt
        assert "0 decimal places" not in text and "1 decimal places" not in text


def _pinned_backprop(tolerance=None, rounding=2):
    """The notes' worked example as two students would each get it: equal, but not the same
    object."""
    from grader.assignment import Question
    from grader.variants import adjust

    problem = CATALOGUE["neuron_backprop"].build(NOTES)
    question = Question(
        id="q1",
        exercise="neuron_backprop",
        points=1,
        params=NOTES,
        tolerance=tolerance,
        rounding=rounding,
    )
    return adjust(problem, question)


def test_equal_variants_share_their_rendered_text_across_students(monkeypatch):
    import grader.topics as solutions

    render.SHARED.clear()
    first, second = _pinned_backprop(), _pinned_backprop()
    assert first is not second and render.fingerprint(first) == render.fingerprint(second)
    calls = []
    worked = solutions.worked_solution
    monkeypatch.setattr(
        solutions, "worked_solution", lambda p, r=None: calls.append(r) or worked(p, r)
    )
    texts = [
        render.render_solution_set("T", sid, [render.Item("q1", 1, p)], "html")
        for sid, p in (("s1", first), ("s2", second))
    ]
    assert calls == [None, 2]  # worked once (and once by hand) for both students
    assert texts[0].replace("s1", "s2") == texts[1]
    assert "<h3>By hand</h3>" in texts[1] and "<mn>−0.1175</mn>" in texts[1]


def test_variants_that_render_differently_are_not_shared():
    from exercises.base import Tolerance

    render.SHARED.clear()
    plain = _pinned_backprop(rounding=None)
    rounded = _pinned_backprop(rounding=2)
    strict = _pinned_backprop(tolerance=Tolerance(decimals=4), rounding=2)
    prints = {render.fingerprint(p) for p in (plain, rounded, strict)}
    assert len(prints) == 3
    sets = [
        render.render_solution_set("T", "s", [render.Item("q1", 1, p)], "md")
        for p in (plain, rounded, strict)
    ]
    assert "By hand" not in sets[0] and "By hand" in sets[1]
    problems = [
        render.render_problem_set("T", "s", [render.Item("q1", 1, p)], "md")
        for p in (rounded, strict)
    ]
    assert "4 decimal places" in problems[1] and "4 decimal places" not in problems[0]


def test_a_missing_golden_file_fails_and_is_not_written(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "GOLDEN", tmp_path)
    monkeypatch.delenv("GRADER_UPDATE_GOLDEN", raising=False)
    with pytest.raises(AssertionError, match="missing golden file"):
        golden("absent.txt", "text")
    assert not (tmp_path / "absent.txt").exists()
    monkeypatch.setenv("GRADER_UPDATE_GOLDEN", "1")  # the deliberate refresh writes it
    golden("absent.txt", "text")
    assert (tmp_path / "absent.txt").read_text() == "text"
