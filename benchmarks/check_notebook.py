"""Benchmark: `grader check` of a notebook against the same code as a .py file.

Writes the complete correct submission once as a .py file and once as a notebook (one code
cell per top-level statement, a markdown cell before each function, a `%matplotlib` line and
stored outputs, as students hand them in), runs both checks alternately, and prints their
median wall times side by side with the ratio.

    python benchmarks/check_notebook.py [--runs N]
"""

from __future__ import annotations

import argparse
import ast
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from precompile import compile_project

ROOT = Path(__file__).resolve().parents[1]
SUBMISSION = ROOT / "tests" / "codecheck" / "submissions" / "correct.py"


def wall_time(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed


def as_notebook(source: str) -> nbformat.NotebookNode:
    cells = [new_code_cell("%matplotlib inline")]
    for node in ast.parse(source).body:
        segment = ast.get_source_segment(source, node) or ""
        if isinstance(node, ast.FunctionDef):
            cells.append(new_markdown_cell(f"## `{node.name}`\n\n$$y = f(x)$$"))
        cell = new_code_cell(segment)
        cell.outputs = [new_output("stream", name="stdout", text="ok\n")]
        cells.append(cell)
    return new_notebook(cells=cells)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    compile_project()
    # the grader of this interpreter (a shell wrapper such as a pyenv shim would be timed too)
    beside = Path(sys.executable).with_name("grader")
    grader = str(beside) if beside.is_file() else None
    base = [grader] if grader else [sys.executable, "-m", "grader"]
    with tempfile.TemporaryDirectory() as tmp:
        py = Path(tmp) / "hw.py"
        nb = Path(tmp) / "hw.ipynb"
        source = SUBMISSION.read_text()
        py.write_text(source)
        nbformat.write(as_notebook(source), str(nb))
        commands = {"py": [*base, "check", str(py)], "ipynb": [*base, "check", str(nb)]}
        for cmd in commands.values():
            wall_time(cmd)  # warm the file cache once
        times: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(args.runs):
            for key, cmd in commands.items():
                times[key].append(wall_time(cmd))
    print(f"{'command':<40} {'median':>9} {'min':>9} {'max':>9}")
    for key, label in (("py", "grader check hw.py"), ("ipynb", "grader check hw.ipynb")):
        t = times[key]
        print(f"{label:<40} {statistics.median(t):>8.3f}s {min(t):>8.3f}s {max(t):>8.3f}s")
    ratio = statistics.median(times["ipynb"]) / statistics.median(times["py"])
    print(f"ratio notebook/py {ratio:.2f} over {args.runs} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
