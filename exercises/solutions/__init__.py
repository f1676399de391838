"""Worked solutions: the symbolic step, the numbers substituted, the value, for every part.

:func:`grader.topics.worked_solution` returns the steps of one problem, made by the
builder its topic declares (those of the first topics are in :mod:`.steps`). The formulas are
derived once with sympy (:mod:`exercises.solutions.derive`, cached) and printed once per format
(:mod:`exercises.solutions.notation`, cached); a variant only fills in its numbers. With
``rounding=K`` the steps follow the hand calculation of CURRICULUM §5: every value read off a
calculator is rounded to K places before it is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from exercises.base import Problem
from exercises.solutions import notation as n


@dataclass(frozen=True)
class Term:
    """One member of a chain ``lhs = … = value``: symbolic, substituted, a value or words."""

    kind: str  # "symbolic", "substituted", "value", "words"
    node: n.Node | None = None
    numbers: Mapping[str, Any] = field(default_factory=dict)
    value: Any = None
    places: int = 6

    def show(self, fmt: str) -> str:
        if self.kind == "symbolic" and self.node is not None:
            return n.symbolic(self.node, fmt)
        if self.kind == "substituted" and self.node is not None:
            return n.substituted(self.node, fmt, self.numbers, self.places)
        if self.kind == "words":
            return n.text(str(self.value), fmt)
        return n.value(self.value, fmt, self.places)


@dataclass(frozen=True)
class Step:
    """``lhs = term = term = …``; ``part`` is the answer part this step gives, if any."""

    lhs: n.Node
    terms: tuple[Term, ...]
    part: str | None = None
    note: str = ""
    result: Any = None  # the part's answer when the last term does not carry it

    @property
    def value(self) -> Any:
        return self.result if self.result is not None else self.terms[-1].value

    def math(self, fmt: str) -> str:
        return n.join_chain([n.symbolic(self.lhs, fmt), *(t.show(fmt) for t in self.terms)], fmt)


@dataclass(frozen=True)
class Solution:
    """The steps of a worked solution; ``rounding`` is the K of "values read off rounded to K
    places" when they were worked by hand, None when they were worked exactly."""

    problem: Problem
    steps: tuple[Step, ...]
    rounding: int | None = None

    def final(self) -> dict[str, Any]:
        """``{part id: value}`` as the worked solution concludes."""
        return {s.part: s.value for s in self.steps if s.part is not None}


def sym(node: n.Node) -> Term:
    return Term("symbolic", node)


def sub(node: n.Node, numbers: Mapping[str, Any], places: int = 6) -> Term:
    return Term("substituted", node, numbers, places=places)


def val(v: Any, places: int = 6) -> Term:
    return Term("value", value=v, places=places)


V = n.Var
