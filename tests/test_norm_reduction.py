"""Tests of theory.norm_reduction: Algorithm B, gauge invariance, Theorem 4.2 constructions."""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
import sympy
from error_reports import wrong_error_reports
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import example_budgets, run_examples, smoke_and_full

from theory.linear import DeepSSM, ShallowSSM
from theory.norm_reduction import (
    ForestLayout,
    SelfCheckError,
    _placement_constraints,
    algorithm_a_best_split,
    balance,
    balanced_moduli_squared,
    balancing_scales,
    best_forest_deep,
    forest_betas,
    forest_constant,
    forest_deep,
    forest_layouts,
    gauge_lp_log_norm,
    gauge_transform,
    is_zero_in_kind,
    kernel_agreement,
    log_max_path_weight,
    max_path_weight,
    monotone_layout,
    norm_aware_two_by_two,
    norm_ratio,
    optimize_realization,
    prune,
    shallow_norm,
    small_norm_deep,
    small_norm_deep_report,
    width_one_deep,
)
from theory.numbers import InvalidParameterError, NumberKind, abs_squared, tolerance
from verify.claims.byjl25_norm import random_exact_target, random_target, tight_forest_target
from verify.sampling import random_deep_batch, random_deep_exact

IM = sympy.I
R = sympy.Rational


def brute_force_weight(deep: DeepSSM) -> float:
    L, m = deep.depth, deep.width
    best = 0.0
    for path in itertools.product(range(m), repeat=L):
        w = complex(deep.B[0][path[0]])
        for k in range(1, L):
            w *= complex(deep.B[k][path[k], path[k - 1]])
        best = max(best, abs(w * complex(deep.C[path[-1]])))
    return best


def float_model(seed: int) -> DeepSSM:
    rng = np.random.default_rng(seed)
    model = random_deep_batch(rng, 1, int(rng.integers(1, 5)), int(rng.integers(1, 4))).model(0)
    if rng.uniform() < 0.5:
        model = DeepSSM(model.eigenvalues,
                        [np.where(rng.uniform(size=b.shape) < 0.3, 0, b) for b in model.B],
                        np.where(rng.uniform(size=model.C.shape) < 0.3, 0, model.C))
    return model


def kernel_rel_error(a: DeepSSM, b: DeepSSM, T: int = 20) -> float:
    absolute = DeepSSM(np.abs(a.eigenvalues), [np.abs(x) for x in a.B], np.abs(a.C))
    scale = max(float(np.max(absolute.kernel(T).real)), 1e-300)
    return float(np.max(np.abs(a.kernel(T) - b.kernel(T)))) / scale


# ---------------------------------------------------------------- Algorithm B
@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_max_path_weight_matches_enumeration(seed: int) -> None:
    model = float_model(seed)
    assert math.isclose(max_path_weight(model), brute_force_weight(model), rel_tol=1e-13,
                        abs_tol=0)


def test_max_path_weight_exact_is_exact() -> None:
    model = DeepSSM([[R(1, 2), 0], [0, R(1, 3)]], [[1 + IM, R(1, 2)], [[2, 0], [R(1, 3), 3]]],
                    [1, IM])
    # paths: (1+I)*2*1, (1+I)*(1/3)*I, (1/2)*0, (1/2)*3*I -> max |.| = 2*sqrt(2)
    assert max_path_weight(model) == 2 * sympy.sqrt(2)


@pytest.mark.parametrize("examples", smoke_and_full(8, 30))
def test_balance_reaches_optimum_and_keeps_kernel(examples: int) -> None:
    def check(seed: int) -> None:
        model = float_model(seed)
        W = max_path_weight(model)
        bal = balance(model)
        tol = tolerance(NumberKind.FLOAT, model.depth + 1)
        if W == 0:
            assert bal.norm() == 0
            return
        target = W ** (1 / (model.depth + 1))
        assert abs(bal.norm() - target) <= tol * target
        assert kernel_rel_error(model, bal) <= tol
        assert abs(math.log(bal.norm()) - gauge_lp_log_norm(model)) <= 1e-9
        np.testing.assert_array_equal(bal.eigenvalues, model.eigenvalues)

    run_examples(examples, check, seed=st.integers(0, 10_000))


