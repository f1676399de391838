"""An assignment's questions as format-neutral quiz items, ready for an LMS writer.

Every question of an assignment is drawn ``variants`` times from a reproducible seed; each
variant becomes a :class:`Variant` whose answer parts are *blanks*: a :class:`NumericBlank`
per number, integer or matrix element, a :class:`ChoiceBlank` per multiple-choice part. A
blank lists every value range the LMS should recognise: the key (full credit), values worked
by hand with the assignment's rounding (full credit), and the values known mistakes give
(no credit, with the misconception's feedback). Parts no LMS format can grade automatically
(symbolic expressions) are listed in :attr:`QuizQuestion.skipped`, never dropped silently.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from exercises.base import Kind, Part, Problem, Tolerance, finite_scalar, plural
from grader.assignment import Assignment, Question
from grader.errors import UsageError
from grader.lms.texts import (
    solution_html,
    statement_html,
    without_options,
)
from grader.seeds import question_rng
from grader.topics import describe
from grader.variants import adjust

MAX_VARIANTS = 200
ATTEMPTS_PER_VARIANT = 20  # redraws before accepting that a question has few distinct variants


@dataclass(frozen=True)
class Answer:
    """One value range an LMS recognises for a numeric blank.

    ``fraction`` is the credit (1.0 right, 0.0 a recognised mistake); ``margin`` the absolute
    half-width of the range; ``feedback`` plain text shown when it matches.
    """

    value: float
    margin: float
    fraction: float
    feedback: str
    misconception: str | None = None


@dataclass(frozen=True)
class NumericBlank:
    """One number to type: a NUMBER or INTEGER part, or one element of a MATRIX part.

    ``answers[0]`` is the key. ``element`` is the 0-based (row, column) of a matrix element.
    """

    key: str  # "y_hat", or "feature_map[1][2]"
    part_id: str
    label: str  # the quantity in the course's notation
    element: tuple[int, int] | None
    answers: tuple[Answer, ...]
    integer: bool
    tolerance_text: str
    weight: float = 1.0
    single_row: bool = False  # an element of a matrix of one row

    @property
    def value(self) -> float:
        return self.answers[0].value

    @property
    def margin(self) -> float:
        return self.answers[0].margin

    @property
    def prompt(self) -> str:
        """What to type, in words: ``"ŷ"`` or ``"row 2, column 3 of the feature map"``."""
        if self.element is None:
            return self.label
        r, c = self.element
        if self.single_row:  # a row such as the predicted classes: "entry 2", not "row 1, ..."
            return f"{self.label}, entry {c + 1}"
        return f"{self.label}, row {r + 1}, column {c + 1}"


@dataclass(frozen=True)
class ChoiceBlank:
    """A multiple-choice (or true/false) part: options in the order shown, one right."""

    key: str
    part_id: str
    label: str
    options: tuple[str, ...]
    correct: int
    feedback: tuple[str, ...]  # per option; a misconception's sentence or ""
    misconceptions: tuple[str | None, ...]
    weight: float = 1.0

    @property
    def true_false(self) -> bool:
        return [o.strip().lower() for o in self.options] == ["true", "false"]

    @property
    def prompt(self) -> str:
        # the label says how to write the answer on a sheet (a letter); here one picks an option
        return "the right option"


Blank = NumericBlank | ChoiceBlank


@dataclass(frozen=True)
class Variant:
    """One drawn problem of a question, with its texts and blanks."""

    index: int  # 1-based
    problem: Problem
    statement_html: str
    solution_html: str
    blanks: tuple[Blank, ...]
    shapes: Mapping[str, tuple[int, int]]  # matrix part id -> (rows, columns)

    def blanks_of(self, part_id: str) -> tuple[Blank, ...]:
        return tuple(b for b in self.blanks if b.part_id == part_id)


@dataclass(frozen=True)
class QuizQuestion:
    """A question of the assignment and its distinct variants."""

    id: str
    exercise: str
    title: str
    points: float
    variants: tuple[Variant, ...]
    skipped: tuple[tuple[str, str], ...]  # (part id, reason) not exportable in any format
    pinned: bool = False  # the assignment fixes the parameters: one problem, however drawn


@dataclass(frozen=True)
class Quiz:
    """Every question of an assignment, ``requested`` variants each (fewer where not distinct)."""

    name: str
    title: str
    seed: int
    requested: int
    questions: tuple[QuizQuestion, ...]

    @property
    def notes(self) -> tuple[str, ...]:
        """What did not make it into every format, one short phrase each."""
        out: list[str] = []
        few: dict[tuple[int, bool], list[str]] = {}  # (variants, pinned) -> question ids
        for q in self.questions:
            for part, reason in q.skipped:
                out.append(f"{q.id}.{part} not exportable ({reason})")
            if not q.variants:
                out.append(f"{q.id} not exported (no part an LMS can grade)")
            elif len(q.variants) < self.requested:
                few.setdefault((len(q.variants), q.pinned), []).append(q.id)
        for (n, pinned), ids in few.items():
            one = len(ids) == 1
            why = f" ({'its' if one else 'their'} parameters are pinned)" if pinned else ""
            has = "has" if one else "have"
            out.append(f"{', '.join(ids)} {has} only {plural(n, 'distinct variant')}{why}")
        return tuple(out)


# --- building ---------------------------------------------------------------------------


def build_quiz(assignment: Assignment, variants: int = 1, seed: int = 0) -> Quiz:
    """Draw ``variants`` distinct variants of every question of ``assignment``.

    Parameters
    ----------
    assignment : Assignment
        Its ``[[question]]`` tables are exported; ``[[code]]`` tables are not quiz material.
    variants : int
        Variants per question, 1 to ``MAX_VARIANTS``.
    seed : int
        Draw k of question q depends only on (seed, assignment, q, k). A question's
        variants are its first draws with distinct statements, preferring statements that no
        earlier question of the same exercise uses; so exporting more variants keeps the
        first ones (for a question whose exercise no earlier question shares).
    """
    if not 1 <= variants <= MAX_VARIANTS:
        raise UsageError(f"--variants must be between 1 and {MAX_VARIANTS}, got {variants}")
    if not assignment.questions:
        raise UsageError(f"assignment {assignment.name!r} has no [[question]] to export")
    drawn: dict[str, set[str]] = {}  # exercise -> statements of the questions so far
    questions = []
    for q in assignment.questions:
        taken = drawn.setdefault(q.exercise, set())
        problems = draw_problems(assignment.name, q, variants, seed, avoid=taken)
        taken.update(fingerprint(p) for p in problems)
        questions.append(_quiz_question(q, problems))
    return Quiz(assignment.name, assignment.title, seed, variants, tuple(questions))


def variant_rng(seed: int, assignment: str, question_id: str, attempt: int) -> np.random.Generator:
    """The generator of draw number ``attempt`` of question ``question_id``.

    It is the per-student stream of :mod:`grader.seeds` with the export's seed as the secret
    and the draw as the student, so draw k depends only on (seed, assignment, question, k).
    """
    secret = f"lms-export:{seed}".encode()
    return question_rng(secret, assignment, question_id, f"draw-{attempt}")


def draw_problems(
    assignment: str,
    question: Question,
    variants: int,
    seed: int,
    avoid: Collection[str] = (),
) -> list[Problem]:
    """Up to ``variants`` problems of ``question``, no two with the same statement.

    The question's pinned ``params``, tolerance and rounding apply (as for a problem set); a
    fully pinned question has one variant. Statements in ``avoid`` (those of earlier questions
    of the same exercise, see :func:`fingerprint`) are used only when nothing else is left,
    so that a student drawing one variant per question seldom meets a problem twice.
    """
    from grader.topics import get_exercise

    exercise = get_exercise(question.exercise)
    fresh: list[Problem] = []
    reused: list[Problem] = []
    seen: set[str] = set()
    for attempt in range(variants * ATTEMPTS_PER_VARIANT):
        rng = variant_rng(seed, assignment, question.id, attempt)
        try:
            problem = exercise.generate(rng, dict(question.params) or None)
        except ValueError as exc:
            raise UsageError(f"question {question.id!r}: {exc}") from None
        key = fingerprint(problem)
        if key in seen:
            if question.params and attempt >= ATTEMPTS_PER_VARIANT:
                break  # pinned: every draw is the same problem
            continue
        seen.add(key)
        (reused if key in avoid else fresh).append(adjust(problem, question))
        if len(fresh) == variants:
            break
    return (fresh + reused)[:variants]


def fingerprint(problem: Problem) -> str:
    """What makes two variants the same to a student: the statement, options aside."""
    return without_options(problem)


def _quiz_question(question: Question, problems: Sequence[Problem]) -> QuizQuestion:
    from exercises.diagnostic import works_by_hand
    from grader.topics import get_exercise

    exercise = get_exercise(question.exercise)
    rounding = question.rounding if works_by_hand(exercise) else None

    def hand(problem: Problem) -> Mapping[str, Any]:
        if rounding is None:
            return {}
        return exercise.by_hand(problem, rounding) or {}

    return quiz_question(
        question.id,
        question.exercise,
        exercise.title,
        question.points,
        problems,
        hand=hand,
        part_points=question.part_points,
        texts=lambda problem: (statement_html(problem), solution_html(problem, rounding)),
        pinned=bool(question.params),
    )


def quiz_question(
    question_id: str,
    exercise: str,
    title: str,
    points: float,
    problems: Sequence[Problem],
    *,
    hand: Callable[[Problem], Mapping[str, Any]] | None = None,
    part_points: Mapping[str, float] | None = None,
    texts: Callable[[Problem], tuple[str, str]] | None = None,
    pinned: bool = False,
) -> QuizQuestion:
    """A question made of the given variants.

    ``hand(problem)`` gives the values worked by hand with rounded intermediates (accepted
    too); ``part_points`` weighs the parts; ``texts(problem)`` gives the statement and the
    solution as HTML (by default those of :func:`statement_html` and :func:`solution_html`).
    """
    skipped: dict[str, str] = {}
    built: list[Variant] = []
    for index, problem in enumerate(problems, start=1):
        by_hand = hand(problem) if hand else {}
        blanks: list[Blank] = []
        shapes: dict[str, tuple[int, int]] = {}
        for part in problem.parts:
            reason = _unexportable(part)
            if reason:
                skipped.setdefault(part.id, reason)
                continue
            if part.kind is Kind.MATRIX:
                rows, cols = _grid(part.answer).shape
                shapes[part.id] = (rows, cols)
            weight = float((part_points or {}).get(part.id, 1.0))
            blanks.extend(_blanks(part, by_hand.get(part.id), weight))
        # the options of a choice part are left out: the LMS lists (and shuffles) them itself
        shown = dataclasses.replace(problem, statement=without_options(problem))
        statement, solution = (
            texts(shown) if texts else (statement_html(shown), solution_html(problem))
        )
        built.append(
            Variant(
                index=index,
                problem=problem,
                statement_html=statement,
                solution_html=solution,
                blanks=tuple(blanks),
                shapes=shapes,
            )
        )
    return QuizQuestion(
        id=question_id,
        exercise=exercise,
        title=title,
        points=points,
        variants=tuple(v for v in built if v.blanks),
        skipped=tuple(skipped.items()),
        pinned=pinned,
    )


def _unexportable(part: Part) -> str:
    if part.kind is Kind.EXPRESSION:
        return "symbolic expression"
    if part.kind is Kind.CHOICE:
        return "" if part.choices else "choice part without options"
    arr = np.asarray(part.answer, dtype=np.float64)
    if not np.isfinite(arr).all():
        return "no finite answer"
    if part.kind is Kind.MATRIX and arr.ndim > 2:
        return f"matrix answer of {arr.ndim} dimensions"
    return ""


def _blanks(part: Part, hand: Any, weight: float) -> list[Blank]:
    if part.kind is Kind.CHOICE:
        return [_choice_blank(part, weight)]
    if part.kind is Kind.MATRIX:
        answer = _grid(part.answer)
        rows, cols = answer.shape
        cells: list[NumericBlank] = []
        for r in range(rows):
            for c in range(cols):
                cells.append(
                    _numeric_blank(
                        part,
                        f"{part.id}[{r}][{c}]",
                        float(answer[r, c]),
                        _element(hand, (r, c)),
                        [
                            (m.misconception, _element(m.value, (r, c)))
                            for m in part.mistakes
                            # a map of another shape says nothing about one element
                            if not isinstance(m.value, str) and _grid(m.value).shape == answer.shape
                        ],
                        (r, c),
                        weight / (rows * cols),
                        [_element(a, (r, c)) for a in part.alternatives],
                    )
                )
        if rows == 1 and cols > 1:
            cells = [dataclasses.replace(b, single_row=True) for b in cells]
        return list(cells)
    mistakes = [(m.misconception, finite_scalar(m.value)) for m in part.mistakes]
    return [
        _numeric_blank(
            part,
            part.id,
            float(np.asarray(part.answer)),
            finite_scalar(hand),
            mistakes,
            None,
            weight,
            [finite_scalar(a) for a in part.alternatives],
        )
    ]


def _grid(value: Any) -> np.ndarray:
    """A matrix answer as a 2-D array (a row vector for a 1-D one)."""
    return np.atleast_2d(np.asarray(value, dtype=np.float64))


def _element(value: Any, at: tuple[int, int]) -> float | None:
    if value is None or isinstance(value, str):
        return None
    arr = _grid(value)
    if arr.ndim != 2 or at[0] >= arr.shape[0] or at[1] >= arr.shape[1]:
        return None
    v = float(arr[at])
    return v if math.isfinite(v) else None


def _numeric_blank(
    part: Part,
    key: str,
    value: float,
    hand: float | None,
    mistakes: list[tuple[str, float | None]],
    element: tuple[int, int] | None,
    weight: float,
    alternatives: Sequence[float | None] = (),
) -> NumericBlank:
    integer = part.kind is Kind.INTEGER
    tol = part.tolerance

    def margin(v: float) -> float:
        return 0.0 if integer else tol.margin(v)

    answers = [Answer(value, margin(value), 1.0, "Correct.")]
    if hand is not None and not tol.accepts(hand, value):
        answers.append(Answer(hand, margin(hand), 1.0, "Correct (worked with rounded values)."))
    for alt in alternatives:  # right too, by another convention
        if alt is not None and not any(abs(alt - a.value) <= a.margin for a in answers):
            answers.append(Answer(alt, margin(alt), 1.0, "Correct (another accepted convention)."))
    for misconception, wrong in mistakes:
        if wrong is None:
            continue
        same = [a for a in answers if abs(wrong - a.value) <= max(a.margin, margin(wrong))]
        if any(a.fraction > 0 for a in same):
            continue  # a right answer's range covers it: it cannot be told apart
        if same:  # two mistakes give this value: its feedback names both
            i = answers.index(same[0])
            both = f"{same[0].misconception}+{misconception}"
            answers[i] = dataclasses.replace(same[0], feedback=describe(both), misconception=both)
            continue
        answers.append(Answer(wrong, margin(wrong), 0.0, describe(misconception), misconception))
    return NumericBlank(
        key=key,
        part_id=part.id,
        label=part.label or part.id,
        element=element,
        answers=tuple(answers),
        integer=integer,
        tolerance_text="exactly" if integer or _exact(tol, value) else tol.describe(),
        weight=weight,
    )


def _exact(tol: Tolerance, value: float) -> bool:
    return tol.margin(value) <= 1e-6 * max(1.0, abs(value))


def _choice_blank(part: Part, weight: float) -> ChoiceBlank:
    letters = [chr(ord("A") + i) for i in range(len(part.choices))]
    answer = str(part.answer).strip().upper()
    if answer not in letters:
        raise ValueError(f"part {part.id!r}: answer {part.answer!r} is not one of {letters}")
    feedback = [""] * len(letters)
    tags: list[str | None] = [None] * len(letters)
    for m in part.mistakes:
        letter = str(m.value).strip().upper()
        if letter in letters and letter != answer:
            i = letters.index(letter)
            feedback[i], tags[i] = describe(m.misconception), m.misconception
    for i, why in enumerate(part.explanations[: len(letters)]):
        if why and not feedback[i] and i != letters.index(answer):  # a mistake's sentence first
            feedback[i] = why
    return ChoiceBlank(
        key=part.id,
        part_id=part.id,
        label=part.label or part.id,
        options=tuple(str(c) for c in part.choices),
        correct=letters.index(answer),
        feedback=tuple(feedback),
        misconceptions=tuple(tags),
        weight=weight,
    )
