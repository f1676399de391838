"""Exercise ids mapped to exercises, in the order a course teaches them."""

from __future__ import annotations

from exercises.activations import SigmoidDerivative
from exercises.base import Exercise
from exercises.concept import Concept
from exercises.conv import ConvFeatureMap, ConvOutputSize, ParamCount
from exercises.mlp import MLPBackprop, MLPForward
from exercises.neuron import NeuronBackprop, NeuronOutput

CATALOGUE: dict[str, Exercise] = {
    e.id: e
    for e in (
        NeuronOutput(),
        SigmoidDerivative(),
        NeuronBackprop(),
        MLPForward(),
        MLPBackprop(),
        ConvFeatureMap(),
        ConvOutputSize(),
        ParamCount(),
        Concept(),
    )
}


def get_exercise(exercise_id: str) -> Exercise:
    """The exercise called ``exercise_id``, or a KeyError listing the known ids."""
    try:
        return CATALOGUE[exercise_id]
    except KeyError:
        known = ", ".join(CATALOGUE) or "none yet"
        raise KeyError(f"unknown exercise {exercise_id!r}; known: {known}") from None
