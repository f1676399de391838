"""The sigmoid's derivative, at a point and as an expression (``sigmoid_derivative``).

The ``expression`` part is answered as text in the course's notation. The symbols a student
may use are listed in :data:`EXPRESSION_SYMBOLS`; :data:`EXPRESSION_DEFINITIONS` gives each
shorthand in terms of ``a`` and ``beta`` so that an answer checker can expand it:

* ``a`` the input, ``beta`` the slope β;
* ``s`` stands for σ(a) = 1/(1 + exp(−beta·a));
* ``sigma(t)`` is the course's sigmoid with the same slope, 1/(1 + exp(−beta·t));
* ``exp(t)`` is e^t; numbers, ``+ - * / ^ **`` and brackets.

``beta*s*(1-s)``, ``beta*sigma(a)*(1-sigma(a))`` and
``beta*exp(-beta*a)/(1+exp(-beta*a))^2`` are all right.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exercises import checks, diagnostic, draw
from exercises import prose as t
from exercises.base import EXACT, Kind, Part, Problem, Tolerance, Value
from exercises.diagnostic import DiagnosticExercise
from exercises.misconceptions import SIGMOID_DERIVATIVE_MISSING_BETA, SIGMOID_DERIVATIVE_OF_INPUT
from exercises.statement import Given, Statement
from reference import round_half_up, sigmoid, sigmoid_derivative
from reference.handcalc import round_decimal, to_decimal

EXPRESSION_ANSWER = "beta*s*(1 - s)"
EXPRESSION_SYMBOLS: dict[str, str] = {
    "a": "the input a",
    "beta": "the slope β",
    "s": "σ(a) = 1/(1 + exp(-beta*a))",
    "sigma": "sigma(t) = 1/(1 + exp(-beta*t)), the sigmoid with slope β",
    "exp": "exp(t) = e^t",
}
EXPRESSION_DEFINITIONS: dict[str, str] = {
    "s": "1/(1 + exp(-beta*a))",
    "sigma(t)": "1/(1 + exp(-beta*t))",
}
SYMBOLS_NOTE = t.Prose(
    "Write the expression with ",
    t.Code("a"),
    ", ",
    t.Code("beta"),
    ", ",
    t.Code("s"),
    " (= ",
    t.math(t.sigma("a")),
    "), ",
    t.Code("sigma(...)"),
    ", ",
    t.Code("exp(...)"),
    ", numbers, ",
    t.Code("+ - * / ^"),
    " and brackets, e.g. ",
    t.Code("2*a*exp(-beta*a)"),
    ".",
)
VALUE_TOLERANCE = Tolerance(sigfigs=3)


D_SIGMA_DA = t.n.Sym(
    "dσ/da",
    r"\frac{d\sigma}{da}",
    "<mfrac><mrow><mi>d</mi><mi>σ</mi></mrow><mrow><mi>d</mi><mi>a</mi></mrow></mfrac>",
)


class SigmoidDerivative(DiagnosticExercise):
    """``σ'(a) = β·σ(a)(1 − σ(a))`` at a given ``a`` and ``β``, and the formula itself."""

    id = "sigmoid_derivative"
    title = "Derivative of the sigmoid"
    topic = "Perceptron and activations"
    expression_symbols = EXPRESSION_SYMBOLS
    expression_definitions = EXPRESSION_DEFINITIONS
    PARAMS = ("a", "beta")

    def _params(self, params: Mapping[str, Any]) -> dict[str, float]:
        e = self.id
        checks.check_names(e, params, self.PARAMS)
        a = checks.number(e, "a", checks.require(e, params, "a"))
        if abs(a) > 50:
            raise ValueError(f"{e}: parameter 'a' must be between -50 and 50, got {a!r}")
        return {"a": a, "beta": checks.number(e, "beta", params.get("beta", 1.0), positive=True)}

    def _draw(self, rng: np.random.Generator, pinned: Mapping[str, Any]) -> dict[str, Any]:
        return {"a": draw.tenths(rng, -2, 2), "beta": draw.pick(rng, (1.0, 2.0, 0.5, 1.5, 3.0))}

    def _compose(self, params: Mapping[str, Any]) -> tuple[Problem, list[str]]:
        p = self._params(params)
        a, beta = p["a"], p["beta"]
        value = float(sigmoid_derivative(a, beta))
        s = float(sigmoid(a, beta))
        missing_beta = [(SIGMOID_DERIVATIVE_MISSING_BETA, s * (1 - s) if beta != 1 else None)]
        _, dropped = diagnostic.mistakes(
            value, VALUE_TOLERANCE, missing_beta
        )  # what the draw must show
        # β left out altogether: the plain sigmoid's derivative, σ₁(a)(1 − σ₁(a))
        plain = float(sigmoid_derivative(a, 1.0)) if beta != 1 else None
        v_m, _ = diagnostic.mistakes(
            value,
            VALUE_TOLERANCE,
            [
                *missing_beta,
                (SIGMOID_DERIVATIVE_MISSING_BETA, plain),
                (SIGMOID_DERIVATIVE_OF_INPUT, beta * a * (1 - a)),
            ],
        )
        e_m, _ = diagnostic.mistakes(
            EXPRESSION_ANSWER,
            EXACT,
            [
                (SIGMOID_DERIVATIVE_MISSING_BETA, "s*(1 - s)"),
                (SIGMOID_DERIVATIVE_MISSING_BETA, "exp(-a)/(1 + exp(-a))^2"),
            ],
        )
        parts = (
            Part("value", t.Prose(t.math("dsigma")), Kind.NUMBER, value, VALUE_TOLERANCE, v_m),
            Part(
                "expression",
                t.Prose(t.math("dsigma"), " as an expression"),
                Kind.EXPRESSION,
                EXPRESSION_ANSWER,
                EXACT,
                e_m,
            ),
        )
        problem = Problem(self.id, p, self.statement(p).as_text(), parts, notes=(SYMBOLS_NOTE,))
        return problem, dropped

    def statement(self, params: Mapping[str, Any]) -> Statement:
        return Statement(
            intro=t.Prose(
                "The sigmoid with slope ",
                t.math("beta"),
                " is ",
                t.math(t.sigma("a"), t.sigmoid("a", True)),
                ".",
            ),
            givens=(Given("a", params["a"]), Given("beta", params["beta"])),
            ask=t.Prose(
                "Derive ",
                t.math("dsigma", D_SIGMA_DA),
                " as an expression (in terms of ",
                t.math("s", t.sigma("a")),
                " and ",
                t.math("beta"),
                "), then evaluate it at the given ",
                t.math("a"),
                " and ",
                t.math("beta"),
                ".",
            ),
        )

    def by_hand(self, problem: Problem, decimals: int) -> Mapping[str, Value] | None:
        """σ(a) read off and rounded to ``decimals`` places, then β·s(1 − s) to twice as many."""
        a, beta = problem.params["a"], problem.params["beta"]
        s = round_decimal(float(sigmoid(a, beta)), decimals)
        value = round_decimal(to_decimal(beta) * s * (1 - s), 2 * decimals)
        return {"value": round_half_up(value, 2 * decimals)}
