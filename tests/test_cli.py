"""Tests of verify.cli."""

import argparse

import pytest

from verify.cli import int_at_least


def test_int_at_least_accepts_and_rejects():
    parse = int_at_least(1)
    assert parse("3") == 3
    with pytest.raises(argparse.ArgumentTypeError, match=">= 1, got 0"):
        parse("0")
    with pytest.raises(argparse.ArgumentTypeError, match="'x'"):
        parse("x")
    assert int_at_least(0)("0") == 0
