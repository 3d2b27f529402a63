"""Tests of verify.report: table, claim list, JSON report."""

import dataclasses
import json
import math
import os
from itertools import product
from pathlib import Path

import numpy as np
import pytest
from bad_input_cases import check_every_case

from theory.numbers import InvalidParameterError
from verify import __version__
from verify.registry import UNITS, Claim, Tier, all_claims
from verify.report import (
    LINE_WIDTH,
    ResultTable,
    format_claim_list,
    format_margin,
    format_table,
    json_report,
    versions,
    write_json,
)
from verify.runner import MAX_INSTANCES, ClaimResult, TierResult, run_claim


def _result(check, expected="holds", unit=None):
    claim = Claim(
        id="test.report", paper="BYJL25", reference="Thm 0", provenance="summary",
        statement="a statement", margin="a unit", expected=expected,
        tiers=(Tier("exact (sympy)", lambda rng, n: list(range(n)), check,
                    lambda xs, i: {"i": xs[i], "v": float("inf")}, unit=unit),),
    )
    return run_claim(claim, instances=4)


def test_default_table_has_a_line_per_claim_and_a_row_per_tier():
    text = format_table([_result(lambda xs: [float("inf")] * len(xs), unit="exact")])
    lines = text.splitlines()
    for col in ("claim / tier", "inst", "worst margin", "secs", "verdict"):
        assert col in lines[0]
    assert set(lines[1]) == {"-"} and len(lines[1]) == len(lines[0])
    assert lines[2] == "test.report  [summary]  Thm 0"
    assert lines[3].startswith("  exact (sympy)") and lines[3].split()[-1] == "holds"
    assert "exact" in lines[3].split("exact (sympy)")[1]
    assert "1 checks, 1 as expected" in text


def test_wide_table_has_every_column_on_each_row():
    text = format_table([_result(lambda xs: [0.5] * len(xs), unit="fraction")], wide=True)
    header, _, row = text.splitlines()[:3]
    for col in ("claim", "tag", "reference", "tier", "inst", "viol.", "worst margin", "secs",
                "verdict"):
        assert col in header
    assert row.split()[:3] == ["test.report", "summary", "Thm"]
    assert "0.5 fraction" in row and row.endswith("holds")
    assert header.index("worst margin") == row.index("0.5 fraction")  # columns line up


#: Cases ``(value, unit, text)`` of :func:`test_format_margin`.
FORMATTED_MARGINS = (
    [(6.3148, "decades", "6.31 decades"), (0.0, "exact", "0 exact"), (0.0, "fraction",
     "0 fraction"), (-1.0, "pole order", "-1 pole order"), (math.inf, "exact", "exact"),
     (math.inf, "decades", "exact"), (-math.inf, "exact", "not exact"),
     (-math.inf, "layers", "-inf layers"), (math.nan, "decades", "nan"),
     (4.8e-05, "nepers/step", "4.8e-05 nepers/step"), (2.5, None, "2.5"),
     (-1.234567e-300, "nepers/step", "-1.23e-300 nepers/step")]
)


def _format_margin(value, unit, text):
    assert format_margin(value, unit) == text


def test_format_margin() -> None:
    """Format margin: every case of ``FORMATTED_MARGINS``."""
    check_every_case(_format_margin, FORMATTED_MARGINS)


#: Cases ``(args, name)`` of :func:`test_format_margin_rejects_bad_input`.
BAD_FORMAT_MARGIN_INPUT = (
    [(("1", "decades"), "value"), ((True, "decades"), "value"), ((None, None), "value"),
     ((1.0, "decade"), "unit"), ((1.0, ""), "unit"), ((1.0, 3), "unit")]
)


def _format_margin_rejects_bad_input(args, name):
    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        format_margin(*args)


def test_format_margin_rejects_bad_input() -> None:
    """Format margin rejects bad input: every case of ``BAD_FORMAT_MARGIN_INPUT``."""
    check_every_case(_format_margin_rejects_bad_input, BAD_FORMAT_MARGIN_INPUT)


