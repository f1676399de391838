"""Marking one question's parts as a careful human marker would.

Each part, in the problem's order, is settled by the first rule that applies:

1. unanswered (``""`` or missing) — no credit;
2. unreadable — no credit, the reason (and the line of the sheet) is reported;
3. right — within the tolerance of the exact answer;
4. right as worked by hand — only where the question allows rounding intermediates to K
   places: the value agrees with the exercise's hand-worked value (``by_hand(problem, K)``),
   or with the value recomputed (``follow_through``) from the student's own earlier answers
   when those are themselves right or right by hand; a value that is read off a calculator
   (one the hand working rounds to K places) may also be any of those rounded to K places;
5. error carried forward — the value recomputed from the student's own earlier answers, some
   of which are wrong: credit ``Grading.follow_through`` (full by default), and the feedback
   names the wrong answers it follows from;
6. a known misconception — the value one of ``part.mistakes`` produces: the mistake is named
   with its sentence and its id goes in ``tags``; credit ``Grading.misconception``;
7. wrong — the feedback gives the expected value only when ``reveal`` is on.

The tolerance is never loosened: hand working and carried-forward errors only add other
values to compare with, each under the same tolerance. A matrix that matches nothing whole
earns the fraction of its entries that are right where ``Grading.matrix_partial`` is on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from exercises.base import Exercise, Kind, Mistake, Part, Problem, Tolerance, places_text
from exercises.misconceptions import ids
from grader.answers.compare import Match, match, match_matrix, show_value
from grader.answers.expr import (
    Node,
    Vocabulary,
    default_vocabulary,
    free_names,
    make_vocabulary,
)
from grader.answers.values import AnswerError, parse_answer
from grader.assignment import Grading
from grader.results import TestResult
from grader.topics import describe
from reference.handcalc import round_half_up

RIGHT, HAND, CARRIED, MISCONCEPTION, WRONG = "right", "hand", "carried", "misconception", "wrong"
UNANSWERED, UNREADABLE = "unanswered", "unreadable"
_SOUND = (RIGHT, HAND)  # earlier answers a later part may be worked from as if right


@dataclass(frozen=True)
class Marking:
    """How one question is marked: the policy and what the feedback may show.

    ``tolerance`` overrides the parts' own for numbers and matrices; ``rounding`` is the K of
    "intermediates may be rounded to K places" (None: no hand working); ``points`` gives
    each part's points; ``reveal`` shows expected values in wrong answers.
    """

    points: Mapping[str, float]
    tolerance: Tolerance | None = None
    rounding: int | None = None
    grading: Grading = field(default_factory=Grading)
    reveal: bool = False
    lines: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PartMark:
    """The outcome of one part (before it becomes a TestResult)."""

    part: str
    status: str
    credit: float
    message: str
    tags: tuple[str, ...] = ()


def symbol(part: Part) -> str:
    """The short name of a part's quantity: "ŷ" from "ŷ = σ(z), z = w·x + b"."""
    return part.label.split(" = ")[0].strip() or part.id if part.label else part.id


def vocabulary_for(exercise: Any) -> Vocabulary:
    """The names an exercise's expression parts may use.

    An exercise's ``expression_symbols`` (name -> meaning) and ``expression_definitions``
    (``"s"`` or ``"sigma(t)"`` -> text in expression syntax) give them; where both are empty,
    ``a``, ``beta``, ``s`` = σ(βa) and ``sigma(t)`` = 1/(1 + e^-t) are known.
    """
    symbols = exercise.expression_symbols
    definitions = exercise.expression_definitions
    if not symbols and not definitions:
        return default_vocabulary()
    defined = {d.split("(")[0].strip() for d in (definitions or {})}
    builtin = {"exp", "log", "ln", "sqrt", "tanh", "e", "pi"}
    variables = [n for n in (symbols or {}) if n not in defined and n not in builtin]
    return make_vocabulary(variables, dict(definitions or {}))


def _safe(call: Any, *args: Any) -> Any:
    """Call an exercise hook; a failure (a student's value it cannot use) is "no value"."""
    try:
        return call(*args)
    except Exception:  # a hook must not sink the marking of a whole sheet
        return None


def _rounded(value: Any, k: int) -> Any:
    if value is None or isinstance(value, str):
        return None
    arr = np.asarray(value, dtype=np.float64)
    if not np.isfinite(arr).all():
        return None
    if arr.ndim == 0:
        return round_half_up(float(arr), k)
    return np.vectorize(lambda v: round_half_up(float(v), k))(arr)


def _is_read_off(hand_value: Any, k: int) -> bool:
    """A hand-worked value that is itself rounded to K places: a number read off and rounded."""
    r = _rounded(hand_value, k)
    return r is not None and bool(np.all(np.asarray(r) == np.asarray(hand_value, dtype=float)))


