"""Norm of the best deep realization of a large-norm target against depth (BYJL25 Theorem 4.2).

BYJL25 show (a figure known only through reviews) that a shallow target of norm ``c_1`` is
realized by deep models whose norm falls with depth, as ``c_2 ≤ 2 c_1^{2/(l+1)}``. This script
measures that curve with the suite's own constructions:

- targets: ``n`` real poles in ``(0.05, 0.95)``, residues up to ``c_1²`` in modulus (the largest
  exactly), for shallow norms ``c_1`` from 10 to 1000 (targets of
  :func:`verify.experiments.byjl25_fit.large_norm_targets`);
- for each depth ``l = 1..6``: width ``m`` minimal with ``l(m-1)+1 ≥ n`` (or a fixed ``--width``;
  depths whose capacity ``l(m-1)+1`` is below ``n`` are skipped), the least-norm balanced
  realization of :func:`theory.norm_reduction.small_norm_deep`, its kernel checked against the
  target with :func:`theory.norm_reduction.kernel_agreement`;
- printed and drawn: ``c_2``, the bound ``2 c_1^{2/(l+1)}`` and the width-one optimum
  ``c_1^{2/(l+1)}``; every ``c_2`` above the bound is printed as a violation.

The paper's own numbers were not available, so the numbers printed here are the suite's own.

Run ``python -m verify.experiments.byjl25_norm_vs_depth [--out PATH] [--seed S] [--width M]
[--quick]``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from theory.linear import ShallowSSM
from theory.norm_reduction import kernel_agreement, shallow_norm, small_norm_deep_report
from verify.cli import int_at_least
from verify.experiments._checks import count, counts, positives, run_arguments
from verify.experiments.byjl25_fit import PAPER_NUMBERS_NOTE, large_norm_targets, minimal_width

__all__ = ["Config", "Point", "main", "run"]

DEFAULT_OUT = Path("out") / "byjl25_norm_vs_depth.png"


@dataclass(frozen=True)
class Config:
    """Settings of one run; ``width=None`` picks the minimal width per depth.

    Raises
    ------
    InvalidParameterError
        Unless ``poles``, every depth and ``width`` (if given) are positive integers and
        ``shallow_norms`` is a non-empty sequence of finite positive numbers.
    """

    poles: int = 4
    shallow_norms: tuple[float, ...] = (10.0, 10**1.5, 100.0, 10**2.5, 1000.0)
    depths: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
    width: int | None = None

    def __post_init__(self) -> None:
        count(self.poles, "poles")
        positives(self.shallow_norms, "shallow_norms")
        counts(self.depths, "depths")
        if self.width is not None:
            count(self.width, "width")


QUICK = Config(shallow_norms=(10.0, 1000.0), depths=(1, 2, 3, 4))


@dataclass
class Point:
    """One (target, depth) measurement."""

    c1: float
    depth: int
    width: int
    norm: float
    winner: str
    kernel_error: float
    kernel_tolerance: float

    @property
    def optimum_width_one(self) -> float:
        """``c_1^{2/(l+1)}``, the least norm of the width-one case (tight for one pole)."""
        return self.c1 ** (2.0 / (self.depth + 1))

    @property
    def bound(self) -> float:
        """Theorem 4.2: ``2 c_1^{2/(l+1)}``."""
        return 2.0 * self.optimum_width_one

    @property
    def ratio(self) -> float:
        """``c_2 / c_1^{2/(l+1)}`` (Theorem 4.2 claims ``≤ 2``)."""
        return self.norm / self.optimum_width_one

    @property
    def realizes_target(self) -> bool:
        """The deep kernel equals the target's within the precision of the comparison."""
        return self.kernel_error <= self.kernel_tolerance


def run(config: Config, seed: int) -> list[Point]:
    """Measure the best deep norm for every target and depth.

    Raises
    ------
    InvalidParameterError
        If ``config`` is not a :class:`Config` or ``seed`` is not a non-negative integer.
    """
    seed = run_arguments(config, Config, seed)
    rng = np.random.default_rng(seed)
    magnitudes = [c1**2 for c1 in config.shallow_norms]
    poles, residues, _ = large_norm_targets(rng, config.poles, magnitudes, 1)
    points = []
    for lam, res in zip(poles, residues):
        target = ShallowSSM(lam, res, np.ones(config.poles))
        c1 = float(shallow_norm(target))
        for depth in config.depths:
            width = minimal_width(config.poles, depth) if config.width is None else config.width
            if depth * (width - 1) + 1 < config.poles:
                continue
            deep, record = small_norm_deep_report(target, depth, width)
            err, tol = kernel_agreement(deep, target)
            points.append(Point(c1, depth, width, float(deep.norm()), str(record["winner"]),
                                float(err), float(tol)))
    return points


