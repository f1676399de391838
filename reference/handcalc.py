"""Calculations as a person works them by hand (CURRICULUM §5).

The rule: each value read off a calculator (an activation, a loss, a derivative) is rounded
to ``K`` decimal places before it is used; products and updates are computed exactly from the
rounded factors and shown to ``2K`` places. Rounding is half away from zero in decimal
arithmetic, as on paper: 0.31175 becomes 0.3118 although the binary float 0.31175 is just below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reference._validate import as_count, as_finite_float
from reference.activations import apply_activation
from reference.mlp import MLPTrace, mlp_trace
from reference.neuron import NeuronChain


def to_decimal(value: Any) -> Decimal:
    """The decimal a person reads in ``value``: its shortest repr, not its binary expansion."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(float(value)))


_WIDE = Context(prec=80)  # room for a large value at many places: quantize never overflows


def round_decimal(value: Any, decimals: int) -> Decimal:
    """Round half away from zero to ``decimals`` places, in decimal arithmetic."""
    return to_decimal(value).quantize(
        Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=_WIDE
    )


def round_half_up(value: Any, decimals: int) -> float:
    """``value`` rounded half away from zero to ``decimals`` places, as a float."""
    return float(round_decimal(value, as_count("round_half_up", "decimals", decimals)))


def neuron_chain_by_hand(
    x: float, y: float, w: float, b: float, lr: float, beta: float = 1.0, decimals: int = 2
) -> NeuronChain:
    """:func:`reference.neuron_chain` worked by hand, read-offs rounded to ``decimals`` places.

    With the notes' numbers (x=0.5, y=1.5, w=0.3, b=0.1, lr=0.1, 2 places) this gives
    y_hat 0.56, L 0.44, dL/dy_hat -0.94, dy_hat/dz 0.25, dL/dw -0.1175, dL/db -0.235,
    w_new 0.3118, b_new 0.1235.
    """
    f = "neuron_chain_by_hand"
    k = as_count(f, "decimals", decimals)
    x_, y_, w_, b_, lr_, beta_ = (
        to_decimal(as_finite_float(f, n, v))
        for n, v in (("x", x), ("y", y), ("w", w), ("b", b), ("lr", lr), ("beta", beta))
    )
    z = w_ * x_ + b_
    y_hat = round_decimal(float(apply_activation("sigmoid", float(z), float(beta_))), k)
    loss = round_decimal(Decimal("0.5") * (y_ - y_hat) ** 2, k)
    dL_dyhat = round_decimal(-(y_ - y_hat), k)
    dyhat_dz = round_decimal(beta_ * y_hat * (1 - y_hat), k)
    dL_dw = round_decimal(dL_dyhat * dyhat_dz * x_, 2 * k)
    dL_db = round_decimal(dL_dyhat * dyhat_dz, 2 * k)
    w_new = round_decimal(w_ - lr_ * dL_dw, 2 * k)
    b_new = round_decimal(b_ - lr_ * dL_db, 2 * k)
    return NeuronChain(
        *(float(v) for v in (z, y_hat, loss, dL_dyhat, dyhat_dz, dL_dw, dL_db, w_new, b_new))
    )


def mlp_forward_by_hand(
    X: Any,
    weights: Sequence[Any],
    augment: Sequence[bool] | bool,
    activation: str | Sequence[str] = "sigmoid",
    beta: float = 1.0,
    decimals: int = 2,
) -> MLPTrace:
    """The augmented forward pass with each layer's outputs rounded to ``decimals`` places.

    Each pre-activation is summed exactly from the given weights and the (rounded) inputs;
    each layer's outputs are read off and rounded before the next layer uses them.
    """
    k = as_count("mlp_forward_by_hand", "decimals", decimals)
    exact = mlp_trace(X, weights, augment, activation, beta)  # validates every argument
    weights_d = [[[to_decimal(v) for v in row] for row in np.asarray(w)] for w in weights]
    beta_f = float(beta)
    inputs, pre, outputs = [], [], []
    h = [[to_decimal(v) for v in row] for row in exact.inputs[0]]
    n_rows = len(h)
    for layer, w in enumerate(weights_d):
        if layer > 0:
            ones = exact.inputs[layer].shape[1] != exact.outputs[layer - 1].shape[1]
            h = [([Decimal(1)] if ones else []) + row for row in h]
        z = [
            [sum((h[i][r] * w[r][c] for r in range(len(w))), Decimal(0)) for c in range(len(w[0]))]
            for i in range(n_rows)
        ]
        name = exact.activations[layer]
        if name == "sigmoid":
            out = [
                [round_decimal(float(apply_activation(name, float(v), beta_f)), k) for v in row]
                for row in z
            ]
        elif name == "relu":
            out = [[round_decimal(max(Decimal(0), v), k) for v in row] for row in z]
        else:
            out = [[round_decimal(v, k) for v in row] for row in z]
        inputs.append(np.array(h, dtype=np.float64))
        pre.append(np.array(z, dtype=np.float64))
        outputs.append(np.array(out, dtype=np.float64))
        h = out
    return MLPTrace(tuple(inputs), tuple(pre), tuple(outputs), exact.activations, exact.single)


