"""Softmax and cross-entropy: a classifier's logits turned into probabilities, the loss of a
class index (0-based) and its gradient ``p − onehot(y)``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from exercises import checks, diagnostic, draw
from exercises import prose as t
from exercises.base import Kind, Mistake, Part, Problem, Tolerance, Value
from exercises.diagnostic import DiagnosticExercise
from exercises.misconceptions import Misconception
from exercises.statement import Given, Statement
from grader.codecheck.cases import Case, _case
from grader.topics import CodeFunction, Topic
from grader.topics import _softmax_steps as steps
from reference import one_hot, softmax_chain, softmax_chain_by_hand
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

# --- the quiz exercise -----------------------------------------------------------------------

HAND = Tolerance(decimals=3)  # probabilities and the loss, read to 3 places
MIN_CLASSES, MAX_CLASSES = 2, 8
MAX_LOGIT = 20.0  # e^20 ≈ 4.9e8: still a number a calculator shows in full


def _check_logits(e: str, value: Any) -> list[float]:
    if (
        not isinstance(value, (list, tuple))
        or not value
        or any(isinstance(v, (list, tuple)) for v in value)
    ):
        raise ValueError(f"{e}: parameter 'z' must be a list of numbers (one logit per class)")
    if not MIN_CLASSES <= len(value) <= MAX_CLASSES:
        raise ValueError(
            f"{e}: parameter 'z' must hold {MIN_CLASSES} to {MAX_CLASSES} logits, got {len(value)}"
        )
    zs = [checks.number(e, f"z[{i}]", v) for i, v in enumerate(value)]
    for i, v in enumerate(zs):
        if abs(v) > MAX_LOGIT:
            raise ValueError(
                f"{e}: parameter 'z[{i}]' must be between {-MAX_LOGIT:g} and {MAX_LOGIT:g} "
                f"(a logit a person exponentiates on a calculator), got {v:g}"
            )
    return zs


def _pinned_count(value: Any) -> int | None:
    """The number of classes a pinned ``z`` fixes, or None (validation comes later)."""
    if isinstance(value, list) and MIN_CLASSES <= len(value) <= MAX_CLASSES:
        return len(value)
    return None


def _pinned_class(value: Any) -> int | None:
    """A pinned class index to fit the draw to, or None (validation comes later)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    if value != int(value) or not 0 <= value < MAX_CLASSES:
        return None
    return int(value)


def _row(v: Any) -> np.ndarray:
    """A vector as the one-row matrix an answer sheet holds."""
    return np.asarray(v, dtype=np.float64).reshape(1, -1)


def _neighbour(y: int, classes: int) -> int:
    """The class next to ``y``: an index counted from 1 reads ``y − 1``, else ``y + 1``."""
    return y - 1 if y > 0 else y + 1


