"""Suite-wide pytest configuration: hypothesis profiles, mpmath precision hygiene, imports.

Hypothesis profiles
-------------------
``dev``
    The local default: randomized (each run explores new examples; a failure prints the
    ``@reproduce_failure`` blob), 50 examples, no deadline (sympy's first calls are slow to
    warm up, which would make deadlines flaky).
``ci``
    Selected when the environment variable ``CI`` is ``true`` (as CI services set it):
    derandomized and without the example database, so every CI run checks the same examples
    and a CI failure reproduces locally with ``CI=true``; 100 examples per test (hypothesis's
    own default), no deadline. Tests that are expensive per example scale their count with
    ``strategies.scaled_examples``.
``thorough``
    Randomized, 1000 examples, for a long local search before a release.

The environment variable ``HYPOTHESIS_PROFILE`` names a profile explicitly and overrides the
``CI`` default, e.g. ``HYPOTHESIS_PROFILE=thorough python -m pytest``; an unknown name is a
usage error.

Imports
-------
The ``tests`` directory is not a package. It is put on ``sys.path`` here, so a test module
imports the shared strategies with ``from strategies import ...`` under every pytest import
mode, whether pytest is run as ``pytest`` or ``python -m pytest`` from the repository root.

BLAS threads
------------
Each ``pytest-xdist`` worker runs BLAS on one thread (``threadpoolctl``, set once the test
modules are imported, which loads numpy's and scipy's BLAS copies): ``-n auto`` starts one
worker per core, and a second BLAS thread per worker would only oversubscribe the cores (an
idle OpenBLAS thread spins, which more than doubled the CPU time of the larger experiments).
A test that needs several BLAS threads sets them itself (``threadpool_limits``).

Fixtures
--------
``isolated_registry``
    The claim registry, restored after the test (for tests that register claims).
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

# Every profile derives from hypothesis's built-in "default" profile, not from the settings
# active at import time: hypothesis itself loads a derandomized profile when it detects a CI
# environment, which the randomized profiles must not inherit.
_COMMON = {"parent": settings.get_profile("default"), "deadline": None, "print_blob": True,
           "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("dev", max_examples=50, derandomize=False, **_COMMON)
settings.register_profile("ci", max_examples=100, derandomize=True, database=None, **_COMMON)
settings.register_profile("thorough", max_examples=1000, derandomize=False, **_COMMON)
PROFILES = ("dev", "ci", "thorough")


def _profile_name() -> str:
    """``$HYPOTHESIS_PROFILE`` if set, else ``ci`` when ``$CI`` is true, else ``dev``."""
    explicit = os.environ.get("HYPOTHESIS_PROFILE", "").strip()
    if explicit:
        return explicit
    return "ci" if os.environ.get("CI", "").strip().lower() in ("true", "1") else "dev"


_PROFILE = _profile_name()
if _PROFILE not in PROFILES:
    raise pytest.UsageError(f"HYPOTHESIS_PROFILE={_PROFILE!r}: expected one of {PROFILES}")
settings.load_profile(_PROFILE)


def pytest_collection_finish(session: pytest.Session) -> None:
    """One BLAS thread in each xdist worker (see the module docstring)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")


@pytest.fixture
def isolated_registry() -> Iterator[dict]:
    """The claim registry, restored after the test: claims a test registers do not leak into
    ``all_claims()`` for the tests that run after it."""
    from verify import registry

    registry.all_claims()  # load the real claims first, so the snapshot holds them
    saved = dict(registry._REGISTRY)
    yield registry._REGISTRY
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)


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
