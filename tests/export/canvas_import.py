"""How Canvas imports a numerical item of a QTI 1.2 zip, as an oracle for the tests.

Canvas does not read QTI 1.2 itself. It runs Instructure's QTIMigrationTool (Python, public:
github.com/instructure/QTIMigrationTool), which rewrites each item as QTI 2.1, then reads the
2.1 item with its importer (canvas-lms, ``gems/plugins/qti_exporter/lib/qti/
numeric_interaction.rb``). This module follows both steps for the elements our writer uses:

1. :func:`to_qti21` turns the item's ``respcondition``\\ s into the 2.1 ``responseCondition``\\ s
   the converter writes. A ``response_str`` is declared as a *string* response, so a
   ``varequal`` on it becomes ``stringMatch``, and ``vargte``/``varlte`` (which 2.1 has no
   operator for on strings) become ``customOperator class="vargte"``/``"varlte"``; ``or``,
   ``and`` and ``not`` stay; ``other`` becomes a true ``baseValue``. The value is a
   ``baseValue`` inside each operator.
2. :func:`canvas_answers` reads the 2.1 item as Canvas does. First any ``gte``/``lte`` (a
   range) or ``equal`` (an exact value) inside a ``responseCondition`` (2.1's own numeric
   operators, which the converter writes only for float responses). Then each ``responseIf``
   and ``responseElseIf``: with an ``or`` inside, the ``stringMatch`` value in it is the exact
   answer (none: the condition is skipped), and the margin is the ``varlte`` bound less that
   value; a ``vargt``/``varlte`` pair symmetric about it with a power-of-ten width ending in 5
   is read as a precision answer instead. Without an ``or``, an ``and`` gives a range from its
   ``vargte`` and ``varlte``. Anything else (a bare ``stringMatch``) gives no answer.

The same :func:`canvas_answers` reads the converter's real output, which is how this oracle
was checked against the converter itself.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal

QTI12 = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
QTI21 = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"


@dataclass(frozen=True)
class CanvasAnswer:
    kind: str  # "exact_answer", "range_answer" or "precision_answer"
    exact: float | None = None
    margin: float = 0.0
    start: float | None = None
    end: float | None = None

    def accepts(self, x: float) -> bool:
        if self.kind == "range_answer":
            return (self.start is None or x >= self.start) and (self.end is None or x <= self.end)
        assert self.exact is not None
        return abs(x - self.exact) <= self.margin + 1e-12 * max(1.0, abs(self.exact))


def _e(tag: str, parent: ET.Element | None = None, text: str | None = None, **attrib: str):
    el = ET.Element(QTI21 + tag, attrib) if parent is None else ET.SubElement(parent, QTI21 + tag)
    el.attrib.update(attrib)
    el.text = text
    return el


def _operand(parent: ET.Element, value: str, base: str) -> None:
    _e("variable", parent, identifier="response1")
    _e("baseValue", parent, value, baseType=base)


def _expression(cond: ET.Element, parent: ET.Element, string_response: bool) -> None:
    tag = cond.tag.removeprefix(QTI12)
    if tag in ("and", "or", "not"):
        el = _e(tag, parent)
        for child in cond:
            _expression(child, el, string_response)
    elif tag == "other":
        _e("baseValue", parent, "true", baseType="boolean")
    elif tag == "varequal":
        if string_response:
            el = _e("stringMatch", parent, caseSensitive="false", substring="false")
            _operand(el, (cond.text or "").strip(), "string")
        else:
            el = _e("match", parent)
            _operand(el, (cond.text or "").strip(), "identifier")
    elif tag in ("vargte", "varlte", "vargt", "varlt"):
        if string_response:
            el = _e("customOperator", parent, **{"class": tag})
            _operand(el, (cond.text or "").strip(), "string")
        else:
            ops = {"vargte": "gte", "varlte": "lte", "vargt": "gt", "varlt": "lt"}
            el = _e(ops[tag], parent)
            _operand(el, (cond.text or "").strip(), "float")
    else:
        raise AssertionError(f"the oracle does not know <{tag}>")


def to_qti21(item: ET.Element) -> ET.Element:
    """The ``responseProcessing`` the converter writes for a QTI 1.2 ``item``."""
    string_response = item.find(f".//{QTI12}response_str") is not None
    processing = _e("responseProcessing")
    res = item.find(f"{QTI12}resprocessing")
    assert res is not None
    for cond in res.findall(f"{QTI12}respcondition"):
        response_if = _e("responseIf", _e("responseCondition", processing))
        var = cond.find(f"{QTI12}conditionvar")
        assert var is not None
        children = list(var)
        if len(children) == 1:
            _expression(children[0], response_if, string_response)
        else:  # several tests in a conditionvar must all hold
            both = _e("and", response_if)
            for child in children:
                _expression(child, both, string_response)
    return processing


def _descendants(root: ET.Element, *path: str) -> list[ET.Element]:
    """Like a CSS descendant selector ``a b c``: the ``c`` below a ``b`` below an ``a``."""
    found = [root]
    for step in path:
        tag, _, cls = step.partition(".")
        found = [
            el
            for top in found
            for el in top.iter(QTI21 + tag)
            if el is not top and (not cls or el.get("class") == cls)
        ]
    seen: dict[int, ET.Element] = {}
    for el in found:
        seen.setdefault(id(el), el)
    return list(seen.values())


def _first_text(root: ET.Element, *path: str) -> str | None:
    found = _descendants(root, *path)
    return (found[0].text or "") if found else None


def canvas_answers(processing: ET.Element) -> list[CanvasAnswer]:
    """The answers Canvas's importer reads from a 2.1 ``responseProcessing`` (or a whole item)."""
    answers: list[CanvasAnswer] = []
    gte = _first_text(processing, "responseCondition", "gte", "baseValue")
    lte = _first_text(processing, "responseCondition", "lte", "baseValue")
    if gte is not None and lte is not None:
        answers.append(CanvasAnswer("range_answer", start=float(gte), end=float(lte)))
    else:
        equal = _first_text(processing, "responseCondition", "equal", "baseValue")
        if equal is not None:
            answers.append(CanvasAnswer("exact_answer", exact=float(equal)))
    branches = [
        el for el in processing.iter() if el.tag in (QTI21 + "responseIf", QTI21 + "responseElseIf")
    ]
    for branch in branches:
        ors = _descendants(branch, "or")
        if ors:
            node = ors[0]
            exact = _first_text(node, "stringMatch", "baseValue")
            if exact is None:
                continue
            lower = _first_text(node, "and", "customOperator.vargt", "baseValue")
            upper = _first_text(node, "and", "customOperator.varlte", "baseValue")
            if lower is not None and upper is not None and _precision(exact, lower, upper):
                answers.append(CanvasAnswer("precision_answer", exact=float(exact)))
                continue
            margin = float(Decimal(upper) - Decimal(exact)) if upper is not None else 0.0
            answers.append(CanvasAnswer("exact_answer", exact=float(exact), margin=margin))
        elif ands := _descendants(branch, "and"):
            lo = _first_text(ands[0], "customOperator.vargte", "baseValue")
            hi = _first_text(ands[0], "customOperator.varlte", "baseValue")
            if lo is not None or hi is not None:
                answers.append(
                    CanvasAnswer(
                        "range_answer",
                        start=float(lo) if lo is not None else None,
                        end=float(hi) if hi is not None else None,
                    )
                )
    return answers


def _precision(exact: str, lower: str, upper: str) -> bool:
    def ends_in_5(text: str) -> bool:
        return text.replace("0", "").replace(".", "").endswith("5")

    if not (ends_in_5(lower) and ends_in_5(upper)):
        return False
    e, lo, hi = Decimal(exact), Decimal(lower), Decimal(upper)
    if e - lo != hi - e:
        return False
    digits = (hi - lo).normalize().as_tuple().digits
    return digits == (1,)


def import_numeric_item(item: ET.Element) -> list[CanvasAnswer]:
    """What Canvas keeps of a QTI 1.2 numerical ``item``: its answers after both steps."""
    return canvas_answers(to_qti21(item))
