"""``grader grade`` and ``grader gradescope`` from the command line: errors, outputs, zips.

Quiz-only assignments need no sandbox, so these run the real sheet grader end to end; the
code path, with hostile submissions, is in ``tests/batch/test_end_to_end.py``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.assignment import load_assignment
from grader.cli import main
from tests.cli.conftest import quiz_sheet

SECRET = b"quiz secret"


def sheet(student: str, answers_of: str, secret: bytes = SECRET) -> str:
    """A fully right answers.toml for ``answers_of``'s variant, signed as ``student``."""
    return quiz_sheet(student, answers_of, secret=secret)


@pytest.fixture
def quiz(tmp_path: Path) -> dict[str, Path]:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "A1.toml").write_text(sheet("A1", "A1"))
    (subs / "A2.toml").write_text(sheet("A2", "A1"))  # A1's answers: a copied sheet
    (subs / "A3.toml").write_text('student = "A3"\n[q1\n')  # not TOML
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET + b"\n")
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,email\nA1,Ann,ann@example.org\nA2,Bo,\nA3,Cy,\nA4,Di,\n")
    return {"subs": subs, "secret": secret, "roster": roster, "out": tmp_path / "out"}


def args(q: dict[str, Path], *extra: str) -> list[str]:
    return [
        "grade",
        str(q["subs"]),
        "--assignment",
        "nn-quiz",
        "--secret-file",
        str(q["secret"]),
        "--out",
        str(q["out"]),
        "--roster",
        str(q["roster"]),
        *extra,
    ]


def test_grade_quiz_folder(quiz: dict[str, Path]) -> None:
    result = CliRunner().invoke(main, args(quiz, "--jobs", "2"))
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1 and "graded 4 students" in result.output
    rows = {
        r["id"]: r for r in csv.DictReader(io.StringIO((quiz["out"] / "grades.csv").read_text()))
    }
    max_score = str(int(load_assignment("nn-quiz").max_score))
    assert rows["A1"]["score"] == rows["A1"]["max_score"] == max_score
    assert float(rows["A2"]["score"]) < float(max_score)
    assert rows["A3"]["score"] == "0" and rows["A4"]["score"] == "0"
    assert rows["A1"]["q3"] == "8"  # the worked example's question, 8 points
    html = (quiz["out"] / "report.html").read_text()
    assert "copied-sheet" in html and "A2" in html
    assert "http" not in html.split("</style>")[1]
    assert html.count("<script") == 1 and "<script src" not in html  # the table's, inline
    # the table of students: each id links to the feedback, with the student's status
    for sid, status in (
        ("A2", "flag: copied-sheet"),
        ("A3", "did not load"),
        ("A4", "not submitted"),
    ):
        row = html.split(f'<a href="{sid}/feedback.md" title="feedback">{sid}</a>', 1)[1]
        assert status in row.split("</tr>", 1)[0], sid
    assert "Ann</td>" in html  # the roster's name
    report = json.loads((quiz["out"] / "A3" / "results.json").read_text())
    assert report["score"] == 0 and "could not be read" in report["tests"][0]["output"]


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_canvas_roster_in_excel_encodings_keeps_its_names(
    quiz: dict[str, Path], encoding: str
) -> None:
    # Excel's plain "CSV" is Windows-1252 on Windows, its "Unicode text" UTF-16: a roster with
    # an accented name was refused as undecodable.
    rows = [
        "Student,ID,SIS User ID,SIS Login ID,Section",
        "    Points Possible,,,,",
        '"Müller, Jürgen",101,A1,jm,S1',
        '"Ørsted, Åse",102,A2,ao,S1',
    ]
    quiz["roster"].write_bytes(("\r\n".join(rows) + "\r\n").encode(encoding))
    result = CliRunner().invoke(main, args(quiz))
    assert result.exit_code == 0, result.output
    canvas = list(csv.DictReader(io.StringIO((quiz["out"] / "canvas.csv").read_text("utf-8"))))
    assert [r["Student"] for r in canvas[1:]] == ["Müller, Jürgen", "Ørsted, Åse"]


def test_canvas_student_without_an_sis_id_is_graded_and_written_back(
    quiz: dict[str, Path],
) -> None:
    # Auditors and late enrolments have no SIS User ID: the whole roster was refused.
    rows = [
        "Student,ID,SIS User ID,SIS Login ID,Section",
        "    Points Possible,,,,",
        "Ann,101,A1,ann,S1",
        "Late Enrolment,105,,,S1",
    ]
    quiz["roster"].write_text("\n".join(rows) + "\n")
    (quiz["subs"] / "enrolmentlate_105_9001_answers.toml").write_text(sheet("x", "canvas-105"))
    result = CliRunner().invoke(main, args(quiz))
    assert result.exit_code == 0, result.output
    canvas = list(csv.DictReader(io.StringIO((quiz["out"] / "canvas.csv").read_text("utf-8"))))
    late = next(r for r in canvas if r["ID"] == "105")
    assert late["SIS User ID"] == ""
    quiz_ = load_assignment("nn-quiz")
    assert late[quiz_.title] == str(int(quiz_.max_score))  # full marks, for Canvas user 105


