"""Multi-layer perceptrons: the forward pass in matrix form, backpropagation through the
layers, and the predicted class."""

from __future__ import annotations

from exercises import misconceptions as m
from grader.codecheck import cases as c
from grader.topics import CodeFunction, Quiz, Topic


def quiz() -> Quiz:
    from exercises.mlp import MLPBackprop, MLPForward
    from exercises.solutions import steps as s
    from grader import pictures as p

    return Quiz(
        exercises=(MLPForward(), MLPBackprop()),
        solutions={"mlp_forward": s.mlp_forward, "mlp_backprop": s.mlp_backprop},
        pictures={
            "mlp_forward": p.Pictures(p.network_statement),
            "mlp_backprop": p.Pictures(p.network_statement),
        },
    )


TOPIC = Topic(
    id="mlp",
    order=30,
    quiz=quiz,
    functions=(
        CodeFunction("mlp_forward", c.mlp_forward_cases),
        CodeFunction(
            "mlp_gradients",
            c.mlp_gradients_cases,
            returns=("the list of dL/dW", "the list of dL/db"),
            forward="mlp_forward",
        ),
        CodeFunction("predict", c.predict_cases),
    ),
    misconceptions=(
        m.MLP_MISSING_BIAS,
        m.TRANSPOSED_WEIGHTS,
        m.OUTPUT_ACTIVATION_MISSING,
        m.PREDICT_ONE_BASED,
    ),
)
