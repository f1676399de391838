"""`grader check` on code files, through CliRunner and a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

SUBMISSIONS = Path(__file__).parents[1] / "codecheck" / "submissions"
CORRECT = SUBMISSIONS / "correct.py"


def run(*args: str):
    return CliRunner().invoke(main, ["check", *args])


def test_correct_file_passes_with_exit_0():
    result = run(str(CORRECT), "--timeout", "2")
    assert result.exit_code == 0, result.output
    assert "Score: 38/38 (21 passed)" in result.output
    assert result.output.count("✓") == 21
    assert "\033[" not in result.output  # no colour when not on a terminal


def test_json_follows_the_results_schema(tmp_path):
    path = tmp_path / "sub.py"
    path.write_text(
        CORRECT.read_text()
        + "\n\n"
        + (SUBMISSIONS / "mistakes" / "loss-missing-half.py").read_text()
        + "\n\ndel dense_param_count\n"
    )
    result = run(str(path), "--json", "--timeout", "2")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert set(data) >= {"score", "max_score", "output", "tests"}
    assert data["max_score"] == 38 and data["score"] == 38 - 1 - 1
    tests = {t["name"]: t for t in data["tests"]}
    for t in data["tests"]:
        assert set(t) == {"name", "score", "max_score", "status", "output", "tags"}
    assert tests["sse_loss"]["status"] == "failed"
    assert tests["sse_loss"]["tags"] == ["loss-missing-half"]
    assert tests["dense_param_count"]["status"] == "failed"
    assert "not attempted" in tests["dense_param_count"]["output"]


def test_terminal_report_marks_each_function(tmp_path):
    path = tmp_path / "sub.py"
    path.write_text(
        CORRECT.read_text()
        + "\n\n"
        + (SUBMISSIONS / "mistakes" / "conv-flipped-kernel.py").read_text()
        + "\n\ndef conv_param_count(kernel_size, c_in, c_out, bias=True):\n"
        + "    raise NotImplementedError\n"
    )
    result = run(str(path), "--timeout", "2")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(ln.startswith("✗ conv2d") and ln.endswith("0/3") for ln in lines)
    assert any(ln.startswith("– conv_param_count") and "not attempted" in ln for ln in lines)
    assert any(ln.startswith("✓ sigmoid ") for ln in lines)
    assert "    Likely mistake: You flipped the kernel" in result.output
    assert lines[-1] == "Score: 34/38 (19 passed, 1 failed, 1 not attempted)"


def test_syntax_error_is_reported_not_raised(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text("def sigmoid(a):\n    return (a\n")
    result = run(str(path))
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith(f"{path}:")
    assert "SyntaxError" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing.py", "no such file"),
        ("notes.txt", "expected a .py file"),
    ],
)
def test_unusable_input_exits_2_with_one_line(tmp_path, name, message):
    path = tmp_path / name
    if name.endswith(".txt"):
        path.write_text("hello")
    result = run(str(path))
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_timeout_that_is_not_a_number_exits_2():
    # click's range lets NaN through (it fails every comparison); it ended as an internal error
    result = run(str(CORRECT), "--timeout", "nan")
    assert result.exit_code == 2, result.output
    assert "--timeout must be a number of seconds above 0" in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output


def test_unknown_assignment_exits_2(tmp_path):
    result = run(str(CORRECT), "--assignment", "no-such-assignment")
    assert result.exit_code == 2 and "no such assignment file" in result.output


def test_answer_sheets_go_to_the_sheet_checker(tmp_path):
    path = tmp_path / "answers.toml"
    path.write_text("this is = = not toml")
    result = run(str(path))
    assert result.exit_code == 2  # unreadable sheet, or checking not available
    assert "Traceback" not in result.output


def test_subprocess_exit_codes_and_output(tmp_path):
    ok = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(CORRECT), "--timeout", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0 and "Score: 38/38" in ok.stdout
    stub = tmp_path / "stub.py"
    subprocess.run(
        [sys.executable, "-m", "grader", "stub", "-o", str(stub)], check=True, timeout=60
    )
    bad = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(stub), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1
    data = json.loads(bad.stdout)
    assert data["score"] == 0 and all("not attempted" in t["output"] for t in data["tests"])
    missing = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(tmp_path / "nope.py")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and missing.stderr.strip().count("\n") == 0
    assert "Traceback" not in missing.stderr


def test_check_does_not_import_sympy_or_jinja2():
    heavy = ("sympy", "jinja2", "scipy")
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from grader.cli import main\n"
        f"r = CliRunner().invoke(main, ['check', {str(CORRECT)!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_render_report_colours_only_when_asked():
    from grader.report_text import render_report
    from grader.results import Report, TestResult

    report = Report(
        (
            TestResult("sigmoid", 2, 2, "passed all 12 tests"),
            TestResult("relu", 0, 1, "failed 1 of 8 tests\nrelu(a=0): expected 0, got 1", ("x",)),
            TestResult("conv2d", 0, 3, "not attempted", attempted=False),
        )
    )
    plain = render_report(report, color=False)
    assert "\033[" not in plain
    assert plain.splitlines() == [
        "✓ sigmoid  2/2",
        "✗ relu     0/1",
        "    failed 1 of 8 tests",
        "    relu(a=0): expected 0, got 1",
        "    tags: x",
        "– conv2d   not attempted",
        "",
        "Score: 2/6 (1 passed, 1 failed, 1 not attempted)",
    ]
    coloured = render_report(report, color=True)
    assert "\033[32m✓\033[0m" in coloured and "\033[31m✗\033[0m" in coloured


def test_without_fork_code_cannot_be_checked_but_sheets_can(monkeypatch, tmp_path):
    """Windows has no fork or resource limits: one line says so, and sheets still work."""
    import os

    from grader.sandbox import SandboxServer
    from grader.sandbox.server import unsupported

    assert unsupported() is None  # here, on a POSIX system
    monkeypatch.delattr(os, "fork")
    result = run(str(CORRECT), "--timeout", "2")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Linux or macOS" in lines[0] and "WSL" in lines[0]
    assert "Traceback" not in result.output
    with pytest.raises(Exception, match="Linux or macOS"):
        SandboxServer()
    made = CliRunner().invoke(main, ["generate", "--assignment", "nn-quiz", "--out", str(tmp_path)])
    assert made.exit_code == 0, made.output
    sheet = tmp_path / "default" / "answers.toml"
    checked = run(str(sheet))
    assert checked.exit_code == 1 and "not attempted" in checked.output  # a blank sheet, marked
