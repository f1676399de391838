# ruff: noqa
# conv_param_count: one bias forgotten per filter.
def conv_param_count(kernel_size, c_in, c_out, bias=True):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return kh * kw * c_in * c_out
