# ruff: noqa
# conv_param_count dereferences a null pointer.
import ctypes


def conv_param_count(kernel_size, c_in, c_out, bias=True):
    return ctypes.string_at(0)
