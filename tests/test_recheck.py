"""Re-checking a JSON report from the report alone (issue 8, item 3): :mod:`verify.recheck`.

A real small report (the exact BYJL25 claims, one instance per tier) rechecks fully; a changed
margin, verdict, instance or certificate is refuted; descriptions that cannot be read are
malformed; tiers without a rebuild hook and unknown claims are reported as not re-checkable,
never confirmed; every registered tier has a rebuild hook (bar :data:`WITHOUT_REBUILD`).

:func:`assert_rebuilds` and :func:`assert_rebuild_rejects` are the round-trip checks the claim
modules' tests run on each of their tiers.
"""

from __future__ import annotations

import dataclasses
import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from bad_input_cases import check_every_case
from strategies import smoke_and_full
from test_certcheck import certificates, small_report

from theory.numbers import InvalidParameterError
from verify import registry
from verify.recheck import (
    DECADES_TOLERANCE,
    STATUSES,
    RecheckRow,
    _normalized,
    format_recheck,
    main_recheck,
    recheck,
)
from verify.registry import Tier, all_claims, get_claim

#: Tiers registered without a rebuild hook, each with the reason (ideally none).
WITHOUT_REBUILD: dict[tuple[str, str], str] = {}


def assert_rebuilds(tier: Tier, seed: int, n: int = 2) -> list[Any]:
    """Sample ``n`` instances of ``tier``; for each, JSON-round-trip its description (as the
    report writes it), rebuild it and check it: the margin must equal the sampled one bit for
    bit and the rebuilt instance must give the same description. Returns the descriptions."""
    insts = tier.sample(np.random.default_rng(seed), n)
    margins = [float(m) for m in tier.check(insts)]
    out = []
    for i, margin in enumerate(margins):
        description = _normalized(tier.describe(insts, i))
        rebuilt = tier.rebuild(description)
        again = float(np.asarray(tier.check(rebuilt), dtype=float).reshape(-1)[0])
        assert again == margin or (math.isnan(again) and math.isnan(margin)), (tier.name, i)
        assert _normalized(tier.describe(rebuilt, 0)) == description, (tier.name, i)
        out.append(description)
    return out


def assert_rebuild_rejects(tier: Tier, description: dict[str, Any],
                           derived: tuple[str, ...] = ()) -> None:
    """``tier.rebuild`` raises ``ValueError`` for ``description`` without any one of its keys
    (except ``derived`` ones, which it recomputes) and with any key of the wrong type, and for
    a description that is not an object."""
    for bad in (None, [], "description", 3):
        with pytest.raises(ValueError):
            tier.rebuild(bad)
    for key in description:
        if key in derived:
            continue
        with pytest.raises(ValueError):
            tier.rebuild({k: v for k, v in description.items() if k != key})
        for wrong in (None, "x", {"bad": True}, [True]):
            with pytest.raises(ValueError):
                tier.rebuild({**description, key: wrong})


def tier_of(report: dict[str, Any], claim: str, prefix: str) -> dict[str, Any]:
    """The tier row of ``claim`` whose name starts with ``prefix``."""
    entry = next(c for c in report["claims"] if c["id"] == claim)
    return next(t for t in entry["tiers"] if t["tier"].startswith(prefix))


def rows_of(report: dict[str, Any], claim: str, prefix: str) -> list[RecheckRow]:
    """The rows of one tier (only that claim of ``report`` is rechecked, for speed)."""
    sub = {**report, "claims": [c for c in report["claims"] if c["id"] == claim]}
    return [r for r in recheck(sub) if r.tier.startswith(prefix)]


@cache
def full_rows() -> tuple[RecheckRow, ...]:
    return tuple(recheck(small_report()))


def test_a_real_report_rechecks_fully() -> None:
    rows = list(full_rows())
    assert [r for r in rows if r.status != "confirmed"] == []
    report = small_report()
    tiers = sum(len(c["tiers"]) for c in report["claims"])
    instance_rows = [r for r in rows if r.where == "worst_instance"]
    assert len(instance_rows) == tiers  # every tier of the small report was re-run
    assert {r.where for r in rows} >= {"worst_instance", "first_violation",
                                       "certificate (worst_instance)"}
    exact = [r for r in instance_rows if r.tier.startswith("exact")]
    assert exact and all("bit-for-bit" in r.reason for r in exact)


