import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import reference as ref

finite = st.floats(-1e4, 1e4, allow_nan=False)
betas = st.floats(0.05, 5.0)


@given(finite, betas)
def test_sigmoid_in_unit_interval_and_symmetric(a, beta):
    s = float(ref.sigmoid(a, beta))
    assert 0.0 <= s <= 1.0
    assert s + float(ref.sigmoid(-a, beta)) == pytest.approx(1.0, abs=1e-12)


def test_sigmoid_is_stable_at_the_extremes():
    a = np.array([-1e4, -1000.0, -50.0, 0.0, 50.0, 1000.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = ref.sigmoid(a, beta=3.0)
        d = ref.sigmoid_derivative(a, beta=3.0)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(d))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert ref.sigmoid(-50.0) == pytest.approx(1.9287498479639178e-22, rel=1e-12)


def test_sigmoid_values_and_shape():
    a = np.array([[0.25, -1.0], [2.0, 0.0]])
    expected = 1 / (1 + np.exp(-2.0 * a))
    np.testing.assert_allclose(ref.sigmoid(a, 2.0), expected, rtol=1e-15)
    assert ref.sigmoid(a).shape == (2, 2)
    assert ref.sigmoid([1, 2, 3]).dtype == np.float64


_a, _beta = sp.symbols("a beta", real=True)
_sym_derivative = sp.lambdify(
    (_a, _beta), sp.diff(1 / (1 + sp.exp(-_beta * _a)), _a), modules="math"
)


@given(st.floats(-30, 30), betas)
def test_sigmoid_derivative_matches_sympy(a, beta):
    assert float(ref.sigmoid_derivative(a, beta)) == pytest.approx(
        _sym_derivative(a, beta), rel=1e-9, abs=1e-15
    )


@given(st.floats(-20, 20), betas)
def test_sigmoid_derivative_is_beta_s_one_minus_s(a, beta):
    s = float(ref.sigmoid(a, beta))
    assert float(ref.sigmoid_derivative(a, beta)) == pytest.approx(beta * s * (1 - s), rel=1e-12)


@given(finite)
def test_relu_idempotent_and_nonnegative(a):
    r = ref.relu(a)
    assert r >= 0
    assert ref.relu(r) == r
    assert r == max(0.0, a)


def test_relu_derivative_convention_at_zero():
    np.testing.assert_array_equal(ref.relu_derivative([-2.0, 0.0, 3.0]), [0.0, 0.0, 1.0])


@pytest.mark.parametrize("name", ["sigmoid", "relu", "linear"])
def test_derivatives_by_central_differences(name):
    a = np.array([-2.3, -0.7, 0.4, 1.9])
    h = 1e-6
    numeric = (ref.apply_activation(name, a + h, 1.7) - ref.apply_activation(name, a - h, 1.7)) / (
        2 * h
    )
    np.testing.assert_allclose(ref.activation_derivative(name, a, 1.7), numeric, rtol=1e-7)


def test_unknown_activation_and_bad_input_are_named():
    with pytest.raises(ValueError, match="activation must be one of"):
        ref.apply_activation("tanh", 1.0)
    with pytest.raises(ValueError, match="sigmoid: a must be numeric"):
        ref.sigmoid("abc")
    with pytest.raises(ValueError, match="sigmoid: beta must be finite"):
        ref.sigmoid(1.0, float("nan"))
