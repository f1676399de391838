"""The jinja2 environment of a folder of the shipped templates (``templates/<folder>/``).

Every text the product writes comes from one: undefined names are errors, ``*.html.j2``
templates are autoescaped and no other, block tags leave no blank lines, and templates are
never reloaded (they ship with the package).
"""

from __future__ import annotations

import jinja2


def template_environment(folder: str, *, keep_trailing_newline: bool = True) -> jinja2.Environment:
    """A fresh environment for ``templates/<folder>/`` (callers add their filters, and cache)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("templates", folder),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=keep_trailing_newline,
        auto_reload=False,
    )
