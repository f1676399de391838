# ruff: noqa
# sse_loss: the lecture's J without the 1/2.
def sse_loss(y_hat, y):
    return float(np.sum((np.asarray(y, dtype=float) - np.asarray(y_hat, dtype=float)) ** 2))
