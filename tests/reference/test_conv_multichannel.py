"""conv2d_multichannel against oracles written independently of the reference: scipy's
correlate per channel, summed; a brute-force loop over every index; cs231n's own indexing."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import correlate

import reference as ref

# the course note's worked example (docs/topics/conv_multichannel.md)
NOTE_X = [
    [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]],
    [[2, 0, 1, 0, 1], [0, 1, 0, 2, 0], [1, 0, 2, 0, 1], [0, 2, 0, 1, 0], [1, 0, 1, 0, 2]],
]
NOTE_W = [[[[1, 0, 1], [0, 1, 0], [1, 0, 1]], [[1, 2, 0], [0, -1, 0], [0, 0, 1]]]]
NOTE_B = [1]
NOTE_Y = [[[8, 6, 5], [5, 5, 8], [3, 8, 8]]]


def scipy_oracle(x, w, b, stride, padding):
    x, w = np.asarray(x, float), np.asarray(w, float)
    padded = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    maps = []
    for f in range(w.shape[0]):
        total = sum(
            correlate(padded[c], w[f, c], mode="valid", method="direct") for c in range(x.shape[0])
        )
        maps.append(total[::stride, ::stride] + b[f])
    return np.array(maps)


def loop_oracle(x, w, b, stride, padding):
    """Six nested loops over filter, output row, output column, channel, kernel row and
    column; the zero padding is read as 'outside the image counts 0'."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    C, H, W = x.shape
    F, _, kh, kw = w.shape
    rows = (H + 2 * padding - kh) // stride + 1
    cols = (W + 2 * padding - kw) // stride + 1
    out = np.zeros((F, rows, cols))
    for f in range(F):
        for i in range(rows):
            for j in range(cols):
                acc = float(b[f])
                for c in range(C):
                    for m in range(kh):
                        for n in range(kw):
                            r, q = i * stride + m - padding, j * stride + n - padding
                            if 0 <= r < H and 0 <= q < W:
                                acc += x[c, r, q] * w[f, c, m, n]
                out[f, i, j] = acc
    return out


@settings(max_examples=120, deadline=None)
@given(
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(1, 7),
    st.integers(1, 7),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(0, 2),
    st.integers(0, 2**31 - 1),
)
def test_against_scipy_and_loops(c, f, h, wd, k, s, p, seed):
    if k > min(h, wd) + 2 * p:
        return
    rng = np.random.default_rng(seed)
    x, w, b = rng.normal(size=(c, h, wd)), rng.normal(size=(f, c, k, k)), rng.normal(size=f)
    got = ref.conv2d_multichannel(x, w, b, stride=s, padding=p)
    np.testing.assert_allclose(got, scipy_oracle(x, w, b, s, p), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got, loop_oracle(x, w, b, s, p), rtol=1e-12, atol=1e-12)
    assert got.shape == (f, (h + 2 * p - k) // s + 1, (wd + 2 * p - k) // s + 1)


def test_cs231n_indexing_of_the_demo_layer():
    """cs231n's demo layer (5x5x3 input, two 3x3x3 filters, stride 2, padding 1), with its
    notes' own indexing in (H, W, C) layout: V[i, j, f] = sum(X[s i:s i+3, s j:s j+3, :] * Wf)
    + bf on the padded input."""
    rng = np.random.default_rng(231)
    X = rng.integers(0, 3, size=(5, 5, 3)).astype(float)  # height, width, depth
    W0, W1 = rng.integers(-1, 2, size=(2, 3, 3, 3)).astype(float)  # each (3, 3, depth)
    b0, b1 = 1.0, 0.0
    Xp = np.pad(X, ((1, 1), (1, 1), (0, 0)))
    V = np.zeros((3, 3, 2))
    for i in range(3):
        for j in range(3):
            V[i, j, 0] = np.sum(Xp[2 * i : 2 * i + 3, 2 * j : 2 * j + 3, :] * W0) + b0
            V[i, j, 1] = np.sum(Xp[2 * i : 2 * i + 3, 2 * j : 2 * j + 3, :] * W1) + b1
    x = X.transpose(2, 0, 1)  # (C, H, W)
    w = np.stack([W0, W1]).transpose(0, 3, 1, 2)  # (F, C, kh, kw)
    got = ref.conv2d_multichannel(x, w, [b0, b1], stride=2, padding=1)
    assert got.shape == (2, 3, 3)
    np.testing.assert_array_equal(got, V.transpose(2, 0, 1))


def test_the_course_note_example():
    y = ref.conv2d_multichannel(NOTE_X, NOTE_W, NOTE_B)
    np.testing.assert_array_equal(y, NOTE_Y)
    # channel 0 alone is the course's worked feature map (CURRICULUM §6)
    maps = ref.channel_maps(NOTE_X, NOTE_W)
    np.testing.assert_array_equal(maps[0, 0], [[4, 3, 4], [2, 4, 3], [2, 3, 4]])
    # the first output by hand: 4 (channel 0) + (2*1 + 0*2 + 1*0 + 0 - 1 + 0 + 0 + 0 + 2*1) + 1
    assert y[0, 0, 0] == 4 + 3 + 1


def test_one_channel_is_conv2d_plus_the_bias():
    rng = np.random.default_rng(5)
    img, ker = rng.normal(size=(6, 5)), rng.normal(size=(3, 2))
    got = ref.conv2d_multichannel([img], [[ker]], [0.25], stride=2, padding=1)
    np.testing.assert_allclose(got[0], ref.conv2d(img, ker, 2, 1) + 0.25)


def test_kernels_are_not_flipped():
    x = np.arange(18.0).reshape(2, 3, 3)
    w = np.zeros((1, 2, 2, 2))
    w[0, 1, 0, 0] = 1.0  # picks channel 1's top-left pixel of each window
    np.testing.assert_array_equal(ref.conv2d_multichannel(x, w, [0]), [x[1, :2, :2]])


@pytest.mark.parametrize(
    ("x", "w", "b", "kw", "needle"),
    [
        (np.zeros((3, 3)), np.zeros((1, 1, 2, 2)), [0], {}, "x must be 3-D"),
        (np.zeros((1, 3, 3)), np.zeros((1, 2, 2)), [0], {}, "w must be 4-D"),
        (np.zeros((2, 3, 3)), np.zeros((1, 3, 2, 2)), [0], {}, "w has 3 channels"),
        (np.zeros((1, 3, 3)), np.zeros((2, 1, 2, 2)), [0], {}, "b must have shape (2,)"),
        (np.zeros((1, 3, 3)), np.zeros((1, 1, 4, 4)), [0], {}, "does not fit"),
        (np.zeros((1, 3, 3)), np.zeros((1, 1, 2, 2)), [0], {"stride": 0}, "stride must be >= 1"),
        (np.zeros((1, 3, 3)), np.zeros((1, 1, 2, 2)), [np.nan], {}, "b must be finite"),
        ("abc", np.zeros((1, 1, 2, 2)), [0], {}, "x must be numeric"),
    ],
)
def test_bad_input_is_a_value_error_naming_the_function(x, w, b, kw, needle):
    with pytest.raises(ValueError, match=r"^conv2d_multichannel: ") as info:
        ref.conv2d_multichannel(x, w, b, **kw)
    assert needle in str(info.value)
