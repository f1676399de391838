"""Academic-integrity flags: copied answer sheets and identical code.

A sheet is *copied* when its answers match another student's variant on parts where that
variant and the student's own differ, more often than they match the student's own. Code is
*identical* when two files have the same syntax tree once comments, docstrings, formatting and
the untouched starter stubs are set aside. Both are flags for a person to look at, not verdicts.
Sheets are read with ``tomllib`` and code with ``ast.parse``: nothing a student wrote is run.
"""

from __future__ import annotations

import ast
import bisect
import hashlib
import math
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.batch.backend import MAX_SHEET
from grader.batch.files import RefusedError, read_submission
from grader.parsing import PARSE_LOCK

MIN_COPIED_PARTS = 3  # matching parts needed before a sheet is called copied
MAX_SOURCE = 1 << 20  # larger files are not fingerprinted


@dataclass(frozen=True)
class Flag:
    kind: str  # "copied-sheet", "identical-code", "sheet-identity"
    students: tuple[str, ...]
    message: str


# --- code -----------------------------------------------------------------------------------


def _is_stub(body: list[ast.stmt]) -> bool:
    """A function body that does nothing yet: ``pass``, ``...`` or ``raise NotImplementedError``."""
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # a docstring or `...`
        if isinstance(stmt, ast.Raise) and "NotImplementedError" in ast.dump(stmt):
            continue
        return False
    return True


class _Normalise(ast.NodeTransformer):
    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST | None:
        self.generic_visit(node)
        if _is_stub(node.body):
            return None
        node.body = _drop_docstring(node.body) or [ast.Pass()]
        return node

    def visit_Module(self, node: ast.Module) -> ast.AST:
        self.generic_visit(node)
        node.body = _drop_docstring(node.body)
        return node


def _drop_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        return body[1:]
    return body


def code_fingerprint(source: str) -> str | None:
    """A digest of the code's normalised syntax tree, or None (unparsable, or only stubs)."""
    if len(source) > MAX_SOURCE:
        return None
    # CPython 3.11's parser is not safe to run in several threads at once (gh-106905)
    with PARSE_LOCK:
        try:
            tree = _Normalise().visit(ast.parse(source))
            dumped = ast.dump(tree, include_attributes=False)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    if "FunctionDef(" not in dumped:
        return None
    return hashlib.sha256(dumped.encode()).hexdigest()


def identical_code(fingerprints: Mapping[str, str | None]) -> list[Flag]:
    """Groups of students whose code has the same :func:`code_fingerprint`."""
    groups: dict[str, list[str]] = defaultdict(list)
    for student, digest in sorted(fingerprints.items()):
        if digest is not None:
            groups[digest].append(student)
    return [
        Flag(
            "identical-code",
            tuple(group),
            f"identical code (apart from comments and layout): {', '.join(group)}",
        )
        for group in groups.values()
        if len(group) > 1
    ]


# --- answer sheets --------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-")
        try:
            return float(text)
        except ValueError:
            return None
    return None


def _values(value: Any) -> tuple[float, ...] | None:
    """A sheet's value, or a key's answer, as a flat tuple of floats (None if not numeric)."""
    if isinstance(value, np.ndarray):
        return tuple(float(x) for x in value.ravel())
    if isinstance(value, list):
        flat: list[float] = []
        for row in value:
            inner = _values(row)
            if inner is None:
                return None
            flat.extend(inner)
        return tuple(flat) if flat else None
    if isinstance(value, str) and ";" in value:
        try:
            return tuple(float(x.replace("\u2212", "-")) for x in value.replace(";", " ").split())
        except ValueError:
            return None
    x = _number(value)
    return None if x is None or not math.isfinite(x) else (x,)


