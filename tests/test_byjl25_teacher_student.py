"""Tests of the BYJL25 teacher–student experiment (verify/experiments/byjl25_teacher_student.py):
the quick run writes its figure and table, the analytic gradient matches finite differences, a
seed fixes the numbers, the students respect their budget and the certified error floor, and the
verdict and the ``ok`` flag react to broken runs (negative controls).

Drawing a figure takes most of a quick run's time: the default run draws none of them (smoke
versions; a stand-in keeps what would be drawn, the figure test checks the content), the full
versions under the ``extended`` marker write the PNGs."""

import re

import numpy as np
import pytest
from bad_input_cases import check_every_case
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from strategies import smoke_and_full
from test_experiments_common import check_record, drawn_paths, stand_in_for_plot

from theory.numbers import InvalidParameterError
from theory.param_count import deep_parameters, shallow_parameters
from verify.experiments import byjl25_teacher_student as ts
from verify.experiments.byjl25_fit import PAPER_NUMBERS_NOTE
from verify.fitting import Layout

#: A run of a fraction of a second.
TINY = ts.Config(shapes=((2, 2),), length=16, seeds=2, iterations=15)


#: The quick run's settings in the default run (a fraction of a second, one teacher, not
#: drawn); the real ``QUICK`` settings (two teachers, about 3 s, the figure written) run under
#: the ``extended`` marker.
SMOKE = ts.Config(shapes=((2, 2),), length=24, seeds=2, iterations=60)


@pytest.fixture(scope="module", params=smoke_and_full((SMOKE, False), (ts.QUICK, True)))
def quick(request, tmp_path_factory):
    """``(directory, record, settings, drawn)`` of ``reproduce(quick=True)``: the smoke version
    drawn by ``stand_in_for_plot`` (``drawn``: its calls; the figure test checks the content),
    the full version written (``drawn`` is ``None``)."""
    config, draw = request.param
    out = tmp_path_factory.mktemp("ts")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ts, "QUICK", config)
        drawn = None if draw else stand_in_for_plot(mp, ts)
        return out, ts.reproduce(out, quick=True, seed=0), config, drawn


def test_quick_record_and_table(quick):
    out, record, config, drawn = quick
    check_record(record, ts, out, quick=True, seed=0, drawn=drawn)
    assert record["ok"]
    assert PAPER_NUMBERS_NOTE in record["table"]
    assert len(record["rows"]) == 2 * len(config.shapes)
    for row in record["rows"]:
        # equal parameter counts, by theory.param_count
        n = ts.equal_shallow_width(row["teacher_depth"], row["teacher_width"])
        assert deep_parameters(row["teacher_depth"], row["teacher_width"]) == shallow_parameters(n)
        assert row["parameters"] == deep_parameters(row["depth"], row["width"])
        assert row["max_norm_over_budget"] <= 1.0
        assert len(row["final_errors"]) == config.seeds
        assert row["checkpoints"][-1] == config.iterations
        # printed medians are the record's
        line = next(li for li in record["table"].splitlines() if li.startswith(row["student"]))
        printed = [float(v) for v in re.findall(r"\d\.\d{3}e[-+]\d\d", line)]
        np.testing.assert_allclose(printed, row["median_error"], rtol=5e-4)


def test_training_lowers_the_error(quick):
    # the optimizer works: every median error falls from the initialization to the end, that
    # of the deep students (which can realize the teacher within the budget) tenfold at least
    for row in quick[1]["rows"]:
        assert row["median_error"][-1] < row["median_error"][0]
        if row["depth"] > 1:
            assert row["median_error"][-1] < 0.1 * row["median_error"][0]


# --------------------------------------------------------------------------- gradient
def _central_differences(f, theta, h=1e-6):
    grad = np.zeros_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        grad[i] = (f(theta + e)[0] - f(theta - e)[0]) / (2 * h)
    return grad


