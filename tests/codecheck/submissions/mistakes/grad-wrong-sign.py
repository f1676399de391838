# ruff: noqa
# neuron_gradients: dL/dy_hat taken as (y - y_hat).
def neuron_gradients(x, y, w, b):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    z = x * w + b if w.ndim == 0 else x @ w + b
    y_hat = sigmoid(z)
    delta = (np.asarray(y, dtype=float) - y_hat) * y_hat * (1 - y_hat)
    if w.ndim == 0:
        return float(np.sum(delta * x)), float(np.sum(delta))
    dw = delta @ x if x.ndim == 2 else delta * x
    return dw, float(np.sum(delta))
