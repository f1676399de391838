"""cnn_param_count through every command: show, generate, check of a sheet, grade, export."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from tests.answers.conftest import toml_value

MNIST_SETS = [
    "--set",
    "input=[28, 28, 1]",
    "--set",
    'layers=["conv 32 3x3", "maxpool 2", "conv 64 3x3", "maxpool 2", "dense 10"]',
]
QUIZ = """name = "cnn-quiz"
title = "CNN parameters"

[[question]]
id = "q1"
exercise = "cnn_param_count"
points = 11

[[question]]
id = "keras"
exercise = "cnn_param_count"
points = 11
params = { input = [28, 28, 1], layers = ["conv 32 3x3", "maxpool 2", "conv 64 3x3", "maxpool 2", "dense 10"] }
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def quiz(tmp_path: Path) -> Path:
    path = tmp_path / "cnn-quiz.toml"
    path.write_text(QUIZ, encoding="utf-8")
    return path


def test_show_text_has_the_statement_parts_and_the_worked_solution():
    result = run("show", "cnn_param_count", *MNIST_SETS)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "28×28×1" in out and "layer₅ = dense 10" in out
    assert "shape1: output shape of layer 1 (conv 32 3x3)" in out
    assert 'a shape, e.g. "26 26 32" or "(26, 26, 32)"' in out
    assert "= 18496" in out and "= (11, 11, 64)" in out and "= 34826" in out


def test_show_json_is_the_key():
    result = run("show", "cnn_param_count", *MNIST_SETS, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["exercise"] == "cnn_param_count"
    parts = {p["id"]: p["answer"] for p in data["parts"]}
    assert parts["total"] == 34826 and parts["shape4"] == [5, 5, 64]
    assert data["params"]["layers"][0] == "conv 32 3x3"


@pytest.mark.parametrize(
    ("fmt", "needles"),
    [
        ("html", ["<math", "conv 32 3x3", "34826", "⌊"]),
        ("md", ["conv 32 3x3", "34826"]),
        ("tex", [r"\lfloor", "34826", r"\texttt{conv F KxK}", r"\lceil n/S \rceil"]),
    ],
)
def test_show_in_every_document_format(fmt, needles):
    result = run("show", "cnn_param_count", *MNIST_SETS, "--format", fmt)
    assert result.exit_code == 0, result.output
    for needle in needles:
        assert needle in result.output, (fmt, needle)
    assert "⌈" not in result.output if fmt == "tex" else True


@pytest.mark.parametrize("seed", range(5))
def test_show_random_variants(seed):
    result = run("show", "cnn_param_count", "--seed", str(seed))
    assert result.exit_code == 0 and "total" in result.output


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (["--set", 'layers=["conv 32 3x"]'], "'3x' lacks its second side"),
        (["--set", 'layers=["dense 10", "conv 3 3x3"]'], "comes before any conv layer"),
        (["--set", "input=[4, 4, 1]", "--set", 'layers=["conv 3 5x5"]'], "does not fit"),
        (["--set", "input=7"], "parameter 'input' must be [H, W, C]"),
    ],
)
def test_show_refuses_bad_params_in_one_line(sets, message):
    result = run("show", "cnn_param_count", *sets)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def _fill(text: str, answers: dict[str, dict[str, object]]) -> str:
    out, table = [], ""
    for line in text.splitlines():
        header = re.fullmatch(r"\[([^\]]+)\]\s*", line)
        if header:
            table = header.group(1)
        m = re.fullmatch(r'(\w+) = ""', line)
        if m and m.group(1) in answers.get(table, {}):
            line = f"{m.group(1)} = {toml_value(answers[table][m.group(1)])}"
        out.append(line)
    return "\n".join(out) + "\n"


