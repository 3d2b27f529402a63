"""Scale-out of ``python -m verify``: the run's chunks on local worker processes or a Dask cluster.

A run is cut into the chunks of :func:`verify.runner.plan_chunks`; a chunk's draws depend only
on ``(seed, claim, tier, batch index)`` and :func:`verify.runner.reduce_chunks` reduces the
chunks deterministically, so a run gives the same verdicts, worst margins and worst instances
however many workers run it. The two backends here are what :func:`verify.runner.run_claims`
takes as ``backend`` (``python -m verify --workers N`` and ``--scheduler ADDRESS``):

:class:`ProcessBackend`
    ``N`` local worker processes (:class:`concurrent.futures.ProcessPoolExecutor`, started with
    ``spawn``).
:class:`DaskBackend`
    the workers of a Dask cluster, through ``distributed.Client(ADDRESS)`` (the optional extra
    ``distributed``: ``pip install 'ssm-theory-verify[distributed]'``). Before anything runs it
    checks that every worker imports the same version and source of the suite and the same
    versions of the numerical packages (:func:`package_versions`) and refuses otherwise; each
    task checks again, so a worker that joins later with other versions fails the run instead
    of mixing results.

A task is sent as a claim id, a tier index and batch indices (a :class:`~verify.runner.Chunk`)
and the worker looks the claim up in its own registry (:func:`verify.registry.all_claims`), so
no closure is pickled; a claim registered only in the calling process (as in some tests) cannot run
on workers. In every worker BLAS and OpenMP are limited to one thread (environment variables
and :func:`threadpoolctl.threadpool_limits`), so ``N`` workers use ``N`` cores.
"""

from __future__ import annotations

import concurrent.futures
import functools
import hashlib
import multiprocessing
import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from theory.validation import require
from verify.registry import Claim, all_claims, check_count
from verify.runner import Chunk, ChunkResult, run_chunk

__all__ = [
    "THREAD_VARIABLES",
    "VERSIONED_PACKAGES",
    "ClusterError",
    "WorkerFailure",
    "package_versions",
    "source_fingerprint",
    "ProcessBackend",
    "DaskBackend",
]

#: Environment variables set to ``"1"`` in every worker (the thread pools of OpenMP, OpenBLAS,
#: MKL, BLIS, Accelerate and numexpr).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

#: Packages whose versions must agree between the calling process and every worker (the suite
#: itself is ``theory.__version__``).
VERSIONED_PACKAGES = ("numpy", "scipy", "sympy", "mpmath")

#: Seconds to wait for a Dask scheduler to answer and for its first worker to join.
CONNECT_SECONDS = 30


class ClusterError(RuntimeError):
    """A backend cannot start: the extra is missing, the scheduler does not answer, no worker
    joins, or the workers run other versions (``python -m verify`` exits 2)."""


class WorkerFailure(RuntimeError):
    """A task failed on a worker outside the checks (a crashed worker, a claim the worker does
    not know, other versions); the run cannot be completed (``python -m verify`` exits 1)."""


def package_versions() -> dict[str, str]:
    """The versions a worker must share with the calling process: ``ssm-theory-verify``
    (``theory.__version__``), a fingerprint of its source (:func:`source_fingerprint`, which
    also tells apart two checkouts of one version) and :data:`VERSIONED_PACKAGES`, as imported
    in this process."""
    import importlib

    from theory import __version__

    out = {"ssm-theory-verify": __version__, "source": source_fingerprint()}
    for name in VERSIONED_PACKAGES:
        out[name] = str(getattr(importlib.import_module(name), "__version__", "unknown"))
    return out