def test_a_damaged_key_entry_gets_a_plain_reason(quiz: dict[str, Path]) -> None:
    key = {"assignment": "nn-quiz", "students": {}, "variants": {"A1": {}}}  # A1's is damaged
    (quiz["subs"].parent / "key.json").write_text(json.dumps(key))
    result = CliRunner().invoke(main, [*args(quiz), "--key", str(quiz["subs"].parent / "key.json")])
    assert result.exit_code == 0, result.output
    report = json.loads((quiz["out"] / "A1" / "results.json").read_text())
    assert "student 'A1': no variant recorded for question 'q1'" in report["tests"][0]["output"]
    assert "InputError" not in report["tests"][0]["output"]


def test_output_folder_inside_the_submissions_is_not_graded_next_time(
    quiz: dict[str, Path],
) -> None:
    quiz["out"] = quiz["subs"] / "graded"
    first = CliRunner().invoke(main, args(quiz))
    second = CliRunner().invoke(main, args(quiz))
    assert first.exit_code == second.exit_code == 0, second.output
    assert "nothing changed: 4 unchanged;" in second.output
    notices = [
        line.split(" notices")[0].rsplit(" ", 1)[-1] for line in (first.output, second.output)
    ]
    assert notices[0] == notices[1]
    grades = list(csv.DictReader(io.StringIO((quiz["out"] / "grades.csv").read_text())))
    assert [r["id"] for r in grades] == ["A1", "A2", "A3", "A4"]


@pytest.mark.parametrize("separator", [";", "\t"])
def test_roster_as_a_spreadsheet_saves_it(quiz: dict[str, Path], separator: str) -> None:
    # Excel in many locales saves "CSV" with semicolons, a byte-order mark and CRLF endings.
    rows = ["id;name;email", "A1;Ann;ann@example.org", "A2;Bo, Jr.;", "A3;Cy;", "A4;Di;"]
    text = "\r\n".join(r.replace(";", separator) for r in rows) + "\r\n"
    quiz["roster"].write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = CliRunner().invoke(main, args(quiz))
    assert result.exit_code == 0, result.output
    grades = list(csv.DictReader(io.StringIO((quiz["out"] / "grades.csv").read_text())))
    assert [r["id"] for r in grades] == ["A1", "A2", "A3", "A4"]
    moodle = list(csv.DictReader(io.StringIO((quiz["out"] / "moodle.csv").read_text())))
    assert moodle[0]["email"] == "ann@example.org"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"subs": "missing"}, "no such folder of submissions"),
        ({"secret": "missing"}, "cannot read the secret file"),
        ({"roster": "bad"}, "roster needs an `id` column"),
        ({"pattern": "A12_("}, "not a regular expression"),
        ({"assignment": "nn-nothing"}, "no such assignment"),
        ({"jobs": "0"}, "--jobs must be at least 1"),
        ({"timeout": "0"}, "--timeout must be a number of seconds above 0"),
        ({"out": "subs"}, "--out must not be the folder of submissions itself"),
        # a key for another assignment failed every student alone, the batch "finished"
        ({"key": "other"}, "the key is for assignment 'other-quiz', not 'nn-quiz'"),
        # NaN, infinity or a huge budget overflowed the sandbox's clocks: every student got 0
        ({"timeout": "nan"}, "--timeout must be a number of seconds above 0"),
        ({"timeout": "inf"}, "at most 600, got inf"),
        ({"timeout": "1e9"}, "at most 600, got 1000000000.0"),
    ],
)
def test_unusable_input_is_one_line_and_exit_2(
    quiz: dict[str, Path], tmp_path: Path, change: dict[str, str], message: str
) -> None:
    argv = args(quiz)
    if change.get("subs"):
        argv[1] = str(tmp_path / "nope")
    if change.get("secret"):
        argv[argv.index("--secret-file") + 1] = str(tmp_path / "nope.txt")
    if change.get("roster"):
        quiz["roster"].write_text("who,what\nx,y\n")
    if "pattern" in change:
        argv += ["--id-pattern", change["pattern"]]
    if "assignment" in change:
        argv[argv.index("--assignment") + 1] = change["assignment"]
    if "jobs" in change:
        argv += ["--jobs", change["jobs"]]
    if "timeout" in change:
        argv += ["--timeout", change["timeout"]]
    if "out" in change:
        argv[argv.index("--out") + 1] = str(quiz["subs"]) + "/."
    if "key" in change:
        key = tmp_path / "key.json"
        key.write_text(json.dumps({"assignment": "other-quiz", "students": {}, "variants": {}}))
        argv += ["--key", str(key)]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.output.strip().count("\n") == 0 and "Traceback" not in result.output


