"""WX23 memory experiment: memory functions of randomly initialized sequence models.

The paper shows (a figure on log axes) that randomly initialized RNN, GRU, LSTM and a plain
SSM all have exponentially decaying memory, and that S4 with its HiPPO initialization decays
much more slowly yet still exponentially (spec §3). Protocol (the author's later code): a
random direction ``x ∈ R^D``, the step input ``x_k = x`` for ``T = 1024`` steps, and
``ρ̂_k = |y_{k+1} - y_k|`` with the Euclidean norm over the output channels.

This module runs the suite's numpy models (:mod:`verify.cells`) through that protocol, fits the
asymptotic per-step factor with :func:`theory.memory.fit_decay` (log-linear least squares on
the tail envelope, window ``[b/2, b]`` with ``b`` the last index where ``ρ̂`` is still resolved
to half the float digits, ``ρ̂ > √(floor · max|y|)``, ``floor = tolerance(float, max|y|)``),
prints a table and writes one PNG with every curve on log-y axes.

For the two linear models Theorem 3.13 applies with one layer: ``r`` is the largest eigenvalue
modulus and the bound's polynomial degree is ``p = 0``; the table shows ``r`` and the largest
factor ``r · exp(s)`` a fit on the same window may show (``s`` the least-squares slope of
``log(1+k)`` there; the finite-window allowance of ``wx23.thm3.13.rate``). The gated and tanh
recurrences have their nonlinearity inside the recurrence, outside the theorem's model.

Run::

    python -m verify.experiments.memory_curves [--out out/memory_curves.png] [--seed 0]
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from theory.memory import DecayFit, channel_norm, fit_decay, step_input
from theory.numbers import NumberKind, tolerance
from verify.cells import GRU, LSTM, RNN, S4D, DiagonalSSM
from verify.experiments._checks import count, generator, require

__all__ = ["DEFAULTS", "CurveResult", "build_models", "run_experiment", "format_table",
           "plot_curves", "main"]


@dataclass(frozen=True)
class _Defaults:
    D: int = 16  # input dimension (and S4D channels)
    hidden: int = 64  # RNN/GRU/LSTM hidden size, SSM state size
    T: int = 1024


DEFAULTS = _Defaults()


@dataclass(frozen=True)
class CurveResult:
    """One model's memory curve, its fit, and Theorem 3.13's factor where it applies."""

    name: str
    curve: np.ndarray
    fit: DecayFit | None
    radius: float | None  # r of Theorem 3.13 (linear models only)
    allowed: float | None  # r · exp(s) on the fit window

    @property
    def factor(self) -> float:
        """Fitted per-step factor (``nan`` without a measurable tail)."""
        return math.nan if self.fit is None else self.fit.factor


def build_models(rng: np.random.Generator, D: int = DEFAULTS.D,
                 hidden: int = DEFAULTS.hidden) -> list:
    """RNN, GRU, LSTM, diagonal SSM and S4D (LegS) at random initialization.

    Raises
    ------
    InvalidParameterError
        Unless ``rng`` is a numpy Generator, ``D`` a positive integer and ``hidden`` an even
        positive integer (S4D's state comes in conjugate pairs).
    """
    rng, D, hidden = generator(rng), count(D, "D"), count(hidden, "hidden", 2)
    require(hidden % 2 == 0, "hidden", hidden, "an even state size (S4D's conjugate pairs)")
    return [RNN(D, hidden, rng), GRU(D, hidden, rng), LSTM(D, hidden, rng),
            DiagonalSSM(D, hidden, D, rng), S4D(D, hidden, rng)]


def run_experiment(seed: int = 0, T: int = DEFAULTS.T, D: int = DEFAULTS.D,
                   hidden: int = DEFAULTS.hidden) -> list[CurveResult]:
    """Memory curves of every model for one random unit direction (seeded).

    Raises
    ------
    InvalidParameterError
        Unless ``seed`` is a non-negative integer, ``T ≥ 2`` (a curve needs one difference)
        and ``D``, ``hidden`` are valid for :func:`build_models`.
    """
    seed, T = count(seed, "seed", 0), count(T, "T", 2)
    rng = np.random.default_rng(seed)
    models = build_models(rng, D, hidden)
    x = rng.standard_normal(D)
    x /= np.linalg.norm(x)
    results = []
    for model in models:
        y = model.run(step_input(x, T))
        scale = float(np.linalg.norm(y, axis=-1).max())
        floor = tolerance(NumberKind.FLOAT, scale)
        curve = channel_norm(np.diff(y, axis=0), 2)  # ρ̂_k = |y_{k+1} - y_k|_2
        fit = fit_decay(curve, math.sqrt(floor * scale), noise=floor)
        radius = getattr(model, "spectral_radius", None)
        allowed = None
        if radius is not None and fit is not None:
            k = np.arange(fit.start, fit.stop + 1, dtype=float)
            allowed = radius * math.exp(float(np.polyfit(k, np.log1p(k), 1)[0]))
        results.append(CurveResult(model.name, curve, fit, radius, allowed))
    return results


def format_table(results: Sequence[CurveResult]) -> str:
    """Plain-text table: model, fitted factor, rate, window, Theorem 3.13 ``r`` and allowance.

    Raises
    ------
    InvalidParameterError
        If ``results`` is not a sequence of :class:`CurveResult`.
    """
    require(isinstance(results, Sequence) and not isinstance(results, str)
            and all(isinstance(r, CurveResult) for r in results), "results", results,
            "a sequence of CurveResult")
    head = f"{'model':<14} {'fitted factor':>14} {'rate/step':>10} {'window':>12} " \
           f"{'thm 3.13 r':>11} {'r·e^s':>9}"
    lines = [head, "-" * len(head)]
    for r in results:
        win = "-" if r.fit is None else f"[{r.fit.start},{r.fit.stop}]"
        rate = "-" if r.fit is None else f"{r.fit.rate:.4g}"
        rad = "n/a" if r.radius is None else f"{r.radius:.6f}"
        allowed = "n/a" if r.allowed is None else f"{r.allowed:.6f}"
        lines.append(f"{r.name:<14} {r.factor:>14.6f} {rate:>10} {win:>12} {rad:>11} "
                     f"{allowed:>9}")
    return "\n".join(lines)


def plot_curves(results: Sequence[CurveResult], path: str | Path) -> Path:
    """Write all memory curves on log-y axes to ``path`` (PNG, matplotlib Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for r in results:
        k = np.arange(r.curve.size)
        pos = r.curve > 0
        label = r.name if r.fit is None else f"{r.name} (factor {r.factor:.4f})"
        ax.semilogy(k[pos], r.curve[pos], label=label, lw=1.2)
    ax.set_xlabel("k (steps after the step input)")
    ax.set_ylabel(r"$|y_{k+1} - y_k|_2$")
    ax.set_title("Memory of randomly initialized models (WX23 experiment)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="out/memory_curves.png", help="PNG path")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    args = parser.parse_args(argv)
    results = run_experiment(args.seed)
    print(format_table(results))
    print(f"figure: {plot_curves(results, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
