"""Tests of verify.runner: verdicts, seeding, errors, violations and findings."""

import math
import zlib
from itertools import product

import numpy as np
import pytest
from bad_input_cases import check_every_case
from hypothesis import given
from hypothesis import strategies as st

import verify.runner as runner_module
from theory.numbers import InvalidParameterError
from verify.registry import Claim, Tier
from verify.runner import (
    CHUNK_INSTANCES,
    DEFAULT_SHARE,
    MAX_INSTANCES,
    SHARE_FLOOR,
    Chunk,
    RunInterrupted,
    _tier_budget,
    iter_rows,
    plan_chunks,
    progress_style,
    reduce_chunks,
    run_chunk,
    run_claim,
    run_claims,
    run_tier,
    verdict_of,
)


def _claim(check, expected="holds", n_batch=7, cid="test.runner", unit=None):
    return Claim(
        id=cid, paper="WX23", reference="Result 0", provenance="rebuilt", statement="s",
        margin="m", expected=expected,
        tiers=(Tier("float64", lambda rng, n: rng.uniform(-1, 1, n), check,
                    lambda xs, i: {"x": float(xs[i])}, batch=n_batch, unit=unit),),
    )


def test_verdicts():
    assert verdict_of("holds", 10, 0) == ("holds", True)
    assert verdict_of("holds", 10, 1) == ("VIOLATED", False)
    assert verdict_of("finding", 10, 2) == ("finding confirmed", True)
    assert verdict_of("finding", 10, 0) == ("finding NOT reproduced", False)


def test_holding_claim_reports_worst_margin_and_instance():
    res = run_claim(_claim(lambda xs: 2 - np.abs(xs)), instances=50, seed=3)
    (t,) = res.tiers
    assert res.ok and t.verdict == "holds" and t.instances == 50 and t.violations == 0
    assert t.worst_margin == pytest.approx(2 - abs(t.worst_instance["x"]))
    assert 1 <= t.worst_margin <= 2


def test_violation_is_reported_with_certificate():
    # deliberately broken: negative margin whenever x > 0.5
    res = run_claim(_claim(lambda xs: 0.5 - xs), instances=100, seed=0)
    (t,) = res.tiers
    assert not res.ok and t.verdict == "VIOLATED" and t.violations > 0
    assert t.first_violation["x"] > 0.5
    assert t.worst_margin < 0


def test_nan_margin_counts_as_violation():
    res = run_claim(_claim(lambda xs: np.full(len(xs), np.nan)), instances=5)
    assert res.tiers[0].violations == 5 and not res.ok


def test_finding_expected_to_fail():
    res = run_claim(_claim(lambda xs: -np.ones(len(xs)), expected="finding"), instances=5)
    assert res.ok and res.tiers[0].verdict == "finding confirmed"
    res = run_claim(_claim(lambda xs: np.ones(len(xs)), expected="finding"), instances=5)
    assert not res.ok


def test_exception_becomes_error_verdict():
    def boom(xs):
        raise ZeroDivisionError("broken check")

    res = run_claim(_claim(boom), instances=5)
    (t,) = res.tiers
    assert t.verdict == "ERROR" and not t.ok and "broken check" in t.error


def test_wrong_number_of_margins_is_an_error():
    res = run_claim(_claim(lambda xs: [1.0]), instances=5)
    assert res.tiers[0].verdict == "ERROR"


def test_same_seed_same_result_different_seed_differs():
    c = _claim(lambda xs: 2 - np.abs(xs))
    a = run_claim(c, instances=30, seed=11).tiers[0]
    b = run_claim(c, instances=30, seed=11).tiers[0]
    d = run_claim(c, instances=30, seed=12).tiers[0]
    assert a.worst_margin == b.worst_margin and a.worst_instance == b.worst_instance
    assert a.worst_margin != d.worst_margin


def test_seeds_do_not_depend_on_other_claims():
    c1 = _claim(lambda xs: 2 - np.abs(xs), cid="test.one")
    c2 = _claim(lambda xs: 3 - np.abs(xs), cid="test.two")
    alone = run_claims([c2], instances=20, seed=5, show_progress=False)[0].tiers[0]
    after = run_claims([c1, c2], instances=20, seed=5, show_progress=False)[1].tiers[0]
    assert alone.worst_margin == after.worst_margin