@pytest.mark.parametrize(("depth", "width"), [(1, 4), (2, 2), (3, 2), (2, 3)])
def test_gradient_matches_finite_differences(depth, width):
    rng = np.random.default_rng(depth * 10 + width)
    layout = Layout(depth, width)
    target = np.asarray(ts.random_teacher(rng, 2, 2, 3.0).kernel(24), dtype=float)
    lower, upper = layout.bounds(2.0, 0.9)
    theta = rng.uniform(lower, upper)
    f = ts._objective(layout, target)
    value, grad = f(theta)
    fd = _central_differences(f, theta)
    # central differences: truncation h²|f'''|/6 plus rounding ε|f|/h, both ~1e-10 here
    tol = 1e-7 * max(1.0, float(np.max(np.abs(grad))))
    assert np.max(np.abs(grad - fd)) <= tol
    # negative control: a gradient with one entry off by 1e-5 fails the same comparison
    wrong = grad.copy()
    wrong[0] += 1e-5 * max(1.0, float(np.max(np.abs(grad))))
    assert np.max(np.abs(wrong - fd)) > tol
    assert value == pytest.approx(np.sum((layout.model(theta).kernel(24) - target) ** 2)
                                  / (target @ target), rel=1e-12)


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_numbers_and_the_seed_matters():
    first, again, other = ts.run(TINY, 3), ts.run(TINY, 3), ts.run(TINY, 4)
    for (shape_a, ratio_a, curves_a), (shape_b, ratio_b, curves_b) in zip(first, again):
        assert shape_a == shape_b and ratio_a == ratio_b
        for a, b in zip(curves_a, curves_b):
            np.testing.assert_array_equal(a.errors, b.errors)
            np.testing.assert_array_equal(a.norms, b.norms)
    assert not np.array_equal(first[0][2][0].errors, other[0][2][0].errors)


@pytest.mark.parametrize("draw", smoke_and_full(False, True))
def test_cli_same_seed_same_table(draw, monkeypatch, tmp_path, capsys):
    """Drawing is most of a tiny run's time: the smoke version hands the figure to a stand-in
    that keeps its arguments, the full version writes the PNG of ``--out`` first."""
    monkeypatch.setattr(ts, "QUICK", TINY)
    drawn = [] if draw else stand_in_for_plot(monkeypatch, ts)
    tables = []
    for seed in (5, 5, 6):  # the command line of the quick run, on the tiny settings
        assert ts.main(["--quick", "--seed", str(seed), "--out", str(tmp_path / "f.png")]) == 0
        tables.append(re.sub(r"seed=\d+", "", capsys.readouterr().out))
        monkeypatch.setattr(ts, "plot", lambda *args: None)  # the tables only, from here on
    assert tables[0] == tables[1] != tables[2]
    if draw:
        assert (tmp_path / "f.png").stat().st_size > 1000
    else:  # drawn once, to the path of --out
        assert drawn_paths(drawn) == [[tmp_path / "f.png"]]


# --------------------------------------------------------------------------- the fits
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shallow_student_respects_the_budget_and_the_certified_floor(seed):
    # every shallow entry is at most c, so |ρ(0)| = |Σ b_i c_i| ≤ n c²: no fit beats the floor
    # (|ρ*(0)| - n c²)/‖ρ*‖. A teacher of large entries and a small budget make it bind.
    rng = np.random.default_rng(seed)
    teacher = ts.random_teacher(rng, 3, 2, 3.0)
    target = np.asarray(teacher.kernel(16), dtype=float)
    c = 0.3 * float(teacher.norm())
    n = ts.equal_shallow_width(3, 2)
    floor = max(0.0, abs(target[0]) - n * c * c) / np.linalg.norm(target)
    curve, norm = ts._train(Layout(1, n), target, c, 40, rng)
    assert norm <= c
    assert curve.shape == (41,) and np.all(curve >= floor * (1 - 1e-12))


