import itertools

import numpy as np
import pytest

import reference as ref


def _network(rng, sizes):
    ws = [rng.normal(size=(a, b)) for a, b in itertools.pairwise(sizes)]
    bs = [rng.normal(size=b) for b in sizes[1:]]
    return ws, bs


@pytest.mark.parametrize(
    "activation",
    ["sigmoid", "linear", ["sigmoid", "relu", "linear"], ["relu", "sigmoid", "sigmoid"]],
)
def test_mlp_gradients_by_central_differences(activation, numeric_grad):
    rng = np.random.default_rng(3)
    sizes = [4, 3, 5, 2]  # non-square, 3 layers
    ws, bs = _network(rng, sizes)
    x = rng.normal(size=(6, 4))  # batch > 1
    y = rng.uniform(size=(6, 2))
    dws, dbs = ref.mlp_gradients(x, y, ws, bs, activation, 1.3)

    for layer in range(3):

        def loss_w(wl, layer=layer):
            w2 = [*ws]
            w2[layer] = wl
            return ref.sse_loss(ref.mlp_forward(x, w2, bs, activation, 1.3), y)

        def loss_b(bl, layer=layer):
            b2 = [*bs]
            b2[layer] = bl
            return ref.sse_loss(ref.mlp_forward(x, ws, b2, activation, 1.3), y)

        assert dws[layer].shape == ws[layer].shape
        assert dbs[layer].shape == bs[layer].shape
        np.testing.assert_allclose(
            dws[layer], numeric_grad(loss_w, ws[layer]), rtol=1e-5, atol=1e-8
        )
        np.testing.assert_allclose(
            dbs[layer], numeric_grad(loss_b, bs[layer]), rtol=1e-5, atol=1e-8
        )


def test_augmented_gradients_by_central_differences_with_mixed_augmentation(numeric_grad):
    rng = np.random.default_rng(11)
    X = np.hstack([np.ones((5, 1)), rng.normal(size=(5, 2))])  # leading ones given as printed
    ws = [rng.normal(size=(3, 4)), rng.normal(size=(5, 3)), rng.normal(size=(3, 2))]
    augment = [False, True, False]
    Y = rng.uniform(size=(5, 2))
    grads = ref.mlp_gradients_augmented(X, Y, ws, augment, "sigmoid")
    for layer in range(3):

        def loss(wl, layer=layer):
            w2 = [*ws]
            w2[layer] = wl
            return ref.sse_loss(ref.mlp_forward_augmented(X, w2, augment), Y)

        np.testing.assert_allclose(
            grads[layer], numeric_grad(loss, ws[layer]), rtol=1e-5, atol=1e-9
        )


def test_course_three_layer_formula_is_one_call():
    # F(X) = sigma([1, sigma([1, sigma(X W1)] W2)] W3), X with its leading ones.
    rng = np.random.default_rng(5)
    X = np.array([[1.0, 0.6, 0.5, 0.7], [1.0, -0.2, 0.1, 0.3]])
    W1, W2, W3 = rng.normal(size=(4, 3)), rng.normal(size=(4, 2)), rng.normal(size=(3, 3))

    def s(a):
        return 1 / (1 + np.exp(-a))

    def ones(h):
        return np.hstack([np.ones((h.shape[0], 1)), h])

    expected = s(ones(s(ones(s(X @ W1)) @ W2)) @ W3)
    got = ref.mlp_forward_augmented(X, [W1, W2, W3], [False, True, True], "sigmoid")
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_separate_bias_and_augmented_notations_agree():
    rng = np.random.default_rng(9)
    ws, bs = _network(rng, [3, 4, 2])
    x = rng.normal(size=(7, 3))
    stacked = [np.vstack([b[None, :], w]) for w, b in zip(ws, bs, strict=True)]
    X = np.hstack([np.ones((7, 1)), x])
    sep = ref.mlp_forward(x, ws, bs, ["relu", "sigmoid"])
    aug = ref.mlp_forward_augmented(X, stacked, [False, True], ["relu", "sigmoid"])
    np.testing.assert_allclose(sep, aug, rtol=1e-14)
    y = rng.uniform(size=(7, 2))
    dws, dbs = ref.mlp_gradients(x, y, ws, bs, ["relu", "sigmoid"])
    daug = ref.mlp_gradients_augmented(X, y, stacked, [False, True], ["relu", "sigmoid"])
    for dw, db, da in zip(dws, dbs, daug, strict=True):
        np.testing.assert_allclose(np.vstack([db[None, :], dw]), da, rtol=1e-12)


def test_single_sample_and_predict():
    ws = [np.array([[1.0, -1.0, 0.0], [0.5, 0.5, 2.0]])]
    bs = [np.array([0.0, 0.0, -1.0])]
    out = ref.mlp_forward([1.0, 1.0], ws, bs, "linear")
    np.testing.assert_allclose(out, [1.5, -0.5, 1.0])
    assert ref.predict([1.0, 1.0], ws, bs, "linear") == 0
    batch = np.array([[1.0, 1.0], [0.0, 3.0]])
    np.testing.assert_array_equal(ref.predict(batch, ws, bs, "linear"), [0, 2])