def test_instances_default_to_claim_budget():
    c = _claim(lambda xs: np.ones(len(xs)))
    assert run_claim(c).tiers[0].instances == c.default_instances
    assert not math.isnan(run_claim(c).tiers[0].seconds)


def test_an_instance_that_is_both_worst_and_first_violation_is_described_once():
    calls = []

    def describe(xs, i):
        calls.append(i)
        return {"x": float(xs[i])}

    c = Claim(id="test.describe", paper="WX23", reference="Result 0", provenance="rebuilt",
              statement="s", margin="m", expected="finding",
              tiers=(Tier("float64", lambda rng, n: np.arange(n, dtype=float),
                          lambda xs: xs - 1.0 - 2.0 * (xs == 0), describe, batch=7),))
    (t,) = run_claim(c, instances=7).tiers  # margins -3, 0, 1, ...: instance 0 violates
    assert t.violations == 1 and t.worst_margin == -3.0
    assert t.first_violation == t.worst_instance == {"x": 0.0}
    assert calls == [0]
    calls.clear()
    c2 = Claim(id="test.describe2", paper="WX23", reference="Result 0", provenance="rebuilt",
               statement="s", margin="m", expected="finding",
               tiers=(Tier("float64", lambda rng, n: np.arange(n, dtype=float),
                           lambda xs: -1.0 - xs, describe, batch=7),))
    (t,) = run_claim(c2, instances=7).tiers  # first violation 0, worst 6: both described
    assert t.first_violation == {"x": 0.0} and t.worst_instance == {"x": 6.0}
    assert calls == [0, 6]


def _budget_claim(default, max_instances=None):
    return Claim(
        id="test.budget", paper="WX23", reference="Result 0", provenance="rebuilt",
        statement="s", margin="m", default_instances=default,
        tiers=(Tier("float64", lambda rng, n: rng.uniform(-1, 1, n), lambda xs: 2 - np.abs(xs),
                    lambda xs, i: {"x": float(xs[i])}, batch=7),
               Tier("capped", lambda rng, n: rng.uniform(-1, 1, n), lambda xs: 2 - np.abs(xs),
                    lambda xs, i: {"x": float(xs[i])}, batch=7,
                    max_instances=max_instances)),
    )


#: Cases ``(default, cap, share, expected)`` of the test below.
TIER_BUDGETS = [
    (200, 30, 1, (200, 30)),      # the full budget
    (200, 30, 10, (20, 5)),       # a tenth, at least SHARE_FLOOR
    (201, 30, 10, (21, 5)),       # rounded up
    (200, 3, 10, (20, 3)),        # a tier below the floor runs all of its budget
    (4, None, 10, (4, 4)),
    (49, 49, 10, (5, 5)),         # ceil(49/10) = 5 = the floor
    (60, 60, 10, (6, 6)),         # one above the floor: the share, not the floor
    (200, 30, 200, (5, 5)),
]


def _tier_budget_is_a_share_of_the_full_budget_with_a_floor(default, cap, share, expected):
    c = _budget_claim(default, cap)
    assert tuple(_tier_budget(c, i, None, share) for i in range(2)) == expected
    # an explicit count ignores the share; tiers still cap it
    assert tuple(_tier_budget(c, i, 40, share) for i in range(2)) == (40, min(40, cap or 40))


def test_tier_budget_is_a_share_of_the_full_budget_with_a_floor() -> None:
    """Tier budget is a share of the full budget with a floor: every case of ``TIER_BUDGETS``."""
    check_every_case(
        _tier_budget_is_a_share_of_the_full_budget_with_a_floor,
        TIER_BUDGETS)


def test_default_share_and_floor():
    assert DEFAULT_SHARE == 20 and SHARE_FLOOR == 5


#: Cases ``(args, name)`` of :func:`test_tier_budget_rejects_bad_share`.
BAD_SHARES = [
    ((0,), "share"), ((-1,), "share"), ((1.5,), "share"), ((True,), "share"),
]


def _tier_budget_rejects_bad_share(args, name):
    with pytest.raises(InvalidParameterError, match=name):
        _tier_budget(_budget_claim(200, 30), 0, None, *args)
    with pytest.raises(InvalidParameterError, match=name):
        run_claims([_budget_claim(200, 30)], None, 0, show_progress=False, share=args[0])
    with pytest.raises(InvalidParameterError, match=name):
        plan_chunks([_budget_claim(200, 30)], None, share=args[0])