def test_balance_exact_certificate_and_mpmath_model() -> None:
    rng = np.random.default_rng(3)
    for _ in range(5):
        model = random_deep_exact(rng, 3, 2)
        cert = balanced_moduli_squared(model)
        values = [x for arr in cert for x in arr.flat]
        assert all(x <= 1 for x in values)
        assert any(x == 1 for x in values)
        with mpmath.workdps(30):
            bal = balance(model)
            assert bal.kind is NumberKind.MPMATH
            W = mpmath.mpf(str(sympy.N(max_path_weight(model), 40)))
            assert abs(bal.norm() - W ** (mpmath.mpf(1) / 4)) < mpmath.mpf(10) ** -25


def test_gauge_invariance_exact() -> None:
    model = random_deep_exact(np.random.default_rng(1), 3, 2)
    scales = [[R(2), 1 + IM], [R(1, 3), R(-5)], [IM, R(7, 2)]]
    moved = gauge_transform(model, scales)
    T = 13
    assert all(sympy.expand(a - b) == 0 for a, b in zip(model.kernel(T), moved.kernel(T)))
    assert max_path_weight(moved) == max_path_weight(model)


def test_negative_control_broken_gauge_changes_kernel() -> None:
    rng = np.random.default_rng(11)
    model = random_deep_batch(rng, 1, 3, 3).model(0)
    scales = [rng.uniform(0.5, 2.0, 3) for _ in range(3)]
    good = gauge_transform(model, scales)
    assert kernel_rel_error(model, good) <= tolerance(NumberKind.FLOAT, 4)
    # forget D_{k-1}^{-1}: not a gauge any more
    broken = DeepSSM(model.eigenvalues, [scales[0] * model.B[0]]
                     + [scales[k][:, None] * model.B[k] for k in range(1, 3)],
                     model.C / scales[-1])
    assert kernel_rel_error(model, broken) > 1e3 * tolerance(NumberKind.FLOAT)


def test_negative_control_wrong_potential_breaks_norm_equality() -> None:
    model = prune(random_deep_batch(np.random.default_rng(5), 1, 3, 3).model(0))
    scales = balancing_scales(model)
    wrong = [s.copy() for s in scales]
    wrong[1][0] *= 1.5  # one potential off
    W = max_path_weight(model)
    assert gauge_transform(model, wrong).norm() > W ** 0.25 * (1 + 1e-6)
    assert math.isclose(gauge_transform(model, scales).norm(), W ** 0.25, rel_tol=1e-13)


def test_prune_keeps_kernel_and_removes_dead_entries() -> None:
    model = DeepSSM([[0.5, 0.2], [0.1, -0.3]], [[1.0, 0.0], [[1.0, 7.0], [0.0, 0.0]]],
                    [1.0, 9.0])
    pruned = prune(model)
    # node (1, 1) is unreachable, node (2, 1) is reached by no nonzero path
    assert pruned.B[1][0, 1] == 0 and pruned.C[1] == 0
    np.testing.assert_allclose(pruned.kernel(10), model.kernel(10), rtol=0, atol=1e-15)
    assert balance(model).norm() == pytest.approx(max_path_weight(model) ** (1 / 3), rel=1e-14)


def test_zero_model_balances_to_zero() -> None:
    model = DeepSSM([[0.5], [0.2]], [[0.0], [[1.0]]], [1.0])
    assert max_path_weight(model) == 0
    assert balance(model).norm() == 0
    assert gauge_lp_log_norm(model) == -math.inf


def test_bad_inputs() -> None:
    model = float_model(0)
    with pytest.raises(InvalidParameterError, match="scales"):
        gauge_transform(model, [np.ones(model.width)] * (model.depth + 1))
    with pytest.raises(InvalidParameterError, match="scales"):
        gauge_transform(model, [np.zeros(model.width)] * model.depth)
    with pytest.raises(InvalidParameterError, match="deep"):
        max_path_weight("not a model")
    with pytest.raises(InvalidParameterError, match="exact"):
        balanced_moduli_squared(model)
    target = ShallowSSM([0.5, 0.5], [1.0, 2.0], [1.0, 1.0])
    with pytest.raises(InvalidParameterError, match="distinct"):
        forest_deep(target, 2, 2)
    wide = ShallowSSM([0.1, 0.2, 0.3, 0.4], [1.0] * 4, [1.0] * 4)
    with pytest.raises(InvalidParameterError, match="do not fit"):
        forest_deep(wide, 2, 2)
    with pytest.raises(InvalidParameterError, match="depth"):
        forest_deep(wide, 0, 2)
    with pytest.raises(InvalidParameterError, match="shallow"):
        small_norm_deep(model, 2, 2)
    with pytest.raises(InvalidParameterError, match="constructions"):
        small_norm_deep(wide, 3, 2, constructions=("magic",))


