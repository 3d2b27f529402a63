"""Benchmark of the float closed form of ``DeepSSM.kernel`` (BYJL25 Lemma 3.1, Eq. 2).

Run ``python benchmarks/bench_closed_form.py [--quick] [--T T] [--repeats N] [--seed S]``.

Times ``DeepSSM.kernel(T, method="closed_form")`` on a float model (depth 3, width 4, complex
eigenvalues of modulus in ``[0.5, 0.999]``, Gaussian ``B`` and ``C``) at ``T = 16000`` against
the previous implementation of the same sum, kept here as :func:`old_closed_form` (one direct
sum of ``s + 1`` terms per entry and layer, ``O(T²)``), in one process: the new path ``--repeats``
times (median and minimum), the old one once (it takes seconds). Printed: both times, their
ratio, the largest difference of the two kernels relative to the kernel of the entrywise-absolute
model (which bounds every term), and the load average before and after.

``--quick`` runs ``T = 2000``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from collections.abc import Sequence

import numpy as np

from theory.linear import DeepSSM


def old_closed_form(model: DeepSSM, T: int) -> np.ndarray:
    """The float closed form before the blocked sum: one direct sum per entry, ``np.power``."""
    lam, C, B = model.eigenvalues, model.C, model.B
    s = np.arange(T).reshape(-1, 1)
    v = lam[0] ** s * B[0]
    for k in range(1, model.depth):
        u = v @ B[k].T
        P = lam[k] ** s
        nxt = np.empty_like(v)
        for t in range(T):
            nxt[t] = np.sum(P[: t + 1] * u[t::-1], axis=0)
        v = nxt
    return v @ C


def make_model(rng: np.random.Generator, depth: int = 3, width: int = 4) -> DeepSSM:
    lam = rng.uniform(0.5, 0.999, (depth, width)) * np.exp(2j * np.pi * rng.random((depth, width)))
    B = [rng.standard_normal(width)] + [rng.standard_normal((width, width)) / np.sqrt(width)
                                        for _ in range(depth - 1)]
    return DeepSSM(lam, B, rng.standard_normal(width))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="T = 2000")
    parser.add_argument("--T", type=int, default=None, help="kernel length (16000)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of the new path")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    T = args.T or (2000 if args.quick else 16000)
    model = make_model(np.random.default_rng(args.seed))
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# {stamp}, numpy {np.__version__}, load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores; depth {model.depth}, width {model.width}, complex, T = {T}")
    model.kernel(min(T, 100))  # warm-up
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        new = model.kernel(T)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    old = old_closed_form(model, T)
    t_old = time.perf_counter() - start
    absolute = DeepSSM(np.abs(model.eigenvalues), [np.abs(b) for b in model.B], np.abs(model.C))
    scale = absolute.kernel(T).real
    diff = float(np.max(np.abs(new - old) / scale))
    t_new = statistics.median(times)
    print(f"new (blocked sum): median {t_new * 1e3:.1f} ms, min {min(times) * 1e3:.1f} ms "
          f"over {args.repeats} runs")
    print(f"old (direct sum):  {t_old:.2f} s (one run)")
    print(f"old / new: {t_old / t_new:.0f}")
    print(f"max |new - old| / absolute kernel: {diff:.2g}")
    print(f"# load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
