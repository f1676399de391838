"""A whole small CNN: every layer's output shape and parameter count, and the total.

The network is written as in the course's tables, ``input = [28, 28, 1]`` (H, W, C) and
``layers = ["conv 32 3x3", "maxpool 2", "dense 100", "dense 10"]`` (the grammar is
:mod:`reference.cnn`'s). The exercise ``cnn_param_count`` asks, per layer ``i``, for its
parameters ``params<i>`` (a whole number) and its output shape ``shape<i>`` (a vector, a
matrix part of one row: ``[26, 26, 32]``, ``"26 26 32"`` or ``"(26, 26, 32)"``; ``[10]`` or
``10`` for a dense layer), then ``total``. Later parts follow through from the student's own
earlier ones: a layer's shape and count from the student's shape of the layer before, the
total from the student's counts. The code function ``cnn_param_count(input_shape, layers)``
returns the total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from exercises import checks, diagnostic, draw
from exercises import prose as t
from exercises.base import EXACT, Kind, Mistake, Part, Problem, Value
from exercises.diagnostic import DiagnosticExercise
from exercises.misconceptions import Misconception
from exercises.statement import Given, Statement
from grader.codecheck.cases import Case, _case
from grader.topics import CodeFunction, Topic
from grader.topics._cnn_steps import cnn_param_count_solution
from reference.cnn import Layer, Shape, layer_params, output_shape, parse_layer

CNN_FLATTEN_SIZE_WRONG = Misconception(
    "cnn-flatten-size-wrong",
    (
        "Your first dense layer has the wrong number of inputs: the flatten before it turns "
        "the last feature map, the output of the layer just before (after its pooling), into "
        "H·W·C values; not the input image, nor the map before pooling."
    ),
)

CNN_POOLING_COUNTED = Misconception(
    "cnn-pooling-counted",
    (
        "You gave a pooling layer parameters: pooling takes the maximum (or mean) of each "
        "window and learns nothing, so it has 0 weights and 0 biases."
    ),
)

CNN_OUTPUT_DEPTH_WRONG = Misconception(
    "cnn-output-depth-wrong",
    (
        "Your conv layer's output depth is wrong: each filter makes one channel, so the "
        "output has F channels (the number of filters), whatever the input's depth."
    ),
)

BIAS, DEPTH = "param-count-missing-bias", "param-count-missing-depth"
OFF_BY_ONE, STRIDE, PADDING = "conv-size-off-by-one", "conv-stride-ignored", "conv-padding-ignored"
CEIL_N_S = t.Math("⌈n/S⌉", r"\lceil n/S \rceil")
MAX_LAYERS = 10
MAX_SIDE = 4096
MAX_COUNT = 10**12  # parameters of one network: far above any the course shows


# --- what each known mistake makes of a layer ---------------------------------------------


def _pooling_counts(layer: Layer, shape: Shape) -> list[int]:
    """What a pooling layer's count becomes when it is counted: as a conv layer keeping the
    depth, as one window and a bias per channel, as one window per channel."""
    (ph, pw), c = layer.window, shape[-1]
    return [(ph * pw * c + 1) * c, (ph * pw + 1) * c, ph * pw * c]


def param_mistakes(
    layers: Sequence[Layer], shapes: Sequence[Shape], i: int
) -> list[tuple[str, int]]:
    """What each known mistake makes of layer ``i``'s count (0-based), ``shapes[j]`` being
    the input of layer ``j`` (``shapes[0]`` the network's input)."""
    layer, shape = layers[i], shapes[i]
    if layer.kind in ("maxpool", "avgpool"):
        return [(CNN_POOLING_COUNTED.id, v) for v in _pooling_counts(layer, shape)]
    if layer.kind == "conv":
        kh, kw = layer.window
        return [(BIAS, layer_params(layer, shape, bias=False)), (DEPTH, (kh * kw + 1) * layer.size)]
    if layer.kind != "dense":
        return []
    found = [(BIAS, layer_params(layer, shape, bias=False))]
    if len(shape) == 3:  # a map flattened: its depth left out, or the wrong map flattened
        found.append((DEPTH, (shape[0] * shape[1] + 1) * layer.size))
        if shapes[0] != shape:
            found.append((CNN_FLATTEN_SIZE_WRONG.id, layer_params(layer, shapes[0])))
        if i and layers[i - 1].kind in ("maxpool", "avgpool"):
            found.append((CNN_FLATTEN_SIZE_WRONG.id, layer_params(layer, shapes[i - 1])))
    return found


def shape_mistakes(layer: Layer, shape: Shape) -> list[tuple[str, Shape]]:
    """What each known mistake makes of a layer's output shape."""
    if not layer.spatial or len(shape) != 3:
        return []
    h, w, c = shape
    (kh, kw), (sh, sw) = layer.window, layer.stride
    out = output_shape(layer, shape)
    found: list[tuple[str, Shape]] = []
    if layer.padding == "valid":
        found += [
            (OFF_BY_ONE, (out[0] - 1, out[1] - 1, out[2])),
            (OFF_BY_ONE, (out[0] + 1, out[1] + 1, out[2])),
        ]
    elif kh <= h and kw <= w:  # "same" worked as if there were no padding
        found.append((PADDING, ((h - kh) // sh + 1, (w - kw) // sw + 1, out[2])))
    if (sh, sw) != (1, 1):  # the window moved one pixel a step
        if layer.padding == "same":
            found.append((STRIDE, (h, w, out[2])))
        else:
            found.append((STRIDE, (h - kh + 1, w - kw + 1, out[2])))
    if layer.kind == "conv" and c != layer.size:
        found.append((CNN_OUTPUT_DEPTH_WRONG.id, (out[0], out[1], c)))
    return found


def _total_mistakes(
    layers: Sequence[Layer], shapes: Sequence[Shape], counts: Sequence[int]
) -> list[tuple[str, int]]:
    """The total when one known mistake is made: at every layer it applies to, or only at
    the layers of one kind (the depth left out of the convolutions, not of the flatten)."""
    per_layer = [param_mistakes(layers, shapes, i) for i in range(len(layers))]
    kinds = [("conv", "maxpool", "avgpool", "dense"), ("conv",), ("dense",)]
    found: list[tuple[str, int]] = []
    for mistake in (BIAS, DEPTH, CNN_FLATTEN_SIZE_WRONG.id, CNN_POOLING_COUNTED.id):
        for where in kinds:
            options = [
                [v for m, v in row if m == mistake] if layer.kind in where else []
                for row, layer in zip(per_layer, layers, strict=True)
            ]
            # each layer's first way of making it, then (pooling) each other way throughout
            for way in range(max(len(o) for o in options)):
                pairs = zip(options, counts, strict=True)
                total = sum(o[min(way, len(o) - 1)] if o else c for o, c in pairs)
                if total != sum(counts) and (mistake, total) not in found:
                    found.append((mistake, total))
    return found


# --- the exercise -------------------------------------------------------------------------


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


def network_shapes(exercise: str, input_shape: Shape, layers: Sequence[Layer]) -> list[Shape]:
    """``[input, output of layer 1, …]``; a ValueError naming the layer that cannot be."""
    shapes = [input_shape]
    for i, layer in enumerate(layers):
        try:
            shapes.append(output_shape(layer, shapes[-1]))
        except ValueError as exc:
            reason = str(exc).split(": ", 1)[1]
            raise ValueError(
                f"{exercise}: parameter 'layers[{i}]' ({layer.text!r}): {reason}"
            ) from None
    return shapes


INPUTS: tuple[list[int], ...] = ([28, 28, 1], [32, 32, 3], [28, 28, 3], [64, 64, 3], [48, 48, 1])


def _draw_layers(rng: np.random.Generator) -> list[str]:
    """2 to 5 layers as a course draws them: convolutions (each maybe pooled), then dense."""
    n = int(rng.integers(2, 6))
    n_dense = 1 if n <= 3 else draw.pick(rng, (1, 2))
    texts: list[str] = []
    for k in range(n - n_dense):
        if k and texts[-1].startswith("conv") and draw.pick(rng, (True, True, False)):
            size = draw.pick(rng, (2, 2, 2, 3))
            kind = draw.pick(rng, ("maxpool", "maxpool", "maxpool", "avgpool"))
            texts.append(f"{kind} {size}" + (" s2" if size == 3 else ""))
        else:
            k_size = draw.pick(rng, (3, 3, 3, 5, 1))
            text = f"conv {draw.pick(rng, (8, 16, 32, 32, 64))} {k_size}x{k_size}"
            text += draw.pick(rng, ("", "", "", " s2"))
            text += draw.pick(rng, ("", "", " same", " valid"))
            texts.append(text)
    texts += [f"dense {draw.pick(rng, (32, 64, 100, 128))}" for _ in range(n_dense - 1)]
    texts.append(f"dense {draw.pick(rng, (10, 10, 2, 5, 100))}")
    return texts


def _fits(input_shape: Any, layers: Any) -> bool:
    try:
        network_shapes("", tuple(input_shape), [parse_layer(x) for x in layers])
    except (ValueError, TypeError):
        return False
    return True


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
            layers = pinned_layers if "layers" in pinned else _draw_layers(rng)
            if "input" in pinned and "layers" in pinned:
                break
            if _fits(shape, layers):
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
            total, EXACT, [x for x in _total_mistakes(layers, shapes, counts) if x[0] == BIAS]
        )
        dropped += lost
        total_m = diagnostic.also_recognised(
            total,
            EXACT,
            total_m,
            [x for x in _total_mistakes(layers, shapes, counts) if x[0] != BIAS],
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


# --- code cases ---------------------------------------------------------------------------

KERAS_MNIST = ([28, 28, 1], ["conv 32 3x3", "maxpool 2", "conv 64 3x3", "maxpool 2", "dense 10"])


def cnn_param_count_cases(rng: np.random.Generator) -> list[Case]:
    names = ("input_shape", "layers")
    fixed: list[tuple[Any, list[str]]] = [
        KERAS_MNIST,  # Keras's "Simple MNIST convnet": 34 826
        ((224, 224, 3), ["conv 64 3x3 same", "conv 64 3x3 same", "maxpool 2"]),  # VGG-16 block 1
        (
            [32, 32, 1],
            [
                "conv 6 5x5",
                "avgpool 2",
                "conv 16 5x5",
                "avgpool 2",
                "dense 120",
                "dense 84",
                "dense 10",
            ],
        ),  # LeNet-5
        (
            [28, 28, 1],
            [
                "conv 6 5x5 same",
                "maxpool 2",
                "conv 16 5x5",
                "maxpool 2",
                "flatten",
                "dense 120",
                "dense 10",
            ],
        ),
        ([9, 9, 3], ["conv 4 3x3 s2", "conv 8 1x1", "dense 5"]),
        ((10, 10, 2), ["conv 3 3x5 same", "maxpool 3 s2", "dense 1"]),
        ([7, 7, 1], ["conv 2 7x7"]),
    ]
    for _ in range(3):
        shape = tuple(draw.pick(rng, INPUTS))
        drawn = _draw_layers(rng)
        while not _fits(shape, drawn):
            drawn = _draw_layers(rng)
        fixed.append((list(shape) if rng.integers(2) else shape, drawn))
    out = []
    for shape, texts in fixed:
        layers = tuple(parse_layer(x) for x in texts)
        shapes = network_shapes("cnn_param_count", tuple(shape), layers)
        counts = [layer_params(x, s) for x, s in zip(layers, shapes[:-1], strict=True)]
        label = f"input_shape={shape!r}, layers={texts!r}"
        mistakes = _total_mistakes(layers, shapes, counts)
        out.append(_case(names, (shape, texts), None, sum(counts), mistakes, label=label))
    return out


TOPIC = Topic(
    id="cnn",
    order=55,
    exercises=(CNNParamCount(),),
    solutions={"cnn_param_count": cnn_param_count_solution},
    functions=(CodeFunction("cnn_param_count", cnn_param_count_cases),),
    misconceptions=(CNN_FLATTEN_SIZE_WRONG, CNN_POOLING_COUNTED, CNN_OUTPUT_DEPTH_WRONG),
)
