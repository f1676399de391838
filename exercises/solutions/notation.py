"""Mathematics in the course's notation, printed as plain text, LaTeX or presentation MathML.

A formula is a small tree of display nodes whose leaves are named variables. It is printed once
per format into a template (cached), and each variant fills the template with the variables'
symbols (the symbolic step) or with numbers (the substituted step): no per-variant symbolic
work. Negative numbers are bracketed where they are substituted, as a person writes them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np

FORMATS = ("text", "tex", "mathml")
_TOKEN = re.compile("\x01([A-Za-z0-9_]+)\x02")
JUXT = "\x03"  # between juxtaposed factors: nothing for symbols, a dot for numbers
_JUXT_SYMBOLIC = {"text": "", "tex": " ", "mathml": "<mo>&#x2062;</mo>"}
_JUXT_NUMBERS = {"text": "·", "tex": r" \cdot ", "mathml": "<mo>·</mo>"}


# --- printing numbers and matrices ---------------------------------------------------------


@lru_cache(maxsize=8192)
def number_text(value: float, places: int = 6) -> str:
    """``value`` with at most ``places`` decimals, trailing zeros dropped, a true minus sign."""
    v = float(value)
    if v == int(v) and abs(v) < 1e15:
        text = str(int(v))
    else:
        text = f"{v:.{places}f}".rstrip("0").rstrip(".")
        if text in ("-0", ""):
            text = "0"
    return text.replace("-", "−")


def number(value: float, fmt: str, places: int = 6, bracket: bool = False) -> str:
    """A number in ``fmt``; ``bracket`` puts a negative number in parentheses."""
    return _number(float(value), fmt, places, bracket)


@lru_cache(maxsize=16384)
def _number(value: float, fmt: str, places: int, bracket: bool) -> str:
    """:func:`number` for a float (cached: variants reuse the same few numbers)."""
    text = number_text(value, places)
    negative = text.startswith("−")
    if fmt == "tex":
        body = text.replace("−", "-")
        return f"\\left({body}\\right)" if bracket and negative else body
    if fmt == "mathml":
        body = f"<mn>{text}</mn>"
        return f"<mrow><mo>(</mo>{body}<mo>)</mo></mrow>" if bracket and negative else body
    return f"({text})" if bracket and negative else text


# Brackets drawn with CSS borders: they stretch to any height without a maths font or script.
_TICK = "linear-gradient(currentColor,currentColor)"
_MATRIX_TABLE = (
    '<mtable style="border-left:1.5px solid;border-right:1.5px solid;padding:0 0.1em;'
    f"background-image:{_TICK},{_TICK},{_TICK},{_TICK};background-repeat:no-repeat;"
    "background-size:0.35em 1.5px;"
    'background-position:left top,left bottom,right top,right bottom">'
)
_MATRIX_CELL = '<mtd style="padding:0.15em 0.45em;text-align:right">'


def _matrix_rows(value: Any) -> list[list[Any]]:
    """The rows of a matrix, or of a vector shown as one row, as lists of numbers."""
    if isinstance(value, np.ndarray) and value.ndim in (1, 2):
        value = value.tolist()
    if isinstance(value, list) and value:
        first = value[0]
        if isinstance(first, list) and all(isinstance(r, list) for r in value):
            return value
        if isinstance(first, (float, int)) and all(isinstance(v, (float, int)) for v in value):
            return [value]
    return np.atleast_2d(np.asarray(value, dtype=np.float64)).tolist()


def matrix(value: Any, fmt: str, places: int = 6) -> str:
    """A matrix (or vector, shown as a row) with brackets."""
    rows = [[_number(float(v), fmt, places, False) for v in row] for row in _matrix_rows(value)]
    if fmt == "tex":
        body = r" \\ ".join(" & ".join(r) for r in rows)
        return f"\\begin{{bmatrix}} {body} \\end{{bmatrix}}"
    if fmt == "mathml":
        body = "".join(
            "<mtr>" + "".join(_MATRIX_CELL + f"{c}</mtd>" for c in r) + "</mtr>" for r in rows
        )
        return f"<mrow>{_MATRIX_TABLE}{body}</mtable></mrow>"
    return "[" + "; ".join(" ".join(r) for r in rows) + "]"


def value(v: Any, fmt: str, places: int = 6, bracket: bool = False) -> str:
    """A scalar or a matrix in ``fmt``."""
    kind = type(v)
    if kind is float or kind is int:
        return _number(float(v), fmt, places, bracket)
    if kind is list or (kind is np.ndarray and v.ndim):
        return matrix(v, fmt, places)
    if isinstance(v, str):
        return text(v, fmt)
    if np.ndim(v) == 0:
        return number(float(v), fmt, places, bracket)
    return matrix(v, fmt, places)


def text(s: str, fmt: str) -> str:
    """Words inside mathematics."""
    if fmt == "tex":
        return "\\text{" + tex_escape(s) + "}"
    if fmt == "mathml":
        return f"<mtext>{html.escape(s)}</mtext>"
    return s


_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_TEX_UNICODE = {
    "σ": r"$\sigma$",
    "β": r"$\beta$",
    "α": r"$\alpha$",
    "η": r"$\eta$",
    "∂": r"$\partial$",
    "ŷ": r"$\hat{y}$",
    "·": r"$\cdot$",
    "−": "-",
    "×": r"$\times$",
    "½": r"$\frac{1}{2}$",
    "²": r"$^2$",
    "≤": r"$\leq$",
    "≥": r"$\geq$",
    "⌊": r"$\lfloor$",
    "⌋": r"$\rfloor$",
    "∇": r"$\nabla$",
    "←": r"$\leftarrow$",
    "Σ": r"$\Sigma$",
    "⊙": r"$\odot$",
    "°": r"$^\circ$",
    "∞": r"$\infty$",
    "±": r"$\pm$",
    "≈": r"$\approx$",
    "δ": r"$\delta$",
    "π": r"$\pi$",
    "∑": r"$\sum$",
    "′": "'",
    "§": r"\S{}",
    "–": "--",
    "—": "---",
    **{chr(0x2080 + d): f"$_{d}$" for d in range(10)},  # subscript digits
    "ₘ": r"$_m$",
    "ₙ": r"$_n$",
    "ᵀ": r"$^T$",
    "’": "'",
    "…": r"\ldots{}",
}


_TEX_TABLE = {ord(k): v for k, v in {**_TEX_SPECIAL, **_TEX_UNICODE}.items()}


@lru_cache(maxsize=4096)
def tex_escape(s: str) -> str:
    """Plain text made safe for LaTeX text mode (unicode maths mapped to commands; cached:
    labels, forms and prompts recur in every set)."""
    out = s.translate(_TEX_TABLE)
    if not out.isascii():  # a character pdflatex may not know: leave a visible mark
        out = "".join(c if c.isascii() else "?" for c in out)
    return out


# --- display nodes -----------------------------------------------------------------------


class Node:
    """A piece of displayed mathematics.

    Nodes compare and hash by identity (cheap): formulas are built once, by cached factories,
    and their printed templates are cached per node.
    """

    def show(self, fmt: str) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def __add__(self, other: Node) -> Node:
        return Op("+", self, other)

    def __sub__(self, other: Node) -> Node:
        return Op("−", self, other)

    def __mul__(self, other: Node) -> Node:
        return Op("·", self, other)


@dataclass(frozen=True, eq=False)
class Var(Node):
    """A variable: printed as a token the template fills with a symbol or a value."""

    name: str

    def show(self, fmt: str) -> str:
        return f"\x01{self.name}\x02"


@cache
def var(name: str) -> Var:
    """One shared node per variable name (a shared node shares its cached printing)."""
    return Var(name)


@dataclass(frozen=True, eq=False)
class Sym(Node):
    """A fixed symbol such as 1, ½ or σ, given in each format."""

    text: str
    tex: str
    mathml: str

    def show(self, fmt: str) -> str:
        return {"text": self.text, "tex": self.tex, "mathml": self.mathml}[fmt]


def const(n: int | str) -> Sym:
    return Sym(str(n), str(n), f"<mn>{n}</mn>")


HALF = Sym("½", r"\frac{1}{2}", "<mfrac><mn>1</mn><mn>2</mn></mfrac>")


@dataclass(frozen=True, eq=False)
class Op(Node):
    """``left op right`` with the operator printed between (``+``, ``−``, ``·``, ``=``)."""

    op: str
    left: Node
    right: Node

    def show(self, fmt: str) -> str:
        a, b = self.left.show(fmt), self.right.show(fmt)
        if fmt == "tex":
            op = {"·": r" \cdot ", "−": " - ", "+": " + ", "⊙": r" \odot "}.get(self.op, self.op)
            return f"{a}{op}{b}"
        if fmt == "mathml":
            return f"<mrow>{a}<mo>{self.op}</mo>{b}</mrow>"
        sep = {"·": "·", ",": ", "}.get(self.op, f" {self.op} ")
        return f"{a}{sep}{b}"


@dataclass(frozen=True, eq=False)
class Juxt(Node):
    """Factors written side by side (``β σ(a)``, ``X W₁``); numbers get a ``·`` between."""

    parts: tuple[Node, ...]

    def show(self, fmt: str) -> str:
        return JUXT.join(p.show(fmt) for p in self.parts)


@dataclass(frozen=True, eq=False)
class Neg(Node):
    body: Node

    def show(self, fmt: str) -> str:
        b = self.body.show(fmt)
        if fmt == "mathml":
            return f"<mrow><mo>−</mo>{b}</mrow>"
        return ("-" if fmt == "tex" else "−") + b


@dataclass(frozen=True, eq=False)
class Paren(Node):
    body: Node
    square: bool = False

    def show(self, fmt: str) -> str:
        b = self.body.show(fmt)
        lo, hi = ("[", "]") if self.square else ("(", ")")
        if fmt == "tex":
            return f"\\left{lo}{b}\\right{hi}"
        if fmt == "mathml":
            return f"<mrow><mo>{lo}</mo>{b}<mo>{hi}</mo></mrow>"
        return f"{lo}{b}{hi}"


def _wrap(s: str) -> str:
    """Brackets for a compound numerator or denominator in plain text."""
    plain = s.replace("\x01", "").replace("\x02", "")
    if any(op in plain for op in (" ", "+", "·", "/")) and not (
        s.startswith("(") and s.endswith(")")
    ):
        return f"({s})"
    return s


@dataclass(frozen=True, eq=False)
class Frac(Node):
    num: Node
    den: Node

    def show(self, fmt: str) -> str:
        n, d = self.num.show(fmt), self.den.show(fmt)
        if fmt == "tex":
            return f"\\frac{{{n}}}{{{d}}}"
        if fmt == "mathml":
            return f"<mfrac><mrow>{n}</mrow><mrow>{d}</mrow></mfrac>"
        return f"{_wrap(n)}/{_wrap(d)}"


@dataclass(frozen=True, eq=False)
class Pow(Node):
    base: Node
    exp: Node

    def show(self, fmt: str) -> str:
        b, e = self.base.show(fmt), self.exp.show(fmt)
        if fmt == "tex":
            return f"{{{b}}}^{{{e}}}"
        if fmt == "mathml":
            return f"<msup><mrow>{b}</mrow><mrow>{e}</mrow></msup>"
        if e == "2":
            return f"{b}²"
        return f"{b}^({e})" if len(e) > 1 else f"{b}^{e}"


@dataclass(frozen=True, eq=False)
class Call(Node):
    """``f(arg)``: the function's name in each format, then the bracketed argument."""

    fn: Sym
    arg: Node

    def show(self, fmt: str) -> str:
        joint = "<mo>&#x2061;</mo>" if fmt == "mathml" else ""
        return self.fn.show(fmt) + joint + Paren(self.arg).show(fmt)


