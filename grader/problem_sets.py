"""Per-student problem sets: problems, worked solutions, blank answer sheets and the key.

``write_problem_sets`` writes, for every student, ``<id>/problems.<fmt>`` and
``<id>/solutions.<fmt>`` (md, html, tex; pdf: the LaTeX compiled) and ``<id>/answers.toml``,
then ``key.json`` with every student's answers and the parameters of every variant, and
``key.csv``, the answers as a table for people. Each file is written atomically.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exercises.base import Problem, to_json
from exercises.statement import format_number
from grader import render
from grader.assignment import Assignment
from grader.cores import available_cores
from grader.pdf import compile_pdf
from grader.spreadsheet import to_csv
from grader.variants import build_variants

DOCUMENT_FORMATS = ("md", "html", "tex")
FORMATS = (*DOCUMENT_FORMATS, "pdf")  # pdf: the LaTeX documents, compiled
DEFAULT_ID = "default"


@dataclass(frozen=True)
class GenerateSummary:
    out: Path
    students: int
    files: int


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` (or bytes) to ``path`` through a temporary file renamed into place.

    The folder must exist. Readers see the old file or the new one, never a part of it.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if isinstance(text, bytes):
            tmp.write_bytes(text)
        else:
            with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def parse_formats(spec: str) -> tuple[str, ...]:
    """``"md,html"`` -> ``("md", "html")``; unknown names are a ValueError."""
    names = tuple(dict.fromkeys(s.strip().lower() for s in spec.split(",") if s.strip()))
    if not names:
        raise ValueError("--format needs at least one of md, html, tex, pdf")
    for name in names:
        if name not in FORMATS:
            raise ValueError(f"unknown format {name!r}; use md, html, tex or pdf, comma-separated")
    return names


def items_for(assignment: Assignment, problems: dict[str, Problem]) -> list[render.Item]:
    return [render.Item(q.id, q.points, problems[q.id], q.tolerance) for q in assignment.questions]


def student_files(
    assignment: Assignment, student: str, problems: dict[str, Problem], formats: Sequence[str]
) -> dict[str, str | bytes]:
    """File name -> text (a PDF: bytes) of one student's set."""
    items = items_for(assignment, problems)
    views = render.Views()
    title = assignment.title
    files: dict[str, str | bytes] = {}
    for kind, make in (
        ("problems", render.render_problem_set),
        ("solutions", render.render_solution_set),
    ):
        for fmt in formats:
            if fmt == "pdf":
                tex = make(title, student, items, "tex", views)
                files[f"{kind}.pdf"] = compile_pdf(tex, f"{student}/{kind}.pdf")
            else:
                files[f"{kind}.{fmt}"] = make(title, student, items, fmt, views)
    files["answers.toml"] = render.render_answer_sheet(assignment.name, student, items)
    return files


KeyEntry = tuple[str, dict[str, Any], dict[str, Any]]


def _key_entry(student: str, problems: dict[str, Problem]) -> KeyEntry:
    answers = {qid: p.key() for qid, p in problems.items()}
    variants = {
        qid: {"exercise": p.exercise, "params": to_json(p.params)} for qid, p in problems.items()
    }
    return student, answers, variants


def _key_from_entries(assignment: Assignment, entries: Iterable[KeyEntry]) -> dict[str, Any]:
    """The ``key.json`` document of the product contract."""
    students: dict[str, Any] = {}
    variants: dict[str, Any] = {}
    for sid, answers, params in entries:
        students[sid] = answers
        variants[sid] = params
    return {"assignment": assignment.name, "students": students, "variants": variants}


def _write_students(
    assignment: Assignment,
    students: Sequence[str],
    secret: bytes,
    out: Path,
    formats: Sequence[str],
) -> list[KeyEntry]:
    """Write the sets of ``students``; returns their key entries (runs in a worker too)."""
    entries = []
    for student in students:
        problems = build_variants(assignment, student, secret)
        folder = out / student
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in student_files(assignment, student, problems, formats).items():
            write_atomic(folder / name, text)
        entries.append(_key_entry(student, problems))
    return entries


PARALLEL_FROM = 64  # students; below this a pool costs more than it saves
CHUNK = 16


def default_jobs(n_students: int) -> int:
    """Worker processes for a roster: one per core (at most 8) for large rosters, else 1."""
    if n_students < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(8, available_cores()))


def write_problem_sets(
    assignment: Assignment,
    students: Iterable[str],
    secret: bytes,
    out: Path,
    formats: Sequence[str] = DOCUMENT_FORMATS,
    progress: Callable[[int], None] | None = None,
    jobs: int | None = None,
) -> GenerateSummary:
    """Generate and write every student's set, then the key; returns what was written.

    ``progress(n)`` is called as each batch of ``n`` students is done. With ``jobs`` > 1 the
    students are shared among worker processes (each writes its own students' files).
    """
    ids = list(students)
    out.mkdir(parents=True, exist_ok=True)
    n_jobs = default_jobs(len(ids)) if jobs is None else max(1, jobs)
    chunks = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
    entries: dict[str, KeyEntry] = {}
    if n_jobs == 1 or len(chunks) == 1:
        for chunk in chunks:
            for entry in _write_students(assignment, chunk, secret, out, formats):
                entries[entry[0]] = entry
            if progress is not None:
                progress(len(chunk))
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=context) as pool:
            futures = [
                pool.submit(_write_students, assignment, chunk, secret, out, formats)
                for chunk in chunks
            ]
            for future in as_completed(futures):
                done = future.result()
                for entry in done:
                    entries[entry[0]] = entry
                if progress is not None:
                    progress(len(done))
    key = _key_from_entries(assignment, (entries[sid] for sid in ids))
    write_atomic(out / "key.json", json.dumps(key, indent=1, ensure_ascii=False) + "\n")
    write_atomic(out / "key.csv", key_csv(assignment, key))
    per_student = len(student_files_names(formats))
    return GenerateSummary(out, len(ids), len(ids) * per_student + 2)


def key_csv(assignment: Assignment, key: dict[str, Any]) -> str:
    """The answer key as a table for people: one row per student, one column per part
    (``q1.z``), matrices written as answer sheets take them (``"1 2; 3 4"``)."""
    columns: dict[str, None] = {}  # every part of any student's variant, in order
    for qid in (q.id for q in assignment.questions):
        for answers in key["students"].values():
            columns.update((f"{qid}.{part}", None) for part in answers.get(qid, {}))
    rows: list[list[object]] = [["id", *columns]]
    for sid, answers in key["students"].items():
        cells: list[object] = []
        for column in columns:
            qid, part = column.split(".", 1)
            cells.append(_cell(answers.get(qid, {}).get(part, "")))
        rows.append([sid, *cells])
    return to_csv(rows, lineterminator="\n")  # text a spreadsheet would run is neutralised


def _cell(value: Any) -> str:
    if isinstance(value, list):
        rows = value if value and isinstance(value[0], list) else [value]
        return "; ".join(" ".join(_cell(v) for v in row) for row in rows)
    if isinstance(value, float):
        return format_number(value, 6)
    return str(value)


def student_files_names(formats: Sequence[str]) -> list[str]:
    """The files written for each student."""
    return [f"{kind}.{f}" for kind in ("problems", "solutions") for f in formats] + ["answers.toml"]
