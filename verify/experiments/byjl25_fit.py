"""Deep against shallow linear SSMs fitted to large-norm targets under a norm budget (BYJL25).

BYJL25 report (summary known only through reviews) that under a bound on the parameter entries
deeper linear SSMs fit large-norm targets better than shallow ones. This script reproduces the
comparison with the suite's own trainer (:mod:`verify.fitting`):

- targets: ``ρ*(s) = Σ_i r_i λ_i^s`` with ``n`` real poles in ``(0.05, 0.95)`` and residues of
  magnitude up to ``R`` (the largest is exactly ``±R``), so the shallow norm is ``c_1 = √R``;
- every model is held to the same budget ``c`` (max-modulus norm, BYJL25 Eq. 3);
- models: shallow (depth 1) of width ``n`` and of width ``l·m`` (the hidden units of the deep
  model of depth ``l``), and deep of depth ``l = 2..5`` with the smallest width ``m`` such that
  ``l(m-1)+1 ≥ n`` (Theorem 4.1(ii): without a budget this width represents the target exactly).

For each model the table also shows a certified floor on the relative error: every entry is at
most ``c``, so ``|ρ(0)| ≤ m^l c^{l+1}`` (``m^l`` paths of ``l+1`` entries each) and
``‖ρ - ρ*‖ ≥ |ρ*(0)| - m^l c^{l+1}``. The paper's own numbers were not available, so the numbers
printed here are the suite's own.

Run ``python -m verify.experiments.byjl25_fit [--out PATH] [--seed S] [--quick]``, or call
:func:`reproduce` (the uniform interface of :mod:`verify.experiments._checks`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from verify.experiments._checks import (
    ExperimentRecord,
    colors,
    count,
    counts,
    dataclass_settings,
    experiment_parser,
    finish,
    generator,
    legend_below,
    new_figure,
    positive,
    positives,
    reproduce_arguments,
    require_matplotlib,
    run_arguments,
    save_figure,
)
from verify.fitting import Layout, fit_batch

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Config", "Row", "large_norm_targets", "main", "minimal_width", "reproduce", "run"]

NAME = "byjl25_fit"
TITLE = ("Deep vs shallow linear SSMs fitted to large-norm targets under a norm budget "
         "(BYJL25 numerical experiment)")
DEFAULT_OUT = Path("out") / f"{NAME}.png"
PAPER_NUMBERS_NOTE = (
    "The paper's own numbers were not available for comparison; every number below is this "
    "suite's own."
)


@dataclass(frozen=True)
class Config:
    """Settings of one run.

    Raises
    ------
    InvalidParameterError
        Unless the counts (``poles``, ``length``, ``restarts``, ``iterations``, every depth)
        are positive integers and ``budget`` and every magnitude are finite positive numbers
        (``magnitudes`` and ``depths`` non-empty).
    """

    poles: int = 4
    length: int = 48
    budget: float = 2.0
    magnitudes: tuple[float, ...] = (25.0, 50.0, 100.0, 200.0, 400.0)
    depths: tuple[int, ...] = (2, 3, 4, 5)
    restarts: int = 8
    iterations: int = 2000

    def __post_init__(self) -> None:
        for name in ("poles", "length", "restarts", "iterations"):
            count(getattr(self, name), name)
        positive(self.budget, "budget")
        positives(self.magnitudes, "magnitudes")
        counts(self.depths, "depths")


#: The ``--quick`` settings: two targets, depths 3 and 5, 4 restarts × 200 steps.
QUICK = Config(magnitudes=(25.0, 400.0), depths=(3, 5), restarts=4, iterations=200)
QUICK_HELP = ("small run: 2 targets, depths 3 and 5, 4 restarts x 200 steps (measured on a 2-core "
              "machine: about 4 s of CPU time, which is the wall time when the machine is idle; "
              "the full run takes about 40 s)")


@dataclass
class Row:
    """One model class fitted to every target.

    ``errors[j]``, ``norms[j]``, ``floors[j]``: relative error, realization norm and certified
    error floor on target ``j``.
    """

    label: str
    depth: int
    width: int
    errors: np.ndarray
    norms: np.ndarray
    floors: np.ndarray

    @property
    def hidden_units(self) -> int:
        """``l·m``."""
        return self.depth * self.width

    @property
    def parameters(self) -> int:
        """Real parameters, eigenvalues included: ``lm + 2m + (l-1)m²``."""
        return Layout(self.depth, self.width).size


def minimal_width(poles: int, depth: int) -> int:
    """Smallest ``m`` with ``l(m-1)+1 ≥ n`` (BYJL25 Theorem 4.1(ii)); ``n, l ≥ 1``."""
    poles, depth = count(poles, "poles"), count(depth, "depth")
    return max(1, -(-(poles - 1) // depth) + 1)


def large_norm_targets(
    rng: np.random.Generator, poles: int, magnitudes: Sequence[float], length: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One target per magnitude ``R``: poles, residues and kernel ``ρ*(0..T-1)``.

    Poles are sorted draws from ``U(0.05, 0.95)``; residues are ``±R·u_i`` with random signs,
    ``u_i ∈ U(0.5, 1)`` and one ``u_i = 1``, so the largest residue modulus is exactly ``R``.

    Raises
    ------
    InvalidParameterError
        Unless ``rng`` is a numpy Generator, ``poles`` and ``length`` are positive integers
        and ``magnitudes`` is a non-empty sequence of finite positive numbers.
    """
    rng, poles, length = generator(rng), count(poles, "poles"), count(length, "length")
    R = np.asarray(positives(magnitudes, "magnitudes"))
    lam = np.sort(rng.uniform(0.05, 0.95, (R.size, poles)), axis=1)
    scale = rng.uniform(0.5, 1.0, (R.size, poles))
    scale[np.arange(R.size), rng.integers(poles, size=R.size)] = 1.0
    res = R[:, None] * scale * rng.choice([-1.0, 1.0], (R.size, poles))
    s = np.arange(length)
    kernels = np.einsum("psi,pi->ps", lam[:, None, :] ** s[None, :, None], res)
    return lam, res, kernels


