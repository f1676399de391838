"""Integrity flags: identical code, copied answer sheets, sheets signed by someone else."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.batch.integrity import code_fingerprint, copied_sheets, identical_code

CODE = '''import numpy as np

def relu(a):
    """Max of 0 and a."""
    return np.maximum(0, a)
'''
SAME = """# relu, by me
import numpy as np
def relu(a):
    # elementwise
    return np.maximum(0,   a)   # done
"""
OTHER = CODE.replace("np.maximum(0, a)", "np.where(a > 0, a, 0)")
STUB = '''def relu(a):
    """Max of 0 and a."""
    raise NotImplementedError
'''


def test_same_program_under_other_comments_and_layout() -> None:
    assert code_fingerprint(CODE) == code_fingerprint(SAME)
    assert code_fingerprint(CODE) != code_fingerprint(OTHER)
    assert code_fingerprint("def relu(a) return a") is None  # unparsable
    assert code_fingerprint(STUB) is None  # the untouched starter file is no evidence


def test_identical_code_groups() -> None:
    fp = code_fingerprint
    flags = identical_code({"A1": fp(CODE), "A2": fp(SAME), "A3": fp(OTHER), "A4": None})
    assert [f.students for f in flags] == [("A1", "A2")]
    assert identical_code({"A1": fp(STUB), "A2": fp(STUB)}) == []


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


ANSWERS = {
    "A1": {"q1": {"a": 0.4134, "b": -0.0226, "c": 1.25, "d": [[4.0, 3.0], [2.0, 4.0]], "e": "B"}},
    "A2": {"q1": {"a": 0.7311, "b": -0.0511, "c": 3.5, "d": [[1.0, 0.0], [2.0, 5.0]], "e": "B"}},
}


def test_a_sheet_that_follows_another_variant_is_flagged(tmp_path: Path) -> None:
    a1 = write(tmp_path, "a1.toml", 'student = "A1"\n[q1]\na = 0.4134\nb = -0.0226\nc = 1.25\n')
    copied = 'student = "A2"\n[q1]\na = "0.413"\nb = "−0.0226"\nc = 1.25\nd = "4 3; 2 4"\ne = "B"\n'
    a2 = write(tmp_path, "a2.toml", copied)
    flags = copied_sheets({"A1": a1, "A2": a2}, ANSWERS)
    assert [(f.kind, f.students) for f in flags] == [("copied-sheet", ("A2", "A1"))]
    assert "on 4 parts" in flags[0].message  # the shared letter "B" proves nothing


def test_own_answers_and_few_coincidences_are_not_flagged(tmp_path: Path) -> None:
    own = write(tmp_path, "a2.toml", 'student = "A2"\n[q1]\na = 0.7311\nb = -0.0511\nc = 3.5\n')
    two = write(tmp_path, "a3.toml", 'student = "A2"\n[q1]\na = 0.4134\nb = -0.0226\nc = 3.5\n')
    assert copied_sheets({"A2": own}, ANSWERS) == []
    assert copied_sheets({"A2": two}, ANSWERS) == []  # two parts: below the threshold


def test_a_sheet_signed_by_another_student_is_flagged(tmp_path: Path) -> None:
    sheet = write(tmp_path, "a2.toml", 'student = "A1"\n[q1]\na = 0.7311\n')
    (flag,) = copied_sheets({"A2": sheet}, ANSWERS)
    assert (flag.kind, flag.students) == ("sheet-identity", ("A2", "A1"))


def test_fingerprints_in_many_threads_at_once() -> None:
    # CPython 3.11's parser breaks when threads parse at once; the workers do exactly that
    from concurrent.futures import ThreadPoolExecutor

    source = CODE + "".join(
        f"\ndef f{i}(x):\n    return [y * {i} for y in x if y]\n" for i in range(40)
    )
    with ThreadPoolExecutor(8) as pool:
        digests = set(pool.map(code_fingerprint, [source] * 200))
    assert digests == {code_fingerprint(source)} and None not in digests


def test_a_sheet_too_large_to_be_one_is_not_read(tmp_path) -> None:
    # Read whole, a "sheet" of gigabytes takes the grading run down with it.
    from grader.assignment import load_assignment
    from grader.batch.backend import MAX_SHEET, GraderBackend, UnrunnableError
    from grader.batch.integrity import read_sheet

    huge = tmp_path / "A1.toml"
    huge.write_text('student = "A1"\n')
    with huge.open("r+b") as fh:
        fh.truncate(MAX_SHEET + 1)
    assert read_sheet(huge) is None
    with pytest.raises(UnrunnableError, match="too large to be read"):
        GraderBackend(load_assignment("nn-quiz")).grade_sheet(huge, "A1", {})


def test_a_copied_answer_rounded_within_tolerance_is_matched_across_a_digit(
    tmp_path: Path,
) -> None:
    # 1.0449 is within 0.5 % of 1.05 although the two round to 1.0 and 1.1: a copy rounded
    # down still counts (and 1.0440, 0.57 % off, does not)
    answers = {
        "A1": {"q1": {"a": 1.05, "b": 10.5, "c": -105.0}},
        "A2": {"q1": {"a": 2.0, "b": 20.0, "c": -200.0}},
    }
    near = write(tmp_path, "a2.toml", "[q1]\na = 1.0449\nb = 10.449\nc = -104.49\n")
    (flag,) = copied_sheets({"A2": near}, answers)
    assert flag.students == ("A2", "A1") and "on 3 parts" in flag.message
    off = write(tmp_path, "a3.toml", "[q1]\na = 1.0440\nb = 10.449\nc = -104.49\n")
    assert copied_sheets({"A2": off}, answers) == []  # two parts: below the threshold


def test_many_students_sharing_whole_numbers_name_the_one_source(tmp_path: Path) -> None:
    # 1 500 variants share each output size and 2 000 each count: only z tells whose it is
    answers = {
        f"S{i:04d}": {"q1": {"size": 3 + i % 4, "count": 10 * (1 + i % 3), "z": 0.1 + i / 1e3}}
        for i in range(6000)
    }
    source = answers["S0006"]["q1"]
    both = f"[q1]\nsize = {source['size']}\ncount = {source['count']}\n"
    sheet = write(tmp_path, "s.toml", both + f"z = {source['z']}\n")
    (flag,) = copied_sheets({"S0001": sheet}, answers)
    assert flag.students == ("S0001", "S0006") and "on 3 parts (their own on 0)" in flag.message
    shared = write(tmp_path, "t.toml", both)  # two parts, shared by 500 variants: no flag
    assert copied_sheets({"S0001": shared}, answers) == []