@pytest.mark.parametrize("iterations", smoke_and_full(75, 150))
def test_deep_student_realizes_its_teacher(iterations):
    # the deep student can represent the teacher within the budget (c = the teacher's norm):
    # on the quick setting the best seed reaches a small error (7.5e-9, after 75 steps as
    # after 150)
    (_, _, (deep, _)), = ts.run(ts.Config(shapes=((2, 2),), seeds=3, iterations=iterations), 0)
    assert np.min(deep.final) < 1e-6


def test_ok_is_false_when_a_student_breaks_its_budget():
    # negative control of ``ok`` (the exit status)
    curve = ts.Curve("deep l=2 m=2", 2, 2, np.ones((1, 3)), np.array([2.0]), np.array([2.0]))
    assert ts._within_budget([((2, 2), 1.0, [curve])])
    over = ts.Curve("deep l=2 m=2", 2, 2, np.ones((1, 3)), np.array([2.0 + 1e-12]),
                    np.array([2.0]))
    assert not ts._within_budget([((2, 2), 1.0, [over])])
    nan = ts.Curve("deep l=2 m=2", 2, 2, np.full((1, 3), np.nan), np.array([1.0]),
                   np.array([2.0]))
    assert not ts._within_budget([((2, 2), 1.0, [nan])])


def _curves(deep_final, shallow_final):
    """Two students whose error falls from 1 to the given final values."""
    def curve(label, depth, width, final):
        errors = np.column_stack([np.ones(len(final)), final])
        return ts.Curve(label, depth, width, errors, np.ones(len(final)), np.ones(len(final)))
    return [curve("deep l=2 m=2", 2, 2, deep_final), curve("shallow l=1 m=4", 1, 4, shallow_final)]


def test_verdict_counts_the_seeds_where_deep_wins():
    results = [((2, 2), 1.0, _curves([1e-3, 1e-1], [1e-2, 1e-2]))]
    assert "(deep lower on 1/2)" in ts._verdict(results)
    results = [((2, 2), 1.0, _curves([1e-1, 1e-1], [1e-2, 1e-2]))]  # negative control
    assert "(deep lower on 0/2)" in ts._verdict(results)
    text = ts.format_report(results, ts.Config(shapes=((2, 2),), seeds=2, iterations=1), 0)
    assert "deep student ends below the shallow one on 0 of 2 seeds" in text


# --------------------------------------------------------------------------- helpers
#: Cases ``(depth, width, n)`` of :func:`test_equal_shallow_width`.
EQUAL_SHALLOW_WIDTH_CASES = [(2, 2, 4), (3, 2, 6), (4, 2, 8), (2, 3, 7), (1, 1, 1), (4, 1, 3),
                             (3, 3, 11)]


def _equal_shallow_width(depth, width, n):
    assert ts.equal_shallow_width(depth, width) == n
    assert shallow_parameters(n) == deep_parameters(depth, width) == Layout(depth, width).size


def test_equal_shallow_width():
    """Every case of the table (a failure lists each failing case)."""
    check_every_case(_equal_shallow_width, EQUAL_SHALLOW_WIDTH_CASES)


def test_equal_shallow_width_refuses_counts_not_divisible_by_three():
    with pytest.raises(InvalidParameterError, match=r"^width: .*multiple of 3"):
        ts.equal_shallow_width(2, 4)  # 4 + 16 = 20 parameters


def test_random_teacher():
    rng = np.random.default_rng(1)
    teacher = ts.random_teacher(rng, 3, 2, 2.5)
    eig = np.sort(np.ravel(teacher.eigenvalues))
    assert np.all(np.diff(eig) >= ts.EIG_GAP * (1 - 1e-12)) and np.all(np.abs(eig) < ts.EIG_RANGE)
    assert float(teacher.norm()) <= 2.5
    again = ts.random_teacher(np.random.default_rng(1), 3, 2, 2.5)
    np.testing.assert_array_equal(teacher.kernel(8), again.kernel(8))