# ---------------------------------------------------------------- constructions
@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_width_one_is_exact_and_tight(depth: int) -> None:
    target = ShallowSSM([R(1, 2) - IM / 3], [R(-7, 3) + 5 * IM], [1])
    deep = width_one_deep(target, depth)
    assert kernel_agreement(deep, target) == (0.0, 0.0)
    a = deep.C[0]
    assert sympy.expand(a ** (depth + 1) - target.residues[0]) == 0
    # c_2 = |r|^(1/(l+1)) = c_1^(2/(l+1))
    assert norm_ratio(deep, target) == pytest.approx(1.0, rel=1e-15)
    with pytest.raises(InvalidParameterError, match="one-pole"):
        width_one_deep(ShallowSSM([0.1, 0.2], [1.0, 1.0], [1.0, 1.0]), depth)


def test_norm_aware_two_by_two_is_the_spec_construction() -> None:
    la, lb, l3 = R(1, 3), -R(1, 4) * IM, R(2, 3) + R(1, 5) * IM
    ra, rb, r3 = R(5), 2 + IM, R(-7, 2)
    target = ShallowSSM([la, l3, lb], [ra, r3, rb], [1, 1, 1])
    deep = norm_aware_two_by_two(target)
    assert kernel_agreement(deep, target) == (0.0, 0.0)
    a, b = deep.eigenvalues[0]
    assert deep.eigenvalues[1][0] == l3 and deep.eigenvalues[1][1] == 0
    ra_, rb_ = (ra, rb) if a == la else (rb, ra)
    B2 = deep.B[1]
    assert sympy.expand(B2[0, 0] - r3 * (l3 - a) / l3) == 0
    assert sympy.expand(B2[1, 0] - (ra_ + r3 * a / l3)) == 0 and B2[1, 1] == rb_
    # max path weight <= 2 c_1^2 exactly
    assert abs_squared(max_path_weight(deep)) <= 4 * max(abs_squared(r) for r in (ra, rb, r3))


@pytest.mark.parametrize("shape", [(2, 2), (3, 2), (1, 3), (3, 1),
                                   pytest.param((2, 3), marks=pytest.mark.slow),
                                   pytest.param((4, 2), marks=pytest.mark.slow)])
def test_forest_exact_kernel_and_monotone_bound(shape: tuple[int, int]) -> None:
    depth, width = shape
    rng = np.random.default_rng(7 + depth * 10 + width)
    for n in range(1, depth * (width - 1) + 2):
        target = random_exact_target(rng, n)
        deep = forest_deep(target, depth, width)
        assert kernel_agreement(deep, target)[0] == 0
        W2 = abs_squared(max_path_weight(deep))
        c1_4 = max(abs_squared(r) for r in target.residues)
        assert W2 <= 4 ** (depth - 1) * c1_4  # exact rationals (Gaussian-rational target)


def test_forest_with_zero_pole_and_layout_validation() -> None:
    target = ShallowSSM([0.0, 0.5, -0.7], [2.0, 1.0, 3.0], [1.0, 1.0, 1.0])
    deep = forest_deep(target, 2, 2)
    err, tol = kernel_agreement(deep, target)
    assert err <= tol
    bad = ForestLayout(((1, 2), (0,)), ((0, 1),))  # the zero pole below a root
    with pytest.raises(InvalidParameterError, match="zero pole"):
        forest_deep(target, 2, 2, bad)
    with pytest.raises(InvalidParameterError, match="parent"):
        forest_deep(target, 2, 2, ForestLayout(((0, 1), (2,)), ()))
    assert monotone_layout(target, 2, 2).layers[0][0] == 0


def test_forest_negative_control_wrong_beta_breaks_kernel() -> None:
    target = random_target(np.random.default_rng(2), 4, "disk")
    deep = forest_deep(target, 3, 2)
    broken = DeepSSM(deep.eigenvalues, [deep.B[0], deep.B[1] * 1.0, deep.B[2]],
                     deep.C * np.array([1.0, 1.001]))
    err, tol = kernel_agreement(broken, target)
    assert err > tol
    assert kernel_agreement(deep, target)[0] <= tol


