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

from exercises import checks
from exercises.base import EXACT, Kind, Mistake, Part, Problem
from exercises.diagnostic import DiagnosticExercise
from exercises.misconceptions import (
    CONV_FLIPPED_KERNEL,
    CONV_SIZE_OFF_BY_ONE,
    CONV_STRIDE_IGNORED,
    GD_WRONG_SIGN,
    SIGMOID_DERIVATIVE_MISSING_BETA,
)
from exercises.statement import Statement

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

# Why each wrong option is wrong, in the bank's order of the wrong options (a true/false
# question has one): the feedback a student gets for choosing it, in ``check`` and in exports.
WHY: dict[str, tuple[str, ...]] = {
    "cnn-dense": (
        "A CNN's neurons see only a small local patch, and share their kernel's weights; dense "
        "connections to every pixel are what CNNs avoid.",
    ),
    "activation-purpose": (
        "The activation adds no weights and removes none: the weights are in the layers.",
        "Normalising the inputs is preprocessing (or batch normalisation), not the activation's "
        "job.",
        "A network's loss is not convex, with or without non-linear activations.",
    ),
    "linear-stack": (
        "A product of linear maps is linear: without a non-linear activation, stacking layers "
        "adds no power.",
    ),
    "training-goal": (
        "The activation functions are chosen beforehand and stay fixed; training learns the "
        "weights.",
        "The number of layers is a design choice (a hyperparameter), not learnt by training.",
        "The labels y are given with the data: training fits the weights to them.",
    ),
    "backprop-is": (
        "Predicting new inputs is a forward pass only; backpropagation goes backward to get "
        "gradients.",
        "Random initialisation happens once, before training; backpropagation then updates "
        "the weights.",
        "Backpropagation is iterative gradient descent, not a closed-form solution.",
    ),
    "testing-forward": ("Testing changes no weight: one forward pass gives the prediction.",),
    "gd-update": (
        "Adding the gradient climbs the loss: gradient descent steps against the gradient.",
        "This forgets the current w: the step is subtracted from w.",
        "The learning rate multiplies the gradient; it does not divide it.",
    ),
    "sigmoid-range": (
        "(−1, 1) is the range of tanh; the sigmoid's values are between 0 and 1.",
        "[0, ∞) is the range of the ReLU; the sigmoid never exceeds 1.",
        "The sigmoid is bounded: 1/(1 + e^(−βa)) lies strictly between 0 and 1.",
    ),
    "sigmoid-derivative": (
        "The chain rule brings out β: the derivative of σ(βa) is β·σ(a)·(1 − σ(a)).",
        "A factor σ(a) is missing: the derivative is β·σ(a)·(1 − σ(a)).",
        "e^(−βa) is the derivative of the exponent's exponential only, not of the sigmoid.",
    ),
    "relu-derivative": (
        "0 is the ReLU's slope for a < 0; for a > 0 the ReLU is a itself, with slope 1.",
        "a is the ReLU's value for a > 0, not its slope: the derivative of a is 1.",
        "max(0, a) is the ReLU itself, not its derivative.",
    ),
    "conv-flip": (
        "In a CNN the kernel is not flipped: the layer computes a cross-correlation, which "
        "the course calls convolution.",
    ),
    "dense-400m": (
        "40 thousand is the number of pixels, 200 × 200: each of the 10 000 neurons has a "
        "weight for every pixel.",
        "200 × 200 × 10 000 is 400 million, not 4 million: check the powers of ten.",
        "Every one of the 10 000 neurons connects to all 40 000 pixels: 400 million weights.",
    ),
    "conv-fewer": (
        "The activation function has no weights: the saving is in the connections.",
        "A bias is one number per filter: dropping them would save almost nothing.",
        "A convolution handles colour channels too; the saving comes from local, shared weights.",
    ),
    "rgb-depth": ("An RGB image has three channels, red, green and blue: a volume of depth 3.",),
    "output-size": (
        "5×5 is the stride-1 size: with stride 2 it is floor((7 − 3)/2) + 1 = 3 per side.",
        "The size is floor((n + 2p − k)/s) + 1 = floor((7 − 3)/2) + 1 = 3, not 4.",
        "The size is floor((n + 2p − k)/s) + 1 = floor((7 − 3)/2) + 1 = 3, not 2.",
    ),
    "classify": (
        "Backpropagation trains the network; classifying needs only a forward pass.",
        "A sum of the outputs is one number for every class: the class is the largest output.",
        "The predicted class is the largest output, not the smallest.",
    ),
}

# Wrong options that a known mistake leads to: (question, index in the bank's options) -> id.
MISTAKEN: dict[tuple[str, int], str] = {
    ("gd-update", 1): GD_WRONG_SIGN,
    ("sigmoid-derivative", 1): SIGMOID_DERIVATIVE_MISSING_BETA,
    ("conv-flip", 0): CONV_FLIPPED_KERNEL,
    ("output-size", 1): CONV_STRIDE_IGNORED,
    ("output-size", 2): CONV_SIZE_OFF_BY_ONE,
    ("output-size", 3): CONV_SIZE_OFF_BY_ONE,
}


def why_wrong(q: ConceptQuestion, option: int) -> str:
    """Why option ``option`` (an index in the bank's order) of ``q`` is wrong ("" if right)."""
    if option == q.correct:
        return ""
    wrong = [i for i in range(len(q.options)) if i != q.correct]
    return WHY[q.id][wrong.index(option)]


class Concept(DiagnosticExercise):
    """One question of the bank with its options in a per-student order."""

    id = "concept"
    title = "Concept check (true/false and multiple choice)"
    topic = "Concepts"
    PARAMS = ("question", "order")

    def _params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        e = self.id
        checks.check_names(e, params, self.PARAMS)
        qid = checks.choice(e, "question", checks.require(e, params, "question"), list(BY_ID))
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
        letters = string.ascii_uppercase
        letter = letters[p["order"].index(q.correct)]
        mistakes = tuple(
            Mistake(MISTAKEN[(q.id, i)], letters[k])
            for k, i in enumerate(p["order"])
            if (q.id, i) in MISTAKEN
        )
        why = tuple(why_wrong(q, i) for i in p["order"])
        part = Part(
            "answer",
            "the letter of the right option",
            Kind.CHOICE,
            letter,
            EXACT,
            mistakes,
            shown,
            why,
        )
        options = "\n".join(f"({string.ascii_uppercase[k]}) {o}" for k, o in enumerate(shown))
        text = f"{self.statement(p).as_text()}\n{options}"
        return Problem(self.id, p, text, (part,)), []

    def statement(self, params: Mapping[str, Any]) -> Statement:
        """The prompt; the options are the ``choices`` of the problem's part."""
        q = BY_ID[params["question"]]
        kind = "True or false?" if q.true_false else "Choose one."
        return Statement(intro=f"{kind} {q.prompt}", givens=(), ask="")

    def question(self, problem: Problem) -> ConceptQuestion:
        return BY_ID[problem.params["question"]]
