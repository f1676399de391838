"""``grade --shard`` and ``merge`` as an instructor's cluster runs them: concurrent processes.

N shards run at once as ``python -m grader`` processes (``--shard I/N``, Slurm's job-array
variables, Kubernetes' completion index), are merged, and compared with one process grading
the whole class: same grades.csv, LMS files, results and integrity flags. Then the lock of an
output folder between two real processes, and a full disk on a real small file system.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from tests.batch.conftest import class_files

from .test_grade import SECRET, sheet

CANVAS_HEADER = "Student,ID,SIS User ID,SIS Login ID,Section,Neural networks (123)\n"


@pytest.fixture
def course(tmp_path: Path) -> dict[str, Path]:
    """A quiz class of 30 on a Canvas roster: right, wrong, copied and missing sheets."""
    subs = tmp_path / "subs"
    subs.mkdir()
    ids = [f"C{i:03d}" for i in range(30)]
    rows = []
    for i, s in enumerate(ids):
        rows.append(f'"Doe{i}, Jo",{1000 + i},{s},{s.lower()}@x.org,S1,\n')
        if i >= 26:
            continue  # on the roster, nothing handed in
        if i % 6 == 5:
            text = sheet(s, ids[0])  # C000's variant: copied
        elif i % 4 == 3:
            text = f'student = "{s}"\n[q1]\nz = 1.0\n'
        else:
            text = sheet(s, s)
        late = "_LATE" if i % 7 == 2 else ""
        (subs / f"doe{i}jo{late}_{1000 + i}_{5000 + i}_answers.toml").write_text(text)
    (subs / "notes.txt").write_text("not a submission")
    roster = tmp_path / "canvas.csv"
    roster.write_text(CANVAS_HEADER + "    Points Possible,,,,,\n" + "".join(rows))
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET + b"\n")
    return {"subs": subs, "roster": roster, "secret": secret, "root": tmp_path}


def grade_args(c: dict[str, Path], out: Path, *extra: str) -> list[str]:
    return [
        "grade", str(c["subs"]), "--assignment", "nn-quiz", "--secret-file", str(c["secret"]),
        "--roster", str(c["roster"]), "--out", str(out), "--jobs", "2", *extra,
    ]  # fmt: skip


def grader(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "grader", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def flags_of(report_html: str) -> list[str]:
    section = report_html.split("<h2>Integrity flags</h2>")[1].split("<h2>")[0]
    return re.findall(r"<tr><td>([a-z-]+)</td><td>(.*?)</td>", section)


@pytest.fixture
def whole(course: dict[str, Path]) -> dict[str, str]:
    code, _, err = finish(grader(*grade_args(course, course["root"] / "whole")))
    assert code == 0, err
    return class_files(course["root"] / "whole")


ENVS = {
    "I/N": lambda i, n: ([f"{i}/{n}"], {}),
    "Slurm": lambda i, n: (
        ["auto"],
        {
            "SLURM_ARRAY_TASK_ID": str(10 + i),
            "SLURM_ARRAY_TASK_MIN": "10",
            "SLURM_ARRAY_TASK_COUNT": str(n),
        },
    ),
    "Kubernetes": lambda i, n: ([f"auto/{n}"], {"JOB_COMPLETION_INDEX": str(i)}),
}


@pytest.mark.parametrize("how", list(ENVS))
def test_concurrent_shards_merged_are_the_whole_run(
    course: dict[str, Path], whole: dict[str, str], how: str
) -> None:
    count = 3
    runs = []
    for i in range(count):
        spec, env = ENVS[how](i, count)
        out = course["root"] / f"shard-{i}"
        runs.append(grader(*grade_args(course, out, "--shard", *spec), env=env))
    done = [finish(p) for p in runs]  # all three ran at once
    total = 0
    for i, (code, out, err) in enumerate(done):
        assert code == 0, err
        match = re.fullmatch(rf"shard {i}/{count}(?: \((\w+)\))?: graded (\d+) students .*\n", out)
        assert match, out
        assert match[1] == (None if how == "I/N" else how)
        total += int(match[2])
        assert "grader merge" in out
        assert not (course["root"] / f"shard-{i}" / "grades.csv").exists()
        assert not (course["root"] / f"shard-{i}" / "canvas.csv").exists()
    assert total == 30
    code, out, err = finish(
        grader("merge", *(str(course["root"] / f"shard-{i}") for i in range(count)),
               "--out", str(course["root"] / "merged"))
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith(f"merged {count} shards") and "30 students" in out
    merged = class_files(course["root"] / "merged")
    for name in ("grades.csv", "canvas.csv", "moodle.csv"):
        assert merged[name] == whole[name], name
    canvas = list(csv.reader(io.StringIO(merged["canvas.csv"])))
    assert len(canvas) == 32 and all(row[5] for row in canvas[2:28])  # 26 scores, none lost
    assert flags_of(merged["report.html"]) == flags_of(whole["report.html"])
    assert any(kind == "copied-sheet" for kind, _ in flags_of(merged["report.html"]))
    assert merged == whole


def test_merge_refusals_are_one_line_and_exit_2(course: dict[str, Path]) -> None:
    runner = CliRunner()
    root = course["root"]
    for i in (0, 2):
        got = runner.invoke(main, grade_args(course, root / f"s{i}", "--shard", f"{i}/3"))
        assert got.exit_code == 0, got.output
    got = runner.invoke(
        main, ["merge", str(root / "s0"), str(root / "s2"), "--out", str(root / "m")]
    )
    assert got.exit_code == 2
    assert got.output.startswith("Error: shard 1 of 3 missing from the merge (given: 0, 2); ")
    assert "no result for" in got.output and got.output.count("\n") == 1
    got = runner.invoke(main, ["merge", str(root / "subs"), "--out", str(root / "m")])
    assert got.exit_code == 2 and "not the output of `grader grade --shard`" in got.output
    got = runner.invoke(main, grade_args(course, root / "s9", "--shard", "3/3"))
    assert got.exit_code == 2 and "shard 3 is not one of 0 to 2" in got.output
    assert "Traceback" not in got.output


HOLD = """
import sys
from pathlib import Path
from grader.batch.outdir import writing
with writing(Path(sys.argv[1]), "grade"):
    print("holding", flush=True)
    sys.stdin.readline()
