"""Moodle XML: one category per question, one Moodle question per variant.

A variant with a single number becomes a ``numerical`` question (absolute tolerance = the
part's tolerance margin at the expected value), a single choice part a ``truefalse`` or
``multichoice`` question (one answer, shuffled), and anything with more blanks (several
parts, or a matrix: one blank per element, laid out as a table) a Cloze (``multianswer``)
question with ``NUMERICAL`` and ``MULTICHOICE`` sub-questions. Values a known mistake gives
are answers at 0 % carrying the misconception's sentence. The worked solution is the general
feedback, HTML with its maths as TeX in ``\\( \\)``, which Moodle's MathJax filter typesets.

Each variant's category is ``$course$/<assignment>/<question id>``, so a quiz can add a
"random question" from it and give each student one variant.
"""

from __future__ import annotations

import html
import math
import re
import xml.etree.ElementTree as ET
from fractions import Fraction

from markupsafe import Markup, escape

from grader.lms.common import Export, ask_html, category_path, ident, sub, variant_name, xml_bytes
from grader.lms.quiz import ChoiceBlank, NumericBlank, Quiz, QuizQuestion, Variant
from grader.lms.texts import number, snippet

PENALTY = "0.3333333"
MAX_CLOZE_WEIGHT = 100


def write_moodle(quiz: Quiz) -> Export:
    """The Moodle XML document for ``quiz``."""
    root = ET.Element("quiz")
    items = 0
    for question in quiz.questions:
        _category(root, category_path(quiz, question.id), f"{question.id}: {question.title}")
        for variant in question.variants:
            _question(root, quiz, question, variant)
            items += 1
    layout = "one per variant: a Cloze question with a blank per part and matrix entry"
    return Export(xml_bytes(root), items, quiz.notes, layout)


def _category(root: ET.Element, path: str, info: str) -> None:
    q = sub(root, "question", type="category")
    sub(sub(q, "category"), "text", path)
    sub(sub(q, "info", format="html"), "text", html.escape(info))


def _question(root: ET.Element, quiz: Quiz, question: QuizQuestion, variant: Variant) -> None:
    blanks = variant.blanks
    single = len(blanks) == 1 and not variant.shapes
    if single and isinstance(blanks[0], NumericBlank):
        _numerical(root, quiz, question, variant, blanks[0])
    elif single and isinstance(blanks[0], ChoiceBlank):
        _choice(root, quiz, question, variant, blanks[0])
    else:
        _cloze(root, quiz, question, variant)


def _header(q: ET.Element, quiz: Quiz, question: QuizQuestion, variant: Variant, text: str) -> None:
    sub(sub(q, "name"), "text", variant_name(question, variant))
    sub(sub(q, "questiontext", format="html"), "text", text)
    sub(sub(q, "generalfeedback", format="html"), "text", variant.solution_html)
    sub(q, "defaultgrade", number(question.points))
    sub(q, "penalty", PENALTY)
    sub(q, "hidden", "0")
    sub(q, "idnumber", ident(quiz.name, question.id, variant.index))


def _feedback(parent: ET.Element, text: str) -> None:
    sub(
        sub(parent, "feedback", format="html"),
        "text",
        snippet("paragraph", text),
    )


def _numerical(
    root: ET.Element, quiz: Quiz, question: QuizQuestion, variant: Variant, blank: NumericBlank
) -> None:
    q = sub(root, "question", type="numerical")
    _header(q, quiz, question, variant, variant.statement_html + ask_html(blank))
    for a in blank.answers:
        el = sub(q, "answer", fraction=number(100 * a.fraction), format="moodle_auto_format")
        sub(el, "text", number(a.value))
        _feedback(el, a.feedback)
        sub(el, "tolerance", number(a.margin))
    sub(q, "unitgradingtype", "0")
    sub(q, "unitpenalty", "0.1000000")
    sub(q, "showunits", "3")
    sub(q, "unitsleft", "0")


def _choice(
    root: ET.Element, quiz: Quiz, question: QuizQuestion, variant: Variant, blank: ChoiceBlank
) -> None:
    if blank.true_false:
        q = sub(root, "question", type="truefalse")
        _header(q, quiz, question, variant, variant.statement_html)
        for i, word in enumerate(("true", "false")):
            right = i == blank.correct
            el = sub(q, "answer", fraction="100" if right else "0", format="moodle_auto_format")
            sub(el, "text", word)
            _feedback(el, "Correct." if right else blank.feedback[i])
        return
    q = sub(root, "question", type="multichoice")
    _header(q, quiz, question, variant, variant.statement_html)
    sub(q, "single", "true")
    sub(q, "shuffleanswers", "true")
    sub(q, "answernumbering", "abc")
    sub(q, "showstandardinstruction", "0")
    for tag, text in (
        ("correctfeedback", "Your answer is correct."),
        ("partiallycorrectfeedback", "Your answer is partially correct."),
        ("incorrectfeedback", "Your answer is incorrect."),
    ):
        sub(sub(q, tag, format="html"), "text", snippet("paragraph", text))
    for i, option in enumerate(blank.options):
        right = i == blank.correct
        el = sub(q, "answer", fraction="100" if right else "0", format="html")
        sub(el, "text", html.escape(option))
        _feedback(el, "Correct." if right else blank.feedback[i])


