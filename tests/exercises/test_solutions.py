"""Worked solutions: final numbers equal the parts; the hand chain of CURRICULUM §5."""

from __future__ import annotations

import numpy as np
import pytest

from exercises.solutions import derive
from exercises.solutions import notation as n
from grader.topics import CATALOGUE, worked_solution

FORMATS = ("text", "tex", "mathml")


@pytest.mark.parametrize("exercise", list(CATALOGUE))
def test_every_worked_solution_ends_on_every_part(exercise):
    for seed in range(15):
        problem = CATALOGUE[exercise].generate(np.random.default_rng(seed))
        solution = worked_solution(problem)
        final = solution.final()
        assert set(final) == {p.id for p in problem.parts}
        for part in problem.parts:
            if isinstance(part.answer, str):
                assert final[part.id] == part.answer
            else:
                np.testing.assert_allclose(final[part.id], part.answer, rtol=1e-12, atol=1e-12)
        for step in solution.steps:
            for fmt in FORMATS:
                assert step.math(fmt)  # every step prints in every format


def test_the_printed_final_value_is_the_part_rounded_to_six_places():
    problem = CATALOGUE["neuron_backprop"].build(
        {"x": 0.5, "y": 1.5, "w": 0.3, "b": 0.1, "lr": 0.1}
    )
    steps = {s.part: s for s in worked_solution(problem).steps if s.part}
    assert steps["dL_dw"].math("text").endswith("= −0.115415")
    assert steps["w_new"].math("text") == "w_new = w − α·∂L/∂w = 0.3 − 0.1·(−0.115415) = 0.311542"


def test_hand_rounded_chain_reproduces_the_notes():
    problem = CATALOGUE["neuron_backprop"].build(
        {"x": 0.5, "y": 1.5, "w": 0.3, "b": 0.1, "lr": 0.1}
    )
    solution = worked_solution(problem, 2)
    assert solution.final() == {
        "y_hat": 0.56, "loss": 0.44, "dL_dyhat": -0.94, "dyhat_dz": 0.25,
        "dL_dw": -0.1175, "dL_db": -0.235, "w_new": 0.3118, "b_new": 0.1235,
    }  # fmt: skip
    text = {s.part: s.math("text") for s in solution.steps if s.part}
    assert text["dL_dw"].endswith("= (−0.94)·0.25·0.5 = −0.1175")
    assert text["w_new"].endswith("= 0.3 − 0.1·(−0.1175) = 0.3118")
    assert text["b_new"].endswith("= 0.1235")
    assert text["loss"].endswith("= ½·(1.5 − 0.56)² = 0.44")


@pytest.mark.parametrize(
    "exercise", ["neuron_backprop", "sigmoid_derivative", "mlp_forward", "mlp_backprop"]
)
def test_hand_rounded_solutions_end_on_by_hand(exercise):
    ex = CATALOGUE[exercise]
    for seed in range(10):
        problem = ex.generate(np.random.default_rng(seed))
        hand = ex.by_hand(problem, 2)
        final = worked_solution(problem, 2).final()
        for pid, value in (hand or {}).items():
            np.testing.assert_allclose(final[pid], value, atol=1e-12)


def test_sympy_derivations_match_the_course_forms():
    import sympy as sp

    a, beta = sp.symbols("a beta", real=True)
    der = derive.derive_sigmoid_derivative()
    # the displayed derivative is sympy's: e^(-aβ) over a squared denominator
    assert "e^(−aβ)" in n.symbolic(der.derived, "text")
    assert n.symbolic(der.course, "text") == "βσ(a)(1 − σ(a))"
    loss = derive.derive_loss_gradient()
    assert n.symbolic(loss.derived, "text") == "−y + ŷ"
    assert n.symbolic(loss.course, "text") == "−(y − ŷ)"
    dw, db = derive.derive_pre_activation()
    assert n.symbolic(dw.derived, "text") == "x" and n.symbolic(db.derived, "text") == "1"
    assert derive.cached_neuron_derivations(False) is derive.cached_neuron_derivations(False)
    _ = a, beta


def test_negative_numbers_are_bracketed_where_substituted():
    node = n.Op("−", n.Var("w"), n.Op("·", n.Var("lr"), n.Var("g")))
    assert n.substituted(node, "text", {"w": -0.5, "lr": 0.1, "g": -2}) == "(−0.5) − 0.1·(−2)"
    assert n.substituted(node, "tex", {"w": 1, "lr": 0.1, "g": -2}).endswith(r"\left(-2\right)")
    juxt = n.Juxt((n.Var("beta"), n.Var("a")))
    assert n.symbolic(juxt, "text") == "βa"
    assert n.substituted(juxt, "text", {"beta": 2, "a": 0.5}) == "2·0.5"


def test_mathml_is_well_formed_xml():
    import xml.etree.ElementTree as ET

    for exercise in CATALOGUE:
        problem = CATALOGUE[exercise].generate(np.random.default_rng(1))
        for step in worked_solution(problem).steps:
            ET.fromstring(f"<math>{step.math('mathml')}</math>")


