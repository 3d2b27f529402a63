"""Tests of the WX23 memory experiment: S4 and S4D rates, settled fits, protocols, figure, CLI."""

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from bad_input_cases import check_every_case
from strategies import smoke_and_full

from theory.memory import fit_decay, memory_curve
from theory.numbers import InvalidParameterError, NumberKind, tolerance
from verify.cells import S4D
from verify.experiments import memory_curves as mc
from verify.experiments._checks import json_number

DT = mc.DEFAULT_DT
SMALL = {"T": 1024, "D": 4, "hidden": 16}  # the acceptance checks at a small, fast size
LINEAR = ("diagonal SSM", "S4 (LegS)", "S4D (LegS)")


def _both_protocols(seed: int) -> dict[str, dict[str, mc.CurveResult]]:
    """Both protocols at the small size: protocol name -> model name -> result."""
    return {name: {r.name: r for r in mc.run_experiment(seed, protocol=name, **SMALL)}
            for name in mc.PROTOCOLS}


@pytest.fixture(scope="module")
def seed0():
    return _both_protocols(0)


@pytest.fixture(scope="module", params=smoke_and_full(0, 3))
def small(request):
    """Both protocols at the small size, for seed 0 (smoke, the run of ``seed0``) and seed 3
    (full); the diagonal SSM settles at both."""
    return request.getfixturevalue("seed0") if request.param == 0 else \
        _both_protocols(request.param)


def test_s4_and_s4d_factors_match_their_slowest_modes(small):
    """Acceptance of issue 9: S4 within 1 % of e^{-Δ}, S4D within 1 % of e^{-Δ/2}."""
    for by in small.values():
        s4, s4d = by["S4 (LegS)"], by["S4D (LegS)"]
        assert s4.settled and s4d.settled
        assert abs(s4.factor / math.exp(-DT) - 1) <= 0.01
        assert abs(s4d.factor / math.exp(-DT / 2) - 1) <= 0.01
        # and they are told apart: S4 forgets about twice as fast per step
        assert s4.fit.rate == pytest.approx(2 * s4d.fit.rate, rel=0.05)


def test_linear_fits_do_not_beat_the_slowest_mode(small):
    """Each linear model's settled fit is at most its slowest mode's factor r, up to the
    window's own spread of local rates (and the fit's rounding uncertainty)."""
    for by in small.values():
        for name in LINEAR:
            r = by[name]
            assert r.settled, name
            assert r.allowed < 1  # the allowance no longer exceeds 1 (it used to be r e^s > 1)
            assert r.margin >= 0, (name, r.factor, r.radius, r.fit.spread)
            assert r.fit.spread <= mc.SETTLE * r.fit.rate


def test_a_wrong_factor_is_rejected(small):
    """The check can fail: S4's factor e^{-Δ} claimed for S4D, or any model's factor squared
    (the squared reading of the memory function), gives a negative margin."""
    for by in small.values():
        s4d = by["S4D (LegS)"]
        assert dataclasses.replace(s4d, radius=math.exp(-DT)).margin < 0
        for name in LINEAR:
            r = by[name]
            assert dataclasses.replace(r, radius=r.radius ** 2).margin < 0, name


@pytest.mark.parametrize("r", [0.5, 0.9048, 0.999])
def test_margin_is_tight_on_a_single_mode(r):
    """One mode: the fit is r itself and the margin is 0 up to rounding, so any smaller
    claimed factor (here by one part in 10^9) is rejected."""
    curve = 3.0 * r ** np.arange(1023.0)
    fit = fit_decay(curve, 0.0, settle=mc.SETTLE)
    res = mc.CurveResult("one mode", curve, fit, r, 0.0, True)
    assert fit.start == 0 and 0 <= res.margin < 1e-12
    assert dataclasses.replace(res, radius=r * (1 - 1e-9)).margin < 0


def test_nonlinear_cells_decay_exponentially(small):
    for by in small.values():
        for name in ("RNN (tanh)", "GRU", "LSTM"):
            r = by[name]
            assert r.fit is not None and 0 < r.factor < 0.95, name
            assert r.radius is None and r.margin is None


def test_the_reference_random_step_does_not_settle_in_1024_steps():
    """With Δ drawn per channel from [1e-3, 1e-1] the slowest channel decays like 0.9995^k:
    the curve has not settled at T = 1024 and is flagged, never checked as a rate."""
    by = {r.name: r for r in mc.run_experiment(0, dt=None, **SMALL)}
    s4d = by["S4D (LegS)"]
    assert not s4d.settled and s4d.margin is None and s4d.allowed is None
    assert "*" in mc.format_table(list(by.values()))


def test_b_clipping_scales_the_curves_but_keeps_the_rates(seed0):
    clipped = seed0["authors"]
    raw = {r.name: r for r in mc.run_experiment(0, protocol="authors", b_clip=None, **SMALL)}
    for name in ("S4 (LegS)", "S4D (LegS)"):
        assert not np.allclose(raw[name].curve, clipped[name].curve)
        assert raw[name].factor == pytest.approx(clipped[name].factor, rel=0.01)
    # the other models do not use B and draw the same random numbers
    assert np.array_equal(raw["GRU"].curve, clipped["GRU"].curve)


