"""The worked solution of ``softmax_cross_entropy``: its formulas as display nodes, the
gradient derived with sympy for the drawn number of classes, and the numbers of a variant.

sympy is imported inside :func:`derive_gradient` only (cached per size and class), so the
topic's module stays cheap to import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from exercises.base import Problem
from exercises.prose import Prose, math
from exercises.solutions import Solution, Step, sub, sym, val
from exercises.solutions import notation as n
from reference import softmax_chain, softmax_chain_by_hand


def _subscript(base: str, index: str) -> n.Sym:
    return n.Sym(
        f"{base}_{index}", f"{base}_{{{index}}}", f"<msub><mi>{base}</mi><mi>{index}</mi></msub>"
    )


def _partial_z(name: str) -> n.Sym:
    """``∂L/∂z`` or ``∂L/∂z₀``: the derivative of the loss by the variable ``name``."""
    text, tex, ml = (n.symbol(name, fmt) for fmt in n.FORMATS)
    return n.Sym(
        f"∂L/∂{text}",
        f"\\frac{{\\partial L}}{{\\partial {tex}}}",
        f"<mfrac><mrow><mo>∂</mo><mi>L</mi></mrow><mrow><mo>∂</mo>{ml}</mrow></mfrac>",
    )


@dataclass(frozen=True, eq=False)
class _Exp(n.Node):
    """``e^{z₀}``: in plain text ``e^z₀`` (``e^(z_i)`` of a subscript, ``e^(−1.6)`` once
    substituted: the bracket of a negative number is the only one); in LaTeX ``e^{…}``."""

    arg: n.Node

    def show(self, fmt: str) -> str:
        a = self.arg.show(fmt)
        if fmt == "text":
            return "e^" + a if isinstance(self.arg, n.Var) else f"e^({a})"
        if fmt == "tex":
            return f"e^{{{a}}}"
        return n.exp(self.arg).show(fmt)


P_I = _subscript("p", "i")
P_Y = _subscript("p", "y")
SUM_J = n.Sym("Σⱼ ", r"\sum_j ", "<munder><mo>∑</mo><mi>j</mi></munder>")
SUM_EXP = n.Juxt((SUM_J, _Exp(_subscript("z", "j"))))
P_I_FORMULA = n.Frac(_Exp(_subscript("z", "i")), SUM_EXP)
LN = n.Sym("ln", r"\ln", "<mi>ln</mi>")
NEG_LN_PY = n.Neg(n.Call(LN, P_Y))
SOFTMAX = n.Sym("softmax", r"\operatorname{softmax}", "<mi>softmax</mi>")
SOFTMAX_Z = n.Call(SOFTMAX, n.var("z"))
ONEHOT = n.Sym("onehot", r"\operatorname{onehot}", "<mi>onehot</mi>")
P_MINUS_ONEHOT = n.Op("−", n.var("p"), n.Call(ONEHOT, n.var("y")))
DL_DZ = _partial_z("z")
IVERSON = n.Sym(
    "[i = y]", "[i = y]", "<mrow><mo>[</mo><mi>i</mi><mo>=</mo><mi>y</mi><mo>]</mo></mrow>"
)


EXP_Z = _Exp(n.var("z"))


def _vector(items: Sequence[n.Node]) -> n.Node:
    """``[a, b, c]``."""
    node = items[0]
    for item in items[1:]:
        node = n.Op(",", node, item)
    return n.Paren(node, square=True)


def _sum(items: Sequence[n.Node]) -> n.Node:
    node = items[0]
    for item in items[1:]:
        node = n.Op("+", node, item)
    return node


@dataclass(frozen=True)
class Formulas:
    """The nodes of one size of problem (``classes`` logits, true class ``y``)."""

    exps: n.Node  # [e^{z₀}, e^{z₁}, …]
    exps_sum: n.Node  # e^{z₀} + e^{z₁} + …
    exps_numbers: n.Node  # e₀ + e₁ + … (filled with the values of e^{z_i})
    p_numbers: n.Node  # [e₀/S, e₁/S, …]
    loss: n.Node  # −ln p_y with y's number
    grad_numbers: n.Node  # [p₀ − 1, p₁, …]


@cache
def formulas(classes: int, y: int) -> Formulas:
    ez: list[n.Node] = [_Exp(n.var(f"z{i}")) for i in range(classes)]
    e = [n.var(f"e{i}") for i in range(classes)]
    p = [n.var(f"p{i}") for i in range(classes)]
    return Formulas(
        exps=_vector(ez),
        exps_sum=_sum(ez),
        exps_numbers=_sum(e),
        p_numbers=_vector([n.Frac(e[i], n.var("S")) for i in range(classes)]),
        loss=n.Neg(n.Call(LN, p[y])),
        grad_numbers=_vector(
            [n.Op("−", p[i], n.const(1)) if i == y else p[i] for i in range(classes)]
        ),
    )


@dataclass(frozen=True)
class GradientDerivation:
    """``∂L/∂z_i`` of ``L = −ln softmax(z)_y`` as sympy gives it, one per class, and the
    course's form ``p_i − [i = y]`` each was checked to equal."""

    derived: tuple[n.Node, ...]
    course: tuple[n.Node, ...]


