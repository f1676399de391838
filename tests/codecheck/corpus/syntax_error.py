import numpy as np

def sigmoid(a, beta=1.0)
    return 1 / (1 + np.exp(-beta * a))

def relu(a):
    return np.maximum(0, a)
