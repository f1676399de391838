import numpy as np
import pytest


def _central_differences(f, x, h=1e-6):
    """Gradient of the scalar function ``f`` at ``x`` by central differences, entry by entry."""
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        g[i] = (f(up) - f(down)) / (2 * h)
    return g


@pytest.fixture
def numeric_grad():
    return _central_differences
