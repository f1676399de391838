"""Reference NumPy implementation of the course's neural-network maths.

Pure functions that take array-likes and return new arrays (or floats). Each forward
computation sits beside its derivative. Inputs are validated at these public entry points
with a ``ValueError`` that names the function and the offending value.
"""

from reference.activations import (
    ACTIVATIONS,
    DERIVATIVES,
    activation_derivative,
    apply_activation,
    linear,
    linear_derivative,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
)
from reference.cnn import cnn_param_count, cnn_summary
from reference.conv import conv2d, conv_output_size, conv_param_count, dense_param_count
from reference.conv_multichannel import channel_maps, conv2d_multichannel
from reference.handcalc import mlp_forward_by_hand, neuron_chain_by_hand, round_half_up
from reference.mlp import (
    MLPTrace,
    mlp_forward,
    mlp_forward_augmented,
    mlp_gradients,
    mlp_gradients_augmented,
    mlp_trace,
    predict,
)
from reference.neuron import (
    NeuronChain,
    gradient_descent_step,
    neuron_chain,
    neuron_gradients,
    neuron_output,
    sse_loss,
    sse_loss_plain,
)
from reference.pooling import POOL_MODES, avg_pool2d, max_pool2d, pool2d
from reference.softmax import (
    SoftmaxChain,
    cross_entropy,
    log_softmax,
    one_hot,
    softmax,
    softmax_chain,
    softmax_chain_by_hand,
    softmax_cross_entropy,
    softmax_cross_entropy_gradient,
)

__all__ = [
    "ACTIVATIONS",
    "DERIVATIVES",
    "POOL_MODES",
    "MLPTrace",
    "NeuronChain",
    "SoftmaxChain",
    "activation_derivative",
    "apply_activation",
    "avg_pool2d",
    "channel_maps",
    "cnn_param_count",
    "cnn_summary",
    "conv2d",
    "conv2d_multichannel",
    "conv_output_size",
    "conv_param_count",
    "cross_entropy",
    "dense_param_count",
    "gradient_descent_step",
    "linear",
    "linear_derivative",
    "log_softmax",
    "max_pool2d",
    "mlp_forward",
    "mlp_forward_augmented",
    "mlp_forward_by_hand",
    "mlp_gradients",
    "mlp_gradients_augmented",
    "mlp_trace",
    "neuron_chain",
    "neuron_chain_by_hand",
    "neuron_gradients",
    "neuron_output",
    "one_hot",
    "pool2d",
    "predict",
    "relu",
    "relu_derivative",
    "round_half_up",
    "sigmoid",
    "sigmoid_derivative",
    "softmax",
    "softmax_chain",
    "softmax_chain_by_hand",
    "softmax_cross_entropy",
    "softmax_cross_entropy_gradient",
    "sse_loss",
    "sse_loss_plain",
]
