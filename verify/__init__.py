"""Numerics at scale: the scan core, random instances, the claim registry, the runner, reports.

``python -m verify`` runs every registered claim (see :mod:`verify.__main__`);
``python -m verify --version`` prints :data:`__version__`.

The package imports nothing at load time, so that ``python -m verify.certcheck`` (the
standard-library certificate checker) stays free of numpy and sympy; ``__version__`` is read from
:mod:`theory` on first access.
"""

from typing import Any

__all__ = ["__version__"]


def __getattr__(name: str) -> Any:
    """``verify.__version__`` is ``theory.__version__`` (its single source), loaded on access."""
    if name == "__version__":
        from theory import __version__

        return __version__
    raise AttributeError(f"module 'verify' has no attribute {name!r}")
