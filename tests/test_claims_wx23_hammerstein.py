"""Tests of the Hammerstein claim: it holds, it is tight, and each tier rejects broken inputs."""

import json
import math

import numpy as np
import pytest
from strategies import smoke_and_full

from theory.hammerstein import hammerstein_network
from theory.layers import SSMLayer
from theory.numbers import InvalidParameterError
from verify.claims import wx23_hammerstein as mod
from verify.registry import get_claim
from verify.runner import run_claim


@pytest.mark.parametrize("n", smoke_and_full(3, 12))
def test_claim_holds(n):
    res = run_claim(get_claim("wx23.hammerstein.budget"), instances=n, seed=5)
    assert res.ok, [(t.tier, t.verdict, t.error, t.first_violation) for t in res.tiers]
    assert all(t.instances > 0 and t.worst_margin >= 0 for t in res.tiers)


@pytest.mark.parametrize("kind", ["exact", "float"])
def test_sharp_family_sits_on_the_budget_and_a_tightened_budget_fails(kind):
    rng = np.random.default_rng(2)
    margin = mod.exact_margin if kind == "exact" else mod.float_margin
    for _ in range(3):
        spec = mod.sharp_spec(rng, kind)
        m = margin(spec)
        if kind == "exact":
            assert m == 0  # attained exactly
        else:
            assert 0 <= m < 1e-9
        assert margin(spec, 1 - 1e-6) < 0


def _without_minus_channel(target, N, realization):
    """A broken construction: layer 3 reads only ReLU(f̂), so negative values of f̂ are lost."""
    approx = hammerstein_network(target, N, realization)
    l1, l2, l3 = approx.stack.layers
    half = l3.U.copy()
    half[:, 1] = 0 * half[:, 1]
    D = None if l3.D is None else l3.D * np.array([[1, 0]])
    broken = type(approx.stack)([l1, l2, SSMLayer(l3.W, half, l3.C, D)], "relu")
    return type(approx)(broken, approx.f_hat, approx.realization, approx.h)


def _negative_pl_spec(kind):
    """``f < 0`` on ``[0, 2]``, a positive filter: the ReLU between layers 2 and 3 matters."""
    exact = {"kind": "exact", "family": "random", "a": "0", "b": "2",
             "f": {"type": "pl", "points": ["0", "1", "2"], "values": ["-1", "-2", "-1/2"]},
             "filter": {"W": [["1/2"]], "U": [["1"]], "C": [["3/2"]], "D": None},
             "N": 3, "T": 4, "realization": None,
             "inputs": [["0", "1/2", "3/2", "2"]]}
    return exact if kind == "exact" else mod._as_float(exact, np.random.default_rng(0))


@pytest.mark.parametrize("kind", ["exact", "float"])
def test_each_tier_rejects_a_broken_construction(kind):
    margin = mod.exact_margin if kind == "exact" else mod.float_margin
    spec = _negative_pl_spec(kind)
    assert margin(spec) >= 0
    assert margin(spec, network=_without_minus_channel) < 0


@pytest.mark.parametrize("n", smoke_and_full(1, 4))
def test_random_specs_hold_and_describe_round_trips(n):
    rng = np.random.default_rng(7)
    exact, flt = mod._sample_exact(rng, 4), mod._sample_float(rng, 4)
    for spec in exact[:n] + flt[:n]:
        margin = mod.exact_margin if spec["kind"] == "exact" else mod.float_margin
        m = margin(spec)
        assert m >= 0
        desc = json.loads(json.dumps(mod._describe([spec], 0)))
        assert margin(mod._rebuild(desc)[0]) == m


def test_bad_specs():
    spec = mod.sharp_spec(np.random.default_rng(0))
    with pytest.raises(InvalidParameterError, match="spec"):
        mod.exact_margin({"kind": "x"})
    with pytest.raises(InvalidParameterError, match="spec"):
        mod.float_margin(spec)  # an exact spec
    with pytest.raises(InvalidParameterError, match="budget_factor"):
        mod.exact_margin(spec, math.nan)
    with pytest.raises(InvalidParameterError, match="network"):
        mod.exact_margin(spec, 1, network=3)
    with pytest.raises(ValueError, match="desc"):
        mod._rebuild({"kind": "exact"})
