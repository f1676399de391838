"""One neuron: its output (``neuron_output``) and one training step (``neuron_backprop``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exercises import checks, diagnostic, draw
from exercises import prose as t
from exercises.base import Kind, Mistake, Part, Problem, Tolerance, Value
from exercises.diagnostic import DiagnosticExercise
from exercises.misconceptions import (
    ACTIVATION_IGNORED,
    GD_WRONG_SIGN,
    GRAD_MISSING_ACTIVATION_DERIVATIVE,
    GRAD_WRONG_SIGN,
    LOSS_MISSING_HALF,
    MLP_MISSING_BIAS,
    SIGMOID_DERIVATIVE_MISSING_BETA,
    SIGMOID_DERIVATIVE_OF_INPUT,
    SIGMOID_MISSING_BETA,
)
from exercises.statement import Given, Statement
from reference import neuron_chain, neuron_chain_by_hand, round_half_up
from reference.activations import apply_activation

ACTIVATION_NAMES = ("sigmoid", "relu", "linear")
HAND = Tolerance(decimals=3)  # numbers worked on a calculator, read to 3 places


def _activation_text(name: str, beta: float) -> t.Prose:
    if name == "sigmoid":
        formula = t.math(t.sigma("a"), t.sigmoid("a", beta != 1))
        if beta == 1:
            return t.Prose("the sigmoid ", formula)
        return t.Prose("the sigmoid ", formula, " with slope ", t.math("beta", beta))
    if name == "relu":
        return t.Prose("the ReLU ", t.math(t.sigma("a"), t.relu("a")))
    return t.Prose("the linear (identity) activation ", t.math(t.sigma("a"), "a"))


class NeuronOutput(DiagnosticExercise):
    """Output of one neuron: ``z = x·w + b``, ``ŷ = σ(z)`` (sigmoid with β, ReLU or linear)."""

    id = "neuron_output"
    title = "Output of one neuron"
    topic = "Perceptron and activations"
    PARAMS = ("x", "w", "b", "activation", "beta")

    def _params(
        self, params: Mapping[str, Any]
    ) -> tuple[list[float], list[float], float, str, float]:
        e = self.id
        checks.check_names(e, params, self.PARAMS)
        x = checks.require(e, params, "x")
        w = checks.require(e, params, "w")
        for name, v in (("x", x), ("w", w)):
            if isinstance(v, list) and (not v or any(isinstance(i, list) for i in v)):
                raise ValueError(f"{e}: parameter {name!r} must be a number or a list of numbers")
        xs = (
            [checks.number(e, "x", x)] if not isinstance(x, list) else checks.matrix(e, "x", [x])[0]
        )
        ws = (
            [checks.number(e, "w", w)] if not isinstance(w, list) else checks.matrix(e, "w", [w])[0]
        )
        if len(xs) != len(ws):
            raise ValueError(
                f"{e}: parameter 'w' must have as many entries as 'x' ({len(xs)}), got {len(ws)}"
            )
        b = checks.number(e, "b", params.get("b", 0.0))
        act = checks.choice(e, "activation", params.get("activation", "sigmoid"), ACTIVATION_NAMES)
        beta = checks.number(e, "beta", params.get("beta", 1.0), positive=True)
        return xs, ws, b, act, beta

    def _draw(self, rng: np.random.Generator, pinned: Mapping[str, Any]) -> dict[str, Any]:
        d = int(rng.integers(2, 4))
        fixed = pinned.get("x", pinned.get("w"))  # what is drawn fits a pinned x or w
        if fixed is not None:
            d = len(fixed) if isinstance(fixed, list) and fixed else 1
        act = draw.pick(rng, ("sigmoid", "sigmoid", "sigmoid", "relu", "linear"))
        return {
            "x": _scalar_or_list([draw.tenths(rng, -2, 2) for _ in range(d)], fixed),
            "w": _scalar_or_list([draw.tenths(rng, -1, 1) for _ in range(d)], fixed),
            "b": draw.tenths(rng, -1, 1),
            "activation": act,
            "beta": draw.pick(rng, (1.0, 1.0, 2.0, 0.5)) if act == "sigmoid" else 1.0,
        }

    def _compose(self, params: Mapping[str, Any]) -> tuple[Problem, list[str]]:
        xs, ws, b, act, beta = self._params(params)
        z = float(np.dot(xs, ws) + b)
        y_hat = float(apply_activation(act, z, beta))
        no_bias = float(apply_activation(act, z - b, beta))
        z_m, z_drop = diagnostic.mistakes(z, HAND, [(MLP_MISSING_BIAS, z - b)])
        y_m, y_drop = diagnostic.mistakes(y_hat, HAND, [(MLP_MISSING_BIAS, no_bias)])
        plain = float(apply_activation(act, z, 1.0)) if beta != 1 and act == "sigmoid" else None
        # the activation asked for ignored: the sigmoid (the default) applied all the same
        ignored = float(apply_activation("sigmoid", z, beta)) if act != "sigmoid" else None
        y_m = diagnostic.also_recognised(
            y_hat,
            HAND,
            y_m,
            [(SIGMOID_MISSING_BETA, plain), (ACTIVATION_IGNORED, ignored)],
        )
        parts = (
            Part("z", t.Prose(t.math("z", Z_SUM)), Kind.NUMBER, z, HAND, z_m),
            Part("y_hat", t.Prose(t.math("y_hat", t.sigma("z"))), Kind.NUMBER, y_hat, HAND, y_m),
        )
        clean = {"x": xs, "w": ws, "b": b, "activation": act, "beta": beta}
        return Problem(self.id, clean, self.statement(clean).as_text(), parts), z_drop + y_drop

    def statement(self, params: Mapping[str, Any]) -> Statement:
        p = dict(params)
        return Statement(
            intro=t.Prose(
                "A neuron computes ",
                t.math("z", Z_SUM),
                " and its output ",
                t.math("y_hat", t.sigma("z")),
                ", where ",
                t.math(t.n.SIGMA),
                " is ",
            )
            + _activation_text(p["activation"], p["beta"])
            + ".",
            givens=(Given("x", p["x"]), Given("w", p["w"]), Given("b", p["b"])),
            ask=t.Prose("Compute ", t.math("z"), " and ", t.math("y_hat"), "."),
        )

    def follow_through(
        self, problem: Problem, part_id: str, given: Mapping[str, Value]
    ) -> Value | None:
        if part_id != "y_hat":
            return None
        p = problem.params
        z = diagnostic.given_number(given, "z", float(problem.part("z").answer))
        return float(apply_activation(p["activation"], z, p["beta"]))

    def hand_applies(self, params: Mapping[str, Any]) -> bool:
        return bool(params["activation"] == "sigmoid")  # ReLU and linear outputs are exact

    def by_hand(self, problem: Problem, decimals: int) -> Mapping[str, Value] | None:
        if not self.hand_applies(problem.params):
            return None
        return {
            "z": float(problem.part("z").answer),
            "y_hat": round_half_up(float(problem.part("y_hat").answer), decimals),
        }


def _scalar_or_list(values: list[float], like: Any) -> float | list[float]:
    """``values``, or its one number when the pinned input it must fit is a plain number."""
    return values[0] if like is not None and not isinstance(like, list) else values


# The chain of CURRICULUM §5, in order: each part and the earlier parts it is computed from.
Z_SUM = t.plus(t.dot("x", "w"), "b")
W_X_SUM = t.plus(t.dot("w", "x"), "b")  # the training chain writes w·x
_SLOPE = t.n.Juxt((t.sigma("z"), t.n.Paren(t.minus(1, t.sigma("z")))))
CHAIN: tuple[tuple[str, t.Prose], ...] = (
    ("y_hat", t.Prose(t.math("y_hat", t.sigma("z")), ", ", t.math("z", W_X_SUM))),
    ("loss", t.Prose(t.math("loss", t.HALF_SQUARE))),
    ("dL_dyhat", t.Prose(t.math("dL_dyhat", t.n.Neg(t.n.Paren(t.minus("y", "y_hat")))))),
    ("dyhat_dz", t.Prose(t.math("dyhat_dz", t.dot("beta", _SLOPE)))),
    ("dL_dw", t.Prose(t.math("dL_dw", t.chain("dL_dyhat", "dyhat_dz", "x")))),
    ("dL_db", t.Prose(t.math("dL_db", t.chain("dL_dyhat", "dyhat_dz", 1)))),
    ("w_new", t.Prose(t.math("w_new", t.minus("w", t.dot("lr", "dL_dw"))))),
    ("b_new", t.Prose(t.math("b_new", t.minus("b", t.dot("lr", "dL_db"))))),
)
BETA_ONE_SLOPE = t.Prose(t.math("dyhat_dz", _SLOPE))


class NeuronBackprop(DiagnosticExercise):
    """One gradient-descent step of a sigmoid neuron with loss ½(y − ŷ)² (CURRICULUM §5)."""

    id = "neuron_backprop"
    title = "Backpropagation through one neuron"
    topic = "Training: backpropagation"
    PARAMS = ("x", "y", "w", "b", "lr", "beta")

    def _params(self, params: Mapping[str, Any]) -> dict[str, float]:
        e = self.id
        checks.check_names(e, params, self.PARAMS)
        out = {
            n: checks.number(e, n, checks.require(e, params, n)) for n in ("x", "y", "w", "b", "lr")
        }
        if out["lr"] <= 0:
            raise ValueError(f"{e}: parameter 'lr' must be > 0, got {params['lr']!r}")
        if "beta" in params:
            out["beta"] = checks.number(e, "beta", params["beta"], positive=True)
        return out

    def _draw(self, rng: np.random.Generator, pinned: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "x": draw.tenths(rng, -2, 2),
            "y": draw.tenths(rng, -1, 2),
            "w": draw.tenths(rng, -1, 1),
            "b": draw.tenths(rng, -0.5, 0.5),
            "lr": draw.pick(rng, (0.1, 0.2, 0.5)),
        }

    def _compose(self, params: Mapping[str, Any]) -> tuple[Problem, list[str]]:
        p = self._params(params)
        beta = p.get("beta", 1.0)
        ch = neuron_chain(p["x"], p["y"], p["w"], p["b"], p["lr"], beta)
        x, y, w, b, lr = p["x"], p["y"], p["w"], p["b"], p["lr"]
        no_deriv = ch.dL_dyhat  # dL/dz with the activation's derivative left out
        wrong: dict[str, list[tuple[str, Value | None]]] = {
            "y_hat": [],
            "loss": [(LOSS_MISSING_HALF, (y - ch.y_hat) ** 2)],
            "dL_dyhat": [(GRAD_WRONG_SIGN, y - ch.y_hat)],
            "dyhat_dz": [
                (
                    SIGMOID_DERIVATIVE_MISSING_BETA,
                    ch.y_hat * (1 - ch.y_hat) if beta != 1 else None,
                )
            ],
            "dL_dw": [
                (GRAD_WRONG_SIGN, -ch.dL_dw),
                (GRAD_MISSING_ACTIVATION_DERIVATIVE, no_deriv * x),
                (LOSS_MISSING_HALF, 2 * ch.dL_dw),
            ],
            "dL_db": [
                (GRAD_WRONG_SIGN, -ch.dL_db),
                (GRAD_MISSING_ACTIVATION_DERIVATIVE, no_deriv),
                (LOSS_MISSING_HALF, 2 * ch.dL_db),
            ],
            "w_new": [
                (GD_WRONG_SIGN, w + lr * ch.dL_dw),
                (GRAD_MISSING_ACTIVATION_DERIVATIVE, w - lr * no_deriv * x),
            ],
            "b_new": [
                (GD_WRONG_SIGN, b + lr * ch.dL_db),
                (GRAD_MISSING_ACTIVATION_DERIVATIVE, b - lr * no_deriv),
            ],
        }
        # recognised where they show, never required of a draw: σ'(z) computed from z itself,
        # the ½ dropped from ∂L/∂ŷ, and the ½ dropped with the sign wrong too
        on_z = beta * ch.z * (1 - ch.z)
        both = "grad-wrong-sign+loss-missing-half"
        also: dict[str, list[tuple[str, Value | None]]] = {
            "dL_dyhat": [(LOSS_MISSING_HALF, 2 * ch.dL_dyhat), (both, -2 * ch.dL_dyhat)],
            "dyhat_dz": [(SIGMOID_DERIVATIVE_OF_INPUT, on_z)],
            "dL_dw": [
                (SIGMOID_DERIVATIVE_OF_INPUT, ch.dL_dyhat * on_z * x),
                (both, -2 * ch.dL_dw),
            ],
            "dL_db": [(SIGMOID_DERIVATIVE_OF_INPUT, ch.dL_dyhat * on_z), (both, -2 * ch.dL_db)],
            "w_new": [(SIGMOID_DERIVATIVE_OF_INPUT, w - lr * ch.dL_dyhat * on_z * x)],
            "b_new": [(SIGMOID_DERIVATIVE_OF_INPUT, b - lr * ch.dL_dyhat * on_z)],
        }
        values = ch.as_dict()
        parts = []
        dropped: list[str] = []
        for pid, label in CHAIN:
            if pid == "dyhat_dz" and beta == 1:
                label = BETA_ONE_SLOPE
            kept, lost = diagnostic.mistakes(values[pid], HAND, wrong[pid])
            dropped += lost
            kept = diagnostic.also_recognised(values[pid], HAND, kept, also.get(pid, []))
            parts.append(Part(pid, label, Kind.NUMBER, values[pid], HAND, kept))
        problem = Problem(self.id, p, self.statement(p).as_text(), tuple(parts))
        # also redraw variants where a value is too small to read at 3 places
        if min(abs(values[k]) for k in ("loss", "dL_dw", "dL_db")) < 0.005:
            dropped.append("small-values")
        return problem, dropped

    def statement(self, params: Mapping[str, Any]) -> Statement:
        p = dict(params)
        beta = p.get("beta", 1.0)
        sig = t.sigmoid("z", beta != 1)
        givens = [Given(n, p[n]) for n in ("x", "y", "w", "b")]
        givens.append(Given("lr", p["lr"], "learning rate"))
        if beta != 1:
            givens.append(Given("beta", beta))
        return Statement(
            intro=t.Prose(
                "One neuron computes ",
                t.math("z", W_X_SUM),
                " and ",
                t.math("y_hat", t.sigma("z"), sig),
                ". It is trained on one sample ",
                t.math(t.n.Paren(t.n.Op(",", t.V("x"), t.V("y")))),
                " with the loss ",
                t.math("loss", t.HALF_SQUARE),
                " by one step of gradient descent.",
            ),
            givens=tuple(givens),
            ask=t.Prose(
                "Compute ",
                *t.listed(["y_hat", "loss", "dL_dyhat", "dyhat_dz", "dL_dw", "dL_db"]),
                " and the updated ",
                t.math("w_new"),
                " and ",
                t.math("b_new"),
                ".",
            ),
        )

    def follow_through(
        self, problem: Problem, part_id: str, given: Mapping[str, Value]
    ) -> Value | None:
        p = problem.params
        beta = p.get("beta", 1.0)

        def use(pid: str) -> float:
            return diagnostic.given_number(given, pid, float(problem.part(pid).answer))

        if part_id == "loss":
            return 0.5 * (p["y"] - use("y_hat")) ** 2
        if part_id == "dL_dyhat":
            return -(p["y"] - use("y_hat"))
        if part_id == "dyhat_dz":
            return beta * use("y_hat") * (1 - use("y_hat"))
        if part_id == "dL_dw":
            return use("dL_dyhat") * use("dyhat_dz") * p["x"]
        if part_id == "dL_db":
            return use("dL_dyhat") * use("dyhat_dz")
        if part_id == "w_new":
            return p["w"] - p["lr"] * use("dL_dw")
        if part_id == "b_new":
            return p["b"] - p["lr"] * use("dL_db")
        return None

    def carried_mistakes(
        self, problem: Problem, part_id: str, given: Mapping[str, Value]
    ) -> tuple[Mistake, ...]:
        p = problem.params

        def use(pid: str) -> float:
            return diagnostic.given_number(given, pid, float(problem.part(pid).answer))

        found: list[tuple[str, float]] = []
        if part_id == "loss":
            found.append((LOSS_MISSING_HALF, (p["y"] - use("y_hat")) ** 2))
        elif part_id == "dL_dyhat":
            found.append((GRAD_WRONG_SIGN, p["y"] - use("y_hat")))
        elif part_id in ("dL_dw", "dL_db"):
            grad = use("dL_dyhat") * use("dyhat_dz") * (p["x"] if part_id == "dL_dw" else 1.0)
            found += [(GRAD_WRONG_SIGN, -grad), (LOSS_MISSING_HALF, 2 * grad)]
        elif part_id in ("w_new", "b_new"):
            param, grad_id = ("w", "dL_dw") if part_id == "w_new" else ("b", "dL_db")
            found.append((GD_WRONG_SIGN, p[param] + p["lr"] * use(grad_id)))
        return tuple(Mistake(m, v) for m, v in found)

    def explain_mistake(
        self, problem: Problem, part_id: str, misconception: str, status: Mapping[str, str]
    ) -> str | None:
        """The sign hint at the first step whose sign is wrong: when the student's ∂L/∂ŷ and
        ∂ŷ/∂z are right, a wrong sign on ∂L/∂w or ∂L/∂b was made in that last step."""
        if misconception != GRAD_WRONG_SIGN or part_id not in ("dL_dw", "dL_db"):
            return None
        right = ("right", "hand")
        if status.get("dL_dyhat") not in right:
            return None  # unanswered or wrong: the sign may have gone wrong there first
        step = dict(CHAIN)[part_id]
        factors = "∂L/∂ŷ and ∂ŷ/∂z are" if status.get("dyhat_dz") in right else "∂L/∂ŷ is"
        return (
            f"Your {factors} right, but the sign went wrong in the last step: {step} "
            "multiplies them, with no minus sign of its own."
        )

    def by_hand(self, problem: Problem, decimals: int) -> Mapping[str, Value] | None:
        p = problem.params
        ch = neuron_chain_by_hand(
            p["x"], p["y"], p["w"], p["b"], p["lr"], p.get("beta", 1.0), decimals
        ).as_dict()
        return {pid: ch[pid] for pid, _ in CHAIN}
