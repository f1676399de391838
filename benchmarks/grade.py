"""Throughput of ``grader grade`` against a loop of ``grader check --json``, side by side.

Generates a class of submissions of the built-in ``nn-code`` assignment (correct, wrong,
broken, slow), grades the whole folder with ``grader grade`` (warm sandbox server, parallel
workers), and times a loop that runs ``grader check --json`` once per submission on the same
machine in the same run. Prints both throughputs, their ratio, and the batch's peak memory
(the whole process tree, sampled from /proc, and the largest single process) at two batch
sizes, to show that memory stays flat as the class grows.

    python benchmarks/grade.py                 # 500 submissions, loop over a sample of 60
    python benchmarks/grade.py --loop all      # the loop over every submission too
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from precompile import compile_project

ROOT = Path(__file__).resolve().parent.parent
CORRECT = ROOT / "tests" / "codecheck" / "submissions" / "correct.py"

# Later definitions override earlier ones, so a "wrong" file is the correct one plus a
# redefinition with a known mistake.
WRONG = """

def sigmoid_derivative(a, beta=1.0):
    s = sigmoid(a, beta)
    return s * (1.0 - s)  # beta left out
"""
BROKEN = "import numpy as np\n\ndef sigmoid(a, beta=1.0)\n    return a\n"
SLOW = "import time\ntime.sleep(0.5)\n"
KINDS = ("correct",) * 6 + ("wrong",) * 2 + ("broken", "slow")


def make_class(folder: Path, n: int) -> list[Path]:
    """``n`` submissions named by id, a mix of KINDS; each file's bytes differ."""
    correct = CORRECT.read_text()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        text = {
            "correct": correct,
            "wrong": correct + WRONG,
            "broken": BROKEN,
            "slow": SLOW + correct,
        }[kind]
        path = folder / f"S{i:05d}.py"
        path.write_text(f"# submission {i} ({kind})\n" + text)
        paths.append(path)
    return paths


def tree_rss(root: int) -> int:
    """Resident memory in bytes of ``root`` and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as fh:
                rss[int(entry)] = int(fh.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run_sampled(argv: list[str]) -> tuple[float, int]:
    """(wall seconds, peak tree RSS in bytes) of a command, sampling /proc every 20 ms.

    The sandbox's server starts its own session but stays a descendant of the command.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(proc.pid))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    stop.set()
    sampler.join()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv[:3])} failed: {err.decode(errors='replace').strip()}")
    return wall, peak


def grade_batch(work: Path, paths: list[Path], jobs: int | None, tag: str) -> tuple[float, int]:
    subs = work / f"class-{tag}"
    subs.mkdir()
    for p in paths:
        shutil.copyfile(p, subs / p.name)  # hard links are refused as not the student's
    secret = work / "secret.txt"
    secret.write_text("benchmark secret\n")
    argv = [sys.executable, "-m", "grader", "grade", str(subs), "--assignment", "nn-code"]
    argv += ["--secret-file", str(secret), "--out", str(work / f"out-{tag}"), "--timeout", "2"]
    if jobs:
        argv += ["--jobs", str(jobs)]
    return run_sampled(argv)


def check_loop(paths: list[Path]) -> float:
    start = time.perf_counter()
    for p in paths:
        run = subprocess.run(
            [sys.executable, "-m", "grader", "check", str(p), "--json"],
            capture_output=True,
        )
        if run.returncode not in (0, 1):
            sys.exit(f"grader check {p.name} failed: {run.stderr.decode(errors='replace')}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="submissions in the large batch")
    parser.add_argument("--small", type=int, default=100, help="submissions in the small batch")
    parser.add_argument("--loop", default="60", help="submissions in the check loop, or 'all'")
    parser.add_argument("--jobs", type=int, help="grader grade --jobs (default: CPUs)")
    args = parser.parse_args()
    compile_project()  # as installed: bytecode compiled once, not at every start
    if not CORRECT.is_file():
        sys.exit(f"missing {CORRECT}: the correct submission the class is made from")
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        work = Path(tmp)
        paths = make_class(work / "all", args.n)
        loop_n = args.n if args.loop == "all" else min(args.n, int(args.loop))
        step = max(1, args.n // loop_n)
        sample = paths[::step][:loop_n]  # every kind, in the class's proportions

        print(f"{args.n} submissions ({', '.join(sorted(set(KINDS)))}); {os.cpu_count()} CPUs")
        small_wall, small_peak = grade_batch(work, paths[: args.small], args.jobs, "small")
        wall, peak = grade_batch(work, paths, args.jobs, "large")
        loop_wall = check_loop(sample)
        largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024

    batch_rate = args.n / wall
    loop_rate = len(sample) / loop_wall
    print()
    print(f"{'':34}{'submissions':>12}{'seconds':>10}{'per second':>12}")
    print(f"{'grader grade (one batch)':34}{args.n:>12}{wall:>10.1f}{batch_rate:>12.2f}")
    loop = "grader check --json (a loop)"
    print(f"{loop:34}{len(sample):>12}{loop_wall:>10.1f}{loop_rate:>12.2f}")
    print(f"throughput ratio: {batch_rate / loop_rate:.1f}x (target >= 5x)")
    print()
    print("peak memory of the batch (whole process tree, sampled):")
    print(f"  {args.small:>5} submissions: {small_peak / 2**20:7.1f} MiB ({small_wall:.1f} s)")
    print(f"  {args.n:>5} submissions: {peak / 2**20:7.1f} MiB ({wall:.1f} s)")
    print(f"largest single process of any run (RUSAGE_CHILDREN): {largest / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