@example_budgets(0.05, full=0.25)
def test_small_norm_deep_meets_forest_bound(examples: int) -> None:
    def check(seed: int, shape: tuple[int, int], style: str) -> None:
        depth, width = shape
        rng = np.random.default_rng(seed)
        target = random_target(rng, depth * (width - 1) + 1, style)
        deep, record = small_norm_deep_report(target, depth, width,
                                              ("width_one", "norm_aware_2x2", "forest"))
        err, tol = kernel_agreement(deep, target)
        assert err <= tol
        assert record["ratio"] <= 2 ** ((depth - 1) / (depth + 1)) * (1 + 1e-12)
        assert record["winner"] in ("norm_aware_2x2", "forest")

    run_examples(examples, check, seed=st.integers(0, 10_000),
                 shape=st.sampled_from([(2, 2), (3, 2), (2, 3), (4, 2), (3, 3)]),
                 style=st.sampled_from(["disk", "clustered", "decades", "tiny", "near_unit"]))


def test_optimizer_never_worse_and_matches() -> None:
    rng = np.random.default_rng(4)
    improved = 0
    for depth, width in [(2, 2), (3, 2), (2, 2)]:
        target = random_target(rng, depth * (width - 1) + 1, "decades")
        start = best_forest_deep(target, depth, width)
        out = optimize_realization(target, start)
        if out is not None:  # None: no improvement or no exact match (then it is discarded)
            improved += 1
            err, tol = kernel_agreement(out, target)
            assert err <= tol
            assert max_path_weight(out) < max_path_weight(start)
    assert improved >= 1


def test_placement_constraints_reject_shared_eigenvalues() -> None:
    lam = np.array([[0.5, 0.2], [0.5, 0.0]], dtype=complex)
    with pytest.raises(InvalidParameterError, match="distinct"):
        _placement_constraints(lam, np.array([0.5, 0.2]), np.array([1.0, 1.0]))


def test_exact_target_gives_mpmath_model() -> None:
    target = random_exact_target(np.random.default_rng(9), 3)
    deep, record = small_norm_deep_report(target, 2, 2)
    assert deep.kind is NumberKind.MPMATH
    assert record["norms"]["optimizer"] is None  # float-only construction skipped
    c1 = shallow_norm(target)
    assert isinstance(c1, sympy.Basic)
    assert record["ratio"] <= 2 ** (1 / 3) * (1 + 1e-12)


def test_algorithm_a_best_split_realizes_target() -> None:
    pytest.importorskip("theory.depth_width")
    target = random_target(np.random.default_rng(12), 3, "disk")
    deep = algorithm_a_best_split(target, 2, 2)
    err, tol = kernel_agreement(deep, target)
    assert err <= tol


@st.composite
def decade_spread_targets(draw: st.DrawFn, n: int) -> ShallowSSM:
    """Targets with distinct poles whose moduli spread over up to six decades (the regime where
    the rank-one chain misses the constant), drawn so that hypothesis can shrink them."""
    log_mod = draw(st.lists(st.floats(-6, math.log10(0.999)), min_size=n, max_size=n,
                            unique=True))
    phase = draw(st.lists(st.floats(-math.pi, math.pi), min_size=n, max_size=n))
    log_res = draw(st.lists(st.floats(-3, 0), min_size=n, max_size=n))
    res_phase = draw(st.lists(st.floats(-math.pi, math.pi), min_size=n, max_size=n))
    poles = [10 ** a * complex(math.cos(p), math.sin(p)) for a, p in zip(log_mod, phase)]
    res = [10 ** a * complex(math.cos(p), math.sin(p)) for a, p in zip(log_res, res_phase)]
    return ShallowSSM.from_residues(poles, res)


@pytest.mark.parametrize("examples", smoke_and_full(10, 30))
def test_forest_constant_under_targeted_search(examples: int) -> None:
    """Hypothesis steers towards large ratios (``target``) and shrinks any failure; the forest
    must stay under its proven constant ``2^((l-1)/(l+1))`` on every drawn target."""
    from hypothesis import target as steer

    def check(data: st.DataObject) -> None:
        depth, width = data.draw(st.sampled_from([(2, 2), (3, 2)]))
        shallow = data.draw(decade_spread_targets(depth * (width - 1) + 1))
        deep = forest_deep(shallow, depth, width)
        err, tol = kernel_agreement(deep, shallow)
        assert err <= tol
        ratio = norm_ratio(deep, shallow)
        steer(ratio, label=f"forest ratio at {(depth, width)}")
        assert ratio <= 2 ** ((depth - 1) / (depth + 1)) * (1 + 1e-12)

    run_examples(examples, check, data=st.data())


