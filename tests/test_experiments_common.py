"""Tests of the shared experiment helpers (verify/experiments/_checks.py) and of the uniform
interface of the experiment modules: the ``plots`` extra check (matplotlib simulated missing),
``reproduce(out_dir, *, quick=False, seed=0)`` and the common command-line options."""

from __future__ import annotations

import inspect
import json
import sys
import typing

import pytest

from theory.numbers import InvalidParameterError
from verify.experiments import (
    _checks,
    byjl25_fit,
    byjl25_norm_vs_depth,
    byjl25_s4d_depth,
    byjl25_teacher_student,
    wx23_width_vs_T,
)

MODULES = (byjl25_fit, byjl25_norm_vs_depth, byjl25_teacher_student, byjl25_s4d_depth,
           wx23_width_vs_T)


def _no_computation(*_args, **_kwargs):
    raise AssertionError("the experiment computed although matplotlib is missing")


@pytest.fixture
def no_matplotlib(monkeypatch):
    """Simulate an installation without the plots extra: ``import matplotlib`` fails."""
    for name in [n for n in sys.modules if n == "matplotlib" or n.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import raises ImportError


def test_require_matplotlib_passes_when_installed():
    assert _checks.require_matplotlib() is None


def test_require_matplotlib_names_the_plots_extra(no_matplotlib):
    with pytest.raises(_checks.PlotsExtraMissing, match=r'pip install "\.\[plots\]"') as info:
        _checks.require_matplotlib()
    assert isinstance(info.value, ImportError)
    assert "matplotlib" in str(info.value)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.NAME)
def test_cli_fails_early_without_matplotlib(module, no_matplotlib, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(module, "run", _no_computation)
    out = tmp_path / "fig.png"
    with pytest.raises(SystemExit) as info:
        module.main(["--quick", "--out", str(out)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert 'pip install ".[plots]"' in err and "plots" in err and module.NAME in err
    assert not out.exists()


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.NAME)
def test_help_works_without_matplotlib(module, no_matplotlib, capsys):
    with pytest.raises(SystemExit) as info:
        module.main(["--help"])
    assert info.value.code == 0
    assert "--quick" in capsys.readouterr().out


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.NAME)
def test_reproduce_fails_early_without_matplotlib(module, no_matplotlib, monkeypatch, tmp_path):
    monkeypatch.setattr(module, "run", _no_computation)
    with pytest.raises(_checks.PlotsExtraMissing, match=r'pip install "\.\[plots\]"'):
        module.reproduce(tmp_path, quick=True)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.NAME)
def test_every_experiment_has_the_uniform_interface(module):
    params = inspect.signature(module.reproduce).parameters
    assert list(params) == ["out_dir", "quick", "seed"]
    assert params["quick"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["seed"].kind is inspect.Parameter.KEYWORD_ONLY
    assert (params["quick"].default, params["seed"].default) == (False, 0)
    assert "reproduce" in module.__all__
    assert module.DEFAULT_OUT.name == f"{module.NAME}.png"
    assert "measured" in module.QUICK_HELP  # the help states the measured time


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.NAME)
@pytest.mark.parametrize(("kwargs", "name"), [
    ({"out_dir": 3}, "out_dir"), ({"out_dir": ""}, "out_dir"),
    ({"quick": "yes"}, "quick"), ({"quick": 1}, "quick"),
    ({"seed": -1}, "seed"), ({"seed": 2.5}, "seed"), ({"seed": True}, "seed"),
])
def test_reproduce_rejects_bad_arguments_before_computing(module, kwargs, name, monkeypatch,
                                                          tmp_path):
    monkeypatch.setattr(module, "run", _no_computation)
    call = {"out_dir": tmp_path, "quick": True, "seed": 0, **kwargs}
    out_dir = call.pop("out_dir")
    with pytest.raises(InvalidParameterError, match=rf"^{name}: "):
        module.reproduce(out_dir, **call)
    assert list(tmp_path.iterdir()) == []


def test_reproduce_refuses_an_existing_file_as_out_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(wx23_width_vs_T, "run", _no_computation)
    file = tmp_path / "not_a_dir"
    file.write_text("x")
    with pytest.raises(InvalidParameterError, match=r"^out_dir: .*existing file"):
        wx23_width_vs_T.reproduce(file)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.NAME)
@pytest.mark.parametrize("bad", ["-1", "2.5", "x"])
def test_cli_rejects_a_bad_seed(module, bad, capsys):
    with pytest.raises(SystemExit) as info:
        module.main(["--seed", bad])
    assert info.value.code == 2
    assert "--seed" in capsys.readouterr().err


def check_record(record, module, out_dir, *, quick, seed):
    """The record of ``module.reproduce``: every key of ExperimentRecord, JSON-ready (no NaN
    or infinity), the figure written where the interface says."""
    keys = typing.get_type_hints(_checks.ExperimentRecord)
    assert set(record) == set(keys)
    assert (record["name"], record["quick"], record["seed"]) == (module.NAME, quick, seed)
    assert record["figure"] == str(out_dir / f"{module.NAME}.png")
    data = (out_dir / f"{module.NAME}.png").read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000
    json.dumps(record, allow_nan=False)  # raises on NaN/inf or a non-JSON value
    assert record["rows"] and all(isinstance(r, dict) for r in record["rows"])
    assert record["verdict"] in record["table"]


def test_dataclass_settings_and_json_number():
    assert _checks.dataclass_settings(byjl25_fit.QUICK)["depths"] == list(byjl25_fit.QUICK.depths)
    assert _checks.json_number(float("nan")) is None
    assert _checks.json_number(float("inf")) is None
    assert _checks.json_number(2) == 2.0
