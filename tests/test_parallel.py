"""Scale-out of ``python -m verify``: worker processes, a Dask cluster, shards and their merge.

Every way of running gives the report of the in-process run with the same seed, compared as
canonical JSON without the wall times, the creation time and the host (``_stable``). The chunk
size is set to one batch (``CHUNK_INSTANCES = 1``) in the calling process, which plans the
chunks, so each tier of the full comparisons runs in several chunks (and the exact tier of the
smoke versions below).

Every test that starts worker processes or a Dask cluster carries the ``extended`` marker (CI
runs them in its second step, ``python -m pytest -m extended``); the default run keeps the same
comparisons for one claim (``wx23.result_b1``, at ``SMOKE_INSTANCES``) with the worker backend
on a thread of this process (``_InProcessPool``), for a merge of two shards, and runs the
workers' initializer (``_limit_threads``) in this process. Likewise, an unreachable scheduler
is refused through a stand-in for ``distributed`` in the default run (through ``distributed``
under ``extended``), and the refusal of missing shards and of another seed use the shards made
once for the module in the default run (new shard runs under ``extended``).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from bad_input_cases import check_every_case
from strategies import smoke_and_full
from test_main import exit_code

import verify.runner as runner
from theory.numbers import InvalidParameterError
from verify.__main__ import main
from verify.parallel import (
    THREAD_VARIABLES,
    ClusterError,
    DaskBackend,
    ProcessBackend,
    WorkerFailure,
    _check_workers,
    _chunk_task,
    _limit_threads,
    package_versions,
    source_fingerprint,
)
from verify.runner import Chunk
from verify.shards import MergeError, Shard, merge_shards, parse_shard

#: Cheap claims with exact, mpmath and float tiers, batches of 10 to 100 instances.
CLAIMS = ("byjl25.lemma3.1", "wx23.result_b1", "wx23.result_a.relu")
#: Instances per tier: 1 to 3 batches per tier for the batch sizes of ``CLAIMS``.
INSTANCES = "26"
#: Instances per tier of the default run's smoke versions (``wx23.result_b1`` alone): the exact
#: tier in two chunks (batches of 10), the float64 tier in one (batches of 20), at half the cost.
SMOKE_INSTANCES = "12"
#: Fields that legitimately differ between runs: wall times, creation time, host.
VOLATILE = ("created", "versions")


@pytest.fixture(autouse=True)
def _one_batch_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "CHUNK_INSTANCES", 1)


def _argv(path: Path, *extra: str, claims: tuple[str, ...] = CLAIMS,
          instances: str = INSTANCES) -> list[str]:
    argv = ["--instances", instances, "--seed", "7", "--no-progress", "--json", str(path)]
    for claim in claims:
        argv += ["--claim", claim]
    return argv + list(extra)


def _stable(path: Path) -> str:
    """The report at ``path`` as canonical JSON without its volatile fields."""
    report = json.loads(path.read_text())
    for key in VOLATILE:
        report.pop(key)
    for claim in report["claims"]:
        for tier in claim["tiers"]:
            tier.pop("seconds")
    return json.dumps(report, indent=2, sort_keys=True)


def _in_process(directory: Path, claims: tuple[str, ...], instances: str = INSTANCES) -> str:
    """The in-process report of ``claims`` (seed 7), as ``_stable`` gives it."""
    path = directory / "r.json"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "CHUNK_INSTANCES", 1)
        assert main(_argv(path, claims=claims, instances=instances)) == 0
    text = _stable(path)
    report = json.loads(text)
    assert [c["id"] for c in report["claims"]] == list(claims)
    assert all(t["ok"] for c in report["claims"] for t in c["tiers"])
    return text


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The in-process report of ``CLAIMS`` (seed 7), made once for the module."""
    return _in_process(tmp_path_factory.mktemp("in_process"), CLAIMS)


