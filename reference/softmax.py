"""Softmax of logits, the cross-entropy of a class index, and its gradient.

``p = softmax(z)`` with ``p_i = e^{z_i} / Σ_j e^{z_j}``; ``L = −ln p_y`` for the class index
``y`` (0-based); ``∂L/∂z_i = p_i − [i = y]``. Each forward sits beside its derivative; the
hand-worked chain follows CURRICULUM §5's rule (values read off a calculator rounded to K
places before they are used).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reference._validate import as_count, as_float_array
from reference.handcalc import round_decimal

Array = NDArray[np.float64]


def softmax(z: Any) -> Array:
    """Probabilities ``e^{z_i} / Σ_j e^{z_j}`` along the last axis, stable for large logits.

    Parameters
    ----------
    z : array_like of shape (C,) (one sample's logits) or (N, C) (one row per sample).

    Returns
    -------
    ndarray shaped like ``z``, each row non-negative and summing to 1. The row's maximum is
    subtracted first: softmax is unchanged by a shift, and ``e^{z − max}`` never overflows.
    """
    arr = _logits("softmax", z)
    shifted = np.exp(arr - arr.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def log_softmax(z: Any) -> Array:
    """``ln softmax(z)`` along the last axis, computed as ``z − max − ln Σ e^{z − max}``."""
    arr = _logits("log_softmax", z)
    shifted = arr - arr.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _logits(func: str, z: Any) -> Array:
    arr = as_float_array(func, "z", z)
    if arr.ndim not in (1, 2) or arr.shape[-1] == 0 or arr.size == 0:
        raise ValueError(f"{func}: z must have shape (C,) or (N, C) with C >= 1, got {arr.shape}")
    return arr


def _labels(func: str, y: Any, rows: int | None, classes: int) -> NDArray[np.int64]:
    """Class indexes as ints in ``[0, classes)``: one (``rows`` None) or one per row."""
    if rows is None:
        if np.ndim(y) != 0:
            raise ValueError(f"{func}: y must be one class index for one sample, got {y!r}")
        labels = [as_count(func, "y", _item(y))]
    else:
        if np.ndim(y) != 1 or np.shape(y)[0] != rows:
            raise ValueError(f"{func}: y must hold {rows} class indexes (one per row), got {y!r}")
        labels = [as_count(func, f"y[{i}]", _item(v)) for i, v in enumerate(np.asarray(y))]
    for label in labels:
        if label >= classes:
            raise ValueError(f"{func}: class index {label} is out of range for {classes} classes")
    return np.asarray(labels, dtype=np.int64)


def _item(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic | np.ndarray) else v


def one_hot(y: Any, classes: int) -> Array:
    """``[i = y]``: a row of zeros with a 1 at the class index (one row per label of a batch)."""
    c = as_count("one_hot", "classes", classes, 1)
    labels = _labels("one_hot", y, None if np.ndim(y) == 0 else int(np.shape(y)[0]), c)
    out = np.zeros((labels.size, c))
    out[np.arange(labels.size), labels] = 1.0
    return out[0] if np.ndim(y) == 0 else out


def cross_entropy(p: Any, y: Any) -> float:
    """``−ln p_y`` for one sample; the mean of ``−ln p[n, y_n]`` over a batch.

    Parameters
    ----------
    p : array_like of shape (C,) or (N, C): probabilities (non-negative).
    y : int (for one sample) or array_like of N ints: 0-based class indexes.

    Returns
    -------
    float (``inf`` where the true class has probability 0).
    """
    f = "cross_entropy"
    probs = as_float_array(f, "p", p)
    if probs.ndim not in (1, 2) or probs.shape[-1] == 0 or probs.size == 0:
        raise ValueError(f"{f}: p must have shape (C,) or (N, C) with C >= 1, got {probs.shape}")
    if (probs < 0).any():
        raise ValueError(f"{f}: p must hold probabilities (>= 0), got {p!r}")
    rows = None if probs.ndim == 1 else probs.shape[0]
    labels = _labels(f, y, rows, probs.shape[-1])
    picked = probs.reshape(-1, probs.shape[-1])[np.arange(labels.size), labels]
    with np.errstate(divide="ignore"):
        return float(np.mean(-np.log(picked)))


def softmax_cross_entropy(z: Any, y: Any) -> float:
    """``cross_entropy(softmax(z), y)`` from the logits, computed with :func:`log_softmax`."""
    logp = log_softmax(z)
    rows = None if logp.ndim == 1 else logp.shape[0]
    labels = _labels("softmax_cross_entropy", y, rows, logp.shape[-1])
    return float(-np.mean(logp.reshape(-1, logp.shape[-1])[np.arange(labels.size), labels]))


def softmax_cross_entropy_gradient(z: Any, y: Any) -> Array:
    """``∂L/∂z = p − onehot(y)`` for one sample; over a batch, divided by N (the loss is the
    mean)."""
    p = softmax(z)
    rows = None if p.ndim == 1 else p.shape[0]
    labels = _labels("softmax_cross_entropy_gradient", y, rows, p.shape[-1])
    grad = p.reshape(-1, p.shape[-1]).copy()
    grad[np.arange(labels.size), labels] -= 1.0
    return grad[0] if rows is None else grad / rows


@dataclass(frozen=True)
class SoftmaxChain:
    """Every value of one softmax cross-entropy: ``exps`` e^{z_i}, their ``total``, ``p``,
    ``loss`` and ``dL_dz`` (vectors as 1-D arrays)."""

    exps: Array
    total: float
    p: Array
    loss: float
    dL_dz: Array


def softmax_chain(z: Any, y: Any) -> SoftmaxChain:
    """The softmax cross-entropy of one sample's logits ``z`` (shape (C,)) and class ``y``."""
    arr = _logits("softmax_chain", z)
    if arr.ndim != 1:
        raise ValueError(f"softmax_chain: z must have shape (C,), got {arr.shape}")
    _labels("softmax_chain", y, None, arr.size)
    exps = np.exp(arr)
    return SoftmaxChain(
        exps,
        float(exps.sum()),
        softmax(arr),
        softmax_cross_entropy(arr, y),
        softmax_cross_entropy_gradient(arr, y),
    )


def softmax_chain_by_hand(z: Any, y: Any, decimals: int = 2) -> SoftmaxChain:
    """:func:`softmax_chain` worked by hand: each ``e^{z_i}`` read off a calculator and
    rounded to ``decimals`` places, their sum exact, each ``p_i`` (a division) and ``−ln p_y``
    read off and rounded likewise, and ``p − onehot(y)`` exact from the rounded ``p``.

    With z = [2, 1, 0.1], y = 0 and 2 places: e^z = [7.39, 2.72, 1.11], Σ = 11.22,
    p = [0.66, 0.24, 0.10], L = 0.42, ∂L/∂z = [−0.34, 0.24, 0.10].
    """
    f = "softmax_chain_by_hand"
    k = as_count(f, "decimals", decimals)
    exact = softmax_chain(z, y)  # validates z and y
    label = int(_labels(f, y, None, exact.p.size)[0])
    exps = [round_decimal(float(e), k) for e in exact.exps]
    total = sum(exps, Decimal(0))
    if total == 0:
        raise ValueError(f"{f}: every e^z rounds to 0 at {decimals} places")
    p = [round_decimal(float(e / total), k) for e in exps]
    loss = (
        round_decimal(-float(np.log(float(p[label]))), k) if p[label] > 0 else Decimal("Infinity")
    )
    grad = [v - (1 if i == label else 0) for i, v in enumerate(p)]
    as_array = lambda ds: np.array([float(d) for d in ds], dtype=np.float64)  # noqa: E731
    return SoftmaxChain(as_array(exps), float(total), as_array(p), float(loss), as_array(grad))
