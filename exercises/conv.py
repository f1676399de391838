"""Convolution: feature maps, output sizes and parameter counts (CURRICULUM §6)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from exercises import checks, diagnostic, draw
from exercises import prose as t
from exercises.base import EXACT, Kind, Part, Problem
from exercises.diagnostic import DiagnosticExercise
from exercises.misconceptions import (
    CONV_FLIPPED_KERNEL,
    CONV_PADDING_IGNORED,
    CONV_SIZE_FLOAT_DIVISION,
    CONV_SIZE_OFF_BY_ONE,
    CONV_STRIDE_IGNORED,
    PARAM_COUNT_MISSING_BIAS,
    PARAM_COUNT_MISSING_DEPTH,
)
from exercises.statement import Given, Statement
from reference import conv2d, conv_output_size, conv_param_count, dense_param_count

MAX_IMAGE = 16


def _whole(value: Any, default: int) -> int:
    """A pinned whole number to fit the draw to, or ``default`` (validation comes later)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    if not math.isfinite(value) or value != int(value) or not 0 <= value <= 100_000:
        return default
    return int(value)


def _grid_shape(value: Any) -> tuple[int, int] | None:
    """The shape of a pinned matrix to fit the draw to, or None (validation comes later)."""
    if isinstance(value, list) and value and isinstance(value[0], list) and value[0]:
        return len(value), len(value[0])
    return None


class ConvFeatureMap(DiagnosticExercise):
    """The feature map of an image and a kernel (cross-correlation, stride, zero padding)."""

    id = "conv_feature_map"
    title = "Feature map of a convolution"
    topic = "Convolutional neural networks"
    PARAMS = ("image", "kernel", "stride", "padding")

    def _params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        e = self.id
        checks.check_names(e, params, self.PARAMS)
        image = checks.matrix(e, "image", checks.require(e, params, "image"), max_size=MAX_IMAGE)
        kernel = checks.matrix(e, "kernel", checks.require(e, params, "kernel"), max_size=MAX_IMAGE)
        stride = checks.count(e, "stride", params.get("stride", 1), 1, MAX_IMAGE)
        padding = checks.count(e, "padding", params.get("padding", 0), 0, MAX_IMAGE)
        h, w = len(image) + 2 * padding, len(image[0]) + 2 * padding
        if len(kernel) > h or len(kernel[0]) > w:
            raise ValueError(
                f"{e}: parameter 'kernel' of shape {len(kernel)}x{len(kernel[0])} does not fit "
                f"the padded image of shape {h}x{w}"
            )
        return {"image": image, "kernel": kernel, "stride": stride, "padding": padding}

    def _draw(self, rng: np.random.Generator, pinned: Mapping[str, Any]) -> dict[str, Any]:
        fixed_image = "image" in pinned or "kernel" in pinned
        kh, kw = draw.pick(rng, ((3, 3), (3, 3), (2, 2), (2, 3), (3, 2)))
        stride = 1 if fixed_image else draw.pick(rng, (1, 1, 1, 2))
        padding = 0 if fixed_image else draw.pick(rng, (0, 0, 1))
        # what is drawn fits what is pinned: the kernel's shape, the stride, the padding
        stride = _whole(pinned.get("stride"), stride)
        padding = _whole(pinned.get("padding"), padding)
        kernel_shape, image_shape = (
            _grid_shape(pinned.get("kernel")),
            _grid_shape(pinned.get("image")),
        )
        if kernel_shape is not None:
            kh, kw = kernel_shape
        elif image_shape is not None:
            kh = min(kh, image_shape[0] + 2 * padding)
            kw = min(kw, image_shape[1] + 2 * padding)
        # an output of 2..4 rows and 3..4 columns: hand-sized and not square
        rows, cols = int(rng.integers(2, 5)), int(rng.integers(3, 5))
        # at least one pixel more than the kernel, so that ignoring the padding still fits
        h = max((rows - 1) * stride + kh - 2 * padding, kh + 1)
        w = max((cols - 1) * stride + kw - 2 * padding, kw + 1)
        image = [[float(rng.integers(0, 3)) for _ in range(w)] for _ in range(h)]
        kernel = [[float(rng.integers(-1, 3)) for _ in range(kw)] for _ in range(kh)]
        return {"image": image, "kernel": kernel, "stride": stride, "padding": padding}

    def _compose(self, params: Mapping[str, Any]) -> tuple[Problem, list[str]]:
        p = self._params(params)
        img, ker, s, pad = p["image"], p["kernel"], p["stride"], p["padding"]
        fmap = conv2d(img, ker, s, pad)
        flipped = conv2d(img, np.asarray(ker)[::-1, ::-1], s, pad)
        no_pad = conv2d(img, ker, s, 0) if pad and _fits(img, ker, 0) else None
        no_stride = conv2d(img, ker, 1, pad) if s > 1 else None
        kept, dropped = diagnostic.mistakes(
            fmap,
            EXACT,
            [
                (CONV_FLIPPED_KERNEL, flipped),
                (CONV_PADDING_IGNORED, no_pad),
                (CONV_STRIDE_IGNORED, no_stride),
            ],
        )
        if fmap.size and np.all(fmap == fmap.flat[0]):
            dropped.append("constant-map")
        parts = (Part("feature_map", "the feature map", Kind.MATRIX, fmap, EXACT, kept),)
        return Problem(self.id, p, self.statement(p).as_text(), parts), dropped

    def statement(self, params: Mapping[str, Any]) -> Statement:
        p = dict(params)
        stride = f"stride {p['stride']}"
        if p["padding"]:
            sides = "row and column" if p["padding"] == 1 else "rows and columns"
            padding = f"{p['padding']} {sides} of zero padding on each side"
        else:
            padding = "no padding"
        how = f" with {stride} and {padding}"
        return Statement(
            intro=t.Prose(
                "A convolutional layer slides the kernel ",
                t.math("K"),
                " over the image ",
                t.math("I"),
                how + "; each output is the sum of the element-wise products of ",
                t.math("K"),
                " and the patch under it (as in CNNs, the kernel is not flipped).",
            ),
            givens=(Given("I", p["image"], "image"), Given("K", p["kernel"], "kernel")),
            ask="Compute the feature map.",
        )


