"""A small CNN written as layer strings: each layer's output shape and parameter count.

A network is an input shape ``(H, W, C)`` and layers written as text, one string each:

* ``conv F KxK [sS] [same|valid]``: F filters of K×K (``KhxKw`` for a rectangle), stride S
  (default 1), padding ``valid`` (default: no padding, ``⌊(n − k)/s⌋ + 1``) or ``same``
  (``⌈n/s⌉``, as Keras pads); ``(k_h·k_w·C_in + 1)·F`` parameters;
* ``maxpool P [sS]`` and ``avgpool P [sS]``: a P×P window (``PxQ`` for a rectangle), stride S
  (default P), no padding; 0 parameters, the depth kept;
* ``flatten``: the map as one vector of ``H·W·C``; 0 parameters;
* ``dense N``: N neurons, ``(n_in + 1)·N`` parameters; a flatten before the first dense layer
  is implied.

Words are separated by spaces, in any case. A conv or pooling layer needs an H×W×C map, so it
cannot follow a flat (dense or flatten) layer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reference._validate import as_count
from reference.conv import conv_output_size, conv_param_count, dense_param_count

KINDS = ("conv", "maxpool", "avgpool", "flatten", "dense")
POOLS = ("maxpool", "avgpool")
SYNTAX = {
    "conv": "conv F KxK [sS] [same|valid]",
    "maxpool": "maxpool P [sS]",
    "avgpool": "avgpool P [sS]",
    "flatten": "flatten",
    "dense": "dense N",
}
MAX_SIZE = 100_000  # filters, neurons, window sides, strides and input sides
_WINDOW = re.compile(r"(\d+)(?:x(\d+))?")
_STRIDE = re.compile(r"s(\d+)")

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Layer:
    """One parsed layer: ``kind``, its size (filters, neurons; 0 otherwise), its window
    ``(kh, kw)`` and stride ``(sh, sw)`` (conv and pooling), ``padding`` ("valid" or "same")
    and the text it was read from."""

    kind: str
    size: int = 0
    window: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    padding: str = "valid"
    text: str = ""

    @property
    def spatial(self) -> bool:
        """Whether the layer needs an H×W×C map (conv and pooling)."""
        return self.kind == "conv" or self.kind in POOLS


def _whole(what: str, word: str, text: str) -> int:
    n = int(word)
    if not 1 <= n <= MAX_SIZE:
        raise ValueError(f"layer {text!r}: {what} must be from 1 to {MAX_SIZE}, got {n}")
    return n


def _window(word: str, text: str, example: str) -> tuple[int, int]:
    m = _WINDOW.fullmatch(word)
    if m is None:
        half = re.fullmatch(r"\d+x", word)
        what = f"{word!r} lacks its second side" if half else f"{word!r} is not a window size"
        raise ValueError(f"layer {text!r}: {what}: write {example}")
    kh = _whole("the window", m.group(1), text)
    kw = kh if m.group(2) is None else _whole("the window", m.group(2), text)
    return kh, kw


def parse_layer(text: Any) -> Layer:
    """The :class:`Layer` a layer string writes; a ``ValueError`` saying what is wrong."""
    if not isinstance(text, str):
        raise ValueError(f"a layer must be text such as 'conv 32 3x3', got {text!r}")
    words = text.lower().split()
    if not words:
        raise ValueError("a layer is empty: write e.g. 'conv 32 3x3', 'maxpool 2' or 'dense 10'")
    kind, rest = words[0], words[1:]
    if kind not in KINDS:
        raise ValueError(f"layer {text!r}: unknown layer {kind!r}; layers are {', '.join(KINDS)}")
    if kind == "flatten":
        if rest:
            raise ValueError(f"layer {text!r}: flatten takes nothing more")
        return Layer("flatten", text=text)
    if not rest:
        raise ValueError(f"layer {text!r}: a {kind} layer is written '{SYNTAX[kind]}'")
    if kind == "dense":
        if len(rest) > 1 or not rest[0].isdigit():
            raise ValueError(f"layer {text!r}: a dense layer is written 'dense N' (N neurons)")
        return Layer("dense", size=_whole("the number of neurons", rest[0], text), text=text)
    size = 0
    if kind == "conv":
        if not rest[0].isdigit():
            raise ValueError(
                f"layer {text!r}: the number of filters {rest[0]!r} is not a whole number "
                f"('{SYNTAX['conv']}')"
            )
        size = _whole("the number of filters", rest[0], text)
        rest = rest[1:]
        if not rest:
            raise ValueError(f"layer {text!r}: the kernel is missing ('{SYNTAX['conv']}')")
    window = _window(rest[0], text, "KxK (e.g. 3x3)" if kind == "conv" else "P or PxP (e.g. 2)")
    stride: tuple[int, int] | None = None
    padding: str | None = None
    for word in rest[1:]:
        m = _STRIDE.fullmatch(word)
        if m is not None:
            if stride is not None:
                raise ValueError(f"layer {text!r}: the stride is given twice")
            s = _whole("the stride", m.group(1), text)
            stride = (s, s)
        elif word in ("same", "valid") and kind == "conv":
            if padding is not None:
                raise ValueError(f"layer {text!r}: the padding is given twice")
            padding = word
        else:
            options = "sS (the stride)" + (
                ", same or valid (the padding)" if kind == "conv" else ""
            )
            raise ValueError(f"layer {text!r}: unknown option {word!r}; options are {options}")
    if stride is None:
        stride = (1, 1) if kind == "conv" else window
    return Layer(kind, size, window, stride, padding or "valid", text)


def parse_layers(layers: Any) -> tuple[Layer, ...]:
    """Every layer of a list of layer strings (at least one)."""
    if isinstance(layers, str) or not isinstance(layers, (list, tuple)) or not layers:
        raise ValueError(f"layers must be a non-empty list of layer strings, got {layers!r}")
    return tuple(_numbered(i, parse_layer, t) for i, t in enumerate(layers))


def _numbered(index: int, call: Any, *args: Any) -> Any:
    """``call(*args)``, its ValueError told which layer (1-based) it is about."""
    try:
        return call(*args)
    except ValueError as exc:
        text = str(exc)
        where = f"layer {index + 1}"
        raise ValueError(
            f"{where} {text.removeprefix('layer ')}"
            if text.startswith("layer '")
            else f"{where}: {text}"
        ) from None


def as_input_shape(func: str, value: Any) -> tuple[int, int, int]:
    """``(H, W, C)``: three whole numbers from 1 to MAX_SIZE."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or len(value) != 3:
        raise ValueError(
            f"{func}: input_shape must be (H, W, C), three whole numbers, got {value!r}"
        )
    h, w, c = (as_count(func, name, v, 1) for name, v in zip("HWC", value, strict=True))
    if max(h, w, c) > MAX_SIZE:
        raise ValueError(f"{func}: input_shape {value!r} has a side larger than {MAX_SIZE}")
    return h, w, c


