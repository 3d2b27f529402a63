"""Tests of verify.cli."""

import argparse

import pytest

from theory.numbers import InvalidParameterError
from verify.cli import int_at_least


def test_int_at_least_accepts_and_rejects():
    parse = int_at_least(1)
    assert parse("3") == 3
    with pytest.raises(argparse.ArgumentTypeError, match=">= 1, got 0"):
        parse("0")
    with pytest.raises(argparse.ArgumentTypeError, match="'x'"):
        parse("x")
    assert int_at_least(0)("0") == 0


def test_int_at_least_with_an_upper_bound():
    parse = int_at_least(1, 10)
    assert parse("1") == 1 and parse("10") == 10
    with pytest.raises(argparse.ArgumentTypeError, match=">= 1 and <= 10, got 11"):
        parse("11")
    with pytest.raises(argparse.ArgumentTypeError, match="<= 10, got 0"):
        parse("0")
    assert int_at_least(5, 5)("5") == 5


@pytest.mark.parametrize(
    ("args", "name"),
    [((2.5,), "minimum"), ((float("nan"),), "minimum"), (("1",), "minimum"), ((True,), "minimum"),
     ((1, 0), "maximum"), ((1, 2.5), "maximum"), ((1, "9"), "maximum")],
)
def test_int_at_least_rejects_bad_bounds(args, name):
    with pytest.raises(InvalidParameterError, match=f"^{name}: expected an integer"):
        int_at_least(*args)
