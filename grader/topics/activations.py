"""Activations: the sigmoid (with slope β) and ReLU, and their derivatives (code only; the
quiz asks for σ' on the way to backpropagation, in :mod:`grader.topics.neuron`)."""

from __future__ import annotations

from exercises import misconceptions as m
from grader.codecheck import cases as c
from grader.topics import CodeFunction, Topic

EXP_OVERFLOW = (
    "Large |a| overflows exp: for a < 0 use exp(a) / (1 + exp(a)), which equals "
    "1 / (1 + exp(-a)) and never overflows."
)

TOPIC = Topic(
    id="activations",
    order=10,
    functions=(
        CodeFunction("sigmoid", c.sigmoid_cases, overflow_hint=EXP_OVERFLOW),
        CodeFunction(
            "sigmoid_derivative",
            c.sigmoid_derivative_cases,
            forward="sigmoid",
            overflow_hint=EXP_OVERFLOW,
        ),
        CodeFunction("relu", c.relu_cases),
        CodeFunction("relu_derivative", c.relu_derivative_cases),
    ),
    misconceptions=(
        m.SIGMOID_MISSING_BETA,
        m.SIGMOID_DERIVATIVE_MISSING_BETA,
        m.SIGMOID_DERIVATIVE_OF_INPUT,
    ),
)
