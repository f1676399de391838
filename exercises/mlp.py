"""Multi-layer perceptrons in the course's augmented notation (``mlp_forward``, ``mlp_backprop``).

``F(X) = σ([1, σ(X W₁)] W₂)``: ``X`` is given as printed, with its leading column of ones, and
layer ``l`` prepends a column of ones to its input when ``augment[l]`` is true.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from exercises import checks, diagnostic, draw
from exercises import prose as t
from exercises.base import EXACT, Kind, Part, Problem, Tolerance, Value
from exercises.diagnostic import DiagnosticExercise
from exercises.misconceptions import (
    ACTIVATION_IGNORED,
    GRAD_MISSING_ACTIVATION_DERIVATIVE,
    GRAD_WRONG_SIGN,
    LOSS_MEAN_INSTEAD_OF_SUM,
    LOSS_MISSING_HALF,
    MLP_MISSING_BIAS,
    OUTPUT_ACTIVATION_MISSING,
    PREDICT_ONE_BASED,
    SIGMOID_DERIVATIVE_OF_INPUT,
    SIGMOID_MISSING_BETA,
    TRANSPOSED_WEIGHTS,
)
from exercises.statement import Given, Statement
from reference import MLPTrace, mlp_forward_by_hand, mlp_gradients_augmented, mlp_trace
from reference.activations import activation_derivative
from reference.handcalc import mlp_backprop_by_hand

Array = NDArray[np.float64]
ACTIVATION_NAMES = ("sigmoid", "relu", "linear")
OUTPUT_TOLERANCE = Tolerance(decimals=2)
GRADIENT_TOLERANCE = Tolerance(rtol=0.01, atol=5e-4)
MAX_LAYERS = 6


def network(
    exercise: str, params: Mapping[str, Any], names: Sequence[str]
) -> tuple[dict[str, Any], MLPTrace]:
    """Validated ``X``, ``weights``, ``augment``, ``activation``, ``beta``, and the trace."""
    e = exercise
    checks.check_names(e, params, names)
    X = checks.matrix(e, "X", checks.require(e, params, "X"))
    raw_w = checks.require(e, params, "weights")
    if not isinstance(raw_w, list) or not raw_w or len(raw_w) > MAX_LAYERS:
        raise ValueError(f"{e}: parameter 'weights' must be a list of 1 to {MAX_LAYERS} matrices")
    weights = [checks.matrix(e, f"weights[{i}]", w) for i, w in enumerate(raw_w)]
    n = len(weights)
    raw_aug = params.get("augment", [False] + [True] * (n - 1))
    if isinstance(raw_aug, bool):
        raw_aug = [raw_aug] * n
    if not isinstance(raw_aug, list) or len(raw_aug) != n:
        raise ValueError(f"{e}: parameter 'augment' must list one true/false per layer ({n})")
    augment = [checks.flag(e, f"augment[{i}]", a) for i, a in enumerate(raw_aug)]
    raw_act = params.get("activation", "sigmoid")
    if isinstance(raw_act, list):
        if len(raw_act) != n:
            raise ValueError(
                f"{e}: parameter 'activation' must name one activation per layer ({n})"
            )
        activation: str | list[str] = [
            checks.choice(e, f"activation[{i}]", a, ACTIVATION_NAMES) for i, a in enumerate(raw_act)
        ]
    else:
        activation = checks.choice(e, "activation", raw_act, ACTIVATION_NAMES)
    beta = checks.number(e, "beta", params.get("beta", 1.0), positive=True)
    try:
        trace = mlp_trace(X, weights, augment, activation, beta)
    except ValueError as exc:  # shapes that do not chain
        raise ValueError(f"{e}: {str(exc).split(': ', 1)[-1]}") from None
    out: dict[str, Any] = {
        "X": X,
        "weights": weights,
        "augment": augment,
        "activation": activation,
        "beta": beta,
    }
    return out, trace


def layer_names(activation: str | list[str], n: int) -> list[str]:
    return [activation] * n if isinstance(activation, str) else list(activation)


def _draw_network(
    rng: np.random.Generator, n_out_choices: Sequence[int], pinned: Mapping[str, Any]
) -> dict[str, Any]:
    """A two-layer network ``F(X) = σ([1, σ(X W₁)] W₂)`` with hand-sized numbers.

    What is drawn fits what is pinned: with the weights pinned, the network is the pinned one
    (``augment``, ``activation`` and ``beta`` keep their documented defaults unless pinned too)
    and only a fitting ``X`` is drawn; with ``X`` pinned, ``W₁`` gets one row per column of X.
    """
    n_samples = int(rng.integers(1, 4))
    augment = pinned.get("augment", False)
    first_augmented = (augment[0] if isinstance(augment, list) and augment else augment) is True
    weights: Any = pinned.get("weights")
    if _is_matrix_list(weights):
        width = max(len(weights[0]) - first_augmented, 1)  # the columns of X that W₁ takes
        return {"X": _draw_inputs(rng, n_samples, width, first_augmented)}
    X_pinned: Any = pinned.get("X")
    if _is_matrix_list([X_pinned]):
        d = len(X_pinned[0]) - 1 + first_augmented
    else:
        d = int(rng.integers(1, 3))  # features besides the leading 1
    hidden = draw.pick(rng, (d + 1, 2, 3))  # d + 1 makes W1 square: transposing it would fit
    n_out = draw.pick(rng, n_out_choices)
    X = _draw_inputs(rng, n_samples, d + 1 - first_augmented, first_augmented)
    return {
        "X": X,
        "weights": [
            draw.tenths_matrix(rng, d + 1, hidden, -1, 1),
            draw.tenths_matrix(rng, hidden + 1, n_out, -1, 1),
        ],
        "augment": [False, True],
        "activation": draw.pick(
            rng, ("sigmoid", "sigmoid", ["relu", "sigmoid"], ["sigmoid", "linear"])
        ),
        "beta": draw.pick(rng, (1.0, 1.0, 1.0, 2.0)),
    }


def _is_matrix_list(value: Any) -> bool:
    """A non-empty list of non-empty lists of non-empty rows (checked properly later)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(m, list) and m and isinstance(m[0], list) and m[0] for m in value)
    )


