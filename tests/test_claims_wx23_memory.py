"""Tests of the WX23 memory claims: they hold, and their checks reject tightened bounds."""

import dataclasses
import math

import numpy as np
import pytest
import sympy
from error_reports import wrong_error_reports
from strategies import smoke_and_full
from test_recheck import assert_rebuild_rejects, assert_rebuilds

from theory.layers import SSMLayer, SSMStack
from theory.memory import MemoryBound, memory_bound_constants
from theory.numbers import InvalidParameterError, exact_equal
from verify import balls
from verify.claims import wx23_memory as mod
from verify.registry import get_claim
from verify.runner import run_claim

#: Instances per tier: a smoke count in the default run, today's count under ``extended``.
CLAIM_COUNTS = {"wx23.thm3.13.bound": (10, 40), "wx23.thm3.13.rate": (2, 10),
                "wx23.memory.linear_equals_kernel": (5, 20)}


@pytest.mark.parametrize("size", smoke_and_full(0, 1))
@pytest.mark.parametrize("claim_id", list(CLAIM_COUNTS))
def test_claims_hold(claim_id, size):
    res = run_claim(get_claim(claim_id), instances=CLAIM_COUNTS[claim_id][size], seed=3)
    assert res.ok, [(t.tier, t.verdict, t.error, t.first_violation) for t in res.tiers]
    for t in res.tiers:
        assert t.instances > 0 and t.worst_margin >= 0


def _tightened(**changes):
    def constants(stack, x_norm):
        mb = memory_bound_constants(stack, x_norm)
        return dataclasses.replace(mb, **{k: f(getattr(mb, k)) for k, f in changes.items()})

    return constants


def test_bound_check_rejects_a_tenfold_smaller_constant():
    st = SSMStack([SSMLayer([0.85], [[1.0]], [[1.0]])], "tanh")
    inst = mod.StackInstance(st, np.array([[2.0]]), 200)
    assert mod.bound_margin(inst) >= 0
    assert mod.bound_margin(inst, _tightened(K=lambda K: K / 10)) == pytest.approx(-1, abs=1e-6)


@pytest.mark.parametrize("n_rate", smoke_and_full(1, 3))
def test_bound_and_rate_checks_reject_a_smaller_radius(n_rate):
    rng = np.random.default_rng(0)
    insts = [mod.sample_instance(rng) for _ in range(10)]
    shrink = _tightened(r=lambda r: 0.9 * r)
    tight = [mod.bound_margin(i, shrink) for i in insts]
    # the bound is loose by 0.5-4 decades, and curves that die within a few steps (saturated
    # or fast layers) are not long enough for 0.9^k to eat the slack: most, not all, fail
    assert sum(m < 0 for m in tight) >= 6
    assert all(t <= mod.bound_margin(i) for t, i in zip(tight, insts))
    rate_insts = [mod.sample_instance(rng, mod.RATE_HORIZON) for _ in range(n_rate)]
    assert all(mod.rate_margin(i) >= 0 for i in rate_insts)
    assert all(mod.rate_margin(i, shrink) < -0.05 for i in rate_insts)


def test_bound_check_flags_an_unstable_layer_passed_off_as_stable(monkeypatch):
    # the scan core refuses unstable layers: measure with the sequential reference run
    monkeypatch.setattr(mod, "run_stack_float",
                        lambda st, u: np.stack([st.run(ui) for ui in u]))
    layer = SSMLayer([1.02], [[1.0]], [[1.0]], require_stable=False)
    inst = mod.StackInstance(SSMStack([layer], "tanh"), np.array([[1.0]]), 300)

    def pretend_stable(stack, x_norm):
        forced = memory_bound_constants(stack, x_norm, check_stable=False)
        return dataclasses.replace(forced, r=0.99)

    assert mod.bound_margin(inst, pretend_stable) < 0


