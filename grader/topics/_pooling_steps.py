"""The worked solution of the pooling exercise: the output's size (derived with sympy), the
pooling formula, the first window spelled out, then the whole map."""

from __future__ import annotations

from functools import cache

import numpy as np

from exercises.base import Problem
from exercises.solutions import Solution, Step, Term, sub, sym, val
from exercises.solutions import notation as n
from exercises.solutions.steps import Y_00, Y_IJ

_WINDOW = "I[s·i + m, s·j + n]"
_WINDOW_TEX = r"I[s\,i + m,\ s\,j + n]"
_WINDOW_ML = (
    '<mi>I</mi><mo stretchy="false">[</mo><mi>s</mi><mi>i</mi><mo>+</mo><mi>m</mi><mo>,</mo>'
    '<mi>s</mi><mi>j</mi><mo>+</mo><mi>n</mi><mo stretchy="false">]</mo>'
)
MAX_FORMULA = n.Sym(
    f"max over m, n of {_WINDOW}",
    r"\max_{m,\, n} " + _WINDOW_TEX,
    f"<mrow><munder><mo>max</mo><mrow><mi>m</mi><mo>,</mo><mi>n</mi></mrow></munder>{_WINDOW_ML}"
    "</mrow>",
)
MEAN_FORMULA = n.Sym(
    f"1/k² Σₘ Σₙ {_WINDOW}",
    r"\frac{1}{k^2} \sum_m \sum_n " + _WINDOW_TEX,
    "<mrow><mfrac><mn>1</mn><msup><mi>k</mi><mn>2</mn></msup></mfrac><munder><mo>∑</mo><mi>m</mi>"
    f"</munder><munder><mo>∑</mo><mi>n</mi></munder>{_WINDOW_ML}</mrow>",
)
Y = n.Sym("Y", "Y", "<mi>Y</mi>")


@cache
def output_size_formula() -> n.Node:
    """``⌊(n − k)/s⌋ + 1``, derived with sympy.

    Window i (counted from 0) starts at ``i·s`` and fits while ``i·s + k ≤ n``: the last one
    starts where ``i = (n − k)/s``, rounded down, and counting from 0 adds one. The result is
    checked against the windows counted one by one for every n ≤ 12, k ≤ n and s ≤ 5.
    """
    import sympy as sp

    n_, k_, s_, i = sp.symbols("n k s i", positive=True, integer=True)
    (last,) = sp.solve(sp.Eq(i * s_ + k_, n_), i)  # where the last window may start
    count = sp.floor(last) + 1
    if sp.simplify(count - (sp.floor((n_ - k_) / s_) + 1)) != 0:  # pragma: no cover
        raise AssertionError("the pooling size does not match the course's form")
    for width in range(1, 13):
        for window in range(1, width + 1):
            for step in range(1, 6):
                windows = len(range(0, width - window + 1, step))
                if count.subs({n_: width, k_: window, s_: step}) != windows:  # pragma: no cover
                    raise AssertionError(f"the pooling size is wrong for n={width}")
    return n.Op("+", n.Floor(n.Frac(n.var("n") - n.var("k"), n.var("stride"))), n.const(1))


@cache
def _window_max(k: int) -> n.Node:
    """``max(p₀₀, p₀₁, …)``: the first window's values."""
    items = [n.var(f"p{i}x{j}") for i in range(k) for j in range(k)]
    node: n.Node = items[0]
    for item in items[1:]:
        node = n.Op(",", node, item)
    return n.Call(n.MAX, node)


@cache
def _window_mean(k: int) -> n.Node:
    """``(p₀₀ + p₀₁ + …)/k²``."""
    items = [n.var(f"p{i}x{j}") for i in range(k) for j in range(k)]
    node: n.Node = items[0]
    for item in items[1:]:
        node = n.Op("+", node, item)
    return n.Frac(node, n.const(k * k))


def _exact_mean(window: np.ndarray) -> Term | None:
    """The mean of whole numbers as sympy's exact fraction (``13/4``), where it is not whole."""
    if not np.all(window == np.round(window)):
        return None
    import sympy as sp

    from exercises.solutions.derive import to_node

    mean = sp.Rational(int(window.sum()), window.size)
    return None if mean.is_Integer else sym(to_node(mean))


def pooling_solution(problem: Problem, rounding: int | None) -> Solution:
    p = problem.params
    from grader.topics._pooling_quiz import Pooling

    img = np.asarray(p["image"], dtype=np.float64)
    k, s, mode = p["size"], p["stride"], p["mode"]
    pooled = np.asarray(problem.part("output").answer, dtype=np.float64)
    hand = Pooling().by_hand(problem, rounding) if rounding is not None else None
    places = rounding if hand is not None and rounding is not None else 6
    if hand is not None:
        pooled = np.asarray(hand["output"], dtype=np.float64)
    size = output_size_formula()
    numbers = {"n": len(img), "k": k, "stride": s}
    window = img[:k, :k]
    first = {f"p{i}x{j}": window[i, j] for i in range(k) for j in range(k)}
    if mode == "max":
        formula, spelled, exact = MAX_FORMULA, _window_max(k), None
    else:
        formula, spelled, exact = MEAN_FORMULA, _window_mean(k), _exact_mean(window)
    first_terms = [sub(spelled, first)] + ([exact] if exact is not None else [])
    first_terms.append(val(float(pooled[0, 0]), places))
    steps = (
        Step(
            n.var("size"),
            (sym(size), sub(size, numbers), val(int(problem.part("size").answer))),
            "size",
            note="windows that do not fit whole are dropped",
        ),
        Step(Y_IJ, (sym(formula),), note="m, n = 0, …, k − 1"),
        Step(Y_00, tuple(first_terms), note="the first window, at the top left"),
        Step(Y, (val(pooled, places),), "output", note="every window likewise"),
    )
    return Solution(problem, steps, rounding if hand is not None else None)
