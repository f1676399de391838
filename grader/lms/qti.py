"""Canvas QTI 1.2: a zip with ``imsmanifest.xml``, the assessment and its Canvas metadata.

The layout is the one Canvas writes when it exports a quiz, and so imports back:

- ``imsmanifest.xml`` (IMS Content Packaging) with two resources: the assessment
  (``imsqti_xmlv1p2``) and its metadata (``associatedcontent/imscc_xmlv1p1/
  learning-application-resource``);
- ``<id>/<id>.xml``: ``questestinterop`` > ``assessment`` > ``section root_section`` holding one
  question group (a ``section`` with ``selection_ordering``, ``selection_number`` 1) per question
  and blank, whose items are that blank's variants: each student is served one;
- ``<id>/assessment_meta.xml``: the quiz settings Canvas keeps outside QTI, with the
  ``assignment`` block that makes the quiz a graded assignment of its points.

Every blank is its own item (QTI 1.2 has no multi-blank numeric item): a multi-part problem
gives one item per part, each with the shared statement, and a matrix one item per element.
Numbers are ``numerical_question`` items with an exact answer and its margin, written as Canvas
writes them: an ``or`` of the ``varequal`` and an ``and`` of ``vargte``/``varlte``, for an exact
integer too (the bounds then equal the value). Canvas's importer reads a numerical answer from
that shape alone: after Instructure's QTI 1.2 to 2.1 converter, a bare ``varequal`` on a text
response is a ``stringMatch`` Canvas does not read, and the item would have no right answer.
Choices are ``multiple_choice_question`` or ``true_false_question`` items.

Canvas Classic Quizzes keep four decimal places of an answer and of its margin, so a margin
below 5e-4 would be distorted (and one below 5e-5 lost, with answers under 1e-4 read as 0).
Such an item asks for the value multiplied by 10^k, the smallest power that lifts the margin
to 5e-4 or more, says so in its text, and is listed in the export's notes. Canvas numerical
answers all earn full credit, so the values of known mistakes cannot be wrong answers with
feedback: they are listed, with the misconception's sentence, in the item's general feedback.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

from markupsafe import Markup

from grader.lms.common import BLANK_LAYOUT, Export, ask_html, ident, sub, variant_name, xml_bytes
from grader.lms.quiz import Answer, ChoiceBlank, NumericBlank, Quiz, QuizQuestion, Variant
from grader.lms.texts import number, snippet

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
META_TYPE = "associatedcontent/imscc_xmlv1p1/learning-application-resource"
CANVAS_DECIMALS = 4
MIN_MARGIN = 5e-4  # scaled margins at least this wide survive rounding to 4 decimals
MAX_SCALE = 15
ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed, so that the same quiz gives the same bytes


def write_qti(quiz: Quiz) -> Export:
    """The Canvas QTI zip for ``quiz``."""
    quiz_id = ident("quiz", quiz.name, quiz.seed, quiz.requested)
    notes = list(quiz.notes)
    assessment, items, scaled = _assessment(quiz, quiz_id)
    if scaled:
        item = "Canvas item asks" if scaled == 1 else "Canvas items ask"
        notes.append(f"{scaled} {item} for the value times a power of 10")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (
            ("imsmanifest.xml", _manifest(quiz, quiz_id)),
            (f"{quiz_id}/{quiz_id}.xml", assessment),
            (f"{quiz_id}/assessment_meta.xml", _meta(quiz, quiz_id)),
        ):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return Export(buffer.getvalue(), items, tuple(notes), BLANK_LAYOUT)


def _manifest(quiz: Quiz, quiz_id: str) -> bytes:
    ET.register_namespace("", CP_NS)
    root = ET.Element(f"{{{CP_NS}}}manifest", {"identifier": ident("manifest", quiz_id)})
    md = sub(root, f"{{{CP_NS}}}metadata")
    sub(md, f"{{{CP_NS}}}schema", "IMS Content")
    sub(md, f"{{{CP_NS}}}schemaversion", "1.1.3")
    sub(root, f"{{{CP_NS}}}organizations")
    resources = sub(root, f"{{{CP_NS}}}resources")
    meta_id = ident("meta", quiz_id)
    res = sub(resources, f"{{{CP_NS}}}resource", identifier=quiz_id, type="imsqti_xmlv1p2")
    sub(res, f"{{{CP_NS}}}file", href=f"{quiz_id}/{quiz_id}.xml")
    sub(res, f"{{{CP_NS}}}dependency", identifierref=meta_id)
    meta = sub(
        resources,
        f"{{{CP_NS}}}resource",
        identifier=meta_id,
        type=META_TYPE,
        href=f"{quiz_id}/assessment_meta.xml",
    )
    sub(meta, f"{{{CP_NS}}}file", href=f"{quiz_id}/assessment_meta.xml")
    return xml_bytes(root)


def _meta(quiz: Quiz, quiz_id: str) -> bytes:
    ET.register_namespace("", CANVAS_NS)
    root = ET.Element(f"{{{CANVAS_NS}}}quiz", {"identifier": quiz_id})
    points = sum(q.points for q in quiz.questions if q.variants)
    _settings(
        root,
        ("title", quiz.title),
        ("description", ""),
        ("shuffle_answers", "true"),
        ("scoring_policy", "keep_highest"),
        ("hide_results", ""),
        ("quiz_type", "assignment"),
        ("points_possible", number(points)),
        ("show_correct_answers", "true"),
        ("allowed_attempts", "1"),
        ("one_question_at_a_time", "false"),
        ("cant_go_back", "false"),
        ("available", "false"),
    )
    assignment = sub(root, f"{{{CANVAS_NS}}}assignment", identifier=ident("assignment", quiz_id))
    _settings(
        assignment,
        ("title", quiz.title),
        ("due_at", ""),
        ("lock_at", ""),
        ("unlock_at", ""),
        ("module_locked", "false"),
        ("workflow_state", "unpublished"),
        ("quiz_identifierref", quiz_id),
        ("has_group_category", "false"),
        ("points_possible", number(points)),
        ("grading_type", "points"),
        ("all_day", "false"),
        ("submission_types", "online_quiz"),
        ("position", "1"),
        ("peer_reviews", "false"),
        ("automatic_peer_reviews", "false"),
        ("anonymous_peer_reviews", "false"),
        ("grade_group_students_individually", "false"),
        ("omit_from_final_grade", "false"),
        ("only_visible_to_overrides", "false"),
        ("post_to_sis", "false"),
        ("moderated_grading", "false"),
        ("anonymous_grading", "false"),
    )
    return xml_bytes(root)


def _settings(parent: ET.Element, *fields: tuple[str, str]) -> None:
    """One ``<tag>text</tag>`` child of ``parent`` in Canvas's namespace per (tag, text)."""
    for tag, text in fields:
        sub(parent, f"{{{CANVAS_NS}}}{tag}", text)


