"""``grader grade`` against a student who controls their file, its name and their LMS name.

Each attack of the batch's review is replayed through the command line (click's runner, and a
real subprocess for the worst): a sheet that sinks the integrity check, ids spelled like the
batch's own files, formulas in CSV cells, Canvas names that take another student's slot, hard
links to files of the grading machine, control characters swallowed by ``--id-pattern``, and
a run that replaces another run's outputs.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from tests.cli.conftest import QUIZ, quiz_folders, quiz_sheet

SECRET = b"attack secret"
SECRET_TEXT = "attack secret"
FULL = str(int(QUIZ.max_score))


def sheet(student: str, answers_of: str | None = None) -> str:
    """A fully right answers.toml for ``answers_of``'s variant (default: the student's own)."""
    return quiz_sheet(student, answers_of, secret=SECRET)


@pytest.fixture
def q(tmp_path: Path) -> dict[str, Path]:
    return quiz_folders(tmp_path, SECRET)


def run(q: dict[str, Path], *extra: str, assignment: str = "nn-quiz") -> object:
    argv = ["grade", str(q["subs"]), "--assignment", assignment, "--secret-file", str(q["secret"])]
    argv += ["--out", str(q["out"]), *extra]
    return CliRunner().invoke(main, argv)


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))


def grades(q: dict[str, Path]) -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in rows(q["out"] / "grades.csv")}


def results(q: dict[str, Path], student: str) -> dict[str, object]:
    return json.loads((q["out"] / student / "results.json").read_text("utf-8"))


def everything_written(q: dict[str, Path]) -> str:
    """Every text the run wrote, for checking that something was never quoted."""
    return "\n".join(
        p.read_text("utf-8", "replace")
        for p in sorted(q["out"].rglob("*"))
        if p.is_file() and not p.name.startswith("grading.sqlite")
    )


def assert_outputs(q: dict[str, Path]) -> None:
    for name in ("grades.csv", "moodle.csv", "report.html"):
        assert (q["out"] / name).is_file(), name


# --- 1. one sheet cannot sink the class -------------------------------------------------------


def deep_sheet(depth: int = 100_000) -> str:
    return 'student = "A2"\n[q1]\nz = ' + "[" * depth + "]" * depth + "\n"


def test_a_deeply_nested_sheet_costs_only_its_student(q: dict[str, Path]) -> None:
    (q["subs"] / "A1.toml").write_text(sheet("A1"))
    (q["subs"] / "A2.toml").write_text(deep_sheet())  # about 200 KB
    for _ in range(2):  # and every rerun finishes too
        result = run(q)
        assert result.exit_code == 0, result.output
        assert "internal error" not in result.output
        assert_outputs(q)
        got = grades(q)
        assert got["A1"]["score"] == FULL and got["A2"]["score"] == "0"
        assert "nested too deeply" in json.dumps(results(q, "A2"))


def test_deep_sheet_in_a_subprocess_writes_every_output(q: dict[str, Path]) -> None:
    (q["subs"] / "A1.toml").write_text(sheet("A1"))
    (q["subs"] / "A2.toml").write_text(deep_sheet())
    argv = [sys.executable, "-m", "grader", "grade", str(q["subs"]), "-a", "nn-quiz"]
    argv += ["--secret-file", str(q["secret"]), "--out", str(q["out"])]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("graded 2 students")
    assert_outputs(q)


def test_a_check_that_breaks_on_one_sheet_flags_that_student(
    q: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import grader.batch.integrity as integrity

    real = integrity._matches

    def fragile(student, data, variants):  # type: ignore[no-untyped-def]
        if student == "A2":
            raise RecursionError("maximum recursion depth exceeded")
        return real(student, data, variants)

    monkeypatch.setattr(integrity, "_matches", fragile)
    (q["subs"] / "A1.toml").write_text(sheet("A1"))
    (q["subs"] / "A2.toml").write_text(sheet("A2"))
    result = run(q)
    assert result.exit_code == 0, result.output
    assert "1 integrity flag," in result.output
    assert "A2&#39;s answer sheet could not be checked" in (q["out"] / "report.html").read_text()
    assert grades(q)["A2"]["score"] == FULL


# --- 2. ids spelled like the batch's own files ----------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "grades.csv.py",
        "grades.csv.toml",
        "GRADES.CSV.toml",
        "report.html/answers.toml",
        "Report.Html/answers.toml",
        "grading.sqlite.toml",
        "grading.sqlite-wal.toml",
        "moodle.csv.toml",
        "canvas.csv/answers.toml",
        "grades.csv..toml",
        "nul.toml",
        "CON.txt/answers.toml",
    ],
)
def test_an_id_named_like_an_output_is_refused_with_the_reason(
    q: dict[str, Path], name: str
) -> None:
    (q["subs"] / "A1.toml").write_text(sheet("A1"))
    path = q["subs"] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sheet("A1"))
    result = run(q)
    assert result.exit_code == 0, result.output
    assert_outputs(q)
    assert list(grades(q)) == ["A1"]
    html = (q["out"] / "report.html").read_text()
    assert "bad-id" in html and "cannot be a student id" in html
    assert (q["out"] / "grades.csv").is_file() and (q["out"] / "report.html").is_file()


def test_an_id_pattern_cannot_make_an_output_name_either(q: dict[str, Path]) -> None:
    (q["subs"] / "hw_A1.toml").write_text(sheet("A1"))
    (q["subs"] / "hw_moodle.csv.toml").write_text(sheet("A1"))
    result = run(q, "--id-pattern", r"hw_(?P<id>.+)")
    assert result.exit_code == 0, result.output
    assert list(grades(q)) == ["A1"]
    assert "spelled like the output file moodle.csv" in (q["out"] / "report.html").read_text()


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (["A1", "grades.csv"], "spelled like the output file grades.csv"),
        (["A1", "Report.HTML"], "spelled like the output file report.html"),
        (["A1", "key.json"], "spelled like the output file key.json"),
        (["A1", "a1"], "differs from 'A1' (line 2) only in case"),
    ],
)
def test_a_roster_with_such_ids_is_refused(
    q: dict[str, Path], ids: list[str], message: str
) -> None:
    roster = q["tmp"] / "roster.csv"
    roster.write_text("id\n" + "\n".join(ids) + "\n")
    result = run(q, "--roster", str(roster))
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_ids_differing_only_in_case_are_one_student(q: dict[str, Path]) -> None:
    # one folder on macOS and Windows: one student, and two files for their sheet
    (q["subs"] / "a1.toml").write_text(sheet("A1"))
    (q["subs"] / "A1.toml").write_text(sheet("A1"))
    result = run(q)
    assert result.exit_code == 0, result.output
    assert list(grades(q)) == ["A1"]
    assert len([p for p in q["out"].iterdir() if p.is_dir()]) == 1


# --- 3. CSV cells are data --------------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x","click")',
    '=cmd|"/c calc"!A1',
    "+SUM(1,2)",
    "@SUM(1)",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]


def test_formulas_in_a_canvas_roster_reach_no_spreadsheet(q: dict[str, Path]) -> None:
    lines = ["Student,ID,SIS User ID,SIS Login ID,Section", "    Points Possible,,,,"]
    people = []
    for i, formula in enumerate(FORMULAS):
        sid = f"-{i}-3" if i % 2 else f"@x{i}"
        quoted = '"' + formula.replace('"', '""') + '"'
        lines.append(f"{quoted},{100 + i},{sid},{quoted},{quoted}")
        people.append((formula, sid))
        (q["subs"] / f"{sid}.toml").write_text(sheet(sid))
    lines.append('"Ok, Name",12a,B9,b9,S1')  # an ID Canvas never writes
    roster = q["tmp"] / "canvas.csv"
    roster.write_text("\r\n".join(lines) + "\r\n", newline="")
    result = run(q, "--roster", str(roster))
    assert result.exit_code == 0, result.output
    for name in ("grades.csv", "canvas.csv", "moodle.csv"):
        for row in csv.reader(io.StringIO((q["out"] / name).read_text("utf-8"), newline="")):
            for value in row:
                assert not value or value[0] not in "=+-@\t\r", (name, value)
    canvas = rows(q["out"] / "canvas.csv")
    assert list(canvas[0]) == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        QUIZ.title,
    ]
    assert canvas[0]["Student"] == "    Points Possible"
    by_id = {r["ID"]: r for r in canvas[1:]}
    for i, (formula, sid) in enumerate(people):
        row = by_id[str(100 + i)]
        shown = "'" + formula.strip()  # the roster's cells are read without surrounding blanks
        assert row["Student"] == shown and row["SIS Login ID"] == shown
        assert row["SIS User ID"] == "'" + sid
        assert row[QUIZ.title] == FULL  # scores stay numbers
    assert [r["ID"] for r in canvas[1:] if r["SIS User ID"] == "B9"] == [""]
    grade_rows = grades(q)
    assert grade_rows["'-1-3"]["score"] == FULL and grade_rows["'-1-3"]["max_score"] == FULL
    moodle = rows(q["out"] / "moodle.csv")
    assert {r["idnumber"] for r in moodle} == {"'" + sid for _, sid in people} | {"B9"}
    assert all(r["grade"] in (FULL, "0") for r in moodle)


def test_generate_key_csv_neutralises_ids_and_keeps_numbers(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n-2-3,=cmd\nA1,Ann\n")
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    out = tmp_path / "sets"
    argv = ["generate", "--assignment", "nn-quiz", "--roster", str(roster)]
    result = CliRunner().invoke(main, [*argv, "--secret-file", str(secret), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = list(csv.reader(io.StringIO((out / "key.csv").read_text("utf-8"))))
    assert [r[0] for r in table[1:]] == ["'-2-3", "A1"]
    negative = [c for r in table[1:] for c in r[1:] if c.startswith("-")]
    assert negative and all(not c.startswith("'") for c in negative)  # numbers as they were


# --- 4. a student's slot is theirs -----------------------------------------------------------


def canvas_roster(q: dict[str, Path], *people: tuple[str, int, str]) -> Path:
    lines = ["Student,ID,SIS User ID,SIS Login ID,Section", "    Points Possible,,,,"]
    lines += [f'"{name}",{canvas},{sid},{sid.lower()},S1' for name, canvas, sid in people]
    roster = q["tmp"] / "canvas.csv"
    roster.write_text("\n".join(lines) + "\n")
    return roster


@pytest.mark.parametrize("attacker_name", ["Evil, Eve", "Evil, Eve_1001_9999"])
def test_a_canvas_name_cannot_take_another_students_slot(
    q: dict[str, Path], attacker_name: str
) -> None:
    roster = canvas_roster(q, ("Doe, Jane", 1001, "A1"), (attacker_name, 1002, "A2"))
    (q["subs"] / "doejane_1001_5001_answers.toml").write_text(sheet("A1"))
    wrong = sheet("A1").replace("[q1]", "[q1]\nz = 12345.0\n[ignored]")  # worse answers
    (q["subs"] / "evileve_1001_9999_1002_5002_answers.toml").write_text(wrong)
    result = run(q, "--roster", str(roster))
    assert result.exit_code == 0, result.output
    got = grades(q)
    assert got["A1"]["score"] == FULL  # graded on her own file, not the attacker's
    html = (q["out"] / "report.html").read_text()
    if attacker_name == "Evil, Eve":
        # the name part fits neither reading's student: a conflict, graded as no one
        assert "1 conflict (0 students held, not graded)" in result.output
        assert "does not fit the roster" in html and "evileve_1001_9999_1002_5002" in html
        assert got["A2"]["score"] == "0"
    else:  # the roster's own name says it is Eve's file
        assert "conflict" not in result.output
        assert results(q, "A2")["score"] < QUIZ.max_score


def test_a_late_canvas_file_with_a_forged_name_is_no_ones(q: dict[str, Path]) -> None:
    roster = canvas_roster(q, ("Doe, Jane", 1001, "A1"), ("Evil, Eve", 1002, "A2"))
    (q["subs"] / "evil_1001_1_x_LATE_1002_7_answers.toml").write_text(sheet("A1"))
    result = run(q, "--roster", str(roster))
    assert result.exit_code == 0, result.output
    assert grades(q)["A1"]["score"] == "0"  # not graded on a file that is not hers
    assert "conflict" in (q["out"] / "report.html").read_text()


def test_an_ambiguous_canvas_name_without_roster_is_no_ones(q: dict[str, Path]) -> None:
    (q["subs"] / "x_1001_9999_1002_5002_answers.toml").write_text(sheet("canvas-1001"))
    (q["subs"] / "smithjane_1003_5003_answers.toml").write_text(sheet("canvas-1003"))
    result = run(q)
    assert result.exit_code == 0, result.output
    assert list(grades(q)) == ["canvas-1003"]
    assert "read several ways" in (q["out"] / "report.html").read_text()


@pytest.mark.parametrize(
    "files",
    [
        ["A1/answers.toml", "A1.toml"],  # a folder and a loose file
        ["doejane_1001_5001_a.toml", "A1.toml"],  # a Canvas submission and a loose file
        ["doejane_1001_5001_a.toml", "janedoe_1001_5002_b.toml"],  # two name parts, one user
    ],
)
def test_files_from_two_places_hold_the_student(q: dict[str, Path], files: list[str]) -> None:
    roster = canvas_roster(q, ("Doe, Jane", 1001, "A1"), ("Roe, Rick", 1003, "A3"))
    for name in files:
        path = q["subs"] / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(sheet("A1"))
    (q["subs"] / "roerick_1003_5003_answers.toml").write_text(sheet("A3"))
    result = run(q, "--roster", str(roster))
    assert result.exit_code == 0, result.output
    assert "(1 student held, not graded)" in result.output
    got = grades(q)
    assert got["A1"]["score"] == "" and got["A1"]["max_score"] == FULL
    assert got["A3"]["score"] == FULL
    canvas = {r["SIS User ID"]: r for r in rows(q["out"] / "canvas.csv")[1:]}
    assert canvas["A1"][QUIZ.title] == "" and canvas["A3"][QUIZ.title] == FULL
    assert "A1" not in {r["idnumber"] for r in rows(q["out"] / "moodle.csv")}
    report = results(q, "A1")
    assert "Not graded" in json.dumps(report) and "claim A1's answer sheet" in json.dumps(report)
    html = (q["out"] / "report.html").read_text()
    assert "Conflicts to resolve" in html
    # resolved: the file that is not hers is removed, and she is graded
    (q["subs"] / files[1]).unlink()
    again = run(q, "--roster", str(roster))
    assert "held" not in again.output and grades(q)["A1"]["score"] == FULL


def test_two_files_of_one_canvas_submission_are_no_conflict(q: dict[str, Path]) -> None:
    roster = canvas_roster(q, ("Doe, Jane", 1001, "A1"))
    (q["subs"] / "doejane_1001_5001_answers.toml").write_text(sheet("A1"))
    (q["subs"] / "doejane_LATE_1001_5009_answers-1.toml").write_text(sheet("A1"))
    result = run(q, "--roster", str(roster))
    assert result.exit_code == 0, result.output
    assert "conflict" not in result.output and grades(q)["A1"]["score"] == FULL


# --- 5. only the student's own regular files are read ----------------------------------------


def test_a_hard_link_to_the_secret_is_never_read(q: dict[str, Path]) -> None:
    (q["subs"] / "A1.toml").write_text(sheet("A1"))
    os.link(q["secret"], q["subs"] / "A0000007X.toml")
    outside = q["tmp"] / "shadow"
    outside.write_text("root:$6$hash-of-the-machine:20228:0:99999:7:::\n")
    os.link(outside, q["subs"] / "A0000008Y.toml")
    result = run(q)
    assert result.exit_code == 0, result.output
    written = everything_written(q)
    assert SECRET_TEXT not in written and "hash-of-the-machine" not in written
    assert "hard link" in (q["out"] / "report.html").read_text()
    assert grades(q)["A1"]["score"] == FULL


def test_the_secret_file_itself_among_the_submissions_is_not_read(q: dict[str, Path]) -> None:
    (q["subs"] / "A1.toml").write_text(sheet("A1"))
    inside = q["subs"] / "A0000007X.toml"
    q["secret"].rename(inside)
    q["secret"] = inside
    result = run(q)
    assert result.exit_code == 0, result.output
    assert SECRET_TEXT not in everything_written(q)
    assert "grader&#39;s own input" in (q["out"] / "report.html").read_text()


def test_a_fifo_is_reported_and_never_waited_on(q: dict[str, Path]) -> None:
    (q["subs"] / "A1.toml").write_text(sheet("A1"))
    os.mkfifo(q["subs"] / "A2.toml")
    (q["subs"] / "A3").mkdir()
    os.mkfifo(q["subs"] / "A3" / "answers.toml")
    result = run(q)
    assert result.exit_code == 0, result.output
    assert "named pipe" in (q["out"] / "report.html").read_text()
    assert grades(q)["A2"]["score"] == "0" if "A2" in grades(q) else True


@pytest.mark.skipif(sys.platform != "linux", reason="the sandbox needs Linux")
def test_a_hard_linked_code_file_is_not_quoted_in_feedback(q: dict[str, Path]) -> None:
    assignment = q["tmp"] / "code.toml"
    assignment.write_text(
        'name = "code"\ntitle = "Code"\n[[code]]\nfunction = "relu"\npoints = 1\n'
    )
    (q["subs"] / "A1.py").write_text(
        "import numpy as np\n\ndef relu(a):\n    return np.maximum(0.0, np.asarray(a, dtype=float))\n"
    )
    os.link(q["secret"], q["subs"] / "A0000007X.py")
    result = run(q, assignment=str(assignment))
    assert result.exit_code == 0, result.output
    assert SECRET_TEXT not in everything_written(q)
    assert grades(q)["A1"]["score"] == "1"


# --- 6. ids read by --id-pattern, and runs that replace another's outputs ---------------------


@pytest.mark.parametrize("pattern", [r"hw_(?P<id>.*)", r"hw_(?P<id>\w+)$", r"hw_(\w+)"])
def test_a_control_character_in_a_name_is_not_swallowed(q: dict[str, Path], pattern: str) -> None:
    (q["subs"] / "hw_a\nb.toml").write_text(sheet("a"))
    (q["subs"] / "hw_c\tx.toml").write_text(sheet("c"))
    (q["subs"] / "hw_B1.toml").write_text(sheet("B1"))
    result = run(q, "--id-pattern", pattern)
    assert result.exit_code == 0, result.output
    assert list(grades(q)) == ["B1"]
    assert "control character" in (q["out"] / "report.html").read_text()


def test_replacing_another_runs_outputs_is_said(q: dict[str, Path], tmp_path: Path) -> None:
    (q["subs"] / "A1.toml").write_text(sheet("A1"))
    q["out"].mkdir()
    (q["out"] / "grades.csv").write_text("id,score,max_score,sigmoid\nZ9,3,3,3\n")
    first = run(q)
    assert first.exit_code == 0 and "Warning:" in first.output and "grades.csv" in first.output
    again = run(q)
    assert "Warning" not in again.output  # the same assignment and secret: nothing to say
    other_secret = tmp_path / "other.txt"
    other_secret.write_text("another secret")
    q["secret"] = other_secret
    third = run(q)
    assert "Warning:" in third.output and "another secret" in third.output
    code = tmp_path / "code.toml"
    code.write_text(
        'name = "quiz2"\ntitle = "Q"\n[[question]]\nid = "q1"\n'
        'exercise = "conv_output_size"\npoints = 2\n'
    )
    fourth = run(q, assignment=str(code))
    assert "Warning:" in fourth.output and "assignment 'nn-quiz'" in fourth.output
