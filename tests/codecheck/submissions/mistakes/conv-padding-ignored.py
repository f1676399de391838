# ruff: noqa
# conv2d: the padding argument is accepted and ignored.
def conv2d(image, kernel, stride=1, padding=0):
    img = np.asarray(image, dtype=float)
    k = np.asarray(kernel, dtype=float)
    kh, kw = k.shape
    rows = range(0, img.shape[0] - kh + 1, stride)
    cols = range(0, img.shape[1] - kw + 1, stride)
    return np.array([[np.sum(img[i : i + kh, j : j + kw] * k) for j in cols] for i in rows])
