"""Class rosters: a CSV with an ``id`` column, or a Canvas gradebook export.

In a Canvas export the ``SIS User ID`` column is the id (``canvas-<user id>`` for a student
without one); its "Points Possible" row and Canvas's test student are skipped. Ids name each
student's output folder, so they are restricted to letters, digits and ``_ - . @``, may not be
spelled like a file written next to those folders (``grades.csv``, ``report.html``, ...) in any
case, and two ids may not differ only in case.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.errors import InputError

ID_PATTERN = re.compile(r"[A-Za-z0-9_@-][A-Za-z0-9_.@-]{0,63}")
# What `grade` and `generate` write next to the students' folders: an id spelled like one of
# them (in any case: macOS and Windows file systems do not tell case apart) would have its
# folder take that file's place.
OUTPUT_NAMES = (
    "grades.csv",
    "canvas.csv",
    "moodle.csv",
    "report.html",
    "grading.sqlite",
    "grading.sqlite-wal",
    "grading.sqlite-shm",
    "grading.sqlite-journal",
    "key.json",
    "key.csv",
    "shard.json",
)
_RESERVED = {name.casefold(): name for name in OUTPUT_NAMES}
# Names Windows keeps for devices, with any extension: a folder cannot have them there.
_DEVICES = {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in range(10)}
CANVAS_ID = "SIS User ID"
CANVAS_USER = "ID"  # Canvas's own user id
CANVAS_TEST_STUDENTS = {"student, test", "test student"}


@dataclass(frozen=True)
class Student:
    """One row of the roster; ``row`` keeps every original column (for write-back)."""

    id: str
    name: str = ""
    email: str = ""
    row: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Roster:
    students: tuple[Student, ...]
    columns: tuple[str, ...]
    canvas: bool  # a Canvas gradebook export
    path: str = ""

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.students)


def id_problem(sid: str) -> str | None:
    """Why ``sid`` cannot be a student id (it names the student's output folder), or None."""
    if not ID_PATTERN.fullmatch(sid):
        return f"id {sid!r} may hold only letters, digits and _ - . @ (64 at most)"
    folded = sid.casefold().rstrip(".")  # Windows drops trailing dots from a name
    if folded in _RESERVED:
        return (
            f"id {sid!r} is spelled like the output file {_RESERVED[folded]}, which its folder "
            "would take the place of"
        )
    if folded.split(".", 1)[0] in _DEVICES:
        return f"id {sid!r} is a device name on Windows and cannot name a folder there"
    return None


def _column(header: list[str], *names: str) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    for n in names:
        if n.lower() in lowered:
            return lowered[n.lower()]
    return None


def _decode(data: bytes) -> str:
    """The roster's text: UTF-8 (with or without a byte-order mark), UTF-16 with its mark (Excel's
    "Unicode text"), else Windows-1252, which Excel's plain "CSV" writes on Windows."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    if "\x00" in text:
        raise UnicodeDecodeError("cp1252", data, 0, 1, "not text")
    return text


def _delimiter(lines: list[str]) -> str:
    """The separator of the header line: a comma, or the semicolon or tab that spreadsheets in
    many locales (Excel among them) write instead; a comma when in doubt."""
    header = next((line for line in lines if line.strip()), "")
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > counts[","] else ","


def load_roster(path: str | Path) -> Roster:
    """Read a roster CSV; errors name the file, the line and what is wrong."""
    p = Path(path)
    try:
        text = _decode(p.read_bytes())
    except FileNotFoundError:
        raise InputError(p, "no such roster file") from None
    except IsADirectoryError:
        raise InputError(p, "is a folder, not a roster file") from None
    except OSError as exc:
        raise InputError(p, f"cannot read the roster: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(p, "cannot read the roster: not text (save it as CSV UTF-8)") from None
    lines = text.splitlines()
    reader = csv.DictReader(lines, delimiter=_delimiter(lines))
    header = [h for h in (reader.fieldnames or []) if h is not None]
    canvas = _column(header, CANVAS_ID) is not None
    id_col = _column(header, CANVAS_ID) if canvas else _column(header, "id")
    if id_col is None:
        raise InputError(p, "the roster needs an `id` column (or `SIS User ID` in a Canvas export)")
    name_col = _column(header, "Student" if canvas else "name", "name")
    email_col = _column(header, "SIS Login ID" if canvas else "email", "email")
    students: list[Student] = []
    seen: dict[str, int] = {}
    folded: dict[str, tuple[str, int]] = {}
    try:
        for row in reader:
            line = reader.line_num
            clean = {k: (v or "").strip() for k, v in row.items() if k is not None}
            if not any(clean.values()):
                continue
            name = clean.get(name_col, "") if name_col else ""
            if canvas and (
                name.lower().startswith("points possible") or name.lower() in CANVAS_TEST_STUDENTS
            ):
                continue
            sid = clean.get(id_col, "")
            canvas_user = clean.get(CANVAS_USER, "")
            if not sid and canvas and canvas_user.isdigit():
                # Students without an SIS id are common in Canvas (auditors, late enrolments);
                # their Canvas user id names them, as it names their files in a bulk download.
                sid = f"canvas-{canvas_user}"
            if not sid:
                raise InputError(p, f"empty {id_col!r} for {name or 'a student'}", line)
            problem = id_problem(sid)
            if problem:
                raise InputError(p, problem, line)
            if sid in seen:
                raise InputError(p, f"id {sid!r} appears twice (also on line {seen[sid]})", line)
            if sid.casefold() in folded:
                other, at = folded[sid.casefold()]
                raise InputError(
                    p,
                    f"id {sid!r} differs from {other!r} (line {at}) only in case: their folders "
                    "would be one on macOS and Windows",
                    line,
                )
            seen[sid] = line
            folded[sid.casefold()] = (sid, line)
            email = clean.get(email_col, "") if email_col else ""
            students.append(Student(sid, name, email, clean))
    except csv.Error as exc:
        raise InputError(p, f"not a valid CSV file: {exc}", reader.line_num) from None
    if not students:
        raise InputError(p, "the roster lists no students")
    return Roster(tuple(students), tuple(header), canvas, str(p))
