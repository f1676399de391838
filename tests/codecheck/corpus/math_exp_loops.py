import math


def sigmoid(a, beta=1.0):
    return 1 / (1 + math.exp(-beta * a))


def relu(a):
    if a > 0:
        return a
    return 0.0


def gradient_descent_step(param, grad, lr):
    new = []
    for p, g in zip(param, grad):
        new.append(p - lr * g)
    return new
