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

from collections.abc import Sequence
from typing import Any

import numpy as np

from exercises import misconceptions as m
from exercises.misconceptions import Misconception
from grader.codecheck.cases import Case, _case
from grader.topics import CodeFunction, Quiz, Topic
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

BIAS, DEPTH = m.PARAM_COUNT_MISSING_BIAS, m.PARAM_COUNT_MISSING_DEPTH
OFF_BY_ONE, STRIDE, PADDING = m.CONV_SIZE_OFF_BY_ONE, m.CONV_STRIDE_IGNORED, m.CONV_PADDING_IGNORED
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
        return [(CNN_POOLING_COUNTED, v) for v in _pooling_counts(layer, shape)]
    if layer.kind == "conv":
        kh, kw = layer.window
        return [(BIAS, layer_params(layer, shape, bias=False)), (DEPTH, (kh * kw + 1) * layer.size)]
    if layer.kind != "dense":
        return []
    found: list[tuple[str, int]] = [(BIAS, layer_params(layer, shape, bias=False))]
    if len(shape) == 3:  # a map flattened: its depth left out, or the wrong map flattened
        found.append((DEPTH, (shape[0] * shape[1] + 1) * layer.size))
        if shapes[0] != shape:
            found.append((CNN_FLATTEN_SIZE_WRONG, layer_params(layer, shapes[0])))
        if i and layers[i - 1].kind in ("maxpool", "avgpool"):
            found.append((CNN_FLATTEN_SIZE_WRONG, layer_params(layer, shapes[i - 1])))
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
        found.append((CNN_OUTPUT_DEPTH_WRONG, (out[0], out[1], c)))
    return found


def total_mistakes(
    layers: Sequence[Layer], shapes: Sequence[Shape], counts: Sequence[int]
) -> list[tuple[str, int]]:
    """The total when one known mistake is made: at every layer it applies to, or only at
    the layers of one kind (the depth left out of the convolutions, not of the flatten)."""
    per_layer = [param_mistakes(layers, shapes, i) for i in range(len(layers))]
    kinds = [("conv", "maxpool", "avgpool", "dense"), ("conv",), ("dense",)]
    found: list[tuple[str, int]] = []
    for mistake in (BIAS, DEPTH, CNN_FLATTEN_SIZE_WRONG, CNN_POOLING_COUNTED):
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


# --- networks ------------------------------------------------------------------------------


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


def _pick(rng: np.random.Generator, options: Sequence[Any]) -> Any:
    return options[int(rng.integers(len(options)))]


INPUTS: tuple[list[int], ...] = ([28, 28, 1], [32, 32, 3], [28, 28, 3], [64, 64, 3], [48, 48, 1])


def draw_layers(rng: np.random.Generator) -> list[str]:
    """2 to 5 layers as a course draws them: convolutions (each maybe pooled), then dense."""
    n = int(rng.integers(2, 6))
    n_dense = 1 if n <= 3 else _pick(rng, (1, 2))
    texts: list[str] = []
    for k in range(n - n_dense):
        if k and texts[-1].startswith("conv") and _pick(rng, (True, True, False)):
            size = _pick(rng, (2, 2, 2, 3))
            kind = _pick(rng, ("maxpool", "maxpool", "maxpool", "avgpool"))
            texts.append(f"{kind} {size}" + (" s2" if size == 3 else ""))
        else:
            k_size = _pick(rng, (3, 3, 3, 5, 1))
            text = f"conv {_pick(rng, (8, 16, 32, 32, 64))} {k_size}x{k_size}"
            text += _pick(rng, ("", "", "", " s2"))
            text += _pick(rng, ("", "", " same", " valid"))
            texts.append(text)
    texts += [f"dense {_pick(rng, (32, 64, 100, 128))}" for _ in range(n_dense - 1)]
    texts.append(f"dense {_pick(rng, (10, 10, 2, 5, 100))}")
    return texts


def fits(input_shape: Any, layers: Any) -> bool:
    try:
        network_shapes("", tuple(input_shape), [parse_layer(x) for x in layers])
    except (ValueError, TypeError):
        return False
    return True


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
        shape = tuple(_pick(rng, INPUTS))
        drawn = draw_layers(rng)
        while not fits(shape, drawn):
            drawn = draw_layers(rng)
        fixed.append((list(shape) if rng.integers(2) else shape, drawn))
    out = []
    for shape, texts in fixed:
        layers = tuple(parse_layer(x) for x in texts)
        shapes = network_shapes("cnn_param_count", tuple(shape), layers)
        counts = [layer_params(x, s) for x, s in zip(layers, shapes[:-1], strict=True)]
        label = f"input_shape={shape!r}, layers={texts!r}"
        mistakes = total_mistakes(layers, shapes, counts)
        out.append(_case(names, (shape, texts), None, sum(counts), mistakes, label=label))
    return out


def quiz() -> Quiz:
    from grader.topics._cnn_exercise import CNNParamCount
    from grader.topics._cnn_steps import cnn_param_count_solution

    return Quiz(
        exercises=(CNNParamCount(),),
        solutions={"cnn_param_count": cnn_param_count_solution},
    )


TOPIC = Topic(
    id="cnn",
    order=55,
    quiz=quiz,
    functions=(CodeFunction("cnn_param_count", cnn_param_count_cases),),
    misconceptions=(CNN_FLATTEN_SIZE_WRONG, CNN_POOLING_COUNTED, CNN_OUTPUT_DEPTH_WRONG),
)