def test_exact_linear_check_rejects_an_unshifted_kernel(monkeypatch):
    inst = mod._sample_exact(np.random.default_rng(1), 1)[0]
    assert mod.exact_linear_margin(inst) == math.inf
    original = mod.composed_kernel
    # off by one lag: compare y_{k+1} - y_k with K_k x instead of K_{k+1} x
    monkeypatch.setattr(mod, "composed_kernel",
                        lambda ks: np.concatenate([original(ks)[:1], original(ks)[:-1]]))
    assert mod.exact_linear_margin(inst) == -math.inf


def test_float_linear_check_rejects_a_perturbed_kernel(monkeypatch):
    insts = mod._sample_float_linear(np.random.default_rng(2), 3)
    assert all(mod.float_linear_margin(i) > 2 for i in insts)
    original = mod.composed_kernel
    monkeypatch.setattr(mod, "composed_kernel", lambda ks: original(ks) * (1 + 1e-4))
    assert all(mod.float_linear_margin(i) < 0 for i in insts)


def test_composed_kernel_matches_the_stack_impulse_response():
    rng = np.random.default_rng(4)
    inst = mod._sample_float_linear(rng, 1)[0]
    st, T = inst.stack, 40
    K = mod.composed_kernel([layer.kernel(T) for layer in st.layers])
    impulse = np.zeros((st.d_in, T, st.d_in))
    impulse[np.arange(st.d_in), 0, np.arange(st.d_in)] = 1.0
    resp = np.stack([st.run(e) for e in impulse], axis=-1)  # (T, p, d)
    assert np.allclose(K, resp, rtol=1e-10, atol=1e-12)


def test_composed_kernel_is_the_exact_convolution_of_the_layer_kernels():
    """Rational kernels of three layers with distinct channel counts (d, q, p) = (2, 3, 1, 2):
    each ``K_s`` equals the sum over ``s_1 + s_2 + s_3 = s`` of ``K³ K² K¹`` exactly."""
    rng = np.random.default_rng(6)
    T, dims = 5, (2, 3, 1, 2)
    kernels = [mod._random_rational(rng, (T, dims[i + 1], dims[i]), 7) for i in range(3)]
    K = mod.composed_kernel(kernels)
    assert K.shape == (T, 2, 2) and K.dtype == object
    for s in range(T):
        ref = sum((kernels[2][c] @ kernels[1][b] @ kernels[0][a]
                   for a in range(T) for b in range(T) for c in range(T) if a + b + c == s),
                  np.zeros((2, 2), dtype=object))
        assert all(exact_equal(x, y) for x, y in zip(K[s].flat, ref.flat)), s
    assert np.array_equal(mod.composed_kernel(kernels[:1]), kernels[0])  # one layer: its own


@pytest.mark.parametrize("T", [1, 2, 13, 64])
def test_norm_sequence_equals_the_norms_of_the_powers(T):
    layer = mod._sample_float_linear(np.random.default_rng(7), 1)[0].stack.layers[0]
    W = layer.W_matrix()
    ref = [np.linalg.norm(layer.C) * np.linalg.norm(np.linalg.matrix_power(W, s))
           * np.linalg.norm(layer.U) for s in range(T)]
    if layer.D is not None:
        ref[0] += np.linalg.norm(layer.D)
    assert np.allclose(mod._norm_sequence(layer, T), ref, rtol=1e-12, atol=0)


def test_sharp_families_attain_the_bound_and_reject_any_tightening():
    insts = mod.sample_sharp(np.random.default_rng(5), 8)
    assert sorted({i.family for i in insts}) == sorted(mod.SHARP_FAMILIES)
    for inst in insts:
        m = mod.bound_margin(inst)
        assert m >= 0, inst.family
        if inst.family in ("scalar", "offset"):  # attained exactly (up to rounding)
            factor = 1.0
        elif inst.family == "jordan":
            W = inst.stack.layers[0].W
            factor = 2 * (1 + abs(W[0, 0]) / W[0, 1])
        else:  # chain: 4 (1+k)/(k+2) is smallest at k = 0
            factor = 2.0
        assert m == pytest.approx(math.log10(factor), abs=1e-9), inst.family
        tightened = _tightened(K=lambda K, f=factor: K / (f * (1 + 1e-6)))
        assert mod.bound_margin(inst, tightened) < 0, inst.family


