"""Command line: ``python -m verify`` runs every registered claim and prints one row per tier.

Each claim's rows are printed as soon as the claim finishes. The default table fits in 100
columns (``--wide``: one full row per tier with the tag, reference and violation count), and
every worst margin shows its unit. Progress goes to standard error: a bar on a terminal, one
plain line per finished claim otherwise (``--no-progress``: none).

Budgets: the default run checks each tier on a twentieth of its claim's budget, at least
:data:`verify.runner.SHARE_FLOOR` instances (:data:`verify.runner.DEFAULT_SHARE`; the first
instances of the full run, so every family a sampler takes in turn is met), within about 20 s of
CPU; ``--full`` runs each claim's full
budget, and so do ``--report`` and ``--shard`` unless ``--quick`` or ``--instances N`` (N per
tier, some tiers cap it) is given.

``--report DIR`` also runs the papers' experiments and writes ``DIR/report.html`` (self-contained),
``DIR/report.md``, ``DIR/report.json`` and the figures (:mod:`verify.report_dir`); ``--quick``
runs a short budget (:data:`verify.report_dir.QUICK_INSTANCES` instances per tier unless
``--instances`` is given, and the experiments' quick settings). ``--json`` and ``--report`` write
JSON reports of the same structure (``verify/schemas/report.schema.json``); ``report.json`` adds
the run's environment (command line, versions, git commit, platform, BLAS threads), the
experiments and the budget.

Scale-out (:mod:`verify.parallel`, :mod:`verify.shards`): ``--workers N`` runs the checks on N
local worker processes and ``--scheduler ADDRESS`` on a Dask cluster (optional extra
``distributed``); ``--shard I/N --json PATH`` runs only shard I of N of the run's chunks and writes
a shard report, and ``--merge A.json B.json ... [--json OUT]`` merges shard reports into the report
of the whole run. The same seed gives the same verdicts, worst margins and worst instances in
every case.

Two other modes: ``--recheck REPORT`` re-checks a JSON report from the report alone
(:mod:`verify.recheck`; exit 0 when nothing is refuted, 1 otherwise, 2 for unreadable input), and
``--search CLAIM [--budget SECONDS]`` runs the adversarial tightness search
(:mod:`verify.tightness`; exit 1 when it exceeds a bound the suite proves).

Exit status: 0 when every verdict is the one the registry expects (a claim that holds, or a
finding whose counterexample was reproduced) and, with ``--report``, every experiment is ok, 1
when any check went otherwise (a violation, an unreproduced finding, or an error), an experiment
failed, a worker failed, or a report could not be written, 2 for bad usage (checked before
anything runs, including whether the ``--json`` or ``--report`` directory is writable, the Dask
scheduler answers with workers of the same versions, and ``--merge`` shards fit together), 130
when interrupted by Ctrl-C (the rows that finished are printed and, with ``--json`` or
``--report``, written to a report marked ``"complete": false``).

``python -m verify --list`` (alone) prints the claim list from :mod:`verify.claims.catalog`
before anything else is imported: no claim module, :mod:`theory`, numpy, sympy or mpmath.
"""

# ruff: noqa: E402  (the --list fast path below runs before the CLI's heavy imports)
from __future__ import annotations

import sys

from verify.claims.catalog import format_catalog

if __name__ == "__main__" and sys.argv[1:] == ["--list"]:
    print(format_catalog())
    raise SystemExit(0)

import argparse
import contextlib
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

from theory.numbers import InvalidParameterError
from verify import __version__
from verify.cli import int_at_least, positive_seconds
from verify.registry import Claim, UnknownClaimError, all_claims, get_claim
from verify.report import (
    ResultTable,
    format_parameter_counts,
    json_report,
    write_json,
)
from verify.report_dir import (
    QUICK_INSTANCES,
    ExperimentRunner,
    assemble_report,
    check_report_dir,
    write_report,
)
from verify.run_metadata import environment
from verify.runner import (
    DEFAULT_SHARE,
    MAX_INSTANCES,
    SHARE_FLOOR,
    ClaimResult,
    RunInterrupted,
    run_claims,
)
from verify.shards import LAYOUTS, parse_shard
from verify.tightness import CLAIM_IDS as TIGHTNESS_CLAIMS

