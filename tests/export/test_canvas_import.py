"""The QTI zip as Canvas imports it: every numerical item keeps its answer and its margin.

``canvas_import`` follows Instructure's QTI 1.2 to 2.1 converter and Canvas's numerical reader
(see its docstring); the zip is written by ``grader export`` on the command line.
"""

from __future__ import annotations

import importlib.util
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.assignment import load_assignment
from grader.cli import main
from grader.lms.common import variant_name
from grader.lms.qti import canvas_scale
from grader.lms.quiz import NumericBlank, build_quiz

CANVAS = "{http://canvas.instructure.com/xsd/cccv1p0}"


def _oracle():
    """``canvas_import.py`` beside this file (tests are imported without a package)."""
    spec = importlib.util.spec_from_file_location(
        "export_canvas_import", Path(__file__).with_name("canvas_import.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


_canvas = _oracle()
QTI12 = _canvas.QTI12
canvas_answers, import_numeric_item, to_qti21 = (
    _canvas.canvas_answers,
    _canvas.import_numeric_item,
    _canvas.to_qti21,
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("qti") / "quiz.zip"
    args = ["--assignment", "nn-quiz", "--format", "qti", "--out", str(out), "--variants", "3"]
    result = CliRunner().invoke(main, ["export", *args])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def _items(data: bytes, readers) -> dict[str, ET.Element]:
    root = readers.qti_assessment(data)
    return {item.get("title", ""): item for item in root.iter(f"{QTI12}item")}


def _blanks():
    quiz = build_quiz(load_assignment("nn-quiz"), 3, 0)
    for question in quiz.questions:
        for variant in question.variants:
            for blank in variant.blanks:
                if isinstance(blank, NumericBlank):
                    yield variant_name(question, variant, blank.key), blank


def test_every_numerical_item_keeps_its_answer_and_margin_through_canvas(exported, readers):
    items = _items(exported, readers)
    blanks = list(_blanks())
    integers = 0
    for title, blank in blanks:
        answers = import_numeric_item(items[title])
        right = [a for a in blank.answers if a.fraction > 0]
        assert len(answers) == len(right), title
        factor = 10.0 ** canvas_scale(blank)
        for a in right:
            value, margin = a.value * factor, a.margin * factor
            (got,) = [c for c in answers if c.exact is not None and c.accepts(value)]
            assert got.kind == "exact_answer"
            assert got.margin == pytest.approx(margin, rel=1e-6, abs=1e-9), title
            step = max(margin, 1e-3 * max(1.0, abs(value)))
            assert not got.accepts(value + 2 * step) and not got.accepts(value - 2 * step)
        if blank.integer:
            integers += 1
            (key,) = answers[:1]
            assert key.margin == 0 and key.exact == round(blank.answers[0].value)
            assert not key.accepts(key.exact + 1)  # type: ignore[operator]
    # nn-quiz asks output sizes and parameter counts: exact integers, the case once lost
    assert integers >= 12
    assert len(blanks) == sum(
        1 for item in items.values() if "numerical_question" in ET.tostring(item, "unicode")
    )


def test_the_oracle_reads_no_answer_from_a_bare_varequal() -> None:
    """What the writer once wrote for an exact integer: Canvas kept no answer, so it scored 0."""
    item = ET.fromstring(
        f'<item xmlns="{QTI12[1:-1]}"><presentation><response_str ident="response1">'
        '<render_fib fibtype="Decimal"/></response_str></presentation><resprocessing>'
        '<respcondition continue="No"><conditionvar><varequal respident="response1">12'
        '</varequal></conditionvar><setvar action="Set" varname="SCORE">100</setvar>'
        "</respcondition></resprocessing></item>"
    )
    assert import_numeric_item(item) == []
    assert [el.tag.split("}")[1] for el in to_qti21(item).iter()][3] == "stringMatch"


def test_the_oracle_reads_ranges_and_precision_answers_as_canvas_does() -> None:
    def item(condition: str) -> ET.Element:
        return ET.fromstring(
            f'<item xmlns="{QTI12[1:-1]}"><response_str/><resprocessing><respcondition>'
            f"<conditionvar>{condition}</conditionvar></respcondition></resprocessing></item>"
        )

    (rng,) = import_numeric_item(item("<and><vargte>6</vargte><varlte>8</varlte></and>"))
    assert (rng.kind, rng.start, rng.end) == ("range_answer", 6.0, 8.0)
    assert rng.accepts(7) and not rng.accepts(8.5)
    (prec,) = import_numeric_item(
        item("<or><varequal>9.0</varequal><and><vargt>8.95</vargt><varlte>9.05</varlte></and></or>")
    )
    assert prec.kind == "precision_answer"
    (exact,) = import_numeric_item(
        item("<or><varequal>5</varequal><and><vargte>4</vargte><varlte>6</varlte></and></or>")
    )
    assert (exact.kind, exact.exact, exact.margin) == ("exact_answer", 5.0, 1.0)
    assert canvas_answers(to_qti21(item("<other/>"))) == []


def test_assessment_meta_makes_the_quiz_a_graded_assignment(exported, readers) -> None:
    files = readers.qti_files(exported)
    root = readers.qti_assessment(exported)
    quiz_id = root.find(f"{QTI12}assessment").get("ident")  # type: ignore[union-attr]
    meta = ET.fromstring(files[f"{quiz_id}/assessment_meta.xml"])
    block = meta.find(f"{CANVAS}assignment")
    assert block is not None and block.get("identifier")
    assert block.get("identifier") != quiz_id
    assert block.findtext(f"{CANVAS}quiz_identifierref") == quiz_id
    assert block.findtext(f"{CANVAS}title") == meta.findtext(f"{CANVAS}title")
    points = float(meta.findtext(f"{CANVAS}points_possible") or "nan")
    assert float(block.findtext(f"{CANVAS}points_possible") or "nan") == points
    assert points == load_assignment("nn-quiz").max_score
    assert block.findtext(f"{CANVAS}submission_types") == "online_quiz"
    assert block.findtext(f"{CANVAS}grading_type") == "points"