@dataclass(frozen=True)
class MLPBackpropByHand:
    """A backward pass worked by hand: the forward pass, each layer's activation derivative
    σ'(Z), δ and ∂L/∂W (first layer first)."""

    forward: MLPTrace
    derivatives: tuple[NDArray[np.float64], ...]
    deltas: tuple[NDArray[np.float64], ...]
    grads: tuple[NDArray[np.float64], ...]


def mlp_backprop_by_hand(
    X: Any,
    Y: Any,
    weights: Sequence[Any],
    augment: Sequence[bool] | bool,
    activation: str | Sequence[str] = "sigmoid",
    beta: float = 1.0,
    decimals: int = 2,
) -> MLPBackpropByHand:
    """The gradients of ``½ Σ (Y − F(X))²`` worked by hand, as the neuron chain is.

    The forward pass is :func:`mlp_forward_by_hand`. Each activation derivative is read off
    from the rounded outputs (``β H (1 − H)`` for the sigmoid) and rounded to ``decimals``
    places; each δ, each ``δ Wᵀ`` carried back and each ``∂L/∂W = Aᵀ δ`` is a product of
    rounded values, rounded to twice as many.
    """
    k = as_count("mlp_backprop_by_hand", "decimals", decimals)
    fwd = mlp_forward_by_hand(X, weights, augment, activation, beta, k)
    beta_d = to_decimal(beta)
    out = fwd.outputs[-1]
    y = np.asarray(Y, dtype=np.float64)
    if y.size != out.size:
        raise ValueError(f"mlp_backprop_by_hand: Y must have shape {out.shape}, got {y.shape}")
    ws = [_decimals(np.asarray(w, dtype=np.float64)) for w in weights]

    def derivative(layer: int) -> list[list[Decimal]]:
        name = fwd.activations[layer]
        if name == "sigmoid":
            h = _decimals(fwd.outputs[layer])
            return [[round_decimal(beta_d * v * (1 - v), k) for v in row] for row in h]
        if name == "relu":
            return [[Decimal(1 if v > 0 else 0) for v in row] for row in fwd.pre[layer]]
        return [[Decimal(1)] * fwd.pre[layer].shape[1] for _ in fwd.pre[layer]]

    def times(a: list[list[Decimal]], b: list[list[Decimal]]) -> list[list[Decimal]]:
        return [
            [round_decimal(u * v, 2 * k) for u, v in zip(r, s, strict=True)]
            for r, s in zip(a, b, strict=True)
        ]

    def matmul(a: list[list[Decimal]], b: list[list[Decimal]]) -> list[list[Decimal]]:
        return [
            [
                round_decimal(sum((a[i][r] * b[r][j] for r in range(len(b))), Decimal(0)), 2 * k)
                for j in range(len(b[0]))
            ]
            for i in range(len(a))
        ]

    def transpose(a: list[list[Decimal]]) -> list[list[Decimal]]:
        return [list(col) for col in zip(*a, strict=True)]

    h_last, y_d = _decimals(out), _decimals(y.reshape(out.shape))
    error = [  # dL/dH, exact
        [-(t - v) for t, v in zip(r, s, strict=True)] for r, s in zip(y_d, h_last, strict=True)
    ]
    derivatives = [derivative(layer) for layer in range(len(ws))]
    delta = times(error, derivatives[-1])
    deltas: list[list[list[Decimal]]] = [delta]
    grads: list[list[list[Decimal]]] = []
    for layer in range(len(ws) - 1, -1, -1):
        grads.insert(0, matmul(transpose(_decimals(fwd.inputs[layer])), delta))
        if layer == 0:
            break
        back = matmul(delta, transpose(ws[layer]))
        if fwd.inputs[layer].shape[1] != fwd.outputs[layer - 1].shape[1]:
            back = [row[1:] for row in back]  # the column of ones has no upstream
        delta = times(back, derivatives[layer - 1])
        deltas.insert(0, delta)
    as_array = lambda m: np.array(m, dtype=np.float64)  # noqa: E731
    return MLPBackpropByHand(
        fwd,
        tuple(as_array(d) for d in derivatives),
        tuple(as_array(d) for d in deltas),
        tuple(as_array(g) for g in grads),
    )


def _decimals(matrix: NDArray[np.float64]) -> list[list[Decimal]]:
    return [[to_decimal(v) for v in row] for row in np.atleast_2d(matrix)]
