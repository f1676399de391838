"""The Gradescope autograder on uploads of several files: one solution graded, once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.batch.autograder import run
from tests.batch.conftest import CODE_ONLY

CODE = Path(__file__).parents[1] / "codecheck" / "submissions" / "correct.py"


@pytest.mark.parametrize("secret", [False, True])
def test_a_solution_and_a_test_script_score_once(tmp_path: Path, secret: bool) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "assignment.toml").write_text(CODE_ONLY)
    (source / "grader.toml").write_text('assignment = "assignment.toml"\ntimeout = 5.0\n')
    if secret:
        (source / "secret.txt").write_text("gradescope secret\n")
    (tmp_path / "submission_metadata.json").write_text(json.dumps({"users": [{"sid": "A0001"}]}))
    upload = tmp_path / "submission"
    (upload / "tests").mkdir(parents=True)
    (upload / "hw.py").write_text(CODE.read_text())
    (upload / "tests" / "try_hw.py").write_text("from hw import sigmoid\nprint(sigmoid(0))\n")
    report = run(tmp_path)
    assert (report.score, report.max_score) == (3, 3)
    assert [t.name for t in report.tests] == ["sigmoid", "relu"]
    # the student reads their own file names, not the grader's staging folder
    assert "tests/try_hw.py: another code file for A0001; kept" in report.output
    assert "hw.py" in report.output and "grader-gs" not in report.output
