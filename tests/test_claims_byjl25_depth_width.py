"""Tests of the BYJL25 Theorem 4.1 claims: each runs as expected, and each check rejects a
deliberately broken construction (negative controls)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import sympy
from strategies import smoke_and_full
from sympy import Rational as R
from test_recheck import assert_rebuild_rejects, assert_rebuilds

from theory import depth_width
from theory.linear import DeepSSM, ShallowSSM
from verify.claims import byjl25_depth_width as claims
from verify.registry import get_claim
from verify.runner import run_claim

#: Instances per claim run: (smoke, full); the full counts run under ``extended``.
CLAIM_INSTANCES = {"byjl25.thm4.1.i": (2, 12), "byjl25.thm4.1.i.shared": (1, 4),
                   "byjl25.thm4.1.ii": (1, 6), "byjl25.thm4.1.iii": (2, 5)}


@pytest.mark.parametrize("claim_id", list(CLAIM_INSTANCES))
@pytest.mark.parametrize("full", smoke_and_full(False, True))
def test_claim_runs_as_expected(claim_id: str, full: bool) -> None:
    smoke, full_count = CLAIM_INSTANCES[claim_id]
    result = run_claim(get_claim(claim_id), instances=full_count if full else smoke, seed=3)
    assert result.ok, [(t.tier, t.verdict, t.error, t.first_violation) for t in result.tiers]


def test_registry_metadata() -> None:
    shared = get_claim("byjl25.thm4.1.i.shared")
    assert shared.expected == "finding" and shared.provenance == "finding"
    for cid in ("byjl25.thm4.1.i", "byjl25.thm4.1.ii", "byjl25.thm4.1.iii"):
        claim = get_claim(cid)
        assert claim.provenance == "summary" and claim.hypotheses and claim.expected == "holds"


# ---------------------------------------------------------------------------- (i)
def _dropping_last_mode(model: DeepSSM) -> ShallowSSM:
    good = depth_width.deep_to_shallow(model)
    keep = max(1, good.width - 1)
    return ShallowSSM(good.poles[:keep], good.B[0][:keep], good.C[:keep])


def test_i_exact_rejects_a_dropped_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    model = DeepSSM([[R(1, 2), R(1, 5)], [R(-1, 3), 0]], [[1, 2], [[1, 1], [2, -1]]], [1, 3])
    assert claims.margin_i_exact(model) == math.inf
    monkeypatch.setattr(claims, "deep_to_shallow", _dropping_last_mode)
    assert claims.margin_i_exact(model) == -math.inf


def test_i_exact_compares_the_certifying_length(monkeypatch: pytest.MonkeyPatch) -> None:
    # a "conversion" that agrees with the model on 2n - 1 terms and differs at s = 2n - 1:
    # the divided-difference combination of 2n distinct poles split between the two models
    n = 3
    nu = [R(k, 4 * n + 1) * (-1) ** k for k in range(1, 2 * n + 1)]
    c = [1 / sympy.prod([nu[k] - nu[j] for j in range(2 * n) if j != k]) for k in range(2 * n)]
    model = ShallowSSM(nu[:n], c[:n], [1] * n)
    wrong = ShallowSSM(nu[n:], [-x for x in c[n:]], [1] * n)
    assert depth_width.kernel_mismatch(model, wrong, 2 * n - 1) == 0
    monkeypatch.setattr(claims, "deep_to_shallow", lambda m: wrong)
    assert claims.margin_i_exact(model) == -math.inf


def _quotient_first(model: DeepSSM) -> ShallowSSM:
    """The pre-fix float construction: residues ``Ω Π 1/(1 - μ/λ)``, the quotient rounded
    before the subtraction (84% off at gap 1e-12, 9% at 1e-8)."""
    is_zero = lambda x: x == 0  # noqa: E731
    values, ids = depth_width._distinct_ids(model.eigenvalues, is_zero)
    weights = depth_width._multiset_weights(ids, model.B, model.C, 0.0, is_zero)
    res, const = [0j] * len(values), 0j
    for key, (omega,) in weights.items():
        const += 0 if key else omega
        for v in key:
            term = omega
            for v2 in key:
                if v2 != v:
                    term = term / (1 - values[v2] / values[v])
            res[v] += term
    return ShallowSSM(np.array([*values, 0]), np.array([*res, const]), np.ones(len(res) + 1))


def test_i_float_rejects_the_quotient_first_residues(monkeypatch: pytest.MonkeyPatch) -> None:
    model = DeepSSM([[0.5], [0.5 + 1e-8]], [[1.0], [[1.0]]], [1.0])
    assert claims.margin_i_float(model) >= 2
    broken = _quotient_first(model)
    err = np.abs(broken.kernel(20) - model.kernel(20)) / np.abs(model.kernel(20))
    assert 0.05 < np.max(err) < 0.2  # the 9% error of the issue
    monkeypatch.setattr(claims, "deep_to_shallow", _quotient_first)
    assert claims.margin_i_float(model) < -3
    # and on the tier's own sample: every near-merging model is rejected
    rng = np.random.default_rng(0)
    merged = [m for j, m in enumerate(claims._sample_i_float(rng, 12)) if j % 2 and m.depth > 1]
    assert merged and all(claims.margin_i_float(m) < 0 for m in merged)


def test_i_float_sample_has_near_merging_pairs() -> None:
    rng = np.random.default_rng(2)
    models = claims._sample_i_float(rng, 10)
    for j, m in enumerate(models):
        lam = np.asarray(m.eigenvalues, dtype=complex)
        gaps = [abs(a - b) / abs(a) for k in range(m.depth) for q in range(k + 1, m.depth)
                for a in lam[k] for b in lam[q] if a != 0]
        low, high = claims.NEAR_GAPS
        near = [g for g in gaps if 10**low * 0.99 <= g <= 10**high * 1.01]
        assert bool(near) is bool(j % 2 and m.depth > 1)


def test_exact_stable_draws_are_strictly_inside_the_unit_disk(
        monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([sympy.Integer(1), sympy.Integer(-1), R(3, 5) + R(4, 5) * sympy.I, R(1, 2)])
    monkeypatch.setattr(claims, "gaussian_rational", lambda rng, den, bound: next(draws))
    assert claims._exact_stable(np.random.default_rng(0), []) == R(1, 2)


def test_i_float_rejects_a_perturbed_residue(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    model = claims._sample_i_float(rng, 1)[0]
    assert claims.margin_i_float(model) >= 0

    def perturbed(m: DeepSSM) -> ShallowSSM:
        good = depth_width.deep_to_shallow(m)
        return ShallowSSM(good.poles, good.B[0] * (1 + 1e-9), good.C)

    monkeypatch.setattr(claims, "deep_to_shallow", perturbed)
    assert claims.margin_i_float(model) < 0


# ---------------------------------------------------------------------------- (i) finding
def test_shared_margin_sign() -> None:
    assert claims.margin_shared(depth_width.shared_eigenvalue_counterexample(R(1, 2))) == -1.0
    # distinct eigenvalues: the statement holds on this instance (margin 0, not a violation)
    distinct = DeepSSM([[R(1, 2)], [R(1, 3)]], [[1], [[1]]], [1])
    assert claims.margin_shared(distinct) >= 0


def test_shared_check_refuses_an_inconsistent_conversion(monkeypatch: pytest.MonkeyPatch) -> None:
    # if deep_to_shallow accepted a double pole, the check must error out, not count a finding
    monkeypatch.setattr(claims, "deep_to_shallow", lambda m: None)
    with pytest.raises(RuntimeError, match="disagrees"):
        claims.margin_shared(depth_width.shared_eigenvalue_counterexample(R(1, 3)))


# ---------------------------------------------------------------------------- (ii)
def _perturbed_deep(target: ShallowSSM, depth: int, width: int) -> DeepSSM:
    deep = depth_width.shallow_to_deep(target, depth, width)
    B = [b.copy() for b in deep.B]
    B[-1].flat[0] = B[-1].flat[0] * (1 + (R(1, 10**6) if deep.kind.value == "exact" else 1e-9))
    return DeepSSM(deep.eigenvalues, B, deep.C)


@pytest.mark.parametrize("tier", ["exact", "mpmath", "float"])
def test_ii_rejects_a_perturbed_coupling(tier: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    sample = {"exact": claims._sample_ii_exact, "mpmath": claims._sample_ii_mpmath,
              "float": claims._sample_ii_float}[tier]
    margin = {"exact": claims.margin_ii_exact, "mpmath": claims.margin_ii_mpmath,
              "float": claims.margin_ii_float}[tier]
    inst = sample(rng, 2)[1]
    assert margin(inst) >= 0
    monkeypatch.setattr(claims, "shallow_to_deep", _perturbed_deep)
    assert margin(inst) < 0


def test_ii_exact_rejects_a_wrong_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    target = ShallowSSM([R(1, 2)], [1], [1])
    assert claims.margin_ii_exact((target, 2, 1)) == math.inf
    monkeypatch.setattr(claims, "shallow_to_deep",
                        lambda t, d, w: depth_width.shallow_to_deep(t, d + 1, w))
    assert claims.margin_ii_exact((target, 2, 1)) == -math.inf


# ---------------------------------------------------------------------------- (iii)
def test_iii_rejects_a_witness_without_first_order_term(monkeypatch: pytest.MonkeyPatch) -> None:
    inst = (2, 2, np.random.default_rng(4))
    assert claims.margin_iii(inst) > 0

    def cancelled(depth: int, width: int, *, rng: np.random.Generator | None = None):
        _, cert = depth_width.non_inclusion_witness(depth, width, rng=rng)
        res = list(cert.residues)
        res[-1] = -cert.poles[-1] * sum(r / p for r, p in zip(res[:-1], cert.poles[:-1]))
        bad = depth_width.NonInclusionCertificate(
            **{**cert.__dict__, "residues": tuple(res),
               "first_order_coefficient": sympy.Integer(0)})
        return bad.target(), bad

    monkeypatch.setattr(claims, "non_inclusion_witness", cancelled)
    assert claims.margin_iii((2, 2, np.random.default_rng(4))) == -math.inf


def test_check_functions_refuse_bad_input() -> None:
    from theory.numbers import InvalidParameterError

    model = DeepSSM([[0.5], [0.25]], [[1.0], [[1.0]]], [1.0])
    rng = np.random.default_rng(0)
    for call, pattern in [
        (lambda: claims.margin_i_float(model, T=0), "^T: "),
        (lambda: claims.margin_i_float("x"), "^model: "),
        (lambda: claims.margin_i_exact(None), "^model: "),
        (lambda: claims.near_merging("rng", model), "^rng: "),
        (lambda: claims.near_merging(rng, [[0.5]]), "^model: "),
        (lambda: claims.margin_shared("x"), "^model: "),
        (lambda: claims.margin_ii_float((ShallowSSM([0.5], [1.0], [1.0]), 1, 1), T=float("nan")),
         "^T: "),
    ]:
        with pytest.raises(InvalidParameterError, match=pattern):
            call()
    single = DeepSSM([[0.5, 0.25]], [[1.0, 1.0]], [1.0, 1.0])
    assert claims.near_merging(rng, single) is single  # depth 1: no pair of layers


# ---------------------------------------------------------------- rebuild hooks (recheck)
#: Per claim, the description keys its rebuild hook reads (the others are derived: the recheck
#: recomputes the description of the rebuilt instance and compares).
REBUILD_READS = {
    ("byjl25.thm4.1.i", "exact (sympy)"): ("certificate",),
    ("byjl25.thm4.1.i", "float64"): ("kind", "eigenvalues", "B", "C"),
    ("byjl25.thm4.1.i.shared", "exact (sympy)"): ("certificate",),
    ("byjl25.thm4.1.ii", "exact (sympy)"): ("depth", "width", "kind", "exact"),
    ("byjl25.thm4.1.ii", "mpmath dps=50"): ("depth", "width", "kind", "poles", "residues"),
    ("byjl25.thm4.1.ii", "float64"): ("depth", "width", "kind", "poles", "residues"),
    ("byjl25.thm4.1.ii", "exact (sympy), real parameters"): ("depth", "width", "kind", "exact"),
    ("byjl25.thm4.1.iii", "exact (sympy)"): ("depth", "width", "witness_seed"),
}


def test_rebuild_reads_cover_every_tier() -> None:
    ids = ("byjl25.thm4.1.i", "byjl25.thm4.1.i.shared", "byjl25.thm4.1.ii", "byjl25.thm4.1.iii")
    assert {(c, t.name) for c in ids for t in get_claim(c).tiers} == set(REBUILD_READS)


@pytest.mark.parametrize(("claim_id", "tier_name"), sorted(REBUILD_READS))
@pytest.mark.parametrize("n", smoke_and_full(1, 2))
def test_every_tier_rebuilds_its_instances_bit_for_bit(claim_id: str, tier_name: str,
                                                        n: int) -> None:
    tier = next(t for t in get_claim(claim_id).tiers if t.name == tier_name)
    d = assert_rebuilds(tier, seed=5, n=n)[0]
    reads = REBUILD_READS[(claim_id, tier_name)]
    assert_rebuild_rejects(tier, d, tuple(k for k in d if k not in reads))


@pytest.mark.parametrize("bad", [{"depth": 2.0}, {"depth": "2"}, {"width": 0},
                                 {"witness_seed": -1}, {"witness_seed": 1.5}])
def test_thm_iii_rebuild_refuses_non_integers(bad: dict[str, Any]) -> None:
    tier = get_claim("byjl25.thm4.1.iii").tiers[0]
    with pytest.raises(ValueError, match=next(iter(bad))):
        tier.rebuild({"depth": 2, "width": 2, "witness_seed": 7, **bad})


def test_thm_ii_rebuild_refuses_an_unknown_kind() -> None:
    tier = next(t for t in get_claim("byjl25.thm4.1.ii").tiers if t.name == "float64")
    d = assert_rebuilds(tier, seed=2, n=1)[0]
    for kind in ("exact", "complex", 3):
        with pytest.raises(ValueError):
            tier.rebuild({**d, "kind": kind})


# ---------------------------------------------------------------- (ii), real parameters
def _real_target() -> tuple[ShallowSSM, int, int]:
    """A pole pair, a real pole and a real numerator root at ``(l, m) = (2, 2)``: a
    conjugation-closed split exists."""
    poles = [(1 + sympy.I) / 3, (1 - sympy.I) / 3, R(1, 2)]
    return depth_width.target_from_factors(poles, [R(1, 5)], R(3, 2)), 2, 2


def _root_pair_target() -> tuple[ShallowSSM, int, int]:
    """A conjugate pair of numerator roots at ``(2, 2)``: no conjugation-closed split."""
    roots = [R(1, 5) + sympy.I / 3, R(1, 5) - sympy.I / 3]
    return depth_width.target_from_factors([R(1, 2), R(1, 3), R(-1, 4)], roots, 1), 2, 2


def _tight_sqrt2_target() -> tuple[ShallowSSM, int, int]:
    """``‖θ̃‖ = √2 ‖θ‖`` exactly (``γ = (1 - i)/2``, ``κ = 1/2``; as in test_real_realization)."""
    return depth_width.target_from_factors([(1 + sympy.I) / 3, (1 - sympy.I) / 3], [],
                                           R(1, 2)), 1, 2


def _tight_one_target() -> tuple[ShallowSSM, int, int]:
    """``‖θ̃‖ = ‖θ‖`` exactly (imaginary poles: ``γ = 1/2`` real)."""
    return depth_width.target_from_factors([sympy.I / 3, -sympy.I / 3], [], R(1, 2)), 1, 2


def test_ii_real_accepts_a_split_and_a_certified_refusal() -> None:
    for inst, feasible in [(_real_target(), True), (_root_pair_target(), False)]:
        assert depth_width.real_split_certificate(*inst).feasible is feasible
        assert claims.margin_ii_real(inst) == math.inf


def test_ii_real_rejects_a_perturbed_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    good = claims.real_realization

    def perturbed(deep: DeepSSM) -> Any:
        real = good(deep)
        real.B = [real.B[0].copy(), *real.B[1:]]
        real.B[0][0] += R(1, 10**6)
        return real

    monkeypatch.setattr(claims, "real_realization", perturbed)
    assert claims.margin_ii_real(_real_target()) == -math.inf


def test_ii_real_rejects_a_complex_entry_left_in_the_output(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The diagonal complex model passed off as the real one: same kernel, same norm, only the
    realness check can reject it."""
    def diagonal(deep: DeepSSM) -> Any:
        fake = object.__new__(claims.RealDeepSSM)
        fake.kind, fake.B, fake.C = deep.kind, deep.B, deep.C
        fake.A = [np.diag(row) for row in deep.eigenvalues]
        return fake

    monkeypatch.setattr(claims, "real_realization", diagonal)
    inst = _real_target()
    deep = depth_width.shallow_to_deep(*inst, real=True)
    fake = diagonal(deep)
    assert depth_width.kernel_mismatch(deep, inst[0], 12) == 0
    assert all(a == b for a, b in zip(fake.kernel(12), inst[0].kernel(12)))
    assert claims.margin_ii_real(inst) == -math.inf


