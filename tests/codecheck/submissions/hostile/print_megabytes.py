# ruff: noqa
# conv_output_size prints megabytes of text but is right: it must still pass.
def conv_output_size(n, k, stride=1, padding=0):
    print("x" * 400_000)
    return (n + 2 * padding - k) // stride + 1
