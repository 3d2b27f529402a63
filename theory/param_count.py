"""Hidden units and raw parameter counts of deep and shallow diagonal linear SSMs (BYJL25 §4).

BYJL25 Theorem 4.1 places a depth-``l`` width-``m`` model between the shallow widths
``l(m-1)+1`` and ``lm``, and reads this as "depth and width are equivalent at the same order of
parameter count". That is true for *hidden units* (state dimensions). In *raw parameters* the
deep model is larger, because its couplings ``B_k`` (``k ≥ 2``) are dense ``m × m`` matrices:

==================  ======================  =============================================
model               hidden units            raw parameters
==================  ======================  =============================================
deep ``(l, m)``     ``l m``                 ``l m`` (diagonals of ``A_1..A_l``)
                                            ``+ m`` (``B_1``) ``+ (l-1) m²`` (``B_2..B_l``)
                                            ``+ m`` (``C``) ``= (l-1) m² + (l+2) m``
shallow ``n``       ``n``                   ``n`` (``A``) ``+ n`` (``B``) ``+ n`` (``C``) ``= 3n``
==================  ======================  =============================================

A parameter is one (complex) entry; count real numbers by doubling. No ``D`` term is counted
(the models have none).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.numbers import InvalidParameterError

__all__ = [
    "deep_hidden_units",
    "deep_parameters",
    "shallow_hidden_units",
    "shallow_parameters",
    "CountRow",
    "depth_width_counts",
]


def _positive(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InvalidParameterError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def deep_hidden_units(depth: int, width: int) -> int:
    """``l m``: the state dimensions of a depth-``l`` width-``m`` model."""
    return _positive(depth, "depth") * _positive(width, "width")


def deep_parameters(depth: int, width: int) -> int:
    """``(l-1) m² + (l+2) m`` raw parameters of a depth-``l`` width-``m`` model.

    Diagonals of ``A_1..A_l``: ``l m``; ``B_1``: ``m``; dense ``B_2..B_l``: ``(l-1) m²``;
    ``C``: ``m``.
    """
    l_, m = _positive(depth, "depth"), _positive(width, "width")
    return l_ * m + m + (l_ - 1) * m * m + m


def shallow_hidden_units(n: int) -> int:
    """``n``: the state dimension of a shallow model of width ``n``."""
    return _positive(n, "n")


def shallow_parameters(n: int) -> int:
    """``3n``: the diagonal of ``A``, ``B`` and ``C``."""
    return 3 * _positive(n, "n")


@dataclass(frozen=True)
class CountRow:
    """One model in a side-by-side comparison."""

    model: str
    hidden_units: int
    parameters: int


def depth_width_counts(depth: int, width: int) -> list[CountRow]:
    """Counts of the deep ``(l, m)`` model and of the shallow widths ``l(m-1)+1`` and ``lm``
    that bracket it in Theorem 4.1, side by side."""
    l_, m = _positive(depth, "depth"), _positive(width, "width")
    low, high = l_ * (m - 1) + 1, l_ * m
    return [
        CountRow(f"deep l={l_} m={m}", deep_hidden_units(l_, m), deep_parameters(l_, m)),
        CountRow(f"shallow n=l(m-1)+1={low}", shallow_hidden_units(low), shallow_parameters(low)),
        CountRow(f"shallow n=lm={high}", shallow_hidden_units(high), shallow_parameters(high)),
    ]