def test_grade_in_a_subprocess_is_quiet_in_a_pipeline(quiz: dict[str, Path]) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "grader", *args(quiz)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # no progress bar when stderr is not a terminal
    assert run.stdout.startswith("graded 4 students (4 new, 0 unchanged)")
    again = subprocess.run(
        [sys.executable, "-m", "grader", *args(quiz)], capture_output=True, text=True, timeout=120
    )
    assert again.stdout.startswith("nothing changed: 4 unchanged;")


def test_gradescope_zip_runs_the_grader_like_gradescope(
    quiz: dict[str, Path], tmp_path: Path
) -> None:
    zip_path = tmp_path / "autograder.zip"
    result = CliRunner().invoke(
        main,
        [
            "gradescope",
            "--assignment",
            "nn-quiz",
            "--secret-file",
            str(quiz["secret"]),
            "--out",
            str(zip_path),
        ],
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        assert {"setup.sh", "run_autograder", "assignment.toml", "secret.txt"} <= names
        for script in ("setup.sh", "run_autograder"):
            assert (zf.getinfo(script).external_attr >> 16) & 0o111
        wheel = next(n for n in names if n.endswith(".whl"))
        assert wheel in zf.read("setup.sh").decode()
        assert "/autograder/results" in zf.read("run_autograder").decode()
        # Gradescope's layout: the zip unpacked in source/, the student's files in submission/
        root = tmp_path / "autograder"
        zf.extractall(root / "source")
    with zipfile.ZipFile(root / "source" / wheel) as whl:
        assert "grader/batch/autograder.py" in whl.namelist()
        assert any(n.endswith("dist-info/RECORD") for n in whl.namelist())
    (root / "submission").mkdir()
    (root / "submission" / "answers.toml").write_text(sheet("A7", "A7"))
    (root / "submission_metadata.json").write_text(
        json.dumps(
            {"id": 1, "users": [{"email": "a7@example.org", "name": "A Seven", "sid": "A7"}]}
        )
    )
    env = {k: v for k, v in os.environ.items() if k != "GRADER_DEBUG"}
    run = subprocess.run(
        [sys.executable, "-m", "grader.batch.autograder", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == results["max_score"] == load_assignment("nn-quiz").max_score
    # another student's answers earn less under this student's id
    (root / "submission" / "answers.toml").write_text(sheet("A7", "A8"))
    subprocess.run(
        [sys.executable, "-m", "grader.batch.autograder", str(root)], check=True, timeout=120
    )
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] < results["max_score"]
    # nothing gradable handed in: zero out of the assignment's points, and why
    (root / "submission" / "answers.toml").unlink()
    (root / "submission" / "notes.txt").write_text("I ran out of time")
    subprocess.run(
        [sys.executable, "-m", "grader.batch.autograder", str(root)], check=True, timeout=120
    )
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and results["max_score"] == load_assignment("nn-quiz").max_score
    assert "Nothing was submitted" in results["output"]


def test_gradescope_zip_can_install_from_pypi(tmp_path: Path) -> None:
    zip_path = tmp_path / "az.zip"
    result = CliRunner().invoke(
        main, ["gradescope", "-a", "nn-code", "--pypi", "--out", str(zip_path)]
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(zip_path) as zf:
        assert "nn-grader==" in zf.read("setup.sh").decode()
        assert not any(n.endswith(".whl") or n == "secret.txt" for n in zf.namelist())


def test_a_folder_with_no_submission_stops_the_run(quiz: dict[str, Path]) -> None:
    for path in quiz["subs"].iterdir():
        path.rename(quiz["subs"] / f"notes-{path.stem}.txt")
    result = CliRunner().invoke(main, args(quiz))
    assert result.exit_code == 2, result.output  # a class of zeros is not a finished batch
    (line,) = result.output.splitlines()
    assert line.startswith(f"Error: {quiz['subs']}: no submission found: 3 files")
    assert "neither code (.py, .ipynb) nor an answer sheet (.toml)" in line
    assert not quiz["out"].exists()  # nothing written, nothing to mistake for grades


def test_a_normal_batch_has_no_such_error(quiz: dict[str, Path]) -> None:
    result = CliRunner().invoke(main, args(quiz))
    assert result.exit_code == 0 and "no submission found" not in result.output
