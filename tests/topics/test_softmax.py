"""The softmax topic: its exercise against scipy and finite differences, its known mistakes,
follow-through and hand rounding, its worked solution, its code cases and every command a
topic goes through (show, generate, check, grade, export)."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.special import log_softmax, softmax

from grader.answers.api import grade_sheet
from grader.assignment import parse_assignment
from grader.cli import main
from grader.codecheck.cases import build_cases
from grader.codecheck.compare import compare, matches
from grader.topics import CATALOGUE, code_functions, misconceptions, worked_solution

EXERCISE = CATALOGUE["softmax_cross_entropy"]
TEXTBOOK = {"z": [2.0, 1.0, 0.1], "y": 0}
ROOT = Path(__file__).parents[2]


def fd_gradient(z: np.ndarray, y: int, h: float = 1e-6) -> np.ndarray:
    """Central differences of −ln softmax(z)_y (scipy's log_softmax: not the reference)."""
    out = np.zeros_like(z)
    for i in range(z.size):
        up, down = z.copy(), z.copy()
        up[i] += h
        down[i] -= h
        out[i] = (-log_softmax(up)[y] + log_softmax(down)[y]) / (2 * h)
    return out


def answers(problem):
    return {part.id: np.asarray(part.answer, dtype=float) for part in problem.parts}


# --- the exercise ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(30))
def test_random_variants_against_scipy_and_finite_differences(seed):
    problem = EXERCISE.generate(np.random.default_rng(seed))
    z, y = np.array(problem.params["z"]), problem.params["y"]
    assert 3 <= z.size <= 5 and 0 <= y < z.size and isinstance(y, int)
    assert all(-2 <= v <= 3 and round(v, 1) == v for v in z)  # a calculator's numbers
    a = answers(problem)
    assert a["p"].shape == a["dL_dz"].shape == (1, z.size)
    np.testing.assert_allclose(a["p"][0], softmax(z), rtol=1e-12)
    assert float(a["loss"]) == pytest.approx(-log_softmax(z)[y], rel=1e-12)
    np.testing.assert_allclose(a["dL_dz"][0], fd_gradient(z, y), atol=1e-7)


def test_the_textbook_example_pinned():
    problem = EXERCISE.generate(np.random.default_rng(0), TEXTBOOK)
    a = answers(problem)
    np.testing.assert_allclose(a["p"], [[0.659, 0.242, 0.099]], atol=5e-4)
    assert float(a["loss"]) == pytest.approx(0.417, abs=5e-4)  # −ln 0.659
    np.testing.assert_allclose(a["dL_dz"], [[-0.341, 0.242, 0.099]], atol=5e-4)
    assert problem.params == TEXTBOOK
    assert "z = [2, 1, 0.1]" in problem.statement and "y = 0" in problem.statement


def _wrong_values(z: np.ndarray, y: int) -> dict[str, list[np.ndarray]]:
    """What each misconception makes each part, worked out here by plain loops."""
    exps = [math.exp(v) for v in z]
    p = [e / sum(exps) for e in exps]
    c = len(z)
    others = {y - 1 if y else y + 1, int(np.argmax(p)), y + 1} - {y, c}
    return {
        "softmax-not-normalised": [np.array([exps])],
        "softmax-missing-exp": [np.array([[v / sum(z) for v in z]])] if sum(z) else [],
        "cross-entropy-missing-minus": [np.array(math.log(p[y]))],
        "cross-entropy-log10": [np.array(-math.log10(p[y]))],
        "cross-entropy-wrong-class": [np.array(-math.log(p[k])) for k in others]
        + [np.array([[p[i] - (i == k) for i in range(c)]]) for k in others],
        "softmax-gradient-missing-onehot": [np.array([p])],
        "softmax-gradient-wrong-sign": [np.array([[(i == y) - p[i] for i in range(c)]])],
    }


@pytest.mark.parametrize("seed", range(20))
def test_every_known_mistake_is_what_the_misconception_computes(seed):
    problem = EXERCISE.generate(np.random.default_rng(seed))
    z, y = np.array(problem.params["z"]), problem.params["y"]
    wrong = _wrong_values(z, y)
    named = set()
    for part in problem.parts:
        for m in part.mistakes:
            assert m.misconception in misconceptions()
            value = np.asarray(m.value, dtype=float)
            assert any(
                v.shape == value.shape and np.allclose(v, value, rtol=1e-12)
                for v in wrong[m.misconception]
            ), (part.id, m)
            named.add((part.id, m.misconception))
    # a draw shows the mistakes it is drawn for, in the part where each is made
    assert {
        ("p", "softmax-not-normalised"),
        ("loss", "cross-entropy-missing-minus"),
        ("loss", "cross-entropy-log10"),
        ("loss", "cross-entropy-wrong-class"),
        ("dL_dz", "softmax-gradient-missing-onehot"),
        ("dL_dz", "softmax-gradient-wrong-sign"),
    } <= named


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"z": [1.0, 2.0], "y": 2}, "parameter 'y' must be between 0 and 1, got 2"),
        ({"z": [1.0, 2.0], "y": -1}, "parameter 'y' must be between 0 and 1"),
        ({"z": [1.0, 2.0], "y": 0.5}, "parameter 'y' must be a whole number"),
        ({"z": [1.0, 2.0], "y": True}, "parameter 'y' must be a whole number"),
        ({"z": [1.0, 2.0], "y": "0"}, "parameter 'y' must be a whole number"),
        ({"z": [1.0, "a"], "y": 0}, "parameter 'z[1]' must be a number"),
        ({"z": [1.0, float("nan")], "y": 0}, "parameter 'z[1]' must be finite"),
        ({"z": [1.0, float("inf")], "y": 0}, "parameter 'z[1]' must be finite"),
        ({"z": [1e300, 0.0], "y": 0}, "parameter 'z[0]' must be between"),
        ({"z": [1000.0, 0.0], "y": 0}, "parameter 'z[0]' must be between -20 and 20"),
        ({"z": [1.0], "y": 0}, "must hold 2 to 8 logits, got 1"),
        ({"z": [0.0] * 9, "y": 0}, "must hold 2 to 8 logits, got 9"),
        ({"z": [], "y": 0}, "parameter 'z' must be a list of numbers"),
        ({"z": [[1.0, 2.0]], "y": 0}, "parameter 'z' must be a list of numbers"),
        ({"z": "1 2 3", "y": 0}, "parameter 'z' must be a list of numbers"),
        ({"z": 3.0, "y": 0}, "parameter 'z' must be a list of numbers"),
        ({"z": [1.0, 2.0], "y": 0, "T": 2}, "unknown parameter 'T'; parameters are z, y"),
        ({"y": 10**9}, "parameter 'y' must be between 0 and"),
    ],
)
def test_hostile_params_are_refused_with_one_line(params, needle):
    with pytest.raises(ValueError) as info:
        EXERCISE.generate(np.random.default_rng(0), params)
    message = str(info.value)
    assert message.startswith("softmax_cross_entropy: ") and needle in message
    assert "\n" not in message