def _groups(
    question: QuizQuestion,
) -> list[tuple[str, list[tuple[Variant, NumericBlank | ChoiceBlank]]]]:
    """(blank key, [(variant, blank)]) in the order blanks first appear."""
    groups: dict[str, list[tuple[Variant, NumericBlank | ChoiceBlank]]] = {}
    for variant in question.variants:
        for blank in variant.blanks:
            groups.setdefault(blank.key, []).append((variant, blank))
    return list(groups.items())


def _assessment(quiz: Quiz, quiz_id: str) -> tuple[bytes, int, int]:
    ET.register_namespace("", QTI_NS)
    q = f"{{{QTI_NS}}}"
    root = ET.Element(f"{q}questestinterop")
    assessment = sub(root, f"{q}assessment", ident=quiz_id, title=quiz.title)
    meta = sub(assessment, f"{q}qtimetadata")
    _field(meta, "cc_maxattempts", "1")
    section = sub(assessment, f"{q}section", ident="root_section")
    items = scaled = 0
    for question in quiz.questions:
        groups = _groups(question)
        for key, members in groups:
            points = question.points / len(groups)
            group = sub(
                section,
                f"{q}section",
                ident=ident(quiz_id, question.id, key),
                title=f"{question.id}: {members[0][1].prompt}",
            )
            selection = sub(sub(group, f"{q}selection_ordering"), f"{q}selection")
            sub(selection, f"{q}selection_number", "1")
            sub(sub(selection, f"{q}selection_extension"), f"{q}points_per_item", number(points))
            for variant, blank in members:
                item_id = ident(quiz_id, question.id, variant.index, key)
                title = variant_name(question, variant, key)
                if isinstance(blank, NumericBlank):
                    k = canvas_scale(blank)
                    scaled += k > 0
                    _numeric_item(group, item_id, title, variant, blank, points, k)
                else:
                    _choice_item(group, item_id, title, variant, blank, points)
                items += 1
    return xml_bytes(root), items, scaled


