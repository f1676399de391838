"""The topics of the course, each declared in one module of this package.

A topic module defines ``TOPIC = Topic(...)``: the functions of the student code API it
tests with the builders of their cases, the misconceptions it names, and a ``quiz`` function
that returns its exercises with the builders of their worked solutions and of their pictures,
where they have some (:class:`Quiz`). The
quiz side loads on first use, so that checking code never imports the exercises. Its stub text is
``templates/stub/functions/<function>.py.j2`` and ``templates/stub/maths/<function>.md.j2``;
its reference maths lives in :mod:`reference`. Nothing else lists a topic's parts: the
catalogue, the code API, the worked solutions, the pictures and the misconception texts are
read from here.

Topics are found by listing this package and are ordered by ``Topic.order`` (the order a
course teaches them); within a topic, exercises and functions keep the order declared.
Importing this package is cheap; the topic modules load on first use.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from exercises.misconceptions import GENERAL, Misconception, ids

if TYPE_CHECKING:
    import numpy as np

    from exercises.base import Exercise, Problem
    from exercises.solutions import Solution
    from grader.codecheck.cases import Case
    from grader.pictures import Pictures

SolutionBuilder = Callable[["Problem", "int | None"], "Solution"]

__all__ = [
    "CodeFunction",
    "Quiz",
    "Topic",
    "catalogue",
    "code_function",
    "code_functions",
    "describe",
    "get_exercise",
    "misconceptions",
    "pictures_of",
    "quizzes",
    "topics",
    "worked_solution",
]


@dataclass(frozen=True)
class CodeFunction:
    """A function of the student code API (its name is fixed once published).

    ``cases(rng)`` returns its test cases: fixed edge cases, then cases drawn from ``rng``.
    ``returns`` names the values it returns where there are several (for messages);
    ``forward`` is the function whose finite differences it is the derivative of, where it
    is one (a wrong gradient is then compared with the student's own forward function).
    ``overflow_hint`` is what a student reads when it returns inf or nan or overflows.
    """

    name: str
    cases: Callable[[np.random.Generator], list[Case]]
    returns: tuple[str, ...] = ()
    forward: str | None = None
    overflow_hint: str = ""


@dataclass(frozen=True)
class Quiz:
    """A topic's exercises, and the builder of each one's worked solution by exercise id (and
    of its pictures, where it has some)."""

    exercises: tuple[Exercise, ...] = ()
    solutions: Mapping[str, SolutionBuilder] = field(default_factory=dict)
    pictures: Mapping[str, Pictures] = field(default_factory=dict)


@dataclass(frozen=True)
class Topic:
    """One concept of the course and everything the grader knows of it.

    ``quiz()`` returns its :class:`Quiz`; it imports the exercise modules in its body, so
    that code needing only the code API does not load them.
    """

    id: str
    order: int
    functions: tuple[CodeFunction, ...] = ()
    misconceptions: tuple[Misconception, ...] = ()
    quiz: Callable[[], Quiz] = Quiz


@cache
def topics() -> tuple[Topic, ...]:
    """Every topic, in course order, checked for clashes and gaps."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        topic = getattr(module, "TOPIC", None)
        if not isinstance(topic, Topic):
            raise TypeError(f"{module.__name__} defines no TOPIC")
        found.append(topic)
    found.sort(key=lambda t: (t.order, t.id))
    claims = _Claims()
    for t in found:
        claims.claim("topic", t.id, t.id)
        for f in t.functions:
            claims.claim("function", f.name, t.id)
        for m in t.misconceptions:
            claims.claim("misconception", m.id, t.id)
    for m in GENERAL:
        claims.claim("misconception", m.id, "general")
    return tuple(found)


class _Claims:
    """Who declared what: an id declared by two topics is an error."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def claim(self, kind: str, name: str, topic: str) -> None:
        key = f"{kind} {name!r}"
        if key in self.seen:
            raise ValueError(f"{key} is declared by topics {self.seen[key]!r} and {topic!r}")
        self.seen[key] = topic


@cache
def quizzes() -> tuple[tuple[Topic, Quiz], ...]:
    """Every topic with its quiz, checked: each exercise once, each with a worked solution."""
    out = tuple((t, t.quiz()) for t in topics())
    claims = _Claims()
    for t, q in out:
        for e in q.exercises:
            claims.claim("exercise", e.id, t.id)
            if e.id not in q.solutions:
                raise ValueError(f"topic {t.id!r}: exercise {e.id!r} has no worked solution")
        _check_pictures(t, q)
    return out


def _check_pictures(t: Topic, q: Quiz) -> None:
    """A quiz pictures only its own exercises."""
    stray = sorted(set(q.pictures) - {e.id for e in q.exercises})
    if stray:
        raise ValueError(f"topic {t.id!r}: pictures of {stray[0]!r}, not one of its exercises")


@cache
def catalogue() -> dict[str, Exercise]:
    """Exercise ids mapped to exercises, in the order a course teaches them."""
    return {e.id: e for _, q in quizzes() for e in q.exercises}


def get_exercise(exercise_id: str) -> Exercise:
    """The exercise called ``exercise_id``, or a KeyError listing the known ids."""
    known = catalogue()
    try:
        return known[exercise_id]
    except KeyError:
        raise KeyError(
            f"unknown exercise {exercise_id!r}; known: {', '.join(known) or 'none yet'}"
        ) from None


@cache
def _functions() -> dict[str, CodeFunction]:
    return {f.name: f for t in topics() for f in t.functions}


def code_functions() -> tuple[str, ...]:
    """The names of the student code API, in the order of the starter file."""
    return tuple(_functions())


def code_function(name: str) -> CodeFunction:
    """The code function called ``name`` (a KeyError where there is none)."""
    return _functions()[name]


@cache
def misconceptions() -> dict[str, Misconception]:
    """Every misconception id the grader names, mapped to its misconception."""
    return {m.id: m for t in topics() for m in t.misconceptions} | {m.id: m for m in GENERAL}


def describe(misconception: str) -> str:
    """What a student reads for a known mistake: its sentence, or each of several made
    together (``"a+b"``)."""
    known = misconceptions()
    return " ".join(known[m].text if m in known else m for m in ids(misconception))


@cache
def _solutions() -> dict[str, SolutionBuilder]:
    return {k: b for _, q in quizzes() for k, b in q.solutions.items()}


def worked_solution(problem: Problem, rounding: int | None = None) -> Solution:
    """The worked solution of ``problem`` (``rounding``: hand-rounded intermediates)."""
    return _solutions()[problem.exercise](problem, rounding)


@cache
def _pictures() -> dict[str, Pictures]:
    return {k: p for _, q in quizzes() for k, p in q.pictures.items()}


def pictures_of(exercise: str) -> Pictures | None:
    """What problems of ``exercise`` show as pictures, or None where they show none."""
    return _pictures().get(exercise)


def __getattr__(name: str) -> Any:
    # the registry's contents under the names of constants, for code that reads them so
    if name == "CATALOGUE":
        return catalogue()
    if name == "CODE_FUNCTIONS":
        return code_functions()
    if name == "MISCONCEPTIONS":  # id -> the sentence a student reads
        return {k: m.text for k, m in misconceptions().items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