def _close(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return len(a) == len(b) and all(
        abs(x - y) <= 5e-3 * max(abs(x), abs(y)) + 1e-9 for x, y in zip(a, b, strict=True)
    )


def _read_plain(path: Path) -> bytes:
    return read_submission(path, MAX_SHEET)


def read_sheet(path: Path, read: Callable[[Path], bytes] = _read_plain) -> dict[str, Any] | None:
    """The sheet's TOML, or None: unreadable, refused by the guarded reader (``read``), too
    large to be a sheet, not TOML, or nested too deeply to parse (as the sheet grader says)."""
    try:
        return tomllib.loads(read(path).decode("utf-8", errors="replace"))
    except (RefusedError, OSError, tomllib.TOMLDecodeError, RecursionError, MemoryError):
        return None


def copied_sheets(
    sheets: Mapping[str, Path],
    answers: Mapping[str, Mapping[str, Mapping[str, Any]]],
    *,
    read: Callable[[Path], bytes] = _read_plain,
) -> list[Flag]:
    """Sheets whose answers follow another student's variant rather than their own.

    ``answers`` holds each student's variant as ``key.json`` does: question -> part -> answer.
    ``read`` reads a student's file (the batch's guarded reader). A sheet that cannot be
    checked, whatever the reason, costs its student a ``check-failed`` flag, never the run.
    """
    variants = _Variants(answers)
    flags: list[Flag] = []
    for student, path in sorted(sheets.items()):
        if student not in variants.expected:
            continue
        try:
            flags += _check_sheet(student, read_sheet(path, read), variants)
        except Exception as exc:  # RecursionError among them
            flags.append(
                Flag(
                    "check-failed",
                    (student,),
                    f"{student}'s answer sheet could not be checked for copying "
                    f"({type(exc).__name__}): look at it by hand",
                )
            )
    return flags


class _Variants:
    """Every student's variant, indexed by part for finding whose variant an answer is.

    For each part, the distinct answers sorted by their first number, each with the students
    (as positions in id order) whose variant it is: an answer is looked up by bisection, and
    the students of a matching answer are counted together, so a class of thousands whose
    variants share a whole number (an output size) costs no more than one of a few.
    """

    def __init__(self, answers: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
        self.ids = sorted(answers)
        self.position = {student: i for i, student in enumerate(self.ids)}
        self.expected: dict[str, dict[tuple[str, str], tuple[float, ...]]] = {}
        owners: dict[tuple[str, str], dict[tuple[float, ...], list[int]]] = defaultdict(dict)
        for position, student in enumerate(self.ids):
            mine = self.expected[student] = {}
            for qid, parts in answers[student].items():
                for pid, answer in parts.items():
                    vals = _values(answer)
                    if vals is not None:
                        mine[(qid, pid)] = vals
                        owners[(qid, pid)].setdefault(vals, []).append(position)
        self._parts: dict[tuple[str, str], _PartIndex] = {}
        for part, by_answer in owners.items():
            ordered = sorted(by_answer, key=lambda vals: vals[0])
            self._parts[part] = _PartIndex(
                [vals[0] for vals in ordered],
                ordered,
                [np.asarray(by_answer[vals], dtype=np.int64) for vals in ordered],
            )

    def near(self, part: tuple[str, str], got: tuple[float, ...]) -> Iterator[_Owners]:
        """The variants' answers to ``part`` close to ``got``, with whose they are."""
        index = self._parts.get(part)
        if index is None:
            return
        # every y close to x (|x - y| <= 5e-3 max(|x|, |y|) + 1e-9) lies within this reach
        x = got[0]
        reach = 5e-3 * abs(x) / (1 - 5e-3) + 2e-9
        lo = bisect.bisect_left(index.firsts, x - reach)
        hi = bisect.bisect_right(index.firsts, x + reach)
        for j in range(lo, hi):
            if _close(got, index.answers[j]):
                yield _Owners(index.answers[j], index.students[j])


@dataclass(frozen=True)
class _PartIndex:
    firsts: list[float]  # each distinct answer's first number, ascending
    answers: list[tuple[float, ...]]
    students: list[np.ndarray]  # positions (in id order) of the students of each answer


@dataclass(frozen=True)
class _Owners:
    answer: tuple[float, ...]
    students: np.ndarray


def _check_sheet(student: str, data: Mapping[str, Any] | None, variants: _Variants) -> list[Flag]:
    flags: list[Flag] = []
    if data is not None:
        claimed = data.get("student")
        if isinstance(claimed, str) and claimed.strip() and claimed.strip() != student:
            flags.append(
                Flag(
                    "sheet-identity",
                    (student, claimed.strip()),
                    f"{student}'s answer sheet names another student, {claimed.strip()}",
                )
            )
        own_hits, other_hits = _matches(student, data, variants)
        best = int(np.argmax(other_hits)) if other_hits.size else 0  # the first id of the most
        hits = int(other_hits[best]) if other_hits.size else 0
        if hits:
            source = variants.ids[best]
            if hits >= MIN_COPIED_PARTS and hits > own_hits:
                flags.append(
                    Flag(
                        "copied-sheet",
                        (student, source),
                        f"{student}'s answers match {source}'s variant on {hits} parts "
                        f"(their own on {own_hits}): a copied sheet?",
                    )
                )
    return flags


def _matches(student: str, data: Mapping[str, Any], variants: _Variants) -> tuple[int, np.ndarray]:
    """How many of the sheet's parts match the student's own variant, and for each student
    (by position in id order) how many match theirs where it differs from the student's own."""
    own = variants.expected[student]
    own_hits = 0
    found: list[np.ndarray] = []
    for qid, table in data.items():
        if not isinstance(table, dict):
            continue
        for pid, raw in table.items():
            got = _values(raw)
            if got is None:
                continue
            mine = own.get((qid, pid))
            if mine is not None and _close(got, mine):
                own_hits += 1
                continue
            found += [
                theirs.students
                for theirs in variants.near((qid, pid), got)
                if mine is None or not _close(theirs.answer, mine)
            ]
    if not found:
        return own_hits, np.zeros(0, dtype=np.int64)
    counts = np.bincount(np.concatenate(found), minlength=len(variants.ids))
    counts[variants.position[student]] = 0
    return own_hits, counts
