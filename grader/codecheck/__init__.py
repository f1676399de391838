"""Tests of the student code API: cases per function, sandboxed runs, diagnosis.

``check_file(path, assignment, seed=None, timeout=..., server=None) -> Report``. The cases
(:mod:`.cases`) import without the sandbox: the topics declare them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.codecheck.check import DEFAULT_TIMEOUT, check_file

__all__ = ["DEFAULT_TIMEOUT", "check_file"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from grader.codecheck import check

        return getattr(check, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
