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
  (:func:`theory.universality.window_width_counts`) grow like ``3·4^T``; the error is measured
  where the network is small enough to build (``T ≤ 4``).

Run ``python -m verify.experiments.wx23_width_vs_T [--out PATH] [--quick]``; prints a table and
writes one PNG (default ``out/wx23_width_vs_T.png``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from theory.layers import SSMStack
from theory.universality import WindowTarget, window_network, window_width_counts
from theory.volterra import damped_kernel, volterra_network, wiener_target
from verify.experiments._checks import count, counts
from verify.stack_eval import run_stack_float

__all__ = ["Row", "main", "run"]

DEFAULT_OUT = Path("out") / "wx23_width_vs_T.png"
KERNEL = damped_kernel([(0.3, 0.85, 0.0, 0), (0.2, 0.7, 0.0, 1)])
RATES = (0.5, 0.65, 0.75, 0.85, 0.92)
KNOTS = 33
FIXED_WINDOW, FIXED_N = 2, 5
GROWN_N, GROWN_MAX = 4, 4
COUNT_MAX = 256  # 3·4^T overflows float64 beyond T ≈ 510
LENGTHS = (1, 2, 3, 4, 8, 16, 64, 256, 1024)
QUICK_LENGTHS = (1, 2, 3, 16, 256)


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


def _truncated_target(w: int) -> WindowTarget:
    """The Wiener target with its memory cut after ``w`` lags, as a function of the window."""
    taps = KERNEL(np.arange(w))[::-1]  # oldest first
    R = float(np.sum(np.abs(taps)))

    def F(z: np.ndarray) -> np.ndarray:
        v = z @ taps
        return v + 0.5 * v * v

    return WindowTarget(F, 1, w, lipschitz=np.abs(taps) * (1 + R))


def _grown_width(T: int) -> float:
    """Total width of the grown window route, as a float (``inf`` beyond float range)."""
    if T > COUNT_MAX:
        return float("inf")
    return float(window_width_counts(1, T, GROWN_N)["total"])


def _stack_error(stack: SSMStack, target: Callable[[np.ndarray], np.ndarray],
                 x: np.ndarray) -> float:
    y = run_stack_float(stack, x)[..., 0]
    return float(np.max(np.abs(y - target(x[..., 0]))))


def run(lengths: Sequence[int] = LENGTHS, batch: int = 16, seed: int = 0) -> list[Row]:
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
        rows.append(Row(
            T,
            _stack_error(volterra.stack, target, x), volterra.bound, sum(volterra.widths),
            _stack_error(fixed.stack, target, x), sum(fixed.widths),
            grown_err, _grown_width(T),
        ))
    return rows


def format_table(rows: list[Row]) -> str:
    """The printed table."""
    lines = [
        "WX23 Result D vs Result C window route: Wiener target y = v + v^2/2, v = h * x, "
        "x uniform in [0, 1]",
        f"Volterra: {len(RATES)} modes, ridge knots {KNOTS}; window fixed: w={FIXED_WINDOW}, "
        f"N={FIXED_N}; window grown: w=T, N={GROWN_N} (built for T <= {GROWN_MAX})",
        "",
        f"{'T':>6}{'volterra err':>14}{'bound':>10}{'width':>7}{'win-fixed err':>15}"
        f"{'width':>7}{'win-grown err':>15}{'width':>12}",
    ]
    for r in rows:
        grown = "   (not built)" if np.isnan(r.window_grown_error) else \
            f"{r.window_grown_error:15.3e}"
        lines.append(f"{r.T:>6}{r.volterra_error:14.3e}{r.volterra_bound:10.3e}"
                     f"{r.volterra_width:>7}{r.window_fixed_error:15.3e}{r.window_fixed_width:>7}"
                     f"{grown}{r.window_grown_width:>12.3g}")
    bad = [r.T for r in rows if r.volterra_error > r.volterra_bound]
    lines.append("")
    lines.append("Volterra error <= bound at every T" if not bad else
                 f"VIOLATION: Volterra error above its bound at T = {bad}")
    return "\n".join(lines)


def plot(rows: list[Row], out: Path) -> None:
    """Two panels: error vs T and width vs T (log axes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    T = np.array([r.T for r in rows])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.loglog(T, [r.volterra_error for r in rows], "o-", label="Volterra route (fixed width)")
    ax1.loglog(T, [r.volterra_bound for r in rows], "k--", label="Volterra bound (T-free)")
    ax1.loglog(T, [r.window_fixed_error for r in rows], "s-",
               label=f"window route, fixed width (w={FIXED_WINDOW})")
    grown = [(r.T, r.window_grown_error) for r in rows if not np.isnan(r.window_grown_error)]
    if grown:
        ax1.loglog(*zip(*grown), "^-", label="window route, w = T")
    ax1.set_xlabel("sequence length T")
    ax1.set_ylabel("sup error")
    ax1.legend(fontsize=7)
    ax2.loglog(T, [r.volterra_width for r in rows], "o-", label="Volterra route")
    ax2.loglog(T, [r.window_fixed_width for r in rows], "s-", label="window route, fixed")
    finite = [(r.T, r.window_grown_width) for r in rows if np.isfinite(r.window_grown_width)]
    ax2.loglog(*zip(*finite), "^-", label="window route, w = T")
    ax2.set_xlabel("sequence length T")
    ax2.set_ylabel("total state width")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns 1 if the Volterra bound is violated."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="PNG path")
    parser.add_argument("--quick", action="store_true", help="fewer lengths and sequences")
    args = parser.parse_args(argv)
    rows = run(QUICK_LENGTHS, batch=4) if args.quick else run()
    print(format_table(rows))
    plot(rows, args.out)
    print(f"figure: {args.out}")
    return 0 if all(r.volterra_error <= r.volterra_bound for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