def test_tier_budget_rejects_bad_share() -> None:
    """Tier budget rejects bad share: every case of ``BAD_SHARES``."""
    check_every_case(_tier_budget_rejects_bad_share, BAD_SHARES)


def test_tier_budget_rejects_bad_claim_tier_and_instances():
    c = _budget_claim(200, 30)
    with pytest.raises(InvalidParameterError, match="claim"):
        _tier_budget("test.budget", 0)
    with pytest.raises(InvalidParameterError, match="tier_index"):
        _tier_budget(c, 2)
    with pytest.raises(InvalidParameterError, match="instances"):
        _tier_budget(c, 0, 0)


def test_a_reduced_share_checks_a_prefix_of_the_full_run():
    """The reduced run draws the full run's first instances (same seed and batches): its
    worst margin is never below the full run's, and equal when the full run's worst instance
    is among the first ones."""
    c = _budget_claim(200, 30)
    full = run_claims([c], None, 4, show_progress=False)[0].tiers
    part = run_claims([c], None, 4, show_progress=False, share=10)[0].tiers
    assert [t.instances for t in full] == [200, 30]
    assert [t.instances for t in part] == [20, 5]
    for f, p in zip(full, part):
        assert p.worst_margin >= f.worst_margin
    plan = plan_chunks([c], None, share=10)
    assert [(ch.tier_index, ch.total) for ch in plan] == [(0, 20), (1, 5)]
    first = run_tier(c, 0, 20, 4)  # the same 20 instances as an explicit count
    assert (first.worst_margin, first.worst_instance) == (part[0].worst_margin,
                                                           part[0].worst_instance)


# ------------------------------------------------------------------ interrupts and bounds
def _interrupting_claim(cid, after_tiers):
    """A two-tier claim whose tier ``after_tiers`` is hit by Ctrl-C (no interrupt if >= 2)."""
    def check_ok(xs):
        return np.ones(len(xs))

    def check_interrupt(xs):
        raise KeyboardInterrupt

    checks = [check_interrupt if i == after_tiers else check_ok for i in range(2)]
    return Claim(
        id=cid, paper="WX23", reference="Result 0", provenance="rebuilt", statement="s",
        margin="m",
        tiers=tuple(Tier(f"tier{i}", lambda rng, n: rng.uniform(-1, 1, n), check,
                         lambda xs, i: {"x": float(xs[i])}) for i, check in enumerate(checks)),
    )


def test_keyboard_interrupt_is_not_an_error_row():
    with pytest.raises(RunInterrupted) as info:
        run_claim(_interrupting_claim("test.ki", 0), instances=3)
    assert info.value.results == [] and info.value.pending == ["test.ki"]
    assert isinstance(info.value, KeyboardInterrupt)  # callers that do not know it still stop


def test_run_claim_interrupt_keeps_finished_tiers():
    with pytest.raises(RunInterrupted) as info:
        run_claim(_interrupting_claim("test.ki", 1), instances=3)
    (partial,) = info.value.results
    assert [t.tier for t in partial.tiers] == ["tier0"] and partial.tiers[0].ok
    assert not partial.complete and not partial.ok  # a partial claim is never "as expected"


def test_run_claims_interrupt_carries_rows_and_pending_ids():
    claims = [_interrupting_claim("test.a", 2), _interrupting_claim("test.b", 1),
              _interrupting_claim("test.c", 2)]
    with pytest.raises(RunInterrupted) as info:
        run_claims(claims, instances=4, seed=1, show_progress=False)
    results = info.value.results
    assert [r.claim.id for r in results] == ["test.a", "test.b"]
    assert results[0].complete and results[0].ok and len(results[1].tiers) == 1
    assert info.value.pending == ["test.b", "test.c"]


def test_complete_claim_result():
    res = run_claim(_interrupting_claim("test.ok", 2), instances=2)
    assert res.complete and res.ok and len(res.tiers) == 2


def test_max_instances_is_accepted_and_one_more_refused():
    c = _claim(lambda xs: np.ones(len(xs)), n_batch=MAX_INSTANCES)
    assert run_claim(c, instances=MAX_INSTANCES).tiers[0].instances == MAX_INSTANCES
    with pytest.raises(InvalidParameterError, match="^instances: .*<= 100000"):
        run_claim(c, instances=MAX_INSTANCES + 1)