@dataclass(frozen=True, eq=False)
class Floor(Node):
    body: Node

    def show(self, fmt: str) -> str:
        b = self.body.show(fmt)
        if fmt == "tex":
            return f"\\left\\lfloor {b} \\right\\rfloor"
        if fmt == "mathml":
            return f"<mrow><mo>⌊</mo>{b}<mo>⌋</mo></mrow>"
        return f"⌊{b}⌋"


def product(*factors: Node) -> Node:
    """``a · b · c``."""
    node = factors[0]
    for f in factors[1:]:
        node = Op("·", node, f)
    return node


SIGMA = Sym("σ", r"\sigma", "<mi>σ</mi>")
PRIME_SIGMA = Sym("σ'", r"\sigma'", "<msup><mi>σ</mi><mo>′</mo></msup>")
E = Sym("e", "e", "<mi>e</mi>")
MAX = Sym("max", r"\max", "<mi>max</mi>")
ONE_COMMA = Sym("1, ", "1,\\ ", "<mn>1</mn><mo>,</mo>")  # a layer's leading one: [1, X]


def exp(arg: Node) -> Node:
    return Pow(E, arg)


def sigmoid_formula(arg: Node, beta: Node | None) -> Node:
    """``1/(1 + e^(−β·arg))`` (``β`` omitted when None)."""
    factor = arg if isinstance(arg, Var) else Paren(arg)
    inner = Neg(Juxt((beta, factor)) if beta is not None else arg)
    return Frac(const(1), Op("+", const(1), exp(inner)))


