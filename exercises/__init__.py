"""The exercise catalogue: randomized, reproducible problems with answers and known mistakes.

Importing this package is cheap: ``CATALOGUE`` and ``get_exercise`` load the exercises on
first use (code that only needs, say, the misconception texts does not pay for them), and
sympy is imported only by the code that derives worked solutions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exercises.catalogue import CATALOGUE, get_exercise

__all__ = ["CATALOGUE", "get_exercise"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from exercises import catalogue

        return getattr(catalogue, name)
    raise AttributeError(f"module 'exercises' has no attribute {name!r}")
