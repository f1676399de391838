"""Per-student seeds, variants from the secret, rebuilding from key.json, rosters."""

from __future__ import annotations

import json

import pytest

from exercises.base import to_json
from grader.assignment import load_assignment, parse_assignment
from grader.errors import InputError
from grader.roster import load_roster
from grader.seeds import code_seed, derive, question_rng, read_secret
from grader.variants import build_variants, cross_check, problems_from_key


def test_seeds_depend_on_every_field_and_on_the_secret():
    base = question_rng(b"s", "a", "q1", "A1").integers(1 << 62)
    assert question_rng(b"s", "a", "q1", "A1").integers(1 << 62) == base
    for args in [(b"t", "a", "q1", "A1"), (b"s", "b", "q1", "A1"), (b"s", "a", "q2", "A1"),
                 (b"s", "a", "q1", "A2")]:  # fmt: skip
        assert question_rng(*args).integers(1 << 62) != base
    # fields cannot run into each other
    assert derive(b"s", "ab", "c") != derive(b"s", "a", "bc")
    assert code_seed(b"s", "a", "A1") != code_seed(b"s", "a", "A2")
    assert 0 <= code_seed(b"s", "a", "A1") < 2**64
    with pytest.raises(ValueError):
        derive(b"", "a")


def test_hmac_is_the_documented_construction():
    import hashlib
    import hmac

    expected = hmac.new(b"k", json.dumps(["code", "a", "s"]).encode(), hashlib.sha256).digest()
    assert derive(b"k", "code", "a", "s") == expected


def test_secret_file_rules(tmp_path):
    f = tmp_path / "secret"
    f.write_bytes(b"abc\n")
    assert read_secret(str(f)) == b"abc"
    f.write_bytes(b"\n")
    with pytest.raises(InputError, match="empty"):
        read_secret(str(f))
    with pytest.raises(InputError, match="cannot read"):
        read_secret(str(tmp_path / "missing"))


def test_variants_are_per_student_and_reproducible():
    quiz = load_assignment("nn-quiz")
    a1 = build_variants(quiz, "A1", b"secret")
    again = build_variants(quiz, "A1", b"secret")
    a2 = build_variants(quiz, "A2", b"secret")
    assert [q.id for q in quiz.questions] == list(a1)
    assert {k: to_json(p.params) for k, p in a1.items()} == {
        k: to_json(p.params) for k, p in again.items()
    }
    differ = [k for k in a1 if to_json(a1[k].params) != to_json(a2[k].params)]
    pinned = {q.id for q in quiz.questions if q.params}
    assert set(a1) - set(differ) <= pinned | {"q11", "q12", "q13"}  # concept banks may repeat
    assert len(differ) >= 8
    # pinned questions are kept exactly; rounding and tolerances from the assignment
    assert a1["q3"].params == {"x": 0.5, "y": 1.5, "w": 0.3, "b": 0.1, "lr": 0.1}
    assert a1["q3"].hand_rounding == 2
    assert all(p.tolerance.decimals == 3 for p in a1["q3"].parts)
    assert a1["q6"].hand_rounding is None
    # the concept questions of one student are different questions
    concepts = [a1[q].params["question"] for q in ("q11", "q12", "q13")]
    assert len(set(concepts)) == 3


def test_problems_from_key_rebuild_the_recorded_variants():
    quiz = load_assignment("nn-quiz")
    made = build_variants(quiz, "A1", b"secret")
    key = {
        "assignment": "nn-quiz",
        "variants": {"A1": {q: {"exercise": p.exercise, "params": to_json(p.params)}
                            for q, p in made.items()}},
    }  # fmt: skip
    key = json.loads(json.dumps(key))
    rebuilt = problems_from_key(key, "A1", quiz)
    assert {q: p.key() for q, p in rebuilt.items()} == {q: p.key() for q, p in made.items()}
    assert rebuilt["q3"].hand_rounding == 2
    assert cross_check(key, "A1", quiz, b"secret") == []
    assert set(cross_check(key, "A1", quiz, b"other")) >= {"q1", "q2"}
    with pytest.raises(InputError, match="no variants recorded"):
        problems_from_key(key, "B9", quiz)
    key["variants"]["A1"]["q1"]["params"]["x"] = "bad"
    with pytest.raises(InputError, match="'x'"):
        problems_from_key(key, "A1", quiz)


def test_bad_pinned_params_in_an_assignment_name_the_question():
    text = """
name = "t"
[[question]]
id = "only"
exercise = "neuron_backprop"
params = { x = "half" }
"""
    with pytest.raises(InputError, match=r"question 'only'.*'x'"):
        build_variants(parse_assignment(text), "A1", b"s")


def test_roster_plain_csv(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("id,name,email\nA1,Ann,a@x.org\n\nB2,Bob,\n", encoding="utf-8")
    roster = load_roster(f)
    assert roster.ids == ("A1", "B2") and not roster.canvas
    assert roster.students[0].name == "Ann" and roster.students[0].email == "a@x.org"
    assert roster.students[1].row == {"id": "B2", "name": "Bob", "email": ""}


def test_roster_canvas_export(tmp_path):
    f = tmp_path / "canvas.csv"
    f.write_text(
        "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Quiz (12)\n"
        "    Points Possible,,,,,10\n"
        '"Tan, Ah Kow",1001,A0123456X,e0123456,EE2211,\n'
        '"Student, Test",1002,,,EE2211,\n'
        '"Lim, Mei",1003,A0999999Y,e0999999,EE2211,\n',
        encoding="utf-8",
    )
    roster = load_roster(f)
    assert roster.canvas and roster.ids == ("A0123456X", "A0999999Y")
    assert roster.students[0].name == "Tan, Ah Kow"
    assert roster.students[0].row["ID"] == "1001"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,email\nAnn,a@x\n", "needs an `id` column"),
        ("id\nA1\nA1\n", "appears twice"),
        ("id\n../etc\n", "may hold only"),
        ("id,name\n,Ann\n", "empty"),
        ("id\n", "no students"),
    ],
)
def test_roster_errors(tmp_path, text, message):
    f = tmp_path / "r.csv"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_roster(f)
    with pytest.raises(InputError, match="no such roster"):
        load_roster(tmp_path / "missing.csv")


def test_rounding_is_promised_only_where_a_variant_reads_values_off_a_calculator():
    from types import SimpleNamespace

    from grader.assignment import Question
    from grader.problem_sets import items_for
    from grader.render import render_answer_sheet, render_problem_set
    from grader.topics import CATALOGUE
    from grader.variants import adjust

    question = Question(id="q1", exercise="neuron_output", points=2, rounding=2)
    neuron = CATALOGUE["neuron_output"]
    base = {"x": [0.5, -1.0], "w": [0.3, 0.2], "b": 0.1}
    for activation, promised in (("sigmoid", True), ("relu", False), ("linear", False)):
        problem = adjust(neuron.build({**base, "activation": activation}), question)
        assert (problem.hand_rounding == 2) is promised, activation
        quiz = SimpleNamespace(name="quiz", questions=[question])
        items = items_for(quiz, {"q1": problem})
        for text in (
            render_problem_set("Quiz", "A1", items, "md"),
            render_answer_sheet("quiz", "A1", items),
        ):
            assert ("You may round intermediate values" in text) is promised, activation
