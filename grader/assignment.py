"""Assignments: which questions and code functions are graded, for how many points.

An assignment is a TOML file (format in the product contract) or a built-in name
(``nn-quiz``, ``nn-code``) whose file ships in ``exercises/assignments/``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from exercises.base import Tolerance
from grader.errors import InputError


@dataclass(frozen=True)
class Question:
    """One ``[[question]]``: an exercise variant worth ``points``.

    ``part_points`` overrides the even split of ``points`` among the parts; ``rounding`` is
    the K of "students may round intermediate values to K places".
    """

    id: str
    exercise: str
    points: float
    tolerance: Tolerance | None = None
    rounding: int | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    part_points: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class CodeTask:
    """One ``[[code]]``: a function of the student code API worth ``points``."""

    function: str
    points: float
    forbid: tuple[str, ...] = ()  # modules the submission may not import for this function


@dataclass(frozen=True)
class Grading:
    """Marking policy: the fraction of a part's points each kind of near-miss earns."""

    follow_through: float = 1.0  # right from the student's own wrong earlier answers
    misconception: float = 0.0  # wrong in a way a known mistake explains
    matrix_partial: bool = False  # matrix parts earn the fraction of elements right
    code_partial: bool = False  # a code function earns the fraction of its tests it passes
    practice: bool = True  # `grader check` of a sheet may say right or wrong per part
    shape_strict: bool = True  # False: a code result of a squeezable shape ((N, 1) for (N,)) passes


@dataclass(frozen=True)
class Assignment:
    name: str
    title: str
    questions: tuple[Question, ...] = ()
    code: tuple[CodeTask, ...] = ()
    grading: Grading = Grading()
    forbid: tuple[str, ...] = ()  # modules no function may import
    source: str = ""

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.questions) + sum(c.points for c in self.code)

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


BUILTIN = ("nn-quiz", "nn-code")


def load_assignment(ref: str | Path) -> Assignment:
    """A built-in assignment by name, or an assignment file by path."""
    source, text = _read(ref)
    return parse_assignment(text, source)


def assignment_text(ref: str | Path) -> str:
    """The TOML text of a built-in assignment or of an assignment file (to ship or record)."""
    return _read(ref)[1]


def _read(ref: str | Path) -> tuple[str, str]:
    """Where an assignment comes from, as messages name it, and its text."""
    if isinstance(ref, str) and ref in BUILTIN:
        text = (resources.files("exercises") / "assignments" / f"{ref}.toml").read_text("utf-8")
        return f"built-in assignment {ref}", text
    path = Path(ref)
    if not path.is_file():
        hint = f" (built-in assignments: {', '.join(BUILTIN)})" if path.suffix == "" else ""
        raise InputError(path, f"no such assignment file{hint}")
    try:
        return str(path), path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read: {exc}") from None


