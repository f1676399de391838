"""The course's worked numbers (CURRICULUM.md), as golden tests.

§5, one sigmoid neuron, z = w*x + b, loss 1/2 (y - y_hat)^2, x=0.5, y=1.5, w=0.3, b=0.1, lr=0.1:
  z = 0.3*0.5 + 0.1 = 0.25;  y_hat = 1/(1+e^-0.25) = 0.562177
  L = 0.5*(1.5 - 0.562177)^2 = 0.439756;  dL/dy_hat = -(1.5 - 0.562177) = -0.937823
  dy_hat/dz = 0.562177*(1 - 0.562177) = 0.246134
  dL/dw = -0.937823*0.246134*0.5 = -0.115415;  dL/db = -0.230830
  w_new = 0.3 + 0.1*0.115415 = 0.311542;  b_new = 0.1 + 0.1*0.230830 = 0.123083
By hand (read-offs to 2 d.p.): 0.56, 0.44, -0.94, 0.25; -0.94*0.25*0.5 = -0.1175; -0.235;
  0.3 + 0.01175 = 0.31175 -> 0.3118 (half away from zero); 0.1 + 0.0235 = 0.1235.
"""

import numpy as np
import pytest

import reference as ref

EXACT = {
    "z": 0.25,
    "y_hat": 0.562177,
    "loss": 0.439756,
    "dL_dyhat": -0.937823,
    "dyhat_dz": 0.246134,
    "dL_dw": -0.115415,
    "dL_db": -0.230830,
    "w_new": 0.311542,
    "b_new": 0.123083,
}
BY_HAND = {
    "z": 0.25,
    "y_hat": 0.56,
    "loss": 0.44,
    "dL_dyhat": -0.94,
    "dyhat_dz": 0.25,
    "dL_dw": -0.1175,
    "dL_db": -0.235,
    "w_new": 0.3118,
    "b_new": 0.1235,
}
NOTES = dict(x=0.5, y=1.5, w=0.3, b=0.1, lr=0.1)


@pytest.mark.parametrize("name", list(EXACT))
def test_neuron_chain_exact(name):
    chain = ref.neuron_chain(**NOTES).as_dict()
    assert chain[name] == pytest.approx(EXACT[name], abs=5e-7)


def test_neuron_chain_by_hand_reproduces_the_right_column():
    assert ref.neuron_chain_by_hand(**NOTES, decimals=2).as_dict() == BY_HAND


def test_by_hand_b_new_is_not_the_notes_slip():
    assert ref.neuron_chain_by_hand(**NOTES, decimals=2).b_new != 0.125


def test_round_half_up_is_decimal_not_binary():
    # w_new computed in binary floats lands just below 0.31175; on paper it rounds up.
    assert round(0.3 - 0.1 * -0.1175, 4) == 0.3117
    assert round(2.675, 2) == 2.67
    assert ref.round_half_up(2.675, 2) == 2.68
    assert ref.round_half_up(-0.1175, 3) == -0.118  # half away from zero
    assert ref.round_half_up(2.5, 0) == 3.0


def test_neuron_gradients_match_the_chain():
    c = ref.neuron_chain(**NOTES)
    dw, db = ref.neuron_gradients(0.5, 1.5, 0.3, 0.1)
    assert float(dw) == pytest.approx(c.dL_dw, rel=1e-12)
    assert db == pytest.approx(c.dL_db, rel=1e-12)
    assert float(ref.gradient_descent_step(0.3, dw, 0.1)) == pytest.approx(c.w_new, rel=1e-12)


def test_notes_feature_map():
    image = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
    kernel = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
    fmap = ref.conv2d(image, kernel)
    assert fmap[0, 0] == 4
    np.testing.assert_array_equal(fmap, [[4, 3, 4], [2, 4, 3], [2, 3, 4]])


def test_400_million_weights():
    assert ref.dense_param_count(200 * 200, 10_000, bias=False) == 400_000_000
    assert ref.dense_param_count(200 * 200, 10_000) == 400_010_000


def test_conv_layer_counts():
    # 3x3 kernels over an RGB image, 16 filters: 3*3*3*16 weights + 16 biases.
    assert ref.conv_param_count(3, 3, 16) == 448
    assert ref.conv_param_count((3, 5), 3, 16, bias=False) == 720
    assert ref.conv_output_size(5, 3) == 3
    assert ref.conv_output_size(32, 5, stride=2, padding=2) == 16
    assert ref.conv_output_size(7, 3, stride=2) == 3
