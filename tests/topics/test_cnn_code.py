"""``cnn_param_count`` code through the sandbox: right, each named mistake, hostile files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.assignment import parse_assignment
from grader.cli import main
from grader.codecheck import check_file
from grader.sandbox import Limits, SandboxServer

ASSIGNMENT = 'name = "cnn-code"\n[[code]]\nfunction = "cnn_param_count"\npoints = 4\n'

# A student's solution, written as a student would (string splitting, plain loops). Each
# MISTAKE below swaps one line for what that misconception writes.
STUDENT = """
import math


def cnn_param_count(input_shape, layers):
    h, w, c = input_shape
    total = 0
    flat = None
    first = tuple(input_shape)
    before = first
    for text in layers:
        words = text.split()
        kind = words[0]
        stride = [int(x[1:]) for x in words if x.startswith("s") and x[1:].isdigit()]
        if kind == "conv":
            f = int(words[1])
            kh, _, kw = words[2].partition("x")
            k, kw = int(kh), int(kw or kh)
            s = stride[0] if stride else 1
            total += (k * kw * c + 1) * f  # CONV
            before = (h, w, c)
            if "same" in words:
                h, w = math.ceil(h / s), math.ceil(w / s)
            else:
                h, w = (h - k) // s + 1, (w - kw) // s + 1
            c = f
        elif kind in ("maxpool", "avgpool"):
            p = int(words[1])
            s = stride[0] if stride else p
            total += 0  # POOL
            before = (h, w, c)
            h, w = (h - p) // s + 1, (w - p) // s + 1
        elif kind == "flatten":
            flat = h * w * c
        else:
            n = int(words[1])
            if flat is None:
                flat = h * w * c  # FLAT
            total += (flat + 1) * n  # DENSE
            flat = n
    return total
"""

MISTAKES = {
    "param-count-missing-bias": [
        ("(k * kw * c + 1) * f  # CONV", "k * kw * c * f"),
        ("(flat + 1) * n  # DENSE", "flat * n"),
    ],
    "param-count-missing-depth": [("(k * kw * c + 1) * f  # CONV", "(k * kw + 1) * f")],
    "cnn-flatten-size-wrong": [
        ("flat = h * w * c  # FLAT", "flat = first[0] * first[1] * first[2]")
    ],
    "cnn-pooling-counted": [("total += 0  # POOL", "total += (p * p * c + 1) * c")],
}


@pytest.fixture(scope="module")
def server():
    with SandboxServer(Limits(timeout=2.0)) as s:
        yield s


@pytest.fixture
def spec():
    return parse_assignment(ASSIGNMENT)


def write(tmp_path: Path, text: str, name: str = "solution.py") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_right_solution_passes_public_and_hidden_tests(server, spec, tmp_path):
    path = write(tmp_path, STUDENT)
    for seed in (None, 1, 2024):
        report = check_file(path, spec, server=server, seed=seed, timeout=2)
        (test,) = report.tests
        assert test.name == "cnn_param_count" and test.status == "passed", test.output
        assert report.score == report.max_score == 4


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_each_mistake_is_named(server, spec, tmp_path, mistake):
    text = STUDENT
    for old, new in MISTAKES[mistake]:
        assert old in text
        text = text.replace(old, new)
    report = check_file(write(tmp_path, text), spec, server=server, timeout=2)
    (test,) = report.tests
    assert test.status == "failed" and test.score == 0
    assert test.tags[0] == mistake, test.output
    assert "Likely mistake" in test.output


@pytest.mark.parametrize(
    ("code", "needle"),
    [
        ("def cnn_param_count(input_shape, layers):\n    return str(34826)\n", "a str"),
        ("def cnn_param_count(input_shape, layers)\n    return 0\n", "SyntaxError"),
        (
            "def cnn_param_count(input_shape, layers):\n    while True:\n        pass\n",
            "took longer than",
        ),
        ("def cnn_param_count(input_shape, layers):\n    return layers\n", ""),
        (
            "def cnn_param_count(input_shape, layers):\n    raise NotImplementedError\n",
            "not attempted",
        ),
    ],
)
def test_hostile_and_broken_files_fail_cleanly(server, spec, tmp_path, code, needle):
    report = check_file(write(tmp_path, code), spec, server=server, timeout=1)
    (test,) = report.tests
    assert test.status == "failed" and report.score == 0
    assert needle in (report.output + test.output)


def test_a_float_total_is_a_value_not_a_type(server, spec, tmp_path):
    text = STUDENT.replace("    return total\n", "    return float(total)\n")
    report = check_file(write(tmp_path, text), spec, server=server, timeout=2)
    assert report.tests[0].status == "passed", report.tests[0].output


def test_check_on_the_command_line_and_in_a_subprocess(tmp_path):
    spec_path = tmp_path / "cnn.toml"
    spec_path.write_text(ASSIGNMENT, encoding="utf-8")
    bias = STUDENT.replace("(flat + 1) * n  # DENSE", "flat * n").replace(
        "(k * kw * c + 1) * f  # CONV", "k * kw * c * f"
    )
    path = write(tmp_path, bias)
    result = CliRunner().invoke(
        main, ["check", str(path), "--assignment", str(spec_path), "--json"]
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["tests"][0]["tags"][0] == "param-count-missing-bias"
    right = write(tmp_path, STUDENT, "right.py")
    out = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(right), "--assignment", str(spec_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "cnn_param_count" in out.stdout and "Traceback" not in out.stderr


def test_grade_a_folder_of_code(tmp_path):
    spec_path = tmp_path / "cnn.toml"
    spec_path.write_text(ASSIGNMENT, encoding="utf-8")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "A0000001X.py").write_text(STUDENT, encoding="utf-8")
    (subs / "A0000002Y.py").write_text(
        STUDENT.replace("total += 0  # POOL", "total += (p * p * c + 1) * c"), encoding="utf-8"
    )
    (subs / "A0000003Z.py").write_text("def cnn_param_count(:\n", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret")
    out = tmp_path / "out"
    argv = ["grade", str(subs), "--assignment", str(spec_path), "--secret-file", str(secret)]
    result = CliRunner().invoke(main, [*argv, "--out", str(out), "--timeout", "2"])
    assert result.exit_code == 0, result.output
    grades = (out / "grades.csv").read_text().splitlines()
    rows = {line.split(",")[0]: line.split(",") for line in grades[1:]}
    assert float(rows["A0000001X"][1]) == 4
    assert float(rows["A0000002Y"][1]) == 0 and float(rows["A0000003Z"][1]) == 0
    wrong = json.loads((out / "A0000002Y" / "results.json").read_text())
    assert wrong["tests"][0]["tags"] == ["cnn-pooling-counted"]