def test_protocols_differ_as_documented():
    d, a = mc.PROTOCOLS["definition"], mc.PROTOCOLS["authors"]
    assert mc.DEFAULT_PROTOCOL == "definition"
    assert (d.unit_direction, d.hidden, d.subtract_zero_response) == (True, 64, True)
    assert (a.unit_direction, a.hidden, a.subtract_zero_response) == (False, 16, False)
    # the bias transient: with the zero response subtracted, a zero direction has no memory
    rng = np.random.default_rng(0)
    gru = mc.build_models(rng, 2, 4)[1]
    zero = np.zeros(2)
    assert np.all(memory_curve(gru.run, zero, 30, subtract_zero_response=True) == 0)
    assert memory_curve(gru.run, zero, 30).max() > 0


# The slowest mode decays like exp(-Δ_min k / 2) with Δ_min ≥ 1e-3. The resolved tail ends at
# k = 17090 (the float floor), so the smoke horizon fits the same window as the full one.
@pytest.mark.parametrize("T", smoke_and_full(20000, 40000))
def test_s4d_is_asymptotically_exponential_at_its_slowest_mode(T):
    rng = np.random.default_rng(0)
    m = S4D(16, 64, rng)
    x = rng.standard_normal(16)
    curve = memory_curve(m.run, x[None], T)[0]
    y_scale = float(np.linalg.norm(m.run(np.broadcast_to(x, (T, 16))), axis=-1).max())
    floor = tolerance(NumberKind.FLOAT, y_scale)
    fit = fit_decay(curve, math.sqrt(floor * y_scale), noise=floor)
    assert fit is not None and fit.stop > 10 * 1024  # far past the paper's horizon
    r = m.spectral_radius
    assert fit.factor < 1
    # the fitted rate approaches the slowest mode's rate -ln r (within 10 %)
    assert fit.rate == pytest.approx(-math.log(r), rel=0.1)


def _line_data(fig):
    return [line for ax in fig.axes for line in ax.get_lines() if len(line.get_ydata())]


def test_figure_clips_zeros_marks_floor_windows_and_protocols(seed0):
    by = seed0["definition"]
    gru = by["GRU"]
    cut = gru.fit.stop + 1  # a converged gated cell's differences become exact zeros
    zeros = dataclasses.replace(gru, curve=np.r_[gru.curve[:cut], np.zeros(gru.curve.size - cut)])
    runs = {"definition": [*by.values(), zeros], "authors": list(seed0["authors"].values())}
    fig = mc.figure(runs)
    try:
        assert len(fig.axes) == 2
        for line in _line_data(fig):
            y = np.asarray(line.get_ydata(), dtype=float)
            assert np.all(np.isfinite(y)) and np.all(y > 0)  # nothing vanishes on the log axis
        for ax in fig.axes:
            labels = [t.get_text() for t in ax.get_legend().get_texts()]
            assert any("float64 floor" in t for t in labels)
            assert any("settled window" in t for t in labels)
            assert "$" in ax.get_ylabel() and "$" in ax.get_xlabel()
        first = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        for name in [*by, "GRU"]:
            assert any(t.startswith(name) for t in first), name
        caption = " ".join(t.get_text() for t in fig.texts)
        assert "default" in caption and "authors" in caption and "definition" in caption
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


@pytest.mark.slow
def test_table_and_png(seed0, tmp_path):
    table = mc.format_table(list(seed0["definition"].values()))
    assert "S4 (LegS)" in table and "S4D (LegS)" in table and "n/a" in table
    path = mc.plot_curves({"authors": list(seed0["authors"].values())},
                          tmp_path / "sub" / "curves.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_cli_prints_both_protocols_and_meets_the_acceptance_at_full_size(tmp_path, capsys):
    out = tmp_path / "cli.png"
    assert mc.main(["--out", str(out), "--seed", "1", "--no-b-clip"]) == 0
    text = capsys.readouterr().out
    assert out.exists() and "protocol definition" in text and "protocol authors" in text
    for name in mc.PROTOCOLS:
        by = {r.name: r for r in mc.run_experiment(0, protocol=name)}
        assert abs(by["S4 (LegS)"].factor / math.exp(-DT) - 1) <= 0.01
        assert abs(by["S4D (LegS)"].factor / math.exp(-DT / 2) - 1) <= 0.01
        for lin in LINEAR:
            assert by[lin].margin >= 0


#: Cases ``(call, name)`` of :func:`test_bad_arguments_name_the_parameter`.
BAD_ARGUMENTS_NAME_THE_PARAMETER_CASES = [
    (lambda: mc.build_models(np.random.default_rng(0), 2, 3), "hidden"),  # S4: even
    (lambda: mc.build_models(np.random.default_rng(0), 0, 4), "D"),
    (lambda: mc.build_models(0, 2, 4), "rng"),
    (lambda: mc.build_models(np.random.default_rng(0), 2, 4, 0.0), "dt"),
    (lambda: mc.build_models(np.random.default_rng(0), 2, 4, math.nan), "dt"),
    (lambda: mc.build_models(np.random.default_rng(0), 2, 4, 0.1, -2.0), "b_clip"),
    (lambda: mc.run_experiment(0, 1, 2, 4), "T"),
    (lambda: mc.run_experiment(-1, 16, 2, 4), "seed"),
    (lambda: mc.run_experiment(0, 16, 2, 5), "hidden"),
    (lambda: mc.run_experiment(0, 16, 2, 4, protocol="paper"), "protocol"),
    (lambda: mc.run_experiment(0, 16, 2, 4, settle=0.0), "settle"),
    (lambda: mc.run_experiment(0, 16, 2, 4, settle=math.inf), "settle"),
    (lambda: mc.format_table(["row"]), "results"),
    (lambda: mc.figure([]), "runs"),
    (lambda: mc.figure({"paper": []}), "runs"),
    (lambda: mc.figure({"authors": []}), "runs"),
    (lambda: mc.figure({"authors": ["row"]}), "runs"),
]


def _bad_arguments_name_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}: "):
        call()


