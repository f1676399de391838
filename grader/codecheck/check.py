"""Check a student's code file: run every function's cases in the sandbox, then judge.

:func:`check_file` is ``grader check file.py`` (public cases, ``seed=None``) and the code part
of batch grading (hidden cases from a per-student seed, one warm server shared by threads).
"""

from __future__ import annotations

import dataclasses
import difflib
import io
import keyword
import re
import tokenize
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from exercises.misconceptions import INPUTS_NOT_ARRAYS
from grader import topics
from grader.assignment import Assignment, CodeTask, load_assignment
from grader.codecheck.cases import Case, build_cases
from grader.codecheck.compare import compare
from grader.codecheck.diagnose import (
    Probe,
    error_mistakes,
    hints,
    name_mistakes,
    plan_probe,
    read_probe,
)
from grader.codecheck.suggest import with_suggestion
from grader.errors import InputError, UsageError
from grader.results import Report, TestResult, load_error_extra
from grader.sandbox import (
    Call,
    CallError,
    Job,
    Limits,
    RunOutcome,
    SandboxServer,
    Unit,
    UnitOutcome,
)

if TYPE_CHECKING:  # a notebook's reader is imported only when a notebook is checked
    from grader.notebook.source import Program

Place = Callable[[int | None], str | None]  # a line of the code run -> where the student sees it

DEFAULT_TIMEOUT = Limits.timeout  # seconds per call, as the sandbox's own default
SHOWN_FAILURES = 3
PRINTED_SHOWN = 2000


@dataclass(frozen=True)
class FunctionCheck:
    """The verdict on one function before it becomes a :class:`TestResult`."""

    function: str
    passed: int
    total: int
    attempted: bool
    lines: tuple[str, ...]
    tags: tuple[str, ...] = ()
    wrong: tuple[int, ...] = ()  # indexes of the cases that returned a wrong value
    findings: Findings | None = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return self.attempted and self.passed == self.total


def check_file(
    path: str | Path,
    assignment: Assignment | str | Path = "nn-code",
    *,
    seed: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    server: SandboxServer | None = None,
    program: Program | None = None,
) -> Report:
    """Run the assignment's code tests on the file at ``path`` and return the report.

    Parameters
    ----------
    path : the student's ``.py`` file or ``.ipynb`` notebook (its code cells are run).
    assignment : an :class:`Assignment`, a built-in name or an assignment file.
    seed : None for the public tests; an int for hidden tests derived from it.
    timeout : wall-clock seconds allowed for each call (and for loading the file).
    server : a running :class:`SandboxServer` to share; None starts one for this check.
    program : code already read from a notebook (the in-notebook check); ``path`` names it.

    Raises
    ------
    InputError : the file is missing or unreadable, or not a valid notebook.
    UsageError : the assignment has no code to check.
    """
    path = Path(path)
    own = server is None
    if own:
        server = SandboxServer(Limits(timeout=timeout)).start()  # warms up while we plan
    assert server is not None
    try:
        if not isinstance(assignment, Assignment):
            assignment = load_assignment(assignment)
        tasks = assignment.code
        if not tasks:
            raise UsageError(f"assignment {assignment.name!r} has no code functions to check")
        if program is None and not path.is_file():
            raise InputError(path, "no such file")
        if program is None and not _readable(path):
            raise InputError(path, "cannot read the file")
        if program is None and path.suffix.lower() == ".ipynb":
            from grader.notebook.source import read_program

            program = read_program(path, 4 * server.limits.source)  # outputs are read too
        cases = {t.function: build_cases(t.function, seed) for t in tasks}
        refuse = {m for t in tasks for m in t.forbid}  # per function: fails where used
        job = Job(
            path,
            tuple(Unit(t.function, tuple(_call(c) for c in cases[t.function])) for t in tasks),
            forbid=tuple(sorted(assignment.forbid)),
            refuse=tuple(sorted(refuse)),
            source=program.text.encode() if program is not None else None,
        )
        if program is None:
            run, fallback = server.run(job, timeout=timeout), None
            source, place = _source(path, 1 << 20), _line_place
        else:
            from grader.notebook.run import run_program

            run, job, fallback = run_program(server, job, program, timeout)
            source, place = program.text, program.place
        if run.load_error is not None:
            return load_failure(path, tasks, run, source, program)
        strict = assignment.grading.shape_strict
        checks = {
            u.function: _judge(u, cases[u.function], strict, source, place) for u in run.units
        }
        _retry_with_arrays(server, job, cases, checks, timeout, strict)
        missing = [fn for fn, c in checks.items() if not c.attempted and c.lines[0] == MISSING]
        if missing:
            defined = defined_names(path, text=source)
            for fn in missing:
                if program is not None and fn in program.broken:
                    broken = f"not run: {program.broken[fn]}, and it is defined there"
                    checks[fn] = dataclasses.replace(checks[fn], lines=(broken,))
                elif hint := _did_you_mean(fn, defined):
                    checks[fn] = dataclasses.replace(checks[fn], lines=(MISSING, hint))
        _point_to_failing_callees(path, checks, source)
        notes = _probe_notes(server, job, run, cases, checks, timeout)
        partial = assignment.grading.code_partial
        results = tuple(
            _result(t, checks[t.function], notes.get(t.function), partial) for t in tasks
        )
        return Report(results, _output(run, path, program, fallback))
    finally:
        if own:
            server.close()