def relu_formula(arg: Node) -> Node:
    """``max(0, arg)``."""
    return Call(MAX, Op(",", const(0), arg))


# --- symbols of the course ---------------------------------------------------------------


def _mi(s: str) -> str:
    return f"<mi>{s}</mi>"


def _sub(base: str, sub: str) -> tuple[str, str, str]:
    subs = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    return (
        f"{base}{sub.translate(subs)}" if sub.isdigit() else f"{base}_{sub}",
        f"{base}_{{{sub}}}" if sub.isdigit() else f"{base}_{{\\text{{{sub}}}}}",
        f"<msub><mi>{base}</mi><mn>{sub}</mn></msub>"
        if sub.isdigit()
        else f"<msub><mi>{base}</mi><mtext>{sub}</mtext></msub>",
    )


def _partial(
    top: str, bottom: str, top_tex: str, bottom_tex: str, top_ml: str, bottom_ml: str
) -> tuple[str, str, str]:
    return (
        f"∂{top}/∂{bottom}",
        f"\\frac{{\\partial {top_tex}}}{{\\partial {bottom_tex}}}",
        f"<mfrac><mrow><mo>∂</mo>{top_ml}</mrow><mrow><mo>∂</mo>{bottom_ml}</mrow></mfrac>",
    )


_YHAT = ("ŷ", r"\hat{y}", '<mover accent="true"><mi>y</mi><mo>^</mo></mover>')

