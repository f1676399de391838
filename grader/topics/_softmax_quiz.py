"""The quiz side of the softmax topic: the ``softmax_cross_entropy`` exercise (loaded by
``grader.topics.softmax.quiz`` only, so that checking code never imports the exercises)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from exercises import checks, diagnostic, draw
from exercises import prose as t
from exercises.base import Kind, Mistake, Part, Problem, Tolerance, Value
from exercises.diagnostic import DiagnosticExercise
from exercises.statement import Given, Statement
from grader.topics import _softmax_steps as steps
from grader.topics.softmax import (
    CROSS_ENTROPY_LOG10,
    CROSS_ENTROPY_MISSING_MINUS,
    CROSS_ENTROPY_WRONG_CLASS,
    SOFTMAX_GRADIENT_MISSING_ONEHOT,
    SOFTMAX_GRADIENT_WRONG_SIGN,
    SOFTMAX_MISSING_EXP,
    SOFTMAX_NOT_NORMALISED,
)
from reference import one_hot, softmax_chain, softmax_chain_by_hand

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
        p_m, d1 = diagnostic.mistakes(_row(probs), HAND, [(SOFTMAX_NOT_NORMALISED, _row(ch.exps))])
        p_m = diagnostic.also_recognised(
            _row(probs),
            HAND,
            p_m,
            [(SOFTMAX_MISSING_EXP, _row(np.divide(zs, total)) if total else None)],
        )
        loss_m, d2 = diagnostic.mistakes(
            ch.loss,
            HAND,
            [
                (CROSS_ENTROPY_MISSING_MINUS, -ch.loss),
                (CROSS_ENTROPY_LOG10, ch.loss / math.log(10)),
                (CROSS_ENTROPY_WRONG_CLASS, -math.log(probs[other])),
            ],
        )
        also_classes = [c for c in (top, y + 1) if c not in (y, other) and c < classes]
        loss_m = diagnostic.also_recognised(
            ch.loss,
            HAND,
            loss_m,
            [(CROSS_ENTROPY_WRONG_CLASS, -math.log(probs[c])) for c in also_classes],
        )
        grad_m, d3 = diagnostic.mistakes(
            _row(ch.dL_dz),
            HAND,
            [
                (SOFTMAX_GRADIENT_MISSING_ONEHOT, _row(probs)),
                (SOFTMAX_GRADIENT_WRONG_SIGN, _row(-ch.dL_dz)),
            ],
        )
        grad_m = diagnostic.also_recognised(
            _row(ch.dL_dz),
            HAND,
            grad_m,
            [
                (CROSS_ENTROPY_WRONG_CLASS, _row(probs - one_hot(c, classes)))
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
                (CROSS_ENTROPY_MISSING_MINUS, -loss),
                (CROSS_ENTROPY_LOG10, loss / math.log(10)),
            ]
        elif part_id == "dL_dz":
            grad = probs - one_hot(y, probs.size)
            found += [
                (SOFTMAX_GRADIENT_MISSING_ONEHOT, _row(probs)),
                (SOFTMAX_GRADIENT_WRONG_SIGN, _row(-grad)),
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
        if not math.isfinite(ch.loss):  # p_y reads 0.00…: nobody takes the log of that
            return None
        return {"p": _row(ch.p), "loss": ch.loss, "dL_dz": _row(ch.dL_dz)}
