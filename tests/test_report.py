"""Tests of verify.report: table, claim list, JSON report."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from theory.numbers import InvalidParameterError
from verify.registry import Claim, Tier
from verify.report import format_claim_list, format_table, json_report, versions, write_json
from verify.runner import MAX_INSTANCES, ClaimResult, run_claim


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


# ------------------------------------------------------------------ interrupted runs
def test_incomplete_run_is_marked_in_table_and_json():
    r = _result(lambda xs: np.ones(len(xs)))
    text = format_table([r], pending=["test.report", "test.next"])
    assert "INTERRUPTED" in text and "test.next" in text
    assert "INTERRUPTED" not in format_table([r])
    rep = json_report([r], seed=0, instances=4, pending=["test.next"])
    assert rep["complete"] is False and rep["ok"] is False
    assert rep["pending_claims"] == ["test.next"]
    full = json_report([r], seed=0, instances=4)
    assert full["complete"] is True and full["ok"] is True and full["pending_claims"] == []
    assert full["claims"][0]["complete"] is True


def test_partial_claim_is_not_ok_in_json():
    r = _result(lambda xs: np.ones(len(xs)))
    partial = ClaimResult(r.claim, [])
    rep = json_report([partial], seed=0, instances=None, pending=["test.report"])
    assert rep["claims"][0]["complete"] is False and rep["claims"][0]["ok"] is False


# ------------------------------------------------------------------ atomic writes
def test_write_json_writes_the_whole_report_and_no_temporary_file(tmp_path):
    path = tmp_path / "r.json"
    rep = json_report([_result(lambda xs: np.ones(len(xs)))], seed=1, instances=4)
    write_json(rep, path)
    assert json.loads(path.read_text()) == rep
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_written_report_has_the_usual_permissions(tmp_path):
    """Not the owner-only mode of a temporary file: ``0o666`` less the umask."""
    old = os.umask(0o027)
    try:
        write_json({"a": 1}, tmp_path / "r.json")
    finally:
        os.umask(old)
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o640


def test_write_json_renames_a_temporary_file_from_the_same_directory(tmp_path, monkeypatch):
    renames = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (renames.append((src, dst)),
                                                         real_replace(src, dst)))
    write_json({"a": 1}, tmp_path / "r.json")
    ((src, dst),) = renames
    assert Path(src).parent == tmp_path and Path(dst) == tmp_path / "r.json"


def test_failed_write_keeps_the_old_report_and_cleans_up(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    path.write_text('{"old": true}\n')

    def crash(src, dst):
        raise KeyboardInterrupt  # Ctrl-C at the worst moment

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        write_json({"new": True}, path)
    assert path.read_text() == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


@pytest.mark.parametrize(
    ("report", "match"),
    [({"x": float("nan")}, "^report: expected .*strict JSON.*Out of range float"),
     ({"x": object()}, "^report: expected .*not JSON serializable"),
     ([1, 2], "^report: expected a dict")],
)
def test_write_json_refuses_what_strict_json_cannot_hold(tmp_path, report, match):
    with pytest.raises(InvalidParameterError, match=match):
        write_json(report, tmp_path / "r.json")
    assert list(tmp_path.iterdir()) == []


def test_write_json_refuses_a_non_path():
    with pytest.raises(InvalidParameterError, match="^path: expected a file path"):
        write_json({"a": 1}, 3)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("call", "name"),
    [(lambda: format_table("results"), "results"), (lambda: format_table([3]), "results"),
     (lambda: format_table([], pending="test.a"), "pending"),
     (lambda: format_table([], pending=[3]), "pending"),
     (lambda: format_claim_list("claims"), "claims"), (lambda: format_claim_list([3]), "claims"),
     (lambda: json_report("results", 0, None), "results"),
     (lambda: json_report([], -1, None), "seed"), (lambda: json_report([], 2.5, None), "seed"),
     (lambda: json_report([], 0, 0), "instances"),
     (lambda: json_report([], 0, MAX_INSTANCES + 1), "instances"),
     (lambda: json_report([], 0, None, pending=[None]), "pending")],
)
def test_rendering_rejects_bad_input(call, name):
    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        call()


@pytest.mark.parametrize("fn", ["parameter_counts", "format_parameter_counts"])
@pytest.mark.parametrize(
    ("shapes", "name"),
    [([(0, 2)], r"shapes\[0\] depth"), ([(2, -1)], r"shapes\[0\] width"),
     ([(2, 2), (2.5, 2)], r"shapes\[1\] depth"), ([(2,)], "shapes"), ("22", "shapes"),
     ([[2, 2]], "shapes")],
)
def test_parameter_counts_reject_bad_shapes(fn, shapes, name):
    import verify.report as report

    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        getattr(report, fn)(shapes)
