"""Teacher–student fits of deep and shallow linear SSMs with equal parameter counts (BYJL25).

BYJL25 (Bao, Yu, Jiang, Li, arXiv:2506.19296) report a teacher–student experiment (known only
through reviews): a deep linear SSM teacher is fitted by deep and shallow students. This script
runs the suite's own version:

- teacher: a random real deep linear SSM of depth ``l`` and width ``m`` (BYJL25 Eq. 1):
  eigenvalues uniform in ``(-0.9, 0.9)`` at least ``0.05`` apart (so that its shallow
  equivalent of Theorem 4.1(i) exists and is well conditioned), entries of ``B_1, B_k, C``
  uniform in ``[-a, a]`` (``a = teacher_scale``, 3 by default: its shallow equivalent then needs
  a norm ``c_1`` above the teacher's own norm, the large-norm regime of Theorem 4.2); its kernel
  ``ρ*(0..T-1)`` is the target;
- students: a deep one of the teacher's shape and a shallow one of width ``n`` with the *same
  number of real parameters*, ``3n = (l-1)m² + (l+2)m`` (:mod:`theory.param_count`);
- constraint: every student entry of ``B_1, B_k, C`` lies in ``[-c, c]`` with ``c`` the
  teacher's own norm (max modulus, BYJL25 Eq. 3) times ``budget_factor``, eigenvalues in
  ``[-λ_max, λ_max]`` (:data:`verify.fitting.LAMBDA_MAX`): the deep student can realize the
  teacher exactly, the shallow one needs the teacher's shallow norm ``c_1 = max_i |r_i|^{1/2}``
  (:func:`theory.norm_reduction.shallow_norm`), which is printed beside ``c``;
- training: L-BFGS-B (:func:`scipy.optimize.minimize`, box constraints) on the normalized loss
  ``Σ_t (ρ(t) - ρ*(t))² / Σ_t ρ*(t)²`` with the analytic gradient of
  :func:`verify.fitting.loss_and_gradient` (adjoint recurrence); the relative kernel error
  ``‖ρ - ρ*‖/‖ρ*‖`` is recorded after every iteration (a run that stops early keeps its last
  value). Each seed draws a new teacher and new student initializations.

Printed: per teacher shape, the median (and the range over seeds) of the relative error at
checkpoints of training, the final norms, and on how many seeds the deep student ends below the
shallow one. The paper's own numbers were not available, so the numbers printed here are the
suite's own.

Run ``python -m verify.experiments.byjl25_teacher_student [--out PATH] [--seed S] [--quick]``,
or call :func:`reproduce` (the uniform interface of :mod:`verify.experiments._checks`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy  # scipy.optimize loads on first use (scipy's lazy submodules)

from theory.depth_width import deep_to_shallow
from theory.linear import DeepSSM
from theory.norm_reduction import shallow_norm
from theory.param_count import deep_parameters
from verify.experiments._checks import (
    ExperimentRecord,
    colors,
    count,
    dataclass_settings,
    experiment_parser,
    finish,
    generator,
    legend_below,
    new_figure,
    positive,
    reproduce_arguments,
    require,
    require_matplotlib,
    run_arguments,
    save_figure,
)
from verify.experiments.byjl25_fit import PAPER_NUMBERS_NOTE
from verify.fitting import LAMBDA_MAX, Layout, kernels, loss_and_gradient

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Config", "Curve", "equal_shallow_width", "main", "random_teacher", "reproduce",
           "run"]

NAME = "byjl25_teacher_student"
TITLE = ("Teacher-student fits of deep and shallow linear SSMs with equal parameter counts "
         "(BYJL25 numerical experiment)")
DEFAULT_OUT = Path("out") / f"{NAME}.png"

#: Teacher eigenvalues: uniform in ``(-EIG_RANGE, EIG_RANGE)``, pairwise at least ``EIG_GAP``
#: apart.
EIG_RANGE, EIG_GAP = 0.9, 0.05


def equal_shallow_width(depth: int, width: int) -> int:
    """The shallow width ``n`` with ``3n = (l-1)m² + (l+2)m`` real parameters, the count of the
    depth-``l`` width-``m`` model (:func:`theory.param_count.deep_parameters`).

    Raises
    ------
    InvalidParameterError
        Unless ``depth`` and ``width`` are positive integers whose deep count is a multiple of 3
        (e.g. every ``m = 2`` or ``m = 3``; not ``(l, m) = (2, 4)``).
    """
    depth, width = count(depth, "depth"), count(width, "width")
    total = deep_parameters(depth, width)
    require(total % 3 == 0, "width", width,
            f"a shape whose parameter count (l-1)m^2+(l+2)m = {total} (l={depth}) is a "
            "multiple of 3, the count 3n of a shallow model")
    return total // 3


def _shapes(value: Any) -> tuple[tuple[int, int], ...]:
    """A non-empty sequence of ``(depth, width)`` pairs with an equal-count shallow width."""
    require(isinstance(value, Sequence) and not isinstance(value, str) and len(value) > 0
            and all(isinstance(s, Sequence) and len(s) == 2 for s in value), "shapes", value,
            "a non-empty sequence of (depth, width) pairs")
    for depth, width in value:
        equal_shallow_width(depth, width)
    return tuple((int(d), int(w)) for d, w in value)


@dataclass(frozen=True)
class Config:
    """Settings of one run.

    Raises
    ------
    InvalidParameterError
        Unless ``shapes`` is a non-empty sequence of teacher shapes ``(l, m)`` whose parameter
        count is a multiple of 3 (:func:`equal_shallow_width`), ``length``, ``seeds`` and
        ``iterations`` are positive integers and ``budget_factor`` and ``teacher_scale`` are
        finite positive numbers.
    """

    shapes: tuple[tuple[int, int], ...] = ((2, 2), (3, 2), (4, 2), (2, 3))
    length: int = 64
    seeds: int = 6
    iterations: int = 400
    budget_factor: float = 1.0
    teacher_scale: float = 3.0

    def __post_init__(self) -> None:
        _shapes(self.shapes)
        for name in ("length", "seeds", "iterations"):
            count(getattr(self, name), name)
        positive(self.budget_factor, "budget_factor")
        positive(self.teacher_scale, "teacher_scale")


#: The ``--quick`` settings: two teacher shapes, 3 seeds, 120 L-BFGS-B iterations.
QUICK = Config(shapes=((2, 2), (3, 2)), seeds=3, iterations=120)
QUICK_HELP = ("small run: teachers (l,m) = (2,2), (3,2), 3 seeds, 120 L-BFGS-B iterations "
              "(measured on a loaded 2-core machine: about 3 s of CPU time, figure included; "
              "the full run takes about 13 s)")


@dataclass
class Curve:
    """Training curves of one student class on one teacher shape.

    ``errors[j, i]``: relative kernel error on seed ``j`` after ``i`` iterations (``i = 0`` is
    the initialization); ``norms[j]``: final realization norm; ``budgets[j]``: its budget.
    """

    label: str
    depth: int
    width: int
    errors: np.ndarray
    norms: np.ndarray
    budgets: np.ndarray

    @property
    def parameters(self) -> int:
        """Real parameters (:func:`theory.param_count.deep_parameters`; ``3n`` when shallow)."""
        return deep_parameters(self.depth, self.width)

    @property
    def final(self) -> np.ndarray:
        """Final relative error per seed."""
        return self.errors[:, -1]


def random_teacher(rng: np.random.Generator, depth: int, width: int,
                   scale: float = 1.0) -> DeepSSM:
    """A random real teacher of depth ``l`` and width ``m`` (module docstring).

    Eigenvalues: ``lm`` points uniform in ``(-0.9, 0.9)`` conditioned on being pairwise at
    least ``0.05`` apart (sorted uniform draws on an interval shortened by ``(lm-1)·0.05``, the
    ``i``-th shifted by ``i·0.05``: the standard bijection, no rejection), in random order over
    the layers; entries uniform in ``[-scale, scale]``.

    Raises
    ------
    InvalidParameterError
        Unless ``rng`` is a numpy Generator, ``depth``, ``width`` are positive integers with
        ``lm ≤ 18`` and ``scale`` is a finite positive number.
    """
    rng = generator(rng)
    depth, width = count(depth, "depth"), count(width, "width")
    a = positive(scale, "scale")
    require(depth * width <= 18, "width", width, f"l*m <= 18 (got l={depth})")
    n = depth * width
    free = 2 * EIG_RANGE - (n - 1) * EIG_GAP  # > 0 for n <= 18
    eig = np.sort(rng.uniform(0.0, free, n)) + EIG_GAP * np.arange(n) - EIG_RANGE
    eig = rng.permutation(eig)
    B = [rng.uniform(-a, a, width)] + [rng.uniform(-a, a, (width, width))
                                       for _ in range(depth - 1)]
    return DeepSSM(eig.reshape(depth, width), B, rng.uniform(-a, a, width))


def _objective(layout: Layout, target: np.ndarray) -> Any:
    """``θ ↦ (L(θ)/‖ρ*‖², ∇)`` for one flat parameter vector (scipy's ``jac=True`` form)."""
    weights = np.ones(target.size)
    scale = float(target @ target)

    def f(theta: np.ndarray) -> tuple[float, np.ndarray]:
        loss, grad = loss_and_gradient(layout, theta[None, :], target, weights)
        return float(loss[0]) / scale, grad[0] / scale

    return f


def _train(layout: Layout, target: np.ndarray, budget: float, iterations: int,
           rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """One L-BFGS-B run from a random point of the box; the error curve and the final norm."""
    lower, upper = layout.bounds(budget, LAMBDA_MAX)
    theta0 = rng.uniform(lower, upper)
    norm = float(np.linalg.norm(target))

    def error(theta: np.ndarray) -> float:
        return float(np.linalg.norm(kernels(layout, theta[None, :], target.size)[0] - target)
                     / norm)

    curve = [error(theta0)]
    result = scipy.optimize.minimize(
        _objective(layout, target), theta0, jac=True, method="L-BFGS-B",
        bounds=list(zip(lower, upper)), callback=lambda xk: curve.append(error(xk)),
        options={"maxiter": iterations, "ftol": 1e-15, "gtol": 1e-12})
    curve += [curve[-1]] * (iterations + 1 - len(curve))  # stopped early: keep the last value
    return np.array(curve[: iterations + 1]), float(layout.model(result.x).norm())


def run(config: Config, seed: int) -> list[tuple[tuple[int, int], float, list[Curve]]]:
    """Train both students on ``config.seeds`` teachers per shape.

    Returns, per teacher shape, ``((l, m), median c_1 / c, [deep curve, shallow curve])`` where
    ``c_1 / c`` is the ratio of the teacher's shallow norm to its own norm.

    Raises
    ------
    InvalidParameterError
        If ``config`` is not a :class:`Config` or ``seed`` is not a non-negative integer.
    """
    seed = run_arguments(config, Config, seed)
    from threadpoolctl import threadpool_limits  # ~0.1 s: imported on first use

    with threadpool_limits(limits=1, user_api="blas"):  # tiny problems: threads only cost
        return [_run_shape(config, depth, width, stream) for (depth, width), stream
                in zip(config.shapes, np.random.SeedSequence(seed).spawn(len(config.shapes)))]


def _run_shape(config: Config, depth: int, width: int,
               stream: np.random.SeedSequence) -> tuple[tuple[int, int], float, list[Curve]]:
    """Both students on ``config.seeds`` teachers of one shape (see :func:`run`)."""
    rng = np.random.default_rng(stream)
    n = equal_shallow_width(depth, width)
    students = [("deep", depth, width), ("shallow", 1, n)]
    errors: dict[str, list[np.ndarray]] = {name: [] for name, *_ in students}
    norms: dict[str, list[float]] = {name: [] for name, *_ in students}
    budgets: list[float] = []
    ratios: list[float] = []
    for _ in range(config.seeds):
        teacher = random_teacher(rng, depth, width, config.teacher_scale)
        target = np.asarray(teacher.kernel(config.length), dtype=float)
        budget = config.budget_factor * float(teacher.norm())
        budgets.append(budget)
        ratios.append(shallow_norm(deep_to_shallow(teacher)) / float(teacher.norm()))
        for name, l_, m_ in students:
            curve, norm = _train(Layout(l_, m_), target, budget, config.iterations, rng)
            errors[name].append(curve)
            norms[name].append(norm)
    curves = [Curve(f"{name} l={l_} m={m_}", l_, m_, np.array(errors[name]),
                    np.array(norms[name]), np.array(budgets)) for name, l_, m_ in students]
    return (depth, width), float(np.median(ratios)), curves


def _checkpoints(iterations: int) -> list[int]:
    """Iterations at which the table prints the error: 0, 10, 30, 100, 300, … and the last."""
    marks = [i for i in (0, 10, 30, 100, 300, 1000, 3000) if i < iterations]
    return marks + [iterations]


def _deep_wins(curves: list[Curve]) -> int:
    deep, shallow = curves
    return int(np.sum(deep.final < shallow.final))


def format_report(results: list[tuple[tuple[int, int], float, list[Curve]]], config: Config,
                  seed: int) -> str:
    """The printed table: median [min, max] relative error at checkpoints, per student."""
    marks = _checkpoints(config.iterations)
    lines = [
        "BYJL25 teacher-student reproduction: deep vs shallow students, equal parameter counts",
        PAPER_NUMBERS_NOTE,
        f"teachers: random real deep SSMs, eigenvalues in (-{EIG_RANGE}, {EIG_RANGE}) at least "
        f"{EIG_GAP} apart, entries in [-{config.teacher_scale:g}, {config.teacher_scale:g}]; "
        f"T={config.length}; {config.seeds} seeds "
        f"(teacher and initialization) per shape; budget c = {config.budget_factor:g} x teacher "
        f"norm; L-BFGS-B, {config.iterations} iterations, analytic gradients; seed={seed}",
        "cells: median relative kernel error ||rho - rho*|| / ||rho*|| over seeds at the "
        "iteration; last column: [min, max] of the final error",
        "",
    ]
    head = f"{'student':<20}{'params':>7}" + "".join(f"{'it ' + str(i):>11}" for i in marks)
    head += f"{'final [min, max]':>24}{'norm/c':>8}"
    for (depth, width), ratio, curves in results:
        lines.append(f"teacher l={depth} m={width}: median c_1/c = {ratio:.3g} (shallow norm of "
                     "the teacher over its own norm)")
        lines.append(head)
        for c in curves:
            med = np.median(c.errors[:, marks], axis=0)
            cells = "".join(f"{e:>11.3e}" for e in med)
            lines.append(f"{c.label:<20}{c.parameters:>7}{cells}"
                         f"{f'[{np.min(c.final):.2e}, {np.max(c.final):.2e}]':>24}"
                         f"{np.max(c.norms / c.budgets):>8.3f}")
        lines.append(f"deep student ends below the shallow one on {_deep_wins(curves)} of "
                     f"{config.seeds} seeds")
        lines.append("")
    lines.append(_verdict(results))
    return "\n".join(lines)


def _verdict(results: list[tuple[tuple[int, int], float, list[Curve]]]) -> str:
    parts = []
    for (depth, width), _, curves in results:
        deep, shallow = (float(np.median(c.final)) for c in curves)
        parts.append(f"l={depth} m={width}: deep {deep:.2e} vs shallow {shallow:.2e} "
                     f"(deep lower on {_deep_wins(curves)}/{curves[0].final.size})")
    return "median final error, " + "; ".join(parts)


def _within_budget(results: list[tuple[tuple[int, int], float, list[Curve]]]) -> bool:
    """Every student respects its budget and every error is finite."""
    return all(bool(np.all(c.norms <= c.budgets) and np.all(np.isfinite(c.errors)))
               for *_, curves in results for c in curves)


def plot(results: list[tuple[tuple[int, int], float, list[Curve]]],
         path: Path | None = None) -> Figure:
    """Left: median relative error against training iteration (log scale), one colour per
    teacher shape, deep students solid, shallow dashed, the range over seeds shaded. Right:
    median final error against the teacher's depth ``l`` (integer ticks), one series per
    width and student class. Writes the PNG to ``path`` (unless ``None``); returns the figure.
    """
    fig, (ax, ax_depth) = new_figure(2, (12.0, 5.4))
    palette = colors("viridis", len(results), 0.85)
    for ((depth, width), _, curves), color in zip(results, palette):
        for c, style in zip(curves, ("-", "--")):
            steps = np.arange(c.errors.shape[1])
            ax.semilogy(steps, np.median(c.errors, axis=0), style, color=color)
            ax.fill_between(steps, np.min(c.errors, axis=0), np.max(c.errors, axis=0),
                            color=color, alpha=0.12, lw=0)
        ax.plot([], [], "s", color=color, label=rf"teacher $l = {depth},\ m = {width}$")
    ax.plot([], [], "k-", label=r"deep student (teacher's shape)")
    ax.plot([], [], "k--", label=r"shallow student, $3n = (l-1)m^2 + (l+2)m$ parameters")
    ax.fill_between([], [], [], color="k", alpha=0.12, lw=0, label="range over seeds")
    ax.set_xlabel("training step (L-BFGS-B iteration)")
    ax.set_ylabel(r"relative error $\|\rho - \rho^*\| \,/\, \|\rho^*\|$")
    ax.set_title("Teacher-student fits (suite's own numbers)")
    widths = sorted({w for (_, w), *_ in results})
    depths = sorted({d for (d, _), *_ in results})
    for width, color in zip(widths, colors("plasma", len(widths), 0.7)):
        rows = sorted((d, curves) for (d, w), _, curves in results if w == width)
        ls = [d for d, _ in rows]
        for k, (marker, style, kind) in enumerate((("o", "-", "deep"), ("s", "--", "shallow"))):
            ax_depth.semilogy(ls, [np.median(curves[k].final) for _, curves in rows],
                              marker + style, color=color,
                              label=rf"{kind}, teacher width $m = {width}$")
    ax_depth.set_xlabel(r"teacher depth $l$")
    ax_depth.set_ylabel(r"median final relative error")
    ax_depth.set_xticks(depths)
    ax_depth.set_title("final error against teacher depth")
    for a in (ax, ax_depth):
        legend_below(a)
    save_figure(fig, path)
    return fig


def _table_rows(results: list[tuple[tuple[int, int], float, list[Curve]]],
                iterations: int) -> list[dict[str, Any]]:
    """One dict per (teacher shape, student) with the printed numbers (all finite)."""
    marks = _checkpoints(iterations)
    return [{"teacher_depth": depth, "teacher_width": width, "student": c.label,
             "depth": c.depth, "width": c.width, "parameters": c.parameters,
             "checkpoints": marks,
             "median_error": [float(v) for v in np.median(c.errors[:, marks], axis=0)],
             "final_errors": [float(v) for v in c.final],
             "max_norm_over_budget": float(np.max(c.norms / c.budgets)),
             "median_c1_over_c": ratio}
            for (depth, width), ratio, curves in results for c in curves]


def _execute(config: Config, seed: int, quick: bool, path: Path) -> ExperimentRecord:
    """Run, print-format, draw; the record of :func:`reproduce`."""
    results = run(config, seed)
    plot(results, path)
    return ExperimentRecord(
        name=NAME, title=TITLE, seed=seed, quick=quick, settings=dataclass_settings(config),
        table=format_report(results, config, seed),
        rows=_table_rows(results, config.iterations), verdict=_verdict(results),
        ok=_within_budget(results), figure=str(path))


def reproduce(out_dir: str | os.PathLike[str], *, quick: bool = False,
              seed: int = 0) -> ExperimentRecord:
    """Run the experiment (the :data:`QUICK` settings when ``quick``), write
    ``out_dir/byjl25_teacher_student.png`` and return the record (the uniform interface of
    :mod:`verify.experiments._checks`).

    ``rows``: one dict per (teacher shape, student) with ``teacher_depth``, ``teacher_width``,
    ``student``, ``depth``, ``width``, ``parameters``, ``checkpoints``, ``median_error`` (at
    the checkpoints), ``final_errors`` (per seed), ``max_norm_over_budget`` and
    ``median_c1_over_c``. ``ok``: every student respects its budget with finite errors.

    Raises
    ------
    InvalidParameterError, PlotsExtraMissing
        As :func:`~verify.experiments._checks.reproduce_arguments`, before anything runs.
    """
    out, quick, seed = reproduce_arguments(out_dir, quick, seed)
    return _execute(QUICK if quick else Config(), seed, quick, out / f"{NAME}.png")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; prints the table and writes the figure.

    Exit status 0 when every student respects its budget (which student class wins is a
    finding, printed in the table), 1 otherwise.
    """
    parser = experiment_parser(f"python -m verify.experiments.{NAME}",
                               f"{TITLE} (qualitative reproduction).", DEFAULT_OUT, QUICK_HELP)
    args = parser.parse_args(argv)
    require_matplotlib(parser)
    return finish(_execute(QUICK if args.quick else Config(), args.seed, args.quick, args.out))


if __name__ == "__main__":
    sys.exit(main())
