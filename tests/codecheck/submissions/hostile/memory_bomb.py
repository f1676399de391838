# ruff: noqa
# conv2d asks for 4 GiB at once (the machine might have it; the sandbox must refuse).
def conv2d(image, kernel, stride=1, padding=0):
    return np.ones(2**29)