def _fits(image: list[list[float]], kernel: list[list[float]], padding: int) -> bool:
    return len(kernel) <= len(image) + 2 * padding and len(kernel[0]) <= len(image[0]) + 2 * padding


class ConvOutputSize(DiagnosticExercise):
    """Output size ``⌊(n + 2p − k)/s⌋ + 1`` and parameter count of a convolutional layer."""

    id = "conv_output_size"
    title = "Output size and parameters of a convolutional layer"
    topic = "Convolutional neural networks"
    PARAMS = ("n", "k", "stride", "padding", "c_in", "c_out")

    def _params(self, params: Mapping[str, Any]) -> dict[str, int]:
        e = self.id
        checks.check_names(e, params, self.PARAMS)
        n = checks.count(e, "n", checks.require(e, params, "n"), 1, 100_000)
        k = checks.count(e, "k", checks.require(e, params, "k"), 1, 1_000)
        s = checks.count(e, "stride", params.get("stride", 1), 1, 1_000)
        pad = checks.count(e, "padding", params.get("padding", 0), 0, 1_000)
        if k > n + 2 * pad:
            raise ValueError(
                f"{e}: parameter 'k' ({k}) is larger than the padded input ({n + 2 * pad})"
            )
        c_in = checks.count(e, "c_in", params.get("c_in", 1), 1, 100_000)
        c_out = checks.count(e, "c_out", params.get("c_out", 1), 1, 100_000)
        return {"n": n, "k": k, "stride": s, "padding": pad, "c_in": c_in, "c_out": c_out}

    def _draw(self, rng: np.random.Generator, pinned: Mapping[str, Any]) -> dict[str, Any]:
        drawn = {
            "n": draw.pick(rng, (7, 9, 12, 28, 32, 64, 227)),
            "k": draw.pick(rng, (2, 3, 3, 5, 7)),
            "stride": draw.pick(rng, (1, 2, 2, 3)),
            "padding": draw.pick(rng, (0, 1, 1, 2)),
            "c_in": draw.pick(rng, (1, 3, 3, 16)),
            "c_out": draw.pick(rng, (4, 8, 16, 32, 64)),
        }
        if "k" not in pinned:  # a kernel that fits a pinned input
            padded = _whole(pinned.get("n"), drawn["n"]) + 2 * _whole(
                pinned.get("padding"), drawn["padding"]
            )
            drawn["k"] = max(1, min(drawn["k"], padded))
        return drawn

    def _compose(self, params: Mapping[str, Any]) -> tuple[Problem, list[str]]:
        p = self._params(params)
        n, k, s, pad, ci, co = (p[x] for x in self.PARAMS)
        size = conv_output_size(n, k, s, pad)
        count = conv_param_count(k, ci, co)
        size_m, d1 = diagnostic.mistakes(
            size,
            EXACT,
            [
                (CONV_SIZE_OFF_BY_ONE, size - 1),
                (CONV_SIZE_OFF_BY_ONE, size + 1),
                (CONV_PADDING_IGNORED, (n - k) // s + 1 if pad and k <= n else None),
                (CONV_STRIDE_IGNORED, n + 2 * pad - k + 1 if s > 1 else None),
            ],
        )
        # recognised where it shows, never required of a draw: / for // (a size of 4.5)
        size_m = diagnostic.also_recognised(
            size, EXACT, size_m, [(CONV_SIZE_FLOAT_DIVISION, (n + 2 * pad - k) / s + 1)]
        )
        count_m, d2 = diagnostic.mistakes(
            count, EXACT, [(PARAM_COUNT_MISSING_BIAS, conv_param_count(k, ci, co, bias=False))]
        )
        count_m = diagnostic.also_recognised(  # recognised where it shows, never required of a draw
            count, EXACT, count_m, [(PARAM_COUNT_MISSING_DEPTH, conv_param_count(k, 1, co))]
        )
        parts = (
            Part("size", "output height (= width)", Kind.INTEGER, size, EXACT, size_m),
            Part(
                "params",
                "number of parameters (weights and biases)",
                Kind.INTEGER,
                count,
                EXACT,
                count_m,
            ),
        )
        return Problem(self.id, p, self.statement(p).as_text(), parts), d1 + d2

    def statement(self, params: Mapping[str, Any]) -> Statement:
        p = dict(params)
        return Statement(
            intro=t.Prose(
                "A convolutional layer takes an input volume of ",
                t.dims(p["n"], p["n"], p["c_in"]),
                f" (width × height × depth) and applies {p['c_out']} filters of size ",
                t.dims(p["k"], p["k"], p["c_in"]),
                f" with stride {p['stride']} and zero padding {p['padding']}, "
                "each filter with one bias.",
            ),
            givens=tuple(Given(x, p[x]) for x in self.PARAMS),
            ask="Give the output width (= height) and the number of parameters of the layer.",
        )


class ParamCount(DiagnosticExercise):
    """Weights of a dense layer on a whole image against a conv layer (the 400 M example)."""

    id = "param_count"
    title = "Parameters: fully connected against convolutional"
    topic = "Convolutional neural networks"
    PARAMS = ("height", "width", "channels", "neurons", "kernel", "filters")

    def _params(self, params: Mapping[str, Any]) -> dict[str, int]:
        e = self.id
        checks.check_names(e, params, self.PARAMS)
        out = {
            name: checks.count(
                e,
                name,
                checks.require(e, params, name) if name != "channels" else params.get(name, 1),
                1,
                10**6,
            )
            for name in self.PARAMS
        }
        if out["kernel"] > min(out["height"], out["width"]):
            raise ValueError(f"{e}: parameter 'kernel' ({out['kernel']}) is larger than the image")
        return out

    def _draw(self, rng: np.random.Generator, pinned: Mapping[str, Any]) -> dict[str, Any]:
        side = draw.pick(rng, (28, 32, 64, 100, 200, 224))
        return {
            "height": side,
            "width": draw.pick(rng, (side, side, side * 2)),
            "channels": draw.pick(rng, (1, 3)),
            "neurons": draw.pick(rng, (100, 500, 1000, 10000)),
            "kernel": draw.pick(rng, (3, 5, 7)),
            "filters": draw.pick(rng, (8, 16, 32, 64)),
        }

    def _compose(self, params: Mapping[str, Any]) -> tuple[Problem, list[str]]:
        p = self._params(params)
        n_in = p["height"] * p["width"] * p["channels"]
        dense = dense_param_count(n_in, p["neurons"])
        conv = conv_param_count(p["kernel"], p["channels"], p["filters"])
        d_m, d1 = diagnostic.mistakes(
            dense,
            EXACT,
            [(PARAM_COUNT_MISSING_BIAS, dense_param_count(n_in, p["neurons"], bias=False))],
        )
        c_m, d2 = diagnostic.mistakes(
            conv,
            EXACT,
            [
                (
                    PARAM_COUNT_MISSING_BIAS,
                    conv_param_count(p["kernel"], p["channels"], p["filters"], bias=False),
                )
            ],
        )
        # the input depth left out: recognised where it shows, never required of a draw
        d_m = diagnostic.also_recognised(
            dense,
            EXACT,
            d_m,
            [(PARAM_COUNT_MISSING_DEPTH, dense_param_count(n_in // p["channels"], p["neurons"]))],
        )
        c_m = diagnostic.also_recognised(
            conv,
            EXACT,
            c_m,
            [(PARAM_COUNT_MISSING_DEPTH, conv_param_count(p["kernel"], 1, p["filters"]))],
        )
        parts = (
            Part(
                "dense", "parameters of the fully connected layer", Kind.INTEGER, dense, EXACT, d_m
            ),
            Part("conv", "parameters of the convolutional layer", Kind.INTEGER, conv, EXACT, c_m),
        )
        return Problem(self.id, p, self.statement(p).as_text(), parts), d1 + d2

    def statement(self, params: Mapping[str, Any]) -> Statement:
        p = dict(params)
        depth = "grey-level" if p["channels"] == 1 else f"{p['channels']}-channel"
        return Statement(
            intro=t.Prose(
                f"A {depth} image of ",
                t.dims(p["height"], p["width"]),
                f" pixels is the input of (a) a fully connected layer of {p['neurons']} "
                f"neurons, or (b) a convolutional layer of {p['filters']} filters of size ",
                t.dims(p["kernel"], p["kernel"], p["channels"]),
                ". Every neuron and every filter has one bias.",
            ),
            givens=tuple(Given(x, p[x]) for x in self.PARAMS),
            ask="How many parameters (weights and biases) does each layer have?",
        )
