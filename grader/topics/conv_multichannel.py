"""Convolution of a multi-channel input by F filters, in cs231n's shapes: x (C, H, W),
w (F, C, k, k), b (F,), output (F, H', W').

The quiz exercise ``conv_multichannel`` asks for the output volume one map per part:
``output`` is filter 0's map, ``output_1``, ``output_2``, … those of the further filters (an
answer sheet and every LMS format take matrices, not volumes). The maps do not chain, and
their numbers are small whole numbers summed by hand, so there is no follow-through and no
hand rounding: each map is marked on its own, exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from exercises import checks, diagnostic, draw
from exercises import prose as t
from exercises.base import EXACT, Kind, Part, Problem, plural
from exercises.diagnostic import DiagnosticExercise
from exercises.misconceptions import Misconception
from exercises.statement import Given, Statement
from grader.codecheck.cases import Case, _asym_kernel, _case, _stride_in_size_only, _unpadded
from grader.topics import CodeFunction, Topic
from grader.topics._conv_multichannel_steps import conv_multichannel as worked_solution
from grader.topics._conv_multichannel_steps import part_id
from reference import channel_maps, conv2d_multichannel

CONV_CHANNELS_NOT_SUMMED = Misconception(
    "conv-channels-not-summed",
    (
        "You did not add up the channels: a filter spans every input channel, so each output "
        "value is the sum over all C channels of the kernel-times-patch products (one map per "
        "filter, not one per channel)."
    ),
)

CONV_BIAS_PER_CHANNEL = Misconception(
    "conv-bias-per-channel",
    (
        "You added the bias once per channel: each filter has one bias, added once to the sum "
        "over all its channels."
    ),
)

CONV_BIAS_MISSING = Misconception(
    "conv-bias-missing",
    "You left out the bias: add the filter's bias b[f] to every value of its output map.",
)

MAX_IMAGE = 16  # rows or columns of a pinned channel
MAX_DEPTH = 8  # channels of a pinned input, filters of a pinned layer


# --- the quiz exercise ----------------------------------------------------------------------


def _volume(e: str, name: str, value: Any, depth_name: str) -> list[list[list[float]]]:
    """A non-empty list of matrices of one shape (checked by :func:`checks.matrix`)."""
    if not isinstance(value, list) or not value or not all(isinstance(v, list) for v in value):
        raise ValueError(f"{e}: parameter {name!r} must be a non-empty list of matrices")
    if len(value) > MAX_DEPTH:
        raise ValueError(f"{e}: parameter {name!r} has more than {MAX_DEPTH} {depth_name}")
    out = [checks.matrix(e, f"{name}[{i}]", m, max_size=MAX_IMAGE) for i, m in enumerate(value)]
    shapes = {(len(m), len(m[0])) for m in out}
    if len(shapes) > 1:
        raise ValueError(f"{e}: the matrices of parameter {name!r} must all have one shape")
    return out


def _depth(value: Any, default: int) -> int:
    """How many entries a pinned list has (1..MAX_DEPTH), or ``default``."""
    if isinstance(value, list) and 0 < len(value) <= MAX_DEPTH:
        return len(value)
    return default


def _shape(value: Any) -> tuple[int, int] | None:
    """The shape of the first matrix of a pinned volume, or None."""
    while isinstance(value, list) and value and isinstance(value[0], list):
        if value[0] and not isinstance(value[0][0], list):
            return len(value), len(value[0])
        value = value[0]
    return None


def _whole(value: Any, default: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    if value != value or not 0 <= value <= MAX_IMAGE or value != int(value):
        return default
    return int(value)


def _side(rng: np.random.Generator, k: int, stride: int, padding: int) -> int:
    """An input side of 3..5 whose output has 2 or 3 positions (the smallest that fits)."""
    sides = [n for n in range(max(k, 3), 6) if 2 <= (n + 2 * padding - k) // stride + 1 <= 3]
    return draw.pick(rng, sides) if sides else k + 1


class ConvMultichannel(DiagnosticExercise):
    """The output volume of F filters on a C-channel input (cross-correlation, stride, zero
    padding), one map per filter."""

    id = "conv_multichannel"
    title = "Convolution of a multi-channel input"
    topic = "Convolutional neural networks"
    PARAMS = ("x", "w", "b", "stride", "padding")

    def _params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        e = self.id
        checks.check_names(e, params, self.PARAMS)
        x = _volume(e, "x", checks.require(e, params, "x"), "channels")
        raw_w = checks.require(e, params, "w")
        if not isinstance(raw_w, list) or not raw_w:
            raise ValueError(
                f"{e}: parameter 'w' must be a list of filters, each a list of "
                f"{plural(len(x), 'matrix', 'matrices')} (one per channel of x)"
            )
        if len(raw_w) > MAX_DEPTH:
            raise ValueError(f"{e}: parameter 'w' has more than {MAX_DEPTH} filters")
        w = [_volume(e, f"w[{f}]", filt, "channels") for f, filt in enumerate(raw_w)]
        for f, filt in enumerate(w):
            if len(filt) != len(x):
                raise ValueError(
                    f"{e}: filter w[{f}] has {plural(len(filt), 'channel')} but x has "
                    f"{len(x)}: a filter has one kernel per input channel"
                )
        if len({(len(filt[0]), len(filt[0][0])) for filt in w}) > 1:
            raise ValueError(f"{e}: the kernels of parameter 'w' must all have one shape")
        raw_b = checks.require(e, params, "b")
        if isinstance(raw_b, (int, float)) and not isinstance(raw_b, bool) and len(w) == 1:
            raw_b = [raw_b]
        if not isinstance(raw_b, list) or len(raw_b) != len(w):
            raise ValueError(
                f"{e}: parameter 'b' must be a list of {plural(len(w), 'bias', 'biases')}, "
                "one per filter"
            )
        b = [checks.number(e, f"b[{f}]", v) for f, v in enumerate(raw_b)]
        stride = checks.count(e, "stride", params.get("stride", 1), 1, MAX_IMAGE)
        padding = checks.count(e, "padding", params.get("padding", 0), 0, MAX_IMAGE)
        h, wd = len(x[0]) + 2 * padding, len(x[0][0]) + 2 * padding
        kh, kw = len(w[0][0]), len(w[0][0][0])
        if kh > h or kw > wd:
            raise ValueError(
                f"{e}: the kernels of shape {kh}x{kw} do not fit the padded input of shape {h}x{wd}"
            )
        return {"x": x, "w": w, "b": b, "stride": stride, "padding": padding}

    def _draw(self, rng: np.random.Generator, pinned: Mapping[str, Any]) -> dict[str, Any]:
        fixed = "x" in pinned or "w" in pinned
        channels = draw.pick(rng, (2, 2, 3))
        filters = draw.pick(rng, (1, 2))
        k = draw.pick(rng, (2, 3, 3))
        stride = 1 if fixed else draw.pick(rng, (1, 1, 2))
        padding = 0 if fixed else draw.pick(rng, (0, 0, 1))
        # what is drawn fits what is pinned: depths, shapes, stride and padding
        stride = max(1, _whole(pinned.get("stride"), stride))
        padding = _whole(pinned.get("padding"), padding)
        channels = _depth(pinned.get("x"), channels)
        filters = _depth(pinned.get("w"), _depth(pinned.get("b"), filters))
        w_pinned = pinned.get("w")
        if isinstance(w_pinned, list) and w_pinned:
            channels = _depth(w_pinned[0], channels) if "x" not in pinned else channels
        kh, kw = _shape(pinned.get("w")) or (k, k)
        x_shape = _shape(pinned.get("x"))
        if x_shape is not None and "w" not in pinned:
            kh = min(kh, x_shape[0] + 2 * padding)
            kw = min(kw, x_shape[1] + 2 * padding)
        h, wd = x_shape or (_side(rng, kh, stride, padding), _side(rng, kw, stride, padding))
        x = [
            [[float(rng.integers(0, 3)) for _ in range(wd)] for _ in range(h)]
            for _ in range(channels)
        ]
        w = [
            [
                [[float(rng.integers(-1, 2)) for _ in range(kw)] for _ in range(kh)]
                for _ in range(channels)
            ]
            for _ in range(filters)
        ]
        b = [float(draw.pick(rng, (-2, -1, 1, 2))) for _ in range(filters)]
        return {"x": x, "w": w, "b": b, "stride": stride, "padding": padding}

    def _compose(self, params: Mapping[str, Any]) -> tuple[Problem, list[str]]:
        p = self._params(params)
        x, w, b = (np.asarray(p[k], dtype=np.float64) for k in ("x", "w", "b"))
        s, pad = p["stride"], p["padding"]
        volume = conv2d_multichannel(x, w, b, s, pad)
        candidates = _mistaken_maps(x, w, b, s, pad)
        parts, dropped = [], []
        for f, fmap in enumerate(volume):
            kept, lost = diagnostic.mistakes(
                fmap, EXACT, [(m, None if v is None else v[f]) for m, v in candidates]
            )
            dropped += lost
            if np.all(fmap == fmap.flat[0]):
                dropped.append("constant-map")
            label = f"Y[{f}], the output map of filter {f}"
            parts.append(Part(part_id(f), label, Kind.MATRIX, fmap, EXACT, kept))
        return Problem(self.id, p, self.statement(p).as_text(), tuple(parts)), dropped

    def statement(self, params: Mapping[str, Any]) -> Statement:
        p = dict(params)
        channels, filters = len(p["x"]), len(p["w"])
        h, wd = len(p["x"][0]), len(p["x"][0][0])
        kh, kw = len(p["w"][0][0]), len(p["w"][0][0][0])
        if p["padding"]:
            sides = "row and column" if p["padding"] == 1 else "rows and columns"
            padding = f"{p['padding']} {sides} of zero padding on each side of every channel"
        else:
            padding = "no padding"
        these = "This filter has" if filters == 1 else "Each filter has"
        givens = [Given(f"X{c}", p["x"][c], f"channel {c}") for c in range(channels)]
        for f in range(filters):
            givens += [
                Given(f"W{f}{c}", p["w"][f][c], f"filter {f}, channel {c}") for c in range(channels)
            ]
            givens.append(Given(f"b{f}", p["b"][f], f"bias of filter {f}"))
        return Statement(
            intro=t.Prose(
                "A convolutional layer takes an input ",
                t.math("x"),
                f" of {plural(channels, 'channel')} of ",
                t.dims(h, wd),
                f" and applies {plural(filters, 'filter')} of ",
                t.dims(channels, kh, kw),
                f" with stride {p['stride']} and {padding}. {these} one ",
                t.dims(kh, kw),
                " kernel per input channel and one bias; as in CNNs, the kernels are not "
                "flipped (cross-correlation).",
            ),
            givens=tuple(givens),
            ask=(
                "Compute the output volume, one map per filter."
                if filters > 1
                else "Compute the output map of the filter."
            ),
        )


def _mistaken_maps(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, padding: int
) -> list[tuple[str, np.ndarray | None]]:
    """What each known mistake makes of the output volume (F, H', W'), or None where it
    cannot be made (the kernels do not fit the unpadded input, the stride is 1)."""
    maps = channel_maps(x, w, stride, padding)
    volume = maps.sum(axis=1) + b[:, None, None]
    fits = w.shape[2] <= x.shape[1] and w.shape[3] <= x.shape[2]
    return [
        ("conv-channels-not-summed", maps[:, 0] + b[:, None, None]),  # channel 0 only
        ("conv-bias-per-channel", volume + (x.shape[0] - 1) * b[:, None, None]),
        ("conv-bias-missing", volume - b[:, None, None]),
        ("conv-flipped-kernel", conv2d_multichannel(x, w[:, :, ::-1, ::-1], b, stride, padding)),
        (
            "conv-padding-ignored",
            conv2d_multichannel(x, w, b, stride, 0) if padding and fits else None,
        ),
        ("conv-stride-ignored", conv2d_multichannel(x, w, b, 1, padding) if stride > 1 else None),
    ]


# --- the code function ------------------------------------------------------------------------


def _each(x: Any, w: Any, one: Any) -> np.ndarray | None:
    """``one(x[c], w[f, c])`` for every filter and channel, stacked (F, C, ...), or None."""
    xa, wa = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    maps = [[one(xa[c], wa[f, c]) for c in range(len(xa))] for f in range(len(wa))]
    if any(m is None for row in maps for m in row):
        return None
    return np.array(maps)


def conv2d_multichannel_cases(rng: np.random.Generator) -> list[Case]:
    names = ("x", "w", "b")
    ints = lambda *shape: rng.integers(0, 4, size=shape).astype(np.float64)  # noqa: E731

    def kernels(f: int, c: int, kh: int, kw: int) -> np.ndarray:
        if kh * kw == 1:  # a 1x1 kernel is its own rotation
            return rng.integers(-3, 4, size=(f, c, 1, 1)).astype(np.float64)
        return np.array([[_asym_kernel(rng, (kh, kw)) for _ in range(c)] for _ in range(f)])

    fixed: list[tuple[Any, Any, Any, dict[str, Any]]] = [
        # cs231n's demo layer: 5x5x3 input, two 3x3x3 filters, stride 2, padding 1
        (ints(3, 5, 5), kernels(2, 3, 3, 3), np.array([1.0, 0.0]), {"stride": 2, "padding": 1}),
        (ints(2, 4, 5), kernels(1, 2, 2, 3), np.array([-1.0]), {}),
        (ints(3, 4, 4), kernels(2, 3, 3, 3), np.array([2.0, -1.0]), {"padding": 1}),
        (ints(2, 7, 5), kernels(2, 2, 3, 2), np.array([1.0, 3.0]), {"stride": 2}),
        (ints(1, 5, 5), kernels(1, 1, 3, 3), np.array([0.5]), {}),  # one channel: conv2d + b
        (ints(3, 3, 4), kernels(2, 3, 1, 1), np.array([1.0, -2.0]), {}),  # 1x1: mixes channels
        (
            ints(2, 3, 3).tolist(),
            kernels(1, 2, 2, 2).tolist(),
            [1],
            {},
        ),
        (
            rng.normal(size=(3, 6, 5)),
            rng.normal(size=(2, 3, 3, 2)),
            rng.normal(size=2),
            {"stride": 2, "padding": 2},
        ),
    ]
    c, f = int(rng.integers(2, 5)), int(rng.integers(1, 4))
    k = int(rng.integers(1, 4))
    fixed.append(
        (
            rng.normal(size=(c, int(rng.integers(k, 8)), int(rng.integers(k, 8)))),
            rng.normal(size=(f, c, k, k)),
            rng.normal(size=f),
            {"stride": int(rng.integers(1, 3)), "padding": int(rng.integers(0, 2))},
        )
    )
    return [_multichannel_case(names, *case) for case in fixed]


def _multichannel_case(names: Sequence[str], x: Any, w: Any, b: Any, kw: dict[str, Any]) -> Case:
    stride, padding = kw.get("stride", 1), kw.get("padding", 0)
    xa, wa, ba = (np.asarray(v, dtype=np.float64) for v in (x, w, b))
    exp = conv2d_multichannel(xa, wa, ba, stride, padding)
    maps = channel_maps(xa, wa, stride, padding)
    bias = ba[:, None, None]
    mistakes = _mistaken_maps(xa, wa, ba, stride, padding)
    mistakes += [
        # each channel convolved on its own: a map per filter and channel, with or without b
        ("conv-channels-not-summed", maps + bias[:, None]),
        ("conv-channels-not-summed", maps),
        # scipy.signal.convolve of the whole volume: every axis of each filter reversed
        (
            "conv-flipped-kernel",
            conv2d_multichannel(xa, wa[:, ::-1, ::-1, ::-1], ba, stride, padding),
        ),
    ]
    moved = _each(xa, wa, lambda i, k: _stride_in_size_only(i, k, stride, padding))
    if moved is not None:  # the size counts the stride, the window moves one pixel a step
        mistakes.append(("conv-stride-ignored", moved.sum(axis=1) + bias))
    if padding:
        bare = _each(xa, wa, lambda i, k: _unpadded(i, k, stride))
        if bare is not None:
            mistakes.append(("conv-padding-ignored", bare.sum(axis=1) + bias))
    label = f"x of shape {np.shape(x)}, w of shape {np.shape(w)}"
    label += "".join(f", {k_}={v}" for k_, v in kw.items())
    if isinstance(x, list):
        label += " (lists)"
    return _case(names, (x, w, b), kw, exp, mistakes, label=label)


TOPIC = Topic(
    id="conv_multichannel",
    order=50,
    exercises=(ConvMultichannel(),),
    solutions={"conv_multichannel": worked_solution},
    functions=(CodeFunction("conv2d_multichannel", conv2d_multichannel_cases),),
    misconceptions=(CONV_CHANNELS_NOT_SUMMED, CONV_BIAS_PER_CHANNEL, CONV_BIAS_MISSING),
)