def _side(n: int, k: int, s: int, padding: str) -> int:
    if padding == "same":
        return -(-n // s)  # ⌈n/s⌉
    return conv_output_size(n, k, s)


def output_shape(layer: Layer, shape: Shape) -> Shape:
    """The shape ``layer`` makes of an input of ``shape``; a ``ValueError`` where it cannot
    take it (a window larger than the map, a map layer after a flat one)."""
    if layer.kind == "dense":
        return (layer.size,)
    if layer.kind == "flatten":
        return (math.prod(shape),)
    if len(shape) != 3:
        raise ValueError(
            f"layer {layer.text!r}: a {layer.kind} layer needs an H×W×C map, but its input is "
            f"flat ({shape[0]} values, after a dense or flatten layer)"
        )
    h, w, c = shape
    (kh, kw), (sh, sw) = layer.window, layer.stride
    if layer.padding == "valid" and (kh > h or kw > w):
        raise ValueError(
            f"layer {layer.text!r}: its {kh}x{kw} window does not fit the {h}x{w}x{c} input"
        )
    depth = layer.size if layer.kind == "conv" else c
    return _side(h, kh, sh, layer.padding), _side(w, kw, sw, layer.padding), depth


def layer_params(layer: Layer, shape: Shape, bias: bool = True) -> int:
    """Parameters of ``layer`` on an input of ``shape``: ``(k_h·k_w·C_in + 1)·F`` for a conv
    layer, ``(n_in + 1)·N`` for a dense layer (``n_in`` the flattened input), 0 otherwise."""
    if layer.kind == "conv":
        return conv_param_count(layer.window, shape[-1], layer.size, bias)
    if layer.kind == "dense":
        return dense_param_count(math.prod(shape), layer.size, bias)
    return 0


@dataclass(frozen=True)
class LayerSummary:
    """One row of a network's summary: the layer, its input and output shapes, its
    parameters."""

    layer: Layer
    input_shape: Shape
    output_shape: Shape
    params: int


def cnn_summary(input_shape: Any, layers: Any) -> tuple[LayerSummary, ...]:
    """Every layer's input shape, output shape and parameter count, first layer first.

    Parameters
    ----------
    input_shape : (H, W, C), three whole numbers.
    layers : list of layer strings (see the module's grammar).

    Returns
    -------
    tuple of LayerSummary, one per layer.
    """
    f = "cnn_param_count"
    shape: Shape = as_input_shape(f, input_shape)
    try:
        parsed = parse_layers(layers)
    except ValueError as exc:
        raise ValueError(f"{f}: {exc}") from None
    rows = []
    for i, layer in enumerate(parsed):
        try:
            out = _numbered(i, output_shape, layer, shape)
        except ValueError as exc:
            raise ValueError(f"{f}: {exc}") from None
        rows.append(LayerSummary(layer, shape, out, layer_params(layer, shape)))
        shape = out
    return tuple(rows)


def cnn_param_count(input_shape: Any, layers: Sequence[str]) -> int:
    """Total number of parameters (weights and biases) of the network.

    Parameters
    ----------
    input_shape : (H, W, C), three whole numbers.
    layers : list of layer strings, e.g. ``["conv 32 3x3", "maxpool 2", "dense 10"]``.

    Returns
    -------
    int
    """
    return sum(row.params for row in cnn_summary(input_shape, layers))
