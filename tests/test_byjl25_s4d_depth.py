"""Tests of the BYJL25 S4D depth experiment (verify/experiments/byjl25_s4d_depth.py): the quick
run writes its figure and table, the hand-written backpropagation matches finite differences,
the FFT convolution matches the diagonal recurrence it stands for, a seed fixes the numbers,
parameter counts are matched, and the verdict reacts to reversed results (negative control).

Drawing a figure takes most of a quick run's time: the default run draws none of them (smoke
versions; a stand-in keeps what would be drawn, the figure test checks the content), the full
versions under the ``extended`` marker write the PNGs."""

import re

import numpy as np
import pytest
from bad_input_cases import check_every_case
from strategies import smoke_and_full
from test_experiments_common import check_record, drawn_paths, stand_in_for_plot

from theory.numbers import InvalidParameterError
from verify.experiments import byjl25_s4d_depth as sd
from verify.experiments.byjl25_fit import PAPER_NUMBERS_NOTE

#: A run of a fraction of a second.
TINY = sd.Config(depths=(1, 2), base_channels=2, modes=2, length=12, train=6, test=6, seeds=1,
                 iterations=5)


#: The quick run's settings in the default run (a fraction of a second, four depths, not
#: drawn); the real ``QUICK`` settings (about 5 s, the figure written) run under the
#: ``extended`` marker.
SMOKE = sd.Config(length=16, train=16, test=16, seeds=1, iterations=15)


@pytest.fixture(scope="module", params=smoke_and_full((SMOKE, False), (sd.QUICK, True)))
def quick(request, tmp_path_factory):
    """``(directory, record, settings, drawn)`` of ``reproduce(quick=True)``: the smoke version
    drawn by ``stand_in_for_plot`` (``drawn``: its calls; the figure test checks the content),
    the full version written (``drawn`` is ``None``)."""
    config, draw = request.param
    out = tmp_path_factory.mktemp("s4d")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sd, "QUICK", config)
        drawn = None if draw else stand_in_for_plot(mp, sd)
        return out, sd.reproduce(out, quick=True, seed=0), config, drawn


def test_quick_record_and_table(quick):
    out, record, config, drawn = quick
    check_record(record, sd, out, quick=True, seed=0, drawn=drawn)
    assert record["ok"] and PAPER_NUMBERS_NOTE in record["table"]
    assert [r["depth"] for r in record["rows"]] == list(config.depths)
    budget = sd.Model(max(config.depths), config.base_channels, config.modes).size
    for row in record["rows"]:
        assert row["parameters"] == sd.Model(row["depth"], row["channels"], config.modes).size
        assert abs(row["parameters"] - budget) <= 0.1 * budget  # comparable counts
        assert len(row["test_errors"]) == config.seeds
        # training did something: every model beats predicting the mean on the training set
        assert max(row["train_errors"]) < 1.0
        line = next(li for li in record["table"].splitlines()
                    if re.match(rf"\s+{row['depth']}\s+{row['channels']}\s", li))
        assert f"{row['median_test_error']:.3e}" in line


# --------------------------------------------------------------------------- gradient
def _problem(depth, channels, modes, seed=0, B=3, T=10):
    rng = np.random.default_rng(seed)
    model = sd.Model(depth, channels, modes)
    theta = model.initial(rng) + 0.1 * rng.standard_normal(model.size)
    return model, theta, rng.standard_normal((B, T)), rng.standard_normal((B, T))


