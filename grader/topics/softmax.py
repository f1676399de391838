"""Softmax and cross-entropy: a classifier's logits turned into probabilities, the loss of a
class index (0-based) and its gradient ``p − onehot(y)``."""

from __future__ import annotations

from typing import Any

import numpy as np

from exercises.misconceptions import Misconception
from grader.codecheck.cases import Case, _case
from grader.topics import CodeFunction, Quiz, Topic
from reference import cross_entropy
from reference import softmax as ref_softmax

# --- misconceptions --------------------------------------------------------------------------

SOFTMAX_UNSTABLE = Misconception(
    "softmax-unstable",
    (
        "Your softmax overflows for large logits (e^1000 is inf, and inf/inf is nan): subtract "
        "each row's largest logit before exponentiating, e^(z − max z) / Σ e^(z − max z), which "
        "gives the same probabilities."
    ),
)

SOFTMAX_WRONG_AXIS = Misconception(
    "softmax-wrong-axis",
    (
        "Your softmax normalises along the wrong axis: each row (one sample's logits) must sum "
        "to 1, so take the max and the sum along the last axis (axis=-1, keepdims=True)."
    ),
)

SOFTMAX_NOT_NORMALISED = Misconception(
    "softmax-not-normalised",
    (
        "You did not normalise: softmax divides each e^(z_i) by the sum Σ_j e^(z_j), so that "
        "the probabilities add up to 1."
    ),
)

SOFTMAX_MISSING_EXP = Misconception(
    "softmax-missing-exp",
    (
        "You divided the logits by their sum without exponentiating: softmax is "
        "p_i = e^(z_i) / Σ_j e^(z_j)."
    ),
)

CROSS_ENTROPY_WRONG_CLASS = Misconception(
    "cross-entropy-wrong-class",
    (
        "You took the probability of the wrong class: the loss is −ln p_y for the true class y, "
        "counted from 0 (not the most likely class, and not the class next to it)."
    ),
)

CROSS_ENTROPY_MISSING_MINUS = Misconception(
    "cross-entropy-missing-minus",
    (
        "Your loss is negative: the logarithm of a probability is ≤ 0, so the cross-entropy "
        "is L = −ln p_y, with a minus sign."
    ),
)

CROSS_ENTROPY_LOG10 = Misconception(
    "cross-entropy-log10",
    "You used the base-10 logarithm: the cross-entropy uses the natural logarithm, −ln p_y.",
)

CROSS_ENTROPY_SUM_NOT_MEAN = Misconception(
    "cross-entropy-sum-not-mean",
    (
        "Your batch loss is the sum over the samples: the cross-entropy of a batch is the "
        "mean of −ln p[n, y_n], so divide by the number of samples."
    ),
)

SOFTMAX_GRADIENT_MISSING_ONEHOT = Misconception(
    "softmax-gradient-missing-onehot",
    (
        "You left out the one-hot target: the gradient of −ln softmax(z)_y is "
        "∂L/∂z = p − onehot(y), so subtract 1 at the true class."
    ),
)

SOFTMAX_GRADIENT_WRONG_SIGN = Misconception(
    "softmax-gradient-wrong-sign",
    (
        "Your gradient has the wrong sign: ∂L/∂z = p − onehot(y), negative at the true class "
        "and positive elsewhere."
    ),
)

# --- code cases ------------------------------------------------------------------------------


def _naive_softmax(z: Any, axis: int | None = -1) -> np.ndarray:
    """``e^z / Σ e^z`` without the shift by the max (inf or nan where e^z overflows), along
    ``axis`` (None: over every element)."""
    arr = np.asarray(z, dtype=np.float64)
    with np.errstate(all="ignore"):
        e = np.exp(arr)
        return e / e.sum(axis=axis, keepdims=axis is not None)


def _stable(z: Any, axis: int | None) -> np.ndarray:
    """Softmax along ``axis`` (None: over every element), shifted to never overflow."""
    arr = np.asarray(z, dtype=np.float64)
    e = np.exp(arr - arr.max(axis=axis, keepdims=axis is not None))
    return e / e.sum(axis=axis, keepdims=axis is not None)


def softmax_cases(rng: np.random.Generator) -> list[Case]:
    values: list[Any] = [
        [2.0, 1.0, 0.1],  # the textbook example: [0.659, 0.242, 0.099]
        np.array([0.0, 0.0, 0.0, 0.0]),
        np.array([1000.0, 999.0, 998.0]),  # e^1000 overflows
        [-1000.0, -1001.0, -999.5],  # every e^z underflows to 0
        np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]]),
        np.array([[0.5, -1.0, 2.0, 0.0], [3.0, 1.0, -2.0, 0.5]]),
        [[1.0, 2.0], [3.0, 5.0], [0.0, -1.0]],
        np.array([5.0]),
        rng.normal(0, 2, size=(int(rng.integers(3, 7)),)),
        rng.normal(0, 3, size=(int(rng.integers(2, 5)), int(rng.integers(3, 6)))),
        rng.normal(0, 1, size=(3, 4)) * 400,  # large logits, drawn
    ]
    out = []
    for z in values:
        two_d = np.ndim(z) == 2
        mistakes: list[tuple[str, Any]] = [
            (SOFTMAX_UNSTABLE, _naive_softmax(z)),
            (SOFTMAX_NOT_NORMALISED, _exp_or_none(z)),
            (SOFTMAX_NOT_NORMALISED, np.exp(np.asarray(z) - np.max(z, axis=-1, keepdims=True))),
        ]
        if two_d:
            mistakes += [
                (SOFTMAX_WRONG_AXIS, _stable(z, 0)),
                (SOFTMAX_WRONG_AXIS, _stable(z, None)),
            ]
        out.append(_case(("z",), (z,), None, ref_softmax(z), mistakes))
    return out


