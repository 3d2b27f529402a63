"""WX23 memory experiment: memory functions of randomly initialized sequence models.

The paper shows (a figure on log axes) that randomly initialized RNN, GRU, LSTM and a plain
SSM all have exponentially decaying memory, and that S4 with its HiPPO initialization decays
much more slowly yet still exponentially (spec §3). This module runs the suite's numpy models
(:mod:`verify.cells`: RNN, GRU, LSTM, a random diagonal SSM, S4 with the full HiPPO-LegS matrix
and S4D-LegS, both with the reference ``B`` clipping) through the step-input protocol for
``T = 1024`` steps, fits the asymptotic per-step factor, prints a table per protocol and writes
one PNG with a panel per protocol.

Two input protocols (:data:`PROTOCOLS`):

* ``"definition"`` (the default): the memory function of the definition (spec §1.4),
  ``M(H)(k) = |y_{k+1} - y_k|_2 / |x|_∞`` for one random direction ``x = g / |g|_∞`` (``g``
  standard normal in ``R^16``, so ``|x|_∞ = 1``; one direction gives a lower estimate of the
  supremum over ``x``), of the map ``H - H(0)``: the zero-input response is subtracted, so a
  bias's own transient is not counted as memory (:mod:`theory.memory`). Hidden size 64.
* ``"authors"``: as in the authors' memory-function code, a raw standard normal direction
  ``g ∈ R^16`` (not normalized), hidden size 16, and the raw differences ``|y_{k+1} - y_k|_2``
  (bias transient included).

"Hidden size" is the RNN/GRU/LSTM hidden size and the state size of the three SSMs. The step
of S4 and S4D is one fixed ``Δ`` for every channel, :data:`DEFAULT_DT` ``= 0.1``: then S4's
slowest mode decays per step by ``(1 - Δ/2)/(1 + Δ/2) ≈ e^{-Δ} = 0.9048`` and S4D's by
``e^{-Δ/2} = 0.9512``. (The reference draws ``Δ`` per channel log-uniformly from
``[10^-3, 10^-1]``; ``dt=None`` does that. Its slowest channel then decays like
``e^{-Δ_min/2} ≈ 0.9995`` per step, which ``T = 1024`` steps cannot resolve: the curve does
not settle, and its fit is flagged instead of being checked as if it were the asymptotic rate.)

Fit (:func:`theory.memory.fit_decay` with ``settle=``:data:`SETTLE`). ``floor =
tolerance(float, max|y|)`` bounds the rounding of an output difference; the curve is fitted
where it exceeds :data:`RESOLVED` ``· floor`` (rounding then moves each ``log ρ̂_k`` by at most
1 %, and the fit's ``uncertainty`` carries it), and the window starts where the local per-step
rates of the envelope have settled to within ``SETTLE`` of their mean, so a transient is left
out. A curve whose local rates never settle (a short, oscillating tail) is fitted on the
second half ``[b/2, b]`` of its resolved part instead and flagged (``*`` in the table,
:attr:`CurveResult.settled` false); no check is made on it.
Check of Theorem 3.13 for the linear models (one layer, ``p = 0``, ``r`` = the slowest mode's
factor): the fitted factor may exceed ``r`` by at most the window's own spread of local rates
plus the fit's rounding uncertainty; :attr:`CurveResult.margin` is
``ln r + spread + uncertainty - ln(fitted factor)`` (nepers per step), negative when the check
fails. The gated and tanh recurrences have their nonlinearity inside the recurrence, outside
the theorem's model (no ``r``).

Run::

    python -m verify.experiments.memory_curves [--out out/memory_curves.png] [--seed 0]
        [--quick] [--dt 0.1] [--no-b-clip]

or :func:`reproduce` from Python.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from theory.memory import SETTLE_TOLERANCE, DecayFit, channel_norm, fit_decay, step_input
from theory.numbers import NumberKind, tolerance
from verify.cells import B_CLIP, GRU, LSTM, RNN, S4, S4D, DiagonalSSM
from verify.experiments._checks import (
    ExperimentRecord,
    count,
    experiment_parser,
    finish,
    generator,
    json_number,
    positive,
    reproduce_arguments,
    require,
    require_matplotlib,
)

__all__ = ["DEFAULTS", "DEFAULT_DT", "DEFAULT_PROTOCOL", "PROTOCOLS", "RESOLVED", "SETTLE",
           "Protocol", "CurveResult", "build_models", "run_experiment", "format_table", "figure",
           "plot_curves", "reproduce", "main"]


@dataclass(frozen=True)
class _Defaults:
    D: int = 16  # input dimension (and S4/S4D channels)
    T: int = 1024


DEFAULTS = _Defaults()

#: The figure's file stem and the experiment's one-line title.
NAME, TITLE = "memory_curves", "WX23 memory experiment: step-input memory of random models"
#: Horizon of the quick run: every resolved tail ends well before it at the default ``Δ``
#: (S4D's slowest factor 0.9512 reaches the float floor within about 700 steps), so the fits
#: are those of the full run.
QUICK_T = 512
QUICK_HELP = (f"small run: T = {QUICK_T} instead of {DEFAULTS.T} (same fits; measured on a "
              "2-core machine: under 1 s of CPU time for the curves, the rest is importing and "
              "drawing)")

#: Step ``Δ`` of S4 and S4D (one for every channel).
DEFAULT_DT = 0.1

#: Settling tolerance of the fit window (relative spread of the local per-step rates).
SETTLE = SETTLE_TOLERANCE

#: The fit uses the indices where the curve exceeds this multiple of its rounding floor.
RESOLVED = 100.0


@dataclass(frozen=True)
class Protocol:
    """How the step direction is drawn and what is measured (module docstring).

    Attributes
    ----------
    name
        Key in :data:`PROTOCOLS`.
    unit_direction
        ``x = g / |g|_∞`` (``True``) or the raw Gaussian ``g``.
    hidden
        Hidden size of the recurrent cells and state size of the SSMs.
    subtract_zero_response
        Measure ``H - H(0)`` (the bias's own response removed).
    label
        One-line description for tables and the figure caption.
    """

    name: str
    unit_direction: bool
    hidden: int
    subtract_zero_response: bool
    label: str


PROTOCOLS: dict[str, Protocol] = {
    "definition": Protocol(
        "definition", True, 64, True,
        r"definition (default): $x = g/|g|_\infty$, hidden 64, memory of $H - H(0)$ over "
        r"$|x|_\infty$"),
    "authors": Protocol(
        "authors", False, 16, False,
        r"authors' code: raw Gaussian $x = g$, hidden 16, raw $|y_{k+1} - y_k|_2$"),
}
DEFAULT_PROTOCOL = "definition"


@dataclass(frozen=True)
class CurveResult:
    """One model's memory curve, its fit, and Theorem 3.13's factor where it applies.

    Attributes
    ----------
    name
        Model name.
    curve
        ``ρ̂_k`` for ``k = 0 … T-2`` (divided by ``|x|_∞`` under the definition protocol).
    fit
        The settled-window fit; the ``[b/2, b]`` fit if the curve never settles
        (``settled`` false); ``None`` without a resolved tail.
    radius
        ``r``: the slowest mode's per-step factor (linear models only).
    floor
        Float64 rounding floor of the curve (``tolerance(float, max|y|)`` in curve units).
    settled
        Whether ``fit`` is on a settled window.
    """

    name: str
    curve: np.ndarray
    fit: DecayFit | None
    radius: float | None
    floor: float
    settled: bool

    @property
    def factor(self) -> float:
        """Fitted per-step factor (``nan`` without a settled tail)."""
        return math.nan if self.fit is None else self.fit.factor

    @property
    def allowed(self) -> float | None:
        """``r · e^{spread}``: the largest factor the fit may show (linear models with a settled
        fit)."""
        if self.radius is None or self.fit is None or not self.settled:
            return None
        return self.radius * math.exp(self.fit.spread)

    @property
    def margin(self) -> float | None:
        """``ln(allowed) + uncertainty - ln(fitted factor)`` in nepers per step (``< 0``: the
        fit is slower than the slowest mode allows)."""
        allowed = self.allowed
        if allowed is None or self.fit is None:
            return None
        return math.log(allowed) + self.fit.uncertainty - math.log(self.fit.factor)


def _protocol(value: Any) -> Protocol:
    require(isinstance(value, str) and value in PROTOCOLS, "protocol", value,
            f"one of {tuple(PROTOCOLS)}")
    return PROTOCOLS[value]


def _dt(value: Any) -> float | None:
    return None if value is None else positive(value, "dt")


def build_models(rng: np.random.Generator, D: int = DEFAULTS.D,
                 hidden: int = PROTOCOLS[DEFAULT_PROTOCOL].hidden,
                 dt: float | None = DEFAULT_DT, b_clip: float | None = B_CLIP) -> list:
    """RNN, GRU, LSTM, diagonal SSM, S4 (LegS) and S4D (LegS) at random initialization.

    ``b_clip`` is the reference clipping of ``Im B̃`` of S4 and S4D (``None``: off).

    Raises
    ------
    InvalidParameterError
        Unless ``rng`` is a numpy Generator, ``D`` a positive integer, ``hidden`` an even
        positive integer (S4 and S4D states come in conjugate pairs), ``dt`` ``None`` or a
        finite step ``> 0`` and ``b_clip`` ``None`` or a finite level ``> 0``.
    """
    rng, D, hidden = generator(rng), count(D, "D"), count(hidden, "hidden", 2)
    require(hidden % 2 == 0, "hidden", hidden, "an even state size (S4's conjugate pairs)")
    dt = _dt(dt)
    return [RNN(D, hidden, rng), GRU(D, hidden, rng), LSTM(D, hidden, rng),
            DiagonalSSM(D, hidden, D, rng), S4(D, hidden, rng, dt=dt, b_clip=b_clip),
            S4D(D, hidden, rng, dt=dt, b_clip=b_clip)]


def _measure(model: Any, x: np.ndarray, T: int, protocol: Protocol,
             settle: float) -> CurveResult:
    y = model.run(step_input(x, T))
    scale = float(np.linalg.norm(y, axis=-1).max())
    if protocol.subtract_zero_response:
        y0 = model.run(np.zeros((T, x.size)))
        scale = max(scale, float(np.linalg.norm(y0, axis=-1).max()))
        y = y - y0
    size = float(np.abs(x).max()) if protocol.unit_direction else 1.0
    floor = tolerance(NumberKind.FLOAT, scale)
    curve = channel_norm(np.diff(y, axis=0), 2) / size
    fit = fit_decay(curve, RESOLVED * floor / size, noise=floor / size, settle=settle)
    settled = fit is not None
    if not settled:
        fit = fit_decay(curve, RESOLVED * floor / size, noise=floor / size)
    return CurveResult(model.name, curve, fit, getattr(model, "spectral_radius", None),
                       floor / size, settled)


def run_experiment(seed: int = 0, T: int = DEFAULTS.T, D: int = DEFAULTS.D,
                   hidden: int | None = None, *, protocol: str = DEFAULT_PROTOCOL,
                   dt: float | None = DEFAULT_DT, b_clip: float | None = B_CLIP,
                   settle: float = SETTLE) -> list[CurveResult]:
    """Memory curves of every model for one random direction (seeded).

    Parameters
    ----------
    seed, T, D
        Random seed, horizon and input dimension.
    hidden
        Hidden / state size; default the protocol's.
    protocol
        A key of :data:`PROTOCOLS`.
    dt
        S4/S4D step for every channel, or ``None`` for the reference per-channel draw.
    b_clip
        Clipping level of ``Im B̃`` of S4 and S4D (the reference's 2), ``None`` for none.
    settle
        Settling tolerance of the fit window.

    Raises
    ------
    InvalidParameterError
        Unless ``seed`` is a non-negative integer, ``T ≥ 2`` (a curve needs one difference),
        ``protocol`` is known, ``settle`` is finite ``> 0`` and ``D``, ``hidden``, ``dt``,
        ``b_clip`` are valid for :func:`build_models`.
    """
    seed, T = count(seed, "seed", 0), count(T, "T", 2)
    proto = _protocol(protocol)
    settle = positive(settle, "settle")
    rng = np.random.default_rng(seed)
    models = build_models(rng, D, proto.hidden if hidden is None else hidden, dt, b_clip)
    g = rng.standard_normal(D)
    x = g / np.abs(g).max() if proto.unit_direction else g
    return [_measure(model, x, T, proto, settle) for model in models]


def _results(results: Any) -> Sequence[CurveResult]:
    require(isinstance(results, Sequence) and not isinstance(results, str)
            and all(isinstance(r, CurveResult) for r in results), "results", results,
            "a sequence of CurveResult")
    return results


def format_table(results: Sequence[CurveResult]) -> str:
    """Plain-text table: model, fitted factor, rate, window, spread, ``r`` and the margin.

    Raises
    ------
    InvalidParameterError
        If ``results`` is not a sequence of :class:`CurveResult`.
    """
    head = (f"{'model':<14} {'fitted factor':>14} {'rate/step':>10} {'window':>12} "
            f"{'spread':>9} {'slowest r':>10} {'margin':>10}")
    lines = [head, "-" * len(head)]
    for r in _results(results):
        fit = r.fit
        win = "no tail" if fit is None else \
            f"[{fit.start},{fit.stop}]" + ("" if r.settled else "*")
        rate = "-" if fit is None else f"{fit.rate:.4g}"
        spread = "-" if fit is None else f"{fit.spread:.2e}"
        rad = "n/a" if r.radius is None else f"{r.radius:.6f}"
        margin = "n/a" if r.margin is None else f"{r.margin:+.2e}"
        lines.append(f"{r.name:<14} {r.factor:>14.6f} {rate:>10} {win:>12} {spread:>9} "
                     f"{rad:>10} {margin:>10}")
    if not all(r.settled for r in results):
        lines.append("* not settled: fitted on [b/2, b], transient not excluded, no check")
    return "\n".join(lines)


def _runs(runs: Any) -> Mapping[str, Sequence[CurveResult]]:
    def ok(name: Any, res: Any) -> bool:
        return isinstance(name, str) and name in PROTOCOLS and isinstance(res, Sequence) \
            and not isinstance(res, str) and len(res) > 0 \
            and all(isinstance(r, CurveResult) for r in res)
    require(isinstance(runs, Mapping) and len(runs) > 0
            and all(ok(name, res) for name, res in runs.items()), "runs", runs,
            f"a non-empty mapping from protocol names {tuple(PROTOCOLS)} to non-empty "
            "sequences of CurveResult")
    return runs


def _panel(ax: Any, results: Sequence[CurveResult], proto: Protocol) -> None:
    floor = max(r.floor for r in results)
    for r in results:
        k = np.arange(r.curve.size)
        label = r.name if r.fit is None else \
            rf"{r.name}: $f = {r.factor:.4f}$" + ("" if r.settled else " (not settled)")
        if r.radius is not None:
            label += rf" ($r = {r.radius:.4f}$)"
        line = ax.semilogy(k, np.maximum(r.curve, floor), lw=1.2, label=label)[0]
        if r.fit is not None:
            kk = np.arange(r.fit.start, r.fit.stop + 1)
            env = np.maximum.accumulate(r.curve[::-1])[::-1][kk]
            intercept = np.log(env).mean() + r.fit.rate * kk.mean()
            ax.semilogy(kk, np.exp(intercept - r.fit.rate * kk), "--", color="black", lw=0.8)
            ax.plot(kk[[0, -1]], env[[0, -1]], "|", color=line.get_color(), ms=10, mew=1.5)
    ax.axhline(floor, color="grey", ls=":", lw=1)
    ax.plot([], [], "--", color="black", lw=0.8, label="fit on the settled window (| ends)")
    ax.plot([], [], ":", color="grey", label="float64 floor (curves clipped here)")
    ax.set_xlabel(r"$k$ (steps after the step input)")
    ax.set_ylabel(r"$|y_{k+1} - y_k|_2 / |x|_\infty$" if proto.unit_direction
                  else r"$|y_{k+1} - y_k|_2$")
    ax.set_title(f"protocol: {proto.name}", fontsize=10)
    ax.legend(fontsize=7, loc="upper right")


def figure(runs: Mapping[str, Sequence[CurveResult]]) -> Any:
    """The figure of :func:`plot_curves` (a matplotlib ``Figure``, Agg backend, not saved).

    Raises
    ------
    InvalidParameterError
        Unless ``runs`` maps known protocol names to non-empty sequences of
        :class:`CurveResult`.
    """
    panels = [(PROTOCOLS[name], res) for name, res in _runs(runs).items()]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), 5.2), squeeze=False)
    for ax, (proto, res) in zip(axes[0], panels, strict=True):
        _panel(ax, res, proto)
    caption = "Step-input memory of randomly initialized models (WX23 experiment). " + \
        "; ".join(p.label for p in PROTOCOLS.values()) + \
        rf". S4/S4D step $\Delta$ fixed per run (default {DEFAULT_DT}); $f$ fitted factor, " \
        r"$r$ slowest mode's factor."
    fig.text(0.01, 0.01, caption, fontsize=7, wrap=True)
    width = fig.get_figwidth()  # fixed margins in inches (tight_layout is slow on mathtext)
    fig.subplots_adjust(left=0.9 / width, right=1 - 0.1 / width, top=0.94, bottom=0.17,
                        wspace=0.9 * len(panels) / width)
    return fig


def plot_curves(runs: Mapping[str, Sequence[CurveResult]], path: str | Path) -> Path:
    """Write one log-y panel per protocol (``runs``: protocol name → results) to ``path`` (PNG).

    Curves are clipped at the largest float64 floor of the panel (a grey dotted line), so exact
    zeros of the differences do not vanish from the log axis; the settled fit windows are drawn
    as dashed fitted lines with ticks at their ends. The caption states both protocols and which
    is the default. Errors as :func:`figure`.
    """
    fig = figure(runs)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return out


def _curve_row(protocol: str, r: CurveResult) -> dict[str, Any]:
    fit = r.fit
    return {"protocol": protocol, "model": r.name, "factor": json_number(r.factor),
            "window": None if fit is None else [fit.start, fit.stop], "settled": r.settled,
            "slowest_factor": r.radius, "margin": None if r.margin is None else
            json_number(r.margin)}


def _execute(T: int, seed: int, quick: bool, dt: float | None, b_clip: float | None,
             path: Path) -> ExperimentRecord:
    """Run both protocols, draw, and build the record of :func:`reproduce`."""
    runs = {name: run_experiment(seed, T, protocol=name, dt=dt, b_clip=b_clip)
            for name in PROTOCOLS}
    plot_curves(runs, path)
    rows = [_curve_row(name, r) for name, res in runs.items() for r in res]
    checked = [row for row in rows if row["slowest_factor"] is not None]
    failed = [f"{row['model']} ({row['protocol']})" for row in checked
              if not row["settled"] or row["margin"] is None or row["margin"] < 0]
    verdict = ("every linear model's fitted factor is within its slowest mode's factor"
               if not failed else "not settled or faster than Theorem 3.13 allows: "
               + ", ".join(failed))
    table = "\n\n".join(f"protocol {PROTOCOLS[name].name}: {PROTOCOLS[name].label}\n"
                         + format_table(res) for name, res in runs.items())
    return ExperimentRecord(
        name=NAME, title=TITLE, seed=seed, quick=quick,
        settings={"T": T, "D": DEFAULTS.D, "dt": dt, "b_clip": b_clip, "settle": SETTLE,
                  "protocols": {n: {"hidden": p.hidden, "unit_direction": p.unit_direction,
                                    "subtract_zero_response": p.subtract_zero_response}
                                for n, p in PROTOCOLS.items()}},
        table=table, rows=rows, verdict=verdict, ok=not failed, figure=str(path))


def reproduce(out_dir: str | os.PathLike[str], *, quick: bool = False,
              seed: int = 0) -> ExperimentRecord:
    """Run both protocols (``T =`` :data:`QUICK_T` when ``quick``), write
    ``out_dir/memory_curves.png`` and return the record (the uniform interface of
    :mod:`verify.experiments._checks`).

    ``rows``: one per protocol and model (fitted factor, window, settled, slowest factor and
    margin of the linear models). ``ok``: every linear model's fit settled with margin ``≥ 0``.

    Raises
    ------
    InvalidParameterError, PlotsExtraMissing
        As :func:`~verify.experiments._checks.reproduce_arguments`, before anything runs.
    """
    out, quick, seed = reproduce_arguments(out_dir, quick, seed)
    return _execute(QUICK_T if quick else DEFAULTS.T, seed, quick, DEFAULT_DT, B_CLIP,
                    out / f"{NAME}.png")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (see the module docstring); returns 1 if a linear model's fit
    is unsettled or faster than Theorem 3.13 allows."""
    parser = experiment_parser(f"python -m verify.experiments.{NAME}", f"{TITLE}.",
                               Path("out") / f"{NAME}.png", QUICK_HELP)
    parser.add_argument("--dt", type=float, default=DEFAULT_DT, help="S4/S4D step")
    parser.add_argument("--no-b-clip", action="store_true",
                        help="S4/S4D without the reference clipping of Im B to [-2, 2]")
    args = parser.parse_args(argv)
    require_matplotlib(parser)
    b_clip = None if args.no_b_clip else B_CLIP
    return finish(_execute(QUICK_T if args.quick else DEFAULTS.T, args.seed, args.quick,
                           args.dt, b_clip, args.out))


if __name__ == "__main__":
    sys.exit(main())