@pytest.mark.parametrize(("depth", "channels", "modes"), [(1, 3, 2), (2, 2, 3), (3, 2, 2)])
def test_gradient_matches_finite_differences(depth, channels, modes):
    model, theta, x, y = _problem(depth, channels, modes)
    loss, grad = sd.loss_and_gradient(model, theta, x, y)
    h = 1e-6
    fd = np.array([(sd.loss_and_gradient(model, theta + e, x, y)[0]
                    - sd.loss_and_gradient(model, theta - e, x, y)[0]) / (2 * h)
                   for e in h * np.eye(model.size)])
    # central differences: truncation h²|f'''|/6 plus rounding ε|f|/h, both below 1e-9 here
    tol = 1e-7 * max(1.0, float(np.max(np.abs(grad))))
    assert np.max(np.abs(grad - fd)) <= tol
    # negative control: one entry off by 1e-5 fails the comparison
    wrong = grad.copy()
    wrong[model.size // 2] += 1e-5 * max(1.0, float(np.max(np.abs(grad))))
    assert np.max(np.abs(wrong - fd)) > tol
    assert loss == pytest.approx(np.mean((sd._forward(model, theta, x)[0] - y) ** 2), rel=1e-15)


def test_convolution_is_the_diagonal_recurrence():
    # forward pass by FFT against the S4D recurrence h_t = e^ζ h_{t-1} + u_t, z = 2 Re(C h) + Du
    model, theta, x, _ = _problem(2, 2, 3, seed=4, T=16)
    layers, head = model.unpack(theta)
    u = x[:, :, None] * head["w_in"] + head["b_in"]
    for layer in layers:
        lam = np.exp(-np.exp(layer["p"]) + 1j * layer["q"])  # (d, N)
        C = layer["c_re"] + 1j * layer["c_im"]
        h = np.zeros(u.shape[:1] + lam.shape, dtype=complex)
        z = np.zeros_like(u)
        for t in range(u.shape[1]):
            h = lam * h + u[:, t, :, None]
            z[:, t] = 2 * np.sum(C * h, axis=-1).real + layer["D"] * u[:, t]
        u = u + np.tanh(z @ layer["W"] + layer["b"])
    direct = u @ head["w_out"] + head["b_out"]
    fft, _ = sd._forward(model, theta, x)
    np.testing.assert_allclose(fft, direct, rtol=1e-12, atol=1e-12 * np.max(np.abs(direct)))
    # negative control: a circular FFT of length T (no zero padding) wraps the tail around
    K, _ = sd._kernel(layers[0], x.shape[1])
    u0 = x[:, :, None] * head["w_in"] + head["b_in"]
    circular = np.fft.irfft(np.fft.rfft(u0, axis=1) * np.fft.rfft(K.T, axis=0)[None],
                            x.shape[1], axis=1)
    padded = sd._conv(u0, np.fft.rfft(K.T, 2 * x.shape[1], axis=0)[None], x.shape[1])
    assert np.max(np.abs(circular - padded)) > 1e-3


def test_filtered_square_task_matches_its_formula():
    x, y = sd.filtered_square_task(np.random.default_rng(2), 2, 20)
    s = np.arange(20)
    g1, g2 = 0.8**s * np.cos(s / 2), 0.9**s
    for t in (0, 7, 19):
        inner = [sum(g1[j] * x[1, r - j] for j in range(r + 1)) for r in range(t + 1)]
        expected = sum(g2[t - r] * inner[r] ** 2 for r in range(t + 1))
        assert y[1, t] == pytest.approx(expected, rel=1e-12)


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_numbers_and_the_seed_matters():
    first, again, other = sd.run(TINY, 1), sd.run(TINY, 1), sd.run(TINY, 2)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a.test_errors, b.test_errors)
        np.testing.assert_array_equal(a.train_errors, b.train_errors)
    assert not np.array_equal(first[0].test_errors, other[0].test_errors)


@pytest.mark.parametrize("draw", smoke_and_full(False, True))
def test_cli_same_seed_same_table(draw, monkeypatch, tmp_path, capsys):
    """Drawing is most of a tiny run's time: the smoke version hands the figure to a stand-in
    that keeps its arguments, the full version writes the PNG of ``--out`` first."""
    monkeypatch.setattr(sd, "QUICK", TINY)
    drawn = [] if draw else stand_in_for_plot(monkeypatch, sd)
    tables = []
    for seed in (3, 3, 4):  # the command line of the quick run, on the tiny settings
        assert sd.main(["--quick", "--seed", str(seed), "--out", str(tmp_path / "f.png")]) == 0
        tables.append(re.sub(r"seed=\d+", "", capsys.readouterr().out))
        monkeypatch.setattr(sd, "plot", lambda *args: None)  # the tables only, from here on
    assert tables[0] == tables[1] != tables[2]
    if draw:
        assert (tmp_path / "f.png").stat().st_size > 1000
    else:  # drawn once, to the path of --out
        assert drawn_paths(drawn) == [[tmp_path / "f.png"]]


# --------------------------------------------------------------------------- counts, verdict
#: Cases ``(depth, budget, modes)`` of :func:`test_matched_channels_is_the_closest_count`.
MATCHED_CHANNELS_CASES = [(1, 365, 4), (2, 365, 4), (3, 365, 4), (4, 365, 4), (1, 10, 1),
                          (3, 40, 2)]


def _matched_channels_is_the_closest_count(depth, budget, modes):
    d = sd.matched_channels(depth, budget, modes)
    best = min(abs(sd.Model(depth, c, modes).size - budget) for c in range(1, 64))
    assert abs(sd.Model(depth, d, modes).size - budget) == best


def test_matched_channels_is_the_closest_count():
    """Every case of the table (a failure lists each failing case)."""
    check_every_case(_matched_channels_is_the_closest_count, MATCHED_CHANNELS_CASES)


def test_model_size_counts_every_parameter():
    model = sd.Model(3, 4, 2)
    layers, head = model.unpack(np.zeros(model.size))
    total = sum(v.size for layer in layers for v in layer.values())
    assert total + sum(v.size for v in head.values()) == model.size == 3 * (32 + 24) + 13


def _rows(test_medians):
    return [sd.Row(depth, 4, 100, np.array([v]), np.array([v]))
            for depth, v in enumerate(test_medians, start=1)]


def test_verdict_reports_deeper_models_below_depth_one():
    assert "deeper models below it: 2 of 3 (depths [2, 4])" in sd._verdict(_rows([0.5, 0.2,
                                                                                   0.6, 0.1]))
    # negative control: every deeper model worse
    assert "deeper models below it: 0 of 3" in sd._verdict(_rows([0.1, 0.2, 0.3, 0.4]))
    assert "best depth 1" in sd._verdict(_rows([0.1, 0.2, 0.3, 0.4]))


