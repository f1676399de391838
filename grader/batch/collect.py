"""Finding each student's files in a folder of submissions.

Every layout of the product contract is recognised, and may be mixed in one folder:

- a folder per student, named by the id (``A0123456X/solution.py``, ``A0123456X/answers.toml``);
- files named by the id (``A0123456X.py``, ``A0123456X.toml``), or by a course pattern whose
  group ``id`` (else its first group) is the id (``--id-pattern 'A12_(?P<id>\\w+)'``);
- a Canvas bulk download, ``name_<canvasid>_<subid>_<file>`` (``name_LATE_...`` when late),
  whose Canvas user id is mapped to the student id through the roster.

A ``.py`` file or an ``.ipynb`` notebook is code, a ``.toml`` file an answer sheet. Nothing is
dropped silently: an unknown id, a second file for one slot (the newest is kept, a code file
that defines graded functions before one that does not), a late file, a file of no use to
the assignment: each becomes a :class:`Notice`.

Only files a student could have handed in are taken (:mod:`grader.batch.files`): symbolic
links, hard links, special files and the grader's own inputs are reported and never read, so a
"submission" that is really a file of the grading machine is not read, run or quoted back.

A student's slot is theirs. The display name in a Canvas file name is the student's to choose,
and may itself hold ``_<digits>_<digits>_``: a Canvas name is read every way it can be, and a
reading is taken only when its name part fits the roster's name for that Canvas user (or, with
no name to check it against, when it is the only reading). A name that fits no one, or several,
is a *conflict*. So are files for one student's slot (their code, or their answer sheet) that
come from different places (their folder, files named by their id, a Canvas submission): that
student is *held*, graded as neither, until the instructor removes the files that are not
theirs. Ids that would give a student's output folder the name of a file of the batch
(``grades.csv``, ``report.html``, in any case) are refused, and ids that differ only in case
are one student (one folder, on macOS and Windows).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Literal

from grader.batch.files import NO_GUARD, Guard, read_head
from grader.errors import InputError, UsageError
from grader.roster import id_problem

Slot = Literal["code", "sheet"]
SLOTS: dict[str, Slot] = {".py": "code", ".ipynb": "code", ".toml": "sheet"}

# Canvas names bulk-downloaded files `<lastfirst>[_LATE]_<user id>_<attachment id>_<file>`;
# `lastfirst` (the student's sortable name, lower case, without punctuation) may hold `_`.
CANVAS_TAIL = re.compile(
    r"_(?P<late>LATE_)?(?P<canvas>[0-9]+)_(?P<sub>[0-9]+)_(?P<file>.+)\Z", re.S
)
JUNK = {"__MACOSX", "__pycache__", "Thumbs.db"}
# A top-level `def name(` or `name =`, read as text (never run) to tell a solution from a helper.
DEFINES = re.compile(rb"^(?:def[ \t]+(\w+)[ \t]*\(|(\w+)[ \t]*=[^=])", re.MULTILINE)
# The same in a notebook's JSON, where a line of a cell starts a string or follows a "\n".
NOTEBOOK_DEFINES = re.compile(rb'(?:"|\\n)(?:def[ \t]+(\w+)[ \t]*\(|(\w+)[ \t]*=[^=])')
SCAN_BYTES = 4 << 20
LINK = "a symbolic link, not a file: links are never followed"
CONTROL = "the name holds a control character (a line break, a tab...): it names no student"

NoticeKind = Literal["unknown-id", "duplicate", "late", "ignored", "unused", "bad-id", "conflict"]


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
    # why the student is held, not graded: files from different places claim them (then
    # ``code`` and ``sheet`` are None)
    conflict: str | None = None


@dataclass(frozen=True)
class Collection:
    """Every student's submission, by id, and what was noticed on the way."""

    submissions: Mapping[str, Submission]
    notices: tuple[Notice, ...] = ()
    missing: tuple[str, ...] = ()  # roster ids with no submission
    root: Path | None = None  # the submissions folder
    walked: int = 0  # how many notices come from the walk (the rest: choosing each one's files)

    @property
    def conflicts(self) -> tuple[Notice, ...]:
        """Files that claim a slot not clearly theirs: for the instructor to resolve."""
        return tuple(n for n in self.notices if n.kind == "conflict")

    @property
    def held(self) -> dict[str, str]:
        """Student -> why they are not graded until a conflict is resolved."""
        return {s: sub.conflict for s, sub in self.submissions.items() if sub.conflict}


