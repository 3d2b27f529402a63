"""Tests of the continuous Theorem 3.13 claim: it holds, it is tight, each tier rejects."""

import dataclasses
import json

import numpy as np
import pytest
from strategies import smoke_and_full

from theory.layers import SSMLayer, SSMStack
from theory.memory_continuous import continuous_memory_bound
from theory.numbers import InvalidParameterError
from verify.claims import wx23_memory_continuous as mod
from verify.registry import get_claim
from verify.runner import run_claim


@pytest.mark.parametrize("n", smoke_and_full(1, 4))
def test_claim_holds(n):
    res = run_claim(get_claim("wx23.thm3.13.continuous"), instances=n, seed=11)
    assert res.ok, [(t.tier, t.verdict, t.error, t.first_violation) for t in res.tiers]
    assert all(t.instances > 0 and t.worst_margin >= 0 for t in res.tiers)


def _fastest_rate(stack, x_norm):
    """Broken constants: the fastest layer's rate instead of the slowest."""
    mb = continuous_memory_bound(stack, x_norm)
    fastest = max(pb.beta for pb in mb.layers)
    return dataclasses.replace(mb, beta=fastest)


def _no_chain_term(stack, x_norm):
    """Broken constants: the power bound's chain terms dropped (Q truncated to degree 0)."""
    mb = continuous_memory_bound(stack, x_norm)
    return dataclasses.replace(mb, coefficients=mb.coefficients[:1])


@pytest.mark.parametrize("family", sorted(mod.SHARP_FAMILIES))
def test_sharp_families_sit_on_the_bound(family):
    rng = np.random.default_rng(4)
    for _ in range(2):
        inst = mod.SHARP_FAMILIES[family](rng)
        m = mod.continuous_margin(inst)
        if family == "jordan":
            # ratio a t/(1 + a t) at the last time t = 20/β (a >= 2, β <= 2): margin <= 1/21
            assert 0 <= m <= 1 / 21
        else:
            assert 0 <= m < 1e-12  # attained: any lowered constant fails
            assert mod.continuous_margin(inst, 1 - 1e-9) < 0
        assert mod.continuous_margin(inst, 0.9) < 0


@pytest.mark.parametrize("full", smoke_and_full(False, True))
def test_each_tier_rejects_broken_constants(full):
    """The smoke version checks the first two multi-rate stacks (not all eight) and, of the
    nonlinear instances, only the offset family that the tightened bound then rejects."""
    rng = np.random.default_rng(5)
    linear = [i for i in mod._sample_linear(rng, 12)
              if len({float(pb.beta) for pb in continuous_memory_bound(
                  i.stack, 1.0).layers}) > 1]
    assert linear, "no multi-rate stack sampled"
    checked = linear if full else linear[:2]
    assert any(mod.continuous_margin(i, constants=_fastest_rate) < 0 for i in checked)
    jordan = mod.SHARP_FAMILIES["jordan"](rng)
    assert mod.continuous_margin(jordan, constants=_no_chain_term) < 0
    nonlinear = mod._sample_nonlinear(rng, 4)
    assert all(mod.continuous_margin(i) >= 0 for i in (nonlinear if full else nonlinear[3:]))
    assert mod.continuous_margin(nonlinear[3], 0.999) < 0  # the offset family
    chain = SSMStack([SSMLayer([-0.3], [[1.0]], [[1.0]], time="continuous"),
                      SSMLayer([-1.5], [[1.0]], [[1.0]], time="continuous")], "tanh")
    slow = mod.ContinuousInstance(chain, np.array([[0.5]]), (20.0, 40.0), dps=20)
    assert mod.continuous_margin(slow) >= 0
    assert mod.continuous_margin(slow, constants=_fastest_rate) < 0


def test_describe_round_trips():
    rng = np.random.default_rng(6)
    insts = mod._sample_sharp(rng, 2)
    desc = json.loads(json.dumps(mod._describe(insts, 0)))
    again = mod._rebuild(desc)[0]
    assert mod.continuous_margin(again) == pytest.approx(mod.continuous_margin(insts[0]),
                                                         abs=1e-15)
    with pytest.raises(ValueError, match="desc"):
        mod._rebuild({"layers": []})


def test_bad_input():
    inst = mod.SHARP_FAMILIES["scalar"](np.random.default_rng(0))
    with pytest.raises(InvalidParameterError, match="inst"):
        mod.continuous_margin("x")
    with pytest.raises(InvalidParameterError, match="bound_factor"):
        mod.continuous_margin(inst, 0)
    with pytest.raises(InvalidParameterError, match="constants"):
        mod.continuous_margin(inst, 1, 3)
    with pytest.raises(InvalidParameterError, match="times"):
        mod.ContinuousInstance(inst.stack, inst.directions, (0.0,))
    with pytest.raises(InvalidParameterError, match="directions"):
        mod.ContinuousInstance(inst.stack, np.ones((1, 2)), (1.0,))
    with pytest.raises(InvalidParameterError, match="structure"):
        mod.random_continuous_layer(np.random.default_rng(0), 1, 1, 1, structure="x")
