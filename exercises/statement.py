"""A problem statement in parts a renderer can typeset, and numbers as a person writes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Given:
    """One quantity shown in a problem statement: a symbol name and its value.

    ``name`` is a key of the rendering notation table (e.g. ``"W1"``, ``"beta"``); ``value`` is
    a number, a matrix (list of lists) or a short text.
    """

    name: str
    value: Any
    note: str = ""


@dataclass(frozen=True)
class Statement:
    """A problem statement in parts a renderer can typeset: prose, the givens, the question."""

    intro: str
    givens: tuple[Given, ...]
    ask: str

    def as_text(self) -> str:
        lines = [self.intro]
        for g in self.givens:
            lines.append(
                f"  {g.name} = {format_value(g.value)}" + (f"  ({g.note})" if g.note else "")
            )
        if self.ask:
            lines.append(self.ask)
        return "\n".join(lines)


def format_number(value: float, places: int = 6) -> str:
    """A number as a person writes it: no trailing zeros, at most ``places`` decimals."""
    v = float(value)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    text = f"{v:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_value(value: Any) -> str:
    """Plain-text form of a parameter: numbers, ``[a b; c d]`` matrices, lists, text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, np.floating, np.integer)):
        return format_number(float(value))
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(r, (list, tuple)) for r in value):
            return "[" + "; ".join(" ".join(format_value(v) for v in r) for r in value) + "]"
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)
