"""Tight cases of theory.norm_reduction that the mutation run found untested.

Companion of ``tests/test_norm_reduction.py``: the kind and exact value of ``c_1``, the split
enumeration of Algorithm A (no wasted pole split, every root split tried, an exact target run
in float64), the residue equations of the optimizer (the residue at a zero pole, the analytic
Jacobians handed to SLSQP, its options, its start point and its defaults).
"""

from __future__ import annotations

import itertools
import math
import warnings

import mpmath
import numpy as np
import pytest
import scipy.optimize
import sympy
from strategies import smoke_and_full

import theory.norm_reduction as nr
from theory.linear import DeepSSM, ShallowSSM
from theory.norm_reduction import (
    ForestLayout,
    algorithm_a_best_split,
    balancing_scales,
    best_forest_deep,
    forest_betas,
    forest_constant,
    forest_deep,
    forest_layouts,
    kernel_agreement,
    log_max_path_weight,
    max_path_weight,
    monotone_layout,
    norm_aware_two_by_two,
    optimize_realization,
    prune,
    shallow_norm,
    shallow_norm_squared,
    small_norm_deep_report,
)
from theory.numbers import InvalidParameterError, NumberKind
from verify.claims.byjl25_norm import random_exact_target, random_target

IM = sympy.I
R = sympy.Rational


def _same_model(a: DeepSSM | None, b: DeepSSM | None) -> bool:
    """``a`` and ``b`` are both ``None`` or have bit-identical entries."""
    if a is None or b is None:
        return a is b
    return all(np.array_equal(x, y) for x, y in
               zip([a.eigenvalues, *a.B, a.C], [b.eigenvalues, *b.B, b.C]))


def _decades_target() -> ShallowSSM:
    """The first ``(2, 2)`` target of ``test_optimizer_never_worse_and_matches`` (the forest
    has ``W ≈ 6.94``; the optimizer's local optimum is ``W ≈ 5.027``)."""
    return random_target(np.random.default_rng(4), 3, "decades")


def test_forest_constant_at_depth_two() -> None:
    assert forest_constant(2) == 2.0 ** (1 / 3)


def test_max_path_weight_overflow_message() -> None:
    model = DeepSSM([[0.5], [0.0]], [[1e200], [[1e200]]], [1e200])  # W = 1e600
    with pytest.raises(OverflowError, match=r"^max_path_weight: W = exp\(1381\.\d+\) exceeds "
                       r"the float64 range; use log_max_path_weight$"):
        max_path_weight(model)


def test_norm_aware_two_by_two_takes_the_second_choice_when_it_is_lighter() -> None:
    """Poles ``1/4 < 1/3 < 1/2``, residues ``6, -4, 6``: ``a = 1/4`` gives the path weights
    ``3, |6 + 3| = 9, 4``; ``a = 1/3`` gives ``2, |-4 + 4| = 0, 6``, so ``W = 6``."""
    target = ShallowSSM([R(1, 4), R(1, 3), R(1, 2)], [6, -4, 6], [1, 1, 1])
    deep = norm_aware_two_by_two(target)
    assert list(deep.eigenvalues[0]) == [R(1, 3), R(1, 4)]
    assert max_path_weight(deep) == 6
    assert kernel_agreement(deep, target) == (0.0, 0.0)


# ---------------------------------------------------------------- c_1 in every kind
def test_shallow_norm_is_exact_for_exact_targets() -> None:
    target = ShallowSSM([R(1, 2), -R(1, 3)], [3 + 4 * IM, 1], [1, 1])
    assert shallow_norm(target) == sympy.sqrt(5)  # max |r| = 5
    assert shallow_norm_squared(target) == 5


def test_shallow_norm_keeps_the_float_and_mpmath_kinds() -> None:
    floats = ShallowSSM([0.5, -0.25], [3 + 4j, 1.0], [1.0, 1.0])
    c1, c1_sq = shallow_norm(floats), shallow_norm_squared(floats)
    assert type(c1) is float and c1 == math.sqrt(5.0)
    assert type(c1_sq) is float and c1_sq == 5.0
    with mpmath.workdps(40):
        target = ShallowSSM([mpmath.mpf("0.5"), mpmath.mpf("-0.25")],
                            [mpmath.mpc(3, 4) / 3, mpmath.mpf(1)], [mpmath.mpf(1)] * 2)
        c1, c1_sq = shallow_norm(target), shallow_norm_squared(target)
        assert isinstance(c1, mpmath.mpf) and isinstance(c1_sq, mpmath.mpf)
        # 5/3 is not a float64: the values carry the 40 working digits
        assert abs(c1_sq - mpmath.mpf(5) / 3) < mpmath.mpf(10) ** -38
        assert abs(c1 - mpmath.sqrt(mpmath.mpf(5) / 3)) < mpmath.mpf(10) ** -38


