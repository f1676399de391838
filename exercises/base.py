"""The data every exercise produces: problems, parts, tolerances and known mistakes.

An exercise turns parameters into a :class:`Problem`. The problem is plain, frozen data: it
can be rendered, written into ``key.json`` (through :meth:`Problem.key`) and graded, and it
is rebuilt exactly from its ``params`` by :meth:`Exercise.build`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray


class Kind(StrEnum):
    """What a part's answer is."""

    NUMBER = "number"  # a float
    INTEGER = "integer"  # an exact count (sizes, parameter counts)
    MATRIX = "matrix"  # a 2-D float array
    EXPRESSION = "expression"  # a symbolic expression, as text in the course's notation
    CHOICE = "choice"  # a letter, "A", "B", ...


Value = float | int | NDArray[np.float64] | str


def freeze(value: Any) -> Any:
    """A read-only float64 copy of an array-like; other values unchanged."""
    if isinstance(value, (np.ndarray, list, tuple)):
        arr = np.array(value, dtype=np.float64)
        arr.setflags(write=False)
        return arr
    return value


def to_json(value: Any) -> Any:
    """Plain JSON data for a value, a parameter or a nested structure of them."""
    kind = type(value)
    if kind is float or kind is int or kind is str or kind is bool or value is None:
        return value  # the common cases first, by exact type (numpy scalars are not among them)
    if kind is list:
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def finite_scalar(value: Any) -> float | None:
    """``value`` as one finite float, or None when it is absent, text, several numbers or
    not finite."""
    if value is None or isinstance(value, str):
        return None
    arr = np.asarray(value, dtype=np.float64)
    if arr.size != 1 or not np.isfinite(arr).all():
        return None
    return float(arr.reshape(()))


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 row"``, ``"2 rows"``: a count with its noun in the right number."""
    return f"{n} {singular if n == 1 else plural_form or singular + 's'}"


def places_text(k: int) -> str:
    """What "to K places" reads as: "1 decimal place", "3 decimal places", "whole numbers"."""
    if k == 0:
        return "whole numbers"
    return plural(k, "decimal place")


@dataclass(frozen=True)
class Tolerance:
    """How close a numeric answer must be.

    Exactly one rule applies, in this order: ``decimals`` (the answer is within half a unit
    of the last place asked for, so any correct rounding passes), ``sigfigs`` (the same, at
    that many significant figures of the expected value), else ``|got - expected| <=
    atol + rtol * |expected|``.
    """

    rtol: float = 1e-6
    atol: float = 1e-9
    decimals: int | None = None
    sigfigs: int | None = None

    def margin(self, expected: float) -> float:
        """The largest accepted ``|got - expected|`` for ``expected``."""
        slack = 1e-9 * max(1.0, abs(expected))  # binary representation of the bound itself
        if self.decimals is not None:
            return 0.5 * 10.0 ** (-self.decimals) + slack
        if self.sigfigs is not None:
            if expected == 0:
                return self.atol + slack
            exponent = math.floor(math.log10(abs(expected))) - self.sigfigs + 1
            return 0.5 * 10.0**exponent + slack
        return self.atol + self.rtol * abs(expected)

    def accepts(self, got: float, expected: float) -> bool:
        return math.isfinite(got) and abs(got - expected) <= self.margin(expected)

    def describe(self) -> str:
        if self.decimals is not None:
            return f"to {places_text(self.decimals)}"
        if self.sigfigs is not None:
            return f"to {plural(self.sigfigs, 'significant figure')}"
        if self.atol and not self.rtol:
            return f"within ±{self.atol:g}"
        return f"within a relative {self.rtol:g}" + (f" (or ±{self.atol:g})" if self.atol else "")

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any]) -> Tolerance:
        """Build from an assignment's ``tolerance`` table; unknown keys are a ValueError."""
        known = {"rtol", "atol", "decimals", "sigfigs"}
        unknown = set(spec) - known
        if unknown:
            raise ValueError(
                f"tolerance: unknown key {sorted(unknown)[0]!r}; use one of {sorted(known)}"
            )
        rules = sum(k in spec for k in ("decimals", "sigfigs")) + any(
            k in spec for k in ("rtol", "atol")
        )
        if rules > 1:
            raise ValueError(
                f"tolerance gives {', '.join(sorted(spec))}: use one rule, decimals, sigfigs, "
                "or rtol and/or atol"
            )
        kwargs: dict[str, Any] = {}
        for key in ("rtol", "atol"):
            if key in spec:
                v = spec[key]
                if (
                    isinstance(v, bool)
                    or not isinstance(v, (int, float))
                    or not math.isfinite(v)
                    or v < 0
                ):
                    raise ValueError(f"tolerance: {key} must be a number >= 0, got {v!r}")
                kwargs[key] = float(v)
        for key in ("decimals", "sigfigs"):
            if key in spec:
                v = spec[key]
                if (
                    isinstance(v, bool)
                    or not isinstance(v, int)
                    or not (0 if key == "decimals" else 1) <= v <= 15
                ):
                    low = 0 if key == "decimals" else 1
                    raise ValueError(
                        f"tolerance: {key} must be a whole number from {low} to 15 (a float's "
                        f"precision), got {v!r}"
                    )
                kwargs[key] = v
        if "rtol" in kwargs and "atol" not in kwargs:
            kwargs["atol"] = 0.0
        return cls(**kwargs)


