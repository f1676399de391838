"""Test cases for every function of the student code API.

Each function gets the edge cases a careful instructor picks (fixed), then randomized cases
drawn from a seed: the public seed for ``grader check``, a per-student seed for hidden tests.
Expected values come from :mod:`reference`, computed here in the grader's process; so do the
values each known mistake would produce, for diagnosis.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

import reference as ref
from exercises.base import Mistake
from exercises.misconceptions import (
    ACTIVATION_IGNORED,
    CONV_FLIPPED_KERNEL,
    CONV_PADDING_IGNORED,
    CONV_SIZE_FLOAT_DIVISION,
    CONV_SIZE_OFF_BY_ONE,
    CONV_STRIDE_IGNORED,
    GD_WRONG_SIGN,
    GRAD_MISSING_ACTIVATION_DERIVATIVE,
    GRAD_WRONG_SIGN,
    LOSS_MEAN_INSTEAD_OF_SUM,
    LOSS_MISSING_HALF,
    MLP_MISSING_BIAS,
    OUTPUT_ACTIVATION_MISSING,
    PARAM_COUNT_MISSING_BIAS,
    PARAM_COUNT_MISSING_DEPTH,
    PREDICT_ONE_BASED,
    SIGMOID_DERIVATIVE_MISSING_BETA,
    SIGMOID_DERIVATIVE_OF_INPUT,
    SIGMOID_MISSING_BETA,
    TRANSPOSED_WEIGHTS,
)
from grader.codecheck.compare import clearly_differs, compare

PUBLIC_SEED = 20_240_901

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Case:
    """One call of a student function and what it must return.

    ``expected`` is a float (a scalar, 1-element arrays accepted), an int (exact), an ndarray,
    or a tuple/list of those (several returned values). ``either`` holds, where some
    elements have two right answers (ReLU's derivative at 0), the other accepted value of
    every element. ``mistakes`` are what known mistakes would return on this call.
    """

    label: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    expected: Any = None
    either: Any = None
    mistakes: tuple[Mistake, ...] = ()


def _fmt(v: Any) -> str:
    """An argument as a label shows it: small vectors in full, bigger arrays by shape."""
    if isinstance(v, np.ndarray):
        if v.ndim == 1 and v.size <= 4:
            return "array([" + ", ".join(f"{x:.4g}" for x in v) + "])"
        return f"array of shape {v.shape}"
    if isinstance(v, list):
        if all(isinstance(x, (int, float)) for x in v) and len(v) <= 4:
            return "[" + ", ".join(f"{x:.4g}" for x in v) + "]"
        return f"a list of shape {np.shape(v)}"
    if isinstance(v, float):
        return f"{v:.6g}"
    return repr(v)


def _label(names: Sequence[str], args: Sequence[Any], kwargs: dict[str, Any]) -> str:
    parts = [f"{n}={_fmt(a)}" for n, a in zip(names, args, strict=False)]
    parts += [f"{k}={_fmt(v)}" for k, v in kwargs.items()]
    return ", ".join(parts)


def _case(
    names: Sequence[str],
    args: Sequence[Any],
    kwargs: dict[str, Any] | None,
    expected: Any,
    mistakes: Sequence[tuple[str, Any]] = (),
    either: Any = None,
    label: str | None = None,
) -> Case:
    kw = dict(kwargs or {})
    return Case(
        label=label or _label(names, args, kw),
        args=tuple(args),
        kwargs=kw,
        expected=expected,
        either=either,
        mistakes=tuple(
            Mistake(m, v)
            for m, v in mistakes
            if v is not None and (clearly_differs(v, expected) or not compare(v, expected).ok)
        ),
    )


def _unpadded(image: Any, kernel: Any, stride: int) -> Any:
    """conv2d without its padding, or None where the kernel does not fit the bare image."""
    try:
        return ref.conv2d(image, kernel, stride, 0)
    except ValueError:
        return None


def _stride_in_size_only(image: Any, kernel: Any, stride: int, padding: int) -> Any:
    """conv2d whose output has the strided size but whose window moves one pixel per step."""
    if stride == 1:
        return None
    (h, w), (kh, kw) = np.shape(image), np.shape(kernel)
    rows = ref.conv_output_size(h, kh, stride, padding)
    cols = ref.conv_output_size(w, kw, stride, padding)
    return ref.conv2d(image, kernel, 1, padding)[:rows, :cols]


def _asym_kernel(rng: np.random.Generator, shape: tuple[int, int]) -> Array:
    """An integer kernel that differs from its 180-degree rotation (flips are detectable)."""
    while True:
        k = rng.integers(-3, 4, size=shape).astype(np.float64)
        if not np.array_equal(k, k[::-1, ::-1]):
            return k


# ---- activations -----------------------------------------------------------------------------


def sigmoid_cases(rng: np.random.Generator) -> list[Case]:
    names = ("a",)
    fixed: list[tuple[Any, dict[str, Any]]] = [
        (0.0, {}),
        (1000.0, {}),
        (-1000.0, {}),
        (2.0, {"beta": 0.5}),
        (-1.5, {"beta": 3.0}),
        (1e4, {}),
        (-1e4, {}),
        (1, {}),
        ([-2.0, 0.0, 3.0], {}),
        (np.array([[-1e4, -5.0, 0.0], [0.5, 5.0, 1e4]]), {"beta": 2.0}),
    ]
    fixed.append((rng.normal(0, 3, size=(4,)), {}))
    fixed.append((rng.normal(0, 3, size=(3, 2)), {"beta": float(rng.choice([0.5, 2.0, 4.0]))}))
    return [
        _case(
            names,
            (a,),
            kw,
            _scalar_or(ref.sigmoid(a, **kw), a),
            [(SIGMOID_MISSING_BETA, _scalar_or(ref.sigmoid(a), a))] if kw else [],
        )
        for a, kw in fixed
    ]


def _scalar_or(value: Array, like: Any) -> Any:
    """A float for scalar input, the array otherwise."""
    return float(value) if np.ndim(like) == 0 else value


def sigmoid_derivative_cases(rng: np.random.Generator) -> list[Case]:
    names = ("a",)
    fixed: list[tuple[Any, dict[str, Any]]] = [
        (0.0, {}),
        (0.0, {"beta": 2.0}),
        (1.0, {"beta": 0.5}),
        (1000.0, {}),
        (-1000.0, {}),
        ([-1.0, 0.0, 2.0], {"beta": 3.0}),
        (np.array([[-2.0, 0.5], [1.5, 3.0]]), {}),
        (rng.normal(0, 2, size=(5,)), {"beta": float(rng.choice([0.5, 2.0, 3.0]))}),
        (rng.normal(0, 2, size=(2, 3)), {"beta": 1.5}),
    ]
    out = []
    for a, kw in fixed:
        beta = kw.get("beta", 1.0)
        s = ref.sigmoid(a, beta)
        mistakes = [
            (SIGMOID_DERIVATIVE_MISSING_BETA, _scalar_or(s * (1 - s), a)),
            (SIGMOID_DERIVATIVE_MISSING_BETA, _scalar_or(ref.sigmoid_derivative(a), a)),
        ]
        if beta == 1.0:
            mistakes = []
        if np.abs(a).max() < 100:  # not for the overflow cases, where β a (1 − a) is huge
            on_a = np.asarray(a, dtype=np.float64)
            mistakes.append((SIGMOID_DERIVATIVE_OF_INPUT, _scalar_or(beta * on_a * (1 - on_a), a)))
        out.append(_case(names, (a,), kw, _scalar_or(ref.sigmoid_derivative(a, beta), a), mistakes))
    return out


def relu_cases(rng: np.random.Generator) -> list[Case]:
    values: list[Any] = [
        0.0,
        -2.5,
        3.0,
        -1,
        [-1.0, 0.0, 2.0],
        np.array([[0.0, -3.0, 4.5], [-0.0, 1e-9, -1e-9]]),
        rng.normal(0, 2, size=(6,)),
        np.round(rng.normal(0, 2, size=(3, 4))),  # whole numbers: several exact zeros likely
    ]
    return [_case(("a",), (a,), None, _scalar_or(ref.relu(a), a)) for a in values]


def relu_derivative_cases(rng: np.random.Generator) -> list[Case]:
    values: list[Any] = [
        0.0,
        -2.0,
        3.5,
        [-1.0, 0.0, 2.0],
        np.array([[0.0, -3.0, 4.5], [2.0, 1e-9, -1e-9]]),
        rng.normal(0, 2, size=(6,)),
        np.round(rng.normal(0, 1.5, size=(4, 3))),
    ]
    out = []
    for a in values:
        arr = np.asarray(a, dtype=np.float64)
        at_one = np.where(arr == 0, 1.0, ref.relu_derivative(arr))
        out.append(
            _case(
                ("a",),
                (a,),
                None,
                _scalar_or(ref.relu_derivative(a), a),
                either=_scalar_or(at_one, a),
            )
        )
    return out


# ---- one neuron ------------------------------------------------------------------------------


def neuron_output_cases(rng: np.random.Generator) -> list[Case]:
    names = ("x", "w", "b")
    d = int(rng.integers(3, 5))
    fixed: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((0.5, 0.3, 0.1), {}),  # the worked example: 0.562177
        ((np.array([1.0, -2.0, 0.5]), np.array([0.4, 0.1, -0.3]), 0.2), {}),
        ((np.array([1.0, -2.0, 0.5]), np.array([0.4, 0.1, -0.3]), -0.5), {"activation": "relu"}),
        (([2.0, 1.0], [0.5, -1.5], 0.25), {"activation": "linear"}),
        ((np.array([0.5, 1.0]), np.array([1.0, 2.0]), 0.0), {"beta": 2.0}),
        ((np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 0.0]]), np.array([0.3, -0.2]), 0.1), {}),
        (
            (rng.normal(0, 1, size=(4, d)), rng.normal(0, 1, size=(d,)), float(rng.normal())),
            {"activation": "relu"},
        ),
        (
            (rng.normal(0, 1, size=(3, d)), rng.normal(0, 1, size=(d,)), float(rng.normal())),
            {"activation": "sigmoid", "beta": 0.5},
        ),
    ]
    out = []
    for args, kw in fixed:
        x, w, b = args
        expected = ref.neuron_output(x, w, b, **kw)
        exp = float(expected) if expected.ndim == 0 else expected
        no_bias = ref.neuron_output(x, w, 0.0, **kw)
        mistakes = [(MLP_MISSING_BIAS, float(no_bias) if no_bias.ndim == 0 else no_bias)]
        mistakes = mistakes if b != 0 else []
        if kw.get("beta", 1.0) != 1.0:
            plain = ref.neuron_output(x, w, b, **{**kw, "beta": 1.0})
            mistakes.append((SIGMOID_MISSING_BETA, float(plain) if plain.ndim == 0 else plain))
        for name in _other_activations(kw.get("activation", "sigmoid")):
            ignored = ref.neuron_output(x, w, b, **{**kw, "activation": name})
            mistakes.append((ACTIVATION_IGNORED, _scalar_or(ignored, expected)))
        out.append(_case(names, args, kw, exp, mistakes))
    return out


def _other_activations(activation: Any) -> list[str]:
    """The activations a function that ignores its ``activation`` argument would apply to
    every layer: each one name other than what was asked (one per layer, or a list)."""
    asked = [activation] if isinstance(activation, str) else list(activation)
    return [a for a in ref.ACTIVATIONS if any(b != a for b in asked)]


MEAN = LOSS_MEAN_INSTEAD_OF_SUM


def _sample_counts(shape: tuple[int, ...], every_value: bool) -> set[int]:
    """What a mean over the samples would divide by, 1 left out (a mean over one sample is
    the sum): the rows, and with ``every_value`` every element too."""
    counts = {shape[0] if len(shape) == 2 else 1}
    if every_value:
        counts.add(int(np.prod(shape)))
    return counts - {1}


def sse_loss_cases(rng: np.random.Generator) -> list[Case]:
    names = ("y_hat", "y")
    pairs: list[tuple[Any, Any]] = [
        (0.562177, 1.5),
        (2, 3),
        ([0.2, 0.9], [0.0, 1.0]),
        (
            np.array([[0.1, 0.9], [0.8, 0.3], [0.5, 0.5]]),
            np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]),
        ),
        (rng.uniform(0, 1, size=(6,)), rng.integers(0, 2, size=(6,)).astype(np.float64)),
        (rng.normal(size=(3, 4)), rng.normal(size=(3, 4))),
    ]
    out = []
    for y_hat, y in pairs:
        loss = ref.sse_loss(y_hat, y)
        mistakes = [(LOSS_MISSING_HALF, 2 * loss)]
        # a mean over several samples; over one sample the mean is the sum, and the mean of
        # (y - y_hat)^2 is then exactly the dropped ½, named as such
        for n in _sample_counts(np.shape(y_hat), every_value=True):
            mistakes += [(MEAN, 2 * loss / n), (MEAN, loss / n)]
        out.append(_case(names, (y_hat, y), None, loss, mistakes))
    return out


def _neuron_grad_variants(x: Any, y: Any, w: Any, b: float) -> dict[str, Any]:
    dw, db = ref.neuron_gradients(x, y, w, b)
    z = np.asarray(ref.neuron_output(x, w, b, activation="linear"))
    y_hat = ref.sigmoid(z)
    error = -(np.asarray(y, dtype=np.float64).reshape(y_hat.shape) - y_hat)  # dL/dy_hat
    xa = np.asarray(x, dtype=np.float64)
    scalar_w = np.ndim(w) == 0

    def through(delta: Any) -> tuple[Any, float]:
        """(dL/dw, dL/db) from dL/dz as a student computed it."""
        if scalar_w:
            return float(np.sum(delta * xa)), float(np.sum(delta))
        return np.asarray(delta @ xa if xa.ndim == 2 else delta * xa), float(np.sum(delta))

    shape = _grad_shape(dw, w)
    plain_w, plain_b = through(error)  # no σ'
    on_z_w, on_z_b = through(error * z * (1 - z))  # σ'(z) computed as z(1 − z)
    return {
        "expected": (shape(dw), float(db)),
        GRAD_WRONG_SIGN: (shape(-dw), -float(db)),
        LOSS_MISSING_HALF: (shape(2 * dw), 2 * float(db)),
        GRAD_MISSING_ACTIVATION_DERIVATIVE: (shape(np.asarray(plain_w)), plain_b),
        SIGMOID_DERIVATIVE_OF_INPUT: (shape(np.asarray(on_z_w)), on_z_b),
        MEAN: [
            (shape(f * dw / n), f * float(db) / n)
            for n in _sample_counts(np.shape(x), every_value=False)
            for f in (1, 2)
        ],
    }


def _grad_shape(dw: Array, w: Any) -> Callable[[Array], Any]:
    if np.ndim(w) == 0:
        return lambda v: float(np.asarray(v).reshape(()))
    return lambda v: np.asarray(v, dtype=np.float64).reshape(np.shape(w))


def neuron_gradients_cases(rng: np.random.Generator) -> list[Case]:
    names = ("x", "y", "w", "b")
    d = int(rng.integers(2, 5))
    n = int(rng.integers(3, 6))
    fixed: list[tuple[Any, ...]] = [
        (0.5, 1.5, 0.3, 0.1),  # the worked example: -0.115415, -0.230830
        (np.array([1.0, -2.0, 0.5]), 1.0, np.array([0.4, 0.1, -0.3]), 0.2),
        ([1.0, 2.0], 0.0, [0.5, -0.5], 0.0),
        (
            np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 1.0]]),
            np.array([1.0, 0.0, 1.0]),
            np.array([0.3, -0.2]),
            0.1,
        ),
        (
            rng.normal(size=(n, d)),
            rng.integers(0, 2, size=(n,)).astype(np.float64),
            rng.normal(size=(d,)),
            float(rng.normal()),
        ),
    ]
    out = []
    for args in fixed:
        v = _neuron_grad_variants(*args)
        mistakes = [(k, val) for k, val in v.items() if k not in ("expected", MEAN)]
        mistakes += [(MEAN, val) for val in v[MEAN]]
        out.append(_case(names, args, None, v["expected"], mistakes))
    return out


def gradient_descent_step_cases(rng: np.random.Generator) -> list[Case]:
    names = ("param", "grad", "lr")
    fixed: list[tuple[Any, Any, float]] = [
        (0.3, -0.115415, 0.1),
        (1, 2, 0.5),
        ([0.5, -1.0], [0.2, -0.4], 0.1),
        (np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([[1.0, -1.0], [0.5, 0.0]]), 0.01),
        (rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), float(rng.choice([0.05, 0.1, 0.5]))),
    ]
    out = []
    for p, g, lr in fixed:
        pa, ga = np.asarray(p, dtype=np.float64), np.asarray(g, dtype=np.float64)
        exp = _scalar_or(pa - lr * ga, p)
        out.append(
            _case(names, (p, g, lr), None, exp, [(GD_WRONG_SIGN, _scalar_or(pa + lr * ga, p))])
        )
    return out


# ---- multi-layer perceptrons -----------------------------------------------------------------


@dataclass(frozen=True)
class Net:
    x: Any
    weights: list[Any]
    biases: list[Any]
    activation: Any  # str or list, or None for the default
    y: Any = None

    def call_args(self) -> tuple[Any, ...]:
        return (self.x, self.weights, self.biases)

    def kwargs(self) -> dict[str, Any]:
        return {} if self.activation is None else {"activation": self.activation}

    @property
    def act(self) -> Any:
        return "sigmoid" if self.activation is None else self.activation


def _random_net(
    rng: np.random.Generator, sizes: Sequence[int], batch: int | None, activation: Any
) -> Net:
    ws = [rng.normal(0, 1, size=(a, b)) for a, b in itertools.pairwise(sizes)]
    bs = [rng.normal(0, 0.5, size=(b,)) for b in sizes[1:]]
    x = rng.normal(0, 1, size=(sizes[0],) if batch is None else (batch, sizes[0]))
    y_shape = (sizes[-1],) if batch is None else (batch, sizes[-1])
    y = rng.uniform(0, 1, size=y_shape)
    return Net(x, ws, bs, activation, y)


def _nets(rng: np.random.Generator) -> list[Net]:
    w1 = [[0.2, -0.4, 0.1], [0.5, 0.3, -0.2]]
    w2 = [[0.3], [-0.1], [0.6]]
    return [
        Net(
            np.array([1.0, 0.5]),
            [np.array(w1), np.array(w2)],
            [np.array([0.1, 0.0, -0.1]), np.array([0.2])],
            None,
            np.array([1.0]),
        ),
        Net([[1.0, 0.5], [0.0, -1.0]], [w1, w2], [[0.1, 0.0, -0.1], [0.2]], "relu", [[1.0], [0.0]]),
        _random_net(rng, (2, 2, 2), None, None),  # square: transposed weights are visible
        _random_net(rng, (3, 3, 3), 4, "sigmoid"),
        _random_net(rng, (3, 4, 3, 2), 5, ["relu", "sigmoid", "linear"]),
        _random_net(rng, (4, 3, 2), 3, ["sigmoid", "linear"]),
    ]


def _all_square(net: Net) -> bool:
    return all(np.shape(w)[0] == np.shape(w)[1] for w in net.weights)


def _transposed(net: Net) -> list[Array]:
    return [np.asarray(w, dtype=np.float64).T for w in net.weights]


def _zero_biases(net: Net) -> list[Array]:
    return [np.zeros_like(np.asarray(b, dtype=np.float64)) for b in net.biases]


def _forward_mistakes(net: Net) -> list[tuple[str, Any]]:
    """What the forward pass's known mistakes return on ``net``, alone and together (and with
    the output layer's activation left out).

    Students often make both at once (weights used transposed and no bias): the pair is
    listed under ``"transposed-weights+mlp-missing-bias"``, which names both.
    """
    no_bias = _zero_biases(net)
    mistakes: list[tuple[str, Any]] = [
        (MLP_MISSING_BIAS, ref.mlp_forward(net.x, net.weights, no_bias, net.act))
    ]
    layers = [net.act] * len(net.weights) if isinstance(net.act, str) else list(net.act)
    if layers[-1] != "linear":
        linear_out = [*layers[:-1], "linear"]
        mistakes.append(
            (
                OUTPUT_ACTIVATION_MISSING,
                ref.mlp_forward(net.x, net.weights, net.biases, linear_out),
            )
        )
    for name in _other_activations(net.act):
        mistakes.append((ACTIVATION_IGNORED, ref.mlp_forward(net.x, net.weights, net.biases, name)))
    if _all_square(net):
        flipped = _transposed(net)
        mistakes += [
            (TRANSPOSED_WEIGHTS, ref.mlp_forward(net.x, flipped, net.biases, net.act)),
            (
                f"{TRANSPOSED_WEIGHTS}+{MLP_MISSING_BIAS}",
                ref.mlp_forward(net.x, flipped, no_bias, net.act),
            ),
        ]
    return mistakes


def mlp_forward_cases(rng: np.random.Generator) -> list[Case]:
    names = ("x", "weights", "biases")
    out = []
    for net in _nets(rng):
        exp = ref.mlp_forward(net.x, net.weights, net.biases, net.act)
        out.append(
            _case(
                names,
                net.call_args(),
                net.kwargs(),
                exp,
                _forward_mistakes(net),
                label=_net_label(net),
            )
        )
    return out


def _net_label(net: Net) -> str:
    sizes = [np.shape(net.weights[0])[0]] + [np.shape(w)[1] for w in net.weights]
    xs = np.shape(net.x)
    act = net.act if isinstance(net.act, str) else "[" + ", ".join(net.act) + "]"
    kind = "lists" if isinstance(net.x, list) else "arrays"
    return f"layers {'-'.join(map(str, sizes))}, x of shape {xs}, activation {act} ({kind})"


def _backprop(net: Net, derivative: str = "exact") -> tuple[list[Array], list[Array]]:
    """Gradients with separate biases; with ``derivative`` "none" every σ' is taken as 1, with
    "of-input" a sigmoid's σ'(Z) is computed as Z (1 − Z), with "relu-one-at-0" ReLU's
    derivative at exactly 0 is taken as 1 (the other convention the contract accepts)."""
    if derivative == "exact":
        exact_w, exact_b = ref.mlp_gradients(net.x, net.y, net.weights, net.biases, net.act)
        return list(exact_w), list(exact_b)
    ws = [np.asarray(w, dtype=np.float64) for w in net.weights]
    bs = [np.asarray(b, dtype=np.float64) for b in net.biases]
    acts = [net.act] * len(ws) if isinstance(net.act, str) else list(net.act)
    h = np.asarray(net.x, dtype=np.float64)
    single = h.ndim == 1
    h = h[None, :] if single else h
    inputs: list[Array] = []
    slopes: list[Any] = []  # each layer's σ'(Z) as the student takes it
    for w, b, a in zip(ws, bs, acts, strict=True):
        inputs.append(h)
        z = h @ w + b
        if derivative == "none":
            slopes.append(1.0)
        elif derivative == "of-input" and a == "sigmoid":
            slopes.append(z * (1 - z))
        elif derivative == "relu-one-at-0" and a == "relu":
            slopes.append((z >= 0).astype(np.float64))
        else:
            slopes.append(ref.activation_derivative(a, z))
        h = ref.apply_activation(a, z)
    y = np.asarray(net.y, dtype=np.float64).reshape(h.shape)
    delta = -(y - h) * slopes[-1]
    gw: list[Array] = [np.empty(0)] * len(ws)
    gb: list[Array] = [np.empty(0)] * len(ws)
    for layer in range(len(ws) - 1, -1, -1):
        gw[layer] = inputs[layer].T @ delta
        gb[layer] = delta.sum(axis=0)
        if layer:
            delta = (delta @ ws[layer].T) * slopes[layer - 1]
    return gw, gb


def mlp_gradients_cases(rng: np.random.Generator) -> list[Case]:
    names = ("x", "y", "weights", "biases")
    out = []
    for net in _nets(rng):
        gw, gb = _backprop(net)
        pw, pb = _backprop(net, derivative="none")
        mistakes: list[tuple[str, Any]] = [
            (GRAD_WRONG_SIGN, ([-g for g in gw], [-g for g in gb])),
            (LOSS_MISSING_HALF, ([2 * g for g in gw], [2 * g for g in gb])),
            (GRAD_MISSING_ACTIVATION_DERIVATIVE, (pw, pb)),
            (TRANSPOSED_WEIGHTS, ([g.T for g in gw], gb)),
            (SIGMOID_DERIVATIVE_OF_INPUT, _backprop(net, derivative="of-input")),
        ]
        for name in _other_activations(net.act):
            uniform = ref.mlp_gradients(net.x, net.y, net.weights, net.biases, name)
            mistakes.append((ACTIVATION_IGNORED, (list(uniform[0]), list(uniform[1]))))
        for n in _sample_counts(np.shape(net.x), every_value=False):
            for f in (1, 2):
                mistakes.append((MEAN, ([f * g / n for g in gw], [f * g / n for g in gb])))
        args = (net.x, net.y, net.weights, net.biases)
        either = _backprop(net, derivative="relu-one-at-0")  # differs only where a Z is 0
        out.append(
            _case(names, args, net.kwargs(), (gw, gb), mistakes, either, label=_net_label(net))
        )
    return out


def predict_cases(rng: np.random.Generator) -> list[Case]:
    names = ("x", "weights", "biases")
    out = []
    nets = [n for n in _nets(rng) if np.shape(n.weights[-1])[1] > 1]
    single = _random_net(rng, (3, 4, 3), None, None)
    for net in [*nets, single]:
        y = ref.predict(net.x, net.weights, net.biases, net.act)
        exp: Any = int(y) if y.ndim == 0 else y.astype(np.float64)
        # a predict built on a wrong forward pass shows the forward pass's mistake
        mistakes = [
            (m, _argmax(value, exp))
            for m, value in _forward_mistakes(net)
            if np.ndim(value) == np.ndim(y) + 1
        ]
        out.append(
            _case(
                names,
                net.call_args(),
                net.kwargs(),
                exp,
                [(PREDICT_ONE_BASED, exp + 1), *mistakes],
                label=_net_label(net),
            )
        )
    return out


def _argmax(output: Any, like: Any) -> Any:
    """The 0-based class of ``output`` (a forward pass), typed like the expected ``like``."""
    classes = np.argmax(output, axis=-1)
    return int(classes) if isinstance(like, int) else classes.astype(np.float64)


# ---- convolution -----------------------------------------------------------------------------

WORKED_IMAGE = [
    [1, 1, 1, 0, 0],
    [0, 1, 1, 1, 0],
    [0, 0, 1, 1, 1],
    [0, 0, 1, 1, 0],
    [0, 1, 1, 0, 0],
]
WORKED_KERNEL = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]


def conv2d_cases(rng: np.random.Generator) -> list[Case]:
    names = ("image", "kernel")
    img46 = rng.integers(0, 10, size=(4, 6)).astype(np.float64)
    fixed: list[tuple[Any, Any, dict[str, Any]]] = [
        (np.array(WORKED_IMAGE, dtype=np.float64), np.array(WORKED_KERNEL, dtype=np.float64), {}),
        (WORKED_IMAGE, [[-1, -1, 0], [-1, 0, 1], [0, 1, 1]], {}),
        (img46, _asym_kernel(rng, (2, 3)), {}),
        (
            rng.integers(0, 10, size=(7, 5)).astype(np.float64),
            _asym_kernel(rng, (3, 2)),
            {"stride": 2},
        ),
        (
            rng.integers(0, 10, size=(4, 4)).astype(np.float64),
            _asym_kernel(rng, (3, 3)),
            {"padding": 1},
        ),
        (
            rng.integers(0, 10, size=(6, 7)).astype(np.float64),
            _asym_kernel(rng, (3, 2)),
            {"stride": 2, "padding": 1},
        ),
        (rng.normal(size=(3, 5)), np.array([[2.0]]), {}),
        (rng.normal(size=(5, 6)), rng.normal(size=(2, 4)), {"stride": 3, "padding": 2}),
    ]
    out = []
    for image, kernel, kw in fixed:
        stride, padding = kw.get("stride", 1), kw.get("padding", 0)
        exp = ref.conv2d(image, kernel, stride, padding)
        k = np.asarray(kernel, dtype=np.float64)
        mistakes = [
            (CONV_FLIPPED_KERNEL, ref.conv2d(image, k[::-1, ::-1], stride, padding)),
            (CONV_PADDING_IGNORED, _unpadded(image, kernel, stride) if padding else None),
            (CONV_STRIDE_IGNORED, ref.conv2d(image, kernel, 1, padding) if stride != 1 else None),
            # the size counts the stride but the window still moves one pixel at a time
            (CONV_STRIDE_IGNORED, _stride_in_size_only(image, kernel, stride, padding)),
        ]
        mistakes = [(m, v) for m, v in mistakes if v is not None and not np.array_equal(v, exp)]
        label = f"image of shape {np.shape(image)}, kernel of shape {np.shape(kernel)}"
        label += "".join(f", {k_}={v}" for k_, v in kw.items())
        if isinstance(image, list):
            label += " (lists)"
        out.append(_case(names, (image, kernel), kw, exp, mistakes, label=label))
    return out


def conv_output_size_cases(rng: np.random.Generator) -> list[Case]:
    names = ("n", "k")
    fixed: list[tuple[int, int, dict[str, Any]]] = [
        (5, 3, {}),
        (32, 5, {"padding": 2}),
        (7, 3, {"stride": 2}),
        (8, 3, {"stride": 2, "padding": 1}),
        (224, 7, {"stride": 2, "padding": 3}),
        (6, 6, {}),
    ]
    for _ in range(2):
        k = int(rng.integers(1, 6))
        fixed.append(
            (
                int(rng.integers(k, 40)),
                k,
                {"stride": int(rng.integers(1, 4)), "padding": int(rng.integers(0, 3))},
            )
        )
    out = []
    for n, k, kw in fixed:
        s, p = kw.get("stride", 1), kw.get("padding", 0)
        exp = ref.conv_output_size(n, k, s, p)
        mistakes = [
            (CONV_SIZE_OFF_BY_ONE, exp - 1),
            (CONV_SIZE_OFF_BY_ONE, exp + 1),
            (CONV_PADDING_IGNORED, (n - k) // s + 1 if p and n >= k else None),
            (CONV_STRIDE_IGNORED, n + 2 * p - k + 1 if s != 1 else None),
            (CONV_SIZE_FLOAT_DIVISION, (n + 2 * p - k) / s + 1),
        ]
        mistakes = [(m, v) for m, v in mistakes if v != exp]
        out.append(_case(names, (n, k), kw, int(exp), mistakes))
    return out


def dense_param_count_cases(rng: np.random.Generator) -> list[Case]:
    names = ("n_in", "n_out")
    fixed: list[tuple[int, int, dict[str, Any]]] = [
        (200 * 200, 10_000, {}),  # the notes' 400 M example, plus biases
        (3, 2, {}),
        (1, 1, {}),
        (5, 4, {"bias": False}),
        (int(rng.integers(2, 500)), int(rng.integers(1, 100)), {}),
    ]
    out = []
    for i, o, kw in fixed:
        exp = ref.dense_param_count(i, o, **kw)
        mistakes = [(PARAM_COUNT_MISSING_BIAS, i * o)] if kw.get("bias", True) else []
        out.append(_case(names, (i, o), kw, int(exp), mistakes))
    return out


def conv_param_count_cases(rng: np.random.Generator) -> list[Case]:
    names = ("kernel_size", "c_in", "c_out")
    fixed: list[tuple[Any, int, int, dict[str, Any]]] = [
        (3, 3, 16, {}),
        ((3, 5), 3, 8, {}),
        (1, 64, 32, {}),
        (5, 1, 6, {"bias": False}),
        (int(rng.integers(1, 8)), int(rng.integers(1, 65)), int(rng.integers(1, 129)), {}),
    ]
    out = []
    for ks, ci, co, kw in fixed:
        exp = ref.conv_param_count(ks, ci, co, **kw)
        kh, kw_ = (ks, ks) if isinstance(ks, int) else ks
        mistakes = [(PARAM_COUNT_MISSING_BIAS, kh * kw_ * ci * co)] if kw.get("bias", True) else []
        mistakes.append((PARAM_COUNT_MISSING_DEPTH, int(ref.conv_param_count(ks, 1, co, **kw))))
        out.append(_case(names, (ks, ci, co), kw, int(exp), mistakes))
    return out


def build_cases(function: str, seed: int | None = None) -> tuple[Case, ...]:
    """Every case of ``function``: fixed edge cases, then cases drawn from ``seed``.

    ``seed`` None gives the public cases; a per-student int gives hidden ones. The stream
    is derived from the seed and the function's name, so adding a function changes no other.
    """
    base = PUBLIC_SEED if seed is None else int(seed) % 2**128
    salt = sum((i + 1) * ord(c) for i, c in enumerate(function))
    rng = np.random.default_rng([base & 0xFFFFFFFF, base >> 32, salt])
    from grader.topics import code_function  # the registry lists the functions

    return tuple(code_function(function).cases(rng))
