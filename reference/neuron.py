"""One neuron: output, squared-error losses, gradients and a gradient-descent step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reference._validate import as_finite_float, as_float_array
from reference.activations import activation_derivative, apply_activation, check_activation

Array = NDArray[np.float64]


def _pre_activation(func: str, x: Any, w: Any, b: Any) -> Array:
    xa = as_float_array(func, "x", x)
    wa = as_float_array(func, "w", w)
    bf = as_finite_float(func, "b", b)
    if wa.ndim == 0:
        return xa * wa + bf
    if wa.ndim != 1:
        raise ValueError(f"{func}: w must be a scalar or 1-D, got ndim={wa.ndim}")
    if xa.ndim not in (1, 2) or xa.shape[-1] != wa.shape[0]:
        raise ValueError(
            f"{func}: x must have shape ({wa.shape[0]},) or (N, {wa.shape[0]}) to match w, "
            f"got shape {xa.shape}"
        )
    return xa @ wa + bf


def neuron_output(
    x: Any, w: Any, b: float = 0.0, activation: str = "sigmoid", beta: float = 1.0
) -> Array:
    """Output ``sigma(x . w + b)`` of one neuron.

    Parameters
    ----------
    x : scalar, ndarray of shape (d,) for one sample, or (N, d) for a batch.
    w : scalar or ndarray of shape (d,).
    b : float, the bias.
    activation : "sigmoid", "relu" or "linear".
    beta : float, the sigmoid's slope.

    Returns
    -------
    ndarray of shape () for one sample, (N,) for a batch. With a scalar ``w`` the neuron
    acts elementwise on ``x``.
    """
    check_activation("neuron_output", activation)
    return apply_activation(activation, _pre_activation("neuron_output", x, w, b), beta)


def sse_loss(y_hat: Any, y: Any) -> float:
    """Halved sum of squared errors ``0.5 * sum((y - y_hat)**2)`` over all elements."""
    yh = as_float_array("sse_loss", "y_hat", y_hat)
    ya = as_float_array("sse_loss", "y", y)
    if yh.shape != ya.shape and yh.size != ya.size:
        raise ValueError(f"sse_loss: y_hat has shape {yh.shape} but y has shape {ya.shape}")
    return 0.5 * float(np.sum((ya.reshape(yh.shape) - yh) ** 2))


def sse_loss_plain(y_hat: Any, y: Any) -> float:
    """The lecture's loss ``J = sum((y_hat - y)**2)``, without the half."""
    return 2.0 * sse_loss(y_hat, y)


def neuron_gradients(
    x: Any, y: Any, w: Any, b: float, activation: str = "sigmoid", beta: float = 1.0
) -> tuple[Array, float]:
    """Gradients of ``0.5 * sum((y - y_hat)**2)`` over samples for one neuron.

    Parameters
    ----------
    x : scalar, (d,) or (N, d), as in :func:`neuron_output`.
    y : targets shaped like the neuron's output: () or (N,).
    w : scalar or (d,).
    b : float.

    Returns
    -------
    (dL/dw shaped like ``w``, dL/db as a float)
    """
    check_activation("neuron_gradients", activation)
    xa = as_float_array("neuron_gradients", "x", x)
    wa = as_float_array("neuron_gradients", "w", w)
    z = _pre_activation("neuron_gradients", x, w, b)
    y_hat = apply_activation(activation, z, beta)
    ya = as_float_array("neuron_gradients", "y", y)
    if ya.size != y_hat.size:
        raise ValueError(f"neuron_gradients: y must have shape {y_hat.shape}, got {ya.shape}")
    # dL/dz = dL/dy_hat * dy_hat/dz = -(y - y_hat) * sigma'(z)
    delta = -(ya.reshape(y_hat.shape) - y_hat) * activation_derivative(activation, z, beta)
    if wa.ndim == 0:
        dw = np.asarray(np.sum(delta * xa))
    else:
        dw = delta @ xa if xa.ndim == 2 else delta * xa
    return np.asarray(dw, dtype=np.float64), float(np.sum(delta))


def gradient_descent_step(param: Any, grad: Any, lr: float) -> Array:
    """One step downhill: ``param - lr * grad``."""
    p = as_float_array("gradient_descent_step", "param", param)
    g = as_float_array("gradient_descent_step", "grad", grad)
    if p.shape != g.shape:
        raise ValueError(
            f"gradient_descent_step: grad has shape {g.shape} but param has shape {p.shape}"
        )
    return p - as_finite_float("gradient_descent_step", "lr", lr) * g


@dataclass(frozen=True)
class NeuronChain:
    """Every intermediate of one training step of a scalar sigmoid neuron (CURRICULUM §5)."""

    z: float
    y_hat: float
    loss: float
    dL_dyhat: float
    dyhat_dz: float
    dL_dw: float
    dL_db: float
    w_new: float
    b_new: float

    def as_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


def neuron_chain(
    x: float, y: float, w: float, b: float, lr: float, beta: float = 1.0
) -> NeuronChain:
    """Forward pass, loss ``0.5*(y - y_hat)**2``, chain-rule gradients and the update.

    All arguments are scalars: ``z = w*x + b``, ``y_hat = sigmoid(z, beta)``.
    """
    f = "neuron_chain"
    x, y, w, b, lr, beta = (
        as_finite_float(f, n, v)
        for n, v in (("x", x), ("y", y), ("w", w), ("b", b), ("lr", lr), ("beta", beta))
    )
    z = w * x + b
    y_hat = float(apply_activation("sigmoid", z, beta))
    dL_dyhat = -(y - y_hat)
    dyhat_dz = beta * y_hat * (1.0 - y_hat)
    dL_dw = dL_dyhat * dyhat_dz * x
    dL_db = dL_dyhat * dyhat_dz * 1.0
    return NeuronChain(
        z=z,
        y_hat=y_hat,
        loss=0.5 * (y - y_hat) ** 2,
        dL_dyhat=dL_dyhat,
        dyhat_dz=dyhat_dz,
        dL_dw=dL_dw,
        dL_db=dL_db,
        w_new=w - lr * dL_dw,
        b_new=b - lr * dL_db,
    )
