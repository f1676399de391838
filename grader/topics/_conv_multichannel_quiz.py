"""The ``conv_multichannel`` quiz exercise: the output volume of F filters on a C-channel
input, one map per filter (its worked solution is in ``_conv_multichannel_steps``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exercises import checks, diagnostic, draw
from exercises import prose as t
from exercises.base import EXACT, Kind, Part, Problem, plural
from exercises.diagnostic import DiagnosticExercise
from exercises.statement import Given, Statement
from grader.topics._conv_multichannel_steps import part_id
from grader.topics.conv_multichannel import mistaken_maps
from reference import conv2d_multichannel

MAX_IMAGE = 16  # rows or columns of a pinned channel
MAX_DEPTH = 8  # channels of a pinned input, filters of a pinned layer


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
        candidates = mistaken_maps(x, w, b, s, pad)
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
