"""Tests of theory.kolmogorov (Köppen's inner function and a Sprecher-type outer iteration)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from theory.kolmogorov import (
    MEASURED,
    RADIUS,
    alphas,
    beta,
    good_counts,
    koppen_psi,
    level,
    psi_float,
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


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: koppen_psi(2, 6, 0, 1), "k"),  # k = 0 used to recurse without end
        (lambda: koppen_psi(2, 6, 2, -1), "j"),
        (lambda: beta(1, 3), "n"),  # used to divide by n - 1 = 0
        (lambda: beta(2, 2.5), "k"),
        (lambda: RADIUS(2, 5), "gamma"),
        (lambda: psi_table(2, 6, 2, upper=float("nan")), "upper"),
        (lambda: psi_table(2, 6, 2, upper=float("inf")), "upper"),
        (lambda: psi_table(2, 6, 2, upper=0.0), "upper"),
        (lambda: psi_float(psi_table(2, 6, 2), [float("nan")]), "x"),
        (lambda: psi_float("table", [0.5]), "table"),
        (lambda: level(3, 8, 1, psi_table(2, 6, 2)), "table"),  # a table of another (n, γ)
        (lambda: level(2, 6, 0, psi_table(2, 6, 2)), "k"),
        (lambda: good_counts(2, 6, 1, np.array([[float("nan"), 0.1]])), "x"),
        (lambda: good_counts(2, 6, 1, np.array([[0.1]])), "x"),
        (lambda: good_counts(2, 6, 0, np.array([[0.1, 0.2]])), "k"),
        (lambda: superpose(3, 2, 6, [1], 2), "F"),
        (lambda: superpose(lambda x: x, 2, 6, [1], 2), "F"),  # (m, n) values, not (m,)
        (lambda: superpose(lambda x: np.full(len(x), np.nan), 2, 6, [1], 2), "F"),
        (lambda: superpose(lambda x: x[:, 0], 2, 6, [1.5], 2), "levels"),
        (lambda: superpose(lambda x: x[:, 0], 2, 6, [1], 1), "K"),
    ],
)
def test_bad_arguments_name_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}: "):
        call()


def test_superposition_refuses_bad_points_and_iteration_counts():
    sup = superpose(lambda x: x[:, 0] * x[:, 1], 2, 6, [1], 2)
    inside = np.array([[0.1, 0.2]])
    assert sup(inside, iterations=0)[0] == 0.0  # no refinement: the zero function
    assert sup(inside, iterations=1)[0] == sup(inside)[0]
    for bad in (2, -1, 1.5):
        with pytest.raises(InvalidParameterError, match="^iterations: "):
            sup(inside, iterations=bad)
    for x in (np.array([[np.nan, 0.1]]), np.array([[-0.1, 0.1]]), np.array([[0.1]])):
        with pytest.raises(InvalidParameterError, match="^x: "):
            sup.inner(x)