CLOSE = 0.02  # a wrong number this close (relatively) to the answer was probably rounded early


def number_slip(got: Any, expected: Any, tol: Tolerance) -> str | None:
    """What a wrong number's slip probably is, without giving the answer away: the sign, the
    decimal point, or rounding too early; None when it is none of these."""
    try:
        g, e = float(got), float(expected)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(g) and math.isfinite(e)) or g == 0 or abs(e) <= 2 * tol.margin(e):
        return None  # an answer this near 0 has no sign or decimal point to speak of
    if tol.accepts(-g, e):
        return "the sign is wrong"
    for k in (1, 2, 3, -1, -2, -3):
        if tol.accepts(g / 10.0**k, e):
            return f"off by a factor of {10 ** abs(k)}: check the decimal point"
    if abs(g - e) <= CLOSE * abs(e):
        return (
            "close, but outside the accuracy asked for: check the last steps' arithmetic "
            "and keep more digits in intermediate values"
        )
    return None


def _worth_saying(part: Part, tol: Tolerance) -> bool:
    """Whether a wrong answer's feedback should say how precisely it was marked."""
    if part.kind not in (Kind.NUMBER, Kind.MATRIX):
        return False
    exact = tol.decimals is None and tol.sigfigs is None and tol.rtol == 0 and tol.atol <= 1e-6
    return not exact