def test_tiers_stream_in_batches():
    """A tier never asks the sampler for more than one batch at a time."""
    sizes = []

    def sample(rng, n):
        sizes.append(n)
        return rng.uniform(-1, 1, n)

    claim = Claim(id="test.stream", paper="WX23", reference="r", provenance="rebuilt",
                  statement="s", margin="m",
                  tiers=(Tier("float64", sample, lambda xs: np.ones(len(xs)),
                              lambda xs, i: float(xs[i]), batch=7),))
    assert run_claim(claim, instances=30).tiers[0].instances == 30
    assert sizes == [7, 7, 7, 7, 2]


# ------------------------------------------------------------------ bad input
_GOOD = _claim(lambda xs: np.ones(len(xs)))


#: Cases ``(kwargs, name)`` of :func:`test_run_tier_rejects_bad_input`.
BAD_RUN_TIER_INPUT = (
    [({"claim": "byjl25.lemma3.1"}, "claim"), ({"tier_index": 1}, "tier_index"),
     ({"tier_index": -1}, "tier_index"), ({"tier_index": 0.5}, "tier_index"),
     ({"instances": 0}, "instances"), ({"instances": -1}, "instances"),
     ({"instances": 2.5}, "instances"), ({"instances": float("nan")}, "instances"),
     ({"instances": None}, "instances"), ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"),
     ({"progress": object()}, "progress")]
)


def _run_tier_rejects_bad_input(kwargs, name):
    args = {"claim": _GOOD, "tier_index": 0, "instances": 3, "seed": 0} | kwargs
    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        run_tier(**args)


def test_run_tier_rejects_bad_input() -> None:
    """Run tier rejects bad input: every case of ``BAD_RUN_TIER_INPUT``."""
    check_every_case(_run_tier_rejects_bad_input, BAD_RUN_TIER_INPUT)


#: Cases ``(kwargs, name)`` of :func:`test_run_claim_rejects_bad_input`.
BAD_RUN_CLAIM_INPUT = (
    [({"claim": None}, "claim"), ({"instances": 0}, "instances"),
     ({"instances": True}, "instances"), ({"seed": -2}, "seed"), ({"seed": "0"}, "seed")]
)


def _run_claim_rejects_bad_input(kwargs, name):
    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        run_claim(**({"claim": _GOOD} | kwargs))


def test_run_claim_rejects_bad_input() -> None:
    """Run claim rejects bad input: every case of ``BAD_RUN_CLAIM_INPUT``."""
    check_every_case(_run_claim_rejects_bad_input, BAD_RUN_CLAIM_INPUT)


#: Cases ``(kwargs, name)`` of :func:`test_run_claims_rejects_bad_input`.
BAD_RUN_CLAIMS_INPUT = (
    [({"claims": "test.runner"}, "claims"), ({"claims": [_GOOD, 3]}, "claims"),
     ({"claims": _GOOD}, "claims"), ({"instances": 0}, "instances"),
     ({"instances": MAX_INSTANCES + 1}, "instances"), ({"seed": -1}, "seed"),
     ({"show_progress": "yes"}, "show_progress"), ({"on_result": "print"}, "on_result")]
)


def _run_claims_rejects_bad_input(kwargs, name):
    args = {"claims": [_GOOD], "instances": 2, "show_progress": False} | kwargs
    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        run_claims(**args)


def test_run_claims_rejects_bad_input() -> None:
    """Run claims rejects bad input: every case of ``BAD_RUN_CLAIMS_INPUT``."""
    check_every_case(_run_claims_rejects_bad_input, BAD_RUN_CLAIMS_INPUT)


#: Cases ``(args, name)`` of :func:`test_verdict_of_rejects_bad_input`.
BAD_VERDICT_OF_INPUT = (
    [(("maybe", 3, 0), "expected"), (("holds", 0, 0), "instances"),
     (("holds", 2.5, 0), "instances"), (("holds", 3, -1), "violations"),
     (("finding", 3, 4), "violations"), (("holds", 3, float("nan")), "violations")]
)


def _verdict_of_rejects_bad_input(args, name):
    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        verdict_of(*args)


def test_verdict_of_rejects_bad_input() -> None:
    """Verdict of rejects bad input: every case of ``BAD_VERDICT_OF_INPUT``."""
    check_every_case(_verdict_of_rejects_bad_input, BAD_VERDICT_OF_INPUT)


