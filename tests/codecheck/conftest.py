"""Shared fixtures: one warm sandbox server per test module, submission files on disk."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

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
