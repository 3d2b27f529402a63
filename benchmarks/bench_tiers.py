"""Benchmark of the BYJL25 check tiers: instances per second of ``sample`` + ``check``.

Run ``python benchmarks/bench_tiers.py [--quick] [--rounds N] [--baseline DIR]
[--skip-previous] [--clock wall|cpu] [--shape l,m ...]``.

Part 1, the float64 tier of ``byjl25.lemma3.1`` (issue 10, item 3), in one process, in
interleaved rounds (each round times every method once, in rotating order, so that a change of
machine load hits all methods alike), on each shape ``(l, m)``, ``1 ≤ l, m ≤ 4`` (the tier
draws one shape per batch, uniformly; the last line is the harmonic mean over the shapes, the
tier's expected rate):

* ``previous`` — the tier before issue 10: ``DeepBatch.kernel_closed_form`` (direct sums over
  all lags, instances first), the scan core, the absolute model's direct sums and one
  :func:`verify.registry.log_margin` call per instance, in batches of 100 (left out with
  ``--skip-previous``);
* ``before`` — with ``--baseline DIR``: the tier of the ``theory`` and ``verify`` packages in
  ``DIR`` (an earlier version), run in a subprocess (``PYTHONPATH=DIR``; import and a warm-up
  batch of 200 instances not counted), with the same instances;
* ``vectorized`` — the tier now (:func:`verify.claims.byjl25_kernel.float_margins`, batches of
  ``FLOAT_BATCH``), after the same warm-up.

All include the sampling (``random_deep_batch``). The ratio column compares ``vectorized`` with
the first column. The margins of ``previous`` and ``vectorized`` are compared on a first batch
of 200 (the verdicts must agree; the margins agree to rounding). ``--clock cpu`` times the
process's CPU time instead of the wall time, which a loaded machine distorts less.

Part 2, the exact tiers of every BYJL25 claim (issue 10, item 1): ``sample`` + ``check`` of
``--exact-instances`` instances (seed 0) per round, after a warm-up instance. With
``--baseline DIR`` every round also runs the same measurement in a subprocess against ``DIR``,
the two in alternating order, and the table gives the ratio of the medians; the import time of
the subprocess is not counted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

from verify.batch import DeepBatch
from verify.claims import byjl25_kernel as kernel_claim
from verify.registry import all_claims, get_claim, log_margin
from verify.sampling import random_deep_batch

SHAPES = [(depth, width) for depth in range(1, kernel_claim.MAX_DEPTH + 1)
          for width in range(1, kernel_claim.MAX_WIDTH + 1)]  # the tier draws them uniformly
QUICK_SHAPES = [(1, 1), (2, 2), (4, 4)]
PREVIOUS_BATCH = 100


# ---------------------------------------------------------------------------- float tier
def previous_margins(batch: DeepBatch, T: int = kernel_claim.FLOAT_T) -> np.ndarray:
    """The float tier's check before issue 10 (reference for this benchmark only)."""
    closed = batch.kernel_closed_form(T)
    scanned = batch.kernel_scan(T)
    scale = batch.absolute().kernel_closed_form(T).real
    finite = np.all(np.isfinite(closed) & np.isfinite(scanned) & np.isfinite(scale), axis=1)
    err = np.full(closed.shape[0], np.nan)
    if finite.any():
        err[finite] = kernel_claim.relative_errors(closed[finite], scanned[finite],
                                                   scale[finite])
    tol = kernel_claim.tolerance(kernel_claim.NumberKind.FLOAT)
    return np.array([log_margin(float(e), tol) for e in err])


def _sampler(shape: tuple[int, int]) -> Callable[[np.random.Generator, int], DeepBatch]:
    return lambda rng, n: random_deep_batch(rng, n, *shape)


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def _float_run(shape: tuple[int, int], check: Callable[[DeepBatch], np.ndarray], batch: int,
               instances: int, seed: int, clock: str = "wall") -> float:
    """Seconds (of ``clock``) for ``instances`` instances of sample + check, in batches of
    ``batch``."""
    rng = np.random.default_rng(seed)
    sample = _sampler(shape)
    now = CLOCKS[clock]
    start = now()
    done = 0
    while done < instances:
        n = min(batch, instances - done)
        check(sample(rng, n))
        done += n
    return now() - start