def test_iter_rows_rejects_non_results():
    with pytest.raises(InvalidParameterError, match="^results: expected ClaimResult"):
        list(iter_rows([run_claim(_GOOD, instances=1), "row"]))


@given(expected=st.sampled_from(["holds", "finding"]), instances=st.integers(1, 10**6),
       data=st.data())
def test_verdict_is_ok_exactly_when_violations_match_the_expectation(expected, instances, data):
    violations = data.draw(st.integers(0, instances))
    verdict, ok = verdict_of(expected, instances, violations)
    assert ok == ((expected == "holds") == (violations == 0))
    assert (verdict == "VIOLATED") == (expected == "holds" and violations > 0)


@given(seed=st.integers(0, 2**63), instances=st.integers(1, 40), batch=st.integers(1, 9))
def test_worst_margin_is_the_minimum_over_all_batches(seed, instances, batch):
    """Batching does not change the outcome: the worst margin is the least margin drawn."""
    seen = []

    def check(xs):
        seen.extend(xs.tolist())
        return 2 - np.abs(xs)

    t = run_claim(_claim(check, n_batch=batch), instances=instances, seed=seed).tiers[0]
    assert t.instances == len(seen) == instances
    assert t.worst_margin == min(2 - abs(x) for x in seen)
    assert t.worst_instance == {"x": float(max(seen, key=abs))}


# ------------------------------------------------------------------ units and exact tiers
def test_result_carries_the_tier_unit():
    assert run_claim(_claim(lambda xs: np.ones(len(xs)), unit="fraction"),
                     instances=2).tiers[0].unit == "fraction"


def test_exact_unit_accepts_only_infinite_margins():
    ok = run_claim(_claim(lambda xs: np.full(len(xs), np.inf), unit="exact"), instances=3)
    assert ok.ok and ok.tiers[0].worst_margin == np.inf
    failed = run_claim(_claim(lambda xs: np.full(len(xs), -np.inf), unit="exact"), instances=3)
    assert failed.tiers[0].verdict == "VIOLATED"


def _finite_margin_at_an_exact_tier_is_an_error(finite):
    res = run_claim(_claim(lambda xs: np.r_[np.inf, np.full(len(xs) - 1, finite)],
                           unit="exact"), instances=3)
    (t,) = res.tiers
    assert t.verdict == "ERROR" and not res.ok
    assert "finite margin" in t.error and "'exact'" in t.error
    assert run_claim(_claim(lambda xs: np.full(len(xs), finite), unit="decades"),
                     instances=3).tiers[0].verdict != "ERROR"


def test_finite_margin_at_an_exact_tier_is_an_error() -> None:
    """``0`` at an exact tier cannot be shown as if it meant something: it is an error row."""
    check_every_case(_finite_margin_at_an_exact_tier_is_an_error, product([0.0, 2.5, -1.0]))


def test_error_before_the_first_batch_has_no_margin():
    def boom(xs):
        raise ValueError("no instance checked")

    (t,) = run_claim(_claim(boom), instances=3).tiers
    assert t.instances == 0 and math.isnan(t.worst_margin) and t.worst_instance is None


# ------------------------------------------------------------------ streaming and progress
def test_each_result_is_streamed_when_its_claim_finishes():
    """``on_result`` sees claim k before claim k+1 starts checking."""
    events = []

    def check(name):
        def run(xs):
            events.append(f"check {name}")
            return np.ones(len(xs))
        return run

    claims = [_claim(check(c), cid=f"test.{c}") for c in "abc"]
    results = run_claims(claims, instances=2, show_progress=False,
                         on_result=lambda r: events.append(f"result {r.claim.id}"))
    assert events == ["check a", "result test.a", "check b", "result test.b", "check c",
                      "result test.c"]
    assert [r.claim.id for r in results] == ["test.a", "test.b", "test.c"]


def test_progress_lines_go_to_stderr_one_per_claim(capsys):
    claims = [_claim(lambda xs: np.ones(len(xs)), cid="test.a"),
              _claim(lambda xs: -np.ones(len(xs)), cid="test.b")]
    run_claims(claims, instances=2)  # not a terminal under pytest: plain lines
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == ""
    assert len(lines) == 2 and lines[0].startswith("[1/2] test.a: 1/1 tiers as expected")
    assert lines[1].startswith("[2/2] test.b: 0/1 tiers as expected")
    assert "\r" not in captured.err and "%|" not in captured.err  # no bar in logs


