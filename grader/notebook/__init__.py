"""Jupyter notebooks as submissions, and the check from inside a running notebook.

- :mod:`grader.notebook.source`: a notebook's code cells as one program, with a line map back
  to "cell 4, line 3"; magics and shell escapes are dropped, never run.
- :mod:`grader.notebook.run`: running that program so that top-level work (plots, training
  loops, ``input()``) cannot cost the functions their marks.
- :mod:`grader.notebook.kernel`: ``%load_ext grader`` / ``%grader check`` and :func:`check`,
  which check what the kernel has run so far in the same sandbox as ``grader check``.
- :mod:`grader.notebook.stub`: the starter notebook of ``grader stub --format ipynb``.

Nothing here imports nbformat or IPython until it is used.
"""

from __future__ import annotations

from typing import Any


def check(assignment: str = "nn-code", *, timeout: float | None = None) -> Any:
    """Check what this notebook's kernel has run so far (:func:`grader.notebook.kernel.check`)."""
    from grader.notebook.kernel import check as run_check

    return run_check(assignment, timeout=timeout)


__all__ = ["check"]
