"""Every export of nn-quiz, read back, holds every question with the key's answers and margins.

The key is rebuilt here independently of ``grader.lms``: variants are drawn by the documented
rule (the per-student stream of ``grader.seeds`` under the secret ``lms-export:<seed>``, the
draw number as the student, repeats skipped), then rebuilt from their parameters by the
catalogue's ``build``.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from typing import Any

import numpy as np
import pytest

from exercises.base import Kind, Problem
from grader.assignment import load_assignment
from grader.lms import export_quiz
from grader.seeds import question_rng
from grader.topics import CATALOGUE, describe
from grader.variants import adjust

VARIANTS = 3
SEED = 11


def statement(problem: Problem) -> str:
    options = {f"({chr(65 + i)}) {o}" for p in problem.parts for i, o in enumerate(p.choices)}
    return "\n".join(ln for ln in problem.statement.split("\n") if ln.strip() not in options)


def key_problems(name: str, variants: int, seed: int) -> dict[str, list[Problem]]:
    assignment = load_assignment(name)
    out: dict[str, list[Problem]] = {}
    used: dict[str, set[str]] = defaultdict(set)  # statements per exercise, earlier questions
    for q in assignment.questions:
        exercise = CATALOGUE[q.exercise]
        seen: set[str] = set()
        fresh: list[Problem] = []
        reused: list[Problem] = []
        for attempt in range(variants * 20):
            rng = question_rng(
                f"lms-export:{seed}".encode(), assignment.name, q.id, f"draw-{attempt}"
            )
            drawn = exercise.generate(rng, dict(q.params) or None)
            text = statement(drawn)
            if text in seen:
                continue
            seen.add(text)
            rebuilt = adjust(exercise.build(drawn.params), q)  # rebuilt from the parameters
            (reused if text in used[q.exercise] else fresh).append(rebuilt)
            if len(fresh) == variants:
                break
        out[q.id] = (fresh + reused)[:variants]
        used[q.exercise].update(statement(p) for p in out[q.id])
    return out


@pytest.fixture(scope="module")
def key() -> dict[str, list[Problem]]:
    return key_problems("nn-quiz", VARIANTS, SEED)


@pytest.fixture(scope="module")
def exports() -> dict[str, Any]:
    assignment = load_assignment("nn-quiz")
    return {fmt: export_quiz(assignment, fmt, VARIANTS, SEED) for fmt in ("moodle", "qti", "gift")}


def expected_blanks(problem: Problem) -> dict[str, dict[str, Any]]:
    """blank key -> {"value", "margin", "mistakes": [(value, misconception)], "kind", ...}."""
    out: dict[str, dict[str, Any]] = {}
    for p in problem.parts:
        if p.kind in (Kind.NUMBER, Kind.INTEGER):
            v = float(p.answer)  # type: ignore[arg-type]
            out[p.id] = {
                "kind": "number",
                "value": v,
                "margin": 0.0 if p.kind is Kind.INTEGER else p.tolerance.margin(v),
                "margin_at": (lambda x: 0.0) if p.kind is Kind.INTEGER else p.tolerance.margin,
                "mistakes": [(float(m.value), m.misconception) for m in p.mistakes],  # type: ignore[arg-type]
            }
        elif p.kind is Kind.MATRIX:
            a = np.atleast_2d(np.asarray(p.answer))  # a vector is one row, as the LMS lays it
            for (r, c), v in np.ndenumerate(a):
                out[f"{p.id}[{r}][{c}]"] = {
                    "kind": "number",
                    "value": float(v),
                    "margin": p.tolerance.margin(float(v)),
                    "margin_at": p.tolerance.margin,
                    "mistakes": [
                        (float(np.atleast_2d(np.asarray(m.value))[r, c]), m.misconception)
                        for m in p.mistakes
                        if np.atleast_2d(np.asarray(m.value)).shape == a.shape
                    ],
                }
        elif p.kind is Kind.CHOICE:
            out[p.id] = {
                "kind": "choice",
                "right": p.choices[ord(str(p.answer)) - ord("A")],
                "options": set(p.choices),
            }
    return out


def check_numeric(
    blank: list[tuple[float, float, float, str]], want: dict[str, Any], scale: float, where: str
) -> None:
    value, tol, fraction, _ = blank[0]
    assert fraction == 1.0, where
    assert value / scale == pytest.approx(want["value"], rel=1e-9, abs=1e-9), where
    assert tol / scale == pytest.approx(want["margin"], rel=1e-6, abs=1e-9), where
    for v, t, f, fb in blank[1:]:
        assert t / scale == pytest.approx(want["margin_at"](v / scale), rel=1e-6, abs=1e-9), where
        if f == 0.0:  # a recognised mistake: its value and its feedback
            matches = [m for m in want["mistakes"] if abs(m[0] - v) <= 1e-9 * max(1.0, abs(v))]
            assert matches, f"{where}: 0 % answer {v} is no known mistake"
            assert any(describe(m[1]) in fb for m in matches), where
        else:  # another right value (worked by hand) must be near the key
            assert abs(v - want["value"] * scale) <= 0.06 * scale * max(1.0, abs(want["value"])), (
                where
            )


def group_by_variant(reads: list[Any], fmt: str) -> dict[tuple[str, int], dict[str, Any]]:
    """(question id, variant) -> {blank key or "#i": read blank} for the export's questions."""
    out: dict[tuple[str, int], dict[str, Any]] = defaultdict(dict)
    for r in reads:
        m = re.match(r"(q\d+) \(.*\) v(\d+)(?: (\S+))?$", r.name)
        assert m, r.name
        qid, v, key = m.group(1), int(m.group(2)), m.group(3)
        if fmt == "moodle":
            assert r.group == f"$course$/nn-quiz/{qid}"
            for i, blank in enumerate(r.numeric):
                out[(qid, v)][f"#n{i}"] = (blank, r.scale)
            for i, blank in enumerate(r.choices):
                out[(qid, v)][f"#c{i}"] = (blank, r.scale)
        else:
            assert key is not None
            if fmt == "gift":
                assert r.group == f"$course$/nn-quiz/{qid}/{key}"
            else:
                assert r.group.startswith(f"{qid}: ")
            (blank,) = r.numeric or r.choices
            out[(qid, v)][key] = (blank, r.scale)
    return out