SYMBOLS: dict[str, tuple[str, str, str]] = {
    "beta": ("β", r"\beta", "<mi>β</mi>"),
    "lr": ("α", r"\alpha", "<mi>α</mi>"),
    "y_hat": _YHAT,
    "s": ("s", "s", _mi("s")),
    "loss": ("L", "L", _mi("L")),
    "dL_dyhat": _partial("L", "ŷ", "L", r"\hat{y}", _mi("L"), _YHAT[2]),
    "dyhat_dz": _partial("ŷ", "z", r"\hat{y}", "z", _YHAT[2], _mi("z")),
    "dz_dw": _partial("z", "w", "z", "w", _mi("z"), _mi("w")),
    "dz_db": _partial("z", "b", "z", "b", _mi("z"), _mi("b")),
    "dL_dw": _partial("L", "w", "L", "w", _mi("L"), _mi("w")),
    "dL_db": _partial("L", "b", "L", "b", _mi("L"), _mi("b")),
    "w_new": _sub("w", "new"),
    "b_new": _sub("b", "new"),
    "c_in": _sub("c", "in"),
    "c_out": _sub("c", "out"),
    "dsigma": (
        "σ'(a)",
        r"\sigma'(a)",
        "<mrow><msup><mi>σ</mi><mo>′</mo></msup><mo>(</mo><mi>a</mi><mo>)</mo></mrow>",
    ),
    "feature_map": ("Y", "Y", _mi("Y")),
    "size": ("n_out", r"n_{\text{out}}", "<msub><mi>n</mi><mtext>out</mtext></msub>"),
    "params": ("P", "P", _mi("P")),
    "padding": ("p", "p", _mi("p")),
    "Ip": ("I_p", "I_{p}", "<msub><mi>I</mi><mi>p</mi></msub>"),
    "stride": ("s", "s", _mi("s")),
    "height": ("H", "H", _mi("H")),
    "width": ("W", "W", _mi("W")),
    "channels": ("C", "C", _mi("C")),
    "neurons": ("N", "N", _mi("N")),
    "kernel": ("k", "k", _mi("k")),
    "filters": ("F", "F", _mi("F")),
    "answer": ("answer", r"\text{answer}", "<mtext>answer</mtext>"),
    "dense": _sub("P", "dense"),
    "conv": _sub("P", "conv"),
    "output": ("F(X)", "F(X)", "<mrow><mi>F</mi><mo>(</mo><mi>X</mi><mo>)</mo></mrow>"),
    "predicted_class": ("class", r"\text{class}", "<mtext>class</mtext>"),
}


