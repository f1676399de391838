"""``grader grade`` end to end with the real sandbox and sheet grader.

One folder mixes correct, wrong, misconception, hostile (infinite loop, memory bomb, fork bomb)
and malformed submissions, code and answer sheets; every student's score is checked, the CSV
files are read as an LMS reads them, a run killed with SIGKILL is resumed, and no process is
left behind. Each run happens under a small "subreaper" parent that adopts every orphan, so a
stray process of this run (and only of this run) is seen.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.assignment import parse_assignment
from grader.variants import build_variants

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox needs Linux")

SECRET = b"end to end secret"
ASSIGNMENT = """
name = "e2e"
title = "Neurons and convolution"

[[code]]
function = "sigmoid"
points = 2
[[code]]
function = "sigmoid_derivative"
points = 2
[[code]]
function = "conv2d"
points = 3

[[question]]
id = "q1"
exercise = "neuron_backprop"
points = 8

[[question]]
id = "q2"
exercise = "conv_output_size"
points = 2
"""

SIGMOID = """
def sigmoid(a, beta=1.0):
    return 1.0 / (1.0 + np.exp(-beta * np.asarray(a, dtype=float)))
"""
SIGMOID_DERIVATIVE = """
def sigmoid_derivative(a, beta=1.0):
    s = 1.0 / (1.0 + np.exp(-beta * np.asarray(a, dtype=float)))
    return beta * s * (1.0 - s)
"""
CONV2D = """
def conv2d(image, kernel, stride=1, padding=0):
    x = np.pad(np.asarray(image, dtype=float), padding)
    k = np.asarray(kernel, dtype=float)
    rows = (x.shape[0] - k.shape[0]) // stride + 1
    cols = (x.shape[1] - k.shape[1]) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            patch = x[i * stride : i * stride + k.shape[0], j * stride : j * stride + k.shape[1]]
            out[i, j] = np.sum(patch * k)
    return out
"""
CORRECT = "import numpy as np\n" + SIGMOID + SIGMOID_DERIVATIVE + CONV2D
NO_BETA = CORRECT.replace("return beta * s * (1.0 - s)", "return s * (1.0 - s)")
LOOPING = CORRECT.replace(
    "def sigmoid(a, beta=1.0):\n", "def sigmoid(a, beta=1.0):\n    while True:\n        pass\n"
)
MEMORY_BOMB = "import numpy as np\nhog = bytearray(1 << 34)\n" + SIGMOID
FORK_BOMB = CORRECT.replace(
    "def conv2d(image, kernel, stride=1, padding=0):\n",
    "def conv2d(image, kernel, stride=1, padding=0):\n    import os\n    while True:\n        os.fork()\n",
)
SYNTAX_ERROR = "import numpy as np\ndef sigmoid(a, beta=1.0)\n    return a\n"
# A01's code with other comments, names of nothing and layout: still the same program
RECOMMENTED = "# my own work\nimport numpy as np\n\n\n" + "\n# done\n".join(
    [SIGMOID, SIGMOID_DERIVATIVE, CONV2D]
)

REAPER = r"""
import ctypes, json, os, subprocess, sys, time
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
proc = subprocess.Popen([sys.executable, "-m", "grader", *sys.argv[1:]])
print(proc.pid, flush=True)
code = proc.wait()

def alive():
    me, out = str(os.getpid()), []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me and fields[0] != "Z":
            out.append(int(d))
    return out

deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass
    if not alive():
        break
    time.sleep(0.05)
