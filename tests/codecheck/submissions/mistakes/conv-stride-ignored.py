# ruff: noqa
# conv2d: the kernel always moves by one pixel.
def conv2d(image, kernel, stride=1, padding=0):
    img = np.pad(np.asarray(image, dtype=float), padding)
    k = np.asarray(kernel, dtype=float)
    kh, kw = k.shape
    rows = range(0, img.shape[0] - kh + 1)
    cols = range(0, img.shape[1] - kw + 1)
    return np.array([[np.sum(img[i : i + kh, j : j + kw] * k) for j in cols] for i in rows])
