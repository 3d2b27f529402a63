"""Suite-wide pytest configuration: hypothesis profiles, mpmath precision hygiene, imports.

Hypothesis profiles
-------------------
``dev``
    The local default: a moderate number of examples, no deadline (sympy's first calls are
    slow to warm up, which would make deadlines flaky).
``ci``
    Selected when the environment variable ``CI`` is ``true`` (as CI services set it):
    derandomized, so a CI run is reproducible, no deadline, a moderate number of examples.
``thorough``
    Many examples, for a long local search before a release.

The environment variable ``HYPOTHESIS_PROFILE`` names a profile explicitly and overrides the
``CI`` default, e.g. ``HYPOTHESIS_PROFILE=thorough python -m pytest``.

Imports
-------
The ``tests`` directory is not a package. It is put on ``sys.path`` here, so a test module
imports the shared strategies with ``from strategies import ...`` under every pytest import
mode, whether pytest is run as ``pytest`` or ``python -m pytest`` from the repository root.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import mpmath
import pytest
from hypothesis import HealthCheck, settings

_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

settings.register_profile(
    "dev", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=60,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _profile_name() -> str:
    """``$HYPOTHESIS_PROFILE`` if set, else ``ci`` when ``$CI`` is true, else ``dev``."""
    explicit = os.environ.get("HYPOTHESIS_PROFILE", "").strip()
    if explicit:
        return explicit
    return "ci" if os.environ.get("CI", "").strip().lower() in ("true", "1") else "dev"


settings.load_profile(_profile_name())


@pytest.fixture(autouse=True)
def _restore_mpmath_precision() -> Iterator[None]:
    """Give every test mpmath's precision as it was before it (as mpmath's own conftest does).

    A test that sets ``mp.dps`` without ``mp.workdps`` must not change the precision, and hence
    the tolerances (:func:`theory.numbers.tolerance`), of the tests that run after it.
    """
    prec, pretty = mpmath.mp.prec, mpmath.mp.pretty
    yield
    mpmath.mp.prec = prec
    mpmath.mp.pretty = pretty
