"""Benchmark: what the pictures cost a student's problem set, in time and in bytes.

    python benchmarks/pictures.py [--students 200] [--rounds 3]

Side by side on one process and the same students of nn-quiz (two networks, two feature
maps), it writes each student's set in md, html and tex (``student_files``, nothing written
to disk) with the pictures drawn and with them left out (no format draws), alternating the two
in every round; it prints the time per student of each, their ratio, and the size of the
html and tex documents both ways. Where pdflatex is installed it then compiles one student's
solutions.tex both ways (``--pdf-rounds`` times each, alternating) and prints that ratio too.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_pictures() -> Iterator[None]:
    from grader import render

    kept = render.PICTURE_FORMATS
    render.PICTURE_FORMATS = ()
    try:
        yield
    finally:
        render.PICTURE_FORMATS = kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pdf-rounds", type=int, default=3)
    args = parser.parse_args()

    from grader import pdf, render
    from grader.assignment import load_assignment
    from grader.problem_sets import student_files
    from grader.variants import build_variants

    assignment = load_assignment("nn-quiz")
    secret = b"benchmark secret"
    ids = [f"A{i:07d}X" for i in range(args.students)]
    formats = ("md", "html", "tex")
    drawn = {sid: build_variants(assignment, sid, secret) for sid in ids}

    def one_pass() -> tuple[float, dict[str, int]]:
        render.SHARED.clear()  # every student's text rendered afresh, both ways alike
        sizes = dict.fromkeys(("problems.html", "solutions.html", "problems.tex"), 0)
        start = time.perf_counter()
        for sid in ids:
            files = student_files(assignment, sid, drawn[sid], formats)
            for name in sizes:
                sizes[name] += len(str(files[name]).encode())
        return (time.perf_counter() - start) / len(ids), sizes

    one_pass()  # warm up: imports, templates, the one-off derivations
    with_times, without_times = [], []
    for _ in range(args.rounds):
        t, sizes_with = one_pass()
        with_times.append(t)
        with no_pictures():
            t, sizes_without = one_pass()
        without_times.append(t)
    w, wo = statistics.median(with_times), statistics.median(without_times)
    print(f"{args.students} students, median of {args.rounds} rounds, md + html + tex per student")
    print(f"  with pictures     {w * 1e3:7.2f} ms per student")
    print(f"  without pictures  {wo * 1e3:7.2f} ms per student")
    print(f"  ratio             {w / wo:7.2f}x")
    for name in sizes_with:
        a, b = sizes_with[name] / len(ids), sizes_without[name] / len(ids)
        print(f"  {name:<16}  {a / 1024:6.1f} KiB with, {b / 1024:6.1f} KiB without ({a / b:.2f}x)")

    if pdf.tex_engine() is None or args.pdf_rounds < 1:
        return
    sid = ids[0]
    render.SHARED.clear()
    tex_with = str(student_files(assignment, sid, drawn[sid], ("tex",))["solutions.tex"])
    render.SHARED.clear()
    with no_pictures():
        tex_without = str(student_files(assignment, sid, drawn[sid], ("tex",))["solutions.tex"])
    compile_with, compile_without = [], []
    for _ in range(args.pdf_rounds):
        for tex, times in ((tex_with, compile_with), (tex_without, compile_without)):
            start = time.perf_counter()
            pdf.compile_pdf(tex)
            times.append(time.perf_counter() - start)
    cw, cwo = statistics.median(compile_with), statistics.median(compile_without)
    print(f"solutions.pdf of one student, median of {args.pdf_rounds} compilations each")
    print(f"  with pictures     {cw:7.2f} s")
    print(f"  without pictures  {cwo:7.2f} s")
    print(f"  ratio             {cw / cwo:7.2f}x")


if __name__ == "__main__":
    main()
