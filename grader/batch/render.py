"""The jinja2 environment for the batch's rendered texts (``templates/batch/``)."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("templates", "batch"),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2")),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["points"] = points
    return env


def points(x: float) -> str:
    """A score as people write it: 2, 1.5, 0.33."""
    r = round(float(x), 2)
    return str(int(r)) if r == int(r) else f"{r:g}"


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
