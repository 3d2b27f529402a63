"""Tests of verify.claims.wx23_approximation: claims hold; checks reject broken inputs."""

from __future__ import annotations

import json
import math

import mpmath
import numpy as np
import pytest
import sympy
from error_reports import wrong_error_reports
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import smoke_and_full
from test_recheck import assert_rebuild_rejects, assert_rebuilds

from theory.approximation import relu_interpolant, smooth_step_approximant, smooth_step_bound
from theory.convolution import balanced_truncation, frequency_response
from theory.numbers import InvalidParameterError
from verify import balls
from verify.claims import wx23_approximation as mod
from verify.registry import get_claim
from verify.runner import run_claim
from verify.stack_eval import run_stack_float

R = sympy.Rational


def json_round_trip(value):
    return json.loads(json.dumps(value))

CLAIM_IDS = [
    "wx23.result_a.relu",
    "wx23.result_a.smooth",
    "wx23.result_b1",
    "wx23.result_b2.balanced_truncation",
    "wx23.result_b2.exponential_sum",
]


#: Instances per tier in the default run (smoke); 4 for every claim under ``extended``.
SMOKE_INSTANCES = {"wx23.result_a.relu": 2, "wx23.result_a.smooth": 2, "wx23.result_b1": 2,
                   "wx23.result_b2.balanced_truncation": 1, "wx23.result_b2.exponential_sum": 1}


@pytest.mark.parametrize("full", smoke_and_full(False, True))
@pytest.mark.parametrize("claim_id", CLAIM_IDS)
def test_claim_holds_on_a_few_instances(claim_id, full):
    n = 4 if full else SMOKE_INSTANCES[claim_id]
    result = run_claim(get_claim(claim_id), instances=n, seed=11)
    assert result.ok, [(t.tier, t.verdict, t.error, t.worst_instance) for t in result.tiers]


def test_relu_exact_bound_is_attained_and_tightening_fails():
    # f = x²: M_2 = 2 exactly, and the midpoint error equals h² M_2 / 8
    inst = {"a": R(0), "b": R(1), "N": 5, "coeffs": [0, 0, 1, 0], "extra": []}
    assert mod.relu_exact_margin(inst) == 0.0
    assert mod.relu_exact_margin(inst, bound_factor=R(1, 2)) < 0


@pytest.mark.parametrize("counts", smoke_and_full((10, 3), (30, 10)))
def test_relu_and_smooth_float_reject_tightened_bounds(counts):
    n_relu, n_smooth = counts  # instances checked with the relu and the smooth margins
    rng = np.random.default_rng(3)
    insts = mod._sample_float_a(rng, 30, 40)
    assert min(mod.relu_float_margin(i) for i in insts[:n_relu]) >= 0
    assert min(mod.relu_float_margin(i, bound_factor=0.25) for i in insts[:n_relu]) < 0
    assert min(mod.smooth_float_margin(i) for i in insts[:n_smooth]) >= 0
    assert min(mod.smooth_float_margin(i, bound_factor=0.25) for i in insts[:n_smooth]) < 0


def test_smooth_mpmath_rejects_tightened_bound():
    inst = mod._sample_smooth_mpmath(np.random.default_rng(4), 1)[0]
    assert mod.smooth_mpmath_margin(inst) >= 0
    assert mod.smooth_mpmath_margin(inst, bound_factor=0.1) < 0


def test_b1_rejects_a_wrong_tap():
    taps = np.array([[[R(1)]], [[R(-2, 3)]], [[R(1, 2)]]], dtype=object)
    x = np.array([[R(k)] for k in range(1, 7)], dtype=object)
    assert mod.b1_exact_margin(taps, x) == math.inf
    good = mod.shift_register(taps)
    C = good.C.copy()
    C[0, 1] = R(-1, 3)
    broken = type(good)(good.W, good.U, C)
    assert mod.b1_exact_margin(taps, x, layer=broken) == -math.inf
    inst = {"T": 7, "p": 1, "d": 2, "seed": 5, "length": 2048}
    assert mod.b1_float_margin(inst) >= 0 and mod.b1_float_margin(inst, corrupt=True) < 0


