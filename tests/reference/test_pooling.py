"""Pooling against loops written here, scipy's rank filters, and the cs231n notes' example."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

import reference as ref

CS231N = [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]


def loops(image, size, stride, reduce):
    """Pooling as a person writes it: while the window still fits, step by the stride."""
    image = np.asarray(image, dtype=float)
    rows = []
    top = 0
    while top + size <= image.shape[0]:
        row, left = [], 0
        while left + size <= image.shape[1]:
            row.append(reduce([image[top + a][left + b] for a in range(size) for b in range(size)]))
            left += stride
        rows.append(row)
        top += stride
    return np.array(rows)


def test_the_cs231n_example():
    # cs231n "Pooling layer": a 2x2 max pool with stride 2 keeps the largest of each quadrant
    np.testing.assert_array_equal(ref.max_pool2d(CS231N, 2, 2), [[6, 8], [3, 4]])
    np.testing.assert_array_equal(ref.max_pool2d(CS231N, 2), [[6, 8], [3, 4]])
    # the same quadrants averaged: (1+1+5+6)/4, (2+4+7+8)/4, (3+2+1+2)/4, (1+0+3+4)/4
    np.testing.assert_array_equal(ref.avg_pool2d(CS231N, 2), [[3.25, 5.25], [2.0, 2.0]])


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 9), st.integers(1, 9), st.integers(1, 4), st.integers(1, 4), st.integers(0, 99)
)
def test_against_loops_and_scipy_filters(h, w, k, s, seed):
    if k > min(h, w):
        return
    image = np.random.default_rng(seed).integers(-9, 10, size=(h, w)).astype(float)
    got_max, got_avg = ref.max_pool2d(image, k, s), ref.avg_pool2d(image, k, s)
    np.testing.assert_array_equal(got_max, loops(image, k, s, max))
    np.testing.assert_allclose(got_avg, loops(image, k, s, lambda v: sum(v) / len(v)), rtol=1e-12)
    # scipy's filters centre the window: origin shifts it to start at the pixel itself
    origin = -(k // 2)
    ends = slice(0, h - k + 1, s), slice(0, w - k + 1, s)
    filt = ndimage.maximum_filter(image, size=k, origin=origin, mode="constant", cval=-99)
    np.testing.assert_array_equal(got_max, filt[ends])
    mean = ndimage.uniform_filter(image, size=k, origin=origin, mode="constant")
    np.testing.assert_allclose(got_avg, mean[ends], atol=1e-9)
    rows = (h - k) // s + 1
    assert got_max.shape == (rows, (w - k) // s + 1)
    assert rows == ref.conv_output_size(h, k, s)


def test_stride_defaults_to_the_size_and_border_windows_are_dropped():
    image = np.arange(25.0).reshape(5, 5)
    # 2x2 windows at rows/cols 0-1 and 2-3; row and column 4 fit no whole window
    np.testing.assert_array_equal(ref.max_pool2d(image, 2), [[6, 8], [16, 18]])
    np.testing.assert_array_equal(ref.avg_pool2d(image, 2), [[3, 5], [13, 15]])
    assert ref.max_pool2d(image, 2, 1).shape == (4, 4)  # overlapping windows
    assert ref.max_pool2d(image, 5).tolist() == [[24.0]]
    np.testing.assert_array_equal(ref.avg_pool2d(image, 1), image)


def test_rectangular_windows_and_strides():
    image = np.arange(24.0).reshape(4, 6)
    np.testing.assert_array_equal(ref.max_pool2d(image, (2, 3)), [[8, 11], [20, 23]])
    np.testing.assert_array_equal(ref.max_pool2d(image, 2, (2, 1)).shape, (2, 5))


def test_lists_and_integers_are_accepted_and_the_input_is_not_changed():
    image = [[1, 2], [3, 4]]
    assert ref.avg_pool2d(image, 2).tolist() == [[2.5]]
    assert image == [[1, 2], [3, 4]]
    assert ref.pool2d(image, 2, mode="max").tolist() == [[4.0]]
    assert ref.pool2d(image, 2.0, mode="average").tolist() == [[2.5]]


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: ref.max_pool2d([[1, 2], [3, 4]], 3), "max_pool2d: pooling window of size 3x3"),
        (lambda: ref.avg_pool2d([1, 2, 3], 1), "avg_pool2d: image must be 2-D"),
        (lambda: ref.max_pool2d([[1, 2], [3, 4]], 0), "max_pool2d: size must be >= 1"),
        (lambda: ref.max_pool2d([[1, 2], [3, 4]], 1, 0), "max_pool2d: stride must be >= 1"),
        (lambda: ref.max_pool2d([[1, 2], [3, 4]], 1.5), "max_pool2d: size must be an integer"),
        (lambda: ref.avg_pool2d([[1, 2], [3]], 1), "avg_pool2d: image must be numeric"),
        (lambda: ref.avg_pool2d([[1, np.nan]], 1), "avg_pool2d: image must be finite"),
        (lambda: ref.max_pool2d([[1, 2]], True), "max_pool2d: size must be an integer"),
        (lambda: ref.pool2d([[1]], 1, mode="sum"), "pool2d: mode must be one of max, average"),
    ],
)
def test_bad_input_is_refused_by_name(call, needle):
    with pytest.raises(ValueError, match="^" + needle.replace("(", r"\(")):
        call()