def _draw_inputs(
    rng: np.random.Generator, n_samples: int, width: int, plain: bool
) -> list[list[float]]:
    """``X`` of ``width`` columns: a leading 1 then features, or only features when ``plain``."""
    if plain:
        return [r[1:] for r in _distinct_rows(rng, n_samples, width)]
    return _distinct_rows(rng, n_samples, width - 1)


def _distinct_rows(rng: np.random.Generator, n_samples: int, d: int) -> list[list[float]]:
    """Up to ``n_samples`` different inputs of ``d`` small whole numbers, each after a leading 1.

    With ``d = 0`` there is a single possible row, so a single sample.
    """
    n_samples = min(n_samples, 6**d)
    rows: list[list[float]] = []
    while len(rows) < n_samples:
        row = [1.0] + [float(rng.integers(-2, 4)) for _ in range(d)]
        if row not in rows:
            rows.append(row)
    return rows


def _forward(p: Mapping[str, Any], weights: Sequence[Any], augment: Sequence[bool]) -> Array:
    return mlp_trace(p["X"], weights, augment, p["activation"], p["beta"]).outputs[-1]


def _without_output_activation(p: Mapping[str, Any]) -> Array | None:
    """Forward pass with the last layer left linear (None where it is linear already)."""
    names = layer_names(p["activation"], len(p["weights"]))
    if names[-1] == "linear":
        return None
    linear_out = {**p, "activation": [*names[:-1], "linear"]}
    return _forward(linear_out, p["weights"], p["augment"])


def _sigmoid_everywhere(p: Mapping[str, Any]) -> Array | None:
    """The output when the activations asked for are ignored and the sigmoid (the default) is
    applied to every layer; None where every layer is a sigmoid already."""
    if set(layer_names(p["activation"], len(p["weights"]))) == {"sigmoid"}:
        return None
    return _forward({**p, "activation": "sigmoid"}, p["weights"], p["augment"])


