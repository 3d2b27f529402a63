"""Tests of the width-vs-T experiment (Result D against the window route): the record and the
figure of a quick run, the seed, exact widths, and the width panel's scale.

Drawing the figure takes most of a quick run's time: the default run does not draw it (smoke
version; a stand-in keeps what would be drawn, the width panel's test checks the content), the
full version under the ``extended`` marker writes the PNG."""

from __future__ import annotations

import math

import numpy as np
import pytest
from bad_input_cases import check_every_case
from strategies import smoke_and_full
from test_experiments_common import check_record, stand_in_for_plot

from theory.numbers import InvalidParameterError
from theory.universality import window_width_counts
from verify.experiments import wx23_width_vs_T as exp


@pytest.fixture(scope="module", params=smoke_and_full(False, True))
def quick(request, tmp_path_factory):
    """``(directory, record, drawn)`` of ``reproduce(quick=True)``. Drawing is most of the
    run's time (three panels of log axes, constrained layout): the smoke version is drawn by
    ``stand_in_for_plot`` (``drawn``: its calls; the width panel's test below checks the
    content), the full version writes the PNG (``drawn`` is ``None``)."""
    out = tmp_path_factory.mktemp("wx23")
    with pytest.MonkeyPatch.context() as mp:
        drawn = None if request.param else stand_in_for_plot(mp, exp)
        return out, exp.reproduce(out, quick=True, seed=0), drawn


def test_quick_record_and_flat_volterra_error(quick):
    out, record, drawn = quick
    check_record(record, exp, out, quick=True, seed=0, drawn=drawn)
    if drawn is not None:  # the stand-in drew the recorded rows
        assert [r.as_dict() for r in drawn[0][0]] == record["rows"]
    assert record["ok"] and record["verdict"] == "Volterra error <= bound at every T"
    assert [r["T"] for r in record["rows"]] == list(exp.QUICK_LENGTHS)
    for row in record["rows"]:
        exact = window_width_counts(1, row["T"], exp.GROWN_N)["total"]
        assert row["window_grown_log10_width"] == pytest.approx(math.log10(exact), rel=1e-12)
        assert row["window_grown_width"] == (exact if exact <= 2**53 else None)
        assert (row["window_grown_error"] is None) == (row["T"] > exp.GROWN_MAX)


@pytest.mark.extended  # three command-line runs of the quick record above
def test_cli_same_seed_same_table_and_the_seed_matters(tmp_path, capsys, monkeypatch):
    def table(seed):
        assert exp.main(["--quick", "--seed", str(seed), "--out", str(tmp_path / "f.png")]) == 0
        return capsys.readouterr().out

    first = table(3)
    assert "seed=3" in first and "Volterra error <= bound at every T" in first
    assert (tmp_path / "f.png").stat().st_size > 1000
    monkeypatch.setattr(exp, "plot", lambda *args: None)  # the tables only, from here on
    assert table(3) == first
    assert table(4).replace("seed=4", "seed=3") != first  # other sequences, other errors


def test_rows_width_fixed_for_volterra_and_growing_for_window():
    rows = exp.run((1, 2, 32, 1024), batch=2)
    assert len({r.volterra_width for r in rows}) == 1
    assert all(r.volterra_error <= r.volterra_bound for r in rows)
    assert rows[0].window_grown_width < rows[1].window_grown_width < rows[2].window_grown_width
    assert np.isnan(rows[2].window_grown_error)
    # beyond the float range the width is infinite as a float, its log10 exact
    assert rows[3].window_grown_width == math.inf
    exact = window_width_counts(1, 1024, exp.GROWN_N)["total"]
    assert rows[3].window_grown_log10_width == pytest.approx(math.log10(exact), rel=1e-12)
    assert "10^617.0" in exp.format_table(rows, 2)  # printed as a power of ten
    # the fixed-width window cannot see past w0 = 2: at T = 32 its error exceeds Result D's
    assert rows[2].window_fixed_error > 10 * rows[2].volterra_error


def test_verdict_reports_a_violation():
    (row,) = exp.run((2,), batch=1)
    bad = exp.Row(**{**vars(row), "volterra_error": 2 * row.volterra_bound})
    assert exp._verdict([row]) == "Volterra error <= bound at every T"
    assert exp._verdict([row, bad]) == "VIOLATION: Volterra error above its bound at T = [2]"
    assert exp._violations([row]) == [] and exp._violations([row, bad]) == [2]  # ok, exit 1


def test_width_panel_has_a_sensible_scale_and_marks_every_clipped_point():
    rows = exp.run((1, 2, 3, 16, 256, 1024), batch=1)
    fig = exp.plot(rows)  # not written: the quick record above writes the figure (full)
    ax_err, ax_width, ax_log = fig.axes
    fixed = max(max(r.volterra_width, r.window_fixed_width) for r in rows)
    low, top = ax_width.get_ylim()
    assert top <= 100 * fixed < 1e6 and low < min(r.window_grown_width for r in rows)
    clipped = [r for r in rows if r.window_grown_width > top]
    assert [r.T for r in clipped] == [16, 256, 1024]
    notes = [t.get_text() for t in ax_width.texts]
    assert notes == [f"$10^{{{r.window_grown_log10_width:.1f}}}$" for r in clipped]
    assert any("off scale" in t.get_text() for t in ax_width.get_legend().get_texts())
    # every drawn width point lies inside the axes
    for line in ax_width.get_lines():
        y = np.asarray(line.get_ydata(), dtype=float)
        assert np.all((y >= low) & (y <= top)), line.get_label()
    # the full grown series, every T, on its own panel
    (series,) = [ln for ln in ax_log.get_lines() if ln.get_label() == "window route, $w = T$"]
    np.testing.assert_allclose(series.get_ydata(), [r.window_grown_log10_width for r in rows])
    for ax in fig.axes:
        assert ax.get_xlabel() == "sequence length $T$"


#: Cases ``(kwargs, name)`` of :func:`test_bad_arguments_name_the_parameter`.
BAD_ARGUMENTS_NAME_THE_PARAMETER_CASES = [
    ({"lengths": ()}, "lengths"),
    ({"lengths": (4, 0)}, "lengths"),
    ({"lengths": (2.5,)}, "lengths"),
    ({"batch": 0}, "batch"),
    ({"seed": -1}, "seed"),
]


def _bad_arguments_name_the_parameter(kwargs, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}: "):
        exp.run(**{"lengths": (1,), "batch": 1, **kwargs})


def test_bad_arguments_name_the_parameter():
    """Every case of the table (a failure lists each failing case)."""
    check_every_case(_bad_arguments_name_the_parameter, BAD_ARGUMENTS_NAME_THE_PARAMETER_CASES)
