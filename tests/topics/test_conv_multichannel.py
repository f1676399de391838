"""The conv_multichannel topic through every path: the exercise, its worked solution, its code
cases and misconceptions, and the commands (show, generate, check, grade, export)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from exercises.base import Kind
from grader.cli import main
from grader.codecheck.cases import build_cases
from grader.codecheck.compare import compare
from grader.topics import CATALOGUE, describe, misconceptions, worked_solution
from tests.reference.test_conv_multichannel import NOTE_B, NOTE_W, NOTE_X, NOTE_Y, loop_oracle

EX = CATALOGUE["conv_multichannel"]
SEEDS = range(30)
NOTE = {"x": NOTE_X, "w": NOTE_W, "b": NOTE_B}


def problems():
    return [EX.generate(np.random.default_rng(s)) for s in SEEDS]


def volume(problem):
    return np.array([p.answer for p in problem.parts])


def oracle(params):
    return loop_oracle(params["x"], params["w"], params["b"], params["stride"], params["padding"])


# --- the exercise -------------------------------------------------------------------------


def test_drawn_problems_are_hand_sized_and_right():
    seen = set()
    for problem in problems():
        p = problem.params
        x, w = np.asarray(p["x"]), np.asarray(p["w"])
        c, h, wd = x.shape
        f, c2, kh, kw = w.shape
        assert 2 <= c <= 3 and c2 == c and 1 <= f <= 2 and h <= 5 and wd <= 5
        assert kh == kw and kh in (2, 3) and len(p["b"]) == f
        assert np.all(x == np.round(x)) and np.all(w == np.round(w))
        assert [part.id for part in problem.parts] == ["output", "output_1"][:f]
        assert all(part.kind is Kind.MATRIX for part in problem.parts)
        np.testing.assert_array_equal(volume(problem), oracle(p))
        assert min(volume(problem).shape[1:]) >= 2
        seen.add((f, c, p["stride"], p["padding"]))
    # the draw covers one and two filters, two and three channels, strides and padding
    assert {s[0] for s in seen} == {1, 2} and {s[1] for s in seen} == {2, 3}
    assert {s[2] for s in seen} == {1, 2} and {s[3] for s in seen} == {0, 1}


def test_every_part_names_the_topics_mistakes_and_they_differ_from_the_answer():
    for problem in problems():
        for part in problem.parts:
            named = {m.misconception for m in part.mistakes}
            assert {
                "conv-channels-not-summed",
                "conv-bias-per-channel",
                "conv-bias-missing",
                "conv-flipped-kernel",
            } <= named
            if problem.params["padding"]:
                assert "conv-padding-ignored" in named
            if problem.params["stride"] > 1:
                assert "conv-stride-ignored" in named
            for m in part.mistakes:
                assert not np.array_equal(np.asarray(m.value), part.answer), m.misconception


def test_mistakes_are_what_each_misconception_computes_by_loops():
    p = {**NOTE, "stride": 1, "padding": 1}
    problem = EX.generate(np.random.default_rng(0), p)
    x, w, b = (np.asarray(p[k], dtype=float) for k in ("x", "w", "b"))
    part = problem.part("output")
    by_id = {m.misconception: np.asarray(m.value) for m in part.mistakes}
    right = loop_oracle(x, w, b, 1, 1)[0]
    np.testing.assert_array_equal(part.answer, right)
    np.testing.assert_array_equal(by_id["conv-bias-per-channel"], right + b[0])  # C = 2
    np.testing.assert_array_equal(by_id["conv-bias-missing"], right - b[0])
    np.testing.assert_array_equal(
        by_id["conv-channels-not-summed"], loop_oracle(x[:1], w[:, :1], b, 1, 1)[0]
    )
    np.testing.assert_array_equal(
        by_id["conv-flipped-kernel"], loop_oracle(x, w[:, :, ::-1, ::-1], b, 1, 1)[0]
    )
    np.testing.assert_array_equal(by_id["conv-padding-ignored"], loop_oracle(x, w, b, 1, 0)[0])


def test_pinned_parameters_are_kept_and_the_rest_fits_them():
    problem = EX.generate(np.random.default_rng(3), {**NOTE, "stride": 2, "padding": 1})
    np.testing.assert_array_equal(problem.part("output").answer, oracle(problem.params)[0])
    assert [p.id for p in problem.parts] == ["output"]
    assert EX.build(problem.params).key() == problem.key()  # rebuilt from its parameters
    one = EX.generate(np.random.default_rng(4), NOTE)  # stride and padding default
    np.testing.assert_array_equal(one.part("output").answer, NOTE_Y[0])
    for pinned in ({"stride": 2}, {"padding": 1}, {"b": [3, -3]}, {"x": NOTE_X}, {"w": NOTE_W}):
        for seed in range(5):
            got = EX.generate(np.random.default_rng(seed), pinned)
            for k, v in pinned.items():
                assert got.params[k] == [float(e) for e in v] if k == "b" else got.params[k] == v
            np.testing.assert_array_equal(volume(got), oracle(got.params))


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({**NOTE, "colour": 1}, "unknown parameter 'colour'"),
        ({**NOTE, "x": "abc"}, "'x' must be a non-empty list of matrices"),
        ({**NOTE, "x": [[[1, 2], [3]]]}, "'x[0]' must have rows of equal"),
        ({**NOTE, "x": [[[1e300]]]}, "'x[0][0][0]' must be between"),
        ({**NOTE, "x": [[[1, 2]], [[1, 2, 3]]]}, "must all have one shape"),
        ({**NOTE, "x": [[[0]]] * 9}, "more than 8 channels"),
        ({**NOTE, "w": [[[[1]]]]}, "filter w[0] has 1 channel but x has 2"),
        ({**NOTE, "w": 5}, "'w' must be a list of filters"),
        ({**NOTE, "w": [NOTE_W[0], [[[1]], [[1]]]]}, "kernels of parameter 'w' must all"),
        ({**NOTE, "b": [1, 2]}, "'b' must be a list of 1 bias"),
        ({**NOTE, "b": [float("nan")]}, "'b[0]' must be finite"),
        ({**NOTE, "b": [True]}, "'b[0]' must be a number"),
        ({**NOTE, "stride": 0}, "'stride' must be between 1 and 16"),
        ({**NOTE, "padding": -1}, "'padding' must be between 0 and 16"),
        ({**NOTE, "padding": 1.5}, "'padding' must be a whole number"),
        ({**NOTE, "x": [[[1, 2], [3, 4]]] * 2}, "do not fit the padded input of shape 2x2"),
        ({**NOTE, "x": [[[0] * 17] * 2] * 2}, "larger than 16x16"),
    ],
)
def test_hostile_params_are_refused_with_a_one_line_reason(params, needle):
    with pytest.raises(ValueError) as info:
        EX.generate(np.random.default_rng(0), params)
    text = str(info.value)
    assert text.startswith("conv_multichannel: ") and needle in text and "\n" not in text


def test_a_problem_rebuilt_without_a_parameter_names_it():
    with pytest.raises(ValueError, match=r"^conv_multichannel: parameter 'x' is missing$"):
        EX.build({"w": NOTE_W, "b": NOTE_B, "stride": 1, "padding": 0})


def test_parts_are_marked_on_their_own():
    problem = EX.generate(np.random.default_rng(0), {"b": [1, 2]})
    assert [p.id for p in problem.parts] == ["output", "output_1"]
    wrong = {"output": np.zeros((2, 2)), "output_1": problem.part("output_1").answer}
    for part in problem.parts:
        assert EX.follow_through(problem, part.id, wrong) is None  # nothing carries forward
    assert EX.by_hand(problem, 2) is None  # whole numbers: nothing read off a calculator


def test_misconceptions_have_a_sentence_with_the_fix():
    known = misconceptions()
    for mid in ("conv-channels-not-summed", "conv-bias-per-channel", "conv-bias-missing"):
        assert mid in known and len(known[mid].text) > 40 and describe(mid) == known[mid].text
    assert "once" in describe("conv-bias-per-channel")


# --- the worked solution --------------------------------------------------------------------


def test_worked_solution_concludes_every_part_and_spells_out_the_first_value():
    for problem in problems()[:12]:
        solution = worked_solution(problem)
        final = solution.final()
        assert set(final) == {p.id for p in problem.parts}
        for part in problem.parts:
            np.testing.assert_array_equal(final[part.id], part.answer)
        text = "\n".join(step.math("text") for step in solution.steps)
        channels = len(problem.params["x"])
        assert "Y[f, i, j] = b[f] + Σ_c Σ_m Σ_n X[c, s·i + m, s·j + n] · W[f, c, m, n]" in text
        for c in range(channels):
            assert f"Σ_m Σ_n X[{c}, m, n] · W[0, {c}, m, n] = " in text
        for fmt in ("tex", "mathml"):
            assert all(step.math(fmt) for step in solution.steps)


def test_worked_solution_of_the_note_example_by_hand():
    solution = worked_solution(EX.generate(np.random.default_rng(0), NOTE))
    lines = [step.math("text") for step in solution.steps]
    # channel 0 is the course's image and kernel (first value 4), channel 1 gives 3, b = 1
    assert lines[1].endswith("= 1·1 + 1·0 + 1·1 + 0·0 + 1·1 + 1·0 + 0·1 + 0·0 + 1·1 = 4")
    assert lines[2].startswith(
        "Σ_m Σ_n X[1, m, n] · W[0, 1, m, n] = 2·1 + 0·2 + 1·0 + 0·0 + 1·(−1)"
    )
    assert lines[2].endswith("= 3")
    assert lines[3].endswith("= 1 + 4 + 3 = 8")
    assert lines[4] == "Y[0] = [8 6 5; 5 5 8; 3 8 8]"


# --- the code function ------------------------------------------------------------------------


def test_cases_expect_what_the_loops_compute_and_each_mistake_differs():
    for seed in (None, 1, 2):
        cases = build_cases("conv2d_multichannel", seed)
        assert len(cases) >= 9
        for case in cases:
            x, w, b = case.args
            s, p = case.kwargs.get("stride", 1), case.kwargs.get("padding", 0)
            np.testing.assert_allclose(case.expected, loop_oracle(x, w, b, s, p), atol=1e-12)
            for m in case.mistakes:
                assert not compare(m.value, case.expected).ok
        named = {m.misconception for c in cases for m in c.mistakes}
        assert {
            "conv-channels-not-summed",
            "conv-bias-per-channel",
            "conv-bias-missing",
            "conv-flipped-kernel",
            "conv-padding-ignored",
            "conv-stride-ignored",
        } <= named
    assert any(isinstance(c.args[0], list) for c in build_cases("conv2d_multichannel"))


CORRECT = """
import numpy as np

