"""Command line: ``python -m verify`` runs every registered claim and prints one row per tier.

Each claim's rows are printed as soon as the claim finishes. The default table fits in 100
columns (``--wide``: one full row per tier with the tag, reference and violation count), and
every worst margin shows its unit. Progress goes to standard error: a bar on a terminal, one
plain line per finished claim otherwise (``--no-progress``: none).

``--report DIR`` also runs the papers' experiments and writes ``DIR/report.html`` (self-contained),
``DIR/report.md``, ``DIR/report.json`` and the figures (:mod:`verify.report_dir`); ``--quick``
runs a short budget (:data:`verify.report_dir.QUICK_INSTANCES` instances per tier unless
``--instances`` is given, and the experiments' quick settings). ``--json`` and ``--report`` write
JSON reports of the same structure (``verify/schemas/report.schema.json``); ``report.json`` adds
the run's environment (command line, versions, git commit, platform, BLAS threads), the
experiments and the budget.

Two other modes: ``--recheck REPORT`` re-checks a JSON report from the report alone
(:mod:`verify.recheck`; exit 0 when nothing is refuted, 1 otherwise, 2 for unreadable input), and
``--search CLAIM [--budget SECONDS]`` runs the adversarial tightness search
(:mod:`verify.tightness`; exit 1 when it exceeds a bound the suite proves).

Exit status: 0 when every verdict is the one the registry expects (a claim that holds, or a
finding whose counterexample was reproduced) and, with ``--report``, every experiment is ok, 1
when any check went otherwise (a violation, an unreproduced finding, or an error), an experiment
failed, or a report could not be written, 2 for bad usage (checked before anything runs,
including whether the ``--json`` or ``--report`` directory is writable), 130 when interrupted by
Ctrl-C (the rows that finished are printed and, with ``--json`` or ``--report``, written to a
report marked ``"complete": false``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from theory.numbers import InvalidParameterError
from verify import __version__
from verify.cli import int_at_least, positive_seconds
from verify.registry import Claim, UnknownClaimError, all_claims, get_claim
from verify.report import (
    ResultTable,
    format_claim_list,
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
from verify.runner import MAX_INSTANCES, ClaimResult, RunInterrupted, run_claims
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
        help=f"random instances per tier, 1..{MAX_INSTANCES} (default: each claim's own "
        "budget; some tiers cap it)",
    )
    p.add_argument("--seed", type=int_at_least(0), default=0, metavar="S",
                   help="random seed (default 0); the same seed gives the same report")
    p.add_argument("--quick", action="store_true",
                   help=f"a short run: {QUICK_INSTANCES} instances per tier unless --instances "
                   "is given, and (with --report) the experiments' quick settings")
    modes = p.add_argument_group("other modes")
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


def _run_table(claims: list[Claim], args: argparse.Namespace
               ) -> tuple[ResultTable, list[ClaimResult], list[str]]:
    """Run ``claims``, printing each claim's rows as it finishes; the table, the results and
    the ids of the claims an interrupt left unfinished."""
    instances = _instances(args)
    table = ResultTable(claims, instances, wide=args.wide)
    print(table.header(), flush=True)
    printed: list[ClaimResult] = []

    def show(result: ClaimResult) -> None:
        print(table.rows(result), flush=True)
        printed.append(result)

    try:
        results = run_claims(claims, instances, args.seed,
                             show_progress=False if args.no_progress else None, on_result=show)
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


def _json_run(claims: list[Claim], args: argparse.Namespace, _argv: list[str]) -> _Outcome:
    """The plain run: the table, and the ``--json`` report if asked."""
    table, results, pending = _run_table(claims, args)
    _summary(table, results, pending)
    if args.json is None:
        return _Outcome(results, pending, bool(pending), True)
    try:
        write_json(json_report(results, args.seed, _instances(args), pending), args.json)
    except OSError as exc:
        print(f"error: could not write the JSON report to {args.json}: {exc}", file=sys.stderr)
        return _Outcome(results, pending, bool(pending), False)
    print(f"JSON report written to {args.json}" + (" (incomplete run)" if pending else ""))
    return _Outcome(results, pending, bool(pending), True)


def _report_run(claims: list[Claim], args: argparse.Namespace, argv: list[str]) -> _Outcome:
    """The ``--report`` run: the claims and, beside them, the experiments; then the report."""
    start = time.perf_counter()
    with ExperimentRunner(args.report, quick=args.quick, seed=args.seed) as runner:
        table, results, pending = _run_table(claims, args)
        interrupted = bool(pending)
        try:
            experiments = runner.finished() if interrupted else runner.collect()
        except KeyboardInterrupt:
            experiments, interrupted = runner.finished(), True
    _summary(table, results, pending)
    report = assemble_report(json_report(results, args.seed, _instances(args), pending),
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
    exceeded = [r for r in rows if r.case != "algorithm_a" and (
        r.ratio > min(r.constants.values()) if r.case == "forest" else r.ratio > 2.0)]
    for r in exceeded:
        print(f"BOUND EXCEEDED: ({r.shape[0]},{r.shape[1]}) {r.case} ratio {r.ratio!r}",
              file=sys.stderr)
    if args.json is not None:
        write_json({"tool": "ssm-theory-verify --search", "claim": args.search,
                    "seed": args.seed, "budget_seconds": args.budget,
                    "rows": [r.describe() for r in rows]}, args.json)
        print(f"JSON rows written to {args.json}")
    return 1 if exceeded else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (see the module docstring)."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if args.list:
        print(format_claim_list(all_claims()))
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
    outcome = (_json_run if args.report is None else _report_run)(claims, args, argv)
    if outcome.interrupted:
        print(f"interrupted: {len(outcome.pending)} claim(s) did not finish"
              + ("" if args.report is None else " (and the experiments that had not finished "
                 "are listed in the report)"), file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0 if outcome.written and all(r.ok for r in outcome.results) else 1


if __name__ == "__main__":
    sys.exit(main())
