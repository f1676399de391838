"""The steps of each exercise's worked solution (formulas cached, numbers per variant)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from types import SimpleNamespace
from typing import Any

import numpy as np

from exercises.activations import EXPRESSION_ANSWER, SigmoidDerivative
from exercises.base import Problem, plural
from exercises.concept import BY_ID
from exercises.mlp import backward_pass
from exercises.neuron import NeuronBackprop, NeuronOutput
from exercises.prose import HALF_SQUARE, Prose, math
from exercises.solutions import Solution, Step, Term, sub, sym, val
from exercises.solutions import derive as d
from exercises.solutions import notation as n
from reference import mlp_forward_by_hand, mlp_trace
from reference.activations import activation_derivative
from reference.handcalc import mlp_backprop_by_hand

Builder = Callable[[Problem, "int | None"], Solution]


def _sum(*terms: n.Node) -> n.Node:
    node = terms[0]
    for t in terms[1:]:
        node = n.Op("+", node, t)
    return node


def _places(rounding: int | None, product: bool = False) -> int:
    if rounding is None:
        return 6
    return 2 * rounding if product else rounding


@cache
def _activation(name: str, arg: str, beta_shown: bool) -> n.Node:
    if name == "sigmoid":
        return n.sigmoid_formula(n.var(arg), n.var("beta") if beta_shown else None)
    if name == "relu":
        return n.relu_formula(n.var(arg))
    return n.var(arg)


@cache
def _call(fn: str, arg: str) -> n.Node:
    """``σ(arg)`` or ``σ'(arg)``."""
    return n.Call(n.SIGMA if fn == "sigma" else n.PRIME_SIGMA, n.var(arg))


# --- one neuron ------------------------------------------------------------------------


@cache
def _weighted_sum(d_in: int) -> n.Node:
    return _sum(
        *(n.Juxt((n.var(f"x{i + 1}"), n.var(f"w{i + 1}"))) for i in range(d_in)), n.var("b")
    )


@cache
def _weighted_sum_numbers(d_in: int) -> n.Node:
    return _sum(
        *(n.product(n.var(f"x{i + 1}"), n.var(f"w{i + 1}")) for i in range(d_in)), n.var("b")
    )


def neuron_output(problem: Problem, rounding: int | None) -> Solution:
    p = problem.params
    xs, ws = p["x"], p["w"]
    numbers = {f"x{i + 1}": x for i, x in enumerate(xs)}
    numbers.update({f"w{i + 1}": w for i, w in enumerate(ws)})
    numbers["b"] = p["b"]
    numbers["beta"] = p["beta"]
    z = float(problem.part("z").answer)
    y_hat = float(problem.part("y_hat").answer)
    hand = NeuronOutput().by_hand(problem, rounding) if rounding is not None else None
    if hand is not None:
        y_hat = float(hand["y_hat"])
    act = _activation(p["activation"], "z", p["beta"] != 1)
    steps = (
        Step(
            n.var("z"),
            (sym(_weighted_sum(len(xs))), sub(_weighted_sum_numbers(len(xs)), numbers), val(z)),
            "z",
        ),
        Step(
            n.var("y_hat"),
            (
                sym(_call("sigma", "z")),
                sym(act),
                sub(act, {**numbers, "z": z}),
                val(y_hat, _places(rounding)),
            ),
            "y_hat",
        ),
    )
    return Solution(problem, steps, rounding if hand is not None else None)


@cache
def _sigmoid_formulas() -> SimpleNamespace:
    d_da = n.Sym(
        "d/da ", r"\frac{d}{da}", "<mfrac><mi>d</mi><mrow><mi>d</mi><mi>a</mi></mrow></mfrac>"
    )
    definition = n.sigmoid_formula(n.var("a"), n.var("beta"))
    one_minus_s = n.Paren(n.Op("−", n.const(1), n.var("s")))
    return SimpleNamespace(
        definition=definition,
        sigma_def=n.Juxt((d_da, n.Paren(definition))),
        course_s=n.Juxt((n.var("beta"), n.var("s"), one_minus_s)),
        value=n.product(n.var("beta"), n.var("s"), one_minus_s),
    )