print(json.dumps({"code": code, "left": alive()}), flush=True)
"""


def sheet(student: str, variant_of: str, change: dict[str, object] | None = None) -> str:
    problems = build_variants(parse_assignment(ASSIGNMENT), variant_of, SECRET)
    lines = [f'student = "{student}"', 'assignment = "e2e"']
    for qid, problem in problems.items():
        lines.append(f"[{qid}]")
        for pid, value in problem.key().items():
            value = (change or {}).get(f"{qid}.{pid}", value)
            lines.append(f"{pid} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def loss_without_half(student: str) -> float:
    problem = build_variants(parse_assignment(ASSIGNMENT), student, SECRET)["q1"]
    (mistake,) = [
        m for m in problem.part("loss").mistakes if m.misconception == "loss-missing-half"
    ]
    return float(mistake.value)


@pytest.fixture
def course(tmp_path: Path) -> dict[str, Path]:
    subs = tmp_path / "submissions"
    files = {
        "A01/solution.py": CORRECT,
        "A01/answers.toml": sheet("A01", "A01"),
        "A02.py": NO_BETA,
        "A02.toml": sheet("A02", "A02", {"q1.loss": loss_without_half("A02")}),
        "A03.py": LOOPING,
        "A03.toml": sheet("A03", "A03"),
        "A04.py": MEMORY_BOMB,
        "A04.toml": sheet("A04", "A04"),
        "A05.py": FORK_BOMB,
        "A05.toml": sheet("A05", "A05"),
        "A06.py": SYNTAX_ERROR,
        "A06.toml": sheet("A06", "A06"),
        "A07.py": CORRECT,
        "A07.toml": 'student = "A07"\n[q1\ny_hat = 0.5\n',
        "A09.py": CORRECT,
        "A10/mine.py": RECOMMENTED,
        "A10/answers.toml": sheet("A10", "A01", {"q2.size": "", "q2.params": ""}),
    }
    for name, text in files.items():
        path = subs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "id,name,email\n"
        + "".join(f"A{i:02d},Student {i},s{i}@example.org\n" for i in range(1, 11) if i != 9)
    )
    assignment = tmp_path / "e2e.toml"
    assignment.write_text(ASSIGNMENT)
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    return {
        "subs": subs,
        "roster": roster,
        "assignment": assignment,
        "secret": secret,
        "out": tmp_path / "out",
    }


def grade_argv(c: dict[str, Path], *extra: str) -> list[str]:
    return [
        "grade",
        str(c["subs"]),
        "--assignment",
        str(c["assignment"]),
        "--secret-file",
        str(c["secret"]),
        "--out",
        str(c["out"]),
        "--roster",
        str(c["roster"]),
        "--timeout",
        "2",
        *extra,
    ]


def reaped(argv: list[str], kill_when: object = None, timeout: float = 240) -> tuple[dict, str]:
    """Run ``grader ARGV`` under the subreaper; optionally SIGKILL it once ``kill_when()``."""
    proc = subprocess.Popen(
        [sys.executable, "-c", REAPER, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    pid = int(proc.stdout.readline())
    if kill_when is not None:
        deadline = time.monotonic() + timeout
        while not kill_when() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=timeout)
    lines = out.strip().splitlines()
    return json.loads(lines[-1]), "\n".join(lines[:-1]) + err


def test_mixed_class_end_to_end(course: dict[str, Path]) -> None:
    status, output = reaped(grade_argv(course, "--jobs", "2"))
    assert status == {"code": 0, "left": []}, output
    out = course["out"]
    rows = {
        r["id"]: r
        for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text(), newline=""))
    }
    score = {sid: float(r["score"]) for sid, r in rows.items()}
    assert score["A01"] == 17  # everything right
    assert score["A02"] == 17 - 2 - 1  # beta left out of sigma'; the loss without its 1/2
    assert score["A03"] == 17 - 2  # sigmoid never returns: only sigmoid is lost
    assert score["A04"] == 10  # a memory bomb on import: no code points, the sheet counts
    assert score["A05"] == 17 - 3  # a fork bomb in conv2d costs conv2d only
    assert score["A06"] == 10  # a syntax error
    assert score["A07"] == 7  # an answer sheet that is not TOML
    assert score["A08"] == 0  # on the roster, nothing handed in
    assert score["A09"] == 7  # not on the roster: graded, and reported
    assert rows["A10"]["q2"] == "0" and score["A10"] < 17
    assert {r["max_score"] for r in rows.values()} == {"17"}
    assert (rows["A02"]["sigmoid_derivative"], rows["A02"]["q1"], rows["A02"]["conv2d"]) == (
        "0",
        "7",
        "3",
    )
    assert (rows["A03"]["sigmoid"], rows["A03"]["sigmoid_derivative"]) == ("0", "2")
    # results.json: Gradescope's schema, with the misconceptions in tags
    a02 = json.loads((out / "A02" / "results.json").read_text())
    tags = {tag for t in a02["tests"] for tag in t["tags"]}
    assert {"sigmoid-derivative-missing-beta", "loss-missing-half"} <= tags
    assert {t["status"] for t in a02["tests"]} == {"passed", "failed"}
    a06 = (out / "A06" / "feedback.md").read_text()
    assert "could not be run:**\n\n```text\nA06.py:2: SyntaxError" in a06
    assert str(course["subs"]) not in a06
    # Moodle import: as the LMS reads it
    moodle = list(csv.DictReader(io.StringIO((out / "moodle.csv").read_text(), newline="")))
    assert {r["idnumber"]: float(r["grade"]) for r in moodle} == score
    assert next(r for r in moodle if r["idnumber"] == "A01")["email"] == "s1@example.org"
    # the instructor's report
    html = (out / "report.html").read_text()
    for needle in (
        "A04",
        "A06",
        "A07",
        "identical-code",
        "copied-sheet",
        "loss-missing-half",
        "A09",
        "<svg",
    ):
        assert needle in html, needle
    assert html.count("<script") == 1  # the students' table's own, inline; nothing injected
    assert "<script src" not in html
    # a rerun grades nothing
    status, output = reaped(grade_argv(course, "--jobs", "2"))
    assert status == {"code": 0, "left": []}
    assert "nothing changed: 10 unchanged;" in output


def stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM result").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_a_killed_run_resumes_and_regrades_nothing_stored(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    subs.mkdir()
    n = 8
    for i in range(n):  # each takes a while to load, so that the kill lands mid-batch
        (subs / f"B{i:02d}.py").write_text(
            f"import time\nimport numpy as np\ntime.sleep(0.4)\nmarker = {i}\n" + SIGMOID
        )
    assignment = tmp_path / "slow.toml"
    assignment.write_text('name = "slow"\n[[code]]\nfunction = "sigmoid"\npoints = 1\n')
    secret = tmp_path / "secret.txt"
    secret.write_text("s")
    out = tmp_path / "out"
    db = out / "grading.sqlite"
    argv = [
        "grade",
        str(subs),
        "-a",
        str(assignment),
        "--secret-file",
        str(secret),
        "--out",
        str(out),
        "--jobs",
        "1",
    ]
    status, _ = reaped(argv, kill_when=lambda: stored(db) >= 2)
    assert status["code"] == -signal.SIGKILL and status["left"] == []  # nothing outlives the kill
    kept = stored(db)
    assert 2 <= kept < n
    assert not (out / "grades.csv").exists()
    status, output = reaped(argv)
    assert status == {"code": 0, "left": []}
    assert f"({n - kept} new, {kept} unchanged)" in output
    rows = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text(), newline="")))
    assert [(r["id"], r["score"]) for r in rows] == [(f"B{i:02d}", "1") for i in range(n)]
