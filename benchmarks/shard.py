"""Grading a class in shards, side by side with one process on the whole class.

Generates a Canvas bulk download of answer sheets for the built-in ``nn-quiz`` (one in ten
right, the rest all one student's answers: a worst case for the copied-sheet check, whose cost
grows with the number of students whose variant each copied answer matches; every file named
``name_<canvasid>_<subid>_answers.toml``) and a Canvas roster, then, for each class size, in
one run:

- one ``grader grade`` process on the whole class;
- 2 and 4 ``grader grade --shard I/N`` processes at once, then ``grader merge``;

and prints wall time, the peak memory of each process (its own maximum resident set) and
the merge's time, and checks that every merge wrote the whole run's grades.csv and
canvas.csv. Then the collection alone (finding each student's file in the Canvas download):
time and peak memory per submission at 100, 1 000 and 10 000 files, for the whole class and
for one shard of 4, to show both flat per submission and a shard paying for its share.

    python benchmarks/shard.py                    # 1 000 and 10 000 students
    python benchmarks/shard.py --sizes 200,1000   # what fits
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SECRET = b"benchmark secret"
COLLECT = """
import resource, sys, time
from pathlib import Path
from grader.batch.collect import collect
from grader.batch.outputs import canvas_user_ids, canvas_user_names
from grader.batch.shard import Shard
from grader.roster import load_roster
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
roster = load_roster(sys.argv[2])
keep = Shard(0, 4).holds if sys.argv[3] == "shard" else None
start = time.perf_counter()
got = collect(Path(sys.argv[1]), wanted=("sheet",), roster_ids=roster.ids,
              canvas_ids=canvas_user_ids(roster), canvas_names=canvas_user_names(roster),
              keep=keep)
took = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(len(got.submissions), took, (peak - before) * 1024)
"""


def make_class(root: Path, n: int) -> tuple[Path, Path]:
    from grader.assignment import load_assignment
    from grader.variants import build_variants

    assignment = load_assignment("nn-quiz")
    subs = root / "subs"
    subs.mkdir(parents=True)
    rows = ["Student,ID,SIS User ID,SIS Login ID,Section,Neural networks (1)"]
    rows.append("    Points Possible,,,,,")
    template: list[str] | None = None
    for i in range(n):
        sid = f"S{i:05d}"
        name = f"Doe{i}, Ann"
        rows.append(f'"{name}",{10000 + i},{sid},{sid.lower()}@x.org,A,')
        if i % 10 == 0 or template is None:
            problems = build_variants(assignment, sid, SECRET)
            lines = []
            for qid, problem in problems.items():
                lines.append(f"[{qid}]")
                lines += [f"{p} = {json.dumps(v)}" for p, v in problem.key().items()]
            if template is None:
                template = lines
        else:
            lines = template  # another's answers: partly right for this student's variant
        text = f'student = "{sid}"\nassignment = "nn-quiz"\n' + "\n".join(lines) + "\n"
        (subs / f"doe{i}ann_{10000 + i}_{90000 + i}_answers.toml").write_text(text)
    roster = root / "roster.csv"
    roster.write_text("\n".join(rows) + "\n")
    return subs, roster


def start(argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "grader", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )


def wait_all(procs: list[subprocess.Popen[bytes]]) -> list[int]:
    """Each process's peak resident memory, in bytes (its own, from wait4)."""
    peaks = []
    for proc in procs:
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode() if proc.stderr else ""
        if proc.returncode != 0:
            sys.exit(f"grader failed ({proc.returncode}): {err[-500:]}")
        peaks.append(usage.ru_maxrss * 1024)
    return peaks


def mib(n: int) -> str:
    return f"{n / 2**20:.0f}"


def bench(root: Path, n: int, jobs: int) -> None:
    subs, roster = make_class(root / f"class{n}", n)
    secret = root / "secret.txt"
    secret.write_bytes(SECRET)
    base = ["--assignment", "nn-quiz", "--secret-file", str(secret), "--roster", str(roster)]
    base += ["--jobs", str(jobs)]
    print(f"\n{n:,} students ({jobs} workers per process, 2 cores)")
    print(f"{'run':<22}{'wall s':>9}{'per sub ms':>12}{'grade s':>9}{'merge s':>9}"
          f"{'peak MiB per process':>25}")  # fmt: skip
    t = time.perf_counter()
    whole = root / f"whole{n}"
    peaks = wait_all([start(["grade", str(subs), *base, "--out", str(whole)])])
    wall = time.perf_counter() - t
    print(f"{'one process':<22}{wall:>9.1f}{1000 * wall / n:>12.2f}{wall:>9.1f}{'':>9}"
          f"{mib(peaks[0]):>25}")  # fmt: skip
    for count in (2, 4):
        outs = [root / f"s{n}-{count}-{i}" for i in range(count)]
        t = time.perf_counter()
        procs = [
            start(["grade", str(subs), *base, "--out", str(o), "--shard", f"{i}/{count}"])
            for i, o in enumerate(outs)
        ]
        peaks = wait_all(procs)
        graded = time.perf_counter() - t
        merged = root / f"merged{n}-{count}"
        peaks += wait_all([start(["merge", *map(str, outs), "--out", str(merged)])])
        wall = time.perf_counter() - t
        for name in ("grades.csv", "canvas.csv"):
            if (merged / name).read_bytes() != (whole / name).read_bytes():
                sys.exit(f"{name} of {count} shards merged differs from the whole run's")
        shown = " ".join(mib(p) for p in peaks[:-1]) + f" (merge {mib(peaks[-1])})"
        print(f"{f'{count} shards + merge':<22}{wall:>9.1f}{1000 * wall / n:>12.2f}"
              f"{graded:>9.1f}{wall - graded:>9.1f} {shown:>24}")  # fmt: skip


def bench_collect(root: Path, sizes: list[int]) -> None:
    print("\ncollecting a Canvas bulk download (the step before grading)")
    print(f"{'files':>8}{'who':>12}{'found':>8}{'s':>8}{'us per file':>13}{'KiB per file':>14}")
    for n in sizes:
        folder = root / f"class{n}"
        if not folder.exists():
            make_class(folder, n)
        for who in ("whole", "shard"):
            out = subprocess.run(
                [sys.executable, "-c", COLLECT, str(folder / "subs"), str(folder / "roster.csv"),
                 who],
                capture_output=True, text=True, check=True,
            ).stdout.split()  # fmt: skip
            found, took, grew = int(out[0]), float(out[1]), int(out[2])
            label = "1 of 4" if who == "shard" else who
            print(f"{n:>8,}{label:>12}{found:>8,}{took:>8.2f}{1e6 * took / n:>13.0f}"
                  f"{grew / 1024 / n:>14.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="class sizes, comma separated")
    parser.add_argument("--jobs", type=int, default=2, help="workers per grader process")
    parser.add_argument("--collect-sizes", default="100,1000,10000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shard-bench-") as tmp:
        root = Path(tmp)
        for n in (int(s) for s in args.sizes.split(",")):
            bench(root, n, args.jobs)
        bench_collect(root, [int(s) for s in args.collect_sizes.split(",")])


if __name__ == "__main__":
    main()