def test_no_progress_is_silent(capsys):
    run_claims([_GOOD], instances=2, show_progress=False)
    assert capsys.readouterr() == ("", "")


class _Stream:
    def __init__(self, tty):
        self.tty = tty

    def isatty(self):
        if self.tty is None:
            raise ValueError("I/O operation on closed file")
        return self.tty


#: ``(show, out_tty, err_tty, style)``: the progress style for ``show`` when standard output
#: and standard error are (``True``) or are not terminals (``None``: a closed stream).
PROGRESS_STYLES = [
    (None, True, True, "bar"), (None, False, True, "lines"), (None, True, False, "lines"),
    (None, None, True, "lines"), (False, True, True, "off"), (True, False, False, "bar"),
]


def _progress_style(show, out_tty, err_tty, style):
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr("sys.stdout", _Stream(out_tty))
        monkeypatch.setattr("sys.stderr", _Stream(err_tty))
        assert progress_style(show) == style


def test_progress_style() -> None:
    """Progress style: every case of ``PROGRESS_STYLES``."""
    check_every_case(_progress_style, PROGRESS_STYLES)


def _progress_style_rejects_non_bools(show):
    with pytest.raises(InvalidParameterError, match="^show_progress: expected"):
        progress_style(show)


def test_progress_style_rejects_non_bools() -> None:
    """Progress style rejects non bools: every case of the table."""
    check_every_case(_progress_style_rejects_non_bools, product(["yes", 1, 0]))


# ------------------------------------------------------------------ chunks and their reduction
def _chunked(claim, instances, seed, chunk_instances, order):
    """Tier 0 of ``claim`` run chunk by chunk (``chunk_instances`` per chunk), the chunks taken
    in ``order`` (a permutation function) and reduced."""
    plan = plan_chunks([claim], instances, chunk_instances)
    results = [run_chunk(claim, c, seed) for c in order(plan)]
    return reduce_chunks(claim, 0, results)


def _same(a, b):
    """Equal tier results up to the wall time (NaN equal to NaN)."""
    fields = ("tier", "instances", "violations", "worst_instance", "first_violation", "verdict",
              "ok", "error", "unit")
    assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
    assert a.worst_margin == b.worst_margin or (math.isnan(a.worst_margin)
                                                and math.isnan(b.worst_margin))


def _coarse(xs):
    """Margins with ties, NaNs and -inf: one decimal of 1 - |x|, NaN beyond 0.95."""
    m = np.round(1 - np.abs(xs), 1)
    m[np.abs(xs) > 0.95] = np.nan
    m[(xs > 0.9) & (xs <= 0.95)] = -np.inf
    return m


@given(seed=st.integers(0, 2**32), instances=st.integers(1, 60), batch=st.integers(1, 9),
       chunk=st.integers(1, 40), shuffle=st.randoms(use_true_random=False))
def test_chunked_runs_reduce_to_the_in_process_result(seed, instances, batch, chunk, shuffle):
    """However the batches are grouped and in whatever order the chunks finish, the reduction
    gives the tier result of one in-process pass (ties, NaN and -inf margins included)."""
    claim = _claim(_coarse, n_batch=batch)
    whole = run_tier(claim, 0, instances, seed)

    def shuffled(plan):
        plan = list(plan)
        shuffle.shuffle(plan)
        return plan

    _same(_chunked(claim, instances, seed, chunk, shuffled), whole)


def test_ties_go_to_the_lowest_batch_then_position():
    claim = _claim(lambda xs: np.ones(len(xs)), n_batch=3)
    t = _chunked(claim, 12, 5, 3, lambda plan: plan[::-1])
    first = np.random.default_rng(np.random.SeedSequence([5, zlib.crc32(b"test.runner"), 0, 0]))
    assert t.worst_instance == {"x": float(first.uniform(-1, 1, 3)[0])}


def test_the_tie_rule_is_checked(monkeypatch):
    """Negative control: a reduction that lets a later chunk win a tie fails the test above."""
    monkeypatch.setattr("verify.runner._below", lambda margin, worst: margin <= worst)
    with pytest.raises(AssertionError):
        test_ties_go_to_the_lowest_batch_then_position()


