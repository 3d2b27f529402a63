"""Tests of verify.report: table, claim list, JSON report."""

import json

import numpy as np

from verify.registry import Claim, Tier
from verify.report import format_claim_list, format_table, json_report, versions
from verify.runner import run_claim


def _result(check, expected="holds"):
    claim = Claim(
        id="test.report", paper="BYJL25", reference="Thm 0", provenance="summary",
        statement="a statement", margin="a unit", expected=expected,
        tiers=(Tier("exact (sympy)", lambda rng, n: list(range(n)), check,
                    lambda xs, i: {"i": xs[i], "v": float("inf")}),),
    )
    return run_claim(claim, instances=4)


def test_table_has_one_row_per_tier_and_all_columns():
    text = format_table([_result(lambda xs: [float("inf")] * len(xs))])
    header = text.splitlines()[0]
    for col in ("claim", "tag", "reference", "tier", "instances", "worst margin", "verdict",
                "seconds"):
        assert col in header
    row = text.splitlines()[2]
    assert "test.report" in row and "exact" in row and "holds" in row and "summary" in row
    assert "1 checks, 1 as expected" in text


def test_table_flags_unexpected_verdict_with_instance():
    text = format_table([_result(lambda xs: [-1.0] * len(xs))])
    assert "VIOLATED" in text and "unexpected verdict" in text and '"i": 0' in text


def test_claim_list_shows_statement_and_margin_unit():
    r = _result(lambda xs: [1.0] * len(xs))
    text = format_claim_list([r.claim])
    assert "a statement" in text and "a unit" in text and "exact (sympy)" in text


def test_json_report_is_serialisable_and_complete():
    r = _result(lambda xs: np.ones(len(xs)))
    rep = json_report([r], seed=7, instances=4)
    text = json.dumps(rep)  # no inf/nan objects left
    back = json.loads(text)
    assert back["seed"] == 7 and back["ok"] is True
    assert {"numpy", "scipy", "sympy", "mpmath", "python"} <= set(back["versions"])
    tier = back["claims"][0]["tiers"][0]
    assert tier["worst_instance"]["v"] == "inf" and tier["instances"] == 4


def test_versions_names_packages():
    v = versions()
    assert v["numpy"] != "not installed"


def test_parameter_counts_table():
    from verify.report import format_parameter_counts, parameter_counts

    rows = parameter_counts(((2, 2),))
    assert [(r["hidden_units"], r["parameters"]) for r in rows] == [(4, 12), (3, 9), (4, 12)]
    assert "deep l=2 m=2" in format_parameter_counts(((2, 2),))


def test_json_report_carries_counts_only_for_theorem_4_1():
    r = _result(lambda xs: np.ones(len(xs)))
    assert json_report([r], seed=0, instances=1)["parameter_counts"] is None
