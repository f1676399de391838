"""The cases themselves: right expected values (independent oracles) and useful mistakes."""

import math

import numpy as np
import pytest
from scipy.signal import correlate2d

from grader.codecheck.cases import build_cases
from grader.codecheck.compare import compare
from grader.topics import CODE_FUNCTIONS, MISCONCEPTIONS


def test_every_function_has_cases_and_they_are_reproducible():
    for fn in CODE_FUNCTIONS:
        a, b = build_cases(fn), build_cases(fn)
        assert len(a) >= 5, fn
        assert [c.label for c in a] == [c.label for c in b]
        for x, y in zip(a, b, strict=True):
            assert compare(y.expected, x.expected).ok


def test_hidden_seeds_change_the_random_cases_only():
    public, hidden = build_cases("conv2d"), build_cases("conv2d", seed=12345)
    assert public[0].label == hidden[0].label  # the worked example stays
    assert any(not compare(h.expected, p.expected).ok for p, h in zip(public, hidden, strict=True))


def test_every_mistake_differs_from_the_answer_and_has_a_known_id():
    for fn in CODE_FUNCTIONS:
        for seed in (None, 7):
            for case in build_cases(fn, seed):
                for m in case.mistakes:
                    # "a+b": two known mistakes made together
                    assert set(m.misconception.split("+")) <= set(MISCONCEPTIONS)
                    assert not compare(m.value, case.expected).ok, (fn, case.label)


def test_sigmoid_edge_cases_follow_the_formula():
    cases = build_cases("sigmoid")
    labels = [c.label for c in cases]
    for a in ("a=0", "a=1000", "a=-1000", "a=10000", "a=-10000"):
        assert a in labels
    for case in cases:
        a = np.asarray(case.args[0], dtype=float)
        beta = case.kwargs.get("beta", 1.0)
        # math.exp in the stable direction is an independent oracle
        expect = np.vectorize(
            lambda t: 1 / (1 + math.exp(-t)) if t >= 0 else math.exp(t) / (1 + math.exp(t))
        )(beta * a)
        assert compare(case.expected, expect).ok, case.label
    assert any(c.kwargs.get("beta", 1.0) != 1.0 for c in cases)


def test_sigmoid_derivative_matches_finite_differences():
    for case in build_cases("sigmoid_derivative", seed=3):
        a = np.asarray(case.args[0], dtype=float)
        if np.abs(a).max() > 50:
            continue
        beta = case.kwargs.get("beta", 1.0)
        h = 1e-6

        def s(t, beta=beta):
            return 1 / (1 + np.exp(-beta * t))

        fd = (s(a + h) - s(a - h)) / (2 * h)
        assert np.allclose(np.asarray(case.expected, dtype=float), fd, atol=1e-7)


def test_relu_derivative_accepts_zero_or_one_at_zero():
    cases = build_cases("relu_derivative")
    zero = next(c for c in cases if c.label == "a=0")
    assert compare(0.0, zero.expected, zero.either).ok
    assert compare(1.0, zero.expected, zero.either).ok
    assert not compare(0.5, zero.expected, zero.either).ok


def test_worked_numbers_of_the_course():
    neuron = build_cases("neuron_gradients")[0]
    dw, db = neuron.expected
    assert dw == pytest.approx(-0.115415, abs=1e-6) and db == pytest.approx(-0.230830, abs=1e-6)
    conv = build_cases("conv2d")[0]
    assert conv.expected.tolist() == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    dense = build_cases("dense_param_count")[0]
    assert dense.expected == 400_000_000 + 10_000


def test_conv2d_matches_scipy_and_covers_stride_padding_and_shapes():
    cases = build_cases("conv2d", seed=99)
    strides = {c.kwargs.get("stride", 1) for c in cases}
    paddings = {c.kwargs.get("padding", 0) for c in cases}
    assert strides >= {1, 2} and paddings >= {0, 1}
    assert any(np.shape(c.args[0])[0] != np.shape(c.args[0])[1] for c in cases)
    assert any(np.shape(c.args[1])[0] != np.shape(c.args[1])[1] for c in cases)
    for case in cases:
        image, kernel = (np.asarray(a, dtype=float) for a in case.args)
        s, p = case.kwargs.get("stride", 1), case.kwargs.get("padding", 0)
        full = correlate2d(np.pad(image, p), kernel, mode="valid")[::s, ::s]
        assert np.allclose(case.expected, full), case.label
        flipped = [m for m in case.mistakes if m.misconception == "conv-flipped-kernel"]
        if not np.array_equal(kernel, kernel[::-1, ::-1]):
            assert flipped, case.label  # asymmetric kernels make flipping detectable


def _mlp_loss(x, y, ws, bs, acts):
    fns = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0)}
    h = np.asarray(x, dtype=float)
    for w, b, a in zip(ws, bs, acts, strict=True):
        h = fns.get(a, lambda z: z)(h @ w + b)
    return 0.5 * np.sum((np.asarray(y, dtype=float).reshape(h.shape) - h) ** 2)


def test_mlp_gradient_cases_match_finite_differences():
    for case in build_cases("mlp_gradients", seed=5):
        x, y, weights, biases = case.args
        act = case.kwargs.get("activation", "sigmoid")
        ws = [np.asarray(w, dtype=float) for w in weights]
        bs = [np.asarray(b, dtype=float) for b in biases]
        acts = [act] * len(ws) if isinstance(act, str) else list(act)
        gw, gb = case.expected
        h = 1e-6
        for params, grads in ((ws, gw), (bs, gb)):
            for p, g in zip(params, grads, strict=True):
                for idx in np.ndindex(p.shape):
                    old = p[idx]
                    p[idx] = old + h
                    up = _mlp_loss(x, y, ws, bs, acts)
                    p[idx] = old - h
                    down = _mlp_loss(x, y, ws, bs, acts)
                    p[idx] = old
                    assert (up - down) / (2 * h) == pytest.approx(g[idx], abs=1e-5), case.label
    labels = " ".join(c.label for c in build_cases("mlp_gradients"))
    assert "[relu, sigmoid, linear]" in labels and "(5, 3)" in labels


def test_conv_output_size_agrees_with_conv2d():
    for case in build_cases("conv_output_size", seed=11):
        n, k = case.args
        s, p = case.kwargs.get("stride", 1), case.kwargs.get("padding", 0)
        out = correlate2d(np.zeros((n + 2 * p, 1)), np.zeros((k, 1)), mode="valid")[::s]
        assert case.expected == out.shape[0]


def test_mistakes_made_together_are_described_one_by_one():
    from exercises.misconceptions import ids
    from grader.topics import describe

    both = "transposed-weights+mlp-missing-bias"
    assert ids(both) == ("transposed-weights", "mlp-missing-bias")
    assert (
        describe(both)
        == f"{MISCONCEPTIONS['transposed-weights']} " + (MISCONCEPTIONS["mlp-missing-bias"])
    )
    assert describe("grad-wrong-sign") == MISCONCEPTIONS["grad-wrong-sign"]