def test_the_finding_violation_is_reproduced() -> None:
    rows = rows_of(small_report(), "byjl25.thm4.1.i.shared", "exact")
    first = [r for r in rows if r.where == "first_violation"]
    assert first and first[0].status == "confirmed" and first[0].recomputed == -1.0


def test_a_changed_margin_is_refuted() -> None:
    report = small_report()
    tier = tier_of(report, "byjl25.thm4.2", "exact")
    tier["worst_margin"] = tier["worst_margin"] + 1e-6
    (row,) = [r for r in rows_of(report, "byjl25.thm4.2", "exact")
              if r.where == "worst_instance"]
    assert row.status == "refuted" and "differs" in row.reason


def test_an_exact_margin_changed_to_not_exact_is_refuted() -> None:
    report = small_report()
    tier_of(report, "byjl25.lemma3.1", "exact")["worst_margin_kind"] = "-inf"
    (row,) = [r for r in rows_of(report, "byjl25.lemma3.1", "exact")
              if r.where == "worst_instance"]
    assert row.status == "refuted"


@pytest.mark.parametrize("shift, status", [(0.9 * DECADES_TOLERANCE, "confirmed"),
                                           (1.1 * DECADES_TOLERANCE, "refuted")])
def test_the_decades_tolerance_of_float_tiers(shift: float, status: str) -> None:
    """A float margin in decades may move by at most ``DECADES_TOLERANCE`` (and keep its sign)."""
    report = small_report()
    tier = tier_of(report, "byjl25.lemma3.1", "float64")
    assert tier["worst_margin"] > 0
    tier["worst_margin"] += shift
    (row,) = rows_of(report, "byjl25.lemma3.1", "float64")
    assert row.status == status, row.reason


def test_a_verdict_its_margin_contradicts_is_refuted() -> None:
    """A 'holds' verdict whose rebuilt worst instance violates the claim is refuted: the
    finding's violating model is put in place of Theorem 4.1(i)'s worst instance."""
    report = small_report()
    shared = tier_of(report, "byjl25.thm4.1.i.shared", "exact")["worst_instance"]
    tier_of(report, "byjl25.thm4.1.i", "exact")["worst_instance"] = shared
    rows = [r for r in rows_of(report, "byjl25.thm4.1.i", "exact")
            if r.where == "worst_instance"]
    assert rows[0].status in ("refuted", "failed")


def test_a_non_violation_recorded_as_the_first_violation_is_refuted() -> None:
    report = small_report()
    tier = tier_of(report, "byjl25.thm4.1.i.shared", "exact")
    model = tier["first_violation"]["certificate"]["model"]
    model["eigenvalues"][1][0] = ["1/3", "0"]  # distinct eigenvalues: a simple pole
    (row,) = [r for r in rows_of(report, "byjl25.thm4.1.i.shared", "exact")
              if r.where == "first_violation"]
    assert row.status in ("refuted", "failed"), row.reason


def test_a_corrupted_certificate_is_refuted_twice() -> None:
    """The certificate's check and the description of the rebuilt instance both catch it."""
    report = small_report()
    cert = certificates(report)["lemma3.1"]
    cert["kernel"][0] = [str(int(cert["kernel"][0][0].split("/")[0]) + 1), cert["kernel"][0][1]]
    rows = rows_of(report, "byjl25.lemma3.1", "exact")
    assert {r.where: r.status for r in rows} == {
        "worst_instance": "refuted", "certificate (worst_instance)": "refuted"}


def test_a_finding_without_a_violation_is_refuted() -> None:
    report = small_report()
    tier_of(report, "byjl25.thm4.1.i.shared", "exact")["first_violation"] = None
    rows = rows_of(report, "byjl25.thm4.1.i.shared", "exact")
    assert any(r.where == "first_violation" and r.status == "refuted" for r in rows)


