"""A notebook's code as the checker runs it, and where each of its lines came from.

A notebook (``.ipynb``) is read with nbformat, the format's own library, and must be valid
nbformat v4 (older versions are converted): anything else is an :class:`InputError` with a
one-line reason. Only the code cells' sources are used; stored outputs, metadata, markdown and
raw cells are not. The code cells are joined into one program that the sandbox runs exactly as
it runs a ``.py`` file, and a line map turns every line of that program back into the place a
student sees: ``cell 4, line 3``.

Cells are counted as a student counts them on screen, every cell from the top (markdown
included), from 1. Jupyter shows no other stable number: ``In [7]`` changes at every run and
is blank in a fresh notebook. The in-notebook check (:mod:`grader.notebook.kernel`) labels the
kernel's history by that ``In [n]``, which there is exactly what the student saw.

What is not Python is never run, and is said so in a note:

- IPython magics and shell escapes, lines starting with ``%`` or ``!`` (``%matplotlib``,
  ``!pip install``), become ``pass`` (so blocks stay blocks and line numbers stay put); a cell
  starting with a cell magic (``%%time``) is left out whole;
- the notebook's own check (``%grader check``, ``import grader``, ``grader.notebook.check()``),
  silently: it cannot run inside the sandbox, which refuses the project's packages;
- a cell that is not valid Python: Jupyter runs each cell on its own, so a syntax error costs
  only the cell it is in (its functions are reported as not run, naming it).

The parent only parses (``ast.parse``, ``tokenize``): nothing here executes the student's code.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import InputError
from grader.parsing import PARSE_LOCK
from grader.safetext import printable

LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what Python's own compiler counts as a line break
DEF = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)", re.MULTILINE)
SHOWN_NOTES = 5  # dropped lines listed by name; the rest are counted
SNIPPET = 40  # characters of a dropped line quoted in a note
PROJECT = "grader"
OWN_MAGIC = re.compile(r"%(?:(?:re)?load_ext[ \t]+grader|grader)(?:[ \t]|$)")


@dataclass(frozen=True)
class Cell:
    """One cell as read: its label for messages (``cell 4``), its type and its source."""

    label: str
    kind: str
    source: str


@dataclass(frozen=True)
class Statement:
    """A top-level statement of the program: its lines (1-based, inclusive) and whether it only
    defines (imports, functions, classes, constants) rather than does top-level work."""

    first: int
    last: int
    defines: bool
    cell: str


@dataclass(frozen=True)
class Program:
    """The code cells joined into one Python program, and where each line came from.

    ``places[i]`` is the (cell label, line in the cell) of program line ``i + 1``.
    ``broken`` maps a function defined in a cell that did not parse to that cell's reason.
    """

    text: str
    places: tuple[tuple[str, int], ...]
    statements: tuple[Statement, ...] = ()
    notes: tuple[str, ...] = ()
    broken: dict[str, str] = field(default_factory=dict)

    def place(self, line: int | None) -> str | None:
        """``cell 4, line 3`` for a line of the program, or None when it has no place."""
        if line is None or not 0 < line <= len(self.places):
            return None
        label, within = self.places[line - 1]
        return f"{label}, line {within}"

    def statement_at(self, line: int | None) -> int | None:
        """The index of the top-level statement holding program ``line``, or None."""
        if line is None:
            return None
        for i, st in enumerate(self.statements):
            if st.first <= line <= st.last:
                return i
        return None

    def top_level_work(self) -> frozenset[int]:
        """The statements that do work at the top level (loops, calls, plots, input...)."""
        return frozenset(i for i, st in enumerate(self.statements) if not st.defines)

    def without(self, dropped: Iterable[int]) -> str:
        """The program with these statements' lines left blank (every other line in place)."""
        lines = LINE_BREAK.split(self.text)
        for i in dropped:
            st = self.statements[i]
            for n in range(st.first - 1, st.last):
                lines[n] = ""
        return "\n".join(lines)

    def relabel(self, text: str, name: str) -> str:
        """Printed text (a warning, a traceback) with ``name:57`` / ``"name", line 57`` read as
        the place in the notebook."""

        def colon(m: re.Match[str]) -> str:
            where = self.place(int(m.group(1)))
            return f"{name} ({where}):" if where else m.group(0)

        def quoted(m: re.Match[str]) -> str:
            where = self.place(int(m.group(1)))
            return f'"{name}", {where}' if where else m.group(0)

        text = re.sub(re.escape(name) + r":(\d+):", colon, text)
        return re.sub(r'"' + re.escape(name) + r'", line (\d+)', quoted, text)


