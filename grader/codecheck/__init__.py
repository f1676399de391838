"""Tests of the student code API: cases per function, sandboxed runs, diagnosis.

``check_file(path, assignment, seed=None, timeout=..., server=None) -> Report``.
"""

from grader.codecheck.check import DEFAULT_TIMEOUT, check_file

__all__ = ["DEFAULT_TIMEOUT", "check_file"]