def parse_assignment(text: str, source: str = "<assignment>") -> Assignment:
    """Parse and validate an assignment's TOML text; errors name the file and the problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(source, f"not valid TOML: {exc}") from None
    try:
        return _build(data, source)
    except (ValueError, TypeError, KeyError) as exc:
        # a KeyError's str() is the key's repr; other messages keep their closing quotes
        reason = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        raise InputError(source, reason) from None


MAX_POINTS = 1e6


def _number(where: str, value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 <= value <= MAX_POINTS  # also refuses nan
    ):
        raise ValueError(
            f"{where}: points must be a number from 0 to {MAX_POINTS:g}, got {value!r}"
        )
    return float(value)


def _strings(where: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: forbid must be a list of module names")
    return tuple(value)


RESERVED_IDS = frozenset({"student", "assignment"})  # top-level keys of an answer sheet
T = TypeVar("T")


def _build(data: dict[str, Any], source: str) -> Assignment:
    known_top = {"name", "title", "question", "code", "grading", "forbid"}
    unknown = set(data) - known_top
    if unknown:
        raise ValueError(f"unknown top-level key {sorted(unknown)[0]!r}")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("the assignment needs a `name`")
    title = data.get("title", name)
    questions: list[Question] = []
    seen: set[str] = set()
    for i, q in enumerate(data.get("question", [])):
        where = f"question {i + 1}"
        if not isinstance(q, dict):
            raise ValueError(f"{where}: must be a table")
        qid = q.get("id")
        if not isinstance(qid, str) or not qid.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"{where}: `id` must be a name of letters, digits, - or _")
        where = f"question {qid!r}"
        if qid in RESERVED_IDS or qid.startswith("_"):
            raise ValueError(
                f"{where}: the id is reserved by the answer sheet (student, assignment and "
                "names starting with _); choose another"
            )
        if qid in seen:
            raise ValueError(f"{where}: the id is used twice")
        seen.add(qid)
        exercise = q.get("exercise")
        from grader.topics import catalogue  # only an assignment with questions loads them

        if exercise not in catalogue():
            raise ValueError(
                f"{where}: unknown exercise {exercise!r}; known: {', '.join(catalogue())}"
            )
        extra = set(q) - {
            "id",
            "exercise",
            "points",
            "tolerance",
            "rounding",
            "params",
            "part_points",
        }
        if extra:
            raise ValueError(f"{where}: unknown key {sorted(extra)[0]!r}")
        tol = q.get("tolerance")
        rounding = _with_where(where, question_rounding, q.get("rounding"))
        params = q.get("params", {})
        if not isinstance(params, dict):
            raise ValueError(f"{where}: params must be a table")
        part_points = q.get("part_points", {})
        if not isinstance(part_points, dict):
            raise ValueError(f"{where}: part_points must be a table")
        questions.append(
            Question(
                id=qid,
                exercise=exercise,
                points=_number(where, q.get("points", 1)),
                tolerance=_with_where(where, question_tolerance, tol),
                rounding=rounding,
                params=params,
                part_points={k: _number(where, v) for k, v in part_points.items()},
            )
        )
    code: list[CodeTask] = []
    for i, c in enumerate(data.get("code", [])):
        fn = c.get("function") if isinstance(c, dict) else None
        from grader.topics import code_functions  # only an assignment with code loads them

        api = code_functions()
        if not isinstance(fn, str) or fn not in api:
            raise ValueError(f"code {i + 1}: unknown function {fn!r}; known: {', '.join(api)}")
        if any(t.function == fn for t in code):
            raise ValueError(f"code {fn!r}: listed twice")
        code.append(
            CodeTask(
                fn,
                _number(f"code {fn!r}", c.get("points", 1)),
                _strings(f"code {fn!r}", c.get("forbid", [])),
            )
        )
    g = data.get("grading", {})
    if not isinstance(g, dict):
        raise ValueError("`grading` must be a table")
    known = {
        "follow_through",
        "misconception",
        "matrix_partial",
        "code_partial",
        "practice",
        "shape_strict",
    }
    extra = set(g) - known
    if extra:
        raise ValueError(f"grading: unknown key {sorted(extra)[0]!r}")
    grading = Grading(
        follow_through=_fraction("grading.follow_through", g.get("follow_through", 1.0)),
        misconception=_fraction("grading.misconception", g.get("misconception", 0.0)),
        matrix_partial=bool(g.get("matrix_partial", False)),
        code_partial=bool(g.get("code_partial", False)),
        practice=bool(g.get("practice", True)),
        shape_strict=bool(g.get("shape_strict", True)),
    )
    if not questions and not code:
        raise ValueError("the assignment has no [[question]] and no [[code]] table")
    return Assignment(
        name=name,
        title=str(title),
        questions=tuple(questions),
        code=tuple(code),
        grading=grading,
        forbid=_strings("forbid", data.get("forbid", [])),
        source=source,
    )


def question_tolerance(value: Any) -> Tolerance | None:
    """A question's ``tolerance`` table: one of decimals, sigfigs, or rtol and/or atol."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(
            "tolerance must be a table such as { rtol = 0.01 }, { decimals = 1 } "
            f"or {{ sigfigs = 3 }}, got {value!r}"
        )
    return Tolerance.from_mapping(value)


def question_rounding(value: Any) -> int | None:
    """A question's ``rounding``: the places of hand-rounded intermediates, 0 to 10."""
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10
    ):
        raise ValueError("rounding must be a whole number of places, 0 to 10")
    return value


def _with_where(where: str, read: Callable[[Any], T], value: Any) -> T:
    """``read(value)``, its ValueError prefixed with ``where``."""
    try:
        return read(value)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _fraction(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{where} must be a fraction from 0 to 1, got {value!r}")
    return float(value)
