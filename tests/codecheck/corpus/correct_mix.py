import numpy as np


def sigmoid(a, beta=1.0):
    t = beta * np.asarray(a, dtype=float)
    e = np.exp(-np.abs(t))
    return np.where(t >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(a, beta=1.0):
    s = sigmoid(a, beta)
    return beta * s * (1 - s)


def relu(a):
    return np.maximum(0.0, np.asarray(a, dtype=float))


def relu_derivative(a):
    return (np.asarray(a, dtype=float) >= 0).astype(float)  # 1 at exactly 0 is allowed


def conv_output_size(n, k, stride=1, padding=0):
    return int((n + 2 * padding - k) / stride) + 1


def conv_param_count(kernel_size, c_in, c_out, bias=True):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return kh * kw * c_in * c_out + (c_out if bias else 0)