@cache
def _gradient_of_first(classes: int) -> tuple[Any, ...]:
    """``∂L/∂z_i`` of ``L = −ln(e^{z₀} / Σ_j e^{z_j})`` for every ``i``, as sympy gives it,
    each checked to be ``p_i − [i = 0]``."""
    import sympy as sp

    zs = sp.symbols([f"z{i}" for i in range(classes)], real=True)
    total = sum(sp.exp(z) for z in zs)
    loss = -sp.log(sp.exp(zs[0]) / total)
    derived = []
    for i, z in enumerate(zs):
        d = sp.simplify(sp.diff(loss, z))
        target = sp.exp(z) / total - (1 if i == 0 else 0)
        if sp.simplify(d - target) != 0:  # pragma: no cover - a broken derivation
            raise AssertionError(f"dL/dz{i} is not p{i} - [i = 0]")
        derived.append(sp.together(d))
    return tuple(derived)


@cache
def derive_gradient(classes: int, y: int) -> GradientDerivation:
    """Differentiate ``−ln(e^{z_y} / Σ_j e^{z_j})`` by each ``z_i`` of a problem of ``classes``
    logits: the derivatives for class 0, derived once per size and checked to be
    ``p_i − [i = 0]``, with ``z₀`` and ``z_y`` swapped (the loss of class y is the loss of
    class 0 with the two logits exchanged, so its derivatives are too)."""
    import sympy as sp

    from exercises.solutions.derive import to_node

    zs = sp.symbols([f"z{i}" for i in range(classes)], real=True)
    first = _gradient_of_first(classes)
    swap = {zs[0]: zs[y], zs[y]: zs[0]}
    derived, course = [], []
    for i in range(classes):
        j = 0 if i == y else y if i == 0 else i  # whose derivative, swapped, is this one
        d = first[j].subs(swap, simultaneous=True) if y else first[j]
        derived.append(to_node(sp.together(d)))
        p_i = n.var(f"p{i}")
        course.append(n.Op("−", p_i, n.const(1)) if i == y else p_i)
    return GradientDerivation(tuple(derived), tuple(course))


def _row(v: object) -> np.ndarray:
    return np.asarray(v, dtype=np.float64).reshape(1, -1)


def softmax_cross_entropy(problem: Problem, rounding: int | None) -> Solution:
    p = problem.params
    zs, y = p["z"], p["y"]
    classes = len(zs)
    ch = softmax_chain(zs, y) if rounding is None else softmax_chain_by_hand(zs, y, rounding)
    read = 6 if rounding is None else rounding
    f = formulas(classes, y)
    der = derive_gradient(classes, y)
    nums: dict[str, float] = {"S": ch.total}
    for i in range(classes):
        nums.update({f"z{i}": zs[i], f"e{i}": float(ch.exps[i]), f"p{i}": float(ch.p[i])})
    hand = "each read off a calculator and rounded" if rounding is not None else ""
    steps: list[Step] = [
        Step(EXP_Z, (sym(f.exps), sub(f.exps, nums), val(_row(ch.exps), read)), note=hand),
        Step(SUM_EXP, (sym(f.exps_sum), sub(f.exps_numbers, nums), val(ch.total, read))),
        Step(
            n.var("p"),
            (sym(SOFTMAX_Z), sub(f.p_numbers, nums), val(_row(ch.p), read)),
            "p",
            note=Prose("each entry ", math(P_I, P_I_FORMULA)),
        ),
        Step(
            n.var("loss"),
            (sym(NEG_LN_PY), sym(f.loss), sub(f.loss, nums), val(ch.loss, read)),
            "loss",
            note=f"the true class is y = {y}",
        ),
    ]
    for i in range(classes):
        steps.append(
            Step(
                _partial_z_cached(i),
                (sym(der.derived[i]), sym(der.course[i])),
                note="differentiated with sympy" if i == 0 else "",
            )
        )
    steps.append(
        Step(
            DL_DZ,
            (sym(P_MINUS_ONEHOT), sub(f.grad_numbers, nums), val(_row(ch.dL_dz), read)),
            "dL_dz",
            note=Prose("each entry ", math(n.Op("−", P_I, IVERSON))),
        )
    )
    return Solution(problem, tuple(steps), rounding)


@cache
def _partial_z_cached(i: int) -> n.Sym:
    return _partial_z(f"z{i}")
