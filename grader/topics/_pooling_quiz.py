"""The pooling exercise: max or average pooling of a small square image, the pooled map and its
side length (its worked solution is in ``_pooling_steps``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from exercises import checks, diagnostic, draw
from exercises import misconceptions as m
from exercises import prose as t
from exercises.base import EXACT, Kind, Part, Problem, Tolerance, Value
from exercises.diagnostic import DiagnosticExercise
from exercises.statement import Given, Statement
from grader.topics.pooling import (
    MODE_MISTAKE,
    POOL_PARTIAL_WINDOW,
    POOL_SIZE_OFF_BY_ONE,
    POOL_STRIDE_IGNORED,
    POOL_SUM_INSTEAD_OF_AVERAGE,
    last_window_dropped,
    other_mode,
    partial_windows,
    stride_in_size_only,
    summed,
    zero_padded_windows,
)
from reference import conv_output_size, pool2d, round_half_up

MODES = ("max", "average")
MAX_IMAGE = 16
AVERAGE_PLACES = 2  # averages that are not whole are given to 2 decimal places
ROUNDED = Tolerance(decimals=AVERAGE_PLACES)
SIZE_LABEL = "size of Y: its number of rows (= columns)"


class Pooling(DiagnosticExercise):
    """Max or average pooling of a small square image: the pooled map and its side length."""

    id = "pooling"
    title = "Max and average pooling"
    topic = "Convolutional neural networks"
    PARAMS = ("image", "mode", "size", "stride")

    def _params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        e = self.id
        checks.check_names(e, params, self.PARAMS)
        image = checks.matrix(e, "image", checks.require(e, params, "image"), max_size=MAX_IMAGE)
        rows, cols = len(image), len(image[0])
        if rows != cols:
            raise ValueError(
                f"{e}: parameter 'image' must be square (n×n, so that the output has one side "
                f"length), got {rows}x{cols}"
            )
        mode = checks.choice(e, "mode", params.get("mode", "max"), MODES)
        size = checks.count(e, "size", params.get("size", 2), 1, MAX_IMAGE)
        if size > rows:
            raise ValueError(
                f"{e}: parameter 'size' ({size}) is larger than the image ({rows}x{cols})"
            )
        given = params.get("stride")
        stride = size if given is None else checks.count(e, "stride", given, 1, MAX_IMAGE)
        return {"image": image, "mode": mode, "size": size, "stride": stride}

    def _draw(self, rng: np.random.Generator, pinned: Mapping[str, Any]) -> dict[str, Any]:
        size = draw.pick(rng, (2, 2, 3))
        stride = draw.pick(rng, (None, None, None, 1, 2))  # None: the window's size
        if "image" in pinned or "size" in pinned:
            stride = None  # a pinned problem keeps the default stride unless it pins one
        side = _whole(pinned.get("size"), size)
        pinned_image = pinned.get("image")
        if isinstance(pinned_image, list) and pinned_image:
            size = min(side, len(pinned_image))  # a window that fits a pinned image
        else:
            size = side
        step = _whole(pinned.get("stride"), size if stride is None else stride)
        out = int(rng.integers(2, 4))  # 2 or 3 rows and columns: hand-sized
        extra = int(rng.integers(0, step)) if step > 1 else 0  # pixels no whole window covers
        n = min(max((out - 1) * step + size + extra, size + 1), MAX_IMAGE)
        image = [[float(rng.integers(0, 10)) for _ in range(n)] for _ in range(n)]
        drawn = {"image": image, "mode": draw.pick(rng, MODES), "size": size}
        if stride is not None:
            drawn["stride"] = stride
        return drawn

    def _compose(self, params: Mapping[str, Any]) -> tuple[Problem, list[str]]:
        p = self._params(params)
        img, mode, k, s = p["image"], p["mode"], p["size"], p["stride"]
        n = len(img)
        pooled = pool2d(img, k, s, mode)
        side = conv_output_size(n, k, s)
        tol = _tolerance(mode)
        out_m, d1 = diagnostic.mistakes(
            pooled,
            tol,
            [
                (MODE_MISTAKE[mode].id, pool2d(img, k, s, other_mode(mode))),
                (POOL_STRIDE_IGNORED.id, pool2d(img, k, 1, mode) if s != 1 else None),
                (POOL_PARTIAL_WINDOW.id, partial_windows(img, k, s, mode)),
            ],
        )
        out_m = diagnostic.also_recognised(  # recognised where it shows, never required
            pooled,
            tol,
            out_m,
            [
                (POOL_SUM_INSTEAD_OF_AVERAGE.id, summed(img, k, s) if mode == "average" else None),
                (POOL_SIZE_OFF_BY_ONE.id, last_window_dropped(pooled)),
                (
                    POOL_PARTIAL_WINDOW.id,
                    zero_padded_windows(img, k, s) if mode == "average" else None,
                ),
                (POOL_STRIDE_IGNORED.id, stride_in_size_only(img, k, s, mode)),
            ],
        )
        partial = partial_windows(img, k, s, mode) is not None
        size_m, d2 = diagnostic.mistakes(
            side,
            EXACT,
            [
                (POOL_SIZE_OFF_BY_ONE.id, side - 1),
                # one window more: the border's partial window, where there is one
                ((POOL_PARTIAL_WINDOW if partial else POOL_SIZE_OFF_BY_ONE).id, side + 1),
                (POOL_STRIDE_IGNORED.id, n - k + 1 if s != 1 else None),
            ],
        )
        size_m = diagnostic.also_recognised(
            side, EXACT, size_m, [(m.CONV_SIZE_FLOAT_DIVISION.id, (n - k) / s + 1)]
        )
        dropped = d1 + d2
        if pooled.size > 1 and np.all(pooled == pooled.flat[0]):
            dropped.append("constant-map")
        parts = (
            Part("output", "pooled map Y", Kind.MATRIX, pooled, tol, out_m),
            Part("size", SIZE_LABEL, Kind.INTEGER, side, EXACT, size_m),
        )
        return Problem(self.id, p, self.statement(p).as_text(), parts), dropped

    def statement(self, params: Mapping[str, Any]) -> Statement:
        p = dict(params)
        k, s = p["size"], p["stride"]
        if s == k:
            step = f"stride {s} (the window's size: the windows do not overlap)"
        elif s < k:
            step = f"stride {s} (the windows overlap)"
        else:
            step = f"stride {s} (the windows leave gaps)"
        what = "the largest" if p["mode"] == "max" else "the mean"
        ask = "Compute the pooled map Y"
        if p["mode"] == "average":
            ask += f" (averages to {AVERAGE_PLACES} decimal places where they are not exact)"
        return Statement(
            intro=t.Prose(
                f"{'A max' if p['mode'] == 'max' else 'An average'} pooling layer slides a ",
                t.dims(k, k),
                " window over the image ",
                t.math("I"),
                f" with {step}; each output is {what} of the values under the window, and a "
                "window that does not fit whole inside the image is dropped.",
            ),
            givens=(Given("I", p["image"], "image"),),
            ask=ask + " and its size: the number of rows (= columns) of Y.",
        )

    def follow_through(
        self, problem: Problem, part_id: str, given: Mapping[str, Value]
    ) -> Value | None:
        """The size from the student's own map: a map of the wrong shape (already marked
        wrong) and the side length it has are one mistake, not two."""
        if part_id != "size":
            return None
        mine = given.get("output")
        shape = np.shape(mine) if isinstance(mine, np.ndarray) else ()
        if len(shape) == 2 and shape[0] == shape[1]:
            return int(shape[0])
        return None

    def hand_applies(self, params: Mapping[str, Any]) -> bool:
        if params["mode"] != "average":
            return False  # a maximum is read off the image, never off a calculator
        pooled = pool2d(params["image"], params["size"], params["stride"], "average")
        return bool(np.any(pooled != np.round(pooled)))

    def by_hand(self, problem: Problem, decimals: int) -> Mapping[str, Value] | None:
        if not self.hand_applies(problem.params):
            return None
        pooled = np.asarray(problem.part("output").answer)
        return {
            "output": np.vectorize(lambda v: round_half_up(v, decimals))(pooled),
            "size": int(problem.part("size").answer),
        }


def _tolerance(mode: str) -> Tolerance:
    return EXACT if mode == "max" else ROUNDED


def _whole(value: Any, default: int) -> int:
    """A pinned whole number >= 1 to fit the draw to, or ``default`` (validation comes later)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    if not math.isfinite(value) or value != int(value) or not 1 <= value <= MAX_IMAGE:
        return default
    return int(value)
