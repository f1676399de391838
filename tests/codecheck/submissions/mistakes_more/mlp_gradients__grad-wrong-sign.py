# ruff: noqa
# mlp_gradients: every gradient negated (dL/dy_hat taken as y - y_hat).
_right_gradients = mlp_gradients


def mlp_gradients(x, y, weights, biases, activation="sigmoid"):
    gw, gb = _right_gradients(x, y, weights, biases, activation)
    return [-g for g in gw], [-g for g in gb]
