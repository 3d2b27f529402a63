"""Tests of theory.kolmogorov that kill mutants the other test modules let survive.

Each test pins one behaviour mutation testing found unchecked (README, "Mutation testing"):
the full text of the error messages, boundary values, and exact small cases.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import cache
from itertools import product

import numpy as np
import pytest
from bad_input_cases import check_every_case
from strategies import product_target

from theory.kolmogorov import (
    RADIUS,
    LipschitzTarget,
    _town_rise,
    _uniform_edges,
    alphas,
    beta,
    certified_superpose,
    good_counts,
    inner_enclosure,
    koppen_psi,
    level,
    lorentz_constants,
    psi_float,
    psi_table,
    step_bound,
    superpose,
    town_cubes,
)
from theory.numbers import InvalidParameterError


@cache  # the built objects are only read
def _table3():
    return psi_table(2, 6, 3, upper=1.0)


@cache
def _sup1():
    return superpose(lambda x: x[:, 0] * x[:, 1], 2, 6, [1], 2)


@cache
def _csup1():
    return certified_superpose(product_target(), 6, [1], 3)


GAMMA = "gamma: expected an integer base >= 2n + 2 = 6, got 5"
OUTSIDE = ("x: expected arguments in [0, 217 γ^-3] (the range of the psi table), got 'an "
           "argument outside the table'")
BOXES = "hi: expected boxes [lo, hi] with lo <= hi, got 'boxes with hi < lo or another shape " \
        "than lo'"
WINDOW = "y: expected entries in [0, 1] (the target's window), got 'an entry outside [0, 1]'"
LO, HI = (WINDOW.replace("y:", f"{name}:", 1) for name in ("lo", "hi"))

_MESSAGES = [
    (lambda: koppen_psi(2, 6, 0, 1), "k: expected an integer >= 1, got 0"),
    (lambda: koppen_psi(2, 6, 2, -1), "j: expected an integer >= 0, got -1"),
    (lambda: koppen_psi(2, 5, 1, 0), GAMMA),
    (lambda: koppen_psi(True, 6, 1, 0), "n: expected an integer >= 2, got True"),
    (lambda: beta(1, 3), "n: expected an integer >= 2, got 1"),
    (lambda: beta(2, 2.5), "k: expected an integer >= 0, got 2.5"),
    (lambda: RADIUS(2, 5), GAMMA),
    (lambda: psi_table(2, 6, 2, upper=float("nan")),
     "upper: expected a finite positive real, got nan"),
    (lambda: psi_table(2, 6, 2, upper=True), "upper: expected a finite positive real, got True"),
    (lambda: psi_table(2, 6, 2, upper=0.0), "upper: expected a finite positive real, got 0.0"),
    (lambda: psi_table(2, 6, 0), "K: expected an integer >= 1, got 0"),
    (lambda: psi_float(_table3(), [float("nan")]),
     "x: expected finite entries, got 'a NaN or inf entry'"),
    (lambda: psi_float(_table3(), ["a"]), "x: expected real arguments, got ['a']"),
    (lambda: psi_float("table", [0.5]),
     "table: expected a PsiTable (see psi_table), got 'table'"),
    (lambda: psi_float(_table3(), [1.5]), OUTSIDE),
    (lambda: psi_float(_table3(), [-0.01]), OUTSIDE),
    (lambda: level(3, 8, 1, psi_table(2, 6, 2)),
     "table: expected a table for n=3, gamma=8, got 'a table for n=2, gamma=6'"),
    (lambda: level(2, 6, 0, psi_table(2, 6, 2)), "k: expected an integer >= 1, got 0"),
    (lambda: level(2, 6, 2, psi_table(2, 6, 2)),
     "table: expected a table finer than k = 2, got 'level K = 2'"),
    (lambda: level(2, 6, 1, "t"), "table: expected a PsiTable (see psi_table), got 't'"),
    (lambda: good_counts(2, 6, 1, np.array([[float("nan"), 0.1]])),
     "x: expected finite entries, got 'a NaN or inf entry'"),
    (lambda: good_counts(2, 6, 1, np.array([[0.1]])),
     "x: expected a real array of shape (m, 2), got 'shape (1, 1)'"),
    (lambda: good_counts(2, 6, 1, [["a", 0.1]]),
     "x: expected a real array of shape (m, 2), got [['a', 0.1]]"),
    (lambda: superpose(3, 2, 6, [1], 2), "F: expected a callable, got 3"),
    (lambda: superpose(lambda x: x, 2, 6, [1], 2),
     "F: expected values of shape (36,) for points of shape (36, 2), got 'values of shape "
     "(36, 2)'"),
    (lambda: superpose(lambda x: np.full(len(x), np.nan), 2, 6, [1], 2),
     "F: expected finite values, got 'a NaN or inf value'"),
    (lambda: superpose(lambda x: x[:, 0], 2, 6, [1.5], 2),
     "levels: expected a non-empty list of integer levels in [1, K) = [1, 2), got [1.5]"),
    (lambda: superpose(lambda x: x[:, 0], 2, 6, [1], 1), "K: expected an integer >= 2, got 1"),
    (lambda: _sup1()(np.array([[0.1, 0.2]]), iterations=2),
     "iterations: expected at most the 1 refinements made, got 2"),
    (lambda: _sup1().inner(np.array([[-0.1, 0.1]])),
     "x: expected entries in [0, 0.8666666666666667] (see RADIUS), got 'an entry outside the "
     "cube'"),
    (lambda: lorentz_constants(1), "n: expected an integer >= 2, got 1"),
    (lambda: step_bound(2, float("nan"), 0.0, 0.0),
     "previous: expected a finite real number >= 0, got nan"),
    (lambda: step_bound(2, 1.0, -1.0, 0.0), "omega: expected a finite real number >= 0, got -1.0"),
    (lambda: LipschitzTarget(3, 2, (1.0, 1.0)), "F: expected a callable, got 3"),
    (lambda: LipschitzTarget(lambda y: y[:, 0], 2, (1.0,)),
     "lipschitz: expected 2 finite constants >= 0, got (1.0,)"),
    (lambda: LipschitzTarget(lambda y: y[:, 0], 2, ("a", 1.0)),
     "lipschitz: expected finite real numbers, got ('a', 1.0)"),
    (lambda: LipschitzTarget(lambda y: y[:, 0], 2, (1.0, np.nan)),
     "lipschitz: expected a 1-D sequence of finite real numbers, got (1.0, nan)"),
    (lambda: LipschitzTarget(lambda y: y[:, 0], 2, (1.0, -1.0)),
     "lipschitz: expected 2 finite constants >= 0, got (1.0, -1.0)"),
    (lambda: LipschitzTarget(lambda y: y[:, 0], 2, (1.0, 1.0), sup=-1.0),
     "sup: expected a finite real number >= 0, got -1.0"),
    (lambda: product_target()(np.array([[1.5, 0.0]])), WINDOW),
    (lambda: product_target().box_range(np.array([[0.5, 0.5]]), np.array([[0.4, 0.6]])), BOXES),
    (lambda: product_target().sup_bound(0), "m: expected an integer >= 1, got 0"),
    (lambda: product_target().box_range(np.array([[1.5, 0.0]]), np.array([[1.6, 0.0]])), LO),
    (lambda: product_target().box_range(np.array([[0.5, 0.5]]), np.array([[1.5, 0.5]])), HI),
    (lambda: _csup1().enclose(np.array([[-0.1, 0.2]])), LO),
    (lambda: _csup1().enclose(np.array([[0.1, 0.2]]), np.array([[0.1, 1.5]])), HI),
    (lambda: town_cubes(2, 6, 1, 5, _table3()),
     "q: expected a shift index in [0, 2n] = [0, 4], got 5"),
    (lambda: town_cubes(2, 6, 3, 0, _table3()),
     "table: expected a table finer than k = 3 covering [0, 1] (psi_table(..., upper=1.0)), "
     "got 'level K = 3 with 218 values'"),
    (lambda: town_cubes(2, 6, 1, 0, psi_table(2, 6, 3, upper=0.5)),
     "table: expected a table finer than k = 1 covering [0, 1] (psi_table(..., upper=1.0)), "
     "got 'level K = 3 with 110 values'"),
    (lambda: inner_enclosure(_table3(), -1, [[0.1, 0.2]]), "q: expected an integer >= 0, got -1"),
    (lambda: inner_enclosure(_table3(), 5, [[0.1, 0.2]]),
     "q: expected a shift index in [0, 2n] = [0, 4], got 5"),
    (lambda: inner_enclosure(_table3(), 0, [[0.1, -0.2]]), WINDOW),
    (lambda: inner_enclosure(psi_table(2, 6, 3, upper=0.5), 0, [[0.1, 0.2]]),
     "table: expected a table covering [0, 1] (upper=1.0), got '110 values'"),
    (lambda: certified_superpose("F", 6, [1], 3),
     "target: expected a LipschitzTarget, got 'F'"),
    (lambda: certified_superpose(product_target(), 6, [], 3),
     "levels: expected a non-empty list of integer levels in [1, K) = [1, 3), got []"),
    (lambda: certified_superpose(product_target(), 6, [1], 1),
     "K: expected an integer >= 2, got 1"),
    (lambda: _csup1().enclose(np.array([[0.1, 0.2]]), iterations=2),
     "iterations: expected at most the 1 iterations made, got 2"),
    (lambda: _csup1().enclose(np.array([[0.1, 0.2]]), np.array([[0.0, 0.3]])), BOXES),
    (lambda: _csup1().box_error_bound(4, aligned="yes"),
     "aligned: expected True or False, got 'yes'"),
    (lambda: _csup1().box_error_bound(4, chunk=0), "chunk: expected an integer >= 1, got 0"),
]


def _messages_are_exact(call, message):
    with pytest.raises(InvalidParameterError, match="^" + re.escape(message) + "$"):
        call()


def test_messages_are_exact() -> None:
    """Messages are exact: every case of the table."""
    check_every_case(_messages_are_exact, _MESSAGES)


def test_tables_one_value_short_of_the_argument_one_are_refused():
    # upper = 214/216 gives 216 values, indices 0 … 215: the argument 1 (index 216) is missing
    short = psi_table(2, 6, 3, upper=214 / 216)
    assert short.values.size == 6**3
    with pytest.raises(InvalidParameterError, match="got 'level K = 3 with 216 values'$"):
        town_cubes(2, 6, 1, 0, short)
    with pytest.raises(InvalidParameterError, match="got '216 values'$"):
        inner_enclosure(short, 0, [[0.1, 0.2]])


def _town_rise_is_the_exact_psi_increment_over_a_town(k):
    # ψ_K(d + δ_k) - ψ_K(d) at the level-K grid point whose digits k+1 … K are γ - 2 = 4;
    # the tail beyond K = 5 is 4 Σ_{r>5} 6^-(2^r - 1) < 1e-23
    K = 5
    end = sum(4 * 6 ** (K - r) for r in range(k + 1, K + 1))
    exact = koppen_psi(2, 6, K, end) - koppen_psi(2, 6, K, 0)
    assert abs(_town_rise(2, 6, k) - float(exact)) <= 1e-18 * float(exact)


def test_town_rise_is_the_exact_psi_increment_over_a_town() -> None:
    """Town rise is the exact psi increment over a town: every case of the table."""
    check_every_case(_town_rise_is_the_exact_psi_increment_over_a_town, product([1, 2]))


def test_alphas_are_the_series_of_the_weights():
    # α_2 = Σ_{r≥1} 6^-β(r), β(r) = 2^r - 1 for n = 2 (seven terms reach far below 1e-18)
    exact = sum(Fraction(1, 6 ** (2**r - 1)) for r in range(1, 8))
    al = alphas(2, 6)
    assert al[0] == 1.0 and abs(al[1] - float(exact)) <= 1e-16 * float(exact)


def test_uniform_edges_are_exact_at_both_ends():
    assert _uniform_edges(4).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert _uniform_edges(3).tolist() == [0.0, 1 / 3, 2 / 3, 1.0]
    assert _uniform_edges(1).tolist() == [0.0, 1.0]


def test_psi_float_lower_and_upper_estimates():
    t = _table3()
    step = t.step
    # between grid points 7 and 8: floor and ceil; on grid point 7 (up to rounding): both 7
    assert psi_float(t, [7.5 * step, 7 * step]).tolist() == [t.values[7]] * 2
    assert psi_float(t, [7.5 * step, 7 * step], upper=True).tolist() == [t.values[8],
                                                                         t.values[7]]


def test_inner_enclosure_of_a_shifted_origin():
    # y = 0, q = 1: the argument a = 1/30 is 7.2 grid steps of 6^-3: table values 7 and 8,
    # widened by the rounding slack 8 ε Σα
    t = _table3()
    al = alphas(2, 6)
    slack = 8 * np.finfo(float).eps * float(np.sum(al))
    lo, hi = inner_enclosure(t, 1, np.zeros((1, 2)))
    assert lo.tolist() == [t.values[[7, 7]] @ al - slack]
    assert hi.tolist() == [t.values[[8, 8]] @ al + slack]


def test_level_records_every_shift_its_smallest_gap_and_clipped_centres():
    lv = level(2, 6, 1, _table3())
    assert len(lv.lower) == len(lv.upper) == len(lv.centres) == 5
    gaps = [float(np.min(lo[1:] - hi[:-1])) for lo, hi in zip(lv.lower, lv.upper)]
    assert lv.min_gap == min(gaps) and 2.2e-3 < lv.min_gap < 2.3e-3  # the recorded 2.2e-3
    radius = RADIUS(2, 6)
    assert all(c.min() >= 0 and c.max() <= radius for c in lv.centres)
    assert min(c.min() for c in lv.centres) == 0.0  # the clip is reached


def test_certified_enclosure_is_the_sum_of_the_outer_extrema_over_the_inner_enclosures():
    sup = _csup1()
    y = np.array([[0.3, 0.6], [0.0, 1.0]])
    s_min, s_max = sup.enclose(y)
    exp_min, exp_max = np.zeros(2), np.zeros(2)
    for q, chi in enumerate(sup.outers[0]):
        mn, mx = chi.extrema(*inner_enclosure(sup.table, q, y))
        exp_min += mn
        exp_max += mx
    assert s_min.tolist() == exp_min.tolist() and s_max.tolist() == exp_max.tolist()


def test_box_error_bound_does_not_depend_on_the_chunking():
    sup = _csup1()
    assert sup.box_error_bound(4, chunk=1) == sup.box_error_bound(4)
    # one cell per axis is allowed; without the town ends the boxes are coarser
    assert sup.box_error_bound(1, aligned=False) >= sup.box_error_bound(4, aligned=False) \
        > sup.box_error_bound(1) > 0


def test_superposition_inner_sums_and_the_edge_of_its_cube():
    sup, t = _sup1(), psi_table(2, 6, 2)
    radius = RADIUS(2, 6)
    x = np.array([[radius, 0.0], [0.3, 0.7]])  # the cube's edge is inside
    xi = sup.inner(x)
    al = alphas(2, 6)
    for q in range(5):
        assert xi[:, q].tolist() == (psi_float(t, x + q / 30) @ al).tolist()


def test_lipschitz_constants_are_stored_as_a_tuple_of_floats():
    target = LipschitzTarget(lambda y: y[:, 0], 2, [1, 2])
    assert target.lipschitz == (1.0, 2.0) and isinstance(target.lipschitz, tuple)
    assert all(type(v) is float for v in target.lipschitz)


def _sine_ramp() -> LipschitzTarget:
    return LipschitzTarget(lambda y: np.sin(7 * y[:, 0]) * y[:, 1], 2, (7.0, 1.0))


#: Cases ``(build, gamma)`` of the test below.
ALIGNED_BOX_CASES = [
    (_csup1, 6),
    # γ = 10: the town ends of the shifts q = 5 … 6 (which do not exist) would fall between
    # those of q = 0 … 4 and refine the grid further (for γ = 2n + 2 they coincide with them)
    (lambda: certified_superpose(_sine_ramp(), 10, [1, 1], 3), 10),
]


def _aligned_box_bound_refines_at_the_town_ends_of_every_shift(build, gamma):
    # the box bound on the grid {0, 1} refined at both ends of every town of all 2n + 1 = 5
    # shifts, computed from the public enclosures
    sup = build()
    ends = [np.array([0.0, 1.0])]
    for q in range(5):
        cubes = town_cubes(2, gamma, 1, q, sup.table)
        ends += [cubes.box_lo[:, 0], cubes.box_hi[:, 0]]
    edges = np.unique(np.clip(np.concatenate(ends), 0.0, 1.0))
    grid = np.meshgrid(edges[:-1], edges[:-1], indexing="ij")
    top = np.meshgrid(edges[1:], edges[1:], indexing="ij")
    lo = np.stack([g.reshape(-1) for g in grid], axis=1)
    hi = np.stack([g.reshape(-1) for g in top], axis=1)
    f_min, f_max = sup.target.box_range(lo, hi)
    s_min, s_max = sup.enclose(lo, hi)
    worst = float(np.max(np.maximum(f_max - s_min, s_max - f_min)))
    assert sup.box_error_bound(1) == worst


def test_aligned_box_bound_refines_at_the_town_ends_of_every_shift() -> None:
    """Aligned box bound refines at the town ends of every shift: every case of
    ``ALIGNED_BOX_CASES``."""
    check_every_case(
        _aligned_box_bound_refines_at_the_town_ends_of_every_shift,
        ALIGNED_BOX_CASES)


def test_default_sup_bound_uses_256_cells_per_axis():
    target = product_target()
    assert target.sup_bound() == target.sup_bound(256) != target.sup_bound(257)


def test_second_iteration_outer_values_are_lambda_times_the_centred_residual():
    # χ^2_q = λ (F(c_D) - Ŝ_D) on each town cube D, Ŝ_D the midpoint of the enclosure of S_1
    sup = certified_superpose(product_target(), 6, [1, 1], 3)
    lam, _ = lorentz_constants(2)
    for q in (0, 3):
        cubes = town_cubes(2, 6, 1, q, sup.table)
        f_min, f_max = sup.target.box_range(cubes.box_lo, cubes.box_hi)
        s_min, s_max = sup.enclose(cubes.box_lo, cubes.box_hi, iterations=1)
        v = lam * ((f_min + f_max) / 2 - (s_min + s_max) / 2)
        assert sup.outers[1][q].values.tolist() == np.repeat(v, 2).tolist()


def test_superpose_builds_each_repeated_level_once(monkeypatch):
    # levels [1, 2, 1, 2]: two refinements reuse the cached level (the same towns and knots)
    import theory.kolmogorov as kolmogorov

    built = []
    original = kolmogorov.level

    def counting(n, gamma, k, table):
        built.append(k)
        return original(n, gamma, k, table)

    monkeypatch.setattr(kolmogorov, "level", counting)
    sup = superpose(lambda x: x[:, 0] * x[:, 1], 2, 6, [1, 2, 1, 2], 3)
    assert built == [1, 2]
    assert sup.levels == [1, 2, 1, 2]
    for r in (0, 1):
        for q in range(5):
            assert np.array_equal(sup.knots[r][q], sup.knots[r + 2][q])


def test_error_enclosure_is_the_distance_from_f_to_the_enclosure_of_s():
    # at points y: |F - S| lies in [max(F - S_max, S_min - F, 0), max(|F - S_min|, |F - S_max|)]
    sup = _csup1()
    y = np.array([[0.3, 0.7], [0.9, 0.2], [0.05, 0.95]])
    s_min, s_max = sup.enclose(y)
    f = sup.target(y)
    low, up = sup.error_enclosure(y)
    assert np.array_equal(low, np.maximum(np.maximum(f - s_max, s_min - f), 0.0))
    assert np.array_equal(up, np.maximum(np.abs(f - s_min), np.abs(f - s_max)))
    assert np.all(s_min != 0) and np.all(f != 0)  # so that |F + S_min| would differ


def test_widths_rows_by_hand():
    # one iteration at level 1 of the product (n = 2, γ = 6): 2n + 1 = 5 outer and
    # n (2n + 1) = 10 inner functions; each town cube gives two knots
    sup = _csup1()
    cubes = max(len(town_cubes(2, 6, 1, q, sup.table).box_lo) for q in range(5))
    assert sup.widths() == [{"level": 1, "cubes_per_q": cubes, "knots_new": 2 * cubes,
                             "knots_total": 2 * cubes, "outer": 5, "inner": 10}]
