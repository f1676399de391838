"""The worked solution of ``conv_multichannel``: the layer's formula, the first output value
spelled out channel by channel (its terms derived with sympy), then every output map."""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace

import numpy as np

from exercises.base import Problem, plural
from exercises.solutions import Solution, Step, sub, sym, val
from exercises.solutions import notation as n
from exercises.solutions.steps import _sum


def part_id(f: int) -> str:
    """The answer part of filter ``f``'s output map: ``output``, then ``output_1``, …"""
    return "output" if f == 0 else f"output_{f}"


def _mi(token: str) -> str:
    return f"<mn>{token}</mn>" if token.isdigit() else f"<mi>{token}</mi>"


@cache
def indexed(base: str, *indices: str) -> n.Sym:
    """``Y[0, i, j]`` in each format, for indices that are single letters or numbers."""
    inner = ", ".join(indices)
    return n.Sym(
        f"{base}[{inner}]",
        f"{base}[{inner}]",
        f"<mrow>{_ml_index(base, *map(_mi, indices))}</mrow>",
    )


def _sums(*names: str) -> tuple[str, str, str]:
    """``Σ_c Σ_m Σ_n`` in each format."""
    return (
        " ".join(f"Σ_{v}" for v in names),
        " ".join(f"\\sum_{v}" for v in names),
        "".join(f"<munder><mo>∑</mo><mi>{v}</mi></munder>" for v in names),
    )


_C_M_N = _sums("c", "m", "n")
_M_N = _sums("m", "n")

_OPEN, _CLOSE = "<mo stretchy='false'>[</mo>", "<mo stretchy='false'>]</mo>"


def _ml_index(base: str, *indices: str) -> str:
    """MathML of ``base[i, j, …]`` whose indices are MathML already."""
    return f"<mi>{base}</mi>{_OPEN}" + "<mo>,</mo>".join(indices) + _CLOSE


_SI_M = "<mi>s</mi><mi>i</mi><mo>+</mo><mi>m</mi>"
_SJ_N = "<mi>s</mi><mi>j</mi><mo>+</mo><mi>n</mi>"
_C, _F, _M, _N, _ZERO = (_mi(v) for v in ("c", "f", "m", "n", "0"))

LAYER = n.Sym(
    f"b[f] + {_C_M_N[0]} X[c, s·i + m, s·j + n] · W[f, c, m, n]",
    f"b[f] + {_C_M_N[1]} X[c,\\ s\\,i + m,\\ s\\,j + n]\\, W[f, c, m, n]",
    f"<mrow>{_ml_index('b', _F)}<mo>+</mo>{_C_M_N[2]}"
    f"{_ml_index('X', _C, _SI_M, _SJ_N)}{_ml_index('W', _F, _C, _M, _N)}</mrow>",
)
FIRST = n.Sym(
    f"b[0] + {_C_M_N[0]} X[c, m, n] · W[0, c, m, n]",
    f"b[0] + {_C_M_N[1]} X[c, m, n]\\, W[0, c, m, n]",
    f"<mrow>{_ml_index('b', _ZERO)}<mo>+</mo>{_C_M_N[2]}"
    f"{_ml_index('X', _C, _M, _N)}{_ml_index('W', _ZERO, _C, _M, _N)}</mrow>",
)


@cache
def channel_sum(c: int) -> n.Sym:
    """``Σ_m Σ_n X[c, m, n] · W[0, c, m, n]`` for one channel ``c``: its share of Y[0, 0, 0]."""
    x, w = indexed("X", str(c), "m", "n"), indexed("W", "0", str(c), "m", "n")
    return n.Sym(
        f"{_M_N[0]} {x.text} · {w.text}",
        f"{_M_N[1]} {x.tex}\\, {w.tex}",
        f"<mrow>{_M_N[2]}{x.mathml}{w.mathml}</mrow>",
    )


