"""Softmax and cross-entropy against scipy, finite differences, loops and published numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import log_softmax as scipy_log_softmax
from scipy.special import softmax as scipy_softmax

import reference as ref


def test_textbook_example_to_three_places():
    # z = [2, 1, 0.1] -> p = [0.659, 0.242, 0.099], the numbers most texts quote
    np.testing.assert_allclose(ref.softmax([2.0, 1.0, 0.1]), [0.659, 0.242, 0.099], atol=5e-4)


@pytest.mark.parametrize("seed", range(5))
def test_softmax_and_log_softmax_against_scipy(seed):
    rng = np.random.default_rng(seed)
    for shape in [(4,), (3, 5), (1, 2)]:
        z = rng.normal(0, 5, size=shape)
        np.testing.assert_allclose(ref.softmax(z), scipy_softmax(z, axis=-1), rtol=1e-12)
        np.testing.assert_allclose(ref.log_softmax(z), scipy_log_softmax(z, axis=-1), rtol=1e-12)


def test_softmax_is_stable_for_large_logits():
    z = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -999.5], [1e4, 0.0, -1e4]])
    p = ref.softmax(z)
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p, scipy_softmax(z, axis=-1), rtol=1e-12)
    np.testing.assert_allclose(p[0], ref.softmax([2.0, 1.0, 0.0]), rtol=1e-12)  # shift-free
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)


def test_cross_entropy_of_one_sample_and_the_mean_of_a_batch():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]])
    y = [0, 2, 1]
    by_loop = sum(-math.log(p[n][y[n]]) for n in range(3)) / 3
    assert ref.cross_entropy(p, y) == pytest.approx(by_loop, rel=1e-14)
    assert ref.cross_entropy(p[1], 2) == pytest.approx(-math.log(0.8), rel=1e-14)
    assert ref.cross_entropy([0.0, 1.0], 1) == 0.0
    assert ref.cross_entropy([1.0, 0.0], 1) == math.inf


@pytest.mark.parametrize("seed", range(5))
def test_loss_from_logits_and_its_gradient_against_finite_differences(seed, numeric_grad):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 2, size=(5,))
    y = int(rng.integers(5))
    logp = scipy_log_softmax(z)
    assert ref.softmax_cross_entropy(z, y) == pytest.approx(-logp[y], rel=1e-12)
    fd = numeric_grad(lambda v: -scipy_log_softmax(v)[y], z)
    np.testing.assert_allclose(ref.softmax_cross_entropy_gradient(z, y), fd, atol=1e-7)
    # a batch: the gradient of the mean loss
    batch = rng.normal(0, 2, size=(3, 4))
    labels = [int(v) for v in rng.integers(0, 4, size=3)]
    fd = numeric_grad(lambda v: ref.softmax_cross_entropy(v, labels), batch)
    np.testing.assert_allclose(ref.softmax_cross_entropy_gradient(batch, labels), fd, atol=1e-7)


def test_one_hot():
    np.testing.assert_array_equal(ref.one_hot(1, 3), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(ref.one_hot([2, 0], 3), [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])


def test_chain_exact_and_by_hand():
    exact = ref.softmax_chain([2.0, 1.0, 0.1], 0)
    np.testing.assert_allclose(exact.exps, np.exp([2.0, 1.0, 0.1]))
    assert exact.loss == pytest.approx(-math.log(math.exp(2) / sum(np.exp([2.0, 1.0, 0.1]))))
    np.testing.assert_allclose(exact.dL_dz, exact.p - [1.0, 0.0, 0.0])
    hand = ref.softmax_chain_by_hand([2.0, 1.0, 0.1], 0, 2)
    # worked on paper: e^2 = 7.39, e^1 = 2.72, e^0.1 = 1.11, sum 11.22
    np.testing.assert_array_equal(hand.exps, [7.39, 2.72, 1.11])
    assert hand.total == 11.22
    np.testing.assert_array_equal(hand.p, [0.66, 0.24, 0.10])  # 7.39/11.22 = 0.6586...
    assert hand.loss == 0.42  # -ln 0.66 = 0.4155...
    np.testing.assert_allclose(hand.dL_dz, [-0.34, 0.24, 0.10], atol=1e-15)
    # half away from zero in decimal: e^0.5 = 1.6487... -> 1.65 at 2 places
    assert ref.softmax_chain_by_hand([0.5, 0.0], 1, 2).exps[0] == 1.65


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ref.softmax([]), "softmax: z must have shape"),
        (lambda: ref.softmax([[[1.0]]]), "softmax: z must have shape"),
        (lambda: ref.softmax([1.0, float("nan")]), "softmax: z must be finite"),
        (lambda: ref.softmax("abc"), "softmax: z must be numeric"),
        (lambda: ref.cross_entropy([0.5, 0.5], 2), "class index 2 is out of range for 2"),
        (lambda: ref.cross_entropy([0.5, 0.5], -1), "cross_entropy: y must be >= 0"),
        (lambda: ref.cross_entropy([0.5, 0.5], 0.5), "cross_entropy: y must be an integer"),
        (lambda: ref.cross_entropy([0.5, 0.5], True), "cross_entropy: y must be an integer"),
        (lambda: ref.cross_entropy([0.5, 0.5], [0]), "one class index for one sample"),
        (lambda: ref.cross_entropy([[0.5, 0.5]], [0, 1]), "y must hold 1 class indexes"),
        (lambda: ref.cross_entropy([1.5, -0.5], 0), "p must hold probabilities"),
        (lambda: ref.softmax_chain([[1.0, 2.0]], 0), "softmax_chain: z must have shape (C,)"),
        (lambda: ref.softmax_chain_by_hand([1.0, 2.0], 0, -1), "decimals must be >= 0"),
    ],
)
def test_bad_input_names_the_function_and_the_value(call, message):
    with pytest.raises(ValueError, match=None) as err:
        call()
    assert message in str(err.value)
