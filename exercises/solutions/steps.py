"""The steps of each exercise's worked solution (formulas cached, numbers per variant)."""

from __future__ import annotations

import string
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from exercises.activations import EXPRESSION_ANSWER
from exercises.base import Problem
from exercises.catalogue import CATALOGUE
from exercises.concept import BY_ID
from exercises.solutions import Solution, Step, Term, V, sub, sym, val
from exercises.solutions import derive as d
from exercises.solutions import notation as n
from reference import mlp_forward_by_hand, mlp_trace
from reference.activations import activation_derivative

Builder = Callable[[Problem, "int | None"], Solution]
PRIME_SIGMA = n.Sym("σ'", r"\sigma'", "<msup><mi>σ</mi><mo>′</mo></msup>")
ONE_COMMA = n.Sym("1, ", "1,\\ ", "<mn>1</mn><mo>,</mo>")


def _dot(*factors: n.Node) -> n.Node:
    node = factors[0]
    for f in factors[1:]:
        node = n.Op("·", node, f)
    return node


def _sum(*terms: n.Node) -> n.Node:
    node = terms[0]
    for t in terms[1:]:
        node = n.Op("+", node, t)
    return node


def _places(rounding: int | None, product: bool = False) -> int:
    if rounding is None:
        return 6
    return 2 * rounding if product else rounding


def _activation(name: str, arg: n.Node, beta: float) -> n.Node:
    if name == "sigmoid":
        return n.sigmoid_formula(arg, V("beta") if beta != 1 else None)
    if name == "relu":
        return n.Call(n.Sym("max", r"\max", "<mi>max</mi>"), n.Op(",", n.const(0), arg))
    return arg


# --- one neuron ------------------------------------------------------------------------


@cache
def _weighted_sum(d_in: int) -> n.Node:
    return _sum(*(n.Juxt((V(f"x{i + 1}"), V(f"w{i + 1}"))) for i in range(d_in)), V("b"))


@cache
def _weighted_sum_numbers(d_in: int) -> n.Node:
    return _sum(*(_dot(V(f"x{i + 1}"), V(f"w{i + 1}")) for i in range(d_in)), V("b"))


def neuron_output(problem: Problem, rounding: int | None) -> Solution:
    p = problem.params
    xs, ws = p["x"], p["w"]
    numbers = {f"x{i + 1}": x for i, x in enumerate(xs)}
    numbers.update({f"w{i + 1}": w for i, w in enumerate(ws)})
    numbers["b"] = p["b"]
    numbers["beta"] = p["beta"]
    z = float(problem.part("z").answer)
    y_hat = float(problem.part("y_hat").answer)
    hand = CATALOGUE[problem.exercise].by_hand(problem, rounding) if rounding is not None else None
    if hand is not None:
        y_hat = float(hand["y_hat"])
    act = _activation(p["activation"], V("z"), p["beta"])
    steps = (
        Step(
            V("z"),
            (sym(_weighted_sum(len(xs))), sub(_weighted_sum_numbers(len(xs)), numbers), val(z)),
            "z",
        ),
        Step(
            V("y_hat"),
            (
                sym(n.Call(n.SIGMA, V("z"))),
                sym(act),
                sub(act, {**numbers, "z": z}),
                val(y_hat, _places(rounding)),
            ),
            "y_hat",
        ),
    )
    return Solution(problem, steps, rounding)


