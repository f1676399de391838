"""The jinja2 environment for the batch's rendered texts (``templates/batch/``)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2

from grader.report_text import points
from grader.templating import template_environment


@cache
def environment() -> jinja2.Environment:
    env = template_environment("batch")
    env.filters["points"] = points
    env.filters["fenced"] = fenced
    return env


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