def read_cells(data: bytes, name: str | Path) -> list[Cell]:
    """The cells of a notebook file's bytes; :class:`InputError` when it is not a notebook."""
    import nbformat  # here: the plain .py path of `grader check` never pays for it

    def refuse(reason: str) -> InputError:
        return InputError(name, f"is not a valid notebook: {printable(reason)}")

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise refuse("it is not UTF-8 text") from None
    try:
        raw = json.loads(text)
    except RecursionError:
        raise refuse("its JSON is nested too deeply") from None
    except ValueError as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise refuse(f"it is not JSON{where}: {msg}") from None
    if not isinstance(raw, dict) or ("cells" not in raw and "worksheets" not in raw):
        raise refuse("it is JSON, but holds no notebook cells")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cell ids missing in older files: no matter
            nb = nbformat.reads(text, as_version=4)
            nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        first = str(getattr(exc, "message", exc)).strip().splitlines() or ["invalid"]
        raise refuse(f"not nbformat v4 ({first[0][:200]})") from None
    except RecursionError:
        raise refuse("its JSON is nested too deeply") from None
    except Exception as exc:  # nbformat's reader raises what it meets: any of them, one line
        first = str(exc).strip().splitlines() or [type(exc).__name__]
        raise refuse(f"not nbformat v4 ({first[0][:200]})") from None
    return [
        Cell(f"cell {i}", str(cell.get("cell_type", "")), _text(cell.get("source", "")))
        for i, cell in enumerate(nb.cells, start=1)
    ]


def _text(source: object) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return ""