@pytest.mark.parametrize("entry", [sympy.root(3, 3), sympy.root(7, 5) * sympy.root(11, 3)])
def test_log_max_path_weight_of_an_irrational_exact_weight_is_correctly_rounded(
        entry: sympy.Expr) -> None:
    """``W²`` is irrational here, so ``log W`` needs more than the 15 digits of a default
    ``sympy.N``: within two ulps of the value computed at 50 digits."""
    model = DeepSSM([[R(1, 2)]], [[entry]], [1])
    with mpmath.workdps(50):
        ref = float(mpmath.log(mpmath.mpf(str(sympy.N(entry, 60)))))
    assert abs(log_max_path_weight(model) - ref) <= 2 * math.ulp(ref)


# ---------------------------------------------------------------- forests
def test_forest_layouts_of_a_full_two_by_two_target() -> None:
    """Three poles at ``(l, m) = (2, 2)``: 3 choices of the lone pole of layer 2 times 2
    parents; the monotone layout first."""
    target = ShallowSSM([R(1, 2), R(-1, 4), R(1, 8)], [R(4), R(9), R(1)], [1, 1, 1])
    layouts = list(forest_layouts(target, 2, 2))
    assert layouts[0] == monotone_layout(target, 2, 2)
    assert len(layouts) == len(set(layouts)) == 6


def test_layout_errors_name_the_layer_and_the_capacity() -> None:
    target = ShallowSSM([R(1, 2), R(-1, 4), R(1, 8)], [R(4), R(9), R(1)], [1, 1, 1])
    crowded = ForestLayout(((0,), (1, 2)), ((1, 0), (2, 0)))
    with pytest.raises(InvalidParameterError,
                       match=r"^layout: layer 2 holds 2 poles, at most 1 fit$"):
        forest_deep(target, 2, 2, crowded)


def test_forest_betas_refuse_a_radical_zero_pole_below_a_root() -> None:
    """``(-2+2i)^{1/3} - (1+i)`` is zero (decided exactly, not by ``== 0``)."""
    zero = sympy.root(-2 + 2 * IM, 3) - (1 + IM)
    poles = np.array([zero, R(-1, 4), R(1, 8)], dtype=object)
    layout = ForestLayout(((1, 2), (0,)), ((0, 1),))
    with pytest.raises(InvalidParameterError,
                       match=r"^layout: the zero pole 0 must be a root \(layer 1\); below a "
                             r"root it would divide by zero$"):
        forest_betas(poles, np.array([R(1), R(2), R(3)], dtype=object), layout)


def test_monotone_layout_orders_exact_moduli_beyond_float64() -> None:
    """``1/2 + 10^-30`` and ``1/2`` are the same float64 modulus; exactly, ``1/2`` is the
    smaller, so it fills layer 1 and ``1/2 + 10^-30`` continues its chain."""
    target = ShallowSSM([R(1, 2) + R(1, 10**30), R(1, 2), R(1, 8)], [R(4), R(9), R(1)],
                        [1, 1, 1])
    layout = monotone_layout(target, 2, 2)
    assert layout.layers == ((2, 1), (0,)) and layout.parents == ((0, 2),)


def test_monotone_layout_of_a_float_target_keeps_the_order_of_equal_float64_moduli() -> None:
    """Float poles are ordered by their float64 modulus ``abs(z)``: ``z = 0.0668 - 0.3614i``
    and the real pole ``abs(z)`` tie, so they keep their input order (``z`` in layer 1). The
    rounded squares ``re² + im²`` would tell them apart (and reverse them)."""
    z = 0.06678750598684341 - 0.3614362494464993j
    target = ShallowSSM([z, abs(z), 0.1], [1.0, 2.0, 3.0], [1.0, 1.0, 1.0])
    layout = monotone_layout(target, 2, 2)
    assert layout.layers == ((2, 0), (1,)) and layout.parents == ((1, 2),)


