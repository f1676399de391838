"""Per-student problem sets: problems, worked solutions, blank answer sheets and the key.

``write_problem_sets`` writes, for every student, ``<id>/problems.<fmt>``,
``<id>/solutions.<fmt>`` and ``<id>/answers.toml``, then ``key.json`` with every student's
answers and the parameters of every variant. Each file is written atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exercises.base import Problem, to_json
from grader import render
from grader.assignment import Assignment
from grader.variants import build_variants

DOCUMENT_FORMATS = ("md", "html", "tex")
DEFAULT_ID = "default"


@dataclass(frozen=True)
class GenerateSummary:
    out: Path
    students: int
    files: int


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def parse_formats(spec: str) -> tuple[str, ...]:
    """``"md,html"`` -> ``("md", "html")``; unknown names are a ValueError."""
    names = tuple(dict.fromkeys(s.strip().lower() for s in spec.split(",") if s.strip()))
    if not names:
        raise ValueError("--format needs at least one of md, html, tex")
    for name in names:
        if name not in DOCUMENT_FORMATS:
            raise ValueError(f"unknown format {name!r}; use md, html or tex, comma-separated")
    return names


def items_for(assignment: Assignment, problems: dict[str, Problem]) -> list[render.Item]:
    return [render.Item(q.id, q.points, problems[q.id]) for q in assignment.questions]


def student_files(
    assignment: Assignment, student: str, problems: dict[str, Problem], formats: Sequence[str]
) -> dict[str, str]:
    """File name -> text of one student's set."""
    items = items_for(assignment, problems)
    files: dict[str, str] = {}
    for fmt in formats:
        files[f"problems.{fmt}"] = render.render_problem_set(assignment.title, student, items, fmt)
        files[f"solutions.{fmt}"] = render.render_solution_set(
            assignment.title, student, items, fmt
        )
    files["answers.toml"] = render.render_answer_sheet(assignment.name, student, items)
    return files


def key_document(assignment: Assignment, sets: dict[str, dict[str, Problem]]) -> dict[str, Any]:
    """The ``key.json`` document of the product contract."""
    return {
        "assignment": assignment.name,
        "students": {sid: {qid: p.key() for qid, p in ps.items()} for sid, ps in sets.items()},
        "variants": {
            sid: {
                qid: {"exercise": p.exercise, "params": to_json(p.params)} for qid, p in ps.items()
            }
            for sid, ps in sets.items()
        },
    }


def write_problem_sets(
    assignment: Assignment,
    students: Iterable[str],
    secret: bytes,
    out: Path,
    formats: Sequence[str] = DOCUMENT_FORMATS,
    progress: Callable[[str], None] | None = None,
) -> GenerateSummary:
    """Generate and write every student's set and the key; returns what was written."""
    sets: dict[str, dict[str, Problem]] = {}
    files = 0
    for student in students:
        problems = build_variants(assignment, student, secret)
        sets[student] = problems
        for name, text in student_files(assignment, student, problems, formats).items():
            write_atomic(out / student / name, text)
            files += 1
        if progress is not None:
            progress(student)
    key = key_document(assignment, sets)
    write_atomic(out / "key.json", json.dumps(key, indent=1, ensure_ascii=False) + "\n")
    return GenerateSummary(out, len(sets), files + 1)