def _fit_row(label: str, targets: np.ndarray, depth: int, width: int, config: Config,
             rng: np.random.Generator) -> Row:
    fits = fit_batch(targets, depth, width, config.budget, rng=rng, restarts=config.restarts,
                     iterations=config.iterations)
    reach = width**depth * config.budget ** (depth + 1)  # bound on |ρ(0)|
    floors = np.maximum(0.0, np.abs(targets[:, 0]) - reach) / np.linalg.norm(targets, axis=1)
    return Row(label, depth, width,
               np.array([f.relative_error for f in fits]),
               np.array([float(f.model.norm()) for f in fits]),
               floors)


def run(config: Config, seed: int) -> tuple[np.ndarray, list[Row]]:
    """Fit every model class to the targets; returns the targets' ``R`` and the rows.

    Raises
    ------
    InvalidParameterError
        If ``config`` is not a :class:`Config` or ``seed`` is not a non-negative integer.
    """
    seed = run_arguments(config, Config, seed)
    seeds = np.random.SeedSequence(seed).spawn(2 + 2 * len(config.depths))
    _, _, targets = large_norm_targets(np.random.default_rng(seeds[0]), config.poles,
                                       config.magnitudes, config.length)
    n = config.poles
    rows = [_fit_row(f"shallow n={n}", targets, 1, n, config, np.random.default_rng(seeds[1]))]
    shallow_widths = {n}
    for i, depth in enumerate(config.depths):
        m = minimal_width(n, depth)
        if depth * m not in shallow_widths:
            shallow_widths.add(depth * m)
            rows.append(_fit_row(f"shallow n={depth * m} (= l·m, l={depth})", targets, 1,
                                 depth * m, config, np.random.default_rng(seeds[2 + 2 * i])))
        rows.append(_fit_row(f"deep l={depth} m={m}", targets, depth, m, config,
                             np.random.default_rng(seeds[3 + 2 * i])))
    return np.asarray(config.magnitudes, dtype=float), rows


def format_report(magnitudes: np.ndarray, rows: list[Row], config: Config, seed: int) -> str:
    """The printed table: relative error (certified floor) per model and target magnitude."""
    lines = [
        "BYJL25 experiment reproduction: deep vs shallow linear SSMs under a norm budget",
        PAPER_NUMBERS_NOTE,
        f"targets: n={config.poles} real poles in (0.05, 0.95), T={config.length}, residues of "
        f"magnitude up to R (shallow norm c_1 = sqrt(R)); budget c={config.budget:g} on every "
        f"entry; {config.restarts} restarts x {config.iterations} projected Adam steps; "
        f"seed={seed}",
        "cells: relative error ||rho - rho*|| / ||rho*||  [certified floor from "
        "|rho(0)| <= m^l c^(l+1)]",
        "",
    ]
    head = f"{'model':<28}{'l':>3}{'m':>4}{'units':>6}{'params':>7}"
    head += "".join(f"{'R=' + format(R, 'g'):>20}" for R in magnitudes)
    lines.append(head)
    for row in rows:
        cells = "".join(f"{e:>10.2e} [{f:.2e}]" for e, f in zip(row.errors, row.floors))
        lines.append(f"{row.label:<28}{row.depth:>3}{row.width:>4}{row.hidden_units:>6}"
                     f"{row.parameters:>7}{cells}")
    worst_norm = max(float(np.max(r.norms)) for r in rows)
    lines.append("")
    lines.append(f"largest realization norm over all fits: {worst_norm:.4g} "
                 f"(budget {config.budget:g})")
    lines.append(_conclusion(magnitudes, rows))
    return "\n".join(lines)


def _conclusion(magnitudes: np.ndarray, rows: list[Row]) -> str:
    """Whether the deepest model beats every shallow model on the largest-norm target."""
    j = int(np.argmax(magnitudes))
    deepest = max((r for r in rows if r.depth > 1), key=lambda r: r.depth)
    best_shallow = min(r.errors[j] for r in rows if r.depth == 1)
    verdict = "lower" if deepest.errors[j] < best_shallow else "NOT lower"
    return (f"conclusion at R={magnitudes[j]:g}: deepest model ({deepest.label}) error "
            f"{deepest.errors[j]:.2e} is {verdict} than the best shallow error {best_shallow:.2e}")


