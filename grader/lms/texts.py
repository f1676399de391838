"""The texts of an LMS question: statement and worked solution as HTML, numbers as typed.

Maths is TeX in ``\\( \\)`` and ``\\[ \\]`` (printed by the course's notation module),
which Moodle's MathJax filter and Canvas typeset; every text comes from a template in
``templates/lms/`` (``StrictUndefined``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import jinja2
import numpy as np

from exercises.base import Kind, Part, Problem, places_text
from grader.templating import template_environment


def _field(view: Any, name: str) -> Any:
    """A field of a view of :mod:`grader.render`, a mapping or an object with attributes."""
    return view[name] if isinstance(view, Mapping) else getattr(view, name)


@cache
def _templates() -> jinja2.Environment:
    env = template_environment("lms", keep_trailing_newline=False)
    env.filters["places"] = places_text
    return env


def statement_html(problem: Problem) -> str:
    """The problem statement as HTML, its maths as TeX in ``\\( \\)`` and ``\\[ \\]``.

    Moodle's MathJax filter and Canvas typeset such TeX; the answer boxes come from the
    format's own blanks, so the statement stops at the question asked.
    """
    from grader.render import problem_view

    view = problem_view(problem, "md")  # "md" prints the maths as TeX
    expression = any(p.kind is Kind.EXPRESSION for p in problem.parts)
    return (
        _templates()
        .get_template("statement.html.j2")
        .render(
            intro=_field(view, "intro"),
            givens=_field(view, "givens"),
            ask=_field(view, "ask"),
            notes=[]
            if expression
            else _field(view, "notes"),  # they explain how to type an expression
            rounding=_field(view, "rounding"),
        )
    )


def solution_html(problem: Problem, rounding: int | None = None) -> str:
    """The worked solution as HTML (TeX maths), for an LMS's general feedback."""
    from exercises.solutions import notation
    from grader.render import solution_view

    view = solution_view(problem, "md", None)
    answers = [
        {"label": "The right option", "math": False, "value": format_answer(p)}
        if p.kind is Kind.CHOICE
        else {"label": p.label or p.id, "math": False, "value": p.answer}
        if isinstance(p.answer, str)
        else {"label": p.label or p.id, "math": True, "value": notation.value(p.answer, "tex")}
        for p in problem.parts
    ]
    # a choice's step names its letter, which the LMS's shuffled options do not show
    choices = {p.id for p in problem.parts if p.kind is Kind.CHOICE}
    steps = [st for st in _field(view, "steps") if _field(st, "part") not in choices]
    template = _templates().get_template("solution.html.j2")
    return template.render(steps=steps, answers=answers, rounding=rounding)


def without_options(problem: Problem) -> str:
    """The statement without the option list of its choice parts: the LMS shows the options."""
    listed = {
        f"({chr(ord('A') + i)}) {option}"
        for p in problem.parts
        if p.kind is Kind.CHOICE
        for i, option in enumerate(p.choices)
    }
    lines = problem.statement.split("\n")
    return "\n".join(line for line in lines if line.strip() not in listed)


def format_answer(part: Part) -> str:
    if part.kind is Kind.CHOICE:
        letter = str(part.answer).strip().upper()
        i = ord(letter) - ord("A") if len(letter) == 1 else -1
        return part.choices[i] if 0 <= i < len(part.choices) else letter
    if isinstance(part.answer, str):
        return part.answer
    arr = np.asarray(part.answer, dtype=np.float64)
    if arr.ndim == 0:
        return number(float(arr))
    if arr.ndim == 1:
        return "[" + ", ".join(number(float(v)) for v in arr) + "]"
    return "[" + "; ".join(" ".join(number(float(v)) for v in row) for row in arr) + "]"


def number(value: float) -> str:
    """A float in positional notation to 15 significant digits (``0.00001``, ``-3``, ``0.41``)."""
    value = float(f"{value:.15g}")  # 0.41, not the binary neighbour 0.4099999999999999
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return np.format_float_positional(value, trim="-")


def snippet(name: str, *args: Any) -> str:
    """One macro of ``templates/lms/snippets.html.j2`` (values escaped, Markup kept as is)."""
    macro = getattr(_templates().get_template("snippets.html.j2").module, name)
    return str(macro(*args))