def sigmoid_derivative(problem: Problem, rounding: int | None) -> Solution:
    p = problem.params
    der = d.cached_sigmoid_derivative()
    a, beta = p["a"], p["beta"]
    s = 1.0 / (1.0 + np.exp(-beta * a))
    value = float(problem.part("value").answer)
    hand = SigmoidDerivative().by_hand(problem, rounding) if rounding is not None else None
    if rounding is not None and hand is not None:
        from reference import round_half_up

        s = round_half_up(s, rounding)
        value = float(hand["value"])
    f = _sigmoid_formulas()
    numbers = {"a": a, "beta": beta, "s": s}
    steps = (
        Step(
            n.var("dsigma"),
            (sym(f.sigma_def), sym(der.derived), sym(der.course), sym(f.course_s)),
            "expression",
            note=Prose("with ", math("s", _call("sigma", "a"))),
            result=EXPRESSION_ANSWER,
        ),
        Step(
            n.var("s"), (sym(f.definition), sub(f.definition, numbers), val(s, _places(rounding)))
        ),
        Step(
            n.var("dsigma"),
            (
                sym(f.value),
                sub(f.value, numbers),
                val(value, _places(rounding, product=True)),
            ),
            "value",
        ),
    )
    return Solution(problem, steps, rounding if hand is not None else None)


@cache
def _backprop_formulas(beta_shown: bool) -> SimpleNamespace:
    v = n.var
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
    act = _activation("sigmoid", "z", beta_shown)
    with_values = n.product(v("y_hat"), n.Paren(n.Op("−", n.const(1), v("y_hat"))))
    if beta_shown:
        with_values = n.product(v("beta"), with_values)
    return SimpleNamespace(
        z=_sum(n.Juxt((v("w"), v("x"))), v("b")),
        z_numbers=_sum(n.product(v("w"), v("x")), v("b")),
        act=act,
        loss=HALF_SQUARE,
        d_loss=n.Juxt((d_dyhat, HALF_SQUARE)),
        d_act=n.Juxt((d_dz, act)),
        with_values=with_values,
        chain_w=n.product(v("dL_dyhat"), v("dyhat_dz"), v("dz_dw")),
        chain_b=n.product(v("dL_dyhat"), v("dyhat_dz"), v("dz_db")),
        w_new=v("w") - n.product(v("lr"), v("dL_dw")),
        b_new=v("b") - n.product(v("lr"), v("dL_db")),
    )


def neuron_backprop(problem: Problem, rounding: int | None) -> Solution:
    p = dict(problem.params)
    beta = p.get("beta", 1.0)
    der = d.cached_neuron_derivations(beta != 1)
    exact = {part.id: float(part.answer) for part in problem.parts}
    hand = NeuronBackprop().by_hand(problem, rounding) if rounding is not None else None
    v = {k: float(x) for k, x in (hand or exact).items()}
    z = p["w"] * p["x"] + p["b"]
    nums = {**p, "beta": beta, "z": z, **v, "dz_dw": p["x"], "dz_db": 1.0}
    read, prod = _places(rounding), _places(rounding, product=True)
    f = _backprop_formulas(beta != 1)

    def worked(part: str, formula: n.Node, places: int) -> Step:
        """``part = formula = its numbers = value``."""
        return Step(n.var(part), (sym(formula), sub(formula, nums), val(v[part], places)), part)

    steps = (
        Step(
            n.var("z"),
            (
                sym(f.z),
                sub(f.z_numbers, nums),
                val(z),
            ),
        ),
        Step(
            n.var("y_hat"),
            (sym(_call("sigma", "z")), sym(f.act), sub(f.act, nums), val(v["y_hat"], read)),
            "y_hat",
        ),
        worked("loss", f.loss, read),
        Step(
            n.var("dL_dyhat"),
            (
                sym(f.d_loss),
                sym(der.loss.derived),
                sym(der.loss.course),
                sub(der.loss.course, nums),
                val(v["dL_dyhat"], read),
            ),
            "dL_dyhat",
        ),
        Step(
            n.var("dyhat_dz"),
            (
                sym(f.d_act),
                sym(der.activation.derived),
                sym(der.activation.course),
                sub(f.with_values, nums),
                val(v["dyhat_dz"], read),
            ),
            "dyhat_dz",
        ),
        Step(n.var("dz_dw"), (sym(der.dz_dw.derived), val(p["x"]))),
        Step(n.var("dz_db"), (sym(der.dz_db.derived),)),
        worked("dL_dw", f.chain_w, prod),
        worked("dL_db", f.chain_b, prod),
        worked("w_new", f.w_new, prod),
        worked("b_new", f.b_new, prod),
    )
    return Solution(problem, steps, rounding if hand is not None else None)


