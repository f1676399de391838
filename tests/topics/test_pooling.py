"""The pooling topic: its exercise, worked solution, code cases and misconceptions, checked
against loops written here and the cs231n notes' example, and through every command."""

from __future__ import annotations

import csv
import json
import math
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from numpy.lib.stride_tricks import sliding_window_view

from exercises.base import Kind
from exercises.solutions import notation
from grader.cli import main
from grader.codecheck.cases import build_cases
from grader.topics import CATALOGUE, MISCONCEPTIONS, describe, topics, worked_solution
from grader.topics.pooling import partial_windows
from tests.answers.conftest import toml_value
from tests.export.conftest import READERS

EX = CATALOGUE["pooling"]
CS231N = [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]
# a 5x5 image: 2x2 windows by 2 leave the last row and column out
FIVE = [[1, 3, 2, 0, 4], [5, 6, 1, 2, 7], [0, 2, 9, 4, 1], [3, 1, 8, 6, 2], [4, 0, 5, 3, 9]]
SIX = [
    [1, 2, 0, 4, 4, 1],
    [3, 1, 2, 0, 5, 2],
    [2, 2, 1, 3, 1, 0],
    [0, 1, 4, 2, 2, 2],
    [5, 0, 1, 1, 3, 3],
    [2, 2, 2, 0, 1, 4],
]
IDS = (
    "pool-stride-ignored",
    "pool-max-instead-of-average",
    "pool-average-instead-of-max",
    "pool-sum-instead-of-average",
    "pool-size-off-by-one",
    "pool-partial-window",
)


def brute(image: Any, k: int, s: int, mode: str) -> np.ndarray:
    """Pooling by hand: every top-left corner that leaves room for a whole window."""
    img = np.asarray(image, dtype=float)
    corners = [r for r in range(img.shape[0]) if r + k <= img.shape[0]][::s]
    out = []
    for r in corners:
        row = []
        for c in [c for c in range(img.shape[1]) if c + k <= img.shape[1]][::s]:
            values = [img[r + a, c + b] for a in range(k) for b in range(k)]
            row.append(max(values) if mode == "max" else math.fsum(values) / len(values))
        out.append(row)
    return np.array(out)


def problems(n: int = 40, pinned: dict[str, Any] | None = None) -> list[Any]:
    return [EX.generate(np.random.default_rng(seed), pinned) for seed in range(n)]


# --- the exercise ------------------------------------------------------------------------------


def test_the_topic_is_registered_after_conv_with_its_misconceptions():
    order = [t.id for t in topics()]
    assert order.index("conv") < order.index("pooling") < order.index("concept")
    for mid in IDS:
        assert mid in MISCONCEPTIONS and describe(mid) == MISCONCEPTIONS[mid]
        text = MISCONCEPTIONS[mid]
        assert text.startswith("You") and len(text.splitlines()) == 1


def test_the_cs231n_example_pinned():
    p = EX.build({"image": CS231N, "mode": "max", "size": 2})
    assert p.params["stride"] == 2  # the window's size by default
    np.testing.assert_array_equal(p.part("output").answer, [[6, 8], [3, 4]])
    assert p.part("size").answer == 2
    avg = EX.build({"image": CS231N, "mode": "average", "size": 2, "stride": 2})
    np.testing.assert_array_equal(avg.part("output").answer, [[3.25, 5.25], [2, 2]])
    # pinned image and size, nothing else: the stride still defaults to the size
    for q in problems(6, {"image": CS231N, "size": 2}):
        assert q.params["stride"] == 2 and q.part("size").answer == 2