# --- Cloze --------------------------------------------------------------------------------

_CLOZE_SPECIAL = re.compile(r'([\\}#~/"])')


def cloze_escape(text: str) -> str:
    """Plain text made safe inside a Cloze answer or feedback (HTML, then Cloze escapes)."""
    return _CLOZE_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def guard_braces(html_text: str) -> str:
    """Braces of the statement as character references, so none opens a Cloze sub-question."""
    return html_text.replace("{", "&#123;").replace("}", "&#125;")


def cloze_numerical(blank: NumericBlank, weight: int = 1) -> str:
    """``{w:NUMERICAL:=value:tol#feedback~%0%wrong:tol#feedback}`` for ``blank``."""
    alternatives = []
    for a in blank.answers:
        mark = "=" if a.fraction >= 1 else f"%{round(100 * a.fraction)}%"
        alternatives.append(
            f"{mark}{number(a.value)}:{number(a.margin)}#{cloze_escape(a.feedback)}"
        )
    return "{" + f"{weight}:NUMERICAL:" + "~".join(alternatives) + "}"


def cloze_choice(blank: ChoiceBlank, weight: int = 1) -> str:
    alternatives = []
    for i, option in enumerate(blank.options):
        right = i == blank.correct
        fb = "Correct." if right else blank.feedback[i]
        alternatives.append(("=" if right else "") + cloze_escape(option) + "#" + cloze_escape(fb))
    return "{" + f"{weight}:MULTICHOICE:" + "~".join(alternatives) + "}"


def cloze_weights(variant: Variant) -> dict[str, int]:
    """Whole-number weights of the sub-questions, in proportion to the blanks' weights.

    Parts weigh the same (or as ``part_points`` says) and share out among a matrix's
    elements, as when the grader marks an answer sheet; Cloze wants whole numbers, so the
    weights are scaled by the least common multiple of their denominators (equal weights when
    that would exceed 100).
    """
    fractions = {b.key: Fraction(b.weight).limit_denominator(1000) for b in variant.blanks}
    scale = math.lcm(*(f.denominator for f in fractions.values()))
    weights = {k: int(f * scale) for k, f in fractions.items()}
    if not weights or max(weights.values()) > MAX_CLOZE_WEIGHT or min(weights.values()) < 1:
        return {k: 1 for k in fractions}
    return weights


def cloze_text(variant: Variant) -> str:
    """The Cloze question text: the statement, then one line (or table) per part."""
    out = [guard_braces(variant.statement_html)]
    weights = cloze_weights(variant)
    done: set[str] = set()
    for blank in variant.blanks:
        if blank.part_id in done:
            continue
        done.add(blank.part_id)
        label = _guarded(blank.prompt if isinstance(blank, ChoiceBlank) else blank.label)
        if isinstance(blank, ChoiceBlank):
            sub_question = Markup(cloze_choice(blank, weights[blank.key]))
            out.append(snippet("cloze_choice", label, sub_question))
            continue
        how = _guarded("as a whole number" if blank.integer else blank.tolerance_text)
        if blank.part_id in variant.shapes:
            rows, cols = variant.shapes[blank.part_id]
            cells = {
                b.element: b
                for b in variant.blanks_of(blank.part_id)
                if isinstance(b, NumericBlank)
            }
            table = [
                [
                    Markup(cloze_numerical(cells[(r, c)], weights[cells[(r, c)].key]))
                    for c in range(cols)
                ]
                for r in range(rows)
            ]
            out.append(snippet("cloze_table", label, how, table))
        else:
            sub_question = Markup(cloze_numerical(blank, weights[blank.key]))
            out.append(snippet("cloze_number", label, sub_question, how))
    return "".join(out)


def _guarded(text: str) -> Markup:
    """Plain text as HTML whose braces cannot open a Cloze sub-question."""
    return Markup(guard_braces(str(escape(text))))


def _cloze(root: ET.Element, quiz: Quiz, question: QuizQuestion, variant: Variant) -> None:
    q = sub(root, "question", type="cloze")
    sub(sub(q, "name"), "text", variant_name(question, variant))
    sub(sub(q, "questiontext", format="html"), "text", cloze_text(variant))
    sub(sub(q, "generalfeedback", format="html"), "text", variant.solution_html)
    sub(q, "penalty", PENALTY)
    sub(q, "hidden", "0")
    sub(q, "idnumber", ident(quiz.name, question.id, variant.index))
