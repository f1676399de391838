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


# Cached entry points: the symbolic work runs once per process.
cached_sigmoid_derivative = cache(derive_sigmoid_derivative)
cached_neuron_derivations = cache(neuron_derivations)
