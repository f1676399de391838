"""GIFT, Moodle's text format for questions.

GIFT has no question with several numeric blanks, so every blank is its own question: a part,
or one element of a matrix, each with the shared statement. The variants of one blank share a
``$CATEGORY:`` (``$course$/<assignment>/<question id>/<blank>``) from which a quiz draws one at
random. Numbers are ``{#=value:tolerance#feedback =%0%wrong:tolerance#misconception ...}``,
choices ``{=right ~wrong#feedback}`` or ``{TRUE}``/``{FALSE}``, and the worked solution the
general feedback (``####``). Texts are HTML (``[html]``) with the characters GIFT reserves
(``~ = # { } :`` and backslash) escaped and line breaks written as ``\\n``.
"""

from __future__ import annotations

import html

from grader.lms.common import BLANK_LAYOUT, Export, ask_html, category_path, variant_name
from grader.lms.quiz import ChoiceBlank, NumericBlank, Quiz, QuizQuestion, Variant
from grader.lms.texts import number, snippet

_RESERVED = {
    "\\": "\\\\",
    "~": "\\~",
    "=": "\\=",
    "#": "\\#",
    "{": "\\{",
    "}": "\\}",
    ":": "\\:",
    "\n": "\\n",
    "\r": "",
}


def gift_escape(text: str) -> str:
    """``text`` with every character GIFT reserves escaped by a backslash."""
    return "".join(_RESERVED.get(ch, ch) for ch in text)


def write_gift(quiz: Quiz) -> Export:
    """The GIFT text for ``quiz``."""
    chunks = [f"// {gift_escape(quiz.title)} ({gift_escape(quiz.name)}): exported quiz\n"]
    items = 0
    for question in quiz.questions:
        keys: list[str] = []
        for variant in question.variants:
            keys.extend(b.key for b in variant.blanks if b.key not in keys)
        for key in keys:
            chunks.append(f"$CATEGORY: {category_path(quiz, question.id, key)}\n")
            for variant in question.variants:
                for blank in variant.blanks:
                    if blank.key == key:
                        chunks.append(_question(question, variant, blank))
                        items += 1
    return Export("\n".join(chunks).encode("utf-8"), items, quiz.notes, BLANK_LAYOUT)


def _question(question: QuizQuestion, variant: Variant, blank: NumericBlank | ChoiceBlank) -> str:
    name = gift_escape(variant_name(question, variant, blank.key))
    general = "####[html]" + gift_escape(variant.solution_html)
    if isinstance(blank, NumericBlank):
        text = variant.statement_html + ask_html(blank)
        lines = []
        for a in blank.answers:
            weight = "" if a.fraction >= 1 else f"%{round(100 * a.fraction)}%"
            lines.append(f"\t={weight}{number(a.value)}:{number(a.margin)}#{_fb(a.feedback)}")
        body = "{#\n" + "\n".join(lines) + f"\n\t{general}\n}}"
    elif blank.true_false:
        text = variant.statement_html
        truth = "TRUE" if blank.correct == 0 else "FALSE"
        wrong = blank.feedback[1 - blank.correct]
        body = f"{{{truth}#{_fb(wrong)}#{_fb('Correct.')}{general}}}"
    else:
        text = variant.statement_html
        lines = []
        for i, option in enumerate(blank.options):
            right = i == blank.correct
            fb = "Correct." if right else blank.feedback[i]
            mark = "=" if right else "~"
            tail = f"#{_fb(fb)}" if fb else ""
            lines.append(f"\t{mark}{gift_escape(html.escape(option))}{tail}")
        body = "{\n" + "\n".join(lines) + f"\n\t{general}\n}}"
    return f"::{name}::[html]{gift_escape(text)}{body}\n"


def _fb(text: str) -> str:
    return gift_escape(snippet("paragraph", text))
