"""Multi-layer perceptron: forward and backward passes in both of the course's notations.

*Augmented* (the course's): ``F(X) = sigma([1, sigma([1, sigma(X W1)] W2)] W3)``. ``X`` is given
as printed, with any leading column of ones, and layer ``l`` prepends a column of ones to its
input when ``augment[l]`` is true, so its weight matrix has one more row than it has inputs.

*Separate biases*: ``h_l = sigma(h_{l-1} W_l + b_l)``, ``W_l`` of shape ``(n_{l-1}, n_l)``.
This is the augmented form with ``[b_l; W_l]`` stacked and every layer augmented.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reference._validate import as_finite_float, as_float_array
from reference.activations import activation_derivative, apply_activation, check_activation

Array = NDArray[np.float64]


@dataclass(frozen=True)
class MLPTrace:
    """Every layer of one forward pass, batch-shaped ``(N, ·)``.

    ``inputs[l]`` is what layer ``l`` multiplies by ``W_l`` (with its column of ones when
    augmented), ``pre[l] = inputs[l] @ W_l`` and ``outputs[l] = sigma_l(pre[l])``.
    """

    inputs: tuple[Array, ...]
    pre: tuple[Array, ...]
    outputs: tuple[Array, ...]
    activations: tuple[str, ...]
    single: bool  # the input was one sample of shape (n_0,)

    @property
    def output(self) -> Array:
        out = self.outputs[-1]
        return out[0] if self.single else out


def _activations(func: str, activation: Any, n_layers: int) -> tuple[str, ...]:
    if isinstance(activation, str):
        names = [activation] * n_layers
    else:
        names = list(activation)
        if len(names) != n_layers:
            raise ValueError(
                f"{func}: activation lists {len(names)} layers but there are {n_layers} weights"
            )
    return tuple(check_activation(func, n) for n in names)


def _weights(func: str, weights: Sequence[Any]) -> list[Array]:
    if isinstance(weights, np.ndarray) and weights.ndim == 2:
        raise ValueError(f"{func}: weights must be a list of matrices, got one matrix")
    ws = [as_float_array(func, f"weights[{i}]", w) for i, w in enumerate(weights)]
    if not ws:
        raise ValueError(f"{func}: weights must hold at least one matrix")
    for i, w in enumerate(ws):
        if w.ndim != 2:
            raise ValueError(f"{func}: weights[{i}] must be 2-D, got ndim={w.ndim}")
    return ws


def _with_ones(h: Array) -> Array:
    return np.hstack([np.ones((h.shape[0], 1)), h])


def mlp_trace(
    X: Any,
    weights: Sequence[Any],
    augment: Sequence[bool] | bool = False,
    activation: str | Sequence[str] = "sigmoid",
    beta: float = 1.0,
) -> MLPTrace:
    """Forward pass in the augmented notation, keeping every layer.

    Parameters
    ----------
    X : ndarray of shape (N, n_0) or (n_0,), exactly as printed (with any leading ones).
    weights : list of ndarray, ``weights[l]`` of shape (n_{l-1} + augment[l], n_l).
    augment : one bool for all layers, or one per layer.
    activation : one name for all layers, or one per layer.
    beta : float, the sigmoid's slope.
    """
    f = "mlp_forward"
    ws = _weights(f, weights)
    acts = _activations(f, activation, len(ws))
    aug = [bool(augment)] * len(ws) if isinstance(augment, bool) else [bool(a) for a in augment]
    if len(aug) != len(ws):
        raise ValueError(f"{f}: augment lists {len(aug)} layers but there are {len(ws)} weights")
    beta = as_finite_float(f, "beta", beta)
    h = as_float_array(f, "X", X)
    single = h.ndim == 1
    if single:
        h = h[None, :]
    if h.ndim != 2:
        raise ValueError(f"{f}: X must be 1-D or 2-D, got ndim={h.ndim}")
    inputs, pre, outputs = [], [], []
    for layer, (w, a, name) in enumerate(zip(ws, aug, acts, strict=True)):
        inp = _with_ones(h) if a else h
        if inp.shape[1] != w.shape[0]:
            extra = " after prepending ones" if a else ""
            raise ValueError(
                f"{f}: layer {layer + 1} input has {inp.shape[1]} columns{extra} but "
                f"weights[{layer}] has {w.shape[0]} rows"
            )
        z = inp @ w
        h = apply_activation(name, z, beta)
        inputs.append(inp)
        pre.append(z)
        outputs.append(h)
    return MLPTrace(tuple(inputs), tuple(pre), tuple(outputs), acts, single)


def mlp_forward_augmented(
    X: Any,
    weights: Sequence[Any],
    augment: Sequence[bool] | bool,
    activation: str | Sequence[str] = "sigmoid",
    beta: float = 1.0,
) -> Array:
    """The network output ``F(X)`` in the course's augmented notation (see :func:`mlp_trace`)."""
    return mlp_trace(X, weights, augment, activation, beta).output


