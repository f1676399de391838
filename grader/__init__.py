"""grader: auto-graded exercises and quizzes for neural-network courses."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext grader``: adds the ``%grader check`` magic (IPython is imported only then)."""
    from grader.notebook.kernel import load_ipython_extension as load

    load(ipython)


def __getattr__(name: str) -> Any:
    # `import grader; grader.notebook.check()` without importing notebooks' code up front
    if name == "notebook":
        import importlib

        return importlib.import_module("grader.notebook")
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