def test_random_variants_against_loops_and_sliding_windows():
    seen = {"mode": set(), "size": set(), "stride": set(), "partial": set()}
    for p in problems(60):
        img, k, s, mode = p.params["image"], p.params["size"], p.params["stride"], p.params["mode"]
        out = np.asarray(p.part("output").answer)
        np.testing.assert_allclose(out, brute(img, k, s, mode), rtol=1e-12)
        windows = sliding_window_view(np.asarray(img), (k, k))[::s, ::s]
        reduce = windows.max(axis=(2, 3)) if mode == "max" else windows.mean(axis=(2, 3))
        np.testing.assert_allclose(out, reduce, rtol=1e-12)
        n = len(img)
        assert p.part("size").answer == out.shape[0] == out.shape[1] == (n - k) // s + 1
        assert all(v == int(v) and 0 <= v <= 9 for row in img for v in row)  # small integers
        assert 2 <= out.shape[0] <= 3 and n <= 16
        assert [part.id for part in p.parts] == ["output", "size"]
        assert p.part("output").kind == Kind.MATRIX and p.part("size").kind == Kind.INTEGER
        names = {m.misconception for m in p.part("output").mistakes}
        assert {"max": "pool-average-instead-of-max", "average": "pool-max-instead-of-average"}[
            mode
        ] in names
        if s != 1:
            assert "pool-stride-ignored" in names
        if (n - k) % s:
            assert "pool-partial-window" in names
        assert "pool-size-off-by-one" in {m.misconception for m in p.part("size").mistakes}
        seen["mode"].add(mode)
        seen["size"].add(k)
        seen["stride"].add(s == k)
        seen["partial"].add(bool((n - k) % s))
        assert f"{k}×{k} window" in p.statement and f"stride {s}" in p.statement
    assert seen == {
        "mode": {"max", "average"},
        "size": {2, 3},
        "stride": {True, False},
        "partial": {True, False},
    }


def test_each_mistake_is_what_that_mistake_computes():
    p = EX.build({"image": FIVE, "mode": "max", "size": 2})
    mistakes: dict[str, np.ndarray] = {}
    for m in p.part("output").mistakes:  # the first of each id; others follow
        mistakes.setdefault(m.misconception, np.asarray(m.value))
    # averaged: (1+3+5+6)/4, (2+0+1+2)/4, (0+2+3+1)/4, (9+4+8+6)/4
    np.testing.assert_array_equal(
        mistakes["pool-average-instead-of-max"], [[3.75, 1.25], [1.5, 6.75]]
    )
    np.testing.assert_array_equal(mistakes["pool-stride-ignored"], brute(FIVE, 2, 1, "max"))
    # the border's windows kept, each over the part inside the image
    np.testing.assert_array_equal(
        mistakes["pool-partial-window"], [[6, 2, 7], [3, 9, 2], [4, 5, 9]]
    )
    sizes = {m.misconception: m.value for m in p.part("size").mistakes}
    assert sizes["pool-size-off-by-one"] == 1 and sizes["pool-partial-window"] == 3
    assert sizes["pool-stride-ignored"] == 4
    # the stride kept for the size, the window moved by one: the top-left of the stride-1 map
    assert [[6, 6], [6, 9]] in [m.value.tolist() for m in p.part("output").mistakes]
    avg = EX.build({"image": FIVE, "mode": "average", "size": 2})
    found: dict[str, list[Any]] = {}
    for m in avg.part("output").mistakes:
        found.setdefault(m.misconception, []).append(np.asarray(m.value).tolist())
    assert found["pool-sum-instead-of-average"] == [[[15, 5], [6, 27]]]
    assert found["pool-max-instead-of-average"] == [[[6, 2], [3, 9]]]
    # the border kept: over the values inside, or zero-padded and divided by 4
    assert found["pool-partial-window"] == [
        [[3.75, 1.25, 5.5], [1.5, 6.75, 1.5], [2, 4, 9]],
        [[3.75, 1.25, 2.75], [1.5, 6.75, 0.75], [1, 2, 2.25]],
    ]


