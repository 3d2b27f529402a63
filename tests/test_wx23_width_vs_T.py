"""Tests of the width-vs-T experiment (Result D against the window route)."""

from __future__ import annotations

import numpy as np
import pytest

from theory.numbers import InvalidParameterError
from verify.experiments import wx23_width_vs_T as exp


def test_quick_run_writes_png_and_shows_flat_volterra_error(tmp_path, capsys):
    out = tmp_path / "fig.png"
    assert exp.main(["--quick", "--out", str(out)]) == 0
    assert out.stat().st_size > 0
    text = capsys.readouterr().out
    assert "Volterra error <= bound at every T" in text


def test_rows_width_fixed_for_volterra_and_growing_for_window():
    rows = exp.run((1, 2, 32), batch=2)
    assert len({r.volterra_width for r in rows}) == 1
    assert all(r.volterra_error <= r.volterra_bound for r in rows)
    assert rows[0].window_grown_width < rows[1].window_grown_width < rows[2].window_grown_width
    assert np.isnan(rows[2].window_grown_error)
    # the fixed-width window cannot see past w0 = 2: at T = 32 its error exceeds Result D's
    assert rows[2].window_fixed_error > 10 * rows[2].volterra_error


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"lengths": ()}, "lengths"),
        ({"lengths": (4, 0)}, "lengths"),
        ({"lengths": (2.5,)}, "lengths"),
        ({"batch": 0}, "batch"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}: "):
        exp.run(**{"lengths": (1,), "batch": 1, **kwargs})