class _Question:
    def __init__(
        self, exercise: Exercise, problem: Problem, marking: Marking, vocab: Vocabulary
    ) -> None:
        self.exercise, self.problem, self.m, self.vocab = exercise, problem, marking, vocab
        k = marking.rounding
        hand = _safe(exercise.by_hand, problem, k) if k is not None else None
        self.hand: Mapping[str, Any] = hand or {}
        self.given: dict[str, Any] = {}  # readable answers so far
        self.status: dict[str, str] = {}

    def tolerance(self, part: Part) -> Tolerance:
        if self.m.tolerance is not None and part.takes_question_tolerance():
            return self.m.tolerance
        return part.tolerance

    def matches(self, part: Part, got: Any, expected: Any) -> Match:
        return match(part.kind, got, expected, self.tolerance(part), self.vocab)

    def follow(self, part: Part, given: Mapping[str, Any]) -> Any:
        return _safe(self.exercise.follow_through, self.problem, part.id, dict(given))

    def carried_mistakes(self, part: Part, given: Mapping[str, Any]) -> tuple[Mistake, ...]:
        """The known mistakes worked from the student's own earlier answers."""
        found = _safe(self.exercise.carried_mistakes, self.problem, part.id, dict(given))
        return tuple(found or ())

    def with_read_offs(self, part: Part, candidates: Sequence[Any]) -> list[Any]:
        k = self.m.rounding
        out = [c for c in candidates if c is not None]
        if k is not None and part.kind in (Kind.NUMBER, Kind.MATRIX):
            hand = self.hand.get(part.id)
            if hand is not None and _is_read_off(hand, k):
                out += [r for r in (_rounded(c, k) for c in out) if r is not None]
        return out

    def mark(self, part: Part, raw: Any) -> PartMark:
        try:
            got = parse_answer(raw, part.kind, choices=part.choices, vocab=self.vocab)
        except AnswerError as exc:
            known = self.fractional_mistake(part, raw)
            if known is not None:
                self.status[part.id] = MISCONCEPTION
                return known
            line = self.m.lines.get(part.id)
            where = f"line {line}: " if line else ""
            self.status[part.id] = UNREADABLE
            return PartMark(part.id, UNREADABLE, 0.0, f"unreadable: {where}{exc}")
        if got is None:
            self.status[part.id] = UNANSWERED
            return PartMark(part.id, UNANSWERED, 0.0, "unanswered")
        outcome = self.judge(part, got)
        # exercises see plain values: an expression as the text the student wrote
        self.given[part.id] = str(raw).strip() if part.kind == Kind.EXPRESSION else got
        self.status[part.id] = outcome.status
        return outcome

    def judge(self, part: Part, got: Any) -> PartMark:
        g = self.m.grading
        exact = self.matches(part, got, part.answer)
        if exact.ok or any(self.matches(part, got, a).ok for a in part.alternatives):
            return PartMark(part.id, RIGHT, 1.0, "right")
        if part.kind == Kind.CHOICE:
            return self.wrong_choice(part, got)
        earlier = dict(self.given)
        sound = {p: v for p, v in earlier.items() if self.status.get(p) in _SOUND}
        k = self.m.rounding
        if k is not None:
            candidates = [self.hand.get(part.id), part.answer, *part.alternatives]
            if sound:
                candidates.append(self.follow(part, sound))
            for candidate in self.with_read_offs(part, candidates):
                if self.matches(part, got, candidate).ok:
                    return PartMark(
                        part.id,
                        HAND,
                        1.0,
                        f"right, as worked by hand with values read off to {places_text(k)}",
                    )
        if len(sound) < len(earlier):
            follow = self.follow(part, earlier)
            for candidate in self.with_read_offs(part, [follow]):
                if self.matches(part, got, candidate).ok:
                    return self.carried(part, earlier, follow, g.follow_through)
        carried = self.carried_mistakes(part, earlier) if earlier else ()
        for mistake in (*part.mistakes, *carried):
            if self.matches(part, got, mistake.value).ok:
                return self.named(part, mistake, got)
        partial = exact.fraction if (part.kind == Kind.MATRIX and g.matrix_partial) else 0.0
        if part.kind == Kind.MATRIX and exact.mask is not None and partial:
            partial = self.entries_right(part, got, exact)
        return PartMark(part.id, WRONG, partial, self.wrong_text(part, got, exact))

    def fractional_mistake(self, part: Part, raw: Any) -> PartMark | None:
        """A whole-number part answered with the fraction a known mistake gives (a size of
        4.5 from / for //): that mistake, named; None for any other unreadable answer."""
        if part.kind != Kind.INTEGER:
            return None
        try:
            value = parse_answer(raw, Kind.NUMBER)
        except AnswerError:
            return None
        for mistake in part.mistakes:
            v = mistake.value
            if isinstance(v, float) and v != int(v) and abs(value - v) <= 1e-9 * max(1, abs(v)):
                return self.named(part, mistake, value)
        return None

    def named(self, part: Part, mistake: Mistake, got: Any) -> PartMark:
        """The mark of an answer a known mistake gives: that mistake, named."""
        text = f"wrong: {self.sentence(part, mistake.misconception)}"
        if self.m.reveal:
            text += f" ({self.expected_text(part, got)})"
        credit = self.m.grading.misconception
        return PartMark(part.id, MISCONCEPTION, credit, text, ids(mistake.misconception))

    def sentence(self, part: Part, misconception: str) -> str:
        """What a known mistake on ``part`` tells the student: the exercise's own words where
        the student's earlier answers place it (``explain_mistake``), else its sentence."""
        hook = self.exercise.explain_mistake
        own = _safe(hook, self.problem, part.id, misconception, dict(self.status))
        return own if isinstance(own, str) and own else describe(misconception)

    def wrong_choice(self, part: Part, got: Any) -> PartMark:
        """A wrong option: why it is wrong (as the exports say), and the mistake it shows."""
        letters = [chr(ord("A") + k) for k in range(len(part.choices))]
        k = letters.index(got) if got in letters else -1
        why = part.explanations[k] if 0 <= k < len(part.explanations) else ""
        tags = tuple(
            i for m in part.mistakes if str(m.value).upper() == got for i in ids(m.misconception)
        )
        # as the exports say: a known mistake's sentence, else the option's own explanation
        why = " ".join(describe(t) for t in tags) if tags else why
        text = f"wrong: {why}" if why else self.wrong_text(part, got, Match(False))
        if why and self.m.reveal:
            text += f" ({self.expected_text(part, got)})"
        status, credit = (MISCONCEPTION, self.m.grading.misconception) if tags else (WRONG, 0.0)
        return PartMark(part.id, status, credit, text, tags)

    def entries_right(self, part: Part, got: Any, exact: Match) -> float:
        """The fraction of entries right against the exact or (where allowed) hand values."""
        assert exact.mask is not None
        mask = exact.mask.copy()
        if self.m.rounding is not None:
            for candidate in self.with_read_offs(part, [self.hand.get(part.id)]):
                other = self.matches(part, got, candidate)
                if other.mask is not None:
                    mask |= other.mask
        return float(mask.mean())

    def carried(
        self, part: Part, earlier: Mapping[str, Any], follow: Any, credit: float
    ) -> PartMark:
        wrong = [
            p for p in self.problem.parts if p.id in earlier and self.status[p.id] not in _SOUND
        ]
        relevant = []
        for p in wrong:  # the wrong answers this part actually depends on
            fixed = dict(earlier)
            fixed[p.id] = p.answer
            alt = self.follow(part, fixed)
            if alt is None or not self.matches(part, follow, alt).ok:
                relevant.append(p)
        named = relevant or wrong
        sources = ", ".join(
            f"{symbol(p)} = {show_value(earlier[p.id], self.tolerance(p))}" for p in named
        )
        text = f"follows correctly from your {sources} (error carried forward)"
        if credit < 1:
            text += f"; earns {credit:.0%} of the points"
        return PartMark(part.id, CARRIED, credit, text)

    def expected_text(self, part: Part, got: Any) -> str:
        tol = self.tolerance(part)
        if part.kind == Kind.EXPRESSION:
            return f"expected an expression equivalent to {part.answer}"
        if part.kind == Kind.CHOICE:
            return f"expected {part.answer}, got {got}"
        prefix = "expected about" if _worth_saying(part, tol) else "expected"
        return f"{prefix} {show_value(part.answer, tol)}, got {show_value(got, tol)}"

    @staticmethod
    def is_transpose(got: Any, expected: Any, tol: Tolerance) -> bool:
        """Whether ``got`` is ``expected`` with rows and columns swapped (and not symmetric)."""
        g = np.atleast_2d(np.asarray(got, dtype=np.float64))
        e = np.atleast_2d(np.asarray(expected, dtype=np.float64))
        if g.ndim != 2 or e.ndim != 2 or 1 in e.shape or g.T.shape != e.shape:
            return False
        return match_matrix(g.T, e, tol).ok and not match_matrix(g, e, tol).ok

    def wrong_text(self, part: Part, got: Any, exact: Match) -> str:
        tol = self.tolerance(part)
        precision = f" (marked {tol.describe()})" if _worth_saying(part, tol) else ""
        if part.kind == Kind.EXPRESSION and isinstance(got, Node) and not free_names(got):
            return "wrong: write it as an expression in the problem's symbols, not as a number"
        if part.kind == Kind.MATRIX and self.is_transpose(got, part.answer, tol):
            return "wrong: this is the transpose of the answer (rows and columns swapped)"
        if exact.shape:
            return f"wrong: {exact.shape}"
        if part.kind == Kind.MATRIX and exact.mask is not None:
            bad = np.argwhere(~exact.mask)
            right = int(exact.mask.sum())
            i, j = (int(v) for v in bad[0])
            text = f"wrong: {right} of {exact.mask.size} entries right"
            if self.m.reveal:
                first = "" if len(bad) == 1 else "the first wrong entry is "
                exp = np.atleast_2d(np.asarray(part.answer, dtype=float))
                g = np.atleast_2d(np.asarray(got, dtype=float)).reshape(exp.shape)
                return (
                    f"{text}; {first}row {i + 1}, column {j + 1}: "
                    f"expected{' about' if precision else ''} {show_value(exp[i, j], tol)}, "
                    f"got {show_value(g[i, j], tol)}{precision}"
                )
            places = [f"row {int(a) + 1}, column {int(b) + 1}" for a, b in bad[:4]]
            if len(bad) > 4:
                places[-1] = f"{len(bad) - 3} more"
            if len(places) == 1:
                return f"{text}; {places[0]} is off{precision}"
            return f"{text}; {'; '.join(places[:-1])} and {places[-1]} are off{precision}"
        slip = number_slip(got, part.answer, tol) if part.kind == Kind.NUMBER else None
        if self.m.reveal:
            text = f"wrong: {self.expected_text(part, got)}{precision}"
            return f"{text}; {slip}" if slip else text
        return f"wrong: {slip}{precision}" if slip else f"wrong{precision}"