def test_partial_windows_follow_pytorch_ceil_mode():
    # ceil_mode=True: ceil((n - k)/s) + 1 windows, none starting outside the image
    img = np.arange(49.0).reshape(7, 7)
    got = partial_windows(img, 2, 3, "max")
    assert got.shape == (3, 3)  # starts 0, 3, 6; the last window holds one row and column
    assert got[2, 2] == 48 and got[0, 0] == 8
    assert partial_windows(np.zeros((4, 4)), 2, 2, "max") is None


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"image": [[1, 2], [3]]}, "parameter 'image' must have rows of equal, non-zero length"),
        ({"image": [[1, 2, 3], [4, 5, 6]]}, "parameter 'image' must be square"),
        ({"image": CS231N, "size": 5}, "parameter 'size' (5) is larger than the image (4x4)"),
        ({"image": CS231N, "size": 0}, "parameter 'size' must be between 1 and 16, got 0"),
        ({"image": CS231N, "size": 1.5}, "parameter 'size' must be a whole number, got 1.5"),
        ({"image": CS231N, "size": "2"}, "parameter 'size' must be a whole number, got '2'"),
        ({"image": CS231N, "size": True}, "parameter 'size' must be a whole number, got True"),
        ({"image": CS231N, "stride": 0}, "parameter 'stride' must be between 1 and 16, got 0"),
        ({"image": CS231N, "stride": -1}, "parameter 'stride' must be between 1 and 16"),
        ({"image": CS231N, "stride": 2.5}, "parameter 'stride' must be a whole number"),
        ({"image": CS231N, "stride": 1e300}, "got 1e+300"),
        ({"image": CS231N, "mode": "min"}, "parameter 'mode' must be one of max, average"),
        ({"image": CS231N, "mode": 1}, "parameter 'mode' must be one of max, average"),
        ({"image": [[1e300, 1], [1, 1]]}, "parameter 'image[0][0]' must be between"),
        ({"image": [[float("nan"), 1], [1, 1]]}, "parameter 'image[0][0]' must be finite"),
        ({"image": "[[1, 2], [3, 4]]"}, "parameter 'image' must be a matrix"),
        ({"image": [[[1]]]}, "parameter 'image[0][0]' must be a number"),
        ({"image": [[0] * 17] * 17}, "parameter 'image' is larger than 16x16"),
        ({"kernel": [[1]]}, "unknown parameter 'kernel'; parameters are image, mode, size, stride"),
    ],
)
def test_bad_pinned_parameters_are_refused_in_one_line(params, needle):
    for call in (lambda: EX.generate(np.random.default_rng(0), params), lambda: EX.build(params)):
        with pytest.raises(ValueError) as info:
            call()
        assert str(info.value).startswith("pooling: ") and needle in str(info.value)
        assert "\n" not in str(info.value)


def test_follow_through_takes_the_size_from_the_students_own_map():
    p = EX.build({"image": FIVE, "mode": "max", "size": 2})
    assert EX.follow_through(p, "size", {"output": np.zeros((3, 3))}) == 3
    assert EX.follow_through(p, "size", {"output": np.zeros((2, 3))}) is None
    assert EX.follow_through(p, "size", {}) is None
    assert EX.follow_through(p, "output", {"size": 3}) is None


def test_by_hand_rounds_averages_only():
    avg = EX.build({"image": SIX, "mode": "average", "size": 3})
    hand = EX.by_hand(avg, 1)
    exact = np.asarray(avg.part("output").answer)
    assert EX.hand_applies(avg.params)
    np.testing.assert_array_equal(hand["output"], np.floor(exact * 10 + 0.5) / 10)
    assert hand["size"] == 2
    assert EX.by_hand(EX.build({"image": SIX, "mode": "max", "size": 3}), 1) is None
    whole = EX.build({"image": [[2, 2], [2, 6]], "mode": "average", "size": 2})
    assert not EX.hand_applies(whole.params)  # a mean of 3: nothing to read off


# --- the worked solution -----------------------------------------------------------------------


def test_worked_solution_of_the_cs231n_example():
    sol = worked_solution(EX.build({"image": CS231N, "mode": "max", "size": 2}))
    text = [s.math("text") for s in sol.steps]
    assert text[0] == "n_out = ⌊(n − k)/s⌋ + 1 = ⌊(4 − 2)/2⌋ + 1 = 2"
    assert text[2] == "Y[0, 0] = max(1, 1, 5, 6) = 6"
    assert text[3] == "Y = [6 8; 3 4]"
    assert sol.final() == {"size": 2, "output": sol.steps[3].value}
    avg = worked_solution(EX.build({"image": CS231N, "mode": "average", "size": 2}))
    assert avg.steps[2].math("text") == "Y[0, 0] = (1 + 1 + 5 + 6)/4 = 13/4 = 3.25"
    for fmt in notation.FORMATS:
        assert all(s.math(fmt) for s in avg.steps)
    assert r"\frac{13}{4}" in avg.steps[2].math("tex")


