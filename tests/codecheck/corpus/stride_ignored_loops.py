import numpy as np


def conv2d(image, kernel, stride=1, padding=0):
    img = np.pad(np.array(image, dtype=float), padding)
    k = np.array(kernel, dtype=float)
    H = img.shape[0] - k.shape[0] + 1
    W = img.shape[1] - k.shape[1] + 1
    out = np.zeros((H, W))
    for i in range(H):
        for j in range(W):
            out[i, j] = np.sum(img[i : i + k.shape[0], j : j + k.shape[1]] * k)
    return out
