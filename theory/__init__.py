"""Exact and high-precision mathematics of the suite: models, kernels, constructions, certificates.

Nothing here prints, writes files, or draws random numbers without an explicit generator.
The names below are the public contract for BYJL25 (single input and output, diagonal
transition matrices); the WX23 constructions live in their own modules (``theory.layers``,
``theory.approximation``, ``theory.convolution``, ``theory.universality``, ``theory.volterra``,
``theory.memory``).

``theory.__version__`` is the suite's version, its single source: ``pyproject.toml`` reads it
(setuptools ``dynamic`` version) and ``verify.__version__`` is the same object.
"""

#: The version of ssm-theory-verify (read by pyproject.toml; keep this a plain string literal).
__version__ = "0.1.0"

from theory.depth_width import (
    SharedEigenvalueError,
    deep_to_shallow,
    non_inclusion_witness,
    shallow_to_deep,
)
from theory.linear import NORMS, DeepSSM, ShallowSSM, UnstableModelError, W
from theory.norm_reduction import balance, max_path_weight, small_norm_deep
from theory.numbers import InvalidParameterError, NumberKind, kind_of, polyroots, tolerance

__all__ = [
    "NORMS",
    "W",
    "DeepSSM",
    "ShallowSSM",
    "UnstableModelError",
    "SharedEigenvalueError",
    "InvalidParameterError",
    "NumberKind",
    "kind_of",
    "polyroots",
    "tolerance",
    "deep_to_shallow",
    "shallow_to_deep",
    "non_inclusion_witness",
    "max_path_weight",
    "balance",
    "small_norm_deep",
]
