import numpy as np


def sigmoid(a, beta=1.0):
    return 1 / (1 + np.exp(-beta * np.asarray(a, dtype=float)))


def relu(a):
    return np.maximum(0, np.asarray(a, dtype=float))


# train a little to see it work
w = 0.3
while True:
    w = w - 0.1 * sigmoid(w)
