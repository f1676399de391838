"""Finding each student's files in a folder of submissions.

Every layout of the product contract is recognised, and may be mixed in one folder:

- a folder per student, named by the id (``A0123456X/solution.py``, ``A0123456X/answers.toml``);
- files named by the id (``A0123456X.py``, ``A0123456X.toml``), or by a course pattern whose
  group ``id`` (else its first group) is the id (``--id-pattern 'A12_(?P<id>\\w+)'``);
- a Canvas bulk download, ``name_<canvasid>_<subid>_<file>`` (``name_LATE_...`` when late),
  whose Canvas user id is mapped to the student id through the roster.

A ``.py`` file is code, a ``.toml`` file an answer sheet. Nothing is dropped silently: an
unknown id, a second file for one slot (the newest is kept, a code file that defines graded
functions before one that does not), a late file, a file of no use to
the assignment: each becomes a :class:`Notice`. Symbolic links are reported and never followed:
a "submission" linking to a file of the grading machine must not be read, run or quoted back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from grader.errors import InputError, UsageError
from grader.roster import ID_PATTERN

Slot = Literal["code", "sheet"]
SLOTS: dict[str, Slot] = {".py": "code", ".toml": "sheet"}

# Canvas names bulk-downloaded files `<lastfirst>[_LATE]_<user id>_<attachment id>_<file>`.
CANVAS_NAME = re.compile(
    r"^(?P<name>[^_]+?)(?P<late>_LATE)?_(?P<canvas>\d+)_(?P<sub>\d+)_(?P<file>.+)$"
)
JUNK = {"__MACOSX", "__pycache__", "Thumbs.db"}
# A top-level `def name(` or `name =`, read as text (never run) to tell a solution from a helper.
DEFINES = re.compile(rb"^(?:def[ \t]+(\w+)[ \t]*\(|(\w+)[ \t]*=[^=])", re.MULTILINE)
SCAN_BYTES = 4 << 20
LINK = "a symbolic link, not a file: links are never followed"

NoticeKind = Literal["unknown-id", "duplicate", "late", "ignored", "unused", "bad-id"]


@dataclass(frozen=True)
class Notice:
    """Something about the submissions folder an instructor should know."""

    kind: NoticeKind
    path: str
    message: str
    student: str | None = None


@dataclass(frozen=True)
class Submission:
    """The files one student handed in: at most one per slot."""

    student: str
    code: Path | None = None
    sheet: Path | None = None
    late: bool = False
    on_roster: bool = True


@dataclass(frozen=True)
class Collection:
    """Every student's submission, by id, and what was noticed on the way."""

    submissions: Mapping[str, Submission]
    notices: tuple[Notice, ...] = ()
    missing: tuple[str, ...] = ()  # roster ids with no submission


@dataclass(frozen=True)
class _Candidate:
    student: str
    slot: Slot
    path: Path
    late: bool = False
    order: tuple[bool, float, int, str] = (False, 0.0, 0, "")  # preferred last
    on_roster: bool = True


