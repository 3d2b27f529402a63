"""The validation choke point of the experiment scripts (shared by the modules of the package).

Every check raises :class:`theory.numbers.InvalidParameterError` naming the parameter, what it
should be and the value it got.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from theory.validation import check_instance, check_int, check_real, fail

__all__: list[str] = []


def require(ok: bool, name: str, value: Any, expected: str) -> None:
    """Raise naming ``name`` and ``value`` unless ``ok``."""
    if not ok:
        fail(name, expected, value)


def run_arguments(config: Any, config_type: type, seed: Any) -> int:
    """Check the arguments of an experiment's ``run(config, seed)``; returns the seed."""
    check_instance(config, "config", config_type)
    return check_int(seed, "seed", 0)


def count(value: Any, name: str, minimum: int = 1) -> int:
    """An integer (not a bool) ``>= minimum``."""
    return check_int(value, name, minimum)


def positive(value: Any, name: str) -> float:
    """A finite real number ``> 0`` (not a bool or a string)."""
    return check_real(value, name, minimum=0, strict=True)


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
    return check_instance(rng, "rng", np.random.Generator, "a numpy Generator")
