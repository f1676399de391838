# Week 3 helpers, written after the deeplearning.ai notebooks: column vectors and 1/m.
import numpy as np


def sigmoid(a, beta=1.0):
    """Compute the sigmoid of z"""
    z = np.asarray(a, dtype=float)
    s = 1 / (1 + np.exp(-beta * z))
    return s


def relu(a):
    Z = np.array(a, dtype=float)
    A = np.maximum(0, Z)
    return A


def neuron_output(x, w, b=0.0, activation="sigmoid", beta=1.0):
    X = np.array(x, dtype=float)
    W = np.array(w, dtype=float).reshape(-1, 1)  # w as a column, like in the course
    if X.ndim == 1:
        X = X.reshape(1, -1) if W.shape[0] > 1 else X.reshape(-1, 1)
    Z = np.dot(X, W) + b  # (m, 1)
    if activation == "sigmoid":
        return sigmoid(Z, beta)
    elif activation == "relu":
        return relu(Z)
    return Z


def sse_loss(y_hat, y):
    m = np.size(y)
    cost = (1 / m) * np.sum((np.array(y_hat) - np.array(y)) ** 2) / 2
    return float(cost)


def neuron_gradients(x, y, w, b):
    X = np.atleast_2d(np.array(x, dtype=float))
    if np.ndim(x) == 0:
        X = X.reshape(1, 1)
    elif np.ndim(x) == 1 and np.ndim(w) == 0:
        X = X.reshape(-1, 1)
    m = X.shape[0]
    W = np.array(w, dtype=float).reshape(-1)
    A = sigmoid(X @ W + b)
    Y = np.array(y, dtype=float).reshape(A.shape)
    dZ = (A - Y) * A * (1 - A)
    dw = (1 / m) * (X.T @ dZ)
    db = (1 / m) * np.sum(dZ)
    return dw.reshape(np.shape(w)), float(db)
