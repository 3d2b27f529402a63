"""Tests of theory.kolmogorov (Köppen's inner function and a Sprecher-type outer iteration)."""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from bad_input_cases import check_every_case
from strategies import product_target

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

#: Cases ``(n, gamma, K)`` of the test below.
PSI_LEVELS = [(2, 6, 3), (3, 8, 2)]


def _psi_is_exact_strictly_increasing_and_consistent_across_levels(n, gamma, K):
    vals = [koppen_psi(n, gamma, K, j) for j in range(gamma**K + 1)]
    assert all(isinstance(v, Fraction) for v in vals)
    assert all(b > a for a, b in zip(vals, vals[1:]))
    for j in range(gamma ** (K - 1)):  # a grid point of level K-1 keeps its value
        assert koppen_psi(n, gamma, K, j * gamma) == koppen_psi(n, gamma, K - 1, j)


def test_psi_is_exact_strictly_increasing_and_consistent_across_levels() -> None:
    """Psi is exact strictly increasing and consistent across levels: every case of
    ``PSI_LEVELS``."""
    check_every_case(
        _psi_is_exact_strictly_increasing_and_consistent_across_levels,
        PSI_LEVELS)


def test_good_cube_count_is_at_least_n_plus_one():
    for n, gamma in ((2, 6), (3, 8)):
        x = np.random.default_rng(n).random((5000, n)) * RADIUS(n, gamma)
        for k in (1, 2, 3):
            assert good_counts(n, gamma, k, x).min() >= n + 1


def _separation_holds_at_the_recorded_levels(n):
    info = MEASURED[n]
    table = psi_table(n, info["gamma"], info["K"], upper=1.0)
    for k in info["levels_separated"][:2]:
        assert level(n, info["gamma"], k, table).min_gap > 0


def test_separation_holds_at_the_recorded_levels() -> None:
    """Separation holds at the recorded levels: every case of the table."""
    check_every_case(_separation_holds_at_the_recorded_levels, product([2, 3]))


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


#: Cases ``(call, name)`` of :func:`test_bad_arguments_name_the_parameter`.
BAD_ARGUMENTS = [
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
]


def _bad_arguments_name_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}: "):
        call()


def test_bad_arguments_name_the_parameter() -> None:
    """Bad arguments name the parameter: every case of ``BAD_ARGUMENTS``."""
    check_every_case(_bad_arguments_name_the_parameter, BAD_ARGUMENTS)


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


# ------------------------------------------------------------ certified Lorentz-type iteration
from theory.kolmogorov import (  # noqa: E402
    CertifiedSuperposition,
    LipschitzTarget,
    PsiTable,
    _Outer,
    certified_superpose,
    inner_enclosure,
    lorentz_constants,
    step_bound,
    town_cubes,
)


def test_lorentz_weight_minimizes_the_worst_case_contraction():
    for n in (2, 3, 5):
        lam, theta = lorentz_constants(n)
        assert (lam, theta) == (1 / (n + 1), n / (n + 1))

        def worst(w, n=n):
            return max(abs(1 - g * w) + (2 * n + 1 - g) * w for g in range(n + 1, 2 * n + 2))

        assert worst(lam) == pytest.approx(theta, abs=1e-15)
        grid = np.linspace(0.01, 1, 2000)
        assert min(worst(w) for w in grid) >= theta - 1e-12


def test_step_bound_is_exact_at_both_ends_of_the_good_count():
    # g = 2n+1 end: |1 - (2n+1)/(n+1)| B + (2n+1)/(n+1) Ω; g = n+1 end: n V + Ω
    assert step_bound(2, 1.0, 0.0, 1 / 3) == pytest.approx(2 / 3, rel=1e-15)
    assert step_bound(2, 1.0, 0.3, 1 / 3) == pytest.approx(2 / 3 + 5 / 3 * 0.3, rel=1e-15)
    assert step_bound(2, 1.0, 0.0, 1.0) == pytest.approx(2.0, rel=1e-15)  # V dominates
    assert step_bound(2, 1.0, 0.1, 1.0) == pytest.approx(2.1, rel=1e-15)
    assert step_bound(3, 2.0, 0.0, 0.5) == pytest.approx(1.5, rel=1e-15)


def _town_cubes_separate_and_cover_the_window_with_n_plus_one_good_shifts(k):
    table = psi_table(2, 6, k + 2, upper=1.0)
    cubes = [town_cubes(2, 6, k, q, table) for q in range(5)]
    for c in cubes:
        assert c.min_gap > 0 and np.all(c.image_lo < c.image_hi)
        assert np.all(c.image_hi[:-1] < c.image_lo[1:])
        assert np.all((c.box_lo >= 0) & (c.box_hi <= 1) & (c.box_lo <= c.box_hi))
    pts = np.random.default_rng(k).random((1500, 2))
    corners = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    pts = np.concatenate([pts, corners])
    good = sum(np.any(np.all((c.box_lo[None] <= pts[:, None]) & (pts[:, None] <= c.box_hi[None]),
                             axis=2), axis=1) for c in cubes)
    assert good.min() >= 3
    assert [c.image_lo.size for c in cubes][0] == (36 if k == 1 else 1024)