@functools.cache
def source_fingerprint() -> str:
    """SHA-256 (16 hex digits) of the Python sources of the ``theory`` and ``verify`` packages
    (relative paths and contents, in sorted order), computed once per process."""
    import theory
    import verify

    digest = hashlib.sha256()
    for package in (theory, verify):
        root = Path(str(package.__file__)).resolve().parent
        for path in sorted(root.rglob("*.py")):
            digest.update(f"{package.__name__}/{path.relative_to(root).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


_CLAIMS: dict[str, Claim] = {}


def _limit_threads() -> None:
    """Limit BLAS and OpenMP to one thread in this (worker) process, for good."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


def _chunk_task(chunk: Chunk, seed: int, versions: dict[str, str]) -> ChunkResult:
    """Run ``chunk`` on a worker: look its claim up by id, check the versions, run it."""
    if not _CLAIMS:
        _limit_threads()
        _CLAIMS.update((c.id, c) for c in all_claims())
    if (mine := package_versions()) != versions:
        raise WorkerFailure(f"this worker runs {_differences(mine, versions)}")
    if chunk.claim_id not in _CLAIMS:
        raise WorkerFailure(f"claim {chunk.claim_id!r} is not registered on this worker")
    return run_chunk(_CLAIMS[chunk.claim_id], chunk, seed)


def _differences(theirs: dict[str, str], ours: dict[str, str]) -> str:
    """``"numpy 2.3.0 (here 2.4.0), ..."``: the packages whose versions differ."""
    names = sorted(set(theirs) | set(ours))
    return ", ".join(f"{n} {theirs.get(n, 'missing')} (here {ours.get(n, 'missing')})"
                     for n in names if theirs.get(n) != ours.get(n))


def _failure(chunk: Chunk, exc: BaseException) -> WorkerFailure:
    return WorkerFailure(f"chunk {chunk.index} ({chunk.claim_id}, tier {chunk.tier_index}, "
                         f"batches {chunk.first_batch}..{chunk.stop - 1}) failed on a worker: "
                         f"{type(exc).__name__}: {exc}")


def _check_chunks(chunks: Any, seed: Any) -> tuple[list[Chunk], int]:
    require(isinstance(chunks, Sequence) and not isinstance(chunks, str)
            and all(isinstance(c, Chunk) for c in chunks),
            "chunks", "a sequence of Chunk", chunks)
    return list(chunks), check_count("seed", seed, 0)


class ProcessBackend:
    """Run chunks on ``workers`` local processes (a context manager).

    Parameters
    ----------
    workers
        Number of worker processes (``>= 1``), each with one BLAS thread.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``workers`` is not an integer ``>= 1``.

    Examples
    --------
    >>> from verify.runner import run_claims
    >>> with ProcessBackend(2) as backend:                     # doctest: +SKIP
    ...     results = run_claims(claims, 200, seed=0, backend=backend)
    """

    def __init__(self, workers: int) -> None:
        self.workers = check_count("workers", workers)
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._futures: list[concurrent.futures.Future[ChunkResult]] = []

    def __enter__(self) -> ProcessBackend:
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_limit_threads)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if kind is None and all(f.done() for f in self._futures):
            pool.shutdown(wait=True)
            return
        pool.shutdown(wait=False, cancel_futures=True)  # Ctrl-C or a failure: stop at once
        terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
        if terminate is not None:
            terminate()
        else:  # older Pythons: the pool's own processes, which it would otherwise wait for
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()

    def map_chunks(self, chunks: Sequence[Chunk], seed: int) -> Iterator[ChunkResult]:
        """Submit every chunk with ``seed`` to the workers; an iterator over the results as
        they finish (leaving it early cancels the chunks that have not started).

        Raises
        ------
        WorkerFailure
            (On iteration) if a worker fails outside the checks (an error inside a check is an
            ``ERROR`` row, not a failure).
        theory.numbers.InvalidParameterError
            If ``chunks`` is not a sequence of :class:`~verify.runner.Chunk`, ``seed`` is
            negative, or the backend is not open (use it in a ``with`` block).
        """
        chunks, seed = _check_chunks(chunks, seed)
        require(self._pool is not None, "backend", "an open backend (a with block)", self)
        assert self._pool is not None
        versions = package_versions()
        futures = {self._pool.submit(_chunk_task, c, seed, versions): c for c in chunks}
        self._futures += futures
        return self._results(futures)

    @staticmethod
    def _results(futures: dict[concurrent.futures.Future[ChunkResult], Chunk]
                 ) -> Iterator[ChunkResult]:
        try:
            for future in concurrent.futures.as_completed(futures):
                try:
                    yield future.result()
                except Exception as exc:
                    raise _failure(futures[future], exc) from exc
        finally:
            for future in futures:
                future.cancel()


class DaskBackend:
    """Run chunks on the workers of the Dask scheduler at ``address`` (a context manager).

    Opening it connects (``distributed.Client(address)``), waits for a worker and compares
    every worker's :func:`package_versions` with this process's.

    Parameters
    ----------
    address
        The scheduler, e.g. ``"tcp://host:8786"`` (``dask scheduler`` prints it).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``address`` is not a non-empty string.
    """

    def __init__(self, address: str) -> None:
        require(isinstance(address, str) and bool(address.strip()),
                "address", "a scheduler address such as 'tcp://host:8786'", address)
        self.address = address
        self._client: Any = None

    def __enter__(self) -> DaskBackend:
        try:
            import distributed
        except ImportError as exc:
            raise ClusterError("--scheduler needs the optional extra 'distributed' "
                               "(pip install 'ssm-theory-verify[distributed]')") from exc
        try:
            client = distributed.Client(self.address, timeout=CONNECT_SECONDS,
                                        set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(f"cannot connect to the Dask scheduler at {self.address}: "
                               f"{exc}") from exc
        try:
            _check_workers(client, self.address)
        except BaseException:
            client.close()
            raise
        self._client = client
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def map_chunks(self, chunks: Sequence[Chunk], seed: int) -> Iterator[ChunkResult]:
        """Submit every chunk with ``seed`` to the cluster; an iterator over the results as
        they finish (leaving it early cancels the chunks that have not finished).

        Raises
        ------
        WorkerFailure
            (On iteration) if a task fails on a worker outside the checks (e.g. a worker with
            other versions that joined after the check, or a worker that died).
        theory.numbers.InvalidParameterError
            If ``chunks`` is not a sequence of :class:`~verify.runner.Chunk`, ``seed`` is
            negative, or the backend is not open (use it in a ``with`` block).
        """
        chunks, seed = _check_chunks(chunks, seed)
        require(self._client is not None, "backend", "an open backend (a with block)", self)
        versions = package_versions()
        run = uuid.uuid4().hex[:8]
        futures = [self._client.submit(_chunk_task, c, seed, versions, pure=False,
                                       key=f"verify-{run}-chunk-{c.index}") for c in chunks]
        return self._results(futures, chunks)

    def _results(self, futures: list[Any], chunks: list[Chunk]) -> Iterator[ChunkResult]:
        import distributed

        chunk_of = {f.key: c for f, c in zip(futures, chunks)}
        try:
            for future in distributed.as_completed(futures, loop=self._client.loop):
                try:
                    yield future.result()
                except Exception as exc:
                    raise _failure(chunk_of[future.key], exc) from exc
        finally:
            self._client.cancel(futures)


def _check_workers(client: Any, address: str) -> None:
    """Wait for a worker of ``client`` and refuse workers whose versions differ from ours."""
    try:
        client.wait_for_workers(1, timeout=CONNECT_SECONDS)
    except TimeoutError as exc:
        raise ClusterError(f"no worker joined the Dask scheduler at {address} within "
                           f"{CONNECT_SECONDS} s (start one with: dask worker {address})") from exc
    ours = package_versions()
    theirs = client.run(package_versions)
    bad = [f"{worker}: {_differences(v, ours)}" for worker, v in sorted(theirs.items())
           if v != ours]
    if bad:
        raise ClusterError("the Dask workers must import the same versions as this process; "
                           + "; ".join(bad))
