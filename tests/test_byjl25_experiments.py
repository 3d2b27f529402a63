"""Tests of the BYJL25 experiments: quick runs write their figure, print the expected table, and
show the qualitative results; the verdict lines react to violations (negative controls)."""

import contextlib
import io
import re

import numpy as np
import pytest

from theory.numbers import InvalidParameterError
from verify.experiments import byjl25_fit, byjl25_norm_vs_depth
from verify.experiments.byjl25_fit import PAPER_NUMBERS_NOTE, Row, minimal_width
from verify.experiments.byjl25_norm_vs_depth import Point

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NUMBER = r"[-+0-9.e]+"


def _run(module, path):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        status = module.main(["--quick", "--out", str(path)])
    return status, buf.getvalue()


def _assert_png(path):
    data = path.read_bytes()
    assert len(data) > 1000 and data.startswith(PNG_MAGIC)


# --------------------------------------------------------------------------- fit experiment
@pytest.fixture(scope="module")
def fit_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("fit") / "fit.png"
    status, out = _run(byjl25_fit, path)
    return status, out, path


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


def test_fit_run_writes_figure_and_note(fit_run):
    status, out, path = fit_run
    assert status == 0
    _assert_png(path)
    assert PAPER_NUMBERS_NOTE in out


def test_fit_table_has_the_expected_rows(fit_run):
    rows = _fit_rows(fit_run[1])
    config = byjl25_fit.QUICK
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


@pytest.mark.parametrize(("n", "depth", "width"), [(4, 1, 4), (4, 2, 3), (4, 3, 2), (5, 2, 3),
                                                    (5, 4, 2), (1, 3, 1)])
def test_minimal_width(n, depth, width):
    assert minimal_width(n, depth) == width
    assert depth * (width - 1) + 1 >= n
    assert width == 1 or depth * (width - 2) + 1 < n


# --------------------------------------------------------------------------- norm experiment
@pytest.fixture(scope="module")
def norm_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("norm") / "norm.png"
    status, out = _run(byjl25_norm_vs_depth, path)
    return status, out, path


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


def test_norm_run_writes_figure_and_note(norm_run):
    status, out, path = norm_run
    assert status == 0
    _assert_png(path)
    assert PAPER_NUMBERS_NOTE in out


def test_norm_table_has_the_expected_rows(norm_run):
    rows = _norm_rows(norm_run[1])
    config = byjl25_norm_vs_depth.QUICK
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
    assert "measured norms satisfy" in byjl25_norm_vs_depth.format_report([good], config, 0)


@pytest.mark.parametrize(
    ("call", "name"),
    [
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
        (lambda: byjl25_norm_vs_depth.run("config", 0), "config"),
        (lambda: byjl25_norm_vs_depth.run(byjl25_norm_vs_depth.QUICK, 2.5), "seed"),
    ],
)
def test_bad_settings_name_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}: "):
        call()
