"""``grader grade`` inputs that are easy to get wrong: an empty or wrong folder, a pattern
written for the whole file name, a Canvas export's assignment column; and the summary line."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from tests.cli.conftest import QUIZ, quiz_folders, quiz_sheet

SECRET = b"inputs secret"


def sheet(student: str, answers_of: str) -> str:
    """A fully right answers.toml for ``answers_of``'s variant, signed as ``student``."""
    return quiz_sheet(student, answers_of, secret=SECRET)


@pytest.fixture
def q(tmp_path: Path) -> dict[str, Path]:
    return quiz_folders(tmp_path, SECRET)


def grade(q: dict[str, Path], *extra: str):
    argv = ["grade", str(q["subs"]), "-a", "nn-quiz", "--secret-file", str(q["secret"])]
    return CliRunner().invoke(main, [*argv, "--out", str(q["out"]), *extra])


def scores(path: Path, column: str = "score") -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(path.read_text("utf-8")))
    return {r["id"]: r[column] for r in rows}


# --- no submission ----------------------------------------------------------------------------


def test_an_empty_folder_exits_2_with_the_reason_in_a_subprocess(q) -> None:
    argv = [sys.executable, "-m", "grader", "grade", str(q["subs"]), "-a", "nn-quiz"]
    argv += ["--secret-file", str(q["secret"]), "--out", str(q["out"])]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.strip() == (
        f"Error: {q['subs']}: no submission found: the folder holds no student's folder or file"
    )
    assert "Traceback" not in run.stderr and not q["out"].exists()


def test_an_empty_folder_with_a_roster_is_not_a_class_of_zeros(q) -> None:
    roster = q["tmp"] / "roster.csv"
    roster.write_text("id,name\nA1,Ann\nA2,Bo\n")
    result = grade(q, "--roster", str(roster))
    assert result.exit_code == 2
    assert "no submission found" in result.output and "mean" not in result.output


def test_one_submission_is_enough(q) -> None:
    (q["subs"] / "A1.toml").write_text(sheet("A1", "A1"))
    result = grade(q)
    assert result.exit_code == 0, result.output
    assert scores(q["out"] / "grades.csv") == {"A1": str(int(QUIZ.max_score))}


# --- --id-pattern -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        r"A12_(?P<id>A\d{7}X)\.toml",  # the whole file name, as a user writes it
        r"A12_(?P<id>A\d{7}X)",  # the name without suffix, as before
        r"^A12_(A\d{7}X)$",  # anchored on the stem: existing patterns keep working
        r"^A12_(A\d{7}X)\.toml$",  # anchored on the whole name
    ],
)
def test_id_pattern_matches_the_whole_name_or_the_stem(q, pattern) -> None:
    (q["subs"] / "A12_A0123456X.toml").write_text(sheet("A0123456X", "A0123456X"))
    (q["subs"] / "A12_A7654321X.toml").write_text(sheet("A7654321X", "A0123456X"))
    result = grade(q, "--id-pattern", pattern)
    assert result.exit_code == 0, result.output
    got = scores(q["out"] / "grades.csv")
    assert set(got) == {"A0123456X", "A7654321X"}
    assert got["A0123456X"] == str(int(QUIZ.max_score))
    assert float(got["A7654321X"]) < QUIZ.max_score  # another student's variant's answers


def test_the_stem_reading_wins_so_old_patterns_give_the_same_ids(q) -> None:
    # `(?P<id>.+)` matched the stem and gave A1; read on the whole name it would be A1.toml
    (q["subs"] / "A1.toml").write_text(sheet("A1", "A1"))
    result = grade(q, "--id-pattern", "(?P<id>.+)")
    assert result.exit_code == 0, result.output
    assert set(scores(q["out"] / "grades.csv")) == {"A1"}


def test_a_pattern_that_matches_no_name_says_so_and_exits_2(q) -> None:
    (q["subs"] / "A12_A0123456X.toml").write_text(sheet("A0123456X", "A0123456X"))
    result = grade(q, "--id-pattern", r"A13_(?P<id>A\d{7}X)\.toml")
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert "no submission found: 1 file or folder set aside because the name does not match" in line
    assert "tried on each file's whole name and on its name without suffix" in line


# --- the Canvas export's assignment column ----------------------------------------------------

CANVAS_HEAD = "Student,ID,SIS User ID,SIS Login ID,Section"


def canvas_roster(q, *columns: str) -> Path:
    extra = "".join(f",{c}" for c in columns)
    blanks = "," * len(columns)
    rows = [
        CANVAS_HEAD + extra + ",Current Score,Final Score",
        f"    Points Possible,,,,{',27' * len(columns)},(read only),(read only)",
        f'"Smith, Ann",101,A1,ann,S1{blanks},,',
        f'"Lee, Bo",102,A2,bo,S1{blanks},,',
    ]
    path = q["tmp"] / "gradebook.csv"
    path.write_text("\n".join(rows) + "\n", "utf-8")
    (q["subs"] / "A1.toml").write_text(sheet("A1", "A1"))
    return path


