"""Everything ``grader grade`` writes into the output folder, each file atomically.

``grades.csv`` (``id,score,max_score``, then a column per function and question),
``<id>/results.json`` (Gradescope's schema), ``<id>/feedback.md``, and the LMS import files
the roster calls for: Canvas's gradebook import when the roster is a Canvas export, and a
Moodle grade import (id number, email, grade). Every CSV cell is data (:mod:`grader.spreadsheet`),
and a student held for a conflict between submissions has no score in any of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from grader.assignment import Assignment
from grader.batch.columns import column_scores, columns
from grader.batch.engine import LATE, NOT_SUBMITTED, BatchResult, StudentResult
from grader.batch.files import write_atomic
from grader.batch.render import render
from grader.errors import UsageError
from grader.roster import Roster
from grader.spreadsheet import to_csv
from grader.topics import MISCONCEPTIONS

# What a run writes next to the students' folders (besides grading.sqlite): ids spelled like
# any of them are refused (grader.roster.OUTPUT_NAMES).
CLASS_FILES = ("grades.csv", "canvas.csv", "moodle.csv", "report.html")
CANVAS_FIXED = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "    Points Possible"
_ASSIGNMENT_COLUMN = re.compile(r"(.*\S)\s*\((\d+)\)")


def canvas_user_ids(roster: Roster) -> dict[str, str]:
    """Canvas user id (the export's ``ID`` column, digits) -> student id (``SIS User ID``)."""
    ids = {}
    for student in roster.students:
        canvas_id = (student.row or {}).get("ID", "").strip()
        if _digits(canvas_id):
            ids[canvas_id] = student.id
    return ids


def canvas_user_names(roster: Roster) -> dict[str, str]:
    """Canvas user id -> the roster's name for that user (``Student``), where it has one."""
    return {
        canvas_id: student.name
        for student in roster.students
        if _digits(canvas_id := (student.row or {}).get("ID", "").strip()) and student.name
    }


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _csv(rows: Iterable[Sequence[object]]) -> str:
    return to_csv(rows, lineterminator="\r\n")


def _num(x: float) -> str:
    """A score for an LMS: 14, 1.5, 0.3333 (four places, no float noise)."""
    r = round(float(x), 4)
    return str(int(r)) if r == int(r) else str(r)


def grades_csv(assignment: Assignment, results: Mapping[str, StudentResult]) -> str:
    cols = columns(assignment)
    rows: list[list[object]] = [["id", "score", "max_score", *cols]]
    for student in sorted(results):
        report = results[student].report
        if results[student].held:  # not graded: no score until the conflict is resolved
            rows.append([student, "", _num(assignment.max_score), *("" for _ in cols)])
            continue
        per = column_scores(assignment, report)
        rows.append(
            [
                student,
                _num(report.score),
                _num(assignment.max_score),
                *(_num(per[c]) for c in cols),
            ]
        )
    return _csv(rows)


def assignment_columns(header: Sequence[str]) -> list[str]:
    """The export's assignment columns: Canvas titles them ``Title (12345)``, its assignment id
    in brackets (its total and group columns, ``Current Score`` and the like, have none)."""
    return [col for col in header if _ASSIGNMENT_COLUMN.fullmatch(col.strip())]


def canvas_column(assignment: Assignment, header: Sequence[str], chosen: str | None = None) -> str:
    """The column of the Canvas export that receives the grades.

    ``chosen`` (``--canvas-column``) names it, by its whole title or without the id in brackets;
    else the assignment column titled like this assignment, else the export's only assignment
    column. An export with none gets a new column titled after the assignment (Canvas then
    makes a new assignment of it); one with several is refused with their list.
    """
    columns = assignment_columns(header)
    if chosen is not None:
        exact = [col for col in columns if col.strip() == chosen.strip()]
        titled = [
            col
            for col in columns
            if (match := _ASSIGNMENT_COLUMN.fullmatch(col.strip()))
            and match.group(1) == chosen.strip()
        ]
        if exact or len(titled) == 1:
            return (exact or titled)[0]
        if titled:
            raise UsageError(
                f"--canvas-column {chosen!r} titles several columns of the Canvas export, "
                f"{', '.join(repr(c) for c in titled)}: give the whole title, with its id"
            )
        raise UsageError(
            f"--canvas-column {chosen!r} is not an assignment column of the Canvas export; "
            + _listed(columns)
        )
    for col in columns:
        match = _ASSIGNMENT_COLUMN.fullmatch(col.strip())
        if match and match.group(1) in (assignment.title, assignment.name):
            return col
    if len(columns) == 1:
        return columns[0]
    if not columns:
        return assignment.title
    raise UsageError(
        "the Canvas export has several assignment columns: name the one for these grades "
        f"with --canvas-column; {_listed(columns)}"
    )


def _listed(columns: Sequence[str]) -> str:
    if not columns:
        return "it has no assignment column (titled like 'Homework 3 (12345)')"
    return "its assignment columns are " + ", ".join(repr(c) for c in columns)


def canvas_csv(
    assignment: Assignment,
    roster: Roster,
    results: Mapping[str, StudentResult],
    column: str | None = None,
) -> str:
    """Canvas's gradebook import: the five fixed columns, the assignment, a points row."""
    col = column if column is not None else canvas_column(assignment, roster.columns)
    rows: list[list[object]] = [
        [*CANVAS_FIXED, col],
        [CANVAS_POINTS_ROW, "", "", "", "", _num(assignment.max_score)],
    ]
    for student in roster.students:
        got = results.get(student.id)
        row = dict(student.row or {})
        if not _digits(row.get("ID", "").strip()):
            row["ID"] = ""  # Canvas's user ids are digits; anything else is not one
        rows.append(
            [
                *(row.get(c, student.id if c == "SIS User ID" else "") for c in CANVAS_FIXED),
                _num(got.report.score) if got and not got.held else "",  # blank: unchanged
            ]
        )
    return _csv(rows)


def moodle_csv(roster: Roster | None, results: Mapping[str, StudentResult]) -> str:
    """Moodle's grade import: map ``idnumber`` (or ``email``) to the user, ``grade`` to the item."""
    people = {s.id: s for s in roster.students} if roster else {}
    rows: list[list[object]] = [["idnumber", "email", "grade"]]
    for student in sorted(results):
        if results[student].held:
            continue  # no row: Moodle keeps the grade it has
        person = people.get(student)
        rows.append([student, person.email if person else "", _num(results[student].report.score)])
    return _csv(rows)


def previous_run(
    out: Path, recorded: tuple[str, str] | None, assignment: Assignment, identity: str
) -> list[str]:
    """Warnings when ``out`` holds the outputs of another assignment or another secret, which
    this run replaces. ``recorded`` is what the results database says of the run that wrote it.
    """
    if recorded is not None:
        name, previous = recorded
        if name != assignment.name:
            return [
                f"{out} held the outputs of assignment {name!r}: they are replaced by those of "
                f"{assignment.name!r}"
            ]
        if previous != identity:
            return [
                f"{out} held outputs graded with another secret: every student is graded again "
                "and they are replaced"
            ]
        return []
    existing = [name for name in CLASS_FILES if (out / name).exists()]
    if not existing:
        return []
    try:
        with (out / "grades.csv").open(encoding="utf-8", newline="") as fh:
            header = fh.readline().rstrip("\r\n")
    except (OSError, UnicodeDecodeError):
        header = None
    if header == _csv([["id", "score", "max_score", *columns(assignment)]]).rstrip("\r\n"):
        return []  # an earlier run of this assignment, from before runs were recorded
    return [
        f"{out} already holds {', '.join(existing)}, not written for {assignment.name!r}: replaced"
    ]


def feedback_md(assignment: Assignment, result: StudentResult) -> str:
    report = result.report
    # The template says "nothing submitted" and "late" in its own words: not twice.
    paragraphs = report.output.split("\n\n")
    while paragraphs and paragraphs[0] in (NOT_SUBMITTED, LATE):
        paragraphs.pop(0)
    if result.problem and paragraphs and paragraphs[0].startswith(result.problem):
        # the reason is shown once, above; what follows it (a hint, what the code printed) too
        rest = paragraphs[0][len(result.problem) :].strip()
        paragraphs[0:1] = [rest] if rest else []
    return render(
        "feedback.md.j2",
        assignment=assignment,
        student=result.student,
        report=report,
        output="\n\n".join(paragraphs),
        problem=result.problem,
        late=bool(result.submission and result.submission.late),
        submitted=result.submission is not None,
        misconceptions=MISCONCEPTIONS,
    )


def write_student_files(out: Path, batch: BatchResult) -> None:
    """``<id>/results.json`` and ``<id>/feedback.md`` for every student of ``batch``."""
    for student, result in batch.results.items():
        folder = out / student
        write_atomic(folder / "results.json", result.report.dumps() + "\n")
        write_atomic(folder / "feedback.md", feedback_md(batch.assignment, result))


def write_outputs(
    out: Path,
    batch: BatchResult,
    roster: Roster | None,
    report_html: str,
    column: str | None = None,
) -> list[Path]:
    """Write every output file; return their paths (those of the class, not per student).

    ``column`` is the Canvas export's column for the grades (see :func:`canvas_column`).
    """
    assignment = batch.assignment
    write_student_files(out, batch)
    written = [out / name for name in CLASS_FILES if name != "canvas.csv"]
    write_atomic(out / "grades.csv", grades_csv(assignment, batch.results))
    write_atomic(out / "moodle.csv", moodle_csv(roster, batch.results))
    write_atomic(out / "report.html", report_html)
    if roster is not None and roster.canvas:
        write_atomic(out / "canvas.csv", canvas_csv(assignment, roster, batch.results, column))
        written.insert(1, out / "canvas.csv")
    return written
