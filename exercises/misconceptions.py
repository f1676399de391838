"""The known mistakes the grader recognises (the product contract fixes the first thirteen ids
and the five after them; the others are further mistakes it names)."""

from __future__ import annotations

MISCONCEPTIONS: dict[str, str] = {
    "conv-flipped-kernel": (
        "You flipped the kernel: in a CNN, 'convolution' is cross-correlation, so the kernel "
        "is slid over the image as it is, not rotated by 180 degrees."
    ),
    "conv-padding-ignored": (
        "You ignored the padding: add the rows and columns of zeros around the image first."
    ),
    "conv-stride-ignored": (
        "You ignored the stride: the kernel moves by the stride, not by one pixel, each step."
    ),
    "conv-size-off-by-one": ("Your output size is off by one: it is floor((n + 2p - k) / s) + 1."),
    "gd-wrong-sign": (
        "Wrong sign in the update: gradient descent steps against the gradient, "
        "w_new = w - lr * dL/dw."
    ),
    "loss-missing-half": ("You dropped the 1/2: this loss is L = 1/2 * sum((y - y_hat)^2)."),
    "grad-wrong-sign": ("Your gradient has the wrong sign: dL/dy_hat = -(y - y_hat) = y_hat - y."),
    "grad-missing-activation-derivative": (
        "You left out the activation's derivative in the chain rule: multiply by "
        "dy_hat/dz = sigma'(z)."
    ),
    "sigmoid-derivative-missing-beta": (
        "You left out beta: the derivative of 1/(1+exp(-beta*a)) is beta*s*(1-s)."
    ),
    "param-count-missing-bias": (
        "You forgot the biases: each output neuron or filter has one bias parameter too."
    ),
    "predict-one-based": (
        "Your classes are numbered from 1: the predicted class is the 0-based index of the "
        "largest output."
    ),
    "mlp-missing-bias": (
        "You left out the bias: each layer adds its bias (or prepends a column of ones)."
    ),
    "transposed-weights": (
        "You used the weight matrix transposed: the layer computes X @ W with W of shape "
        "(inputs, outputs)."
    ),
    "loss-mean-instead-of-sum": (
        "You averaged the loss over the samples: the course's loss is a sum, "
        "L = 1/2 * sum((y - y_hat)^2) over every sample and output, so use np.sum, not np.mean "
        "(and its gradient is the sum of the samples' gradients, not their mean)."
    ),
    "activation-ignored": (
        "Your code applies the same activation whatever `activation` asks for: apply the "
        "activation named (sigmoid, relu or linear; one per layer when it is a list)."
    ),
    "conv-size-float-division": (
        "You divided with / where the size needs a whole number: the output size is "
        "floor((n + 2p - k) / s) + 1, so use // (integer division)."
    ),
    "inputs-not-arrays": (
        "Your code fails when its inputs are Python lists but works on NumPy arrays: convert "
        "the inputs with np.asarray first (a list does not do arithmetic element by element)."
    ),
    "shape-column-vector": (
        "Your values are right, in the wrong shape: a column (N, 1) or a row (1, N) where a "
        "flat (N,) vector, or the other orientation, is expected; in code flatten with "
        ".ravel() (an np.matrix too), on a sheet lay the values out as the question asks."
    ),
    "sigmoid-missing-beta": (
        "You left out beta: the sigmoid with slope β is 1/(1 + exp(−β·a)), not 1/(1 + exp(−a))."
    ),
    "param-count-missing-depth": (
        "You left out the input depth: each filter spans every input channel, so it has "
        "k·k·c_in weights (and a fully connected layer takes H·W·C inputs)."
    ),
    "sigmoid-derivative-of-input": (
        "You computed the sigmoid's derivative from its input: σ'(z) = β·σ(z)·(1 − σ(z)) "
        "uses the output σ(z), not z itself."
    ),
    "output-activation-missing": (
        "You left out the last layer's activation: the network applies its activation to "
        "every layer, the output layer included."
    ),
}


def ids(misconception: str) -> tuple[str, ...]:
    """The ids a known mistake stands for: one, or several made together (``"a+b"``)."""
    return tuple(misconception.split("+"))


def describe(misconception: str) -> str:
    """What a student reads for a known mistake: its sentence, or each of several made
    together."""
    return " ".join(MISCONCEPTIONS.get(m, m) for m in ids(misconception))
