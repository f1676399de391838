"""The jinja2 environment for the batch's rendered texts (``templates/batch/``).

``feedback.md`` and ``report.html`` show file names, notices, flags and feedback that quote
students' files: every value a template prints goes through
:func:`~grader.safetext.printable` (the environment's ``finalize``), whatever built it.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from grader.report_text import points
from grader.safetext import printable
from grader.templating import template_environment


@cache
def environment() -> jinja2.Environment:
    env = template_environment("batch")
    env.filters["points"] = points
    env.filters["fenced"] = fenced
    env.finalize = shown
    return env


def shown(value: Any) -> Any:
    """What a template prints, with no control or bidi character (markup stays markup)."""
    if hasattr(value, "__html__"):  # Markup, or an object that renders itself as HTML
        return Markup(printable(str(value.__html__())))
    if isinstance(value, str):
        return printable(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return printable(str(value))


def fenced(text: str) -> str:
    """``text`` as a Markdown code block: what a submission printed or raised is shown as it is,
    never read as Markdown or HTML (a printed ``<script>`` or ``**Score: 27 / 27**`` stays text).
    The fence is longer than any run of backticks in ``text``, so nothing inside can close it.
    """
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.strip(chr(10))}\n{fence}"


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
