"""Tests of verify.runner: verdicts, seeding, errors, violations and findings."""

import math

import numpy as np
import pytest

from verify.registry import Claim, Tier
from verify.runner import run_claim, run_claims, verdict_of


def _claim(check, expected="holds", n_batch=7, cid="test.runner"):
    return Claim(
        id=cid, paper="WX23", reference="Result 0", provenance="rebuilt", statement="s",
        margin="m", expected=expected,
        tiers=(Tier("float64", lambda rng, n: rng.uniform(-1, 1, n), check,
                    lambda xs, i: {"x": float(xs[i])}, batch=n_batch),),
    )


def test_verdicts():
    assert verdict_of("holds", 10, 0) == ("holds", True)
    assert verdict_of("holds", 10, 1) == ("VIOLATED", False)
    assert verdict_of("finding", 10, 2) == ("finding confirmed", True)
    assert verdict_of("finding", 10, 0) == ("finding NOT reproduced", False)


def test_holding_claim_reports_worst_margin_and_instance():
    res = run_claim(_claim(lambda xs: 2 - np.abs(xs)), instances=50, seed=3)
    (t,) = res.tiers
    assert res.ok and t.verdict == "holds" and t.instances == 50 and t.violations == 0
    assert t.worst_margin == pytest.approx(2 - abs(t.worst_instance["x"]))
    assert 1 <= t.worst_margin <= 2


def test_violation_is_reported_with_certificate():
    # deliberately broken: negative margin whenever x > 0.5
    res = run_claim(_claim(lambda xs: 0.5 - xs), instances=100, seed=0)
    (t,) = res.tiers
    assert not res.ok and t.verdict == "VIOLATED" and t.violations > 0
    assert t.first_violation["x"] > 0.5
    assert t.worst_margin < 0


def test_nan_margin_counts_as_violation():
    res = run_claim(_claim(lambda xs: np.full(len(xs), np.nan)), instances=5)
    assert res.tiers[0].violations == 5 and not res.ok


def test_finding_expected_to_fail():
    res = run_claim(_claim(lambda xs: -np.ones(len(xs)), expected="finding"), instances=5)
    assert res.ok and res.tiers[0].verdict == "finding confirmed"
    res = run_claim(_claim(lambda xs: np.ones(len(xs)), expected="finding"), instances=5)
    assert not res.ok


def test_exception_becomes_error_verdict():
    def boom(xs):
        raise ZeroDivisionError("broken check")

    res = run_claim(_claim(boom), instances=5)
    (t,) = res.tiers
    assert t.verdict == "ERROR" and not t.ok and "broken check" in t.error


def test_wrong_number_of_margins_is_an_error():
    res = run_claim(_claim(lambda xs: [1.0]), instances=5)
    assert res.tiers[0].verdict == "ERROR"


def test_same_seed_same_result_different_seed_differs():
    c = _claim(lambda xs: 2 - np.abs(xs))
    a = run_claim(c, instances=30, seed=11).tiers[0]
    b = run_claim(c, instances=30, seed=11).tiers[0]
    d = run_claim(c, instances=30, seed=12).tiers[0]
    assert a.worst_margin == b.worst_margin and a.worst_instance == b.worst_instance
    assert a.worst_margin != d.worst_margin


def test_seeds_do_not_depend_on_other_claims():
    c1 = _claim(lambda xs: 2 - np.abs(xs), cid="test.one")
    c2 = _claim(lambda xs: 3 - np.abs(xs), cid="test.two")
    alone = run_claims([c2], instances=20, seed=5, show_progress=False)[0].tiers[0]
    after = run_claims([c1, c2], instances=20, seed=5, show_progress=False)[1].tiers[0]
    assert alone.worst_margin == after.worst_margin


def test_instances_default_to_claim_budget():
    c = _claim(lambda xs: np.ones(len(xs)))
    assert run_claim(c).tiers[0].instances == c.default_instances
    assert not math.isnan(run_claim(c).tiers[0].seconds)
