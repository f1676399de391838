"""Fuzzing ``grader grade``: no single submission can stop a batch.

Every kind of file the batch accepts (code ``.py``, answer sheets ``.toml``) is mutated —
truncated, bytes flipped and inserted, nested deeply, made invalid UTF-8 — and a whole class of
such files goes through ``grade``: the run always finishes and writes every output, for every
student, and a rerun does too.
"""

from __future__ import annotations

import csv
import io
import json
import random
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

GOOD_SHEET = """student = "{sid}"
assignment = "fuzz"

[q1]
size = 3
params = "1/2"

[q2]
feature_map = "4 3 4; 2 4 3; 2 3 4"
"""

GOOD_CODE = '''"""A student's solution."""
import numpy as np


def sigmoid(a, beta=1.0):
    """Elementwise."""
    return 1.0 / (1.0 + np.exp(-beta * np.asarray(a, dtype=float)))


def relu(a):
    return np.maximum(0.0, np.asarray(a, dtype=float))
'''

ASSIGNMENT = """
name = "fuzz"
title = "Fuzzed"
[[code]]
function = "sigmoid"
points = 2
[[code]]
function = "relu"
points = 1
[[question]]
id = "q1"
exercise = "conv_output_size"
points = 2
[[question]]
id = "q2"
exercise = "conv_feature_map"
points = 2
"""

HOSTILE = [b"[", b"]", b"{", b"}", b'"', b"'''", b"\x00", b"\xff\xfe", b"\n", b"=", b"\\", b"\r"]


def deep(kind: str, depth: int) -> bytes:
    if kind == "array":
        return b"[" * depth + b"]" * depth
    if kind == "table":
        return b"{a=" * depth + b"1" + b"}" * depth
    if kind == "parens":
        return b"(" * depth + b"1" + b")" * depth
    if kind == "unary":
        return b"-" * depth + b"1"
    return b"[" * depth  # unclosed


def mutate(text: bytes, rng: random.Random, toml: bool) -> bytes:
    data = bytearray(text)
    choice = rng.randrange(8)
    if choice == 0:  # truncated anywhere
        return bytes(data[: rng.randrange(len(data) + 1)])
    if choice == 1:  # bytes flipped
        for _ in range(rng.randint(1, 12)):
            i = rng.randrange(len(data))
            data[i] = rng.randrange(256)
        return bytes(data)
    if choice == 2:  # hostile bytes inserted
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(data) + 1)
            data[i:i] = rng.choice(HOSTILE)
        return bytes(data)
    if choice == 3:  # a value nested deeply
        kind = rng.choice(["array", "table", "unclosed"] if toml else ["parens", "unary", "array"])
        depth = rng.choice([100, 1_000, 50_000, 100_000])
        prefix = b"[q1]\nsize = " if toml else b"x = "
        return bytes(data) + b"\n" + prefix + deep(kind, depth) + b"\n"
    if choice == 4:  # invalid UTF-8 throughout
        return bytes(b ^ 0x80 if rng.random() < 0.1 else b for b in data)
    if choice == 5:  # a segment repeated many times
        i = rng.randrange(len(data))
        j = min(len(data), i + rng.randint(1, 40))
        return bytes(data[:i] + data[i:j] * rng.randint(2, 2000) + data[j:])
    if choice == 6:  # empty, or nothing but a hostile byte
        return rng.choice([b"", b"\x00", b"\xff", b"["])
    # a huge line
    return bytes(data) + b"\n# " + b"x" * rng.randint(10_000, 900_000) + b"\n"


def class_of_mutants(subs: Path, rng: random.Random, students: int, code: bool) -> list[str]:
    ids = []
    for i in range(students):
        sid = f"S{i:03d}"
        ids.append(sid)
        sheet = mutate(GOOD_SHEET.format(sid=sid).encode(), rng, toml=True)
        if i % 3 == 0:
            (subs / sid).mkdir()
            (subs / sid / "answers.toml").write_bytes(sheet)
        else:
            (subs / f"{sid}.toml").write_bytes(sheet)
        if code:
            (subs / f"{sid}.py").write_bytes(mutate(GOOD_CODE.encode(), rng, toml=False))
    return ids


def grade(tmp_path: Path, *extra: str) -> object:
    secret = tmp_path / "secret.txt"
    secret.write_text("fuzz secret")
    assignment = tmp_path / "fuzz.toml"
    assignment.write_text(ASSIGNMENT)
    argv = ["grade", str(tmp_path / "subs"), "-a", str(assignment), "--secret-file", str(secret)]
    return CliRunner().invoke(main, [*argv, "--out", str(tmp_path / "out"), *extra])


def assert_complete(tmp_path: Path, ids: list[str]) -> None:
    out = tmp_path / "out"
    for name in ("grades.csv", "moodle.csv", "report.html"):
        assert (out / name).is_file(), name
    rows = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text("utf-8"))))
    assert [r["id"] for r in rows] == ids
    for row in rows:
        float(row["score"])  # a number for everyone
    for sid in ids:
        report = json.loads((out / sid / "results.json").read_text("utf-8"))
        assert report["max_score"] == 7
        assert (out / sid / "feedback.md").is_file()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mutated_answer_sheets_never_stop_the_batch(tmp_path: Path, seed: int) -> None:
    # sheets only: the code slot gets no file, so no sandbox is needed
    (tmp_path / "subs").mkdir()
    ids = class_of_mutants(tmp_path / "subs", random.Random(seed), 40, code=False)
    for _ in range(2):
        result = grade(tmp_path)
        assert result.exit_code == 0, result.output
        assert "internal error" not in result.output
        assert_complete(tmp_path, ids)


@pytest.mark.skipif(sys.platform != "linux", reason="the sandbox needs Linux")
def test_mutated_code_and_sheets_never_stop_the_batch(tmp_path: Path) -> None:
    (tmp_path / "subs").mkdir()
    ids = class_of_mutants(tmp_path / "subs", random.Random(17), 16, code=True)
    result = grade(tmp_path, "--timeout", "2")
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    assert_complete(tmp_path, ids)
