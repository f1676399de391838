import numpy as np


def sse_loss(y_hat, y):
    # mean squared error from the tutorial
    return np.mean((np.array(y_hat) - np.array(y)) ** 2)