@dataclass(frozen=True)
class _Candidate:
    student: str
    slot: Slot
    path: Path
    late: bool = False
    order: tuple[bool, float, int, str] = (False, 0.0, 0, "")  # preferred last
    on_roster: bool = True
    claim: tuple[str, ...] = ()  # where the file came from: one student, one place
    where: str = ""  # that place, in words


@dataclass(frozen=True)
class CanvasReading:
    """One way to read a Canvas bulk-download name."""

    name: str  # the name part, as Canvas wrote it
    late: bool
    canvas: str
    sub: int
    file: str


def canvas_readings(filename: str) -> list[CanvasReading]:
    """Every reading of ``filename`` as ``name[_LATE]_<canvasid>_<subid>_<file>``."""
    readings: list[CanvasReading] = []
    late_at: set[int] = set()
    for i, char in enumerate(filename):
        if char != "_" or i == 0:
            continue
        m = CANVAS_TAIL.match(filename, i)
        if m is None:
            continue
        if i - 5 in late_at and filename[i - 5 : i] == "_LATE":
            continue  # `x_LATE_1_2_f` read as the late file of `x`, not the file of `x_LATE`
        if m["late"]:
            late_at.add(i)
        readings.append(
            CanvasReading(filename[:i], bool(m["late"]), m["canvas"], int(m["sub"]), m["file"])
        )
    return readings