def test_partly_pinned_parameters_are_kept_and_fitted():
    for seed in range(10):
        rng = np.random.default_rng(seed)
        only_y = EXERCISE.generate(rng, {"y": 6})
        assert only_y.params["y"] == 6 and len(only_y.params["z"]) == 7
        only_z = EXERCISE.generate(rng, {"z": [0.5, -1, 3, 2, 0, 1.5, -0.5, 1]})
        assert only_z.params["z"][2] == 3.0 and 0 <= only_z.params["y"] < 8


def test_the_same_seed_gives_the_same_problem_and_params_rebuild_it():
    a = EXERCISE.generate(np.random.default_rng(7))
    b = EXERCISE.generate(np.random.default_rng(7))
    assert a.key() == b.key() == EXERCISE.build(json.loads(json.dumps(a.params))).key()


def _mark(problem, sheet: dict[str, object], rounding: int | None = None):
    """Grade one question of ``problem`` through the batch grader's sheet path."""
    extra = f"\nrounding = {rounding}" if rounding is not None else ""
    spec = parse_assignment(
        f'name = "sm"\ntitle = "Softmax"\n[[question]]\nid = "q1"\n'
        f'exercise = "softmax_cross_entropy"\npoints = 3{extra}\n'
    )
    lines = ['student = "A1"', 'assignment = "sm"', "[q1]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in sheet.items()]
    report = grade_sheet("\n".join(lines) + "\n", spec, {"q1": problem}, "A1")
    return {t.name.split(".")[1]: t for t in report.tests}


def _row_text(values) -> str:
    return " ".join(f"{v:.4f}" for v in np.ravel(values))


def test_right_answers_score_and_each_mistake_is_named():
    problem = EXERCISE.build(TEXTBOOK)
    a = answers(problem)
    right = {
        "p": _row_text(a["p"]),
        "loss": round(float(a["loss"]), 4),
        "dL_dz": "-0.341 0.242 0.099",
    }
    marks = _mark(problem, right)
    assert all(t.score == t.max_score for t in marks.values()), marks
    p = softmax(np.array(TEXTBOOK["z"]))
    wrong = {
        "p": _row_text(np.exp(TEXTBOOK["z"])),  # e^z, not divided
        "loss": round(math.log(p[0]), 4),  # no minus
        "dL_dz": _row_text(p),  # p without the one-hot
    }
    marks = _mark(problem, wrong)
    assert marks["p"].tags == ("softmax-not-normalised",)
    assert marks["loss"].score == 0 and "cross-entropy-missing-minus" in marks["loss"].tags
    assert marks["dL_dz"].tags == ("softmax-gradient-missing-onehot",)
    assert "subtract 1 at the true class" in marks["dL_dz"].output
    log10 = _mark(problem, {"loss": round(-math.log10(p[0]), 4)})["loss"]
    assert log10.tags == ("cross-entropy-log10",)
    wrong_class = _mark(problem, {"loss": round(-math.log(p[1]), 4)})["loss"]
    assert wrong_class.tags == ("cross-entropy-wrong-class",)
    sign = _mark(problem, {"dL_dz": _row_text(np.eye(3)[0] - p)})["dL_dz"]
    assert sign.tags == ("softmax-gradient-wrong-sign",)


def test_loss_and_gradient_follow_through_from_the_students_own_p():
    problem = EXERCISE.build({"z": [1.0, 0.5, -1.0, 2.0], "y": 2})
    own = np.array([0.2, 0.3, 0.1, 0.4])  # wrong, but a probability vector
    marks = _mark(
        problem,
        {"p": _row_text(own), "loss": round(-math.log(0.1), 4), "dL_dz": "0.2 0.3 -0.9 0.4"},
    )
    assert marks["p"].score == 0
    assert (
        marks["loss"].score == marks["loss"].max_score and "carried forward" in marks["loss"].output
    )
    assert marks["dL_dz"].score == marks["dL_dz"].max_score
    # a mistake made on the student's own p is still named
    carried = _mark(problem, {"p": _row_text(own), "dL_dz": _row_text(own)})["dL_dz"]
    assert carried.score == 0 and carried.tags == ("softmax-gradient-missing-onehot",)
    # the right loss does not follow from a wrong p: it is still right
    exact = _mark(
        problem, {"p": _row_text(own), "loss": round(float(problem.part("loss").answer), 4)}
    )
    assert exact["loss"].score == exact["loss"].max_score


def test_malformed_answers_are_named_not_crashed():
    problem = EXERCISE.build(TEXTBOOK)
    marks = _mark(problem, {"p": "0.659 0.242; 0.099", "loss": "abc", "dL_dz": [[1, 2], [3]]})
    for t in marks.values():
        assert t.score == 0 and t.output and "Traceback" not in t.output
    assert "row" in marks["dL_dz"].output and "could not read" in marks["loss"].output
    short = _mark(problem, {"p": "0.659 0.242"})["p"]
    assert short.score == 0 and "got shape (1, 2), expected (1, 3)" in short.output


def test_hand_rounding_matches_the_reference_and_earns_credit():
    problem = EXERCISE.build(TEXTBOOK)
    hand = EXERCISE.by_hand(problem, 2)
    np.testing.assert_array_equal(hand["p"], [[0.66, 0.24, 0.10]])  # from e^z = 7.39, 2.72, 1.11
    assert hand["loss"] == 0.42
    np.testing.assert_allclose(hand["dL_dz"], [[-0.34, 0.24, 0.10]], atol=1e-15)
    sheet = {"p": "0.66 0.24 0.10", "loss": 0.42, "dL_dz": "-0.34 0.24 0.10"}
    marks = _mark(problem, sheet, rounding=2)
    assert all(t.score == t.max_score for t in marks.values()), {
        k: t.output for k, t in marks.items()
    }
    assert "by hand" in marks["p"].output
    without = _mark(problem, sheet)
    assert without["loss"].score == 0  # 0.42 is 0.003 off the exact 0.417


# --- the worked solution -----------------------------------------------------------------------


@pytest.mark.parametrize(("classes", "y"), [(2, 0), (2, 1), (3, 2), (5, 0), (5, 3)])
def test_the_gradient_is_sympys_derivative_for_the_drawn_size(classes, y):
    import sympy as sp

    from grader.topics._softmax_steps import derive_gradient

    der = derive_gradient(classes, y)
    assert len(der.derived) == len(der.course) == classes
    # independently: differentiate with sympy again and compare with p_i − [i = y] numerically
    zs = sp.symbols(f"a0:{classes}")
    loss = -sp.log(sp.exp(zs[y]) / sum(sp.exp(v) for v in zs))
    point = dict(zip(zs, np.linspace(-1, 2, classes), strict=True))
    p = softmax(np.array(list(point.values())))
    for i in range(classes):
        value = float(sp.diff(loss, zs[i]).subs(point))
        assert value == pytest.approx(p[i] - (i == y), abs=1e-12)
    text = [n_show(d) for d in der.course]
    assert text[y] == f"p{'₀₁₂₃₄'[y]} − 1"


def n_show(node) -> str:
    from exercises.solutions import notation as n

    return n.symbolic(node, "text")


def test_worked_solution_of_the_textbook_example():
    problem = EXERCISE.build(TEXTBOOK)
    solution = worked_solution(problem)
    text = {s.part: s.math("text") for s in solution.steps if s.part}
    assert text["p"].endswith("= [0.659001 0.242433 0.098566]")
    assert "= −ln(p₀)" in text["loss"] and text["loss"].endswith("= −ln(0.659001) = 0.41703")
    assert "0.659001 − 1" in text["dL_dz"] and text["dL_dz"].endswith(
        "−0.340999 0.242433 0.098566]"
    )
    every = "\n".join(s.math("text") for s in solution.steps)
    assert "e^2, e^1, e^0.1" in every and "7.389056 + 2.718282 + 1.105171" in every
    assert "∂L/∂z₀ = (−e^(z₁) − e^(z₂))/(e^(z₀) + e^(z₁) + e^(z₂)) = p₀ − 1" in every.replace(
        "\n       ", " "
    )
    hand = worked_solution(problem, 2)
    assert hand.rounding == 2
    final = hand.final()
    np.testing.assert_array_equal(final["p"], [[0.66, 0.24, 0.10]])
    assert final["loss"] == 0.42
    assert "7.39 + 2.72 + 1.11" in "\n".join(s.math("text") for s in hand.steps)


@pytest.mark.parametrize("seed", range(8))
def test_hand_worked_solutions_end_on_by_hand(seed):
    problem = EXERCISE.generate(np.random.default_rng(seed))
    final = worked_solution(problem, 3).final()
    for pid, value in EXERCISE.by_hand(problem, 3).items():
        np.testing.assert_allclose(final[pid], value, atol=1e-12)


# --- code cases --------------------------------------------------------------------------------


def test_code_functions_are_registered_after_the_mlp_and_before_convolution():
    api = list(code_functions())
    assert (
        api.index("predict")
        < api.index("softmax")
        < api.index("cross_entropy")
        < api.index("conv2d")
    )


@pytest.mark.parametrize("seed", [None, 3, 2024])
def test_softmax_cases_expect_scipys_values(seed):
    cases = build_cases("softmax", seed)
    assert len(cases) >= 10
    assert any(np.abs(np.asarray(c.args[0])).max() >= 1000 for c in cases)  # overflow cases
    assert any(np.ndim(c.args[0]) == 2 for c in cases)
    for case in cases:
        want = softmax(np.asarray(case.args[0], dtype=float), axis=-1)
        assert compare(want, case.expected).ok, case.label


@pytest.mark.parametrize("seed", [None, 3, 2024])
def test_cross_entropy_cases_expect_the_loops_mean(seed):
    cases = build_cases("cross_entropy", seed)
    assert any(np.ndim(c.args[0]) == 2 for c in cases)
    for case in cases:
        p, y = np.atleast_2d(np.asarray(case.args[0], dtype=float)), np.atleast_1d(case.args[1])
        losses = [-math.log(p[n][int(y[n])]) for n in range(len(y))]
        assert case.expected == pytest.approx(sum(losses) / len(losses), rel=1e-12)


def test_an_overflowing_softmax_matches_its_mistake_and_nothing_else():
    case = next(c for c in build_cases("softmax") if np.shape(c.args[0]) == (2, 3))
    z = np.asarray(case.args[0], dtype=float)
    assert z.max() == 1000
    with np.errstate(all="ignore"):
        e = np.exp(z)
        naive = e / e.sum(axis=-1, keepdims=True)
    assert np.isnan(naive[1, 0]) and np.isfinite(naive[0]).all()
    found = [m.misconception for m in case.mistakes if matches(naive, m.value)]
    assert found == ["softmax-unstable"]
    unstable = next(m.value for m in case.mistakes if m.misconception == "softmax-unstable")
    assert not matches(np.full((2, 3), np.nan), unstable)  # nan elsewhere too
    assert not matches(np.where(np.isnan(naive), np.inf, naive), unstable)  # inf for nan
    assert not matches(naive + np.array([[0.1, 0, 0], [0, 0, 0]]), unstable)  # finite entries off
    assert not matches(naive[:1], unstable)
    assert not compare(naive, case.expected).ok


CORRECT = """
import numpy as np

def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)

def cross_entropy(p, y):
    p = np.atleast_2d(np.asarray(p, dtype=float))
    y = np.atleast_1d(np.asarray(y)).astype(int)
    return float(-np.mean(np.log(p[np.arange(len(y)), y])))
"""

MISTAKES = {
    "softmax-unstable": """
def softmax(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / e.sum(axis=-1, keepdims=True)
""",
    "softmax-wrong-axis": """
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum(axis=0)
""",
    "softmax-not-normalised": """
def softmax(z):
    z = np.asarray(z, dtype=float)
    return np.exp(z - z.max(axis=-1, keepdims=True))
""",
    "cross-entropy-missing-minus": """
def cross_entropy(p, y):
    p = np.atleast_2d(np.asarray(p, dtype=float))
    y = np.atleast_1d(np.asarray(y)).astype(int)
    return float(np.mean(np.log(p[np.arange(len(y)), y])))
""",
    "cross-entropy-sum-not-mean": """
def cross_entropy(p, y):
    p = np.atleast_2d(np.asarray(p, dtype=float))
    y = np.atleast_1d(np.asarray(y)).astype(int)
    return float(-np.sum(np.log(p[np.arange(len(y)), y])))
""",
    "cross-entropy-wrong-class": """
def cross_entropy(p, y):
    p = np.atleast_2d(np.asarray(p, dtype=float))
    y = np.atleast_1d(np.asarray(y)).astype(int)
    return float(-np.mean(np.log(p[np.arange(len(y)), y - 1])))  # classes counted from 1
""",
    "cross-entropy-log10": """
def cross_entropy(p, y):
    p = np.atleast_2d(np.asarray(p, dtype=float))
    y = np.atleast_1d(np.asarray(y)).astype(int)
    return float(-np.mean(np.log10(p[np.arange(len(y)), y])))
""",
}

CODE_SPEC = 'name = "sm-code"\ntitle = "Softmax code"\n[[code]]\nfunction = "softmax"\n[[code]]\nfunction = "cross_entropy"\npoints = 2\n'


@pytest.fixture
def code_spec(tmp_path: Path) -> Path:
    path = tmp_path / "sm-code.toml"
    path.write_text(CODE_SPEC)
    return path


def check(path: Path, spec: Path, *extra: str):
    result = CliRunner().invoke(
        main, ["check", str(path), "--assignment", str(spec), "--json", *extra]
    )
    return result.exit_code, json.loads(result.output) if result.output.startswith(
        "{"
    ) else result.output


def test_check_of_a_correct_file_scores_full(tmp_path, code_spec):
    path = tmp_path / "mine.py"
    path.write_text(CORRECT)
    code, data = check(path, code_spec)
    assert code == 0 and data["score"] == data["max_score"] == 3
    assert [t["name"] for t in data["tests"]] == ["softmax", "cross_entropy"]


@pytest.mark.parametrize("misconception", list(MISTAKES))
def test_check_names_each_misconception(tmp_path, code_spec, misconception):
    path = tmp_path / "mine.py"
    path.write_text(CORRECT + MISTAKES[misconception])
    code, data = check(path, code_spec)
    assert code == 1
    tests = {t["name"]: t for t in data["tests"]}
    fn = "softmax" if misconception.startswith("softmax") else "cross_entropy"
    other = ({"softmax", "cross_entropy"} - {fn}).pop()
    assert tests[fn]["status"] == "failed" and tests[fn]["tags"] == [misconception]
    assert misconceptions()[misconception].text in tests[fn]["output"]
    assert tests[other]["status"] == "passed"


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        ("def softmax(z):\n    return z +\n", "SyntaxError"),
        ("def softmax(z):\n    while True:\n        pass\n", "took longer than 2 s"),
        ("def softmax(z):\n    return 'probabilities'\n", "unsupported type (a str)"),
        ("def cross_entropy(p, y):\n    return None\n", "return"),
        ("import os\ndef softmax(z):\n    os.system('echo hi')\n    return z\n", ""),
    ],
)
def test_check_of_hostile_files_gives_a_reason_not_a_traceback(tmp_path, code_spec, source, needle):
    path = tmp_path / "mine.py"
    path.write_text(source)
    result = CliRunner().invoke(
        main, ["check", str(path), "--assignment", str(code_spec), "--timeout", "2"]
    )
    assert result.exit_code in (1, 2), result.output
    assert needle.lower() in result.output.lower() and "Traceback" not in result.output


