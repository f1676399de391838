import numpy as np


def conv_output_size(n, k, stride=1, padding=0):
    return (n + 2 * padding - k) // stride + 1


def conv2d(image, kernel, stride=1, padding=0):
    # convolution as in the signal processing course: flip the kernel first
    image = np.pad(np.asarray(image, dtype=float), padding)
    kernel = np.flipud(np.fliplr(np.asarray(kernel, dtype=float)))
    kh, kw = kernel.shape
    out_h = (image.shape[0] - kh) // stride + 1
    out_w = (image.shape[1] - kw) // stride + 1
    out = np.zeros((out_h, out_w))
    for r in range(out_h):
        for c in range(out_w):
            patch = image[r * stride : r * stride + kh, c * stride : c * stride + kw]
            out[r, c] = (patch * kernel).sum()
    return out