# --------------------------------------------------------------------------- figure
@pytest.mark.parametrize("write", smoke_and_full(False, True))
def test_figure_has_a_complete_legend_mathtext_and_integer_depth_ticks(write, tmp_path):
    """The figure's content; the full version also writes it (most of the test's time)."""
    results = [((2, 2), 1.0, _curves([1e-3, 1e-1], [1e-2, 1e-2])),
               ((3, 2), 1.0, _curves([1e-3, 1e-2], [1e-2, 1e-1])),
               ((2, 3), 1.0, _curves([1e-4, 1e-2], [1e-2, 1e-1]))]
    fig = ts.plot(results, tmp_path / "f.png" if write else None)
    assert (tmp_path / "f.png").exists() == write
    if write:
        assert (tmp_path / "f.png").stat().st_size > 1000
    ax, ax_depth = fig.axes
    assert list(ax_depth.get_xticks()) == [2, 3]
    assert "$l$" in ax_depth.get_xlabel() and "$" in ax.get_ylabel()
    # left: colour names the teacher, line style the student class (black proxies)
    legend = [h for h in ax.get_legend().legend_handles if isinstance(h, Line2D)]
    colours = {to_hex(h.get_color()) for h in legend}
    styles = {h.get_linestyle() for h in legend}
    drawn = [line for line in ax.get_lines() if len(line.get_xdata())]
    assert len(drawn) == 2 * len(results)
    for line in drawn:
        assert to_hex(line.get_color()) in colours and line.get_linestyle() in styles
    # right: every series has its own entry (colour, line style, marker)
    entries = {(to_hex(h.get_color()), h.get_linestyle(), h.get_marker())
               for h in ax_depth.get_legend().legend_handles}
    for line in ax_depth.get_lines():
        assert (to_hex(line.get_color()), line.get_linestyle(), line.get_marker()) in entries
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sum("teacher $l" in t for t in texts) == 3 and any("shallow" in t for t in texts)


# --------------------------------------------------------------------------- interface
def test_uniform_interface_and_help(capsys):
    assert "reproduce" in ts.__all__ and ts.DEFAULT_OUT.name == f"{ts.NAME}.png"
    assert "measured" in ts.QUICK_HELP
    with pytest.raises(SystemExit) as info:
        ts.main(["--help"])
    assert info.value.code == 0 and "--quick" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        ts.main(["--seed", "-1"])
    assert info.value.code == 2


#: Cases ``(call, name)`` of :func:`test_bad_settings_name_the_parameter`.
BAD_SETTINGS_NAME_THE_PARAMETER_CASES = [
    (lambda: ts.Config(shapes=()), "shapes"),
    (lambda: ts.Config(shapes=((2,),)), "shapes"),
    (lambda: ts.Config(shapes=((0, 2),)), "depth"),
    (lambda: ts.Config(shapes=((2, 4),)), "width"),
    (lambda: ts.Config(length=0), "length"),
    (lambda: ts.Config(seeds=2.5), "seeds"),
    (lambda: ts.Config(iterations=-1), "iterations"),
    (lambda: ts.Config(budget_factor=float("nan")), "budget_factor"),
    (lambda: ts.Config(teacher_scale=0.0), "teacher_scale"),
    (lambda: ts.random_teacher("rng", 2, 2), "rng"),
    (lambda: ts.random_teacher(np.random.default_rng(0), 5, 4), "width"),
    (lambda: ts.random_teacher(np.random.default_rng(0), 2, 2, float("inf")), "scale"),
    (lambda: ts.equal_shallow_width(2, 0), "width"),
    (lambda: ts.run("config", 0), "config"),
    (lambda: ts.run(TINY, -1), "seed"),
    (lambda: ts.reproduce(3, quick=True), "out_dir"),
]


def _bad_settings_name_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}: "):
        call()


def test_bad_settings_name_the_parameter():
    """Every case of the table (a failure lists each failing case)."""
    check_every_case(_bad_settings_name_the_parameter, BAD_SETTINGS_NAME_THE_PARAMETER_CASES)
