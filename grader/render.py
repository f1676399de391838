"""Problems, worked solutions, problem sets and answer sheets as text, Markdown, HTML or LaTeX.

Every text comes from a jinja2 template in ``templates/problems/`` (``StrictUndefined``). This
module prepares plain view data: prose, and mathematics already printed for the format (plain
text, LaTeX for Markdown and LaTeX, presentation MathML for HTML, so that a browser shows it
offline with no script).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from exercises import CATALOGUE
from exercises.base import Kind, Part, Problem, Tolerance, to_json

FORMATS = ("text", "md", "html", "tex")
MATH = {"text": "text", "md": "tex", "html": "mathml", "tex": "tex"}


@dataclass(frozen=True)
class Item:
    """One question of a set: its id, points and problem."""

    qid: str
    points: float
    problem: Problem


@cache
def environment() -> jinja2.Environment:
    """The template environment (compiled templates are cached by jinja2)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("templates", "problems"),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    from exercises.solutions.notation import tex_escape

    env.filters["tex"] = tex_escape
    env.filters["toml"] = toml_value
    env.filters["points"] = _points
    return env


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return fmt


def _points(value: float) -> str:
    return f"{value:g} point" + ("" if value == 1 else "s")


# --- view data --------------------------------------------------------------------------


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
    return FORM[part.kind]


def problem_view(problem: Problem, fmt: str) -> dict[str, Any]:
    """What a problem template needs, with mathematics printed for ``fmt``."""
    from exercises.solutions import notation as n

    mf = MATH[_check_format(fmt)]
    exercise = CATALOGUE[problem.exercise]
    statement = exercise.statement(problem.params)  # type: ignore[attr-defined]
    givens = [
        {
            "symbol": _math(fmt, n.symbol(g.name, mf)),
            "value": _math(
                fmt, n.value(g.value, mf) if not isinstance(g.value, str) else n.text(g.value, mf)
            ),
            "note": g.note,
            "matrix": not isinstance(g.value, (int, float)),
        }
        for g in statement.givens
    ]
    parts = [
        {
            "id": p.id,
            "label": p.label,
            "kind": p.kind.value,
            "form": form_text(p),
            "tolerance": tolerance_text(p),
            "choices": [{"letter": "ABCDEFGHIJ"[i], "text": c} for i, c in enumerate(p.choices)],
        }
        for p in problem.parts
    ]
    rounding = problem.hand_rounding
    return {
        "exercise": problem.exercise,
        "title": exercise.title,
        "intro": statement.intro,
        "givens": givens,
        "ask": statement.ask,
        "parts": parts,
        "notes": list(problem.notes),
        "rounding": rounding,
    }


def solution_view(problem: Problem, fmt: str, rounding: int | None = None) -> dict[str, Any]:
    """The worked solution's steps, printed for ``fmt``."""
    from exercises.solutions import notation as n
    from exercises.solutions import worked_solution

    mf = MATH[_check_format(fmt)]
    solution = worked_solution(problem, rounding)
    labels = {p.id: p.label for p in problem.parts}
    steps = [
        {
            "lhs": _math(fmt, n.symbolic(s.lhs, mf)),
            "terms": [_math(fmt, t.show(mf)) for t in s.terms],
            "pad": " " * len(n.symbolic(s.lhs, "text")),
            "part": s.part,
            "label": labels.get(s.part, "") if s.part else "",
            "note": s.note,
        }
        for s in solution.steps
    ]
    answers = [
        {"id": p.id, "label": p.label, "value": _math(fmt, _answer_math(p, mf))}
        for p in problem.parts
    ]
    return {"steps": steps, "rounding": rounding, "answers": answers}


def _answer_math(part: Part, mf: str) -> str:
    from exercises.solutions import notation as n

    if isinstance(part.answer, str):
        return n.text(part.answer, mf)
    return n.value(part.answer, mf)


def _hand_view(problem: Problem, fmt: str) -> dict[str, Any] | None:
    k = problem.hand_rounding
    if k is None or CATALOGUE[problem.exercise].by_hand(problem, k) is None:
        return None
    return solution_view(problem, fmt, k)


