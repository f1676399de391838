"""Absurd pinned parameters are refused with a reason that names them, never a crash."""

from __future__ import annotations

import numpy as np
import pytest

from grader.topics import CATALOGUE


@pytest.mark.parametrize(
    ("exercise", "params", "needle"),
    [
        ("conv_feature_map", {"kernel": [[1e308, 1e308], [1e308, 1e308]]}, "'kernel[0][0]'"),
        ("neuron_output", {"x": 1e200, "w": 1e200}, "'x'"),
        ("neuron_backprop", {"lr": 1e7}, "'lr'"),
        ("mlp_forward", {"X": [[1, 1e300]]}, "'X[0][1]'"),
        ("mlp_backprop", {"Y": [[1e9]]}, "'Y[0][0]'"),
        ("sigmoid_derivative", {"beta": 1e300}, "'beta'"),
        ("pooling", {"image": [[1e308, 1], [1, 1]]}, "'image[0][0]'"),
        ("cnn_param_count", {"input": [28, 1e300, 1]}, "'input[1]'"),
    ],
)
def test_huge_numbers_are_refused_by_name(exercise, params, needle):
    with pytest.raises(ValueError, match="must be between") as info:
        CATALOGUE[exercise].generate(np.random.default_rng(0), params)
    assert needle in str(info.value)


def test_a_huge_whole_number_is_shown_short():
    with pytest.raises(ValueError) as info:
        CATALOGUE["conv_feature_map"].generate(np.random.default_rng(0), {"stride": 1e300})
    assert str(info.value).endswith("got 1e+300")


@pytest.mark.parametrize(("padding", "words"), [(1, "1 row and column"), (2, "2 rows and columns")])
def test_padding_is_worded_in_the_right_number(padding, words):
    problem = CATALOGUE["conv_feature_map"].generate(np.random.default_rng(0), {"padding": padding})
    assert f"with stride 1 and {words} of zero padding" in problem.statement
    assert "(s)" not in problem.statement


def test_stride_and_padding_are_both_always_stated():
    problem = CATALOGUE["conv_feature_map"].generate(
        np.random.default_rng(0), {"stride": 2, "padding": 0}
    )
    assert "with stride 2 and no padding;" in problem.statement
