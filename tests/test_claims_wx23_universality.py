"""Tests of the Result C / Result D claims: they hold, and their checks reject broken cases."""

from __future__ import annotations

import json

import numpy as np
import pytest
from error_reports import wrong_error_reports
from strategies import smoke_and_full

from theory.numbers import InvalidParameterError
from verify.claims import wx23_universality as mod
from verify.registry import get_claim
from verify.runner import run_claim


@pytest.mark.parametrize("n", smoke_and_full(2, 4))
def test_claims_hold(n):
    for cid in ("wx23.result_c.window", "wx23.result_c.kolmogorov_arnold",
                "wx23.result_d.volterra"):
        res = run_claim(get_claim(cid), instances=n, seed=3)
        assert res.ok, (cid, [(t.verdict, t.error, t.worst_margin) for t in res.tiers])
        assert all(t.worst_margin >= 0 for t in res.tiers)


# smoke: one instance drawn with seed 2 (a generic Kolmogorov-Arnold instance, d = T = 1; the
# full draw's first one, from seed 1, is a sharp instance on grids about ten times as costly)
@pytest.mark.parametrize("draw", smoke_and_full((2, 1), (1, 2)))
@pytest.mark.parametrize("cid", ["wx23.result_c.window", "wx23.result_c.kolmogorov_arnold",
                                 "wx23.result_d.volterra"])
def test_recorded_instances_rebuild_from_json_to_the_same_margin(cid, draw):
    """``--recheck``: the description written to the JSON report rebuilds the instance, whose
    margin is reproduced bit for bit; a description with a missing or extra key is refused."""
    seed, n = draw
    (tier,) = get_claim(cid).tiers
    insts = tier.sample(np.random.default_rng(seed), n)
    margins = tier.check(insts)
    for i in range(n):
        description = json.loads(json.dumps(tier.describe(insts, i)))
        assert tier.check(tier.rebuild(description))[0] == margins[i]
        key = next(iter(description))
        for bad in ({k: v for k, v in description.items() if k != key},
                    dict(description, extra=1), [description]):
            with pytest.raises(ValueError, match="description"):
                tier.rebuild(bad)


def _sharp_window_instance():
    rng = np.random.default_rng(0)
    while True:
        p = mod._window_instance(rng)
        if p["sharp"] and p["d"] * p["T"] <= 3:
            return dict(p, seed=1)


def test_window_check_rejects_wrong_tap_coarse_grid_and_tightened_budget():
    p = _sharp_window_instance()
    rng = lambda: np.random.default_rng(p["seed"])  # noqa: E731
    assert mod.window_margin(p, rng()) >= 0
    assert mod.window_margin(p, rng(), lag_offset=1) < 0
    assert mod.window_margin(dict(p, N=p["N"] + 4), rng(), N=2) < 0
    assert mod.window_margin(p, rng(), budget_factor=0.99) < 0  # sharp: bound attained


# smoke: d = T = 2 as in the full case, on smaller grids (N_in = 7, N_out = 11)
@pytest.mark.parametrize("seed", smoke_and_full(10, 4))
def test_ka_check_rejects_injected_inner_error_and_tightened_budget(seed):
    p = mod._ka_instance(np.random.default_rng(seed))
    assert mod.ka_margin(p, linear_outer=True) >= 0
    assert mod.ka_margin(p, linear_outer=True, inner_shift=1.0) < 0
    honest = mod.ka_margin(p)
    assert mod.ka_margin(p, budget_factor=0.9 * (1 - honest)) < 0


# smoke: two kernels as in the full case, on a smaller grid (N = 13)
@pytest.mark.parametrize("seed", smoke_and_full(3, 2))
def test_volterra_check_rejects_tightened_bound_and_nan(seed):
    p = mod._volterra_instance(np.random.default_rng(seed))
    errs, bound, widths = mod.volterra_errors(p)
    assert max(errs) <= bound
    assert len(widths) == 3  # one construction serves every T
    m = mod.volterra_margin(p)
    assert mod.volterra_margin(p, budget_factor=0.9 * (1 - m)) < 0
    with pytest.raises(InvalidParameterError, match="error"):  # a NaN error is never a margin
        mod.slack(float("nan"), 1.0)


def test_samplers_alternate_sharp_and_generic_instances():
    for sample in (mod._sample_ka, mod._sample_volterra):
        flags = [p["sharp"] for p in sample(np.random.default_rng(0), 4)]
        assert sorted(flags) == [False, False, True, True] and flags[0] != flags[1]


def test_sharp_ka_instance_attains_the_budget():
    p = mod._ka_instance(np.random.default_rng(1), sharp=True)
    m = mod.ka_margin(p)
    assert 0 <= m < 1e-8
    assert mod.ka_margin(p, budget_factor=1 - 1e-6) < 0


def test_sharp_volterra_instances_attain_the_bound():
    for seed in (2, 3):
        p = mod._sharp_volterra_instance(np.random.default_rng(seed))
        m = mod.volterra_margin(p)
        assert 0 <= m < 0.05
        assert mod.volterra_margin(p, budget_factor=(1 - m) * 0.999) < 0


#: Bad calls and the parameter each must name (one test runs them all, reporting every miss).
BAD_CALLS = [
    (lambda: mod.slack(-1.0, 1.0), "error"),
    (lambda: mod.slack(0.5, 0.0), "budget"),
    (lambda: mod.window_target({}), "p"),
    (lambda: mod.ka_target({"d": 1}), "p"),
    (lambda: mod.volterra_target({}), "p"),
    (lambda: mod.ka_margin(mod._ka_instance(np.random.default_rng(0)), inner_shift=np.nan),
     "inner_shift"),
    (lambda: mod.ka_margin(mod._ka_instance(np.random.default_rng(0)), budget_factor=0.0),
     "budget_factor"),
    (lambda: mod.volterra_errors(mod._volterra_instance(np.random.default_rng(0)), ()),
     "lengths"),
    (lambda: mod.volterra_errors(mod._volterra_instance(np.random.default_rng(0)), (0,)),
     "lengths"),
    (lambda: mod.volterra_errors(mod._volterra_instance(np.random.default_rng(0)), (4,),
                                 batch=0), "batch"),
    (lambda: mod.window_margin(_sharp_window_instance(), "rng"), "rng"),
]


def test_bad_input_names_the_parameter():
    failures = wrong_error_reports((f"case {i} ({name})", call, InvalidParameterError, rf"^{name}")
                                   for i, (call, name) in enumerate(BAD_CALLS))
    assert not failures, "\n".join(failures)
