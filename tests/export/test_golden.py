"""Golden files: the hand-made quiz in each format, byte for byte.

The quiz's texts are given by the fixture, so these files change only when a writer does.
After an intended change, refresh them with ``GRADER_UPDATE_GOLDEN=1 python -m pytest
tests/export/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from grader.lms.gift import write_gift
from grader.lms.moodle import write_moodle
from grader.lms.qti import write_qti

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "export"
UPDATE = os.environ.get("GRADER_UPDATE_GOLDEN") == "1"


def qti_as_text(data: bytes) -> str:
    """The zip's members, name then content, so that a diff of the golden file reads well."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return "".join(f"=== {n} ===\n{zf.read(n).decode('utf-8')}" for n in sorted(zf.namelist()))


CASES = {
    "hand-quiz.moodle.xml": lambda quiz: write_moodle(quiz).data.decode("utf-8"),
    "hand-quiz.gift.txt": lambda quiz: write_gift(quiz).data.decode("utf-8"),
    "hand-quiz.qti.txt": lambda quiz: qti_as_text(write_qti(quiz).data),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_matches_golden_file(name, hand) -> None:
    got = CASES[name](hand.load(2))
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"missing {path}: run with GRADER_UPDATE_GOLDEN=1 to create it"
    assert got == path.read_text(encoding="utf-8"), (
        f"{name} differs from its golden file; if the change is intended, refresh it with "
        "GRADER_UPDATE_GOLDEN=1 and review the diff"
    )


def test_same_quiz_gives_the_same_bytes(hand) -> None:
    for writer in (write_moodle, write_qti, write_gift):
        assert writer(hand.load(2)).data == writer(hand.load(2)).data
