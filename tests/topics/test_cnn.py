"""The cnn topic: the cnn_param_count exercise (published and brute-force numbers, pinned and
hostile parameters, known mistakes, follow-through, worked solution) and its code function."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from exercises.base import Kind
from grader.answers.marking import Marking, mark_question
from grader.topics import CATALOGUE, code_function, describe, misconceptions, worked_solution
from grader.topics.cnn import KERAS_MNIST
from reference import cnn_param_count, cnn_summary
from tests.reference.test_cnn import brute_force

EX = CATALOGUE["cnn_param_count"]
MNIST = {"input": KERAS_MNIST[0], "layers": KERAS_MNIST[1]}


def problems(n=30):
    return [EX.generate(np.random.default_rng(s)) for s in range(n)]


def mark(problem, answers):
    points = {p.id: 1.0 for p in problem.parts}
    marks = mark_question(EX, problem, answers, Marking(points=points))
    return {m.part: m for m in marks}


def test_keras_mnist_convnet_part_by_part():
    p = EX.build(MNIST)
    assert p.key() == {
        "params1": 320, "shape1": [26, 26, 32],
        "params2": 0, "shape2": [13, 13, 32],
        "params3": 18_496, "shape3": [11, 11, 64],
        "params4": 0, "shape4": [5, 5, 64],
        "params5": 16_010, "shape5": [10],
        "total": 34_826,
    }  # fmt: skip
    assert p.part("shape1").kind is Kind.MATRIX and p.part("total").kind is Kind.INTEGER


def test_vgg16_block_pinned():
    p = EX.build({"input": [224, 224, 3], "layers": ["conv 64 3x3 same", "conv 64 3x3 same"]})
    assert (p.part("params1").answer, p.part("params2").answer) == (1_792, 36_928)
    assert p.part("shape2").answer.tolist() == [224, 224, 64]


def test_random_variants_against_brute_force():
    sizes = set()
    for p in problems():
        layers = p.params["layers"]
        sizes.add(len(layers))
        expected = brute_force(p.params["input"], layers)
        for i, (shape, count) in enumerate(expected, start=1):
            assert p.part(f"params{i}").answer == count
            assert tuple(p.part(f"shape{i}").answer.astype(int)) == shape
        assert p.part("total").answer == sum(c for _, c in expected)
        assert layers[0].startswith("conv") and layers[-1].startswith("dense")
        assert p.key() == EX.build(p.as_json()["params"]).key()  # rebuilt from key.json
    assert sizes == {2, 3, 4, 5}


def test_pinned_input_or_layers_alone_are_kept_and_fitted():
    for seed in range(10):
        p = EX.generate(np.random.default_rng(seed), {"input": [12, 12, 2]})
        assert p.params["input"] == [12, 12, 2]
        p = EX.generate(np.random.default_rng(seed), {"layers": ["conv 4 5x5", "dense 3"]})
        assert p.params["layers"] == ["conv 4 5x5", "dense 3"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"layers": ["conv 32 3x"]}, "parameter 'layers[0]' ('conv 32 3x'): '3x' lacks its second"),
        ({"layers": ["dense 10", "conv 3 3x3"]}, "'layers[0]' ('dense 10') comes before any conv"),
        ({"layers": ["maxpool 2"]}, "parameter 'layers' has no conv layer"),
        ({"input": [4, 4, 1], "layers": ["conv 3 5x5"]}, "its 5x5 window does not fit the 4x4x1"),
        ({"layers": ["conv 3 3x3", "dense 4", "conv 2 1x1"]}, "'layers[2]' ('conv 2 1x1'): a conv"),
        ({"layers": "conv 3 3x3"}, "parameter 'layers' must be a list of layer strings"),
        ({"layers": []}, "parameter 'layers' must be a list"),
        ({"layers": ["conv 3 3x3"] * 11}, "has 11 layers; at most 10"),
        ({"layers": [{"conv": 3}]}, "'layers[0]' ({'conv': 3}): a layer must be text"),
        ({"input": [28, 28]}, "parameter 'input' must be [H, W, C]"),
        ({"input": "28x28x1"}, "parameter 'input' must be [H, W, C]"),
        ({"input": [28, 1e300, 1]}, "parameter 'input[1]' must be between 1 and 4096, got 1e+300"),
        ({"input": [28, 28, 1.5]}, "parameter 'input[2]' must be a whole number"),
        ({"input": [28, 28, True]}, "parameter 'input[2]' must be a whole number"),
        ({"input": [4096, 4096, 4096], "layers": ["conv 9 1x1", "dense 100000"]}, "at most"),
        ({"size": 3}, "unknown parameter 'size'; parameters are input, layers"),
    ],
)
def test_hostile_params_are_refused_in_one_line(params, message):
    with pytest.raises(ValueError) as info:
        EX.generate(np.random.default_rng(0), params)
    text = str(info.value)
    assert text.startswith("cnn_param_count: ") and message in text and "\n" not in text


def test_known_mistakes_are_named():
    p = EX.build(MNIST)
    mistakes = {part.id: {m.misconception: m.value for m in part.mistakes} for part in p.parts}
    assert mistakes["params1"]["param-count-missing-bias"] == 288
    assert mistakes["params3"]["param-count-missing-depth"] == (9 + 1) * 64  # C_in left out
    pooled = [m.value for m in p.part("params2").mistakes]
    assert pooled == [(2 * 2 * 32 + 1) * 32, (2 * 2 + 1) * 32, 2 * 2 * 32]
    # the input image flattened, or the map before the pooling: 28·28·1, 11·11·64
    flat = [
        m.value for m in p.part("params5").mistakes if m.misconception == "cnn-flatten-size-wrong"
    ]
    assert flat == [(28 * 28 + 1) * 10, (11 * 11 * 64 + 1) * 10]
    assert mistakes["shape1"]["cnn-output-depth-wrong"].tolist() == [26, 26, 1]
    first = p.part("total").mistakes[0]
    assert (first.misconception, first.value) == ("param-count-missing-bias", 34_826 - 32 - 64 - 10)
    for part in p.parts:
        for m in part.mistakes:
            marks = mark(p, {part.id: m.value.tolist() if hasattr(m.value, "tolist") else m.value})
            assert marks[part.id].status == "misconception", (part.id, marks[part.id])
            assert marks[part.id].tags == (m.misconception,)
            assert describe(m.misconception) in marks[part.id].message


def test_every_variant_names_the_missing_bias_and_its_mistakes_differ():
    for p in problems():
        for part in p.parts:
            values = [np.asarray(m.value, dtype=float) for m in part.mistakes]
            answer = np.asarray(part.answer, dtype=float)
            assert all(v.shape != answer.shape or (v != answer).any() for v in values)
            if part.id.startswith("params") and part.answer:
                assert part.mistakes[0].misconception == "param-count-missing-bias"


def test_the_key_is_right_and_shapes_are_read_in_every_written_form():
    p = EX.build(MNIST)
    for shape in ([26, 26, 32], "26 26 32", "(26, 26, 32)", "[26, 26, 32]", "26, 26, 32"):
        assert mark(p, {"shape1": shape})["shape1"].status == "right", shape
    assert mark(p, {"shape5": 10})["shape5"].status == "right"
    assert mark(p, {"shape5": "(10,)"})["shape5"].status == "right"
    assert all(m.status == "right" for m in mark(p, p.key()).values())


def test_follow_through_from_the_students_own_shapes_and_counts():
    p = EX.build(MNIST)
    answers = p.key()
    answers["shape4"] = [7, 7, 64]  # wrong: the next layer flattens 7·7·64
    answers["params5"] = (7 * 7 * 64 + 1) * 10
    answers["shape1"] = [24, 24, 32]  # wrong: the pooling after it halves 24
    answers["shape2"] = [12, 12, 32]
    answers["params1"] = 288  # the bias forgotten: the total is worked from it
    answers["total"] = 288 + 0 + 18_496 + 0 + (7 * 7 * 64 + 1) * 10
    marks = mark(p, answers)
    assert marks["shape4"].status == "wrong" and marks["shape1"].status == "wrong"
    for part in ("params5", "shape2", "total"):
        assert marks[part].status == "carried", (part, marks[part])
        assert marks[part].credit == 1.0
    assert "error carried forward" in marks["params5"].message
    assert "7  7  64" in marks["params5"].message  # the answer it follows from
    assert marks["params1"].tags == ("param-count-missing-bias",)
    # a later layer's count on the student's own wrong shape, still with a known mistake
    answers["params5"] = 7 * 7 * 64 * 10
    assert mark(p, answers)["params5"].tags == ("param-count-missing-bias",)
    # a carried value that is wrong even so is wrong
    answers["params5"] = 12345
    assert mark(p, answers)["params5"].status == "wrong"


def test_an_unusable_earlier_shape_is_no_follow_through():
    p = EX.build(MNIST)
    answers = {**p.key(), "shape4": [5, 5], "params5": 4}
    marks = mark(p, answers)
    assert marks["shape4"].status == "wrong" and "shape" in marks["shape4"].message
    assert marks["params5"].status == "wrong"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("26 x 26 x 32", "could not read"),
        ("26 26; 32 1", "wrong: got shape (2, 2), expected (1, 3)"),
        ("twenty", "could not read"),
        ("", "unanswered"),
        ([[26, [26]], 32], "unreadable"),
    ],
)
def test_malformed_shapes(value, reason):
    p = EX.build(MNIST)
    got = mark(p, {"shape1": value})["shape1"]
    assert got.status in ("unreadable", "wrong", "unanswered") and reason in got.message
    assert got.credit == 0


def test_no_hand_rounding():
    p = EX.build(MNIST)
    assert EX.by_hand(p, 2) is None and not EX.hand_applies(p.params)
    assert worked_solution(p, 2).rounding is None


def test_worked_solution_text():
    p = EX.build(MNIST)
    text = [s.math("text") for s in worked_solution(p).steps]
    assert "P₁ = (k_h·k_w·C_in + 1)·F = (3·3·1 + 1)·32 = 320" in text
    assert "shape₁ = (⌊(H − k_h)/s⌋ + 1, ⌊(W − k_w)/s⌋ + 1, F) = " in text[1]
    assert text[1].endswith("(⌊(28 − 3)/1⌋ + 1, ⌊(28 − 3)/1⌋ + 1, 32) = (26, 26, 32)")
    assert "n_in = H·W·C = 5·5·64 = 1600" in text
    assert "P₅ = (n_in + 1)·N = (1600 + 1)·10 = 16010" in text
    assert text[-1] == "P = P₁ + P₂ + P₃ + P₄ + P₅ = 320 + 0 + 18496 + 0 + 16010 = 34826"
    same = EX.build({"input": [7, 7, 1], "layers": ["conv 2 3x3 s2 same", "dense 1"]})
    assert "(⌈H/s⌉, ⌈W/s⌉, F) = (⌈7/2⌉, ⌈7/2⌉, 2) = (4, 4, 2)" in worked_solution(same).steps[
        1
    ].math("text")


def test_counting_formulas_are_checked_with_sympy():
    from grader.topics import _cnn_steps

    _cnn_steps.derive_counts.cache_clear()
    assert _cnn_steps.derive_counts() is True


def test_misconceptions_have_a_sentence_and_a_fix():
    known = misconceptions()
    for mid in ("cnn-flatten-size-wrong", "cnn-pooling-counted", "cnn-output-depth-wrong"):
        assert mid in known and len(known[mid].text) > 60


# --- the code function --------------------------------------------------------------------


def test_code_cases_match_brute_force_and_name_the_mistakes():
    cases = code_function("cnn_param_count").cases(np.random.default_rng(0))
    assert len(cases) >= 10
    assert cases[0].expected == 34_826
    named = set()
    for case in cases:
        shape, layers = case.args
        assert case.expected == sum(c for _, c in brute_force(list(shape), layers))
        assert case.expected == cnn_param_count(shape, layers)
        named |= {m.misconception for m in case.mistakes}
        assert all(m.value != case.expected for m in case.mistakes)
    assert named == {
        "param-count-missing-bias",
        "param-count-missing-depth",
        "cnn-flatten-size-wrong",
        "cnn-pooling-counted",
    }


def test_summary_rows_are_what_the_exercise_asks():
    rows = cnn_summary(*KERAS_MNIST)
    p = EX.build(MNIST)
    for i, row in enumerate(rows, start=1):
        assert p.part(f"params{i}").answer == row.params
        assert tuple(p.part(f"shape{i}").answer.astype(int)) == row.output_shape


def test_the_course_note_s_worked_example_is_the_reference_s():
    note = (Path(__file__).parents[2] / "docs" / "topics" / "cnn.md").read_text(encoding="utf-8")
    section = note.split("## Worked example")[1].split("## The exercise")[0]
    rows = re.findall(r"^\| (\w[^|]*?) \| \(([\d, ]+)\) \| (?:.*= )?(\d+) \|$", section, re.M)
    assert [r[0] for r in rows] == KERAS_MNIST[1]
    summary = cnn_summary(*KERAS_MNIST)
    for (_, shape, count), row in zip(rows, summary, strict=True):
        assert tuple(int(v) for v in shape.split(",")) == row.output_shape
        assert int(count) == row.params
    (total,) = re.findall(r"^\| total \| \| (\d+) \|$", section, re.M)
    assert int(total) == cnn_param_count(*KERAS_MNIST) == 34_826
    assert "1792" in section and "36928" in section
    vgg = cnn_summary([224, 224, 3], ["conv 64 3x3 same", "conv 64 3x3 same"])
    assert [r.params for r in vgg] == [1792, 36928]
