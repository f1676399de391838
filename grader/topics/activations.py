"""Activations: the sigmoid (with slope β) and ReLU, and their derivatives (code only; the
quiz asks for σ' on the way to backpropagation, in :mod:`grader.topics.neuron`)."""

from __future__ import annotations

from exercises import misconceptions as m
from grader.codecheck import cases as c
from grader.topics import CodeFunction, Topic

TOPIC = Topic(
    id="activations",
    order=10,
    functions=(
        CodeFunction("sigmoid", c.sigmoid_cases),
        CodeFunction("sigmoid_derivative", c.sigmoid_derivative_cases, forward="sigmoid"),
        CodeFunction("relu", c.relu_cases),
        CodeFunction("relu_derivative", c.relu_derivative_cases),
    ),
    misconceptions=(
        m.SIGMOID_MISSING_BETA,
        m.SIGMOID_DERIVATIVE_MISSING_BETA,
        m.SIGMOID_DERIVATIVE_OF_INPUT,
    ),
)
