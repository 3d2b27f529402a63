"""Small helpers shared by the command-line entry points (``python -m verify`` and the
experiments)."""

from __future__ import annotations

import argparse
import numbers
from collections.abc import Callable
from typing import Any

from theory.numbers import InvalidParameterError

__all__ = ["int_at_least", "positive_seconds"]


def _check_bound(name: str, value: Any, at_least: int | None = None) -> int:
    """The module's validation choke point: ``value`` as an int if it is an integer (not a
    bool), at least ``at_least`` when that is given."""
    if (not isinstance(value, numbers.Integral) or isinstance(value, bool)
            or (at_least is not None and value < at_least)):
        bound = "" if at_least is None else f" >= {at_least}"
        raise InvalidParameterError(f"{name}: expected an integer{bound}, got {value!r}")
    return int(value)


def int_at_least(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse ``type=`` that accepts integers in ``[minimum, maximum]`` with a clear message.

    ``maximum=None`` means no upper bound.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``minimum`` or ``maximum`` is not an integer, or ``maximum < minimum``.
    """
    low = _check_bound("minimum", minimum)
    high = None if maximum is None else _check_bound("maximum", maximum, low)
    expected = f"an integer >= {low}" + ("" if high is None else f" and <= {high}")

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
        return value

    return parse


def positive_seconds(text: str) -> float:
    """An argparse ``type=`` for a time budget: a finite number of seconds ``> 0``."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds > 0, got {text!r}") from None
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"expected finite seconds > 0, got {text}")
    return value