MISSING = "not attempted: not defined in your file"


def _line_place(line: int | None) -> str | None:
    return f"line {line}" if line else None


def _output(run: RunOutcome, path: Path, program: Program | None, note: str | None) -> str:
    """What the report says besides the tests: the notebook's notes, then what was printed."""
    printed = _printed(run)
    if program is None:
        return printed
    printed = program.relabel(printed, path.name)
    parts = [*program.notes, *([note] if note else []), printed]
    return "\n".join(p for p in parts if p)


_DEF = re.compile(r"^def[ \t]+([A-Za-z_]\w*)", re.MULTILINE)


def _source(path: Path, limit: int) -> str:
    """The first ``limit`` bytes of a file as text ("" when unreadable): read, never run."""
    try:
        with path.open("rb") as fh:
            return fh.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return ""


def defined_names(path: Path, limit: int = 1 << 20, *, text: str | None = None) -> list[str]:
    """The names of the functions a file (or ``text``, a notebook's code) defines at its top
    level (read as text, never run)."""
    return list(dict.fromkeys(_DEF.findall(_source(path, limit) if text is None else text)))


_NOT_CODE = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}


def called_functions(
    path: Path, limit: int = 1 << 20, *, text: str | None = None
) -> dict[str, set[str]]:
    """For each function the file defines at its top level, the names it calls (``name(`` in
    its body, methods, strings and comments aside). The file is read as tokens, never run; a
    later definition replaces an earlier one, as when Python runs the file."""
    text = _source(path, limit) if text is None else text
    calls: dict[str, set[str]] = {}
    current: str | None = None
    last: list[str] = ["", ""]  # the last two tokens of code
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in _NOT_CODE or tok.type == tokenize.ENDMARKER:
                continue
            if tok.start[1] == 0:  # a top-level statement ends the function before it
                current = "def" if tok.string == "def" else None
            elif current == "def":  # the name after a top-level def
                current = tok.string
                calls[current] = set()
            elif current and tok.string == "(" and last[0] not in (".", "def") and _name(last[1]):
                calls[current].add(last[1])
            last = [last[1], tok.string]
    except (tokenize.TokenError, SyntaxError, ValueError):  # unfinished text: what was read
        pass
    return calls


def _name(token: str) -> bool:
    return token.isidentifier() and not keyword.iskeyword(token)


def _reaches(calls: dict[str, set[str]], start: str) -> set[str]:
    """Every function of the file ``start`` calls, directly or through its other functions."""
    seen: set[str] = set()
    todo = list(calls.get(start, ()))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(calls.get(name, ()))
    return seen


def _has_list_data(value: Any) -> bool:
    """Whether an input holds numbers in Python lists (where an array could stand)."""
    if isinstance(value, list):
        return _numeric_nest(value) or any(_has_list_data(v) for v in value)
    if isinstance(value, tuple):
        return any(_has_list_data(v) for v in value)
    if isinstance(value, dict):
        return any(_has_list_data(v) for v in value.values())
    return False


