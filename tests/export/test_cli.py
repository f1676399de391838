"""``grader export`` on the command line: CliRunner and a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from exercises.base import to_json
from grader.assignment import load_assignment
from grader.cli import main
from grader.lms.quiz import build_quiz


def run(*args: str):
    return CliRunner().invoke(main, ["export", *args])


@pytest.mark.parametrize("fmt", ["moodle", "qti", "gift"])
def test_export_writes_the_file_and_a_one_line_summary(fmt, tmp_path, readers) -> None:
    out = tmp_path / f"quiz.{fmt}"
    result = run("--assignment", "nn-quiz", "--format", fmt, "--out", str(out), "--variants", "2")
    assert result.exit_code == 0, result.output
    summary = result.stderr.strip()
    assert len(summary.splitlines()) == 1
    assert "17 questions x 2 variants" in summary
    assert "q2.expression not exportable (symbolic expression)" in summary
    assert result.stdout == ""
    reads = readers.by_format[fmt](out.read_bytes())
    assert {r.name.split(" ")[0] for r in reads} == {f"q{i}" for i in range(1, 18)}
    assert out.stat().st_mode & 0o044  # readable by others, unlike a private temp file
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temp file left behind


def test_export_reads_an_assignment_file(tmp_path, readers) -> None:
    spec = tmp_path / "mine.toml"
    spec.write_text(
        'name = "mine"\n[[question]]\nid = "first"\nexercise = "conv_output_size"\npoints = 2\n'
        '[[question]]\nid = "second"\nexercise = "concept"\n',
        encoding="utf-8",
    )
    out = tmp_path / "mine.xml"
    result = run(
        "--assignment", str(spec), "--format", "moodle", "--out", str(out), "--variants", "4"
    )
    assert result.exit_code == 0, result.stderr
    root = ET.fromstring(out.read_bytes())
    cats = [q.findtext("category/text") for q in root.findall("question[@type='category']")]
    assert cats == ["$course$/mine/first", "$course$/mine/second"]
    assert len(root.findall("question")) == 2 + 4 + 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "gift", "--out", "x"], "export needs --assignment"),
        (["--assignment", "nn-quiz", "--out", "x"], "export needs --format"),
        (["--assignment", "nn-quiz", "--format", "gift"], "export needs --out"),
        (["--assignment", "nn-quiz", "--format", "word", "--out", "x"], "--format must be one of"),
        (
            ["--assignment", "nn-quiz", "--format", "gift", "--out", "x", "--variants", "0"],
            "--variants must be between",
        ),
        (
            ["--assignment", "nn-quiz", "--format", "gift", "--out", "x", "--variants", "two"],
            "--variants must be a whole number",
        ),
        (
            ["--assignment", "nn-quiz", "--format", "gift", "--out", "x", "--seed", "-1"],
            "--seed must be between",
        ),
        (
            ["--assignment", "no-such-quiz", "--format", "gift", "--out", "x"],
            "no such assignment file",
        ),
        (
            ["--assignment", "nn-code", "--format", "gift", "--out", "x"],
            "has no [[question]] to export",
        ),
    ],
)
def test_bad_usage_is_exit_2_with_one_line(args, message, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


def test_unwritable_output_is_exit_2(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    result = run("--assignment", "nn-quiz", "--format", "gift", "--out", str(blocker / "quiz.txt"))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: cannot write")
    assert len(result.stderr.strip().splitlines()) == 1
    result = run("--assignment", "nn-quiz", "--format", "gift", "--out", str(tmp_path))
    assert result.exit_code == 2 and "is a directory" in result.stderr


def test_seed_reproduces_and_more_variants_keep_the_first(tmp_path) -> None:
    a, b, c = (tmp_path / n for n in ("a.txt", "b.txt", "c.txt"))
    for path, seed in ((a, "5"), (b, "5"), (c, "6")):
        args = ["--format", "gift", "--out", str(path), "--variants", "2", "--seed", seed]
        assert run("--assignment", "nn-quiz", *args).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    assignment = load_assignment("nn-quiz")

    def params(n: int, seed: int) -> dict[str, list[str]]:
        quiz = build_quiz(assignment, n, seed)
        return {
            q.id: [json.dumps(to_json(v.problem.params), sort_keys=True) for v in q.variants]
            for q in quiz.questions
        }

    two, four = params(2, 5), params(4, 5)
    first_of_exercise = {}
    for q in assignment.questions:
        first_of_exercise.setdefault(q.exercise, q.id)
    for qid, variants in two.items():
        if qid in first_of_exercise.values():
            assert four[qid][: len(variants)] == variants
        assert len(set(four[qid])) == len(four[qid])  # distinct
    # no concept question shows the same statement as another one
    statements = [
        s
        for q in build_quiz(assignment, 4, 5).questions
        if q.exercise == "concept"
        for s in (v.statement_html for v in q.variants)
    ]
    assert len(statements) == len(set(statements)) == 12


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(main, ["export", "--help"])
    assert result.exit_code == 0
    assert "grader export --assignment nn-quiz --format moodle" in result.output


def test_export_in_a_subprocess(tmp_path: Path, readers) -> None:
    out = tmp_path / "quiz.zip"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "export",
            "--assignment",
            "nn-quiz",
            "--format",
            "qti",
            "--out",
            str(out),
            "--variants",
            "3",
            "--seed",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "Exported 17 questions x 3 variants" in proc.stderr
    assert len(readers.qti(out.read_bytes())) > 100
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "export",
            "--assignment",
            "nn-quiz",
            "--format",
            "pdf",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "Error: --format must be one of moodle, qti, gift, got 'pdf'"
    ]


def test_bad_pinned_parameters_are_exit_2(tmp_path) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(
        'name = "bad"\n[[question]]\nid = "q"\nexercise = "conv_feature_map"\n'
        "params = { image = [[1, 2], [3]], kernel = [[1]] }\n",
        encoding="utf-8",
    )
    result = run("--assignment", str(spec), "--format", "qti", "--out", str(tmp_path / "o.zip"))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "question 'q'" in lines[0] and "image" in lines[0], result.stderr
    assert not (tmp_path / "o.zip").exists()


def test_a_question_with_only_an_expression_is_reported(hand, tmp_path) -> None:
    from exercises.base import Kind, Part, Problem
    from grader.lms import write_gift
    from grader.lms.quiz import Quiz, quiz_question

    problem = Problem(
        "hand", {}, "Derive it.", (Part("e", "the derivative", Kind.EXPRESSION, "2*x"),)
    )
    texts = lambda p: ("<p>x</p>", "<p>y</p>")  # noqa: E731
    quiz = Quiz("q", "Q", 0, 1, (quiz_question("only", "hand", "Only", 1, [problem], texts=texts),))
    export = write_gift(quiz)
    assert export.items == 0
    assert export.notes == (
        "only.e not exportable (symbolic expression)",
        "only not exported (no part an LMS can grade)",
    )


def test_pinned_questions_are_noted_together_in_words(tmp_path) -> None:
    spec = tmp_path / "pinned.toml"
    pinned = "params = { n = 32, k = 3, stride = 1, padding = 1, c_in = 3, c_out = 8 }\n"
    spec.write_text(
        'name = "pinned"\n'
        f'[[question]]\nid = "a"\nexercise = "conv_output_size"\n{pinned}'
        f'[[question]]\nid = "b"\nexercise = "conv_output_size"\n{pinned}',
        encoding="utf-8",
    )
    out = tmp_path / "pinned.gift"
    result = run(
        "--assignment", str(spec), "--format", "gift", "--out", str(out), "--variants", "3"
    )
    assert result.exit_code == 0, result.stderr
    assert "a, b have only 1 distinct variant (their parameters are pinned)" in result.stderr
    assert "(s)" not in result.stderr


def test_the_summary_says_how_parts_became_lms_questions(tmp_path) -> None:
    said = {}
    for fmt in ("moodle", "qti", "gift"):
        out = tmp_path / f"quiz.{fmt}"
        result = run(
            "--assignment", "nn-quiz", "--format", fmt, "--out", str(out), "--variants", "3"
        )
        assert result.exit_code == 0, result.output
        said[fmt] = result.stderr
    # 11 questions drawn 3 times and 2 pinned ones drawn once: 35 whole variants in Moodle
    assert (
        "(47 LMS questions, one per variant: a Cloze question with a blank per part"
        in (said["moodle"])
    )
    for fmt in ("qti", "gift"):
        assert (
            "LMS questions, one per part or matrix entry of each variant: the format has no "
            "question with several numeric blanks)" in said[fmt]
        )
