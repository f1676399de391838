"""Reading a student's ``answers.toml``.

The sheet ``grader generate`` writes has top-level ``student`` and ``assignment`` strings, one
table per question id with one key per part id (``""`` until answered), and the public
parameters of each question in ``[_problems.<question id>]`` (``exercise`` and ``params``).
A file that is not TOML, not UTF-8 or larger than :data:`MAX_BYTES` cannot be read at all
(:class:`~grader.errors.InputError`, whose message names the line of a TOML syntax error).
Everything else is reported but not fatal: a missing ``student``, an answer outside any
question table, a question that is not a table. Values are not read here; marking reads each
one and a bad value fails its own part only.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import InputError

MAX_BYTES = 1_000_000
PROBLEMS_TABLE = "_problems"
TOP_KEYS = ("student", "assignment")

_HEADER = re.compile(r"\s*\[\s*([^\[\]#]+?)\s*\]\s*(?:#.*)?$")
_KEY = re.compile(
    r"\s*((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*="
)
_TOML_LINE = re.compile(r"at line (\d+)")


@dataclass(frozen=True)
class Sheet:
    """What a sheet holds, unvalidated values included.

    ``answers`` maps question id -> part id -> raw TOML value; ``problems`` maps question id
    -> the ``[_problems]`` entry; ``lines`` maps (question id, part id) -> the line of the
    value in the file; ``notes`` are problems worth reporting that do not stop marking.
    """

    source: str
    student: str | None
    assignment: str | None
    answers: Mapping[str, Mapping[str, Any]]
    problems: Mapping[str, Mapping[str, Any]]
    lines: Mapping[tuple[str, str], int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def part_lines(self, qid: str) -> dict[str, int]:
        return {pid: line for (q, pid), line in self.lines.items() if q == qid}


def _unquote(key: str) -> str:
    key = key.strip()
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "\"'":
        return key[1:-1]
    return key


def _split_key(dotted: str) -> list[str]:
    parts = re.findall(r"\"[^\"]*\"|'[^']*'|[^.\s]+", dotted)
    return [_unquote(p) for p in parts]


def key_lines(text: str) -> dict[tuple[str, str], int]:
    """(table, key) -> 1-based line of each ``key = value`` (the last two levels of the path)."""
    lines: dict[tuple[str, str], int] = {}
    table: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("[["):
            table = []
            continue
        header = _HEADER.match(line)
        if header:
            table = _split_key(header.group(1))
            continue
        key = _KEY.match(line)
        if key:
            path = table + _split_key(key.group(1))
            if len(path) >= 2:
                lines.setdefault((path[-2], path[-1]), number)
            elif path:
                lines.setdefault(("", path[-1]), number)
    return lines


def _decode(data: bytes, where: str) -> str:
    if len(data) > MAX_BYTES:
        raise InputError(
            where, f"the file is too large ({len(data):,} bytes; at most {MAX_BYTES:,})"
        )
    # Notepad's "Unicode": a UTF-16 mark, then text whose ASCII characters carry zero bytes
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" in data:
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = None
        if text is not None and "\x00" not in text:
            return text
    if b"\x00" in data:
        raise InputError(where, "this is not an answer sheet (a binary file, not TOML text)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            where, "the file is not UTF-8 text: save it as UTF-8 and try again", line
        ) from None


def read_text(source: Path | str, name: str = "answers.toml") -> tuple[str, str]:
    """(text, where) of a sheet given as a path or as its text."""
    if isinstance(source, Path):
        where = str(source)
        try:
            if source.is_dir():
                raise InputError(where, "is a folder, not an answer sheet")
            size = source.stat().st_size
            if size > MAX_BYTES:
                raise InputError(
                    where, f"the file is too large ({size:,} bytes; at most {MAX_BYTES:,})"
                )
            with source.open("rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except FileNotFoundError:
            raise InputError(where, "no such file") from None
        except OSError as exc:
            raise InputError(where, f"cannot read the file ({exc.strerror or exc})") from None
        return _decode(data, where), where
    if len(source) > MAX_BYTES:
        raise InputError(name, f"the sheet is too large ({len(source):,} characters)")
    return source, name


def parse_sheet(text: str, where: str = "answers.toml") -> Sheet:
    """A :class:`Sheet` from TOML text; InputError (with the line) if it is not TOML."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        line = int(m.group(1)) if m else None
        raise InputError(where, f"not valid TOML: {exc}", line) from None
    except RecursionError:
        raise InputError(where, "not an answer sheet: values are nested too deeply") from None
    lines = key_lines(text)
    notes: list[str] = []
    top: dict[str, str | None] = {}
    for key in TOP_KEYS:
        value = data.get(key)
        if value is None:
            notes.append(f"the sheet has no `{key}` line")
        elif not isinstance(value, str) or not value.strip():
            notes.append(f"`{key}` should be a name in quotes, got {value!r}")
            value = None
        top[key] = value.strip() if isinstance(value, str) else None
    answers: dict[str, dict[str, Any]] = {}
    problems: dict[str, Mapping[str, Any]] = {}
    for key, value in data.items():
        if key in TOP_KEYS:
            continue
        if key == PROBLEMS_TABLE:
            if isinstance(value, dict):
                problems = {q: v for q, v in value.items() if isinstance(v, dict)}
            continue
        if isinstance(value, dict):
            answers[key] = dict(value)
        else:
            line = lines.get(("", key))
            at = f" (line {line})" if line else ""
            notes.append(
                f"`{key}`{at} is outside any question table: put it under its question's "
                "[heading]; ignored"
            )
    return Sheet(
        source=where,
        student=top["student"],
        assignment=top["assignment"],
        answers=answers,
        problems=problems,
        lines=lines,
        notes=tuple(notes),
    )


def read_sheet(source: Path | str, name: str = "answers.toml") -> Sheet:
    """Read a sheet from a path (or from its text, given as a ``str``)."""
    text, where = read_text(source, name)
    return parse_sheet(text, where)