#: Exit status after Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m verify``."""
    p = argparse.ArgumentParser(
        prog="python -m verify",
        description="Check the claims of BYJL25 (depth in linear SSMs) and WX23 (universality "
        "and memory of SSMs) on random instances, at the exact, mpmath and float64 tiers.",
        epilog="Exit status: 0 all verdicts as expected (with --report: and every experiment "
        "ok), 1 otherwise, 2 bad usage, "
        "130 interrupted (Ctrl-C; finished rows are still printed and written).",
    )
    p.add_argument("--version", action="version", version=f"ssm-theory-verify {__version__}")
    p.add_argument("--list", action="store_true", help="list the registered claims and exit")
    p.add_argument(
        "--claim", action="append", metavar="ID", default=None,
        help="run only this claim (repeatable; a repeated id runs once); default: all",
    )
    p.add_argument(
        "--instances", type=int_at_least(1, MAX_INSTANCES), default=None, metavar="N",
        help=f"random instances per tier, 1..{MAX_INSTANCES} (default: 1/{DEFAULT_SHARE} of "
        f"each claim's own budget per tier, at least {SHARE_FLOOR}; some tiers cap it)",
    )
    p.add_argument("--full", action="store_true",
                   help=f"each claim's full budget per tier (up to {DEFAULT_SHARE} times the "
                   "default run's instances; the budget of --report and --shard)")
    p.add_argument("--seed", type=int_at_least(0), default=None, metavar="S",
                   help="random seed (default 0); the same seed gives the same report")
    p.add_argument("--quick", action="store_true",
                   help=f"a short run: {QUICK_INSTANCES} instances per tier unless --instances "
                   "is given, and (with --report) the experiments' quick settings")
    scale = p.add_argument_group(
        "scale-out", "the same seed gives the same verdicts, worst margins and worst instances "
        "however the run is split")
    where = scale.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int_at_least(1), default=None, metavar="N",
                       help="run the checks on N local worker processes, one BLAS thread each "
                       "(default: in this process)")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run the checks on the Dask cluster of the scheduler at ADDRESS, e.g. "
                       "tcp://host:8786 (needs the extra 'distributed'; every worker must have "
                       "the same versions)")
    scale.add_argument("--shard", type=parse_shard, default=None, metavar="I/N",
                       help="run only shard I of N (0 <= I < N) of the run's chunks and write a "
                       "shard report to --json PATH (for batch systems; see --merge)")
    scale.add_argument("--shard-layout", choices=LAYOUTS, default="interleaved",
                       help="chunks of shard I: index = I mod N (interleaved, default) or the "
                       "I-th of N contiguous ranges")
    modes = p.add_argument_group("other modes")
    modes.add_argument("--merge", nargs="+", type=Path, default=None, metavar="SHARD",
                       help="merge the shard reports of one run (all of its shards) into the "
                       "report of the whole run: print the table, write it with --json; then "
                       "exit")
    modes.add_argument("--recheck", type=Path, default=None, metavar="REPORT",
                       help="re-check a JSON report (--json or --report) from the report alone: "
                       "rebuild every recorded worst instance, recompute its margin, confirm "
                       "each verdict and every exact certificate; then exit")
    modes.add_argument("--search", default=None, metavar="CLAIM",
                       help="adversarial tightness search of an inequality claim ("
                       + ", ".join(TIGHTNESS_CLAIMS) + "): the worst ratio found per case, "
                       "against each constant; then exit (with --json: the rows as JSON)")
    modes.add_argument("--budget", type=positive_seconds, default=60.0, metavar="SECONDS",
                       help="time budget of --search (default 60)")
    out = p.add_argument_group("output")
    files = out.add_mutually_exclusive_group()
    files.add_argument("--json", type=Path, default=None, metavar="PATH",
                       help="also write a JSON report (with seed and package versions) to "
                       "PATH; the file is replaced atomically")
    files.add_argument("--report", type=Path, default=None, metavar="DIR",
                       help="also run the papers' experiments and write DIR/report.html "
                       "(self-contained), DIR/report.md, DIR/report.json and the figures "
                       "(DIR is created if missing)")
    out.add_argument("--wide", action="store_true",
                     help="one full row per tier (tag, reference, violations; wider than 100 "
                     "columns)")
    out.add_argument("--no-progress", action="store_true",
                     help="no progress on standard error (default: a bar on a terminal, one "
                     "line per finished claim otherwise)")
    return p