def sigmoid_derivative(problem: Problem, rounding: int | None) -> Solution:
    p = problem.params
    der = d.cached_sigmoid_derivative()
    a, beta = p["a"], p["beta"]
    s = 1.0 / (1.0 + np.exp(-beta * a))
    value = float(problem.part("value").answer)
    hand = CATALOGUE[problem.exercise].by_hand(problem, rounding) if rounding is not None else None
    if rounding is not None and hand is not None:
        from reference import round_half_up

        s = round_half_up(s, rounding)
        value = float(hand["value"])
    d_da = n.Juxt(
        (
            n.Sym(
                "d/da ",
                r"\frac{d}{da}",
                "<mfrac><mi>d</mi><mrow><mi>d</mi><mi>a</mi></mrow></mfrac>",
            ),
        )
    )
    definition = n.sigmoid_formula(V("a"), V("beta"))
    sigma_def = n.Juxt((d_da, n.Paren(definition)))
    course_s = n.Juxt((V("beta"), V("s"), n.Paren(n.Op("−", n.const(1), V("s")))))
    numbers = {"a": a, "beta": beta, "s": s}
    steps = (
        Step(
            V("dsigma"),
            (sym(sigma_def), sym(der.derived), sym(der.course), sym(course_s)),
            "expression",
            note="with s = σ(a)",
            result=EXPRESSION_ANSWER,
        ),
        Step(V("s"), (sym(definition), sub(definition, numbers), val(s, _places(rounding)))),
        Step(
            V("dsigma"),
            (
                sym(_dot(V("beta"), V("s"), n.Paren(n.Op("−", n.const(1), V("s"))))),
                sub(_dot(V("beta"), V("s"), n.Paren(n.Op("−", n.const(1), V("s")))), numbers),
                val(value, _places(rounding, product=True)),
            ),
            "value",
        ),
    )
    return Solution(problem, steps, rounding)


def neuron_backprop(problem: Problem, rounding: int | None) -> Solution:
    p = dict(problem.params)
    beta = p.get("beta", 1.0)
    der = d.cached_neuron_derivations(beta != 1)
    exact = {part.id: float(part.answer) for part in problem.parts}
    hand = CATALOGUE[problem.exercise].by_hand(problem, rounding) if rounding is not None else None
    v = {k: float(x) for k, x in (hand or exact).items()}
    z = p["w"] * p["x"] + p["b"]
    nums = {**p, "beta": beta, "z": z, **v, "dz_dw": p["x"], "dz_db": 1.0}
    read, prod = _places(rounding), _places(rounding, product=True)
    half_loss = n.Juxt((n.HALF, n.Pow(n.Paren(V("y") - V("y_hat")), n.const(2))))
    d_dyhat = n.Sym(
        "∂/∂ŷ ",
        r"\frac{\partial}{\partial \hat{y}}",
        "<mfrac><mo>∂</mo><mrow><mo>∂</mo>"
        '<mover accent="true"><mi>y</mi><mo>^</mo></mover></mrow></mfrac>',
    )
    d_dz = n.Sym(
        "∂/∂z ",
        r"\frac{\partial}{\partial z}",
        "<mfrac><mo>∂</mo><mrow><mo>∂</mo><mi>z</mi></mrow></mfrac>",
    )
    act = n.sigmoid_formula(V("z"), V("beta") if beta != 1 else None)
    course_act = der.activation.course
    with_values = _dot(V("y_hat"), n.Paren(n.Op("−", n.const(1), V("y_hat"))))
    if beta != 1:
        with_values = _dot(V("beta"), with_values)
    chain_w = _dot(V("dL_dyhat"), V("dyhat_dz"), V("dz_dw"))
    chain_b = _dot(V("dL_dyhat"), V("dyhat_dz"), V("dz_db"))
    steps = (
        Step(
            V("z"),
            (
                sym(_sum(n.Juxt((V("w"), V("x"))), V("b"))),
                sub(_sum(_dot(V("w"), V("x")), V("b")), nums),
                val(z),
            ),
        ),
        Step(
            V("y_hat"),
            (sym(n.Call(n.SIGMA, V("z"))), sym(act), sub(act, nums), val(v["y_hat"], read)),
            "y_hat",
        ),
        Step(V("loss"), (sym(half_loss), sub(half_loss, nums), val(v["loss"], read)), "loss"),
        Step(
            V("dL_dyhat"),
            (
                sym(n.Juxt((d_dyhat, half_loss))),
                sym(der.loss.derived),
                sym(der.loss.course),
                sub(der.loss.course, nums),
                val(v["dL_dyhat"], read),
            ),
            "dL_dyhat",
        ),
        Step(
            V("dyhat_dz"),
            (
                sym(n.Juxt((d_dz, act))),
                sym(der.activation.derived),
                sym(course_act),
                sub(with_values, nums),
                val(v["dyhat_dz"], read),
            ),
            "dyhat_dz",
        ),
        Step(V("dz_dw"), (sym(der.dz_dw.derived), val(p["x"]))),
        Step(V("dz_db"), (sym(der.dz_db.derived),)),
        Step(V("dL_dw"), (sym(chain_w), sub(chain_w, nums), val(v["dL_dw"], prod)), "dL_dw"),
        Step(V("dL_db"), (sym(chain_b), sub(chain_b, nums), val(v["dL_db"], prod)), "dL_db"),
        Step(
            V("w_new"),
            (
                sym(V("w") - _dot(V("lr"), V("dL_dw"))),
                sub(V("w") - _dot(V("lr"), V("dL_dw")), nums),
                val(v["w_new"], prod),
            ),
            "w_new",
        ),
        Step(
            V("b_new"),
            (
                sym(V("b") - _dot(V("lr"), V("dL_db"))),
                sub(V("b") - _dot(V("lr"), V("dL_db")), nums),
                val(v["b_new"], prod),
            ),
            "b_new",
        ),
    )
    return Solution(problem, steps, rounding)