def _letters(text: str) -> str:
    """``text`` folded for comparing names: letters and digits only, no accents, no case."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c)).casefold()


def name_fits(part: str, name: str) -> bool:
    """Whether a Canvas file's name part can be the roster's ``name``: its words, in any order
    (Canvas writes the sortable name, ``Doe, Jane`` -> ``doejane``), without punctuation."""
    got = _letters(part)
    words = [w for w in (_letters(w) for w in re.split(r"[\s,]+", name)) if w]
    if not got or not words:
        return False
    orders = itertools.permutations(words) if len(words) <= 5 else (words, words[::-1])
    return any(got == "".join(order) for order in orders)


def _control(name: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name)


@dataclass
class _Collector:
    root: Path
    roster_ids: frozenset[str] | None
    canvas_ids: Mapping[str, str]
    pattern: re.Pattern[str] | None
    wanted: frozenset[Slot]
    functions: frozenset[str] = frozenset()
    canvas_names: Mapping[str, str] = field(default_factory=dict)
    guard: Guard = NO_GUARD
    notices: list[Notice] = field(default_factory=list)
    candidates: list[_Candidate] = field(default_factory=list)
    unknown: set[str] = field(default_factory=set)  # students off the roster, already noticed
    skip: Path | None = None  # the output folder, when it lies among the submissions
    keep: Callable[[str], bool] | None = None  # the students collected (a shard's), else all

    def keeps(self, student: str) -> bool:
        return self.keep is None or self.keep(student)

    @cached_property
    def roster_by_case(self) -> dict[str, str]:
        return {sid.casefold(): sid for sid in self.roster_ids or ()}

    def note(self, kind: NoticeKind, path: Path, message: str, student: str | None = None) -> None:
        if student is not None and not self.keeps(student):
            return  # another shard's student: that shard says it
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

    def id_from_file(self, path: Path) -> str | None:
        """The id in a file's name: ``--id-pattern`` is tried on the name without its suffix
        (``A12_(?P<id>A\\d{7}X)``), then on the whole name (``A12_(?P<id>A\\d{7}X)\\.py``)."""
        student = self.id_from_name(path.stem)
        if student is None and self.pattern is not None:
            student = self.id_from_name(path.name)
        return student

    def accept_id(self, student: str | None, path: Path) -> tuple[str, bool] | None:
        """The id to file ``path`` under and whether it is on the roster, or None (noticed)."""
        if student is None:
            self.note("ignored", path, "the name does not match --id-pattern")
            return None
        problem = id_problem(student)  # the roster's rule: an id names a folder
        if problem:
            self.note("bad-id", path, f"{student!r} cannot be a student id: {problem}")
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
        claim: tuple[str, ...] = (),
        where: str = "",
    ) -> None:
        """File ``path`` under ``student``, or notice why not.

        A student off the roster is noticed (``unknown``, else a plain sentence) with the first
        file that is graded, never with a file that is not (a README is "ignored", not "graded
        anyway").
        """
        if not self.keeps(student):
            return  # another shard's: not even looked at
        slot = SLOTS.get(path.suffix.lower())
        if slot is None:
            self.note(
                "ignored", path, "neither code (.py, .ipynb) nor an answer sheet (.toml)", student
            )
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
        mtime = path.lstat().st_mtime
        graded = slot == "code" and self._defines_graded(path)
        order = (graded, mtime, sub, path.name)
        self.candidates.append(
            _Candidate(student, slot, path, late, order, on_roster, claim, where)
        )

    def _defines_graded(self, path: Path) -> bool:
        """Whether the file's text defines one of the graded functions (it is not run)."""
        head = read_head(path, SCAN_BYTES, guard=self.guard, root=self.root)
        pattern = NOTEBOOK_DEFINES if path.suffix.lower() == ".ipynb" else DEFINES
        names = {(m[0] or m[1]).decode("ascii", "replace") for m in pattern.findall(head)}
        return not names.isdisjoint(self.functions)

    def usable(self, path: Path, student: str | None = None) -> bool:
        """Whether ``path`` may be read at all; if not, it is noticed with the reason."""
        if _control(self._rel(path)):
            self.note("bad-id" if student is None else "ignored", path, CONTROL, student)
            return False
        why = self.guard.check(path)
        if why is not None:
            self.note("ignored", path, why, student)
            return False
        return True

    def student_folder(self, folder: Path) -> None:
        if _control(folder.name):
            self.note("bad-id", folder, CONTROL)
            return
        accepted = self.accept_id(self.id_from_name(folder.name), folder)
        if accepted is None:
            return
        if not self.keeps(accepted[0]):
            return  # another shard's student: their folder is not even walked
        claim = ("folder", folder.name)
        for path in sorted(_walk(folder, self.skip)):
            if self.usable(path, accepted[0]):
                self.add(
                    *accepted, path, late=False, claim=claim, where=f"the folder {folder.name}"
                )

    def loose_file(self, path: Path) -> None:
        readings = canvas_readings(path.name)
        if self.keep is not None and not self._maybe_kept(path, readings):
            return
        if not self.usable(path):
            return
        known = [r for r in readings if r.canvas in self.canvas_ids]
        if readings and (known or self._looks_like_canvas(path)):
            self.canvas_file(path, readings, known)
            return
        plain = self.id_from_file(path)
        accepted = self.accept_id(plain, path)
        if accepted is not None:
            claim = ("file", (plain or "").casefold())
            self.add(*accepted, path, late=False, claim=claim, where=f"files named {plain}")

    def _maybe_kept(self, path: Path, readings: list[CanvasReading]) -> bool:
        """Whether a file may be filed under a kept student (a shard's): any student its name
        can be read as is kept, or it names no one (what is said of it, every shard says)."""
        known = [r for r in readings if r.canvas in self.canvas_ids]
        if known:
            return any(self.keeps(self.canvas_ids[r.canvas]) for r in known)
        if readings and self._looks_like_canvas(path):
            return any(self.keeps(f"canvas-{r.canvas}") for r in readings)
        plain = self.id_from_name(path.stem)
        return plain is None or self.keeps(plain)

    def canvas_file(
        self, path: Path, readings: list[CanvasReading], known: list[CanvasReading]
    ) -> None:
        """File a Canvas-named file under the one student its name can be, or a conflict."""
        chosen: CanvasReading | None = None
        if known:
            named = [r for r in known if r.canvas in self.canvas_names]
            fitting = [r for r in named if name_fits(r.name, self.canvas_names[r.canvas])]
            if len(fitting) == 1:
                chosen = fitting[0]
            elif fitting:
                users = ", ".join(
                    f"{self.canvas_ids[r.canvas]} (Canvas user {r.canvas})" for r in fitting
                )
                self.note(
                    "conflict",
                    path,
                    f"the name can be read as the file of several students, {users}: graded "
                    "as none of them; rename it to the right student's name to grade it",
                )
                return
            elif named:
                who = "; ".join(
                    f"{self.canvas_ids[r.canvas]} (Canvas user {r.canvas}) is "
                    f"{self.canvas_names[r.canvas]!r}"
                    for r in named
                )
                self.note(
                    "conflict",
                    path,
                    f"the name part does not fit the roster's student: {who}. Graded as no "
                    "one; a file of another student claiming this slot?",
                    self.canvas_ids[named[0].canvas] if len(named) == 1 else None,
                )
                return
            elif len(readings) == 1:
                chosen = known[0]
        elif len(readings) == 1:
            chosen = readings[0]
        if chosen is None:
            users = ", ".join(sorted({f"Canvas user {r.canvas}" for r in readings}))
            self.note(
                "conflict",
                path,
                f"the name can be read several ways ({users}) and the roster has no name to "
                "tell which: graded as no one",
            )
            return
        student = self.canvas_ids.get(chosen.canvas)
        unknown = None
        if student is None:
            unknown = (
                f"Canvas user {chosen.canvas} is not on the roster; graded as "
                f"canvas-{chosen.canvas}"
            )
            student = f"canvas-{chosen.canvas}"
        claim = ("canvas", chosen.canvas, _letters(chosen.name))
        where = f"Canvas user {chosen.canvas}'s submission as {chosen.name!r}"
        self.add(student, unknown is None, path, chosen.late, chosen.sub, unknown, claim, where)

    def _looks_like_canvas(self, path: Path) -> bool:
        # A Canvas-shaped name is read plainly only when that gives an id on the roster.
        plain = self.id_from_file(path)
        if plain is not None and self.roster_ids is not None:
            return plain not in self.roster_ids and plain.casefold() not in self.roster_by_case
        return True

    def collection(self) -> Collection:
        walked = len(self.notices)
        candidates = self._one_spelling(self.candidates)
        held: dict[str, str] = {}
        by_student: dict[str, list[_Candidate]] = {}
        for c in candidates:
            by_student.setdefault(c.student, []).append(c)
        for student, found in sorted(by_student.items()):
            for slot in ("code", "sheet"):
                places = sorted({(c.claim, c.where) for c in found if c.slot == slot})
                if len(places) > 1 and student not in held:
                    what = "code" if slot == "code" else "answer sheet"
                    said = "; ".join(where for _, where in places)
                    held[student] = (
                        f"files from {len(places)} places claim {student}'s {what} ({said}): "
                        "not graded until the instructor keeps only that student's own"
                    )
                    for c in sorted(found, key=lambda c: str(c.path)):
                        if c.slot == slot:
                            self.note("conflict", c.path, held[student], student)
        by_slot: dict[tuple[str, Slot], list[_Candidate]] = {}
        for c in candidates:
            if c.student not in held:
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
        for student, reason in held.items():
            mine = by_student[student]
            submissions[student] = Submission(
                student,
                late=any(c.late for c in mine),
                on_roster=all(c.on_roster for c in mine),
                conflict=reason,
            )
        submissions = dict(sorted(submissions.items()))
        missing = tuple(
            sorted(s for s in set(self.roster_ids or ()) - set(submissions) if self.keeps(s))
        )
        return Collection(submissions, tuple(self.notices), missing, self.root, walked)

    def _one_spelling(self, candidates: list[_Candidate]) -> list[_Candidate]:
        """Ids that differ only in case are one student (one folder, on macOS and Windows):
        the roster's spelling where it has one, else the first in sort order."""
        spellings: dict[str, set[str]] = {}
        for c in candidates:
            spellings.setdefault(c.student.casefold(), set()).add(c.student)
        canonical = {
            spelling: self.roster_by_case.get(folded, min(found))
            for folded, found in spellings.items()
            for spelling in found
        }
        return [
            c if canonical[c.student] == c.student else replace(c, student=canonical[c.student])
            for c in candidates
        ]


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
        # links and special files too, to be reported: rglob descends into no linked folder
        if (path.is_symlink() or not path.is_dir()) and not any(
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
    canvas_names: Mapping[str, str] | None = None,
    guard: Guard = NO_GUARD,
    keep: Callable[[str], bool] | None = None,
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
    canvas_names : mapping of str to str, optional
        Canvas user id -> the roster's name, which a Canvas file's name part must fit.
    guard : Guard, optional
        Files never to take (the grader's own inputs), besides links and special files.
    keep : callable, optional
        Which students to collect (a shard's share): the files of others are neither read nor
        noticed, so a shard's cost grows with its share.
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
        canvas_names=dict(canvas_names or {}),
        guard=guard,
        keep=keep,
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
        else:
            collector.loose_file(entry)  # a special file is reported there
    return collector.collection()