def test_every_margin_cell_of_the_registry_shows_its_unit():
    """Each registered tier's unit appears in its row (checked on a synthetic finite margin)."""
    for claim in all_claims():
        tiers = [_tier_result(t.name, t.unit, margin=0.25) for t in claim.tiers]
        rows = ResultTable([claim]).rows(ClaimResult(claim, tiers)).splitlines()[1:]
        for t, row in zip(claim.tiers, rows):
            assert t.unit is None or f"0.25 {t.unit}" in row, (claim.id, row)


def _tier_result(name, unit, margin, instances=MAX_INSTANCES, seconds=99999.0,
                 verdict="finding NOT reproduced"):
    return TierResult(tier=name, instances=instances, violations=instances, worst_margin=margin,
                      worst_instance=None, first_violation=None, seconds=seconds,
                      verdict=verdict, ok=True, unit=unit)


def _widest_results(claims, margin, instances=MAX_INSTANCES):
    """Results of ``claims`` with the widest cells a run asking ``instances`` can produce."""
    return [ClaimResult(c, [_tier_result(t.name, t.unit, margin,
                                         t.instances_for(instances or c.default_instances))
                            for t in c.tiers])
            for c in claims]


#: Values of ``margin`` in :func:`test_default_table_fits_in_100_columns_at_the_default_claims`.
TABLE_WIDTH_CASES = (
    [-1.234567e-300, -math.inf, math.inf, math.nan, 0.0]
)


def _default_table_fits_in_100_columns_at_the_default_claims(margin):
    longest = max(UNITS, key=len)
    claims = [dataclasses.replace(c, tiers=tuple(dataclasses.replace(t, unit=longest)
                                                 for t in c.tiers)) for c in all_claims()]
    table = ResultTable(claims, MAX_INSTANCES)
    results = _widest_results(claims, margin)
    text = "\n".join([table.header(), *(table.rows(r) for r in results),
                      table.footer(results)])
    widths = [len(line) for line in text.splitlines()]
    assert LINE_WIDTH == 100 and max(widths) <= LINE_WIDTH
    wide = format_table(results, wide=True)
    assert max(len(line) for line in wide.splitlines()) > LINE_WIDTH  # the details moved there


def test_default_table_fits_in_100_columns_at_the_default_claims() -> None:
    """Every registered claim at the widest cells a run can produce: the most instances, the
    longest verdict, seconds up to a day, the widest numbers, and the longest unit name on every
    tier (so that giving any tier any unit keeps the table within the width)."""
    check_every_case(
        _default_table_fits_in_100_columns_at_the_default_claims,
        product(TABLE_WIDTH_CASES))


def test_table_width_is_measured_on_the_table_itself():
    """The measure notices a table that would not fit: a tier name of 80 characters."""
    claim = Claim(id="test.long", paper="WX23", reference="r", provenance="rebuilt",
                  statement="s", margin="m",
                  tiers=(Tier("t" * 80, lambda rng, n: list(range(n)), lambda xs: [1.0] * len(xs),
                              lambda xs, i: i, unit="nepers/step"),))
    text = format_table(_widest_results([claim], -1.5e-300))
    assert max(len(line) for line in text.splitlines()) > LINE_WIDTH


def test_columns_are_fixed_before_the_results_arrive():
    """Rows rendered one claim at a time line up with the header printed before the run."""
    claims = all_claims()[:3]
    table = ResultTable(claims)
    header = table.header().splitlines()[0]
    for r in _widest_results(claims, 0.5, None):
        for row in table.rows(r).splitlines()[1:]:
            assert row[header.index("worst margin"):].startswith("0.5")
            assert row[header.index("verdict"):] == "finding NOT reproduced"


def test_long_claim_line_is_cut_at_the_line_width():
    claim = Claim(id="test.ref", paper="WX23", reference="x" * 150, provenance="rebuilt",
                  statement="s", margin="m",
                  tiers=(Tier("t", lambda rng, n: list(range(n)), lambda xs: [1.0] * len(xs),
                              lambda xs, i: i),))
    line = ResultTable([claim]).rows(run_claim(claim, instances=1)).splitlines()[0]
    assert len(line) == LINE_WIDTH and line.endswith("...")
    assert "x" * 150 in ResultTable([claim], wide=True).rows(run_claim(claim, instances=1))


