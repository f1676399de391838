# ruff: noqa
# sigmoid_derivative: s * (1 - s) without the factor beta.
def sigmoid_derivative(a, beta=1.0):
    s = sigmoid(a, beta)
    return s * (1.0 - s)
