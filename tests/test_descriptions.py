"""Tests of verify.descriptions: the strict readers behind the tiers' rebuild hooks."""

from __future__ import annotations

import json
from itertools import product

import numpy as np
import pytest
import sympy
from bad_input_cases import check_every_case

from theory.numbers import InvalidParameterError
from verify.descriptions import (
    optional,
    read_array,
    read_choice,
    read_fields,
    read_int,
    read_rational,
    read_real,
)

R = sympy.Rational


def json_round_trip(value):
    return json.loads(json.dumps(value))


#: Values of ``bad`` in :func:`test_read_rational_refuses_anything_but_p_over_q`.
NOT_P_OVER_Q = (
    ["0.5", "1/0", "1/-2", "2x", "1/2+1", " 1", "", 1, None]
)


def _read_rational_refuses_anything_but_p_over_q(bad):
    with pytest.raises(InvalidParameterError, match="^r: "):
        read_rational(bad, "r")


def test_read_rational_refuses_anything_but_p_over_q() -> None:
    """Read rational refuses anything but p over q: every case of ``NOT_P_OVER_Q``."""
    check_every_case(
        _read_rational_refuses_anything_but_p_over_q,
        product(NOT_P_OVER_Q))


def test_read_rational_and_arrays_round_trip_exactly():
    for q in (R(-3, 4), R(7), R(0), R(10**30 + 1, 3)):
        assert read_rational(str(q), "r") == q
    arr = read_array(2, read_rational)([["1/2", "-3"], ["0", "5/7"]], "a")
    assert arr.dtype == object and arr[1, 1] == R(5, 7)
    x = 0.1 + 0.2  # not a short decimal: JSON writes its round-trip repr
    got = read_array(1)(json_round_trip([x, -1e-310]), "a")
    assert got.dtype == np.float64 and got.tolist() == [x, -1e-310]
    for bad in ([[1.0, 2.0], [3.0]], [[]], [1.0, True], [[1.0, float("nan")]], [[1, 2.0]]):
        with pytest.raises(InvalidParameterError, match="^a: "):
            read_array(2)(bad, "a")


#: Values of ``bad`` in :func:`test_read_real_takes_only_finite_floats`.
NOT_FINITE_FLOATS = [1, True, float("nan"), float("inf"), "1.0", None]


def _read_real_takes_only_finite_floats(bad):
    assert read_real(-0.25, "x") == -0.25
    with pytest.raises(InvalidParameterError, match="^x: "):
        read_real(bad, "x")


def test_read_real_takes_only_finite_floats() -> None:
    """Read real takes only finite floats: every case of ``NOT_FINITE_FLOATS``."""
    check_every_case(
        _read_real_takes_only_finite_floats, product(NOT_FINITE_FLOATS))


def test_read_int_choice_and_optional():
    assert read_int(2)(2, "n") == 2
    for bad in (1, 2.0, True, "3"):
        with pytest.raises(InvalidParameterError, match="^n: "):
            read_int(2)(bad, "n")
    assert read_choice("a", "b")("b", "c") == "b"
    with pytest.raises(InvalidParameterError, match="^c: "):
        read_choice("a", "b")("B", "c")
    assert optional(read_real)(None, "x") is None
    assert optional(read_real)(0.5, "x") == 0.5
    with pytest.raises(InvalidParameterError, match="^x: "):
        optional(read_real)(1, "x")


def test_read_fields_reads_every_key_and_refuses_missing_and_unexpected_ones():
    readers = {"n": read_int(1), "x": read_real}
    assert read_fields({"n": 3, "x": 0.5}, readers) == {"n": 3, "x": 0.5}
    assert read_fields({"n": 3, "x": 0.5, "f": "shown"}, readers, derived=("f",))["n"] == 3
    assert read_fields({"n": 3, "x": 0.5, "any": 1}, readers, derived=None)["x"] == 0.5
    for bad in ({"n": 3}, {"n": 3, "x": 0.5, "typo": 1}, [3, 0.5], None):
        with pytest.raises(InvalidParameterError, match="^description: "):
            read_fields(bad, readers)
    with pytest.raises(InvalidParameterError, match=r"^description\['x'\]: "):
        read_fields({"n": 3, "x": 1}, readers)


#: Cases ``(call, name)`` of :func:`test_bad_factory_arguments_name_the_parameter`.
BAD_FACTORY_ARGUMENTS = [
    (lambda: read_int(1.5), "low"),
    (lambda: read_choice(), "options"),
    (lambda: read_choice("a", 3), "options"),
    (lambda: read_array(0), "ndim"),
    (lambda: read_array(1, entry=3), "entry"),
    (lambda: optional(None), "read"),
    (lambda: read_fields({}, {"n": 3}), "readers"),
    (lambda: read_fields({}, [read_real]), "readers"),
    (lambda: read_fields({}, {}, derived=["f"]), "derived"),
]


def _bad_factory_arguments_name_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}"):
        call()


def test_bad_factory_arguments_name_the_parameter() -> None:
    """Bad factory arguments name the parameter: every case of ``BAD_FACTORY_ARGUMENTS``."""
    check_every_case(
        _bad_factory_arguments_name_the_parameter, BAD_FACTORY_ARGUMENTS)
