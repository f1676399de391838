"""Symbolic derivations with sympy, done once per process and cached.

Each derivation differentiates the course's definitions (the loss, the sigmoid, the neuron's
pre-activation), checks that the result equals the form the course writes (e.g.
``∂ŷ/∂z = β σ(z)(1 − σ(z))``), and returns the derived expression as display nodes. sympy is
imported here only: code that never renders a solution never pays for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from exercises.solutions import notation as n


@dataclass(frozen=True)
class Derivation:
    """A derivative as sympy gives it, and the course's form it was checked to equal."""

    derived: n.Node
    course: n.Node


def to_node(expr: Any) -> n.Node:
    """Display nodes for a sympy expression built from symbols, numbers, +, ·, powers, exp."""
    import sympy as sp

    if expr.is_Symbol:
        return n.Var(str(expr))
    if expr.is_Integer:
        return n.const(int(expr)) if expr >= 0 else n.Neg(n.const(-int(expr)))
    if expr.is_Rational:
        frac = n.Frac(n.const(abs(int(expr.p))), n.const(int(expr.q)))
        return frac if expr > 0 else n.Neg(frac)
    if isinstance(expr, sp.exp):
        return n.exp(to_node(expr.args[0]))
    if expr.is_Add:
        terms = list(expr.as_ordered_terms())
        node = to_node(terms[0])
        for t in terms[1:]:
            if t.could_extract_minus_sign():
                node = n.Op("−", node, _factor(-t))
            else:
                node = n.Op("+", node, _factor(t))
        return node
    if expr.is_Mul:
        if expr.could_extract_minus_sign():
            return n.Neg(_factor(-expr))
        factors = expr.as_ordered_factors()
        below = [f.base ** (-f.exp) for f in factors if f.is_Pow and f.exp.is_negative]
        above = [f for f in factors if not (f.is_Pow and f.exp.is_negative)]
        if below:
            return n.Frac(to_node(sp.Mul(*above)), to_node(sp.Mul(*below)))
        return n.Juxt(tuple(_factor(f) for f in above))
    if expr.is_Pow:
        base, exponent = expr.args
        if exponent.is_negative:
            return n.Frac(n.const(1), to_node(base**-exponent))
        return n.Pow(_factor(base), to_node(exponent))
    raise ValueError(f"cannot display {expr!r}")  # pragma: no cover - only our own inputs


def _factor(expr: Any) -> n.Node:
    node = to_node(expr)
    return n.Paren(node) if expr.is_Add else node


def _symbols(*names: str) -> Any:
    import sympy as sp

    return sp.symbols(names, real=True)


def _check(derived: Any, course: Any, what: str) -> None:
    import sympy as sp

    if sp.simplify(derived - course) != 0:  # pragma: no cover - a broken derivation
        raise AssertionError(f"derivation of {what} does not match the course's form")


def sigmoid_course(arg: n.Node) -> n.Node:
    return n.Call(n.SIGMA, arg)


def derive_sigmoid_derivative() -> Derivation:
    """``d/da 1/(1 + e^(−βa)) = β e^(−βa)/(1 + e^(−βa))² = β σ(a)(1 − σ(a))``."""
    import sympy as sp

    a, beta = _symbols("a", "beta")
    s = 1 / (1 + sp.exp(-beta * a))
    derived = sp.diff(s, a)
    _check(derived, beta * s * (1 - s), "the sigmoid's derivative")
    sig = sigmoid_course(n.Var("a"))
    course = n.Juxt((n.Var("beta"), sig, n.Paren(n.Op("−", n.const(1), sig))))
    return Derivation(to_node(derived), course)


def derive_loss_gradient() -> Derivation:
    """``∂/∂ŷ ½(y − ŷ)² = −(y − ŷ)``."""
    import sympy as sp

    y, y_hat = _symbols("y", "y_hat")
    derived = sp.diff(sp.Rational(1, 2) * (y - y_hat) ** 2, y_hat)
    _check(derived, -(y - y_hat), "dL/dy_hat")
    return Derivation(to_node(derived), n.Neg(n.Paren(n.Var("y") - n.Var("y_hat"))))


