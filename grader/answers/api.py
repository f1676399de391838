"""Checking and grading whole answer sheets.

:func:`check_sheet` is ``grader check answers.toml``: a student's instant feedback, from the
parameters the sheet itself carries. :func:`grade_sheet` is batch grading: the problems come
from the caller (the secret or ``key.json``), never from the sheet, and a sheet that cannot
be read scores zero with the reason instead of raising.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from exercises.base import Problem, to_json
from grader.answers.marking import (
    UNANSWERED,
    UNREADABLE,
    Marking,
    PartMark,
    mark_question,
    readability,
    to_results,
)
from grader.answers.sheet import PROBLEMS_TABLE, Sheet, read_sheet
from grader.assignment import (
    BUILTIN,
    Assignment,
    Grading,
    Question,
    load_assignment,
    question_rounding,
    question_tolerance,
)
from grader.errors import GraderError, InputError
from grader.results import Report, TestResult
from grader.topics import get_exercise


def part_points(question: Question | None, problem: Problem) -> dict[str, float]:
    """Each part's points: ``part_points`` where given, the rest of ``points`` split evenly.

    Without a question (no assignment), every part is worth 1.
    """
    ids = [p.id for p in problem.parts]
    if question is None:
        return dict.fromkeys(ids, 1.0)
    fixed = {pid: float(v) for pid, v in question.part_points.items() if pid in ids}
    rest = [pid for pid in ids if pid not in fixed]
    share = max(0.0, question.points - sum(fixed.values())) / len(rest) if rest else 0.0
    return {pid: fixed.get(pid, share) for pid in ids}


def _marking(
    question: Question | None,
    problem: Problem,
    grading: Grading,
    sheet: Sheet | None,
    qid: str,
    *,
    reveal: bool,
) -> Marking:
    rounding = question.rounding if question and question.rounding is not None else None
    return Marking(
        points=part_points(question, problem),
        tolerance=question.tolerance if question else None,
        rounding=rounding if rounding is not None else problem.hand_rounding,
        grading=grading,
        reveal=reveal,
        lines=sheet.part_lines(qid) if sheet else {},
    )


def _unknown_parts(
    qid: str, problem: Problem, answers: Mapping[str, Any], sheet: Sheet
) -> list[str]:
    known = [p.id for p in problem.parts]
    notes = []
    for pid in answers:
        if pid not in known:
            line = sheet.lines.get((qid, pid))
            at = f" (line {line})" if line else ""
            notes.append(
                f"{qid}: unknown part `{pid}`{at}; this question's parts are {', '.join(known)}"
            )
    return notes


def _summary(tests: Sequence[TestResult], marks: Sequence[PartMark], verdicts: bool) -> str:
    n = len(marks)
    unanswered = sum(m.status == UNANSWERED for m in marks)
    unreadable = sum(m.status == UNREADABLE for m in marks)
    bits = []
    if verdicts:
        right = sum(
            t.status == "passed"
            for t, m in zip(tests, marks, strict=True)
            if m.status not in (UNANSWERED, UNREADABLE)
        )
        bits.append(f"{right} of {n} parts right")
    else:
        bits.append(f"{n - unanswered - unreadable} of {n} parts answered and readable")
    if unanswered:
        bits.append(f"{unanswered} unanswered")
    if unreadable:
        bits.append(f"{unreadable} unreadable")
    return "; ".join(bits)


def _rebuild(entry: Mapping[str, Any] | None, qid: str) -> tuple[Any, Problem]:
    """The exercise and problem a sheet's ``[_problems.<qid>]`` describes."""
    if entry is None:
        raise ValueError(
            f"the sheet has no [{PROBLEMS_TABLE}.{qid}] table, so its problem is unknown"
        )
    exercise_id, params = entry.get("exercise"), entry.get("params", {})
    if not isinstance(exercise_id, str) or not isinstance(params, dict):
        raise ValueError(
            f"[{PROBLEMS_TABLE}.{qid}] needs `exercise` (a name) and `params` (a table)"
        )
    try:
        exercise = get_exercise(exercise_id)
    except KeyError as exc:
        raise ValueError(str(exc).strip("\"'")) from None
    try:
        return exercise, exercise.build(params)
    except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
        raise ValueError(
            f"[{PROBLEMS_TABLE}.{qid}] does not describe a problem: {str(exc).strip(chr(39))}"
        ) from None