# --- networks --------------------------------------------------------------------------


def _augmented(h: str) -> n.Node:
    return n.Paren(n.Juxt((ONE_COMMA, V(h))), square=True)


def _forward_steps(p: dict[str, Any], trace: Any, read: int) -> list[Step]:
    steps: list[Step] = []
    for layer, aug in enumerate(p["augment"]):
        k = layer + 1
        src = "X" if layer == 0 else f"H{layer}"
        inp = _augmented(src) if aug else V(src)
        if aug:
            steps.append(Step(V(f"A{k}"), (sym(inp), val(trace.inputs[layer], read))))
            inp = V(f"A{k}")
        z_node = n.Juxt((inp, V(f"W{k}")))
        nums = {
            f"A{k}": trace.inputs[layer],
            "X": trace.inputs[layer],
            f"W{k}": p["weights"][layer],
        }
        steps.append(Step(V(f"Z{k}"), (sym(z_node), sub(z_node, nums), val(trace.pre[layer]))))
        act = trace.activations[layer]
        steps.append(
            Step(
                V(f"H{k}"),
                (sym(n.Call(n.SIGMA, V(f"Z{k}"))), val(trace.outputs[layer], read)),
                note=f"{act}, element by element",
            )
        )
    return steps


def mlp_forward(problem: Problem, rounding: int | None) -> Solution:
    p = dict(problem.params)
    if rounding is None:
        trace = mlp_trace(p["X"], p["weights"], p["augment"], p["activation"], p["beta"])
    else:
        trace = mlp_forward_by_hand(
            p["X"], p["weights"], p["augment"], p["activation"], p["beta"], rounding
        )
    read = _places(rounding)
    steps = _forward_steps(p, trace, read)
    last = f"H{len(p['weights'])}"
    out = trace.outputs[-1]
    steps.append(Step(V("output"), (sym(V(last)), val(out, read)), "output"))
    if len(problem.parts) > 1:
        classes = np.argmax(out, axis=1)[None, :].astype(np.float64)
        steps.append(
            Step(
                V("predicted_class"),
                (Term("words", value="arg-max of each row of F(X), from 0"), val(classes)),
                "predicted_class",
            )
        )
    return Solution(problem, tuple(steps), rounding)


def _derivative_node(act: str, k: int) -> n.Node:
    return n.Call(PRIME_SIGMA, V(f"Z{k}"))


