"""Results of a check or a grading run, in Gradescope's autograder schema.

A :class:`TestResult` is one line of feedback (a function, or a question's part); a
:class:`Report` gathers them. Both are plain frozen data; :meth:`Report.to_json` gives the
``results.json`` every command writes, and :func:`render_terminal` the text a student reads.

Every text a result carries (names, outputs, tags, strings in ``extra``) passes through
:func:`~grader.safetext.printable` when the result is made: feedback quotes what students
wrote and what their code printed, and no control or bidi character of theirs reaches a
terminal, a ``results.json`` or a ``feedback.md``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from grader.safetext import printable

Status = Literal["passed", "failed"]

# ``Report.extra["error"]``: why a submission could not be run at all, as data rather than
# wording. ``{"kind": "load", "message": ...}``: the file did not load (a syntax error, an
# import that failed, a crash while importing), so none of its tests ran.
ERROR_KEY = "error"
LOAD_ERROR = "load"


@dataclass(frozen=True)
class TestResult:
    """One test: ``name`` begins with the function's name, or ``question.part``."""

    __test__ = False  # not a pytest test class

    name: str
    score: float
    max_score: float
    output: str = ""
    tags: tuple[str, ...] = ()
    attempted: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", printable(self.name))
        object.__setattr__(self, "output", printable(self.output))
        object.__setattr__(self, "tags", tuple(printable(t) for t in self.tags))

    @property
    def status(self) -> Status:
        return "passed" if self.max_score == 0 or self.score >= self.max_score - 1e-9 else "failed"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "score": _clean(self.score),
            "max_score": _clean(self.max_score),
            "status": self.status,
            "output": self.output,
            "tags": list(self.tags),
        }


@dataclass(frozen=True)
class Report:
    """Every test of one submission, with an overall message."""

    tests: tuple[TestResult, ...]
    output: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "output", printable(self.output))
        object.__setattr__(self, "extra", _printable_data(self.extra))

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    @property
    def passed(self) -> bool:
        return all(t.status == "passed" for t in self.tests)

    @property
    def load_error(self) -> str | None:
        """Why the submitted file could not be loaded (so nothing in it ran), or None."""
        error = self.extra.get(ERROR_KEY)
        if isinstance(error, dict) and error.get("kind") == LOAD_ERROR:
            return str(error.get("message") or "the file could not be loaded")
        return None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "score": _clean(self.score),
            "max_score": _clean(self.max_score),
            "output": self.output,
            "tests": [t.to_json() for t in self.tests],
        }
        data.update(self.extra)
        return data

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False)


def load_error_extra(message: str) -> dict[str, Any]:
    """The ``extra`` of a report on a file that could not be loaded, saying why."""
    return {ERROR_KEY: {"kind": LOAD_ERROR, "message": message}}


def _printable_data(value: Any) -> Any:
    """``value`` (JSON-like data) with every string in it, keys too, made printable."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {_printable_data(k): _printable_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable_data(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_printable_data(v) for v in value)
    return value


def _clean(x: float) -> float | int:
    """Scores as JSON shows them: 2 not 2.0000000001, 1.5 stays 1.5."""
    r = round(float(x), 6)
    return int(r) if math.isfinite(r) and r == int(r) else r