@lru_cache(maxsize=2048)
def symbol(name: str, fmt: str) -> str:
    """The course's symbol for a variable or part id (``W1`` -> W₁, ``dL_dW2`` -> ∂L/∂W₂)."""
    i = FORMATS.index(fmt)
    if name in SYMBOLS:
        return SYMBOLS[name][i]
    m = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
    if m and m.group(1) == "delta":
        return (
            "δ" + _sub("d", m.group(2))[0][1:],
            f"\\delta_{{{m.group(2)}}}",
            f"<msub><mi>δ</mi><mn>{m.group(2)}</mn></msub>",
        )[i]
    if m:
        return _sub(*m.groups())[i]
    m = re.fullmatch(r"dL_d([A-Z])(\d+)", name)
    if m:
        below = _sub(*m.groups())
        return _partial("L", below[0], "L", below[1], _mi("L"), below[2])[i]
    if fmt == "mathml":
        return (
            _mi(html.escape(name))
            if len(name) == 1
            else f"<mi mathvariant='italic'>{html.escape(name)}</mi>"
        )
    if fmt == "tex" and len(name) > 1:
        return "\\mathit{" + name.replace("_", "\\_") + "}"
    return name


# --- templates -------------------------------------------------------------------------


@lru_cache(maxsize=16384)
def template(node: Node, fmt: str, numbers: bool = False) -> str:
    """``node`` printed in ``fmt`` with a token where each variable goes (cached)."""
    joint = (_JUXT_NUMBERS if numbers else _JUXT_SYMBOLIC)[fmt]
    return node.show(fmt).replace(JUXT, joint)


@lru_cache(maxsize=16384)
def symbolic(node: Node, fmt: str) -> str:
    """``node`` with every variable shown as its symbol (cached)."""
    return _TOKEN.sub(lambda m: symbol(m.group(1), fmt), template(node, fmt))


@lru_cache(maxsize=16384)
def pieces(node: Node, fmt: str) -> tuple[str, ...]:
    """The numbers' template of ``node`` split at its tokens: text, name, text, … (cached)."""
    return tuple(_TOKEN.split(template(node, fmt, True)))


def substituted(node: Node, fmt: str, numbers: Mapping[str, Any], places: int = 6) -> str:
    """``node`` with every variable replaced by its number (negatives bracketed)."""
    parts = list(pieces(node, fmt))
    for i in range(1, len(parts), 2):  # odd places hold the variables' names
        parts[i] = value(numbers[parts[i]], fmt, places, bracket=True)
    return "".join(parts)


def variables(node: Node) -> list[str]:
    return _TOKEN.findall(template(node, "text"))


def aligned_rows(lhs: str, terms: Sequence[str]) -> str:
    """MathML table rows ``lhs = t₁`` then ``= t₂`` … for an aligned chain."""
    rows = [
        f"<mtr><mtd>{lhs if i == 0 else ''}</mtd><mtd><mrow><mo>=</mo>{t}</mrow></mtd></mtr>"
        for i, t in enumerate(terms)
    ]
    return "\n" + "\n".join(rows) + "\n"


def join_chain(items: Sequence[str], fmt: str) -> str:
    """``a = b = c`` in ``fmt``."""
    if fmt == "mathml":
        return "<mo>=</mo>".join(items)
    return " = ".join(items)
