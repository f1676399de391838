"""Convolution of a multi-channel input by a bank of filters, in cs231n's shapes.

Each filter spans every input channel: output map ``f`` is the bias ``b[f]`` plus the sum,
over the channels ``c``, of the single-channel cross-correlation of ``x[c]`` with
``w[f, c]`` (:func:`reference.conv.conv2d`, computed for every pair at once).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from reference._validate import as_float_array
from reference.conv import _pair, conv2d, zero_padded

Array = NDArray[np.float64]


def _checked(func: str, x: Any, w: Any) -> tuple[Array, Array]:
    xa = as_float_array(func, "x", x)
    wa = as_float_array(func, "w", w)
    if xa.ndim != 3:
        raise ValueError(f"{func}: x must be 3-D (C, H, W), got ndim={xa.ndim}")
    if wa.ndim != 4:
        raise ValueError(f"{func}: w must be 4-D (F, C, kh, kw), got ndim={wa.ndim}")
    if 0 in xa.shape or 0 in wa.shape:
        raise ValueError(f"{func}: x and w must not be empty, got shapes {xa.shape}, {wa.shape}")
    if wa.shape[1] != xa.shape[0]:
        raise ValueError(
            f"{func}: w has {wa.shape[1]} channels per filter but x has {xa.shape[0]} channels"
        )
    return xa, wa


def channel_maps(x: Any, w: Any, stride: Any = 1, padding: Any = 0) -> Array:
    """The cross-correlation of every input channel with its slice of every filter.

    Parameters
    ----------
    x : ndarray of shape (C, H, W).
    w : ndarray of shape (F, C, kh, kw).
    stride, padding : as for :func:`reference.conv.conv2d`.

    Returns
    -------
    ndarray of shape (F, C, H', W'): ``[f, c] = conv2d(x[c], w[f, c], stride, padding)``.
    """
    xa, wa = _checked("channel_maps", x, w)
    conv2d(xa[0], wa[0, 0], stride, padding)  # stride, padding and fit checked in its words
    (sh, sw), (ph, pw) = (
        _pair("conv2d", "stride", stride, 1),
        _pair("conv2d", "padding", padding, 0),
    )
    padded = zero_padded(xa, ph, pw)
    windows = sliding_window_view(padded, wa.shape[2:], axis=(1, 2))[:, ::sh, ::sw]
    return np.einsum("cijkl,fckl->fcij", windows, wa)


def conv2d_multichannel(x: Any, w: Any, b: Any, stride: Any = 1, padding: Any = 0) -> Array:
    """``out[f, i, j] = b[f] + Σ_c Σ_m Σ_n xp[c, s·i + m, s·j + n] · w[f, c, m, n]``.

    ``xp`` is ``x`` with ``padding`` rows and columns of zeros on each side of every channel;
    the kernels are not flipped (cross-correlation, as CNNs compute it).

    Parameters
    ----------
    x : ndarray of shape (C, H, W).
    w : ndarray of shape (F, C, kh, kw).
    b : ndarray of shape (F,).
    stride : int or (sh, sw), >= 1.
    padding : int or (ph, pw), >= 0.

    Returns
    -------
    ndarray of shape (F, floor((H + 2ph - kh)/sh) + 1, floor((W + 2pw - kw)/sw) + 1).
    """
    f = "conv2d_multichannel"
    xa, wa = _checked(f, x, w)
    ba = as_float_array(f, "b", b)
    if ba.ndim != 1 or ba.shape[0] != wa.shape[0]:
        raise ValueError(
            f"{f}: b must have shape ({wa.shape[0]},), one bias per filter, got {ba.shape}"
        )
    try:
        maps = channel_maps(xa, wa, stride, padding)
    except ValueError as exc:  # conv2d's reason, under this function's name
        raise ValueError(str(exc).replace("conv2d:", f"{f}:", 1)) from None
    return maps.sum(axis=1) + ba[:, None, None]
