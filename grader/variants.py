"""Each student's problems for an assignment, drawn from the secret or rebuilt from a key.

``key.json`` records every variant's parameters, because NumPy does not promise the same random
stream across versions: grading rebuilds the recorded problems (:func:`problems_from_key`) and
regenerates from the secret only to cross-check (:func:`cross_check`).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from typing import Any

from exercises.base import Problem, to_json
from exercises.diagnostic import works_by_hand
from grader.assignment import Assignment, Question
from grader.errors import InputError
from grader.seeds import question_rng
from grader.topics import catalogue

REDRAWS = 20  # attempts to avoid giving one student the same variant twice


def adjust(problem: Problem, question: Question) -> Problem:
    """Apply the question's tolerance override and hand-rounding rule to ``problem`` (the
    rule only where the variant can be worked by hand)."""
    exercise = catalogue()[problem.exercise]
    rounding = question.rounding if works_by_hand(exercise, problem.params) else None
    if question.tolerance is None and rounding == problem.hand_rounding:
        return problem
    parts = problem.parts
    if question.tolerance is not None:
        parts = tuple(
            dataclasses.replace(p, tolerance=question.tolerance)
            if p.takes_question_tolerance()
            else p
            for p in parts
        )
    return dataclasses.replace(problem, parts=parts, hand_rounding=rounding)


def build_variants(assignment: Assignment, student_id: str, secret: bytes) -> dict[str, Problem]:
    """Every question of ``assignment`` for ``student_id``: question id -> problem.

    Pinned ``params`` of a question are kept; the rest are drawn from the student's own random
    stream. A question of the same exercise as an earlier one is redrawn rather than repeat it.
    """
    problems: dict[str, Problem] = {}
    seen: dict[str, list[Any]] = {}  # exercise -> parameters drawn so far
    repeated = {e for e, k in Counter(q.exercise for q in assignment.questions).items() if k > 1}
    for q in assignment.questions:
        exercise = catalogue()[q.exercise]
        rng = question_rng(secret, assignment.name, q.id, student_id)
        try:
            problem = exercise.generate(rng, q.params)
            earlier = seen.get(q.exercise)
            if earlier is not None:
                for _ in range(REDRAWS):
                    if to_json(problem.params) not in earlier:
                        break
                    problem = exercise.generate(rng, q.params)
        except ValueError as exc:
            raise InputError(
                assignment.source or assignment.name, f"question {q.id!r}: {exc}"
            ) from None
        if q.exercise in repeated:
            seen.setdefault(q.exercise, []).append(to_json(problem.params))
        problems[q.id] = adjust(problem, q)
    return problems


def problems_from_key(
    key: Mapping[str, Any], student_id: str, assignment: Assignment, source: str = "key.json"
) -> dict[str, Problem]:
    """Rebuild ``student_id``'s recorded problems from a ``key.json`` document."""
    variants = key.get("variants") if isinstance(key, Mapping) else None
    if not isinstance(variants, Mapping):
        raise InputError(source, "no `variants` table: not a key written by `grader generate`")
    if key.get("assignment") not in (None, assignment.name):
        raise InputError(
            source, f"the key is for assignment {key.get('assignment')!r}, not {assignment.name!r}"
        )
    mine = variants.get(student_id)
    if not isinstance(mine, Mapping):
        raise InputError(source, f"no variants recorded for student {student_id!r}")
    problems: dict[str, Problem] = {}
    for q in assignment.questions:
        entry = mine.get(q.id)
        if not isinstance(entry, Mapping) or not isinstance(entry.get("params"), Mapping):
            raise InputError(
                source, f"student {student_id!r}: no variant recorded for question {q.id!r}"
            )
        if entry.get("exercise") != q.exercise:
            raise InputError(
                source,
                f"student {student_id!r}, question {q.id!r}: the key records exercise "
                f"{entry.get('exercise')!r} but the assignment asks for {q.exercise!r}",
            )
        try:
            problem = catalogue()[q.exercise].build(entry["params"])
        except ValueError as exc:
            raise InputError(source, f"student {student_id!r}, question {q.id!r}: {exc}") from None
        problems[q.id] = adjust(problem, q)
    return problems


def cross_check(
    key: Mapping[str, Any], student_id: str, assignment: Assignment, secret: bytes
) -> list[str]:
    """Question ids whose recorded parameters differ from those the secret gives now.

    An empty list means the key and the secret agree; a difference means another secret, an
    edited key, or a NumPy whose random streams changed (the recorded variant still rules).
    """
    recorded = problems_from_key(key, student_id, assignment)
    fresh = build_variants(assignment, student_id, secret)
    return [
        qid
        for qid, problem in recorded.items()
        if to_json(problem.params) != to_json(fresh[qid].params)
    ]