def json_target_problem(path: Path) -> str | None:
    """Why the JSON report cannot be written to ``path`` (``None`` when it can).

    The directory must exist and accept a new file (tried with a temporary file, which also
    catches read-only file systems), and ``path`` must not be a directory.
    """
    directory = path.parent
    if path.is_dir():
        return f"{path} is a directory"
    if not directory.exists():
        return f"directory {directory} does not exist"
    if not directory.is_dir():
        return f"{directory} is not a directory"
    try:
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        return f"directory {directory} is not writable ({exc.strerror or exc})"
    return None


def _usage_error(parser: argparse.ArgumentParser, message: str) -> int:
    parser.print_usage(sys.stderr)
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    return 2


def _instances(args: argparse.Namespace) -> int | None:
    """Instances per tier: ``--instances``, else the quick budget with ``--quick``, else
    ``None`` (each claim's default)."""
    if args.instances is not None:
        return int(args.instances)
    return QUICK_INSTANCES if args.quick else None


def _share(args: argparse.Namespace) -> int:
    """The share of each claim's budget that a run without ``--instances`` or ``--quick``
    checks: all of it with ``--full``, ``--report`` or ``--shard``, else
    :data:`~verify.runner.DEFAULT_SHARE` (see :func:`verify.runner.plan_chunks`)."""
    return 1 if args.full or args.report is not None or args.shard is not None \
        else DEFAULT_SHARE


def _run_table(claims: list[Claim], args: argparse.Namespace, backend: Any
               ) -> tuple[ResultTable, list[ClaimResult], list[str]]:
    """Run ``claims`` (on ``backend``, ``None``: in process), printing each claim's rows as it
    finishes; the table, the results and the ids of the claims an interrupt left unfinished."""
    instances = _instances(args)
    table = ResultTable(claims, instances, wide=args.wide)
    print(table.header(), flush=True)
    printed: list[ClaimResult] = []

    def show(result: ClaimResult) -> None:
        print(table.rows(result), flush=True)
        printed.append(result)

    try:
        results = run_claims(claims, instances, args.seed,
                             show_progress=False if args.no_progress else None, on_result=show,
                             backend=backend, share=_share(args))
    except RunInterrupted as exc:
        for result in exc.results[len(printed):]:  # the claim that was running: finished tiers
            print(table.rows(result), flush=True)
        return table, exc.results, exc.pending
    return table, results, []


def _summary(table: ResultTable, results: list[ClaimResult], pending: list[str]) -> None:
    """Print the table's summary (and the Theorem 4.1 counts)."""
    print(table.footer(results, pending))
    if any(r.claim.id.startswith("byjl25.thm4.1") for r in results):
        print("\n" + format_parameter_counts())


class _Outcome(NamedTuple):
    """What a run left: results, unfinished claim ids, whether Ctrl-C stopped it (also while
    the experiments ran), and whether its report (if any) was written with every experiment ok.
    """

    results: list[ClaimResult]
    pending: list[str]
    interrupted: bool
    written: bool


def _json_run(claims: list[Claim], args: argparse.Namespace, _argv: list[str],
              backend: Any) -> _Outcome:
    """The plain run: the table, and the ``--json`` report if asked."""
    table, results, pending = _run_table(claims, args, backend)
    _summary(table, results, pending)
    if _instances(args) is None and _share(args) > 1:
        print(f"\nbudget: 1/{DEFAULT_SHARE} of each tier's own budget (at least {SHARE_FLOOR} "
              "instances); --full runs the full budget")
    if args.json is None:
        return _Outcome(results, pending, bool(pending), True)
    try:
        write_json(json_report(results, args.seed, _instances(args), pending,
                               share=_share(args)), args.json)
    except OSError as exc:
        print(f"error: could not write the JSON report to {args.json}: {exc}", file=sys.stderr)
        return _Outcome(results, pending, bool(pending), False)
    print(f"JSON report written to {args.json}" + (" (incomplete run)" if pending else ""))
    return _Outcome(results, pending, bool(pending), True)


