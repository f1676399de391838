"""``grader check answers.toml`` end to end: a sheet from ``grader generate``, filled in."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.cli import main
from tests.answers.conftest import NOTES_ANSWERS, toml_value

pytest.importorskip("grader.cli.check")
pytest.importorskip("grader.cli.generate")


def fill(text: str, answers: dict[str, dict[str, Any]]) -> str:
    """Replace each ``part = ""`` of the generated sheet with the given answer."""
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


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("set")
    result = CliRunner().invoke(main, ["generate", "--assignment", "nn-quiz", "--out", str(out)])
    assert result.exit_code == 0, result.output
    key = json.loads((out / "key.json").read_text())
    (student,) = key["students"]
    return (out / student / "answers.toml").read_text(encoding="utf-8"), key["students"][student]


def run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


def test_blank_sheet_reports_every_part_unanswered(generated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text, _ = generated
    path = tmp_path / "answers.toml"
    path.write_text(text, encoding="utf-8")
    code, output = run(["check", str(path), "--json"])
    assert code == 1
    data = json.loads(output)
    assert data["score"] == 0 and all(t["output"] == "unanswered" for t in data["tests"])


def test_the_key_passes_and_a_slip_fails_without_revealing(generated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text, key = generated
    path = tmp_path / "answers.toml"
    path.write_text(fill(text, key), encoding="utf-8")
    code, output = run(["check", str(path), "--json"])
    assert code == 0, output
    data = json.loads(output)
    assert data["score"] == data["max_score"] == 55

    answers = {**key, "q3": dict(NOTES_ANSWERS)}  # q3 is the notes' worked example
    path.write_text(fill(text, answers), encoding="utf-8")
    code, output = run(["check", str(path), "--json"])
    assert code == 1
    tests = {t["name"]: t for t in json.loads(output)["tests"]}
    assert [n for n, t in tests.items() if t["status"] == "failed"] == ["q3.b_new"]
    assert "0.123" not in tests["q3.b_new"]["output"]


def test_syntax_error_exit_2_with_the_line(generated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text, _ = generated
    lines = text.splitlines()
    broken = next(i for i, line in enumerate(lines) if line == 'z = ""')
    lines[broken] = "z = 0.5.5"
    path = tmp_path / "answers.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, output = run(["check", str(path)])
    assert code == 2
    assert f"answers.toml:{broken + 1}: not valid TOML" in output
    assert "Traceback" not in output


def test_subprocess_reports_unreadable_values_with_lines(generated, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text, key = generated
    answers = {**key, "q1": {"z": "abc", "y_hat": key["q1"]["y_hat"]}}
    answers["q2"] = {**key["q2"], "expression": "__import__('os').system('touch MARKER')"}
    path = tmp_path / "answers.toml"
    path.write_text(fill(text, answers), encoding="utf-8")
    z_line = fill(text, answers).splitlines().index('z = "abc"') + 1
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(path), "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    tests = {t["name"]: t for t in json.loads(proc.stdout)["tests"]}
    assert tests["q1.z"]["output"] == f"unreadable: line {z_line}: could not read 'abc' as a number"
    assert tests["q2.expression"]["output"].startswith("unreadable: line ")
    assert tests["q3.b_new"]["status"] == "passed"
    assert not (tmp_path / "MARKER").exists()


def test_subprocess_text_report_and_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "answers.toml"
    path.write_bytes(b"\xff\xfe garbage")
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "not UTF-8" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