@pytest.fixture(scope="module")
def in_process_b1(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The in-process report of ``wx23.result_b1`` alone (seed 7), made once for the module."""
    return _in_process(tmp_path_factory.mktemp("in_process_b1"), CLAIMS[1:2])


@pytest.fixture(scope="module")
def smoke_b1(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The in-process report of ``wx23.result_b1`` at ``SMOKE_INSTANCES`` (seed 7)."""
    return _in_process(tmp_path_factory.mktemp("smoke_b1"), CLAIMS[1:2], SMOKE_INSTANCES)


def _subset(report: str, claims: tuple[str, ...]) -> str:
    """The report of a run of ``claims`` cut from ``report`` (a run of more claims, with the
    same parameters and no Theorem 4.1 claim)."""
    whole = json.loads(report)
    whole["claims"] = [c for c in whole["claims"] if c["id"] in claims]
    return json.dumps(whole, indent=2, sort_keys=True)


def _chunks_per_tier(claims: tuple[str, ...] = CLAIMS) -> list[int]:
    from verify.registry import get_claim

    plan = runner.plan_chunks([get_claim(c) for c in claims], int(INSTANCES))
    counts: dict[tuple[str, int], int] = {}
    for c in plan:
        counts[(c.claim_id, c.tier_index)] = counts.get((c.claim_id, c.tier_index), 0) + 1
    return list(counts.values())


def test_the_comparison_runs_several_chunks_per_tier():
    assert min(_chunks_per_tier()) >= 1 and sum(n > 1 for n in _chunks_per_tier()) >= 5


# ------------------------------------------------------------------ worker processes
class _InProcessPool(ThreadPoolExecutor):
    """``ProcessPoolExecutor``'s interface on one thread of this process: the worker
    backend's submission, result and merge code without starting (spawning) a process.
    ``opened`` lists the worker count asked for by each pool opened."""

    opened: list[int] = []

    def __init__(self, max_workers: int, mp_context: Any, initializer: Any) -> None:
        super().__init__(max_workers=1)  # one thread: the claims share mpmath's precision
        self.opened.append(max_workers)


@pytest.fixture
def in_process_pool(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """``ProcessBackend`` runs its chunks on :class:`_InProcessPool`; ``_chunk_task`` loads
    the claims into a registry that is restored and leaves this process's threads alone.
    The worker counts of the pools opened during the test."""
    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", _InProcessPool)
    monkeypatch.setattr("verify.parallel._limit_threads", lambda: None)
    monkeypatch.setattr("verify.parallel._CLAIMS", {})
    monkeypatch.setattr(_InProcessPool, "opened", [])
    return _InProcessPool.opened


def test_the_worker_backend_gives_the_in_process_report(tmp_path, in_process_pool, smoke_b1):
    """Smoke version of the test below, on ``_InProcessPool``."""
    path = tmp_path / "w2.json"
    assert main(_argv(path, "--workers", "2", claims=CLAIMS[1:2],
                      instances=SMOKE_INSTANCES)) == 0
    assert in_process_pool == [2]  # the run went through the worker backend
    assert _stable(path) == smoke_b1


@pytest.mark.extended  # worker processes (seconds); in process: the test above
@pytest.mark.parametrize(("claims", "reference"), [
    pytest.param(CLAIMS[1:2], "in_process_b1", id="one-claim"),
    pytest.param(CLAIMS, "in_process", id="all-claims"),
])
def test_two_workers_give_the_in_process_report(tmp_path, request, claims, reference):
    path = tmp_path / "w2.json"
    assert main(_argv(path, "--workers", "2", claims=claims)) == 0
    assert _stable(path) == request.getfixturevalue(reference)


@pytest.mark.extended
def test_worker_count_dependent_seeding_is_caught(tmp_path, in_process_b1, monkeypatch):
    """Negative control: seeds that depend on the number of workers change the report, and the
    comparison above notices."""
    real = ProcessBackend.map_chunks
    monkeypatch.setattr(ProcessBackend, "map_chunks",
                        lambda self, chunks, seed: real(self, chunks, seed + self.workers))
    path = tmp_path / "w2.json"
    assert main(_argv(path, "--workers", "2", claims=CLAIMS[1:2])) == 0
    assert _stable(path) != in_process_b1
    ours, theirs = json.loads(_stable(path)), json.loads(in_process_b1)
    assert ours["seed"] == theirs["seed"] == 7
    changed = [t["tier"] for t, u in zip(ours["claims"][0]["tiers"], theirs["claims"][0]["tiers"])
               if t["worst_margin"] != u["worst_margin"]]
    assert changed == ["float64 (scan core)"]  # other draws (the exact tier stays 'exact')


@pytest.mark.parametrize("pool", smoke_and_full("in_process_pool", "worker processes"))
def test_a_claim_unknown_to_the_workers_is_a_worker_failure(request, pool):
    opened = request.getfixturevalue(pool) if pool == "in_process_pool" else None
    chunk = Chunk(0, "test.only.here", 0, 0, 1, 1)
    with ProcessBackend(1) as backend, pytest.raises(WorkerFailure, match="test.only.here"):
        list(backend.map_chunks([chunk], 0))
    assert opened is None or opened == [1]  # the smoke version ran on _InProcessPool


def test_a_worker_refuses_other_versions(monkeypatch):
    limited = []
    monkeypatch.setattr("verify.parallel._limit_threads", lambda: limited.append(True))
    monkeypatch.setattr("verify.parallel._CLAIMS", {})
    chunk = Chunk(0, "wx23.result_b1", 1, 0, 1, 1)
    versions = package_versions() | {"numpy": "0.0.1"}
    with pytest.raises(WorkerFailure, match=r"numpy \S+ \(here 0\.0\.1\)"):
        _chunk_task(chunk, 0, versions)
    assert _chunk_task(chunk, 0, package_versions()).instances == 1
    assert limited == [True]  # once per worker process


def test_limit_threads_leaves_one_thread_and_sets_the_variables(monkeypatch):
    """In process, the initializer of every worker (spawned in the test below)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    for name in THREAD_VARIABLES:
        monkeypatch.setenv(name, "2")
    with threadpool_limits(limits=2):  # restored afterwards
        assert all(p["num_threads"] == 2 for p in threadpool_info())
        _limit_threads()
        pools = threadpool_info()
    assert pools and all(p["num_threads"] == 1 for p in pools)
    assert all(os.environ[name] == "1" for name in THREAD_VARIABLES)


@pytest.mark.extended  # a worker process (seconds); in process: the test above
def test_workers_run_one_blas_thread(monkeypatch):
    from threadpoolctl import threadpool_info

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)  # the worker must set it itself

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=_limit_threads) as pool:
        pools = pool.submit(threadpool_info).result(timeout=120)
        env = pool.submit(os.getenv, "OPENBLAS_NUM_THREADS").result(timeout=120)
    assert env == "1" and pools and all(p["num_threads"] == 1 for p in pools)


def test_the_source_fingerprint_tells_checkouts_apart(monkeypatch):
    here = source_fingerprint.__wrapped__()  # uncached: this test reads the tree as it is now
    assert len(here) == 16 and int(here, 16) >= 0
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: real(self) + (
        b"# edited\n" if self.name == "runner.py" else b""))
    assert source_fingerprint.__wrapped__() != here


def test_backends_need_a_with_block():
    with pytest.raises(InvalidParameterError, match="^backend: expected an open backend"):
        list(ProcessBackend(1).map_chunks([], 0))


# ------------------------------------------------------------------ Dask
@pytest.mark.extended
def test_local_dask_cluster_gives_the_in_process_report(tmp_path, in_process):
    distributed = pytest.importorskip(
        "distributed", reason="the optional extra 'distributed' is not installed")
    path = tmp_path / "dask.json"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        assert main(_argv(path, "--scheduler", cluster.scheduler_address,
                          claims=CLAIMS[1:2])) == 0
    assert _stable(path) == _subset(in_process, CLAIMS[1:2])


class _FakeClient:
    """A Dask client whose workers report ``versions``."""

    def __init__(self, versions: dict[str, dict[str, str]], joins: bool = True) -> None:
        self.versions, self.joins = versions, joins

    def wait_for_workers(self, n: int, timeout: float) -> None:
        if not self.joins:
            raise TimeoutError

    def run(self, fn: Any) -> dict[str, dict[str, str]]:
        assert fn is package_versions
        return self.versions


def test_dask_workers_with_other_versions_are_refused():
    ours = package_versions()
    _check_workers(_FakeClient({"tcp://a:1": ours, "tcp://b:2": ours}), "tcp://s:8786")
    old = ours | {"ssm-theory-verify": "0.0.1"}
    with pytest.raises(ClusterError, match=r"tcp://b:2: ssm-theory-verify 0\.0\.1 \(here "):
        _check_workers(_FakeClient({"tcp://a:1": ours, "tcp://b:2": old}), "tcp://s:8786")
    other_tree = ours | {"source": "0" * 16}
    with pytest.raises(ClusterError, match=f"tcp://a:1: source 0{{16}} \\(here {ours['source']}"):
        _check_workers(_FakeClient({"tcp://a:1": other_tree}), "tcp://s:8786")
    with pytest.raises(ClusterError, match="no worker joined .* dask worker tcp://s:8786"):
        _check_workers(_FakeClient({}, joins=False), "tcp://s:8786")


def test_scheduler_without_the_extra_names_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert main(_argv(tmp_path / "r.json", "--scheduler", "tcp://127.0.0.1:8786")) == 2
    err = capsys.readouterr().err
    assert "--scheduler needs the optional extra 'distributed'" in err
    assert "ssm-theory-verify[distributed]" in err
    assert not (tmp_path / "r.json").exists()


class _RefusingClient:
    """``distributed.Client`` for a port where no scheduler listens: connecting times out."""

    def __init__(self, address: str, timeout: float, set_as_default: bool) -> None:
        raise OSError(f"Timed out trying to connect to {address} after {timeout} s")


# The smoke version puts a stand-in for distributed in place (importing distributed takes a
# second); the full version connects with distributed itself.
@pytest.mark.parametrize("dask", smoke_and_full("stand-in", "distributed"))
def test_unreachable_scheduler_exits_2(monkeypatch, tmp_path, capsys, dask):
    if dask == "stand-in":
        monkeypatch.setitem(sys.modules, "distributed", SimpleNamespace(Client=_RefusingClient))
    else:
        pytest.importorskip("distributed",
                            reason="the optional extra 'distributed' is not installed")
    monkeypatch.setattr("verify.parallel.CONNECT_SECONDS", 0.2)
    assert main(_argv(tmp_path / "r.json", "--scheduler", "tcp://127.0.0.1:9")) == 2
    assert "cannot connect to the Dask scheduler at tcp://127.0.0.1:9" in \
        capsys.readouterr().err


def test_dask_backend_rejects_a_bad_address():
    with pytest.raises(InvalidParameterError, match="^address: expected a scheduler address"):
        DaskBackend("  ")


# ------------------------------------------------------------------ shards and merge
def _shard(directory: Path, shard: str, layout: str = "interleaved", seed: str = "7",
           claims: tuple[str, ...] = CLAIMS, *extra: str, instances: str = INSTANCES) -> Path:
    """Run shard ``shard`` ("I/N") of the run of ``claims``; the path of its report."""
    path = directory / f"shard{shard.replace('/', 'of')}-{layout}-{seed}-{len(claims)}.json"
    argv = _argv(path, "--shard", shard, "--shard-layout", layout, *extra, claims=claims,
                 instances=instances)
    argv[argv.index("--seed") + 1] = seed
    assert main(argv) == 0
    return path


@pytest.fixture(scope="module")
def small_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Shards 0/2 and 1/2 of a run of ``wx23.result_b1`` alone at ``SMOKE_INSTANCES`` (made
    once for the module)."""
    directory = tmp_path_factory.mktemp("shards")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "CHUNK_INSTANCES", 1)
        return tuple(_shard(directory, shard, claims=CLAIMS[1:2], instances=SMOKE_INSTANCES)
                     for shard in ("0/2", "1/2"))


@pytest.mark.extended
@pytest.mark.parametrize(("layout", "workers"), [("contiguous", ()), ("interleaved", ("2",))])
def test_merged_shards_give_the_in_process_report(tmp_path, in_process, layout, workers,
                                                  capsys):
    """Two shards (the second on two worker processes when ``workers``) merged."""
    paths = [_shard(tmp_path, "0/2", layout),
             _shard(tmp_path, "1/2", layout, "7", CLAIMS, *(("--workers", *workers)
                                                            if workers else ()))]
    shards = [json.loads(p.read_text()) for p in paths]
    covered = [s["shard"]["chunks"] for s in shards]
    assert shards[0]["kind"] == "shard" and shards[1]["shard"]["index"] == 1
    assert sorted(covered[0] + covered[1]) == list(range(shards[0]["total_chunks"]))
    if layout == "interleaved":
        assert all(k % 2 == 0 for k in covered[0]) and all(k % 2 for k in covered[1])
    else:
        assert max(covered[0]) < min(covered[1])
    out = tmp_path / "merged.json"
    capsys.readouterr()
    assert main(["--merge", *map(str, reversed(paths)), "--json", str(out)]) == 0
    assert re.search(r"\b(\d+) checks, \1 as expected", capsys.readouterr().out)
    assert _stable(out) == in_process


def test_merged_small_pair_gives_the_in_process_report(tmp_path, small_pair, smoke_b1, capsys):
    """Smoke version of the test above: the two shards of one claim, merged."""
    out = tmp_path / "merged.json"
    assert main(["--merge", *map(str, reversed(small_pair)), "--json", str(out)]) == 0
    assert re.search(r"\b(\d+) checks, \1 as expected", capsys.readouterr().out)
    assert _stable(out) == smoke_b1


def test_merge_refuses_overlapping_shards(small_pair, capsys):
    a, b = small_pair
    assert main(["--merge", str(a), str(b), str(a)]) == 2
    assert f"--merge: {a}: chunk 0 is also in {a} (overlapping shards)" in \
        capsys.readouterr().err


# The smoke version merges the first shard of ``small_pair`` alone; the full version runs two
# new shards (the first and the last of three, contiguous).
@pytest.mark.parametrize("given", smoke_and_full("0 of 2", "0 and 2 of 3"))
def test_merge_refuses_missing_shards(tmp_path, small_pair, capsys, given):
    if given == "0 of 2":
        paths, missing = [small_pair[0]], "1/2 (interleaved)"
    else:
        paths = [_shard(tmp_path, f"{i}/3", "contiguous", claims=CLAIMS[1:2]) for i in (0, 2)]
        missing = "1/3 (contiguous)"
    assert main(["--merge", *map(str, paths)]) == 2
    err = capsys.readouterr().err
    assert f"the shards given ({', '.join(map(str, paths))}) do not cover" in err
    assert f"missing shard(s) {missing}" in err


# The smoke version changes the seed recorded in the second shard of ``small_pair``; the full
# version runs that shard with seed 8.
@pytest.mark.parametrize("made", smoke_and_full("edited", "run"))
def test_merge_refuses_shards_of_another_seed(tmp_path, small_pair, capsys, made):
    if made == "edited":
        other = tmp_path / "seed8.json"
        other.write_text(json.dumps(json.loads(small_pair[1].read_text()) | {"seed": 8}))
    else:
        other = _shard(tmp_path, "1/2", seed="8", claims=CLAIMS[1:2], instances=SMOKE_INSTANCES)
    assert main(["--merge", str(small_pair[0]), str(other)]) == 2
    assert f"--merge: {other}: seed 8 differs from 7 in {small_pair[0]} (shards of different " \
           "runs)" in capsys.readouterr().err


EDITS = [
    (lambda r: r.update(instances_requested=44), f"instances_requested 44 differs from "
     f"{SMOKE_INSTANCES}"),
    (lambda r: r.update(claims=["wx23.result_a.relu"]), "claims ['wx23.result_a.relu'] differs"),
    (lambda r: r["versions"].update(numpy="0.0.1"), "versions {"),
    (lambda r: r["chunks"][0].update(first_batch=99), "is not the chunk of that index"),
    (lambda r: r["chunks"][0].update(violations=-1), "violations: expected an integer"),
    (lambda r: r["chunks"][0].update(worst_margin="big"), "worst_margin 'big' is not a number"),
    (lambda r: r["shard"].update(chunks=[]), "are not the chunks its shard lists"),
    (lambda r: r.update(kind="report"), "not a shard report"),
]


def test_merge_refuses_edited_shards_naming_the_file(tmp_path, small_pair, capsys):
    def check(edit, message):
        b = tmp_path / "edited.json"
        report = json.loads(small_pair[1].read_text())
        edit(report)
        b.write_text(json.dumps(report))
        capsys.readouterr()
        assert main(["--merge", str(small_pair[0]), str(b)]) == 2
        assert f"--merge: {b}: " in (err := capsys.readouterr().err) and message in err

    check_every_case(check, EDITS)


def test_merge_refuses_other_versions_than_its_own(tmp_path, small_pair, capsys, monkeypatch):
    """Shards of a run with other versions than the merging process's (verdicts come from the
    local registry)."""
    monkeypatch.setattr("verify.shards.package_versions",
                        lambda: package_versions() | {"ssm-theory-verify": "9.9"})
    assert main(["--merge", *map(str, small_pair)]) == 2
    assert "this process has" in capsys.readouterr().err


def test_merge_refuses_unreadable_files(tmp_path, capsys):
    (tmp_path / "bad.json").write_text("{not json")
    for name in ("bad.json", "missing.json"):
        assert main(["--merge", str(tmp_path / name)]) == 2
        assert f"{tmp_path / name}: cannot read a shard report" in capsys.readouterr().err


def test_merge_api(tmp_path, small_pair):
    merged = merge_shards(list(small_pair))
    assert merged.seed == 7 and merged.instances == int(SMOKE_INSTANCES)
    assert [r.claim.id for r in merged.results] == [CLAIMS[1]] and merged.results[0].ok
    with pytest.raises(MergeError, match="cannot read"):
        merge_shards([tmp_path / "missing.json"])
    with pytest.raises(InvalidParameterError, match="^paths: expected"):
        merge_shards([])


def test_shard_selection():
    plan = runner.plan_chunks([__import__("verify.registry").registry.get_claim(CLAIMS[1])], 45)
    assert [c.index for c in Shard(1, 3).select(plan)] == [1, 4]
    assert [c.index for c in Shard(1, 3, "contiguous").select(plan)] == [2, 3]
    every = sorted(c.index for i in range(4) for c in Shard(i, 4, "contiguous").select(plan))
    assert every == list(range(len(plan)))
    assert str(parse_shard("2/5")) == "2/5"


# ------------------------------------------------------------------ bad usage
BAD_USAGE = [
    (["--workers", "0"], "--workers: expected an integer >= 1, got 0"),
    (["--workers", "two"], "--workers: expected an integer >= 1, got 'two'"),
    (["--shard", "3/2"], "--shard: expected I/N with integers 0 <= I < N (shard I of N), got "
     "'3/2'"),
    (["--shard", "2/2"], "got '2/2'"),
    (["--shard", "x"], "--shard: expected I/N with integers 0 <= I < N"),
    (["--shard=-1/2"], "got '-1/2'"),
    (["--shard", "0/0"], "got '0/0'"),
    (["--shard", "0/2"], "--shard needs --json PATH"),
    (["--workers", "2", "--scheduler", "tcp://h:8786"], "not allowed with argument"),
    (["--merge", "a.json", "--seed", "3"], "--merge takes the run's parameters from the "
     "shards: drop --seed"),
    (["--merge", "a.json", "--workers", "2"], "drop --workers"),
    (["--search", "byjl25.thm4.2", "--workers", "2"], "--workers applies to a run of the "
     "claims"),
    (["--shard", "0/2", "--report", "out"], "--report"),
]


def test_bad_scale_out_usage_exits_2(capsys, monkeypatch):
    monkeypatch.setattr("verify.__main__.run_claims", _refuse_to_run)

    def check(argv, message):
        capsys.readouterr()
        assert exit_code(argv) == 2
        assert message in capsys.readouterr().err

    check_every_case(check, BAD_USAGE)


def _refuse_to_run(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the run must not start")


def test_shard_rejects_bad_input():
    def check(args, name):
        with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
            Shard(*args)

    check_every_case(check, [((-1, 2), "index"), ((2, 2), "index"), ((0, 0), "count"),
                             ((0, 2, "random"), "layout"), ((0.5, 2), "index")])