def _report_run(claims: list[Claim], args: argparse.Namespace, argv: list[str],
                backend: Any) -> _Outcome:
    """The ``--report`` run: the claims and, beside them, the experiments; then the report."""
    start = time.perf_counter()
    with ExperimentRunner(args.report, quick=args.quick, seed=args.seed) as runner:
        table, results, pending = _run_table(claims, args, backend)
        interrupted = bool(pending)
        try:
            experiments = runner.finished() if interrupted else runner.collect()
        except KeyboardInterrupt:
            experiments, interrupted = runner.finished(), True
    _summary(table, results, pending)
    report = assemble_report(json_report(results, args.seed, _instances(args), pending,
                                         share=_share(args)),
                             environment(argv), experiments, quick=args.quick,
                             seconds=time.perf_counter() - start)
    for e in experiments:
        status = "ok" if e["ok"] else f"NOT OK: {e.get('error') or e.get('verdict')}"
        print(f"experiment {e['name']}: {status} ({e['seconds']:.1f} s)")
    try:
        paths = write_report(report, args.report)
    except (OSError, InvalidParameterError) as exc:
        print(f"error: could not write the report to {args.report}: {exc}", file=sys.stderr)
        return _Outcome(results, pending, interrupted, False)
    print("report written: " + ", ".join(str(p) for p in paths)
          + ("" if report["complete"] else " (incomplete run)"))
    return _Outcome(results, pending, interrupted, all(e["ok"] for e in experiments))


def _search_run(args: argparse.Namespace) -> int:
    """``--search``: print the tightness table (and write its rows with ``--json``); exit 1 when
    a bound the suite proves is exceeded (the forest above its own constant, or the best
    construction above 2: a counterexample, printed with its instance in the JSON rows)."""
    from verify.tightness import format_tightness, search

    rows = search(args.search, args.budget, args.seed)
    print(format_tightness(rows))
    exceeded = [r for r in rows if r.exceeds()]
    for r in exceeded:
        print(f"BOUND EXCEEDED: {r.label} {r.case} ratio {r.ratio!r} above "
              f"{r.proved} = {r.constants[r.proved or '']!r}", file=sys.stderr)
    if args.json is not None:
        write_json({"tool": "ssm-theory-verify --search", "claim": args.search,
                    "seed": args.seed, "budget_seconds": args.budget,
                    "rows": [r.describe() for r in rows]}, args.json)
        print(f"JSON rows written to {args.json}")
    return 1 if exceeded else 0


def _backend(args: argparse.Namespace) -> Any:
    """The context manager of the run's backend (:mod:`verify.parallel`; ``None`` in it: this
    process)."""
    from verify.parallel import DaskBackend, ProcessBackend

    if args.workers is not None:
        return ProcessBackend(args.workers)
    if args.scheduler is not None:
        return DaskBackend(args.scheduler)
    return contextlib.nullcontext(None)


def _shard_run(claims: list[Claim], args: argparse.Namespace, backend: Any) -> int:
    """``--shard I/N``: run the shard's chunks and write its shard report to ``--json``."""
    from verify.shards import run_shard, shard_report

    shard = replace(args.shard, layout=args.shard_layout)
    results = run_shard(claims, _instances(args), args.seed, shard, backend)
    errors = sum(r.error is not None for r in results)
    print(f"shard {shard} ({shard.layout}): {len(results)} chunk(s), "
          f"{sum(r.instances for r in results)} instances, "
          f"{sum(r.violations for r in results)} violation(s), {errors} chunk error(s)")
    try:
        write_json(shard_report(claims, _instances(args), args.seed, shard, results), args.json)
    except OSError as exc:
        print(f"error: could not write the shard report to {args.json}: {exc}", file=sys.stderr)
        return 1
    print(f"shard report written to {args.json} (merge all {shard.count} with --merge)")
    return 0