def canvas_scale(blank: NumericBlank) -> int:
    """The power k of ten to ask for (value x 10^k) so Canvas's 4 decimals lose nothing.

    0 when every right range keeps its width after rounding to 4 decimals, or is an exact
    value with at most 4 decimals (an integer, 0.25) that rounding does not change.
    """
    right = [a for a in blank.answers if a.fraction > 0]
    for k in range(MAX_SCALE + 1):
        f = 10.0**k
        if all(a.margin * f >= MIN_MARGIN or _exact_at_4(a, f) for a in right):
            return k
    return MAX_SCALE


def _exact_at_4(a: Answer, factor: float) -> bool:
    scaled = a.value * factor * 10**CANVAS_DECIMALS
    return a.margin * factor < 5e-5 and abs(scaled - round(scaled)) < 1e-6 * max(1.0, abs(scaled))


def _field(meta: ET.Element, label: str, entry: str) -> None:
    q = f"{{{QTI_NS}}}"
    f = sub(meta, f"{q}qtimetadatafield")
    sub(f, f"{q}fieldlabel", label)
    sub(f, f"{q}fieldentry", entry)


def _item_head(
    parent: ET.Element, item_id: str, title: str, qtype: str, points: float, answer_ids: list[str]
) -> ET.Element:
    q = f"{{{QTI_NS}}}"
    item = sub(parent, f"{q}item", ident=item_id, title=title)
    meta = sub(sub(item, f"{q}itemmetadata"), f"{q}qtimetadata")
    _field(meta, "question_type", qtype)
    _field(meta, "points_possible", number(points))
    _field(meta, "original_answer_ids", ",".join(answer_ids))
    return item


def _material(parent: ET.Element, text: str, html_text: bool = True) -> None:
    q = f"{{{QTI_NS}}}"
    mat = sub(parent, f"{q}material")
    sub(mat, f"{q}mattext", text, texttype="text/html" if html_text else "text/plain")


def _outcomes(res: ET.Element) -> None:
    q = f"{{{QTI_NS}}}"
    sub(
        sub(res, f"{q}outcomes"),
        f"{q}decvar",
        maxvalue="100",
        minvalue="0",
        varname="SCORE",
        vartype="Decimal",
    )


def _general_feedback_condition(res: ET.Element) -> None:
    q = f"{{{QTI_NS}}}"
    cond = sub(res, f"{q}respcondition", **{"continue": "Yes"})
    sub(sub(cond, f"{q}conditionvar"), f"{q}other")
    sub(cond, f"{q}displayfeedback", feedbacktype="Response", linkrefid="general_fb")


def _itemfeedback(item: ET.Element, fid: str, text: str) -> None:
    q = f"{{{QTI_NS}}}"
    fb = sub(item, f"{q}itemfeedback", ident=fid)
    _material(sub(fb, f"{q}flow_mat"), text)


def scale_note(blank: NumericBlank, k: int) -> str:
    if k == 0:
        return ""
    factor = number(10.0**k)
    return (
        f"Type the value multiplied by {factor} "
        f"(for a value of 0.00123 you would type {number(0.00123 * 10.0**k)})."
    )