# ---------------------------------------------------------------- exact decisions
def test_radical_zero_is_decided_exactly() -> None:
    # (-2+2i)^(1/3) = 1+i (principal root), but expand() does not see it
    x = sympy.root(-2 + 2 * IM, 3) - (1 + IM)
    assert sympy.expand(x) != 0
    assert is_zero_in_kind(x, NumberKind.EXACT)
    target = ShallowSSM([R(-1, 2)], [-2 + 2 * IM], [1])
    deep = width_one_deep(target, 2)
    assert kernel_agreement(deep, target) == (0.0, 0.0)
    broken = DeepSSM(deep.eigenvalues, list(deep.B), deep.C * (1 + R(1, 10**30)))
    assert kernel_agreement(broken, target)[0] == math.inf


def test_is_zero_in_kind_accepts_every_finite_number() -> None:
    cases = [
        (sympy.root(-2 + 2 * IM, 3) - (1 + IM), NumberKind.EXACT, True),
        (R(1, 10**40) * IM, NumberKind.EXACT, False),
        (sympy.Integer(10) ** 400 - sympy.Integer(10) ** 400, NumberKind.EXACT, True),
        (mpmath.mpf("1e-400"), NumberKind.MPMATH, False),
        (mpmath.mpc(0, 0), NumberKind.MPMATH, True),
        (np.complex128(0), NumberKind.FLOAT, True),
        (5e-324, NumberKind.FLOAT, False),
    ]
    failures = [f"{x!r} ({kind.value}): {got!r}, want {zero}" for x, kind, zero in cases
                if (got := is_zero_in_kind(x, kind)) is not zero]
    assert not failures, "\n".join(failures)


def test_forest_betas_checks_its_own_arguments_and_keeps_the_kind() -> None:
    target = ShallowSSM([R(1, 2), R(-1, 4), R(1, 8)], [R(4), R(9), R(1)], [1, 1, 1])
    layout = monotone_layout(target, 2, 2)
    beta = forest_betas(target.poles, target.residues, layout)
    assert all(isinstance(b, sympy.Basic) for b in beta.values())
    # pole 0 (modulus 1/2) is the child of the layout; a zero pole there would divide by
    # zero: refused, as forest_deep refuses it
    assert layout.layers[1] == (0,)
    with pytest.raises(InvalidParameterError, match="^layout: the zero pole"):
        forest_betas(np.array([0.0, -0.25, 0.125]), np.ones(3), layout)


# ---------------------------------------------------------------- kernel_agreement tolerance
@pytest.mark.parametrize("kind", [NumberKind.FLOAT, NumberKind.MPMATH])
def test_kernel_agreement_tolerance_is_tight(kind: NumberKind) -> None:
    """One path, positive entries: a relative change δ of C gives the error δ/(2+δ) exactly
    (scale: both absolute kernels), so δ = 100·tol must fail and δ = tol must pass; a tolerance
    loosened by 1000 (or tightened by 10) would flip one of them."""
    target = ShallowSSM([0.5], [2.0], [1.0]).to_kind(kind)
    deep = width_one_deep(target, 2)
    tol = tolerance(kind)
    assert kernel_agreement(deep, target)[1] == float(tol)
    for factor, fails in ((100, True), (1, False)):
        delta = tol * factor
        moved = DeepSSM(deep.eigenvalues, list(deep.B), deep.C * (1 + delta))
        err, got_tol = kernel_agreement(moved, target)
        assert (err > got_tol) is fails, (factor, err, got_tol)


# ---------------------------------------------------------------- overflow and self-checks
def test_balance_works_in_the_log_domain() -> None:
    # W = 1, but the prefixes reach 1e600: the gauge scales are not float64 numbers
    model = DeepSSM([[0.5], [0.0], [0.0]], [[1e300], [[-1e300]], [[1e-300]]], [1e-300j])
    with pytest.raises(OverflowError, match="log domain"):
        balancing_scales(model)
    bal = balance(model)
    assert bal.norm() == pytest.approx(1.0, rel=1e-14)
    assert all(abs(abs(complex(x)) - 1) < 1e-14 for x in [*np.ravel(bal.B[0]),
                                                           *np.ravel(bal.B[1]),
                                                           *np.ravel(bal.B[2]), *bal.C])
    # the single path weight -1e300*1e300*1e-300*1e-300j = -1j is kept
    w = complex(bal.C[0] * bal.B[2][0, 0] * bal.B[1][0, 0] * bal.B[0][0])
    assert abs(w - (-1j)) < 1e-14


