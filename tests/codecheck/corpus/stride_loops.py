import numpy as np


def conv2d(image, kernel, stride=1, padding=0):
    img = np.pad(np.array(image, dtype=float), padding)
    k = np.array(kernel, dtype=float)
    rows = []
    for i in range(0, img.shape[0] - k.shape[0], stride):
        row = []
        for j in range(0, img.shape[1] - k.shape[1], stride):
            row.append(np.sum(img[i : i + k.shape[0], j : j + k.shape[1]] * k))
        rows.append(row)
    return np.array(rows)
