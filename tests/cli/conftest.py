"""What the command-line tests of ``grader grade`` share: right answer sheets for nn-quiz, and
a folder of submissions with a course secret."""

from __future__ import annotations

import json
from pathlib import Path

from grader.assignment import load_assignment
from grader.variants import build_variants

QUIZ = load_assignment("nn-quiz")


def quiz_sheet(student: str, answers_of: str | None = None, *, secret: bytes) -> str:
    """A fully right answers.toml of nn-quiz for ``answers_of``'s variant (default: the
    student's own) under ``secret``, signed as ``student``."""
    problems = build_variants(QUIZ, answers_of or student, secret)
    lines = [f'student = "{student}"', 'assignment = "nn-quiz"']
    for qid, problem in problems.items():
        lines.append(f"[{qid}]")
        lines += [f"{pid} = {json.dumps(value)}" for pid, value in problem.key().items()]
    return "\n".join(lines) + "\n"


def quiz_folders(tmp_path: Path, secret: bytes) -> dict[str, Path]:
    """An empty folder of submissions, the secret's file, and where the outputs go."""
    subs = tmp_path / "subs"
    subs.mkdir()
    secret_file = tmp_path / "secret.txt"
    secret_file.write_bytes(secret + b"\n")
    return {"subs": subs, "secret": secret_file, "out": tmp_path / "out", "tmp": tmp_path}