def test_the_comparison_notices_other_draws():
    """Negative control of the invariance test: chunks that draw other instances than the
    in-process pass (batch indices shifted, as a worker numbering its own batches would)
    make the comparison fail."""
    claim = _claim(lambda xs: 2 - np.abs(xs), n_batch=2)
    whole = run_tier(claim, 0, 20, 1)
    _same(_chunked(claim, 20, 1, 4, list), whole)
    real = runner_module._seed_sequence
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner_module, "_seed_sequence",
                   lambda seed, cid, tier, batch: real(seed, cid, tier, batch + 100))
        with pytest.raises(AssertionError):
            _same(_chunked(claim, 20, 1, 4, list), whole)


def test_an_error_stops_the_tier_at_its_batch_whatever_the_chunks():
    calls = []

    def check(xs):
        calls.append(len(xs))
        if len(calls) == 3:
            raise ValueError("third batch")
        return 2 - np.abs(xs)

    claim = _claim(check, n_batch=4)
    whole = run_tier(claim, 0, 40, 2)
    assert whole.verdict == "ERROR" and whole.instances == 8 and len(calls) == 3
    plan = plan_chunks([claim], 40, 8)  # chunks of two batches: the error is in chunk 1
    calls.clear()
    results = [run_chunk(claim, c, 2) for c in plan]  # every chunk runs, as on workers
    assert [r.error is not None for r in results] == [False, True, False, False, False]
    _same(reduce_chunks(claim, 0, results[::-1]), whole)


def test_plan_chunks():
    claim = _claim(lambda xs: np.ones(len(xs)), n_batch=7)
    other = _claim(lambda xs: np.ones(len(xs)), n_batch=7, cid="test.other")
    plan = plan_chunks([claim, other], 30, 14)
    assert [c.index for c in plan] == list(range(6))
    assert [(c.claim_id, c.first_batch, c.batches) for c in plan[:3]] == [
        ("test.runner", 0, 2), ("test.runner", 2, 2), ("test.runner", 4, 1)]
    assert plan_chunks([claim], 30, 1)[-1] == Chunk(4, "test.runner", 0, 4, 1, 30)
    per = CHUNK_INSTANCES // 7  # batches per chunk by default
    assert [c.batches for c in plan_chunks([claim], 7 * (2 * per + 1))] == [per, per, 1]


#: Cases ``(drop, message)`` of :func:`test_reduce_chunks_refuses_gaps`.
CHUNK_GAPS = [(1, "a chunk starting at batch 2"),
                                    (None, "chunks covering all 30")]


def _reduce_chunks_refuses_gaps(drop, message):
    claim = _claim(lambda xs: np.ones(len(xs)), n_batch=7)
    results = [run_chunk(claim, c, 0) for c in plan_chunks([claim], 30, 14)]
    results = results[:drop] + results[drop + 1:] if drop is not None else results[:-1]
    with pytest.raises(InvalidParameterError, match=f"^results: expected {message}"):
        reduce_chunks(claim, 0, results)


def test_reduce_chunks_refuses_gaps() -> None:
    """Reduce chunks refuses gaps: every case of ``CHUNK_GAPS``."""
    check_every_case(_reduce_chunks_refuses_gaps, CHUNK_GAPS)


def test_reduce_chunks_refuses_overlaps_and_other_tiers():
    claim = _claim(lambda xs: np.ones(len(xs)), n_batch=7)
    results = [run_chunk(claim, c, 0) for c in plan_chunks([claim], 30, 14)]
    with pytest.raises(InvalidParameterError, match="^results: expected a chunk starting"):
        reduce_chunks(claim, 0, results + results[:1])
    other = _claim(lambda xs: np.ones(len(xs)), cid="test.other")
    with pytest.raises(InvalidParameterError, match="^results: expected chunk results of"):
        reduce_chunks(other, 0, results)
    with pytest.raises(InvalidParameterError, match="^results: expected chunk results of"):
        reduce_chunks(claim, 0, [])


#: Cases ``(args, name)`` of :func:`test_chunk_rejects_bad_fields`.
BAD_CHUNK_FIELDS = [
    ((-1, "c", 0, 0, 1, 1), "index"), ((0, 3, 0, 0, 1, 1), "claim_id"),
    ((0, "c", -1, 0, 1, 1), "tier_index"), ((0, "c", 0, 1.5, 1, 1), "first_batch"),
    ((0, "c", 0, 0, 0, 1), "batches"), ((0, "c", 0, 0, 1, 0), "total"),
    ((0, "c", 0, 0, 1, MAX_INSTANCES + 1), "total")]


