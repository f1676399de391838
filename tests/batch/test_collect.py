"""Finding each student's files, in every layout, reporting what does not fit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.batch.collect import collect
from grader.errors import InputError, UsageError


def touch(path: Path, text: str = "x = 1\n", mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def test_folder_per_student_with_code_and_sheet(tmp_path: Path) -> None:
    code = touch(tmp_path / "A0000001X" / "solution.py")
    sheet = touch(tmp_path / "A0000001X" / "answers.toml")
    touch(tmp_path / "A0000002Y" / "nested" / "work.py")
    found = collect(tmp_path)
    assert set(found.submissions) == {"A0000001X", "A0000002Y"}
    one = found.submissions["A0000001X"]
    assert (one.code, one.sheet) == (code, sheet)
    assert found.submissions["A0000002Y"].sheet is None
    assert found.notices == ()


def test_files_named_by_id(tmp_path: Path) -> None:
    touch(tmp_path / "A0000001X.py")
    touch(tmp_path / "A0000001X.toml")
    touch(tmp_path / "A0000002Y.toml")
    found = collect(tmp_path)
    assert found.submissions["A0000001X"].code == tmp_path / "A0000001X.py"
    assert found.submissions["A0000001X"].sheet == tmp_path / "A0000001X.toml"
    assert found.submissions["A0000002Y"].code is None


def test_id_pattern_named_group_or_first_group(tmp_path: Path) -> None:
    touch(tmp_path / "A12_A0000001X.py")
    touch(tmp_path / "notes.py")
    found = collect(tmp_path, id_pattern=r"A12_(?P<id>A\d{7}[A-Z])")
    assert list(found.submissions) == ["A0000001X"]
    assert [(n.kind, n.path) for n in found.notices] == [("ignored", "notes.py")]
    again = collect(tmp_path, id_pattern=r"^A12_(\w+)$")
    assert list(again.submissions) == ["A0000001X"]


def test_bad_id_pattern_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a regular expression"):
        collect(tmp_path, id_pattern="A12_(")


def test_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        collect(tmp_path / "nope")


def test_canvas_bulk_download_mapped_through_roster(tmp_path: Path) -> None:
    touch(tmp_path / "smithjane_1001_5001_solution.py")
    touch(tmp_path / "doejohn_LATE_1002_5002_answers.toml")
    touch(tmp_path / "nobodyknown_1999_5003_solution.py")
    canvas = {"1001": "A0000001X", "1002": "A0000002Y"}
    found = collect(tmp_path, roster_ids=["A0000001X", "A0000002Y", "A0000003Z"], canvas_ids=canvas)
    subs = found.submissions
    assert subs["A0000001X"].code == tmp_path / "smithjane_1001_5001_solution.py"
    assert subs["A0000002Y"].sheet is not None and subs["A0000002Y"].late
    assert not subs["A0000001X"].late
    # an unknown Canvas user is graded under a provisional id, and reported
    assert "canvas-1999" in subs and not subs["canvas-1999"].on_roster
    kinds = {(n.kind, n.student) for n in found.notices}
    assert ("late", "A0000002Y") in kinds
    assert any(n.kind == "unknown-id" and "1999" in n.message for n in found.notices)
    assert found.missing == ("A0000003Z",)


def test_canvas_resubmission_keeps_the_newest_and_reports_the_other(tmp_path: Path) -> None:
    old = touch(tmp_path / "smithjane_1001_5001_solution.py", mtime=1_000_000)
    new = touch(tmp_path / "smithjane_1001_5009_solution-1.py", mtime=2_000_000)
    found = collect(tmp_path, roster_ids=["A1"], canvas_ids={"1001": "A1"})
    assert found.submissions["A1"].code == new
    (dup,) = [n for n in found.notices if n.kind == "duplicate"]
    assert dup.path == old.name and new.name in dup.message


def test_duplicates_unknown_ids_unused_and_ignored_are_all_reported(tmp_path: Path) -> None:
    touch(tmp_path / "A1" / "a.py", mtime=1_000)
    touch(tmp_path / "A1" / "b.py", mtime=2_000)
    touch(tmp_path / "A1" / "README.md")
    touch(tmp_path / "A9.py")
    touch(tmp_path / "A2.toml")
    touch(tmp_path / "README.txt")
    touch(tmp_path / "A8" / "notes.md")
    touch(tmp_path / "A7" / "a.py")
    touch(tmp_path / "A7" / "b.py")
    touch(tmp_path / ".DS_Store")
    found = collect(tmp_path, wanted=["code"], roster_ids=["A1", "A3"])
    assert found.submissions["A1"].code == tmp_path / "A1" / "b.py"
    assert found.submissions["A9"].on_roster is False  # graded anyway, and reported
    kinds = sorted((n.kind, n.path) for n in found.notices)
    # "not on the roster; graded anyway" only for what is graded, once per student: a file
    # that is not (README.txt, an answer sheet of a code assignment) is only ignored or unused
    assert kinds == [
        ("duplicate", "A1/a.py"),
        ("duplicate", "A7/a.py"),
        ("ignored", "A1/README.md"),
        ("ignored", "A8/notes.md"),
        ("ignored", "README.txt"),
        ("unknown-id", "A7/a.py"),
        ("unknown-id", "A9.py"),
        ("unused", "A2.toml"),
    ]
    assert found.missing == ("A3",)
    assert "A2" not in found.submissions


def test_ids_that_cannot_name_a_folder_are_refused(tmp_path: Path) -> None:
    touch(tmp_path / "two words.py")
    found = collect(tmp_path)
    assert found.submissions == {}
    assert [n.kind for n in found.notices] == ["bad-id"]


def test_ids_match_the_roster_whatever_their_case(tmp_path: Path) -> None:
    touch(tmp_path / "a0000001x.py")
    found = collect(tmp_path, roster_ids=["A0000001X"])
    assert list(found.submissions) == ["A0000001X"] and found.notices == ()


def test_symbolic_links_are_never_followed(tmp_path: Path) -> None:
    # A "submission" that links to a file of the grading machine (say /etc/shadow) would have
    # its text quoted back in the feedback as a syntax error: links are reported, never read.
    outside = touch(tmp_path / "outside" / "secret.txt", "root:*:20228:0:99999:7:::\n")
    subs = tmp_path / "subs"
    touch(subs / "A0000001X.py")
    (subs / "A0000002Y.py").symlink_to(outside)
    touch(subs / "A0000003Z" / "solution.py")
    (subs / "A0000003Z" / "extra.py").symlink_to(outside)
    (subs / "A0000004W").symlink_to(outside.parent, target_is_directory=True)
    found = collect(subs)
    assert list(found.submissions) == ["A0000001X", "A0000003Z"]
    assert found.submissions["A0000003Z"].code == subs / "A0000003Z" / "solution.py"
    links = sorted(n.path for n in found.notices if "link" in n.message)
    assert links == ["A0000002Y.py", "A0000003Z/extra.py", "A0000004W"]
    assert all(n.kind == "ignored" for n in found.notices)


def test_gradescope_upload_links_are_not_graded(tmp_path: Path) -> None:
    from grader.batch.autograder import submitted_files

    outside = touch(tmp_path / "outside" / "secret.py", "root:*:20228:0:99999:7:::\n")
    upload = tmp_path / "submission"
    real = touch(upload / "solution.py")
    (upload / "linked.py").symlink_to(outside)
    assert submitted_files(upload) == [real]


def test_a_solution_is_kept_before_a_newer_test_script(tmp_path: Path) -> None:
    # A student folder with the solution and, saved after it, a script that only tries it out.
    solution = touch(tmp_path / "A0000001X" / "hw.py", "def sigmoid(a, beta=1.0):\n    ...\n", 1e9)
    touch(tmp_path / "A0000001X" / "try_it.py", "from hw import sigmoid\nprint(sigmoid(0))\n")
    older = touch(tmp_path / "A0000002Y" / "v1.py", "relu = lambda a: a\n", 1e9)
    newer = touch(tmp_path / "A0000002Y" / "v2.py", "def relu(a):\n    return a\n")
    found = collect(tmp_path, functions=["sigmoid", "relu"])
    assert found.submissions["A0000001X"].code == solution
    assert found.submissions["A0000002Y"].code == newer  # both define one: the newest
    notes = {n.path: n.message for n in found.notices}
    assert (
        "kept the one defining the graded functions, A0000001X/hw.py"
        in notes[str(Path("A0000001X", "try_it.py"))]
    )
    assert "kept the newest" in notes[str(older.relative_to(tmp_path))]


@pytest.mark.parametrize("where", ["graded", "A0000001X/graded"])
def test_an_output_folder_among_the_submissions_is_not_read(tmp_path: Path, where: str) -> None:
    touch(tmp_path / "A0000001X" / "hw.py")
    touch(tmp_path / where / "A0000009Z" / "results.py")  # what a previous run wrote
    touch(tmp_path / where / "grades.csv")
    found = collect(tmp_path, skip=tmp_path / where)
    assert list(found.submissions) == ["A0000001X"]
    assert found.submissions["A0000001X"].code == tmp_path / "A0000001X" / "hw.py"
    assert found.notices == ()
