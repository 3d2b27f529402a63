"""Run registered claims on random instances and collect per-tier verdicts.

Seeding: each (claim, tier, batch) gets its own generator spawned from
``SeedSequence([seed, crc32(claim.id), tier index, batch index])``, so a claim's results do not
depend on which other claims run, and the same seed reproduces the same report.
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from verify.registry import Claim, Tier

__all__ = ["TierResult", "ClaimResult", "run_tier", "run_claim", "run_claims", "verdict_of"]


@dataclass
class TierResult:
    """Outcome of one tier of one claim."""

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


@dataclass
class ClaimResult:
    """Outcome of a claim: one :class:`TierResult` per tier."""

    claim: Claim
    tiers: list[TierResult]

    @property
    def ok(self) -> bool:
        """True when the outcome is the one the registry expects."""
        return all(t.ok for t in self.tiers)


def verdict_of(expected: str, instances: int, violations: int) -> tuple[str, bool]:
    """Verdict string and whether it is the expected outcome.

    For a claim expected to hold, any violation is unexpected. For a finding (a claim as stated
    that the suite expects to fail), at least one violation must be found, with its certificate.
    """
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

    An exception raised by the sampler or the check becomes an ``ERROR`` verdict (never a pass).
    """
    tier: Tier = claim.tiers[tier_index]
    n_total = tier.instances_for(instances)
    start = time.perf_counter()
    worst = math.inf
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
            bad = ~(margins >= 0)  # NaN counts as a violation
            violations += int(bad.sum())
            if first_violation is None and bad.any():
                first_violation = tier.describe(inst, int(np.argmax(bad)))
            safe = np.where(np.isnan(margins), -np.inf, margins)
            i = int(np.argmin(safe))
            if safe[i] < worst or worst_desc is None:
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
    )


def run_claim(
    claim: Claim, instances: int | None = None, seed: int = 0, progress: Any | None = None
) -> ClaimResult:
    """Run every tier of ``claim``; ``instances`` defaults to the claim's own default."""
    n = claim.default_instances if instances is None else instances
    return ClaimResult(
        claim, [run_tier(claim, i, n, seed, progress) for i in range(len(claim.tiers))]
    )


def run_claims(
    claims: Sequence[Claim],
    instances: int | None = None,
    seed: int = 0,
    show_progress: bool | None = None,
) -> list[ClaimResult]:
    """Run ``claims`` in order with one progress bar over all their instances.

    ``show_progress=None`` shows the bar only on a terminal and only once a run has taken more
    than a second.
    """
    total = sum(
        t.instances_for(c.default_instances if instances is None else instances)
        for c in claims
        for t in c.tiers
    )
    disable = None if show_progress is None else not show_progress
    with tqdm(total=total, unit="inst", delay=1.0, disable=disable, leave=False) as bar:
        results = []
        for claim in claims:
            bar.set_description(claim.id)
            results.append(run_claim(claim, instances, seed, bar))
        return results


def iter_rows(results: Iterable[ClaimResult]) -> Iterable[tuple[Claim, TierResult]]:
    """``(claim, tier result)`` pairs in report order."""
    for r in results:
        for t in r.tiers:
            yield r.claim, t