def _sheet_policy(marking: Marking, entry: Mapping[str, Any], qid: str) -> tuple[Marking, str]:
    """Without an assignment, a ``[_problems.<qid>]`` table may state the question's
    ``rounding`` and ``tolerance`` (as an assignment would); returns the marking and a note
    when they cannot be used."""
    changes: dict[str, Any] = {}
    try:
        rounding = question_rounding(entry.get("rounding"))
        tolerance = question_tolerance(entry.get("tolerance"))
        if rounding is not None:
            changes["rounding"] = rounding
        if tolerance is not None:
            changes["tolerance"] = tolerance
    except ValueError as exc:
        return marking, f"[{PROBLEMS_TABLE}.{qid}]: {exc}; exercise defaults used"
    return dataclasses.replace(marking, **changes), ""


def _assignment_for(sheet: Sheet) -> Assignment | None:
    if sheet.assignment in BUILTIN:
        try:
            return load_assignment(sheet.assignment)
        except GraderError:
            return None
    return None


def check_sheet(path: Path, assignment: Assignment | None = None) -> Report:
    """``grader check answers.toml``: what is unanswered, unreadable, and (where the
    assignment allows practice feedback) right or wrong, never the expected values.

    Without ``assignment``, the sheet's own ``assignment`` is used if it is a built-in name,
    else each exercise's defaults (1 point per part, its own tolerances), with the
    ``rounding`` and ``tolerance`` a ``[_problems.<qid>]`` table may state. Raises
    :class:`~grader.errors.InputError` if the file cannot be read as a sheet.
    """
    sheet = read_sheet(Path(path))
    notes = list(sheet.notes)
    if assignment is None:
        assignment = _assignment_for(sheet)
    elif sheet.assignment and sheet.assignment != assignment.name:
        notes.append(f"this sheet is for assignment `{sheet.assignment}`, not `{assignment.name}`")
    grading = assignment.grading if assignment else Grading()
    verdicts = grading.practice
    qids = list(sheet.answers)
    if assignment:
        for q in assignment.questions:
            if q.id not in sheet.answers:
                qids.append(q.id)
    tests: list[TestResult] = []
    all_marks: list[PartMark] = []
    for qid in qids:
        question = _question(assignment, qid)
        if assignment and question is None:
            notes.append(
                f"`{qid}` is not a question of assignment `{assignment.name}`; not checked"
            )
            continue
        answers = sheet.answers.get(qid, {})
        entry = sheet.problems.get(qid)
        if question is not None and question.params:  # the assignment's pinned values rule
            entry, changed = _pinned_entry(entry, question)
            if changed:
                notes.append(
                    f"{qid}: the sheet's [{PROBLEMS_TABLE}.{qid}] differs from the parameters "
                    "the assignment pins; the assignment's are used"
                )
        try:
            exercise, problem = _rebuild(entry, qid)
        except ValueError as exc:
            points = question.points if question else 0.0
            missing = qid not in sheet.answers
            reason = "missing from the sheet" if missing else f"cannot be checked: {exc}"
            tests.append(TestResult(qid, 0.0, points or 1.0, reason, attempted=not missing))
            continue
        if question and question.exercise != problem.exercise:
            notes.append(
                f"{qid}: the sheet has a {problem.exercise} problem, the assignment asks for "
                f"{question.exercise}"
            )
        notes += _unknown_parts(qid, problem, answers, sheet)
        marking = _marking(question, problem, grading, sheet, qid, reveal=False)
        if question is None and entry is not None:
            marking, note = _sheet_policy(marking, entry, qid)
            notes += [note] if note else []
        if verdicts:
            marks = mark_question(exercise, problem, answers, marking)
        else:
            marks = readability(exercise, problem, answers, marking)
            marking = Marking(points=dict.fromkeys(marking.points, 1.0))
        all_marks += marks
        tests += to_results(qid, marks, marking.points)
    lines = [*notes]
    if not verdicts:
        lines.append(
            "Practice feedback is off for this assignment: only whether each answer is "
            "readable is checked; the score counts readable answers."
        )
    lines.append(_summary([t for t in tests if "." in t.name], all_marks, verdicts))
    return Report(tuple(tests), output="\n".join(lines))