def derive_activation_gradient(beta_shown: bool) -> Derivation:
    """``∂ŷ/∂z`` for ``ŷ = σ(z)``: ``β σ(z)(1 − σ(z))``."""
    import sympy as sp

    z, beta = _symbols("z", "beta")
    s = 1 / (1 + sp.exp(-beta * z))
    derived = sp.diff(s, z)
    _check(derived, beta * s * (1 - s), "dy_hat/dz")
    if not beta_shown:
        derived = derived.subs(beta, 1)
    sig = sigmoid_course(n.Var("z"))
    factors: tuple[n.Node, ...] = (sig, n.Paren(n.Op("−", n.const(1), sig)))
    if beta_shown:
        factors = (n.Var("beta"), *factors)
    return Derivation(to_node(derived), n.Juxt(factors))


def derive_pre_activation() -> tuple[Derivation, Derivation]:
    """``∂z/∂w = x`` and ``∂z/∂b = 1`` for ``z = w·x + b``."""
    import sympy as sp

    w, x, b = _symbols("w", "x", "b")
    z = w * x + b
    dw, db = sp.diff(z, w), sp.diff(z, b)
    _check(dw, x, "dz/dw")
    _check(db, sp.Integer(1), "dz/db")
    return Derivation(to_node(dw), n.Var("x")), Derivation(to_node(db), n.const(1))


@dataclass(frozen=True)
class NeuronDerivations:
    loss: Derivation
    activation: Derivation
    dz_dw: Derivation
    dz_db: Derivation


def neuron_derivations(beta_shown: bool) -> NeuronDerivations:
    dw, db = derive_pre_activation()
    return NeuronDerivations(derive_loss_gradient(), derive_activation_gradient(beta_shown), dw, db)


# --- a network's backward pass ------------------------------------------------------------

ODOT = "⊙"
TRANSPOSE = n.Sym("T", "T", "<mi>T</mi>")


@dataclass(frozen=True)
class BackpropFormulas:
    """One backward pass of a network in the course's matrix notation (layer 1 first).

    ``output_delta`` is ``δ_L = ∂L/∂Z_L = −(Y − H_L) ⊙ σ'(Z_L)``; ``grads[k]`` is
    ``∂L/∂W_k = A_kᵀ δ_k``; ``backs[k]`` (None for layer 1) is
    ``δ_{k−1} = (δ_k W_kᵀ) ⊙ σ'(Z_{k−1})``, where the product loses its first column when layer
    k prepends ones. Each was checked, entry by entry, against sympy's partial derivatives of
    ``L = ½ Σ (Y − F(X))²`` (``checked``: how many, see :func:`derive_mlp_backprop`).
    """

    output_delta: n.Node
    grads: tuple[n.Node, ...]
    backs: tuple[n.Node | None, ...]
    checked: int


def _layer_input(k: int, augmented: bool) -> str:
    """Layer ``k``'s input: ``A_k`` when it prepends ones, else X or ``H_{k-1}``."""
    if augmented:
        return f"A{k}"
    return "X" if k == 1 else f"H{k - 1}"


def _prime(arg: str) -> n.Node:
    return n.Call(n.PRIME_SIGMA, n.Var(arg))


@cache
def _generic_activation() -> tuple[Any, Any]:
    """sympy functions ``σ`` and ``σ'`` with ``d/dz σ(z) = σ'(z)``: the chain rule for any
    activation, so the check is exact algebra (defined once, like sympy's own functions)."""
    import sympy as sp

    class sigma_prime(sp.Function):  # noqa: N801 - sympy prints the class name
        pass

    class sigma(sp.Function):  # noqa: N801
        def fdiff(self, argindex: int = 1) -> Any:
            return sigma_prime(self.args[0])

    return sigma, sigma_prime


