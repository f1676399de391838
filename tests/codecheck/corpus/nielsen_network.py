"""network.py, after Michael Nielsen's book, in the course's function names."""
import numpy as np


def sigmoid(a, beta=1.0):
    """The sigmoid function."""
    return 1.0 / (1.0 + np.exp(-beta * a))


def sigmoid_derivative(a, beta=1.0):
    """Derivative of the sigmoid function."""
    return sigmoid(a) * (1 - sigmoid(a))


def mlp_forward(x, weights, biases, activation="sigmoid"):
    """Return the output of the network if ``x`` is input."""
    a = np.array(x, dtype=float)
    for b, w in zip(biases, weights):
        a = sigmoid(np.dot(a, np.array(w)) + np.array(b))
    return a