def _pinned_entry(
    entry: Mapping[str, Any] | None, question: Question
) -> tuple[dict[str, Any], bool]:
    """The sheet's problem table with the question's pinned ``params`` over its own.

    Returns the table and whether the pinned values changed the sheet's problem.
    """
    own = entry.get("params") if entry is not None else None
    sheet_params = dict(own) if isinstance(own, Mapping) else {}
    merged = {
        **(dict(entry) if entry is not None else {}),
        "exercise": question.exercise,
        "params": {**sheet_params, **question.params},
    }
    if entry is None:
        return merged, False
    try:
        before = to_json(_rebuild(entry, question.id)[1].params)
        after = to_json(_rebuild(merged, question.id)[1].params)
    except ValueError:
        return merged, True
    return merged, before != after


def _question(assignment: Assignment | None, qid: str) -> Question | None:
    if assignment is None:
        return None
    try:
        return assignment.question(qid)
    except KeyError:
        return None


def _same(a: Any, b: Any) -> bool:
    """Parameters equal as JSON data, numbers compared as floats."""
    a, b = to_json(a), to_json(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def sheet_flags(
    sheet: Sheet, assignment: Assignment, problems: Mapping[str, Problem], student_id: str
) -> list[str]:
    """What a grader should look at: a sheet for someone else, or another assignment."""
    flags = []
    if sheet.student is None:
        flags.append("the sheet does not say whose it is (no `student`)")
    elif sheet.student != student_id:
        flags.append(f"the sheet is for student `{sheet.student}`, not `{student_id}`")
    if sheet.assignment is None:
        flags.append("the sheet does not name its assignment")
    elif sheet.assignment != assignment.name:
        flags.append(f"the sheet is for assignment `{sheet.assignment}`, not `{assignment.name}`")
    for qid, problem in problems.items():
        entry = sheet.problems.get(qid)
        if entry is not None and (
            entry.get("exercise") != problem.exercise
            or not _same(entry.get("params", {}), problem.params)
        ):
            flags.append(
                f"{qid}: the sheet's [{PROBLEMS_TABLE}.{qid}] is not this student's problem "
                "(graded against the student's own)"
            )
    return flags


def grade_sheet(
    source: Path | str,
    assignment: Assignment,
    problems: Mapping[str, Problem],
    student_id: str,
    *,
    reveal: bool = True,
) -> Report:
    """Grade one sheet against the student's own ``problems`` (question id -> problem).

    ``source`` is a path, or the sheet's text as a ``str`` (a one-line ``str`` without ``=``
    is taken as a path). Points come from the assignment (split evenly among a question's
    parts unless ``part_points``). A sheet that cannot be read scores zero, each part saying
    why; flags (another student's or another assignment's
    sheet, a tampered ``[_problems]``) are in ``output`` and in ``extra_data.flags``.
    ``reveal`` puts the expected values in the feedback of wrong answers.
    """
    sheet: Sheet | None
    try:
        if isinstance(source, str) and "\n" not in source and "=" not in source:
            source = Path(source)  # a path given as text, not a sheet's text
        sheet = read_sheet(source)
        sheet_error = ""
    except InputError as exc:
        sheet, sheet_error = None, f"the answer sheet could not be read: {exc}"
    tests: list[TestResult] = []
    all_marks: list[PartMark] = []
    notes: list[str] = []
    flags: list[str] = []
    if sheet is not None:
        flags = sheet_flags(sheet, assignment, problems, student_id)
        notes += list(sheet.notes)
        asked = {q.id for q in assignment.questions}
        notes += [
            f"`{qid}` is not a question of this assignment; ignored"
            for qid in sheet.answers
            if qid not in asked
        ]
    for question in assignment.questions:
        problem = problems.get(question.id)
        if problem is None:
            tests.append(
                TestResult(
                    question.id, 0.0, question.points, "no problem was recorded for this question"
                )
            )
            continue
        points = part_points(question, problem)
        if sheet is None:
            marks = [PartMark(p.id, UNREADABLE, 0.0, sheet_error) for p in problem.parts]
        else:
            exercise = get_exercise(problem.exercise)
            answers = sheet.answers.get(question.id, {})
            notes += _unknown_parts(question.id, problem, answers, sheet)
            marking = _marking(
                question, problem, assignment.grading, sheet, question.id, reveal=reveal
            )
            marks = mark_question(exercise, problem, answers, marking)
        all_marks += marks
        tests += to_results(question.id, marks, points)
    lines = [f"FLAG: {f}" for f in flags] + notes
    if sheet_error:
        lines.append(sheet_error)
    lines.append(_summary([t for t in tests if "." in t.name], all_marks, True))
    extra: dict[str, Any] = {"extra_data": {"flags": flags}} if flags else {}
    return Report(tuple(tests), output="\n".join(lines), extra=extra)
