"""Run registered claims on random instances and collect per-tier verdicts.

Seeding: each (claim, tier, batch) gets its own generator spawned from
``SeedSequence([seed, crc32(claim.id), tier index, batch index])``, so a claim's results do not
depend on which other claims run, and the same seed reproduces the same report (in every
process: nothing here or in the samplers iterates over a set, whose order would depend on
``PYTHONHASHSEED``).

Instances are drawn and checked in batches of :attr:`Tier.batch`, and a tier keeps only its
worst instance and first violation, so memory does not grow with the instance count; the count
is bounded by :data:`MAX_INSTANCES` per tier to stop a mistyped count from running for days.

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
from typing import Any

import numpy as np

from theory.numbers import InvalidParameterError
from verify.registry import EXPECTED, Claim, Tier, check_count

__all__ = [
    "MAX_INSTANCES",
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


def _require(name: str, value: Any, ok: bool, expected: str) -> None:
    """The runner's validation choke point: raise :class:`InvalidParameterError` unless ``ok``."""
    if not ok:
        raise InvalidParameterError(f"{name}: expected {expected}, got {value!r}")


def _check_run(
    claims: Any, instances: Any, seed: Any, show_progress: Any = None, progress: Any = None
) -> tuple[list[Claim], int | None, int]:
    """The parameters of a run: the claims as a list, ``instances`` (``None``: each claim's
    default, else an integer in ``[1, MAX_INSTANCES]``) and ``seed`` (an integer ``>= 0``)."""
    _require("claims", claims, isinstance(claims, Sequence) and not isinstance(claims, str)
             and all(isinstance(c, Claim) for c in claims), "a sequence of Claim")
    _require("show_progress", show_progress, show_progress is None
             or isinstance(show_progress, bool), "None, True or False")
    _require("progress", progress, progress is None
             or callable(getattr(progress, "update", None)), "None or a bar with update(n)")
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
    _require("expected", expected, expected in EXPECTED, f"one of {EXPECTED}")
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


def run_tier(
    claim: Claim,
    tier_index: int,
    instances: int,
    seed: int,
    progress: Any | None = None,
) -> TierResult:
    """Run tier ``tier_index`` of ``claim`` on ``instances`` random instances.

    An exception raised by the sampler or the check becomes an ``ERROR`` verdict (never a pass),
    and so does a finite margin from a tier whose unit is ``"exact"`` (such a tier may return
    only ``inf``, ``-inf`` or ``nan``); ``KeyboardInterrupt`` propagates.

    Raises
    ------
    theory.numbers.InvalidParameterError
        For a bad claim, ``tier_index`` out of range, ``instances`` not in
        ``[1, MAX_INSTANCES]`` or a negative ``seed``.
    """
    _require("claim", claim, isinstance(claim, Claim), "a Claim")
    _require("instances", instances, instances is not None, "an integer >= 1")
    _check_run([claim], instances, seed, progress=progress)
    tier: Tier = claim.tiers[check_count("tier_index", tier_index, 0, len(claim.tiers) - 1)]
    n_total = tier.instances_for(instances)
    start = time.perf_counter()
    worst = math.nan
    worst_desc: Any = None
    first_violation: Any = None
    violations = 0
    done = 0
    batch_index = 0
    try:
        while done < n_total:
            n = min(tier.batch, n_total - done)
            rng = _seed_sequence(seed, claim.id, tier_index, batch_index)
            inst = tier.sample(rng, n)
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
            bad = ~(margins >= 0)  # NaN counts as a violation
            violations += int(bad.sum())
            if first_violation is None and bad.any():
                first_violation = tier.describe(inst, int(np.argmax(bad)))
            safe = np.where(np.isnan(margins), -np.inf, margins)
            i = int(np.argmin(safe))
            if done == 0 or safe[i] < worst:
                worst = float(margins[i])
                worst_desc = tier.describe(inst, i)
            done += n
            batch_index += 1
            if progress is not None:
                progress.update(n)
    except Exception as exc:  # reported as an error row, never swallowed into a pass
        error: str | None = f"{type(exc).__name__}: {exc}"
        verdict, ok = "ERROR", False
    else:
        error = None
        verdict, ok = verdict_of(claim.expected, done, violations)
    return TierResult(
        tier=tier.name,
        instances=done,
        violations=violations,
        worst_margin=worst,
        worst_instance=worst_desc,
        first_violation=first_violation,
        seconds=time.perf_counter() - start,
        verdict=verdict,
        ok=ok,
        error=error,
        unit=tier.unit,
    )


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
    _require("claim", claim, isinstance(claim, Claim), "a Claim")
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
    _require("show_progress", show_progress, show_progress is None
             or isinstance(show_progress, bool), "None, True or False")
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


def run_claims(
    claims: Sequence[Claim],
    instances: int | None = None,
    seed: int = 0,
    show_progress: bool | None = None,
    on_result: Callable[[ClaimResult], None] | None = None,
) -> list[ClaimResult]:
    """Run ``claims`` in order, streaming each claim's result to ``on_result``.

    ``on_result(result)`` is called as soon as a claim finishes (with a progress bar cleared
    from the terminal meanwhile, so that what it prints to standard output stays readable).
    Progress is shown as :func:`progress_style` says for ``show_progress``; the bar appears only
    once a run has taken more than a second.

    Raises
    ------
    RunInterrupted
        On Ctrl-C, with every row that finished and the ids of the claims that did not.
    theory.numbers.InvalidParameterError
        If ``claims`` is not a sequence of :class:`Claim`, ``instances`` is not ``None`` or in
        ``[1, MAX_INSTANCES]``, ``seed`` is negative, ``show_progress`` is not a bool or
        ``None``, or ``on_result`` is not a callable or ``None``.
    """
    claims, instances, seed = _check_run(claims, instances, seed, show_progress)
    _require("on_result", on_result, on_result is None or callable(on_result),
             "None or a callable")
    style = progress_style(show_progress)
    total = sum(
        t.instances_for(c.default_instances if instances is None else instances)
        for c in claims
        for t in c.tiers
    )
    from tqdm.auto import tqdm  # imported here: about 0.1 s that `--list` does not need

    start = time.perf_counter()
    results: list[ClaimResult] = []
    try:
        with tqdm(total=total, unit="inst", delay=1.0, disable=style != "bar",
                  leave=False) as bar:
            for claim in claims:
                bar.set_description(claim.id)
                results.append(run_claim(claim, instances, seed, bar))
                if on_result is not None:
                    with tqdm.external_write_mode(file=sys.stdout):
                        on_result(results[-1])
                if style == "lines":
                    print(_progress_line(len(results), len(claims), results[-1],
                                         time.perf_counter() - start),
                          file=sys.stderr, flush=True)
    except KeyboardInterrupt as exc:
        partial = exc.results if isinstance(exc, RunInterrupted) else []
        pending = [c.id for c in claims[len(results):]]
        raise RunInterrupted(results + partial, pending) from exc
    return results


def iter_rows(results: Iterable[ClaimResult]) -> Iterable[tuple[Claim, TierResult]]:
    """``(claim, tier result)`` pairs in report order.

    Raises
    ------
    theory.numbers.InvalidParameterError
        (On iteration) for an item of ``results`` that is not a :class:`ClaimResult`.
    """
    for r in results:
        _require("results", r, isinstance(r, ClaimResult), "ClaimResult items")
        for t in r.tiers:
            yield r.claim, t
