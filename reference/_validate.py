"""Input checks shared by the public entry points."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray


def as_float_array(func: str, name: str, value: Any) -> NDArray[np.float64]:
    """Return ``value`` as a float64 array, or raise a ValueError naming ``func`` and ``name``."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{func}: {name} must be numeric, got {value!r}") from exc
    if not np.isfinite(arr).all():
        raise ValueError(f"{func}: {name} must be finite, got {value!r}")
    return arr


def as_finite_float(func: str, name: str, value: Any) -> float:
    """Return ``value`` as a finite float (a 1-element array is accepted)."""
    if type(value) is float and math.isfinite(value):  # the common case, checked quickly
        return value
    arr = as_float_array(func, name, value)
    if arr.size != 1:
        raise ValueError(f"{func}: {name} must be a scalar, got shape {arr.shape}")
    return float(arr.reshape(()))


def as_count(func: str, name: str, value: Any, minimum: int = 0) -> int:
    """Return ``value`` as an int >= ``minimum``; floats are accepted only when integral."""
    if isinstance(value, bool):
        raise ValueError(f"{func}: {name} must be an integer, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{func}: {name} must be an integer, got {value!r}") from exc
    if not math.isfinite(number) or number != int(number):
        raise ValueError(f"{func}: {name} must be an integer, got {value!r}")
    if int(number) < minimum:
        raise ValueError(f"{func}: {name} must be >= {minimum}, got {value!r}")
    return int(number)
