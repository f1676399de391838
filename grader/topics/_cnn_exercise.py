"""The exercise ``cnn_param_count`` (its module loads when a quiz needs it, see
:mod:`grader.topics.cnn`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from exercises import checks, diagnostic, draw
from exercises import prose as t
from exercises.base import EXACT, Kind, Mistake, Part, Problem, Value
from exercises.diagnostic import DiagnosticExercise
from exercises.statement import Given, Statement
from grader.topics.cnn import (
    BIAS,
    INPUTS,
    MAX_COUNT,
    MAX_LAYERS,
    MAX_SIDE,
    draw_layers,
    fits,
    network_shapes,
    param_mistakes,
    shape_mistakes,
    total_mistakes,
)
from reference.cnn import Layer, Shape, layer_params, output_shape, parse_layer

CEIL_N_S = t.Math("⌈n/S⌉", r"\lceil n/S \rceil")


def _layer_list(exercise: str, value: Any) -> tuple[Layer, ...]:
    if isinstance(value, str) or not isinstance(value, list) or not value:
        raise ValueError(
            f"{exercise}: parameter 'layers' must be a list of layer strings such as "
            f'["conv 32 3x3", "maxpool 2", "dense 10"], got {value!r}'
        )
    if len(value) > MAX_LAYERS:
        raise ValueError(
            f"{exercise}: parameter 'layers' has {len(value)} layers; at most {MAX_LAYERS}"
        )
    out = []
    for i, text in enumerate(value):
        try:
            out.append(parse_layer(text))
        except ValueError as exc:
            reason = str(exc)
            if isinstance(text, str) and reason.startswith("layer "):
                reason = reason.split(": ", 1)[1]
            raise ValueError(f"{exercise}: parameter 'layers[{i}]' ({text!r}): {reason}") from None
    first_conv = next((i for i, layer in enumerate(out) if layer.kind == "conv"), None)
    for i, layer in enumerate(out[: first_conv if first_conv is not None else len(out)]):
        if not layer.spatial:
            raise ValueError(
                f"{exercise}: parameter 'layers[{i}]' ({value[i]!r}) comes before any conv "
                "layer: the network's convolutions come first, then its dense layers"
            )
    if first_conv is None:
        raise ValueError(f"{exercise}: parameter 'layers' has no conv layer")
    return tuple(out)


def _as_shape(value: Any) -> Shape | None:
    """A student's shape answer as whole positive numbers, or None where it is not one."""
    if value is None or isinstance(value, str):
        return None
    arr = np.asarray(value, dtype=np.float64).ravel()
    if arr.size not in (1, 3) or not np.isfinite(arr).all() or (arr < 1).any():
        return None
    if (arr != np.round(arr)).any() or (arr > MAX_COUNT).any():
        return None
    return tuple(int(v) for v in arr)


