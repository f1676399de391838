# ruff: noqa
# conv_output_size: forgot the + 1.
def conv_output_size(n, k, stride=1, padding=0):
    return (n + 2 * padding - k) // stride