@dataclass
class _Collector:
    root: Path
    roster_ids: frozenset[str] | None
    canvas_ids: Mapping[str, str]
    pattern: re.Pattern[str] | None
    wanted: frozenset[Slot]
    functions: frozenset[str] = frozenset()
    notices: list[Notice] = field(default_factory=list)
    candidates: list[_Candidate] = field(default_factory=list)
    unknown: set[str] = field(default_factory=set)  # students off the roster, already noticed
    skip: Path | None = None  # the output folder, when it lies among the submissions

    @cached_property
    def roster_by_case(self) -> dict[str, str]:
        return {sid.casefold(): sid for sid in self.roster_ids or ()}

    def note(self, kind: NoticeKind, path: Path, message: str, student: str | None = None) -> None:
        self.notices.append(Notice(kind, self._rel(path), message, student))

    def _rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def id_from_name(self, name: str) -> str | None:
        if self.pattern is None:
            return name
        match = self.pattern.search(name)
        if match is None:
            return None
        if "id" in match.groupdict():
            return match.group("id")
        return match.group(1) if match.re.groups else match.group(0)

    def accept_id(self, student: str | None, path: Path) -> tuple[str, bool] | None:
        """The id to file ``path`` under and whether it is on the roster, or None (noticed)."""
        if student is None:
            self.note("ignored", path, "the name does not match --id-pattern")
            return None
        if not ID_PATTERN.fullmatch(student):  # the roster's rule: an id names a folder
            self.note("bad-id", path, f"{student!r} cannot be a student id")
            return None
        if self.roster_ids is not None and student not in self.roster_ids:
            # a file named a0123456x is the roster's A0123456X
            student = self.roster_by_case.get(student.casefold(), student)
        on_roster = self.roster_ids is None or student in self.roster_ids
        return student, on_roster

    def add(
        self,
        student: str,
        on_roster: bool,
        path: Path,
        late: bool,
        sub: int = 0,
        unknown: str | None = None,
    ) -> None:
        """File ``path`` under ``student``, or notice why not.

        A student off the roster is noticed (``unknown``, else a plain sentence) with the first
        file that is graded, never with a file that is not (a README is "ignored", not "graded
        anyway").
        """
        slot = SLOTS.get(path.suffix.lower())
        if slot is None:
            self.note("ignored", path, "neither code (.py) nor an answer sheet (.toml)", student)
            return
        if slot not in self.wanted:
            what = "code" if slot == "code" else "answer sheets"
            self.note("unused", path, f"this assignment has no {what}", student)
            return
        if not on_roster and student not in self.unknown:
            self.unknown.add(student)
            message = unknown or f"{student} is not on the roster; graded anyway"
            self.note("unknown-id", path, message, student)
        if late:
            self.note("late", path, "submitted late", student)
        mtime = path.stat().st_mtime
        graded = slot == "code" and self._defines_graded(path)
        self.candidates.append(
            _Candidate(student, slot, path, late, (graded, mtime, sub, path.name), on_roster)
        )

    def _defines_graded(self, path: Path) -> bool:
        """Whether the file's text defines one of the graded functions (it is not run)."""
        try:
            with path.open("rb") as fh:
                head = fh.read(SCAN_BYTES)
        except OSError:
            return False
        names = {(m[0] or m[1]).decode("ascii", "replace") for m in DEFINES.findall(head)}
        return not names.isdisjoint(self.functions)

    def student_folder(self, folder: Path) -> None:
        accepted = self.accept_id(self.id_from_name(folder.name), folder)
        if accepted is None:
            return
        for path in sorted(_walk(folder, self.skip)):
            if path.is_symlink():
                self.note("ignored", path, LINK, accepted[0])
            else:
                self.add(*accepted, path, late=False)

    def loose_file(self, path: Path) -> None:
        canvas = CANVAS_NAME.match(path.name)
        if canvas and (canvas["canvas"] in self.canvas_ids or self._looks_like_canvas(path)):
            student = self.canvas_ids.get(canvas["canvas"])
            unknown = None
            if student is None:
                unknown = (
                    f"Canvas user {canvas['canvas']} is not on the roster; graded as "
                    f"canvas-{canvas['canvas']}"
                )
                student = f"canvas-{canvas['canvas']}"
            late, sub = bool(canvas["late"]), int(canvas["sub"])
            self.add(student, unknown is None, path, late, sub, unknown)
            return
        accepted = self.accept_id(self.id_from_name(path.stem), path)
        if accepted is not None:
            self.add(*accepted, path, late=False)

    def _looks_like_canvas(self, path: Path) -> bool:
        # A Canvas-shaped name is read plainly only when that gives an id on the roster.
        plain = self.id_from_name(path.stem)
        return not (plain is not None and self.roster_ids is not None and plain in self.roster_ids)

    def collection(self) -> Collection:
        by_slot: dict[tuple[str, Slot], list[_Candidate]] = {}
        for c in self.candidates:
            by_slot.setdefault((c.student, c.slot), []).append(c)
        chosen: dict[str, dict[Slot, _Candidate]] = {}
        for (student, slot), found in sorted(by_slot.items()):
            found.sort(key=lambda c: c.order)
            keep = found[-1]
            for other in found[:-1]:
                same = other.order[0] == keep.order[0]
                why = "the newest" if same else "the one defining the graded functions"
                self.note(
                    "duplicate",
                    other.path,
                    f"another {slot} file for {student}; kept {why}, {self._rel(keep.path)}",
                    student,
                )
            chosen.setdefault(student, {})[slot] = keep
        submissions = {
            student: Submission(
                student,
                code=slots["code"].path if "code" in slots else None,
                sheet=slots["sheet"].path if "sheet" in slots else None,
                late=any(c.late for c in slots.values()),
                on_roster=all(c.on_roster for c in slots.values()),
            )
            for student, slots in sorted(chosen.items())
        }
        missing = tuple(sorted(set(self.roster_ids or ()) - set(submissions)))
        return Collection(submissions, tuple(self.notices), missing)


