"""Tests of the shared experiment helpers (verify/experiments/_checks.py) and of the uniform
interface of the experiment modules: the ``plots`` extra check (matplotlib simulated missing),
``reproduce(out_dir, *, quick=False, seed=0)`` and the common command-line options."""

from __future__ import annotations

import inspect
import json
import sys
import typing
from itertools import product
from pathlib import Path

import pytest
from bad_input_cases import check_every_case

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


def _without_computation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every experiment's ``run`` fail: a test then shows that nothing was computed."""
    for module in MODULES:
        monkeypatch.setattr(module, "run", _no_computation)


def _case_dir(tmp_path, *names: object):
    """A fresh empty directory of its own for one case of a table."""
    path = tmp_path.joinpath(*map(str, names))
    path.mkdir(parents=True)
    return path


def test_cli_fails_early_without_matplotlib(no_matplotlib, monkeypatch, tmp_path, capsys):
    """Every experiment's command line stops with exit status 2 and names the plots extra."""
    _without_computation(monkeypatch)

    def check(module):
        capsys.readouterr()  # only this case's output
        out = _case_dir(tmp_path, module.NAME) / "fig.png"
        with pytest.raises(SystemExit) as info:
            module.main(["--quick", "--out", str(out)])
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert 'pip install ".[plots]"' in err and "plots" in err and module.NAME in err
        assert not out.exists()

    check_every_case(check, product(MODULES))


def test_help_works_without_matplotlib(no_matplotlib, capsys):
    """Every experiment's ``--help`` works without matplotlib."""

    def check(module):
        capsys.readouterr()  # only this case's output
        with pytest.raises(SystemExit) as info:
            module.main(["--help"])
        assert info.value.code == 0
        assert "--quick" in capsys.readouterr().out

    check_every_case(check, product(MODULES))


def test_reproduce_fails_early_without_matplotlib(no_matplotlib, monkeypatch, tmp_path):
    """Every experiment's ``reproduce`` names the plots extra and writes nothing."""
    _without_computation(monkeypatch)

    def check(module):
        out_dir = _case_dir(tmp_path, module.NAME)
        with pytest.raises(_checks.PlotsExtraMissing, match=r'pip install "\.\[plots\]"'):
            module.reproduce(out_dir, quick=True)
        assert list(out_dir.iterdir()) == []

    check_every_case(check, product(MODULES))


def _every_experiment_has_the_uniform_interface(module):
    params = inspect.signature(module.reproduce).parameters
    assert list(params) == ["out_dir", "quick", "seed"]
    assert params["quick"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["seed"].kind is inspect.Parameter.KEYWORD_ONLY
    assert (params["quick"].default, params["seed"].default) == (False, 0)
    assert "reproduce" in module.__all__
    assert module.DEFAULT_OUT.name == f"{module.NAME}.png"
    assert "measured" in module.QUICK_HELP  # the help states the measured time


def test_every_experiment_has_the_uniform_interface() -> None:
    """Every experiment has the uniform interface: every case of ``MODULES``."""
    check_every_case(_every_experiment_has_the_uniform_interface, product(MODULES))


#: ``(kwargs, name)``: a bad argument of ``reproduce`` and the parameter its error names.
BAD_REPRODUCE_ARGUMENTS = [
    ({"out_dir": 3}, "out_dir"), ({"out_dir": ""}, "out_dir"),
    ({"quick": "yes"}, "quick"), ({"quick": 1}, "quick"),
    ({"seed": -1}, "seed"), ({"seed": 2.5}, "seed"), ({"seed": True}, "seed"),
]


def test_reproduce_rejects_bad_arguments_before_computing(monkeypatch, tmp_path):
    """Every experiment refuses each bad argument by name before computing or writing."""
    _without_computation(monkeypatch)

    def check(i, module, kwargs, name):
        case_dir = _case_dir(tmp_path, i)
        call = {"out_dir": case_dir, "quick": True, "seed": 0, **kwargs}
        out_dir = call.pop("out_dir")
        with pytest.raises(InvalidParameterError, match=rf"^{name}: "):
            module.reproduce(out_dir, **call)
        assert list(case_dir.iterdir()) == []

    cases = product(MODULES, BAD_REPRODUCE_ARGUMENTS)
    check_every_case(check, [(i, module, *bad) for i, (module, bad) in enumerate(cases)])


def test_reproduce_refuses_an_existing_file_as_out_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(wx23_width_vs_T, "run", _no_computation)
    file = tmp_path / "not_a_dir"
    file.write_text("x")
    with pytest.raises(InvalidParameterError, match=r"^out_dir: .*existing file"):
        wx23_width_vs_T.reproduce(file)


def test_cli_rejects_a_bad_seed(capsys):
    """Every experiment's command line refuses each bad seed (exit status 2) naming ``--seed``."""

    def check(module, bad):
        capsys.readouterr()  # only this case's output
        with pytest.raises(SystemExit) as info:
            module.main(["--seed", bad])
        assert info.value.code == 2
        assert "--seed" in capsys.readouterr().err

    check_every_case(check, product(MODULES, ["-1", "2.5", "x"]))


def stand_in_for_plot(monkeypatch, module):
    """Replace ``module.plot`` by a stand-in that keeps the arguments of each call (the returned
    list): drawing is most of a quick run's time, so the smoke versions of the records do not
    draw (the figure tests check the content, the full versions write the PNG)."""
    drawn = []
    monkeypatch.setattr(module, "plot", lambda *args: drawn.append(args))
    return drawn


def drawn_paths(drawn):
    """The paths given to each call of :func:`stand_in_for_plot`'s stand-in."""
    return [[arg for arg in args if isinstance(arg, Path)] for args in drawn]


def check_record(record, module, out_dir, *, quick, seed, drawn=None):
    """The record of ``module.reproduce``: every key of ExperimentRecord, JSON-ready (no NaN
    or infinity), the figure written where the interface says. For a run drawn by
    :func:`stand_in_for_plot` (``drawn``: its calls) the figure must have been drawn once, to
    the record's path, instead of its PNG's bytes being checked."""
    keys = typing.get_type_hints(_checks.ExperimentRecord)
    assert set(record) == set(keys)
    assert (record["name"], record["quick"], record["seed"]) == (module.NAME, quick, seed)
    path = out_dir / f"{module.NAME}.png"
    assert record["figure"] == str(path)
    if drawn is None:
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000
    else:
        assert drawn_paths(drawn) == [[path]]
    json.dumps(record, allow_nan=False)  # raises on NaN/inf or a non-JSON value
    assert record["rows"] and all(isinstance(r, dict) for r in record["rows"])
    assert record["verdict"] in record["table"]


def test_dataclass_settings_and_json_number():
    assert _checks.dataclass_settings(byjl25_fit.QUICK)["depths"] == list(byjl25_fit.QUICK.depths)
    assert _checks.json_number(float("nan")) is None
    assert _checks.json_number(float("inf")) is None
    assert _checks.json_number(2) == 2.0