def _merge_run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """``--merge``: the table and (``--json``) the report of the whole run from its shards."""
    from verify.report import format_table
    from verify.shards import MergeError, merge_shards

    try:
        merged = merge_shards(args.merge)
    except MergeError as exc:
        return _usage_error(parser, f"--merge: {exc}")
    print(format_table(merged.results, wide=args.wide))
    if args.json is not None:
        try:
            write_json(json_report(merged.results, merged.seed, merged.instances), args.json)
        except OSError as exc:
            print(f"error: could not write the JSON report to {args.json}: {exc}",
                  file=sys.stderr)
            return 1
        print(f"JSON report written to {args.json}")
    return 0 if all(r.ok for r in merged.results) else 1


def _conflict(args: argparse.Namespace) -> str | None:
    """Options that do not go together (``None`` when they do)."""
    given = [name for name, value in (
        ("--claim", args.claim), ("--instances", args.instances), ("--seed", args.seed),
        ("--quick", args.quick or None), ("--full", args.full or None),
        ("--report", args.report), ("--shard", args.shard),
        ("--workers", args.workers), ("--scheduler", args.scheduler)) if value is not None]
    if args.merge is not None and given:
        return f"--merge takes the run's parameters from the shards: drop {', '.join(given)}"
    if args.full and (args.quick or args.instances is not None):
        return "--full runs each claim's full budget: drop --quick and --instances"
    scale = [g for g in given if g in ("--shard", "--workers", "--scheduler")]
    if scale and (args.recheck is not None or args.search is not None or args.list):
        return f"{scale[0]} applies to a run of the claims, not to --list, --recheck or --search"
    if args.shard is not None and args.report is not None:
        return "--shard writes a shard report with --json PATH, not --report"
    if args.shard is not None and args.json is None:
        return "--shard needs --json PATH for its shard report"
    return None


def _run_on_backend(parser: argparse.ArgumentParser, claims: list[Claim],
                    args: argparse.Namespace, argv: list[str]) -> _Outcome | int:
    """Open the backend and run (a shard, or the run with its table and report): the outcome,
    or the exit status when there is no outcome to report (a shard, a backend that cannot start
    or fails)."""
    from verify.parallel import ClusterError, WorkerFailure

    with contextlib.ExitStack() as stack:
        try:
            backend = stack.enter_context(_backend(args))
        except ClusterError as exc:
            return _usage_error(parser, str(exc))
        try:
            if args.shard is not None:
                return _shard_run(claims, args, backend)
            return (_json_run if args.report is None else _report_run)(claims, args, argv,
                                                                       backend)
        except WorkerFailure as exc:
            print(f"error: {exc}; no report written", file=sys.stderr)
            return 1
        except KeyboardInterrupt:  # a run returns its finished rows; a shard has none to write
            if args.shard is None:
                raise
            print("interrupted: the shard report was not written", file=sys.stderr)
            return EXIT_INTERRUPTED


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (see the module docstring)."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if (conflict := _conflict(args)) is not None:
        return _usage_error(parser, conflict)
    if args.seed is None:
        args.seed = 0
    if args.list:
        print(format_catalog())
        return 0
    if args.recheck is not None:
        from verify.recheck import main_recheck

        return main_recheck(args.recheck)
    if args.json is not None and (problem := json_target_problem(args.json)) is not None:
        return _usage_error(parser, f"--json: {problem}")
    if args.search is not None:
        if args.search not in TIGHTNESS_CLAIMS:
            return _usage_error(parser, f"--search: no tightness search for {args.search!r}; "
                                f"available: {', '.join(TIGHTNESS_CLAIMS)}")
        return _search_run(args)
    if args.merge is not None:
        return _merge_run(parser, args)
    try:
        claims = ([get_claim(c) for c in dict.fromkeys(args.claim)] if args.claim
                  else all_claims())
    except UnknownClaimError as exc:
        return _usage_error(parser, exc.args[0])
    if args.report is not None:
        try:
            check_report_dir(args.report)
        except InvalidParameterError as exc:
            return _usage_error(parser, f"--report: {exc}")
    outcome = _run_on_backend(parser, claims, args, argv)
    if isinstance(outcome, int):
        return outcome
    if outcome.interrupted:
        print(f"interrupted: {len(outcome.pending)} claim(s) did not finish"
              + ("" if args.report is None else " (and the experiments that had not finished "
                 "are listed in the report)"), file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0 if outcome.written and all(r.ok for r in outcome.results) else 1


if __name__ == "__main__":
    sys.exit(main())
