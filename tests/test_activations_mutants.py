"""Tight cases of :mod:`theory.activations` found by mutation testing.

Companion of ``tests/test_activations.py``: the values of the piecewise activations exactly at
their kinks, in the number kind they promise (sympy's ``Float(0)`` and ``Integer(0)`` are not
equal since sympy 1.13, so the kind of a returned zero or one is observable); which arguments
the input check accepts; the float64 judgement of an inverse's domain; the float64 conversion
of plain lists; and that a float64 array reaches ``fn`` without a copy.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy

from theory.activations import HARDTANH, IDENTITY, RELU, TANH, custom_activation
from theory.numbers import InvalidParameterError


def test_relu_maps_every_non_positive_sympy_number_to_the_exact_zero():
    # x * 0 for x ≤ 0, also at the kink x = 0: a sympy Float zero is not returned as itself
    for x in (sympy.Float(-1.5), sympy.Float(0.0), sympy.Integer(0), sympy.Rational(-1, 3)):
        assert RELU(x) is sympy.S.Zero
    assert type(RELU(sympy.Float(0.5))) is sympy.Float


def test_hardtanh_is_the_identity_up_to_its_kinks():
    # on [-1, 1], kinks included, the argument itself comes back (a sympy Float stays a Float);
    # beyond them the exact constants ±1
    for x in (sympy.Float(1.0), sympy.Float(-1.0), sympy.Float(0.25)):
        out = HARDTANH(x)
        assert type(out) is sympy.Float and out == x
    assert HARDTANH(sympy.Float(1.5)) is sympy.S.One
    assert HARDTANH(sympy.Float(-1.5)) is sympy.S.NegativeOne


@pytest.mark.parametrize("act", [IDENTITY, TANH])
def test_only_arrays_lists_and_tuples_are_taken_entry_by_entry(act):
    # a range holds real numbers but is no supported container: it is refused as one entry
    with pytest.raises(InvalidParameterError,
                       match=r"^x: expected real numbers, got the entry range\(0, 3\)$"):
        act(range(3))


def test_inverse_domain_is_judged_in_float64():
    # float32(0.7) = 0.699999988... lies inside (0, 0.7) as a float64; in float32 arithmetic it
    # would equal the bound float32(0.7) and be refused
    act = custom_activation(lambda x: x, 1, inverse=lambda y: y, inverse_domain=(0.0, 0.7))
    y = np.array([0.7], dtype=np.float32)
    assert float(y[0]) < 0.7
    out = act.inv(y)
    assert out.dtype == np.float64 and out.tolist() == [float(y[0])]


@pytest.mark.parametrize("y", [sympy.nan, sympy.Symbol("t", real=True)])
@pytest.mark.parametrize("act", [IDENTITY, TANH])
def test_inverse_refuses_exact_entries_without_a_finite_value(y, act):
    # accepted as real by the input check (nan.is_extended_real is None), refused by the domain
    lo, hi = act.inverse_domain or (-np.inf, np.inf)
    message = f"y: entry {y} lies outside the domain ({lo}, {hi}) of {act.name}^-1"
    with pytest.raises(InvalidParameterError, match="^" + re.escape(message) + "$"):
        act.inv(y)


def test_a_list_of_python_ints_becomes_float64():
    # 2^70 does not fit int64 (NumPy alone would make an object array of Python ints)
    out = RELU([2**70, -3])
    assert out.dtype == np.float64 and out.tolist() == [2.0**70, 0.0]
    assert TANH((2**70,)).dtype == np.float64


def test_a_float64_array_reaches_fn_without_a_copy():
    seen = []
    act = custom_activation(lambda x: seen.append(x) or x, 1, inverse=lambda y: seen.append(y) or y)
    x = np.array([0.5, -2.0])
    assert act(x).tolist() == [0.5, -2.0] and act.inv(x).tolist() == [0.5, -2.0]
    assert seen[0] is x and seen[1] is x


@pytest.mark.parametrize(("y", "shown"), [
    (2, "2"), ([0.5, 2], "2"), (np.array([2], dtype=np.int64), repr(np.float64(2.0)))])
def test_an_entry_outside_the_domain_is_shown_as_judged(y, shown):
    # scalars and list entries as given, an integer array as the float64 array fn would get
    message = f"y: entry {shown} lies outside the domain (-1.0, 1.0) of tanh^-1"
    with pytest.raises(InvalidParameterError, match="^" + re.escape(message) + "$"):
        TANH.inv(y)
