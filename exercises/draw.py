"""Random numbers that read well on paper."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def tenths(rng: np.random.Generator, low: float, high: float, *, nonzero: bool = True) -> float:
    """A multiple of 0.1 in ``[low, high]`` (not 0 when ``nonzero``)."""
    while True:
        v = round(int(rng.integers(round(low * 10), round(high * 10) + 1)) / 10, 1)
        if v != 0 or not nonzero:
            return v


def tenths_matrix(
    rng: np.random.Generator, rows: int, cols: int, low: float, high: float
) -> list[list[float]]:
    return [[tenths(rng, low, high, nonzero=False) for _ in range(cols)] for _ in range(rows)]


def pick(rng: np.random.Generator, options: Sequence[Any]) -> Any:
    return options[int(rng.integers(len(options)))]