def _without_beta(p: Mapping[str, Any]) -> Array | None:
    """Forward pass with the sigmoid's slope left at 1 (None where β is 1 or no layer is a
    sigmoid)."""
    if p["beta"] == 1 or "sigmoid" not in layer_names(p["activation"], len(p["weights"])):
        return None
    return _forward({**p, "beta": 1.0}, p["weights"], p["augment"])


def _without_bias(p: Mapping[str, Any]) -> Array | None:
    """Forward pass of a student who leaves out the prepended ones and the bias rows."""
    if not any(p["augment"]):
        return None
    ws = [
        np.asarray(w)[1:] if a else np.asarray(w)
        for w, a in zip(p["weights"], p["augment"], strict=True)
    ]
    return _forward(p, ws, [False] * len(ws))


def _transposed(p: Mapping[str, Any]) -> Array | None:
    """Forward pass with every square weight matrix transposed (None if none is square)."""
    ws = [np.asarray(w) for w in p["weights"]]
    if not any(w.shape[0] == w.shape[1] for w in ws):
        return None
    return _forward(p, [w.T if w.shape[0] == w.shape[1] else w for w in ws], p["augment"])


def _classes(output: Any) -> Array:
    """0-based predicted class of each sample, as a row ``(1, N)``."""
    return np.argmax(np.asarray(output, dtype=np.float64), axis=1)[None, :].astype(np.float64)


def _network_givens(p: Mapping[str, Any]) -> tuple[Given, ...]:
    givens = [Given("X", p["X"])]
    givens += [Given(f"W{i + 1}", w) for i, w in enumerate(p["weights"])]
    if p["beta"] != 1:
        givens.append(Given("beta", p["beta"]))
    return tuple(givens)


def _layer_sigma(k: int, numbered: bool) -> t.n.Sym:
    """σ, or σₖ where the layers' activations differ."""
    if not numbered:
        return t.n.SIGMA
    sub = "₀₁₂₃₄₅₆₇₈₉"[k]
    return t.n.Sym(f"σ{sub}", f"\\sigma_{{{k}}}", f"<msub><mi>σ</mi><mn>{k}</mn></msub>")


SUM_LOSS = t.n.Juxt(
    (
        t.n.Sym("½ Σ ", r"\frac{1}{2} \sum", "<mfrac><mn>1</mn><mn>2</mn></mfrac><mo>∑</mo>"),
        t.n.Pow(t.n.Paren(t.minus("Y", "output")), t.n.const(2)),
    )
)


def network_formula(p: Mapping[str, Any]) -> t.Math:
    """``F(X) = σ₂([1, σ₁(X W₁)] W₂)`` for the network ``p``."""
    names = layer_names(p["activation"], len(p["weights"]))
    expr: t.n.Node = t.V("X")
    for i, a in enumerate(p["augment"]):
        inner = t.n.Paren(t.n.Juxt((t.n.ONE_COMMA, expr)), square=True) if a else expr
        weighted = t.n.Juxt((inner, t.n.Sym(" ", "", ""), t.V(f"W{i + 1}")))
        expr = t.n.Call(_layer_sigma(i + 1, len(set(names)) > 1), weighted)
    return t.math("output", expr)


def _ones_words(p: Mapping[str, Any]) -> t.Prose:
    """Where the first layer's column of ones comes from."""
    if p["augment"][0]:
        return t.Prose("the first layer prepends the column of ones to ", t.math("X"), " itself")
    return t.Prose(t.math("X"), " already holds its leading column of ones")


def _activation_words(p: Mapping[str, Any]) -> t.Prose:
    names = layer_names(p["activation"], len(p["weights"]))
    slope: tuple[t.Segment, ...] = (
        (" with ", t.math("beta", p["beta"])) if p["beta"] != 1 and "sigmoid" in names else ()
    )
    if len(set(names)) == 1:
        return t.Prose(f"every layer uses the {names[0]} activation", *slope)
    listed: list[t.Segment] = []
    for i, name in enumerate(names):
        listed += [", "] if i else []
        listed += [t.math(_layer_sigma(i + 1, True)), f" = {name}"]
    return t.Prose("the activations are ", *listed, *slope)