class CNNParamCount(DiagnosticExercise):
    """Every layer's parameters and output shape of a small CNN, and the total."""

    id = "cnn_param_count"
    title = "Parameters and shapes of a CNN, layer by layer"
    topic = "Convolutional neural networks"
    PARAMS = ("input", "layers")

    def _params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        e = self.id
        checks.check_names(e, params, self.PARAMS)
        raw = checks.require(e, params, "input")
        if isinstance(raw, str) or not isinstance(raw, list) or len(raw) != 3:
            raise ValueError(
                f"{e}: parameter 'input' must be [H, W, C], three whole numbers, got {raw!r}"
            )
        shape = tuple(checks.count(e, f"input[{i}]", v, 1, MAX_SIDE) for i, v in enumerate(raw))
        texts = checks.require(e, params, "layers")
        layers = _layer_list(e, texts)
        shapes = network_shapes(e, shape, layers)
        total = sum(layer_params(x, s) for x, s in zip(layers, shapes[:-1], strict=True))
        if total > MAX_COUNT:
            raise ValueError(f"{e}: the network has {total} parameters; at most {MAX_COUNT}")
        return {"input": list(shape), "layers": [str(x) for x in texts]}

    def _draw(self, rng: np.random.Generator, pinned: Mapping[str, Any]) -> dict[str, Any]:
        pinned_input, pinned_layers = pinned.get("input"), pinned.get("layers")
        inputs = [list(x) for x in INPUTS]
        for _ in range(50):  # what is drawn fits what is pinned
            shape = pinned_input if "input" in pinned else draw.pick(rng, inputs)
            layers = pinned_layers if "layers" in pinned else draw_layers(rng)
            if "input" in pinned and "layers" in pinned:
                break
            if fits(shape, layers):
                break
        return {"input": shape, "layers": layers}

    def summary(self, params: Mapping[str, Any]) -> tuple[tuple[Layer, ...], list[Shape]]:
        """The parsed layers and ``[input, output of layer 1, …]`` of validated params."""
        layers = tuple(parse_layer(x) for x in params["layers"])
        return layers, network_shapes(self.id, tuple(params["input"]), layers)

    def _compose(self, params: Mapping[str, Any]) -> tuple[Problem, list[str]]:
        p = self._params(params)
        layers, shapes = self.summary(p)
        counts = [layer_params(x, s) for x, s in zip(layers, shapes[:-1], strict=True)]
        parts: list[Part] = []
        dropped: list[str] = []
        for i, layer in enumerate(layers):
            count_m, lost = diagnostic.mistakes(
                counts[i],
                EXACT,
                [(m, v) for m, v in param_mistakes(layers, shapes, i) if m == BIAS],
            )
            dropped += lost
            count_m = diagnostic.also_recognised(
                counts[i],
                EXACT,
                count_m,
                [x for x in param_mistakes(layers, shapes, i) if x[0] != BIAS],
            )
            shape_m = diagnostic.also_recognised(
                np.array(shapes[i + 1], dtype=float),
                EXACT,
                (),
                [(m, np.array(v, dtype=float)) for m, v in shape_mistakes(layer, shapes[i])],
            )
            where = f"layer {i + 1} ({layer.text})"
            parts.append(
                Part(
                    f"params{i + 1}",
                    f"parameters of {where}",
                    Kind.INTEGER,
                    counts[i],
                    EXACT,
                    count_m,
                )
            )
            parts.append(
                Part(
                    f"shape{i + 1}",
                    f"output shape of {where}",
                    Kind.MATRIX,
                    np.array(shapes[i + 1], dtype=float),
                    EXACT,
                    shape_m,
                )
            )
        total = sum(counts)
        total_m, lost = diagnostic.mistakes(
            total, EXACT, [x for x in total_mistakes(layers, shapes, counts) if x[0] == BIAS]
        )
        dropped += lost
        total_m = diagnostic.also_recognised(
            total,
            EXACT,
            total_m,
            [x for x in total_mistakes(layers, shapes, counts) if x[0] != BIAS],
        )
        parts.append(
            Part("total", "total number of parameters", Kind.INTEGER, total, EXACT, total_m)
        )
        return Problem(self.id, p, self.statement(p).as_text(), tuple(parts)), dropped

    def statement(self, params: Mapping[str, Any]) -> Statement:
        h, w, c = params["input"]
        return Statement(
            intro=t.Prose(
                "A convolutional network takes an input of ",
                t.dims(h, w, c),
                " (height × width × depth) through the layers below, in order. ",
                t.Code("conv F KxK"),
                ": F filters of ",
                t.Math("K×K", r"K \times K"),
                " spanning the input's depth, stride 1 and no padding unless ",
                t.Code("sS"),
                " (stride S) or ",
                t.Code("same"),
                " (zero padding that keeps ",
                CEIL_N_S,
                ") is written; ",
                t.Code("maxpool P"),
                " and ",
                t.Code("avgpool P"),
                ": windows of ",
                t.Math("P×P", r"P \times P"),
                ", stride P unless ",
                t.Code("sS"),
                " is written; ",
                t.Code("dense N"),
                ": N neurons, the feature map flattened before the first. Every filter and "
                "every neuron has one bias.",
            ),
            givens=(
                Given("input", f"{h} × {w} × {c}", "H × W × C"),
                *(Given(f"layer{i + 1}", text) for i, text in enumerate(params["layers"])),
            ),
            ask=(
                "For each layer, give its number of parameters (weights and biases) and its "
                "output shape, H, W, C (N for a dense layer); then the network's total number "
                "of parameters."
            ),
        )

    # --- error carried forward: a layer worked from the student's own earlier shape ------

    def _student_shapes(
        self, problem: Problem, given: Mapping[str, Value], upto: int
    ) -> list[Shape]:
        """``[input, shape of layer 1, …, shape of layer upto]``: the student's where given
        and usable, else the right ones."""
        _, shapes = self.summary(problem.params)
        out = [shapes[0]]
        for j in range(1, upto + 1):
            own = _as_shape(given.get(f"shape{j}"))
            out.append(own if own is not None else shapes[j])
        return out

    def follow_through(
        self, problem: Problem, part_id: str, given: Mapping[str, Value]
    ) -> Value | None:
        layers, _ = self.summary(problem.params)
        if part_id == "total":
            counts = [
                diagnostic.given_number(
                    given, f"params{i + 1}", float(problem.part(f"params{i + 1}").answer)
                )
                for i in range(len(layers))
            ]
            return float(sum(counts))
        kind, i = _part_of(part_id)
        if i < 2:
            return None  # layer 1 works from the input alone
        before = self._student_shapes(problem, given, i - 1)[-1]
        layer = layers[i - 1]
        if kind == "params":
            return layer_params(layer, before)
        return np.array(output_shape(layer, before), dtype=float)

    def carried_mistakes(
        self, problem: Problem, part_id: str, given: Mapping[str, Value]
    ) -> tuple[Mistake, ...]:
        if part_id == "total":
            return ()
        layers, _ = self.summary(problem.params)
        kind, i = _part_of(part_id)
        shapes = self._student_shapes(problem, given, i - 1)
        if kind == "params":
            return tuple(Mistake(m, v) for m, v in param_mistakes(layers, shapes, i - 1))
        return tuple(
            Mistake(m, np.array(v, dtype=float))
            for m, v in shape_mistakes(layers[i - 1], shapes[i - 1])
        )

    def hand_applies(self, params: Mapping[str, Any]) -> bool:
        return False  # whole numbers throughout: nothing is read off a calculator


def _part_of(part_id: str) -> tuple[str, int]:
    """``("params", 2)`` for ``params2``."""
    kind = "params" if part_id.startswith("params") else "shape"
    return kind, int(part_id[len(kind) :])
