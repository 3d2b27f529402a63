"""Tests of the WX23 memory experiment: exponential decay, S4D slowest, figure and CLI."""

import math

import numpy as np
import pytest

from theory.memory import fit_decay, memory_curve
from theory.numbers import InvalidParameterError, NumberKind, tolerance
from verify.cells import S4D
from verify.experiments import memory_curves as mc


@pytest.fixture(scope="module")
def results():
    return mc.run_experiment(seed=0)


def test_all_curves_decay_exponentially_and_s4d_is_slowest(results):
    by = {r.name: r for r in results}
    assert len(by) == 5
    for r in results:
        assert r.fit is not None and r.factor < 1, r.name
    s4d = by["S4D (LegS)"]
    for other in ("RNN (tanh)", "GRU", "LSTM", "diagonal SSM"):
        assert s4d.factor > by[other].factor
    # Theorem 3.13 for the one-layer linear models: the fit stays within r e^s
    for name in ("diagonal SSM", "S4D (LegS)"):
        assert by[name].factor <= by[name].allowed


def test_s4d_is_asymptotically_exponential_at_its_slowest_mode():
    rng = np.random.default_rng(0)
    m = S4D(16, 64, rng)
    x = rng.standard_normal(16)
    T = 40000  # the slowest mode decays like exp(-Δ_min k / 2) with Δ_min ≥ 1e-3
    curve = memory_curve(m.run, x[None], T)[0]
    y_scale = float(np.linalg.norm(m.run(np.broadcast_to(x, (T, 16))), axis=-1).max())
    floor = tolerance(NumberKind.FLOAT, y_scale)
    fit = fit_decay(curve, math.sqrt(floor * y_scale), noise=floor)
    assert fit is not None and fit.stop > 10 * 1024  # far past the paper's horizon
    r = m.spectral_radius
    assert fit.factor < 1
    # the fitted rate approaches the slowest mode's rate -ln r (within 10 %)
    assert fit.rate == pytest.approx(-math.log(r), rel=0.1)


def test_table_figure_and_cli(results, tmp_path, capsys):
    table = mc.format_table(results)
    assert "S4D (LegS)" in table and "n/a" in table
    path = mc.plot_curves(results, tmp_path / "sub" / "curves.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = tmp_path / "cli.png"
    assert mc.main(["--out", str(out), "--seed", "1"]) == 0
    assert out.exists() and "fitted factor" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: mc.build_models(np.random.default_rng(0), 2, 3), "hidden"),  # S4D: even
        (lambda: mc.build_models(np.random.default_rng(0), 0, 4), "D"),
        (lambda: mc.build_models(0, 2, 4), "rng"),
        (lambda: mc.run_experiment(0, 1, 2, 4), "T"),
        (lambda: mc.run_experiment(-1, 16, 2, 4), "seed"),
        (lambda: mc.run_experiment(0, 16, 2, 5), "hidden"),
        (lambda: mc.format_table(["row"]), "results"),
    ],
)
def test_bad_arguments_name_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}: "):
        call()