def _stack_biases(func: str, weights: Sequence[Any], biases: Sequence[Any]) -> list[Array]:
    ws = _weights(func, weights)
    if len(biases) != len(ws):
        raise ValueError(f"{func}: got {len(ws)} weight matrices but {len(biases)} bias vectors")
    stacked = []
    for i, (w, b) in enumerate(zip(ws, biases, strict=True)):
        bv = as_float_array(func, f"biases[{i}]", b).reshape(-1)
        if bv.shape[0] != w.shape[1]:
            raise ValueError(
                f"{func}: biases[{i}] has {bv.shape[0]} entries but weights[{i}] has "
                f"{w.shape[1]} columns"
            )
        stacked.append(np.vstack([bv[None, :], w]))
    return stacked


def mlp_forward(
    x: Any,
    weights: Sequence[Any],
    biases: Sequence[Any],
    activation: str | Sequence[str] = "sigmoid",
    beta: float = 1.0,
) -> Array:
    """Output of the last layer, with separate biases.

    Parameters
    ----------
    x : ndarray of shape (n_0,) or (N, n_0).
    weights : list of ndarray, ``weights[l]`` of shape (n_{l-1}, n_l).
    biases : list of ndarray, ``biases[l]`` of shape (n_l,).

    Returns
    -------
    ndarray of shape (n_L,) or (N, n_L).
    """
    stacked = _stack_biases("mlp_forward", weights, biases)
    return mlp_forward_augmented(x, stacked, True, activation, beta)


def predict(
    x: Any,
    weights: Sequence[Any],
    biases: Sequence[Any],
    activation: str | Sequence[str] = "sigmoid",
    beta: float = 1.0,
) -> NDArray[np.int64]:
    """Predicted class, 0-based: the arg-max of the outputs over the last axis."""
    return np.argmax(mlp_forward(x, weights, biases, activation, beta), axis=-1)


def mlp_gradients_augmented(
    X: Any,
    Y: Any,
    weights: Sequence[Any],
    augment: Sequence[bool] | bool,
    activation: str | Sequence[str] = "sigmoid",
    beta: float = 1.0,
) -> list[Array]:
    """Gradients of ``0.5 * sum((Y - F(X))**2)`` with respect to each augmented weight matrix.

    Returns a list of arrays shaped like ``weights``.
    """
    trace = mlp_trace(X, weights, augment, activation, beta)
    ws = _weights("mlp_gradients", weights)
    out = trace.outputs[-1]
    ya = as_float_array("mlp_gradients", "y", Y)
    if ya.size != out.size:
        raise ValueError(f"mlp_gradients: y must have shape {trace.output.shape}, got {ya.shape}")
    ya = ya.reshape(out.shape)
    grads: list[Array] = [np.empty(0)] * len(ws)
    # delta_l = dL/dpre_l; at the output dL/dout = -(y - out).
    delta = -(ya - out) * activation_derivative(trace.activations[-1], trace.pre[-1], beta)
    for layer in range(len(ws) - 1, -1, -1):
        grads[layer] = trace.inputs[layer].T @ delta
        if layer == 0:
            break
        back = delta @ ws[layer].T
        if trace.inputs[layer].shape[1] != trace.outputs[layer - 1].shape[1]:
            back = back[:, 1:]  # the column of ones has no upstream
        delta = back * activation_derivative(
            trace.activations[layer - 1], trace.pre[layer - 1], beta
        )
    return grads


def mlp_gradients(
    x: Any,
    y: Any,
    weights: Sequence[Any],
    biases: Sequence[Any],
    activation: str | Sequence[str] = "sigmoid",
    beta: float = 1.0,
) -> tuple[list[Array], list[Array]]:
    """Gradients of ``0.5 * sum((y - y_hat)**2)`` with separate biases.

    Returns
    -------
    (list of dL/dW_l shaped like ``weights[l]``, list of dL/db_l of shape (n_l,))
    """
    stacked = _stack_biases("mlp_gradients", weights, biases)
    grads = mlp_gradients_augmented(x, y, stacked, True, activation, beta)
    return [g[1:] for g in grads], [g[0] for g in grads]
