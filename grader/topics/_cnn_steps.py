"""The worked solution of ``cnn_param_count``: each layer's shape and count, then the total.

The counting formulas are checked once with sympy (:func:`derive_counts`): a conv layer's
weights are a ``k_h × k_w × C_in × F`` array and its biases one per filter, so it has
``(k_h·k_w·C_in + 1)·F`` parameters; a dense layer's are ``n_in × N`` and ``N``, so
``(n_in + 1)·N``; a pooling layer has none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace
from typing import Any

import numpy as np

from exercises.base import Problem
from exercises.solutions import Solution, Step, Term, sub, sym, val
from exercises.solutions import notation as n
from reference.cnn import POOLS, output_shape, parse_layer


@dataclass(frozen=True, eq=False)
class Ceil(n.Node):
    """``⌈body⌉``."""

    body: n.Node

    def show(self, fmt: str) -> str:
        b = self.body.show(fmt)
        if fmt == "tex":
            return f"\\left\\lceil {b} \\right\\rceil"
        if fmt == "mathml":
            return f"<mrow><mo>⌈</mo>{b}<mo>⌉</mo></mrow>"
        return f"⌈{b}⌉"


def _indexed(base: str, index: str) -> n.Sym:
    """``k_h``, ``C_in``: a symbol with a subscript."""
    tex_index = index if len(index) == 1 else f"\\text{{{index}}}"
    ml_index = f"<mi>{index}</mi>" if len(index) == 1 else f"<mtext>{index}</mtext>"
    return n.Sym(
        f"{base}_{index}", f"{base}_{{{tex_index}}}", f"<msub><mi>{base}</mi>{ml_index}</msub>"
    )


SYMBOLS: dict[str, n.Sym] = {
    "kh": _indexed("k", "h"),
    "kw": _indexed("k", "w"),
    "c_in": _indexed("C", "in"),
    "n_in": _indexed("n", "in"),
    "F": n.Sym("F", "F", "<mi>F</mi>"),
    "N": n.Sym("N", "N", "<mi>N</mi>"),
    "H": n.Sym("H", "H", "<mi>H</mi>"),
    "W": n.Sym("W", "W", "<mi>W</mi>"),
    "C": n.Sym("C", "C", "<mi>C</mi>"),
    "s": n.Sym("s", "s", "<mi>s</mi>"),
}


def _layer_symbol(base: str, i: int) -> n.Sym:
    return n.Sym(
        f"{base}{str(i).translate(str.maketrans('0123456789', '₀₁₂₃₄₅₆₇₈₉'))}",
        f"{base}_{{{i}}}",
        f"<msub><mi>{base}</mi><mn>{i}</mn></msub>",
    )


def _both(build: Any) -> tuple[n.Node, n.Node]:
    """A formula twice: in the course's symbols (to show) and in variables (to fill in)."""
    return build(lambda name: SYMBOLS[name]), build(n.var)


def _sum(*terms: n.Node) -> n.Node:
    node = terms[0]
    for term in terms[1:]:
        node = n.Op("+", node, term)
    return node


def _triple(a: n.Node, b: n.Node, c: n.Node) -> n.Node:
    return n.Paren(n.Op(",", n.Op(",", a, b), c))


@cache
def derive_counts() -> bool:
    """Check with sympy that counting every weight and bias gives the course's formulas."""
    import sympy as sp

    kh, kw, c_in, f, n_in, big_n = sp.symbols("k_h k_w C_in F n_in N", positive=True, integer=True)
    conv_weights = kh * kw * c_in * f  # the size of a k_h × k_w × C_in × F array
    if sp.simplify(conv_weights + f - (kh * kw * c_in + 1) * f) != 0:  # pragma: no cover
        raise AssertionError("the conv layer's count is not the course's formula")
    if sp.simplify(n_in * big_n + big_n - (n_in + 1) * big_n) != 0:  # pragma: no cover
        raise AssertionError("the dense layer's count is not the course's formula")
    return True


