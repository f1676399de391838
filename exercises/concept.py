"""True/false and multiple-choice questions on the week's ideas (``concept``).

A variant is one question of :data:`BANK` and the order its options are shown in; the answer
is the letter of the right option in that order.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from exercises import _common as c
from exercises.base import EXACT, Kind, Part, Problem

TRUE_FALSE = ("True", "False")


@dataclass(frozen=True)
class ConceptQuestion:
    """A question and its options; ``options[correct]`` is right. True/false keeps its order."""

    id: str
    prompt: str
    options: tuple[str, ...]
    correct: int

    @property
    def true_false(self) -> bool:
        return self.options == TRUE_FALSE


def _tf(qid: str, prompt: str, truth: bool) -> ConceptQuestion:
    return ConceptQuestion(qid, prompt, TRUE_FALSE, 0 if truth else 1)


def _mc(qid: str, prompt: str, right: str, *wrong: str) -> ConceptQuestion:
    return ConceptQuestion(qid, prompt, (right, *wrong), 0)


BANK: tuple[ConceptQuestion, ...] = (
    _tf(
        "cnn-dense",
        "CNNs are useful for images mainly because every pixel is densely connected to every "
        "neuron of the first layer.",
        False,
    ),
    _mc(
        "activation-purpose",
        "What is the purpose of a non-linear activation function in a neural network?",
        "To introduce non-linearity, so that stacked layers can represent non-linear functions",
        "To reduce the number of weights to learn",
        "To normalise the inputs to zero mean and unit variance",
        "To make the loss function convex",
    ),
    _tf(
        "linear-stack",
        "A multi-layer perceptron whose layers all use the linear (identity) activation can "
        "only represent a linear function of its input.",
        True,
    ),
    _mc(
        "training-goal",
        "What does training a neural network learn?",
        "The weights W (including the biases)",
        "The activation functions",
        "The number of layers",
        "The training labels y",
    ),
    _mc(
        "backprop-is",
        "In essence, backpropagation is:",
        "Gradient descent, with the gradients computed by the chain rule",
        "A forward pass that predicts the labels of new inputs",
        "A way to initialise the weights at random",
        "A closed-form least-squares solution for the weights",
    ),
    _tf(
        "testing-forward",
        "Testing a trained network needs only a forward pass: the weights stay fixed.",
        True,
    ),
    _mc(
        "gd-update",
        "Which is one step of gradient descent on the weights w with learning rate η?",
        "w ← w − η ∇_w J",
        "w ← w + η ∇_w J",
        "w ← η ∇_w J",
        "w ← w − ∇_w J / η",
    ),
    _mc(
        "sigmoid-range",
        "The sigmoid σ(a) = 1/(1 + e^(−βa)) takes values in:",
        "(0, 1)",
        "(−1, 1)",
        "[0, ∞)",
        "(−∞, ∞)",
    ),
    _mc(
        "sigmoid-derivative",
        "The derivative of σ(a) = 1/(1 + e^(−βa)) is:",
        "β·σ(a)·(1 − σ(a))",
        "σ(a)·(1 − σ(a))",
        "β·(1 − σ(a))",
        "e^(−βa)",
    ),
    _mc(
        "relu-derivative",
        "The derivative of the ReLU σ(a) = max(0, a) for a > 0 is:",
        "1",
        "0",
        "a",
        "max(0, a)",
    ),
    _tf(
        "conv-flip",
        "In convolutional neural networks the kernel is flipped by 180° before it is slid "
        "over the image.",
        False,
    ),
    _mc(
        "dense-400m",
        "A 200×200 grey-level image is fully connected to a layer of 10 000 neurons. About how "
        "many weights does that layer have?",
        "400 million",
        "40 thousand",
        "4 million",
        "2 million",
    ),
    _mc(
        "conv-fewer",
        "Why does a convolutional layer need far fewer parameters than a fully connected one?",
        "Each neuron sees a small local patch, and the kernel's weights are shared across "
        "all positions",
        "It uses ReLU instead of the sigmoid",
        "It drops the biases",
        "It processes only the grey levels of an image, never colour",
    ),
    _tf(
        "rgb-depth",
        "An RGB image fed to a ConvNet is a 3-D volume whose depth is 3.",
        True,
    ),
    _mc(
        "output-size",
        "A 7×7 input convolved with a 3×3 kernel, stride 2 and no padding gives an output of:",
        "3×3",
        "5×5",
        "4×4",
        "2×2",
    ),
    _mc(
        "classify",
        "A trained network classifies an input into one of C classes by:",
        "Taking the arg-max over its C outputs after a forward pass",
        "Running backpropagation on the input",
        "Summing its C outputs",
        "Choosing the class with the smallest output",
    ),
)
BY_ID: dict[str, ConceptQuestion] = {q.id: q for q in BANK}


class Concept(c.DiagnosticExercise):
    """One question of the bank with its options in a per-student order."""

    id = "concept"
    title = "Concept check (true/false and multiple choice)"
    topic = "Concepts"
    PARAMS = ("question", "order")

    def _params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        e = self.id
        c.check_names(e, params, self.PARAMS)
        qid = c.choice(e, "question", c.require(e, params, "question"), list(BY_ID))
        q = BY_ID[qid]
        n = len(q.options)
        order = params.get("order", list(range(n)))
        if (
            not isinstance(order, list)
            or any(isinstance(i, bool) or not isinstance(i, int) for i in order)
            or sorted(order) != list(range(n))
        ):
            raise ValueError(
                f"{e}: parameter 'order' must be a permutation of 0..{n - 1} for question {qid!r}"
            )
        if q.true_false and order != [0, 1]:
            raise ValueError(f"{e}: parameter 'order' of a true/false question must be [0, 1]")
        return {"question": qid, "order": list(order)}

    def _draw(self, rng: np.random.Generator, pinned: Mapping[str, Any]) -> dict[str, Any]:
        qid = pinned.get("question")
        q = BY_ID.get(qid) if isinstance(qid, str) else None
        if q is None:
            q = BANK[int(rng.integers(len(BANK)))]
        order = list(range(len(q.options)))
        if not q.true_false:
            order = [int(i) for i in rng.permutation(len(q.options))]
        return {"question": q.id, "order": order}

    def _compose(self, params: Mapping[str, Any]) -> tuple[Problem, list[str]]:
        p = self._params(params)
        q = BY_ID[p["question"]]
        shown = tuple(q.options[i] for i in p["order"])
        letter = string.ascii_uppercase[p["order"].index(q.correct)]
        part = Part(
            "answer", "the letter of the right option", Kind.CHOICE, letter, EXACT, (), shown
        )
        options = "\n".join(f"({string.ascii_uppercase[k]}) {o}" for k, o in enumerate(shown))
        text = f"{self.statement(p).as_text()}\n{options}"
        return Problem(self.id, p, text, (part,)), []

    def statement(self, params: Mapping[str, Any]) -> c.Statement:
        """The prompt; the options are the ``choices`` of the problem's part."""
        q = BY_ID[params["question"]]
        kind = "True or false?" if q.true_false else "Choose one."
        return c.Statement(intro=f"{kind} {q.prompt}", givens=(), ask="")

    def question(self, problem: Problem) -> ConceptQuestion:
        return BY_ID[problem.params["question"]]