# --- public entry points -------------------------------------------------------------------


def render_problem(problem: Problem, fmt: str) -> str:
    """One problem statement with its answer parts (an HTML fragment for ``html``)."""
    env = environment()
    return env.get_template(f"fragment.{_check_format(fmt)}.j2").render(
        kind="problem", p=problem_view(problem, fmt), s=None, hand=None
    )


def render_solution(problem: Problem, fmt: str, rounding: int | None = None) -> str:
    """The worked solution of one problem (an HTML fragment for ``html``)."""
    env = environment()
    return env.get_template(f"fragment.{_check_format(fmt)}.j2").render(
        kind="solution",
        p=problem_view(problem, fmt),
        s=solution_view(problem, fmt, rounding),
        hand=None,
    )


def render_show(problem: Problem, fmt: str, rounding: int | None = None) -> str:
    """A whole document with one problem and its worked solution (``grader show``)."""
    items = [
        {
            "qid": problem.exercise,
            "points": None,
            "p": problem_view(problem, fmt),
            "s": solution_view(problem, fmt, rounding),
            "hand": None,
        }
    ]
    title = CATALOGUE[problem.exercise].title
    return _document(fmt, "show", title, None, items)


def render_problem_set(title: str, student: str | None, items: Sequence[Item], fmt: str) -> str:
    """Every problem of a student's set, as a whole document."""
    views = [
        {
            "qid": it.qid,
            "points": it.points,
            "p": problem_view(it.problem, fmt),
            "s": None,
            "hand": None,
        }
        for it in items
    ]
    return _document(fmt, "problems", title, student, views)


def render_solution_set(title: str, student: str | None, items: Sequence[Item], fmt: str) -> str:
    """Worked solutions of a student's set; hand-rounded working where the question allows it."""
    views = [
        {
            "qid": it.qid,
            "points": it.points,
            "p": problem_view(it.problem, fmt),
            "s": solution_view(it.problem, fmt),
            "hand": _hand_view(it.problem, fmt),
        }
        for it in items
    ]
    return _document(fmt, "solutions", title, student, views)


def _document(
    fmt: str, kind: str, title: str, student: str | None, items: list[dict[str, Any]]
) -> str:
    env = environment()
    css = env.get_template("style.css").render() if fmt == "html" else ""
    return env.get_template(f"document.{_check_format(fmt)}.j2").render(
        kind=kind, title=title, student=student, items=items, css=Markup(css)
    )


# --- answer sheets --------------------------------------------------------------------------


def toml_value(value: Any) -> str:
    """A TOML inline value for plain JSON data (numbers, strings, booleans, arrays, tables)."""
    value = to_json(value)
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
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return (
            "{ " + ", ".join(f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
        )
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_key(key: str) -> str:
    return (
        key
        if key.replace("_", "").replace("-", "").isalnum() and key.isascii()
        else json.dumps(key)
    )


def render_answer_sheet(assignment: str, student: str, items: Sequence[Item]) -> str:
    """The blank ``answers.toml``: one table per question, one empty key per part.

    The public parameters of each problem are embedded under ``[_problems.<qid>]`` so that a
    practice check can recompute the answers.
    """
    questions = []
    for it in items:
        questions.append(
            {
                "qid": it.qid,
                "points": it.points,
                "title": CATALOGUE[it.problem.exercise].title,
                "exercise": it.problem.exercise,
                "params": to_json(it.problem.params),
                "rounding": it.problem.hand_rounding,
                "parts": [
                    {
                        "id": p.id,
                        "label": p.label,
                        "form": form_text(p),
                        "tolerance": tolerance_text(p),
                        "choices": ", ".join(
                            f"{'ABCDEFGHIJ'[i]}) {c}" for i, c in enumerate(p.choices)
                        ),
                    }
                    for p in it.problem.parts
                ],
            }
        )
    return (
        environment()
        .get_template("answers.toml.j2")
        .render(assignment=assignment, student=student, questions=questions)
    )
