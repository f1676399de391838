"""2-D convolution as deep learning means it (cross-correlation), sizes and parameter counts."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from reference._validate import as_count, as_float_array

Array = NDArray[np.float64]


def _pair(func: str, name: str, value: Any, minimum: int) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{func}: {name} must be an int or a pair, got {value!r}")
        return as_count(func, name, value[0], minimum), as_count(func, name, value[1], minimum)
    n = as_count(func, name, value, minimum)
    return n, n


def zero_padded(a: Array, ph: int, pw: int) -> Array:
    """``a`` with ``ph`` rows and ``pw`` columns of zeros on each side of its last two axes
    (``np.pad``'s result, without its cost on the small arrays of exercises and cases)."""
    if ph == pw == 0:
        return a
    out = np.zeros((*a.shape[:-2], a.shape[-2] + 2 * ph, a.shape[-1] + 2 * pw))
    out[..., ph : ph + a.shape[-2], pw : pw + a.shape[-1]] = a
    return out


def conv2d(image: Any, kernel: Any, stride: Any = 1, padding: Any = 0) -> Array:
    """Slide ``kernel`` over ``image`` and sum the elementwise products (kernel not flipped).

    Parameters
    ----------
    image : ndarray of shape (H, W).
    kernel : ndarray of shape (kh, kw).
    stride : int or (sh, sw), >= 1.
    padding : int or (ph, pw), >= 0: rows/columns of zeros added on each side.

    Returns
    -------
    ndarray of shape (floor((H + 2ph - kh)/sh) + 1, floor((W + 2pw - kw)/sw) + 1).
    """
    f = "conv2d"
    img = as_float_array(f, "image", image)
    ker = as_float_array(f, "kernel", kernel)
    if img.ndim != 2:
        raise ValueError(f"{f}: image must be 2-D, got ndim={img.ndim}")
    if ker.ndim != 2:
        raise ValueError(f"{f}: kernel must be 2-D, got ndim={ker.ndim}")
    sh, sw = _pair(f, "stride", stride, 1)
    ph, pw = _pair(f, "padding", padding, 0)
    padded = zero_padded(img, ph, pw)
    if ker.shape[0] > padded.shape[0] or ker.shape[1] > padded.shape[1] or ker.size == 0:
        raise ValueError(
            f"{f}: kernel of shape {ker.shape} does not fit the padded image of shape "
            f"{padded.shape}"
        )
    windows = sliding_window_view(padded, ker.shape)[::sh, ::sw]
    return np.einsum("ijkl,kl->ij", windows, ker)


def conv_output_size(n: Any, k: Any, stride: Any = 1, padding: Any = 0) -> int:
    """Output length ``floor((n + 2p - k)/s) + 1`` along one axis."""
    f = "conv_output_size"
    n_, k_ = as_count(f, "n", n, 1), as_count(f, "k", k, 1)
    s_, p_ = as_count(f, "stride", stride, 1), as_count(f, "padding", padding, 0)
    if k_ > n_ + 2 * p_:
        raise ValueError(f"{f}: kernel {k_} is larger than the padded input {n_ + 2 * p_}")
    return (n_ + 2 * p_ - k_) // s_ + 1


def dense_param_count(n_in: Any, n_out: Any, bias: bool = True) -> int:
    """Parameters of a fully connected layer: ``n_in * n_out`` weights (+ ``n_out`` biases)."""
    f = "dense_param_count"
    i, o = as_count(f, "n_in", n_in, 1), as_count(f, "n_out", n_out, 1)
    return i * o + (o if bias else 0)


def conv_param_count(kernel_size: Any, c_in: Any, c_out: Any, bias: bool = True) -> int:
    """Parameters of a conv layer: ``kh * kw * c_in * c_out`` weights (+ ``c_out`` biases)."""
    f = "conv_param_count"
    kh, kw = _pair(f, "kernel_size", kernel_size, 1)
    ci, co = as_count(f, "c_in", c_in, 1), as_count(f, "c_out", c_out, 1)
    return kh * kw * ci * co + (co if bias else 0)