def read_program(path: Path, limit: int) -> Program:
    """The program of the notebook at ``path`` (at most ``limit`` bytes are read)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise InputError(path, f"is larger than the {limit:,} bytes a notebook may have")
    return build_program(read_cells(data, path))


@dataclass
class _Builder:
    lines: list[str] = field(default_factory=list)
    places: list[tuple[str, int]] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # "cell 2, line 1 `%matplotlib inline`"
    notes: list[str] = field(default_factory=list)
    broken: dict[str, str] = field(default_factory=dict)
    project_names: set[str] = field(default_factory=set)  # names bound to grader's modules

    def add(self, cell: Cell) -> None:
        lines = LINE_BREAK.split(cell.source)
        if lines and lines[-1] == "":
            lines.pop()
        start = len(self.lines)
        first_code = next((ln.lstrip() for ln in lines if ln.strip()), "")
        if first_code.startswith("%%"):
            magic = first_code.split()[0]
            self.dropped.append(f"{cell.label} (a {_quote(magic)} cell, left out whole)")
            self._blank(cell, len(lines))
            return
        code = list(self._strip_magics(cell, lines))
        source = "\n".join(code) + "\n"
        try:
            with PARSE_LOCK:
                tree = ast.parse(source)
        except SyntaxError as exc:
            where = f"{cell.label}, line {exc.lineno}" if exc.lineno else cell.label
            shown = printable((exc.text or "").strip())[:80]
            text = f" in `{shown}`" if shown else ""
            reason = f"{where} has a syntax error ({printable(str(exc.msg))}{text})"
            self.notes.append(
                f"{where}: SyntaxError: {printable(str(exc.msg))}{text}. This cell was left "
                "out (Jupyter runs each cell on its own); the other cells were checked."
            )
            for fn in DEF.findall(source):
                self.broken.setdefault(fn, reason)
            self._blank(cell, len(lines))
            return
        except (ValueError, RecursionError, MemoryError):  # NUL bytes, absurd nesting
            self.notes.append(f"{cell.label} could not be read as Python and was left out.")
            self._blank(cell, len(lines))
            return
        for n, line in enumerate(code, start=1):
            self.lines.append(line)
            self.places.append((cell.label, n))
        for node in tree.body:
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            last = node.end_lineno or node.lineno
            if self._own_check(node):
                for n in range(first - 1, last):
                    self.lines[start + n] = ""
                continue
            self.statements.append(
                Statement(start + first, start + last, _defines(node), cell.label)
            )

    def _blank(self, cell: Cell, count: int) -> None:
        for n in range(1, count + 1):
            self.lines.append("")
            self.places.append((cell.label, n))

    def _strip_magics(self, cell: Cell, lines: list[str]) -> Iterator[str]:
        with PARSE_LOCK:
            in_string = _string_lines("\n".join(lines) + "\n")
        for n, line in enumerate(lines, start=1):
            stripped = line.lstrip()
            if stripped.startswith(("%", "!")) and n not in in_string:
                indent = line[: len(line) - len(stripped)]
                if not OWN_MAGIC.match(stripped):  # the notebook's own check: said nowhere
                    self.dropped.append(f"{cell.label}, line {n} {_quote(stripped)}")
                yield indent + "pass"
            else:
                yield line

    def _own_check(self, node: ast.stmt) -> bool:
        """Whether ``node`` is the notebook's own check: an import of grader, or a call of it."""
        if isinstance(node, ast.Import):
            if all(_project(a.name) for a in node.names):
                for a in node.names:
                    self.project_names.add(a.asname or a.name.split(".")[0])
                return True
            return False
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and _project(node.module or ""):
                self.project_names.update(a.asname or a.name for a in node.names)
                return True
            return False
        value = node.value if isinstance(node, (ast.Expr, ast.Assign)) else None
        if isinstance(value, ast.Call) and self.project_names:
            root = value.func
            while isinstance(root, (ast.Attribute, ast.Call)):
                root = root.value if isinstance(root, ast.Attribute) else root.func
            return isinstance(root, ast.Name) and root.id in self.project_names
        return False

    def program(self) -> Program:
        notes = list(self.notes)
        if self.dropped:
            shown = "; ".join(self.dropped[:SHOWN_NOTES])
            more = len(self.dropped) - SHOWN_NOTES
            shown += f"; and {more} more" if more > 0 else ""
            notes.insert(0, f"Not run (IPython magics and shell commands): {shown}.")
        return Program(
            "\n".join(self.lines) + ("\n" if self.lines else ""),
            tuple(self.places),
            tuple(self.statements),
            tuple(notes),
            dict(self.broken),
        )


def build_program(cells: Sequence[Cell]) -> Program:
    """Join the code cells of ``cells`` into one program (see the module's docstring)."""
    builder = _Builder()
    for cell in cells:
        if cell.kind == "code":
            builder.add(cell)
    return builder.program()


def _project(module: str) -> bool:
    return module == PROJECT or module.startswith(PROJECT + ".")


def _quote(text: str) -> str:
    text = printable(text.strip())
    if len(text) > SNIPPET:
        text = text[: SNIPPET - 3] + "..."
    return "`" + text.replace("`", "'") + "`"


def _string_lines(source: str) -> set[int]:
    """Lines (1-based) that continue a string begun on an earlier line: never magics."""
    inside: set[int] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                inside.update(range(tok.start[0] + 1, tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):  # unfinished text: what was read
        pass
    return inside


_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _defines(node: ast.stmt) -> bool:
    """Whether a top-level statement only defines: imports, functions, classes, constants
    (an assignment that calls nothing), docstrings, and ``try`` blocks of these. Anything else
    (a call, a loop, a plot, ``input()``) is top-level work."""
    if isinstance(node, _DEFINITIONS):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        return node.value is None or not any(
            isinstance(n, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr))
            for n in ast.walk(node.value)
        )
    if isinstance(node, ast.Expr):
        return isinstance(node.value, ast.Constant)
    if isinstance(node, ast.Try):
        body = [*node.body, *node.orelse, *node.finalbody]
        body += [s for h in node.handlers for s in h.body]
        return all(_defines(s) for s in body)
    return isinstance(node, ast.Pass)


def notebook_code(data: bytes) -> str:
    """The program of a notebook's bytes ("" when they are not a notebook): for the integrity
    checks, which compare code, not outputs or metadata."""
    try:
        return build_program(read_cells(data, "notebook")).text
    except InputError:
        return ""
