"""2-D pooling: the maximum or the mean of each window of a feature map.

A window of ``size`` slides over the image by ``stride`` (by default the size: windows side by
side, not overlapping). A window that does not fit at the border is dropped, as in PyTorch's
default ``ceil_mode=False``, so the output has ``floor((n - size)/stride) + 1`` rows and columns
for an n x n image (:func:`reference.conv_output_size` with no padding).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from reference._validate import as_float_array
from reference.conv import _pair

Array = NDArray[np.float64]

POOL_MODES = ("max", "average")


def _windows(func: str, image: Any, size: Any, stride: Any) -> Array:
    """Every window that fits, as an array of shape (rows, cols, kh, kw)."""
    img = as_float_array(func, "image", image)
    if img.ndim != 2:
        raise ValueError(f"{func}: image must be 2-D, got ndim={img.ndim}")
    kh, kw = _pair(func, "size", size, 1)
    sh, sw = (kh, kw) if stride is None else _pair(func, "stride", stride, 1)
    if kh > img.shape[0] or kw > img.shape[1]:
        raise ValueError(
            f"{func}: pooling window of size {kh}x{kw} does not fit the image of shape "
            f"{img.shape[0]}x{img.shape[1]}"
        )
    return sliding_window_view(img, (kh, kw))[::sh, ::sw]


def max_pool2d(image: Any, size: Any, stride: Any = None) -> Array:
    """The largest value of each window.

    Parameters
    ----------
    image : ndarray of shape (H, W).
    size : int or (kh, kw), >= 1: the window.
    stride : int or (sh, sw), >= 1, or None for the window's size (no overlap).

    Returns
    -------
    ndarray of shape (floor((H - kh)/sh) + 1, floor((W - kw)/sw) + 1).
    """
    return np.asarray(_windows("max_pool2d", image, size, stride).max(axis=(2, 3)))


def avg_pool2d(image: Any, size: Any, stride: Any = None) -> Array:
    """The mean of each window (every window whole: no padding, nothing dropped inside).

    Parameters
    ----------
    image : ndarray of shape (H, W).
    size : int or (kh, kw), >= 1: the window.
    stride : int or (sh, sw), >= 1, or None for the window's size (no overlap).

    Returns
    -------
    ndarray of shape (floor((H - kh)/sh) + 1, floor((W - kw)/sw) + 1).
    """
    return np.asarray(_windows("avg_pool2d", image, size, stride).mean(axis=(2, 3)))


def pool2d(image: Any, size: Any, stride: Any = None, mode: str = "max") -> Array:
    """:func:`max_pool2d` or :func:`avg_pool2d`, by ``mode`` ("max" or "average")."""
    if mode == "max":
        return max_pool2d(image, size, stride)
    if mode == "average":
        return avg_pool2d(image, size, stride)
    raise ValueError(f"pool2d: mode must be one of {', '.join(POOL_MODES)}, got {mode!r}")