def test_generate_then_check_a_sheet(quiz, tmp_path):
    out = tmp_path / "set"
    result = run(
        "generate", "--assignment", str(quiz), "--out", str(out), "--format", "md,html,tex"
    )
    assert result.exit_code == 0, result.output
    key = json.loads((out / "key.json").read_text())
    (student,) = key["students"]
    folder = out / student
    assert {"problems.html", "problems.md", "problems.tex", "answers.toml"} <= {
        p.name for p in folder.iterdir()
    }
    assert key["students"][student]["keras"]["total"] == 34826
    assert "conv 32 3x3" in (folder / "problems.html").read_text()
    sheet = (folder / "answers.toml").read_text()
    assert "shape1" in sheet and "total" in sheet
    tomllib.loads(sheet)

    answers = {q: dict(parts) for q, parts in key["students"][student].items()}
    answers["keras"]["shape1"] = "(26, 26, 32)"
    answers["keras"]["params1"] = 288  # the bias forgotten
    answers["keras"]["shape4"] = [7, 7, 64]  # wrong ...
    answers["keras"]["params5"] = (7 * 7 * 64 + 1) * 10  # ... and carried forward
    answers["keras"]["total"] = 288 + 18496 + (7 * 7 * 64 + 1) * 10
    answers["q1"]["params1"] = "3x"  # unreadable
    filled = tmp_path / "answers.toml"
    filled.write_text(_fill(sheet, answers), encoding="utf-8")
    result = run("check", str(filled), "--json")
    assert result.exit_code == 1, result.output
    tests = {t["name"]: t for t in json.loads(result.output)["tests"]}
    assert tests["keras.shape1"]["status"] == "passed"
    assert tests["keras.params1"]["tags"] == ["param-count-missing-bias"]
    assert tests["keras.params5"]["status"] == "passed"  # full credit for follow-through
    assert "error carried forward" in tests["keras.params5"]["output"]
    assert "error carried forward" in tests["keras.total"]["output"]
    assert "could not read '3x'" in tests["q1.params1"]["output"]
    assert tests["keras.shape4"]["status"] == "failed"

    proc = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(filled)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "forgot the biases" in proc.stdout


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_generate_pdf(quiz, tmp_path):
    out = tmp_path / "set"
    result = run("generate", "--assignment", str(quiz), "--out", str(out), "--format", "pdf")
    assert result.exit_code == 0, result.output
    assert (out / "default" / "problems.pdf").read_bytes().startswith(b"%PDF")


def test_grade_a_folder_of_sheets(quiz, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret")
    roster = tmp_path / "roster.csv"
    roster.write_text("id\nA0000001X\nA0000002Y\n")
    sets = tmp_path / "sets"
    argv = ["--assignment", str(quiz), "--secret-file", str(secret)]
    assert run("generate", *argv, "--roster", str(roster), "--out", str(sets)).exit_code == 0
    key = json.loads((sets / "key.json").read_text())
    subs = tmp_path / "subs"
    subs.mkdir()
    for sid in ("A0000001X", "A0000002Y"):
        sheet = (sets / sid / "answers.toml").read_text()
        answers = key["students"][sid] if sid == "A0000001X" else {}
        (subs / f"{sid}.toml").write_text(_fill(sheet, answers), encoding="utf-8")
    out = tmp_path / "out"
    result = run("grade", str(subs), *argv, "--out", str(out), "--roster", str(roster))
    assert result.exit_code == 0, result.output
    rows = {r.split(",")[0]: r.split(",") for r in (out / "grades.csv").read_text().splitlines()}
    assert float(rows["A0000001X"][1]) == float(rows["A0000001X"][2]) == 22
    assert float(rows["A0000002Y"][1]) == 0


@pytest.mark.parametrize("fmt", ["moodle", "qti", "gift"])
def test_export(quiz, tmp_path, fmt):
    out = tmp_path / f"quiz.{fmt}"
    result = run("export", "--assignment", str(quiz), "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data
    if fmt != "qti":
        text = data.decode()
        assert "34826" in text and "conv 32 3x3" in text
