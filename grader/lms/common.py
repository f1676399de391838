"""Pieces every LMS writer shares: the export result, identifiers, XML serialisation."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from grader.lms.quiz import NumericBlank, Quiz, QuizQuestion, Variant
from grader.lms.texts import snippet


@dataclass(frozen=True)
class Export:
    """A written export: the file's bytes, how many LMS questions it holds, and notes.

    ``notes`` name what could not be exported (or was changed to fit the format), one short
    phrase each, for the command's summary; ``layout`` says what one LMS question is (a whole
    variant, or one blank of it), which is why formats count different numbers of them.
    """

    data: bytes
    items: int
    notes: tuple[str, ...] = ()
    layout: str = ""  # how the assignment's parts became the LMS questions, one phrase


# GIFT and QTI 1.2 have no question with several numeric blanks
BLANK_LAYOUT = (
    "one per part or matrix entry of each variant: the format has no question with several "
    "numeric blanks"
)


def ident(*parts: object) -> str:
    """A stable XML-safe identifier derived from ``parts`` (same input, same id)."""
    digest = hashlib.sha1("\0".join(str(p) for p in parts).encode()).hexdigest()
    return "g" + digest[:24]


def xml_bytes(root: ET.Element) -> bytes:
    """``root`` as an indented UTF-8 XML document with its declaration."""
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


def sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    """Append ``<tag attrib>text</tag>`` to ``parent`` and return it."""
    el = ET.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text
    return el


def ask_html(blank: NumericBlank, note: str = "") -> str:
    """The line under the statement that says which number to type, and how precisely."""
    how = "as a whole number" if blank.integer else blank.tolerance_text
    return snippet("ask", blank.prompt, how, note)


def variant_name(question: QuizQuestion, variant: Variant, suffix: str = "") -> str:
    tail = f" {suffix}" if suffix else ""
    return f"{question.id} ({question.title}) v{variant.index}{tail}"


def category_path(quiz: Quiz, *parts: str) -> str:
    """A Moodle category path under the course: ``$course$/<assignment>/<question>...``."""
    return "/".join(["$course$", _safe(quiz.name), *(_safe(p) for p in parts)])


def _safe(segment: str) -> str:
    # "/" separates category levels in Moodle
    return segment.replace("/", "_")
