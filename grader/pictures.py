"""Pictures of what a problem gives: matrices as shaded grids, networks as columns of nodes.

A picture is drawn once, as a :class:`Drawing` of a few shapes in pixels (y pointing down), and
written either as inline SVG for HTML (:func:`svg`) or as a TikZ picture for LaTeX
(:func:`tikz`): both formats show the same geometry.

- :func:`grid` draws any 2-D array, shaded by value with its numbers, optionally with zero
  padding around it (dashed) and a window outlined (a kernel's position, a pooling region).
- :func:`network` draws a fully connected network: inputs, each layer's neurons, the edges
  between them named by the weight matrices ``W₁, W₂, …``, and the columns of ones (bias).
- A topic declares what its exercises show as :class:`Pictures` (``grader/topics``): pictures
  of a statement (nothing that gives the answer away) and of a worked solution; the builders
  of the convolution and MLP topics are here.

The SVG has no script, no external resource and no ``id`` (two pictures share a page); its
text is escaped and its accessible name is its ``<title>``. Coordinates are rounded to half
pixels, and no cell has a gradient or filter, so that a set of problems stays small.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from typing import Any

from exercises.solutions.notation import tex_escape
from exercises.statement import format_number

RGB = tuple[int, int, int]
Window = tuple[int, int, int, int]  # row, column, height, width (cells of the padded grid)

CELL = 40  # px, the side of a grid cell (wider where a number needs it)
FONT = "Segoe UI, Helvetica Neue, Arial, sans-serif"
LIGHT: RGB = (247, 251, 255)  # the smallest value of a grid
DARK: RGB = (8, 48, 107)  # the largest
WHITE: RGB = (255, 255, 255)
INK: RGB = (29, 35, 43)
GREY: RGB = (134, 142, 150)
LINE: RGB = (91, 102, 114)
MARK: RGB = (217, 72, 15)  # the outlined window, the bias nodes
BLUE: RGB = (43, 93, 138)
MAX_NODES = 12  # a column of more nodes than this is not drawn: its edges would be a blur
TIKZ_UNIT = 0.02  # cm per pixel: a cell is 8 mm on paper, its number 8 pt
TIKZ_WIDTH = 16.0  # cm, at most (the text width of the documents)
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


# --- shapes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: RGB | None
    stroke: RGB
    width: float = 1.0
    dashed: bool = False
    cls: str = ""
    data: tuple[tuple[str, object], ...] = ()
    tip: str = ""  # shown on hover in HTML


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    fill: RGB
    stroke: RGB
    cls: str = ""
    data: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: RGB
    width: float = 1.0
    cls: str = ""
    data: tuple[tuple[str, object], ...] = ()
    tip: str = ""


@dataclass(frozen=True)
class Label:
    """Text centred vertically on ``y``; ``tex`` is its LaTeX (default: ``text`` escaped)."""

    x: float
    y: float
    text: str
    size: float = 14
    ink: RGB = INK
    anchor: str = "middle"  # or "start", "end"
    cls: str = ""
    tex: str | None = None


Shape = Box | Dot | Edge | Label


@dataclass(frozen=True)
class Drawing:
    width: float
    height: float
    title: str  # what a screen reader says; also the hover text of the whole picture
    shapes: tuple[Shape, ...]


@dataclass(frozen=True)
class Picture:
    """One picture of a problem, with the caption a reader sees under it."""

    drawing: Drawing
    caption: str


def no_pictures(params: Mapping[str, Any]) -> list[Picture]:
    return []


@dataclass(frozen=True)
class Pictures:
    """What a problem of one exercise shows, from its parameters: ``statement`` pictures what
    the problem gives (never its answer), ``solution`` pictures its worked answer."""

    statement: Callable[[Mapping[str, Any]], list[Picture]]
    solution: Callable[[Mapping[str, Any]], list[Picture]] = no_pictures


def subscript(n: int) -> str:
    return str(n).translate(SUBSCRIPTS)


def shade(value: float, low: float, high: float) -> RGB:
    """The fill of ``value`` on the scale ``low``..``high``: darker for larger values."""
    t = 0.5 if high == low else (value - low) / (high - low)
    r, g, b = (round(a + (z - a) * t) for a, z in zip(LIGHT, DARK, strict=True))
    return (r, g, b)


def ink_on(fill: RGB) -> RGB:
    """Text colour readable on ``fill``: white on dark cells, near-black on light ones."""
    r, g, b = fill
    return WHITE if 0.2126 * r + 0.7152 * g + 0.0722 * b < 140 else INK


def _number_tex(text: str) -> str:
    return "$" + text.replace("−", "-") + "$"


# --- a grid ------------------------------------------------------------------------------


def grid(
    matrix: Sequence[Sequence[float]],
    *,
    title: str,
    window: Window | None = None,
    padding: int = 0,
    numbers: bool = True,
) -> Drawing:
    """``matrix`` as a grid of cells shaded by value (darker is larger), each with its number.

    ``padding`` rings of zeros are drawn around it, dashed and unshaded (they are not part of
    the matrix). ``window = (row, column, height, width)`` outlines a block of cells, counted in
    the padded grid from 0. ``numbers=False`` leaves the cells blank and unshaded.
    """
    rows = [[float(v) for v in row] for row in matrix]
    if not rows or not rows[0] or any(len(r) != len(rows[0]) for r in rows):
        raise ValueError("grid: the matrix needs at least one row and rows of equal length")
    if padding < 0:
        raise ValueError(f"grid: padding must be >= 0, got {padding}")
    h, w = len(rows), len(rows[0])
    ph, pw = h + 2 * padding, w + 2 * padding
    if window is not None:
        wr, wc, wh, ww = window
        if not (wr >= 0 and wc >= 0 and wh > 0 and ww > 0 and wr + wh <= ph and wc + ww <= pw):
            raise ValueError(f"grid: the window {window} does not fit a {ph}x{pw} grid")
    texts = [[format_number(v, 3).replace("-", "−") for v in row] for row in rows]
    longest = max(len(t) for row in texts for t in row)
    cw, ch = max(CELL, 8 * longest + 12), CELL  # px per column, per row
    flat = [v for row in rows for v in row]
    low, high = min(flat), max(flat)
    shapes: list[Shape] = []
    for i in range(ph):
        for j in range(pw):
            x, y, r, c = 1 + j * cw, 1 + i * ch, i - padding, j - padding
            if not (0 <= r < h and 0 <= c < w):
                shapes.append(Box(x, y, cw, ch, WHITE, GREY, dashed=True, cls="pad"))
                shapes.append(Label(x + cw / 2, y + ch / 2, "0", 13, GREY, cls="pad"))
                continue
            text = texts[r][c]
            fill = shade(rows[r][c], low, high) if numbers else WHITE
            shapes.append(Box(x, y, cw, ch, fill, LINE, cls="cell", data=(("row", r), ("col", c))))
            if numbers:
                shapes.append(
                    Label(x + cw / 2, y + ch / 2, text, 14, ink_on(fill), tex=_number_tex(text))
                )
    if window is not None:
        wr, wc, wh, ww = window
        shapes.append(
            Box(1 + wc * cw, 1 + wr * ch, ww * cw, wh * ch, None, MARK, width=3, cls="window")
        )
    return Drawing(pw * cw + 2, ph * ch + 2, title, tuple(shapes))


# --- a network ---------------------------------------------------------------------------


def network(
    layer_sizes: Sequence[int],
    *,
    bias: Sequence[bool],
    title: str,
    input_names: Sequence[str] | None = None,
    activations: Sequence[str] | None = None,
) -> Drawing:
    """A fully connected network as columns of nodes, inputs on the left.

    ``layer_sizes[0]`` is the number of inputs, ``layer_sizes[k]`` that of layer ``k``'s
    neurons. ``bias[k - 1]`` puts a square node "1" on top of column ``k - 1``: the course's
    column of ones, whose edges carry the first row of ``W_k``. Every node of a column feeds
    every neuron of the next; the edges into layer ``k`` are the weights ``W_k``, element
    ``W_k[i, j]`` from node ``i`` (the "1" first) to neuron ``j``. ``activations[k - 1]`` is
    written under layer ``k``.
    """
    n = len(layer_sizes) - 1
    if n < 1 or len(bias) != n or any(s < 1 for s in layer_sizes):
        raise ValueError("network: an input column, one layer or more, and one bias per layer")
    if activations is not None and len(activations) != n:
        raise ValueError("network: one activation per layer")
    names_in = list(input_names or [f"x{subscript(k + 1)}" for k in range(layer_sizes[0])])
    if len(names_in) != layer_sizes[0]:
        raise ValueError("network: one name per input")
    gap, step, radius, top, left = 150, 46, 15, 46, 90
    columns: list[list[tuple[float, float, str, bool]]] = []  # x, y, name, is the "1"
    counts = [s + (1 if k < n and bias[k] else 0) for k, s in enumerate(layer_sizes)]
    tallest = max(counts)
    for layer, size in enumerate(layer_sizes):
        nodes: list[tuple[str, bool]] = [("1", True)] if layer < n and bias[layer] else []
        if layer == 0:
            nodes += [(name, False) for name in names_in]
        elif layer == n:
            nodes += [(f"F{subscript(k + 1)}" if size > 1 else "F", False) for k in range(size)]
        else:
            nodes += [("", False)] * size
        y0 = top + (tallest - len(nodes)) * step / 2 + step / 2
        x = left + layer * gap
        columns.append([(x, y0 + k * step, name, one) for k, (name, one) in enumerate(nodes)])
    height = top + tallest * step + 34
    shapes: list[Shape] = []
    for layer in range(n):
        w = f"W{subscript(layer + 1)}"
        targets = [node for node in columns[layer + 1] if not node[3]]
        for i, (x1, y1, _, _) in enumerate(columns[layer]):
            for j, (x2, y2, _, _) in enumerate(targets):
                shapes.append(
                    Edge(
                        x1 + radius,
                        y1,
                        x2 - radius,
                        y2,
                        (143, 163, 184),
                        1.2,
                        cls="edge",
                        data=(("layer", layer + 1),),
                        tip=f"{w}[{i + 1}, {j + 1}]",
                    )
                )
        rows, cols = len(columns[layer]), len(targets)
        shapes.append(
            Label(
                left + layer * gap + gap / 2,
                top - 22,
                f"{w} ({rows}×{cols})",
                15,
                BLUE,
                cls="weights",
                tex=f"$W_{{{layer + 1}}}$ (${rows}\\times {cols}$)",
            )
        )
    for layer, column in enumerate(columns):
        for cx, cy, name, one in column:
            data = (("layer", layer),)
            if one:
                shapes.append(
                    Box(cx - radius, cy - radius, 2 * radius, 2 * radius, (255, 244, 230), MARK,
                        cls="node bias", data=data)
                )  # fmt: skip
            else:
                shapes.append(Dot(cx, cy, radius, (238, 243, 248), BLUE, cls="node", data=data))
            if name:
                shapes.append(Label(cx, cy, name, 14, tex=_name_tex(name)))
        if layer == 0:
            caption, tex = "input X", "input $X$"
        elif layer == n:
            caption, tex = "output F(X)", "output $F(X)$"
        else:
            caption, tex = f"layer {layer}", f"layer {layer}"
        if activations is not None and layer > 0:
            caption, tex = (
                f"{caption}: {activations[layer - 1]}",
                f"{tex}: {activations[layer - 1]}",
            )
        shapes.append(
            Label(left + layer * gap, height - 14, caption, 12, LINE, cls="layer", tex=tex)
        )
    return Drawing(2 * left + n * gap, height, title, tuple(shapes))


def _name_tex(name: str) -> str:
    """``x₂`` -> ``$x_{2}$``; other names as text."""
    digits = "".join(str("₀₁₂₃₄₅₆₇₈₉".index(c)) for c in name if c in "₀₁₂₃₄₅₆₇₈₉")
    base = "".join(c for c in name if c not in "₀₁₂₃₄₅₆₇₈₉")
    return f"${base}_{{{digits}}}$" if digits else f"${tex_escape(base)}$"


# --- writers -----------------------------------------------------------------------------


def _px(v: float) -> str:
    """A coordinate to the half pixel: ``12``, ``12.5``."""
    half = round(v * 2)
    return str(half // 2) if half % 2 == 0 else f"{half / 2}"


@cache
def _hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


@cache
def _attrs(cls: str, data: tuple[tuple[str, object], ...]) -> str:
    """``class`` and ``data-*`` attributes (the picture's own names and numbers; cached, as
    a grid repeats them)."""
    out = f' class="{escape(cls)}"' if cls else ""
    return out + "".join(f' data-{k}="{escape(str(v))}"' for k, v in data)


def _tip(tip: str) -> str:
    return f"<title>{escape(tip)}</title>" if tip else ""


def svg(drawing: Drawing) -> str:
    """The drawing as one inline ``<svg>`` element.

    What most shapes share is said once, on the root: text centred on its point at 14 px,
    lines 1 px wide; a shape says only where it differs.
    """
    body: list[str] = []
    for s in drawing.shapes:
        if isinstance(s, Box):
            fill = _hex(s.fill) if s.fill is not None else "none"
            body.append(
                f'<rect{_attrs(s.cls, s.data)} x="{_px(s.x)}" y="{_px(s.y)}" '
                f'width="{_px(s.w)}" height="{_px(s.h)}" fill="{fill}" stroke="{_hex(s.stroke)}"'
                + (f' stroke-width="{s.width:g}"' if s.width != 1 else "")
                + (' stroke-dasharray="3 3"' if s.dashed else "")
                + (f">{_tip(s.tip)}</rect>" if s.tip else "/>")
            )
        elif isinstance(s, Dot):
            body.append(
                f'<circle{_attrs(s.cls, s.data)} cx="{_px(s.x)}" cy="{_px(s.y)}" r="{_px(s.r)}" '
                f'fill="{_hex(s.fill)}" stroke="{_hex(s.stroke)}"/>'
            )
        elif isinstance(s, Edge):
            body.append(
                f'<line{_attrs(s.cls, s.data)} x1="{_px(s.x1)}" y1="{_px(s.y1)}" '
                f'x2="{_px(s.x2)}" y2="{_px(s.y2)}" stroke="{_hex(s.stroke)}"'
                + (f' stroke-width="{s.width:g}"' if s.width != 1 else "")
                + (f">{_tip(s.tip)}</line>" if s.tip else "/>")
            )
        else:
            body.append(
                f'<text{_attrs(s.cls, ())} x="{_px(s.x)}" y="{_px(s.y)}"'
                + (f' text-anchor="{s.anchor}"' if s.anchor != "middle" else "")
                + (f' font-size="{s.size:g}"' if s.size != 14 else "")
                + f' fill="{_hex(s.ink)}">{escape(s.text)}</text>'
            )
    t = escape(drawing.title)
    w, h = _px(drawing.width), _px(drawing.height)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{t}" width="{w}" '
        f'height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}" font-size="14" '
        f'text-anchor="middle" dominant-baseline="central"><title>{t}</title>'
        + "".join(body)
        + "</svg>"
    )


def tikz(drawing: Drawing) -> str:
    """The drawing as a ``tikzpicture`` (needs ``\\usepackage{tikz}``), at most
    :data:`TIKZ_WIDTH` wide.

    Colours are defined once at the top of the picture (``c0``, ``c1``, …), lines are 1 px
    wide unless said otherwise.
    """
    unit = min(TIKZ_UNIT, TIKZ_WIDTH / drawing.width)
    colours: dict[RGB, str] = {}

    def pt(px: float) -> str:  # a length in points
        return f"{px * unit * 28.4528:.2f}pt"

    def c(rgb: RGB) -> str:
        return colours.setdefault(rgb, f"c{len(colours)}")

    def xy(x: float, y: float) -> str:
        return f"({_px(x)},{_px(y)})"

    def width(px: float) -> str:
        return f",line width={pt(px)}" if px != 1 else ""

    body: list[str] = []
    for s in drawing.shapes:
        if isinstance(s, Box):
            style = f"draw={c(s.stroke)}{width(s.width)}"
            style += f",fill={c(s.fill)}" if s.fill is not None else ""
            style += ",dashed" if s.dashed else ""
            body.append(f"\\draw[{style}] {xy(s.x, s.y)} rectangle {xy(s.x + s.w, s.y + s.h)};")
        elif isinstance(s, Dot):
            body.append(
                f"\\draw[draw={c(s.stroke)},fill={c(s.fill)}] {xy(s.x, s.y)} "
                f"circle[radius={_px(s.r)}];"
            )
        elif isinstance(s, Edge):
            body.append(
                f"\\draw[draw={c(s.stroke)}{width(s.width)}] {xy(s.x1, s.y1)} -- {xy(s.x2, s.y2)};"
            )
        else:  # pgf's text box, not a TikZ node: a grid has one per cell, and nodes are slow
            anchor = {"middle": "", "start": "left,", "end": "right,"}[s.anchor]
            text = s.tex if s.tex is not None else tex_escape(s.text)
            font = f"\\fontsize{{{pt(s.size)}}}{{{pt(s.size)}}}\\selectfont"
            body.append(
                f"\\pgftext[{anchor}at=\\pgfpointxy{{{_px(s.x)}}}{{{_px(s.y)}}}]"
                f"{{{font}\\color{{{c(s.ink)}}}{text}}}"
            )
    head = f"\\begin{{tikzpicture}}[x={unit:.5f}cm,y=-{unit:.5f}cm,line width={pt(1)}]"
    defined = [
        f"\\definecolor{{{name}}}{{RGB}}{{{r},{g},{b}}}" for (r, g, b), name in colours.items()
    ]
    return "\n".join([head, *defined, *body, "\\end{tikzpicture}"])


# --- the pictures of the convolution and MLP topics ---------------------------------------


def conv_statement(p: Mapping[str, Any]) -> list[Picture]:
    """The image (its padding dashed, the window of the first output outlined) and the
    kernel of a ``conv_feature_map`` problem."""
    kernel, pad, stride = p["kernel"], p["padding"], p["stride"]
    kh, kw = len(kernel), len(kernel[0])
    ring = f"{pad} ring{'s' if pad > 1 else ''} of zero padding (dashed)" if pad else ""
    where = f", with {ring}" if ring else ""
    image = grid(
        p["image"],
        title=f"Image I{where}; the {kh}×{kw} window of the first output is outlined",
        window=(0, 0, kh, kw),
        padding=pad,
    )
    caption = (
        f"image I{where}; the window of the first output is outlined, "
        f"and it moves {stride} cell{'s' if stride > 1 else ''} at a time (stride {stride})"
    )
    return [
        Picture(image, caption),
        Picture(grid(kernel, title=f"Kernel K ({kh}×{kw})"), f"kernel K ({kh}×{kw})"),
    ]


def conv_solution(p: Mapping[str, Any]) -> list[Picture]:
    """The feature map of a ``conv_feature_map`` problem, its first output outlined."""
    from reference import conv2d

    fmap = conv2d(p["image"], p["kernel"], p["stride"], p["padding"]).tolist()
    first = format_number(fmap[0][0], 3)
    title = f"Feature map ({len(fmap)}×{len(fmap[0])}); the first output, {first}, is outlined"
    return [
        Picture(
            grid(fmap, title=title, window=(0, 0, 1, 1)),
            f"feature map; the first output, {first}, comes from the outlined window of the image",
        )
    ]


def network_statement(p: Mapping[str, Any]) -> list[Picture]:
    """The network of an ``mlp_forward`` or ``mlp_backprop`` problem (none where a column
    has more than :data:`MAX_NODES` nodes)."""
    from exercises.mlp import layer_names

    X, weights, augment = p["X"], p["weights"], p["augment"]
    d = len(X[0])
    bias = list(augment)
    names = [f"x{subscript(k + 1)}" for k in range(d)]
    if not augment[0] and d > 1 and all(float(row[0]) == 1.0 for row in X):
        d -= 1  # X holds its own column of ones: the "1" of the first column
        names = names[:d]
        bias[0] = True
    sizes = [d] + [len(w[0]) for w in weights]
    if any(s + b > MAX_NODES for s, b in zip(sizes, [*bias, False], strict=True)):
        return []
    shapes = ", ".join(f"W{subscript(i + 1)} {len(w)}×{len(w[0])}" for i, w in enumerate(weights))
    title = (
        f"Network with {d} input{'s' if d != 1 else ''} and layers of "
        + ", ".join(str(s) for s in sizes[1:])
        + f" neurons; weights {shapes}; a square node is a column of ones"
    )
    drawing = network(
        sizes,
        bias=bias,
        title=title,
        input_names=names,
        activations=layer_names(p["activation"], len(weights)),
    )
    caption = (
        "the network for one sample (a row of X): the edges into each layer carry the weight "
        "matrix named above them; a square node 1 is the column of ones, and its edges carry "
        "the first row of that matrix (the biases)"
    )
    return [Picture(drawing, caption)]
