"""Compile the project's modules to bytecode before timing commands that import them.

A pip-installed grader has its bytecode written at install time, as NumPy has. A checkout run
with PYTHONDONTWRITEBYTECODE set (some machines set it) would compile every module of the
project on every start, which no user's installed copy does: timing that would charge the
benchmark for it.
"""

from __future__ import annotations

import compileall
import importlib
from pathlib import Path

PACKAGES = ("grader", "exercises", "reference")


def compile_project() -> None:
    """Write the bytecode of every module of the imported packages (quietly; idempotent)."""
    for name in PACKAGES:
        folder = Path(importlib.import_module(name).__file__ or "").parent
        compileall.compile_dir(folder, quiet=1)
