# ruff: noqa
# gradient_descent_step: steps uphill.
def gradient_descent_step(param, grad, lr):
    return np.asarray(param, dtype=float) + lr * np.asarray(grad, dtype=float)