def test_town_cubes_separate_and_cover_the_window_with_n_plus_one_good_shifts() -> None:
    """Town cubes separate and cover the window with n plus one good shifts: every case of the
    table."""
    check_every_case(
        _town_cubes_separate_and_cover_the_window_with_n_plus_one_good_shifts, product([1, 2]))


def test_inner_enclosures_are_nested_and_exact_at_grid_points():
    coarse, fine = psi_table(2, 6, 3, upper=1.0), psi_table(2, 6, 4, upper=1.0)
    y = np.random.default_rng(0).random((500, 2))
    for q in range(5):
        lo3, hi3 = inner_enclosure(coarse, q, y)
        lo4, hi4 = inner_enclosure(fine, q, y)
        assert np.all(lo3 <= lo4) and np.all(lo4 <= hi4) and np.all(hi4 <= hi3)
    # y = 0, q = 0: ψ(0) = 0 below; above, the rounding guard takes the next grid point
    lo, hi = inner_enclosure(fine, 0, np.zeros((1, 2)))
    assert abs(lo[0]) < 1e-14
    assert hi[0] == pytest.approx(fine.values[1] * np.sum(alphas(2, 6)), abs=1e-14)


def test_outer_extrema_are_exact_against_dense_sampling():
    rng = np.random.default_rng(3)
    knots = np.cumsum(rng.uniform(0.1, 1.0, 40))
    chi = _Outer(knots, rng.normal(size=40))
    a = rng.uniform(knots[0] - 1, knots[-1] + 1, 200)
    b = a + rng.uniform(0, 5, 200)
    mn, mx = chi.extrema(a, b)
    for i in range(200):
        inside = knots[(knots >= a[i]) & (knots <= b[i])]
        t = np.concatenate([np.linspace(a[i], b[i], 4001), inside])
        v = chi(t)
        assert mn[i] == pytest.approx(v.min(), abs=1e-12)
        assert mx[i] == pytest.approx(v.max(), abs=1e-12)


def test_first_step_oscillation_term_is_the_lipschitz_term_exactly():
    R = RADIUS(2, 6)
    for k in (1, 2):
        sup = certified_superpose(product_target(), 6, [k], k + 2)
        delta = 4 / 5 * 6.0**-k
        assert sup.omegas[0] == pytest.approx(delta / R, rel=1e-12)  # Σ_p L_p w_p/2, L = 1
        assert sup.values_max[0] <= 1 / 3 + 1e-15
        assert sup.bounds[1] == pytest.approx(step_bound(2, sup.bounds[0], sup.omegas[0],
                                                         sup.values_max[0]), rel=1e-15)


def test_certified_bounds_hold_at_every_iteration_and_the_box_bound_is_consistent():
    sup = certified_superpose(product_target(), 6, [1, 2], 4)
    y = np.random.default_rng(2).random((3000, 2))
    for r in range(3):
        low, up = sup.error_enclosure(y, r)
        assert np.all(low <= up)
        assert low.max() <= sup.bounds[r]
        if r:
            box = sup.box_error_bound(8, r)
            assert low.max() <= box
    # the enclosure of S on boxes contains S at points inside them
    lo, hi = np.array([[0.2, 0.3]]), np.array([[0.21, 0.32]])
    s_min, s_max = sup.enclose(lo, hi)
    inside = lo + (hi - lo) * np.random.default_rng(4).random((400, 2))
    p_min, p_max = sup.enclose(inside)
    assert s_min[0] <= p_min.min() and p_max.max() <= s_max[0]
    widths = sup.widths()
    assert [w["cubes_per_q"] for w in widths] == [36, 1024]
    assert widths[-1]["knots_total"] == max(2 * a + 2 * b for a, b in zip(*sup.cubes))
    assert widths[0]["outer"] == 5 and widths[0]["inner"] == 10


def test_repeating_a_level_or_refining_by_one_does_not_lower_the_certified_bound():
    # the finding behind wx23.result_c.kolmogorov_superposition.iteration, on y1*y2
    for levels in ([1, 1], [1, 2]):
        sup = certified_superpose(product_target(), 6, levels, 4)
        assert sup.bounds[2] > sup.bounds[1]
        assert sup.omegas[1] > 0.25  # a full outer-value jump, not the Lipschitz term 0.03


