"""Problems, worked solutions, problem sets and answer sheets as text, Markdown, HTML or LaTeX.

Every text comes from a jinja2 template in ``templates/problems/`` (``StrictUndefined``). This
module prepares plain view data: prose, and mathematics already printed for the format (plain
text, LaTeX for Markdown and LaTeX, presentation MathML for HTML, so that a browser shows it
offline with no script).
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace as NS  # noqa: N814
from typing import Any

import jinja2
from markupsafe import Markup

from exercises.base import Kind, Part, Problem, Tolerance, places_text, to_json
from grader import pictures
from grader.templating import template_environment
from grader.topics import catalogue, pictures_of

FORMATS = ("text", "md", "html", "tex")
MATH = {"text": "text", "md": "tex", "html": "mathml", "tex": "tex"}
PICTURE_FORMATS = ("html", "tex")  # inline SVG, TikZ; text and Markdown have none


@dataclass(frozen=True)
class Item:
    """One question of a set: its id, points and problem."""

    qid: str
    points: float
    problem: Problem
    tolerance: Tolerance | None = None  # the question's own, where the assignment sets one


@cache
def environment() -> jinja2.Environment:
    """The template environment (compiled templates are cached by jinja2)."""
    env = template_environment("problems")
    from exercises.prose import tex

    env.filters["tex"] = tex  # sentences with formulas typeset, plain words escaped
    env.filters["toml"] = toml_value
    env.filters["points"] = _points
    env.filters["places"] = places_text
    return env


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return fmt


def _points(value: float) -> str:
    return f"{value:g} point" + ("" if value == 1 else "s")


# --- view data --------------------------------------------------------------------------


def pictures_view(fmt: str, drawn: Sequence[pictures.Picture]) -> list[NS]:
    """Pictures as the format draws them: ``svg`` markup for HTML, ``tikz`` for LaTeX."""
    if fmt == "html":
        return [NS(svg=Markup(pictures.svg(p.drawing)), caption=p.caption) for p in drawn]
    if fmt == "tex":
        return [NS(tikz=pictures.tikz(p.drawing), caption=p.caption) for p in drawn]
    return []


def _pictured(fmt: str, problems: Iterable[Problem]) -> bool:
    """Whether a document of ``problems`` in ``fmt`` draws pictures (and loads what they need)."""
    return fmt in PICTURE_FORMATS and any(pictures_of(p.exercise) for p in problems)


def _math(fmt: str, body: str) -> Any:
    """Printed mathematics; HTML gets it as markup (it was built from escaped pieces)."""
    return Markup(body) if fmt == "html" else body


def tolerance_text(part: Part) -> str:
    t: Tolerance = part.tolerance
    if part.kind in (Kind.INTEGER, Kind.CHOICE, Kind.EXPRESSION):
        return "exact"
    if t.decimals is None and t.sigfigs is None and t.rtol == 0 and t.atol <= 1e-9:
        return "exact"
    return t.describe()


FORM = {
    Kind.NUMBER: "a number",
    Kind.INTEGER: "a whole number",
    Kind.MATRIX: 'a matrix, rows separated by ";", e.g. "1 2; 3 4"',
    Kind.EXPRESSION: "an expression in a, beta, s, sigma(...), exp(...)",
    Kind.CHOICE: "a letter",
}


def form_text(part: Part) -> str:
    if part.kind is Kind.CHOICE and part.choices:
        return "a letter, " + " to ".join(("A", "ABCDEFGHIJ"[len(part.choices) - 1]))
    if part.kind is Kind.MATRIX and part.id == "predicted_class":
        return 'a row of class numbers, e.g. "0 2 1"'
    if part.kind is Kind.MATRIX and part.id.startswith("shape"):
        return 'a shape, e.g. "26 26 32" or "(26, 26, 32)"'
    return FORM[part.kind]


def problem_view(problem: Problem, fmt: str) -> Any:
    """What a problem template needs, with mathematics and pictures drawn for ``fmt``."""
    return _with_pictures(_problem_math(problem, fmt), fmt, _statement_pictures(problem, fmt))


def _statement_pictures(problem: Problem, fmt: str) -> list[NS]:
    """The statement's pictures, drawn for ``fmt`` (none for a format without pictures)."""
    drawn = pictures_of(problem.exercise)
    if drawn is None or fmt not in PICTURE_FORMATS:
        return []
    return pictures_view(fmt, drawn.statement(problem.params))