def test_ii_real_rejects_forged_certificates(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    good = depth_width.real_split_certificate
    # "no split" for a target that has one; a made-up split for a target that has none
    monkeypatch.setattr(claims, "real_split_certificate", lambda *a: dataclasses.replace(
        good(*a), layers=None, argument=("forged",)))
    assert claims.margin_ii_real(_real_target()) == -math.inf
    monkeypatch.setattr(claims, "real_split_certificate", lambda *a: dataclasses.replace(
        good(*a), layers=((1, 0, 0, 0, 1), (2, 0, 0, 0, 0))))
    assert claims.margin_ii_real(_root_pair_target()) == -math.inf


def test_ii_real_rejects_a_refusal_the_certificate_contradicts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> DeepSSM:
        raise depth_width.InsufficientCapacityError("real: refused")

    monkeypatch.setattr(claims, "shallow_to_deep", refuse)
    assert claims.margin_ii_real(_real_target()) == -math.inf
    # and a realization where the certificate says there is none
    monkeypatch.setattr(claims, "shallow_to_deep", lambda t, d, w, **kw:
                        depth_width.shallow_to_deep(*_real_target(), real=True))
    assert claims.margin_ii_real(_root_pair_target()) == -math.inf


def test_ii_real_norm_ratio_bounds_are_tight(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ends of ``[1, √2]`` are attained and accepted; moving either end inwards by
    ``10^-9`` rejects the instance that attains it."""
    sqrt2, one = _tight_sqrt2_target(), _tight_one_target()
    assert claims.margin_ii_real(sqrt2) == math.inf and claims.margin_ii_real(one) == math.inf
    low, high = claims.REAL_NORM_RATIO_SQUARED
    assert (low, high) == (1, 2)
    monkeypatch.setattr(claims, "REAL_NORM_RATIO_SQUARED", (low, high - R(1, 10**9)))
    assert claims.margin_ii_real(sqrt2) == -math.inf and claims.margin_ii_real(one) == math.inf
    monkeypatch.setattr(claims, "REAL_NORM_RATIO_SQUARED", (low + R(1, 10**9), high))
    assert claims.margin_ii_real(one) == -math.inf and claims.margin_ii_real(sqrt2) == math.inf


def test_ii_real_rejects_a_norm_outside_the_range(monkeypatch: pytest.MonkeyPatch) -> None:
    """``B_1/10`` and ``10 C``: the same kernel, a norm ratio far above ``√2``."""
    good = claims.real_realization

    def rescaled(deep: DeepSSM) -> Any:
        real = good(deep)
        real.B = [real.B[0] / 10, *real.B[1:]]
        real.C = real.C * 10
        return real

    inst = _real_target()
    deep = depth_width.shallow_to_deep(*inst, real=True)
    real = rescaled(deep)
    assert all(sympy.simplify(a - b) == 0 for a, b in zip(real.kernel(12), inst[0].kernel(12)))
    monkeypatch.setattr(claims, "real_realization", rescaled)
    assert claims.margin_ii_real(inst) == -math.inf


def test_ii_real_sampler_draws_both_outcomes() -> None:
    insts = claims._sample_ii_real(np.random.default_rng(0), 6)
    outcomes = {depth_width.real_split_certificate(*x).feasible for x in insts}
    assert outcomes == {True, False}
    assert all(t.width == d * (w - 1) + 1 for t, d, w in insts)


def test_float_tier_checks_an_ill_conditioned_target_at_mpmath() -> None:
    """Seed 0 of the float tier (full budget) draws a target whose poles spread from 1e-7 to 4e-2:
    Algorithm A refuses to round its realization to float64, and the tier checks the
    realization of the same target at MPMATH_DPS digits instead of reporting an error."""
    import numpy as np

    from theory.depth_width import IllConditionedError, shallow_to_deep
    from theory.linear import ShallowSSM
    from verify.claims.byjl25_depth_width import margin_ii_float

    poles = np.array([8.68593100e-05 + 4.40694584e-05j, 4.79306006e-04 + 3.55072462e-04j,
                      2.04134236e-06 + 1.38908090e-07j, 2.08861068e-02 + 3.28351862e-02j,
                      -1.52453559e-07 + 2.16653172e-06j, 1.37029764e-04 - 1.40064096e-04j,
                      2.12123846e-06 - 4.50224427e-08j, 2.72490871e-03 + 1.82592102e-03j,
                      -1.96858292e-03 - 3.23752026e-04j])
    residues = np.array([-0.81372529 + 0.07490807j, -0.64197045 + 0.6854092j,
                         0.41094716 - 0.17298248j, 1.58037795 + 0.81213421j,
                         -1.55618566 + 0.78746442j, -0.25829009 + 0.68575454j,
                         0.11300539 + 1.95528839j, 0.0082187 + 0.3344619j,
                         -0.2241233 + 1.56444334j])
    target = ShallowSSM(poles, residues, np.ones(9))
    with pytest.raises(IllConditionedError):
        shallow_to_deep(target, 4, 3)
    margin = margin_ii_float((target, 4, 3))
    assert 3.0 < margin < float("inf")
