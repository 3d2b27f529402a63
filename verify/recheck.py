"""Re-check a JSON report from the report alone (issue 8, item 3).

For every tier of every claim in a report written by ``python -m verify --json``,
:func:`recheck` rebuilds the recorded worst instance and first violation with the tier's
:attr:`~verify.registry.Tier.rebuild` hook, recomputes their margins with the tier's ``check``,
and confirms the recorded verdict; every exact certificate (``"certificate"`` entries) is
re-verified by the standard-library checker :mod:`verify.certcheck`.

Per row, the status is one of :data:`STATUSES`:

``confirmed``
    The rebuilt instance gives the recorded margin (see below), the description written for the
    rebuilt instance equals the recorded one, and the margin's sign agrees with the verdict
    (``holds``: worst margin ``>= 0``; a recorded first violation: margin ``< 0`` or ``nan``);
    or a certificate re-verified.
``refuted``
    A recomputed margin differs from the recorded one, contradicts the verdict, the description
    does not reproduce, or a certificate is refuted.
``malformed``
    The description or certificate cannot be read (rebuilding it raised ``ValueError``,
    ``KeyError``, ``TypeError`` or ``IndexError``).
``failed``
    The check itself raised on a rebuilt instance.
``not re-checkable``
    With the reason: unknown claim or tier, a tier without a rebuild hook, a tier that checked
    no instance (an ``ERROR`` row). Never counted as confirmed.

Margin comparison: equal floats (``inf == inf``, ``nan`` with ``nan``) are *bit-for-bit*; the
instances are round-trip decimals or exact rationals, so every tier except the vectorized
float batch reproduces its margin exactly on the same platform. A tier whose name starts with
``exact`` must reproduce it exactly. Otherwise, a margin in ``decades`` (the log of a rounding
error, which depends on the evaluation order of a vectorized batch — Lemma 3.1's float tier
evaluates a batch of 100 models, the recheck one) may differ by at most
:data:`DECADES_TOLERANCE`, and a margin in another unit by a relative
:data:`RELATIVE_TOLERANCE`; the sign must agree with the verdict in every case.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from theory.validation import require
from verify.certcheck import check_certificate
from verify.registry import Tier, UnknownClaimError, get_claim

__all__ = [
    "STATUSES",
    "DECADES_TOLERANCE",
    "RELATIVE_TOLERANCE",
    "RecheckRow",
    "recheck",
    "format_recheck",
    "main_recheck",
]

STATUSES = ("confirmed", "refuted", "malformed", "failed", "not re-checkable")
#: Largest difference, in decades, between a recorded and a recomputed float margin in unit
#: ``decades`` (a factor 10 in a rounding error whose evaluation order changed).
DECADES_TOLERANCE = 1.0
#: Largest relative difference of a recomputed float margin in any other unit.
RELATIVE_TOLERANCE = 1e-9
_READ_ERRORS = (ValueError, KeyError, TypeError, IndexError)


@dataclass(frozen=True)
class RecheckRow:
    """One re-checked item: ``where`` is ``worst_instance``, ``first_violation``, or
    ``certificate (worst_instance)`` / ``certificate (first_violation)``; ``recorded`` and
    ``recomputed`` are margins (``None`` for certificates and rows not re-checked)."""

    claim: str
    tier: str
    where: str
    status: str
    reason: str
    recorded: float | None = None
    recomputed: float | None = None


def _recorded_margin(tier: dict[str, Any]) -> float:
    """The worst margin of a tier row as a float (``worst_margin_kind`` decides non-finite)."""
    kind = tier.get("worst_margin_kind")
    if kind == "finite":
        value = tier.get("worst_margin")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ValueError(f"worst_margin: expected a number, got {value!r}")
    special = {"exact": math.inf, "-inf": -math.inf, "nan": math.nan}
    if kind not in special:
        raise ValueError(f"worst_margin_kind: expected finite, exact, -inf or nan, got {kind!r}")
    return special[kind]


def _agreement(recorded: float, got: float, tier: Tier) -> str | None:
    """How ``got`` reproduces ``recorded`` (``None``: it does not), per the module docstring."""
    if recorded == got or (math.isnan(recorded) and math.isnan(got)):
        return "bit-for-bit"
    if tier.name.startswith("exact") or not (math.isfinite(recorded) and math.isfinite(got)):
        return None
    if tier.unit == "decades":
        ok = abs(recorded - got) <= DECADES_TOLERANCE
        return f"within {DECADES_TOLERANCE} decade" if ok else None
    ok = abs(recorded - got) <= RELATIVE_TOLERANCE * max(1.0, abs(recorded))
    return f"within relative {RELATIVE_TOLERANCE:g}" if ok else None


def _normalized(description: Any) -> Any:
    """``description`` as the JSON report stores it (non-finite floats as strings)."""
    def fix(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
        if isinstance(x, dict):
            return {str(k): fix(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [fix(v) for v in x]
        return x

    return json.loads(json.dumps(fix(description), default=str))


def _instance_row(claim: str, tier: Tier, where: str, description: Any,
                  recorded: float | None, verdict_ok: Any) -> RecheckRow:
    """Rebuild one recorded instance, recompute its margin and compare (module docstring).
    ``recorded`` is ``None`` for a first violation (whose margin the report does not store);
    ``verdict_ok(margin)`` says whether a margin agrees with the verdict."""
    def row(status: str, reason: str, got: float | None = None) -> RecheckRow:
        return RecheckRow(claim, tier.name, where, status, reason, recorded, got)

    try:
        instances = tier.rebuild(description)  # type: ignore[misc]
    except _READ_ERRORS as exc:
        return row("malformed", f"cannot rebuild the instance: {type(exc).__name__}: {exc}")
    try:
        got = float(np.asarray(tier.check(instances), dtype=float).reshape(-1)[0])
        again = _normalized(tier.describe(instances, 0))
    except Exception as exc:  # the check failing on a recorded instance is a result
        return row("failed", f"the check raised {type(exc).__name__}: {exc}")
    if again != description:
        return row("refuted", "the rebuilt instance's description differs from the recorded "
                   "one", got)
    if not verdict_ok(got):
        return row("refuted", f"recomputed margin {got!r} contradicts the verdict", got)
    if recorded is None:
        return row("confirmed", f"violation reproduced (margin {got!r})", got)
    how = _agreement(recorded, got, tier)
    if how is None:
        return row("refuted", f"recomputed margin {got!r} differs from the recorded "
                   f"{recorded!r}", got)
    return row("confirmed", f"margin reproduced {how}", got)


def _tier_rows(claim_id: str, tier: Tier | None, entry: dict[str, Any]) -> list[RecheckRow]:
    name = str(entry.get("tier"))
    if tier is None:
        return [RecheckRow(claim_id, name, "tier", "not re-checkable",
                           "no such claim or tier is registered")]
    try:
        recorded = _recorded_margin(entry)
    except ValueError as exc:
        return [RecheckRow(claim_id, name, "tier", "malformed", str(exc))]
    verdict = entry.get("verdict")
    worst, first = entry.get("worst_instance"), entry.get("first_violation")
    rows = []
    if tier.rebuild is None:
        rows.append(RecheckRow(claim_id, name, "tier", "not re-checkable",
                               "the tier has no rebuild hook", recorded))
    elif verdict == "ERROR" or worst is None:
        rows.append(RecheckRow(claim_id, name, "tier", "not re-checkable",
                               f"no instance recorded (verdict {verdict!r})", recorded))
    else:
        holds = verdict == "holds"
        rows.append(_instance_row(claim_id, tier, "worst_instance", worst, recorded,
                                  lambda m: m >= 0 if holds else True))
        if first is not None:
            rows.append(_instance_row(claim_id, tier, "first_violation", first, None,
                                      lambda m: not m >= 0))
        elif verdict in ("VIOLATED", "finding confirmed"):
            rows.append(RecheckRow(claim_id, name, "first_violation", "refuted",
                                   f"verdict {verdict!r} but no first violation recorded"))
    for where, desc in (("worst_instance", worst), ("first_violation", first)):
        if isinstance(desc, dict) and "certificate" in desc:
            status, reason = check_certificate(desc["certificate"])
            rows.append(RecheckRow(claim_id, name, f"certificate ({where})",
                                   status, reason))
    return rows


def recheck(report: dict[str, Any]) -> list[RecheckRow]:
    """Re-check every tier of ``report`` (the parsed JSON report), in report order.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``report`` is not a dict with a ``"claims"`` list of objects with ``"id"`` and a
        ``"tiers"`` list of objects.
    """
    require(isinstance(report, dict) and isinstance(report.get("claims"), list), "report",
            "a report with a 'claims' list", report)
    for c in report["claims"]:
        require(isinstance(c, dict) and isinstance(c.get("id"), str)
                and isinstance(c.get("tiers"), list)
                and all(isinstance(t, dict) for t in c["tiers"]), "report",
                "claims with an 'id' and a 'tiers' list of objects", c)
    rows: list[RecheckRow] = []
    for c in report["claims"]:
        try:
            tiers = {t.name: t for t in get_claim(c["id"]).tiers}
        except UnknownClaimError:
            tiers = {}
        for entry in c["tiers"]:
            rows.extend(_tier_rows(c["id"], tiers.get(entry.get("tier")), entry))
    return rows


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def format_recheck(rows: list[RecheckRow]) -> str:
    """A plain-text table of the rows and a summary line with the count per status."""
    require(isinstance(rows, list) and all(isinstance(r, RecheckRow) for r in rows), "rows",
            "a list of RecheckRow", rows)
    lines = [f"{r.status:<16} {r.claim} [{r.tier}] {r.where}: {r.reason}"
             + (f" (recorded {_cell(r.recorded)}, recomputed {_cell(r.recomputed)})"
                if r.recomputed is not None and r.recorded is not None else "")
             for r in rows]
    counts = ", ".join(f"{sum(r.status == s for r in rows)} {s}" for s in STATUSES)
    return "\n".join([*lines, f"recheck: {len(rows)} rows: {counts}"])


def main_recheck(path: str | Path) -> int:
    """Re-check the JSON report at ``path`` and print the table.

    Exit status: 0 when no row is refuted, malformed or failed (rows that are not re-checkable
    are listed with their reason and counted, never counted as confirmed), 1 otherwise, 2 when
    the file cannot be read or is not a report.
    """
    require(isinstance(path, (str, Path)), "path", "a path", path)
    try:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
        rows = recheck(report)
    except (OSError, ValueError) as exc:
        print(f"recheck: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    print(format_recheck(rows))
    bad = [r for r in rows if r.status in ("refuted", "malformed", "failed")]
    return 1 if bad else 0
