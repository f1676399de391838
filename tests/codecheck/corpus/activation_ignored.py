import numpy as np


def sigmoid(a, beta=1.0):
    return 1 / (1 + np.exp(-np.asarray(a, dtype=float)))  # beta forgotten


def neuron_output(x, w, b=0.0, activation="sigmoid", beta=1.0):
    z = np.dot(np.asarray(x, dtype=float), np.asarray(w, dtype=float)) + b
    return sigmoid(z, beta)
