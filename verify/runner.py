"""Run registered claims on random instances and collect per-tier verdicts.

Seeding: each (claim, tier, batch) gets its own generator spawned from
``SeedSequence([seed, crc32(claim.id), tier index, batch index])``, so a claim's results do not
depend on which other claims run, and the same seed reproduces the same report (in every
process: nothing here or in the samplers iterates over a set, whose order would depend on
``PYTHONHASHSEED``).

Instances are drawn and checked in batches of :attr:`Tier.batch`, and a tier keeps only its
worst instance and first violation, so memory does not grow with the instance count; the count
is bounded by :data:`MAX_INSTANCES` per tier to stop a mistyped count from running for days.

Chunks and scale-out: a tier's batches are grouped into :class:`Chunk` s (consecutive batches,
about :data:`CHUNK_INSTANCES` instances each; :func:`plan_chunks`), each run by
:func:`run_chunk` into a :class:`ChunkResult` and reduced by :func:`reduce_chunks`. A batch's
draws depend only on ``(seed, claim, tier, batch index)``, and the reduction is deterministic
(violations summed; the first violation is that of the lowest batch; the worst margin is the
least, NaN counting as ``-inf``, ties going to the lowest batch and then the lowest position in
it; the batches after an error are ignored), so a run gives the same verdicts, worst margins and
worst instances in process, on local worker processes or on a Dask cluster
(:mod:`verify.parallel`, through the ``backend`` of :func:`run_claims`), or split into shards
and merged (:mod:`verify.shards`).

Ctrl-C: :func:`run_claim` and :func:`run_claims` raise :class:`RunInterrupted`, which carries the
rows that finished before the interrupt.

Streaming and progress: :func:`run_claims` hands each claim's result to a callback as soon as the
claim finishes (``python -m verify`` prints its rows there). Progress goes to standard error: a
tqdm bar when both standard output and standard error are terminals, otherwise one plain line
per finished claim (so logs and pipes get no bar redraws).
"""

from __future__ import annotations

import math
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from theory.validation import require
from verify.registry import EXPECTED, Claim, Tier, check_count

__all__ = [
    "MAX_INSTANCES",
    "CHUNK_INSTANCES",
    "DEFAULT_SHARE",
    "SHARE_FLOOR",
    "Chunk",
    "ChunkResult",
    "plan_chunks",
    "run_chunk",
    "reduce_chunks",
    "TierResult",
    "ClaimResult",
    "RunInterrupted",
    "run_tier",
    "run_claim",
    "run_claims",
    "progress_style",
    "verdict_of",
    "iter_rows",
]

#: Upper bound on the instances per tier that a run accepts (100 times the largest default
#: budget of a registered claim).
MAX_INSTANCES = 100_000

#: Instances per chunk that :func:`plan_chunks` aims at: a chunk holds
#: ``max(1, CHUNK_INSTANCES // tier.batch)`` consecutive batches. It fixes only how the work is
#: cut up (and which chunks a shard holds), never which instances are drawn.
CHUNK_INSTANCES = 50

#: The share of each tier's full budget that the default run of ``python -m verify`` checks
#: (``share=DEFAULT_SHARE`` in :func:`plan_chunks`): one twentieth, so that the whole default
#: run takes under 20 s of CPU on 2 cores (about 18 s measured under load, against about 90 s
#: for the full budgets); ``--full`` and ``--report`` run the full budgets.
DEFAULT_SHARE = 20

#: The fewest instances a tier checks at a reduced share (or all of its budget, if smaller):
#: enough for every family that a sampler takes in turn by position (at most 4 of them), so a
#: reduced run still meets each tier's sharp and adversarial families.
SHARE_FLOOR = 5