def _chunk_rejects_bad_fields(args, name):
    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        Chunk(*args)


def test_chunk_rejects_bad_fields() -> None:
    """Chunk rejects bad fields: every case of ``BAD_CHUNK_FIELDS``."""
    check_every_case(_chunk_rejects_bad_fields, BAD_CHUNK_FIELDS)


#: Cases ``(chunk, message)`` of :func:`test_run_chunk_refuses_chunks_of_other_runs`.
CHUNKS_OF_OTHER_RUNS = [
    (Chunk(0, "test.other", 0, 0, 1, 5), "a chunk of claim 'test.runner'"),
    (Chunk(0, "test.runner", 1, 0, 1, 5), "a tier index below 1"),
    (Chunk(0, "test.runner", 0, 2, 1, 5), "batches of the 5 instances"),
]


def _run_chunk_refuses_chunks_of_other_runs(chunk, message):
    with pytest.raises(InvalidParameterError, match=f"^chunk: expected {message}"):
        run_chunk(_claim(lambda xs: np.ones(len(xs)), n_batch=3), chunk, 0)


def test_run_chunk_refuses_chunks_of_other_runs() -> None:
    """Run chunk refuses chunks of other runs: every case of ``CHUNKS_OF_OTHER_RUNS``."""
    check_every_case(
        _run_chunk_refuses_chunks_of_other_runs, CHUNKS_OF_OTHER_RUNS)


class _Reversed:
    """A backend that runs the chunks in this process and yields them in reverse order."""

    def __init__(self, claims, stop_after=None):
        self.claims = {c.id: c for c in claims}
        self.stop_after = stop_after

    def map_chunks(self, chunks, seed):
        for k, chunk in enumerate(reversed(chunks)):
            if k == self.stop_after:
                raise KeyboardInterrupt
            yield run_chunk(self.claims[chunk.claim_id], chunk, seed)


def test_a_backend_in_any_order_gives_the_in_process_results_in_order():
    claims = [_claim(_coarse, n_batch=3, cid=f"test.{c}") for c in "abc"]
    streamed = []
    here = run_claims(claims, instances=10, seed=4, show_progress=False)
    there = run_claims(claims, instances=10, seed=4, show_progress=False,
                       on_result=lambda r: streamed.append(r.claim.id),
                       backend=_Reversed(claims))
    assert streamed == ["test.a", "test.b", "test.c"]
    for a, b in zip(here, there):
        _same(a.tiers[0], b.tiers[0])


def test_an_interrupted_backend_keeps_the_finished_claims(monkeypatch):
    monkeypatch.setattr(runner_module, "CHUNK_INSTANCES", 5)  # one batch per chunk
    claims = [_claim(_coarse, n_batch=5, cid=f"test.{c}") for c in "abc"]
    with pytest.raises(RunInterrupted) as info:  # 2 chunks per claim; c and half of b finish
        run_claims(claims, instances=10, seed=0, show_progress=False,
                   backend=_Reversed(claims, stop_after=3))
    assert [r.claim.id for r in info.value.results] == ["test.c"]
    assert info.value.pending == ["test.a", "test.b"]


def _a_backend_must_yield_its_chunks(yielded):
    class Broken:
        def map_chunks(self, chunks, seed):
            for item in yielded:
                yield run_chunk(_claim(np.ones, cid="test.x"), Chunk(0, "test.x", 0, 0, 1, 1), 0) \
                    if item == "foreign" else item

    with pytest.raises(InvalidParameterError, match="^backend: expected a backend yielding"):
        run_claims([_GOOD], instances=2, show_progress=False, backend=Broken())


def test_a_backend_must_yield_its_chunks() -> None:
    """A backend must yield its chunks: every case of the table."""
    check_every_case(_a_backend_must_yield_its_chunks, product([[], ["foreign"]]))


def test_run_claims_rejects_a_backend_without_map_chunks():
    with pytest.raises(InvalidParameterError, match="^backend: expected None or an object"):
        run_claims([_GOOD], instances=2, show_progress=False, backend=object())
