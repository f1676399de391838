# ruff: noqa
# mlp_forward: the biases are never added.
def mlp_forward(x, weights, biases, activation="sigmoid"):
    h = np.asarray(x, dtype=float)
    for w, act in zip(weights, _layers(activation, len(weights))):
        h = _act(act, h @ np.asarray(w, dtype=float))
    return h