def _tier_budget(claim: Claim, tier_index: int, instances: int | None = None,
                share: int = 1) -> int:
    """The instances tier ``tier_index`` of ``claim`` runs.

    ``instances`` requested per tier (``None``: the claim's own budget,
    :attr:`~verify.registry.Claim.default_instances`), capped by the tier
    (:meth:`~verify.registry.Tier.instances_for`): the tier's full budget. With ``share > 1``
    and ``instances=None``, a ``1/share`` of that budget (rounded up), at least
    :data:`SHARE_FLOOR` (or the full budget, if smaller). The instances checked are the first
    of the full run's (same seed, same batches), so a reduced run checks a prefix of the full
    one.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``claim`` is not a :class:`Claim`, ``tier_index`` out of range, ``instances`` not
        ``None`` or in ``[1, MAX_INSTANCES]``, or ``share`` not an integer ``>= 1``.
    """
    require(isinstance(claim, Claim), "claim", "a Claim", claim)
    tier = claim.tiers[check_count("tier_index", tier_index, 0, len(claim.tiers) - 1)]
    share = check_count("share", share)
    if instances is not None:
        return tier.instances_for(check_count("instances", instances, 1, MAX_INSTANCES))
    full = tier.instances_for(claim.default_instances)
    return full if share == 1 else min(full, max(SHARE_FLOOR, -(-full // share)))


def _check_run(
    claims: Any, instances: Any, seed: Any, show_progress: Any = None, progress: Any = None
) -> tuple[list[Claim], int | None, int]:
    """The parameters of a run: the claims as a list, ``instances`` (``None``: each claim's
    default, else an integer in ``[1, MAX_INSTANCES]``) and ``seed`` (an integer ``>= 0``)."""
    require(isinstance(claims, Sequence) and not isinstance(claims, str)
            and all(isinstance(c, Claim) for c in claims),
            "claims", "a sequence of Claim", claims)
    require(show_progress is None or isinstance(show_progress, bool),
            "show_progress", "None, True or False", show_progress)
    require(progress is None or callable(getattr(progress, "update", None)),
            "progress", "None or a bar with update(n)", progress)
    if instances is not None:
        instances = check_count("instances", instances, 1, MAX_INSTANCES)
    return list(claims), instances, check_count("seed", seed, 0)


@dataclass
class TierResult:
    """Outcome of one tier of one claim.

    ``worst_margin`` is the least margin over the instances checked (``nan`` when the tier
    failed before its first batch finished, ``instances == 0``); ``unit`` is the tier's
    :attr:`~verify.registry.Tier.unit`.
    """

    tier: str
    instances: int
    violations: int
    worst_margin: float
    worst_instance: Any
    first_violation: Any
    seconds: float
    verdict: str
    ok: bool
    error: str | None = None
    unit: str | None = None


@dataclass
class ClaimResult:
    """Outcome of a claim: one :class:`TierResult` per tier."""

    claim: Claim
    tiers: list[TierResult]

    @property
    def complete(self) -> bool:
        """True when every tier of the claim ran (False after an interrupt)."""
        return len(self.tiers) == len(self.claim.tiers)

    @property
    def ok(self) -> bool:
        """True when every tier ran and its outcome is the one the registry expects."""
        return self.complete and all(t.ok for t in self.tiers)


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run, carrying what had finished.

    Attributes
    ----------
    results
        One :class:`ClaimResult` per claim with at least one finished tier, in run order (the
        claim that was running has only its finished tiers).
    pending
        Ids of the requested claims with at least one tier that did not finish, in run order.
    """

    def __init__(self, results: list[ClaimResult], pending: list[str]) -> None:
        super().__init__(f"run interrupted; {len(pending)} claim(s) did not finish")
        self.results = results
        self.pending = pending


def verdict_of(expected: str, instances: int, violations: int) -> tuple[str, bool]:
    """Verdict string and whether it is the expected outcome.

    For a claim expected to hold, any violation is unexpected. For a finding (a claim as stated
    that the suite expects to fail), at least one violation must be found, with its certificate.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``expected`` is not one of :data:`verify.registry.EXPECTED`, or the counts are not
        integers with ``1 <= instances`` and ``0 <= violations <= instances``.
    """
    require(expected in EXPECTED, "expected", f"one of {EXPECTED}", expected)
    instances = check_count("instances", instances, 1)
    violations = check_count("violations", violations, 0, instances)
    if expected == "holds":
        return ("holds", True) if violations == 0 else ("VIOLATED", False)
    if violations > 0:
        return "finding confirmed", True
    return "finding NOT reproduced", False


def _seed_sequence(seed: int, claim_id: str, tier_index: int, batch: int) -> np.random.Generator:
    ss = np.random.SeedSequence([seed, zlib.crc32(claim_id.encode()), tier_index, batch])
    return np.random.default_rng(ss)


@dataclass(frozen=True)
class Chunk:
    """A unit of work: batches ``first_batch`` to ``first_batch + batches - 1`` of one tier.

    Parameters
    ----------
    index
        Position in the run's plan (:func:`plan_chunks`); a shard selects chunks by it.
    claim_id
        The claim's id (a worker process looks the claim up by it, see
        :func:`verify.registry.get_claim`).
    tier_index
        The tier's position in :attr:`Claim.tiers <verify.registry.Claim.tiers>`.
    first_batch, batches
        The batches covered (batch ``b`` holds instances ``b * tier.batch`` onwards, drawn from
        its own generator).
    total
        The instances the tier runs (which fixes the size of its last batch).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If a count is not an integer (``index``, ``tier_index`` and ``first_batch`` ``>= 0``,
        ``batches >= 1``, ``total`` in ``[1, MAX_INSTANCES]``) or ``claim_id`` not a string.
    """

    index: int
    claim_id: str
    tier_index: int
    first_batch: int
    batches: int
    total: int

    def __post_init__(self) -> None:
        for name in ("index", "tier_index", "first_batch"):
            check_count(name, getattr(self, name), 0)
        check_count("batches", self.batches)
        check_count("total", self.total, 1, MAX_INSTANCES)
        require(isinstance(self.claim_id, str), "claim_id", "a string", self.claim_id)

    @property
    def stop(self) -> int:
        """One past the chunk's last batch index."""
        return self.first_batch + self.batches


@dataclass
class ChunkResult:
    """What :func:`run_chunk` found on one :class:`Chunk` (reduced by :func:`reduce_chunks`).

    ``instances`` counts the instances checked (fewer than the chunk holds when ``error`` is
    set: the batches before the failing one); ``worst_margin`` is the least margin in the chunk
    (``nan`` when no batch finished), ``worst_instance`` its description, ``first_violation``
    the description of the chunk's first violating instance, ``seconds`` the time spent.
    """

    chunk: Chunk
    instances: int
    violations: int
    worst_margin: float
    worst_instance: Any
    first_violation: Any
    error: str | None
    seconds: float


class _Backend(Protocol):
    """What :func:`run_claims` needs of a ``backend`` (see :mod:`verify.parallel`)."""

    def map_chunks(self, chunks: Sequence[Chunk], seed: int) -> Iterable[ChunkResult]:
        """Run every chunk with ``seed``, yielding the results as they finish (any order)."""


def _tier_chunks(claim: Claim, tier_index: int, total: int, start: int,
                 chunk_instances: int) -> list[Chunk]:
    """The chunks of one tier running ``total`` instances, numbered from ``start``."""
    batch = claim.tiers[tier_index].batch
    n_batches = -(-total // batch)
    per = max(1, chunk_instances // batch)
    return [Chunk(start + k, claim.id, tier_index, first, min(per, n_batches - first), total)
            for k, first in enumerate(range(0, n_batches, per))]


def _plan(claims: list[Claim], instances: int | None,
          chunk_instances: int | None = None, share: int = 1) -> list[list[list[Chunk]]]:
    """The chunks of a run, per claim and per tier, numbered in run order
    (``chunk_instances=None``: :data:`CHUNK_INSTANCES`; ``share``: as :func:`_tier_budget`)."""
    chunk_instances = CHUNK_INSTANCES if chunk_instances is None else chunk_instances
    nested: list[list[list[Chunk]]] = []
    count = 0
    for claim in claims:
        tiers = []
        for i in range(len(claim.tiers)):
            tiers.append(_tier_chunks(claim, i, _tier_budget(claim, i, instances, share), count,
                                      chunk_instances))
            count += len(tiers[-1])
        nested.append(tiers)
    return nested


def plan_chunks(claims: Sequence[Claim], instances: int | None = None,
                chunk_instances: int | None = None, share: int = 1) -> list[Chunk]:
    """The chunks of a run of ``claims``, in run order (``chunks[k].index == k``).

    Each tier runs its full budget: ``instances`` (``None``: the claim's
    :attr:`~verify.registry.Claim.default_instances`) capped by the tier; with ``share > 1`` and
    ``instances=None``, a ``1/share`` of it rounded up, at least :data:`SHARE_FLOOR` (the first
    instances of the full run: a reduced run checks a prefix of the full one). Its batches are
    cut into chunks of ``max(1, chunk_instances // tier.batch)`` consecutive batches (the last
    chunk may hold fewer; ``chunk_instances=None``: :data:`CHUNK_INSTANCES`). The plan depends
    only on the claims, ``instances``, ``chunk_instances`` and ``share``, never on how many
    workers run it.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``claims`` is not a sequence of :class:`Claim`, ``instances`` is not ``None`` or in
        ``[1, MAX_INSTANCES]``, ``chunk_instances`` is not ``None`` or an integer ``>= 1``, or
        ``share`` is not an integer ``>= 1``.
    """
    claims, instances, _ = _check_run(claims, instances, 0)
    if chunk_instances is not None:
        chunk_instances = check_count("chunk_instances", chunk_instances)
    share = check_count("share", share)
    return [c for tiers in _plan(claims, instances, chunk_instances, share)
            for t in tiers for c in t]


def _check_chunk(claim: Any, chunk: Any) -> Tier:
    """The tier of ``chunk`` after checking that ``chunk`` fits ``claim``."""
    require(isinstance(claim, Claim), "claim", "a Claim", claim)
    require(isinstance(chunk, Chunk), "chunk", "a Chunk", chunk)
    require(chunk.claim_id == claim.id, "chunk", f"a chunk of claim {claim.id!r}", chunk)
    require(chunk.tier_index < len(claim.tiers),
            "chunk", f"a tier index below {len(claim.tiers)}", chunk)
    tier = claim.tiers[chunk.tier_index]
    require(tier.instances_for(chunk.total) == chunk.total
            and chunk.stop * tier.batch < chunk.total + tier.batch,
            "chunk", f"batches of the {tier.instances_for(chunk.total)} instances tier "
            f"{tier.name!r} runs, {tier.batch} per batch",
            chunk)
    return tier


def _check_batch(claim: Claim, tier: Tier, tier_index: int, seed: int, batch: int,
                 n: int) -> tuple[Any, np.ndarray]:
    """Draw and check batch ``batch`` (``n`` instances): the instances and their margins."""
    inst = tier.sample(_seed_sequence(seed, claim.id, tier_index, batch), n)
    margins = np.asarray(tier.check(inst), dtype=float).reshape(-1)
    if margins.shape[0] != n:
        raise RuntimeError(
            f"check of {claim.id!r} [{tier.name}] returned {margins.shape[0]} margins "
            f"for {n} instances"
        )
    if tier.unit == "exact" and np.isfinite(margins).any():
        j = int(np.argmax(np.isfinite(margins)))
        raise RuntimeError(
            f"check of {claim.id!r} [{tier.name}] returned the finite margin "
            f"{margins[j]!r} in unit 'exact' (only inf, -inf or nan are allowed)"
        )
    return inst, margins


def run_chunk(claim: Claim, chunk: Chunk, seed: int, progress: Any | None = None) -> ChunkResult:
    """Draw and check the batches of ``chunk`` (a chunk of ``claim``) with ``seed``.

    Batch ``b`` is drawn from ``SeedSequence([seed, crc32(claim id), tier index, b])``, so the
    result does not depend on how the batches are grouped into chunks. An exception raised by
    the sampler or the check stops the chunk and is recorded in :attr:`ChunkResult.error` (as
    is a finite margin from a tier whose unit is ``"exact"``); ``KeyboardInterrupt``
    propagates. ``progress.update(n)`` is called after each batch of ``n`` instances.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``claim`` is not a :class:`Claim`, ``chunk`` not one of its chunks (its tier, and
        batches within the instances the tier runs), ``seed`` negative, or ``progress`` not
        ``None`` or a bar with ``update(n)``.
    """
    tier = _check_chunk(claim, chunk)
    _, _, seed = _check_run([claim], None, seed, progress=progress)
    start = time.perf_counter()
    worst = math.nan
    worst_desc: Any = None
    first_violation: Any = None
    first_at: tuple[int, int] | None = None  # (batch, position) of the first violation
    violations = done = 0
    try:
        for b in range(chunk.first_batch, chunk.stop):
            n = min(tier.batch, chunk.total - b * tier.batch)
            inst, margins = _check_batch(claim, tier, chunk.tier_index, seed, b, n)
            bad = ~(margins >= 0)  # NaN counts as a violation
            violations += int(bad.sum())
            if first_at is None and bad.any():
                first_at = (b, int(np.argmax(bad)))
                first_violation = tier.describe(inst, first_at[1])
            safe = np.where(np.isnan(margins), -np.inf, margins)
            i = int(np.argmin(safe))  # ties: the lowest position
            if done == 0 or safe[i] < worst:  # strict: ties keep the earlier batch
                worst = float(margins[i])
                # one description per instance (a finding's worst is often its first violation)
                worst_desc = first_violation if first_at == (b, i) else tier.describe(inst, i)
            done += n
            if progress is not None:
                progress.update(n)
    except Exception as exc:  # reported as an error row, never swallowed into a pass
        error: str | None = f"{type(exc).__name__}: {exc}"
    else:
        error = None
    return ChunkResult(chunk, done, violations, worst, worst_desc, first_violation, error,
                       time.perf_counter() - start)


def reduce_chunks(claim: Claim, tier_index: int, results: Sequence[ChunkResult]) -> TierResult:
    """The :class:`TierResult` of tier ``tier_index`` of ``claim`` from its chunks' results.

    The reduction is the one of a single in-process pass over the batches in order: the
    results are taken by batch index (in any order given); the violations and instances are
    summed; the first violation is that of the lowest batch; the worst margin is the least
    (NaN counting as ``-inf``), ties going to the lowest batch and then the lowest position;
    the chunks after one with an error are ignored and the tier is an ``ERROR`` row. The seconds
    are the chunks' summed times.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``claim`` is not a :class:`Claim`, ``tier_index`` out of range, or ``results`` not
        results of that tier covering each of its batches once (up to the first error).
    """
    require(isinstance(claim, Claim), "claim", "a Claim", claim)
    tier = claim.tiers[check_count("tier_index", tier_index, 0, len(claim.tiers) - 1)]
    require(isinstance(results, Sequence) and len(results) > 0 and all(
            isinstance(r, ChunkResult) and r.chunk.claim_id == claim.id
            and r.chunk.tier_index == tier_index and r.chunk.total == results[0].chunk.total
            for r in results),
            "results", f"chunk results of tier {tier_index} of {claim.id!r}", results)
    total = results[0].chunk.total
    worst, worst_desc, first_violation, error = math.nan, None, None, None
    instances = violations = next_batch = 0
    seconds = 0.0
    for r in sorted(results, key=lambda r: r.chunk.first_batch):
        _check_chunk(claim, r.chunk)
        require(r.chunk.first_batch == next_batch,
                "results",
                f"a chunk starting at batch {next_batch} (each batch once, none missing)",
                r.chunk)
        if r.instances > 0 and (instances == 0 or _below(r.worst_margin, worst)):
            worst, worst_desc = r.worst_margin, r.worst_instance
        if first_violation is None:
            first_violation = r.first_violation
        instances += r.instances
        violations += r.violations
        seconds += r.seconds
        next_batch, error = r.chunk.stop, r.error
        if error is not None:
            break
    require(error is not None or next_batch * tier.batch >= total,
            "results", f"chunks covering all {total} instances", [r.chunk for r in results])
    if error is None:
        verdict, ok = verdict_of(claim.expected, instances, violations)
    else:
        verdict, ok = "ERROR", False
    return TierResult(tier=tier.name, instances=instances, violations=violations,
                      worst_margin=worst, worst_instance=worst_desc,
                      first_violation=first_violation, seconds=seconds, verdict=verdict, ok=ok,
                      error=error, unit=tier.unit)


def _below(margin: float, worst: float) -> bool:
    """Whether a later chunk's ``margin`` replaces the ``worst`` so far: strictly below it,
    NaN counting as ``-inf`` (the comparison a single pass makes, ``safe < worst``)."""
    return (-math.inf if math.isnan(margin) else margin) < worst


def run_tier(
    claim: Claim,
    tier_index: int,
    instances: int,
    seed: int,
    progress: Any | None = None,
) -> TierResult:
    """Run tier ``tier_index`` of ``claim`` on ``instances`` random instances, in process.

    The tier's chunks run in order (:func:`run_chunk`; the chunks after an error are skipped)
    and are reduced by :func:`reduce_chunks`. An exception raised by the sampler or the check
    becomes an ``ERROR`` verdict (never a pass), and so does a finite margin from a tier whose
    unit is ``"exact"`` (such a tier may return only ``inf``, ``-inf`` or ``nan``);
    ``KeyboardInterrupt`` propagates.

    Raises
    ------
    theory.numbers.InvalidParameterError
        For a bad claim, ``tier_index`` out of range, ``instances`` not in
        ``[1, MAX_INSTANCES]`` or a negative ``seed``.
    """
    require(isinstance(claim, Claim), "claim", "a Claim", claim)
    require(instances is not None, "instances", "an integer >= 1", instances)
    _check_run([claim], instances, seed, progress=progress)
    tier = claim.tiers[check_count("tier_index", tier_index, 0, len(claim.tiers) - 1)]
    done: list[ChunkResult] = []
    for chunk in _tier_chunks(claim, tier_index, tier.instances_for(instances), 0,
                              CHUNK_INSTANCES):
        done.append(run_chunk(claim, chunk, seed, progress))
        if done[-1].error is not None:
            break
    return reduce_chunks(claim, tier_index, done)


def run_claim(
    claim: Claim, instances: int | None = None, seed: int = 0, progress: Any | None = None
) -> ClaimResult:
    """Run every tier of ``claim``; ``instances`` defaults to the claim's own default.

    Raises
    ------
    RunInterrupted
        On Ctrl-C, with the tiers that finished.
    theory.numbers.InvalidParameterError
        As :func:`run_tier`.
    """
    require(isinstance(claim, Claim), "claim", "a Claim", claim)
    _check_run([claim], instances, seed, progress=progress)
    n = claim.default_instances if instances is None else instances
    done: list[TierResult] = []
    try:
        for i in range(len(claim.tiers)):
            done.append(run_tier(claim, i, n, seed, progress))
    except KeyboardInterrupt as exc:
        raise RunInterrupted([ClaimResult(claim, done)] if done else [], [claim.id]) from exc
    return ClaimResult(claim, done)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def progress_style(show_progress: bool | None = None) -> str:
    """How :func:`run_claims` reports progress: ``"bar"``, ``"lines"`` or ``"off"``.

    ``False`` gives ``"off"`` and ``True`` ``"bar"`` (a tqdm bar on standard error, wherever it
    goes). ``None`` chooses: the bar when both standard output and standard error are
    terminals, else ``"lines"``, one plain line per finished claim on standard error.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``show_progress`` is not ``None``, ``True`` or ``False``.
    """
    require(show_progress is None or isinstance(show_progress, bool),
            "show_progress", "None, True or False", show_progress)
    if show_progress is not None:
        return "bar" if show_progress else "off"
    return "bar" if _is_terminal(sys.stdout) and _is_terminal(sys.stderr) else "lines"


def _progress_line(index: int, total: int, result: ClaimResult, elapsed: float) -> str:
    """``[ 3/21] claim: 2/2 tiers as expected in 0.46 s (3.1 s elapsed)``."""
    ok = sum(t.ok for t in result.tiers)
    width = len(str(total))
    return (f"[{index:>{width}}/{total}] {result.claim.id}: {ok}/{len(result.claim.tiers)} "
            f"tiers as expected in {sum(t.seconds for t in result.tiers):.2f} s "
            f"({elapsed:.1f} s elapsed)")


class _Book:
    """The chunk results of a run so far, per claim and tier (for :func:`run_claims`)."""

    def __init__(self, claims: list[Claim], nested: list[list[list[Chunk]]]) -> None:
        self.claims = claims
        self.nested = nested
        self.plan = [c for tiers in nested for t in tiers for c in t]
        self.done: dict[int, ChunkResult] = {}

    def add(self, result: Any) -> None:
        """Record ``result``, which must be the result of a chunk of the plan."""
        require(isinstance(result, ChunkResult)
                and 0 <= result.chunk.index < len(self.plan)
                and result.chunk == self.plan[result.chunk.index],
                "backend", "a backend yielding results of the chunks it was given", result)
        self.done[result.chunk.index] = result

    def finished(self, chunks: list[Chunk]) -> list[ChunkResult] | None:
        """The results of a tier's chunks up to its first error (``None`` while one of them
        is missing)."""
        out = []
        for chunk in chunks:
            if chunk.index not in self.done:
                return None
            out.append(self.done[chunk.index])
            if out[-1].error is not None:
                break
        return out

    def claim_result(self, k: int) -> ClaimResult:
        """Claim ``k`` with its finished tiers (those before its first unfinished one)."""
        tiers = []
        for i, chunks in enumerate(self.nested[k]):
            if (finished := self.finished(chunks)) is None:
                break
            tiers.append(reduce_chunks(self.claims[k], i, finished))
        return ClaimResult(self.claims[k], tiers)

    def complete(self, k: int) -> bool:
        """Whether every tier of claim ``k`` has finished."""
        return all(self.finished(chunks) is not None for chunks in self.nested[k])


def _in_process(book: _Book, seed: int, bar: Any) -> Iterable[ChunkResult]:
    """Run the chunks in order in this process, skipping a tier's chunks after an error."""
    for claim, tiers in zip(book.claims, book.nested):
        bar.set_description(claim.id)
        for chunks in tiers:
            for chunk in chunks:
                yield run_chunk(claim, chunk, seed, bar)
                if book.done[chunk.index].error is not None:
                    break


def run_claims(
    claims: Sequence[Claim],
    instances: int | None = None,
    seed: int = 0,
    show_progress: bool | None = None,
    on_result: Callable[[ClaimResult], None] | None = None,
    backend: _Backend | None = None,
    share: int = 1,
) -> list[ClaimResult]:
    """Run ``claims``, streaming each claim's result to ``on_result`` in order.

    The run is cut into the chunks of :func:`plan_chunks` (``share``: the share of each tier's
    budget that a run with ``instances=None`` checks, as there). With ``backend=None``
    they run in this process, in order; otherwise ``backend.map_chunks(chunks, seed)`` runs
    them (e.g. on worker processes or a Dask cluster, :mod:`verify.parallel`) and yields each
    :class:`ChunkResult` as it finishes, in any order. Either way the results are reduced by
    :func:`reduce_chunks`, so the verdicts, worst margins and worst instances are the same.

    ``on_result(result)`` is called for each claim, in the order of ``claims``, as soon as it
    and the claims before it have finished (with a progress bar cleared from the terminal
    meanwhile, so that what it prints to standard output stays readable). Progress is shown as
    :func:`progress_style` says for ``show_progress``; the bar appears only once a run has taken
    more than a second.

    Raises
    ------
    RunInterrupted
        On Ctrl-C, with every claim that has a finished tier (the claims not yet handed to
        ``on_result`` with the tiers before their first unfinished one) and the ids of the
        claims that did not finish.
    theory.numbers.InvalidParameterError
        If ``claims`` is not a sequence of :class:`Claim`, ``instances`` is not ``None`` or in
        ``[1, MAX_INSTANCES]``, ``seed`` is negative, ``show_progress`` is not a bool or
        ``None``, ``on_result`` is not a callable or ``None``, ``backend`` has no
        ``map_chunks``, ``share`` is not an integer ``>= 1``, or the backend yields something
        other than the results of its chunks.
    """
    claims, instances, seed = _check_run(claims, instances, seed, show_progress)
    share = check_count("share", share)
    require(on_result is None or callable(on_result), "on_result", "None or a callable", on_result)
    require(backend is None or callable(getattr(backend, "map_chunks", None)),
            "backend", "None or an object with map_chunks(chunks, seed)", backend)
    style = progress_style(show_progress)
    book = _Book(claims, _plan(claims, instances, share=share))
    from tqdm.auto import tqdm  # imported here: about 0.1 s that `--list` does not need

    start = time.perf_counter()
    results: list[ClaimResult] = []
    try:
        with tqdm(total=sum(c.total for tiers in book.nested for t in tiers for c in t[:1]),
                  unit="inst", delay=1.0, disable=style != "bar", leave=False) as bar:
            stream = (_in_process(book, seed, bar) if backend is None
                      else backend.map_chunks(book.plan, seed))
            for chunk_result in stream:
                book.add(chunk_result)
                if backend is not None:
                    bar.update(chunk_result.instances)
                while len(results) < len(claims) and book.complete(len(results)):
                    results.append(book.claim_result(len(results)))
                    if on_result is not None:
                        with tqdm.external_write_mode(file=sys.stdout):
                            on_result(results[-1])
                    if style == "lines":
                        print(_progress_line(len(results), len(claims), results[-1],
                                             time.perf_counter() - start),
                              file=sys.stderr, flush=True)
    except KeyboardInterrupt as exc:
        rest = [book.claim_result(k) for k in range(len(results), len(claims))]
        pending = [r.claim.id for r in rest if not r.complete]
        raise RunInterrupted(results + [r for r in rest if r.tiers], pending) from exc
    require(len(results) == len(claims),
            "backend", "a backend yielding a result for every chunk", backend)
    return results


def iter_rows(results: Iterable[ClaimResult]) -> Iterable[tuple[Claim, TierResult]]:
    """``(claim, tier result)`` pairs in report order.

    Raises
    ------
    theory.numbers.InvalidParameterError
        (On iteration) for an item of ``results`` that is not a :class:`ClaimResult`.
    """
    for r in results:
        require(isinstance(r, ClaimResult), "results", "ClaimResult items", r)
        for t in r.tiers:
            yield r.claim, t
