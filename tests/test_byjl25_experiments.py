"""Tests of the BYJL25 experiments: quick runs write their figure, print the expected table, and
show the qualitative results; the verdict lines react to violations (negative controls); the
figures have complete legends, mathtext labels and integer depth ticks; the command line
honours ``--seed``.

Drawing a figure takes most of a quick run's time: in the default run only the fit record's
figure is written (smoke versions elsewhere: :func:`stand_in_for_plot` keeps what would be
drawn, the figure tests check the content); the full versions under the ``extended`` marker
write every PNG. :func:`stand_in_for_plot` and :func:`check_record` serve the other
experiments' tests too."""

import dataclasses
import re

import numpy as np
import pytest
from bad_input_cases import check_every_case
from matplotlib.colors import to_hex
from strategies import smoke_and_full
from test_experiments_common import check_record, drawn_paths, stand_in_for_plot

from theory.numbers import InvalidParameterError
from verify.experiments import byjl25_fit, byjl25_norm_vs_depth
from verify.experiments.byjl25_fit import PAPER_NUMBERS_NOTE, Row, minimal_width
from verify.experiments.byjl25_norm_vs_depth import Point

NUMBER = r"[-+0-9.e]+"

#: Tiny settings for the command-line tests (a fraction of a second each).
TINY_FIT = byjl25_fit.Config(poles=2, length=8, magnitudes=(4.0, 9.0), depths=(2,), restarts=1,
                             iterations=5)
TINY_NORM = byjl25_norm_vs_depth.Config(poles=2, shallow_norms=(10.0,), depths=(1, 2),
                                        max_splits=1)


def _cli(module, monkeypatch, tmp_path, capsys, tiny, seed):
    """``main --quick --seed seed`` with the QUICK settings replaced by ``tiny``."""
    monkeypatch.setattr(module, "QUICK", tiny)
    status = module.main(["--quick", "--seed", str(seed), "--out", str(tmp_path / "f.png")])
    return status, capsys.readouterr().out


@pytest.mark.parametrize("draw", smoke_and_full(False, True))
@pytest.mark.parametrize(("module", "tiny"), [(byjl25_fit, TINY_FIT),
                                              (byjl25_norm_vs_depth, TINY_NORM)])
def test_cli_same_seed_same_table_and_the_seed_matters(module, tiny, draw, monkeypatch, tmp_path,
                                                       capsys):
    """Drawing is most of a tiny run's time: the smoke version hands the figure to a stand-in
    that keeps its arguments (the records' tests write the figures), the full version writes
    the PNG of ``--out`` first."""
    drawn = [] if draw else stand_in_for_plot(monkeypatch, module)
    status, first = _cli(module, monkeypatch, tmp_path, capsys, tiny, 7)
    assert status == 0 and "seed=7" in first
    if draw:
        assert (tmp_path / "f.png").stat().st_size > 1000
    else:  # drawn once, to the path of --out
        assert drawn_paths(drawn) == [[tmp_path / "f.png"]]
    monkeypatch.setattr(module, "plot", lambda *args: None)  # the tables only, from here on
    assert _cli(module, monkeypatch, tmp_path, capsys, tiny, 7)[1] == first
    other = _cli(module, monkeypatch, tmp_path, capsys, tiny, 8)[1]
    strip = lambda text: re.sub(r"seed=\d+", "", text)  # noqa: E731
    assert strip(other) != strip(first)  # other targets, other numbers


def _legend_styles(ax):
    """(colour, line style, marker) of every legend entry of ``ax``."""
    return [(to_hex(h.get_color()), h.get_linestyle(), h.get_marker())
            for h in ax.get_legend().legend_handles]


