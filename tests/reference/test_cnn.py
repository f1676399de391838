"""reference.cnn against published counts and a brute-force count that builds every weight
array and runs every layer on a zero map."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

import reference as ref
from reference.cnn import cnn_summary, parse_layer


def brute_force(input_shape, layers):
    """Per layer (output shape, parameters): weight arrays built and their sizes summed, and
    each layer run on an all-zero map, so the shape is what the windows really make."""
    x = np.zeros(tuple(input_shape))
    rows = []
    for text in layers:
        words = text.split()
        kind = words[0]
        stride = next((int(w[1:]) for w in words if re.fullmatch(r"s\d+", w)), None)
        if kind == "conv":
            f = int(words[1])
            kh, _, kw = words[2].partition("x")
            kh, kw = int(kh), int(kw or kh)
            s = stride or 1
            weights = [np.zeros((kh, kw, x.shape[2], f)), np.zeros(f)]
            if "same" in words:  # Keras pads so that ⌈n/s⌉ windows fit, the extra at the end
                pads = []
                for n, k in ((x.shape[0], kh), (x.shape[1], kw)):
                    need = max((-(-n // s) - 1) * s + k - n, 0)
                    pads.append((need // 2, need - need // 2))
                x = np.pad(x, (*pads, (0, 0)))
            windows = sliding_window_view(x, (kh, kw), axis=(0, 1))[::s, ::s]
            x = np.einsum("ijckl,klcf->ijf", windows, weights[0]) + weights[1]
        elif kind in ("maxpool", "avgpool"):
            p = int(words[1])
            s = stride or p
            weights = []
            x = sliding_window_view(x, (p, p), axis=(0, 1))[::s, ::s].max(axis=(3, 4))
        elif kind == "flatten":
            weights = []
            x = x.reshape(-1)
        else:
            n = int(words[1])
            flat = x.reshape(-1)
            weights = [np.zeros((flat.size, n)), np.zeros(n)]
            x = flat @ weights[0] + weights[1]
        rows.append((x.shape, sum(w.size for w in weights)))
    return rows


def summary(input_shape, layers):
    return [(r.output_shape, r.params) for r in cnn_summary(input_shape, layers)]


def test_keras_simple_mnist_convnet():
    # keras.io/examples/vision/mnist_convnet: 320, 0, 18 496, 0, (flatten 1600), 16 010
    layers = ["conv 32 3x3", "maxpool 2", "conv 64 3x3", "maxpool 2", "dense 10"]
    assert summary([28, 28, 1], layers) == [
        ((26, 26, 32), 320),
        ((13, 13, 32), 0),
        ((11, 11, 64), 18_496),
        ((5, 5, 64), 0),
        ((10,), 16_010),
    ]
    assert ref.cnn_param_count((28, 28, 1), layers) == 34_826


def test_vgg16_first_block():
    rows = summary([224, 224, 3], ["conv 64 3x3 same", "conv 64 3x3 same", "maxpool 2"])
    assert rows == [((224, 224, 64), 1_792), ((224, 224, 64), 36_928), ((112, 112, 64), 0)]


def test_lenet5():
    # LeCun et al. 1998 as usually reimplemented (full C3 connections): 156, 2 416, 48 120,
    # 10 164, 850 = 61 706 parameters
    layers = ["conv 6 5x5", "avgpool 2", "conv 16 5x5", "avgpool 2"]
    layers += ["dense 120", "dense 84", "dense 10"]
    rows = summary([32, 32, 1], layers)
    assert [p for _, p in rows] == [156, 0, 2_416, 0, 48_120, 10_164, 850]
    assert rows[3][0] == (5, 5, 16)
    assert ref.cnn_param_count([32, 32, 1], layers) == 61_706


def test_alexnet_first_layer_and_strided_same():
    assert summary([227, 227, 3], ["conv 96 11x11 s4"]) == [((55, 55, 96), 34_944)]
    assert summary([7, 7, 1], ["conv 2 3x3 s2 same"])[0][0] == (4, 4, 2)  # ⌈7/2⌉


LAYER = st.one_of(
    st.builds(
        lambda f, kh, kw, s, pad: f"conv {f} {kh}x{kw}" + (f" s{s}" if s > 1 else "") + pad,
        st.integers(1, 6),
        st.integers(1, 4),
        st.integers(1, 4),
        st.integers(1, 3),
        st.sampled_from(["", " valid", " same"]),
    ),
    st.builds(
        lambda kind, p, s: f"{kind} {p}" + (f" s{s}" if s else ""),
        st.sampled_from(["maxpool", "avgpool"]),
        st.integers(1, 3),
        st.integers(0, 3),
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(4, 20),
    st.integers(4, 20),
    st.integers(1, 4),
    st.lists(LAYER, min_size=1, max_size=4),
    st.lists(st.integers(1, 9), max_size=2),
    st.booleans(),
)
def test_against_brute_force(h, w, c, body, dense, flatten):
    layers = body + (["flatten"] if flatten else []) + [f"dense {n}" for n in dense]
    try:
        expected = brute_force([h, w, c], layers)
    except ValueError:  # a window larger than the map: the reference refuses it too
        with pytest.raises(ValueError, match="does not fit"):
            cnn_summary([h, w, c], layers)
        return
    if any(0 in shape for shape, _ in expected):
        return  # pragma: no cover - a window that fits always leaves at least one output
    assert summary([h, w, c], layers) == expected
    assert ref.cnn_param_count([h, w, c], layers) == sum(p for _, p in expected)


def test_without_biases():
    layer = parse_layer("conv 8 3x3")
    assert ref.cnn.layer_params(layer, (5, 5, 2), bias=False) == 3 * 3 * 2 * 8


def test_layers_are_read_in_any_case_and_spacing():
    a = summary([28, 28, 1], ["CONV 32  3X3   S2 Same", "MaxPool 2", "Dense 10"])
    b = summary([28, 28, 1], ["conv 32 3x3 s2 same", "maxpool 2", "dense 10"])
    assert a == b


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (["conv 32 3x"], "layer 1 'conv 32 3x': '3x' lacks its second side: write KxK"),
        (["conv 32"], "layer 1 'conv 32': the kernel is missing"),
        (["conv x 3x3"], "the number of filters 'x' is not a whole number"),
        (["conv 0 3x3"], "the number of filters must be from 1 to"),
        (["conv 8 3x3 s0"], "the stride must be from 1 to"),
        (["conv 8 3x3 s2 s2"], "the stride is given twice"),
        (["conv 8 3x3 same valid"], "the padding is given twice"),
        (["conv 8 3x3 full"], "unknown option 'full'"),
        (["maxpool 2 same"], "unknown option 'same'; options are sS (the stride)"),
        (["pool 2"], "unknown layer 'pool'; layers are conv, maxpool, avgpool, flatten, dense"),
        (["dense"], "a dense layer is written 'dense N'"),
        (["dense 10 20"], "a dense layer is written 'dense N'"),
        (["flatten 3"], "flatten takes nothing more"),
        ([""], "layer 1: a layer is empty"),
        ([3], "layer 1: a layer must be text"),
        ("conv 8 3x3", "layers must be a non-empty list of layer strings"),
        ([], "layers must be a non-empty list"),
        (["conv 8 29x29"], "layer 1 'conv 8 29x29': its 29x29 window does not fit the 28x28x1"),
        (["conv 8 3x3", "dense 4", "maxpool 2"], "layer 3 'maxpool 2': a maxpool layer needs"),
    ],
)
def test_malformed_layers_are_refused_in_one_line(layers, message):
    with pytest.raises(ValueError) as info:
        ref.cnn_param_count([28, 28, 1], layers)
    text = str(info.value)
    assert text.startswith("cnn_param_count: ") and message in text and "\n" not in text


@pytest.mark.parametrize("shape", [[28, 28], [28, 28, 0], "28x28x1", [28, 28.5, 1], [True, 2, 3]])
def test_a_bad_input_shape_is_refused(shape):
    with pytest.raises(ValueError, match="cnn_param_count: "):
        ref.cnn_param_count(shape, ["dense 10"])


def test_a_dense_network_flattens_its_input():
    assert ref.cnn_param_count([4, 4, 2], ["dense 3"]) == (math.prod([4, 4, 2]) + 1) * 3