def test_sharp_tier_runs_every_family():
    claim = get_claim("wx23.thm3.13.bound")
    tier = next(t for t in claim.tiers if "sharp" in t.name)
    assert {i.family for i in tier.sample(np.random.default_rng(0), 4)} == set(mod.SHARP_FAMILIES)


def _bound_shaped_curve(mb, degree, T=1500):
    k = np.arange(T, dtype=float)
    return mb.K * (1 + k) ** degree * mb.r ** k


def test_rate_check_allows_exactly_one_extra_degree():
    # a curve shaped (1+k)^(p+1) r^k sits on the allowance (margin 0 up to rounding); one of
    # degree p + 1 + 1/2 is rejected, so raising the allowance by a degree would be caught
    st = SSMStack([SSMLayer([0.9], [[1.0]], [[1.0]])], "tanh")
    mb = memory_bound_constants(st, 1.0)
    rel = 1e-12
    on, _, _ = mod.curve_rate_margin(_bound_shaped_curve(mb, mb.p + 1), mb, rel)
    assert 0 <= on < 1e-6
    above, fit, _ = mod.curve_rate_margin(_bound_shaped_curve(mb, mb.p + 1.5), mb, rel)
    s = math.log(mb.fitted_factor(fit.start, fit.stop, 1) / mb.r)  # LS slope of log(1+k)
    assert above == pytest.approx(-0.5 * s, abs=1e-6) and above < 0


def test_exact_linear_check_accepts_an_equal_kernel_written_with_a_radical(monkeypatch):
    # (-2+2i)^(1/3) = 1+i, which sympy.expand does not see; the check decides it exactly
    inst = mod._sample_exact(np.random.default_rng(1), 1)[0]
    zero = (-2 + 2 * sympy.I) ** sympy.Rational(1, 3) - (1 + sympy.I)
    assert sympy.expand(zero) != 0
    original = mod.composed_kernel

    def shifted_by(c):
        def composed(ks):
            K = original(ks).copy()
            K[1] = K[1] + c  # the lag of the first difference
            return K
        return composed

    monkeypatch.setattr(mod, "composed_kernel", shifted_by(zero))
    assert mod.exact_linear_margin(inst) == math.inf
    monkeypatch.setattr(mod, "composed_kernel", shifted_by(zero + sympy.I / 7))
    assert mod.exact_linear_margin(inst) == -math.inf


_ST = SSMStack([SSMLayer([0.5], [[1.0]], [[1.0]])], "tanh")


#: Bad calls and the parameter each must name (one test runs them all, reporting every miss).
BAD_CALLS = [
    (lambda: mod.StackInstance("stack", np.ones((1, 1)), 8), "stack"),
    (lambda: mod.StackInstance(_ST, np.full((1, 1), np.nan), 8), "directions"),
    (lambda: mod.StackInstance(_ST, np.ones((1, 2)), 8), "directions"),
    (lambda: mod.StackInstance(_ST, np.ones((1, 1)), 1), "T"),
    (lambda: mod.random_stable_stack("rng", "tanh"), "rng"),
    (lambda: mod.random_stable_stack(np.random.default_rng(0), "tanh", depth=0), "depth"),
    (lambda: mod.sample_instance(np.random.default_rng(0), T=1), "T"),
    (lambda: mod.sample_sharp(np.random.default_rng(0), 0), "n"),
    (lambda: mod.bound_margin("inst"), "inst"),
    (lambda: mod.rate_margin(mod.StackInstance(_ST, np.ones((1, 1)), 8), constants=3),
     "constants"),
    (lambda: mod.curve_rate_margin(np.ones(10), "bound", 1e-12), "bound"),
    (lambda: mod.curve_rate_margin(np.ones(10), memory_bound_constants(_ST, 1.0), 0.0), "rel"),
    (lambda: mod.curve_rate_margin(np.ones(0), memory_bound_constants(_ST, 1.0), 1e-12), "rho"),
    (lambda: mod.composed_kernel([]), "kernels"),
    (lambda: mod.composed_kernel([np.ones((3, 1, 1)), np.ones((2, 1, 1))]), "kernels"),
    (lambda: mod.composed_kernel([np.ones((3, 1, 1)), np.ones((3, 2, 2))]), "kernels"),
]


