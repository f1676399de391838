# ruff: noqa
# dense_param_count: weights only.
def dense_param_count(n_in, n_out, bias=True):
    return n_in * n_out
