"""The batch's inputs in detail: the guarded reader, Canvas names, claims on a slot, CSV cells.

The attacks themselves go through ``grader grade`` in ``tests/cli/test_grade_attacks.py``;
these pin the rules they rest on, and the races a command line cannot stage.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.batch.collect import canvas_readings, collect, name_fits
from grader.batch.engine import grade_batch
from grader.batch.files import Guard, RefusedError, TooLargeError, read_submission
from grader.batch.store import ResultStore
from grader.roster import id_problem
from grader.spreadsheet import cell


def touch(path: Path, text: str = "x = 1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- the guarded reader --------------------------------------------------------------------


def test_the_reader_reads_a_plain_file(tmp_path: Path) -> None:
    path = touch(tmp_path / "A1.py", "def f():\n    pass\n")
    assert read_submission(path, 100, root=tmp_path) == b"def f():\n    pass\n"


@pytest.mark.parametrize("kind", ["symlink", "hardlink", "fifo", "protected", "folder-link"])
def test_the_reader_refuses_what_a_student_could_not_have_submitted(
    tmp_path: Path, kind: str
) -> None:
    secret = touch(tmp_path / "secret.txt", "the secret\n")
    subs = tmp_path / "subs"
    subs.mkdir()
    path = subs / "A1.py"
    guard = Guard()
    if kind == "symlink":
        path.symlink_to(secret)
    elif kind == "hardlink":
        os.link(secret, path)
    elif kind == "fifo":
        os.mkfifo(path)  # opening would block without O_NONBLOCK
    elif kind == "protected":
        secret.rename(path)  # the secret itself, one name only
        guard = Guard.of([path])
    else:  # a folder on the way is a link: the file is reached through it
        (tmp_path / "elsewhere").mkdir()
        os.link(secret, tmp_path / "elsewhere" / "answers.py")
        os.unlink(tmp_path / "elsewhere" / "answers.py")
        touch(tmp_path / "elsewhere" / "answers.py", "not the student's\n")
        (subs / "A1").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
        path = subs / "A1" / "answers.py"
    with pytest.raises(RefusedError) as refused:
        read_submission(path, 1 << 20, guard=guard, root=subs)
    assert "secret" not in refused.value.reason.replace("the secret, ", "")


def test_the_reader_reads_no_more_than_its_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_bytes(b"x" * 5000)
    with pytest.raises(TooLargeError) as big:
        read_submission(path, 4096)
    assert big.value.size == 5000


def test_a_file_swapped_for_a_hard_link_after_collecting_is_not_graded(
    tmp_path: Path, mixed, fake_factory
) -> None:
    from grader.batch.backend import SecretVariants

    subs = tmp_path / "subs"
    touch(subs / "A1.py", "def sigmoid(a, beta=1.0):\n    return a\n")
    secret = touch(tmp_path / "secret.txt", "root:*:TOPSECRET\n")
    found = collect(subs, wanted=["code"])
    assert list(found.submissions) == ["A1"]
    (subs / "A1.py").unlink()
    os.link(secret, subs / "A1.py")  # between collecting and grading
    with fake_factory(mixed, 1) as backend:
        batch = grade_batch(
            mixed,
            found,
            SecretVariants(mixed, b"s"),
            backend,
            ResultStore(tmp_path / "db.sqlite"),
            secret=b"s",
            workers=1,
            timeout=1.0,
        )
    result = batch.results["A1"]
    assert "hard link" in (result.problem or "")
    assert "TOPSECRET" not in result.report.dumps()
    assert backend.calls == [("sheet", "A1")] or all(c[0] != "code" for c in backend.calls)


# --- Canvas names ----------------------------------------------------------------------------


def test_every_reading_of_a_canvas_name() -> None:
    readings = canvas_readings("evileve_1001_9999_1002_5002_hw_3_4_x.py")
    assert [(r.name, r.canvas, r.sub) for r in readings] == [
        ("evileve", "1001", 9999),
        ("evileve_1001", "9999", 1002),
        ("evileve_1001_9999", "1002", 5002),
        ("evileve_1001_9999_1002_5002_hw", "3", 4),
    ]
    (late,) = canvas_readings("doejane_LATE_1001_5001_a.py")
    assert late.late and late.name == "doejane" and late.file == "a.py"


@pytest.mark.parametrize(
    ("part", "name", "fits"),
    [
        ("doejane", "Doe, Jane", True),
        ("janedoe", "Doe, Jane", True),
        ("mullerjurgen", "Müller, Jürgen", True),
        ("müllerjürgen", "Müller, Jürgen", True),
        ("oconnorsean", "O'Connor, Seán", True),
        ("evileve", "Doe, Jane", False),
        ("doejaneextra", "Doe, Jane", False),
        ("", "Doe, Jane", False),
    ],
)
def test_a_name_part_fits_the_roster_name(part: str, name: str, fits: bool) -> None:
    assert name_fits(part, name) is fits


def test_a_file_whose_name_part_fits_no_one_is_a_conflict(tmp_path: Path) -> None:
    touch(tmp_path / "doejane_1001_5001_a.toml")
    touch(tmp_path / "x_1001_9999_1002_5002_a.toml")  # Eve's, named to land on Jane's slot
    found = collect(
        tmp_path,
        roster_ids=["A1", "A2"],
        canvas_ids={"1001": "A1", "1002": "A2"},
        canvas_names={"1001": "Doe, Jane", "1002": "Evil, Eve"},
    )
    assert found.submissions["A1"].sheet == tmp_path / "doejane_1001_5001_a.toml"
    assert "A2" not in found.submissions
    (conflict,) = found.conflicts
    assert conflict.path == "x_1001_9999_1002_5002_a.toml"


def test_one_slot_from_two_places_holds_the_student(tmp_path: Path) -> None:
    touch(tmp_path / "A1" / "answers.toml")
    touch(tmp_path / "A1.toml")
    touch(tmp_path / "A2" / "answers.toml")
    touch(tmp_path / "A2.py")  # the other slot: a layout, not a claim
    found = collect(tmp_path)
    assert found.held.keys() == {"A1"}
    assert found.submissions["A1"].sheet is None and found.submissions["A1"].code is None
    assert found.submissions["A2"].sheet is not None and found.submissions["A2"].code is not None
    assert {n.path for n in found.conflicts} == {"A1.toml", str(Path("A1", "answers.toml"))}


# --- ids and CSV cells -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sid",
    ["grades.csv", "Grades.CSV", "report.html.", "grading.sqlite-shm", "key.csv", "NUL", "com1.x"],
)
def test_ids_that_would_shadow_an_output_are_refused(sid: str) -> None:
    assert id_problem(sid)


@pytest.mark.parametrize("sid", ["A0123456X", "grades", "report", "jane.doe", "canvas-101"])
def test_ordinary_ids_are_fine(sid: str) -> None:
    assert id_problem(sid) is None


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("-2-3", "'-2-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+1+1", "'+1+1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("-0.118", "-0.118"),
        ("+3", "+3"),
        ("2e-3", "2e-3"),
        ("-1 2; 3 4", "-1 2; 3 4"),
        ("Doe, Jane", "Doe, Jane"),
        ("", ""),
        (14, 14),
    ],
)
def test_a_cell_a_spreadsheet_would_evaluate_is_neutralised(value: object, written: object) -> None:
    assert cell(value) == written