def test_check_in_a_subprocess(tmp_path, code_spec):
    path = tmp_path / "mine.py"
    path.write_text(CORRECT + MISTAKES["softmax-unstable"])
    run = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(path), "--assignment", str(code_spec)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    assert "Likely mistake: Your softmax overflows for large logits" in run.stdout
    assert "✓ cross_entropy" in run.stdout and "Traceback" not in run.stdout + run.stderr


# --- the commands a topic goes through ---------------------------------------------------------

QUIZ_SPEC = (
    'name = "sm-quiz"\ntitle = "Softmax quiz"\n'
    '[[question]]\nid = "q1"\nexercise = "softmax_cross_entropy"\npoints = 3\n'
    '[[question]]\nid = "q2"\nexercise = "softmax_cross_entropy"\npoints = 3\nrounding = 2\n'
    "params = { z = [2.0, 1.0, 0.1], y = 0 }\n"
)


@pytest.fixture
def quiz_spec(tmp_path: Path) -> Path:
    path = tmp_path / "sm-quiz.toml"
    path.write_text(QUIZ_SPEC)
    return path


def show(*args: str):
    return CliRunner().invoke(main, ["show", "softmax_cross_entropy", *args])


def test_show_in_every_format():
    pin = ["--set", "z=[2, 1, 0.1]", "--set", "y=0"]
    text = show(*pin)
    assert text.exit_code == 0, text.output
    assert "Worked solution" in text.output and "= [0.659001 0.242433 0.098566]" in text.output
    data = json.loads(show(*pin, "--format", "json").output)
    assert data["exercise"] == "softmax_cross_entropy" and data["params"] == TEXTBOOK
    assert [p["id"] for p in data["parts"]] == ["p", "loss", "dL_dz"]
    assert data["parts"][1]["answer"] == pytest.approx(0.41703, abs=1e-5)
    html = show(*pin, "--format", "html").output
    assert "<math" in html and "softmax" in html and "Traceback" not in html
    md = show(*pin, "--format", "md").output
    assert "softmax" in md and "0.659001" in md
    tex = show(*pin, "--format", "tex").output
    assert r"\operatorname{softmax}" in tex and r"\frac{e^{z_{i}}}{\sum_j" in tex
    hand = show(*pin, "--round", "2").output
    assert "7.39 + 2.72 + 1.11" in hand and "= [0.66 0.24 0.1]" in hand