def _numeric_item(
    parent: ET.Element,
    item_id: str,
    title: str,
    variant: Variant,
    blank: NumericBlank,
    points: float,
    k: int,
) -> None:
    q = f"{{{QTI_NS}}}"
    right = [a for a in blank.answers if a.fraction > 0]
    ids = [str(1000 + i) for i in range(len(right))]
    item = _item_head(parent, item_id, title, "numerical_question", points, ids)
    pres = sub(item, f"{q}presentation")
    _material(
        pres,
        snippet("wrapped", Markup(variant.statement_html + ask_html(blank, scale_note(blank, k)))),
    )
    fib = sub(
        sub(pres, f"{q}response_str", ident="response1", rcardinality="Single"),
        f"{q}render_fib",
        fibtype="Decimal",
    )
    sub(fib, f"{q}response_label", ident="answer1")
    res = sub(item, f"{q}resprocessing")
    _outcomes(res)
    _general_feedback_condition(res)
    factor = 10.0**k
    for a in right:
        value, margin = _canvas_round(a.value * factor), _canvas_round(a.margin * factor)
        cond = sub(res, f"{q}respcondition", **{"continue": "No"})
        var = sub(cond, f"{q}conditionvar")
        # Canvas reads an answer only from this shape, an exact one (margin 0) included: the
        # exact value in an <or> with the range, whose upper end less the value is the margin
        either = sub(var, f"{q}or")
        sub(either, f"{q}varequal", number(value), respident="response1")
        both = sub(either, f"{q}and")
        sub(both, f"{q}vargte", number(_canvas_round(value - margin)), respident="response1")
        sub(both, f"{q}varlte", number(_canvas_round(value + margin)), respident="response1")
        sub(cond, f"{q}setvar", "100", action="Set", varname="SCORE")
    _itemfeedback(item, "general_fb", _numeric_feedback(variant, blank, factor))


def _canvas_round(x: float) -> float:
    r = round(x, CANVAS_DECIMALS + 6)  # strip binary noise; Canvas itself keeps 4 decimals
    return 0.0 if r == 0 else r


def _numeric_feedback(variant: Variant, blank: NumericBlank, factor: float) -> str:
    wrong = [a for a in blank.answers if a.fraction == 0 and a.feedback]
    if not wrong:
        return variant.solution_html
    items = [(number(_canvas_round(a.value * factor)), a.feedback) for a in wrong]
    return variant.solution_html + snippet("mistakes", items)


def _choice_item(
    parent: ET.Element,
    item_id: str,
    title: str,
    variant: Variant,
    blank: ChoiceBlank,
    points: float,
) -> None:
    q = f"{{{QTI_NS}}}"
    ids = [str(1000 + i) for i in range(len(blank.options))]
    qtype = "true_false_question" if blank.true_false else "multiple_choice_question"
    item = _item_head(parent, item_id, title, qtype, points, ids)
    pres = sub(item, f"{q}presentation")
    _material(pres, snippet("wrapped", Markup(variant.statement_html)))
    choice = sub(
        sub(pres, f"{q}response_lid", ident="response1", rcardinality="Single"),
        f"{q}render_choice",
    )
    for aid, option in zip(ids, blank.options, strict=True):
        _material(sub(choice, f"{q}response_label", ident=aid), option, html_text=False)
    res = sub(item, f"{q}resprocessing")
    _outcomes(res)
    _general_feedback_condition(res)
    for aid, fb in zip(ids, blank.feedback, strict=True):
        if fb:
            cond = sub(res, f"{q}respcondition", **{"continue": "Yes"})
            sub(sub(cond, f"{q}conditionvar"), f"{q}varequal", aid, respident="response1")
            sub(cond, f"{q}displayfeedback", feedbacktype="Response", linkrefid=f"{aid}_fb")
    cond = sub(res, f"{q}respcondition", **{"continue": "No"})
    sub(sub(cond, f"{q}conditionvar"), f"{q}varequal", ids[blank.correct], respident="response1")
    sub(cond, f"{q}setvar", "100", action="Set", varname="SCORE")
    _itemfeedback(item, "general_fb", variant.solution_html)
    for aid, fb in zip(ids, blank.feedback, strict=True):
        if fb:
            _itemfeedback(item, f"{aid}_fb", snippet("paragraph", fb))
