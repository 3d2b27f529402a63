"""Error and width against the sequence length ``T``: Result D's filter bank vs the window route.

Target: the Wiener system ``y = v + v²/2``, ``v = h * x`` with
``h(s) = 0.3·0.85^s + 0.2 (s+1) 0.7^s`` (exponentially decaying memory), inputs uniform in
``[0, 1]``. Three constructions:

- **Volterra route** (Result D, :func:`theory.volterra.volterra_network`): five exponential
  modes and a ReLU ridge readout; fixed widths; its error is measured on sequences of every
  length and compared with the ``T``-free bound.
- **Window route at fixed width** (Result C, :func:`theory.universality.window_network`):
  window ``w_0 = 2`` (the target with its memory cut after two lags), ``N = 5`` knots: once
  ``T > w_0`` it cannot see the older inputs, and its error rises to the memory it drops.
- **Window route grown with T**: window ``w = T`` (the whole sequence, as the universal
  construction on sequences of length ``T`` requires), ``N = 4`` knots; its widths
  (:func:`theory.universality.window_width_counts`, exact integers) grow like ``3·4^T``; the
  error is measured where the network is small enough to build (``T ≤ 4``).

Run ``python -m verify.experiments.wx23_width_vs_T [--out PATH] [--seed S] [--quick]``; prints a
table and writes one PNG (default ``out/wx23_width_vs_T.png``). Or call :func:`reproduce` (the
uniform interface of :mod:`verify.experiments._checks`).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from theory.layers import SSMStack
from theory.universality import WindowTarget, window_network, window_width_counts
from theory.volterra import damped_kernel, volterra_network, wiener_target
from verify.experiments._checks import (
    ExperimentRecord,
    count,
    counts,
    experiment_parser,
    finish,
    json_number,
    legend_below,
    new_figure,
    reproduce_arguments,
    require_matplotlib,
    save_figure,
)
from verify.stack_eval import run_stack_float

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Row", "main", "reproduce", "run"]

NAME = "wx23_width_vs_T"
TITLE = ("Error and width against the sequence length T: WX23 Result D's filter bank vs the "
         "Result C window route")
DEFAULT_OUT = Path("out") / f"{NAME}.png"
KERNEL = damped_kernel([(0.3, 0.85, 0.0, 0), (0.2, 0.7, 0.0, 1)])
RATES = (0.5, 0.65, 0.75, 0.85, 0.92)
KNOTS = 33
FIXED_WINDOW, FIXED_N = 2, 5
GROWN_N, GROWN_MAX = 4, 4
LENGTHS = (1, 2, 3, 4, 8, 16, 64, 256, 1024)
BATCH = 16
#: The ``--quick`` settings: five lengths, 4 random sequences each.
QUICK_LENGTHS, QUICK_BATCH = (1, 2, 3, 16, 256), 4
QUICK_HELP = ("small run: 5 lengths up to 256, 4 sequences each (measured on a 2-core machine: "
              "about 6 s of CPU time, which is the wall time when the machine is idle, nearly all "
              "of it importing scipy.signal and matplotlib and drawing; the full run about 7 s)")


@dataclass
class Row:
    """One sequence length."""

    T: int
    volterra_error: float
    volterra_bound: float
    volterra_width: int
    window_fixed_error: float
    window_fixed_width: int
    window_grown_error: float
    window_grown_width: float
    window_grown_log10_width: float

    def as_dict(self) -> dict[str, Any]:
        """The row, JSON-ready: ``window_grown_error`` is ``None`` where the network was not
        built; ``window_grown_width`` is exact, ``None`` beyond ``2**53``."""
        exact = _grown_width(self.T)
        return {"T": self.T, "volterra_error": self.volterra_error,
                "volterra_bound": self.volterra_bound, "volterra_width": self.volterra_width,
                "window_fixed_error": self.window_fixed_error,
                "window_fixed_width": self.window_fixed_width,
                "window_grown_error": json_number(self.window_grown_error),
                "window_grown_width": exact if exact <= 2**53 else None,
                "window_grown_log10_width": self.window_grown_log10_width}


def _truncated_target(w: int) -> WindowTarget:
    """The Wiener target with its memory cut after ``w`` lags, as a function of the window."""
    taps = KERNEL(np.arange(w))[::-1]  # oldest first
    R = float(np.sum(np.abs(taps)))

    def F(z: np.ndarray) -> np.ndarray:
        v = z @ taps
        return v + 0.5 * v * v

    return WindowTarget(F, 1, w, lipschitz=np.abs(taps) * (1 + R))


def _grown_width(T: int) -> int:
    """Total width of the grown window route (exact)."""
    return window_width_counts(1, T, GROWN_N)["total"]


def _as_float(n: int) -> float:
    """``n`` as a float, ``inf`` beyond the float range."""
    try:
        return float(n)
    except OverflowError:
        return math.inf


def _stack_error(stack: SSMStack, target: Callable[[np.ndarray], np.ndarray],
                 x: np.ndarray) -> float:
    y = run_stack_float(stack, x)[..., 0]
    return float(np.max(np.abs(y - target(x[..., 0]))))


def run(lengths: Sequence[int] = LENGTHS, batch: int = BATCH, seed: int = 0) -> list[Row]:
    """Measure the three constructions at every length.

    Raises
    ------
    InvalidParameterError
        Unless ``lengths`` is a non-empty sequence of positive integers, ``batch`` a positive
        integer and ``seed`` a non-negative integer.
    """
    lengths = counts(lengths, "lengths")
    batch, seed = count(batch, "batch"), count(seed, "seed", 0)
    rng = np.random.default_rng(seed)
    target = wiener_target(KERNEL, 1.0, 0.5)
    volterra = volterra_network(target, RATES, KNOTS)
    fixed = window_network(_truncated_target(FIXED_WINDOW), FIXED_N)
    rows = []
    for T in lengths:
        x = rng.random((batch, T, 1))
        grown_err = float("nan")
        if T <= GROWN_MAX:
            grown = window_network(_truncated_target(T), GROWN_N)
            grown_err = _stack_error(grown.stack, target, x)
        grown_width = _grown_width(T)
        rows.append(Row(
            T,
            _stack_error(volterra.stack, target, x), volterra.bound, sum(volterra.widths),
            _stack_error(fixed.stack, target, x), sum(fixed.widths),
            grown_err, _as_float(grown_width), math.log10(grown_width),
        ))
    return rows


def format_table(rows: list[Row], batch: int = BATCH, seed: int = 0) -> str:
    """The printed table (``batch`` and ``seed``: those of the run, shown in the header)."""
    lines = [
        "WX23 Result D vs Result C window route: Wiener target y = v + v^2/2, v = h * x, "
        "x uniform in [0, 1]",
        f"Volterra: {len(RATES)} modes, ridge knots {KNOTS}; window fixed: w={FIXED_WINDOW}, "
        f"N={FIXED_N}; window grown: w=T, N={GROWN_N} (built for T <= {GROWN_MAX}); "
        f"sup error over {batch} random sequences; seed={seed}",
        "",
        f"{'T':>6}{'volterra err':>14}{'bound':>10}{'width':>7}{'win-fixed err':>15}"
        f"{'width':>7}{'win-grown err':>15}{'width':>12}",
    ]
    for r in rows:
        grown = "   (not built)" if np.isnan(r.window_grown_error) else \
            f"{r.window_grown_error:15.3e}"
        width = (f"{r.window_grown_width:>12.3g}" if math.isfinite(r.window_grown_width)
                 else f"{'10^' + format(r.window_grown_log10_width, '.1f'):>12}")
        lines.append(f"{r.T:>6}{r.volterra_error:14.3e}{r.volterra_bound:10.3e}"
                     f"{r.volterra_width:>7}{r.window_fixed_error:15.3e}{r.window_fixed_width:>7}"
                     f"{grown}{width}")
    lines.append("")
    lines.append(_verdict(rows))
    return "\n".join(lines)


def _violations(rows: list[Row]) -> list[int]:
    """The lengths at which the Volterra error is not within its ``T``-free bound."""
    return [r.T for r in rows if not r.volterra_error <= r.volterra_bound]


def _verdict(rows: list[Row]) -> str:
    bad = _violations(rows)
    return ("Volterra error <= bound at every T" if not bad else
            f"VIOLATION: Volterra error above its bound at T = {bad}")


def plot(rows: list[Row], path: Path | None = None) -> Figure:
    """Three panels against ``T`` (log axes): the sup errors; the widths on a scale set by the
    bounded series (the grown window's points above it are drawn near the top as arrows,
    annotated with their width); and ``log10`` of the grown window's width, in full. Writes
    the PNG to ``path`` (unless it is ``None``) and returns the figure."""
    fig, (ax1, ax2, ax3) = new_figure(3, (15.0, 5.4))
    T = np.array([r.T for r in rows])
    ax1.loglog(T, [r.volterra_error for r in rows], "o-", label="Volterra route (fixed width)")
    ax1.loglog(T, [r.volterra_bound for r in rows], "k--", label="Volterra bound (no $T$ in it)")
    ax1.loglog(T, [r.window_fixed_error for r in rows], "s-",
               label=f"window route, fixed width ($w = {FIXED_WINDOW}$)")
    built = [r for r in rows if not np.isnan(r.window_grown_error)]
    if built:
        ax1.loglog([r.T for r in built], [r.window_grown_error for r in built], "^-",
                   label=f"window route, $w = T$ (built for $T \\leq {GROWN_MAX}$)")
    ax1.set_ylabel("sup error")
    ax1.set_title("error against sequence length")
    _width_panel(ax2, rows)
    ax3.semilogx(T, [r.window_grown_log10_width for r in rows], "^-", color="C2",
                 label="window route, $w = T$")
    ax3.semilogx(T, np.log10(3.0) + T * np.log10(4.0), "k:", lw=1,
                 label=r"$\log_{10}(3 \cdot 4^T)$")
    ax3.set_ylabel(r"$\log_{10}$ of the total state width")
    ax3.set_title("window route with $w = T$, full range")
    for ax in (ax1, ax2, ax3):
        ax.set_xlabel("sequence length $T$")
        legend_below(ax, ncol=1)
    save_figure(fig, path, dpi=100)
    return fig


def _width_panel(ax: Any, rows: list[Row]) -> None:
    """Widths on log axes, the y range set by the fixed-width routes and the grown window's
    points within a factor 100 of them; the grown window's points above are clipped to the
    top (arrow markers) and annotated with their width."""
    T = np.array([r.T for r in rows])
    fixed = [r.volterra_width for r in rows] + [r.window_fixed_width for r in rows]
    top = 100.0 * max(fixed)
    bottom = 0.5 * min(fixed + [r.window_grown_width for r in rows])
    ax.loglog(T, [r.volterra_width for r in rows], "o-", label="Volterra route")
    ax.loglog(T, [r.window_fixed_width for r in rows], "s-", label="window route, fixed")
    grown = np.array([r.window_grown_width for r in rows])
    inside = grown <= top
    ax.loglog(T[inside], grown[inside], "^-", color="C2", label="window route, $w = T$")
    marker = top / 3  # inside the axes, below the title
    for i, r in enumerate(r for r, ok in zip(rows, inside) if not ok):
        ax.plot([r.T], [marker], ls="none", marker=r"$\uparrow$", ms=14, color="C2")
        ax.annotate(f"$10^{{{r.window_grown_log10_width:.1f}}}$", (r.T, marker),
                    xytext=(0, -16 - 12 * (i % 2)), textcoords="offset points", ha="center",
                    fontsize=8, color="C2")  # alternate heights: neighbours do not overlap
    if not inside.all():
        ax.plot([], [], ls="none", marker=r"$\uparrow$", ms=10, color="C2",
                label="$w = T$, off scale (width printed)")
    ax.set_ylim(bottom, top)
    ax.set_ylabel("total state width")
    ax.set_title("width against sequence length")


def _settings(lengths: Sequence[int], batch: int) -> dict[str, Any]:
    return {"lengths": list(lengths), "batch": batch, "rates": list(RATES), "knots": KNOTS,
            "fixed_window": FIXED_WINDOW, "fixed_N": FIXED_N, "grown_N": GROWN_N,
            "grown_max": GROWN_MAX}


def _execute(lengths: Sequence[int], batch: int, seed: int, quick: bool,
             path: Path) -> ExperimentRecord:
    """Run, print-format, draw; the record of :func:`reproduce`."""
    rows = run(lengths, batch, seed)
    plot(rows, path)
    return ExperimentRecord(
        name=NAME, title=TITLE, seed=seed, quick=quick, settings=_settings(lengths, batch),
        table=format_table(rows, batch, seed), rows=[r.as_dict() for r in rows],
        verdict=_verdict(rows), ok=not _violations(rows), figure=str(path))


def _lengths_and_batch(quick: bool) -> tuple[Sequence[int], int]:
    return (QUICK_LENGTHS, QUICK_BATCH) if quick else (LENGTHS, BATCH)


def reproduce(out_dir: str | os.PathLike[str], *, quick: bool = False,
              seed: int = 0) -> ExperimentRecord:
    """Run the experiment (:data:`QUICK_LENGTHS`, :data:`QUICK_BATCH` when ``quick``), write
    ``out_dir/wx23_width_vs_T.png`` and return the record (the uniform interface of
    :mod:`verify.experiments._checks`).

    ``rows``: :meth:`Row.as_dict` per length. ``ok``: the Volterra error is within its bound
    at every length.

    Raises
    ------
    InvalidParameterError, PlotsExtraMissing
        As :func:`~verify.experiments._checks.reproduce_arguments`, before anything runs.
    """
    out, quick, seed = reproduce_arguments(out_dir, quick, seed)
    return _execute(*_lengths_and_batch(quick), seed, quick, out / f"{NAME}.png")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns 1 if the Volterra bound is violated."""
    parser = experiment_parser(f"python -m verify.experiments.{NAME}", f"{TITLE}.", DEFAULT_OUT,
                               QUICK_HELP)
    args = parser.parse_args(argv)
    require_matplotlib(parser)
    return finish(_execute(*_lengths_and_batch(args.quick), args.seed, args.quick, args.out))


if __name__ == "__main__":
    sys.exit(main())
