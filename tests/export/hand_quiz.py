"""A quiz built from problems written by hand: every kind of part, and hostile text.

Imported by the export tests through :func:`load` (the tests run in importlib mode).
"""

from __future__ import annotations

import html

from exercises.base import EXACT, Kind, Mistake, Part, Problem, Tolerance
from grader.lms.quiz import Quiz, quiz_question

NASTY = r'Braces {x} {1:NUMERICAL:=9:0} hash # tilde ~ equals = colon : slash / quote " back \ <b>&amp;</b> // $CATEGORY: x ####'


def _texts(problem: Problem) -> tuple[str, str]:
    return (
        f"<p>{html.escape(problem.statement, quote=False)}</p>",
        "<p>Worked: \\(\\frac{a}{b}\\) = " + html.escape(str(problem.params), quote=False) + "</p>",
    )


def numeric_problem(k: int) -> Problem:
    return Problem(
        exercise="hand",
        params={"k": k},
        statement=f"Variant {k}. {NASTY}",
        parts=(
            Part(
                "a",
                "a {weird} #label~",
                Kind.NUMBER,
                0.125 * k,
                Tolerance(decimals=3),
                (
                    Mistake("loss-missing-half", 0.25 * k),
                    Mistake("gd-wrong-sign", 0.125 * k + 1e-5),
                ),
            ),
            Part(
                "n",
                "a count",
                Kind.INTEGER,
                6 + k,
                EXACT,
                (Mistake("conv-size-off-by-one", 7 + k),),
            ),
            Part(
                "M",
                "the matrix",
                Kind.MATRIX,
                [[1.0, -2.5], [3.25, 4.0 * k]],
                Tolerance(rtol=0.01, atol=0.0),
                (
                    Mistake("transposed-weights", [[1.0, 3.25], [-2.5, 4.0 * k]]),
                    Mistake("conv-padding-ignored", [[9.0]]),  # another shape: no element matches
                ),
            ),
            Part("e", "an expression", Kind.EXPRESSION, "beta*s*(1 - s)"),
        ),
    )


def single_problem(k: int) -> Problem:
    return Problem(
        exercise="hand-single",
        params={"k": k},
        statement=f"Tiny gradient {k}: {NASTY}",
        parts=(Part("g", "dL/dw", Kind.NUMBER, 1.234567e-5 * k, Tolerance(sigfigs=3)),),
    )


def choice_problem(k: int) -> Problem:
    options = ("x {=} y", "p # q ~ r : s", 'back \\ slash "quoted" <tag>')
    return Problem(
        exercise="hand-choice",
        params={"k": k},
        statement=f"Pick one {k}. {NASTY}\n(A) {options[0]}\n(B) {options[1]}\n(C) {options[2]}",
        parts=(
            Part(
                "answer",
                "the letter",
                Kind.CHOICE,
                "BCA"[k % 3],
                choices=options,
                mistakes=(Mistake("transposed-weights", "ABC"[k % 3]),),
            ),
        ),
    )


def true_false_problem(k: int) -> Problem:
    return Problem(
        exercise="hand-tf",
        params={"k": k},
        statement=f"True or false {k}? {NASTY}",
        parts=(Part("answer", "the letter", Kind.CHOICE, "AB"[k % 2], choices=("True", "False")),),
    )


def load(variants: int = 2) -> Quiz:
    ks = range(1, variants + 1)
    questions = (
        quiz_question(
            "h1", "hand", "Hand {numbers}", 4, [numeric_problem(k) for k in ks], texts=_texts
        ),
        quiz_question(
            "h2", "hand-single", "Tiny", 1, [single_problem(k) for k in ks], texts=_texts
        ),
        quiz_question(
            "h3", "hand-choice", "Choice", 1, [choice_problem(k) for k in ks], texts=_texts
        ),
        quiz_question(
            "h4", "hand-tf", "True/false", 1, [true_false_problem(k) for k in ks], texts=_texts
        ),
    )
    return Quiz("hand-quiz", "Hand {quiz} #1: a=b ~c", 0, variants, questions)
