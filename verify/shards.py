"""Shards of a run (``python -m verify --shard I/N``) and their merge (``--merge``).

A run's chunks (:func:`verify.runner.plan_chunks`) are numbered in run order. Shard ``I/N``
(``0 <= I < N``) holds the chunks whose index is ``I`` modulo ``N`` (``layout="interleaved"``,
the default: each shard gets a share of every expensive tier) or the ``I``-th of ``N``
contiguous ranges of them (``layout="contiguous"``). A shard run writes a *shard report*: the
run's parameters (seed, requested instances, claim ids, versions, chunk size), the shard and
the chunks it covers, and each chunk's result. :func:`merge_shards` checks that a set of shard
reports come from the same run (same seed, instances, claims, chunking and versions, also
those of this process), that no chunk is in two of them and none is missing, and reduces them
(:func:`verify.runner.reduce_chunks`) into the results an in-process run gives, from which
:func:`verify.report.json_report` writes the same report.

Shard report fields (``"kind": "shard"``, ``"format": 1``): ``seed``, ``instances_requested``,
``claims`` (ids in run order), ``chunk_instances``, ``total_chunks``, ``versions``
(:func:`verify.parallel.package_versions`: the suite's version and source fingerprint and the
numerical packages' versions), ``shard`` (``index``, ``count``, ``layout``,
``chunks``: the indices it covers) and ``chunks``: per chunk its
:class:`~verify.runner.Chunk` fields and its result (``instances``, ``violations``,
``worst_margin``: a number or ``"nan"``, ``"inf"``, ``"-inf"``, ``worst_instance``,
``first_violation``, ``error``, ``seconds``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from typing import Any, NamedTuple

from theory.numbers import InvalidParameterError
from theory.validation import require
from verify import runner
from verify.parallel import package_versions
from verify.registry import Claim, UnknownClaimError, check_count, get_claim
from verify.report import jsonable
from verify.runner import (
    MAX_INSTANCES,
    Chunk,
    ChunkResult,
    ClaimResult,
    plan_chunks,
    reduce_chunks,
    run_chunk,
)

__all__ = [
    "LAYOUTS",
    "FORMAT",
    "Shard",
    "parse_shard",
    "run_shard",
    "shard_report",
    "MergeError",
    "MergedRun",
    "merge_shards",
]

#: How a shard selects chunks: by index modulo the count, or a contiguous range.
LAYOUTS = ("interleaved", "contiguous")

#: Version of the shard report format.
FORMAT = 1


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (``0 <= index < count``), selecting chunks by ``layout``.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``count`` is not an integer ``>= 1``, ``index`` not in ``[0, count)``, or
        ``layout`` not one of :data:`LAYOUTS`.
    """

    index: int
    count: int
    layout: str = "interleaved"

    def __post_init__(self) -> None:
        count = check_count("count", self.count)
        check_count("index", self.index, 0, count - 1)
        require(isinstance(self.layout, str) and self.layout in LAYOUTS,
                "layout", f"one of {LAYOUTS}", self.layout)

    def select(self, plan: Sequence[Chunk]) -> list[Chunk]:
        """The chunks of ``plan`` (a run's chunks, in order) that this shard runs.

        Raises
        ------
        theory.numbers.InvalidParameterError
            If ``plan`` is not a sequence of :class:`~verify.runner.Chunk` numbered in order.
        """
        require(isinstance(plan, Sequence) and all(
                isinstance(c, Chunk) and c.index == k for k, c in enumerate(plan)),
                "plan", "the chunks of a run, in order (plan_chunks)", plan)
        if self.layout == "interleaved":
            return [c for c in plan if c.index % self.count == self.index]
        n = len(plan)
        return list(plan[n * self.index // self.count: n * (self.index + 1) // self.count])

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """An argparse ``type=`` for ``--shard I/N``: integers with ``0 <= I < N``.

    Raises
    ------
    argparse.ArgumentTypeError
        For any other text (a usage error, exit status 2).
    """
    index, sep, count = str(text).partition("/")
    try:
        if not sep:
            raise ValueError
        return Shard(int(index), int(count))
    except (ValueError, InvalidParameterError):
        raise argparse.ArgumentTypeError(
            f"expected I/N with integers 0 <= I < N (shard I of N), got {text!r}") from None


def _check_run(claims: Any, instances: Any, seed: Any) -> tuple[list[Claim], int | None, int]:
    require(isinstance(claims, Sequence) and not isinstance(claims, str)
            and len(claims) > 0 and all(isinstance(c, Claim) for c in claims),
            "claims", "a non-empty sequence of Claim", claims)
    if instances is not None:
        instances = check_count("instances", instances, 1, MAX_INSTANCES)
    return list(claims), instances, check_count("seed", seed, 0)


def run_shard(claims: Sequence[Claim], instances: int | None, seed: int, shard: Shard,
              backend: Any = None) -> list[ChunkResult]:
    """Run the chunks of ``shard`` of the run of ``claims`` (every one, also after an error).

    ``backend`` as for :func:`verify.runner.run_claims` (``None``: in this process, in order).
    The results are in chunk order.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``claims`` is not a non-empty sequence of :class:`~verify.registry.Claim`,
        ``instances`` not ``None`` or in ``[1, MAX_INSTANCES]``, ``seed`` negative, ``shard``
        not a :class:`Shard`, or ``backend`` not ``None`` or an object with ``map_chunks``.
    """
    claims, instances, seed = _check_run(claims, instances, seed)
    require(isinstance(shard, Shard), "shard", "a Shard", shard)
    require(backend is None or callable(getattr(backend, "map_chunks", None)),
            "backend", "None or an object with map_chunks(chunks, seed)", backend)
    chunks = shard.select(plan_chunks(claims, instances, runner.CHUNK_INSTANCES))
    by_id = {c.id: c for c in claims}
    if backend is None:
        results = [run_chunk(by_id[c.claim_id], c, seed) for c in chunks]
    else:
        results = list(backend.map_chunks(chunks, seed))
    return sorted(results, key=lambda r: r.chunk.index)


def _margin_json(x: float) -> float | str:
    return x if math.isfinite(x) else "nan" if math.isnan(x) else "inf" if x > 0 else "-inf"


def shard_report(claims: Sequence[Claim], instances: int | None, seed: int, shard: Shard,
                 results: Sequence[ChunkResult]) -> dict[str, Any]:
    """The shard report (see the module docstring) of ``results`` from :func:`run_shard`.

    Raises
    ------
    theory.numbers.InvalidParameterError
        As :func:`run_shard`, or if ``results`` are not the results of exactly the chunks of
        ``shard``.
    """
    claims, instances, seed = _check_run(claims, instances, seed)
    require(isinstance(shard, Shard), "shard", "a Shard", shard)
    plan = plan_chunks(claims, instances, runner.CHUNK_INSTANCES)
    require(isinstance(results, Sequence)
            and all(isinstance(r, ChunkResult) for r in results)
            and [r.chunk for r in results] == shard.select(plan),
            "results", f"the results of the chunks of shard {shard}, in order", results)
    return {
        "tool": "ssm-theory-verify",
        "kind": "shard",
        "format": FORMAT,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seed": seed,
        "instances_requested": instances,
        "claims": [c.id for c in claims],
        "chunk_instances": runner.CHUNK_INSTANCES,
        "total_chunks": len(plan),
        "versions": package_versions(),
        "shard": {"index": shard.index, "count": shard.count, "layout": shard.layout,
                  "chunks": [r.chunk.index for r in results]},
        "chunks": [
            {**{f.name: getattr(r.chunk, f.name) for f in fields(Chunk)},
             "instances": r.instances, "violations": r.violations,
             "worst_margin": _margin_json(r.worst_margin),
             "worst_instance": jsonable(r.worst_instance),
             "first_violation": jsonable(r.first_violation),
             "error": r.error, "seconds": r.seconds}
            for r in results
        ],
    }


class MergeError(ValueError):
    """Shard reports that cannot be merged (the message names the file and the reason)."""


class MergedRun(NamedTuple):
    """The merge of shard reports: what :func:`verify.report.json_report` takes."""

    results: list[ClaimResult]
    seed: int
    instances: int | None


#: Fields every shard of one run has in common.
_RUN_FIELDS = ("seed", "instances_requested", "claims", "chunk_instances", "total_chunks",
               "versions")


def _read(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MergeError(f"{path}: cannot read a shard report ({exc})") from None
    if not (isinstance(doc, dict) and doc.get("kind") == "shard"
            and doc.get("format") == FORMAT and all(k in doc for k in (*_RUN_FIELDS, "shard",
                                                                       "chunks"))):
        raise MergeError(f"{path}: not a shard report of format {FORMAT} (write one with "
                         "--shard I/N --json PATH)")
    return doc


def _margin(value: Any) -> float:
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    if not isinstance(value, (int, float)) or isinstance(value, bool) \
            or not math.isfinite(value):
        raise ValueError(f"worst_margin {value!r} is not a number, 'nan', 'inf' or '-inf'")
    return float(value)


def _chunk_result(entry: Any, plan: list[Chunk]) -> ChunkResult:
    """A chunk result read back from a shard report (``ValueError`` if malformed)."""
    if not isinstance(entry, dict):
        raise ValueError(f"chunk entry {entry!r} is not an object")
    values: dict[str, Any] = {f.name: entry.get(f.name) for f in fields(Chunk)}
    chunk = Chunk(**values)
    if chunk.index >= len(plan) or chunk != plan[chunk.index]:
        raise ValueError(f"chunk {chunk.index} is not the chunk of that index in the run's plan")
    batch = get_claim(chunk.claim_id).tiers[chunk.tier_index].batch
    size = min(chunk.stop * batch, chunk.total) - chunk.first_batch * batch
    instances = check_count("instances", entry.get("instances"), 0, size)
    violations = check_count("violations", entry.get("violations"), 0, instances)
    error, seconds = entry.get("error"), entry.get("seconds")
    if not (error is None or isinstance(error, str)) or not isinstance(seconds, (int, float)):
        raise ValueError(f"chunk {chunk.index}: bad error or seconds")
    return ChunkResult(chunk, instances, violations, _margin(entry.get("worst_margin")),
                       entry.get("worst_instance"), entry.get("first_violation"), error,
                       float(seconds))


def _check_same(path: Any, doc: dict[str, Any], first: tuple[Any, dict[str, Any]]) -> None:
    """Refuse ``doc`` unless it comes from the same run as the first shard and this process."""
    for key in _RUN_FIELDS:
        if doc[key] != first[1][key]:
            raise MergeError(f"{path}: {key} {doc[key]!r} differs from {first[1][key]!r} in "
                             f"{first[0]} (shards of different runs)")
    if doc["versions"] != (ours := package_versions()):
        raise MergeError(f"{path}: written with versions {doc['versions']!r}; this process has "
                         f"{ours!r} (merge with the versions that ran the shards)")


def merge_shards(paths: Sequence[str | os.PathLike[str]]) -> MergedRun:
    """Merge shard reports into the results of the whole run.

    Raises
    ------
    MergeError
        Naming the file: unreadable or not a shard report; from another run (seed, instances,
        claims, chunking, total chunks or versions differ from the first file's, or the
        versions from this process's); a chunk that is not the run's or is also in an earlier
        file. Naming the files given: chunks that none of them covers (and the missing shards).
    theory.numbers.InvalidParameterError
        If ``paths`` is not a non-empty sequence of file paths.
    """
    require(isinstance(paths, Sequence) and not isinstance(paths, str)
            and len(paths) > 0 and all(isinstance(p, (str, os.PathLike)) for p in paths),
            "paths", "a non-empty sequence of file paths", paths)
    docs = [(p, _read(p)) for p in paths]
    for path, doc in docs:
        _check_same(path, doc, docs[0])
    seed, instances, ids = (docs[0][1][k] for k in ("seed", "instances_requested", "claims"))
    try:
        claims = [get_claim(c) for c in ids]
        plan = plan_chunks(claims, instances, docs[0][1]["chunk_instances"])
    except (UnknownClaimError, InvalidParameterError) as exc:
        raise MergeError(f"{docs[0][0]}: cannot rebuild the run ({exc})") from None
    if len(plan) != docs[0][1]["total_chunks"]:
        raise MergeError(f"{docs[0][0]}: total_chunks {docs[0][1]['total_chunks']} is not the "
                         f"{len(plan)} chunks of its run here")
    owner: dict[int, Any] = {}
    done: dict[int, ChunkResult] = {}
    for path, doc in docs:
        try:
            results = [_chunk_result(e, plan) for e in doc["chunks"]]
        except (ValueError, TypeError) as exc:
            raise MergeError(f"{path}: {exc}") from None
        if [r.chunk.index for r in results] != doc["shard"].get("chunks"):
            raise MergeError(f"{path}: its chunk results are not the chunks its shard lists")
        for r in results:
            if r.chunk.index in owner:
                raise MergeError(f"{path}: chunk {r.chunk.index} is also in {owner[r.chunk.index]}"
                                 " (overlapping shards)")
            owner[r.chunk.index], done[r.chunk.index] = path, r
    if missing := [c.index for c in plan if c.index not in done]:
        raise MergeError(_missing_message(missing, docs))
    tiers: dict[tuple[str, int], list[ChunkResult]] = {}
    for c in plan:
        tiers.setdefault((c.claim_id, c.tier_index), []).append(done[c.index])
    try:
        merged = [ClaimResult(claim, [reduce_chunks(claim, i, tiers[(claim.id, i)])
                                      for i in range(len(claim.tiers))]) for claim in claims]
    except InvalidParameterError as exc:
        raise MergeError(f"the shards ({', '.join(map(str, paths))}) do not reduce: {exc}") \
            from None
    return MergedRun(merged, seed, instances)


def _missing_message(missing: list[int], docs: list[tuple[Any, dict[str, Any]]]) -> str:
    shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
    text = (f"the shards given ({', '.join(str(p) for p, _ in docs)}) do not cover "
            f"{len(missing)} chunk(s) of the run: {shown}")
    layouts = {(d["shard"].get("count"), d["shard"].get("layout")) for _, d in docs}
    if len(layouts) == 1:
        (count, layout), = layouts
        given = {d["shard"].get("index") for _, d in docs}
        if isinstance(count, int) and count >= 1:
            absent = [f"{i}/{count}" for i in range(count) if i not in given]
            if absent:
                text += f"; missing shard(s) {', '.join(absent)} ({layout})"
    return text