def _numeric_nest(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and all(_numeric_nest(v) for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_arrays(value: Any) -> Any:
    """An input with its lists of numbers made NumPy arrays (a list of matrices stays a list)."""
    if isinstance(value, list):
        if _numeric_nest(value):
            try:
                return np.asarray(value, dtype=np.float64)
            except ValueError:  # ragged
                pass
        return [_as_arrays(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_as_arrays(v) for v in value)
    if isinstance(value, dict):
        return {k: _as_arrays(v) for k, v in value.items()}
    return value


def _retry_with_arrays(
    server: SandboxServer,
    job: Job,
    cases: dict[str, tuple[Case, ...]],
    checks: dict[str, FunctionCheck],
    timeout: float,
    strict: bool,
) -> None:
    """Name ``inputs-not-arrays`` where a function fails only on inputs given as lists, and
    passes on the same inputs given as arrays (one more sandbox run, for those calls only)."""
    retry: dict[str, tuple[int, ...]] = {}
    for fn, check in checks.items():
        found = check.findings
        if found is None or not found.failed:
            continue
        on_lists = {j for j, case in enumerate(cases[fn]) if _has_list_data(case.args)}
        if set(found.failed) <= on_lists and len(on_lists) < len(cases[fn]):
            retry[fn] = found.failed
    if not retry:
        return
    units = tuple(
        Unit(fn, tuple(Call(_as_arrays(cases[fn][j].args), dict(cases[fn][j].kwargs)) for j in js))
        for fn, js in retry.items()
    )
    try:
        outcome = server.run(dataclasses.replace(job, units=units), timeout=timeout)
    except Exception:  # a diagnosis is a bonus: never let it sink the check
        return
    for unit in outcome.units:
        js = retry.get(unit.function, ())
        if unit.state != "ok" or len(unit.results) != len(js):
            continue
        names = topics.code_function(unit.function).returns
        right = all(
            r.error is None
            and compare(r.value, c.expected, c.either, names=names, strict=strict).ok
            for r, c in zip(unit.results, (cases[unit.function][j] for j in js), strict=True)
        )
        check = checks[unit.function]
        if right and check.findings is not None:
            tags, head = _explain(unit.function, check.findings, (LISTS,))
            lines = (*head, *check.findings.details)
            checks[unit.function] = dataclasses.replace(check, lines=lines, tags=tags)


LISTS = INPUTS_NOT_ARRAYS


def _point_to_failing_callees(path: Path, checks: dict[str, FunctionCheck], text: str) -> None:
    """Tell each failing function that calls another failing one of the student's so, when
    fixing those would fix it: unless it makes a mistake of its own that they do not (an
    activation ignored is not cured by a right sigmoid)."""
    failing = {fn for fn, c in checks.items() if c.attempted and not c.ok}
    if len(failing) < 2:
        return
    try:
        calls = called_functions(path, text=text)
    except Exception:  # a hint is a bonus: never let it sink the check
        return
    for fn in sorted(failing):
        callees = sorted((_reaches(calls, fn) & failing) - {fn})
        theirs = {t for c in callees for t in checks[c].tags}
        if callees and set(checks[fn].tags) <= theirs:
            which = ", ".join(f"`{c}`" for c in callees)
            hint = (
                f"Hint: it calls your {which}, which {'fails' if len(callees) == 1 else 'fail'} "
                "its own tests: fix that first, and this one may pass too."
            )
            checks[fn] = dataclasses.replace(checks[fn], lines=(hint, *checks[fn].lines))


def _did_you_mean(function: str, defined: Sequence[str]) -> str:
    """Advice when the file defines a near miss of ``function`` (``Sigmoid``), else ``""``."""
    api = set(topics.code_functions())  # another function of the API is no misspelling
    near = [d for d in defined if d.lower() == function.lower() and d not in api]
    near = near or difflib.get_close_matches(
        function, [d for d in defined if d not in api], n=1, cutoff=0.8
    )
    if not near:
        return ""
    return f"your file defines `{near[0]}`: the name must be exactly `{function}`"


def _readable(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            fh.read(1)
    except OSError:
        return False
    return True


def _call(case: Case) -> Call:
    return Call(case.args, case.kwargs)


def _printed(run: RunOutcome) -> str:
    text = (run.stdout + run.stderr).strip()
    if not text:
        return ""
    if len(text) > PRINTED_SHOWN:
        text = text[:PRINTED_SHOWN] + " ..."
    return f"Your code printed:\n{text}"


NOT_LOADED = "not run (the file did not load)"
LOAD_TIMEOUT_HINT = (
    "Hint: code outside your functions runs when the file is loaded: a loop, a test or a "
    "call at the top level of the file runs then, and must finish (put it under "
    '`if __name__ == "__main__":` or remove it).'
)
NOTEBOOK_TIMEOUT_HINT = (
    "Hint: code outside your functions runs when the notebook is checked: a loop, a plot or a "
    "call in a cell (a default argument of a definition too) runs then, and must finish (move "
    "it into a function, or remove it)."
)


def not_loaded(tasks: Sequence[CodeTask], source: str) -> tuple[TestResult, ...]:
    """Every function of a file that did not load: those its text defines not run, the
    others not attempted (read as text, never run)."""
    defined = set(_DEF.findall(source))
    return tuple(
        TestResult(t.function, 0.0, t.points, NOT_LOADED)
        if t.function in defined
        else TestResult(t.function, 0.0, t.points, MISSING, attempted=False)
        for t in tasks
    )


def load_failure_reason(
    path: Path, run: RunOutcome, source: str = "", program: Program | None = None
) -> str:
    """Why the file did not load, in the lines shown above its functions: the file, line and
    error (with Python's "Did you mean ...?" for a NameError), and for a timeout what runs
    while a file loads."""
    err = run.load_error
    assert err is not None
    where = f"{path}:{err.line}" if err.line else str(path)
    if program is not None:  # a notebook: its cell and line, as the student sees them
        spot = program.place(err.line)
        where = f"{path}, {spot}" if spot else str(path)
    message = f"{where}: {with_suggestion(err.message, source)}"
    if err.kind == "timeout":
        message += "\n" + (LOAD_TIMEOUT_HINT if program is None else NOTEBOOK_TIMEOUT_HINT)
    return message


def load_failure(
    path: Path,
    tasks: Sequence[CodeTask],
    run: RunOutcome,
    source: str = "",
    program: Program | None = None,
) -> Report:
    """The report on a file that did not load: the reason on top, every function not run."""
    message = load_failure_reason(path, run, source, program)
    printed = _output(run, path, program, None)
    output = message + (f"\n{printed}" if printed else "")
    return Report(not_loaded(tasks, source), output, load_error_extra(message))


def _error_text(err: CallError, source: str, place: Place) -> str:
    """A call's error as shown: its message (with Python's "Did you mean ...?" for a
    NameError), then where it was raised."""
    where = place(err.line)
    return with_suggestion(err.message, source) + (f" ({where})" if where else "")


@dataclass(frozen=True)
class Findings:
    """What the calls of one failing function showed, before it is explained."""

    failures: tuple[tuple[Case, Any], ...]  # wrong values, with their cases
    kinds: frozenset[str]  # how they were wrong: "type", "shape", "finite", "values"
    errors: tuple[str, ...]  # messages of the calls that raised
    failed: tuple[int, ...]  # indexes of every failing case (wrong or raised)
    seen: dict[str, set[int]]  # mistakes the comparison recognised, by index in failures
    details: tuple[str, ...]  # one line per failing call


def _judge(
    unit: UnitOutcome, cases: Sequence[Case], strict: bool, source: str, place: Place
) -> FunctionCheck:
    fn = unit.function
    total = len(cases)
    if unit.state == "missing":
        return FunctionCheck(fn, 0, total, False, (MISSING,))
    if unit.state == "not_callable":
        return FunctionCheck(fn, 0, total, True, (f"{fn} is defined but is not a function",))
    if unit.state == "not_run":
        return FunctionCheck(fn, 0, total, True, ("not run: an earlier test stopped the process",))
    results = list(unit.results)
    if results and all(r.error is not None and r.error.kind == "not_implemented" for r in results):
        return FunctionCheck(fn, 0, total, False, ("not attempted: raises NotImplementedError",))
    passed = 0
    failures: list[tuple[Case, Any]] = []  # wrong values
    wrong: list[int] = []  # their indexes
    failed: list[int] = []
    lines: list[str] = []
    kinds: set[str] = set()
    errors: list[str] = []  # messages of the calls that raised
    seen: dict[str, set[int]] = {}
    names = topics.code_function(fn).returns
    for j, case in enumerate(cases):
        result = results[j] if j < len(results) else None
        if result is None:
            if j == len(results):
                lines.append(f"{fn}({case.label}): not run (an earlier call stopped the process)")
            failed.append(j)
            continue
        if result.error is not None:
            lines.append(f"{fn}({case.label}): {_error_text(result.error, source, place)}")
            errors.append(result.error.message)
            failed.append(j)
            continue
        verdict = compare(result.value, case.expected, case.either, names=names, strict=strict)
        if verdict.ok:
            passed += 1
            continue
        kinds.add(verdict.kind)
        if verdict.tag:
            seen.setdefault(verdict.tag, set()).add(len(failures))
        failures.append((case, result.value))
        wrong.append(j)
        failed.append(j)
        lines.append(f"{fn}({case.label}): {verdict.message}")
    if passed == total:
        return FunctionCheck(fn, passed, total, True, ())
    found = Findings(
        tuple(failures), frozenset(kinds), tuple(errors), tuple(failed), seen, tuple(lines)
    )
    tags, head = _explain(fn, found)
    return FunctionCheck(
        fn, passed, total, True, (*head, *lines), tags, tuple(wrong), findings=found
    )


def _explain(
    fn: str, found: Findings, known: Sequence[str] = ()
) -> tuple[tuple[str, ...], list[str]]:
    """The mistakes a function's findings name (``known``: recognised by a further run), and
    the lines that say so: "Likely mistake: ..." and "Hint: ..."."""
    tags = list(known)
    tags += [t for t in name_mistakes(found.failures, found.seen) if t not in tags]
    tags += [t for t in error_mistakes(fn, found.errors, len(found.failed)) if t not in tags]
    named = topics.misconceptions()
    head = [f"Likely mistake: {named[t].text}" for t in tags if t in named]
    head += [f"Hint: {h}" for h in hints(fn, found.failures, set(found.kinds), found.errors, tags)]
    return tuple(tags), head


def _probe_notes(
    server: SandboxServer,
    job: Job,
    run: RunOutcome,
    cases: dict[str, tuple[Case, ...]],
    checks: dict[str, FunctionCheck],
    timeout: float,
) -> dict[str, str]:
    """Finite-difference notes for failing gradient functions (one more sandbox run)."""
    units = {u.function: u for u in run.units}
    probes: list[Probe] = []
    for fn in topics.code_functions():
        forward = topics.code_function(fn).forward
        if forward is None:
            continue
        check = checks.get(fn)
        fwd_unit = units.get(forward)
        if check is None or check.ok or not check.attempted or fwd_unit is None:
            continue
        if fwd_unit.state != "ok":
            continue
        unit = units[fn]
        for j in check.wrong:  # the cases _judge found a wrong value for
            probe = plan_probe(fn, cases[fn][j], unit.results[j].value)
            if probe is not None:
                probes.append(probe)
                break
    if not probes:
        return {}
    probe_units = tuple(Unit(p.forward, p.calls) for p in probes)
    probe_job = dataclasses.replace(job, units=probe_units)
    try:
        outcome = server.run(probe_job, timeout=timeout)
    except Exception:  # a diagnosis is a bonus: never let it sink the check
        return {}
    notes: dict[str, str] = {}
    for probe, unit in zip(probes, outcome.units, strict=False):
        if unit.state != "ok" or any(not r.ok for r in unit.results):
            continue
        note = read_probe(probe, [r.value for r in unit.results], checks[probe.forward].ok)
        if note:
            notes[probe.function] = note
    return notes


def _result(
    task: CodeTask, check: FunctionCheck, note: str | None, partial: bool = False
) -> TestResult:
    if not check.attempted:
        return TestResult(
            task.function, 0.0, task.points, "\n".join(check.lines), check.tags, attempted=False
        )
    if check.ok:
        n = check.total
        return TestResult(task.function, task.points, task.points, f"passed all {n} tests")
    lines = [f"failed {check.total - check.passed} of {check.total} tests"]
    shown = [ln for ln in check.lines if ln.startswith(("Likely mistake:", "Hint:"))]
    details = [ln for ln in check.lines if ln not in shown]
    lines += shown
    if note and not check.tags:  # a named mistake already says where the error is
        lines.append(note)
    lines += details[:SHOWN_FAILURES]
    if len(details) > SHOWN_FAILURES:
        lines.append(f"... and {len(details) - SHOWN_FAILURES} more")
    score = 0.0
    if partial and check.total:  # the assignment gives credit for each test passed
        score = round(task.points * check.passed / check.total, 2)
        lines.insert(1, f"earns {score:g} of {task.points:g} points for the tests it passes")
    return TestResult(task.function, score, task.points, "\n".join(lines), check.tags)