@pytest.mark.parametrize("fmt", ["moodle", "qti", "gift"])
def test_every_answer_of_every_variant_matches_the_key(fmt, exports, key, readers) -> None:
    reads = readers.by_format[fmt](exports[fmt].data)
    got = group_by_variant(reads, fmt)
    expected_variants = {(qid, i + 1) for qid, probs in key.items() for i in range(len(probs))}
    assert set(got) == expected_variants
    for (qid, v), blanks in got.items():
        want = expected_blanks(key[qid][v - 1])
        if fmt == "moodle":  # Cloze and single questions keep the parts' order
            numbers = [k for k, w in want.items() if w["kind"] == "number"]
            choices = [k for k, w in want.items() if w["kind"] == "choice"]
            keyed = {numbers[int(k[2:])]: b for k, b in blanks.items() if k.startswith("#n")}
            keyed |= {choices[int(k[2:])]: b for k, b in blanks.items() if k.startswith("#c")}
            assert len(keyed) == len(blanks)
        else:
            keyed = blanks
        assert set(keyed) == set(want), (qid, v)
        for k, (blank, scale) in keyed.items():
            where = f"{fmt} {qid} v{v} {k}"
            if want[k]["kind"] == "number":
                check_numeric(blank, want[k], scale, where)
            else:
                right = [o for o, f, _ in blank if f == 1.0]
                assert len(right) == 1, where
                assert right[0].lower() == want[k]["right"].lower(), where
                assert {o.lower() for o, _, _ in blank} == {
                    o.lower() for o in want[k]["options"]
                }, where


def test_every_question_of_nn_quiz_is_exported_with_several_variants(exports, key) -> None:
    pinned = {q.id for q in load_assignment("nn-quiz").questions if q.params}
    for qid, problems in key.items():
        assert len(problems) == (1 if qid in pinned else VARIANTS), qid
    for fmt, export in exports.items():
        assert "q2.expression not exportable (symbolic expression)" in export.notes, fmt


def test_canvas_lists_the_misconceptions_in_the_feedback(exports, key, readers) -> None:
    reads = readers.qti(exports["qti"].data)
    found = 0
    for r in reads:
        m = re.match(r"(q\d+) \(.*\) v(\d+) (\S+)$", r.name)
        assert m
        want = expected_blanks(key[m.group(1)][int(m.group(2)) - 1])[m.group(3)]
        for value, misconception in want.get("mistakes", []):
            if abs(value - want["value"]) > 2 * want["margin"] + 1e-12:
                assert describe(misconception) in html.unescape(r.general), r.name
                found += 1
    assert found > 20


def test_hand_working_is_promised_only_where_the_exercise_has_it() -> None:
    from grader.assignment import parse_assignment
    from grader.lms.quiz import build_quiz

    spec = parse_assignment(
        'name = "r"\n'
        '[[question]]\nid = "q1"\nexercise = "neuron_output"\nrounding = 2\n'
        "params = { x = [1.0, -2.0], w = [0.4, 0.1], b = 0.2 }\n"
        '[[question]]\nid = "q2"\nexercise = "concept"\nrounding = 2\n'
    )
    quiz = build_quiz(spec, variants=1)
    promise = "Answers worked by hand"
    neuron, concept = (q.variants[0].solution_html for q in quiz.questions)
    assert promise in neuron and promise not in concept
