# ruff: noqa
# mlp_gradients: backpropagation without any activation derivative.
def mlp_gradients(x, y, weights, biases, activation="sigmoid"):
    acts = _layers(activation, len(weights))
    h = np.atleast_2d(np.asarray(x, dtype=float))
    ws = [np.asarray(w, dtype=float) for w in weights]
    inputs = []
    for w, b, act in zip(ws, biases, acts):
        inputs.append(h)
        h = _act(act, h @ w + np.asarray(b, dtype=float))
    delta = -(np.asarray(y, dtype=float).reshape(h.shape) - h)
    gw, gb = [None] * len(ws), [None] * len(ws)
    for layer in range(len(ws) - 1, -1, -1):
        gw[layer] = inputs[layer].T @ delta
        gb[layer] = delta.sum(axis=0)
        delta = delta @ ws[layer].T
    return gw, gb
