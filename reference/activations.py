"""Activation functions and their derivatives, each beside the other.

Every function is elementwise: it takes a scalar or an array-like of any shape and
returns a float64 ndarray of the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reference._validate import as_finite_float, as_float_array

Array = NDArray[np.float64]


def sigmoid(a: Any, beta: float = 1.0) -> Array:
    """Logistic sigmoid with slope ``beta``: ``1 / (1 + exp(-beta * a))``.

    Parameters
    ----------
    a : array_like of any shape
    beta : float, the slope.

    Returns
    -------
    ndarray of the shape of ``a``, values in [0, 1]; finite, without overflow, for any
    finite ``beta * a``.
    """
    t = as_finite_float("sigmoid", "beta", beta) * as_float_array("sigmoid", "a", a)
    # exp(-|t|) never overflows; the two branches are the same function.
    e = np.exp(-np.abs(t))
    return np.where(t >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(a: Any, beta: float = 1.0) -> Array:
    """``d/da sigmoid(a, beta) = beta * s * (1 - s)`` with ``s = sigmoid(a, beta)``."""
    s = sigmoid(a, beta)
    return float(beta) * s * (1.0 - s)


def relu(a: Any, beta: float = 1.0) -> Array:
    """Rectified linear unit ``max(0, a)``; ``beta`` is accepted and ignored."""
    return np.maximum(0.0, as_float_array("relu", "a", a))


def relu_derivative(a: Any, beta: float = 1.0) -> Array:
    """1 where ``a > 0``, else 0: the subgradient 0 is used at exactly 0."""
    return (as_float_array("relu_derivative", "a", a) > 0).astype(np.float64)


def linear(a: Any, beta: float = 1.0) -> Array:
    """Identity, for regression output units; ``beta`` is accepted and ignored."""
    return as_float_array("linear", "a", a).copy()


def linear_derivative(a: Any, beta: float = 1.0) -> Array:
    """Derivative of the identity: ones shaped like ``a``."""
    return np.ones_like(as_float_array("linear_derivative", "a", a))


ActivationFn = Callable[..., Array]

ACTIVATIONS: dict[str, ActivationFn] = {"sigmoid": sigmoid, "relu": relu, "linear": linear}
DERIVATIVES: dict[str, ActivationFn] = {
    "sigmoid": sigmoid_derivative,
    "relu": relu_derivative,
    "linear": linear_derivative,
}


def _lookup(func: str, table: dict[str, ActivationFn], name: Any) -> ActivationFn:
    if not isinstance(name, str) or name not in table:
        raise ValueError(f"{func}: activation must be one of {sorted(table)}, got {name!r}")
    return table[name]


def apply_activation(name: str, a: Any, beta: float = 1.0) -> Array:
    """Apply the activation called ``name`` ("sigmoid", "relu" or "linear")."""
    return _lookup("apply_activation", ACTIVATIONS, name)(a, beta)


def activation_derivative(name: str, a: Any, beta: float = 1.0) -> Array:
    """Derivative of the activation called ``name`` at the pre-activation ``a``."""
    return _lookup("activation_derivative", DERIVATIVES, name)(a, beta)


def check_activation(func: str, name: Any) -> str:
    """Return ``name`` if it is a known activation, else raise a ValueError naming ``func``."""
    _lookup(func, ACTIVATIONS, name)
    return str(name)
