"""Whole sheets: reading, checking (practice feedback) and grading (against the key)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from exercises.base import Problem
from grader.answers import check_sheet, grade_sheet, part_points
from grader.answers.sheet import MAX_BYTES, key_lines, read_sheet
from grader.assignment import Assignment, parse_assignment
from grader.errors import InputError
from grader.topics import get_exercise
from tests.answers.conftest import NOTES_ANSWERS, quiz_problems, sheet_text, write_sheet


def by_name(report) -> dict:  # type: ignore[no-untyped-def]
    return {t.name: t for t in report.tests}


def full_answers(problems: dict[str, Problem]) -> dict[str, dict]:
    return {qid: p.key() for qid, p in problems.items()}


# --- reading ---------------------------------------------------------------------------


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "answers.toml"
    path.write_text('student = "A1"\nassignment = "nn-quiz"\n[q1]\nz = 0.5\ny_hat = 0.5.5\n')
    with pytest.raises(InputError) as err:
        read_sheet(path)
    assert err.value.line == 5
    assert str(err.value).startswith(f"{path}:5: not valid TOML")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'student = "\xff\xfe"\n', "not UTF-8"),
        (b"\x00\x01\x02", "binary file"),
        (b"a" * (MAX_BYTES + 1), "too large"),
    ],
)
def test_unreadable_files(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "answers.toml"
    path.write_bytes(data)
    with pytest.raises(InputError, match=reason):
        read_sheet(path)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_sheet_saved_as_utf16_with_its_mark_is_read(tmp_path: Path, encoding: str) -> None:
    text = 'student = "A1"\nassignment = "hw"\n[q1]\nz = "0.5"\n'
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    path = tmp_path / "answers.toml"
    path.write_bytes(bom + text.encode(encoding))
    sheet = read_sheet(path)
    assert sheet.student == "A1" and sheet.answers["q1"] == {"z": "0.5"}


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_sheet(tmp_path / "nope.toml")
    with pytest.raises(InputError, match="folder"):
        read_sheet(tmp_path)


def test_key_lines_follow_tables_and_dotted_keys() -> None:
    text = (
        'student = "A1"\n'
        "[q1]\n"
        'z = ""\n'
        '  "y_hat" = 0.5  # mine\n'
        "[_problems.q1]\n"
        'exercise = "neuron_output"\n'
        "[q2]\n"
        "q3.value = 1\n"
    )
    lines = key_lines(text)
    assert lines[("q1", "z")] == 3
    assert lines[("q1", "y_hat")] == 4
    assert lines[("q1", "exercise")] == 6
    assert lines[("q3", "value")] == 8


def test_sheet_notes_are_not_fatal() -> None:
    sheet = read_sheet("y_hat = 0.5\n[q1]\nz = 1\n")
    assert sheet.student is None and sheet.answers == {"q1": {"z": 1}}
    assert any("no `student`" in n for n in sheet.notes)
    assert any("`y_hat` (line 1) is outside any question table" in n for n in sheet.notes)


# --- checking --------------------------------------------------------------------------


def test_check_a_fully_right_sheet(tmp_path: Path, quiz: Assignment) -> None:
    for seed in range(3):
        problems = quiz_problems(quiz, seed)
        path = write_sheet(tmp_path / f"s{seed}.toml", full_answers(problems), problems)
        report = check_sheet(path, None)  # the sheet names the built-in nn-quiz
        assert report.passed, [t for t in report.tests if t.status != "passed"]
        assert report.score == pytest.approx(quiz.max_score)
        assert report.max_score == pytest.approx(quiz.max_score)


def test_check_reports_unanswered_and_unreadable_with_lines(
    tmp_path: Path, quiz: Assignment
) -> None:
    problems = quiz_problems(quiz, 0)
    answers = full_answers(problems)
    answers["q3"] = {**NOTES_ANSWERS, "loss": "abc", "b_new": "0.1235"}
    answers["q1"] = {"z": answers["q1"]["z"]}  # y_hat left ""
    path = write_sheet(tmp_path / "answers.toml", answers, problems)
    text = path.read_text().splitlines()
    report = check_sheet(path, None)
    tests = by_name(report)
    loss_line = next(i for i, line in enumerate(text, 1) if line.startswith('loss = "abc"'))
    assert tests["q3.loss"].output == (
        f"unreadable: line {loss_line}: could not read 'abc' as a number"
    )
    assert tests["q1.y_hat"].output == "unanswered"
    assert tests["q3.y_hat"].status == "passed"  # the notes' hand working, rounding = 2
    assert "1 unanswered" in report.output and "1 unreadable" in report.output


def test_check_never_reveals_expected_values(tmp_path: Path, quiz: Assignment) -> None:
    problems = quiz_problems(quiz, 1)
    answers = {"q3": {pid: "0.999" for pid in NOTES_ANSWERS}}
    path = write_sheet(tmp_path / "answers.toml", answers, problems)
    report = check_sheet(path, None)
    dumped = report.dumps()
    assert "expected" not in dumped
    for value in problems["q3"].key().values():
        assert f"{value:.3f}" not in dumped


def test_check_with_practice_feedback_off(tmp_path: Path, quiz: Assignment) -> None:
    strict = parse_assignment(
        'name = "exam"\n[[question]]\nid = "q1"\nexercise = "neuron_output"\npoints = 2\n'
        "[grading]\npractice = false\n"
    )
    problem = get_exercise("neuron_output").generate(np.random.default_rng(0))
    path = write_sheet(
        tmp_path / "answers.toml", {"q1": {"z": 123.0}}, {"q1": problem}, assignment="exam"
    )
    report = check_sheet(path, strict)
    tests = by_name(report)
    assert tests["q1.z"].output == "answered and readable"  # 123 is wrong; not said
    assert tests["q1.y_hat"].output == "unanswered"
    assert "Practice feedback is off" in report.output


def test_check_flags_another_assignment_and_unknown_ids(tmp_path: Path, quiz: Assignment) -> None:
    problems = quiz_problems(quiz, 0)
    answers = full_answers(problems)
    answers["q1"]["zz"] = 1
    text = sheet_text(answers, problems, assignment="other-course")
    text = text.replace("[q1]\n", "[q1]\nzz = 1\n", 1).replace("\nzz = 1\n\n", "\n\n")
    path = tmp_path / "answers.toml"
    path.write_text(text)
    report = check_sheet(path, quiz)
    assert "this sheet is for assignment `other-course`, not `nn-quiz`" in report.output
    assert "q1: unknown part `zz`" in report.output


def test_check_without_a_known_assignment_uses_exercise_defaults(tmp_path: Path) -> None:
    problem = get_exercise("neuron_backprop").build(
        {"x": 0.5, "y": 1.5, "w": 0.3, "b": 0.1, "lr": 0.1}
    )
    path = write_sheet(
        tmp_path / "a.toml", {"w1": problem.key()}, {"w1": problem}, assignment="hw9"
    )
    report = check_sheet(path, None)
    assert report.passed and report.max_score == len(problem.parts)


def test_check_a_tampered_problem_table(tmp_path: Path, quiz: Assignment) -> None:
    problems = quiz_problems(quiz, 0)
    text = sheet_text(full_answers(problems), problems)
    text = text.replace('exercise = "neuron_output"', 'exercise = "no_such_exercise"')
    path = tmp_path / "answers.toml"
    path.write_text(text)
    tests = by_name(check_sheet(path, None))
    assert tests["q1"].status == "failed" and "unknown exercise" in tests["q1"].output
    assert tests["q2.value"].status == "passed"


def test_check_hostile_values_fail_their_part_only(tmp_path: Path, quiz: Assignment) -> None:
    marker = tmp_path / "MARKER"
    problems = quiz_problems(quiz, 2)
    answers = full_answers(problems)
    answers["q2"]["expression"] = f"__import__('os').system('touch {marker}')"
    answers["q1"]["z"] = "9**9**9**9"
    answers["q7"]["feature_map"] = "().__class__"
    path = write_sheet(tmp_path / "answers.toml", answers, problems)
    tests = by_name(check_sheet(path, None))
    assert not marker.exists()
    assert tests["q2.expression"].output.startswith("unreadable: line ")
    assert tests["q1.z"].output.endswith("could not read '9**9**9**9' as a number")
    assert tests["q7.feature_map"].status == "failed"
    others = [t for n, t in tests.items() if n not in ("q2.expression", "q1.z", "q7.feature_map")]
    assert all(t.status == "passed" for t in others if not t.name.startswith("q1."))


# --- grading ---------------------------------------------------------------------------


def test_grade_the_worked_example_as_the_notes_work_it(quiz: Assignment) -> None:
    problems = quiz_problems(quiz, 5)
    answers = full_answers(problems)
    answers["q3"] = dict(NOTES_ANSWERS)
    report = grade_sheet(sheet_text(answers, problems), quiz, problems, "A0000001X")
    tests = by_name(report)
    assert report.score == pytest.approx(quiz.max_score - 1)  # only the notes' slip
    assert tests["q3.b_new"].status == "failed"
    assert "expected about 0.1231, got 0.125" in tests["q3.b_new"].output
    answers["q3"]["b_new"] = 0.1235
    fixed = grade_sheet(sheet_text(answers, problems), quiz, problems, "A0000001X")
    assert fixed.score == pytest.approx(quiz.max_score)


def test_grade_gives_follow_through_credit(quiz: Assignment) -> None:
    from tests.answers.test_marking import chain_from

    problems = quiz_problems(quiz, 5)
    answers = {"q3": chain_from(0.6, dict(problems["q3"].params))}
    report = grade_sheet(sheet_text(answers, problems), quiz, problems, "A0000001X")
    tests = by_name(report)
    assert tests["q3.y_hat"].score == 0
    assert all(tests[f"q3.{p}"].score == 1 for p in NOTES_ANSWERS if p != "y_hat")
    assert tests["q3.w_new"].output.startswith("follows correctly from your ∂L/∂w")


def test_grade_results_json_schema(quiz: Assignment) -> None:
    problems = quiz_problems(quiz, 5)
    answers = full_answers(problems)
    answers["q3"] = {**answers["q3"], "loss": 2 * answers["q3"]["loss"]}
    data = json.loads(
        grade_sheet(sheet_text(answers, problems), quiz, problems, "A0000001X").dumps()
    )
    assert set(data) >= {"score", "max_score", "output", "tests"}
    loss = next(t for t in data["tests"] if t["name"] == "q3.loss")
    assert loss == {
        "name": "q3.loss",
        "score": 0,
        "max_score": 1,
        "status": "failed",
        "output": loss["output"],
        "tags": ["loss-missing-half"],
    }
    assert loss["output"].startswith("wrong: You dropped the 1/2")


def test_grade_uses_the_callers_problems_not_the_sheets(quiz: Assignment) -> None:
    mine = quiz_problems(quiz, 5)
    theirs = quiz_problems(quiz, 6)
    # a sheet copied from another student: their problems, their right answers
    text = sheet_text(full_answers(theirs), theirs, student="A0000002X")
    report = grade_sheet(text, quiz, mine, "A0000001X")
    assert report.score < quiz.max_score
    assert "FLAG: the sheet is for student `A0000002X`, not `A0000001X`" in report.output
    assert "not this student's problem" in report.output
    assert report.to_json()["extra_data"]["flags"]


def test_grade_flags_another_assignment(tmp_path: Path, quiz: Assignment) -> None:
    problems = quiz_problems(quiz, 5)
    path = write_sheet(tmp_path / "a.toml", full_answers(problems), problems, assignment="nn-code")
    report = grade_sheet(path, quiz, problems, "A0000001X")
    assert report.score == pytest.approx(quiz.max_score)
    assert "the sheet is for assignment `nn-code`, not `nn-quiz`" in report.output


def test_grade_an_unreadable_sheet_scores_zero_without_raising(
    tmp_path: Path, quiz: Assignment
) -> None:
    problems = quiz_problems(quiz, 5)
    path = tmp_path / "a.toml"
    path.write_text("student = \n")
    report = grade_sheet(path, quiz, problems, "A0000001X")
    assert report.score == 0 and report.max_score == pytest.approx(quiz.max_score)
    assert "line 1" in report.output
    assert all("could not be read" in t.output for t in report.tests)


def test_part_points() -> None:
    quiz = parse_assignment(
        'name = "x"\n[[question]]\nid = "q"\nexercise = "neuron_output"\npoints = 5\n'
        "part_points = { y_hat = 4 }\n"
    )
    problem = get_exercise("neuron_output").generate(np.random.default_rng(0))
    assert part_points(quiz.questions[0], problem) == {"z": 1.0, "y_hat": 4.0}
    assert part_points(None, problem) == {"z": 1.0, "y_hat": 1.0}


def test_check_falls_back_to_pinned_params_without_a_problem_table(
    tmp_path: Path, quiz: Assignment
) -> None:
    problems = quiz_problems(quiz, 0)
    text = sheet_text({"q3": dict(NOTES_ANSWERS)}, {"q3": problems["q3"]})
    text = text[: text.index("[_problems.q3]")]  # q3 pins the notes' example in nn-quiz
    path = tmp_path / "answers.toml"
    path.write_text(text)
    tests = by_name(check_sheet(path, quiz))
    assert tests["q3.y_hat"].status == "passed" and tests["q3.b_new"].status == "failed"
    assert tests["q4"].output == "missing from the sheet"


@pytest.mark.parametrize("value", ["[" * 50_000 + "]" * 50_000, "{a=" * 3000 + "1" + "}" * 3000])
def test_absurd_nesting_is_unreadable_input(tmp_path: Path, value: str) -> None:
    path = tmp_path / "answers.toml"
    path.write_text(f'student = "A1"\n[q1]\nz = {value}\n')
    with pytest.raises(InputError, match="nested too deeply"):
        read_sheet(path)


def test_problem_table_may_state_rounding_and_tolerance(tmp_path: Path, worked: Problem) -> None:
    text = sheet_text({"w1": dict(NOTES_ANSWERS)}, {"w1": worked}, assignment="hw9")
    path = tmp_path / "answers.toml"
    path.write_text(text)
    plain = by_name(check_sheet(path, None))
    assert plain["w1.y_hat"].status == "failed"  # no rounding rule known
    path.write_text(text + "rounding = 2\ntolerance = { decimals = 3 }\n")
    ruled = by_name(check_sheet(path, None))
    failed = [n for n, t in ruled.items() if t.status == "failed"]
    assert failed == ["w1.b_new"]
    path.write_text(text + 'rounding = "two"\n')
    report = check_sheet(path, None)
    assert "[_problems.w1]: rounding must be a whole number" in report.output
    path.write_text(text + 'tolerance = { rtol = "x" }\n')
    report = check_sheet(path, None)
    assert "[_problems.w1]: tolerance: rtol must be a number >= 0, got 'x'" in report.output


def test_toml_nan_and_inf_literals_are_unreadable(tmp_path: Path, worked: Problem) -> None:
    answers = {"w1": {"y_hat": float("nan"), "loss": float("-inf"), "dL_dyhat": "NaN"}}
    path = write_sheet(tmp_path / "a.toml", answers, {"w1": worked}, assignment="hw9")
    assert "y_hat = nan" in path.read_text() and "loss = -inf" in path.read_text()
    tests = by_name(check_sheet(path, None))
    assert (
        tests["w1.y_hat"].output
        == "unreadable: line 5: 'nan' is not a number (NaN is not an answer)"
    )
    assert "infinite" in tests["w1.loss"].output and "line 6" in tests["w1.loss"].output
    assert "NaN" in tests["w1.dL_dyhat"].output


def test_the_assignments_pinned_parameters_beat_an_edited_sheet(tmp_path: Path) -> None:
    spec = parse_assignment(
        'name = "hw9"\n[[question]]\nid = "w1"\nexercise = "neuron_backprop"\n'
        "rounding = 2\nparams = { x = 0.5, y = 1.5, w = 0.3, b = 0.1, lr = 0.1 }\n"
    )
    edited = get_exercise("neuron_backprop").build(
        {"x": 1.0, "y": 1.5, "w": 0.3, "b": 0.1, "lr": 0.1}
    )
    answers = {"w1": {**NOTES_ANSWERS, "b_new": 0.1235}}  # the notes' chain, worked by hand
    path = write_sheet(tmp_path / "a.toml", answers, {"w1": edited}, assignment="hw9")
    report = check_sheet(path, spec)
    assert all(t.status == "passed" for t in report.tests), report.output
    assert "differs from the parameters the assignment pins" in report.output
    honest = get_exercise("neuron_backprop").build(dict(spec.questions[0].params))
    path = write_sheet(tmp_path / "b.toml", answers, {"w1": honest}, assignment="hw9")
    assert "differs" not in check_sheet(path, spec).output
