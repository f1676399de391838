import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference as ref


def test_neuron_output_shapes():
    w = np.array([0.2, -0.5, 1.0])
    assert ref.neuron_output([1.0, 2.0, 3.0], w, 0.1).shape == ()
    assert ref.neuron_output(np.ones((4, 3)), w, 0.1).shape == (4,)
    assert ref.neuron_output(0.5, 0.3, 0.1) == pytest.approx(0.5621765008857981)
    assert ref.neuron_output([1.0, -2.0], [1.0, 1.0], activation="relu") == 0.0
    assert ref.neuron_output([1.0, 2.0], [1.0, 1.0], 0.5, activation="linear") == 3.5
    with pytest.raises(ValueError, match="neuron_output: x must have shape"):
        ref.neuron_output(np.ones((4, 2)), w)


def test_losses_halved_and_plain():
    y_hat, y = [0.2, 0.9], [0.0, 1.0]
    assert ref.sse_loss(y_hat, y) == pytest.approx(0.5 * (0.04 + 0.01))
    assert ref.sse_loss_plain(y_hat, y) == pytest.approx(0.05)


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "linear"])
def test_neuron_gradients_by_central_differences(activation, numeric_grad):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(5, 3))
    y = rng.uniform(size=5)
    w = rng.normal(size=3)
    b = 0.3

    def loss_w(wv):
        return ref.sse_loss(ref.neuron_output(x, wv, b, activation, 1.5), y)

    def loss_b(bv):
        return ref.sse_loss(ref.neuron_output(x, w, float(bv[0]), activation, 1.5), y)

    dw, db = ref.neuron_gradients(x, y, w, b, activation, 1.5)
    assert dw.shape == w.shape
    np.testing.assert_allclose(dw, numeric_grad(loss_w, w), rtol=1e-6, atol=1e-9)
    assert db == pytest.approx(numeric_grad(loss_b, [b])[0], rel=1e-6)


def test_neuron_gradients_single_sample_vector_weights():
    x, y, w, b = np.array([0.5, -1.0]), 1.0, np.array([0.3, 0.2]), 0.1
    dw, db = ref.neuron_gradients(x, y, w, b)
    s = 1 / (1 + np.exp(-(x @ w + b)))
    np.testing.assert_allclose(dw, -(y - s) * s * (1 - s) * x)
    assert db == pytest.approx(-(y - s) * s * (1 - s))


@settings(max_examples=50)
@given(st.floats(-2, 2), st.floats(-2, 2), st.floats(-2, 2), st.floats(-2, 2), st.floats(0.01, 1))
def test_neuron_chain_is_consistent_with_finite_differences(x, y, w, b, lr):
    c = ref.neuron_chain(x, y, w, b, lr)

    def loss(wv, bv):
        return 0.5 * (y - float(ref.sigmoid(wv * x + bv))) ** 2

    h = 1e-6
    assert c.dL_dw == pytest.approx((loss(w + h, b) - loss(w - h, b)) / (2 * h), abs=1e-7)
    assert c.dL_db == pytest.approx((loss(w, b + h) - loss(w, b - h)) / (2 * h), abs=1e-7)
    assert c.w_new == pytest.approx(w - lr * c.dL_dw)
    assert c.b_new == pytest.approx(b - lr * c.dL_db)
    assert c.loss == pytest.approx(loss(w, b))


def test_gradient_descent_step_moves_downhill():
    np.testing.assert_allclose(ref.gradient_descent_step([1.0, 2.0], [0.5, -1.0], 0.1), [0.95, 2.1])
    with pytest.raises(ValueError, match="gradient_descent_step: grad has shape"):
        ref.gradient_descent_step([1.0, 2.0], [1.0], 0.1)