# --- networks --------------------------------------------------------------------------


@cache
def _layer_nodes(k: int, aug: bool) -> SimpleNamespace:
    """Layer ``k``'s formulas: its augmented input ``[1, H]`` and ``Z_k = A_k W_k``."""
    src = "X" if k == 1 else f"H{k - 1}"
    augmented = n.Paren(n.Juxt((n.ONE_COMMA, n.var(src))), square=True) if aug else None
    inp = n.var(f"A{k}") if aug else n.var(src)
    return SimpleNamespace(augmented=augmented, z=n.Juxt((inp, n.var(f"W{k}"))))


def _forward_steps(p: dict[str, Any], trace: Any, read: int) -> list[Step]:
    steps: list[Step] = []
    for layer, aug in enumerate(p["augment"]):
        k = layer + 1
        f = _layer_nodes(k, aug)
        if f.augmented is not None:
            steps.append(Step(n.var(f"A{k}"), (sym(f.augmented), val(trace.inputs[layer], read))))
        nums = {  # the layer's input, under whichever name its formula gives it
            f"A{k}": trace.inputs[layer],
            "X" if k == 1 else f"H{k - 1}": trace.inputs[layer],
            f"W{k}": p["weights"][layer],
        }
        steps.append(Step(n.var(f"Z{k}"), (sym(f.z), sub(f.z, nums), val(trace.pre[layer]))))
        act = trace.activations[layer]
        steps.append(
            Step(
                n.var(f"H{k}"),
                (sym(_call("sigma", f"Z{k}")), val(trace.outputs[layer], read)),
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
    steps.append(Step(n.var("output"), (sym(n.var(last)), val(out, read)), "output"))
    if len(problem.parts) > 1:
        classes = np.argmax(out, axis=1)[None, :].astype(np.float64)
        steps.append(
            Step(
                n.var("predicted_class"),
                (Term("words", value="arg-max of each row of F(X), from 0"), val(classes)),
                "predicted_class",
            )
        )
    return Solution(problem, tuple(steps), rounding)


@cache
def _derivative_formula(k: int, beta_shown: bool) -> n.Node:
    """``σ'(Z_k) = β H_k ⊙ (1 − H_k)`` of a sigmoid layer: the sigmoid's derivative read off
    its outputs (derived in :func:`derive.derive_sigmoid_derivative`)."""
    h = n.var(f"H{k}")
    first = n.Juxt((n.var("beta"), h)) if beta_shown else h
    return n.Op(d.ODOT, first, n.Paren(n.Op("−", n.const(1), h)))


def _derivative_step(k: int, name: str, beta: float, value: Any, places: int) -> Step:
    """``σ'(Z_k)`` of layer ``k``'s activation ``name``, with its values."""
    lhs = _call("prime", f"Z{k}")
    if name == "sigmoid":
        d.cached_sigmoid_derivative()  # β σ(1 − σ), derived with sympy and checked (once)
        return Step(lhs, (sym(_derivative_formula(k, beta != 1)), val(value, places)))
    z_k = n.var(f"Z{k}")
    note = (
        Prose("1 where ", math(n.Op(">", z_k, n.const(0))), ", else 0")
        if name == "relu"
        else Prose("linear: ", math(_call("sigma", "z"), "z"), " has slope 1")
    )
    return Step(lhs, (val(value, places),), note=note)


def _exact_backprop(p: dict[str, Any], trace: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """Each layer's σ'(Z), δ and ∂L/∂W, first layer first, in floating point."""
    derivatives = [
        activation_derivative(name, z, p["beta"])
        for z, name in zip(trace.pre, trace.activations, strict=True)
    ]
    deltas, grads = backward_pass(p, trace, derivatives)
    return derivatives, deltas, grads


DROP_ONES = "drop the first column (it belongs to the prepended 1)"


def mlp_backprop(problem: Problem, rounding: int | None) -> Solution:
    p = dict(problem.params)
    if rounding is None:
        trace = mlp_trace(p["X"], p["weights"], p["augment"], p["activation"], p["beta"])
        derivatives, deltas, grads = _exact_backprop(p, trace)
        read = prod = 6
    else:
        hand = mlp_backprop_by_hand(
            p["X"], p["Y"], p["weights"], p["augment"], p["activation"], p["beta"], rounding
        )
        trace = hand.forward
        derivatives, deltas, grads = list(hand.derivatives), list(hand.deltas), list(hand.grads)
        read, prod = _places(rounding), _places(rounding, product=True)
    f = d.cached_mlp_backprop(tuple(p["augment"]))
    steps = _forward_steps(p, trace, read)
    last = len(p["weights"])
    for layer in range(last - 1, -1, -1):
        k = layer + 1
        steps.append(
            _derivative_step(k, trace.activations[layer], p["beta"], derivatives[layer], read)
        )
        formula = f.output_delta if k == last else f.backs[k]
        assert formula is not None  # every layer but the first carries δ back
        note = DROP_ONES if k < last and p["augment"][k] else ""
        terms = (sym(n.var(f"dL_dZ{k}")), sym(formula), val(deltas[layer], prod))
        steps.append(Step(n.var(f"delta{k}"), terms, note=note))
        steps.append(
            Step(n.var(f"dL_dW{k}"), (sym(f.grads[layer]), val(grads[layer], prod)), f"dL_dW{k}")
        )
    return Solution(problem, tuple(steps), rounding)


# --- convolution -----------------------------------------------------------------------


CONV_FORMULA = n.Sym(
    "Σₘ Σₙ I[s·i + m, s·j + n] · K[m, n]",
    r"\sum_m \sum_n I[s\,i + m,\ s\,j + n]\, K[m, n]",
    "<mrow><munder><mo>∑</mo><mi>m</mi></munder><munder><mo>∑</mo><mi>n</mi></munder>"
    "<mi>I</mi><mo>[</mo><mi>s</mi><mi>i</mi><mo>+</mo><mi>m</mi><mo>,</mo><mi>s</mi><mi>j</mi>"
    "<mo>+</mo><mi>n</mi><mo>]</mo><mi>K</mi><mo>[</mo><mi>m</mi><mo>,</mo><mi>n</mi><mo>]</mo>"
    "</mrow>",
)
Y_IJ = n.Sym(
    "Y[i, j]",
    "Y[i, j]",
    "<mrow><mi>Y</mi><mo>[</mo><mi>i</mi><mo>,</mo><mi>j</mi><mo>]</mo></mrow>",
)
Y_00 = n.Sym(
    "Y[0, 0]",
    "Y[0, 0]",
    "<mrow><mi>Y</mi><mo>[</mo><mn>0</mn><mo>,</mo><mn>0</mn><mo>]</mo></mrow>",
)


@cache
def _patch_sum(kh: int, kw: int) -> n.Node:
    return _sum(
        *(n.product(n.var(f"p{i}x{j}"), n.var(f"k{i}x{j}")) for i in range(kh) for j in range(kw))
    )


def conv_feature_map(problem: Problem, rounding: int | None) -> Solution:
    p = problem.params
    img = np.pad(np.asarray(p["image"], dtype=np.float64), p["padding"])
    ker = np.asarray(p["kernel"], dtype=np.float64)
    kh, kw = ker.shape
    fmap = np.asarray(problem.part("feature_map").answer, dtype=np.float64)
    steps: list[Step] = []
    if p["padding"]:
        steps.append(
            Step(
                n.var("Ip"),
                (val(img),),
                note=f"the image with {plural(p['padding'], 'ring')} of zeros",
            )
        )
    steps.append(Step(Y_IJ, (sym(CONV_FORMULA),), note="the kernel is not flipped"))
    numbers = {f"p{i}x{j}": img[i, j] for i in range(kh) for j in range(kw)}
    numbers.update({f"k{i}x{j}": ker[i, j] for i in range(kh) for j in range(kw)})
    steps.append(Step(Y_00, (sub(_patch_sum(kh, kw), numbers), val(fmap[0, 0]))))
    steps.append(
        Step(n.var("feature_map"), (val(fmap),), "feature_map", note="every position likewise")
    )
    return Solution(problem, tuple(steps))


@cache
def _size_formulas() -> SimpleNamespace:
    v = n.var

    def size(two_p: n.Node) -> n.Node:
        inner = n.Frac(_sum(v("n"), two_p) - v("k"), v("stride"))
        return n.Op("+", n.Floor(inner), n.const(1))

    return SimpleNamespace(
        size=size(n.Juxt((n.const(2), v("padding")))),
        size_numbers=size(n.product(n.const(2), v("padding"))),
        count=_sum(n.product(v("k"), v("k"), v("c_in"), v("c_out")), v("c_out")),
    )


def _count_step(
    problem: Problem, part_id: str, formula: n.Node, numbers: n.Node, note: str = ""
) -> Step:
    """``part = formula = its numbers = the answer`` for a part counted by one formula."""
    value = problem.part(part_id).answer
    terms = (sym(formula), sub(numbers, problem.params), val(value))
    return Step(n.var(part_id), terms, part_id, note=note)


def conv_output_size(problem: Problem, rounding: int | None) -> Solution:
    f = _size_formulas()
    steps = (
        _count_step(problem, "size", f.size, f.size_numbers),
        _count_step(problem, "params", f.count, f.count),
    )
    return Solution(problem, steps)


@cache
def _count_formulas() -> SimpleNamespace:
    v = n.var
    return SimpleNamespace(
        dense=_sum(n.product(v("height"), v("width"), v("channels"), v("neurons")), v("neurons")),
        conv=_sum(n.product(v("kernel"), v("kernel"), v("channels"), v("filters")), v("filters")),
    )


def param_count(problem: Problem, rounding: int | None) -> Solution:
    f = _count_formulas()
    steps = (
        _count_step(problem, "dense", f.dense, f.dense, note="weights + biases"),
        _count_step(problem, "conv", f.conv, f.conv, note="shared weights + biases"),
    )
    return Solution(problem, steps)


def concept(problem: Problem, rounding: int | None) -> Solution:
    q = BY_ID[problem.params["question"]]
    letter = str(problem.part("answer").answer)
    right = q.options[q.correct]
    step = Step(  # the option's words as a note: prose wraps, mathematics does not
        n.var("answer"), (Term("words", value=f"({letter})"),), "answer", right, result=letter
    )
    return Solution(problem, (step,))