@cache
def _formulas() -> SimpleNamespace:
    one = n.const(1)

    def conv_count(v: Any) -> n.Node:
        return n.product(n.Paren(_sum(n.product(v("kh"), v("kw"), v("c_in")), one)), v("F"))

    def dense_count(v: Any) -> n.Node:
        return n.product(n.Paren(_sum(v("n_in"), one)), v("N"))

    def flat(v: Any) -> n.Node:
        return n.product(v("H"), v("W"), v("C"))

    def valid(v: Any, side: str, k: str) -> n.Node:
        return n.Op("+", n.Floor(n.Frac(n.Op("−", v(side), v(k)), v("s"))), one)

    def same(v: Any, side: str) -> n.Node:
        return Ceil(n.Frac(v(side), v("s")))

    def shape(v: Any, padding: str, depth: str) -> n.Node:
        if padding == "same":
            return _triple(same(v, "H"), same(v, "W"), v(depth))
        return _triple(valid(v, "H", "kh"), valid(v, "W", "kw"), v(depth))

    return SimpleNamespace(
        conv=_both(conv_count),
        dense=_both(dense_count),
        flat=_both(flat),
        valid_f=_both(lambda v: shape(v, "valid", "F")),
        same_f=_both(lambda v: shape(v, "same", "F")),
        valid_c=_both(lambda v: shape(v, "valid", "C")),
        dense_shape=_both(lambda v: n.Paren(v("N"))),
    )


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _shape_step(
    lhs: n.Node,
    part: str,
    formula: tuple[n.Node, n.Node] | None,
    numbers: dict[str, Any],
    out: tuple[int, ...],
    note: str = "",
) -> Step:
    terms: list[Term] = []
    if formula is not None:
        terms.append(sym(formula[0]))
    if formula is not None and numbers:
        terms.append(sub(formula[1], numbers))
    terms.append(Term("words", value=_shape_text(out)))
    return Step(lhs, tuple(terms), part, note=note, result=np.array(out, dtype=float))


def _count_step(
    lhs: n.Node,
    part: str,
    formula: tuple[n.Node, n.Node],
    numbers: dict[str, Any],
    value: int,
    note: str = "",
) -> Step:
    return Step(lhs, (sym(formula[0]), sub(formula[1], numbers), val(value)), part, note=note)


def cnn_param_count_solution(problem: Problem, rounding: int | None) -> Solution:
    derive_counts()
    f = _formulas()
    p = problem.params
    shape: tuple[int, ...] = tuple(p["input"])
    steps: list[Step] = []
    counts: list[int] = []
    for i, text in enumerate(p["layers"], start=1):
        layer = parse_layer(text)
        out = output_shape(layer, shape)
        params_lhs, shape_lhs = _layer_symbol("P", i), _layer_symbol("shape", i)
        where = f"layer {i}: {text}"
        if layer.kind == "conv":
            (kh, kw), (s, _) = layer.window, layer.stride
            h, w, c = shape
            nums = {"kh": kh, "kw": kw, "c_in": c, "F": layer.size, "H": h, "W": w, "s": s}
            count = (kh * kw * c + 1) * layer.size
            steps.append(_count_step(params_lhs, f"params{i}", f.conv, nums, count, where))
            formula = f.same_f if layer.padding == "same" else f.valid_f
            steps.append(_shape_step(shape_lhs, f"shape{i}", formula, nums, out))
        elif layer.kind in POOLS:
            count = 0
            steps.append(
                Step(
                    params_lhs, (val(0),), f"params{i}", note=f"{where}: pooling learns no weights"
                )
            )
            (ph, pw), (s, _) = layer.window, layer.stride
            h, w, c = shape
            nums = {"kh": ph, "kw": pw, "H": h, "W": w, "C": c, "s": s}
            steps.append(
                _shape_step(
                    shape_lhs,
                    f"shape{i}",
                    f.valid_c,
                    nums,
                    out,
                    "the P×P window as k_h × k_w; the depth is kept",
                )
            )
        else:
            n_in = math.prod(shape)
            if len(shape) == 3:
                h, w, c = shape
                steps.append(
                    Step(
                        _indexed("n", "in"),
                        (sym(f.flat[0]), sub(f.flat[1], {"H": h, "W": w, "C": c}), val(n_in)),
                        note="the feature map flattened",
                    )
                )
            if layer.kind == "flatten":
                count = 0
                steps.append(Step(params_lhs, (val(0),), f"params{i}", note=f"{where}: no weights"))
                steps.append(_shape_step(shape_lhs, f"shape{i}", None, {}, out))
            else:
                count = (n_in + 1) * layer.size
                nums = {"n_in": n_in, "N": layer.size}
                steps.append(_count_step(params_lhs, f"params{i}", f.dense, nums, count, where))
                steps.append(_shape_step(shape_lhs, f"shape{i}", f.dense_shape, {}, out))
        counts.append(count)
        shape = out
    total = sum(counts)
    symbols = _sum(*(_layer_symbol("P", i) for i in range(1, len(counts) + 1)))
    numbers = _sum(*(n.var(f"c{i}") for i in range(len(counts))))
    steps.append(
        Step(
            n.Sym("P", "P", "<mi>P</mi>"),
            (sym(symbols), sub(numbers, {f"c{i}": c for i, c in enumerate(counts)}), val(total)),
            "total",
            note="every layer's parameters",
        )
    )
    return Solution(problem, tuple(steps))