def _exp_or_none(z: Any) -> Any:
    """``e^z``, or None where it overflows (an overflow is the unstable softmax's mistake)."""
    arr = np.asarray(z, dtype=np.float64)
    return np.exp(arr) if np.abs(arr).max() < 700 else None


def _picked(p: np.ndarray, labels: Any) -> np.ndarray:
    """``p[n, labels[n]]`` of a batch (a label out of range wraps, as Python indexes do)."""
    rows = p.reshape(-1, p.shape[-1])
    return rows[np.arange(rows.shape[0]), np.asarray(labels) % p.shape[-1]]


def _losses(p: Any, y: Any, shift: int = 0, log: Any = np.log) -> np.ndarray:
    """``−log p[n, y_n + shift]`` of every sample (inf where that probability is 0)."""
    arr = np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return -log(_picked(arr, np.asarray(y) + shift))


def cross_entropy_cases(rng: np.random.Generator) -> list[Case]:
    n = int(rng.integers(3, 7))
    c = int(rng.integers(3, 6))
    drawn = ref_softmax(rng.normal(0, 2, size=(n, c)))
    one = ref_softmax(rng.normal(0, 2, size=(c,)))
    # a batch's labels are lists of ints: arrays reach the student's code as float64
    fixed: list[tuple[Any, Any]] = [
        ([0.659, 0.242, 0.099], 0),
        (np.array([0.1, 0.7, 0.2]), 2),
        (np.array([0.25, 0.25, 0.25, 0.25]), 3),
        (np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]]), [0, 2, 1]),
        ([[0.5, 0.5], [0.9, 0.1]], [1, 0]),
        (np.array([[0.2, 0.3, 0.5]]), [0]),
        (np.array([0.0, 1.0, 0.0]), 1),  # a sure prediction: loss 0
        (drawn, [int(v) for v in rng.integers(0, c, size=n)]),
        (one, int(rng.integers(c))),
        (drawn.tolist(), [int(v) for v in rng.integers(0, c, size=n)]),  # nested lists
    ]
    out = []
    for p, y in fixed:
        arr = np.asarray(p, dtype=np.float64)
        loss = cross_entropy(p, y)
        labels = np.atleast_1d(np.asarray(y))
        top = np.argmax(arr.reshape(-1, arr.shape[-1]), axis=-1)
        mistakes: list[tuple[str, Any]] = [
            (CROSS_ENTROPY_MISSING_MINUS, -loss),
            (CROSS_ENTROPY_LOG10, float(np.mean(_losses(p, y, log=np.log10)))),
            (CROSS_ENTROPY_WRONG_CLASS, float(np.mean(_losses(p, y, -1)))),
            (CROSS_ENTROPY_WRONG_CLASS, float(np.mean(_losses(p, y, 1)))),
            (
                CROSS_ENTROPY_WRONG_CLASS,
                None if np.array_equal(top, labels) else float(np.mean(_losses(p, top))),
            ),
        ]
        if arr.ndim == 2:
            mistakes.append((CROSS_ENTROPY_SUM_NOT_MEAN, float(np.sum(_losses(p, y)))))
        out.append(_case(("p", "y"), (p, y), None, loss, [m for m in mistakes if _finite(m[1])]))
    return out


def _finite(v: Any) -> bool:
    return v is None or bool(np.isfinite(v))


def quiz() -> Quiz:
    from grader.topics._softmax_quiz import SoftmaxCrossEntropy
    from grader.topics._softmax_steps import softmax_cross_entropy

    return Quiz(
        exercises=(SoftmaxCrossEntropy(),),
        solutions={"softmax_cross_entropy": softmax_cross_entropy},
    )


TOPIC = Topic(
    id="softmax",
    order=35,
    quiz=quiz,
    functions=(
        CodeFunction(
            "softmax",
            softmax_cases,
            overflow_hint=(
                "Large logits overflow exp (e^1000 is inf, and inf/inf is nan): subtract the "
                "largest logit first, softmax(z) = softmax(z − max z), along the last axis."
            ),
        ),
        CodeFunction("cross_entropy", cross_entropy_cases),
    ),
    misconceptions=(
        SOFTMAX_UNSTABLE,
        SOFTMAX_WRONG_AXIS,
        SOFTMAX_NOT_NORMALISED,
        SOFTMAX_MISSING_EXP,
        CROSS_ENTROPY_WRONG_CLASS,
        CROSS_ENTROPY_MISSING_MINUS,
        CROSS_ENTROPY_LOG10,
        CROSS_ENTROPY_SUM_NOT_MEAN,
        SOFTMAX_GRADIENT_MISSING_ONEHOT,
        SOFTMAX_GRADIENT_WRONG_SIGN,
    ),
)
