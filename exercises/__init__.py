"""The exercise catalogue: randomized, reproducible problems with answers and known mistakes.

Importing this package is cheap (NumPy only): sympy is imported only by the code that derives
worked solutions.
"""

from exercises.catalogue import CATALOGUE, get_exercise

__all__ = ["CATALOGUE", "get_exercise"]
