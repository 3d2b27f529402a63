"""Tests of theory.kolmogorov (Köppen's inner function and a Sprecher-type outer iteration)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from theory.kolmogorov import (
    MEASURED,
    RADIUS,
    alphas,
    good_counts,
    koppen_psi,
    level,
    psi_table,
    superpose,
)
from theory.numbers import InvalidParameterError


@pytest.mark.parametrize(("n", "gamma", "K"), [(2, 6, 3), (3, 8, 2)])
def test_psi_is_exact_strictly_increasing_and_consistent_across_levels(n, gamma, K):
    vals = [koppen_psi(n, gamma, K, j) for j in range(gamma**K + 1)]
    assert all(isinstance(v, Fraction) for v in vals)
    assert all(b > a for a, b in zip(vals, vals[1:]))
    for j in range(gamma ** (K - 1)):  # a grid point of level K-1 keeps its value
        assert koppen_psi(n, gamma, K, j * gamma) == koppen_psi(n, gamma, K - 1, j)


def test_good_cube_count_is_at_least_n_plus_one():
    for n, gamma in ((2, 6), (3, 8)):
        x = np.random.default_rng(n).random((5000, n)) * RADIUS(n, gamma)
        for k in (1, 2, 3):
            assert good_counts(n, gamma, k, x).min() >= n + 1


@pytest.mark.parametrize("n", [2, 3])
def test_separation_holds_at_the_recorded_levels(n):
    info = MEASURED[n]
    table = psi_table(n, info["gamma"], info["K"], upper=1.0)
    for k in info["levels_separated"][:2]:
        assert level(n, info["gamma"], k, table).min_gap > 0


def test_refining_levels_reduces_the_error_and_repeating_a_level_stalls():
    def F(x):
        return x[:, 0] * x[:, 1]

    x = np.random.default_rng(1).random((3000, 2)) * RADIUS(2, 6)
    sup = superpose(F, 2, 6, [1, 2], 4)
    errs = [np.max(np.abs(sup(x, r) - F(x))) for r in range(3)]
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 0.2 * np.max(np.abs(F(x)))
    stalled = superpose(F, 2, 6, [1, 1], 4)
    e = [np.max(np.abs(stalled(x, r) - F(x))) for r in (1, 2)]
    assert e[1] > errs[2]  # repeating a level gains less than refining (oscillation floor)


def test_integer_parts_break_separation_negative_control():
    # with towns up to x + qa <= 1 + qa the shifted arguments acquire an integer part and the
    # images overlap: the separation check must reject it
    n, gamma = 2, 6
    table = psi_table(n, gamma, 4, upper=2.0)
    al = alphas(n, gamma)
    h, delta = 1 / 6, 4 / 30
    lo = np.array([table.values[int(round(j * h * 6**4))] for j in range(7)])
    rise = (gamma - 2) * sum(float(gamma) ** (-((2**r) - 1)) for r in range(2, 8))
    d_lo = np.add.outer(lo, al[1] * lo).reshape(-1)
    d_hi = np.add.outer(lo + rise, al[1] * (lo + rise)).reshape(-1)
    order = np.argsort(d_lo)
    assert np.min(d_lo[order][1:] - d_hi[order][:-1]) < 0
    assert delta < h


def test_bad_inputs():
    with pytest.raises(InvalidParameterError, match="gamma"):
        koppen_psi(2, 5, 1, 0)
    with pytest.raises(InvalidParameterError, match="n"):
        alphas(1, 6)
    with pytest.raises(InvalidParameterError, match="levels"):
        superpose(lambda x: x[:, 0], 2, 6, [3], 3)
    sup = superpose(lambda x: x[:, 0], 2, 6, [1], 3)
    with pytest.raises(InvalidParameterError, match="x"):
        sup(np.ones((2, 2)))
    with pytest.raises(InvalidParameterError, match="x"):
        sup(np.zeros((2, 3)))