def float_rate(shape: tuple[int, int], instances: int, seed: int, clock: str) -> float:
    """Instances per second of the float tier as it is in the imported ``verify`` (batches of
    its ``FLOAT_BATCH``), after a warm-up batch of 200 (first-use costs such as the BLAS
    thread control); run in a subprocess against ``--baseline``."""
    _float_run(shape, kernel_claim.float_margins, 200, 200, seed + 1000, clock)
    return instances / _float_run(shape, kernel_claim.float_margins, kernel_claim.FLOAT_BATCH,
                                  instances, seed, clock)


def _float_rate_in(baseline: str, shape: tuple[int, int], instances: int, seed: int,
                   clock: str) -> float:
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import bench_tiers as b; "
            "print(json.dumps(b.float_rate(tuple(json.loads(sys.argv[2])), int(sys.argv[3]), "
            "int(sys.argv[4]), sys.argv[5])))")
    return _run_in(baseline, code, json.dumps(shape), str(instances), str(seed), clock)


def _run_in(baseline: str, code: str, *args: str) -> float:
    """The float printed last by ``code`` run with ``PYTHONPATH=baseline`` (this directory is
    its ``sys.argv[1]``)."""
    env = {**os.environ, "PYTHONPATH": baseline}
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([sys.executable, "-c", code, here, *args], env=env,
                         capture_output=True, text=True, check=True, cwd="/")
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def bench_float(shapes: list[tuple[int, int]], rounds: int, instances: int,
                previous_instances: int, baseline: str | None = None,
                clock: str = "wall") -> None:
    """The float tier per shape: ``previous`` (unless ``previous_instances`` is 0),
    ``vectorized`` (this tree) and, with ``baseline``, the tier of that tree (``before``), all
    in interleaved rounds (the order rotates from round to round)."""
    print(f"\nbyjl25.lemma3.1 float64 tier: sample + check, median of {rounds} interleaved "
          f"rounds, {clock} clock (previous: {previous_instances} instances in batches of "
          f"{PREVIOUS_BATCH}; vectorized: {instances} in batches of "
          f"{kernel_claim.FLOAT_BATCH}" + (f"; before: the same, {baseline}" if baseline else "")
          + ")")
    names = (["previous"] if previous_instances else []) + (["before"] if baseline else [])
    names.append("vectorized")
    print(f"{'shape (l, m)':>14}" + "".join(f" {k + ' inst/s':>18}" for k in names)
          + f" {'ratio':>7} {'worst margin':>13}")
    per_shape: dict[str, list[float]] = {k: [] for k in names}
    for shape in shapes:
        rng = np.random.default_rng(1)
        first = _sampler(shape)(rng, 200)
        m_vec = kernel_claim.float_margins(first)
        if previous_instances and not np.array_equal(previous_margins(first) >= 0, m_vec >= 0):
            raise SystemExit(f"{shape}: the two paths disagree on a verdict")
        runs: dict[str, Callable[[int], float]] = {
            "previous": lambda r: previous_instances / _float_run(
                shape, previous_margins, PREVIOUS_BATCH, previous_instances, r, clock),  # noqa: B023
            "before": lambda r: _float_rate_in(baseline, shape, instances, r, clock),  # noqa: B023
            "vectorized": lambda r: float_rate(shape, instances, r, clock),  # noqa: B023
        }
        times: dict[str, list[float]] = {k: [] for k in names}
        for r in range(rounds):
            for name in names[r % len(names):] + names[: r % len(names)]:
                times[name].append(runs[name](r))
        rates = {k: statistics.median(v) for k, v in times.items()}
        for k in names:
            per_shape[k].append(rates[k])
        print(f"{str(shape):>14}" + "".join(f" {rates[k]:18.0f}" for k in names)
              + f" {rates['vectorized'] / rates[names[0]]:7.2f} {float(np.min(m_vec)):13.2f}",
              flush=True)
    # the tier draws each shape with equal probability: its rate is the harmonic mean
    means = {k: statistics.harmonic_mean(per_shape[k]) for k in names}
    print(f"{'mean of tier':>14}" + "".join(f" {means[k]:18.0f}" for k in names)
          + f" {means['vectorized'] / means[names[0]]:7.2f}")


# ---------------------------------------------------------------------------- exact tiers
def exact_tiers() -> list[tuple[str, str]]:
    """``(claim id, tier name)`` of every BYJL25 exact tier."""
    return [(c.id, t.name) for c in all_claims() if c.id.startswith("byjl25.")
            for t in c.tiers if t.name.startswith("exact")]