def _walk(folder: Path, skip: Path | None = None) -> Iterable[Path]:
    """The files under ``folder``, and its links (rglob does not descend into linked folders),
    leaving out those under ``skip``."""
    skipped: tuple[str, ...] | None = None
    if skip is not None and skip.resolve().is_relative_to(folder.resolve()):
        skipped = skip.resolve().relative_to(folder.resolve()).parts
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if skipped is not None and parts[: len(skipped)] == skipped:
            continue
        if (path.is_symlink() or path.is_file()) and not any(
            part.startswith(".") or part in JUNK for part in parts
        ):
            yield path


def compile_id_pattern(pattern: str | None) -> re.Pattern[str] | None:
    """The ``--id-pattern`` regular expression, or a UsageError saying what is wrong with it."""
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise UsageError(f"--id-pattern {pattern!r} is not a regular expression: {exc}") from None


def collect(
    root: Path,
    *,
    wanted: Iterable[Slot] = ("code", "sheet"),
    roster_ids: Iterable[str] | None = None,
    canvas_ids: Mapping[str, str] | None = None,
    id_pattern: str | None = None,
    functions: Iterable[str] = (),
    skip: Path | None = None,
) -> Collection:
    """Every student's submission under ``root``.

    Parameters
    ----------
    root : Path
        The submissions folder.
    wanted : iterable of "code" and "sheet"
        The slots the assignment grades; other files are noticed as unused.
    roster_ids : iterable of str, optional
        The roster's ids: others are noticed (and graded), missing ones listed.
    canvas_ids : mapping of str to str, optional
        Canvas user id -> student id, for a Canvas bulk download.
    id_pattern : str, optional
        A regular expression finding the id in a file or folder name.
    functions : iterable of str, optional
        The functions the code is graded on. When a student hands in several code files, one
        that defines any of them is kept before one that does not (a test script, a helper);
        among equals, the newest.
    skip : Path, optional
        A folder not to look in: the output folder, when an instructor puts it among the
        submissions (its reports would otherwise be read as a student's files on the next run).
    """
    if not root.is_dir():
        raise InputError(root, "no such folder of submissions")
    collector = _Collector(
        root=root,
        roster_ids=frozenset(roster_ids) if roster_ids is not None else None,
        canvas_ids=dict(canvas_ids or {}),
        pattern=compile_id_pattern(id_pattern),
        wanted=frozenset(wanted),
        functions=frozenset(functions),
        skip=skip,
    )
    try:
        entries = sorted(root.iterdir())
    except OSError as exc:
        raise InputError(root, f"cannot read the folder: {exc.strerror}") from None
    for entry in entries:
        if entry.name.startswith(".") or entry.name in JUNK:
            continue
        if skip is not None and entry.resolve() == skip.resolve():
            continue
        if entry.is_symlink():
            collector.note("ignored", entry, LINK)
        elif entry.is_dir():
            collector.student_folder(entry)
        elif entry.is_file():
            collector.loose_file(entry)
    return collector.collection()
