"""Tests of the Lemma 3.1 claim: it holds at every tier, and its checks reject broken kernels."""

import math

import numpy as np
import pytest
import sympy
from strategies import smoke_and_full

from theory.linear import DeepSSM
from theory.numbers import NumberKind, tolerance
from verify.batch import DeepBatch
from verify.claims import byjl25_kernel as mod
from verify.registry import get_claim
from verify.runner import run_claim
from verify.sampling import random_deep_batch


@pytest.mark.parametrize("instances", smoke_and_full(3, 30))
def test_claim_holds_at_all_tiers(instances):
    res = run_claim(get_claim("byjl25.lemma3.1"), instances=instances, seed=1)
    assert res.ok, [(t.tier, t.verdict, t.error) for t in res.tiers]
    assert [t.tier.split()[0] for t in res.tiers] == ["exact", "mpmath", "float64"]
    assert math.isinf(res.tiers[0].worst_margin)


def test_exact_check_rejects_an_off_by_one_power(monkeypatch):
    # a deliberately broken closed form: powers shifted by one step
    import theory.linear as lin

    original = lin._powers
    monkeypatch.setattr(lin, "_powers", lambda lam, T: original(lam, T + 1)[1:])
    R = sympy.Rational
    model = DeepSSM([[R(1, 2)], [R(1, 3)]], [[1], [[1]]], [1])
    assert mod.exact_margin(model) == -math.inf


def test_mpmath_check_rejects_a_perturbed_kernel(monkeypatch):
    import mpmath

    model = mod._sample_mpmath(np.random.default_rng(0), 1)[0]
    assert mod.mpmath_margin(model) > 0
    original = DeepSSM._kernel_closed_form

    def broken(self, T):
        k = original(self, T)
        k[-1] = k[-1] * (1 + mpmath.mpf(10) ** -30)
        return k

    monkeypatch.setattr(DeepSSM, "_kernel_closed_form", broken)
    assert mod.mpmath_margin(model) < 0


def test_float_check_rejects_a_perturbed_coupling(monkeypatch):
    batch = random_deep_batch(np.random.default_rng(5), 50, 3, 2)
    assert np.all(mod.float_margins(batch) >= 0)
    original = type(batch).kernel_scan

    def broken(self, T):
        k = original(self, T)
        k[7, 5] += 1e-9 * (1 + abs(k[7, 5]))
        return k

    monkeypatch.setattr(type(batch), "kernel_scan", broken)
    margins = mod.float_margins(batch)
    assert margins[7] < 0 and np.sum(margins < 0) == 1


def test_relative_errors_zero_scale_requires_exact_zero():
    z = np.zeros((1, 3))
    assert mod.relative_errors(z, z, z)[0] == 0
    assert math.isinf(mod.relative_errors(z, z + [[0, 1e-30, 0]], z)[0])
    # a negative zero in the scale is a zero too (not a -inf that max() would hide)
    assert mod.relative_errors(z, z + [[0, 1e-30, 0]], -z)[0] == math.inf
    ones = np.ones((2, 2))
    got = mod.relative_errors(ones, ones + [[0, 0.25], [0, 0]], [[1, 0.5], [0, 1]] * ones)
    np.testing.assert_array_equal(got, [0.5, 0])


@pytest.mark.parametrize("seed", [0, 1])
def test_exact_tier_compares_enough_terms(seed):
    # 2lm+1 terms: a model with l = m = 3 uses 19 coefficients
    model = mod._sample_exact(np.random.default_rng(seed), 1)[0]
    assert mod.exact_margin(model) == math.inf


def test_exact_check_decides_equal_radicals(monkeypatch):
    # rho(0) = 1 written as (-2+2i)^(1/3) - i: equal, though sympy.expand does not see it
    R = sympy.Rational
    model = DeepSSM([[R(1, 2)], [R(1, 3)]], [[1], [[1]]], [1])
    original = DeepSSM.kernel

    def rewritten(self, T, method="closed_form"):
        k = original(self, T, method)
        if method == "recurrence":
            k[0] = (-2 + 2 * sympy.I) ** R(1, 3) - sympy.I
            assert sympy.expand(k[0] - 1) != 0
        return k

    monkeypatch.setattr(DeepSSM, "kernel", rewritten)
    assert mod.exact_margin(model) == math.inf


