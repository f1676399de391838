"""``grader generate``: per-student sets, answer sheets, solutions and key.json."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.assignment import load_assignment
from grader.cli import main
from grader.topics import CATALOGUE


def roster(tmp_path: Path, ids=("A0000001X", "A0000002Y", "A0000003Z")) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("id,name\n" + "".join(f"{i},Student {i}\n" for i in ids), encoding="utf-8")
    return path


def secret(tmp_path: Path, value: bytes = b"course secret\n") -> Path:
    path = tmp_path / "secret.txt"
    path.write_bytes(value)
    return path


def generate(*args: str):
    return CliRunner().invoke(main, ["generate", *args])


def test_roster_gives_distinct_reproducible_sets_and_a_correct_key(tmp_path):
    r, s = roster(tmp_path), secret(tmp_path)
    out = tmp_path / "sets"
    result = generate("--assignment", "nn-quiz", "--roster", str(r), "--secret-file", str(s),
                      "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))
    ids = ["A0000001X", "A0000002Y", "A0000003Z"]
    assert key["assignment"] == "nn-quiz"
    assert list(key["students"]) == ids and list(key["variants"]) == ids
    quiz = load_assignment("nn-quiz")
    for sid in ids:
        folder = out / sid
        names = {p.name for p in folder.iterdir()}
        assert names == {"problems.md", "problems.html", "problems.tex", "answers.toml",
                         "solutions.md", "solutions.html", "solutions.tex"}  # fmt: skip
        for q in quiz.questions:
            variant = key["variants"][sid][q.id]
            assert variant["exercise"] == q.exercise
            # the recorded parameters rebuild the recorded answers
            rebuilt = CATALOGUE[q.exercise].build(variant["params"])
            assert json.loads(json.dumps(rebuilt.key())) == key["students"][sid][q.id]
        sheet = tomllib.loads((folder / "answers.toml").read_text(encoding="utf-8"))
        assert sheet["student"] == sid and sheet["assignment"] == "nn-quiz"
        assert sheet["_problems"]["q1"]["params"] == key["variants"][sid]["q1"]["params"]
        assert sid in (folder / "problems.html").read_text(encoding="utf-8")
    # distinct students, distinct variants; the pinned worked example is the same for all
    params = [json.dumps(key["variants"][sid]["q4"]) for sid in ids]
    assert len(set(params)) == 3
    assert len({json.dumps(key["variants"][sid]["q3"]) for sid in ids}) == 1
    assert key["students"][ids[0]]["q7"]["feature_map"] == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    # reproducible: the same command writes the same key
    again = tmp_path / "again"
    generate("--assignment", "nn-quiz", "--roster", str(r), "--secret-file", str(s),
             "--out", str(again))  # fmt: skip
    assert (again / "key.json").read_text() == (out / "key.json").read_text()
    assert (again / ids[1] / "solutions.md").read_text() == (
        out / ids[1] / "solutions.md"
    ).read_text()
    # another secret, other variants
    other = secret(tmp_path, b"another secret")
    third = tmp_path / "third"
    generate("--assignment", "nn-quiz", "--roster", str(r), "--secret-file", str(other),
             "--out", str(third))  # fmt: skip
    assert json.loads((third / "key.json").read_text())["variants"] != key["variants"]


def test_without_roster_one_public_default_set(tmp_path):
    out = tmp_path / "problem-set"
    result = generate("--assignment", "nn-quiz", "--out", str(out), "--format", "md")
    assert result.exit_code == 0, result.output
    assert "public default secret" in result.output
    key = json.loads((out / "key.json").read_text())
    assert list(key["students"]) == ["default"]
    assert {p.name for p in (out / "default").iterdir()} == {
        "problems.md",
        "solutions.md",
        "answers.toml",
    }


def test_parallel_and_serial_writing_agree(tmp_path):
    from grader.problem_sets import write_problem_sets

    quiz = load_assignment("nn-quiz")
    ids = [f"S{i:03d}" for i in range(40)]
    serial = write_problem_sets(quiz, ids, b"k", tmp_path / "one", ("md",), jobs=1)
    parallel = write_problem_sets(quiz, ids, b"k", tmp_path / "two", ("md",), jobs=2)
    assert serial.students == parallel.students == 40
    one = (tmp_path / "one" / "key.json").read_text()
    assert one == (tmp_path / "two" / "key.json").read_text()
    assert list(json.loads(one)["students"]) == ids
    for sid in ("S000", "S039"):
        a = (tmp_path / "one" / sid / "problems.md").read_text()
        assert a == (tmp_path / "two" / sid / "problems.md").read_text()
    assert not list((tmp_path / "one").rglob("*.tmp")), "no temporary files left behind"


def test_assignment_file_with_pinned_params(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'name = "mine"\ntitle = "Mine"\n[[question]]\nid = "conv"\nexercise = "conv_feature_map"\n'
        "params = { image = [[1, 2, 0], [0, 1, 2], [2, 0, 1]], kernel = [[1, 2], [0, -1]] }\n",
        encoding="utf-8",
    )
    out = tmp_path / "o"
    result = generate("--assignment", str(path), "--out", str(out), "--format", "md,tex")
    assert result.exit_code == 0, result.output
    key = json.loads((out / "key.json").read_text())
    assert key["students"]["default"]["conv"]["feature_map"] == [[4, 0], [2, 4]]


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda t: ["--assignment", "nope", "--out", str(t / "o")], "no such assignment"),
        (lambda t: ["--assignment", "nn-quiz", "--roster", str(roster(t)), "--out", str(t / "o")],
         "--roster needs --secret-file"),
        (lambda t: ["--assignment", "nn-quiz", "--roster", str(t / "missing.csv"),
                    "--secret-file", str(secret(t)), "--out", str(t / "o")], "no such roster"),
        (lambda t: ["--assignment", "nn-quiz", "--secret-file", str(t / "none"),
                    "--out", str(t / "o")], "cannot read the secret"),
        (lambda t: ["--assignment", "nn-quiz", "--secret-file", str(secret(t, b"\n")),
                    "--out", str(t / "o")], "empty"),
        (lambda t: ["--assignment", "nn-quiz", "--out", str(t / "o"), "--format", "docx"],
         "unknown format"),
        (lambda t: ["--assignment", "nn-code", "--out", str(t / "o")], "no questions"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_one_line(tmp_path, make_args, message):
    result = generate(*make_args(tmp_path))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o" / "key.json").exists()


def test_bad_roster_rows_exit_2(tmp_path):
    bad = tmp_path / "dup.csv"
    bad.write_text("id\nA1\nA1\n", encoding="utf-8")
    result = generate("--assignment", "nn-quiz", "--roster", str(bad), "--secret-file",
                      str(secret(tmp_path)), "--out", str(tmp_path / "o"))  # fmt: skip
    assert result.exit_code == 2 and "appears twice" in result.output


def test_generate_in_a_subprocess_from_another_directory(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "grader", "generate", "--assignment", "nn-quiz", "--out", "ps"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "ps" / "default" / "problems.html").is_file()
    assert (tmp_path / "ps" / "key.json").is_file()


def test_sets_left_from_an_earlier_roster_are_pointed_out(tmp_path):
    out = tmp_path / "sets"
    key = secret(tmp_path)
    first = roster(tmp_path, ("A1", "B2", "C3"))
    result = generate("--assignment", "nn-quiz", "--roster", str(first), "--secret-file",
                      str(key), "--out", str(out), "--format", "md")  # fmt: skip
    assert result.exit_code == 0 and "Note:" not in result.output
    second = roster(tmp_path, ("A1",))
    result = generate("--assignment", "nn-quiz", "--roster", str(second), "--secret-file",
                      str(key), "--out", str(out), "--format", "md")  # fmt: skip
    assert result.exit_code == 0
    assert "still holds 2 sets from an earlier run that key.json does not cover (B2, C3)" in (
        result.output
    )
    assert list(json.loads((out / "key.json").read_text())["students"]) == ["A1"]


def test_key_csv_is_the_key_as_a_table_a_sheet_would_accept(tmp_path):
    import csv

    import numpy as np

    from exercises.base import Kind
    from grader.answers.values import parse_answer

    ids = tuple(f"S{i}" for i in range(12))
    out = tmp_path / "sets"
    result = generate("--assignment", "nn-quiz", "--roster", str(roster(tmp_path, ids)),
                      "--secret-file", str(secret(tmp_path)), "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"({len(ids) * 7 + 2} files)" in result.output  # 3 problems, 3 solutions, a sheet
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))
    with open(out / "key.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == list(ids)
    for row in rows:
        for column, cell in row.items():
            if column == "id":
                continue
            qid, part = column.split(".", 1)
            expected = key["students"][row["id"]][qid].get(part)
            if expected is None:  # a part this student's variant does not have
                assert cell == ""
            elif isinstance(expected, str):
                assert cell == expected
            else:  # read back as a student's sheet would be: equal to 6 decimals
                got = parse_answer(cell, Kind.MATRIX if isinstance(expected, list) else Kind.NUMBER)
                want = np.asarray(expected, dtype=float)
                np.testing.assert_allclose(np.asarray(got).reshape(want.shape), want, atol=5e-7)
