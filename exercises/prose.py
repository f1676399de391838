"""Sentences with mathematics in them, typeset as mathematics where the format can.

A :class:`Prose` is the plain text a sentence reads as (it *is* that ``str``, so text,
Markdown, HTML and the LMS files use it unchanged) and keeps its segments: words, and
:class:`Math` printed from the course's formula nodes (:mod:`exercises.solutions.notation`).
LaTeX gets the words escaped and each formula as ``$…$`` from the nodes, never from the plain
text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Union

from exercises.solutions import notation as n


@dataclass(frozen=True)
class Math:
    """One formula inside a sentence: its plain text and its LaTeX."""

    text: str
    tex: str


@dataclass(frozen=True)
class Code:
    """Something to type as it is written (an answer's syntax): set in typewriter type."""

    text: str


Segment = Union[str, Math, Code]  # noqa: UP007 (a runtime alias)


class Prose(str):
    """Words and formulas; the ``str`` value is the plain text."""

    segments: tuple[Segment, ...]

    def __new__(cls, *segments: Segment) -> Prose:
        obj = super().__new__(cls, "".join(s if isinstance(s, str) else s.text for s in segments))
        obj.segments = tuple(segments)
        return obj

    def __reduce__(self) -> tuple[Any, ...]:  # pickled for worker processes with its segments
        return (Prose, self.segments)

    def tex(self) -> str:
        return "".join(_tex_segment(s) for s in self.segments)

    def __add__(self, other: str) -> Prose:
        return Prose(*self.segments, *(other.segments if isinstance(other, Prose) else (other,)))

    def __radd__(self, other: str) -> Prose:
        return Prose(other, *self.segments)


def _tex_segment(s: Segment) -> str:
    if isinstance(s, Math):
        return f"${s.tex}$"
    if isinstance(s, Code):
        return "\\texttt{" + n.tex_escape(s.text) + "}"
    return n.tex_escape(s)


def _node(item: n.Node | str | float) -> n.Node:
    if isinstance(item, n.Node):
        return item
    if isinstance(item, str):
        return n.var(item)
    return n.Sym(n.number_text(item), n.number(item, "tex"), n.number(item, "mathml"))


def math(*items: n.Node | str | float) -> Math:
    """``a = b = …``: formula nodes, variable names (``"y_hat"``) or numbers."""
    nodes = [_node(i) for i in items]
    return Math(
        " = ".join(n.symbolic(x, "text") for x in nodes),
        " = ".join(n.symbolic(x, "tex") for x in nodes),
    )


def dims(*sizes: int) -> Math:
    """``32×32×3``."""
    return Math("×".join(str(s) for s in sizes), r" \times ".join(str(s) for s in sizes))


def listed(names: list[str]) -> tuple[Segment, ...]:
    """``a, b, c``: the symbols of variables or part ids, as formulas between commas."""
    out: list[Segment] = []
    for i, name in enumerate(names):
        out += [", "] if i else []
        out.append(math(name))
    return tuple(out)


def tex(text: str) -> str:
    """LaTeX for a sentence: a :class:`Prose` typeset, plain words escaped."""
    return text.tex() if isinstance(text, Prose) else n.tex_escape(text)


# --- the course's formulas, as nodes -------------------------------------------------------

V = n.var  # one shared node per name: formulas shared by every statement print once


@cache
def sigma(arg: str) -> n.Node:
    return n.Call(n.SIGMA, V(arg))


@cache
def sigmoid(arg: str, beta: bool) -> n.Node:
    return n.sigmoid_formula(V(arg), V("beta") if beta else None)


@cache
def relu(arg: str) -> n.Node:
    return n.relu_formula(V(arg))


def dot(*factors: n.Node | str) -> n.Node:
    return n.product(*(_node(f) for f in factors))


SPACED_DOT = n.Sym(" · ", r"\cdot", "<mo>·</mo>")


def chain(*factors: n.Node | str | float) -> n.Node:
    """``a · b · c`` with room around each dot: a product of long factors."""
    nodes: list[n.Node] = []
    for i, f in enumerate(factors):
        nodes += [SPACED_DOT] if i else []
        nodes.append(_node(f))
    return n.Juxt(tuple(nodes))


def plus(a: n.Node | str, b: n.Node | str) -> n.Node:
    return n.Op("+", _node(a), _node(b))


def minus(a: n.Node | str | float, b: n.Node | str) -> n.Node:
    return n.Op("−", _node(a), _node(b))


HALF_SQUARE = n.Juxt((n.HALF, n.Pow(n.Paren(minus("y", "y_hat")), n.const(2))))
