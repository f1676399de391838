"""Benchmark: `grader check` of a complete correct submission against starting Python + NumPy.

Runs both commands alternately, several times, and prints their median wall times side by
side with the ratio (target: at most 3).

    python benchmarks/check.py [--runs N] [--submission FILE]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from precompile import compile_project

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SUBMISSION = ROOT / "tests" / "codecheck" / "submissions" / "correct.py"
TARGET = 3.0


def wall_time(cmd: list[str], expect: int) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != expect:
        sys.exit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--submission", type=Path, default=DEFAULT_SUBMISSION)
    args = parser.parse_args()
    compile_project()  # as installed: bytecode compiled once, not at every start
    # the grader of this interpreter (a shell wrapper such as a pyenv shim would be timed too)
    beside = Path(sys.executable).with_name("grader")
    grader = str(beside) if beside.is_file() else None
    check = [grader] if grader else [sys.executable, "-m", "grader"]
    check += ["check", str(args.submission)]
    baseline = [sys.executable, "-c", "import numpy"]
    wall_time(check, 0)  # warm the file cache once
    wall_time(baseline, 0)
    times: dict[str, list[float]] = {"check": [], "numpy": []}
    for _ in range(args.runs):
        times["check"].append(wall_time(check, 0))
        times["numpy"].append(wall_time(baseline, 0))
    med_check = statistics.median(times["check"])
    med_numpy = statistics.median(times["numpy"])
    ratio = med_check / med_numpy
    print(f"{'command':<40} {'median':>9} {'min':>9} {'max':>9}")
    for label, key in (
        ("grader check (complete, correct)", "check"),
        ('python -c "import numpy"', "numpy"),
    ):
        t = times[key]
        print(f"{label:<40} {statistics.median(t):>8.3f}s {min(t):>8.3f}s {max(t):>8.3f}s")
    verdict = "meets" if ratio <= TARGET else "MISSES"
    print(f"ratio {ratio:.2f} over {args.runs} runs ({verdict} the target of {TARGET:g})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