def test_a_diverged_run_is_not_ok():
    # negative control of ``ok`` (the exit status): a non-finite error
    rows = _rows([0.5, np.nan])
    assert not sd._finite(rows) and sd._finite(_rows([0.5, 0.4]))
    assert sd._table_rows(rows)[1]["test_errors"] == [None]  # JSON-ready


# --------------------------------------------------------------------------- figure
@pytest.mark.parametrize("write", smoke_and_full(False, True))
def test_figure_has_integer_depth_ticks_mathtext_and_a_complete_legend(write, tmp_path):
    """The figure's content; the full version also writes it (most of the test's time)."""
    rows = [sd.Row(d, 8 - d, 300 + d, np.array([0.2, 0.3]), np.array([0.3, 0.5]))
            for d in (1, 2, 3, 4)]
    fig = sd.plot(rows, tmp_path / "f.png" if write else None)
    assert (tmp_path / "f.png").exists() == write
    if write:
        assert (tmp_path / "f.png").stat().st_size > 1000
    (ax,) = fig.axes
    assert list(ax.get_xticks()) == [1, 2, 3, 4]
    assert "$L$" in ax.get_xlabel() and "$" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert all(f"$d = {8 - d}$" in t for d, t in zip((1, 2, 3, 4), labels))
    # every drawn series (an errorbar container's data line) is a legend entry, and the
    # legend shows both
    handles, legend_labels = ax.get_legend_handles_labels()
    named = {id(h[0]) for h in handles}
    drawn = [line for line in ax.get_lines() if line.get_marker() not in ("", "None", "_")]
    assert len(drawn) == 2 and all(id(line) in named for line in drawn)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == legend_labels
    assert any("test" in t for t in legend_labels) and any("train" in t for t in legend_labels)


# --------------------------------------------------------------------------- interface
def test_uniform_interface_and_help(capsys):
    assert "reproduce" in sd.__all__ and sd.DEFAULT_OUT.name == f"{sd.NAME}.png"
    assert "measured" in sd.QUICK_HELP
    with pytest.raises(SystemExit) as info:
        sd.main(["--help"])
    assert info.value.code == 0 and "--quick" in capsys.readouterr().out


#: Cases ``(call, name)`` of :func:`test_bad_settings_name_the_parameter`.
BAD_SETTINGS_NAME_THE_PARAMETER_CASES = [
    (lambda: sd.Config(depths=()), "depths"),
    (lambda: sd.Config(depths=(1, 0)), "depths"),
    (lambda: sd.Config(base_channels=0), "base_channels"),
    (lambda: sd.Config(modes=2.5), "modes"),
    (lambda: sd.Config(length=-1), "length"),
    (lambda: sd.Config(train=0), "train"),
    (lambda: sd.Config(test=0), "test"),
    (lambda: sd.Config(seeds=0), "seeds"),
    (lambda: sd.Config(iterations=0), "iterations"),
    (lambda: sd.Model(0, 2, 2), "depth"),
    (lambda: sd.Model(1, 2, 2).unpack(np.zeros(3)), "theta"),
    (lambda: sd.Model(1, 2, 2).unpack(np.full(sd.Model(1, 2, 2).size, np.nan)), "theta"),
    (lambda: sd.Model(1, 2, 2).initial("rng"), "rng"),
    (lambda: sd.filtered_square_task("rng", 2, 3), "rng"),
    (lambda: sd.filtered_square_task(np.random.default_rng(0), 0, 3), "sequences"),
    (lambda: sd.filtered_square_task(np.random.default_rng(0), 2, 0), "length"),
    (lambda: sd.loss_and_gradient("model", np.zeros(3), np.zeros((1, 2)), np.zeros((1, 2))),
     "model"),
    (lambda: sd.loss_and_gradient(sd.Model(1, 1, 1), np.zeros(sd.Model(1, 1, 1).size),
                                  np.full((1, 2), np.nan), np.zeros((1, 2))), "x"),
    (lambda: sd.loss_and_gradient(sd.Model(1, 1, 1), np.zeros(sd.Model(1, 1, 1).size),
                                  np.zeros((1, 2)), np.zeros((1, 3))), "y"),
    (lambda: sd.loss_and_gradient(sd.Model(1, 1, 1), np.zeros(2), np.zeros((1, 2)),
                                  np.zeros((1, 2))), "theta"),
    (lambda: sd.matched_channels(0, 10, 1), "depth"),
    (lambda: sd.matched_channels(1, 0, 1), "budget"),
    (lambda: sd.run("config", 0), "config"),
    (lambda: sd.run(TINY, -1), "seed"),
]


def _bad_settings_name_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}: "):
        call()


def test_bad_settings_name_the_parameter():
    """Every case of the table (a failure lists each failing case)."""
    check_every_case(_bad_settings_name_the_parameter, BAD_SETTINGS_NAME_THE_PARAMETER_CASES)