@cache
def first_output(channels: int, kh: int, kw: int) -> SimpleNamespace:
    """The first output value ``Y[0, 0, 0]`` of a layer of ``channels`` channels and
    ``kh`` × ``kw`` kernels, as sympy expands the layer's triple sum.

    Returns ``channels[c]``, the products of channel ``c`` (variables ``x_c_m_n`` and
    ``w_c_m_n``, in reading order), and ``total``, ``b`` plus one variable ``s_c`` per
    channel's sum. The grouping by channel is checked to give back sympy's whole sum.
    """
    import sympy as sp

    X, W = sp.IndexedBase("X"), sp.IndexedBase("W")
    c, m, k = sp.symbols("c m n", integer=True)
    bias = sp.Symbol("b")
    whole = (
        bias
        + sp.Sum(
            X[c, m, k] * W[0, c, m, k], (k, 0, kw - 1), (m, 0, kh - 1), (c, 0, channels - 1)
        ).doit()
    )
    groups: dict[int, list[tuple[int, int]]] = {ch: [] for ch in range(channels)}
    for term in sp.Add.make_args(sp.expand(whole - bias)):
        (image,) = (a for a in term.args if isinstance(a, sp.Indexed) and a.base == X)
        ch, row, col = (int(i) for i in image.indices)
        groups[ch].append((row, col))
    regrouped = bias + sum(
        (X[ch, r, q] * W[0, ch, r, q] for ch, cells in groups.items() for r, q in cells),
        sp.Integer(0),
    )
    if sp.expand(whole - regrouped) != 0 or any(len(g) != kh * kw for g in groups.values()):
        raise AssertionError("the channel sums do not make up the layer's sum")  # pragma: no cover
    return SimpleNamespace(
        channels=tuple(
            _sum(
                *(
                    n.product(n.var(f"x_{ch}_{r}_{q}"), n.var(f"w_{ch}_{r}_{q}"))
                    for r, q in sorted(groups[ch])
                )
            )
            for ch in range(channels)
        ),
        total=_sum(n.var("b"), *(n.var(f"s_{ch}") for ch in range(channels))),
    )


def conv_multichannel(problem: Problem, rounding: int | None) -> Solution:
    p = problem.params
    pad = p["padding"]
    x = np.asarray(p["x"], dtype=np.float64)
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    w = np.asarray(p["w"], dtype=np.float64)
    b = np.asarray(p["b"], dtype=np.float64)
    filters, channels, kh, kw = w.shape
    padded = f"; X is x with {plural(pad, 'ring')} of zeros around each channel" if pad else ""
    steps = [
        Step(
            indexed("Y", "f", "i", "j"),
            (sym(LAYER),),
            note=f"the kernels are not flipped; one bias per filter{padded}",
        )
    ]
    terms = first_output(channels, kh, kw)
    numbers: dict[str, float] = {"b": float(b[0])}
    for c in range(channels):
        for r in range(kh):
            for q in range(kw):
                numbers[f"x_{c}_{r}_{q}"] = float(xp[c, r, q])
                numbers[f"w_{c}_{r}_{q}"] = float(w[0, c, r, q])
        share = float(np.sum(xp[c, :kh, :kw] * w[0, c]))
        numbers[f"s_{c}"] = share
        steps.append(
            Step(channel_sum(c), (sub(terms.channels[c], numbers), val(share)), note=f"channel {c}")
        )
    first = problem.part(part_id(0)).answer
    steps.append(
        Step(
            indexed("Y", "0", "0", "0"),
            (sym(FIRST), sub(terms.total, numbers), val(float(np.asarray(first)[0, 0]))),
            note="the channels' sums added, and the bias once",
        )
    )
    for f in range(filters):
        answer = problem.part(part_id(f)).answer
        note = (
            "every position likewise" if f == 0 else f"likewise with filter {f}'s kernels and bias"
        )
        steps.append(Step(indexed("Y", str(f)), (val(answer),), part_id(f), note=note))
    return Solution(problem, tuple(steps))