def conv2d_multichannel(x, w, b, stride=1, padding=0):
    x = np.pad(np.asarray(x, dtype=float), ((0, 0), (padding, padding), (padding, padding)))
    w = np.asarray(w, dtype=float)
    F, C, kh, kw = w.shape
    rows = (x.shape[1] - kh) // stride + 1
    cols = (x.shape[2] - kw) // stride + 1
    out = np.zeros((F, rows, cols))
    for f in range(F):
        for i in range(rows):
            for j in range(cols):
                patch = x[:, i * stride : i * stride + kh, j * stride : j * stride + kw]
                out[f, i, j] = np.sum(patch * w[f]) + b[f]
    return out
"""


def _swapped(code: str, old: str, new: str) -> str:
    assert old in code
    return code.replace(old, new)


MISTAKES = {
    "conv-channels-not-summed": _swapped(
        CORRECT, "np.sum(patch * w[f])", "np.sum(patch[0] * w[f, 0])"
    ),
    "conv-bias-per-channel": _swapped(CORRECT, "+ b[f]", "+ C * b[f]"),
    "conv-bias-missing": _swapped(CORRECT, "+ b[f]", ""),
    "conv-flipped-kernel": _swapped(CORRECT, "patch * w[f]", "patch * w[f, :, ::-1, ::-1]"),
    "conv-padding-ignored": _swapped(
        CORRECT, "(padding, padding), (padding, padding)", "(0, 0), (0, 0)"
    ),
    "conv-stride-ignored": CORRECT.replace("i * stride", "i").replace("j * stride", "j"),
}
# each channel convolved on its own: a map per filter and channel
PER_CHANNEL = _swapped(
    CORRECT,
    "out[f, i, j] = np.sum(patch * w[f]) + b[f]",
    "out[f, :, i, j] = np.sum(patch * w[f], axis=(1, 2)) + b[f]",
).replace("np.zeros((F, rows, cols))", "np.zeros((F, C, rows, cols))")
FLOAT_SIZE = CORRECT.replace("// stride + 1", "/ stride + 1")


@pytest.fixture(scope="module")
def assignment(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("assignment")
    path = folder / "convmc.toml"
    note = f"{{ x = {json.dumps(NOTE_X)}, w = {json.dumps(NOTE_W)}, b = {json.dumps(NOTE_B)} }}"
    path.write_text(
        'name = "convmc"\ntitle = "Multi-channel convolution"\n'
        '[[question]]\nid = "q1"\nexercise = "conv_multichannel"\npoints = 4\n'
        f'[[question]]\nid = "note"\nexercise = "conv_multichannel"\npoints = 2\nparams = {note}\n'
        '[[code]]\nfunction = "conv2d_multichannel"\npoints = 3\n',
        encoding="utf-8",
    )
    return path


def check(path: Path, assignment: Path, *extra: str):
    result = CliRunner().invoke(
        main, ["check", str(path), "--assignment", str(assignment), "--json", *extra]
    )
    return result.exit_code, result.output


def code_file(tmp_path: Path, code: str, name: str = "sub.py") -> Path:
    path = tmp_path / name
    path.write_text(code, encoding="utf-8")
    return path


def test_check_passes_a_loop_implementation(tmp_path, assignment):
    code, out = check(code_file(tmp_path, CORRECT), assignment)
    data = json.loads(out)
    assert code == 0, out
    assert data["score"] == data["max_score"] == 3
    assert [t["name"].split()[0] for t in data["tests"]] == ["conv2d_multichannel"]


@pytest.mark.parametrize("misconception", sorted(MISTAKES))
def test_check_names_each_misconception(tmp_path, assignment, misconception):
    code, out = check(code_file(tmp_path, MISTAKES[misconception]), assignment)
    assert code == 1, out
    (test,) = json.loads(out)["tests"]
    assert test["status"] == "failed" and test["tags"] == [misconception], test
    assert describe(misconception) in test["output"]


def test_check_names_channels_kept_apart(tmp_path, assignment):
    _, out = check(code_file(tmp_path, PER_CHANNEL), assignment)
    (test,) = json.loads(out)["tests"]
    assert test["tags"] == ["conv-channels-not-summed"], test


def test_a_float_output_size_is_named(tmp_path, assignment):
    _, out = check(code_file(tmp_path, FLOAT_SIZE), assignment)
    (test,) = json.loads(out)["tests"]
    assert test["status"] == "failed" and test["tags"] == ["conv-size-float-division"], test


def test_a_wrong_window_count_gets_the_loop_hint(tmp_path, assignment):
    off = CORRECT.replace("// stride + 1", "// stride")
    _, out = check(code_file(tmp_path, off), assignment)
    (test,) = json.loads(out)["tests"]
    assert test["status"] == "failed" and "window positions" in test["output"], test


@pytest.mark.parametrize(
    ("code", "needle"),
    [
        ("def conv2d_multichannel(x, w, b, stride=1, padding=0)\n    return x\n", "syntax"),
        (
            "def conv2d_multichannel(x, w, b, stride=1, padding=0):\n    while True:\n"
            "        pass\n",
            "longer than",
        ),
        ("def conv2d_multichannel(x, w, b, stride=1, padding=0):\n    return 'abc'\n", ""),
    ],
)
def test_hostile_code_fails_with_a_reason(tmp_path, assignment, code, needle):
    exit_code, out = check(code_file(tmp_path, code), assignment, "--timeout", "1")
    assert exit_code in (1, 2), out
    text = out.lower()
    assert "traceback" not in text and needle in text
    if exit_code == 1:
        data = json.loads(out)
        assert data["score"] == 0


def test_check_in_a_subprocess(tmp_path, assignment):
    path = code_file(tmp_path, MISTAKES["conv-bias-per-channel"])
    done = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(path), "--assignment", str(assignment)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "conv2d_multichannel" in done.stdout and "once per channel" in done.stdout


# --- show, generate, sheets, grade, export --------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "md", "html", "tex", "json"])
def test_show_in_every_format(fmt):
    result = CliRunner().invoke(main, ["show", "conv_multichannel", "--seed", "2", "--format", fmt])
    assert result.exit_code == 0, result.output
    out = result.output
    if fmt == "json":
        data = json.loads(out)
        assert data["exercise"] == "conv_multichannel"
        got = np.array([p["answer"] for p in data["parts"]])
        np.testing.assert_array_equal(got, oracle(data["params"]))
        return
    assert "filter 0, channel 1" in out and "bias of filter 0" in out
    if fmt == "text":
        assert "Worked solution" in out and "Y[0, 0, 0] = b[0] + Σ_c Σ_m Σ_n" in out
    if fmt == "html":
        assert "<math" in out and "<munder><mo>∑</mo><mi>c</mi></munder>" in out
    if fmt == "tex":
        assert r"\sum_c \sum_m \sum_n" in out


def test_show_pins_the_note_example():
    result = CliRunner().invoke(
        main,
        ["show", "conv_multichannel", "--format", "json", *PINS],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["parts"][0]["answer"] == NOTE_Y[0]
    bad = CliRunner().invoke(main, ["show", "conv_multichannel", "--set", "stride=0"])
    assert bad.exit_code == 2 and "conv_multichannel" in bad.output
    assert "Traceback" not in bad.output


PINS = ["--set", f"x={json.dumps(NOTE_X)}", "--set", f"w={json.dumps(NOTE_W)}", "--set", "b=[1]"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory, assignment):
    out = tmp_path_factory.mktemp("set")
    formats = "md,html,tex" + (",pdf" if shutil.which("pdflatex") else "")
    result = CliRunner().invoke(
        main, ["generate", "--assignment", str(assignment), "--out", str(out), "--format", formats]
    )
    assert result.exit_code == 0, result.output
    return out


def test_generate_writes_every_format_and_the_key(generated):
    key = json.loads((generated / "key.json").read_text())
    answers = key["students"]["default"]
    assert answers["note"] == {"output": NOTE_Y[0]}
    variant = key["variants"]["default"]["q1"]
    assert variant["exercise"] == "conv_multichannel"
    np.testing.assert_array_equal(np.array(list(answers["q1"].values())), oracle(variant["params"]))
    for name in ("problems.md", "problems.html", "problems.tex", "answers.toml", "solutions.md"):
        assert (generated / "default" / name).stat().st_size > 0, name
    if shutil.which("pdflatex"):
        assert (generated / "default" / "problems.pdf").read_bytes().startswith(b"%PDF")
    sheet = (generated / "default" / "answers.toml").read_text()
    assert "[note]" in sheet and 'output = ""' in sheet


def fill(sheet: str, answers: dict[str, dict[str, object]]) -> str:
    out, table = [], ""
    for line in sheet.splitlines():
        header = re.fullmatch(r"\[([^\]]+)\]\s*", line)
        if header:
            table = header.group(1)
        m = re.fullmatch(r'(\w+) = ""', line)
        if m and m.group(1) in answers.get(table, {}):
            line = f"{m.group(1)} = {json.dumps(answers[table][m.group(1)])}"
        out.append(line)
    return "\n".join(out) + "\n"


def sheet_check(tmp_path: Path, generated: Path, answers):
    text = fill((generated / "default" / "answers.toml").read_text(), answers)
    path = tmp_path / "answers.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--json"])
    return result.exit_code, json.loads(result.output)


def test_a_right_sheet_passes(tmp_path, generated):
    key = json.loads((generated / "key.json").read_text())["students"]["default"]
    code, data = sheet_check(tmp_path, generated, key)
    parts = sum(len(q) for q in key.values())  # a practice check scores each part
    assert code == 0 and data["score"] == data["max_score"] == parts


def test_a_sheet_with_the_bias_per_channel_is_named_and_other_maps_stand(tmp_path, generated):
    key = json.loads((generated / "key.json").read_text())["students"]["default"]
    wrong = {q: dict(parts) for q, parts in key.items()}
    wrong["note"]["output"] = (np.array(NOTE_Y[0]) + 1).tolist()  # b once more: C = 2
    code, data = sheet_check(tmp_path, generated, wrong)
    tests = {t["name"].split()[0]: t for t in data["tests"]}
    assert code == 1
    assert tests["note.output"]["status"] == "failed"
    assert tests["note.output"]["tags"] == ["conv-bias-per-channel"]
    assert all(t["status"] == "passed" for n, t in tests.items() if n.startswith("q1."))


def test_a_malformed_matrix_gets_a_one_line_reason(tmp_path, generated):
    key = json.loads((generated / "key.json").read_text())["students"]["default"]
    answers = {**key, "note": {"output": "8 6 5; 5 5; 3 8 8"}}
    code, data = sheet_check(tmp_path, generated, answers)
    (test,) = [t for t in data["tests"] if t["name"].startswith("note.output")]
    assert code == 1 and test["status"] == "failed"
    assert "rows have different lengths" in test["output"] and "\n" not in test["output"].strip()


def test_grade_a_folder(tmp_path, assignment):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "A0000001X.py").write_text(CORRECT)
    (subs / "A0000002Y.py").write_text(MISTAKES["conv-bias-missing"])
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"a course secret\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "grade",
            str(subs),
            "--assignment",
            str(assignment),
            "--secret-file",
            str(secret),
            "--out",
            str(out),
            "--jobs",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    right = json.loads((out / "A0000001X" / "results.json").read_text())
    wrong = json.loads((out / "A0000002Y" / "results.json").read_text())

    def code_test(data):
        (test,) = [t for t in data["tests"] if t["name"].startswith("conv2d_multichannel")]
        return test

    assert code_test(right)["status"] == "passed"
    assert code_test(wrong)["tags"] == ["conv-bias-missing"]
    assert (out / "grades.csv").read_text().count("\n") == 3


@pytest.mark.parametrize("fmt", ["moodle", "qti", "gift"])
def test_export(tmp_path, assignment, fmt):
    path = tmp_path / f"quiz.{fmt}"
    result = CliRunner().invoke(
        main,
        [
            "export",
            "--assignment",
            str(assignment),
            "--format",
            fmt,
            "--out",
            str(path),
            "--variants",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert path.exists() and path.stat().st_size > 0
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    if fmt == "gift":
        assert "filter 0" in text


def test_show_in_a_subprocess():
    done = subprocess.run(
        [sys.executable, "-m", "grader", "show", "conv_multichannel", "--seed", "5"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Worked solution" in done.stdout and "bias of filter 0" in done.stdout