def test_mlp_forward_by_hand_rounds_each_layer():
    X = [[1.0, 0.5, 0.2]]
    W1 = [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]
    W2 = [[0.1], [0.2], [0.3]]
    trace = ref.mlp_forward_by_hand(X, [W1, W2], [False, True], "sigmoid", decimals=2)
    # layer 1: a = [0.1+0.15+0.1, 0.2-0.2+0.12] = [0.35, 0.12] -> sigma = [0.5866, 0.5300]
    np.testing.assert_array_equal(trace.outputs[0], [[0.59, 0.53]])
    # layer 2: 0.1 + 0.2*0.59 + 0.3*0.53 = 0.377 -> sigma = 0.59315 -> 0.59
    np.testing.assert_allclose(trace.pre[1], [[0.377]], rtol=1e-15)
    np.testing.assert_array_equal(trace.outputs[1], [[0.59]])


def test_mlp_validation_messages():
    with pytest.raises(
        ValueError, match="layer 1 input has 2 columns but weights\\[0\\] has 3 rows"
    ):
        ref.mlp_forward_augmented([[1.0, 2.0]], [np.ones((3, 1))], [False])
    with pytest.raises(ValueError, match="activation lists 1 layers but there are 2 weights"):
        ref.mlp_forward([1.0], [np.ones((1, 1))] * 2, [np.ones(1)] * 2, ["relu"])
    with pytest.raises(ValueError, match="biases\\[0\\] has 2 entries"):
        ref.mlp_forward([1.0], [np.ones((1, 3))], [np.ones(2)])


def test_mlp_backprop_by_hand_worked_on_paper():
    # X = [1, 0.5, -1] already holds its 1; layer 2 prepends one. Worked on paper, 2 places:
    # Z1 = [-0.25, -0.6], H1 = [0.44, 0.35]; Z2 = 0.208, H2 = 0.55; sigma' = 0.2475 -> 0.25;
    # delta2 = -0.45 * 0.25 = -0.1125; dL/dW2 = [1, 0.44, 0.35] * delta2 (to 4 places);
    # delta2 W2^T = [-0.0225, 0.03375, -0.045] -> drop the 1's column, 4 places: [0.0338, -0.045];
    # sigma'(H1) = [0.2464, 0.2275] -> [0.25, 0.23]; delta1 = [0.00845, -0.01035] -> 4 places.
    from reference.handcalc import mlp_backprop_by_hand

    X = [[1, 0.5, -1.0]]
    W1 = [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]
    W2 = [[0.2], [-0.3], [0.4]]
    hand = mlp_backprop_by_hand(X, [[1.0]], [W1, W2], [False, True], "sigmoid", decimals=2)
    assert hand.forward.outputs[0].tolist() == [[0.44, 0.35]]
    assert hand.deltas[1].tolist() == [[-0.1125]]
    assert hand.grads[1].ravel().tolist() == [-0.1125, -0.0495, -0.0394]
    assert hand.deltas[0].tolist() == [[0.0085, -0.0104]]
    assert hand.grads[0].tolist() == [[0.0085, -0.0104], [0.0043, -0.0052], [-0.0085, 0.0104]]


@pytest.mark.parametrize("activation", ["sigmoid", "relu", ["relu", "linear"], ["sigmoid", "relu"]])
def test_mlp_backprop_by_hand_to_many_places_is_the_exact_gradient(activation):
    from reference.handcalc import mlp_backprop_by_hand

    rng = np.random.default_rng(7)
    X = rng.normal(size=(3, 2)).round(2)
    weights = [rng.normal(size=(3, 4)).round(2), rng.normal(size=(5, 2)).round(2)]
    Y = rng.integers(0, 2, size=(3, 2)).astype(float)
    exact = ref.mlp_gradients_augmented(X, Y, weights, [True, True], activation, 1.5)
    fine = mlp_backprop_by_hand(X, Y, weights, [True, True], activation, 1.5, decimals=14)
    for got, want in zip(fine.grads, exact, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    coarse = mlp_backprop_by_hand(X, Y, weights, [True, True], activation, 1.5, decimals=2)
    for g in coarse.grads:  # products of rounded values, shown to 2K = 4 places
        assert np.array_equal(g, np.round(g, 4))
    with pytest.raises(ValueError, match="Y must have shape"):
        mlp_backprop_by_hand(X, Y[:2], weights, [True, True], activation, 1.5)


def test_a_published_step_by_step_backpropagation_example():
    # Matt Mazur, "A Step by Step Backpropagation Example" (2015): a 2-2-2 sigmoid network
    # with biases 0.35 and 0.60, inputs 0.05 and 0.10, targets 0.01 and 0.99. Its published
    # gradients: w1..w4 (input to hidden) and w5..w8 (hidden to output).
    X = [[1, 0.05, 0.10]]  # the 1 carries the first layer's bias
    W1 = [[0.35, 0.35], [0.15, 0.25], [0.20, 0.30]]
    W2 = [[0.60, 0.60], [0.40, 0.50], [0.45, 0.55]]
    g1, g2 = ref.mlp_gradients_augmented(X, [[0.01, 0.99]], [W1, W2], [False, True], "sigmoid")
    published = {
        "w1": (g1[1, 0], 0.000438568),
        "w2": (g1[2, 0], 0.000877135),
        "w3": (g1[1, 1], 0.000497713),
        "w4": (g1[2, 1], 0.000995425),
        "w5": (g2[1, 0], 0.082167041),
        "w6": (g2[2, 0], 0.082667628),
        "w7": (g2[1, 1], -0.022602540),
        "w8": (g2[2, 1], -0.022740242),
    }
    for name, (got, want) in published.items():
        assert abs(got - want) < 5e-9, name
    out = ref.mlp_forward_augmented(X, [W1, W2], [False, True], "sigmoid")
    assert abs(0.5 * np.sum((np.array([[0.01, 0.99]]) - out) ** 2) - 0.298371109) < 5e-9