def test_an_unreadable_description_is_malformed() -> None:
    def check(description: dict[str, Any]) -> None:
        report = small_report()
        tier_of(report, "byjl25.thm4.1.iii", "exact")["worst_instance"] = description
        rows = rows_of(report, "byjl25.thm4.1.iii", "exact")
        assert [r.status for r in rows if r.where == "worst_instance"] == ["malformed"]

    check_every_case(check, [({"foo": 1},), ({"certificate": {"model": 3}},)])


def test_not_re_checkable_rows_say_why(monkeypatch: pytest.MonkeyPatch) -> None:
    claim = get_claim("byjl25.thm4.1.iii")  # its exact tier, stripped of its rebuild hook
    stripped = tuple(dataclasses.replace(t, rebuild=None) for t in claim.tiers)
    monkeypatch.setitem(registry._REGISTRY, claim.id, dataclasses.replace(claim, tiers=stripped))
    report = small_report()  # only the claims looked at below are rechecked, for speed
    report["claims"] = [c for c in report["claims"]
                        if c["id"] in ("byjl25.thm4.1.iii", "byjl25.lemma3.1")]
    report["claims"].append({"id": "no.such.claim", "tiers": [{"tier": "x"}]})
    tier_of(report, "byjl25.lemma3.1", "exact")["verdict"] = "ERROR"
    rows = recheck(report)
    skipped = {(r.claim, r.tier): r.reason for r in rows if r.status == "not re-checkable"}
    assert "registered" in skipped[("no.such.claim", "x")]
    assert "rebuild hook" in skipped[("byjl25.thm4.1.iii", "exact (sympy)")]
    assert "ERROR" in skipped[("byjl25.lemma3.1", "exact (sympy)")]
    assert not any(r.status == "confirmed" for r in rows if r.claim == "byjl25.thm4.1.iii"
                   and not r.where.startswith("certificate"))


def test_every_registered_tier_has_a_rebuild_hook_bar_the_listed_ones() -> None:
    missing = {(c.id, t.name) for c in all_claims() for t in c.tiers if t.rebuild is None}
    assert missing == set(WITHOUT_REBUILD)


def test_format_recheck_counts_every_status() -> None:
    rows = list(full_rows())
    text = format_recheck(rows)
    assert text.splitlines()[-1] == (f"recheck: {len(rows)} rows: {len(rows)} confirmed, "
                                     + ", ".join(f"0 {s}" for s in STATUSES[1:]))


def test_recheck_rejects_a_non_report() -> None:
    def check(report: Any) -> None:
        with pytest.raises(InvalidParameterError, match="report"):
            recheck(report)

    check_every_case(check, [([],), ({"claims": 3},), ({"claims": [{"id": 1, "tiers": []}]},),
                             ({"claims": [{"id": "a", "tiers": [3]}]},)])


# The report of one claim, rechecked three times: Theorem 4.1(iii) (a tenth of the cost) in the
# default run, Theorem 4.2 under ``extended``.
@pytest.mark.parametrize("claim", smoke_and_full("byjl25.thm4.1.iii", "byjl25.thm4.2"))
def test_main_recheck_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  claim: str) -> None:
    one = small_report()
    one["claims"] = [c for c in one["claims"] if c["id"] == claim]
    good = tmp_path / "r.json"
    good.write_text(json.dumps(one))
    assert main_recheck(good) == 0
    assert "0 refuted" in capsys.readouterr().out
    report = one
    report["claims"].append({"id": "no.such.claim", "tiers": [{"tier": "x"}]})
    good.write_text(json.dumps(report))
    assert main_recheck(str(good)) == 0  # listed as not re-checkable, not a failure
    tier = tier_of(report, claim, "exact")
    assert tier["worst_margin"] != 0.5
    tier["worst_margin"] = 0.5
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(report))
    assert main_recheck(bad) == 1
    (tmp_path / "junk.json").write_text("[1, 2")
    assert main_recheck(tmp_path / "junk.json") == 2
    (tmp_path / "list.json").write_text("[]")
    assert main_recheck(tmp_path / "list.json") == 2
    assert main_recheck(tmp_path / "missing.json") == 2