def test_max_path_weight_overflow_is_explained() -> None:
    model = DeepSSM([[0.5], [0.0]], [[1e200], [[1e200]]], [1e200])  # W = 1e600
    with pytest.raises(OverflowError, match="log_max_path_weight"):
        max_path_weight(model)
    assert log_max_path_weight(model) == pytest.approx(600 * math.log(10), rel=1e-15)
    bal = balance(model)  # the balanced norm W^(1/3) = 1e200 is a float64
    assert bal.norm() == pytest.approx(1e200, rel=1e-13)
    huge = DeepSSM([[0.5]], [[1e300]], [1e300])  # W^(1/2) = 1e300 fits; W does not
    assert balance(huge).norm() == pytest.approx(1e300, rel=1e-13)
    assert norm_ratio(huge, ShallowSSM([0.5], [1e300], [1.0])) == pytest.approx(1e150,
                                                                                 rel=1e-12)


def test_balance_refuses_a_wrong_result(monkeypatch: pytest.MonkeyPatch) -> None:
    import theory.norm_reduction as nr

    model = random_deep_batch(np.random.default_rng(5), 1, 3, 3).model(0)
    good = nr._balance_float

    def flipped(m: DeepSSM) -> tuple[DeepSSM, float]:  # same moduli, kernel negated
        bal, log_w = good(m)
        return DeepSSM(bal.eigenvalues, list(bal.B), -bal.C), log_w

    monkeypatch.setattr(nr, "_balance_float", flipped)
    with pytest.raises(SelfCheckError, match="kernel"):
        balance(model)

    def unbalanced(m: DeepSSM) -> tuple[DeepSSM, float]:  # a gauge, but not the optimal one
        bal, log_w = good(m)
        return gauge_transform(bal, [np.full(m.width, 2.0)] * m.depth), log_w

    monkeypatch.setattr(nr, "_balance_float", unbalanced)
    with pytest.raises(SelfCheckError, match="norm"):
        balance(model)


def test_small_norm_deep_refuses_an_unbalanced_result(monkeypatch: pytest.MonkeyPatch) -> None:
    import theory.norm_reduction as nr

    target = random_target(np.random.default_rng(3), 3, "disk")
    monkeypatch.setattr(nr, "balance", lambda m: m)  # the unbalanced forest
    with pytest.raises(SelfCheckError, match="not balanced"):
        small_norm_deep(target, 2, 2, ("forest",))


# ---------------------------------------------------------------- tight forest constant
@pytest.mark.parametrize("shape", [(2, 2), (2, 3), (2, 4)])
def test_forest_constant_is_reached_at_depth_two(shape: tuple[int, int]) -> None:
    depth, width = shape
    target = tight_forest_target(depth, width)
    deep = forest_deep(target, depth, width)
    assert kernel_agreement(deep, target)[0] == 0
    W2 = abs_squared(max_path_weight(deep))
    assert W2 == 4 ** (depth - 1)  # = 4^(l-1) c_1^4 exactly, c_1 = 1
    K = forest_constant(depth)
    assert norm_ratio(deep, target) == pytest.approx(K, rel=1e-15)
    assert norm_ratio(deep, target) > K * (1 - 1e-12)  # any smaller constant fails


def test_forest_constant_is_approached_at_depth_three() -> None:
    # (l, m) = (3, 3): the last factor (1 - λ_u/λ_j)(1 - λ_v/λ_j) = 4k²/(k²+1) < 4
    depth, width, k = 3, 3, 10**6
    target = tight_forest_target(depth, width, k)
    deep = forest_deep(target, depth, width)
    assert kernel_agreement(deep, target)[0] == 0
    W2 = abs_squared(max_path_weight(deep))
    assert W2 == (4 * R(k * k, k * k + 1)) ** 2
    ratio = norm_ratio(deep, target)
    K = forest_constant(depth)
    assert K * (1 - 1e-12) < ratio <= K
    assert forest_constant(depth, exact=True) == sympy.sqrt(2)