def _solution_pictures(problem: Problem, fmt: str) -> list[NS]:
    """The worked solution's pictures, drawn for ``fmt``."""
    drawn = pictures_of(problem.exercise)
    if drawn is None or fmt not in PICTURE_FORMATS:
        return []
    return pictures_view(fmt, drawn.solution(problem.params))


def _with_pictures(view: Any, fmt: str, drawn: list[NS]) -> Any:
    return NS(**{**vars(view), "pictures": drawn})


def _problem_math(problem: Problem, fmt: str) -> Any:
    """A problem's view data but its pictures (shared by the formats that print maths alike)."""
    from exercises.solutions import notation as n

    mf = MATH[_check_format(fmt)]
    exercise = catalogue()[problem.exercise]
    statement = exercise.statement(problem.params)  # type: ignore[attr-defined]
    givens = [
        NS(
            **{
                "symbol": _math(fmt, n.symbol(g.name, mf)),
                "value": _math(
                    fmt,
                    n.value(g.value, mf) if not isinstance(g.value, str) else n.text(g.value, mf),
                ),
                "note": g.note,
                "matrix": not isinstance(g.value, (int, float)),
            }
        )
        for g in statement.givens
    ]
    parts = [
        NS(
            **{
                "id": p.id,
                "label": p.label,
                "kind": p.kind.value,
                "form": form_text(p),
                "tolerance": tolerance_text(p),
                "choices": [NS(letter="ABCDEFGHIJ"[i], text=c) for i, c in enumerate(p.choices)],
            }
        )
        for p in problem.parts
    ]
    rounding = problem.hand_rounding
    return NS(
        exercise=problem.exercise,
        title=exercise.title,
        intro=statement.intro,
        givens=givens,
        ask=statement.ask,
        parts=parts,
        notes=list(problem.notes),
        rounding=rounding,
    )


def solution_view(
    problem: Problem, fmt: str, rounding: int | None = None, solution: Any = None
) -> Any:
    """The worked solution's steps and pictures, printed for ``fmt`` (``solution``: already
    worked)."""
    steps = _solution_math(problem, fmt, rounding, solution)
    return _with_pictures(steps, fmt, _solution_pictures(problem, fmt))


def _solution_math(
    problem: Problem, fmt: str, rounding: int | None = None, solution: Any = None
) -> Any:
    from exercises.solutions import notation as n
    from grader.topics import worked_solution

    mf = MATH[_check_format(fmt)]
    if solution is None:
        solution = worked_solution(problem, rounding)
    labels = {p.id: p.label for p in problem.parts}
    steps = []
    for s in solution.steps:
        lhs = n.symbolic(s.lhs, mf)
        terms = _once_each(t.show(mf) for t in s.terms)
        steps.append(
            NS(
                lhs=_math(fmt, lhs),
                terms=terms if mf != "mathml" else [],
                rows=_math(fmt, n.aligned_rows(lhs, terms)) if mf == "mathml" else "",
                pad=" " * len(lhs) if mf == "text" else "",
                part=s.part,
                label=labels.get(s.part, "") if s.part else "",
                note=s.note,
            )
        )
    return NS(steps=steps, rounding=rounding)


def _once_each(shown: Iterable[str]) -> list[str]:
    """Printed terms, one that repeats the term before it left out (a substitution that is
    already the value is printed once)."""
    out: list[str] = []
    for term in shown:
        if not out or out[-1] != term:
            out.append(term)
    return out


NUMERIC = ("substituted", "value")


def _numbers_of(step: Any, mf: str) -> list[str]:
    """The printed terms of ``step`` that carry numbers (its formulas left out), a repeated
    one once."""
    return _once_each(t.show(mf) for t in step.terms if t.kind in NUMERIC)


def hand_view(fmt: str, exact: Any, hand: Any) -> Any:
    """The steps whose numbers change when worked by hand: the hand working's numbers, beside
    the exact value they replace.

    The formulas are the exact working's (shown above it); a step whose numbers print alike
    both ways, or that has no numbers (a derivation), is left out.
    """
    from exercises.solutions import notation as n

    mf = MATH[_check_format(fmt)]
    rows = []
    for e, h in zip(exact.steps, hand.steps, strict=False):
        lhs = n.symbolic(h.lhs, mf)
        if lhs != n.symbolic(e.lhs, mf):  # the two workings part ways: compare no further
            break
        exact_terms, hand_terms = _numbers_of(e, mf), _numbers_of(h, mf)
        if not hand_terms or hand_terms == exact_terms:
            continue
        rows.append(
            NS(
                exact=_math(fmt, exact_terms[-1] if exact_terms else ""),
                hand=_math(fmt, n.join_chain([lhs, *hand_terms], mf)),
                part=h.part,
            )
        )
    return NS(rows=rows, rounding=hand.rounding)