def test_show_with_a_bad_parameter_exits_2_with_one_line():
    result = show("--set", "z=[1, 2]", "--set", "y=5")
    assert result.exit_code == 2
    assert "parameter 'y' must be between 0 and 1, got 5" in result.output
    assert "Traceback" not in result.output


def test_generate_writes_every_format_and_a_key_that_rebuilds(tmp_path, quiz_spec):
    out = tmp_path / "sets"
    formats = "md,html,tex,pdf" if _has_pdflatex() else "md,html,tex"
    result = CliRunner().invoke(
        main, ["generate", "--assignment", str(quiz_spec), "--out", str(out), "--format", formats]
    )
    assert result.exit_code == 0, result.output
    folder = out / "default"
    for name in ("problems.md", "problems.html", "problems.tex", "solutions.html", "answers.toml"):
        assert (folder / name).stat().st_size > 0, name
    if _has_pdflatex():
        assert (folder / "problems.pdf").read_bytes().startswith(b"%PDF")
    key = json.loads((out / "key.json").read_text())
    for qid in ("q1", "q2"):
        params = key["variants"]["default"][qid]["params"]
        assert (
            json.loads(json.dumps(EXERCISE.build(params).key())) == key["students"]["default"][qid]
        )
    assert key["variants"]["default"]["q2"]["params"] == TEXTBOOK
    sheet = tomllib.loads((folder / "answers.toml").read_text())
    assert set(sheet["q1"]) == {"p", "loss", "dL_dz"}
    assert "0.659001" in (folder / "solutions.md").read_text()


