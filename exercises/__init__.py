"""The exercises: randomized, reproducible problems with answers and known mistakes.

Each exercise belongs to a topic of :mod:`grader.topics`, which lists them; sympy is
imported only by the code that derives worked solutions.
"""
