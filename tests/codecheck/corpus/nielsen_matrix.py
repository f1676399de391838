import numpy as np


def relu(a):
    return np.matrix(np.maximum(0.0, np.array(a, dtype=float)))


def relu_derivative(a):
    return (np.array(a, dtype=float) > 0) * 1.0