def _has_pdflatex() -> bool:
    import shutil

    return shutil.which("pdflatex") is not None


def _fill(sheet_text: str, answers: dict[str, dict[str, object]]) -> str:
    out, table = [], ""
    for line in sheet_text.splitlines():
        header = re.fullmatch(r"\[([^\]]+)\]\s*", line)
        if header:
            table = header.group(1)
        m = re.fullmatch(r'(\w+) = ""', line)
        if m and m.group(1) in answers.get(table, {}):
            line = f"{m.group(1)} = {json.dumps(answers[table][m.group(1)])}"
        out.append(line)
    return "\n".join(out) + "\n"


def test_check_and_grade_answer_sheets(tmp_path, quiz_spec):
    out = tmp_path / "sets"
    secret = tmp_path / "secret.txt"
    secret.write_text("softmax course secret\n")
    roster = tmp_path / "roster.csv"
    roster.write_text("id\nA1\nA2\nA3\n")
    args = ["--assignment", str(quiz_spec), "--secret-file", str(secret)]
    result = CliRunner().invoke(
        main, ["generate", *args, "--roster", str(roster), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    key = json.loads((out / "key.json").read_text())
    subs = tmp_path / "subs"
    subs.mkdir()
    right = {q: {p: v for p, v in parts.items()} for q, parts in key["students"]["A1"].items()}
    (subs / "A1.toml").write_text(_fill((out / "A1" / "answers.toml").read_text(), right))
    # A2: the gradient without the one-hot on q1; a hand-rounded chain on q2
    p2 = key["students"]["A2"]["q1"]["p"]
    wrong = {
        "q1": {**key["students"]["A2"]["q1"], "dL_dz": p2},
        "q2": {"p": "0.66 0.24 0.10", "loss": 0.42, "dL_dz": "-0.34 0.24 0.10"},
    }
    (subs / "A2.toml").write_text(_fill((out / "A2" / "answers.toml").read_text(), wrong))
    (subs / "A3.toml").write_text('student = "A3"\n[q1\np = ')  # not TOML
    # the student's own check of a sheet
    checked = CliRunner().invoke(main, ["check", str(subs / "A2.toml"), "--json"])
    assert checked.exit_code == 1, checked.output
    tests = {t["name"]: t for t in json.loads(checked.output)["tests"]}
    assert tests["q1.dL_dz"]["tags"] == ["softmax-gradient-missing-onehot"]
    assert all(tests[f"q2.{p}"]["status"] == "passed" for p in ("p", "loss", "dL_dz"))
    broken = CliRunner().invoke(main, ["check", str(subs / "A3.toml")])
    assert broken.exit_code == 2 and "Traceback" not in broken.output
    # the batch grade of the folder
    graded = CliRunner().invoke(
        main, ["grade", str(subs), *args, "--roster", str(roster), "--out", str(tmp_path / "out")]
    )
    assert graded.exit_code == 0, graded.output
    grades = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    rows = {line.split(",")[0]: line.split(",") for line in grades[1:]}
    assert rows["A1"][1] == rows["A1"][2] == "6"
    assert float(rows["A2"][1]) == pytest.approx(5.0)
    assert rows["A3"][1] == "0"
    results = json.loads((tmp_path / "out" / "A2" / "results.json").read_text())
    tags = {t["name"]: t["tags"] for t in results["tests"]}
    assert tags["q1.dL_dz"] == ["softmax-gradient-missing-onehot"]


def test_grade_of_a_code_folder(tmp_path, code_spec):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "A1.py").write_text(CORRECT)
    (subs / "A2.py").write_text(CORRECT + MISTAKES["cross-entropy-sum-not-mean"])
    (subs / "A3.py").write_text("def softmax(z):\n    while True:\n        pass\n")
    secret = tmp_path / "secret.txt"
    secret.write_text("code secret\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["grade", str(subs), "--assignment", str(code_spec), "--secret-file", str(secret),
         "--out", str(out), "--timeout", "2"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {
        r.split(",")[0]: r.split(",") for r in (out / "grades.csv").read_text().splitlines()[1:]
    }
    assert rows["A1"][1] == "3" and rows["A2"][1] == "1" and rows["A3"][1] == "0"
    a2 = json.loads((out / "A2" / "results.json").read_text())
    assert {t["name"]: t["tags"] for t in a2["tests"]}["cross_entropy"] == [
        "cross-entropy-sum-not-mean"
    ]


@pytest.mark.parametrize("fmt", ["moodle", "qti", "gift"])
def test_export_of_an_assignment_with_the_exercise(tmp_path, quiz_spec, fmt):
    out = tmp_path / f"quiz.{fmt}"
    result = CliRunner().invoke(
        main,
        [
            "export",
            "--assignment",
            str(quiz_spec),
            "--format",
            fmt,
            "--out",
            str(out),
            "--variants",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data
    if fmt == "gift":
        text = data.decode()
        assert "softmax" in text and "You left out the one-hot target" in text
        assert "0.659001" in text or "0.6590011" in text  # the textbook variant's p_0
    if fmt == "moodle":
        assert b"<quiz>" in data and b"Softmax and cross-entropy" in data


def test_show_and_export_in_a_subprocess(tmp_path, quiz_spec):
    run = subprocess.run(
        [sys.executable, "-m", "grader", "show", "softmax_cross_entropy", "--seed", "4"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0 and "∂L/∂z = p − onehot(y)" in run.stdout
    run = subprocess.run(
        [sys.executable, "-m", "grader", "export", "--assignment", str(quiz_spec),
         "--format", "gift", "--out", str(tmp_path / "q.gift")],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "q.gift").read_text().count("::q2") >= 3  # one question per part


def test_stub_of_the_topic(tmp_path, code_spec):
    result = CliRunner().invoke(main, ["stub", "--assignment", str(code_spec)])
    assert result.exit_code == 0
    assert "def softmax(z):" in result.output and "def cross_entropy(p, y):" in result.output
    assert "subtract each row's maximum first" in result.output


def test_course_note_numbers_are_the_references():
    note = (ROOT / "docs" / "topics" / "softmax.md").read_text()
    chain = __import__("reference").softmax_chain([2.0, 1.0, 0.1], 0)
    for value in (*chain.p, chain.loss, *chain.dL_dz):
        assert f"{value:.3f}".replace("-", "−") in note
    hand = __import__("reference").softmax_chain_by_hand([2.0, 1.0, 0.1], 0, 2)
    for value in hand.exps:
        assert f"{value:.2f}" in note