class MLPForward(DiagnosticExercise):
    """The network output matrix ``F(X)``; the predicted class when it is a classifier."""

    id = "mlp_forward"
    title = "Forward pass of a multi-layer perceptron"
    topic = "Multi-layer perceptron"
    PARAMS = ("X", "weights", "augment", "activation", "beta")

    def _draw(self, rng: np.random.Generator, pinned: Mapping[str, Any]) -> dict[str, Any]:
        return _draw_network(rng, (1, 2, 3), pinned)

    def _compose(self, params: Mapping[str, Any]) -> tuple[Problem, list[str]]:
        p, trace = network(self.id, params, self.PARAMS)
        output = trace.outputs[-1]
        out_m, dropped = diagnostic.mistakes(
            output,
            OUTPUT_TOLERANCE,
            [(MLP_MISSING_BIAS, _without_bias(p)), (TRANSPOSED_WEIGHTS, _transposed(p))],
        )
        out_m = diagnostic.also_recognised(
            output,
            OUTPUT_TOLERANCE,
            out_m,
            [
                (OUTPUT_ACTIVATION_MISSING, _without_output_activation(p)),
                (SIGMOID_MISSING_BETA, _without_beta(p)),
                (ACTIVATION_IGNORED, _sigmoid_everywhere(p)),
            ],
        )
        parts = [
            Part(
                "output",
                t.Prose(t.math("output"), ", the network output matrix"),
                Kind.MATRIX,
                output,
                OUTPUT_TOLERANCE,
                out_m,
            )
        ]
        if self.is_classifier(p):
            classes = _classes(output)
            cls_m, cls_drop = diagnostic.mistakes(
                classes, EXACT, [(PREDICT_ONE_BASED, classes + 1)]
            )
            dropped += cls_drop
            parts.append(
                Part(
                    "predicted_class",
                    "predicted class of each sample (0-based)",
                    Kind.MATRIX,
                    classes,
                    EXACT,
                    cls_m,
                )
            )
            top2 = np.sort(output, axis=1)[:, -2:]
            if np.any(top2[:, 1] - top2[:, 0] < 0.05):
                dropped.append("close-outputs")  # a class too close to call by hand
            if len(classes[0]) > 1 and len(set(classes[0])) == 1:
                dropped.append("one-class")  # every sample in the same class tells little
        problem = Problem(self.id, p, self.statement(p).as_text(), tuple(parts))
        return problem, dropped

    @staticmethod
    def is_classifier(p: Mapping[str, Any]) -> bool:
        return (
            len(p["weights"][-1][0]) >= 2
            and layer_names(p["activation"], len(p["weights"]))[-1] != "linear"
        )

    def statement(self, params: Mapping[str, Any]) -> Statement:
        p = dict(params)
        ask = t.Prose("Compute the network output matrix ", t.math("output"))
        if self.is_classifier(p):
            ask += (
                ". The network is a classifier with one output per class: give the predicted "
                "class of each sample (0-based, as a row such as 0 2 1)"
            )
        return Statement(
            intro=t.Prose(
                "A network computes ",
                network_formula(p),
                ", one sample per row of ",
                t.math("X"),
                " (",
            )
            + _ones_words(p)
            + "); "
            + _activation_words(p)
            + ".",
            givens=_network_givens(p),
            ask=ask + ".",
        )

    def follow_through(
        self, problem: Problem, part_id: str, given: Mapping[str, Value]
    ) -> Value | None:
        if part_id != "predicted_class":
            return None
        expected = problem.part("output").answer
        got = given.get("output")
        if got is None or isinstance(got, str):
            return _classes(expected)
        arr = np.asarray(got, dtype=np.float64)
        if arr.shape != np.shape(expected) or not np.isfinite(arr).all():
            return _classes(expected)
        return _classes(arr)

    def by_hand(self, problem: Problem, decimals: int) -> Mapping[str, Value] | None:
        p = problem.params
        out = mlp_forward_by_hand(
            p["X"], p["weights"], p["augment"], p["activation"], p["beta"], decimals
        ).outputs[-1]
        result: dict[str, Value] = {"output": out}
        if self.is_classifier(p):
            result["predicted_class"] = _classes(out)
        return result


