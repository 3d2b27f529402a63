"""Tests of verify.runner: verdicts, seeding, errors, violations and findings."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from theory.numbers import InvalidParameterError
from verify.registry import Claim, Tier
from verify.runner import (
    MAX_INSTANCES,
    RunInterrupted,
    iter_rows,
    progress_style,
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


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"claim": "byjl25.lemma3.1"}, "claim"), ({"tier_index": 1}, "tier_index"),
     ({"tier_index": -1}, "tier_index"), ({"tier_index": 0.5}, "tier_index"),
     ({"instances": 0}, "instances"), ({"instances": -1}, "instances"),
     ({"instances": 2.5}, "instances"), ({"instances": float("nan")}, "instances"),
     ({"instances": None}, "instances"), ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"),
     ({"progress": object()}, "progress")],
)
def test_run_tier_rejects_bad_input(kwargs, name):
    args = {"claim": _GOOD, "tier_index": 0, "instances": 3, "seed": 0} | kwargs
    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        run_tier(**args)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"claim": None}, "claim"), ({"instances": 0}, "instances"),
     ({"instances": True}, "instances"), ({"seed": -2}, "seed"), ({"seed": "0"}, "seed")],
)
def test_run_claim_rejects_bad_input(kwargs, name):
    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        run_claim(**({"claim": _GOOD} | kwargs))


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"claims": "test.runner"}, "claims"), ({"claims": [_GOOD, 3]}, "claims"),
     ({"claims": _GOOD}, "claims"), ({"instances": 0}, "instances"),
     ({"instances": MAX_INSTANCES + 1}, "instances"), ({"seed": -1}, "seed"),
     ({"show_progress": "yes"}, "show_progress"), ({"on_result": "print"}, "on_result")],
)
def test_run_claims_rejects_bad_input(kwargs, name):
    args = {"claims": [_GOOD], "instances": 2, "show_progress": False} | kwargs
    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        run_claims(**args)


@pytest.mark.parametrize(
    ("args", "name"),
    [(("maybe", 3, 0), "expected"), (("holds", 0, 0), "instances"),
     (("holds", 2.5, 0), "instances"), (("holds", 3, -1), "violations"),
     (("finding", 3, 4), "violations"), (("holds", 3, float("nan")), "violations")],
)
def test_verdict_of_rejects_bad_input(args, name):
    with pytest.raises(InvalidParameterError, match=f"^{name}: expected"):
        verdict_of(*args)


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


@pytest.mark.parametrize("finite", [0.0, 2.5, -1.0])
def test_finite_margin_at_an_exact_tier_is_an_error(finite):
    """``0`` at an exact tier cannot be shown as if it meant something: it is an error row."""
    res = run_claim(_claim(lambda xs: np.r_[np.inf, np.full(len(xs) - 1, finite)],
                           unit="exact"), instances=3)
    (t,) = res.tiers
    assert t.verdict == "ERROR" and not res.ok
    assert "finite margin" in t.error and "'exact'" in t.error
    assert run_claim(_claim(lambda xs: np.full(len(xs), finite), unit="decades"),
                     instances=3).tiers[0].verdict != "ERROR"


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


@pytest.mark.parametrize(
    ("show", "out_tty", "err_tty", "style"),
    [(None, True, True, "bar"), (None, False, True, "lines"), (None, True, False, "lines"),
     (None, None, True, "lines"), (False, True, True, "off"), (True, False, False, "bar")],
)
def test_progress_style(monkeypatch, show, out_tty, err_tty, style):
    monkeypatch.setattr("sys.stdout", _Stream(out_tty))
    monkeypatch.setattr("sys.stderr", _Stream(err_tty))
    assert progress_style(show) == style


@pytest.mark.parametrize("show", ["yes", 1, 0])
def test_progress_style_rejects_non_bools(show):
    with pytest.raises(InvalidParameterError, match="^show_progress: expected"):
        progress_style(show)