def check_backprop(augment: tuple[bool, ...]) -> int:
    """Differentiate ``L = ½ Σ (Y − F(X))²`` with sympy for a network whose layers prepend ones
    as ``augment`` says, and check that every weight's derivative is the entry of the course's
    matrix formula; returns how many were checked. Shapes: 2 samples, 2 inputs, hidden layers
    of 3, 1 output (no two dimensions alike where a transposed formula could still multiply).
    """
    import sympy as sp

    sigma, sigma_prime = _generic_activation()
    n_layers = len(augment)
    widths = [2] + [3] * (n_layers - 1) + [1]
    batch = 2

    def matrix(name: str, rows: int, cols: int) -> Any:
        return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i}_{j}", real=True))

    ones = sp.ones(batch, 1)
    h = matrix("x", batch, widths[0])
    weights, inputs, pre = [], [], []
    for k in range(n_layers):
        a = ones.row_join(h) if augment[k] else h
        w = matrix(f"w{k + 1}", a.cols, widths[k + 1])
        z = a * w
        h = z.applyfunc(sigma)
        weights.append(w)
        inputs.append(a)
        pre.append(z)
    y = matrix("y", batch, widths[-1])
    loss = sp.Rational(1, 2) * sum((y - h).applyfunc(lambda e: e**2))

    # the course's formulas, as sympy matrices
    delta = (-(y - h)).multiply_elementwise(pre[-1].applyfunc(sigma_prime))
    course_grads: list[Any] = [None] * n_layers
    for k in range(n_layers - 1, -1, -1):
        course_grads[k] = inputs[k].T * delta
        if k:
            back = delta * weights[k].T
            if augment[k]:
                back = back[:, 1:]
            delta = back.multiply_elementwise(pre[k - 1].applyfunc(sigma_prime))

    checked = 0
    for k, w in enumerate(weights):
        for i in range(w.rows):
            for j in range(w.cols):
                derived = sp.diff(loss, w[i, j])
                if sp.expand(derived - course_grads[k][i, j]) != 0:
                    raise AssertionError(f"dL/dW{k + 1}[{i}, {j}] is not the course's formula")
                checked += 1
    return checked


def derive_mlp_backprop(augment: tuple[bool, ...]) -> BackpropFormulas:
    """The formulas of a backward pass through a network whose layers prepend ones as
    ``augment`` says, each checked with sympy (:func:`check_backprop`).

    Every formula involves one layer and the next, so a deep network is checked two layers at a
    time (each pair as a network of its own): the same formulas, without sympy's cost growing
    with the depth.
    """
    n_layers = len(augment)
    windows = [augment[k : k + 2] for k in range(max(n_layers - 1, 1))]
    checked = sum(check_backprop(w) for w in windows)
    last = n_layers
    output_delta = n.Op(ODOT, n.Neg(n.Paren(n.Var("Y") - n.Var(f"H{last}"))), _prime(f"Z{last}"))
    grads = tuple(
        n.Juxt((n.Pow(n.Var(_layer_input(k, augment[k - 1])), TRANSPOSE), n.Var(f"delta{k}")))
        for k in range(1, last + 1)
    )
    backs = tuple(
        None
        if k == 1
        else n.Op(
            ODOT,
            n.Paren(n.Juxt((n.Var(f"delta{k}"), n.Pow(n.Var(f"W{k}"), TRANSPOSE)))),
            _prime(f"Z{k - 1}"),
        )
        for k in range(1, last + 1)
    )
    return BackpropFormulas(output_delta, grads, backs, checked)


# Cached entry points: the symbolic work runs once per process.
cached_sigmoid_derivative = cache(derive_sigmoid_derivative)
cached_neuron_derivations = cache(neuron_derivations)
cached_mlp_backprop = cache(derive_mlp_backprop)
