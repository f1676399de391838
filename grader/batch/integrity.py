"""Academic-integrity flags: copied answer sheets and identical code.

A sheet is *copied* when its answers match another student's variant on parts where that
variant and the student's own differ, more often than they match the student's own. Code is
*identical* when two files have the same syntax tree once comments, docstrings, formatting and
the untouched starter stubs are set aside. Both are flags for a person to look at, not verdicts.
Sheets are read with ``tomllib`` and code with ``ast.parse``: nothing a student wrote is run.
"""

from __future__ import annotations

import ast
import hashlib
import math
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.batch.backend import MAX_SHEET
from grader.batch.files import RefusedError, read_submission
from grader.parsing import PARSE_LOCK

MIN_COPIED_PARTS = 3  # matching parts needed before a sheet is called copied
MAX_SOURCE = 1 << 20  # larger files are not fingerprinted
_PARSE_LOCK = PARSE_LOCK


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
    with _PARSE_LOCK:
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


def _bucket(values: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(float(f"{v:.2g}") for v in values)


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
    expected: dict[str, dict[tuple[str, str], tuple[float, ...]]] = {}
    index: dict[tuple[str, str, tuple[float, ...]], set[str]] = defaultdict(set)
    for student, questions in answers.items():
        mine = expected[student] = {}
        for qid, parts in questions.items():
            for pid, answer in parts.items():
                vals = _values(answer)
                if vals is not None:
                    mine[(qid, pid)] = vals
                    index[(qid, pid, _bucket(vals))].add(student)
    flags: list[Flag] = []
    for student, path in sorted(sheets.items()):
        if student not in expected:
            continue
        try:
            flags += _check_sheet(student, read_sheet(path, read), expected, index)
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


def _check_sheet(
    student: str,
    data: Mapping[str, Any] | None,
    expected: Mapping[str, Mapping[tuple[str, str], tuple[float, ...]]],
    index: Mapping[tuple[str, str, tuple[float, ...]], set[str]],
) -> list[Flag]:
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
        own_hits, other_hits = _matches(student, data, expected, index)
        if other_hits:
            source, hits = max(sorted(other_hits.items()), key=lambda kv: kv[1])
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


def _matches(
    student: str,
    data: Mapping[str, Any],
    expected: Mapping[str, Mapping[tuple[str, str], tuple[float, ...]]],
    index: Mapping[tuple[str, str, tuple[float, ...]], set[str]],
) -> tuple[int, dict[str, int]]:
    own = expected[student]
    own_hits = 0
    others: dict[str, int] = defaultdict(int)
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
            candidates: set[str] = set()
            for probe in _probes(got):
                candidates |= index.get((qid, pid, probe), set())
            for other in candidates - {student}:
                theirs = expected[other][(qid, pid)]
                if _close(got, theirs) and (mine is None or not _close(theirs, mine)):
                    others[other] += 1
    return own_hits, dict(others)


def _probes(values: tuple[float, ...]) -> Iterable[tuple[float, ...]]:
    """The buckets a value close to ``values`` may have been filed under."""
    seen = set()
    for factor in (1.0, 1.004, 0.996):
        b = _bucket(tuple(v * factor for v in values))
        if b not in seen:
            seen.add(b)
            yield b
