"""Tests of theory.param_count: hidden units and raw parameters, deep against shallow."""

from __future__ import annotations

import re

import numpy as np
import pytest
from bad_input_cases import check_every_case
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.linear import DeepSSM, ShallowSSM
from theory.numbers import InvalidParameterError
from theory.param_count import (
    deep_hidden_units,
    deep_parameters,
    depth_width_counts,
    shallow_hidden_units,
    shallow_parameters,
)


def _entries(model: DeepSSM) -> int:
    """Number of stored entries of a model (diagonals, B's, C): an independent count."""
    return model.eigenvalues.size + sum(b.size for b in model.B) + model.C.size


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6))
def test_deep_counts_match_the_stored_entries(depth: int, width: int) -> None:
    model = DeepSSM(np.zeros((depth, width)), [np.ones(width)] +
                    [np.ones((width, width))] * (depth - 1), np.ones(width))
    assert deep_parameters(depth, width) == _entries(model)
    assert deep_hidden_units(depth, width) == model.eigenvalues.size
    assert deep_parameters(depth, width) == (depth - 1) * width**2 + (depth + 2) * width


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 12))
def test_shallow_counts_match_the_stored_entries(n: int) -> None:
    model = ShallowSSM(np.zeros(n), np.ones(n), np.ones(n))
    assert shallow_parameters(n) == _entries(model) == 3 * n
    assert shallow_hidden_units(n) == n


def test_side_by_side_rows() -> None:
    rows = depth_width_counts(4, 3)
    assert [r.hidden_units for r in rows] == [12, 9, 12]
    assert [r.parameters for r in rows] == [3 * 9 + 6 * 3, 27, 36]
    # hidden units bracket the deep model; raw parameters do not once B_k are dense
    assert rows[1].hidden_units <= rows[0].hidden_units <= rows[2].hidden_units
    assert rows[0].parameters > rows[2].parameters


def test_width_one_deep_model_is_cheapest_in_raw_parameters() -> None:
    # m = 1: (l-1) + (l+2) = 2l+1 against 3 for the equivalent shallow width-1 model
    assert deep_parameters(5, 1) == 11
    assert depth_width_counts(5, 1)[1].parameters == 3


#: Every public function with the names of its arguments, in order.
_SIZED = {
    deep_hidden_units: ("depth", "width"),
    deep_parameters: ("depth", "width"),
    depth_width_counts: ("depth", "width"),
    shallow_hidden_units: ("n",),
    shallow_parameters: ("n",),
}


#: Values of ``function, position, name`` of the test below.
SIZED_PARAMETERS = (
    [(f, i, name) for f, names in _SIZED.items() for i, name in enumerate(names)]
)


def _bad_size_error_names_the_parameter_and_the_value(function, position, name, bad) -> None:
    args: list[object] = [2] * len(_SIZED[function])
    args[position] = bad
    message = rf"^{name}: expected a positive integer, got {re.escape(repr(bad))}$"
    with pytest.raises(InvalidParameterError, match=message):
        function(*args)


def test_bad_size_error_names_the_parameter_and_the_value() -> None:
    """Bad size error names the parameter and the value: every case of ``SIZED_PARAMETERS``."""
    cases = [(function, position, name, bad)
             for bad in [0, -1, 1.5, True, "2", None]
             for (function, position, name) in SIZED_PARAMETERS]
    check_every_case(_bad_size_error_names_the_parameter_and_the_value, cases)


def test_numpy_integers_are_sizes() -> None:
    assert deep_parameters(np.int64(4), np.int32(3)) == deep_parameters(4, 3) == 45
    assert shallow_parameters(np.uint8(5)) == 15