def canvas_rows(q) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((q["out"] / "canvas.csv").read_text("utf-8"))))


def test_grades_go_into_the_exports_only_assignment_column(q) -> None:
    roster = canvas_roster(q, "Homework 3 (12345)")
    result = grade(q, "--roster", str(roster))
    assert result.exit_code == 0, result.output
    rows = canvas_rows(q)
    assert list(rows[0]) == [*CANVAS_HEAD.split(","), "Homework 3 (12345)"]
    assert QUIZ.title not in rows[0]  # no new column: Canvas would make a new assignment of it
    by_id = {r["SIS User ID"]: r["Homework 3 (12345)"] for r in rows[1:]}
    assert by_id == {"A1": str(int(QUIZ.max_score)), "A2": "0"}
    assert "Warning" not in result.output


def test_several_assignment_columns_are_refused_with_their_list(q) -> None:
    roster = canvas_roster(q, "Homework 3 (12345)", "Quiz 1 (12346)")
    result = grade(q, "--roster", str(roster))
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert "several assignment columns" in line and "--canvas-column" in line
    assert "'Homework 3 (12345)', 'Quiz 1 (12346)'" in line
    assert "Current Score" not in line
    assert not q["out"].exists()  # refused before grading anyone


@pytest.mark.parametrize("chosen", ["Quiz 1 (12346)", "Quiz 1"])
def test_canvas_column_names_the_column(q, chosen) -> None:
    roster = canvas_roster(q, "Homework 3 (12345)", "Quiz 1 (12346)")
    result = grade(q, "--roster", str(roster), "--canvas-column", chosen)
    assert result.exit_code == 0, result.output
    rows = canvas_rows(q)
    assert list(rows[0])[-1] == "Quiz 1 (12346)"
    assert {r["SIS User ID"]: r["Quiz 1 (12346)"] for r in rows[1:]}["A1"] == str(
        int(QUIZ.max_score)
    )


def test_canvas_column_that_is_not_in_the_export_lists_those_that_are(q) -> None:
    roster = canvas_roster(q, "Homework 3 (12345)")
    result = grade(q, "--roster", str(roster), "--canvas-column", "Homework 4")
    assert result.exit_code == 2
    assert "'Homework 4' is not an assignment column" in result.output
    assert "'Homework 3 (12345)'" in result.output


def test_canvas_column_needs_a_canvas_export(q) -> None:
    roster = q["tmp"] / "roster.csv"
    roster.write_text("id\nA1\n")
    (q["subs"] / "A1.toml").write_text(sheet("A1", "A1"))
    result = grade(q, "--roster", str(roster), "--canvas-column", "Homework 3")
    assert result.exit_code == 2
    assert "--canvas-column names a column of a Canvas gradebook export" in result.output


def test_an_export_without_assignment_columns_gets_a_new_one_with_a_warning(q) -> None:
    roster = canvas_roster(q)
    result = grade(q, "--roster", str(roster))
    assert result.exit_code == 0, result.output
    assert list(canvas_rows(q)[0])[-1] == QUIZ.title
    assert "Warning: the Canvas export has no assignment column" in result.output


# --- the summary line -------------------------------------------------------------------------


def test_summary_is_good_english_in_the_singular_and_on_an_unchanged_rerun(q) -> None:
    (q["subs"] / "A1.toml").write_text(sheet("A1", "A1"))
    (q["subs"] / "A2.toml").write_text(sheet("A2", "A1"))  # A1's answers: one copied-sheet flag
    first = grade(q)
    assert first.exit_code == 0, first.output
    assert first.output.startswith("graded 2 students (2 new, 0 unchanged) in ")
    assert "1 integrity flag, 0 notices;" in first.output
    again = grade(q)
    assert again.exit_code == 0, again.output
    assert again.output.startswith("nothing changed: 2 unchanged; 2 submitted, mean ")
    assert "/s)" not in again.output and " in 0.0s" not in again.output
    (q["subs"] / "A2.toml").unlink()
    alone = grade(q)
    assert alone.output.startswith("nothing changed: 1 unchanged;"), alone.output
    assert "0 integrity flags, 0 notices;" in alone.output


def test_one_student_is_one_student(q) -> None:
    (q["subs"] / "A1.toml").write_text(sheet("A1", "A1"))
    result = grade(q)
    assert result.output.startswith("graded 1 student (1 new, 0 unchanged) in ")


# --- documentation ----------------------------------------------------------------------------


def test_help_and_readme_document_the_roster() -> None:
    help_text = CliRunner().invoke(main, ["grade", "--help"]).output
    for phrase in (
        "`id` column",
        "`name`",
        "`email`",
        "Canvas",
        "id,name,email",
        "--canvas-column",
    ):
        assert phrase in help_text, phrase
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    section = readme.split("### Rosters", 1)[1].split("\n## ", 1)[0]
    assert "id,name,email" in section and "SIS User ID" in section
    assert "--canvas-column" in section and "--id-pattern" in readme