def plot(magnitudes: np.ndarray, rows: list[Row], path: Path | None,
         budget: float) -> Figure:
    """Relative error against depth, one colour per target magnitude ``R``.

    Solid circles: deep models (depth 1 = shallow of width ``n``); dashed squares: the shallow
    model with the same number of hidden units ``l·m`` as the deep model of depth ``l``, drawn
    at ``x = l``. The legend names every colour and both line styles. Writes the PNG to
    ``path`` (unless it is ``None``) and returns the figure.
    """
    fig, ax = new_figure(1, (7.0, 5.6))
    base = rows[0]
    deep = [r for r in rows if r.depth > 1]
    units = {r.width: r for r in rows if r.depth == 1}
    palette = colors("viridis", magnitudes.size)
    for j, R in enumerate(magnitudes):
        ax.semilogy([1] + [r.depth for r in deep], [base.errors[j]] + [r.errors[j] for r in deep],
                    "o-", color=palette[j], label=rf"$R = {R:g}$ ($c_1 = {np.sqrt(R):.3g}$)")
        matched = [(r.depth, units[r.hidden_units].errors[j]) for r in deep
                   if r.hidden_units in units]
        if matched:
            ax.semilogy(*zip(*matched), "s--", color=palette[j], alpha=0.6)
    ax.plot([], [], "ko-", label=r"deep: depth $l$, least width $m$ ($l = 1$: shallow, width $n$)")
    ax.plot([], [], "ks--", alpha=0.6, label=r"shallow, $l\cdot m$ hidden units (at $x = l$)")
    ax.set_xlabel(r"depth $l$")
    ax.set_ylabel(r"relative error $\|\rho - \rho^*\| \,/\, \|\rho^*\|$")
    ax.set_title(rf"Fits under the budget $c = {budget:g}$ (suite's own numbers)")
    ax.set_xticks([1] + [r.depth for r in deep])
    legend_below(ax)
    save_figure(fig, path)
    return fig


def _table_rows(magnitudes: np.ndarray, rows: list[Row]) -> list[dict[str, Any]]:
    """One dict per (model, target): the printed cells and the realization norm."""
    return [{"model": row.label, "depth": row.depth, "width": row.width,
             "hidden_units": row.hidden_units, "parameters": row.parameters,
             "R": float(R), "c1": float(np.sqrt(R)), "relative_error": float(row.errors[j]),
             "certified_floor": float(row.floors[j]), "norm": float(row.norms[j])}
            for row in rows for j, R in enumerate(magnitudes)]


def _execute(config: Config, seed: int, quick: bool, path: Path) -> ExperimentRecord:
    """Run, print-format, draw; the record of :func:`reproduce`."""
    magnitudes, rows = run(config, seed)
    plot(magnitudes, rows, path, config.budget)
    return ExperimentRecord(
        name=NAME, title=TITLE, seed=seed, quick=quick, settings=dataclass_settings(config),
        table=format_report(magnitudes, rows, config, seed),
        rows=_table_rows(magnitudes, rows), verdict=_conclusion(magnitudes, rows),
        ok=_within_budget(rows, config.budget), figure=str(path))


def _within_budget(rows: list[Row], budget: float) -> bool:
    """Every fitted realization respects the budget (the projection of the trainer)."""
    return all(bool(np.all(r.norms <= budget)) for r in rows)


def reproduce(out_dir: str | os.PathLike[str], *, quick: bool = False,
              seed: int = 0) -> ExperimentRecord:
    """Run the experiment (the :data:`QUICK` settings when ``quick``), write
    ``out_dir/byjl25_fit.png`` and return the record (the uniform interface of
    :mod:`verify.experiments._checks`).

    ``rows``: one dict per (model, target) with ``model``, ``depth``, ``width``,
    ``hidden_units``, ``parameters``, ``R``, ``c1`` (``√R``), ``relative_error``,
    ``certified_floor`` and ``norm`` (all finite). ``ok``: every fit respects the budget.

    Raises
    ------
    InvalidParameterError, PlotsExtraMissing
        As :func:`~verify.experiments._checks.reproduce_arguments`, before anything runs.
    """
    out, quick, seed = reproduce_arguments(out_dir, quick, seed)
    return _execute(QUICK if quick else Config(), seed, quick, out / f"{NAME}.png")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; prints the table and writes the figure.

    Exit status 0 when every fit respects the budget (a deep model that does not beat the
    shallow ones is a finding, printed in the conclusion), 1 otherwise.
    """
    parser = experiment_parser(
        f"python -m verify.experiments.{NAME}",
        f"{TITLE} (qualitative reproduction).", DEFAULT_OUT, QUICK_HELP)
    args = parser.parse_args(argv)
    require_matplotlib(parser)
    return finish(_execute(QUICK if args.quick else Config(), args.seed, args.quick, args.out))


if __name__ == "__main__":
    sys.exit(main())