def time_exact(claim_id: str, tier_name: str, n: int) -> float:
    """Instances per second of ``sample`` + ``check`` of ``n`` instances (seed 0), after one
    warm-up instance (seed 1: sympy loads some modules on first use, which takes ~0.5 s)."""
    tier = next(t for t in get_claim(claim_id).tiers if t.name == tier_name)
    tier.check(tier.sample(np.random.default_rng(1), 1))
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    tier.check(tier.sample(rng, n))
    return n / (time.perf_counter() - start)


def _time_in(baseline: str, claim_id: str, tier_name: str, n: int) -> float:
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import bench_tiers as b; "
            "print(json.dumps(b.time_exact(sys.argv[2], sys.argv[3], int(sys.argv[4]))))")
    return _run_in(baseline, code, claim_id, tier_name, str(n))


def bench_exact(rounds: int, n: int, baseline: str | None, only: list[str] | None) -> None:
    print(f"\nBYJL25 exact tiers: sample + check of {n} instances (seed 0), median of "
          f"{rounds} rounds" + (f", against the baseline {baseline}" if baseline else ""))
    head = f"{'claim':>24} {'tier':>30} {'inst/s':>8}"
    print(head + (f" {'baseline':>9} {'ratio':>6}" if baseline else ""))
    total_new = total_old = 0.0
    for claim_id, tier_name in exact_tiers():
        if only and claim_id not in only:
            continue
        new: list[float] = []
        old: list[float] = []
        for r in range(rounds):
            if baseline and r % 2:
                old.append(_time_in(baseline, claim_id, tier_name, n))
            new.append(time_exact(claim_id, tier_name, n))
            if baseline and not r % 2:
                old.append(_time_in(baseline, claim_id, tier_name, n))
        med = statistics.median(new)
        total_new += med
        line = f"{claim_id:>24} {tier_name[:30]:>30} {med:8.2f}"
        if baseline:
            base = statistics.median(old)
            total_old += base
            line += f" {base:9.2f} {med / base:6.2f}"
        print(line, flush=True)
    if baseline:
        print(f"{'sum of inst/s':>24} {'':>30} {total_new:8.2f} {total_old:9.2f} "
              f"{total_new / total_old:6.2f}")


def machine_speed() -> float:
    """CPU nanoseconds per element of one complex ``numpy.multiply`` of 196608 elements (best of
    5 × 200): a reference for the machine's speed at the time of a run, printed before and after
    the timings (the float tier's figures scale with it; a shared virtual machine's speed
    varies)."""
    a = np.linspace(0, 1, 196608) * (1 + 1j)
    out = np.empty_like(a)
    best = math.inf
    for _ in range(5):
        start = time.process_time()
        for _ in range(200):
            np.multiply(a, a, out=out)
        best = min(best, time.process_time() - start)
    return best / 200 / a.size * 1e9


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes, one round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--exact-instances", type=int, default=10)
    p.add_argument("--float-instances", type=int, default=20_000)
    p.add_argument("--baseline", help="directory holding an earlier theory/ and verify/")
    p.add_argument("--claim", action="append", help="exact tiers of this claim only")
    p.add_argument("--skip-float", action="store_true")
    p.add_argument("--skip-exact", action="store_true")
    p.add_argument("--skip-previous", action="store_true",
                   help="float tier: leave out the pre-issue-10 path")
    p.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                   help="float tier: wall time or the process's CPU time (under load)")
    p.add_argument("--shape", action="append",
                   help="float tier: only this shape, as l,m (repeatable)")
    args = p.parse_args(argv)
    rounds = 1 if args.quick else args.rounds
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"machine speed: complex multiply {machine_speed():.2f} ns per element")
    if not args.skip_float:
        shapes = ([tuple(int(v) for v in x.split(",")) for x in args.shape] if args.shape
                  else QUICK_SHAPES if args.quick else SHAPES)
        bench_float(shapes, rounds, 2000 if args.quick else args.float_instances,
                    0 if args.skip_previous else 200 if args.quick else 1000, args.baseline,
                    args.clock)
    if not args.skip_exact:
        bench_exact(rounds, 2 if args.quick else args.exact_instances, args.baseline,
                    args.claim)
    print(f"load average at the end {os.getloadavg()[0]:.1f}; machine speed: complex multiply "
          f"{machine_speed():.2f} ns per element")


if __name__ == "__main__":
    main()