def test_footer_explains_the_units_used():
    text = format_table([_result(lambda xs: [0.5] * len(xs), unit="fraction")])
    assert f"fraction: {UNITS['fraction']}" in text and "decades:" not in text


def test_error_row_without_instances_shows_no_margin():
    def boom(xs):
        raise ZeroDivisionError("broken check")

    text = format_table([_result(boom, unit="decades")])
    row = text.splitlines()[3]
    assert row.split()[-1] == "ERROR" and " - " in row and "nan" not in row
    assert "ZeroDivisionError: broken check" in text


def _table_flags_unexpected_verdict_with_instance(wide):
    text = format_table([_result(lambda xs: [-1.0] * len(xs))], wide=wide)
    assert "VIOLATED" in text and "unexpected verdict" in text and '"i": 0' in text


def test_table_flags_unexpected_verdict_with_instance() -> None:
    """Table flags unexpected verdict with instance: every case of the table."""
    check_every_case(_table_flags_unexpected_verdict_with_instance, product([False, True]))


def test_claim_list_shows_statement_and_margin_unit():
    r = _result(lambda xs: [1.0] * len(xs))
    text = format_claim_list([r.claim])
    assert "a statement" in text and "a unit" in text and "exact (sympy)" in text
    assert "units: exact (sympy) = not stated" in text
    r = _result(lambda xs: [1.0] * len(xs), unit="layers")
    assert "units: exact (sympy) = layers" in format_claim_list([r.claim])


def test_json_report_is_serialisable_and_complete():
    r = _result(lambda xs: np.ones(len(xs)))
    rep = json_report([r], seed=7, instances=4)
    text = json.dumps(rep)  # no inf/nan objects left
    back = json.loads(text)
    assert back["seed"] == 7 and back["ok"] is True
    assert {"numpy", "scipy", "sympy", "mpmath", "python"} <= set(back["versions"])
    tier = back["claims"][0]["tiers"][0]
    assert tier["worst_instance"]["v"] == "inf" and tier["instances"] == 4
    assert back["versions"]["ssm-theory-verify"] == __version__


#: Cases ``(margins, unit, worst, kind)`` of the test below.
WORST_MARGIN_CASES = (
    [([2.5, 1.5, 3.0, 2.0], "decades", 1.5, "finite"), ([0.0] * 4, "fraction", 0.0, "finite"),
     ([math.inf] * 4, "exact", None, "exact"), ([math.inf, -math.inf, 1, 1], None, None, "-inf"),
     ([1.0, math.nan, 1, 1], "decades", None, "nan")]
)


def _json_worst_margin_is_a_number_or_null_with_its_kind(margins, unit, worst, kind):
    rep = json.loads(json.dumps(json_report([_result(lambda xs: margins, unit=unit)], 0, 4),
                                allow_nan=False))
    tier = rep["claims"][0]["tiers"][0]
    assert tier["unit"] == unit and tier["worst_margin"] == worst
    assert tier["worst_margin_kind"] == kind
    assert type(tier["worst_margin"]) in ((float, int) if kind == "finite" else (type(None),))
    assert rep["units"] == UNITS


def test_json_worst_margin_is_a_number_or_null_with_its_kind() -> None:
    """Json worst margin is a number or null with its kind: every case of ``WORST_MARGIN_CASES``."""
    check_every_case(
        _json_worst_margin_is_a_number_or_null_with_its_kind,
        WORST_MARGIN_CASES)


def test_json_error_row_before_any_instance_has_kind_nan():
    def boom(xs):
        raise ZeroDivisionError("broken check")

    tier = json_report([_result(boom)], 0, 4)["claims"][0]["tiers"][0]
    assert tier["instances"] == 0 and tier["worst_margin"] is None
    assert tier["worst_margin_kind"] == "nan"


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


