"""Each export against its format's documented structure, and hostile text through each.

Moodle XML: every question has a name, a question text and general feedback; a numerical
answer has its ``fraction`` attribute, ``text``, ``tolerance`` and ``feedback`` (the importer
reads all four); a Cloze text parses into sub-questions with Moodle's grammar. Canvas QTI: the
package layout Canvas exports (manifest, assessment, assessment_meta), question groups with
``selection_number`` 1, and each item type's response and scoring elements. GIFT: categories,
``::name::``, one answer block per question, reserved characters escaped.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

import pytest

from grader.assignment import load_assignment
from grader.lms import export_quiz
from grader.lms.gift import gift_escape, write_gift
from grader.lms.moodle import cloze_escape, write_moodle
from grader.lms.qti import canvas_scale, write_qti
from grader.lms.quiz import NumericBlank

MOODLE_TYPES = {"category", "numerical", "multichoice", "truefalse", "cloze"}


@pytest.fixture(scope="module")
def nn_exports():
    assignment = load_assignment("nn-quiz")
    return {fmt: export_quiz(assignment, fmt, 2, 0) for fmt in ("moodle", "qti", "gift")}


def plain(text: str) -> str:
    return html.unescape(re.sub("<[^>]+>", "", text))


# --- Moodle XML -------------------------------------------------------------------------------


def check_moodle(data: bytes, readers) -> ET.Element:
    root = ET.fromstring(data)
    assert root.tag == "quiz"
    seen_category = False
    for q in root.findall("question"):
        qtype = q.get("type")
        assert qtype in MOODLE_TYPES
        if qtype == "category":
            assert q.findtext("category/text", "").startswith("$course$/")
            seen_category = True
            continue
        assert seen_category, "a question before any category"
        assert q.findtext("name/text")
        assert q.find("questiontext").get("format") == "html"  # type: ignore[union-attr]
        assert q.findtext("questiontext/text")
        assert q.find("generalfeedback/text") is not None
        assert q.findtext("hidden") == "0"
        if qtype == "numerical":
            answers = q.findall("answer")
            assert answers
            for a in answers:
                assert a.get("fraction") is not None
                float(a.findtext("text", "x"))
                assert float(a.findtext("tolerance", "x")) >= 0
                assert a.find("feedback/text") is not None
            assert max(float(a.get("fraction", "0")) for a in answers) == 100
        elif qtype == "multichoice":
            assert q.findtext("single") == "true"
            assert q.findtext("shuffleanswers") == "true"
            assert [a.get("fraction") for a in q.findall("answer")].count("100") == 1
            for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
                assert q.find(f"{tag}/text") is not None
        elif qtype == "truefalse":
            answers = {a.findtext("text"): a.get("fraction") for a in q.findall("answer")}
            assert set(answers) == {"true", "false"}
            assert sorted(answers.values()) == ["0", "100"]
        elif qtype == "cloze":
            subs = readers.cloze_subquestions(q.findtext("questiontext/text", ""))
            assert len(subs) >= 2
            for _kind, weight, alternatives in subs:
                assert weight >= 1
                assert [f for _, f, _ in alternatives].count(1.0) >= 1
    return root


def test_moodle_export_follows_the_format(nn_exports, readers) -> None:
    root = check_moodle(nn_exports["moodle"].data, readers)
    categories = [q.findtext("category/text") for q in root.findall("question[@type='category']")]
    ids = [q.id for q in load_assignment("nn-quiz").questions]
    assert categories == [f"$course$/nn-quiz/{qid}" for qid in ids]
    types = {q.get("type") for q in root.findall("question")}
    assert types == MOODLE_TYPES  # numbers, concepts and multi-part problems all appear


def test_cloze_matrix_is_a_table_of_one_blank_per_element(nn_exports, readers) -> None:
    root = ET.fromstring(nn_exports["moodle"].data)
    (q7,) = [q for q in root.findall("question") if q.findtext("name/text", "").startswith("q7 ")]
    text = q7.findtext("questiontext/text", "")
    assert text.count("<td>") == 9  # the course's 3x3 feature map
    values = [float(alts[0][0].split(":")[0]) for _, _, alts in readers.cloze_subquestions(text)]
    assert values == [4, 3, 4, 2, 4, 3, 2, 3, 4]


# --- Canvas QTI -------------------------------------------------------------------------------


def check_qti(data: bytes, readers) -> ET.Element:
    QTI, CP = readers.QTI, readers.CP
    files = readers.qti_files(data)
    manifest = ET.fromstring(files["imsmanifest.xml"])
    assert manifest.tag == f"{CP}manifest"
    resources = manifest.findall(f"{CP}resources/{CP}resource")
    kinds = {r.get("type"): r for r in resources}
    assert set(kinds) == {
        "imsqti_xmlv1p2",
        "associatedcontent/imscc_xmlv1p1/learning-application-resource",
    }
    for r in resources:
        for f in r.findall(f"{CP}file"):
            assert f.get("href") in files
    dep = kinds["imsqti_xmlv1p2"].find(f"{CP}dependency")
    assert dep is not None
    assert dep.get("identifierref") == kinds[
        "associatedcontent/imscc_xmlv1p1/learning-application-resource"
    ].get("identifier")
    meta_href = kinds["associatedcontent/imscc_xmlv1p1/learning-application-resource"].get("href")
    meta = ET.fromstring(files[str(meta_href)])
    assert meta.tag == "{http://canvas.instructure.com/xsd/cccv1p0}quiz"
    root = readers.qti_assessment(data)
    assert root.tag == f"{QTI}questestinterop"
    (assessment,) = root.findall(f"{QTI}assessment")
    assert assessment.get("ident") == kinds["imsqti_xmlv1p2"].get("identifier")
    (top,) = assessment.findall(f"{QTI}section")
    assert top.get("ident") == "root_section"
    idents: set[str] = set()
    for group in top.findall(f"{QTI}section"):
        assert (
            group.findtext(f"{QTI}selection_ordering/{QTI}selection/{QTI}selection_number") == "1"
        )
        items = group.findall(f"{QTI}item")
        assert items
        for item in items:
            assert item.get("ident") not in idents
            idents.add(item.get("ident", ""))
            labels = {
                f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
                for f in item.iter(f"{QTI}qtimetadatafield")
            }
            qtype = labels["question_type"]
            assert float(labels["points_possible"] or "x") > 0
            assert (
                item.find(f"{QTI}presentation/{QTI}material/{QTI}mattext").get("texttype")
                == "text/html"
            )  # type: ignore[union-attr]
            res = item.find(f"{QTI}resprocessing")
            assert res is not None
            decvar = res.find(f"{QTI}outcomes/{QTI}decvar")
            assert decvar is not None and decvar.get("varname") == "SCORE"
            scoring = [
                c for c in res.findall(f"{QTI}respcondition") if c.findtext(f"{QTI}setvar") == "100"
            ]
            assert scoring
            for ref in res.iter(f"{QTI}displayfeedback"):
                assert item.find(f"{QTI}itemfeedback[@ident='{ref.get('linkrefid')}']") is not None
            if qtype == "numerical_question":
                fib = item.find(f"{QTI}presentation/{QTI}response_str/{QTI}render_fib")
                assert fib is not None and fib.get("fibtype") == "Decimal"
                for c in scoring:
                    assert c.find(f".//{QTI}varequal") is not None
                    lo, hi = c.find(f".//{QTI}vargte"), c.find(f".//{QTI}varlte")
                    if lo is not None:
                        assert hi is not None and float(lo.text or "") <= float(hi.text or "")
            else:
                assert qtype in ("multiple_choice_question", "true_false_question")
                lid = item.find(f"{QTI}presentation/{QTI}response_lid")
                assert lid is not None and lid.get("rcardinality") == "Single"
                ids = [lab.get("ident") for lab in lid.iter(f"{QTI}response_label")]
                (c,) = scoring
                assert c.findtext(f".//{QTI}varequal") in ids
                if qtype == "true_false_question":
                    texts = [
                        lab.findtext(f".//{QTI}mattext") for lab in lid.iter(f"{QTI}response_label")
                    ]
                    assert texts == ["True", "False"]
    return root


def test_qti_export_follows_canvas_layout(nn_exports, readers) -> None:
    root = check_qti(nn_exports["qti"].data, readers)
    QTI = readers.QTI
    types = {
        f.findtext(f"{QTI}fieldentry")
        for f in root.iter(f"{QTI}qtimetadatafield")
        if f.findtext(f"{QTI}fieldlabel") == "question_type"
    }
    assert types == {"numerical_question", "multiple_choice_question", "true_false_question"}
    # one question group per part (and matrix element): each group holds that part's variants
    groups = [g for g in root.iter(f"{QTI}section") if g.get("ident") != "root_section"]
    q1_groups = [g for g in groups if (g.get("title") or "").startswith("q1: ")]
    assert len(q1_groups) == 2  # z and y_hat
    assert all(len(g.findall(f"{QTI}item")) == 2 for g in q1_groups)


def test_canvas_scales_values_whose_margin_four_decimals_would_lose(hand, readers) -> None:
    quiz = hand.load(2)
    tiny = quiz.questions[1].variants[0].blanks[0]
    assert isinstance(tiny, NumericBlank)
    k = canvas_scale(tiny)
    assert tiny.margin < 5e-4 <= tiny.margin * 10**k < 5e-3
    reads = [r for r in readers.qti(write_qti(quiz).data) if r.name.startswith("h2 ")]
    assert reads and all(r.scale == 10**k for r in reads)
    for r, variant in zip(reads, quiz.questions[1].variants, strict=True):
        (exact, tol, _, _) = r.numeric[0][0]
        assert exact == pytest.approx(variant.blanks[0].value * 10**k, rel=1e-9)
        assert round(tol, 4) > 0  # survives Canvas's four decimals
    # an integer or a value to 3 decimal places needs no scaling
    h1 = quiz.questions[0].variants[0]
    assert [canvas_scale(b) for b in h1.blanks if isinstance(b, NumericBlank)] == [0] * 6
    assert "times a power of 10" in " ".join(write_qti(quiz).notes)


# --- GIFT -------------------------------------------------------------------------------------


def test_gift_export_follows_the_format(nn_exports, readers) -> None:
    text = nn_exports["gift"].data.decode("utf-8")
    reads = readers.gift(nn_exports["gift"].data)
    assert len(reads) == nn_exports["gift"].items
    assert {r.qtype for r in reads} == {"numerical", "multichoice", "truefalse"}
    categories = re.findall(r"^\$CATEGORY: (.+)$", text, flags=re.M)
    assert len(categories) == len(set(categories))
    assert all(c.startswith("$course$/nn-quiz/q") for c in categories)
    for block in text.split("\n\n"):
        lines = [ln for ln in block.split("\n") if ln and not ln.startswith("//")]
        if lines and lines[0].startswith("::"):
            assert lines[0].count("{") - lines[0].count("\\{") == 1  # one answer block


def test_gift_escape_covers_every_reserved_character() -> None:
    assert gift_escape("a~b=c#d{e}f:g\\h\ni") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni"


def test_cloze_escape_covers_every_special_character() -> None:
    assert cloze_escape('} # ~ / " \\ <&>') == '\\} \\# \\~ \\/ \\" \\\\ &lt;&amp;&gt;'


# --- hostile text, every format ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["moodle", "qti", "gift"])
def test_special_characters_survive_a_round_trip(fmt, hand, readers) -> None:
    quiz = hand.load(2)
    writer = {"moodle": write_moodle, "qti": write_qti, "gift": write_gift}[fmt]
    export = writer(quiz)
    if fmt == "moodle":
        check_moodle(export.data, readers)
    elif fmt == "qti":
        check_qti(export.data, readers)
    reads = readers.by_format[fmt](export.data)
    assert reads
    for r in reads:
        assert hand.NASTY in plain(r.text), (fmt, r.name)
    # the statement's braces opened no Cloze sub-question: h1 has a, n and 4 matrix elements
    if fmt == "moodle":
        h1 = [r for r in reads if r.name.startswith("h1 ")]
        assert [len(r.numeric) for r in h1] == [6, 6]
    # option texts come back intact and exactly one is right
    wanted = {"x {=} y", "p # q ~ r : s", 'back \\ slash "quoted" <tag>'}
    for r in reads:
        if r.name.startswith("h3 "):
            (options,) = r.choices
            assert {o for o, _, _ in options} == wanted
            assert [f for _, f, _ in options].count(1.0) == 1
    # the option list was taken out of the statement (the LMS shows the options itself)
    assert not any("(A) x {=} y" in plain(r.text) for r in reads)


@pytest.mark.parametrize("fmt", ["moodle", "gift"])
def test_misconception_values_are_wrong_answers_with_feedback(fmt, hand, readers) -> None:
    reads = readers.by_format[fmt](
        ({"moodle": write_moodle, "gift": write_gift}[fmt])(hand.load(2)).data
    )
    blanks: dict[tuple[int, str], list] = {}
    for r in reads:
        if m := re.match(r"h1 \(.*\) v(\d+)(?: (\S+))?$", r.name):
            k = int(m.group(1))
            if fmt == "moodle":  # one Cloze: a, n, then the matrix elements
                blanks[(k, "a")], blanks[(k, "n")] = r.numeric[0], r.numeric[1]
            else:
                blanks[(k, m.group(2))] = r.numeric[0]
    for k in (1, 2):
        a = blanks[(k, "a")]
        # 0.25k is the missing-half mistake; 0.125k + 1e-5 lies inside the right range: dropped
        assert [(v, f) for v, _, f, _ in a] == [(0.125 * k, 1.0), (0.25 * k, 0.0)]
        assert "You dropped the 1/2" in a[1][3]
        n = blanks[(k, "n")]
        assert [(v, t, f) for v, t, f, _ in n] == [(6 + k, 0.0, 1.0), (7 + k, 0.0, 0.0)]
        assert "off by one" in n[1][3]


def test_expression_parts_are_reported_not_dropped(hand) -> None:
    quiz = hand.load(2)
    assert quiz.questions[0].skipped == (("e", "symbolic expression"),)
    for writer in (write_moodle, write_qti, write_gift):
        assert "h1.e not exportable (symbolic expression)" in writer(quiz).notes


def test_cloze_weights_share_a_part_among_its_matrix_elements(hand, readers) -> None:
    reads = readers.moodle(write_moodle(hand.load(1)).data)
    (h1,) = [r for r in reads if r.name.startswith("h1 ")]
    weights = [w for _, w, _ in readers.cloze_subquestions(h1.text)]
    assert weights == [4, 4, 1, 1, 1, 1]  # a, n, then the 2x2 matrix: each part weighs 4


def test_a_one_dimensional_matrix_answer_is_a_row_of_blanks() -> None:
    from exercises.base import Kind, Mistake, Part, Problem, Tolerance
    from grader.lms.quiz import quiz_question

    part = Part(
        "v",
        "the row",
        Kind.MATRIX,
        [1.0, 2.0, 3.0],
        Tolerance(decimals=1),
        (Mistake("mlp-missing-bias", [1.0, 5.0, 3.0]),),
    )
    q = quiz_question(
        "r",
        "hand",
        "Row",
        1,
        [Problem("hand", {}, "Row.", (part,))],
        texts=lambda p: ("<p>s</p>", "<p>t</p>"),
    )
    (variant,) = q.variants
    assert variant.shapes == {"v": (1, 3)}
    assert [b.key for b in variant.blanks] == ["v[0][0]", "v[0][1]", "v[0][2]"]
    assert [len(b.answers) for b in variant.blanks] == [
        1,
        2,
        1,
    ]  # the mistake differs only at [0][1]


def test_a_row_of_classes_is_asked_entry_by_entry() -> None:
    from grader.assignment import parse_assignment
    from grader.lms.quiz import build_quiz

    spec = parse_assignment(
        'name = "c"\n[[question]]\nid = "net"\nexercise = "mlp_forward"\n'
        "params = { X = [[1, 0, 1], [1, 1, 0]], weights = [[[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]],"
        " [[0.1, 0.2], [-0.3, 0.4], [0.5, -0.6]], [[1, -1], [0.5, 0.5], [-0.5, 2]]],"
        " augment = [false, true, true] }\n"
    )
    (variant,) = build_quiz(spec).questions[0].variants
    prompts = {b.key: b.prompt for b in variant.blanks}
    assert prompts["predicted_class[0][1]"].endswith("(0-based), entry 2")
    assert prompts["output[1][0]"].endswith("matrix, row 2, column 1")