# ---------------------------------------------------------------- Algorithm A budgets
def test_label_assignments_never_dead_end() -> None:
    import time

    from theory.norm_reduction import _label_assignments

    # 24 items cannot fit capacities summing to 19: the answer is "none", found at once
    start = time.monotonic()
    assert list(_label_assignments(24, [3] * 6 + [1, 0])) == []
    assert list(_label_assignments(5, [2, 2, 2], max_full=1)) == []
    got = list(_label_assignments(7, [3, 3, 3], max_full=1))
    assert got and all(sum(len(g) == 3 for g in a) <= 1 for a in got)
    assert all(sorted(i for g in a for i in g) == list(range(7)) for a in got)
    assert time.monotonic() - start < 1


def test_algorithm_a_honours_max_splits(monkeypatch: pytest.MonkeyPatch) -> None:
    import theory.depth_width as dw

    calls = []
    real = dw.shallow_to_deep

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(dw, "shallow_to_deep", counted)
    target = random_target(np.random.default_rng(12), 5, "disk")
    for cap in (1, 3, 7):
        calls.clear()
        algorithm_a_best_split(target, 2, 3, max_splits=cap)
        assert 1 <= len(calls) <= cap


def test_small_norm_deep_time_budget_keeps_the_forest() -> None:
    target = random_target(np.random.default_rng(8), 7, "disk")
    deep, record = small_norm_deep_report(target, 3, 3, time_budget=1e-9)
    assert record["out_of_time"] == ["algorithm_a", "optimizer"]
    assert record["norms"]["algorithm_a"] is None and record["winner"] == "forest"
    assert kernel_agreement(deep, target)[0] <= kernel_agreement(deep, target)[1]


def test_small_norm_deep_without_a_time_budget_runs_algorithm_a() -> None:
    """``time_budget=None`` means no limit (it once reached Algorithm A as ``inf`` and was
    refused there)."""
    target = random_target(np.random.default_rng(8), 3, "disk")
    _, record = small_norm_deep_report(target, 2, 2, ("forest", "algorithm_a"), max_splits=3,
                                       time_budget=None)
    assert record["out_of_time"] == [] and record["norms"]["algorithm_a"] is not None


@pytest.mark.slow
def test_small_norm_deep_time_budget_on_a_deep_wide_target() -> None:
    import time

    target = random_target(np.random.default_rng(0), 25, "disk")
    start = time.monotonic()
    deep, record = small_norm_deep_report(target, 8, 4, time_budget=5.0)
    # forest, then Algorithm A splits while time remains (one split started may finish)
    assert time.monotonic() - start < 5.0 + 15
    assert "algorithm_a" in record["out_of_time"]
    err, tol = kernel_agreement(deep, target)
    assert err <= tol and record["ratio"] <= forest_constant(8) * (1 + 1e-12)