def test_tex_escape_of_prose():
    assert n.tex_escape("50% of x_1 & σ") == r"50\% of x\_1 \& $\sigma$"


@pytest.mark.parametrize("augment", [[False, False], [False, True], [True, False], [True, True]])
@pytest.mark.parametrize("exercise", ["mlp_forward", "mlp_backprop"])
def test_networks_print_with_any_augmentation(exercise, augment):
    first = 3 if augment[0] else 2  # X = [[1, 2]] has two columns
    second = 2 if augment[1] else 1
    params = {
        "X": [[1, 2]],
        "weights": [[[0.5]] * first, [[0.3]] * second],
        "augment": augment,
    }
    if exercise == "mlp_backprop":
        params["Y"] = [[1]]
    problem = CATALOGUE[exercise].build(params)
    steps = worked_solution(problem).steps
    for step in steps:
        for fmt in FORMATS:
            assert step.math(fmt)
    text = "\n".join(step.math("text") for step in steps)
    if exercise == "mlp_backprop":  # ∂L/∂W₂ is built from layer 2's own input
        assert ("A₂^T" if augment[1] else "H₁^T") in text


@pytest.mark.parametrize(
    ("augment", "entries"),
    [
        ((False,), 2),
        ((True,), 3),
        ((False, True), 6 + 4),
        ((True, True), 9 + 4),
        ((False, True, True), 10 + 13),  # checked two layers at a time
    ],
)
def test_backprop_formulas_are_sympys_derivatives_entry_by_entry(augment, entries):
    f = derive.derive_mlp_backprop(augment)
    assert f.checked == entries  # every weight of a 2-input, 3-hidden, 1-output network
    last = len(augment)
    assert n.symbolic(f.output_delta, "text") == f"−(Y − H{'₀₁₂₃'[last]}) ⊙ σ'(Z{'₀₁₂₃'[last]})"
    assert n.symbolic(f.grads[0], "text") == ("A₁^Tδ₁" if augment[0] else "X^Tδ₁")
    if last >= 2:
        assert n.symbolic(f.backs[1], "text") == "(δ₂W₂^T) ⊙ σ'(Z₁)"


def test_a_wrong_chain_rule_fails_the_backprop_check(monkeypatch):
    import sympy as sp

    def doubled() -> tuple:
        class sigma_prime(sp.Function):  # noqa: N801
            pass

        class sigma(sp.Function):  # noqa: N801
            def fdiff(self, argindex=1):
                return 2 * sigma_prime(self.args[0])  # not the derivative the formulas use

        return sigma, sigma_prime

    monkeypatch.setattr(derive, "_generic_activation", doubled)
    with pytest.raises(AssertionError, match="not the course's formula"):
        derive.derive_mlp_backprop((False, True))


def test_backprop_solution_shows_each_activation_derivative():
    from reference.activations import activation_derivative
    from reference.handcalc import mlp_backprop_by_hand
    from reference.mlp import mlp_trace

    problem = CATALOGUE["mlp_backprop"].build(
        {
            "X": [[1, 2], [1, 0]],
            "Y": [[1, 0], [0, 1]],
            "weights": [
                [[-0.9, 0.8, -1], [0.1, -0.9, -0.4]],
                [[0, -0.2], [-0.2, -1], [-1, -0.8], [-1, 0.4]],
            ],
            "augment": [False, True],
            "activation": ["relu", "sigmoid"],
        }
    )
    p = problem.params
    trace = mlp_trace(p["X"], p["weights"], p["augment"], p["activation"], p["beta"])
    steps = worked_solution(problem).steps
    shown = {s.math("text").split(" = ")[0]: s for s in steps}
    for k, name in ((1, "relu"), (2, "sigmoid")):
        step = shown[f"σ'(Z{'₀₁₂'[k]})"]
        np.testing.assert_allclose(step.value, activation_derivative(name, trace.pre[k - 1]))
    assert shown["σ'(Z₂)"].math("text").startswith("σ'(Z₂) = H₂ ⊙ (1 − H₂) = [0.25 0.247517;")
    assert shown["σ'(Z₁)"].note == "1 where Z₁ > 0, else 0"
    assert shown["δ₂"].math("text").startswith("δ₂ = ∂L/∂Z₂ = −(Y − H₂) ⊙ σ'(Z₂) = ")
    # by hand: σ' read off the rounded outputs, as the hand working uses it
    hand = mlp_backprop_by_hand(p["X"], p["Y"], p["weights"], p["augment"], p["activation"], 1.0, 2)
    by_hand = {s.math("text").split(" = ")[0]: s for s in worked_solution(problem, 2).steps}
    np.testing.assert_array_equal(by_hand["σ'(Z₂)"].value, hand.derivatives[1])
    assert by_hand["σ'(Z₂)"].math("text").endswith("= [0.25 0.25; 0.21 0.21]")