def test_balanced_truncation_rejects_omitted_singular_value():
    rng = np.random.default_rng(6)
    taps = rng.standard_normal((8, 1, 1)) * 0.7 ** np.arange(8)[:, None, None]
    assert mod.bt_margin(taps, 7, seed=1) >= 0
    assert mod.bt_margin(taps, 7, seed=1, drop_first=True) < 0


def test_exponential_sum_rejects_tightened_bound():
    inst = {"family": "damped_sine", "amp": 1.0, "lam": 1.0, "omega": 3.0, "phi": 0.0, "n": 16}
    assert mod.expsum_margin(inst) >= 0
    assert mod.expsum_margin(inst, bound_factor=0.1) < 0


def test_relative_margin():
    assert mod.relative_margin(2.0, 1.0) == 0.5
    assert mod.relative_margin(1.0, 2.0) == -1.0
    assert math.isnan(mod.relative_margin(1.0, math.nan))
    assert mod.relative_margin(0.0, 0.0) == math.inf


def test_smooth_claim_seed_1_runs():
    # a + h (N - 1) used to round above b and the mpmath tier raised on its own grid
    result = run_claim(get_claim("wx23.result_a.smooth"), instances=5, seed=1)
    assert result.ok, [(t.tier, t.verdict, t.error) for t in result.tiers]


@settings(max_examples=40, deadline=None)
@given(st.floats(-1e3, 1e3), st.floats(1e-3, 1e3), st.integers(1, 60), st.integers(1, 16))
def test_grid_never_leaves_the_interval(a, length, cells, per_cell):
    b = a + length
    pts = mod._grid(a, b, cells, per_cell)
    assert len(pts) == cells * per_cell + 1 and pts[0] == a and pts[-1] == b
    assert all(a <= p <= b for p in pts)


