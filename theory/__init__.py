"""Exact and high-precision mathematics of the suite: models, kernels, constructions, certificates.

Nothing here prints, writes files, or draws random numbers without an explicit generator.
"""

from theory.linear import NORMS, DeepSSM, ShallowSSM, UnstableModelError, W
from theory.numbers import InvalidParameterError, NumberKind, kind_of, polyroots, tolerance

__all__ = [
    "NORMS",
    "W",
    "DeepSSM",
    "ShallowSSM",
    "UnstableModelError",
    "InvalidParameterError",
    "NumberKind",
    "kind_of",
    "polyroots",
    "tolerance",
]
