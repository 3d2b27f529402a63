"""Tests of verify.registry: claim validation, registration, lookup, margins."""

import math

import numpy as np
import pytest

from verify.registry import (
    Claim,
    Tier,
    UnknownClaimError,
    all_claims,
    get_claim,
    log_margin,
    register,
)


def _tier(**kw):
    defaults = dict(name="float64", sample=lambda rng, n: list(range(n)),
                    check=lambda xs: [1.0] * len(xs), describe=lambda xs, i: xs[i])
    defaults.update(kw)
    return Tier(**defaults)


def _claim(**kw):
    defaults = dict(id="test.claim", paper="BYJL25", reference="Lemma 0", provenance="rebuilt",
                    statement="s", margin="m", tiers=(_tier(),))
    defaults.update(kw)
    return Claim(**defaults)


@pytest.mark.parametrize(
    ("field", "value"),
    [("paper", "XYZ99"), ("provenance", "rumour"), ("expected", "maybe"), ("tiers", ()),
     ("default_instances", 0)],
)
def test_claim_rejects_bad_fields_naming_them(field, value):
    with pytest.raises(ValueError, match=field):
        _claim(**{field: value})


def test_tier_caps_instances():
    assert _tier(max_instances=10).instances_for(100) == 10
    assert _tier(max_instances=10).instances_for(3) == 3
    assert _tier().instances_for(1000) == 1000


def test_register_refuses_duplicate_ids():
    claim = register(_claim(id="test.duplicate"))
    assert register(claim) is claim  # re-registering the same object is harmless
    with pytest.raises(ValueError, match="already registered"):
        register(_claim(id="test.duplicate"))


def test_all_claims_loads_claim_modules_and_sorts():
    claims = all_claims()
    ids = [c.id for c in claims]
    assert "byjl25.lemma3.1" in ids
    papers = [c.paper for c in claims]
    assert papers == sorted(papers, key=["BYJL25", "WX23"].index)


def test_get_claim_unknown_lists_known_ids():
    with pytest.raises(UnknownClaimError, match="byjl25.lemma3.1"):
        get_claim("no.such.claim")


def test_every_registered_claim_is_well_formed():
    for claim in all_claims():
        assert claim.statement and claim.margin and claim.reference
        assert len({t.name for t in claim.tiers}) == len(claim.tiers), claim.id


@pytest.mark.parametrize(
    ("error", "tol", "expected"),
    [(0.0, 1e-12, math.inf), (1e-14, 1e-12, 2.0), (1e-10, 1e-12, -2.0), (1.0, 0.0, -math.inf)],
)
def test_log_margin(error, tol, expected):
    assert log_margin(error, tol) == pytest.approx(expected)


def test_log_margin_nan_is_not_a_pass():
    m = log_margin(float("nan"), 1e-12)
    assert not (np.asarray(m) >= 0)