def test_worked_solution_by_hand_and_for_every_variant():
    p = EX.build({"image": SIX, "mode": "average", "size": 3})
    sol = worked_solution(p, 1)
    assert sol.rounding == 1
    np.testing.assert_array_equal(sol.final()["output"], EX.by_hand(p, 1)["output"])
    first = sol.steps[2].math("text")
    assert first == "Y[0, 0] = (1 + 2 + 0 + 3 + 1 + 2 + 2 + 2 + 1)/9 = 14/9 = 1.6"
    for q in problems(25):
        final = worked_solution(q).final()
        np.testing.assert_array_equal(final["output"], q.part("output").answer)
        assert final["size"] == q.part("size").answer


def test_the_size_formula_is_derived_with_sympy(monkeypatch):
    import sympy

    from grader.topics import _pooling_steps

    solved = []
    real = sympy.solve
    monkeypatch.setattr(sympy, "solve", lambda *a, **k: solved.append(a) or real(*a, **k))
    _pooling_steps.output_size_formula.cache_clear()
    try:
        formula = _pooling_steps.output_size_formula()
    finally:
        _pooling_steps.output_size_formula.cache_clear()
    assert solved  # the last window's start was solved for, not written down
    assert notation.symbolic(formula, "text") == "⌊(n − k)/s⌋ + 1"
    assert r"\lfloor" in notation.symbolic(formula, "tex")


# --- the code functions ------------------------------------------------------------------------


@pytest.mark.parametrize("function", ["max_pool2d", "avg_pool2d"])
def test_code_cases_against_loops(function):
    mode = "max" if function == "max_pool2d" else "average"
    cases = build_cases(function)
    assert len(cases) >= 10
    assert cases[0].expected.tolist() == (
        [[6, 8], [3, 4]] if mode == "max" else [[3.25, 5.25], [2, 2]]
    )
    named = set()
    for case in cases:
        image, k = case.args
        stride = case.kwargs.get("stride") or k
        np.testing.assert_allclose(case.expected, brute(image, k, stride, mode), rtol=1e-12)
        named |= {m.misconception for m in case.mistakes}
    wrong_mode = "pool-average-instead-of-max" if mode == "max" else "pool-max-instead-of-average"
    expected = {wrong_mode, "pool-stride-ignored", "pool-partial-window", "pool-size-off-by-one"}
    if mode == "average":
        expected.add("pool-sum-instead-of-average")
    assert named == expected
    assert any(c.kwargs.get("stride", "absent") is None for c in cases)
    assert any(isinstance(c.args[0], list) for c in cases)
    # hidden cases differ with the student's seed; the fixed ones stay
    other = build_cases(function, seed=12345)
    assert other[0].label == cases[0].label
    assert not np.array_equal(other[-1].args[0], cases[-1].args[0])


SOLUTION = """
import numpy as np


def _pool(image, size, stride, reduce):
    a = np.asarray(image, dtype=float)
    s = size if stride is None else stride
    rows = (a.shape[0] - size) // s + 1
    cols = (a.shape[1] - size) // s + 1
    out = np.empty((ROWS, COLS))
    for i in range(ROWS):
        for j in range(COLS):
            out[i, j] = reduce(a[i * S:i * S + size, j * S:j * S + size])
    return out


def max_pool2d(image, size, stride=None):
    return _pool(image, size, stride, MAX)


def avg_pool2d(image, size, stride=None):
    return _pool(image, size, stride, MEAN)
"""