def backward_pass(
    p: Mapping[str, Any], trace: MLPTrace, derivatives: Sequence[Any]
) -> tuple[list[Array], list[Array]]:
    """Each layer's δ and ∂L/∂W (first layer first) for ``L = ½ Σ (Y − F(X))²``, with
    ``derivatives[k]`` taken as layer k's σ'(Z): the right ones, or a student's."""
    ws = [np.asarray(w) for w in p["weights"]]
    delta = -(np.asarray(p["Y"], dtype=np.float64) - trace.outputs[-1]) * derivatives[-1]
    deltas: list[Array] = [delta]
    grads: list[Array] = [np.empty(0)] * len(ws)
    for layer in range(len(ws) - 1, -1, -1):
        grads[layer] = trace.inputs[layer].T @ delta
        if layer:
            delta = delta @ ws[layer].T
            if p["augment"][layer]:
                delta = delta[:, 1:]  # the column of ones has no upstream
            delta = delta * derivatives[layer - 1]
            deltas.insert(0, delta)
    return deltas, grads


def gradients_without_derivative(p: Mapping[str, Any], trace: MLPTrace) -> list[Array]:
    """Backpropagation by a student who leaves out every activation derivative."""
    return backward_pass(p, trace, [1.0] * len(p["weights"]))[1]


def gradients_with_derivative_of_input(p: Mapping[str, Any], trace: MLPTrace) -> list[Array] | None:
    """Backpropagation by a student who computes a sigmoid's σ'(Z) as β Z (1 − Z); None
    without a sigmoid layer."""
    if "sigmoid" not in trace.activations:
        return None
    derivatives = [
        p["beta"] * z * (1 - z) if name == "sigmoid" else activation_derivative(name, z, p["beta"])
        for z, name in zip(trace.pre, trace.activations, strict=True)
    ]
    return backward_pass(p, trace, derivatives)[1]


def gradients_relu_one_at_zero(p: Mapping[str, Any], trace: MLPTrace) -> list[Array] | None:
    """The gradients with ReLU's derivative taken as 1 at exactly 0 (the other convention,
    right as well), or None where no ReLU input is exactly 0 (they are the same)."""
    zero = [
        name == "relu" and bool(np.any(z == 0))
        for z, name in zip(trace.pre, trace.activations, strict=True)
    ]
    if not any(zero):
        return None
    derivatives = [
        (z >= 0).astype(np.float64) if name == "relu" else activation_derivative(name, z, p["beta"])
        for z, name in zip(trace.pre, trace.activations, strict=True)
    ]
    return backward_pass(p, trace, derivatives)[1]