def mark_question(
    exercise: Exercise,
    problem: Problem,
    answers: Mapping[str, Any],
    marking: Marking,
    *,
    vocab: Vocabulary | None = None,
) -> list[PartMark]:
    """Mark every part of ``problem`` from the raw sheet values ``answers`` (part id -> value)."""
    q = _Question(exercise, problem, marking, vocab or vocabulary_for(exercise))
    return [q.mark(part, answers.get(part.id, "")) for part in problem.parts]


def readability(
    exercise: Exercise, problem: Problem, answers: Mapping[str, Any], marking: Marking
) -> list[PartMark]:
    """Only whether each part is answered and readable (practice verdicts turned off)."""
    vocab = vocabulary_for(exercise)
    out = []
    for part in problem.parts:
        try:
            got = parse_answer(
                answers.get(part.id, ""), part.kind, choices=part.choices, vocab=vocab
            )
        except AnswerError as exc:
            line = marking.lines.get(part.id)
            where = f"line {line}: " if line else ""
            out.append(PartMark(part.id, UNREADABLE, 0.0, f"unreadable: {where}{exc}"))
            continue
        if got is None:
            out.append(PartMark(part.id, UNANSWERED, 0.0, "unanswered"))
        else:
            out.append(PartMark(part.id, "answered", 1.0, "answered and readable"))
    return out


def to_results(
    qid: str, marks: Sequence[PartMark], points: Mapping[str, float]
) -> list[TestResult]:
    """TestResults named ``qid.part`` with each part's share of the points."""
    out = []
    for pm in marks:
        pts = float(points.get(pm.part, 0.0))
        out.append(
            TestResult(
                name=f"{qid}.{pm.part}",
                score=pts * pm.credit,
                max_score=pts,
                output=pm.message,
                tags=pm.tags,
                attempted=pm.status not in (UNANSWERED,),
            )
        )
    return out
