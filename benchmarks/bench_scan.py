"""Benchmark of the scan core (:mod:`verify.scan`) against the obvious alternatives.

Run ``python benchmarks/bench_scan.py [--quick]``. Everything runs in one process, after warm-up
runs, in interleaved rounds (each round times every method once, in rotating order, so that a
change of machine load hits all methods alike). Printed per case: median and minimum time, the
ratio of each method's median to the scan core's, and the largest relative error (per output
sequence, max-norm) against the sequential loop carried in ``np.longdouble``; then the core's
median when it runs back to back (in the rounds it starts after single-threaded methods, with the
second core idle and its buffers out of cache, which slows its two-thread BLAS products). Then
the accuracy case ``|λ| = 1 - 1e-5``, ``T = 65536``, and the fractions of the machine's
streaming bandwidth (a numpy copy) and of its dgemm throughput that the scan core reaches.

Then the two accuracy cases behind the choices of ``method="auto"``: a constant input at
``λ = -(1 - 1e-5)``, and a dense non-normal ``A`` with long memory (where ``auto`` runs the
per-step loop and ``chunked`` shows what the chunked powers would give).

Methods: ``core`` = ``linear_scan`` (``method="auto"``, the chunked method on S1–S3); ``loop`` =
one numpy call per time step in ``(T, B, m)`` layout (``method="sequential"``); ``fft`` =
``kernel`` + real FFT convolution; ``lfilter`` = ``scipy.signal.lfilter`` once per mode
(diagonal cases only); ``jax`` = ``jax.lax.associative_scan`` over time and ``numba`` = a
compiled per-step loop (diagonal cases only, when installed: ``pip install ".[bench]"``; see
``peers.py``; ``--no-peers`` skips them).

Then three cases of issue 10, item 4, each timed in interleaved rounds with the traced memory
peak (``tracemalloc``) of one run:

* the BYJL25 deep batch (200 deep models, ``l = 4``, ``m = 16``, ``T = 48``, complex, run as
  :meth:`verify.batch.DeepBatch.kernel_scan` runs it): ``auto``, ``sequential``, ``chunked``
  (what ``auto`` ran before), a plain numpy loop in ``(T, G, m)`` layout (no validation), and
  when installed ``jax.lax.associative_scan`` and a numba loop;
* time blocks: a dense 64×64 layer (``d = p = 64``) unblocked, ``block=4096`` and streamed by
  ``scan_blocks``;
* BLAS threads: the core on S1 and on the deep batch with the default rule, with BLAS never
  limited, and always limited to one thread.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy

from verify import scan
from verify.scan import choose_chunk, kernel, linear_scan, max_relative_error, scan_blocks


def _peers() -> Any:
    """The sibling module ``peers.py`` (optional jax and numba peers), importable whether this
    file runs as a script or is loaded from elsewhere."""
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    return importlib.import_module("peers")


@dataclass(frozen=True)
class Case:
    """One benchmark problem: a single-input single-output layer and its input."""

    name: str
    A: np.ndarray
    B: np.ndarray
    C: np.ndarray
    x: np.ndarray  # (batch, T, 1)

    @property
    def diagonal(self) -> bool:
        return self.A.ndim == 1


def _unit_complex(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / math.sqrt(2)


def make_cases(quick: bool, rng: np.random.Generator) -> list[Case]:
    """The S1–S3 shapes of the spec (tiny versions with ``quick``)."""
    s1 = (4, 256, 8) if quick else (64, 4096, 64)
    s2 = (16, 128, 4) if quick else (1024, 1024, 16)
    s3 = (2, 256, 16) if quick else (16, 16384, 256)
    cases = []
    batch, T, m = s1  # complex diagonal: |λ| uniform in [0.5, 0.999], uniform phase
    lam = rng.uniform(0.5, 0.999, m) * np.exp(2j * np.pi * rng.random(m))
    cases.append(Case(f"S1 complex diagonal B={batch} T={T} m={m}", lam,
                      _unit_complex(rng, (m, 1)) / math.sqrt(m), _unit_complex(rng, (1, m)),
                      rng.standard_normal((batch, T, 1))))
    batch, T, m = s2  # real diagonal: λ uniform in [-0.999, 0.999]
    cases.append(Case(f"S2 real diagonal B={batch} T={T} m={m}", rng.uniform(-0.999, 0.999, m),
                      rng.standard_normal((m, 1)) / math.sqrt(m), rng.standard_normal((1, m)),
                      rng.standard_normal((batch, T, 1))))
    batch, T, m = s3  # dense: a Gaussian matrix scaled to spectral radius 0.95 (non-normal)
    W = rng.standard_normal((m, m))
    W *= 0.95 / np.abs(np.linalg.eigvals(W)).max()
    cases.append(Case(f"S3 dense B={batch} T={T} m={m}", W,
                      rng.standard_normal((m, 1)) / math.sqrt(m), rng.standard_normal((1, m)),
                      rng.standard_normal((batch, T, 1))))
    return cases


def fft_convolution(case: Case) -> np.ndarray:
    """``kernel`` + real FFT convolution (complex kernels as two real convolutions)."""
    T = case.x.shape[1]
    K = kernel(case.A, case.B, case.C, T)[:, 0, 0]
    n = 2 * T
    X = np.fft.rfft(case.x[..., 0], n)
    y = np.fft.irfft(X * np.fft.rfft(K.real, n), n)[:, :T]
    if np.iscomplexobj(K):
        y = y + 1j * np.fft.irfft(X * np.fft.rfft(K.imag, n), n)[:, :T]
    return y[..., None]


def lfilter_per_mode(case: Case) -> np.ndarray:
    """``y = Σ_k C_k B_k · (x filtered by 1 / (1 - λ_k z^-1))``, one lfilter call per mode."""
    import scipy.signal  # about a second: imported when this peer runs, not with the module

    y = 0
    for lam, b, c in zip(case.A, case.B[:, 0], case.C[0], strict=True):
        y = y + (c * b) * scipy.signal.lfilter([1.0], [1.0, -lam], case.x[..., 0], axis=-1)
    return np.asarray(y)[..., None]


def methods(case: Case, peers: bool = False) -> dict[str, Callable[[], np.ndarray]]:
    """The core and its alternatives on ``case``; with ``peers``, also the installed optional
    peers (``jax``, ``numba``; diagonal cases only)."""
    runs = {
        "core": lambda: linear_scan(case.A, case.B, case.C, case.x),
        "loop": lambda: linear_scan(case.A, case.B, case.C, case.x, method="sequential"),
        "fft": lambda: fft_convolution(case),
    }
    if case.diagonal:
        runs["lfilter"] = lambda: lfilter_per_mode(case)
        if peers:
            runs.update(_peers().diagonal_peers(case.A, case.B, case.C, case.x))
    return runs


def time_interleaved(
    runs: dict[str, Callable[[], object]], repeats: int, budget: float
) -> dict[str, list[float]]:
    """Warm up every method, then time rounds of all methods in rotating order.

    A method whose single run exceeds ``budget`` seconds is timed on fewer rounds (at least 1).
    """
    times: dict[str, list[float]] = {k: [] for k in runs}
    for f in runs.values():
        f()
    names = list(runs)
    for r in range(repeats):
        for name in names[r % len(names):] + names[: r % len(names)]:
            if times[name] and sum(times[name]) > budget:
                continue
            start = time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - start)
    return times


def reference(case: Case) -> np.ndarray:
    """Long-double sequential loop (for large dense cases on the first sequence only)."""
    x = case.x if case.diagonal or case.A.shape[0] <= 32 else case.x[:1]
    return linear_scan(case.A, case.B, case.C, x, method="reference")


def stream_bandwidth(nbytes: int) -> float:
    """Bytes per second of ``np.copyto`` (read + write counted), best of 5."""
    src = np.ones(nbytes // 8)
    dst = np.empty_like(src)
    best = min(_timed(lambda: np.copyto(dst, src)) for _ in range(5))
    return 2 * src.nbytes / best


def dgemm_rate(n: int) -> float:
    """Flop per second of a square float64 matrix product, best of 5."""
    a = np.random.default_rng(0).standard_normal((n, n))
    a @ a
    best = min(_timed(lambda: a @ a) for _ in range(5))
    return 2 * n**3 / best


def _timed(f: Callable[[], object]) -> float:
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def core_flops(case: Case) -> float:
    """Real flops of the matrix products of the chunked scan (setup, carry loop excluded)."""
    batch, T, _ = case.x.shape
    m = case.A.shape[0]
    c = choose_chunk(m, 1, 1, T, diagonal=case.diagonal)
    rows = batch * -(-T // c)
    cplx = np.iscomplexobj(case.A) or np.iscomplexobj(case.B) or np.iscomplexobj(case.C)
    k = 2 if cplx else 1  # real input meets complex matrices through real views
    to_state = 2 * rows * c * (k * m)
    output = 2 * rows * (c + k * m) * (k * c)
    carry = 0 if case.diagonal else 2 * rows * m * m
    return float(to_state + output + carry)


def decision_cases(
    quick: bool, rng: np.random.Generator
) -> list[tuple[str, dict[str, Callable[[], np.ndarray]], np.ndarray]]:
    """The two accuracy cases behind the choices of ``method="auto"`` (see verify.scan).

    A constant input at ``λ = -(1 - 1e-5)`` (extended-precision chunk sums of slow modes), and a
    dense 8×8 ``A`` with eigenvectors ``Q + 2I`` and an eigenvalue ``1 - 1e-5`` (``auto`` runs the
    per-step loop; ``chunked`` shows what the chunked powers would give).
    """
    T = 4096 if quick else 65536
    lam, one, ones = np.array([-(1 - 1e-5)]), np.ones((1, 1)), np.ones((1, T, 1))
    diagonal = {
        "core": lambda: linear_scan(lam, one, one, ones),
        "loop": lambda: linear_scan(lam, one, one, ones, method="sequential"),
    }
    m, T = 8, 1024 if quick else 8192
    Q, _ = np.linalg.qr(rng.standard_normal((m, m)))
    V = Q + 2 * np.eye(m)
    A = V @ np.diag(np.concatenate([[1 - 1e-5], rng.uniform(-0.9, 0.9, m - 1)])) @ np.linalg.inv(V)
    B, C = rng.standard_normal((m, 1)), rng.standard_normal((1, m))
    x = rng.standard_normal((2, T, 1))
    dense = {
        "core": lambda: linear_scan(A, B, C, x),
        "chunked": lambda: linear_scan(A, B, C, x, method="chunked"),
        "loop": lambda: linear_scan(A, B, C, x, method="sequential"),
    }
    return [
        (f"λ=-(1-1e-5), constant input, T={ones.shape[1]}", diagonal,
         linear_scan(lam, one, one, ones, method="reference")),
        (f"dense m=8, eigenvectors Q+2I, eigenvalue 1-1e-5, T={T}", dense,
         linear_scan(A, B, C, x, method="reference")),
    ]


def deep_batch_runs(quick: bool, rng: np.random.Generator,
                    peers: bool = False) -> dict[str, Callable[[], object]]:
    """The BYJL25 deep-batch shape, run layer by layer as ``DeepBatch.kernel_scan`` runs it
    (with ``peers``, also by the installed optional peers)."""
    from verify.sampling import random_deep_batch

    n, T = (20, 48) if quick else (200, 48)
    batch = random_deep_batch(rng, n, 4, 16)
    eye = np.eye(16)

    def core(method: str) -> np.ndarray:
        x = np.zeros((n, T, 1))
        x[:, 0, 0] = 1.0
        h = linear_scan(batch.eigenvalues[:, 0], batch.B1[:, :, None], eye, x, diagonal=True,
                        method=method)
        for k in range(1, batch.depth):
            h = linear_scan(batch.eigenvalues[:, k], batch.Bk[:, k - 1], eye, h, diagonal=True,
                            method=method)
        return h

    def numpy_loop() -> np.ndarray:
        h = np.zeros((T, n, 16), dtype=complex)
        h[0] = batch.B1
        for k in range(batch.depth):
            if k:
                h = (h[:, :, None, :] @ batch.Bk[:, k - 1].transpose(0, 2, 1))[:, :, 0]
            lam = batch.eigenvalues[:, k]
            for t in range(1, T):
                h[t] += lam * h[t - 1]
        return h.transpose(1, 0, 2)

    return {
        "auto": lambda: core("auto"),
        "sequential": lambda: core("sequential"),
        "chunked": lambda: core("chunked"),
        "numpy loop": numpy_loop,
        **(_peers().deep_peers(batch.eigenvalues, batch.B1, batch.Bk, T) if peers else {}),
    }


def blocked_runs(quick: bool, rng: np.random.Generator) -> dict[str, Callable[[], object]]:
    """A dense 64×64 layer with 64 inputs and outputs: unblocked, blocked and streamed."""
    m, T, block = (16, 4096, 512) if quick else (64, 65536, 4096)
    W = rng.standard_normal((m, m))
    A = W * 0.9 / np.abs(np.linalg.eigvals(W)).max()
    B, C = rng.standard_normal((m, m)) / math.sqrt(m), rng.standard_normal((m, m))
    x = rng.standard_normal((T, m))

    def stream() -> None:
        for _ in scan_blocks(A, B, C, x, block=block):
            pass

    return {
        "unblocked": lambda: linear_scan(A, B, C, x),
        f"block={block}": lambda: linear_scan(A, B, C, x, block=block),
        "scan_blocks": stream,
    }


def peak_bytes(f: Callable[[], object]) -> int:
    """Peak traced memory of one run of ``f`` (the scratch buffer of the scan counted)."""
    scan._SCRATCH.__dict__.clear()
    tracemalloc.start()
    try:
        f()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def report_runs(title: str, runs: dict[str, Callable[[], object]], repeats: int,
                budget: float) -> dict[str, float]:
    """Median time, ratio to the first method and traced memory peak of each method (the
    peak of a run after one warm-up run, so that compilation by a peer is not counted)."""
    for f in runs.values():
        f()
    peaks = {name: peak_bytes(f) for name, f in runs.items()}
    times = time_interleaved(runs, repeats, budget)
    med = {k: float(np.median(v)) for k, v in times.items()}
    first = next(iter(runs))
    print(f"\n{title}")
    for name in runs:
        peak = ("not traced (XLA buffers)" if name.startswith("jax")
                else f"{peaks[name] / 2**20:8.2f} MiB")
        print(f"  {name:<14} median {1e3 * med[name]:9.2f} ms  /{first} "
              f"{med[name] / med[first]:6.2f}  peak {peak}")
    return med


def blas_thread_runs(runs: dict[str, Callable[[], object]]) -> dict[str, Callable[[], object]]:
    """Each run under the default rule, with BLAS never limited, and always on one thread."""

    def under(limit: float, f: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            saved, scan._SMALL_PRODUCT = scan._SMALL_PRODUCT, limit
            try:
                return f()
            finally:
                scan._SMALL_PRODUCT = saved
        return run

    out: dict[str, Callable[[], object]] = {}
    for name, f in runs.items():
        out[f"{name} rule"] = f
        out[f"{name} never"] = under(0, f)
        out[f"{name} always"] = under(math.inf, f)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny shapes, a few seconds")
    parser.add_argument("--repeats", type=int, default=None, help="timed rounds per case")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-peers", dest="peers", action="store_false",
                        help="skip the optional jax and numba peers even when installed")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 15)
    budget = 1.0 if args.quick else 6.0
    rng = np.random.default_rng(args.seed)

    print(f"numpy {np.__version__}, scipy {scipy.__version__}, cpus {os.cpu_count()}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, "
          f"load average {os.getloadavg()[0]:.2f}")
    bandwidth = stream_bandwidth(16 * 2**20 if args.quick else 256 * 2**20)
    gemm = dgemm_rate(256 if args.quick else 2048)
    print(f"streaming copy {bandwidth / 1e9:.1f} GB/s, dgemm {gemm / 1e9:.1f} GFlop/s\n")

    header = (f"{'case':<36} {'method':<8} {'median ms':>10} {'min ms':>9} {'/core':>7} "
              f"{'rel err':>9}")
    print(header)
    print("-" * len(header))
    summary = {}
    for case in make_cases(args.quick, rng):
        ref = reference(case)
        runs = methods(case, args.peers)
        errors = {name: max_relative_error(f()[: ref.shape[0]], ref) for name, f in runs.items()}
        times = time_interleaved(runs, repeats, budget)
        med = {k: float(np.median(v)) for k, v in times.items()}
        for name in runs:
            print(f"{case.name:<36} {name:<8} {1e3 * med[name]:>10.2f} "
                  f"{1e3 * min(times[name]):>9.2f} {med[name] / med['core']:>7.1f} "
                  f"{errors[name]:>9.1e}")
        warm = float(np.median([_timed(runs["core"]) for _ in range(repeats)]))
        print(f"{'':<36} core back to back (warm): {1e3 * warm:.2f} ms, "
              f"loop/core {med['loop'] / warm:.1f}, fft/core {med['fft'] / warm:.2f}")
        moved = case.x.nbytes + case.x.nbytes * (2 if np.iscomplexobj(ref) else 1)
        print(f"{'':<36} core reaches {moved / med['core'] / bandwidth:.1%} of the streaming "
              f"bound and {core_flops(case) / med['core'] / gemm:.1%} of dgemm throughput")
        summary[case.name[:2]] = (med, errors)

    # accuracy at |λ| = 1 - 1e-5 over a long sequence
    T = 4096 if args.quick else 65536
    lam = (1 - 1e-5) * np.exp(2j * np.pi * np.array([0.0, 0.1, 0.37, 0.5]))
    case = Case(f"|λ|=1-1e-5 T={T}", lam, _unit_complex(rng, (4, 1)), _unit_complex(rng, (1, 4)),
                rng.standard_normal((2, T, 1)))
    ref = reference(case)
    print(f"\naccuracy, {case.name}, complex diagonal m=4, B=2 (max relative error):")
    accuracy = {}
    for name, f in methods(case).items():
        accuracy[name] = max_relative_error(f(), ref)
        print(f"  {name:<8} {accuracy[name]:.1e}")

    for name, runs, ref in decision_cases(args.quick, rng):
        print(f"\naccuracy, {name} (max relative error):")
        for method, f in runs.items():
            print(f"  {method:<8} {max_relative_error(f(), ref):.1e}")

    if "S1" in summary and not args.quick:
        med, errors = summary["S1"]
        print("\nacceptance (S1): loop/core = {:.1f} (>= 20), fft/core = {:.2f} (>= 1.5), "
              "core error {:.1e} (<= 1e-14); |λ|=1-1e-5 core error {:.1e} (<= 1e-14)".format(
                  med["loop"] / med["core"], med["fft"] / med["core"], errors["core"],
                  accuracy["core"]))
    deep = deep_batch_runs(args.quick, rng, args.peers)
    ref = deep["sequential"]()
    print("\ndeep batch: max relative error against sequential: " + ", ".join(
        f"{name} {max_relative_error(f(), ref):.1e}" for name, f in deep.items()
        if name != "sequential"))
    report_runs("BYJL25 deep batch (l=4, m=16, T=48; 200 models, 20 with --quick), "
                "ratio to auto:", deep,
                repeats, budget)
    report_runs("time blocks, dense 64x64 layer, d = p = 64, ratio to unblocked:",
                blocked_runs(args.quick, rng), repeats, budget)
    s1 = make_cases(args.quick, rng)[0]
    threads = blas_thread_runs({
        "S1": lambda: linear_scan(s1.A, s1.B, s1.C, s1.x),
        "deep": deep["auto"],
    })
    report_runs("BLAS threads (rule: one thread below 2^22 multiply-adds per product), "
                "ratio to S1 rule:", threads, repeats, budget)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