def fingerprint(problem: Problem) -> str:
    """What rendering ``problem`` depends on, as one string: equal for equal problems, whoever
    they belong to.

    A problem is built from its parameters alone (``Exercise.build``); a question may then set
    its tolerance and hand rounding. Students given the same variant (a pinned textbook
    example, a concept question with the same order of options) share its rendered text.
    """
    tolerances = [repr(p.tolerance) for p in problem.parts]
    return json.dumps(
        [problem.exercise, problem.hand_rounding, tolerances, to_json(problem.params)],
        ensure_ascii=False,
    )


class _LRU:
    """A bounded map that forgets what was used least recently."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        try:
            self.data.move_to_end(key)
            return self.data[key]
        except KeyError:
            value = self.data[key] = make()
            if len(self.data) > self.size:
                self.data.popitem(last=False)
            return value

    def clear(self) -> None:
        self.data.clear()


# Rendered text of the problems seen lately, shared by every ``Views`` of the process: a
# roster's pinned and repeated variants are worked and typeset once. Only strings are kept.
SHARED = _LRU(1024)


class Views:
    """Problem statements and worked solutions, viewed and rendered once per format.

    Markdown and LaTeX share their mathematics (LaTeX), so a set rendered in md, html and tex
    prints each formula twice, not six times; equal problems share their rendered text (see
    :data:`SHARED`). Problems are recognised by identity within one ``Views``: use one for a
    batch of problems that stay alive while it is in use.
    """

    def __init__(self) -> None:
        self._fingerprints: dict[int, str] = {}
        self._cache: dict[tuple[Any, ...], Any] = {}

    def _key(self, problem: Problem, *rest: Any) -> tuple[Any, ...]:
        fp = self._fingerprints.get(id(problem))
        if fp is None:
            fp = self._fingerprints[id(problem)] = fingerprint(problem)
        return (*rest, fp)

    def _once(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def problem(self, problem: Problem, fmt: str) -> Any:
        mf = MATH[_check_format(fmt)]
        maths = self._once(("p", mf, id(problem)), lambda: _problem_math(problem, fmt))
        return self._once(
            ("pp", fmt, id(problem)),
            lambda: _with_pictures(maths, fmt, _statement_pictures(problem, fmt)),
        )

    def worked(self, problem: Problem, rounding: int | None = None) -> Any:
        """The worked solution (format-independent), once per problem and rounding."""
        from grader.topics import worked_solution

        return self._once(("w", rounding, id(problem)), lambda: worked_solution(problem, rounding))

    def solution(self, problem: Problem, fmt: str, rounding: int | None = None) -> Any:
        mf = MATH[_check_format(fmt)]
        maths = self._once(
            ("s", mf, rounding, id(problem)),
            lambda: _solution_math(problem, fmt, rounding, self.worked(problem, rounding)),
        )
        return self._once(
            ("sp", fmt, rounding, id(problem)),
            lambda: _with_pictures(maths, fmt, _solution_pictures(problem, fmt)),
        )

    def statement(self, problem: Problem, fmt: str) -> Any:
        """The problem as the format's ``problem`` macro renders it (problem and solution sets
        show it alike)."""
        return SHARED.get(
            self._key(problem, "t", fmt),
            lambda: _macros(fmt).problem(self.problem(problem, fmt)),
        )

    def working(self, problem: Problem, fmt: str, rounding: int | None = None) -> Any:
        """The worked solution as the format's ``steps`` macro renders it."""
        return SHARED.get(
            self._key(problem, "r", fmt, rounding),
            lambda: _macros(fmt).steps(self.solution(problem, fmt, rounding)),
        )

    def hand(self, problem: Problem, fmt: str) -> Any:
        """What changes when the problem is worked by hand (rendered), where it allows rounding
        and rounding changes a printed value; None otherwise."""
        k = problem.hand_rounding
        if k is None:
            return None

        def make() -> Any:
            worked = self.worked(problem, k)
            if worked.rounding is None:  # the exercise has no hand working for this problem
                return None
            view = hand_view(fmt, self.worked(problem), worked)
            return _macros(fmt).changes(view) if view.rows else None

        return SHARED.get(self._key(problem, "h", fmt, k), make)


# --- public entry points -------------------------------------------------------------------