class SoftmaxCrossEntropy(DiagnosticExercise):
    """Softmax of a logit vector, the cross-entropy of a class index and ``∂L/∂z``."""

    id = "softmax_cross_entropy"
    title = "Softmax and cross-entropy"
    topic = "Classification: softmax and cross-entropy"
    PARAMS = ("z", "y")

    def _params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        e = self.id
        checks.check_names(e, params, self.PARAMS)
        zs = _check_logits(e, checks.require(e, params, "z"))
        y = checks.count(e, "y", checks.require(e, params, "y"), 0, len(zs) - 1)
        return {"z": zs, "y": y}

    def _draw(self, rng: np.random.Generator, pinned: Mapping[str, Any]) -> dict[str, Any]:
        classes = int(rng.integers(3, 6))
        pinned_y = _pinned_class(pinned.get("y"))
        if pinned_y is not None:
            classes = max(classes, pinned_y + 1)
        classes = _pinned_count(pinned.get("z")) or classes
        return {
            "z": [draw.tenths(rng, -2, 3, nonzero=False) for _ in range(classes)],
            "y": int(rng.integers(classes)),
        }

    def _compose(self, params: Mapping[str, Any]) -> tuple[Problem, list[str]]:
        p = self._params(params)
        zs, y = p["z"], p["y"]
        ch = softmax_chain(zs, y)
        probs, classes = ch.p, len(zs)
        other = _neighbour(y, classes)
        top = int(np.argmax(probs))
        total = sum(zs)
        p_m, d1 = diagnostic.mistakes(
            _row(probs), HAND, [("softmax-not-normalised", _row(ch.exps))]
        )
        p_m = diagnostic.also_recognised(
            _row(probs),
            HAND,
            p_m,
            [("softmax-missing-exp", _row(np.divide(zs, total)) if total else None)],
        )
        loss_m, d2 = diagnostic.mistakes(
            ch.loss,
            HAND,
            [
                ("cross-entropy-missing-minus", -ch.loss),
                ("cross-entropy-log10", ch.loss / math.log(10)),
                ("cross-entropy-wrong-class", -math.log(probs[other])),
            ],
        )
        also_classes = [c for c in (top, y + 1) if c not in (y, other) and c < classes]
        loss_m = diagnostic.also_recognised(
            ch.loss,
            HAND,
            loss_m,
            [("cross-entropy-wrong-class", -math.log(probs[c])) for c in also_classes],
        )
        grad_m, d3 = diagnostic.mistakes(
            _row(ch.dL_dz),
            HAND,
            [
                ("softmax-gradient-missing-onehot", _row(probs)),
                ("softmax-gradient-wrong-sign", _row(-ch.dL_dz)),
            ],
        )
        grad_m = diagnostic.also_recognised(
            _row(ch.dL_dz),
            HAND,
            grad_m,
            [
                ("cross-entropy-wrong-class", _row(probs - one_hot(c, classes)))
                for c in (other, *also_classes)
            ],
        )
        parts = (
            Part("p", t.Prose(t.math("p", steps.SOFTMAX_Z)), Kind.MATRIX, _row(probs), HAND, p_m),
            Part(
                "loss", t.Prose(t.math("loss", steps.NEG_LN_PY)), Kind.NUMBER, ch.loss, HAND, loss_m
            ),
            Part(
                "dL_dz",
                t.Prose(t.math(steps.DL_DZ, steps.P_MINUS_ONEHOT)),
                Kind.MATRIX,
                _row(ch.dL_dz),
                HAND,
                grad_m,
            ),
        )
        problem = Problem(self.id, p, self.statement(p).as_text(), parts)
        return problem, d1 + d2 + d3

    def statement(self, params: Mapping[str, Any]) -> Statement:
        p = dict(params)
        classes = len(p["z"])
        return Statement(
            intro=t.Prose(
                "A classifier's last layer gives the logits ",
                t.math("z"),
                f" of {classes} classes, numbered from 0. Softmax turns them into probabilities ",
                t.math(steps.P_I, steps.P_I_FORMULA),
                "; the cross-entropy loss of a sample of class ",
                t.math("y"),
                " is ",
                t.math("loss", steps.NEG_LN_PY),
                ".",
            ),
            givens=(Given("z", p["z"], "logits"), Given("y", p["y"], "the true class")),
            ask=t.Prose(
                "Compute ",
                t.math("p", steps.SOFTMAX_Z),
                ", the loss ",
                t.math("loss"),
                " and its gradient ",
                t.math(steps.DL_DZ),
                ".",
            ),
        )

    def follow_through(
        self, problem: Problem, part_id: str, given: Mapping[str, Value]
    ) -> Value | None:
        if part_id not in ("loss", "dL_dz"):
            return None
        y = problem.params["y"]
        probs = self._own_p(problem, given)
        if part_id == "loss":
            return -math.log(probs[y]) if probs[y] > 0 else None
        return _row(probs - one_hot(y, probs.size))

    def carried_mistakes(
        self, problem: Problem, part_id: str, given: Mapping[str, Value]
    ) -> tuple[Mistake, ...]:
        y = problem.params["y"]
        probs = self._own_p(problem, given)
        found: list[tuple[str, Value]] = []
        if part_id == "loss" and probs[y] > 0:
            loss = -math.log(probs[y])
            found += [
                ("cross-entropy-missing-minus", -loss),
                ("cross-entropy-log10", loss / math.log(10)),
            ]
        elif part_id == "dL_dz":
            grad = probs - one_hot(y, probs.size)
            found += [
                ("softmax-gradient-missing-onehot", _row(probs)),
                ("softmax-gradient-wrong-sign", _row(-grad)),
            ]
        return tuple(Mistake(m, v) for m, v in found)

    @staticmethod
    def _own_p(problem: Problem, given: Mapping[str, Value]) -> np.ndarray:
        """The student's ``p`` as a vector where it is usable (the right shape, finite), else
        the right one."""
        right = np.asarray(problem.part("p").answer, dtype=np.float64).ravel()
        got = given.get("p")
        if got is None or isinstance(got, str):
            return right
        arr = np.asarray(got, dtype=np.float64)
        if arr.size != right.size or not np.isfinite(arr).all():
            return right
        return arr.ravel()

    def by_hand(self, problem: Problem, decimals: int) -> Mapping[str, Value] | None:
        p = problem.params
        ch = softmax_chain_by_hand(p["z"], p["y"], decimals)
        return {"p": _row(ch.p), "loss": ch.loss, "dL_dz": _row(ch.dL_dz)}


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
            ("softmax-unstable", _naive_softmax(z)),
            ("softmax-not-normalised", _exp_or_none(z)),
            ("softmax-not-normalised", np.exp(np.asarray(z) - np.max(z, axis=-1, keepdims=True))),
        ]
        if two_d:
            mistakes += [
                ("softmax-wrong-axis", _stable(z, 0)),
                ("softmax-wrong-axis", _stable(z, None)),
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
    from reference import cross_entropy

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
            ("cross-entropy-missing-minus", -loss),
            ("cross-entropy-log10", float(np.mean(_losses(p, y, log=np.log10)))),
            ("cross-entropy-wrong-class", float(np.mean(_losses(p, y, -1)))),
            ("cross-entropy-wrong-class", float(np.mean(_losses(p, y, 1)))),
            (
                "cross-entropy-wrong-class",
                None if np.array_equal(top, labels) else float(np.mean(_losses(p, top))),
            ),
        ]
        if arr.ndim == 2:
            mistakes.append(("cross-entropy-sum-not-mean", float(np.sum(_losses(p, y)))))
        out.append(_case(("p", "y"), (p, y), None, loss, [m for m in mistakes if _finite(m[1])]))
    return out


def _finite(v: Any) -> bool:
    return v is None or bool(np.isfinite(v))


TOPIC = Topic(
    id="softmax",
    order=35,
    exercises=(SoftmaxCrossEntropy(),),
    solutions={"softmax_cross_entropy": steps.softmax_cross_entropy},
    functions=(
        CodeFunction("softmax", softmax_cases),
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
