"""The known mistakes the grader recognises, each a :class:`Misconception`: the id that
results carry and the sentence a student reads.

The product contract fixes the first thirteen ids and the five after them; the others are
further mistakes it names. A topic (:mod:`grader.topics`) lists the ones it names; a topic
added later may declare its own beside its exercises.
"""

from __future__ import annotations


class Misconception(str):
    """A misconception id (a ``str``, as results and keys carry it) with its explanation."""

    text: str

    def __new__(cls, id: str, text: str) -> Misconception:
        self = super().__new__(cls, id)
        self.text = text
        return self

    @property
    def id(self) -> str:
        return str(self)


CONV_FLIPPED_KERNEL = Misconception(
    "conv-flipped-kernel",
    (
        "You flipped the kernel: in a CNN, 'convolution' is cross-correlation, so the kernel "
        "is slid over the image as it is, not rotated by 180 degrees."
    ),
)

CONV_PADDING_IGNORED = Misconception(
    "conv-padding-ignored",
    "You ignored the padding: add the rows and columns of zeros around the image first.",
)

CONV_STRIDE_IGNORED = Misconception(
    "conv-stride-ignored",
    "You ignored the stride: the kernel moves by the stride, not by one pixel, each step.",
)

CONV_SIZE_OFF_BY_ONE = Misconception(
    "conv-size-off-by-one",
    "Your output size is off by one: it is floor((n + 2p - k) / s) + 1.",
)

GD_WRONG_SIGN = Misconception(
    "gd-wrong-sign",
    (
        "Wrong sign in the update: gradient descent steps against the gradient, w_new = w - "
        "lr * dL/dw."
    ),
)

LOSS_MISSING_HALF = Misconception(
    "loss-missing-half",
    "You dropped the 1/2: this loss is L = 1/2 * sum((y - y_hat)^2).",
)

GRAD_WRONG_SIGN = Misconception(
    "grad-wrong-sign",
    "Your gradient has the wrong sign: dL/dy_hat = -(y - y_hat) = y_hat - y.",
)

GRAD_MISSING_ACTIVATION_DERIVATIVE = Misconception(
    "grad-missing-activation-derivative",
    (
        "You left out the activation's derivative in the chain rule: multiply by dy_hat/dz = "
        "sigma'(z)."
    ),
)

SIGMOID_DERIVATIVE_MISSING_BETA = Misconception(
    "sigmoid-derivative-missing-beta",
    "You left out beta: the derivative of 1/(1+exp(-beta*a)) is beta*s*(1-s).",
)

PARAM_COUNT_MISSING_BIAS = Misconception(
    "param-count-missing-bias",
    "You forgot the biases: each output neuron or filter has one bias parameter too.",
)

PREDICT_ONE_BASED = Misconception(
    "predict-one-based",
    (
        "Your classes are numbered from 1: the predicted class is the 0-based index of the "
        "largest output."
    ),
)

MLP_MISSING_BIAS = Misconception(
    "mlp-missing-bias",
    "You left out the bias: each layer adds its bias (or prepends a column of ones).",
)

TRANSPOSED_WEIGHTS = Misconception(
    "transposed-weights",
    (
        "You used the weight matrix transposed: the layer computes X @ W with W of shape "
        "(inputs, outputs)."
    ),
)

LOSS_MEAN_INSTEAD_OF_SUM = Misconception(
    "loss-mean-instead-of-sum",
    (
        "You averaged the loss over the samples: the course's loss is a sum, L = 1/2 * sum((y"
        " - y_hat)^2) over every sample and output, so use np.sum, not np.mean (and its "
        "gradient is the sum of the samples' gradients, not their mean)."
    ),
)

ACTIVATION_IGNORED = Misconception(
    "activation-ignored",
    (
        "Your code applies the same activation whatever `activation` asks for: apply the "
        "activation named (sigmoid, relu or linear; one per layer when it is a list)."
    ),
)

CONV_SIZE_FLOAT_DIVISION = Misconception(
    "conv-size-float-division",
    (
        "You divided with / where the size needs a whole number: the output size is floor((n "
        "+ 2p - k) / s) + 1, so use // (integer division)."
    ),
)

INPUTS_NOT_ARRAYS = Misconception(
    "inputs-not-arrays",
    (
        "Your code fails when its inputs are Python lists but works on NumPy arrays: convert "
        "the inputs with np.asarray first (a list does not do arithmetic element by element)."
    ),
)

SHAPE_COLUMN_VECTOR = Misconception(
    "shape-column-vector",
    (
        "Your values are right, in the wrong shape: a column (N, 1) or a row (1, N) where a "
        "flat (N,) vector, or the other orientation, is expected; in code flatten with "
        ".ravel() (an np.matrix too), on a sheet lay the values out as the question asks."
    ),
)

SIGMOID_MISSING_BETA = Misconception(
    "sigmoid-missing-beta",
    "You left out beta: the sigmoid with slope β is 1/(1 + exp(−β·a)), not 1/(1 + exp(−a)).",
)

PARAM_COUNT_MISSING_DEPTH = Misconception(
    "param-count-missing-depth",
    (
        "You left out the input depth: each filter spans every input channel, so it has "
        "k·k·c_in weights (and a fully connected layer takes H·W·C inputs)."
    ),
)

SIGMOID_DERIVATIVE_OF_INPUT = Misconception(
    "sigmoid-derivative-of-input",
    (
        "You computed the sigmoid's derivative from its input: σ'(z) = β·σ(z)·(1 − σ(z)) uses"
        " the output σ(z), not z itself."
    ),
)

OUTPUT_ACTIVATION_MISSING = Misconception(
    "output-activation-missing",
    (
        "You left out the last layer's activation: the network applies its activation to "
        "every layer, the output layer included."
    ),
)


# Mistakes of any function, not of one topic.
GENERAL: tuple[Misconception, ...] = (INPUTS_NOT_ARRAYS, SHAPE_COLUMN_VECTOR)


def ids(misconception: str) -> tuple[str, ...]:
    """The ids a known mistake stands for: one, or several made together (``"a+b"``)."""
    return tuple(misconception.split("+"))
