"""Shared helpers of the experiment scripts: argument checks, the ``plots`` extra, the command line
and the record every experiment returns.

Every check raises :class:`theory.numbers.InvalidParameterError` naming the parameter, what it
should be and the value it got.

The uniform interface (:func:`reproduce` of each experiment module)
-------------------------------------------------------------------
Each experiment module of this package exposes::

    reproduce(out_dir, *, quick=False, seed=0) -> ExperimentRecord

which runs the experiment (the ``--quick`` budget when ``quick``), writes its figure to
``out_dir/<name>.png`` (creating ``out_dir``) and returns an :class:`ExperimentRecord`, a dict of
JSON-ready values (non-finite numbers are ``None``, see each module's ``reproduce``). The same
``seed`` gives the same record (it holds no timings). The command line
``python -m verify.experiments.<name> [--out PNG] [--seed S] [--quick]`` prints ``table`` and
writes the same figure. Both check first that matplotlib is installed
(:func:`require_matplotlib`).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypedDict

import numpy as np

from theory.validation import check_instance, check_int, check_real, fail
from verify.cli import int_at_least

__all__: list[str] = []

#: The command that installs the figures' dependency (the ``plots`` extra of pyproject.toml).
PLOTS_INSTALL = 'pip install ".[plots]"'


class PlotsExtraMissing(ImportError):
    """matplotlib is not installed; the message names the ``plots`` extra."""


class ExperimentRecord(TypedDict):
    """What :func:`reproduce` of every experiment module returns (JSON-ready values).

    ``name``: the module's short name (also the figure's file stem); ``title``: one line;
    ``seed``, ``quick``: the arguments; ``settings``: the parameters of the run; ``table``: the
    printed table; ``rows``: the table's data, one dict per printed cell group; ``verdict``: the
    one-line conclusion; ``ok``: ``True`` unless the experiment found a violation or a mismatch
    (the command line's exit status is 0 exactly when ``ok``); ``figure``: the PNG path.
    """

    name: str
    title: str
    seed: int
    quick: bool
    settings: dict[str, Any]
    table: str
    rows: list[dict[str, Any]]
    verdict: str
    ok: bool
    figure: str


def require(ok: bool, name: str, value: Any, expected: str) -> None:
    """Raise naming ``name`` and ``value`` unless ``ok``."""
    if not ok:
        fail(name, expected, value)


def run_arguments(config: Any, config_type: type, seed: Any) -> int:
    """Check the arguments of an experiment's ``run(config, seed)``; returns the seed."""
    check_instance(config, "config", config_type)
    return check_int(seed, "seed", 0)


def reproduce_arguments(out_dir: Any, quick: Any, seed: Any) -> tuple[Path, bool, int]:
    """Check the arguments of :func:`reproduce` (a directory path, not an existing file; a
    bool; a non-negative integer seed), then that matplotlib is installed
    (:func:`require_matplotlib`), so that nothing is computed before either fails.

    Raises
    ------
    InvalidParameterError
        Unless ``out_dir`` is a directory path (not an existing file), ``quick`` a bool and
        ``seed`` a non-negative integer.
    PlotsExtraMissing
        If matplotlib is not installed.
    """
    require(isinstance(out_dir, str | os.PathLike) and str(out_dir) != "", "out_dir", out_dir,
            "a directory path")
    path = Path(out_dir)
    require(not path.exists() or path.is_dir(), "out_dir", out_dir,
            "a directory path (not an existing file)")
    check_instance(quick, "quick", bool, "True or False")
    seed = check_int(seed, "seed", 0)
    require_matplotlib()
    return path, quick, seed


def count(value: Any, name: str, minimum: int = 1) -> int:
    """An integer (not a bool) ``>= minimum``."""
    return check_int(value, name, minimum)


def positive(value: Any, name: str) -> float:
    """A finite real number ``> 0`` (not a bool or a string)."""
    return check_real(value, name, minimum=0, strict=True)


def positives(values: Any, name: str) -> tuple[float, ...]:
    """A non-empty sequence of finite positive numbers."""
    require(isinstance(values, Sequence | np.ndarray) and not isinstance(values, str)
            and len(values) > 0, name, values, "a non-empty sequence of positive numbers")
    return tuple(positive(v, name) for v in values)


def counts(values: Any, name: str, minimum: int = 1) -> tuple[int, ...]:
    """A non-empty sequence of integers ``>= minimum``."""
    require(isinstance(values, Sequence | np.ndarray) and not isinstance(values, str)
            and len(values) > 0, name, values, f"a non-empty sequence of integers >= {minimum}")
    return tuple(count(v, name, minimum) for v in values)


def generator(rng: Any) -> np.random.Generator:
    """A numpy random Generator."""
    return check_instance(rng, "rng", np.random.Generator, "a numpy Generator")


# --------------------------------------------------------------------------- figures
def require_matplotlib(parser: argparse.ArgumentParser | None = None) -> None:
    """Fail early, before any computation, unless matplotlib can be imported.

    With a ``parser`` (the command line), print ``<prog>: error: ...`` naming the ``plots``
    extra to stderr and exit with status 2; without one, raise :class:`PlotsExtraMissing` (an
    ``ImportError``) with the same message.
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError as err:
        message = (f"matplotlib is needed to draw the figures ({err}); install the 'plots' "
                   f"extra: {PLOTS_INSTALL} (from the repository root)")
        if parser is not None:
            parser.error(message)
        raise PlotsExtraMissing(message) from err


def new_figure(ncols: int, size: tuple[float, float]) -> tuple[Any, Any]:
    """A matplotlib ``Figure`` with ``ncols`` axes, outside pyplot (no global state, no
    backend switch), and its axes (one object when ``ncols == 1``)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.subplots(1, ncols)


def save_figure(fig: Any, path: Path | None, dpi: int = 110) -> None:
    """Write ``fig`` as PNG to ``path`` (creating its directory); ``None``: write nothing (a
    notebook shows the returned figure)."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi)


def legend_below(ax: Any, ncol: int = 2) -> None:
    """The legend of ``ax`` under its x label, where it cannot cover data points."""
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=ncol)


def colors(name: str, n: int, top: float = 0.9) -> np.ndarray:
    """``n`` colours of the colormap ``name`` from its start to ``top``."""
    from matplotlib import colormaps

    return colormaps[name](np.linspace(0.0, top, n))


# --------------------------------------------------------------------------- command line
def experiment_parser(prog: str, description: str, default_out: Path,
                      quick_help: str) -> argparse.ArgumentParser:
    """The options every experiment takes: ``--out PNG``, ``--seed S`` (``>= 0``) and
    ``--quick`` (``quick_help`` says what it runs and how long it took when measured)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--out", type=Path, default=default_out,
                        help=f"PNG path (default {default_out})")
    parser.add_argument("--seed", type=int_at_least(0), default=0,
                        help="random seed (default 0); the same seed prints the same table")
    parser.add_argument("--quick", action="store_true", help=quick_help)
    return parser


def finish(record: ExperimentRecord) -> int:
    """Print the record's table and figure path; the exit status (0 when ``ok``)."""
    print(record["table"])
    print(f"figure written to {record['figure']}")
    return 0 if record["ok"] else 1


def dataclass_settings(config: Any) -> dict[str, Any]:
    """The fields of a settings dataclass, tuples as lists (JSON-ready)."""
    return {f.name: list(v) if isinstance(v := getattr(config, f.name), tuple) else v
            for f in dataclasses.fields(config)}


def json_number(value: Any) -> float | None:
    """``value`` as a float, ``None`` when it is NaN or infinite (JSON has neither)."""
    value = float(value)
    return value if math.isfinite(value) else None
