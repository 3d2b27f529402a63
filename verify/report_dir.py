"""The report directory of ``python -m verify --report DIR``: experiments, assembly, files.

``python -m verify --report DIR [--quick] [--seed S]`` runs the claims (streamed to the terminal
as usual) and, at the same time in one worker process (:class:`ExperimentRunner`), the papers'
experiments (:data:`EXPERIMENTS`, each module's ``reproduce(out_dir, *, quick, seed)``, see
:mod:`verify.experiments._checks`), which write their figures into ``DIR``. Then
:func:`assemble_report` adds the experiments, the run's environment
(:func:`verify.run_metadata.environment`) and its budget to the JSON report of
:func:`verify.report.json_report`, and :func:`write_report` writes ``DIR/report.json``,
``DIR/report.md`` (figures as relative links) and the self-contained ``DIR/report.html``.
``report.json`` follows the JSON Schema shipped as ``verify/schemas/report.schema.json``
(:func:`report_schema`).

Budgets: ``--quick`` runs :data:`QUICK_INSTANCES` instances per tier (some tiers cap it lower;
``--instances N`` overrides it) and each experiment's quick settings; without ``--quick`` each
claim runs its own default budget and the experiments their full settings.

Running the experiments beside the claims (one extra process on a 2-core machine) makes the
wall time about the longer of the two instead of their sum. The worker ignores Ctrl-C; the
parent terminates it when interrupted, and the report then lists the experiments that did not
finish (``pending_experiments``) and is marked incomplete.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import signal
import tempfile
import time
import traceback
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any

from theory.validation import check_instance, check_int, check_real, fail
from verify.report import write_json
from verify.report_document import build_document
from verify.report_html import render_html
from verify.report_markdown import render_markdown

__all__ = ["QUICK_INSTANCES", "EXPERIMENTS", "REPORT_FILES", "check_report_dir",
           "run_experiment", "ExperimentRunner", "assemble_report", "write_report",
           "report_schema"]

#: Instances per tier of a ``--quick`` report: enough to exercise every tier and record a worst
#: instance and every finding's certificate, small enough that the whole report (all claims and
#: the six experiments at their quick settings) stays well within two minutes on 2 cores.
QUICK_INSTANCES = 3

#: The experiment modules a report runs, in report order.
EXPERIMENTS = ("verify.experiments.byjl25_fit", "verify.experiments.byjl25_norm_vs_depth",
               "verify.experiments.byjl25_teacher_student", "verify.experiments.byjl25_s4d_depth",
               "verify.experiments.wx23_width_vs_T", "verify.experiments.memory_curves")

#: The files :func:`write_report` writes into the report directory.
REPORT_FILES = ("report.json", "report.md", "report.html")


def _modules(modules: Any, name: str = "modules") -> tuple[str, ...]:
    """Validation of module lists: a sequence of dotted names."""
    if not (isinstance(modules, Sequence) and not isinstance(modules, str)
            and all(isinstance(m, str) and m.strip() for m in modules)):
        fail(name, "a sequence of module names", modules)
    return tuple(modules)


def _directory(value: Any, name: str, *, writable: bool) -> Path:
    """The module's validation choke point for directories: an existing directory, or (with
    ``writable``) one that is created if missing and accepts a new file (tried with a
    temporary file, which also catches read-only file systems)."""
    if not isinstance(value, (str, os.PathLike)) or str(value) == "":
        fail(name, "a directory path", value)
    out = Path(value)
    if out.exists() and not out.is_dir():
        fail(name, "a directory (not an existing file)", value)
    if not writable:
        if not out.is_dir():
            fail(name, "an existing directory", value)
        return out
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        fail(name, f"a writable directory ({exc.strerror or exc})", value)
    return out


def check_report_dir(report_dir: Any) -> Path:
    """``report_dir`` as a path, created if missing and checked to be writable (by creating
    and removing a temporary file), before anything runs.

    Raises
    ------
    theory.numbers.InvalidParameterError
        Naming ``report_dir`` if it is not a path, is an existing file, cannot be created or is
        not writable.
    """
    return _directory(report_dir, "report_dir", writable=True)


def _record(module_name: str, out_dir: Path, quick: bool, seed: int) -> dict[str, Any]:
    module = importlib.import_module(module_name)
    if not hasattr(module, "reproduce"):
        raise AttributeError(f"{module_name} has no reproduce(out_dir, *, quick, seed)")
    return dict(module.reproduce(out_dir, quick=quick, seed=seed))


def _json_ready(record: Mapping[str, Any], out_dir: Path) -> dict[str, Any]:
    """The record with its figure path relative to ``out_dir``; raises ``ValueError`` if the
    record is not strict JSON (the experiment broke its contract)."""
    out = dict(record)
    out["figure"] = Path(os.path.relpath(Path(record["figure"]).resolve(),
                                         out_dir.resolve())).as_posix()
    json.dumps(out, allow_nan=False)
    return out


def run_experiment(module_name: str, out_dir: str | os.PathLike[str], quick: bool,
                   seed: int) -> dict[str, Any]:
    """Run one experiment module's ``reproduce`` into ``out_dir``; never raises for a failing
    experiment.

    Returns the experiment's record (:class:`verify.experiments._checks.ExperimentRecord`,
    figure path relative to ``out_dir``) with ``seconds`` and ``error`` (``None``); when the
    experiment raises or returns a record that is not strict JSON, a record with only
    ``name``, ``ok`` (false), ``seconds`` and ``error`` (the exception and its last frames).

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``module_name`` is not a non-empty string, ``out_dir`` not an existing directory,
        ``quick`` not a bool or ``seed`` not an integer ``>= 0``.
    """
    if not (isinstance(module_name, str) and module_name.strip()):
        fail("module_name", "a module name", module_name)
    out = _directory(out_dir, "out_dir", writable=False)
    check_instance(quick, "quick", bool, "True or False")
    seed = check_int(seed, "seed", 0)
    start = time.perf_counter()
    try:
        record = _json_ready(_record(module_name, out, quick, seed), out)
    except Exception as exc:  # reported as an error entry of the report, never a pass
        frames = "".join(traceback.format_exception(exc)[-3:]).strip()
        return {"name": module_name.rsplit(".", 1)[-1], "ok": False, "error": frames,
                "seconds": round(time.perf_counter() - start, 3)}
    return record | {"seconds": round(time.perf_counter() - start, 3), "error": None}


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is the parent's to handle (it terminates the worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ExperimentRunner:
    """The report's experiments, run in one worker process beside the claims (or inline).

    Use as a context manager: :meth:`start` (or entering) submits every module, :meth:`collect`
    waits for them and returns their records in order; leaving the context (normally or by an
    exception, e.g. Ctrl-C) terminates a worker that is still running.

    Parameters
    ----------
    out_dir
        The report directory (exists; the figures go there).
    quick, seed
        Passed to every ``reproduce``.
    modules
        Dotted names of the experiment modules (default :data:`EXPERIMENTS`).
    parallel
        ``True``: a worker process (``spawn``, so no state is inherited); ``False``: run inline
        in :meth:`collect` (tests, debugging).

    Raises
    ------
    theory.numbers.InvalidParameterError
        For an ``out_dir`` that is not an existing directory, a non-bool ``quick`` or
        ``parallel``, a negative or non-integer ``seed``, or ``modules`` that is not a
        sequence of module names.
    """

    def __init__(self, out_dir: str | os.PathLike[str], *, quick: bool, seed: int,
                 modules: Sequence[str] = EXPERIMENTS, parallel: bool = True) -> None:
        self.out_dir = _directory(out_dir, "out_dir", writable=False)
        self.quick = check_instance(quick, "quick", bool, "True or False")
        self.seed = check_int(seed, "seed", 0)
        self.modules = _modules(modules)
        self.parallel = check_instance(parallel, "parallel", bool, "True or False")
        self._pool: Any = None
        self._pending: list[Any] = []

    def start(self) -> ExperimentRunner:
        """Submit every experiment to the worker (a no-op when not ``parallel``)."""
        if self.parallel and self._pool is None:
            self._pool = multiprocessing.get_context("spawn").Pool(1, _ignore_sigint)
            self._pending = [self._pool.apply_async(run_experiment,
                                                    (m, self.out_dir, self.quick, self.seed))
                             for m in self.modules]
            self._pool.close()
        return self

    def collect(self) -> list[dict[str, Any]]:
        """Wait for every experiment; their records in :attr:`modules` order."""
        if not self.parallel:
            return [run_experiment(m, self.out_dir, self.quick, self.seed) for m in self.modules]
        self.start()
        records = [job.get() for job in self._pending]
        self._pool.join()
        self._pool = None
        return records

    def finished(self) -> list[dict[str, Any]]:
        """The records of the experiments that have finished (after an interrupt)."""
        return [job.get() for job in self._pending if job.ready()]

    def __enter__(self) -> ExperimentRunner:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def assemble_report(base: Mapping[str, Any], environment: Mapping[str, Any],
                    experiments: Sequence[Mapping[str, Any]], *, quick: bool,
                    seconds: float, expected_experiments: Sequence[str] = EXPERIMENTS
                    ) -> dict[str, Any]:
    """``report.json``: the claims' report ``base`` (:func:`verify.report.json_report`) with
    the ``environment``, the ``experiments``' records and ``run`` (``quick``, the instance
    budget in words, the wall ``seconds``).

    An experiment of ``expected_experiments`` (module names) without a record is listed (by
    its short name, as records name it) in ``pending_experiments`` and makes the report
    incomplete; ``ok`` also needs every
    experiment ``ok``.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``base`` is not a claims report, ``environment`` not a dict, ``experiments`` not a
        sequence of records with a ``name``, ``quick`` not a bool or ``seconds`` negative.
    """
    if not (isinstance(base, Mapping) and isinstance(base.get("claims"), list)
            and "instances_requested" in base):
        fail("base", "a report of verify.report.json_report", base)
    check_instance(environment, "environment", Mapping, "a dict (run_metadata.environment)")
    if not (isinstance(experiments, Sequence) and all(
            isinstance(e, Mapping) and isinstance(e.get("name"), str) for e in experiments)):
        fail("experiments", "a sequence of experiment records", experiments)
    check_instance(quick, "quick", bool, "True or False")
    seconds = check_real(seconds, "seconds", minimum=0)
    done = {e["name"] for e in experiments}
    names = [m.rsplit(".", 1)[-1] for m in _modules(expected_experiments, "expected_experiments")]
    pending = [name for name in names if name not in done]
    n = base["instances_requested"]
    budget = (f"{n} per tier (tiers with a cap run fewer)" if n is not None
              else "each claim's default budget") + \
        f"; experiments at their {'quick' if quick else 'full'} settings"
    return dict(base) | {
        "complete": base["complete"] and not pending,
        "ok": base["ok"] and not pending and all(e["ok"] for e in experiments),
        "pending_experiments": pending,
        "run": {"quick": quick, "budget": budget,
                "seconds": round(float(seconds), 3)},
        "environment": dict(environment),
        "experiments": [dict(e) for e in experiments],
    }


def _write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed over it (never partial)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(report: Mapping[str, Any], out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write :data:`REPORT_FILES` for ``report`` (from :func:`assemble_report`) into
    ``out_dir``, which already holds the figures; returns their paths.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``report`` is not such a report (or not strict JSON) or ``out_dir`` is not a
        writable directory (:func:`check_report_dir`).
    OSError
        If writing fails.
    """
    out = _directory(out_dir, "out_dir", writable=True)
    blocks = build_document(report)
    paths = [out / name for name in REPORT_FILES]
    write_json(dict(report), paths[0])
    _write_text(paths[1], render_markdown(blocks))
    _write_text(paths[2], render_html(blocks, out))
    return paths


def report_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of ``report.json`` and of the ``--json`` report,
    shipped in the package as ``verify/schemas/report.schema.json``."""
    text = resources.files("verify").joinpath("schemas/report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