def test_budget_share_is_recorded_only_for_the_own_budgets():
    r = _result(lambda xs: np.ones(len(xs)))
    assert json_report([r], seed=0, instances=None)["budget_share"] == 1
    assert json_report([r], seed=0, instances=None, share=20)["budget_share"] == 20
    assert json_report([r], seed=0, instances=4, share=20)["budget_share"] is None


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


#: ``(report, match)``: a report strict JSON cannot hold and the error it gives.
NOT_STRICT_JSON = [
    ({"x": float("nan")}, "^report: expected .*strict JSON.*Out of range float"),
    ({"x": object()}, "^report: expected .*not JSON serializable"),
    ([1, 2], "^report: expected a dict"),
]


def test_write_json_refuses_what_strict_json_cannot_hold(tmp_path):
    """Each report is refused, and nothing is written (each case in an empty directory)."""

    def check(i, report, match):
        out_dir = tmp_path / str(i)
        out_dir.mkdir()
        with pytest.raises(InvalidParameterError, match=match):
            write_json(report, out_dir / "r.json")
        assert list(out_dir.iterdir()) == []

    check_every_case(check, [(i, *case) for i, case in enumerate(NOT_STRICT_JSON)])


def test_write_json_refuses_a_non_path():
    with pytest.raises(InvalidParameterError, match="^path: expected a file path"):
        write_json({"a": 1}, 3)


# ------------------------------------------------------------------ bad input
#: Cases ``(call, name)`` of :func:`test_rendering_rejects_bad_input`.
BAD_RENDERING_INPUT = (
    [(lambda: format_table("results"), "results"), (lambda: format_table([3]), "results"),
     (lambda: format_table([], pending="test.a"), "pending"),
     (lambda: format_table([], pending=[3]), "pending"),
     (lambda: format_claim_list("claims"), "claims"), (lambda: format_claim_list([3]), "claims"),
     (lambda: json_report("results", 0, None), "results"),
     (lambda: json_report([], -1, None), "seed"), (lambda: json_report([], 2.5, None), "seed"),
     (lambda: json_report([], 0, 0), "instances"),
     (lambda: json_report([], 0, MAX_INSTANCES + 1), "instances"),
     (lambda: json_report([], 0, None, pending=[None]), "pending"),
     (lambda: json_report([], 0, None, share=0), "share"),
     (lambda: format_table([], wide="yes"), "wide"),
     (lambda: ResultTable("claims"), "claims"), (lambda: ResultTable([], 0), "instances"),
     (lambda: ResultTable([], None, 1), "wide"), (lambda: ResultTable([]).rows([]), "result"),
     (lambda: ResultTable([]).footer("r"), "results"),
     (lambda: ResultTable([]).footer([], [3]), "pending")]
)


def _rendering_rejects_bad_input(call, name):
    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        call()


def test_rendering_rejects_bad_input() -> None:
    """Rendering rejects bad input: every case of ``BAD_RENDERING_INPUT``."""
    check_every_case(_rendering_rejects_bad_input, BAD_RENDERING_INPUT)


#: Values of ``fn`` of the test below.
COUNT_FUNCTIONS = ["parameter_counts", "format_parameter_counts"]


#: Values of ``shapes, name`` of the test below.
BAD_SHAPES = (
    [([(0, 2)], r"shapes\[0\] depth"), ([(2, -1)], r"shapes\[0\] width"),
     ([(2, 2), (2.5, 2)], r"shapes\[1\] depth"), ([(2,)], "shapes"), ("22", "shapes"),
     ([[2, 2]], "shapes")]
)


def _parameter_counts_reject_bad_shapes(fn, shapes, name):
    import verify.report as report

    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        getattr(report, fn)(shapes)


def test_parameter_counts_reject_bad_shapes() -> None:
    """Parameter counts reject bad shapes: every case of ``COUNT_FUNCTIONS`` × ``BAD_SHAPES``."""
    cases = [(fn, shapes, name)
             for fn in COUNT_FUNCTIONS
             for (shapes, name) in BAD_SHAPES]
    check_every_case(_parameter_counts_reject_bad_shapes, cases)