# ---------------------------------------------------------------- bad input, one per example
#: ``(call, parameter)``: each ``call(target, start)`` must raise InvalidParameterError naming
#: the parameter.
_BAD_CALLS = [
    (lambda t, d: forest_deep(t, 0, 2), "depth"),
    (lambda t, d: forest_deep(t, 2, True), "width"),
    (lambda t, d: forest_deep(t, 2.0, 2), "depth"),
    (lambda t, d: algorithm_a_best_split(t, 2, 2, max_splits=0), "max_splits"),
    (lambda t, d: algorithm_a_best_split(t, 2, 2, time_budget=math.nan), "time_budget"),
    (lambda t, d: small_norm_deep(t, 2, 2, time_budget=0), "time_budget"),
    (lambda t, d: small_norm_deep(t, 2, 2, time_budget=-1.0), "time_budget"),
    (lambda t, d: small_norm_deep(t, 2, 2, time_budget=math.inf), "time_budget"),
    (lambda t, d: small_norm_deep(t, 2, 2, time_budget="soon"), "time_budget"),
    (lambda t, d: small_norm_deep(t, 2, 2, max_splits=-3), "max_splits"),
    (lambda t, d: small_norm_deep(t, 2, 2, constructions=()), "constructions"),
    (lambda t, d: small_norm_deep(t, 2, 2, constructions="magic"), "constructions"),
    (lambda t, d: list(forest_layouts(t, 2, 2, max_layouts=0)), "max_layouts"),
    (lambda t, d: optimize_realization(t, "model"), "start"),
    (lambda t, d: optimize_realization(t, d, max_iter=0), "max_iter"),
    (lambda t, d: optimize_realization(t, d, newton_steps=-1), "newton_steps"),
    (lambda t, d: shallow_norm([0.5]), "shallow"),
    (lambda t, d: balance(None), "deep"),
    (lambda t, d: forest_constant(0), "depth"),
    (lambda t, d: gauge_transform(d, [np.array([1.0, math.nan])] * 2), r"scales\[0\]"),
    (lambda t, d: gauge_transform(d, [np.array([1.0, math.inf])] * 2), r"scales\[0\]"),
    (lambda t, d: small_norm_deep(t, 2, 2, constructions=3), "constructions"),
    (lambda t, d: small_norm_deep(t, 2, 2, time_budget=True), "time_budget"),
    (lambda t, d: forest_deep(t, 2, 2, layout="x"), "layout"),
    (lambda t, d: forest_deep(t, 2, 2, layout=ForestLayout(((0, 1), (2,)), ())), "layout"),
    (lambda t, d: forest_betas([0.1, math.nan, 0.3], t.residues, monotone_layout(t, 2, 2)),
     "poles"),
    (lambda t, d: forest_betas([0.1, 0.2], t.residues[:2], monotone_layout(t, 2, 2)),
     "layout"),
    (lambda t, d: forest_betas(t.poles, [1.0, math.inf, 2.0], monotone_layout(t, 2, 2)),
     "residues"),
    (lambda t, d: forest_betas(t.poles, [1.0, 2.0], monotone_layout(t, 2, 2)),
     "poles, residues"),
    (lambda t, d: forest_betas(t.poles, [[1.0, 2.0, 3.0]], monotone_layout(t, 2, 2)),
     "residues"),
    (lambda t, d: forest_betas(t.poles, ["a", "b", "c"], monotone_layout(t, 2, 2)),
     "residues"),
    (lambda t, d: forest_betas(t.poles, t.residues, "layout"), "layout"),
    (lambda t, d: forest_betas(t.poles, t.residues, ForestLayout(((0, 1, 7),), ())), "layout"),
    (lambda t, d: kernel_agreement(d, "target"), "shallow"),
    (lambda t, d: is_zero_in_kind(math.nan, NumberKind.FLOAT), "x"),
    (lambda t, d: is_zero_in_kind(complex(0, math.inf), NumberKind.FLOAT), "x"),
    (lambda t, d: is_zero_in_kind("0", NumberKind.EXACT), "x"),
    (lambda t, d: is_zero_in_kind(sympy.nan, NumberKind.EXACT), "x"),
    (lambda t, d: is_zero_in_kind(sympy.Symbol("z"), NumberKind.EXACT), "x"),
    (lambda t, d: is_zero_in_kind(mpmath.mpf("nan"), NumberKind.MPMATH), "x"),
    (lambda t, d: is_zero_in_kind(0.0, "float"), "kind"),
    (lambda t, d: forest_constant(2, exact="yes"), "exact"),
]


def test_bad_input_names_the_parameter() -> None:
    target = ShallowSSM([0.1, 0.2, 0.3], [1.0, 2.0, 3.0], [1.0] * 3)
    start = forest_deep(target, 2, 2)
    failures = wrong_error_reports(
        (f"case {i} ({name})", lambda call=call: call(target, start), InvalidParameterError,
         f"^{name}:") for i, (call, name) in enumerate(_BAD_CALLS))
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("b1", "b2", "c"), [
    (3e-320 + 4e-320j, 1e300, 1e10),  # a subnormal complex entry: its float kernel loses digits
    (1.5e308 + 1.5e308j, 1e-300, 1e-10),  # an entry whose modulus overflows float64
])
def test_balance_succeeds_where_only_the_answer_is_representable(b1, b2, c):
    """Balancing works in the log domain and checks its kernel in mpmath when float64 cannot
    represent the original model's kernel or the modulus of an entry (issue: every model whose
    balanced norm fits in float64 succeeds)."""
    model = DeepSSM([[0.5], [0.0]], [[b1], [[b2]]], [c])
    balanced = balance(model)
    tol = float(tolerance(NumberKind.FLOAT, model.depth + 1))  # what balance promises
    with mpmath.workdps(40):
        weight = abs(mpmath.mpc(b1)) * abs(mpmath.mpf(b2)) * abs(mpmath.mpf(c))
        want = weight ** (mpmath.mpf(1) / 3)
        assert abs(balanced.norm() - want) <= tol * want
        original = model.to_kind(NumberKind.MPMATH).kernel(4, method="recurrence")
        got = balanced.to_kind(NumberKind.MPMATH).kernel(4, method="recurrence")
        for x, y in zip(original, got):
            assert abs(x - y) <= tol * abs(x)