EXACT = Tolerance(rtol=0.0, atol=1e-9)


@dataclass(frozen=True)
class Mistake:
    """What a known mistake (a misconception id) would make this part's answer."""

    misconception: str
    value: Value


@dataclass(frozen=True)
class Part:
    """One answer box of a problem.

    ``answer`` is the exact expected value; ``label`` is the quantity in the course's
    notation (shown to students); ``choices`` lists the options of a CHOICE part in the order
    shown (``answer`` is then the letter), and ``explanations`` why each is wrong ("" for
    the right one). ``alternatives`` are further answers that are right as well (another
    convention, such as ReLU's derivative taken as 1 at exactly 0).
    """

    id: str
    label: str
    kind: Kind
    answer: Value
    tolerance: Tolerance = EXACT
    mistakes: tuple[Mistake, ...] = ()
    choices: tuple[str, ...] = ()
    explanations: tuple[str, ...] = ()
    alternatives: tuple[Value, ...] = ()

    def takes_question_tolerance(self) -> bool:
        """Whether an assignment's question-wide ``tolerance`` applies to this part.

        It applies to numbers and matrices, except those exact by nature: whole-numbered
        answers marked exactly (class numbers, sums of whole pixels), where a tolerance such
        as ``{ decimals = 1 }`` would only accept a wrong class 0.04 for 0.
        """
        if self.kind not in (Kind.NUMBER, Kind.MATRIX):
            return False
        if self.tolerance != EXACT:
            return True
        arr = np.asarray(self.answer, dtype=np.float64)
        return not bool(np.all(arr == np.round(arr)))

    def __post_init__(self) -> None:
        object.__setattr__(self, "answer", freeze(self.answer))
        object.__setattr__(self, "alternatives", tuple(freeze(a) for a in self.alternatives))
        object.__setattr__(
            self,
            "mistakes",
            tuple(Mistake(m.misconception, freeze(m.value)) for m in self.mistakes),
        )


@dataclass(frozen=True)
class Problem:
    """One variant of an exercise: its parameters, its statement and its answer parts."""

    exercise: str
    params: Mapping[str, Any]
    statement: str
    parts: tuple[Part, ...]
    hand_rounding: int | None = None  # the K of "round intermediates to K places", if stated
    notes: tuple[str, ...] = field(default=())

    def part(self, part_id: str) -> Part:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)

    def key(self) -> dict[str, Any]:
        """``{part id: answer}`` as JSON data, for ``key.json``."""
        return {p.id: to_json(p.answer) for p in self.parts}

    def as_json(self) -> dict[str, Any]:
        """What ``grader show --format json`` prints."""
        return {
            "exercise": self.exercise,
            "params": to_json(self.params),
            "parts": [
                {"id": p.id, "label": p.label, "kind": p.kind.value, "answer": to_json(p.answer)}
                for p in self.parts
            ],
        }


class Exercise(Protocol):
    """What every catalogue entry provides.

    ``generate`` draws parameters from ``rng`` (any given in ``pinned`` are kept, after
    validation) and returns ``build(params)``; ``build`` is deterministic, so a problem is
    rebuilt from the parameters recorded in ``key.json``.

    ``follow_through(problem, part_id, given)`` returns what ``part_id`` should be if the
    student's own earlier answers ``given`` (part id -> value) were right, or None where the
    part does not depend on earlier parts: it powers error-carried-forward credit.

    ``carried_mistakes(problem, part_id, given)`` is the same for the known mistakes: what
    each would make ``part_id`` from the student's own earlier answers (a wrong sign on the
    student's own gradient is still a wrong sign), or ``()``.

    ``explain_mistake(problem, part_id, misconception, status)`` returns the exercise's own
    words for a known mistake where the student's earlier answers (part id -> "right",
    "wrong", ...) place it, or None for the misconception's sentence.

    ``by_hand(problem, decimals)`` returns every part as worked by hand with read-off values
    rounded to ``decimals`` places (see :mod:`reference.handcalc`), or None where rounding
    does not apply; ``hand_applies(params)`` says whether a variant reads any value off a
    calculator.

    ``expression_symbols`` (name -> meaning) and ``expression_definitions`` (``"s"`` or
    ``"sigma(t)"`` -> text in expression syntax) are the names an expression part may use;
    both empty: the default vocabulary.
    """

    id: str
    title: str
    topic: str

    @property
    def expression_symbols(self) -> Mapping[str, str]: ...

    @property
    def expression_definitions(self) -> Mapping[str, str]: ...

    def generate(
        self, rng: np.random.Generator, pinned: Mapping[str, Any] | None = None
    ) -> Problem: ...

    def build(self, params: Mapping[str, Any]) -> Problem: ...

    def follow_through(
        self, problem: Problem, part_id: str, given: Mapping[str, Value]
    ) -> Value | None: ...

    def carried_mistakes(
        self, problem: Problem, part_id: str, given: Mapping[str, Value]
    ) -> tuple[Mistake, ...]: ...

    def explain_mistake(
        self, problem: Problem, part_id: str, misconception: str, status: Mapping[str, str]
    ) -> str | None: ...

    def by_hand(self, problem: Problem, decimals: int) -> Mapping[str, Value] | None: ...

    def hand_applies(self, params: Mapping[str, Any]) -> bool: ...