def _assert_legend_complete(ax):
    """Every drawn series is named: its colour is the colour of an entry and its style (line
    and marker) the style of an entry."""
    entries = _legend_styles(ax)
    for line in ax.get_lines():
        if len(line.get_xdata()) == 0:
            continue  # a legend proxy
        color, style = to_hex(line.get_color()), (line.get_linestyle(), line.get_marker())
        assert any(c == color for c, *_ in entries), (color, entries)
        assert any((ls, m) == style for _, ls, m in entries), (style, entries)


# --------------------------------------------------------------------------- fit experiment
#: The quick run's settings in the default run (``QUICK`` without its depth 3: the same
#: targets, restarts and steps); the real ``QUICK`` settings run under the ``extended`` marker.
SMOKE_FIT = dataclasses.replace(byjl25_fit.QUICK, depths=(5,))


@pytest.fixture(scope="module", params=smoke_and_full(SMOKE_FIT, byjl25_fit.QUICK))
def fit_config(request):
    return request.param


@pytest.fixture(scope="module")
def fit_dir(tmp_path_factory, fit_config):
    return tmp_path_factory.mktemp("fit")


@pytest.fixture(scope="module")
def fit_record(fit_dir, fit_config):
    """The record of ``reproduce(quick=True)`` on the settings ``fit_config``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(byjl25_fit, "QUICK", fit_config)
        return byjl25_fit.reproduce(fit_dir, quick=True, seed=0)


@pytest.fixture(scope="module")
def fit_run(fit_record):
    return (0 if fit_record["ok"] else 1), fit_record["table"]


def test_fit_record(fit_record, fit_dir, fit_config):
    check_record(fit_record, byjl25_fit, fit_dir, quick=True, seed=0)
    config = fit_config
    assert fit_record["settings"]["iterations"] == config.iterations
    rows = _fit_rows(fit_record["table"])
    assert len(fit_record["rows"]) == len(rows) * len(config.magnitudes)
    for entry in fit_record["rows"]:
        printed = rows[entry["model"]]
        j = config.magnitudes.index(entry["R"])
        assert (entry["depth"], entry["width"]) == (printed["depth"], printed["width"])
        assert entry["relative_error"] == pytest.approx(printed["errors"][j], rel=5e-3)
        assert entry["norm"] <= config.budget


def _fit_rows(out):
    pattern = re.compile(rf"^(shallow|deep)(.*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)((?:\s+{NUMBER} "
                         rf"\[{NUMBER}\])+)$")
    rows = {}
    for line in out.splitlines():
        match = pattern.match(line)
        if match:
            label = (match.group(1) + match.group(2)).strip()
            cells = re.findall(rf"({NUMBER}) \[({NUMBER})\]", match.group(7))
            rows[label] = {
                "depth": int(match.group(3)),
                "width": int(match.group(4)),
                "errors": np.array([float(e) for e, _ in cells]),
                "floors": np.array([float(f) for _, f in cells]),
            }
    return rows


def test_fit_run_is_ok_and_has_the_note(fit_run):
    status, out = fit_run
    assert status == 0
    assert PAPER_NUMBERS_NOTE in out


def test_fit_table_has_the_expected_rows(fit_run, fit_config):
    rows = _fit_rows(fit_run[1])
    config = fit_config
    n = config.poles
    expected = {f"shallow n={n}": (1, n)}
    shallow_widths = {n}  # one shallow row per distinct number of hidden units
    for depth in config.depths:
        m = minimal_width(n, depth)
        expected[f"deep l={depth} m={m}"] = (depth, m)
        if depth * m not in shallow_widths:
            shallow_widths.add(depth * m)
            expected[f"shallow n={depth * m} (= l·m, l={depth})"] = (1, depth * m)
    assert {k: (v["depth"], v["width"]) for k, v in rows.items()} == expected
    for row in rows.values():
        assert row["errors"].shape == (len(config.magnitudes),)


def test_fit_errors_respect_the_certified_floor(fit_run):
    # |ρ(0)| ≤ m^l c^{l+1} for any model in the budget: no fit can beat the floor
    for row in _fit_rows(fit_run[1]).values():
        assert np.all(row["errors"] >= row["floors"] * (1 - 1e-2))  # 3 printed digits


def test_fit_budget_is_respected(fit_run):
    match = re.search(rf"largest realization norm over all fits: ({NUMBER}) \(budget ({NUMBER})\)",
                      fit_run[1])
    assert match and float(match.group(1)) <= float(match.group(2))


def test_deeper_models_beat_shallow_ones_on_the_largest_target(fit_run):
    rows = _fit_rows(fit_run[1])
    deepest = max((r for r in rows.values() if r["depth"] > 1), key=lambda r: r["depth"])
    shallow = [r["errors"][-1] for r in rows.values() if r["depth"] == 1]
    assert deepest["errors"][-1] < min(shallow)
    # and the gap is an order of magnitude, not noise
    assert deepest["errors"][-1] < 0.1 * min(shallow)
    assert "is lower than the best shallow error" in fit_run[1]


def test_fit_record_is_not_ok_when_a_fit_breaks_the_budget():
    # negative control of ``ok`` (the exit status): a norm above the budget
    one = np.array([1.0])
    rows = [Row("shallow n=4", 1, 4, one, np.array([2.0]), 0 * one),
            Row("deep l=3 m=2", 3, 2, one, np.array([2.0 + 1e-12]), 0 * one)]
    assert byjl25_fit._within_budget(rows[:1], 2.0)
    assert not byjl25_fit._within_budget(rows, 2.0)


def _fit_rows_for_plot():
    """Synthetic rows: base, shallow l·m=6, deep l=3, shallow 10, deep l=5 (two targets)."""
    e = lambda *v: np.array(v)  # noqa: E731
    return [Row("shallow n=4", 1, 4, e(0.5, 0.9), e(2, 2), e(0, 0)),
            Row("shallow n=6", 1, 6, e(0.3, 0.8), e(2, 2), e(0, 0)),
            Row("deep l=3 m=2", 3, 2, e(0.1, 0.4), e(2, 2), e(0, 0)),
            Row("shallow n=10", 1, 10, e(0.1, 0.8), e(2, 2), e(0, 0)),
            Row("deep l=5 m=2", 5, 2, e(0.05, 0.03), e(2, 2), e(0, 0))]


def test_fit_figure_has_a_complete_legend_and_integer_ticks():
    # not written (the figure's content only): test_fit_record checks the written one
    fig = byjl25_fit.plot(np.array([25.0, 400.0]), _fit_rows_for_plot(), None, 2.0)
    (ax,) = fig.axes
    _assert_legend_complete(ax)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("shallow" in t for t in texts)  # the dashed series is named
    assert sum("$R =" in t for t in texts) == 2
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"
              and len(line.get_xdata())]
    assert len(dashed) == 2  # one per target, the shallow models with l·m units
    assert list(ax.get_xticks()) == [1, 3, 5]
    assert "$" in ax.get_xlabel() and "$" in ax.get_ylabel()


def test_fit_conclusion_reports_a_failure():
    # negative control: a deep model worse than the shallow one is reported as such
    one = np.array([1.0])
    rows = [Row("shallow n=4", 1, 4, np.array([0.1]), one, 0 * one),
            Row("deep l=3 m=2", 3, 2, np.array([0.5]), one, 0 * one)]
    assert "NOT lower" in byjl25_fit._conclusion(np.array([400.0]), rows)


def test_large_norm_targets_have_the_requested_shallow_norm():
    lam, res, ker = byjl25_fit.large_norm_targets(np.random.default_rng(3), 5, [25.0, 400.0], 10)
    np.testing.assert_array_equal(np.max(np.abs(res), axis=1), [25.0, 400.0])
    assert np.all((lam > 0.05) & (lam < 0.95)) and np.all(np.diff(lam, axis=1) >= 0)
    np.testing.assert_allclose(ker[:, 0], res.sum(axis=1), rtol=1e-14)


#: Cases ``(n, depth, width)`` of :func:`test_minimal_width`.
MINIMAL_WIDTH_CASES = [(4, 1, 4), (4, 2, 3), (4, 3, 2), (5, 2, 3), (5, 4, 2), (1, 3, 1)]


def _minimal_width(n, depth, width):
    assert minimal_width(n, depth) == width
    assert depth * (width - 1) + 1 >= n
    assert width == 1 or depth * (width - 2) + 1 < n


def test_minimal_width():
    """Every case of the table (a failure lists each failing case)."""
    check_every_case(_minimal_width, MINIMAL_WIDTH_CASES)


# --------------------------------------------------------------------------- norm experiment
#: The quick run's settings in the default run (Algorithm A on at most 2 splits instead of 5,
#: the same targets, depths 1, 2 and 4 of 1-4); the real ``QUICK`` settings run under the
#: ``extended`` marker.
SMOKE_NORM = byjl25_norm_vs_depth.Config(shallow_norms=(10.0, 1000.0), depths=(1, 2, 4),
                                         max_splits=2)


@pytest.fixture(scope="module",
                params=smoke_and_full((SMOKE_NORM, False), (byjl25_norm_vs_depth.QUICK, True)))
def norm_quick(request, tmp_path_factory):
    """``(settings, directory, record, drawn)`` of ``reproduce(quick=True)``: the smoke
    version on ``SMOKE_NORM``, drawn by :func:`stand_in_for_plot` (``drawn``: its calls), the
    full version on ``QUICK``, written (``drawn`` is ``None``)."""
    config, draw = request.param
    out = tmp_path_factory.mktemp("norm")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(byjl25_norm_vs_depth, "QUICK", config)
        drawn = None if draw else stand_in_for_plot(mp, byjl25_norm_vs_depth)
        return config, out, byjl25_norm_vs_depth.reproduce(out, quick=True, seed=0), drawn


@pytest.fixture(scope="module")
def norm_config(norm_quick):
    return norm_quick[0]


@pytest.fixture(scope="module")
def norm_record(norm_quick):
    return norm_quick[2]


@pytest.fixture(scope="module")
def norm_run(norm_record):
    return (0 if norm_record["ok"] else 1), norm_record["table"]


def test_norm_record(norm_quick):
    norm_config, norm_dir, norm_record, drawn = norm_quick
    check_record(norm_record, byjl25_norm_vs_depth, norm_dir, quick=True, seed=0, drawn=drawn)
    assert norm_record["settings"]["max_splits"] == norm_config.max_splits
    printed = _norm_rows(norm_record["table"])
    assert len(printed) == len(norm_record["rows"])
    for entry, row in zip(norm_record["rows"], printed):
        assert (entry["depth"], entry["width"]) == (row["depth"], row["width"])
        assert entry["c2"] == pytest.approx(row["norm"], rel=1e-5)  # printed to 6 digits
        assert entry["within_bound"] == (entry["c2"] <= entry["bound"])
        assert entry["ratio"] == pytest.approx(entry["c2"] / entry["optimum_width_one"])
        assert entry["out_of_time"] == []  # no construction was cut by the time budget


def _norm_rows(out):
    pattern = re.compile(rf"^\s*({NUMBER})\s+(\d+)\s+(\d+)\s+({NUMBER})\s+({NUMBER})\s+"
                         rf"({NUMBER})\s+({NUMBER})\s+(yes|NO)\s+(\w+)$")
    rows = []
    for line in out.splitlines():
        match = pattern.match(line)
        if match:
            rows.append({"c1": float(match.group(1)), "depth": int(match.group(2)),
                         "width": int(match.group(3)), "norm": float(match.group(4)),
                         "bound": float(match.group(6)), "ok": match.group(8) == "yes"})
    return rows


def test_norm_run_is_ok_and_has_the_note(norm_run):
    status, out = norm_run
    assert status == 0
    assert PAPER_NUMBERS_NOTE in out


def _points_for_plot():
    return [Point(c1, depth, 2, c1 ** (2 / (depth + 1)), "forest", 0.0, 1e-13)
            for c1 in (10.0, 1000.0) for depth in (1, 2, 3, 4)]


def test_norm_figure_uses_mathtext_and_integer_ticks():
    # not written (the figure's content only): test_norm_record checks the written one
    fig = byjl25_norm_vs_depth.plot(_points_for_plot())
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert list(ax.get_xticks()) == [1, 2, 3, 4]  # no 1.5, 2.5 on an integer axis
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        formulas = [t for t in texts if "c_1" in t or "^" in t]
        assert formulas and all("$" in t for t in formulas), texts  # mathtext, not plain
        assert not any("^(" in t for t in texts)  # the old plain-text "c1^(2/(l+1))"
        assert "$l$" in ax.get_xlabel()
        _assert_legend_complete(ax)
    ratio_ax = fig.axes[1]
    assert ratio_ax.get_ylim()[1] > 2.0  # the constant 2 is on the scale


def test_norm_figure_shows_a_ratio_above_the_constant(tmp_path, monkeypatch):
    # a violation of c_2 <= 2 c_1^(2/(l+1)) must be visible, not clipped by the axis
    monkeypatch.chdir(tmp_path)
    points = _points_for_plot() + [Point(1000.0, 5, 2, 3.0 * 1000.0 ** (2 / 6), "x", 0.0, 1.0)]
    ratio_ax = byjl25_norm_vs_depth.plot(points).axes[1]  # no path: nothing is written
    assert ratio_ax.get_ylim()[1] > 3.0
    assert list(tmp_path.iterdir()) == []


def test_norm_cli_refuses_a_width_without_capacity_before_computing(monkeypatch, capsys):
    monkeypatch.setattr(byjl25_norm_vs_depth, "run", lambda *a: pytest.fail("computed"))
    with pytest.raises(SystemExit) as info:
        byjl25_norm_vs_depth.main(["--quick", "--width", "1"])  # l(m-1)+1 = 1 < 4 poles
    assert info.value.code == 2
    assert "no depth has capacity" in capsys.readouterr().err


def test_norm_report_notes_a_row_cut_by_the_time_budget():
    cut = Point(c1=100.0, depth=2, width=3, norm=5.0, winner="forest", kernel_error=0.0,
                kernel_tolerance=1e-13, out_of_time=("algorithm_a",))
    text = byjl25_norm_vs_depth.format_report([cut], byjl25_norm_vs_depth.QUICK, 0)
    assert "NOTE: the time budget cut algorithm_a short" in text


def test_norm_table_has_the_expected_rows(norm_run, norm_config):
    rows = _norm_rows(norm_run[1])
    config = norm_config
    expected = [(c1, depth, minimal_width(config.poles, depth))
                for c1 in config.shallow_norms for depth in config.depths]
    assert len(rows) == len(expected)
    for row, (c1, depth, width) in zip(rows, expected):
        assert row["c1"] == pytest.approx(c1, rel=1e-3)  # printed to 4 digits
        assert (row["depth"], row["width"]) == (depth, width)
        assert row["ok"]


def test_norm_verdict_matches_the_numbers(norm_run):
    out = norm_run[1]
    rows = _norm_rows(out)
    over = [r for r in rows if not r["norm"] <= r["bound"]]
    assert out.count("VIOLATION") == len(over)
    assert ("measured norms satisfy c_2 <= 2 c_1^(2/(l+1))" in out) == (not over)


def test_norm_falls_with_depth_and_depth_one_is_the_shallow_norm(norm_run):
    rows = _norm_rows(norm_run[1])
    for c1 in {r["c1"] for r in rows}:
        norms = [r["norm"] for r in sorted(rows, key=lambda r: r["depth"]) if r["c1"] == c1]
        assert np.all(np.diff(norms) < 0)
        assert norms[0] == pytest.approx(c1, rel=1e-4)


def test_norm_report_flags_violations_and_mismatches():
    # negative controls: a norm above the bound and a wrong kernel are printed as such
    bad = Point(c1=100.0, depth=2, width=3, norm=50.0, winner="forest", kernel_error=0.0,
                kernel_tolerance=1e-13)
    wrong = Point(c1=100.0, depth=3, width=2, norm=5.0, winner="forest", kernel_error=1e-3,
                  kernel_tolerance=1e-13)
    good = Point(c1=100.0, depth=4, width=2, norm=5.0, winner="forest", kernel_error=0.0,
                 kernel_tolerance=1e-13)
    config = byjl25_norm_vs_depth.QUICK
    text = byjl25_norm_vs_depth.format_report([bad, wrong, good], config, 0)
    assert text.count("VIOLATION") == 1 and "c_2=50 > 43.0887" in text
    assert text.count("KERNEL MISMATCH") == 1
    assert "measured norms satisfy" not in text
    assert "1 of 3 measured norms violate" in text
    assert "measured norms satisfy" in byjl25_norm_vs_depth.format_report([good], config, 0)


#: Cases ``(call, name)`` of :func:`test_bad_settings_name_the_parameter`.
BAD_SETTINGS_NAME_THE_PARAMETER_CASES = [
    (lambda: byjl25_fit.Config(poles=0), "poles"),
    (lambda: byjl25_fit.Config(length=-1), "length"),
    (lambda: byjl25_fit.Config(budget=float("nan")), "budget"),
    (lambda: byjl25_fit.Config(budget=0.0), "budget"),
    (lambda: byjl25_fit.Config(magnitudes=()), "magnitudes"),
    (lambda: byjl25_fit.Config(magnitudes=(25.0, float("inf"))), "magnitudes"),
    (lambda: byjl25_fit.Config(depths=(2, 0)), "depths"),
    (lambda: byjl25_fit.Config(restarts=2.5), "restarts"),
    (lambda: byjl25_fit.Config(iterations=0), "iterations"),
    (lambda: byjl25_fit.large_norm_targets(np.random.default_rng(0), 2, [-1.0], 3),
     "magnitudes"),
    (lambda: byjl25_fit.large_norm_targets(0, 2, [4.0], 3), "rng"),
    (lambda: byjl25_fit.large_norm_targets(np.random.default_rng(0), 2, [4.0], 0),
     "length"),
    (lambda: minimal_width(0, 2), "poles"),
    (lambda: minimal_width(4, 0), "depth"),
    (lambda: byjl25_fit.run("config", 0), "config"),
    (lambda: byjl25_fit.run(byjl25_fit.QUICK, -1), "seed"),
    (lambda: byjl25_norm_vs_depth.Config(poles=0), "poles"),
    (lambda: byjl25_norm_vs_depth.Config(shallow_norms=(float("nan"),)), "shallow_norms"),
    (lambda: byjl25_norm_vs_depth.Config(depths=()), "depths"),
    (lambda: byjl25_norm_vs_depth.Config(width=0), "width"),
    (lambda: byjl25_norm_vs_depth.Config(max_splits=0), "max_splits"),
    (lambda: byjl25_norm_vs_depth.run("config", 0), "config"),
    (lambda: byjl25_norm_vs_depth.run(byjl25_norm_vs_depth.QUICK, 2.5), "seed"),
]


def _bad_settings_name_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}: "):
        call()


def test_bad_settings_name_the_parameter():
    """Every case of the table (a failure lists each failing case)."""
    check_every_case(_bad_settings_name_the_parameter, BAD_SETTINGS_NAME_THE_PARAMETER_CASES)
