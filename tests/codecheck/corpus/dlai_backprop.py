# L-layer model, backward pass written after the deeplearning.ai assignment (1/m in dW, db).
import numpy as np


def _act(Z, name):
    if name == "sigmoid":
        return 1 / (1 + np.exp(-Z))
    if name == "relu":
        return np.maximum(0, Z)
    return Z


def _act_backward(Z, name):
    if name == "sigmoid":
        s = 1 / (1 + np.exp(-Z))
        return s * (1 - s)
    if name == "relu":
        return (Z > 0).astype(float)
    return np.ones_like(Z)


def mlp_gradients(x, y, weights, biases, activation="sigmoid"):
    L = len(weights)
    names = [activation] * L if isinstance(activation, str) else list(activation)
    A = np.atleast_2d(np.array(x, dtype=float))
    m = A.shape[0]
    caches = []
    for W, b, name in zip(weights, biases, names):
        Z = A @ np.array(W, dtype=float) + np.array(b, dtype=float)
        caches.append((A, Z))
        A = _act(Z, name)
    Y = np.array(y, dtype=float).reshape(A.shape)
    dA = A - Y
    grads_W, grads_b = [None] * L, [None] * L
    for l in reversed(range(L)):
        A_prev, Z = caches[l]
        dZ = dA * _act_backward(Z, names[l])
        grads_W[l] = 1.0 / m * A_prev.T @ dZ
        grads_b[l] = 1.0 / m * np.sum(dZ, axis=0)
        dA = dZ @ np.array(weights[l], dtype=float).T
    return grads_W, grads_b
