"""`grader grade` and the Gradescope autograder over notebooks, against the same code as .py."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from grader.batch.autograder import run
from tests.codecheck.conftest import grade_code
from tests.notebook.conftest import CORRECT, WRONG, as_py, notebook, write

LOOP = "for epoch in iter(int, 1):\n    pass\n"
STUDENTS = {
    "A0001": (CORRECT,),
    "A0002": (CORRECT, WRONG),
    "A0003": (("md", "only words"),),
    "A0004": ("%matplotlib inline", CORRECT, LOOP),
}


def grades(out: Path) -> dict[str, str]:
    with (out / "grades.csv").open() as fh:
        return {row["id"]: row["score"] for row in csv.DictReader(fh)}


def grade(subs: Path, out: Path, *extra: str) -> dict[str, str]:
    grade_code(subs, out, "course secret\n", "1", *extra)
    return grades(out)


def test_a_folder_of_notebooks_grades_as_the_same_code_as_py(tmp_path: Path) -> None:
    for student, cells in STUDENTS.items():
        write(notebook(*cells), tmp_path / "nb" / f"{student}.ipynb")
        py = as_py(*cells).replace("%matplotlib inline", "")
        (tmp_path / "py").mkdir(exist_ok=True)
        (tmp_path / "py" / f"{student}.py").write_text(py)
    got = grade(tmp_path / "nb", tmp_path / "out-nb")
    want = grade(tmp_path / "py", tmp_path / "out-py")
    assert got["A0001"] == want["A0001"] == "38"
    assert got["A0002"] == want["A0002"] == "37"
    assert got["A0003"] == want["A0003"] == "0"
    # top-level work that never ends: the .py file scores nothing, the notebook's functions count
    assert (got["A0004"], want["A0004"]) == ("38", "0")
    results = json.loads((tmp_path / "out-nb" / "A0004" / "results.json").read_text())
    assert "cell 3: loading the notebook took longer than 3 s" in results["output"]
    feedback = (tmp_path / "out-nb" / "A0002" / "feedback.md").read_text()
    assert "loss-missing-half" in feedback or "sse_loss" in feedback


def test_student_folders_an_id_pattern_and_canvas_names(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    write(notebook(CORRECT), subs / "A0001" / "homework.ipynb")
    write(notebook(CORRECT, WRONG), subs / "HW1_A0002.ipynb")
    roster = tmp_path / "roster.csv"
    roster.write_text("id\nA0001\nA0002\n")
    got = grade(
        subs, tmp_path / "out", "--id-pattern", r"(?:HW1_)?(?P<id>A\d+)", "--roster", str(roster)
    )
    assert got == {"A0001": "38", "A0002": "37"}
    canvas = tmp_path / "canvas"
    write(notebook(CORRECT, WRONG), canvas / "doejane_1001_9999_hw.ipynb")
    gradebook = tmp_path / "gradebook.csv"
    gradebook.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section\n"
        "    Points Possible,,,,\n"
        '"Doe, Jane",1001,A0009,jdoe,S1\n'
    )
    got = grade(canvas, tmp_path / "out-canvas", "--roster", str(gradebook))
    assert got == {"A0009": "37"}


def test_a_broken_notebook_costs_its_student_one_line(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "A0001.ipynb").write_text("{oops")
    write(notebook(CORRECT), subs / "A0002.ipynb")
    got = grade(subs, tmp_path / "out")
    assert got == {"A0001": "0", "A0002": "38"}
    results = json.loads((tmp_path / "out" / "A0001" / "results.json").read_text())
    assert "A0001.ipynb: is not a valid notebook: it is not JSON" in results["tests"][0]["output"]
    assert "grader-batch" not in json.dumps(results)


def _gradescope(tmp_path: Path, secret: bool, cells: tuple) -> float:
    root = tmp_path / ("secret" if secret else "public")
    source = root / "source"
    source.mkdir(parents=True)
    (source / "assignment.toml").write_text(
        (Path(__file__).parents[2] / "exercises" / "assignments" / "nn-code.toml").read_text()
    )
    (source / "grader.toml").write_text('assignment = "assignment.toml"\ntimeout = 1.0\n')
    if secret:
        (source / "secret.txt").write_text("gradescope secret\n")
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"sid": "A0001"}]}))
    write(notebook(*cells), root / "submission" / "hw.ipynb")
    return run(root).score


def test_the_gradescope_autograder_grades_an_uploaded_notebook(tmp_path: Path) -> None:
    for secret in (False, True):
        assert _gradescope(tmp_path / "right", secret, (CORRECT,)) == 38
        assert _gradescope(tmp_path / "wrong", secret, (CORRECT, WRONG)) == 37
        assert _gradescope(tmp_path / "loop", secret, (CORRECT, LOOP)) == 38


def test_collect_prefers_the_notebook_that_defines_graded_functions(tmp_path: Path) -> None:
    from grader.batch.collect import collect

    folder = tmp_path / "subs" / "A0001"
    write(notebook(("md", "def sigmoid( in words"), CORRECT), folder / "hw.ipynb")
    (folder / "plots.py").write_text("import numpy as np\nprint(1)\n")
    write(notebook("print('scratch')"), folder / "scratch.ipynb")
    found = collect(tmp_path / "subs", wanted=["code"], functions=["sigmoid", "relu"])
    assert found.submissions["A0001"].code == folder / "hw.ipynb"
    kept = [n.message for n in found.notices if n.kind == "duplicate"]
    assert len(kept) == 2 and all("kept the one defining the graded functions" in m for m in kept)


def test_copied_notebooks_are_told_by_their_code_not_their_outputs() -> None:
    from grader.batch.engine import _code_text
    from grader.batch.integrity import code_fingerprint

    one = notebook(("md", "mine"), CORRECT)
    two = notebook(CORRECT, ("md", "a different text"))
    two.cells[0].outputs = []
    other = notebook(CORRECT, WRONG)

    def fingerprint(nb) -> str | None:
        return code_fingerprint(_code_text("hw.ipynb", json.dumps(nb).encode()))

    assert fingerprint(one) is not None
    assert fingerprint(one) == fingerprint(two) != fingerprint(other)


def test_the_autograder_names_a_broken_notebook_as_uploaded(tmp_path: Path) -> None:
    for secret in (False, True):
        root = tmp_path / str(secret)
        _gradescope(root, secret, (CORRECT,))
        upload = next(root.glob("*/submission/hw.ipynb"))
        upload.write_text("{broken")
        report = run(upload.parents[1])
        assert report.score == 0 and report.max_score == 38
        assert "hw.ipynb: is not a valid notebook: it is not JSON" in report.tests[0].output
        assert "grader-" not in report.dumps()
