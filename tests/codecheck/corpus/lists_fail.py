import numpy as np


def sigmoid(a, beta=1.0):
    return 1 / (1 + np.exp(-beta * a))


def sse_loss(y_hat, y):
    return 0.5 * np.sum((y - y_hat) ** 2)


def gradient_descent_step(param, grad, lr):
    return param - lr * grad