"""


def test_a_second_run_on_a_folder_in_use_refuses(course: dict[str, Path]) -> None:
    out = course["root"] / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        code, stdout, err = finish(grader(*grade_args(course, out)))
        assert code == 2 and stdout == ""
        assert err.startswith(f"Error: {out} is in use: `grader grade` (process {holder.pid} on ")
        assert err.count("\n") == 1 and "each shard of a class needs its own --out" in err
        assert not (out / "grading.sqlite").exists()  # it stopped before touching anything
        code, stdout, err = finish(grader("merge", str(out), "--out", str(out.parent / "m")))
        assert code == 2 and err.startswith(f"Error: {out} is in use: `grader grade`"), err
    finally:
        holder.communicate("\n", timeout=60)
    code, stdout, err = finish(grader(*grade_args(course, out)))  # released with its process
    assert code == 0, err


def test_two_grade_runs_at_once_lose_nothing(
    course: dict[str, Path], whole: dict[str, str]
) -> None:
    out = course["root"] / "out"
    runs = [grader(*grade_args(course, out)) for _ in range(2)]
    done = [finish(p) for p in runs]
    codes = sorted(code for code, _, _ in done)
    assert codes in ([0, 0], [0, 2])  # one after the other, or the second refused
    for code, _, err in done:
        if code == 2:
            assert "is in use" in err and err.count("\n") == 1
    assert class_files(out) == whole


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real 1 MiB file system (tmpfs), mounted for the test: root only."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small file system needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)])
    if made.returncode != 0:
        pytest.skip("tmpfs cannot be mounted here")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.parametrize("free_kib", [0, 24, 200, 400])
def test_a_full_disk_is_said_in_one_line_and_the_next_run_resumes(
    course: dict[str, Path], whole: dict[str, str], small_disk: Path, free_kib: int
) -> None:
    filler = small_disk / "filler"
    # leave free_kib free, give or take a page
    with contextlib.suppress(OSError), filler.open("wb") as fh:
        fh.write(b"\0" * ((1024 - free_kib) << 10))
    out = small_disk / "out"
    code, stdout, err = finish(grader(*grade_args(course, out)))
    assert code == 2, (stdout, err)
    assert err == (
        f"Error: the disk holding {out} is full (no space left): free some space and run "
        "again; every result stored so far is kept and not graded again\n"
    )
    filler.unlink()
    code, stdout, err = finish(grader(*grade_args(course, out)))
    assert code == 0, err
    stored = int(re.search(r"\((\d+) new, (\d+) unchanged\)", stdout)[2])  # type: ignore[index]
    if free_kib >= 200:  # room for some results: kept, and not graded again
        assert stored > 0, stdout
    assert class_files(out) == whole