def test_relative_errors_refuses_bad_arrays_and_float_margins_flags_nan(monkeypatch):
    from theory.numbers import InvalidParameterError

    ones = np.ones((1, 3))
    with pytest.raises(InvalidParameterError, match="^closed: "):
        mod.relative_errors(ones + [[0, np.nan, 0]], ones, ones)
    with pytest.raises(InvalidParameterError, match="^scale: "):
        mod.relative_errors(ones, ones, -ones)
    with pytest.raises(InvalidParameterError, match="^closed, other, scale: "):
        mod.relative_errors(ones, np.ones((1, 2)), ones)
    batch = random_deep_batch(np.random.default_rng(5), 6, 2, 2)
    original = type(batch).kernel_scan

    def nan_row(self, T):
        k = original(self, T)
        k[2, 1] = np.nan
        return k

    monkeypatch.setattr(type(batch), "kernel_scan", nan_row)
    margins = mod.float_margins(batch, 8)
    assert np.isnan(margins[2]) and np.all(margins[[0, 1, 3, 4, 5]] >= 0)


#: Shapes ``(depth, width)`` and horizons of the closed form against the direct sum.
_DIRECT_SUM_SHAPES = [(1, 1), (1, 3), (2, 2), (3, 1), (4, 4)]
_DIRECT_SUM_HORIZONS = [1, 2, 3, 7, 17, 48]


@pytest.mark.parametrize("max_T", smoke_and_full(17, 48))  # T = 48: 90% of the cost
def test_vectorized_closed_form_equals_the_direct_sum(max_T):
    # the blocked explicit-power grouping against DeepBatch's direct sum, within rounding
    # relative to the absolute model; more instances than LANES to cross a block boundary
    failures = []
    for depth, width in _DIRECT_SUM_SHAPES:
        batch = random_deep_batch(np.random.default_rng(depth * 10 + width), mod.LANES + 3,
                                  depth, width)
        for T in (T for T in _DIRECT_SUM_HORIZONS if T <= max_T):
            scale = batch.absolute().kernel_closed_form(T).real
            rel = mod.relative_errors(mod._closed_form_kernels(batch, T),
                                      batch.kernel_closed_form(T), scale)
            if not np.all(rel <= 1e-14):
                failures.append(f"depth={depth}, width={width}, T={T}: max {np.max(rel)}")
    assert not failures, "\n".join(failures)


def test_vectorized_closed_form_by_hand():
    # l = 2, m = 1: rho(s) = c b2 b1 (a^{s+1} - b^{s+1}) / (a - b)
    a, b = 0.5, -0.25
    batch = DeepBatch(np.array([[[a], [b]]]), np.array([[2.0]]), np.array([[[[3.0]]]]),
                      np.array([[0.5]]), ["disk"])
    want = [3.0 * (a ** (s + 1) - b ** (s + 1)) / (a - b) for s in range(10)]
    np.testing.assert_allclose(mod._closed_form_kernels(batch, 10)[0], want, rtol=1e-15)


@pytest.mark.parametrize("broken", ["extra_squaring", "transposed_coupling"])
def test_float_check_rejects_a_broken_closed_form(monkeypatch, broken):
    batch = random_deep_batch(np.random.default_rng(6), 40, 3, 3)
    assert np.all(mod.float_margins(batch) >= 0)
    if broken == "extra_squaring":  # λ^(2^(i+1)) where λ^(2^i) belongs: every power wrong
        squarings = mod._squarings
        monkeypatch.setattr(mod, "_squarings", lambda lam, T: squarings(lam * lam, T))
    else:  # B_k^T v instead of B_k v
        couple = mod._couple
        monkeypatch.setattr(mod, "_couple",
                            lambda B, v, out, tmp: couple(B.swapaxes(0, 1), v, out, tmp))
    assert np.all(mod.float_margins(batch) < 0)


def test_log_margins_match_log_margin_entrywise():
    from verify.registry import log_margin

    tol = 3e-13
    errors = np.array([0.0, 1e-13, tol, np.nextafter(tol, 1), np.nextafter(tol, 0), 5e-324,
                       1e-320, 1e300, np.inf, np.nan, 1.0])
    got = mod._log_margins(errors, tol)
    want = np.array([log_margin(float(e), tol) for e in errors])
    np.testing.assert_array_equal(got, want)
    assert got[3] < 0 <= got[4]


