"""One neuron: its output, the derivative of its sigmoid, the squared-error loss, the
gradients of backpropagation and a gradient-descent step."""

from __future__ import annotations

from exercises import misconceptions as m
from grader.codecheck import cases as c
from grader.topics import CodeFunction, Quiz, Topic


def quiz() -> Quiz:
    from exercises.activations import SigmoidDerivative
    from exercises.neuron import NeuronBackprop, NeuronOutput
    from exercises.solutions import steps as s

    return Quiz(
        exercises=(NeuronOutput(), SigmoidDerivative(), NeuronBackprop()),
        solutions={
            "neuron_output": s.neuron_output,
            "sigmoid_derivative": s.sigmoid_derivative,
            "neuron_backprop": s.neuron_backprop,
        },
    )


TOPIC = Topic(
    id="neuron",
    order=20,
    quiz=quiz,
    functions=(
        CodeFunction("neuron_output", c.neuron_output_cases),
        CodeFunction("sse_loss", c.sse_loss_cases),
        CodeFunction(
            "neuron_gradients",
            c.neuron_gradients_cases,
            returns=("dL/dw", "dL/db"),
            forward="neuron_output",
        ),
        CodeFunction("gradient_descent_step", c.gradient_descent_step_cases),
    ),
    misconceptions=(
        m.LOSS_MISSING_HALF,
        m.LOSS_MEAN_INSTEAD_OF_SUM,
        m.GRAD_WRONG_SIGN,
        m.GRAD_MISSING_ACTIVATION_DERIVATIVE,
        m.GD_WRONG_SIGN,
        m.ACTIVATION_IGNORED,
    ),
)