def submission(rows="rows", cols="cols", step="s", biggest="np.max", mean="np.mean") -> str:
    return (
        SOLUTION.replace("ROWS", rows)
        .replace("COLS", cols)
        .replace("S:", f"{step}:")
        .replace("* S", f"* {step}")
        .replace("MAX", biggest)
        .replace("MEAN", mean)
    )


CEIL = "-(-(a.shape[{}] - size) // s) + 1"
MISTAKES = {
    "pool-average-instead-of-max": (submission(biggest="np.mean"), "max_pool2d"),
    "pool-max-instead-of-average": (submission(mean="np.max"), "avg_pool2d"),
    "pool-sum-instead-of-average": (submission(mean="np.sum"), "avg_pool2d"),
    "pool-stride-ignored": (
        submission(rows="a.shape[0] - size + 1", cols="a.shape[1] - size + 1", step="1"),
        "max_pool2d",
    ),
    "pool-partial-window": (
        submission(rows=CEIL.format(0), cols=CEIL.format(1), biggest="_safe_max"),
        "max_pool2d",
    ),
    "pool-size-off-by-one": (submission(rows="rows - 1", cols="cols - 1"), "max_pool2d"),
}
SAFE_MAX = "\n\ndef _safe_max(w):\n    return np.max(w) if w.size else 0.0\n"


def code_assignment(tmp_path: Path) -> Path:
    path = tmp_path / "pool-code.toml"
    path.write_text(
        'name = "pool-code"\ntitle = "Pooling"\n'
        '[[code]]\nfunction = "max_pool2d"\npoints = 2\n'
        '[[code]]\nfunction = "avg_pool2d"\npoints = 2\n',
        encoding="utf-8",
    )
    return path


def check(tmp_path: Path, source: str, *extra: str) -> Any:
    path = tmp_path / "sub.py"
    path.write_text(source, encoding="utf-8")
    spec = code_assignment(tmp_path)
    return CliRunner().invoke(
        main, ["check", str(path), "--assignment", str(spec), "--timeout", "3", *extra]
    )


def test_check_passes_a_correct_submission(tmp_path):
    result = check(tmp_path, submission())
    assert result.exit_code == 0, result.output
    assert "Score: 4/4 (2 passed)" in result.output


@pytest.mark.parametrize("misconception", list(MISTAKES))
def test_check_names_each_mistake(tmp_path, misconception):
    source, function = MISTAKES[misconception]
    if misconception == "pool-partial-window":
        source += SAFE_MAX
    result = check(tmp_path, source, "--json")
    assert result.exit_code == 1, result.output
    tests = {t["name"]: t for t in json.loads(result.output)["tests"]}
    failed = [name for name, t in tests.items() if t["status"] == "failed"]
    assert function in failed
    assert misconception in tests[function]["tags"], tests[function]
    assert MISCONCEPTIONS[misconception] in tests[function]["output"]


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        ("def max_pool2d(image, size, stride=None)\n    return image\n", "SyntaxError"),
        (
            submission() + "\n\ndef max_pool2d(image, size, stride=None):\n    while True:\n"
            "        pass\n",
            "took longer than",
        ),
        (submission() + "\n\ndef avg_pool2d(image, size, stride=None):\n    return 'abc'\n", ""),
        (submission() + "\n\ndef avg_pool2d(image, size, stride=None):\n    return None\n", ""),
    ],
)
def test_check_survives_hostile_submissions(tmp_path, source, needle):
    result = check(tmp_path, source)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert needle.lower() in result.output.lower()
    assert "Score: 4/4" not in result.output


