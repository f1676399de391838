import numpy as np


def conv_output_size(n, k, stride=1, padding=0):
    return 1 + (n + 2 * padding - k) / stride


def conv2d(image, kernel, stride=1, padding=0):
    """A naive implementation of the forward pass for a convolutional layer."""
    x = np.array(image, dtype=float)
    w = np.array(kernel, dtype=float)
    H, W = x.shape
    HH, WW = w.shape
    H_out = 1 + (H + 2 * padding - HH) / stride
    W_out = 1 + (W + 2 * padding - WW) / stride
    out = np.zeros((H_out, W_out))
    x_pad = np.pad(x, ((padding, padding), (padding, padding)), mode="constant")
    for i in range(int(H_out)):
        for j in range(int(W_out)):
            window = x_pad[i * stride : i * stride + HH, j * stride : j * stride + WW]
            out[i, j] = np.sum(window * w)
    return out
