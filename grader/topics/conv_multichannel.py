"""Convolution of a multi-channel input by F filters, in cs231n's shapes: x (C, H, W),
w (F, C, k, k), b (F,), output (F, H', W').

The quiz exercise ``conv_multichannel`` asks for the output volume one map per part:
``output`` is filter 0's map, ``output_1``, ``output_2``, … those of the further filters (an
answer sheet and every LMS format take matrices, not volumes). The maps do not chain, and
their numbers are small whole numbers summed by hand, so there is no follow-through and no
hand rounding: each map is marked on its own, exactly. The exercise and its worked solution
are in ``_conv_multichannel_quiz`` and ``_conv_multichannel_steps``, loaded only when a quiz
needs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from exercises.misconceptions import Misconception
from grader.codecheck.cases import Case, _asym_kernel, _case, _stride_in_size_only, _unpadded
from grader.topics import CodeFunction, Quiz, Topic
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


def mistaken_maps(
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
    mistakes = mistaken_maps(xa, wa, ba, stride, padding)
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


def quiz() -> Quiz:
    from grader.topics._conv_multichannel_quiz import ConvMultichannel
    from grader.topics._conv_multichannel_steps import conv_multichannel

    return Quiz(exercises=(ConvMultichannel(),), solutions={"conv_multichannel": conv_multichannel})


TOPIC = Topic(
    id="conv_multichannel",
    order=50,
    quiz=quiz,
    functions=(CodeFunction("conv2d_multichannel", conv2d_multichannel_cases),),
    misconceptions=(CONV_CHANNELS_NOT_SUMMED, CONV_BIAS_PER_CHANNEL, CONV_BIAS_MISSING),
)