@pytest.mark.parametrize(("depth", "width"), [(1, 1), (2, 3), (3, 2), (4, 4)])
def test_scale_is_the_kernel_of_the_absolute_model(depth, width):
    # the real recurrence of the absolute model against DeepBatch.absolute()'s closed form
    # (direct sums): all terms are non-negative, so the two agree to a few roundings of the value
    T = mod.FLOAT_T
    batch = random_deep_batch(np.random.default_rng(depth + 7 * width), 300, depth, width)
    absolute = [np.abs(x) for x in mod._instances_last(batch)]
    scale = mod._absolute_kernel_block(*absolute, np.empty((3, T, width, batch.size))).T
    want = batch.absolute().kernel_closed_form(T).real
    assert np.array_equal(scale == 0, want == 0) and np.all(want >= 0)
    rel = np.abs(scale - want) / np.where(want > 0, want, 1)
    assert rel.max() <= 64 * np.finfo(float).eps


@pytest.mark.parametrize(("depth", "width"), [(1, 2), (3, 3), (4, 1)])
def test_float_margins_equal_the_unblocked_computation(depth, width):
    # blocks of _lanes instances (a shorter last one), reused scratch space, the scale by the
    # recurrence: the same margins as the public pieces applied to the whole batch
    T = mod.FLOAT_T
    n = 2 * mod._lanes(T, width) + 5
    batch = random_deep_batch(np.random.default_rng(40 + depth), n, depth, width)
    errors = mod.relative_errors(mod._closed_form_kernels(batch, T), batch.kernel_scan(T),
                                 batch.absolute().kernel_closed_form(T).real)
    want = mod._log_margins(errors, tolerance(NumberKind.FLOAT))
    got = mod.float_margins(batch, T)
    assert not np.isnan(got).any() and np.all(got >= 0)  # inf: exact agreement
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    finite = np.isfinite(got)
    np.testing.assert_allclose(got[finite], want[finite], rtol=0, atol=1e-12)


def test_float_margins_use_the_scale_of_the_absolute_model(monkeypatch):
    # doubling the scale lowers every error by exactly 2: the margins rise by log10(2)
    batch = random_deep_batch(np.random.default_rng(8), 100, 2, 2)
    before = mod.float_margins(batch)
    original = mod._absolute_kernel_block
    monkeypatch.setattr(mod, "_absolute_kernel_block", lambda *a: original(*a) * 2)
    finite = np.isfinite(before)
    np.testing.assert_allclose(mod.float_margins(batch)[finite] - before[finite],
                               math.log10(2), rtol=0, atol=1e-12)


def _wrong_powers(T):
    """What is wrong with ``mod._powers`` at horizon ``T`` (empty: nothing)."""
    lam = np.array([[0.5 + 0.25j, -0.9j, 0, 1e-6 - 1e-6j]])
    got = mod._powers(lam, np.empty((T, *lam.shape), dtype=complex))
    want = np.array([lam**s for s in range(T)])
    out = []
    try:
        np.testing.assert_allclose(got, want, rtol=8 * np.finfo(float).eps, atol=0)
    except AssertionError as exc:
        out.append(str(exc).strip())
    if not (np.all(got[0] == 1) and (T == 1 or np.array_equal(got[1], lam))):
        out.append("the first two powers are not exactly 1 and lambda")
    return out


def test_powers_are_the_explicit_powers():
    failures = [f"T={T}: {f}" for T in [1, 2, 3, 5, 8, 17, 48, 64] for f in _wrong_powers(T)]
    assert not failures, "\n".join(failures)


def test_lanes_are_powers_of_two_that_fit_the_cache_budget():
    failures = []
    for width in [1, 2, 3, 4, 16, 100]:
        lanes = mod._lanes(mod.FLOAT_T, width)
        fits = 16 * mod.FLOAT_T * width * lanes <= mod.LANE_BYTES
        if not (64 <= lanes <= mod.LANES and lanes & (lanes - 1) == 0):
            failures.append(f"width={width}: {lanes} lanes, not a power of two in [64, LANES]")
        if not (fits or lanes == 64):
            failures.append(f"width={width}: {lanes} lanes exceed the budget")
        if not (lanes == mod.LANES or lanes == 64
                or 32 * mod.FLOAT_T * width * lanes > mod.LANE_BYTES):
            failures.append(f"width={width}: {lanes} lanes, twice as many would fit")
    assert not failures, "\n".join(failures)