def test_check_in_a_subprocess(tmp_path):
    path = tmp_path / "sub.py"
    path.write_text(MISTAKES["pool-stride-ignored"][0], encoding="utf-8")
    spec = code_assignment(tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(path), "--assignment", str(spec)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1, out.stderr
    assert "max_pool2d" in out.stdout and MISCONCEPTIONS["pool-stride-ignored"] in out.stdout
    assert "Traceback" not in out.stderr


def test_stub_of_the_pooling_functions(tmp_path):
    import ast
    import inspect

    import reference

    result = CliRunner().invoke(main, ["stub", "--assignment", str(code_assignment(tmp_path))])
    assert result.exit_code == 0, result.output
    tree = ast.parse(result.output)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert [d.name for d in defs] == ["max_pool2d", "avg_pool2d"]
    namespace: dict[str, Any] = {}
    exec(compile(tree, "stub", "exec"), namespace)  # our own generated file, not a submission
    for name in ("max_pool2d", "avg_pool2d"):
        fn = namespace[name]
        assert str(inspect.signature(fn)) == "(image, size, stride=None)"
        with pytest.raises(NotImplementedError):
            fn([[1]], 1)
        doc = inspect.getdoc(fn)
        lines = doc.splitlines()
        examples = [i for i, line in enumerate(lines) if line.startswith(">>> ")]
        assert len(examples) == 2
        for i in examples:
            call = ast.parse(lines[i][4:], mode="eval").body
            args = [ast.literal_eval(a) for a in call.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
            shown = ast.literal_eval(lines[i + 1].strip())
            assert getattr(reference, name)(*args, **kwargs).tolist() == shown
    notebook = CliRunner().invoke(
        main, ["stub", "--assignment", str(code_assignment(tmp_path)), "--format", "ipynb"]
    )
    assert notebook.exit_code == 0 and r"\max_{0 \\le u, v < k}" in notebook.output


# --- answer sheets, sets, grading and export ---------------------------------------------------


def quiz_assignment(tmp_path: Path, *, code: bool = False) -> Path:
    path = tmp_path / "pool.toml"
    text = (
        'name = "pool"\ntitle = "Pooling"\n'
        "[[question]]\n"
        'id = "q1"\nexercise = "pooling"\npoints = 2\n'
        f'params = {{ image = {FIVE}, mode = "max", size = 2 }}\n'
        "[[question]]\n"
        'id = "q2"\nexercise = "pooling"\npoints = 2\nrounding = 1\n'
        f'params = {{ image = {SIX}, mode = "average", size = 3 }}\n'
        "[[question]]\n"
        'id = "q3"\nexercise = "pooling"\npoints = 2\n'
    )
    if code:
        text += '[[code]]\nfunction = "max_pool2d"\npoints = 2\n'
        text += '[[code]]\nfunction = "avg_pool2d"\npoints = 2\n'
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def generated(tmp_path: Path) -> dict[str, Any]:
    spec = quiz_assignment(tmp_path)
    out = tmp_path / "set"
    formats = "md,html,tex,pdf" if shutil.which("pdflatex") else "md,html,tex"
    result = CliRunner().invoke(
        main, ["generate", "--assignment", str(spec), "--out", str(out), "--format", formats]
    )
    assert result.exit_code == 0, result.output
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))
    return {"spec": spec, "out": out, "key": key, "formats": formats}


def test_generate_writes_every_format_and_a_key_that_rebuilds(generated):
    out, key = generated["out"], generated["key"]
    folder = out / "default"
    for fmt in generated["formats"].split(","):
        assert (folder / f"problems.{fmt}").stat().st_size > 0
    assert key["students"]["default"]["q1"] == {"output": [[6, 2], [3, 9]], "size": 2}
    for qid, variant in key["variants"]["default"].items():
        assert variant["exercise"] == "pooling"
        assert EX.build(variant["params"]).key() == key["students"]["default"][qid]
    html = (folder / "problems.html").read_text(encoding="utf-8")
    assert "max pooling layer slides a" in html and "An average pooling layer" in html
    solutions = (folder / "solutions.md").read_text(encoding="utf-8")
    assert r"\max\left(1,3,5,6\right)" in solutions and r"\frac{14}{9}" in solutions
    tex = (folder / "problems.tex").read_text(encoding="utf-8")
    assert r"2 \times 2" in tex
    sheet = tomllib.loads((folder / "answers.toml").read_text(encoding="utf-8"))
    assert set(sheet["q1"]) == {"output", "size"}


