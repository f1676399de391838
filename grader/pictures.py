"""Pictures of what a problem gives: matrices as shaded grids, networks as layers of nodes.

Each function returns one self-contained inline SVG string (no script, no external asset, no
``id`` that two pictures of one page could share). Text in it is escaped; the accessible name
is the ``<title>`` and ``aria-label`` of the picture.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from exercises._common import format_number

CELL = 40  # px, side of one grid cell
FONT = 'font-family="Segoe UI, Helvetica Neue, Arial, sans-serif"'
LIGHT = (247, 251, 255)  # the smallest value
DARK = (8, 48, 107)  # the largest value
MARK = "#d9480f"
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class Picture:
    """One picture of a problem: its SVG and a caption a reader sees under it."""

    svg: str
    caption: str


def subscript(n: int) -> str:
    return str(n).translate(SUBSCRIPTS)


def shade(value: float, low: float, high: float) -> tuple[int, int, int]:
    """The fill of ``value`` on the scale ``low``..``high``: darker for larger values."""
    t = 0.5 if high == low else (value - low) / (high - low)
    return tuple(round(a + (b - a) * t) for a, b in zip(LIGHT, DARK, strict=True))  # type: ignore[return-value]


def _luminance(rgb: tuple[int, int, int]) -> float:
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    t = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{t}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" {FONT}>'
        f"<title>{t}</title>" + "".join(body) + "</svg>"
    )


def grid_svg(
    matrix: Sequence[Sequence[float]],
    *,
    title: str,
    mark: tuple[int, int, int, int] | None = None,
    padding: int = 0,
    numbers: bool = True,
) -> str:
    """``matrix`` as a grid of cells shaded by value, each with its number.

    ``padding`` rows and columns of zeros are drawn around it (dashed, unshaded: they are not
    part of the matrix); ``mark = (row, column, height, width)`` outlines a window, counted in
    the padded grid. ``numbers=False`` leaves the cells blank (an answer not to be given away).
    """
    rows = [[float(v) for v in row] for row in matrix]
    if not rows or not rows[0]:
        raise ValueError("a grid needs at least one row and one column")
    h, w = len(rows), len(rows[0])
    flat = [v for row in rows for v in row]
    low, high = min(flat), max(flat)
    ph, pw = h + 2 * padding, w + 2 * padding
    body: list[str] = []
    for i in range(ph):
        for j in range(pw):
            x, y = 1 + j * CELL, 1 + i * CELL
            r, cidx = i - padding, j - padding
            inside = 0 <= r < h and 0 <= cidx < w
            if not inside:
                body.append(
                    f'<rect class="pad" x="{x}" y="{y}" width="{CELL}" height="{CELL}" '
                    'fill="#ffffff" stroke="#adb5bd" stroke-dasharray="3 3"/>'
                    f'<text x="{x + CELL / 2}" y="{y + CELL / 2}" text-anchor="middle" '
                    'dominant-baseline="central" font-size="13" fill="#868e96">0</text>'
                )
                continue
            v = rows[r][cidx]
            rgb = shade(v, low, high) if numbers else (255, 255, 255)
            ink = "#ffffff" if _luminance(rgb) < 128 else "#1d232b"
            text = escape(format_number(v, 3)) if numbers else ""
            body.append(
                f'<rect class="cell" data-row="{r}" data-col="{cidx}" x="{x}" y="{y}" '
                f'width="{CELL}" height="{CELL}" fill="rgb{rgb}" stroke="#5b6672">'
                f"<title>row {r + 1}, column {cidx + 1}: {text or '?'}</title></rect>"
            )
            if text:
                body.append(
                    f'<text x="{x + CELL / 2}" y="{y + CELL / 2}" text-anchor="middle" '
                    f'dominant-baseline="central" font-size="14" fill="{ink}">{text}</text>'
                )
    if mark is not None:
        mr, mc, mh, mw = mark
        if not (min(mr, mc) >= 0 and mr + mh <= ph and mc + mw <= pw and mh > 0 and mw > 0):
            raise ValueError(f"the marked window {mark} does not fit a {ph}x{pw} grid")
        body.append(
            f'<rect class="mark" x="{1 + mc * CELL}" y="{1 + mr * CELL}" width="{mw * CELL}" '
            f'height="{mh * CELL}" fill="none" stroke="{MARK}" stroke-width="3"/>'
        )
    return _svg(pw * CELL + 2, ph * CELL + 2, title, body)


def network_svg(
    layer_sizes: Sequence[int],
    *,
    bias: Sequence[bool],
    title: str,
    input_names: Sequence[str] | None = None,
) -> str:
    """A network as columns of nodes: ``layer_sizes[0]`` inputs, then each layer's neurons.

    ``bias[k]`` adds a node "1" to column ``k``, feeding layer ``k + 1`` (the course's column
    of ones); every node of a column connects to every neuron of the next, and the edges
    into layer ``k`` carry the weights ``W_k``, element ``W_k[i, j]`` from node ``i`` to
    neuron ``j``.
    """
    n = len(layer_sizes) - 1
    if n < 1 or len(bias) != n or any(s < 1 for s in layer_sizes):
        raise ValueError("a network needs an input column, one layer or more, one bias per layer")
    gap, step, r, top = 150, 46, 15, 44
    columns: list[list[tuple[float, float, str, bool]]] = []
    tallest = max(
        s + (1 if layer < n and bias[layer] else 0) for layer, s in enumerate(layer_sizes)
    )
    height = top + tallest * step + 30
    for layer, size in enumerate(layer_sizes):
        names: list[tuple[str, bool]] = []
        if layer < n and bias[layer]:
            names.append(("1", True))
        if layer == 0:
            given = list(input_names or [f"x{subscript(k + 1)}" for k in range(size)])
            names += [(g, False) for g in given[:size]]
        elif layer == n:
            names += [(f"F{subscript(k + 1)}" if size > 1 else "F", False) for k in range(size)]
        else:
            names += [("", False)] * size
        y0 = top + (tallest - len(names)) * step / 2 + step / 2
        x = 60 + layer * gap
        columns.append([(x, y0 + k * step, name, b) for k, (name, b) in enumerate(names)])
    body: list[str] = []
    for layer in range(n):
        w = f"W{subscript(layer + 1)}"
        targets = [node for node in columns[layer + 1] if not node[3]]
        for i, (x1, y1, _, _) in enumerate(columns[layer]):
            for j, (x2, y2, _, _) in enumerate(targets):
                body.append(
                    f'<line class="edge" data-layer="{layer + 1}" x1="{x1 + r}" y1="{y1}" '
                    f'x2="{x2 - r}" y2="{y2}" stroke="#8fa3b8" stroke-width="1.2">'
                    f"<title>{w}[{i + 1}, {j + 1}]</title></line>"
                )
        rows, cols = len(columns[layer]), len(targets)
        body.append(
            f'<text class="weights" x="{60 + layer * gap + gap / 2}" y="{top - 10}" '
            f'text-anchor="middle" font-size="15" fill="#2b5d8a">'
            f"{w} ({rows}×{cols})</text>"
        )
    for layer, column in enumerate(columns):
        for cx, cy, name, is_bias in column:
            cls = "node bias" if is_bias else "node"
            shape = (
                f'<rect x="{cx - r}" y="{cy - r}" width="{2 * r}" height="{2 * r}" '
                'fill="#fff4e6" stroke="#d9480f"/>'
                if is_bias
                else f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="#eef3f8" stroke="#2b5d8a"/>'
            )
            body.append(
                f'<g class="{cls}" data-layer="{layer}">{shape}'
                + (
                    f'<text x="{cx}" y="{cy}" text-anchor="middle" dominant-baseline="central" '
                    f'font-size="14" fill="#1d232b">{escape(name)}</text>'
                    if name
                    else ""
                )
                + "</g>"
            )
        caption = "input X" if layer == 0 else ("output F(X)" if layer == n else f"layer {layer}")
        body.append(
            f'<text class="layer" x="{60 + layer * gap}" y="{height - 8}" text-anchor="middle" '
            f'font-size="13" fill="#5b6672">{caption}</text>'
        )
    return _svg(60 * 2 + n * gap, height, title, body)


# --- the pictures of a problem ------------------------------------------------------------


def _conv_window(p: Mapping[str, Any]) -> tuple[int, int, int, int]:
    kernel = p["kernel"]
    return (0, 0, len(kernel), len(kernel[0]))


def _feature_map(p: Mapping[str, Any]) -> list[list[float]]:
    from reference import conv2d

    return [
        [float(v) for v in row]
        for row in conv2d(p["image"], p["kernel"], p["stride"], p["padding"])
    ]


def statement_pictures(exercise: str, params: Mapping[str, Any]) -> list[Picture]:
    """What a problem statement shows as pictures (nothing that gives an answer away)."""
    if exercise == "conv_feature_map":
        kh, kw = len(params["kernel"]), len(params["kernel"][0])
        pad = params["padding"]
        where = f", with {pad} ring{'s' if pad > 1 else ''} of zero padding" if pad else ""
        return [
            Picture(
                grid_svg(
                    params["image"],
                    title=f"Image I{where}; the {kh}×{kw} window of the first output is marked",
                    mark=_conv_window(params),
                    padding=pad,
                ),
                f"image I{where}; the window of the first output is outlined",
            ),
            Picture(grid_svg(params["kernel"], title=f"Kernel K ({kh}×{kw})"), "kernel K"),
        ]
    if exercise in ("mlp_forward", "mlp_backprop"):
        return [_network_picture(params)]
    return []


def solution_pictures(exercise: str, params: Mapping[str, Any]) -> list[Picture]:
    """Pictures of a worked answer (the feature map, its first output marked)."""
    if exercise == "conv_feature_map":
        fmap = _feature_map(params)
        return [
            Picture(
                grid_svg(
                    fmap,
                    title=(
                        f"Feature map ({len(fmap)}×{len(fmap[0])}); the first output, "
                        f"{format_number(fmap[0][0], 3)}, is marked"
                    ),
                    mark=(0, 0, 1, 1),
                ),
                "feature map; the first output (from the outlined window) is outlined",
            )
        ]
    return []


def _network_picture(p: Mapping[str, Any]) -> Picture:
    X, weights, augment = p["X"], p["weights"], p["augment"]
    d = len(X[0])
    names = [f"x{subscript(k + 1)}" for k in range(d)]
    bias = list(augment)
    if not augment[0] and d > 1 and all(float(row[0]) == 1.0 for row in X):
        names = [f"x{subscript(k + 1)}" for k in range(d - 1)]  # X's own column of ones
        bias[0] = True
        d -= 1
    sizes = [d] + [len(w[0]) for w in weights]
    shapes = ", ".join(f"W{subscript(i + 1)} {len(w)}×{len(w[0])}" for i, w in enumerate(weights))
    title = (
        f"Network with {d} input{'s' if d != 1 else ''}, "
        + ", ".join(f"{s} neuron{'s' if s != 1 else ''}" for s in sizes[1:])
        + f" in its layers; weights {shapes}; squares are the columns of ones"
    )
    return Picture(
        network_svg(sizes, bias=bias, title=title, input_names=names),
        "the network: each column of edges carries the weights of one layer, "
        "W₁ first; a square node is the column of ones (bias)",
    )
