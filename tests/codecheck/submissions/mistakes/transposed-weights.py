# ruff: noqa
# mlp_forward: W.T @ h, the weight matrix used transposed.
def mlp_forward(x, weights, biases, activation="sigmoid"):
    h = np.asarray(x, dtype=float)
    for w, b, act in zip(weights, biases, _layers(activation, len(weights))):
        h = _act(act, h @ np.asarray(w, dtype=float).T + np.asarray(b, dtype=float))
    return h
