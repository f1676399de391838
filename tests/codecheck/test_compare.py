"""Values, not types: the comparison accepts any honest representation of the right numbers."""

import numpy as np
import pytest

from grader.codecheck.compare import as_array, compare


@pytest.mark.parametrize(
    "got",
    [0.5, 1 / 2, [0.5], np.array([0.5]), np.array([[0.5]])],
)
def test_a_scalar_may_come_as_float_or_one_element(got):
    assert compare(got, 0.5).ok


def test_ints_lists_and_float32_are_values():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert compare([[1, 2], [3, 4]], expected).ok
    assert compare(np.array([[1, 2], [3, 4]], dtype=np.float32).astype(float), expected).ok
    assert compare(3, 3).ok and compare(3.0, 3).ok
    assert not compare(3.5, 3).ok


def test_check_order_type_then_shape_then_finite_then_values():
    v = compare(None, np.zeros(2))
    assert not v.ok and v.kind == "type" and "None" in v.message
    v = compare(np.zeros((3, 2)), np.zeros((2, 3)))
    assert v.kind == "shape" and v.message == "got shape (3, 2), expected (2, 3)"
    v = compare(np.array([0.0, np.inf]), np.zeros(2))
    assert v.kind == "finite" and "index [1]" in v.message
    v = compare(np.array([[0.0, 0.0], [0.0, 2.5]]), np.zeros((2, 2)))
    assert v.kind == "values"
    assert "first at index [1, 1]" in v.message and "expected 0, got 2.5" in v.message
    assert "largest error 2.5" in v.message


def test_tuples_are_compared_item_by_item_with_names():
    v = compare([np.array([1.0]), 2.0], (np.array([1.0]), 3.0), names=("dL/dw", "dL/db"))
    assert not v.ok and v.message.startswith("dL/db: expected 3, got 2")
    v = compare([1.0], (1.0, 2.0))
    assert v.kind == "type" and "expected 2 values" in v.message


def test_either_accepts_the_second_answer_elementwise():
    expected, either = np.array([0.0, 1.0]), np.array([1.0, 1.0])
    assert compare([1.0, 1.0], expected, either).ok
    assert compare([0.0, 1.0], expected, either).ok
    assert not compare([0.0, 0.0], expected, either).ok


def test_ragged_lists_are_not_arrays():
    assert as_array([[1.0, 2.0], [3.0]]) is None
    assert not compare([[1.0, 2.0], [3.0]], np.zeros((2, 2))).ok


def test_tolerance_is_relative():
    assert compare(1e6 + 1, 1e6).ok
    assert not compare(1.001, 1.0).ok


def test_a_single_number_matches_a_one_element_array_either_way():
    assert compare(0.25, np.array([0.25])).ok
    assert compare([[0.25]], np.array([0.25])).ok
    assert not compare([0.25, 0.25], np.array([0.25])).ok


def test_float32_rounding_passes_but_a_real_error_does_not() -> None:
    exact = np.array([[0.00739953, 0.25], [0.1049, -0.5]])
    single = exact.astype(np.float32).astype(np.float64)
    assert compare(single, exact).ok
    assert compare(0.0073994, 0.00739953).ok  # float32 cancellation in 1 - sigmoid
    off = exact.copy()
    off[0, 0] *= 1.01  # one entry 1 % off
    assert not compare(off, exact).ok
    assert not compare(0.2501, 0.25).ok