class MLPBackprop(DiagnosticExercise):
    """One backward pass: ``∂L/∂W_l`` for every layer, with ``L = ½ Σ (Y − F(X))²``."""

    id = "mlp_backprop"
    title = "Backpropagation through a two-layer network"
    topic = "Multi-layer perceptron"
    PARAMS = ("X", "Y", "weights", "augment", "activation", "beta")

    def _params(self, params: Mapping[str, Any]) -> tuple[dict[str, Any], MLPTrace]:
        p, trace = network(self.id, params, self.PARAMS)
        Y = checks.matrix(self.id, "Y", checks.require(self.id, params, "Y"))
        out_shape = trace.outputs[-1].shape
        if np.shape(Y) != out_shape:
            raise ValueError(
                f"{self.id}: parameter 'Y' must have shape {out_shape} like F(X), got {np.shape(Y)}"
            )
        p["Y"] = Y
        return p, trace

    def _draw(self, rng: np.random.Generator, pinned: Mapping[str, Any]) -> dict[str, Any]:
        net = _draw_network(rng, (1, 2), pinned)
        if "weights" not in net:  # the pinned network: X drawn to fit it
            X = pinned.get("X", net["X"])
            weights = pinned["weights"]
        else:
            n_samples = 1 if rng.random() < 0.6 else 2
            plain = net["X"] and len(net["X"][0]) < len(net["weights"][0])  # layer 1 adds ones
            net["X"] = _draw_inputs(rng, n_samples, len(net["X"][0]), bool(plain))
            X, weights = pinned.get("X", net["X"]), net["weights"]
        n_samples = len(X) if isinstance(X, list) else 1
        last = weights[-1]
        n_out = len(last[0]) if isinstance(last, list) and last and isinstance(last[0], list) else 1
        net["Y"] = [[float(rng.integers(0, 2)) for _ in range(n_out)] for _ in range(n_samples)]
        return net

    def _compose(self, params: Mapping[str, Any]) -> tuple[Problem, list[str]]:
        p, trace = self._params(params)
        grads = mlp_gradients_augmented(
            p["X"], p["Y"], p["weights"], p["augment"], p["activation"], p["beta"]
        )
        plain = gradients_without_derivative(p, trace)
        on_z = gradients_with_derivative_of_input(p, trace)
        at_zero = gradients_relu_one_at_zero(p, trace)  # relu'(0) = 1: right too
        samples = [len(p["X"])] if len(p["X"]) > 1 else []
        parts = []
        dropped: list[str] = []
        for i, g in enumerate(grads):
            kept, lost = diagnostic.mistakes(
                g,
                GRADIENT_TOLERANCE,
                [
                    (GRAD_WRONG_SIGN, -g),
                    (GRAD_MISSING_ACTIVATION_DERIVATIVE, plain[i]),
                    (LOSS_MISSING_HALF, 2 * g),
                ],
            )
            dropped += lost
            kept = diagnostic.also_recognised(
                g,
                GRADIENT_TOLERANCE,
                kept,
                [
                    (SIGMOID_DERIVATIVE_OF_INPUT, None if on_z is None else on_z[i]),
                    ("grad-wrong-sign+loss-missing-half", -2 * g),
                    # the loss averaged over N samples: ½ mean, or the mean of (Y − F)²;
                    # over one sample the latter is the dropped ½, named as such above
                    *((LOSS_MEAN_INSTEAD_OF_SUM, f * g / n) for n in samples for f in (1, 2)),
                ],
            )
            if np.max(np.abs(g)) < 0.01:
                dropped.append("small-gradient")
            also = (
                ()
                if at_zero is None or not diagnostic.differs(g, at_zero[i], GRADIENT_TOLERANCE)
                else (at_zero[i],)
            )
            kept = tuple(
                m
                for m in kept
                if all(diagnostic.differs(a, m.value, GRADIENT_TOLERANCE) for a in also)
            )
            parts.append(
                Part(
                    f"dL_dW{i + 1}",
                    t.Prose(t.math(f"dL_dW{i + 1}")),
                    Kind.MATRIX,
                    g,
                    GRADIENT_TOLERANCE,
                    kept,
                    alternatives=also,
                )
            )
        problem = Problem(self.id, p, self.statement(p).as_text(), tuple(parts))
        return problem, dropped

    def by_hand(self, problem: Problem, decimals: int) -> Mapping[str, Value] | None:
        p = problem.params
        hand = mlp_backprop_by_hand(
            p["X"], p["Y"], p["weights"], p["augment"], p["activation"], p["beta"], decimals
        )
        return {f"dL_dW{i + 1}": g for i, g in enumerate(hand.grads)}

    def statement(self, params: Mapping[str, Any]) -> Statement:
        p = dict(params)
        names = t.listed([f"dL_dW{i + 1}" for i in range(len(p["weights"]))])
        return Statement(
            intro=t.Prose("A network computes ", network_formula(p), " (")
            + _ones_words(p)
            + "); "
            + _activation_words(p)
            + t.Prose(
                ". It is trained with the loss ",
                t.math("loss", SUM_LOSS),
                ", summed over samples and outputs.",
            ),
            givens=(*_network_givens(p), Given("Y", p["Y"])),
            ask=t.Prose("Compute the gradients ", *names, ", each shaped like its weight matrix."),
        )
