# ruff: noqa
# mlp_gradients: each dL/dW returned transposed, shaped (outputs, inputs).
_right_gradients = mlp_gradients


def mlp_gradients(x, y, weights, biases, activation="sigmoid"):
    gw, gb = _right_gradients(x, y, weights, biases, activation)
    return [g.T for g in gw], gb
