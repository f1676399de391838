"""Shared fixtures: one warm sandbox server per test module, submission files on disk; and
``grader grade`` of a folder of code submissions through the command line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.sandbox import Limits, SandboxServer

SUBMISSIONS = Path(__file__).parent / "submissions"
CORRECT = SUBMISSIONS / "correct.py"
NAIVE = SUBMISSIONS / "naive.py"


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(Limits(timeout=2.0)) as s:
        yield s


@pytest.fixture
def submission(tmp_path: Path) -> Callable[[str], Path]:
    """Write the correct solution followed by ``extra`` code (later definitions win)."""

    def make(extra: str, name: str = "submission.py") -> Path:
        path = tmp_path / name
        path.write_text(CORRECT.read_text() + "\n\n" + extra, encoding="utf-8")
        return path

    return make


def grade_code(subs: Path, out: Path, secret: str, timeout: str, *extra: str) -> None:
    """``grader grade SUBS --assignment nn-code`` into ``out``, with ``secret`` written to
    ``secret.txt`` beside ``subs``; it must exit 0."""
    secret_file = subs.parent / "secret.txt"
    secret_file.write_text(secret)
    argv = ["grade", str(subs), "--assignment", "nn-code", "--secret-file", str(secret_file)]
    result = CliRunner().invoke(main, [*argv, "--out", str(out), "--timeout", timeout, *extra])
    assert result.exit_code == 0, result.output
