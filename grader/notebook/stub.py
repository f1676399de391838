"""The starter notebook of ``grader stub --format ipynb``: valid nbformat v4.

A title cell, an ``import numpy`` cell, then per function a markdown cell (what it computes,
its formula as rendered maths, its parameters' shapes, an example) and a code cell with its
exact signature and ``raise NotImplementedError``; the last cell checks the notebook from inside
(``%load_ext grader``, ``%grader check``). The texts come from the same templates as the .py
starter file (``templates/stub/functions/``) and the formulas from ``templates/stub/maths/``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence

DOCSTRING = re.compile(r'^(?P<sig>def .*?:)\n\s*"""(?P<doc>.*?)"""', re.S)
SECTION = re.compile(r"^\s*(Parameters|Returns|Examples)\n\s*-+\n", re.M)


def render_notebook(
    title: str, name: str, functions: Sequence[str], check: str = "%grader check"
) -> str:
    """The notebook's JSON text (nbformat v4, validated) for these functions."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from grader.templating import template_environment

    env = template_environment("stub", keep_trailing_newline=False)
    cells = [
        new_markdown_cell(
            f"# {title}\n\nStarter notebook for the assignment `{name}`. Implement each "
            "function below with NumPy (or plain Python), replacing `raise NotImplementedError`. "
            "Inputs may be Python numbers, lists or NumPy arrays; return floats, lists or "
            "arrays. A function that still raises `NotImplementedError` is reported as not "
            "attempted.\n\nRun the last cell at any time to check your work: it runs the "
            "public tests in a sandbox, apart from this notebook. Code outside functions runs "
            "when the notebook is checked, so keep plots and experiments light."
        ),
        new_code_cell("import numpy as np"),
    ]
    for function in functions:
        text = env.get_template(f"functions/{function}.py.j2").render()
        maths = env.get_template(f"maths/{function}.md.j2").render()
        signature, markdown = _describe(text, maths)
        cells.append(new_markdown_cell(markdown))
        cells.append(new_code_cell(f"{signature}\n    raise NotImplementedError"))
    cells.append(
        new_markdown_cell(
            "## Check your work\n\nNeeds the `grader` package in this notebook's environment "
            "(in Colab: `!pip install nn-grader` in a cell of its own)."
        )
    )
    cells.append(new_code_cell(f"%load_ext grader\n{check}"))
    nb = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )
    nbformat.validate(nb)
    return str(nbformat.writes(nb)) + "\n"


def _describe(function_text: str, maths: str) -> tuple[str, str]:
    """(signature line, markdown) of one function of the .py starter's templates."""
    m = DOCSTRING.match(function_text)
    if m is None:
        raise ValueError("a stub function template has no docstring")
    signature, doc = m["sig"], inspect.cleandoc(m["doc"])
    parts = SECTION.split(doc)
    summary = parts[0].strip().split("\n\n")[0].replace("``", "`")
    sections = dict(zip(parts[1::2], parts[2::2], strict=True))
    call = signature.removeprefix("def ").removesuffix(":")
    out = [f"## `{call}`", "", summary, "", maths.strip(), ""]
    if "Parameters" in sections:
        out += ["**Parameters**", ""]
        out += [f"- {_item(item)}" for item in _items(sections["Parameters"])]
        out.append("")
    if "Returns" in sections:
        returns = " ".join(sections["Returns"].split()).replace("``", "`")
        out += [f"**Returns** {returns}", ""]
    if "Examples" in sections:
        out += ["**Example**", "", "```python", sections["Examples"].strip(), "```"]
    return signature, "\n".join(out).strip()


def _items(section: str) -> list[str]:
    """Numpydoc entries (``name : description``, continued on indented lines) as one line each."""
    items: list[str] = []
    for line in section.strip("\n").split("\n"):
        if not line.strip():
            continue
        if line.startswith(" ") and items:
            items[-1] += " " + line.strip()
        else:
            items.append(line.strip())
    return items


def _item(item: str) -> str:
    name, _, description = item.partition(" : ")
    return f"`{name.strip()}`: {description.strip()}".replace("``", "`")
