"""The validation choke point of the experiment scripts (shared by the modules of the package).

Every check raises :class:`theory.numbers.InvalidParameterError` naming the parameter, what it
should be and the value it got.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from theory.numbers import InvalidParameterError

__all__: list[str] = []


def require(ok: bool, name: str, value: Any, expected: str) -> None:
    """Raise naming ``name`` and ``value`` unless ``ok``."""
    if not ok:
        raise InvalidParameterError(f"{name}: expected {expected}, got {value!r}")


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def count(value: Any, name: str, minimum: int = 1) -> int:
    """An integer (not a bool) ``>= minimum``."""
    require(_is_int(value) and value >= minimum, name, value, f"an integer >= {minimum}")
    return int(value)


def positive(value: Any, name: str) -> float:
    """A finite real number ``> 0`` (not a bool or a string)."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    require(ok and 0 < value < math.inf, name, value, "a finite positive number")
    return float(value)


def positives(values: Any, name: str) -> tuple[float, ...]:
    """A non-empty sequence of finite positive numbers."""
    require(isinstance(values, Sequence | np.ndarray) and not isinstance(values, str)
            and len(values) > 0, name, values, "a non-empty sequence of positive numbers")
    return tuple(positive(v, name) for v in values)


def counts(values: Any, name: str, minimum: int = 1) -> tuple[int, ...]:
    """A non-empty sequence of integers ``>= minimum``."""
    require(isinstance(values, Sequence | np.ndarray) and not isinstance(values, str)
            and len(values) > 0, name, values, f"a non-empty sequence of integers >= {minimum}")
    return tuple(count(v, name, minimum) for v in values)


def generator(rng: Any) -> np.random.Generator:
    """A numpy random Generator."""
    require(isinstance(rng, np.random.Generator), "rng", rng, "a numpy Generator")
    return rng