def format_report(points: list[Point], config: Config, seed: int) -> str:
    """The printed table and the verdict on the bound ``c_2 ≤ 2 c_1^{2/(l+1)}``."""
    lines = [
        "BYJL25 Theorem 4.2 reproduction: norm of the best deep realization against depth",
        PAPER_NUMBERS_NOTE,
        f"targets: n={config.poles} real poles in (0.05, 0.95), largest residue c_1^2; "
        f"width {'minimal with l(m-1)+1 >= n' if config.width is None else config.width}; "
        f"seed={seed}",
        "",
        f"{'c_1':>9}{'l':>3}{'m':>3}{'c_2 (measured)':>16}{'c_1^(2/(l+1))':>15}"
        f"{'2c_1^(2/(l+1))':>16}{'ratio':>8}  {'kernel ok':<10}{'construction'}",
    ]
    for p in points:
        lines.append(
            f"{p.c1:>9.4g}{p.depth:>3}{p.width:>3}{p.norm:>16.6g}{p.optimum_width_one:>15.6g}"
            f"{p.bound:>16.6g}{p.ratio:>8.4f}  {('yes' if p.realizes_target else 'NO'):<10}"
            f"{p.winner}"
        )
    lines.append("")
    violations = [p for p in points if not p.norm <= p.bound]
    for p in violations:
        lines.append(f"VIOLATION of c_2 <= 2 c_1^(2/(l+1)): c_1={p.c1:.6g}, l={p.depth}, "
                     f"m={p.width}, c_2={p.norm:.6g} > {p.bound:.6g}")
    for p in points:
        if not p.realizes_target:
            lines.append(f"KERNEL MISMATCH: c_1={p.c1:.6g}, l={p.depth}: error "
                         f"{p.kernel_error:.3g} > tolerance {p.kernel_tolerance:.3g}")
    if not violations:
        worst = max(points, key=lambda p: p.ratio)
        lines.append(f"all {len(points)} measured norms satisfy c_2 <= 2 c_1^(2/(l+1)); worst "
                     f"ratio c_2/c_1^(2/(l+1)) = {worst.ratio:.4f} (c_1={worst.c1:.4g}, "
                     f"l={worst.depth})")
    return "\n".join(lines)


def plot(points: list[Point], path: Path) -> None:
    """Measured ``c_2`` (markers) with ``2 c_1^{2/(l+1)}`` (solid) and ``c_1^{2/(l+1)}``
    (dotted) against depth, one colour per target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c1s = sorted({p.c1 for p in points})
    colors = plt.cm.plasma(np.linspace(0, 0.85, len(c1s)))
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for c1, color in zip(c1s, colors):
        pts = sorted((p for p in points if p.c1 == c1), key=lambda p: p.depth)
        ls = np.linspace(pts[0].depth, pts[-1].depth, 100)
        ax.semilogy(ls, 2 * c1 ** (2 / (ls + 1)), "-", color=color, alpha=0.7)
        ax.semilogy(ls, c1 ** (2 / (ls + 1)), ":", color=color, alpha=0.7)
        ax.semilogy([p.depth for p in pts], [p.norm for p in pts], "o", color=color,
                    label=f"c1={c1:.3g}")
    ax.plot([], [], "k-", label="2 c1^(2/(l+1))")
    ax.plot([], [], "k:", label="c1^(2/(l+1))")
    ax.set_xlabel("depth l")
    ax.set_ylabel("norm of the best deep realization c2")
    ax.set_title("Theorem 4.2: norm against depth (suite's own numbers)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; prints the table and writes the figure.

    Exit status 0 when every deep model realizes its target (violations of the bound are
    findings and are printed, not errors), 1 on a kernel mismatch.
    """
    parser = argparse.ArgumentParser(
        prog="python -m verify.experiments.byjl25_norm_vs_depth",
        description="Norm of the best deep realization of large-norm targets against depth "
        "(BYJL25 Theorem 4.2).",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="PNG path")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--width", type=int_at_least(1), default=None,
                        help="fixed width m (default: minimal per depth)")
    parser.add_argument("--quick", action="store_true", help="small run (a few seconds)")
    args = parser.parse_args(argv)
    base = QUICK if args.quick else Config()
    config = Config(base.poles, base.shallow_norms, base.depths, args.width)
    points = run(config, args.seed)
    if not points:
        parser.error(f"--width {args.width}: no depth has capacity l(m-1)+1 >= "
                     f"{config.poles} poles")
    print(format_report(points, config, args.seed))
    plot(points, args.out)
    print(f"figure written to {args.out}")
    return 0 if all(p.realizes_target for p in points) else 1


if __name__ == "__main__":
    sys.exit(main())
