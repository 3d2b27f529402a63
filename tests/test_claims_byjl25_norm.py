"""Tests of the claims in verify.claims.byjl25_norm, with negative controls."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy
from error_reports import wrong_error_reports
from strategies import smoke_and_full
from test_recheck import assert_rebuild_rejects, assert_rebuilds

import verify.claims.byjl25_norm as mod
from theory.linear import DeepSSM, ShallowSSM
from theory.norm_reduction import balance, forest_constant, width_one_deep
from theory.numbers import InvalidParameterError
from verify import balls
from verify.registry import get_claim
from verify.runner import run_claim

#: Instances per claim run (smoke; the full run, under ``extended``, takes 8 of each).
SMOKE_INSTANCES = {mod.ALG_B.id: 2, mod.THM_4_2.id: 2, mod.WIDTH_1.id: 2, mod.BRACKET.id: 1}


@pytest.mark.parametrize("claim", [mod.ALG_B, mod.THM_4_2, mod.WIDTH_1, mod.BRACKET],
                         ids=lambda c: c.id)
@pytest.mark.parametrize("full", smoke_and_full(False, True))
def test_claims_hold(claim, full: bool) -> None:
    result = run_claim(claim, instances=8 if full else SMOKE_INSTANCES[claim.id], seed=3)
    assert result.ok, [(t.tier, t.verdict, t.error, t.first_violation) for t in result.tiers]


@pytest.mark.parametrize("n", smoke_and_full(8, 40))  # the first 8 hold a tight instance
def test_negative_control_tightened_constant_reports_violations(n: int) -> None:
    rng = np.random.default_rng(0)
    instances = mod._sample_thm42_float(rng, n)
    # ratio 1 is reached exactly (one-pole targets are tight), so a constant below 1 must be
    # rejected; on random targets the best construction stays at or below 1
    margins = [mod.thm42_margin(*x, constant=0.9) for x in instances]
    assert min(margins) < 0
    assert min(mod.thm42_margin(*x) for x in instances) >= 0


@pytest.mark.parametrize("n", smoke_and_full(4, 12))  # the 4th instance violates
def test_negative_control_exact_tier_tightened_constant(n: int) -> None:
    rng = np.random.default_rng(1)
    instances = mod._sample_thm42_exact(rng, n)
    margins = [mod.thm42_exact_margin(*x, constant=1) for x in instances]
    assert min(margins) < 0


def test_negative_control_broken_balancer() -> None:
    rng = np.random.default_rng(2)
    models = mod._sample_algb_float(rng, 10)

    def lazy(model: DeepSSM) -> DeepSSM:  # a wrong potential: scales one layer too much
        bal = balance(model)
        return DeepSSM(bal.eigenvalues, [bal.B[0] * 1.5, *bal.B[1:]], bal.C / 1.5)

    margins = [mod.algb_float_margin(m, lazy) for m in models]
    assert min(margins) < 0

    def no_inverse(model: DeepSSM) -> DeepSSM:  # not a gauge: the kernel changes
        bal = balance(model)
        return DeepSSM(bal.eigenvalues, list(bal.B), bal.C * 1.01)

    assert min(mod.algb_float_margin(m, no_inverse) for m in models) < 0


def test_negative_control_width_one() -> None:
    rng = np.random.default_rng(4)
    target, depth, _ = mod._sample_width1(rng, 1)[0]

    def off(t, d):  # doubles C: wrong kernel
        deep = width_one_deep(t, d)
        return DeepSSM(deep.eigenvalues, list(deep.B), deep.C * 2)

    assert mod.width1_margin(target, depth, 0, construction=off) == -math.inf
    assert mod.width1_margin(target, depth, 0) == 0


@pytest.mark.parametrize("n", smoke_and_full(2, 5))
def test_negative_control_bracket(monkeypatch, n: int) -> None:
    rng = np.random.default_rng(5)
    instances = mod._sample_bracket(rng, n)
    assert min(mod.bracket_margin(*x) for x in instances) >= 0
    monkeypatch.setattr(mod, "constructive_depth",
                        lambda t, w, c, max_depth: mod.depth_upper_bound(t, w, c) + 1)
    assert max(mod.bracket_margin(*x) for x in instances) < 0


def test_algorithm_a_finding_is_confirmed_and_its_check_can_pass():
    from verify.claims.byjl25_norm import ALGORITHM_A_WITNESS, algorithm_a_margin

    res = run_claim(get_claim("byjl25.thm4.2.algorithm_a"), seed=0)
    assert res.ok and res.tiers[0].verdict == "finding confirmed"
    margin = algorithm_a_margin(ALGORITHM_A_WITNESS)
    assert margin == pytest.approx(1 - 2.2976232652304445 / 2, rel=1e-9)
    # control: with a loose enough constant the same check reports no violation
    assert algorithm_a_margin(ALGORITHM_A_WITNESS, constant=2.5) > 0


def test_width_one_radical_root_is_not_a_violation() -> None:
    # seed 1 of the CLI: (-2+2i)^(1/3) = 1+i is a radical that expand() cannot reduce
    target = ShallowSSM([sympy.Rational(-1, 2)], [-2 + 2 * sympy.I], [1])
    assert mod.width1_margin(target, 2) == 0


@pytest.mark.parametrize("shape", [(2, 2), (2, 3), (2, 4)])
def test_thm42_exact_checks_the_forest_at_its_own_tight_constant(shape) -> None:
    depth, width = shape
    target = mod.tight_forest_target(depth, width)
    K = forest_constant(depth, exact=True)
    assert mod.thm42_exact_margin(target, depth, width) == 0  # equality, exactly
    # any smaller forest constant is rejected, and so is a smaller Theorem 4.2 constant
    assert mod.thm42_exact_margin(target, depth, width,
                                  forest_bound=K * (1 - sympy.Rational(1, 10**30))) < 0
    assert mod.thm42_exact_margin(target, depth, width,
                                  constant=K * (1 - sympy.Rational(1, 10**30))) < 0


def test_thm42_exact_forest_constant_is_approached_at_depth_three() -> None:
    target = mod.tight_forest_target(3, 3, k=10**6)
    margin = mod.thm42_exact_margin(target, 3, 3)
    assert 0 < margin < 1e-12
    assert mod.thm42_exact_margin(target, 3, 3,
                                  forest_bound=forest_constant(3) * (1 - 1e-11)) < 0


@pytest.mark.parametrize("n", smoke_and_full(5, 12))  # the 5th instance has one layer
def test_thm42_float_tier_checks_the_forest_constant(n: int) -> None:
    rng = np.random.default_rng(6)
    instances = mod._sample_thm42_float(rng, n)
    assert min(mod.thm42_margin(*x) for x in instances) >= 0
    # a forest bound below the forest's ratio on some instance must be rejected, even though
    # the Theorem 4.2 constant 2 still holds there
    worst = max(mod.thm42_margin(*x, constant=1e9) for x in instances)
    assert worst < 1
    assert min(mod.thm42_margin(*x, forest_bound=0.5) for x in instances) < 0
    # a failed forest (no ratio) is a violation
    assert mod._forest_margin(None, 2) == -math.inf


def test_bracket_rejects_a_lower_bound_above_the_constructive_depth(monkeypatch) -> None:
    # one pole, width 1: the bracket closes (lower = constructive), so a lower bound that is
    # one too large is caught by the independent constructive search below it
    target = ShallowSSM([0.5], [1000.0], [1.0])
    assert mod.bracket_margin(target, 1, 3.0) == 0
    real = mod.depth_lower_bound
    monkeypatch.setattr(mod, "depth_lower_bound", lambda *a, **k: real(*a, **k) + 1)
    assert mod.bracket_margin(target, 1, 3.0) < 0


def test_algb_exact_certificate_rejects_a_wrong_certificate(monkeypatch) -> None:
    rng = np.random.default_rng(7)
    model = mod._sample_algb_exact(rng, 1)[0]
    assert mod.algb_exact_margin(model) > 0
    real = mod.balanced_moduli_squared

    def inflated(m):  # one normalized squared modulus above 1
        cert = real(m)
        cert[0] = cert[0] * 2
        return cert

    monkeypatch.setattr(mod, "balanced_moduli_squared", inflated)
    assert mod.algb_exact_margin(model) == -math.inf


# ---------------------------------------------------------------- bad input, one per example
_TARGET = ShallowSSM([0.5, -0.25], [4.0, 9.0], [1.0, 1.0])
_EXACT1 = ShallowSSM([sympy.Rational(1, 2)], [sympy.Integer(4)], [1])
_RNG = np.random.default_rng(0)


#: ``(call, parameter)``: each call must raise InvalidParameterError naming the parameter.
_BAD_CALLS = [
    (lambda: mod.thm42_margin(_TARGET, 2, 2, constant=0.0), "constant"),
    (lambda: mod.thm42_margin(_TARGET, 2, 2, constant=-1.0), "constant"),
    (lambda: mod.thm42_margin(_TARGET, 2, 2, constant=math.inf), "constant"),
    (lambda: mod.thm42_margin(_TARGET, 2, 2, constant=math.nan), "constant"),
    (lambda: mod.thm42_margin(_TARGET, 2, 2, forest_bound=0.0), "forest_bound"),
    (lambda: mod.thm42_exact_margin(_TARGET, 2, 2, constant=0), "constant"),
    (lambda: mod.thm42_exact_margin(_TARGET, 2, 2, constant=sympy.Integer(-1)), "constant"),
    (lambda: mod.thm42_exact_margin(_TARGET, 2, 2, forest_bound=sympy.nan), "forest_bound"),
    (lambda: mod.algorithm_a_margin(mod.ALGORITHM_A_WITNESS, constant=0.0), "constant"),
    (lambda: mod.algorithm_a_margin(mod.ALGORITHM_A_WITNESS, constant=math.nan), "constant"),
    (lambda: mod.algorithm_a_margin({}), "witness"),
    (lambda: mod.algorithm_a_margin({"depth": 2, "width": 2, "poles": (0.5,)}), "witness"),
    (lambda: mod.random_exact_target(_RNG, 0), "n"),
    (lambda: mod.random_exact_target(_RNG, 2.5), "n"),
    (lambda: mod.random_exact_target(7, 2), "rng"),
    (lambda: mod.random_target(_RNG, 0, "disk"), "n"),
    (lambda: mod.random_target(_RNG, math.nan, "disk"), "n"),
    (lambda: mod.tight_forest_target(2, 2, k=0), "k"),
    (lambda: mod.tight_forest_target(3, 2, k=1), "k"),
    (lambda: mod.tight_forest_target(3, 2, k=2.5), "k"),
    (lambda: mod.tight_forest_target(2, 2.5), "width"),
    (lambda: mod.tight_forest_target(True, 2), "depth"),
    (lambda: mod.width1_margin(_EXACT1, 2, construction=3), "construction"),
    (lambda: mod.width1_margin(_EXACT1, 2, rng_seed=-1), "rng_seed"),
    (lambda: mod.width1_margin(_EXACT1, 2, rng_seed=2.5), "rng_seed"),
    (lambda: mod.width1_margin("target", 2), "target"),
    (lambda: mod.width1_margin(_TARGET, 2, construction=lambda t, d: None), "target"),
    (lambda: mod.width1_margin(_EXACT1, 0, construction=lambda t, d: None), "depth"),
    (lambda: mod.algb_float_margin(DeepSSM([[0.5]], [[1.0]], [1.0]), balancer=3), "balancer"),
]


def test_bad_input_names_the_parameter() -> None:
    failures = wrong_error_reports((f"case {i} ({name})", call, InvalidParameterError,
                                    f"^{name}:") for i, (call, name) in enumerate(_BAD_CALLS))
    assert not failures, "\n".join(failures)


def test_tight_forest_target_poles_are_distinct_for_every_admissible_k() -> None:
    # k = 2 is the least k accepted; k = 1 would repeat the spare poles ±i/2 on the chain
    for width in (2, 3):
        target = mod.tight_forest_target(3, width, k=2)
        poles = [sympy.nsimplify(p) for p in target.poles]
        assert len(set(poles)) == len(poles)
        assert mod.thm42_exact_margin(target, 3, width) >= 0


# ------------------------------------------------------------------ certified tiers (★)
def _certified(claim):
    return next(t for t in claim.tiers if t.certified)


@pytest.mark.parametrize("claim", [mod.ALG_B, mod.THM_4_2], ids=lambda c: c.id)
def test_certified_tiers_hold_and_are_marked(claim) -> None:
    tier = _certified(claim)
    assert tier.name.startswith(balls.tier_name())
    assert tier.unit == next(t.unit for t in claim.tiers if t.name.startswith("float64"))
    assert min(tier.check(tier.sample(np.random.default_rng(4), 6))) >= 0


@pytest.mark.parametrize("n", smoke_and_full(3, 10))  # the 3rd instance is tight (~6e-13)
def test_thm42_certified_margins_agree_with_the_float_margins(n: int) -> None:
    for x in mod._sample_thm42_float(np.random.default_rng(8), n):
        cert, flt = mod.thm42_certified_margin(*x), mod.thm42_margin(*x)
        assert cert >= 0 and abs(cert - flt) < 1e-9, (cert, flt)


@pytest.mark.parametrize("n", smoke_and_full(5, 8))  # the 5th instance has one layer
def test_thm42_certified_rejects_tightened_constants(n: int) -> None:
    instances = mod._sample_thm42_float(np.random.default_rng(6), n)
    assert min(mod.thm42_certified_margin(*x, forest_bound=0.5) for x in instances) < 0
    # the forest meets its constant 2^0 = 1 on every one-layer target: its certified margin is
    # the float allowance (about 6e-13), and a constant lower by 1e-9 is rejected
    one_layer = [x for x in instances if x[1] == 1] or \
        [(mod.random_target(np.random.default_rng(1), 2, "disk"), 1, 2)]
    for x in one_layer:
        assert 0 <= mod.thm42_certified_margin(*x) < 1e-11
        assert mod.thm42_certified_margin(*x, forest_bound=1 - 1e-9) < 0
        assert mod.thm42_certified_margin(*x, constant=0.9) < 0


def test_thm42_certified_does_not_count_an_exact_tie_as_holding() -> None:
    """One pole with residue 4 at depth 1: the width-one model has norm 2 = c_1 exactly, so
    ``1 - ratio/1`` is exactly 0; its ball straddles 0 and the tier reports a violation."""
    target = ShallowSSM(np.array([0.5 + 0j]), np.array([4.0 + 0j]), np.ones(1))
    only = {"constructions": ("width_one",)}
    assert math.nextafter(0.5, 0) <= mod.thm42_certified_margin(target, 1, 1, **only) <= 0.5
    tie = mod.thm42_certified_margin(target, 1, 1, constant=1, **only)
    assert -1e-30 < tie < 0


def test_thm42_certified_rejects_a_construction_that_misses_the_kernel(monkeypatch) -> None:
    target, depth, width = mod._sample_thm42_float(np.random.default_rng(3), 1)[0]
    assert mod.thm42_certified_margin(target, depth, width) >= 0
    real = mod.small_norm_deep_report

    def off(*args, **kwargs):
        best, record = real(*args, **kwargs)
        return DeepSSM(best.eigenvalues, list(best.B), best.C * (1 + 1e-9)), record

    monkeypatch.setattr(mod, "small_norm_deep_report", off)
    assert mod.thm42_certified_margin(target, depth, width) == -math.inf


@pytest.mark.parametrize("n", smoke_and_full(3, 8))
def test_algb_certified_margins_agree_with_the_float_margins_and_reject_broken_balancers(n):
    models = mod._sample_algb_float(np.random.default_rng(2), n)
    for m in models:
        cert, flt = mod.algb_certified_margin(m), mod.algb_float_margin(m)
        # both measure rounding noise (~1e-16) against tolerance(float, l+1) (~1e-12)
        assert cert >= 2 and abs(cert - flt) < 1.5, (cert, flt)

    def lazy(model: DeepSSM) -> DeepSSM:
        bal = balance(model)
        return DeepSSM(bal.eigenvalues, [bal.B[0] * 1.5, *bal.B[1:]], bal.C / 1.5)

    def no_inverse(model: DeepSSM) -> DeepSSM:  # the kernel changes by 1e-9 relatively
        bal = balance(model)
        return DeepSSM(bal.eigenvalues, list(bal.B), bal.C * (1 + 1e-9))

    assert min(mod.algb_certified_margin(m, lazy) for m in models) < 0
    assert max(mod.algb_certified_margin(m, no_inverse) for m in models) < 0


def test_algb_certified_zero_path_weight() -> None:
    dead = DeepSSM([[0.5, 0.25]], [[0.0, 1.0]], [1.0, 0.0])
    assert mod.algb_certified_margin(dead) == math.inf
    assert mod.algb_certified_margin(dead, lambda m: DeepSSM(m.eigenvalues, [np.array(
        [0.0, 1.0])], np.array([0.0, 0.5]))) == -math.inf


@pytest.mark.parametrize("n", smoke_and_full(1, 2))
def test_certified_tiers_agree_across_backends(n: int) -> None:
    rng = np.random.default_rng(12)
    targets, models = mod._sample_thm42_float(rng, n), mod._sample_algb_float(rng, n)
    results = []
    for backend in balls.available_backends():
        with balls.use_backend(backend):
            results.append([mod.thm42_certified_margin(*x) for x in targets]
                           + [mod.algb_certified_margin(m) for m in models])
    for other in results[1:]:
        assert [m >= 0 for m in other] == [m >= 0 for m in results[0]]
        assert np.allclose(other, results[0], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("claim", [mod.ALG_B, mod.THM_4_2], ids=lambda c: c.id)
def test_certified_tiers_recheck_from_their_json_description(claim) -> None:
    """``--recheck``: the description of a certified tier's instance rebuilds the same floats,
    whose certified margin is recomputed exactly."""
    import json

    tier = _certified(claim)
    instances = tier.sample(np.random.default_rng(31), 2)
    margins = tier.check(instances)
    for i in range(2):
        description = json.loads(json.dumps(tier.describe(instances, i)))
        assert tier.check(tier.rebuild(description))[0] == margins[i]


@pytest.mark.parametrize("n", smoke_and_full(1, 2))
def test_width1_instances_rebuild_from_their_json_descriptions(n):
    """``--recheck``: the width-one tier's description carries the exact target and the seed of
    the random realizations, so the margin is reproduced bit for bit."""
    (tier,) = mod.WIDTH_1.tiers
    description = assert_rebuilds(tier, seed=4, n=n)[0]
    assert_rebuild_rejects(tier, description, derived=("pole", "residue"))
