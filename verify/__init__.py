"""Numerics at scale: the scan core, random instances, the claim registry, the runner, reports.

``python -m verify`` runs every registered claim (see :mod:`verify.__main__`);
``python -m verify --version`` prints :data:`__version__`.
"""

from theory import __version__

__all__ = ["__version__"]