def test_a_squeezed_inner_function_is_rejected_by_the_separation_check():
    # ψ scaled by 0.9 keeps monotonicity but not Köppen's digit spacing: the images (whose
    # town rise is Köppen's) overlap, and the construction refuses
    honest = psi_table(2, 6, 3, upper=1.0)
    assert town_cubes(2, 6, 1, 0, honest).min_gap > 0
    squeezed = PsiTable(2, 6, 3, 0.9 * honest.values)
    with pytest.raises(ArithmeticError, match="overlap"):
        town_cubes(2, 6, 1, 0, squeezed)


def test_lipschitz_target_ranges_and_sup():
    T = LipschitzTarget(lambda y: np.sin(3 * y[:, 0]) + y[:, 1], 2, (3.0, 1.0))
    lo = np.random.default_rng(0).random((50, 2)) * 0.9
    hi = lo + 0.05
    f_min, f_max = T.box_range(lo, hi)
    inside = lo[:, None] + (hi - lo)[:, None] * np.random.default_rng(1).random((1, 100, 2))
    vals = T(inside.reshape(-1, 2)).reshape(50, 100)
    assert np.all(f_min[:, None] <= vals) and np.all(vals <= f_max[:, None])
    assert T.sup_bound() >= np.max(np.abs(T(np.random.default_rng(2).random((5000, 2)))))
    assert LipschitzTarget(T.F, 2, (3.0, 1.0), sup=7.5).sup_bound() == 7.5


#: Cases ``(call, name)`` of :func:`test_certified_route_bad_arguments_name_the_parameter`.
BAD_CERTIFIED_ARGUMENTS = [
    (lambda: lorentz_constants(1), "n"),
    (lambda: step_bound(2, float("nan"), 0.0, 0.0), "previous"),
    (lambda: step_bound(2, 1.0, -1.0, 0.0), "omega"),
    (lambda: step_bound(2, 1.0, 0.0, float("inf")), "values_max"),
    (lambda: LipschitzTarget(3, 2, (1.0, 1.0)), "F"),
    (lambda: LipschitzTarget(lambda y: y[:, 0], 2, (1.0,)), "lipschitz"),
    (lambda: LipschitzTarget(lambda y: y[:, 0], 2, (1.0, float("nan"))), "lipschitz"),
    (lambda: LipschitzTarget(lambda y: y[:, 0], 2, (1.0, 1.0), sup=-1.0), "sup"),
    (lambda: product_target()(np.array([[1.5, 0.0]])), "y"),
    (lambda: product_target().box_range(np.array([[0.5, 0.5]]), np.array([[0.4, 0.6]])), "hi"),
    (lambda: product_target().sup_bound(0), "m"),
    (lambda: town_cubes(2, 6, 1, 5, psi_table(2, 6, 3, upper=1.0)), "q"),
    (lambda: town_cubes(2, 6, 3, 0, psi_table(2, 6, 3, upper=1.0)), "table"),
    (lambda: town_cubes(2, 6, 1, 0, psi_table(2, 6, 3, upper=0.5)), "table"),
    (lambda: inner_enclosure(psi_table(2, 6, 3, upper=1.0), -1, [[0.1, 0.2]]), "q"),
    (lambda: inner_enclosure(psi_table(2, 6, 3, upper=1.0), 0, [[0.1, -0.2]]), "y"),
    (lambda: certified_superpose("F", 6, [1], 3), "target"),
    (lambda: certified_superpose(product_target(), 5, [1], 3), "gamma"),
    (lambda: certified_superpose(product_target(), 6, [3], 3), "levels"),
    (lambda: certified_superpose(product_target(), 6, [], 3), "levels"),
    (lambda: certified_superpose(product_target(), 6, [1], 1), "K"),
]


def _certified_route_bad_arguments_name_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}: "):
        call()


def test_certified_route_bad_arguments_name_the_parameter() -> None:
    """Certified route bad arguments name the parameter: every case of
    ``BAD_CERTIFIED_ARGUMENTS``."""
    check_every_case(
        _certified_route_bad_arguments_name_the_parameter,
        BAD_CERTIFIED_ARGUMENTS)


def test_certified_superposition_refuses_bad_points_and_counts():
    sup = certified_superpose(product_target(), 6, [1], 3)
    assert isinstance(sup, CertifiedSuperposition)
    for bad, name in ((dict(iterations=2), "iterations"), (dict(iterations=-1), "iterations")):
        with pytest.raises(InvalidParameterError, match=f"^{name}: "):
            sup.enclose(np.array([[0.1, 0.2]]), **bad)
    with pytest.raises(InvalidParameterError, match="^hi: "):
        sup.enclose(np.array([[0.1, 0.2]]), np.array([[0.0, 0.3]]))
    with pytest.raises(InvalidParameterError, match="^y: "):
        sup.error_enclosure(np.array([[np.nan, 0.2]]))
    with pytest.raises(InvalidParameterError, match="^aligned: "):
        sup.box_error_bound(4, aligned="yes")
    with pytest.raises(InvalidParameterError, match="^m: "):
        sup.box_error_bound(0)