def _vee_instance(sharpness, N=21, activation="sigmoid"):
    return {"a": -1.0, "b": 2.0, "N": N, "T": 64, "seed": 3, "sharpness": sharpness,
            "activation": activation, "target": {"slope": 1.5, "cell": (N - 2) // 2}}


def _tanh_mutant(lipschitz, h, sharpness):
    """The smooth-step bound with coth(s/2) replaced by tanh(s/2) (a plausible slip)."""
    s = float(sharpness)
    return float(lipschitz) * float(h) * (0.5 + math.exp(-s / 2) * math.tanh(s / 2))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_smooth_checks_reject_the_tanh_slip_in_the_bound(monkeypatch, activation):
    inst = _vee_instance(1.0, activation=activation)
    assert mod.smooth_float_margin(inst) > 0.15  # the worst case reaches 79% of the bound
    mp_inst = _vee_instance(1.0, N=9, activation=activation)
    assert mod.smooth_mpmath_margin(mp_inst) > 0
    monkeypatch.setattr(mod, "smooth_step_bound", _tanh_mutant)
    assert mod.smooth_float_margin(inst) < 0
    with mpmath.workdps(30):
        assert mod.smooth_mpmath_margin(mp_inst) < 0


def test_smooth_sampler_draws_worst_cases_and_soft_steps():
    insts = mod._sample_smooth(np.random.default_rng(0), 200, 40)
    vees = [i for i in insts if "slope" in i["target"]]
    assert 60 < len(vees) < 140
    assert min(i["sharpness"] for i in insts) < 0.7 and max(i["sharpness"] for i in insts) > 25
    assert all(0 <= i["target"]["cell"] <= i["N"] - 2 for i in vees)


#: Bad calls and the parameter each must name (one test runs them all, reporting every miss).
BAD_CALLS = [
    (lambda: mod.relative_margin(math.nan, 1.0), "bound"),
    (lambda: mod.relative_margin(-1.0, 1.0), "bound"),
    (lambda: mod.relative_margin(1.0, -1.0), "error"),
    (lambda: mod.relative_margin(1.0, 0.5, math.nan), "slack"),
    (lambda: mod.smooth_float_margin({}), "inst"),
    (lambda: mod.smooth_float_margin(_vee_instance(1.0, N=1)), "inst"),
    (lambda: mod.smooth_float_margin(_vee_instance(1.0), bound_factor=math.nan),
     "bound_factor"),
    (lambda: mod.relu_exact_margin({"a": R(0)}), "inst"),
    (lambda: mod.expsum_target({"family": "bogus", "amp": 1.0, "lam": 1.0, "omega": 1.0,
                                "phi": 0.0}), "family"),
    (lambda: mod.expsum_margin({"n": 0}), "inst"),
    (lambda: mod.b1_float_margin({"T": 0, "p": 1, "d": 1, "seed": 0, "length": 8}), "inst"),
    (lambda: mod.b1_exact_margin([R(1)], [[R(1)]], layer="layer"), "layer"),
    (lambda: mod.bt_margin(np.array([1.0, 0.5, 0.25]), 1, seed=-1), "seed"),
]


def test_bad_input_names_the_parameter():
    failures = wrong_error_reports((f"case {i} ({match})", call, InvalidParameterError, match)
                                   for i, (call, match) in enumerate(BAD_CALLS))
    assert not failures, "\n".join(failures)


# ------------------------------------------------------------------ certified tiers (★)
CERTIFIED = {"relu": (mod.RESULT_A_RELU, mod.relu_certified_margin),
             "smooth": (mod.RESULT_A_SMOOTH, mod.smooth_certified_margin),
             "expsum": (mod.RESULT_B2_EXP, mod.expsum_certified_margin)}


def _tier(claim):
    return next(t for t in claim.tiers if t.certified)


@pytest.mark.parametrize("n", smoke_and_full(1, 3))
@pytest.mark.parametrize("claim", [mod.RESULT_A_RELU, mod.RESULT_A_SMOOTH, mod.RESULT_B2_EXP,
                                   mod.RESULT_B2_BT], ids=lambda c: c.id)
def test_certified_tiers_hold_and_are_marked(claim, n):
    tier = _tier(claim)
    assert tier.name.startswith(balls.tier_name()) and tier.unit == "fraction"
    assert min(tier.check(tier.sample(np.random.default_rng(21), n))) >= 0


def _float_a_margin(inst, approx, f, L, M2=None):
    """The float margin on the certified points (no rounding allowance)."""
    pts = np.array(mod._certified_points(inst))
    y = run_stack_float(approx.stack, pts.reshape(-1, 1, 1))[:, 0, 0]
    err = float(np.max(np.abs(y - f(pts))))
    h = (inst["b"] - inst["a"]) / (inst["N"] - 1)
    if M2 is None:
        bound = smooth_step_bound(L, h, inst["sharpness"])
        return (bound - err) / bound
    return min(1 - err / (L * h / 2), 1 - err / (M2 * h * h / 8))


def test_result_a_certified_margins_agree_with_float_on_the_same_points():
    rng = np.random.default_rng(9)
    for inst in mod._sample_certified_a(rng, 4, mod._sample_float_a):
        f = mod._trig(inst["target"])
        approx = relu_interpolant(f, inst["a"], inst["b"], inst["N"])
        flt = _float_a_margin(inst, approx, f, *mod._trig_constants(inst["target"]))
        assert abs(mod.relu_certified_margin(inst) - flt) < 1e-9
    for inst in mod._sample_certified_a(rng, 4, mod._sample_smooth):
        f, L = mod._smooth_target(inst)
        approx = smooth_step_approximant(f, inst["a"], inst["b"], inst["N"],
                                         activation=inst["activation"],
                                         sharpness=inst["sharpness"])
        assert abs(mod.smooth_certified_margin(inst) - _float_a_margin(inst, approx, f, L)) \
            < 1e-9


def test_expsum_certified_margin_agrees_with_float_on_the_same_points():
    inst = mod._sample_expsum(np.random.default_rng(4), 1)[0]
    rho, alpha, _, L = mod.expsum_target(inst)
    n = inst["n"]
    u = np.arange(1, 2 * mod.CERTIFIED_PANELS + 1) / (2 * mod.CERTIFIED_PANELS)
    with mpmath.workdps(40):
        def g(v):
            return float(rho(mpmath.log(1 / mpmath.mpf(v)) / alpha) / v)

        nodes = [g(k / n) if k else 0.0 for k in range(n + 1)]
    bern = sum(nodes[k] * math.comb(n, k) * u**k * (1 - u) ** (n - k) for k in range(n + 1))
    err = float(np.max(np.abs(np.array([g(v) for v in u]) - bern)))
    flt = 1 - err / (L / (2 * math.sqrt(n)))
    assert abs(mod.expsum_certified_margin(inst) - flt) < 1e-9


def test_bt_certified_margin_agrees_with_float_at_the_checked_frequencies():
    for inst in mod._sample_bt(np.random.default_rng(5), 3, 8):
        taps, order = inst["taps"], inst["order"]
        bt = balanced_truncation(taps, order)
        om = np.array(mod._checked_frequencies(taps, bt.layer))
        fir = np.einsum("ns,spd->npd", np.exp(-1j * om[:, None] * np.arange(taps.shape[0])),
                        taps)
        gain = np.linalg.norm(fir - frequency_response(bt.layer, om), ord=2, axis=(1, 2))
        flt = 1 - float(gain.max()) / bt.bound
        # the certified error adds the rigorous tail of the reduced kernel beyond T + 16k
        assert -1e-9 < flt - mod.bt_certified_margin(taps, order) < 1e-6


@pytest.mark.parametrize("name", sorted(CERTIFIED) + ["bt"])
def test_certified_tiers_reject_a_bound_tightened_to_just_below_the_error(name):
    """Negative control at the tightest possible case: with ``bound_factor = (1 - m)(1 - 1e-9)``
    (``m`` the certified margin) the scaled bound is below the certified error by 1e-9
    relatively, and the certified margin goes negative; at ``(1 - m)(1 + 1e-9)`` it holds."""
    rng = np.random.default_rng(13)
    if name == "bt":
        inst = mod._sample_bt(rng, 1, 6)[0]

        def margin(k):
            return mod.bt_certified_margin(inst["taps"], inst["order"], bound_factor=k)
    else:
        claim, fn = CERTIFIED[name]
        inst = _tier(claim).sample(rng, 1)[0]

        def margin(k):
            return fn(inst, bound_factor=k)
    with balls.precision(512):  # the precision the tier reaches by doubling (balls.decide)
        m = margin(1.0)
        assert 0 <= m < 1
        assert -1e-8 < margin((1 - m) * (1 - 1e-9)) < 0
        assert 0 <= margin((1 - m) * (1 + 1e-9)) < 1e-8


def test_certified_tiers_agree_across_backends():
    rng = np.random.default_rng(17)
    relu = dict(mod._sample_certified_a(rng, 1, mod._sample_float_a)[0], N=5)
    smooth = dict(mod._sample_certified_a(rng, 1, mod._sample_smooth)[0], N=4)
    exp = dict(mod._sample_expsum(rng, 1)[0], n=6)
    bt = mod._sample_bt(rng, 1, 6)[0]
    results = []
    for backend in balls.available_backends():
        with balls.use_backend(backend):
            results.append([mod.relu_certified_margin(relu), mod.smooth_certified_margin(smooth),
                            mod.expsum_certified_margin(exp),
                            mod.bt_certified_margin(bt["taps"], bt["order"])])
    for other in results[1:]:
        assert [m >= 0 for m in other] == [m >= 0 for m in results[0]]
        assert np.allclose(other, results[0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("backend", balls.available_backends())
def test_certified_relative_margin_never_rounds_a_tie_into_a_pass(backend):
    """The shared margin of the four certified tiers: an error equal to the bound (a true
    margin of 0 computed in balls) straddles 0 and is a violation; a bound that may be 0 is a
    violation unless the error is exactly 0."""
    with balls.use_backend(backend), balls.precision():
        bound = balls.ball(1) / 3
        tie = bound + (balls.ball(1) / 7 * 7 - 1)  # the bound, up to a ball around 0
        assert -1e-30 < mod._ball_relative_margin(bound, tie) < 0
        assert mod._ball_relative_margin(bound, bound * (1 - balls.ball(2.0**-60))) > 0
        assert mod._ball_relative_margin(balls.ball(0.0), balls.ball(0.0)) == math.inf
        assert mod._ball_relative_margin(balls.ball(0.0), tie) == -math.inf
        assert mod._ball_relative_margin(tie - bound, balls.ball(0.0)) == -math.inf


# ---------------------------------------------------------------- rebuild hooks (recheck)
#: Description keys that are derived from the instance (recomputed by the recheck).
DERIVED = ("f", "hankel_singular_values")
REBUILD_TIERS = [(c, t.name) for c in CLAIM_IDS for t in get_claim(c).tiers]


def _named_tier(claim_id, name):
    return next(t for t in get_claim(claim_id).tiers if t.name == name)


@pytest.mark.parametrize("n", smoke_and_full(1, 2))
@pytest.mark.parametrize(("claim_id", "tier_name"), REBUILD_TIERS)
def test_every_tier_rebuilds_its_instances_bit_for_bit(claim_id, tier_name, n):
    tier = _named_tier(claim_id, tier_name)
    descriptions = assert_rebuilds(tier, seed=29, n=n)
    assert_rebuild_rejects(tier, descriptions[0], DERIVED)


def test_smooth_float_rebuild_covers_both_targets():
    """The smooth-step sampler's two target kinds (trigonometric, ``L |x - c|``) both rebuild,
    and a target of the wrong shape or kind is refused."""
    tier = _named_tier("wx23.result_a.smooth", "float64 (scan core)")
    descriptions = assert_rebuilds(tier, seed=5, n=6)
    kinds = {"slope" in d["target"] for d in descriptions}
    assert kinds == {True, False}
    trig = next(d for d in descriptions if "A" in d["target"])
    slope = next(d for d in descriptions if "slope" in d["target"])
    for bad in ({**trig["target"], "A": trig["target"]["A"] + [0.5]},
                {**trig["target"], "w": 1.0}, {**slope["target"], "cell": -1},
                {**slope["target"], "cell": 1.0}, {**slope["target"], "extra": 1}):
        with pytest.raises(ValueError):
            tier.rebuild({**trig, "target": bad})
    with pytest.raises(ValueError, match="activation"):
        tier.rebuild({**trig, "activation": "relu"})
    with pytest.raises(ValueError, match="unexpected|only the keys"):
        tier.rebuild({**trig, "typo": 1})


def test_b1_exact_rebuild_refuses_an_input_of_the_wrong_width():
    tier = _named_tier("wx23.result_b1", "exact (sympy)")
    d = assert_rebuilds(tier, seed=3, n=1)[0]
    width = len(d["taps"][0][0])
    with pytest.raises(ValueError, match="x"):
        tier.rebuild({**d, "x": [["1"] * (width + 1)]})


def test_a_rebuilt_instance_with_a_changed_parameter_changes_the_margin():
    """The recheck can fail: an exact instance with a changed coefficient gives another
    margin (and another description)."""
    tier = _named_tier("wx23.result_a.relu", "exact (sympy)")
    d = assert_rebuilds(tier, seed=8, n=1)[0]
    changed = {**d, "f_coeffs_ascending": [*d["f_coeffs_ascending"][:-1], "7/3"]}
    assert tier.check(tier.rebuild(changed))[0] != tier.check(tier.rebuild(d))[0]