def fill(text: str, answers: dict[str, dict[str, Any]]) -> str:
    out, table = [], ""
    for line in text.splitlines():
        header = re.fullmatch(r"\[([^\]]+)\]\s*", line)
        if header:
            table = header.group(1)
        m = re.fullmatch(r'(\w+) = ""', line)
        if m and m.group(1) in answers.get(table, {}):
            line = f"{m.group(1)} = {toml_value(answers[table][m.group(1)])}"
        out.append(line)
    return "\n".join(out) + "\n"


def check_sheet(generated: dict[str, Any], answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    folder = generated["out"] / "default"
    path = folder / "filled.toml"
    path.write_text(fill((folder / "answers.toml").read_text(encoding="utf-8"), answers))
    result = CliRunner().invoke(
        main, ["check", str(path), "--assignment", str(generated["spec"]), "--json"]
    )
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.output)
    return {t["name"]: t for t in data["tests"]} | {"_score": data["score"]}


def test_a_right_sheet_scores_full_marks(generated):
    answers = generated["key"]["students"]["default"]
    marks = check_sheet(generated, answers)
    assert marks["_score"] == 6
    assert all(t["status"] == "passed" for name, t in marks.items() if name != "_score")


def test_wrong_answers_are_named_and_a_carried_size_is_credited(generated):
    key = generated["key"]["students"]["default"]
    partial = [[6, 2, 7], [3, 9, 2], [4, 5, 9]]
    exact = np.asarray(key["q2"]["output"])
    marks = check_sheet(
        generated,
        {
            "q1": {"output": partial, "size": 3},  # the border's windows kept, and counted
            "q2": {"output": (np.floor(exact * 10 + 0.5) / 10).tolist(), "size": 1},
            "q3": {"output": "1 2; 3", "size": key["q3"]["size"]},
        },
    )
    assert marks["q1.output"]["tags"] == ["pool-partial-window"]
    assert marks["q1.size"]["status"] == "passed"  # right from the student's own 3x3 map
    assert "follows correctly from your pooled map Y" in marks["q1.size"]["output"]
    assert marks["q2.output"]["status"] == "passed"  # rounded to 1 place, as allowed
    assert "by hand" in marks["q2.output"]["output"]
    assert marks["q2.size"]["tags"] == ["pool-size-off-by-one"]
    assert marks["q3.output"]["status"] == "failed" and "unreadable" in marks["q3.output"]["output"]
    assert marks["q3.size"]["status"] == "passed"


def test_the_other_mode_is_named(generated):
    marks = check_sheet(generated, {"q1": {"output": [[3.75, 1.25], [1.5, 6.75]], "size": 2}})
    assert marks["q1.output"]["tags"] == ["pool-average-instead-of-max"]
    assert MISCONCEPTIONS["pool-average-instead-of-max"] in marks["q1.output"]["output"]


def test_grade_a_folder_of_code_and_sheets(tmp_path):
    spec = quiz_assignment(tmp_path, code=True)
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"pooling secret\n")
    subs = tmp_path / "subs"
    (subs / "A1").mkdir(parents=True)
    (subs / "A2").mkdir()
    (subs / "A1" / "solution.py").write_text(submission(), encoding="utf-8")
    (subs / "A2" / "solution.py").write_text(MISTAKES["pool-stride-ignored"][0])
    from grader.assignment import load_assignment
    from grader.variants import build_variants

    problems = build_variants(load_assignment(spec), "A1", b"pooling secret")
    lines = ['student = "A1"', 'assignment = "pool"']
    for qid, problem in problems.items():
        lines.append(f"[{qid}]")
        lines += [f"{pid} = {toml_value(v)}" for pid, v in problem.key().items()]
    (subs / "A1" / "answers.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["grade", str(subs), "--assignment", str(spec), "--secret-file", str(secret),
         "--out", str(out), "--timeout", "5"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in csv.DictReader((out / "grades.csv").open(encoding="utf-8"))}
    assert rows["A1"]["score"] == rows["A1"]["max_score"] == "10"
    assert rows["A2"]["score"] == "0"  # both functions step one pixel; no answer sheet
    report = json.loads((out / "A2" / "results.json").read_text(encoding="utf-8"))
    tags = {t["name"]: t["tags"] for t in report["tests"]}
    assert tags["max_pool2d"] == tags["avg_pool2d"] == ["pool-stride-ignored"]
    assert MISCONCEPTIONS["pool-stride-ignored"] in (out / "A2" / "feedback.md").read_text()