def test_bad_input_names_the_parameter():
    failures = wrong_error_reports((f"case {i} ({name})", call, InvalidParameterError, rf"^{name}")
                                   for i, (call, name) in enumerate(BAD_CALLS))
    assert not failures, "\n".join(failures)


def test_rate_check_refuses_a_growing_curve_instead_of_passing_it():
    # fit_decay refuses a curve without decay, so the check errors (never a pass)
    with pytest.raises(InvalidParameterError, match="decay"):
        mod.curve_rate_margin(1.01 ** np.arange(300.0), memory_bound_constants(_ST, 1.0), 1e-12)


# ------------------------------------------------------------------ certified tier (★)

def _certified_tier():
    return next(t for t in mod.BOUND.tiers if t.certified)


def test_certified_tier_holds_and_is_marked():
    tier = _certified_tier()
    assert tier.name.startswith(balls.tier_name()) and tier.unit == "decades"
    insts = tier.sample(np.random.default_rng(5), 4)
    assert {i.family for i in insts} >= {"random"} and all(i.T == mod.CERTIFIED_T for i in insts)
    assert min(tier.check(insts)) >= 0


def test_certified_margins_agree_with_the_float_margins():
    """On the certified horizon the float margin (with its rounding floor) lies next to the
    ball's lower end: the sharp scalar family sits at the K inflation, about 3e-13 decades."""
    insts = mod._sample_certified(np.random.default_rng(2), 6)
    for inst in insts:
        cert, flt = mod.certified_bound_margin(inst), mod.bound_margin(inst)
        assert cert >= 0 and abs(cert - flt) < 1e-6, (inst.family, cert, flt)
        if inst.family == "scalar":
            assert 0 < cert < 1e-11


def test_certified_tier_rejects_a_constant_lowered_by_one_part_in_1e9():
    """Negative control at a tight case: one scalar layer attains the bound up to the K
    inflation (~1e-12), so K(1 - 1e-9) is rejected by the certified margin."""
    inst = dataclasses.replace(mod._sharp_scalar(np.random.default_rng(7)), T=mod.CERTIFIED_T)
    assert mod.certified_bound_margin(inst) >= 0
    low = mod.certified_bound_margin(inst, _tightened(K=lambda K: K * (1 - 1e-9)))
    assert -1e-8 < low < 0


def test_certified_tier_does_not_count_an_exact_tie_as_holding():
    """``ρ̂_k = 2^{-(k+1)}`` equals the bound ``K r^k`` with ``K = r = 1/2`` exactly: the true
    margin is 0 and its ball straddles 0, which is a violation, never rounded into a pass."""
    inst = mod.StackInstance(SSMStack([SSMLayer([0.5], [[1.0]], [[1.0]])], "tanh"),
                             np.array([[1.0]]), 8)

    def tie(stack, x_norm):
        return MemoryBound(0.5, 0, 0.5, ())

    margin = mod.certified_bound_margin(inst, tie)
    assert margin < 0 and margin > -1e-30


def test_certified_tier_agrees_across_backends():
    insts = mod._sample_certified(np.random.default_rng(11), 2)
    margins = {}
    for backend in balls.available_backends():
        with balls.use_backend(backend):
            margins[backend] = [mod.certified_bound_margin(i) for i in insts]
    values = list(margins.values())
    for other in values[1:]:
        assert [m >= 0 for m in other] == [m >= 0 for m in values[0]]
        assert np.allclose(other, values[0], rtol=0, atol=1e-12)


