import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import correlate2d

import reference as ref


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 9),
    st.integers(1, 9),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 2),
    st.integers(0, 2),
    st.integers(0, 2**31 - 1),
)
def test_conv2d_against_scipy(h, w, kh, kw, sh, sw, ph, pw, seed):
    if kh > h + 2 * ph or kw > w + 2 * pw:
        return
    rng = np.random.default_rng(seed)
    image, kernel = rng.normal(size=(h, w)), rng.normal(size=(kh, kw))
    padded = np.pad(image, ((ph, ph), (pw, pw)))
    expected = correlate2d(padded, kernel, mode="valid")[::sh, ::sw]
    got = ref.conv2d(image, kernel, stride=(sh, sw), padding=(ph, pw))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert got.shape == (ref.conv_output_size(h, kh, sh, ph), ref.conv_output_size(w, kw, sw, pw))


def test_conv2d_does_not_flip_the_kernel():
    image = np.arange(16.0).reshape(4, 4)
    kernel = np.array([[1.0, 2.0], [0.0, -1.0]])  # asymmetric
    flipped = ref.conv2d(image, kernel[::-1, ::-1])
    assert not np.allclose(ref.conv2d(image, kernel), flipped)
    assert ref.conv2d(image, kernel)[0, 0] == 0 * 1 + 1 * 2 + 4 * 0 + 5 * -1


def test_notes_kernels_on_the_notes_image_with_padding_and_stride():
    image = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
    sharpen = [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
    out = ref.conv2d(image, sharpen, stride=2, padding=1)
    assert out.shape == (3, 3)
    # top-left: the padded window [[0,0,0],[0,1,1],[0,0,1]] -> 5*1 - 1 - 0 = 4
    assert out[0, 0] == 4


def test_conv_validation():
    with pytest.raises(ValueError, match="conv2d: kernel must be 2-D, got ndim=3"):
        ref.conv2d(np.ones((4, 4)), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="does not fit"):
        ref.conv2d(np.ones((2, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="stride must be >= 1"):
        ref.conv2d(np.ones((4, 4)), np.ones((2, 2)), stride=0)
    with pytest.raises(ValueError, match="conv_output_size: kernel 7 is larger"):
        ref.conv_output_size(5, 7)
    with pytest.raises(ValueError, match="must be an integer"):
        ref.dense_param_count(2.5, 3)


def test_textbook_layer_sizes():
    # AlexNet's first layer as CS231n works it: 227x227x3 input, 96 filters of 11x11 with
    # stride 4 and no padding give 55x55x96, with 11*11*3*96 + 96 = 34,944 parameters.
    assert ref.conv_output_size(227, 11, 4, 0) == 55
    assert ref.conv_param_count(11, 3, 96) == 34_944
    # CS231n's 7x7 input with a 3x3 filter: 5x5 at stride 1, 3x3 at stride 2;
    # "same" padding (p = 2 for a 5x5 filter) keeps 32x32; 10 filters of 5x5x3 hold 760.
    assert ref.conv_output_size(7, 3, 1, 0) == 5 and ref.conv_output_size(7, 3, 2, 0) == 3
    assert ref.conv_output_size(32, 5, 1, 2) == 32
    assert ref.conv_param_count((5, 5), 3, 10) == 760