def mlp_backprop(problem: Problem, rounding: int | None) -> Solution:
    p = dict(problem.params)
    trace = mlp_trace(p["X"], p["weights"], p["augment"], p["activation"], p["beta"])
    steps = _forward_steps(p, trace, 6)
    n_layers = len(p["weights"])
    last = n_layers
    Y = np.asarray(p["Y"], dtype=np.float64)
    deriv = activation_derivative(trace.activations[-1], trace.pre[-1], p["beta"])
    delta = -(Y - trace.outputs[-1]) * deriv
    node = n.Op(
        "⊙", n.Neg(n.Paren(V("Y") - V(f"H{last}"))), _derivative_node(trace.activations[-1], last)
    )
    grads: list[Any] = [None] * n_layers
    steps.append(Step(V(f"delta{last}"), (sym(node), val(delta)), note="δ = ∂L/∂Z"))
    for layer in range(n_layers - 1, -1, -1):
        k = layer + 1
        a_name = "X" if layer == 0 and not p["augment"][0] else f"A{k}"
        g = trace.inputs[layer].T @ delta
        grads[layer] = g
        g_node = n.Juxt((n.Pow(V(a_name), n.Sym("T", "T", "<mi>T</mi>")), V(f"delta{k}")))
        steps.append(Step(V(f"dL_dW{k}"), (sym(g_node), val(g)), f"dL_dW{k}"))
        if layer == 0:
            break
        back = delta @ np.asarray(p["weights"][layer]).T
        note = (
            "drop the first column (it belongs to the prepended 1)" if p["augment"][layer] else ""
        )
        if p["augment"][layer]:
            back = back[:, 1:]
        delta = back * activation_derivative(
            trace.activations[layer - 1], trace.pre[layer - 1], p["beta"]
        )
        b_node = n.Op(
            "⊙",
            n.Paren(n.Juxt((V(f"delta{k}"), n.Pow(V(f"W{k}"), n.Sym("T", "T", "<mi>T</mi>"))))),
            _derivative_node(trace.activations[layer - 1], layer),
        )
        steps.append(Step(V(f"delta{layer}"), (sym(b_node), val(delta)), note=note))
    steps_sorted = steps
    return Solution(problem, tuple(steps_sorted), rounding)


# --- convolution -----------------------------------------------------------------------


@cache
def _patch_sum(kh: int, kw: int) -> n.Node:
    return _sum(*(_dot(V(f"p{i}x{j}"), V(f"k{i}x{j}")) for i in range(kh) for j in range(kw)))


def conv_feature_map(problem: Problem, rounding: int | None) -> Solution:
    p = problem.params
    img = np.pad(np.asarray(p["image"], dtype=np.float64), p["padding"])
    ker = np.asarray(p["kernel"], dtype=np.float64)
    kh, kw = ker.shape
    fmap = np.asarray(problem.part("feature_map").answer, dtype=np.float64)
    steps: list[Step] = []
    if p["padding"]:
        steps.append(
            Step(V("Ip"), (val(img),), note=f"the image with {p['padding']} ring(s) of zeros")
        )
    formula = n.Sym(
        "Σₘ Σₙ I[s·i + m, s·j + n] · K[m, n]",
        r"\sum_m \sum_n I[s\,i + m,\ s\,j + n]\, K[m, n]",
        "<mrow><munder><mo>∑</mo><mi>m</mi></munder><munder><mo>∑</mo><mi>n</mi></munder>"
        "<mi>I</mi><mo>[</mo><mi>s</mi><mi>i</mi><mo>+</mo><mi>m</mi><mo>,</mo><mi>s</mi><mi>j</mi>"
        "<mo>+</mo><mi>n</mi><mo>]</mo><mi>K</mi><mo>[</mo><mi>m</mi><mo>,</mo><mi>n</mi><mo>]</mo></mrow>",
    )
    y_ij = n.Sym(
        "Y[i, j]",
        "Y[i, j]",
        "<mrow><mi>Y</mi><mo>[</mo><mi>i</mi><mo>,</mo><mi>j</mi><mo>]</mo></mrow>",
    )
    steps.append(Step(y_ij, (sym(formula),), note="the kernel is not flipped"))
    numbers = {f"p{i}x{j}": img[i, j] for i in range(kh) for j in range(kw)}
    numbers.update({f"k{i}x{j}": ker[i, j] for i in range(kh) for j in range(kw)})
    y00 = n.Sym(
        "Y[0, 0]",
        "Y[0, 0]",
        "<mrow><mi>Y</mi><mo>[</mo><mn>0</mn><mo>,</mo><mn>0</mn><mo>]</mo></mrow>",
    )
    steps.append(Step(y00, (sub(_patch_sum(kh, kw), numbers), val(fmap[0, 0]))))
    steps.append(
        Step(V("feature_map"), (val(fmap),), "feature_map", note="every position likewise")
    )
    return Solution(problem, tuple(steps), rounding)