@pytest.mark.parametrize("fmt", ["moodle", "qti", "gift"])
def test_export(tmp_path, fmt):
    spec = quiz_assignment(tmp_path)
    out = tmp_path / f"quiz.{fmt}"
    result = CliRunner().invoke(
        main,
        ["export", "--assignment", str(spec), "--format", fmt, "--out", str(out),
         "--variants", "2"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    reads = READERS[fmt](out.read_bytes())
    assert {r.name.split(" ")[0] for r in reads} == {"q1", "q2", "q3"}
    if fmt != "qti":  # a zip
        assert "pooling layer" in out.read_text(encoding="utf-8")


# --- grader show -------------------------------------------------------------------------------


def show(*args: str) -> Any:
    return CliRunner().invoke(main, ["show", "pooling", *args])


PIN = ["--set", f"image={json.dumps(CS231N)}", "--set", "mode=max", "--set", "size=2"]


@pytest.mark.parametrize("fmt", ["text", "md", "html", "tex", "json"])
def test_show_in_every_format(fmt):
    result = show(*PIN, "--format", fmt)
    assert result.exit_code == 0, result.output
    out = result.output
    if fmt == "json":
        data = json.loads(out)
        assert data["params"] == {"image": CS231N, "mode": "max", "size": 2, "stride": 2}
        assert [p["id"] for p in data["parts"]] == ["output", "size"]
        assert data["parts"][0]["answer"] == [[6, 8], [3, 4]]
        return
    assert "max pooling layer" in out
    if fmt == "text":
        assert "Y[0, 0] = max(1, 1, 5, 6)" in out and "= 6" in out
        assert "⌊(4 − 2)/2⌋ + 1" in out
    if fmt == "tex":
        assert r"\lfloor" in out
    if fmt == "html":
        assert "<math" in out and "max" in out


def test_show_by_hand_and_in_a_subprocess():
    result = show("--set", f"image={json.dumps(SIX)}", "--set", "mode=average", "--set",
                  "size=3", "--round", "1")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "14/9" in result.output and "= 1.6" in result.output
    assert "rounded to 1 decimal place" in result.output
    out = subprocess.run(
        [sys.executable, "-m", "grader", "show", "pooling", "--seed", "5"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "pooling layer" in out.stdout and "n_out" in out.stdout


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("size=9", "parameter 'size' (9) is larger than the image (4x4)"),
        ("stride=0", "parameter 'stride' must be between 1 and 16"),
        ("mode=median", "parameter 'mode' must be one of max, average"),
    ],
)
def test_show_refuses_bad_parameters_in_one_line(value, needle):
    result = show("--set", f"image={json.dumps(CS231N)}", "--set", value)
    assert result.exit_code == 2
    assert needle in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_course_note_agrees_with_the_reference():
    import ast

    import reference

    note = (Path(__file__).parents[2] / "docs" / "topics" / "pooling.md").read_text()
    block = note.split("```\n")[1]
    images: dict[str, Any] = {}
    checked = 0
    for line in block.strip().splitlines():
        lhs, rhs = (side.strip() for side in line.split(" = "))
        if lhs.isidentifier():
            images[lhs] = ast.literal_eval(rhs)
            continue
        call = ast.parse(lhs, mode="eval").body
        args = [images[a.id] if isinstance(a, ast.Name) else ast.literal_eval(a) for a in call.args]
        got = getattr(reference, call.func.id)(*args)
        np.testing.assert_array_equal(got, ast.literal_eval(rhs))
        checked += 1
    assert checked == 5
    for formula in (
        "⌊(4 − 2)/2⌋ + 1 = 2",
        "(1 + 1 + 5 + 6)/4 = 13/4 = 3.25",
        "⌊(5 − 2)/2⌋ + 1 = 2",
    ):
        assert formula in note
    for mid in IDS:
        assert f"`{mid}`" in note