# ---------------------------------------------------------------- rebuild hooks (recheck)
CLAIM_IDS = ("wx23.thm3.13.bound", "wx23.thm3.13.rate", "wx23.memory.linear_equals_kernel")
#: The keys of a description that hold the instance; the others are derived (recomputed).
INSTANCE_KEYS = ("family", "activation", "T", "layers", "directions", "x")


def _named_tier(claim_id, name):
    return next(t for t in get_claim(claim_id).tiers if t.name == name)


@pytest.mark.parametrize("n", smoke_and_full(1, 2))
@pytest.mark.parametrize(("claim_id", "tier_name"), [
    pytest.param(c, t.name, marks=[pytest.mark.slow] if c == "wx23.thm3.13.rate" else [])
    for c in CLAIM_IDS for t in get_claim(c).tiers])
def test_every_tier_rebuilds_its_instances_bit_for_bit(claim_id, tier_name, n):
    tier = _named_tier(claim_id, tier_name)
    descriptions = assert_rebuilds(tier, seed=31, n=n)
    d = descriptions[0]
    assert_rebuild_rejects(tier, d, tuple(k for k in d if k not in INSTANCE_KEYS))
    layer = d["layers"][0]
    for key in ("W", "U", "C"):
        with pytest.raises(ValueError):
            tier.rebuild({**d, "layers": [{k: v for k, v in layer.items() if k != key}]})
        with pytest.raises(ValueError):
            tier.rebuild({**d, "layers": [{**layer, key: "1"}]})
    with pytest.raises(ValueError):
        tier.rebuild({**d, "layers": [{**layer, "typo": 1}]})


def test_the_sharp_families_rebuild_with_their_family():
    tier = _named_tier("wx23.thm3.13.bound", "float64 (scan core), sharp families")
    descriptions = assert_rebuilds(tier, seed=2, n=len(mod.SHARP_FAMILIES))
    assert sorted(d["family"] for d in descriptions) == sorted(mod.SHARP_FAMILIES)
    with pytest.raises(ValueError, match="family"):
        tier.rebuild({**descriptions[0], "family": "spiral"})


def test_float_rebuild_refuses_an_unstable_layer_and_mismatched_directions():
    tier = _named_tier("wx23.memory.linear_equals_kernel", "float64 (scan core)")
    d = assert_rebuilds(tier, seed=4, n=1)[0]
    layer = d["layers"][0]
    m = len(layer["U"])
    unstable = [[1.5 if i == j else 0.0 for j in range(m)] for i in range(m)]
    with pytest.raises(ValueError, match="stable"):
        tier.rebuild({**d, "layers": [{**layer, "W": unstable}, *d["layers"][1:]]})
    with pytest.raises(ValueError, match="directions"):
        tier.rebuild({**d, "directions": [[0.5] * (len(d["directions"][0]) + 1)]})


def test_exact_rebuild_is_exact_and_allows_an_unstable_transition():
    """The exact tier's identity is algebraic: an unstable rational ``W`` rebuilds, and its
    entries come back as the same rationals."""
    tier = _named_tier("wx23.memory.linear_equals_kernel", "exact (sympy)")
    d = {"T": 4, "x": ["1/3"], "layers": [{"W": [["3/2"]], "U": [["1"]], "C": [["-2/5"]],
                                           "D": None}]}
    inst = tier.rebuild(d)[0]
    assert inst.stack.layers[0].W[0, 0] == sympy.Rational(3, 2)
    assert tier.check([inst]) == [math.inf]
    for bad in ({**d, "x": ["0.5"]}, {**d, "x": [1]}, {**d, "T": 1},
                {**d, "layers": [{**d["layers"][0], "D": [["1/0"]]}]}):
        with pytest.raises(ValueError):
            tier.rebuild(bad)
