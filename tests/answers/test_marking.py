"""Marking with a human marker's judgement: hand rounding, carried errors, misconceptions.

The golden case is the course notes' worked example (CURRICULUM §5), answered exactly as the
notes print it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from exercises.base import Kind, Problem, Tolerance, to_json
from exercises.misconceptions import ids
from grader.answers.marking import Marking, PartMark, mark_question
from grader.assignment import Grading
from grader.topics import CATALOGUE, describe, get_exercise
from reference import round_half_up, sigmoid
from tests.answers.conftest import NOTES_ANSWERS, WORKED

DECIMALS_3 = Tolerance(decimals=3)
SPEC_MISCONCEPTIONS = {  # SPEC.md, "Misconceptions"
    "conv-flipped-kernel",
    "conv-padding-ignored",
    "conv-stride-ignored",
    "conv-size-off-by-one",
    "gd-wrong-sign",
    "loss-missing-half",
    "grad-wrong-sign",
    "grad-missing-activation-derivative",
    "sigmoid-derivative-missing-beta",
    "param-count-missing-bias",
    "predict-one-based",
    "mlp-missing-bias",
    "transposed-weights",
    "loss-mean-instead-of-sum",
    "activation-ignored",
    "conv-size-float-division",
    "inputs-not-arrays",
    "shape-column-vector",
}
# code only: a sheet has no list inputs, and takes a vector as a row or a column alike
NOT_PART_MISTAKES = {"inputs-not-arrays", "shape-column-vector"}
WORKED_DL_DW = -0.115415  # CURRICULUM §5, exact


def mark(problem: Problem, answers: dict[str, Any], **kw: Any) -> dict[str, PartMark]:
    exercise = get_exercise(problem.exercise)
    points = {p.id: 1.0 for p in problem.parts}
    marks = mark_question(exercise, problem, answers, Marking(points, **kw))
    return {m.part: m for m in marks}


def test_the_notes_worked_by_hand_score_full_marks_but_their_slip_does_not(
    worked: Problem,
) -> None:
    marks = mark(worked, NOTES_ANSWERS, tolerance=DECIMALS_3, rounding=2)
    for pid in ("y_hat", "loss", "dL_dyhat", "dyhat_dz", "dL_dw", "dL_db", "w_new"):
        assert marks[pid].credit == 1, (pid, marks[pid])
    # the notes' own numbers give b_new = 0.1 - 0.1 * (-0.235) = 0.1235, not 0.125
    assert marks["b_new"].credit == 0 and marks["b_new"].status == "wrong"
    fixed = mark(worked, {**NOTES_ANSWERS, "b_new": "0.1235"}, tolerance=DECIMALS_3, rounding=2)
    assert all(m.credit == 1 for m in fixed.values())


def test_hand_working_needs_the_rounding_rule(worked: Problem) -> None:
    # without `rounding`, 0.56 is simply 0.0022 away from 0.562: the tolerance is not loosened
    marks = mark(worked, NOTES_ANSWERS, tolerance=DECIMALS_3)
    assert marks["y_hat"].credit == 0
    # what follows from the rounded values is then an error carried forward, not hand work
    assert marks["dL_dyhat"].status == "carried"
    assert marks["dL_dyhat"].message.startswith("follows correctly from your ŷ = 0.56")
    assert not any(m.status == "hand" for m in marks.values())
    assert marks["b_new"].credit == 0


def test_hand_feedback_says_so(worked: Problem) -> None:
    marks = mark(worked, NOTES_ANSWERS, tolerance=DECIMALS_3, rounding=2)
    assert marks["y_hat"].status == "hand"
    assert "worked by hand" in marks["y_hat"].message
    assert marks["w_new"].status == "right"  # 0.312 is within 0.0005 of 0.311542


def test_rounding_to_the_wrong_places_is_still_wrong(worked: Problem) -> None:
    # y_hat read off to 1 place (0.6) is not what 2-place working gives
    marks = mark(worked, {"y_hat": 0.6}, tolerance=DECIMALS_3, rounding=2)
    assert marks["y_hat"].credit == 0


def chain_from(y_hat: float, p: dict[str, float], read_off: int | None = None) -> dict[str, float]:
    """The chain worked from a (wrong) ŷ, written out independently of the exercise."""

    def r(v: float) -> float:
        return v if read_off is None else round(v + 1e-12 * math.copysign(1, v), read_off)

    x, y, w, b, lr = p["x"], p["y"], p["w"], p["b"], p["lr"]
    loss = r(0.5 * (y - y_hat) ** 2)
    dl = r(-(y - y_hat))
    dz = r(y_hat * (1 - y_hat))
    dw, db = dl * dz * x, dl * dz
    return {
        "y_hat": y_hat,
        "loss": loss,
        "dL_dyhat": dl,
        "dyhat_dz": dz,
        "dL_dw": dw,
        "dL_db": db,
        "w_new": w - lr * dw,
        "b_new": b - lr * db,
    }


def test_error_carried_forward_through_the_chain(worked: Problem) -> None:
    answers = chain_from(0.6, WORKED)
    marks = mark(worked, answers, tolerance=DECIMALS_3)
    assert marks["y_hat"].credit == 0
    for pid in ("loss", "dL_dyhat", "dyhat_dz", "dL_dw", "dL_db", "w_new", "b_new"):
        assert marks[pid].status == "carried", (pid, marks[pid])
        assert marks[pid].credit == 1
    assert marks["loss"].message.startswith("follows correctly from your ŷ = 0.6")
    assert "∂L/∂w = " in marks["w_new"].message and "ŷ" not in marks["w_new"].message


def test_carried_credit_is_configurable(worked: Problem) -> None:
    marks = mark(
        worked, chain_from(0.6, WORKED), tolerance=DECIMALS_3, grading=Grading(follow_through=0.5)
    )
    assert marks["loss"].credit == 0.5 and "50%" in marks["loss"].message
    none = mark(
        worked, chain_from(0.6, WORKED), tolerance=DECIMALS_3, grading=Grading(follow_through=0)
    )
    assert all(m.credit == 0 for m in none.values())


def test_carried_error_worked_by_hand(worked: Problem) -> None:
    # ŷ wrong, every read-off then rounded to 2 places: loss 0.405 -> 0.41, etc.
    answers = chain_from(0.6, WORKED, read_off=2)
    assert answers["loss"] == 0.41
    strict = mark(worked, answers, tolerance=DECIMALS_3)
    assert strict["loss"].credit == 0  # 0.41 vs 0.405 without the rounding rule
    marks = mark(worked, answers, tolerance=DECIMALS_3, rounding=2)
    for pid in ("loss", "dL_dyhat", "dyhat_dz", "dL_dw", "dL_db", "w_new", "b_new"):
        assert marks[pid].status == "carried", (pid, marks[pid])


def test_a_wrong_later_answer_is_not_rescued(worked: Problem) -> None:
    answers = {**chain_from(0.6, WORKED), "dL_dw": -0.5}
    marks = mark(worked, answers, tolerance=DECIMALS_3)
    assert marks["dL_dw"].credit == 0
    assert marks["w_new"].status == "wrong"  # 0.3 - 0.1*(-0.108) is not what follows from -0.5


def test_right_after_a_wrong_answer_is_right(worked: Problem) -> None:
    exact = worked.key()
    marks = mark(worked, {**exact, "loss": 9.0}, tolerance=DECIMALS_3)
    assert marks["loss"].credit == 0
    assert all(marks[p].status == "right" for p in exact if p != "loss")


def test_reveal_shows_the_expected_value_only_when_asked(worked: Problem) -> None:
    hidden = mark(worked, {"y_hat": 0.9}, tolerance=DECIMALS_3)["y_hat"].message
    shown = mark(worked, {"y_hat": 0.9}, tolerance=DECIMALS_3, reveal=True)["y_hat"].message
    assert "0.56" not in hidden and "expected" not in hidden
    assert "marked to 3 decimal places" in hidden
    assert "expected about 0.5622, got 0.9" in shown


def test_unanswered_and_unreadable_parts(worked: Problem) -> None:
    marks = mark(worked, {"y_hat": "", "loss": "zero point four"}, lines={"loss": 7})
    assert marks["y_hat"].status == "unanswered"
    assert marks["loss"].status == "unreadable"
    assert marks["loss"].message == (
        "unreadable: line 7: could not read 'zero point four' as a number"
    )
    assert marks["dL_dw"].status == "unanswered"  # missing keys are unanswered


def test_nan_and_inf_are_unreadable(worked: Problem) -> None:
    marks = mark(worked, {"y_hat": float("nan"), "loss": float("inf"), "dL_dw": "-inf"})
    assert {marks[p].status for p in ("y_hat", "loss", "dL_dw")} == {"unreadable"}


def problems_with_mistakes(seeds: range) -> list[Problem]:
    out = []
    for exercise in CATALOGUE.values():
        for seed in seeds:
            problem = exercise.generate(np.random.default_rng(seed))
            if any(p.mistakes for p in problem.parts):
                out.append(problem)
    return out


def test_every_misconception_in_the_catalogue_is_recognised() -> None:
    seen: set[str] = set()
    for problem in problems_with_mistakes(range(12)):
        for part in problem.parts:
            for mistake in part.mistakes:
                marks = mark(problem, {part.id: to_json(mistake.value)})
                got = marks[part.id]
                # a mistake or two made together ("a+b"): each is named
                assert got.tags == ids(mistake.misconception), (problem.exercise, part.id, got)
                assert describe(mistake.misconception) in got.message
                assert got.credit == 0
                seen.add(mistake.misconception)
    # every id the product contract fixes, from some variant, and the further mistakes
    # (code checks name a few more)
    assert seen == (SPEC_MISCONCEPTIONS - NOT_PART_MISTAKES) | {
        "output-activation-missing",
        "sigmoid-derivative-of-input",
        "param-count-missing-depth",
        "grad-wrong-sign+loss-missing-half",
        "sigmoid-missing-beta",
        # the softmax topic's
        "softmax-not-normalised",
        "softmax-missing-exp",
        "cross-entropy-wrong-class",
        "cross-entropy-missing-minus",
        "cross-entropy-log10",
        "softmax-gradient-missing-onehot",
        "softmax-gradient-wrong-sign",
        "cnn-flatten-size-wrong",
        "cnn-pooling-counted",
        "cnn-output-depth-wrong",
        "pool-stride-ignored",
        "pool-max-instead-of-average",
        "pool-average-instead-of-max",
        "pool-sum-instead-of-average",
        "pool-size-off-by-one",
        "pool-partial-window",
        "conv-channels-not-summed",
        "conv-bias-per-channel",
        "conv-bias-missing",
    }


def test_misconception_credit_is_configurable(worked: Problem) -> None:
    part = worked.part("loss")
    (mistake,) = part.mistakes
    marks = mark(worked, {"loss": mistake.value}, grading=Grading(misconception=0.25))
    assert marks["loss"].credit == 0.25 and marks["loss"].tags == ("loss-missing-half",)


def test_every_catalogue_key_is_marked_right() -> None:
    for exercise in CATALOGUE.values():
        for seed in range(4):
            problem = exercise.generate(np.random.default_rng(seed))
            marks = mark(problem, problem.key())
            bad = {p: m for p, m in marks.items() if m.status != "right"}
            assert not bad, (problem.exercise, bad)


def test_sigmoid_derivative_expressions() -> None:
    problem = get_exercise("sigmoid_derivative").build({"a": 0.5, "beta": 2.0})
    s = float(sigmoid(0.5, 2.0))
    value = 2 * s * (1 - s)
    for text in ["beta*s*(1-s)", "β·σ(a)(1 − σ(a))", "beta*exp(-beta*a)/(1+exp(-beta*a))^2"]:
        marks = mark(problem, {"value": f"{value:.4f}", "expression": text})
        assert marks["expression"].status == "right", (text, marks["expression"])
        assert marks["value"].status == "right"
    wrong = mark(problem, {"expression": "s*(1-s)", "value": s * (1 - s)})
    assert wrong["expression"].tags == ("sigmoid-derivative-missing-beta",)
    assert wrong["value"].tags == ("sigmoid-derivative-missing-beta",)
    plain = float(sigmoid(0.5, 1.0)) * (1 - float(sigmoid(0.5, 1.0)))
    beta_free = mark(problem, {"expression": "exp(-a)/(1+exp(-a))^2", "value": f"{plain:.4f}"})
    assert beta_free["expression"].tags == ("sigmoid-derivative-missing-beta",)
    assert beta_free["value"].tags == ("sigmoid-derivative-missing-beta",)
    number = mark(problem, {"expression": f"{value:.6f}"})["expression"]
    assert number.status == "wrong" and "not as a number" in number.message
    hostile = mark(problem, {"expression": "__import__('os').system('x')"})
    assert hostile["expression"].status == "unreadable"


def test_concept_letters() -> None:
    problem = get_exercise("concept").generate(np.random.default_rng(1))
    (part,) = problem.parts
    assert part.kind == Kind.CHOICE
    letter = str(part.answer)
    assert mark(problem, {"answer": f"({letter.lower()})"})["answer"].status == "right"
    other = next(chr(65 + k) for k in range(len(part.choices)) if chr(65 + k) != letter)
    assert mark(problem, {"answer": other})["answer"].status == "wrong"
    assert mark(problem, {"answer": "Z"})["answer"].status == "unreadable"


@pytest.mark.parametrize("seed", range(12))
def test_random_chains_worked_by_hand_score_full_marks(seed: int) -> None:
    exercise = get_exercise("neuron_backprop")
    problem = exercise.generate(np.random.default_rng(seed))
    hand = exercise.by_hand(problem, 2)
    assert hand is not None
    # as printed in the notes: products and updates shown to 3 places
    shown = {pid: round_half_up(float(v), 3) for pid, v in hand.items()}
    marks = mark(problem, shown, tolerance=DECIMALS_3, rounding=2)
    assert all(m.credit == 1 for m in marks.values()), marks
    # and the rounding rule never rescues a value that is off by more than the working allows
    for pid in shown:
        off = mark(problem, {**shown, pid: shown[pid] + 0.05}, tolerance=DECIMALS_3, rounding=2)
        assert off[pid].credit == 0 or off[pid].status == "misconception", (pid, off[pid])


@pytest.mark.parametrize("seed", range(6))
def test_network_outputs_worked_by_hand(seed: int) -> None:
    exercise = get_exercise("mlp_forward")
    problem = exercise.generate(np.random.default_rng(seed))
    hand = exercise.by_hand(problem, 2)
    assert hand is not None
    answers = {pid: to_json(v) for pid, v in hand.items()}
    marks = mark(problem, answers, tolerance=Tolerance(decimals=2), rounding=2)
    assert all(m.credit == 1 for m in marks.values()), marks


def test_a_mistake_on_the_students_own_earlier_values_is_named(worked: Problem) -> None:
    # ŷ read off as 0.6 (wrong), the chain carried from it, then the update with the wrong sign
    answers = {"y_hat": 0.6, "dL_dyhat": -0.9, "dyhat_dz": 0.24, "dL_dw": -0.108}
    own_wrong_sign = 0.3 + 0.1 * -0.108
    assert abs(own_wrong_sign - (0.3 + 0.1 * WORKED_DL_DW)) > 0.0005  # not the exact mistake
    marks = mark(worked, {**answers, "w_new": own_wrong_sign, "loss": (1.5 - 0.6) ** 2})
    assert marks["dL_dw"].status == "carried"
    assert marks["w_new"].tags == ("gd-wrong-sign",)
    assert marks["loss"].tags == ("loss-missing-half",)
    # the same update with the right sign is carried credit, not a mistake
    right = mark(worked, {**answers, "w_new": 0.3 - 0.1 * -0.108})
    assert right["w_new"].status == "carried" and right["w_new"].tags == ()


def test_a_wrong_number_names_its_slip_without_giving_the_answer(worked: Problem) -> None:
    # w_new is 0.3115415 (exact) or 0.312 by hand; z = 0.25
    answers = {"w_new": "-0.312", "loss": "4.4", "b_new": "0.125", "dyhat_dz": "0.3"}
    marks = mark(worked, answers, tolerance=DECIMALS_3, rounding=2)
    assert marks["w_new"].message.startswith("wrong: the sign is wrong")
    assert "factor of 10:" in marks["loss"].message
    # the notes' own slip: near the answer, but not within 3 decimal places
    assert marks["b_new"].message.startswith("wrong: close, but outside the accuracy")
    assert marks["dyhat_dz"].message == "wrong (marked to 3 decimal places)"
    assert all(m.credit == 0 for m in marks.values() if m.part in answers)
    assert not any("0.1235" in m.message or "0.31" in m.message for m in marks.values())
    revealed = mark(worked, {"w_new": "-0.312"}, tolerance=DECIMALS_3, rounding=2, reveal=True)
    assert revealed["w_new"].message.endswith("; the sign is wrong")


@pytest.mark.parametrize(
    ("got", "expected", "tolerance", "slip"),
    [
        (-2.5, 2.5, Tolerance(rtol=0.01), "the sign is wrong"),
        (250.0, 2.5, Tolerance(rtol=0.01), "off by a factor of 100: check the decimal point"),
        (0.0025, 2.5, Tolerance(rtol=0.01), "off by a factor of 1000: check the decimal point"),
        (2.52, 2.5, Tolerance(rtol=0.001), "close, but outside"),
        (3.0, 2.5, Tolerance(rtol=0.01), None),
        (0.3, 0.01, Tolerance(decimals=1), None),  # 0.01 is 0 at one decimal: no sign to get wrong
        (-0.001, 0.001, Tolerance(decimals=3), None),
    ],
)
def test_number_slip(got: float, expected: float, tolerance: Tolerance, slip: str | None) -> None:
    from grader.answers.marking import number_slip

    found = number_slip(got, expected, tolerance)
    assert found == slip if slip is None else (found or "").startswith(slip)


def test_backprop_through_a_network_worked_by_hand_earns_full_marks() -> None:
    # the network of tests/reference/test_mlp.py::test_mlp_backprop_by_hand_worked_on_paper
    params = {
        "X": [[1, 0.5, -1.0]],
        "Y": [[1.0]],
        "weights": [[[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]], [[0.2], [-0.3], [0.4]]],
        "augment": [False, True],
        "activation": "sigmoid",
        "beta": 1.0,
    }
    problem = CATALOGUE["mlp_backprop"].build(params)
    by_hand = {
        "dL_dW1": "0.0085 -0.0104; 0.0043 -0.0052; -0.0085 0.0104",
        "dL_dW2": "-0.1125; -0.0495; -0.0394",
    }
    exact = mark(problem, by_hand)  # -0.1125 is 1.7 % from the exact -0.11067: wrong as it is
    assert exact["dL_dW2"].credit == 0
    marks = mark(problem, by_hand, rounding=2)
    assert marks["dL_dW2"].status == "hand" and marks["dL_dW2"].credit == 1
    assert marks["dL_dW1"].credit == 1  # within the tolerance of the exact value anyway


def test_sigmoid_derivative_taken_of_z_itself_is_named(worked: Problem) -> None:
    # the notes' neuron: z = 0.25, so z(1 − z) = 0.1875 where σ(z)(1 − σ(z)) = 0.246134
    answers = {
        "y_hat": 0.562177,
        "dL_dyhat": -0.937823,
        "dyhat_dz": 0.1875,
        "dL_dw": -0.937823 * 0.1875 * 0.5,
        "dL_db": -0.937823 * 0.1875,
    }
    marks = mark(worked, answers, tolerance=DECIMALS_3)
    assert marks["dyhat_dz"].tags == ("sigmoid-derivative-of-input",)
    assert "not z itself" in marks["dyhat_dz"].message and marks["dyhat_dz"].credit == 0
    # the gradients follow from the student's own ∂ŷ/∂z: carried forward, not marked again
    assert marks["dL_dw"].credit == 1 and marks["dL_db"].credit == 1
    # the same gradients without the wrong ∂ŷ/∂z to carry: the mistake is named in them
    alone = mark(
        worked, {"dL_dw": answers["dL_dw"], "dL_db": answers["dL_db"]}, tolerance=DECIMALS_3
    )
    assert alone["dL_dw"].tags == alone["dL_db"].tags == ("sigmoid-derivative-of-input",)


def test_network_gradients_with_the_derivative_of_z_are_named() -> None:
    params = {
        "X": [[1.0, 2.0], [1.0, -1.0]],
        "Y": [[1.0], [0.0]],
        "weights": [[[0.5, -0.3], [0.2, 0.4]], [[0.1], [0.7], [-0.6]]],
        "augment": [False, True],
        "activation": "sigmoid",
    }
    problem = CATALOGUE["mlp_backprop"].build(params)
    # σ'(Z) = Z(1 − Z) in both layers, by hand in NumPy
    x, w1, w2 = (np.array(m) for m in (params["X"], *params["weights"]))
    z1 = x @ w1
    h1 = 1 / (1 + np.exp(-z1))
    a2 = np.hstack([np.ones((2, 1)), h1])
    z2 = a2 @ w2
    h2 = 1 / (1 + np.exp(-z2))
    d2 = -(np.array(params["Y"]) - h2) * z2 * (1 - z2)
    d1 = (d2 @ w2.T)[:, 1:] * z1 * (1 - z1)
    marks = mark(problem, {"dL_dW1": (x.T @ d1).tolist(), "dL_dW2": (a2.T @ d2).tolist()})
    assert marks["dL_dW1"].tags == ("sigmoid-derivative-of-input",)
    assert marks["dL_dW2"].tags == ("sigmoid-derivative-of-input",)


def test_parameter_counts_without_the_input_depth_are_named() -> None:
    # a 32x32 RGB image, 100 neurons; 16 filters of 5x5
    problem = CATALOGUE["param_count"].build(
        {"height": 32, "width": 32, "channels": 3, "neurons": 100, "kernel": 5, "filters": 16}
    )
    assert problem.part("dense").answer == 32 * 32 * 3 * 100 + 100
    assert problem.part("conv").answer == 5 * 5 * 3 * 16 + 16
    marks = mark(problem, {"dense": 32 * 32 * 100 + 100, "conv": 5 * 5 * 16 + 16})
    assert marks["dense"].tags == marks["conv"].tags == ("param-count-missing-depth",)
    assert "every input channel" in marks["conv"].message
    size = CATALOGUE["conv_output_size"].build(
        {"n": 32, "k": 3, "stride": 1, "padding": 1, "c_in": 3, "c_out": 8}
    )
    assert mark(size, {"params": 3 * 3 * 8 + 8})["params"].tags == ("param-count-missing-depth",)


def test_the_half_dropped_with_the_sign_wrong_names_both(worked: Problem) -> None:
    # the notes' neuron: ∂L/∂ŷ = −0.937823, ∂L/∂w = −0.115415, ∂L/∂b = −0.230830
    answers = {"dL_dyhat": -1.875646, "dL_dw": 0.23083, "dL_db": 0.46166}
    marks = mark(worked, answers, tolerance=DECIMALS_3)
    assert marks["dL_dyhat"].tags == ("loss-missing-half",)
    for pid in ("dL_dw", "dL_db"):
        assert marks[pid].tags == ("grad-wrong-sign", "loss-missing-half"), marks[pid]
        assert "wrong sign" in marks[pid].message and "1/2" in marks[pid].message
        assert marks[pid].credit == 0
    alone = mark(worked, {"dL_dyhat": 1.875646}, tolerance=DECIMALS_3)["dL_dyhat"]
    assert alone.tags == ("grad-wrong-sign", "loss-missing-half")


def test_a_sigmoid_without_its_slope_is_named() -> None:
    neuron = CATALOGUE["neuron_output"].build(
        {"x": [0.5, -1.0], "w": [0.4, 0.2], "b": 0.1, "activation": "sigmoid", "beta": 2.0}
    )
    z = 0.5 * 0.4 - 1.0 * 0.2 + 0.1
    marks = mark(neuron, {"z": z, "y_hat": float(sigmoid(z))})  # β = 2 left out
    assert marks["y_hat"].tags == ("sigmoid-missing-beta",) and marks["y_hat"].credit == 0
    assert "1/(1 + exp(−β·a))" in marks["y_hat"].message
    net = {"X": [[1.0, 0.5]], "weights": [[[0.3], [-0.8]]], "augment": [False], "beta": 0.5}
    forward = CATALOGUE["mlp_forward"].build(net)
    plain = sigmoid(np.array([[1.0 * 0.3 - 0.5 * 0.8]]))
    assert mark(forward, {"output": plain.tolist()})["output"].tags == ("sigmoid-missing-beta",)
