"""Tests of the WX23 memory claims: they hold, and their checks reject tightened bounds."""

import dataclasses
import math

import numpy as np
import pytest

from theory.layers import SSMLayer, SSMStack
from theory.memory import memory_bound_constants
from verify.claims import wx23_memory as mod
from verify.registry import get_claim
from verify.runner import run_claim


@pytest.mark.parametrize(("claim_id", "n"), [("wx23.thm3.13.bound", 40),
                                             ("wx23.thm3.13.rate", 10),
                                             ("wx23.memory.linear_equals_kernel", 20)])
def test_claims_hold(claim_id, n):
    res = run_claim(get_claim(claim_id), instances=n, seed=3)
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


def test_bound_and_rate_checks_reject_a_smaller_radius():
    rng = np.random.default_rng(0)
    insts = [mod.sample_instance(rng) for _ in range(10)]
    shrink = _tightened(r=lambda r: 0.9 * r)
    tight = [mod.bound_margin(i, shrink) for i in insts]
    # the bound is loose by 0.5-4 decades, and curves that die within a few steps (saturated
    # or fast layers) are not long enough for 0.9^k to eat the slack: most, not all, fail
    assert sum(m < 0 for m in tight) >= 6
    assert all(t <= mod.bound_margin(i) for t, i in zip(tight, insts))
    rate_insts = [mod.sample_instance(rng, mod.RATE_HORIZON) for _ in range(3)]
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
