"""Tests of verify.registry: claim validation, registration, lookup, margins."""

import math
from itertools import product

import numpy as np
import pytest
from bad_input_cases import check_every_case
from hypothesis import example, given
from hypothesis import strategies as st

from theory.numbers import InvalidParameterError
from verify.registry import (
    UNITS,
    Claim,
    Tier,
    UnknownClaimError,
    all_claims,
    check_count,
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


#: Cases ``(field, value)`` of :func:`test_claim_rejects_bad_fields_naming_them`.
BAD_CLAIM_FIELDS = (
    [("paper", "XYZ99"), ("provenance", "rumour"), ("expected", "maybe"), ("tiers", ()),
     ("tiers", [_tier()]), ("tiers", (_tier(), _tier())), ("tiers", ("float64",)),
     ("default_instances", 0), ("default_instances", -3), ("default_instances", 2.5),
     ("default_instances", True), ("id", ""), ("id", "two words"), ("id", 3),
     ("reference", ""), ("statement", " "), ("margin", None), ("notes", 3),
     ("hypotheses", ["a list"]), ("hypotheses", (1,))]
)


def _claim_rejects_bad_fields_naming_them(field, value):
    with pytest.raises(InvalidParameterError, match=f"^{field}: expected"):
        _claim(**{field: value})


def test_claim_rejects_bad_fields_naming_them() -> None:
    """Claim rejects bad fields naming them: every case of ``BAD_CLAIM_FIELDS``."""
    check_every_case(
        _claim_rejects_bad_fields_naming_them, BAD_CLAIM_FIELDS)


#: Cases ``(field, value)`` of :func:`test_tier_rejects_bad_fields_naming_them`.
BAD_TIER_FIELDS = (
    [("name", ""), ("name", 3), ("sample", "f"), ("check", None), ("describe", 1),
     ("batch", 0), ("batch", -1), ("batch", 2.5), ("batch", float("nan")), ("batch", True),
     ("max_instances", 0), ("max_instances", 2.5), ("unit", "decade"), ("unit", ""),
     ("unit", 3), ("unit", ["decades"]), ("certified", 1), ("certified", "yes"),
     ("certified", None)]
)


def _tier_rejects_bad_fields_naming_them(field, value):
    with pytest.raises(InvalidParameterError, match=f"^{field}: expected"):
        _tier(**{field: value})


def test_tier_rejects_bad_fields_naming_them() -> None:
    """Tier rejects bad fields naming them: every case of ``BAD_TIER_FIELDS``."""
    check_every_case(
        _tier_rejects_bad_fields_naming_them, BAD_TIER_FIELDS)


def _instances_for_rejects_bad_counts(requested):
    with pytest.raises(InvalidParameterError, match="^requested:"):
        _tier().instances_for(requested)


def test_instances_for_rejects_bad_counts() -> None:
    """Instances for rejects bad counts: every case of the table."""
    check_every_case(
        _instances_for_rejects_bad_counts, product([0, -1, 2.5, float("nan"), None, "3"]))


#: Cases ``(value, minimum, maximum)`` of :func:`test_check_count_rejects_naming_the_parameter`.
BAD_COUNTS = (
    [(0, 1, None), (-1, 0, None), (2.5, 1, None), (float("nan"), 1, None), (True, 0, None),
     ("3", 1, None), (None, 1, None), (11, 1, 10)]
)


def _check_count_rejects_naming_the_parameter(value, minimum, maximum):
    with pytest.raises(InvalidParameterError, match=r"^n: expected an integer >= "):
        check_count("n", value, minimum, maximum)


def test_check_count_rejects_naming_the_parameter() -> None:
    """Check count rejects naming the parameter: every case of ``BAD_COUNTS``."""
    check_every_case(
        _check_count_rejects_naming_the_parameter, BAD_COUNTS)


def test_check_count_accepts_the_bounds_and_numpy_integers():
    assert check_count("n", 1) == 1
    assert check_count("n", 10, 1, 10) == 10
    value = check_count("n", np.int64(4))
    assert value == 4 and type(value) is int


def test_tier_caps_instances():
    assert _tier(max_instances=10).instances_for(100) == 10
    assert _tier(max_instances=10).instances_for(3) == 3
    assert _tier().instances_for(1000) == 1000


def test_register_refuses_duplicate_ids(isolated_registry):
    claim = register(_claim(id="test.duplicate"))
    assert register(claim) is claim  # re-registering the same object is harmless
    with pytest.raises(InvalidParameterError, match="^id: .*already registered"):
        register(_claim(id="test.duplicate"))


def test_isolated_registry_forgets_test_claims(isolated_registry):
    assert "test.duplicate" not in isolated_registry  # registered by the test above


def _register_refuses_a_non_claim(claim):
    with pytest.raises(InvalidParameterError, match="^claim: expected a Claim"):
        register(claim)


def test_register_refuses_a_non_claim() -> None:
    """Register refuses a non claim: every case of the table."""
    check_every_case(_register_refuses_a_non_claim, product(["byjl25.lemma3.1", None, {"id": "x"}]))


def test_all_claims_loads_claim_modules_and_sorts():
    claims = all_claims()
    ids = [c.id for c in claims]
    assert "byjl25.lemma3.1" in ids
    papers = [c.paper for c in claims]
    assert papers == sorted(papers, key=["BYJL25", "WX23"].index)


def test_get_claim_unknown_lists_known_ids():
    with pytest.raises(UnknownClaimError, match="byjl25.lemma3.1"):
        get_claim("no.such.claim")


def _get_claim_refuses_a_non_string(claim_id):
    with pytest.raises(InvalidParameterError, match="^claim_id:"):
        get_claim(claim_id)


def test_get_claim_refuses_a_non_string() -> None:
    """Get claim refuses a non string: every case of the table."""
    check_every_case(_get_claim_refuses_a_non_string, product([3, None, ("byjl25.lemma3.1",)]))


def test_every_registered_claim_is_well_formed():
    for claim in all_claims():
        assert claim.statement and claim.margin and claim.reference
        assert len({t.name for t in claim.tiers}) == len(claim.tiers), claim.id


#: Cases ``(error, tol, expected)`` of :func:`test_log_margin`.
LOG_MARGINS = (
    [(0.0, 1e-12, math.inf), (1e-14, 1e-12, 2.0), (1e-10, 1e-12, -2.0), (1.0, 0.0, -math.inf),
     (0.0, 0.0, math.inf), (math.inf, 1e-12, -math.inf), (np.float64(1e-13), 1e-12, 1.0)]
)


def _log_margin(error, tol, expected):
    assert log_margin(error, tol) == pytest.approx(expected)


def test_log_margin() -> None:
    """Log margin: every case of ``LOG_MARGINS``."""
    check_every_case(_log_margin, LOG_MARGINS)


def test_log_margin_is_zero_exactly_at_the_tolerance():
    assert log_margin(1e-12, 1e-12) == 0.0
    assert log_margin(1e-12 * (1 + 2**-50), 1e-12) < 0  # just past it: a violation


#: Cases ``(error, tol, name)`` of :func:`test_log_margin_rejects_bad_input`.
BAD_LOG_MARGIN_INPUT = (
    [(-1e-3, 1e-12, "error"), ("0", 1e-12, "error"), (1j, 1e-12, "error"),
     (1e-3, float("nan"), "tol"), (1e-3, math.inf, "tol"), (1e-3, -1e-12, "tol"),
     (1e-3, None, "tol")]
)


def _log_margin_rejects_bad_input(error, tol, name):
    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        log_margin(error, tol)


def test_log_margin_rejects_bad_input() -> None:
    """Log margin rejects bad input: every case of ``BAD_LOG_MARGIN_INPUT``."""
    check_every_case(_log_margin_rejects_bad_input, BAD_LOG_MARGIN_INPUT)


def test_log_margin_nan_is_not_a_pass():
    m = log_margin(float("nan"), 1e-12)
    assert not (np.asarray(m) >= 0)


@given(error=st.floats(0, 1e300), tol=st.floats(0, 1e300))
@example(error=4.536932440844314e109, tol=1.1207712282619245e-214)  # tol / error underflows
@example(error=1e-300, tol=1e300)  # tol / error overflows
@example(error=1.0 + 2**-52, tol=1.0)
def test_log_margin_sign_says_whether_the_error_is_within_tolerance(error, tol):
    m = log_margin(error, tol)
    assert (m >= 0) == (error <= tol)


# ------------------------------------------------------------------ units
#: Claims whose module (verify/claims/wx23_memory.py, owned by another engineer) has not yet
#: given its tiers a unit; remove an id once its tiers have one (the test below says when).
def test_units_are_documented_and_the_default_is_unstated():
    assert set(UNITS) == {"decades", "fraction", "layers", "nepers/step", "pole order",
                          "magnitude", "exact"}
    assert all(isinstance(text, str) and len(text) > 20 for text in UNITS.values())
    assert _tier().unit is None
    assert _tier(unit="nepers/step").unit == "nepers/step"


def test_every_registered_tier_states_its_unit():
    missing = [f"{c.id} [{t.name}]" for c in all_claims() for t in c.tiers if t.unit is None]
    assert missing == []


def test_exact_unit_is_used_by_the_exact_equality_tiers():
    """The tiers whose margins are only inf/-inf (exact identities) say so; the exact-arithmetic
    tiers with a finite margin (Theorem 4.2's forest, the width-one construction) do not."""
    exact = {(c.id, t.name) for c in all_claims() for t in c.tiers if t.unit == "exact"}
    assert {("byjl25.lemma3.1", "exact (sympy)"), ("byjl25.thm4.1.i", "exact (sympy)"),
            ("byjl25.thm4.1.ii", "exact (sympy)"), ("wx23.result_b1", "exact (sympy)")} <= exact
    assert ("byjl25.thm4.2", "exact (sympy), Newton forest") not in exact
    assert get_claim("byjl25.thm4.2.width1").tiers[0].unit == "decades"
    assert get_claim("byjl25.thm4.3.bracket").tiers[0].unit == "layers"


def test_tier_certified_flag_defaults_to_false_and_is_kept():
    assert _tier().certified is False
    assert _tier(certified=True).certified is True


def test_every_certified_tier_says_so_in_its_name_and_runs_in_fraction_or_decades():
    """A certified tier (★) names its ball back-end and states a unit its float tier uses."""
    certified = [(c, t) for c in all_claims() for t in c.tiers if t.certified]
    assert certified
    for claim, tier in certified:
        assert tier.name.startswith("certified (balls)"), tier.name
        assert tier.unit in {t.unit for t in claim.tiers if not t.certified}, claim.id
