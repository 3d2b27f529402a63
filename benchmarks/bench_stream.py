"""Benchmark of :func:`verify.scan.scan_stream`: dense 64×64 at ``T = 10^7`` in bounded memory.

Run ``python benchmarks/bench_stream.py [--quick] [--T T] [--T-whole T] [--block K] [--seed S]``.

The case of issue 10, item 4: a dense ``A`` of size ``m = 64`` (Gaussian, spectral radius 0.9)
with ``d = p = 64`` at ``T = 10^7`` steps, whose input alone (5.1 GB of float64) does not fit the
4 GB budget. The input is generated block by block from a seeded generator (blocks of ``K``
steps, the last one shorter) and fed to ``scan_stream``, which yields each output block before it
reads the next input block; every output block is reduced to a checksum and dropped.

In the same process, first, the whole-array ``linear_scan`` runs at a ``T`` that fits
(``--T-whole``, default ``10^5``), its input held whole as it must be. For each of the two runs
the peak resident set size (``VmHWM`` of ``/proc/self/status``, reset before the run by writing
``5`` to ``/proc/self/clear_refs``; ``resource.getrusage`` where that is not possible) is
printed, with the peak above the resident size before the run divided by ``T``: the ratio of
these two figures of memory per step is the saving of the stream. Then the wall time and the
throughput (steps per second) of the stream, the path ``method="auto"`` chose, the process's
``ru_maxrss`` at the end (the peak of the whole process, which must stay below 4 GB), the load
average before and after, and a check (after the measured runs) that the stream agrees with
``linear_scan`` on the first ``--T-whole`` steps of the same input (largest relative error per
output sequence).

``--quick`` runs ``T = 2·10^5`` against ``T-whole = 2·10^4`` in a few seconds.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from verify import scan
from verify.scan import linear_scan, max_relative_error, scan_stream

M = D = P = 64  # state, input and output sizes of the case


def make_layer(rng: np.random.Generator, radius: float = 0.9) -> tuple[np.ndarray, ...]:
    """A dense Gaussian ``A`` scaled to spectral radius ``radius``, Gaussian ``B`` and ``C``."""
    A = rng.standard_normal((M, M))
    A *= radius / np.abs(np.linalg.eigvals(A)).max()
    return A, rng.standard_normal((M, D)) / math.sqrt(D), rng.standard_normal((P, M)) / math.sqrt(M)


def input_blocks(seed: int, T: int, block: int) -> Iterator[np.ndarray]:
    """The input ``(T, d)`` as consecutive blocks of ``block`` steps from a seeded generator."""
    rng = np.random.default_rng([seed, 1])
    for t0 in range(0, T, block):
        yield rng.standard_normal((min(block, T - t0), D))


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the peak resident size of this process (Linux ≥ 4.0); whether it worked."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def measured(f: Callable[[], object]) -> tuple[object, float, int, int]:
    """Run ``f`` once: its result, wall seconds, resident bytes before and peak bytes during."""
    reset = _reset_peak()
    before = (_status_kib("VmRSS") or 0) * 1024
    start = time.perf_counter()
    result = f()
    wall = time.perf_counter() - start
    peak_kib = _status_kib("VmHWM") if reset else None
    if peak_kib is None:  # no reset possible: the process-wide peak so far
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return result, wall, before, peak_kib * 1024


def whole_run(layer: tuple[np.ndarray, ...], seed: int, T: int, block: int) -> np.ndarray:
    """``linear_scan`` on the whole input of ``T`` steps (the same values as the stream's)."""
    x = np.concatenate(list(input_blocks(seed, T, block)), axis=0)
    return linear_scan(*layer, x)


def stream_run(layer: tuple[np.ndarray, ...], seed: int, T: int, block: int) -> float:
    """Stream ``T`` steps, each output block reduced to its sum and dropped; the total."""
    return sum(float(y.sum()) for y in scan_stream(*layer, input_blocks(seed, T, block)))


def auto_path(layer: tuple[np.ndarray, ...], block: int) -> str:
    """The path ``method="auto"`` takes for the stream (chosen from its first block)."""
    x = np.zeros((block, D))
    problem = scan._Problem(scan._validate_model(*layer, None, None, False), x[None, None],
                            (), [], block, None, stream=True)
    return scan._plan(problem, "auto").path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="T = 2e5, a few seconds")
    parser.add_argument("--T", type=int, default=None, help="steps of the stream (1e7)")
    parser.add_argument("--T-whole", type=int, default=None,
                        help="steps of the whole-array comparison (1e5)")
    parser.add_argument("--block", type=int, default=2**16, help="steps per input block")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    T = args.T or (200_000 if args.quick else 10_000_000)
    T_whole = args.T_whole or (20_000 if args.quick else 100_000)
    layer = make_layer(np.random.default_rng(args.seed))
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# {stamp}, numpy {np.__version__}, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"dense {M}x{M}, d = p = {D}, spectral radius 0.9, blocks of {args.block} steps; "
          f"auto path: {auto_path(layer, args.block)}")

    y_whole, wall_w, before_w, peak_w = measured(lambda: whole_run(layer, args.seed, T_whole,
                                                                   args.block))
    total, wall_s, before_s, peak_s = measured(lambda: stream_run(layer, args.seed, T, args.block))
    per_step_w = (peak_w - before_w) / T_whole
    per_step_s = (peak_s - before_s) / T
    mib = 2.0**20
    print(f"whole array, T = {T_whole:.3g}: {wall_w:.2f} s, {T_whole / wall_w:.3g} steps/s, "
          f"peak RSS {peak_w / mib:.0f} MiB ({(peak_w - before_w) / mib:.0f} MiB above the "
          f"{before_w / mib:.0f} MiB before), {per_step_w:.0f} bytes/step")
    print(f"stream, T = {T:.3g}: {wall_s:.1f} s, {T / wall_s:.3g} steps/s, peak RSS "
          f"{peak_s / mib:.0f} MiB ({(peak_s - before_s) / mib:.0f} MiB above the "
          f"{before_s / mib:.0f} MiB before), {per_step_s:.2f} bytes/step")
    print(f"memory per step, whole / stream: {per_step_w / per_step_s:.3g}")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"process peak (ru_maxrss since the last reset): {maxrss / mib:.0f} MiB; "
          f"stream peak below 4 GB: {peak_s < 4 * 10**9}")
    head = np.concatenate(list(scan_stream(*layer, input_blocks(args.seed, T_whole, args.block))))
    err = max_relative_error(head, y_whole)
    print(f"stream vs whole array on the first {T_whole} steps: max relative error {err:.2g}; "
          f"output sum {total:.6g}")
    print(f"# load average at the end: {os.getloadavg()[0]:.1f}")
    return 0 if peak_s < 4 * 10**9 else 1


if __name__ == "__main__":
    sys.exit(main())