@pytest.mark.parametrize(("poles", "residues", "message"), [
    (np.array([R(1, 2), R(-1, 4), R(1, 8)], dtype=object), np.array([1.0, 2.0, 3.0]),
     r"^poles: exact \(sympy\) numbers mixed with float numbers in residues"),
    (np.array([0.5, -0.25, 0.125]), np.array([R(1), R(2), R(3)], dtype=object),
     r"^residues: exact \(sympy\) numbers mixed with float numbers in poles"),
])
def test_forest_betas_refuse_mixed_kinds_naming_the_parameter(poles, residues,
                                                                message: str) -> None:
    layout = ForestLayout(((1, 2), (0,)), ((0, 1),))
    with pytest.raises(InvalidParameterError, match=message):
        forest_betas(poles, residues, layout)


# ---------------------------------------------------------------- Algorithm A splits
def test_algorithm_a_splits_enumerate_no_unusable_pole_split(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Four nonzero poles, three roots, depth 3, width 2: a full group absorbs one root less,
    so at most one group may be full; the enumeration cut (``max_full = n - n_roots``) makes
    every enumerated pole split usable (none drawn and then dropped)."""
    drawn = []
    real = nr._label_assignments

    def counted(*args, **kwargs):
        for split in real(*args, **kwargs):
            drawn.append(split)
            yield split

    monkeypatch.setattr(nr, "_label_assignments", counted)
    poles = np.array([0.1, 0.2, 0.3, 0.4])
    got = list(nr._algorithm_a_splits(poles, 3, 3, 2))
    assert got and len(got) == len(drawn)
    for groups, caps in got:
        assert sum(len(g) == 2 for g in groups) <= 1
        assert caps == [min(len(g), 1) for g in groups] and sum(caps) >= 3


def test_label_assignments_count_zero_capacity_groups_as_full() -> None:
    """A group of capacity 0 is filled to capacity: with two of them, ``max_full=1`` is already
    exceeded, so no assignment qualifies; with ``max_full=2`` the third group takes both
    items, up to its capacity less one (a third full group is not allowed)."""
    assert list(nr._label_assignments(2, [0, 0, 3], 1)) == []
    assert list(nr._label_assignments(2, [0, 0, 3], 2)) == [[[], [], [0, 1]]]
    assert list(nr._label_assignments(3, [0, 0, 3], 2)) == []


def test_algorithm_a_tries_every_pole_and_root_split(monkeypatch: pytest.MonkeyPatch) -> None:
    """Poles ``1/2, 1/2 + 10^-9, -0.3``, numerator roots ``-4, 2``: six pole splits with two
    root splits each. With ``max_splits=12`` every pair is tried once, with its own root split,
    a failing pair (the close poles in one layer are ill-conditioned for some root splits)
    does not stop the others, and the lightest realization wins."""
    import theory.depth_width as dw

    tried = []
    real = dw.shallow_to_deep

    def spy(*args, **kwargs):
        key = (str(kwargs["pole_groups"]), str(kwargs["root_groups"]))
        try:
            deep = real(*args, **kwargs)
        except Exception:
            tried.append((key, None))
            raise
        tried.append((key, log_max_path_weight(deep)))
        return deep

    monkeypatch.setattr(dw, "shallow_to_deep", spy)
    target = dw.target_from_factors([0.5, 0.5 + 1e-9, -0.3], [-4.0, 2.0], 1.0)
    best = algorithm_a_best_split(target, 2, 2, max_splits=12)
    assert len(tried) == 12 and len({key for key, _ in tried}) == 12
    assert all(key[1] != "None" for key, _ in tried)
    weights = [w for _, w in tried if w is not None]
    assert log_max_path_weight(best) == pytest.approx(min(weights), rel=1e-12, abs=1e-12)


def test_algorithm_a_runs_exact_targets_in_float64() -> None:
    target = random_exact_target(np.random.default_rng(9), 3)
    deep = algorithm_a_best_split(target, 2, 2, max_splits=3)
    assert deep.kind is NumberKind.FLOAT
    err, tol = kernel_agreement(deep, target)
    assert err <= tol


# ---------------------------------------------------------------- optimizer
def test_placement_constraints_keep_the_residue_at_a_zero_pole() -> None:
    lam = np.array([[0.5, 0.0], [0.2, 0.0]], dtype=complex)
    G, rhs = nr._placement_constraints(lam, np.array([0.0, 0.5, 0.2]),
                                       np.array([3.0, 1.0, 2.0]))
    np.testing.assert_array_equal(rhs, [1, 2, 3])
    np.testing.assert_array_equal(G[-1], [[0, 1], [0, 1]])  # the all-zero-eigenvalue paths
    np.testing.assert_allclose(G[0], [[1, 0], [0.5 / 0.3, 1]], rtol=1e-15)  # μ = 0.5 at (0, 0)


@pytest.fixture(scope="module")
def decades_optimum() -> tuple[ShallowSSM, DeepSSM, DeepSSM | None, list[str]]:
    """The optimizer's default run from the forest on :func:`_decades_target`, built once for
    the tests that read it: ``(target, start, result, messages of the warnings it raised)``."""
    target = _decades_target()
    start = best_forest_deep(target, 2, 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = optimize_realization(target, start)
    return target, start, out, [str(w.message) for w in caught]


def test_optimizer_passes_scipy_no_unknown_option(decades_optimum) -> None:
    _, _, out, warned = decades_optimum
    assert warned == []
    assert out is not None


def test_optimizer_reaches_its_local_optimum(decades_optimum) -> None:
    target, start, out, _ = decades_optimum
    assert out is not None and float(max_path_weight(start)) > 6.9
    assert max_path_weight(out) == pytest.approx(5.0271962737, rel=1e-8)
    err, tol = kernel_agreement(out, target)
    assert err <= tol


def test_optimizer_is_scale_covariant_from_its_first_iterations() -> None:
    """Residues are homogeneous of degree ``l + 1`` in the entries, and the optimizer solves
    the target scaled to ``max |r| = 1`` from the start scaled the same way: scaling the
    residues by ``c`` scales ``W`` by ``c`` even after two SLSQP iterations."""
    target = _decades_target()
    for c in (8.0, 1 / 8):
        scaled = ShallowSSM(target.poles, target.residues * c, np.ones(3))
        a = optimize_realization(target, best_forest_deep(target, 2, 2), max_iter=2)
        b = optimize_realization(scaled, best_forest_deep(scaled, 2, 2), max_iter=2)
        assert a is not None and b is not None
        assert max_path_weight(b) == pytest.approx(c * max_path_weight(a), rel=1e-12)


def _finite_difference(fun, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((np.asarray(fun(x + e)) - np.asarray(fun(x - e))) / (2 * h))
    return np.array(cols).T


def test_optimizer_hands_slsqp_correct_jacobians(monkeypatch: pytest.MonkeyPatch) -> None:
    """Depth 3 (so the ``C`` block of the Jacobian differs from the ``B_2`` block): the
    objective's gradient and both constraint Jacobians match central differences."""
    seen = []
    real = scipy.optimize.minimize

    def spy(fun, x0, **kwargs):
        seen.append((fun, x0, kwargs))
        return real(fun, x0, **kwargs)

    monkeypatch.setattr(scipy.optimize, "minimize", spy)
    target = random_target(np.random.default_rng(3), 4, "disk")
    optimize_realization(target, best_forest_deep(target, 3, 2), max_iter=1)
    (fun, x0, kwargs), = seen
    x = x0 + np.random.default_rng(0).uniform(-0.1, 0.1, x0.shape)
    assert kwargs["jac"](x).shape == x.shape
    np.testing.assert_allclose(kwargs["jac"](x), _finite_difference(fun, x), atol=1e-9)
    assert [c["type"] for c in kwargs["constraints"]] == ["eq", "ineq"]
    for con in kwargs["constraints"]:
        np.testing.assert_allclose(con["jac"](x), _finite_difference(con["fun"], x),
                                   rtol=1e-6, atol=1e-7)


def test_optimizer_defaults(decades_optimum) -> None:
    """The defaults are ``max_iter=200`` and ``newton_steps=8`` (on this target a ninth Newton
    step moves the last bits of the result)."""
    target, start, default, _ = decades_optimum
    assert _same_model(default, optimize_realization(target, start, max_iter=200,
                                                     newton_steps=8))


def test_optimizer_starts_from_the_float64_rounding_of_an_exact_start() -> None:
    target = random_exact_target(np.random.default_rng(9), 3)
    start = forest_deep(target, 2, 2)
    floats = target.to_kind(NumberKind.FLOAT)
    out = optimize_realization(floats, start)
    assert out is not None
    assert _same_model(out, optimize_realization(floats, start.to_kind(NumberKind.FLOAT)))


# ---------------------------------------------------------------- small_norm_deep
def test_a_construction_that_misses_the_kernel_is_recorded_as_none(
        monkeypatch: pytest.MonkeyPatch) -> None:
    target = random_target(np.random.default_rng(8), 3, "disk")
    good = nr.best_forest_deep

    def broken(shallow: ShallowSSM, depth: int, width: int) -> DeepSSM:
        deep = good(shallow, depth, width)
        return DeepSSM(deep.eigenvalues, list(deep.B), deep.C * 1.001)

    monkeypatch.setattr(nr, "best_forest_deep", broken)
    deep, record = small_norm_deep_report(target, 2, 2, ("forest", "algorithm_a"),
                                          max_splits=3, time_budget=None)
    assert record["norms"]["forest"] is None
    assert record["winner"] == "algorithm_a" and record["norms"]["algorithm_a"] > 0
    err, tol = kernel_agreement(deep, target)
    assert err <= tol


def test_kernel_agreement_compares_2_lm_plus_n_plus_1_terms() -> None:
    """An extra mode ``ε 0.9^s`` next to the target ``0.1^s``: the relative error grows with
    ``s``, so the reported error is that of the last term compared, ``s = 2(lm + n) = 6``."""
    eps = 1e-9
    deep = DeepSSM([[0.1, 0.9]], [[1.0, eps]], [1.0, 1.0])
    target = ShallowSSM([0.1], [1.0], [1.0])
    err, _ = kernel_agreement(deep, target)
    s = 2 * (1 * 2 + 1)
    assert err == pytest.approx(eps * 0.9**s / (2 * 0.1**s + eps * 0.9**s), rel=1e-9)


# ---------------------------------------------------------------- error messages, in full
@pytest.mark.parametrize(("call", "message"), [
    (lambda: forest_constant(2, exact="yes"), "exact: expected a bool, got 'yes'"),
    (lambda: shallow_norm("x"), "shallow: expected a ShallowSSM target, got 'x'"),
    (lambda: forest_betas([[0.1], [0.2, 0.3]], [1.0, 2.0], ForestLayout(((0, 1),), ())),
     "poles: expected a one-dimensional array of finite numbers, got [[0.1], [0.2, 0.3]]"),
    (lambda: forest_betas([0.1, 0.2], [[1.0, 2.0]], ForestLayout(((0, 1),), ())),
     "residues: expected a one-dimensional array of finite numbers, got [[1.0, 2.0]]"),
    (lambda: nr._check("nonsense", 1), "nonsense: unknown parameter"),
])
def test_error_messages_in_full(call, message: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        call()
    assert str(info.value) == message


_SHAPES = [(2, 2), (3, 2), (2, 3), (4, 2), (3, 3)]
_STYLES = ["disk", "clustered", "decades", "tiny", "near_unit"]


def _forest_bound_failures(shape: tuple[int, int], style: str) -> list[str]:
    """What goes wrong on the fixed target of ``(shape, style)`` (empty: nothing)."""
    depth, width = shape
    target = random_target(np.random.default_rng(7), depth * (width - 1) + 1, style)
    deep, record = nr.small_norm_deep_report(target, depth, width,
                                             ("width_one", "norm_aware_2x2", "forest"))
    err, tol = nr.kernel_agreement(deep, target)
    failures = [] if err <= tol else [f"kernel error {err} > {tol}"]
    if not record["ratio"] <= 2 ** ((depth - 1) / (depth + 1)) * (1 + 1e-12):
        failures.append(f"ratio {record['ratio']} above the forest constant")
    if record["winner"] not in ("norm_aware_2x2", "forest"):
        failures.append(f"winner {record['winner']}")
    return [f"{shape} {style}: {f}" for f in failures]


# smoke: every shape and every style once (shape i with style i); full: all 25 pairs
@pytest.mark.parametrize("cases", smoke_and_full(list(zip(_SHAPES, _STYLES)),
                                                 list(itertools.product(_SHAPES, _STYLES))))
def test_small_norm_deep_meets_forest_bound_on_every_shape_and_style(cases):
    """The forest bound on one fixed target per (shape, style): deterministic coverage that
    does not depend on which examples a hypothesis profile draws."""
    failures = [f for shape, style in cases for f in _forest_bound_failures(shape, style)]
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------- constructions run by the report
def test_report_runs_the_norm_aware_construction_on_its_shape() -> None:
    """Poles ``1/4, 1/3, 1/2``, residues ``6, -4, 6``: the norm-aware ``l = m = 2`` realization
    has ``W = 6`` (``test_norm_aware_two_by_two_takes_the_second_choice_when_it_is_lighter``),
    so its balanced norm is ``6^{1/3}``."""
    target = ShallowSSM([R(1, 4), R(1, 3), R(1, 2)], [6, -4, 6], [1, 1, 1])
    deep, record = small_norm_deep_report(target, 2, 2, ("norm_aware_2x2",))
    assert record["winner"] == "norm_aware_2x2"
    assert record["norms"]["norm_aware_2x2"] == pytest.approx(6 ** (1 / 3), rel=1e-14)
    assert max_path_weight(deep) == pytest.approx(6, rel=1e-14)


def test_report_without_a_start_for_the_optimizer_realizes_nothing() -> None:
    """The optimizer starts from the best model found before it: run alone, it has none, so
    nothing realizes the target."""
    with pytest.raises(ArithmeticError) as info:
        small_norm_deep_report(_decades_target(), 2, 2, ("optimizer",))
    assert str(info.value) == "small_norm_deep: no construction realized the target"


def test_report_hands_the_optimizer_the_best_model_so_far() -> None:
    """From the forest (``W ≈ 6.94``) the optimizer reaches its local optimum ``W ≈ 5.027``
    (``test_optimizer_reaches_its_local_optimum``) and wins."""
    deep, record = small_norm_deep_report(_decades_target(), 2, 2, ("forest", "optimizer"),
                                          time_budget=None)
    assert record["winner"] == "optimizer"
    assert record["norms"]["forest"] > 1.9
    assert record["norms"]["optimizer"] == pytest.approx(5.0271962737 ** (1 / 3), rel=1e-8)


def test_optimizer_stops_after_max_iter_slsqp_iterations() -> None:
    """One SLSQP iteration (then the Newton polish) stops at ``W ≈ 5.7697``, well short of the
    local optimum ``5.027`` that the default 200 iterations reach."""
    target = _decades_target()
    out = optimize_realization(target, best_forest_deep(target, 2, 2), max_iter=1)
    assert out is not None
    assert max_path_weight(out) == pytest.approx(5.769718813728501, rel=1e-8)


def test_forest_with_a_missing_pole_index_names_the_range() -> None:
    layout = ForestLayout(((0, 1),), ())
    with pytest.raises(InvalidParameterError) as info:
        forest_betas(np.array([0.5, 0.25, 0.125]), np.array([1.0, 2.0, 3.0]), layout)
    assert str(info.value) == ("layout: every pole index 0..2 must appear exactly once, "
                               "got [0, 1]")


# ---------------------------------------------------------------- pruning and gauge scales
def test_prune_decides_a_cube_root_zero_exactly() -> None:
    """``∛(20 + 14√2) + ∛(20 - 14√2) - 4 = (2 + √2) + (2 - √2) - 4 = 0``, and sympy keeps
    its squared modulus as an unevaluated square (not the literal ``0``), so only the exact
    decision sees that node 0 carries no path: its ``B_1`` and ``C`` entries are removed."""
    zero = sympy.root(20 + 14 * sympy.sqrt(2), 3) + sympy.root(20 - 14 * sympy.sqrt(2), 3) - 4
    pruned = prune(DeepSSM([[R(1, 2), R(1, 3)]], [[zero, 1]], [1, 1]))
    assert list(pruned.B[0]) == [0, 1] and list(pruned.C) == [0, 1]
    assert all(isinstance(x, sympy.Integer) for x in [*pruned.B[0], *pruned.C])


def test_balancing_scales_give_dead_nodes_scale_one() -> None:
    """``B_1 = (4, 0)``, ``C = (1, 7)``: ``W = 4``, ``D_1 = (W^{1/2} / 4, 1) = (1/2, 1)``; node 1
    lies on no nonzero path (exact models are handled in mpmath)."""
    scales = balancing_scales(DeepSSM([[R(1, 2), R(1, 3)]], [[4, 0]], [1, 7]))
    assert len(scales) == 1 and list(scales[0]) == [mpmath.mpf(0.5), mpmath.mpf(1)]
    assert all(isinstance(x, mpmath.mpf) for x in scales[0])


def test_balancing_scales_overflow_message() -> None:
    """``f = (1e-300, 1e-600, 1e-300)`` and ``W = 1``: ``D_2 = 1e600``."""
    model = DeepSSM([[0.5], [0.5], [0.5]], [[1e-300], [[1e-300]], [[1e300]]], [1e300])
    with pytest.raises(OverflowError) as info:
        balancing_scales(model)
    assert str(info.value) == ("balancing_scales: a gauge scale exceeds the float64 range; "
                               "balance() works in the log domain")


# ---------------------------------------------------------------- the kernel check of balance
EPS = float(np.finfo(float).eps)
FMAX, TINY = float(np.finfo(float).max), float(np.finfo(float).tiny)
_GAUGE = [[3.0, 7.0], [1 / 3, 5.0]]


def _abs_model(a: DeepSSM) -> DeepSSM:
    return DeepSSM(np.abs(a.eigenvalues), [np.abs(b) for b in a.B], np.abs(a.C))


def _float64_gap(a: DeepSSM, b: DeepSSM) -> float:
    """The relative error of the float64 Eq. 1 recurrence kernels on ``2lm + 1`` terms, scaled
    by the kernel of the entrywise-absolute ``a`` (every scale term below is nonzero or has a
    zero difference)."""
    T = 2 * a.depth * a.width + 1
    ka, kb = a.kernel(T, method="recurrence"), b.kernel(T, method="recurrence")
    scale = _abs_model(a).kernel(T, method="recurrence")
    return max(float(abs(x - y) / abs(s)) if s != 0 else 0.0 for x, y, s in zip(ka, kb, scale))


@pytest.mark.parametrize("a", [
    # dense, normal entries
    DeepSSM([[0.3, -0.7], [0.45, 0.2]], [[1.0, 3.0], [[0.5, 2.0], [-1.5, 0.25]]], [0.7, -1.1]),
    # a zero entry (not a subnormal one)
    DeepSSM([[0.3, -0.7], [0.45, 0.2]], [[1.0, 3.0], [[0.5, 0.0], [-1.5, 0.25]]], [0.7, -1.1]),
    # zero eigenvalues: every scale term after s = 0 is 0
    DeepSSM([[0.0, 0.0], [0.0, 0.0]], [[0.3, 0.7], [[1.1, 0.3], [0.2, 1.7]]], [0.9, 1.3]),
    # an entry of modulus exactly the largest float64 (a finite kernel)
    DeepSSM([[0.3, -0.7], [0.45, 0.2]], [[1.0, 3.0], [[0.5, 2.0], [0.0, 1e-300]]], [0.7, FMAX]),
    # an entry exactly the smallest normal float64
    DeepSSM([[0.0, -0.7], [0.45, 0.2]], [[TINY, 3.0], [[1e300, 2.0], [-1.5, 0.25]]], [0.7, -1.1]),
], ids=["dense", "zero-entry", "zero-eigenvalues", "largest-entry", "smallest-normal-entry"])
def test_kernel_gap_of_normal_float_kernels_is_their_float64_error(a: DeepSSM) -> None:
    """Finite kernels without subnormal scale terms are compared in float64, as
    ``_float64_gap`` computes it: the same value whatever mpmath's working precision."""
    b = nr.gauge_transform(a, _GAUGE)
    want = _float64_gap(a, b)
    assert 0 < want < 4 * EPS
    assert nr._kernel_gap(a, b) == want
    with mpmath.workdps(50):
        assert nr._kernel_gap(a, b) == want


def test_kernel_gap_stays_in_float64_at_a_scale_term_of_exactly_the_smallest_normal() -> None:
    """``2^-1018 · 0.5^s`` reaches ``2^-1022`` (the smallest normal float64) at the last term
    ``s = 2lm = 4``: no term is subnormal."""
    a = DeepSSM([[0.5, 0.25]], [[2.0 ** -1018, 0.3]], [1.0, 0.0])
    b = nr.gauge_transform(a, [[0.1, 7.0]])
    assert _abs_model(a).kernel(5, method="recurrence")[-1] == TINY
    want = _float64_gap(a, b)
    assert want > 0
    assert nr._kernel_gap(a, b) == want
    with mpmath.workdps(50):
        assert nr._kernel_gap(a, b) == want


def test_kernel_gap_redoes_subnormal_kernel_terms_in_mpmath() -> None:
    """``2^-1020 · 0.01^s`` is subnormal from ``s = 1`` on (all entries are normal): float64
    keeps few digits there (a gap of about ``1e-8``); in mpmath the gauge is exact to
    roundoff."""
    a = DeepSSM([[0.01, 0.25]], [[2.0 ** -1020, 0.3]], [1.0, 0.0])
    b = nr.gauge_transform(a, [[0.3, 7.0]])
    assert min(abs(x) for x in [*b.B[0], b.C[0]]) >= TINY
    assert _float64_gap(a, b) > 1e-9
    assert nr._kernel_gap(a, b) <= 2 * EPS


def test_kernel_gap_redoes_an_overflowing_kernel_in_mpmath_without_warnings() -> None:
    """The gauge ``D_2 = 1e307`` keeps every entry finite and normal, but the float64 kernel of
    the gauged model overflows (``inf``) and then turns NaN (``0 · inf``, ``inf - inf``); the
    check recomputes it in mpmath, silently, and finds the gauge exact to roundoff."""
    a = DeepSSM([[0.9, 0.8], [0.9, 0.0]], [[1.0, 1.0], [[10.0, 10.0], [10.0, 10.0]]],
                [1e10, -1e10])
    b = nr.gauge_transform(a, [[1.0, 1.0], [1e307, 1e307]])
    with np.errstate(all="ignore"):
        assert np.isnan(b.kernel(9, method="recurrence")).any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gap = nr._kernel_gap(a, b)
    assert 0 < gap <= 4 * EPS


def test_kernel_gap_compares_2_lm_plus_1_terms() -> None:
    """An extra mode ``ε 0.9^s`` next to ``0.1^s``: the relative error grows with ``s``, so
    the gap is that of the last term compared, ``s = 2lm = 4``."""
    eps = 1e-9
    a = DeepSSM([[0.1, 0.9]], [[1.0, 0.0]], [1.0, 1.0])
    b = DeepSSM([[0.1, 0.9]], [[1.0, eps]], [1.0, 1.0])
    assert nr._kernel_gap(a, b) == pytest.approx(eps * 0.9 ** 4 / 0.1 ** 4, rel=1e-9)


def test_kernel_gap_reads_past_a_zero_scale_term() -> None:
    """Kernels ``(2, 0, 0, 0, 0)`` and ``(2, 0, 0.5, 0, 0.125)``: they agree where the scale
    first vanishes (``s = 1``) and differ at ``s = 2``, where the scale is 0 too."""
    a = DeepSSM([[0.0, 0.0]], [[1.0, 1.0]], [1.0, 1.0])
    b = DeepSSM([[0.5, -0.5]], [[1.0, 1.0]], [1.0, 1.0])
    assert nr._kernel_gap(a, b) == math.inf


def test_kernel_gap_of_a_model_with_itself_is_zero() -> None:
    """Also for a float model stored with complex entries of zero imaginary part: the model
    is compared as it is (converting it to real entries changes the last bits of its
    kernel)."""
    lam = np.array([[0.3, -0.7, 0.9], [0.45, 0.2, -0.35], [0.1, 0.6, -0.8]], dtype=complex)
    mix = np.array([[0.5, 2.0, 0.7], [-1.5, 0.25, 0.1], [0.3, 0.3, -0.9]], dtype=complex)
    a = DeepSSM(lam, [np.array([1.0, 3.0, 0.3], dtype=complex), mix, mix],
                np.array([0.7, -1.1, 0.4], dtype=complex))
    assert nr._kernel_gap(a, a) == 0.0