def conv_output_size(problem: Problem, rounding: int | None) -> Solution:
    p = problem.params
    size_node = n.Op(
        "+",
        n.Floor(n.Frac(_sum(V("n"), n.Juxt((n.const(2), V("padding")))) - V("k"), V("stride"))),
        n.const(1),
    )
    size_nums = n.Op(
        "+",
        n.Floor(n.Frac(_sum(V("n"), _dot(n.const(2), V("padding"))) - V("k"), V("stride"))),
        n.const(1),
    )
    count_node = _sum(_dot(V("k"), V("k"), V("c_in"), V("c_out")), V("c_out"))
    count_nums = _sum(_dot(V("k"), V("k"), V("c_in"), V("c_out")), V("c_out"))
    steps = (
        Step(
            V("size"), (sym(size_node), sub(size_nums, p), val(problem.part("size").answer)), "size"
        ),
        Step(
            V("params"),
            (sym(count_node), sub(count_nums, p), val(problem.part("params").answer)),
            "params",
        ),
    )
    return Solution(problem, steps, rounding)


def param_count(problem: Problem, rounding: int | None) -> Solution:
    p = problem.params
    dense = _sum(_dot(V("height"), V("width"), V("channels"), V("neurons")), V("neurons"))
    dense_n = _sum(_dot(V("height"), V("width"), V("channels"), V("neurons")), V("neurons"))
    conv = _sum(_dot(V("kernel"), V("kernel"), V("channels"), V("filters")), V("filters"))
    conv_n = _sum(_dot(V("kernel"), V("kernel"), V("channels"), V("filters")), V("filters"))
    steps = (
        Step(
            V("dense"),
            (sym(dense), sub(dense_n, p), val(problem.part("dense").answer)),
            "dense",
            note="weights + biases",
        ),
        Step(
            V("conv"),
            (sym(conv), sub(conv_n, p), val(problem.part("conv").answer)),
            "conv",
            note="shared weights + biases",
        ),
    )
    return Solution(problem, steps, rounding)


def concept(problem: Problem, rounding: int | None) -> Solution:
    q = BY_ID[problem.params["question"]]
    letter = str(problem.part("answer").answer)
    right = q.options[q.correct]
    step = Step(V("answer"), (Term("words", value=f"({letter}) {right}"),), "answer", result=letter)
    _ = string.ascii_uppercase
    return Solution(problem, (step,), rounding)


BUILDERS: dict[str, Builder] = {
    "neuron_output": neuron_output,
    "sigmoid_derivative": sigmoid_derivative,
    "neuron_backprop": neuron_backprop,
    "mlp_forward": mlp_forward,
    "mlp_backprop": mlp_backprop,
    "conv_feature_map": conv_feature_map,
    "conv_output_size": conv_output_size,
    "param_count": param_count,
    "concept": concept,
}
