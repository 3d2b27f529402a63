"""Cases of :mod:`theory.validation` that its equivalent mutants rely on (``tests/MUTANTS.md``).

Companion of ``tests/test_validation.py``: the conversions of object arrays by ``check_array``
(which dtype each gives, and that a bad entry is reported with the array's own message).
"""

from __future__ import annotations

import re

import mpmath
import numpy as np
import pytest
import sympy

from theory.numbers import InvalidParameterError
from theory.validation import check_array


def test_object_arrays_become_float64_or_complex128():
    real = check_array(np.array([sympy.Rational(1, 2), mpmath.mpf(2)], dtype=object), "a")
    assert real.dtype == np.float64 and real.tolist() == [0.5, 2.0]
    mixed = np.array([[1, mpmath.mpc(1, 2)]], dtype=object)
    out = check_array(mixed, "a", complex_ok=True)
    assert out.dtype == np.complex128 and out.tolist() == [[1 + 0j, 1 + 2j]]
    empty = check_array(np.array([], dtype=object), "a")
    assert empty.dtype == np.float64 and empty.shape == (0,)


def test_a_bool_entry_of_an_object_array_is_reported_as_the_array():
    message = "a: expected an array of real numbers, got "
    with pytest.raises(InvalidParameterError, match="^" + re.escape(message)):
        check_array(np.array([1.0, True], dtype=object), "a")
