"""The batch with a stand-in backend: scores, storage, reruns, outputs, LMS files."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from grader.batch.pipeline import GradeRequest, grade
from grader.batch.store import ResultStore
from grader.errors import UsageError
from grader.variants import build_variants


def sheet_text(student: str, answers: Mapping[str, Mapping[str, object]]) -> str:
    """An answers.toml with the given values."""
    lines = [f'student = "{student}"', 'assignment = "mixed"', ""]
    for qid, parts in answers.items():
        lines.append(f"[{qid}]")
        for pid, value in parts.items():
            lines.append(f"{pid} = {value!r}")
        lines.append("")
    return "\n".join(lines)


CORRECT_CODE = '''import numpy as np

def sigmoid(a, beta=1.0):
    """Elementwise sigmoid."""
    return 1 / (1 + np.exp(-beta * np.asarray(a, dtype=float)))

def sigmoid_derivative(a, beta=1.0):
    s = sigmoid(a, beta)
    return beta * s * (1 - s)
'''


SECRET = b"course secret 2026"


@pytest.fixture
def folder(tmp_path: Path, mixed) -> Path:
    subs = tmp_path / "subs"
    subs.mkdir()
    right = build_variants(mixed, "A1", SECRET)
    (subs / "A1.py").write_text(CORRECT_CODE)
    (subs / "A1.toml").write_text(sheet_text("A1", {q: p.key() for q, p in right.items()}))
    (subs / "A2.py").write_text(CORRECT_CODE + "\n# wrong sigmoid_derivative\n")
    (subs / "A3.py").write_text("SYNTAX")
    return subs


def request(tmp_path: Path, folder: Path, assignment_file: Path, secret_file: Path, **kw):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,email\nA1,Ann,ann@x.org\nA2,Bo,bo@x.org\nA3,Cy,\nA4,Di,di@x.org\n")
    return GradeRequest(
        submissions=folder,
        assignment=str(assignment_file),
        secret_file=secret_file,
        out=tmp_path / "out",
        roster=roster,
        jobs=2,
        **kw,
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_scores_files_and_rerun(tmp_path, folder, assignment_file, secret_file, fake_factory):
    req = request(tmp_path, folder, assignment_file, secret_file)
    outcome = grade(req, backend_factory=fake_factory)
    rows = {r["id"]: r for r in read_csv(req.out / "grades.csv")}
    assert list(rows["A1"]) == [
        "id",
        "score",
        "max_score",
        "sigmoid",
        "sigmoid_derivative",
        "q1",
        "q2",
    ]
    assert (rows["A1"]["score"], rows["A1"]["max_score"]) == ("14", "14")
    assert (rows["A2"]["score"], rows["A2"]["sigmoid"], rows["A2"]["sigmoid_derivative"]) == (
        "2",
        "2",
        "0",
    )
    assert rows["A3"]["score"] == "0" and rows["A4"]["score"] == "0"
    assert outcome.batch.results["A3"].problem == "syntax error on line 1"
    # results.json in the results schema, per student
    data = json.loads((req.out / "A2" / "results.json").read_text())
    assert data["score"] == 2 and data["max_score"] == 14
    assert {t["name"] for t in data["tests"]} >= {"sigmoid", "sigmoid_derivative", "q1", "q2"}
    assert "sigmoid-derivative-missing-beta" in (req.out / "A2" / "feedback.md").read_text()
    missing = (req.out / "A4" / "feedback.md").read_text()
    assert missing.count("Nothing was submitted") == 1  # said once, not by template and output
    assert json.loads((req.out / "A4" / "results.json").read_text())["output"].startswith(
        "Nothing was submitted"
    )
    # Moodle: idnumber, email, grade
    moodle = {r["idnumber"]: r for r in read_csv(req.out / "moodle.csv")}
    assert moodle["A1"] == {"idnumber": "A1", "email": "ann@x.org", "grade": "14"}
    assert not (req.out / "canvas.csv").exists()  # a plain roster asks for no Canvas file
    # a rerun grades nothing; a changed file is regraded alone
    first = fake_factory.made[0].calls
    assert sorted(first) == sorted(
        [("code", "A1"), ("sheet", "A1"), ("code", "A2"), ("code", "A3")]
    )
    again = grade(req, backend_factory=fake_factory)
    assert fake_factory.made[1].calls == [] and again.batch.fresh == 0
    assert again.batch.results["A2"].report == outcome.batch.results["A2"].report
    (folder / "A2.py").write_text(CORRECT_CODE)
    third = grade(req, backend_factory=fake_factory)
    assert fake_factory.made[2].calls == [("code", "A2")]
    assert third.batch.results["A2"].report.score == 4


def test_another_secret_or_timeout_regrades(
    tmp_path, folder, assignment_file, secret_file, fake_factory
):
    req = request(tmp_path, folder, assignment_file, secret_file)
    grade(req, backend_factory=fake_factory)
    secret_file.write_text("another secret")
    grade(req, backend_factory=fake_factory)
    assert len(fake_factory.made[1].calls) == 4
    grade(
        request(tmp_path, folder, assignment_file, secret_file, timeout=1.0),
        backend_factory=fake_factory,
    )
    assert len(fake_factory.made[2].calls) == 4


def test_a_backend_crash_costs_only_that_student(
    tmp_path, folder, assignment_file, secret_file, fake_factory
):
    (folder / "A2.py").write_text("CRASH")
    req = request(tmp_path, folder, assignment_file, secret_file)
    outcome = grade(req, backend_factory=fake_factory)
    assert outcome.batch.results["A1"].report.score == 14
    assert outcome.batch.results["A2"].report.score == 0
    assert "RuntimeError" in outcome.batch.results["A2"].problem
    assert "A2" in (req.out / "report.html").read_text()


def test_hidden_code_seed_differs_per_student_and_from_public(mixed, secret_file):
    from grader.batch.backend import SecretVariants

    v = SecretVariants(mixed, SECRET)
    seeds = {v.code_seed(s) for s in ("A1", "A2", "A3")}
    assert len(seeds) == 3
    assert v.code_seed("A1") == SecretVariants(mixed, SECRET).code_seed("A1")
    assert v.code_seed("A1") != SecretVariants(mixed, b"other").code_seed("A1")


def test_key_variants_are_graded_and_cross_checked(
    tmp_path, folder, mixed, assignment_file, secret_file, fake_factory
):
    from exercises.base import to_json

    variants = {
        s: {
            q: {"exercise": p.exercise, "params": to_json(p.params)}
            for q, p in build_variants(mixed, s, SECRET).items()
        }
        for s in ("A1", "A2", "A3")
    }
    # A2's recorded variant was made under another secret: graded as recorded, reported
    variants["A2"] = {
        q: {"exercise": p.exercise, "params": to_json(p.params)}
        for q, p in build_variants(mixed, "A2", b"old secret").items()
    }
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"assignment": "mixed", "students": {}, "variants": variants}))
    req = request(tmp_path, folder, assignment_file, secret_file, key=key)
    outcome = grade(req, backend_factory=fake_factory)
    mismatches = dict(outcome.batch.mismatches)
    assert set(mismatches) == {"A2", "A4"}  # A4 is not in the key at all
    assert "graded against key.json" in mismatches["A2"]
    assert "not in key.json" in mismatches["A4"]
    assert outcome.batch.results["A1"].report.score == 14
    html = (req.out / "report.html").read_text()
    assert "key mismatch" in html


def test_canvas_roster_gives_canvas_import(tmp_path, assignment_file, secret_file, fake_factory):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "smithjane_1001_5001_solution.py").write_text(CORRECT_CODE)
    (subs / "doejohn_LATE_1002_5002_sol.py").write_text(CORRECT_CODE + "# wrong sigmoid\n")
    roster = tmp_path / "canvas.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Mixed practice (777),Current Score\n"
        "    Points Possible,,,,,14,(read only)\n"
        '"Smith, Jane",1001,A0000001X,jsmith,S1,,\n'
        '"Doe, John",1002,A0000002Y,jdoe,S1,,\n'
        '"Roe, Rick",1003,A0000003Z,rroe,S2,,\n'
    )
    req = GradeRequest(
        subs, str(assignment_file), secret_file, tmp_path / "out", roster=roster, jobs=1
    )
    outcome = grade(req, backend_factory=fake_factory)
    assert outcome.batch.results["A0000002Y"].submission.late
    rows = list(csv.reader(io.StringIO((req.out / "canvas.csv").read_text())))
    assert rows[0] == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        "Mixed practice (777)",
    ]
    assert rows[1] == ["    Points Possible", "", "", "", "", "14"]
    assert rows[2] == ["Smith, Jane", "1001", "A0000001X", "jsmith", "S1", "4"]
    assert rows[3] == ["Doe, John", "1002", "A0000002Y", "jdoe", "S1", "2"]
    assert rows[4] == ["Roe, Rick", "1003", "A0000003Z", "rroe", "S2", "0"]
    assert any(n.kind == "late" for n in outcome.batch.collection.notices)


def test_canvas_column_is_the_exports_assignment_column(mixed):
    from grader.batch.outputs import canvas_column

    # the export's only assignment column, whatever its title; a new column only without one
    assert canvas_column(mixed, ["Student", "Other (12)", "Current Score"]) == "Other (12)"
    assert canvas_column(mixed, ["Student", "Current Score"]) == "Mixed practice"
    both = ["Student", "Other (12)", "Mixed practice (13)"]
    assert canvas_column(mixed, both) == "Mixed practice (13)"
    assert canvas_column(mixed, both, "Other") == "Other (12)"
    assert canvas_column(mixed, both, "Other (12)") == "Other (12)"
    with pytest.raises(UsageError, match=r"'Other \(12\)', 'Mixed practice \(13\)'"):
        canvas_column(mixed, both, "Quiz 9")
    twins = ["Student", "Quiz (12)", "Quiz (13)"]
    assert canvas_column(mixed, twins, "Quiz (13)") == "Quiz (13)"
    with pytest.raises(UsageError, match=r"titles several columns.*'Quiz \(12\)', 'Quiz \(13\)'"):
        canvas_column(mixed, twins, "Quiz")
    with pytest.raises(UsageError, match=r"several assignment columns.*--canvas-column"):
        canvas_column(mixed, ["Student", "Other (12)", "Another (14)"])


def test_results_are_stored_as_produced(
    tmp_path, folder, assignment_file, secret_file, fake_factory
):
    req = request(tmp_path, folder, assignment_file, secret_file)
    grade(req, backend_factory=fake_factory)
    db = ResultStore(req.out / "grading.sqlite")
    stored = db.load()
    db.close()
    assert set(stored) == {"A1", "A2", "A3", "A4"}
    assert stored["A1"].report.score == 14
    assert "expected" in stored["A1"].meta
    assert not [p for p in os.listdir(req.out) if p.endswith(".tmp")]


def test_results_of_an_older_grading_are_regraded(
    tmp_path, folder, assignment_file, secret_file, fake_factory, monkeypatch
):
    # A store written when the sandbox graded the same files differently must not be reused.
    from grader.batch import engine

    req = request(tmp_path, folder, assignment_file, secret_file)
    monkeypatch.setattr(engine, "DIGEST_VERSION", engine.DIGEST_VERSION - 1)
    first = grade(req, backend_factory=fake_factory)
    monkeypatch.undo()
    again = grade(req, backend_factory=fake_factory)
    assert not any(r.fresh for r in grade(req, backend_factory=fake_factory).batch.results.values())
    assert all(r.fresh for r in again.batch.results.values())
    assert set(again.batch.results) == set(first.batch.results)