def render_show(problem: Problem, fmt: str, rounding: int | None = None) -> str:
    """A whole document with one problem and its worked solution (``grader show``)."""
    v = Views()
    title = catalogue()[problem.exercise].title
    items = [
        NS(
            qid=problem.exercise,
            points=None,
            title=title,
            statement=v.statement(problem, fmt),
            working=v.working(problem, fmt, rounding),
            hand=None,
        )
    ]
    return _document(fmt, "show", title, None, items, _pictured(fmt, [problem]))


def render_problem_set(
    title: str, student: str | None, items: Sequence[Item], fmt: str, views: Views | None = None
) -> str:
    """Every problem of a student's set, as a whole document."""
    rows = _rows(items, fmt, views, solutions=False)
    drawn = _pictured(fmt, (it.problem for it in items))
    return _document(fmt, "problems", title, student, rows, drawn)


def render_solution_set(
    title: str, student: str | None, items: Sequence[Item], fmt: str, views: Views | None = None
) -> str:
    """Worked solutions of a student's set; hand-rounded working where the question allows it."""
    rows = _rows(items, fmt, views, solutions=True)
    drawn = _pictured(fmt, (it.problem for it in items))
    return _document(fmt, "solutions", title, student, rows, drawn)


def _rows(items: Sequence[Item], fmt: str, views: Views | None, solutions: bool) -> list[NS]:
    """One template row per question: the problem, and its working where asked for."""
    v = views or Views()
    return [
        NS(
            qid=it.qid,
            points=it.points,
            title=catalogue()[it.problem.exercise].title,
            statement=v.statement(it.problem, fmt),
            working=v.working(it.problem, fmt) if solutions else None,
            hand=v.hand(it.problem, fmt) if solutions else None,
        )
        for it in items
    ]


@cache
def _css(name: str = "style.css") -> str:
    return environment().get_template(name).render()


@cache
def _macros(fmt: str) -> Any:
    """The macros of ``macros.<fmt>.j2``, callable from Python (the module is built once)."""
    return environment().get_template(f"macros.{_check_format(fmt)}.j2").module


def _document(
    fmt: str, kind: str, title: str, student: str | None, items: list[NS], drawn: bool = False
) -> str:
    """A whole document; ``drawn``: it has pictures (their style, or TikZ, is loaded)."""
    env = environment()
    css = _css() if fmt == "html" else ""
    if fmt == "html" and drawn:
        css += _css("pictures.css")
    return env.get_template(f"document.{_check_format(fmt)}.j2").render(
        kind=kind, title=title, student=student, items=items, css=Markup(css), pictures=drawn
    )


# --- answer sheets --------------------------------------------------------------------------


def toml_value(value: Any) -> str:
    """A TOML inline value for plain JSON data (numbers, strings, booleans, arrays, tables)."""
    return _toml(to_json(value))


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} to TOML")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_key(key: str) -> str:
    return (
        key
        if key.replace("_", "").replace("-", "").isalnum() and key.isascii()
        else json.dumps(key)
    )


def _toml_tolerance(tolerance: Tolerance | None) -> str:
    """An assignment's tolerance as the inline TOML table it was written as, or ""."""
    if tolerance is None:
        return ""
    if tolerance.decimals is not None:
        return f"{{ decimals = {tolerance.decimals} }}"
    if tolerance.sigfigs is not None:
        return f"{{ sigfigs = {tolerance.sigfigs} }}"
    return f"{{ rtol = {tolerance.rtol!r}, atol = {tolerance.atol!r} }}"


def render_answer_sheet(assignment: str, student: str, items: Sequence[Item]) -> str:
    """The blank ``answers.toml``: one table per question, one empty key per part.

    The public parameters of each problem are embedded under ``[_problems.<qid>]`` so that a
    practice check can recompute the answers.
    """
    questions = []
    for it in items:
        questions.append(
            NS(
                qid=it.qid,
                points=it.points,
                title=catalogue()[it.problem.exercise].title,
                exercise=it.problem.exercise,
                params=to_json(it.problem.params),
                rounding=it.problem.hand_rounding,
                tolerance=_toml_tolerance(it.tolerance),
                parts=[
                    NS(
                        id=p.id,
                        label=p.label,
                        form=form_text(p),
                        tolerance=tolerance_text(p),
                        choices=", ".join(
                            f"{'ABCDEFGHIJ'[i]}) {c}" for i, c in enumerate(p.choices)
                        ),
                    )
                    for p in it.problem.parts
                ],
            )
        )
    return (
        environment()
        .get_template("answers.toml.j2")
        .render(assignment=assignment, student=student, questions=questions)
    )
