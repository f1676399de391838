"""A question-wide tolerance loosens measured numbers, never class numbers or whole pixel sums."""

from __future__ import annotations

from typing import Any

import numpy as np

from exercises.base import EXACT, Problem, Tolerance
from grader.answers.marking import Marking, mark_question
from grader.assignment import Question
from grader.topics import get_exercise
from grader.variants import adjust

NETWORK = {
    "X": [[1, 0, 1], [1, 1, 0]],
    "weights": [
        [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]],
        [[0.1, 0.2], [-0.3, 0.4], [0.5, -0.6]],
        [[1, -1], [0.5, 0.5], [-0.5, 2]],
    ],
    "augment": [False, True, True],
}
ONE_PLACE = Tolerance(decimals=1)


def _marks(problem: Problem, answers: dict[str, Any], **kw: Any) -> dict[str, float]:
    exercise = get_exercise(problem.exercise)
    points = {p.id: 1.0 for p in problem.parts}
    marks = mark_question(exercise, problem, answers, Marking(points, **kw))
    return {m.part: m.credit for m in marks}


def test_the_output_takes_the_tolerance_the_predicted_class_stays_exact():
    problem = get_exercise("mlp_forward").build(NETWORK)
    adjusted = adjust(problem, Question("q", "mlp_forward", 1.0, tolerance=ONE_PLACE))
    assert adjusted.part("output").tolerance == ONE_PLACE
    assert adjusted.part("predicted_class").tolerance == EXACT


def test_a_class_near_the_right_one_is_wrong_under_a_question_tolerance():
    problem = get_exercise("mlp_forward").build(NETWORK)
    answers = {"output": "0.7 0.6; 0.7 0.6", "predicted_class": "0.04 0.05"}
    marks = _marks(problem, answers, tolerance=ONE_PLACE)
    assert marks == {"output": 1.0, "predicted_class": 0.0}
    assert _marks(problem, {**answers, "predicted_class": "0 0"}, tolerance=ONE_PLACE) == {
        "output": 1.0,
        "predicted_class": 1.0,
    }


def test_a_feature_map_of_fractions_takes_the_tolerance():
    params = {"image": [[1, 2, 0], [0, 1, 2], [2, 0, 1]], "kernel": [[0.25, 0.5], [0.125, 1]]}
    problem = get_exercise("conv_feature_map").build(params)
    assert not np.all(np.asarray(problem.part("feature_map").answer) % 1 == 0)
    adjusted = adjust(problem, Question("q", "conv_feature_map", 1.0, tolerance=ONE_PLACE))
    assert adjusted.part("feature_map").tolerance == ONE_PLACE