def test_bad_arguments_name_the_parameter():
    """Every case of the table (a failure lists each failing case)."""
    check_every_case(_bad_arguments_name_the_parameter, BAD_ARGUMENTS_NAME_THE_PARAMETER_CASES)


@pytest.fixture(scope="module")
def quick_smoke(tmp_path_factory):
    """``(directory, record, drawn)`` of ``reproduce(quick=True)`` with the figure handed to a
    stand-in that keeps what it was given (``drawn``: the runs and the path). Drawing is most
    of the run's time (the caption's wrapped mathtext); the full test below draws."""
    out = tmp_path_factory.mktemp("memory_curves")
    drawn = {}

    def keep(runs, path):
        drawn.update(runs=runs, path=Path(path))
        return Path(path)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mc, "plot_curves", keep)
        return out, mc.reproduce(out / "figs", quick=True, seed=0), drawn


@pytest.mark.parametrize("draw", smoke_and_full(False, True))
def test_reproduce_writes_the_figure_and_a_json_ready_record(draw, request, tmp_path):
    """The record of a quick run, and its figure: the smoke version the record of
    ``quick_smoke`` (drawn by the stand-in), the full version a run that writes the PNG."""
    import json

    if draw:
        out, record = tmp_path, mc.reproduce(tmp_path / "figs", quick=True, seed=0)
    else:
        out, record, drawn = request.getfixturevalue("quick_smoke")
    assert record["ok"] and record["quick"] and record["settings"]["T"] == mc.QUICK_T
    png = out / "figs" / "memory_curves.png"
    assert record["figure"] == str(png)
    if draw:
        assert png.read_bytes()[:4] == b"\x89PNG"
    else:  # both protocols' curves, the recorded ones, to the recorded path
        assert drawn["path"] == png and list(drawn["runs"]) == list(mc.PROTOCOLS)
        assert [(p, r.name, json_number(r.factor)) for p, res in drawn["runs"].items()
                for r in res] == [(r["protocol"], r["model"], r["factor"])
                                  for r in record["rows"]]
    json.dumps(record, allow_nan=False)
    linear = [r for r in record["rows"] if r["slowest_factor"] is not None]
    assert {(r["protocol"], r["model"]) for r in linear} == {
        (p, m) for p in mc.PROTOCOLS for m in LINEAR}
    assert all(r["settled"] and r["margin"] >= 0 for r in linear)
    assert "protocol definition" in record["table"] and "protocol authors" in record["table"]


def _squared(r: mc.CurveResult) -> mc.CurveResult:
    """``r`` claiming the square of its slowest factor (the squared reading)."""
    return r if r.radius is None else dataclasses.replace(r, radius=r.radius ** 2)


@pytest.fixture
def squared_radii(monkeypatch):
    """Claiming the square of each slowest factor in every measurement."""
    real = mc._measure
    monkeypatch.setattr(mc, "_measure", lambda *args, **kwargs: _squared(real(*args, **kwargs)))


def test_reproduce_fails_a_fit_faster_than_the_slowest_mode(quick_smoke, tmp_path, monkeypatch):
    """The verdict of a quick run whose every measurement claims the square of its slowest
    factor: the curves of ``quick_smoke`` (the same run), measured once for both tests."""
    runs = {name: [_squared(r) for r in res] for name, res in quick_smoke[2]["runs"].items()}
    monkeypatch.setattr(mc, "run_experiment", lambda *args, protocol, **kwargs: runs[protocol])
    monkeypatch.setattr(mc, "plot_curves", lambda runs, path: Path(path))  # the verdict only
    record = mc.reproduce(tmp_path, quick=True, seed=0)
    assert not record["ok"] and "faster than Theorem 3.13 allows" in record["verdict"]


@pytest.mark.extended  # the command line of the test above: a second quick run
@pytest.mark.usefixtures("squared_radii")
def test_cli_exits_1_on_a_fit_faster_than_the_slowest_mode(tmp_path):
    assert mc.main(["--quick", "--out", str(tmp_path / "cli.png")]) == 1
