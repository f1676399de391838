"""Partly pinned networks: what is drawn fits what is pinned, for every seed."""

from __future__ import annotations

import numpy as np
import pytest

from grader.topics import CATALOGUE

THREE_LAYERS = [
    [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]],
    [[0.1, 0.2], [-0.3, 0.4], [0.5, -0.6]],
    [[1, -1], [0.5, 0.5], [-0.5, 2]],
]


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


@pytest.mark.parametrize("seed", range(12))
def test_pinned_three_layer_network_keeps_the_default_activation(seed):
    X = [[1, 0, 1], [1, 1, 0]]
    pinned = {"X": X, "weights": THREE_LAYERS, "augment": [False, True, True]}
    problem = CATALOGUE["mlp_forward"].generate(np.random.default_rng(seed), pinned)
    h = np.asarray(X, dtype=float)
    for i, w in enumerate(THREE_LAYERS):
        if i:
            h = np.hstack([np.ones((len(h), 1)), h])
        h = _sigmoid(h @ np.asarray(w))
    np.testing.assert_allclose(problem.part("output").answer, h)
    assert problem.params["activation"] == "sigmoid" and problem.params["beta"] == 1


@pytest.mark.parametrize("exercise", ["mlp_forward", "mlp_backprop"])
@pytest.mark.parametrize("seed", range(8))
def test_pinned_weights_alone_draw_a_fitting_x(exercise, seed):
    problem = CATALOGUE[exercise].generate(np.random.default_rng(seed), {"weights": THREE_LAYERS})
    X = np.asarray(problem.params["X"])
    assert X.shape[1] == 3 and np.all(X[:, 0] == 1)
    assert problem.params["augment"] == [False, True, True]


@pytest.mark.parametrize("exercise", ["mlp_forward", "mlp_backprop"])
@pytest.mark.parametrize("seed", range(8))
def test_pinned_x_alone_draws_fitting_weights(exercise, seed):
    X = [[1, 2, 0, 1], [1, 0, 1, 1]]
    problem = CATALOGUE[exercise].generate(np.random.default_rng(seed), {"X": X})
    assert len(problem.params["weights"][0]) == 4


def test_a_single_weight_has_a_single_possible_sample():
    problem = CATALOGUE["mlp_forward"].generate(np.random.default_rng(2), {"weights": [[[1.0]]]})
    assert problem.params["X"] == [[1.0]]


@pytest.mark.parametrize("exercise", ["mlp_forward", "mlp_backprop"])
def test_first_layer_augmented_draws_plain_inputs_and_says_so(exercise):
    problem = CATALOGUE[exercise].generate(np.random.default_rng(2), {"augment": [True, True]})
    assert "prepends the column of ones to X" in problem.statement
    assert "already holds" not in problem.statement


@pytest.mark.parametrize("seed", range(8))
def test_a_pinned_small_image_gets_a_kernel_that_fits(seed):
    problem = CATALOGUE["conv_feature_map"].generate(
        np.random.default_rng(seed), {"image": [[1, 2], [3, 4]]}
    )
    assert np.shape(problem.params["kernel"]) <= (2, 2)


@pytest.mark.parametrize("seed", range(8))
def test_a_pinned_large_kernel_gets_an_image_that_fits(seed):
    kernel = [[1, 0, 0, 0, 1], [0, 1, 0, 1, 0], [0, 0, 1, 0, 0]]
    problem = CATALOGUE["conv_feature_map"].generate(
        np.random.default_rng(seed), {"kernel": kernel}
    )
    h, w = np.shape(problem.params["image"])
    assert h >= 3 and w >= 5


@pytest.mark.parametrize("seed", range(8))
def test_a_pinned_small_input_size_gets_a_kernel_that_fits(seed):
    problem = CATALOGUE["conv_output_size"].generate(np.random.default_rng(seed), {"n": 4})
    p = problem.params
    assert p["k"] <= p["n"] + 2 * p["padding"]
