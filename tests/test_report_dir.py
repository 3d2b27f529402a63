"""Tests of ``python -m verify --report DIR``: the files, the schema, the page in a real browser.

The fast tests build a report from a tiny run (two real claims at one instance per tier, and
this module's own stub experiment, :func:`reproduce`, run inline); the full ``--quick`` report
is the slow test at the end. Every ``report.json`` and ``--json`` report made here is validated
against the shipped schema (:func:`verify.report_dir.report_schema`). The browser tests take a
screenshot of ``report.html`` and dump its DOM with Debian's headless ``chromium``
(``/usr/bin/chromium``); without it they are skipped with the reason shown.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from bad_input_cases import check_every_case

import verify.__main__ as cli
from theory.numbers import InvalidParameterError
from verify.report_dir import (
    EXPERIMENTS,
    QUICK_INSTANCES,
    REPORT_FILES,
    ExperimentRunner,
    assemble_report,
    check_report_dir,
    report_schema,
    run_experiment,
    write_report,
)
from verify.report_document import SUMMARY_HEADER, Code, Paragraph, Table, margin_text
from verify.report_html import render_html
from verify.report_markdown import render_markdown
from verify.run_metadata import environment, git_state

#: Two real claims that run in well under a second at one instance: a claim that holds (two
#: tiers, one exact) and a finding (its certificate is shown in the claim's section).
TINY_CLAIMS = ("wx23.result_b1", "byjl25.thm4.1.i.shared")

#: The stub experiment below raises at this seed (a failing experiment).
FAILING_SEED = 13

#: The colour of the stub figure (found again in the browser's screenshot).
MAGENTA = (1.0, 0.0, 1.0)

CHROMIUM = "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason=f"{CHROMIUM} is missing (install Debian's chromium: apt-get install -y chromium)")


def reproduce(out_dir, *, quick: bool, seed: int) -> dict:
    """A stub experiment with the uniform interface: a magenta square with a black border."""
    if seed == FAILING_SEED:
        raise RuntimeError("stub experiment failed on purpose")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.imshow(np.ones((8, 8, 3)) * np.array(MAGENTA))
    ax.set_title("stub figure")
    path = Path(out_dir) / "test_report_dir.png"
    fig.savefig(path, dpi=100)
    return {"name": "test_report_dir", "title": "Stub experiment", "seed": seed,
            "quick": quick, "settings": {"size": 8}, "table": "a | b\n1 | 2",
            "rows": [{"a": 1, "b": 2}], "verdict": "stub verdict", "ok": True,
            "figure": str(path)}


STUB = (__name__,)


def validate(report: dict) -> None:
    jsonschema.Draft202012Validator(report_schema()).validate(report)


def _stub_runner(monkeypatch) -> None:
    """``--report`` runs only the stub experiment, inline."""
    monkeypatch.setattr(cli, "ExperimentRunner",
                        partial(ExperimentRunner, modules=STUB, parallel=False))
    monkeypatch.setattr(cli, "assemble_report",
                        partial(assemble_report, expected_experiments=STUB))


def _tiny_argv(out: Path, *extra: str) -> list[str]:
    argv = ["--report", str(out), "--instances", "1", "--no-progress", *extra]
    for c in TINY_CLAIMS:
        argv += ["--claim", c]
    return argv


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory):
    """The report directory of a tiny ``--report`` run (exit status checked); shared by the
    module's tests, which must not change it (copy it first)."""
    out = tmp_path_factory.mktemp("tiny") / "out"
    with pytest.MonkeyPatch.context() as mp:
        _stub_runner(mp)
        assert cli.main(_tiny_argv(out, "--seed", "4")) == 0
    return out


def _load(out: Path) -> dict:
    return json.loads((out / "report.json").read_text())


# ----------------------------------------------------------------------------- the files
def test_tiny_report_writes_the_three_files_and_the_figure(tiny_report):
    assert sorted(p.name for p in tiny_report.iterdir()) == sorted(
        [*REPORT_FILES, "test_report_dir.png"])
    rep = _load(tiny_report)
    validate(rep)
    assert [c["id"] for c in rep["claims"]] == list(TINY_CLAIMS)
    assert rep["ok"] and rep["complete"] and rep["pending_experiments"] == []
    assert rep["seed"] == 4 and rep["run"]["quick"] is False
    assert rep["experiments"][0]["figure"] == "test_report_dir.png"  # relative to DIR
    env = rep["environment"]
    assert env["command_line"].startswith("python -m verify --report ")
    assert env["versions"]["numpy"] == np.__version__
    assert all(b["num_threads"] >= 1 for b in env["blas"]) and env["blas"]


def test_markdown_has_the_summary_sections_and_relative_figure_links(tiny_report):
    md = (tiny_report / "report.md").read_text()
    assert "| " + " | ".join(SUMMARY_HEADER) + " |" in md
    for cid in TINY_CLAIMS:
        assert f"[{cid.replace('_', chr(92) + '_')}](#claim-" in md  # summary links to sections
        assert f"### <a id=\"claim-{cid.replace('.', '-').replace('_', '-')}\"></a>" in md
    assert "![" in md and "](test_report_dir.png)" in md
    assert "certificate of the finding" in md
    assert "exact" in md and "pole order" in md  # margins with their units


def test_html_is_self_contained(tiny_report):
    html = (tiny_report / "report.html").read_text()
    assert html.count('src="data:image/png;base64,') == 1
    assert not re.search(r'(src|href)="(?!data:|#)', html)  # no file or network reference
    assert "<script" not in html and "http://" not in html and "https://" not in html
    for cid in TINY_CLAIMS:
        assert f">{cid}</a>" in html


def test_claim_sections_show_statement_hypotheses_margin_and_certificates(tiny_report):
    md = (tiny_report / "report.md").read_text()
    rep = _load(tiny_report)
    finding = rep["claims"][1]
    assert finding["expected"] == "finding"
    assert finding["tiers"][0]["first_violation"] is not None
    assert "Statement: " in md and "Margin (what the check compares): " in md
    assert md.count("worst instance:") == sum(len(c["tiers"]) for c in rep["claims"])
    # every code block is JSON or a table; the certificate's JSON reads back unchanged
    blocks = re.findall(r"certificate of the finding \(first violating instance\):\n\n```\n"
                        r"(.*?)\n```", md, flags=re.S)
    assert [json.loads(b) for b in blocks] == [finding["tiers"][0]["first_violation"]]
    assert max(map(len, blocks[0].splitlines())) <= 100  # readable lines


def test_same_seed_same_report(tiny_report, tmp_path, monkeypatch):
    """A second run with the seed of :func:`tiny_report` writes the same report."""
    _stub_runner(monkeypatch)
    assert cli.main(_tiny_argv(tmp_path / "again", "--seed", "4")) == 0
    reports = []
    for out in (tiny_report, tmp_path / "again"):
        rep = _load(out)
        for key in ("created", "run", "environment"):
            rep.pop(key)
        for e in rep["experiments"]:
            e.pop("seconds")
        for c in rep["claims"]:
            for t in c["tiers"]:
                t.pop("seconds")
        reports.append(rep)
    assert reports[0] == reports[1]


# ----------------------------------------------------------------------------- the schema
def test_plain_json_report_validates_against_the_same_schema(tmp_path, capsys):
    path = tmp_path / "r.json"
    argv = ["--instances", "1", "--no-progress", "--json", str(path)]
    for c in TINY_CLAIMS:
        argv += ["--claim", c]
    assert cli.main(argv) == 0
    rep = json.loads(path.read_text())
    validate(rep)
    assert "experiments" not in rep and "environment" not in rep


BROKEN_REPORTS = [
    (("claims", 0, "tiers", 0, "worst_margin"), "inf", "is not of type"),
    (("claims", 0, "tiers", 0, "worst_margin_kind"), "finite", "is not of type 'number'"),
    (("claims", 0, "tiers", 0, "unit"), "decade", "is not one of"),
    (("claims", 0, "tiers", 0, "verdict"), "VIOLATED", "is not one of"),
    (("environment", "git", "commit"), "main", "does not match"),
    (("experiments", 0, "figure"), "/abs/stub.png", "is not valid under any"),
    (("seed",), -1, "less than the minimum"),
]


def test_schema_rejects_a_broken_report(tiny_report):
    rep = _load(tiny_report)
    validate(rep)

    def check(where, value, message):
        broken = copy.deepcopy(rep)
        target = broken
        for key in where[:-1]:
            target = target[key]
        if where[-1] == "worst_margin_kind":  # an exact tier claiming a finite margin
            target = next(t for t in broken["claims"][0]["tiers"] if t["worst_margin"] is None)
        target[where[-1]] = value
        with pytest.raises(jsonschema.ValidationError, match=re.escape(message)):
            validate(broken)

    check_every_case(check, BROKEN_REPORTS)


def test_schema_requires_the_top_level_members(tiny_report):
    def check(key, message):
        rep = _load(tiny_report)
        rep.pop(key)
        with pytest.raises(jsonschema.ValidationError, match=re.escape(message)):
            validate(rep)

    check_every_case(check, [("claims", "is a required property"),
                             ("ok", "is a required property"),
                             ("environment", "is a dependency of 'experiments'"),
                             ("run", "is a dependency of 'experiments'")])


def test_schema_is_valid_draft_2020_12_and_ships_in_the_package():
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    import verify

    assert (Path(verify.__file__).parent / "schemas" / "report.schema.json").is_file()


# ----------------------------------------------------------------------------- failures
def test_failing_experiment_is_an_error_entry_and_exit_1(tmp_path, monkeypatch, capsys):
    _stub_runner(monkeypatch)
    out = tmp_path / "out"
    assert cli.main(_tiny_argv(out, "--seed", str(FAILING_SEED))) == 1
    assert "NOT OK" in capsys.readouterr().out
    rep = _load(out)
    validate(rep)
    assert rep["ok"] is False and rep["complete"] is True
    assert "stub experiment failed on purpose" in rep["experiments"][0]["error"]
    assert "ERROR: " in (out / "report.html").read_text()


def test_missing_experiment_is_pending_and_the_report_incomplete(tiny_report):
    rep = _load(tiny_report)
    base = {k: v for k, v in rep.items()
            if k not in ("environment", "run", "experiments", "pending_experiments")}
    out = assemble_report(base, rep["environment"], [], quick=True, seconds=1.0,
                          expected_experiments=STUB)
    validate(out)
    assert out["complete"] is False and out["ok"] is False
    assert out["pending_experiments"] == list(STUB)


def test_ctrl_c_during_the_claims_writes_an_incomplete_report_and_exits_130(
        isolated_registry, tmp_path, monkeypatch, capsys):
    from verify.registry import Claim, Tier

    def interrupt(xs):
        raise KeyboardInterrupt

    tier = Tier("t", lambda rng, n: rng.uniform(size=n), interrupt, lambda xs, i: float(xs[i]))
    isolated_registry["test.ctrl_c"] = Claim("test.ctrl_c", "WX23", "r", "rebuilt", "s", "m",
                                             (tier,))
    _stub_runner(monkeypatch)
    out = tmp_path / "out"
    argv = ["--report", str(out), "--instances", "1", "--no-progress", "--claim",
            TINY_CLAIMS[0], "--claim", "test.ctrl_c"]
    assert cli.main(argv) == cli.EXIT_INTERRUPTED
    rep = _load(out)
    validate(rep)
    assert rep["complete"] is False and rep["pending_claims"] == ["test.ctrl_c"]
    assert rep["pending_experiments"] == list(STUB)  # inline: never started
    assert "INCOMPLETE RUN" in (out / "report.md").read_text()


def _refuse_to_run(*args, **kwargs):
    raise AssertionError("the run must not start")


def test_report_dir_that_is_a_file_exits_2_before_running(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "run_claims", _refuse_to_run)
    (tmp_path / "file").touch()
    assert cli.main(["--report", str(tmp_path / "file")]) == 2
    err = capsys.readouterr().err
    assert "error: --report: report_dir: expected a directory (not an existing file)" in err


def test_unwritable_report_dir_exits_2_before_running(tmp_path, monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli, "run_claims", _refuse_to_run)
    monkeypatch.setattr("verify.report_dir.tempfile.TemporaryFile", refuse)
    assert cli.main(["--report", str(tmp_path)]) == 2
    assert "report_dir: expected a writable directory (Permission denied)" in \
        capsys.readouterr().err


def test_check_report_dir_creates_a_missing_directory(tmp_path):
    out = check_report_dir(tmp_path / "a" / "b")
    assert out.is_dir()
    with pytest.raises(InvalidParameterError, match="report_dir"):
        check_report_dir("")


def test_report_write_failure_after_the_run_exits_1(tmp_path, monkeypatch, capsys):
    _stub_runner(monkeypatch)

    def fail(report, out_dir):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli, "write_report", fail)
    assert cli.main(_tiny_argv(tmp_path / "out")) == 1
    assert "could not write the report" in capsys.readouterr().err


# ----------------------------------------------------------------------------- pieces
def test_margin_text_shows_units_and_the_non_finite_kinds():
    tier = {"instances": 3, "unit": "decades", "worst_margin": 6.54321,
            "worst_margin_kind": "finite"}
    assert margin_text(tier) == "6.54 decades"
    assert margin_text(tier | {"worst_margin": None, "worst_margin_kind": "exact"}) == "exact"
    assert margin_text(tier | {"unit": "exact", "worst_margin": None,
                               "worst_margin_kind": "-inf"}) == "not exact"
    assert margin_text(tier | {"worst_margin": None, "worst_margin_kind": "nan"}) == "nan"
    assert margin_text(tier | {"instances": 0}) == "-"
    assert margin_text(tier | {"unit": None, "worst_margin": 0.0}) == "0"


def test_markdown_escapes_markup_and_fences_code():
    text = render_markdown([Paragraph("a|b *c* _d_ [e](f)"),
                            Table(("x|y",), (("1|2",),)), Code("```inner```", "code")])
    assert "a\\|b \\*c\\* \\_d\\_ \\[e\\](f)" in text
    assert "| x\\|y |" in text and "| 1\\|2 |" in text
    assert "````\n```inner```\n````" in text


def test_html_escapes_text_and_reports_a_missing_figure(tmp_path):
    from verify.report_document import Figure, Heading

    html = render_html([Heading(1, "<t>"), Paragraph("<script>x</script> & y"),
                        Figure("nope.png", "cap")], tmp_path)
    assert "<title>&lt;t&gt;</title>" in html
    assert "&lt;script&gt;x&lt;/script&gt; &amp; y" in html and "<script>" not in html
    assert "figure missing: nope.png" in html


def test_git_state_outside_a_checkout_and_without_git(tmp_path, monkeypatch):
    none = {"commit": None, "dirty": None, "describe": "not a git checkout"}
    assert git_state(tmp_path) == none

    def no_git(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory: 'git'")

    monkeypatch.setattr("verify.run_metadata.subprocess.run", no_git)
    assert git_state() == none


def test_git_state_of_this_checkout_matches_git():
    root = Path(__file__).resolve().parent.parent
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=False)
    if head.returncode != 0:
        pytest.skip("not run from a git checkout")
    state = git_state(root)
    assert state["commit"] == head.stdout.strip() and isinstance(state["dirty"], bool)
    assert state["describe"].startswith(state["commit"])


def test_environment_names_the_command_line_and_blas():
    env = environment(["--report", "out dir", "--quick"])
    assert env["command_line"] == "python -m verify --report 'out dir' --quick"
    assert env["versions"]["threadpoolctl"] != "not installed"


def test_run_experiment_reports_a_module_without_reproduce(tmp_path):
    record = run_experiment("verify.cli", tmp_path, True, 0)
    assert record["ok"] is False and "has no reproduce" in record["error"]


@pytest.mark.slow
def test_experiment_runner_in_a_worker_process(tmp_path):
    """The real path of ``--report``: a spawned worker (the stub imported there)."""
    with ExperimentRunner(tmp_path, quick=True, seed=1, modules=STUB) as runner:
        records = runner.collect()
    assert [r["name"] for r in records] == ["test_report_dir"] and records[0]["ok"]
    assert (tmp_path / "test_report_dir.png").is_file()


def test_default_experiments_are_the_six_modules():
    import importlib

    assert [m.rsplit(".", 1)[-1] for m in EXPERIMENTS] == [
        "byjl25_fit", "byjl25_norm_vs_depth", "byjl25_teacher_student", "byjl25_s4d_depth",
        "wx23_width_vs_T", "memory_curves"]
    for m in EXPERIMENTS:  # each has the uniform interface
        assert callable(importlib.import_module(m).reproduce)


def test_write_report_refuses_a_report_that_is_not_one(tmp_path):
    with pytest.raises(InvalidParameterError, match="report"):
        write_report({"claims": "x"}, tmp_path)


# ----------------------------------------------------------------------------- the browser
def _chromium(page: Path, tmp_path: Path, *mode: str, height: int = 2000
              ) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'chromium-profile'}",
         f"--window-size=1200,{height}", "--virtual-time-budget=5000", *mode, page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)


#: Injected into a copy of the page: after load, writes each image's natural size and box.
_PROBE = """<script>
window.addEventListener("load", () => {
  const out = [...document.images].map(img => {
    const r = img.getBoundingClientRect();
    return [img.naturalWidth, img.naturalHeight, r.left, r.top, r.width, r.height].join(",");
  });
  const pre = document.createElement("pre");
  pre.id = "img-probe";
  pre.textContent = out.join(";");
  document.body.appendChild(pre);
});
</script>"""


def _browser_check(out: Path, tmp_path: Path, claim_ids, height: int = 2000) -> np.ndarray:
    """Dump the DOM (table and images decoded) and screenshot the page; the pixels of the
    first figure in the screenshot."""
    probe = tmp_path / "probe.html"  # beside nothing: the page needs no other file
    probe.write_text((out / "report.html").read_text().replace("</body>", _PROBE + "</body>"))
    dom = _chromium(probe, tmp_path, "--dump-dom", height=height)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = dom.stdout
    for h in SUMMARY_HEADER:
        assert f"<th>{h}</th>" in text
    for cid in claim_ids:
        assert f">{cid}</a>" in text
    match = re.search(r'<pre id="img-probe">([^<]*)</pre>', text)
    assert match and match.group(1), "the probe did not run"
    boxes = [[float(v) for v in item.split(",")] for item in match.group(1).split(";")]
    assert all(w > 0 and h > 0 for w, h, *_ in boxes), f"naturalWidth 0: {boxes}"
    shot = tmp_path / "shot.png"
    run = _chromium(out / "report.html", tmp_path, f"--screenshot={shot}", height=height)
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    from matplotlib.image import imread

    pixels = imread(shot)[..., :3]
    left, top, width, height = boxes[0][2:]
    assert top + height <= pixels.shape[0], "the first figure is below the screenshot"
    region = pixels[int(top) + 2:int(top + height) - 2, int(left) + 2:int(left + width) - 2]
    assert region.size and region.std() > 0.05, "the first figure's region is blank"
    return region


@pytest.mark.extended  # a headless chromium (seconds); the tests above read the page itself
@needs_chromium
def test_report_html_renders_in_headless_chromium(tiny_report, tmp_path):
    region = _browser_check(tiny_report, tmp_path, TINY_CLAIMS)
    magenta = np.all(np.abs(region - np.array(MAGENTA)) < 0.1, axis=-1)
    assert magenta.mean() > 0.1  # the stub's magenta square was painted where the img is


@pytest.mark.extended
@needs_chromium
def test_browser_check_fails_on_a_page_without_its_figure(tiny_report, tmp_path):
    """The check can fail: the same page with the image data removed."""
    out = shutil.copytree(tiny_report, tmp_path / "broken")
    html = (out / "report.html").read_text()
    (out / "report.html").write_text(
        re.sub(r'src="data:image/png;base64,[^"]*"', 'src="data:image/png;base64,AAAA"', html))
    with pytest.raises(AssertionError, match="naturalWidth|blank|decoded|0.0"):
        _browser_check(out, tmp_path, TINY_CLAIMS)


# ----------------------------------------------------------------------------- the full run
@pytest.mark.slow
def test_quick_report_of_every_claim_and_experiment_within_two_minutes(tmp_path):
    """Acceptance: ``python -m verify --report DIR --quick`` (all claims, the six experiments)
    within two minutes on the 2-core machine; the report validates and (with chromium)
    renders."""
    out = tmp_path / "out"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "verify", "--report", str(out), "--quick",
                           "--no-progress"], capture_output=True, text=True, timeout=600,
                          check=False)
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert seconds < 120, f"--quick report took {seconds:.0f} s"
    rep = _load(out)
    validate(rep)
    assert rep["ok"] and rep["instances_requested"] == QUICK_INSTANCES
    assert [e["name"] for e in rep["experiments"]] == [m.rsplit(".", 1)[-1] for m in EXPERIMENTS]
    for e in rep["experiments"]:
        assert (out / e["figure"]).is_file()
    if os.access(CHROMIUM, os.X_OK):
        _browser_check(out, tmp_path, [c["id"] for c in rep["claims"]], height=4000)


@pytest.mark.slow
def test_ctrl_c_stops_the_experiment_worker_and_writes_an_incomplete_report(tmp_path):
    """A real SIGINT to ``python -m verify --report DIR --quick`` once the first claim's rows
    are printed: exit 130 within seconds, the worker gone, the report marked incomplete."""
    import signal

    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "verify", "--report", str(out), "--quick", "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for line in proc.stdout:  # the first claim finished: the others and the experiments run
        if line.startswith("byjl25.algB"):
            next(proc.stdout)
            break
    proc.send_signal(signal.SIGINT)
    start = time.perf_counter()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == cli.EXIT_INTERRUPTED, err[-2000:]
    assert time.perf_counter() - start < 30
    rep = _load(out)
    validate(rep)
    assert rep["complete"] is False and rep["ok"] is False and rep["pending_claims"]
    assert len(rep["experiments"]) + len(rep["pending_experiments"]) == len(EXPERIMENTS)



# ----------------------------------------------------------------------------- certified tiers
def _certified_tier_name(claim_id: str) -> str:
    from verify.registry import get_claim

    return next(t.name for t in get_claim(claim_id).tiers if t.certified)


def test_certified_tiers_are_marked_in_the_summary_the_sections_and_both_renderings(
        tiny_report, tmp_path):
    from verify.report_document import CERTIFIED_MARK, CERTIFIED_NOTE, build_document

    report = copy.deepcopy(_load(tiny_report))
    plain = build_document(report)
    assert not any(isinstance(b, Paragraph) and b.text == CERTIFIED_NOTE for b in plain)
    assert CERTIFIED_MARK not in render_markdown(plain)
    # the tiers the report marks "certified" (json_report writes the registry's flag)
    claim = report["claims"][0]
    claim["id"] = "wx23.result_b2.exponential_sum"
    claim["tiers"][0]["tier"] = _certified_tier_name(claim["id"])
    claim["tiers"][0]["certified"] = True
    report["claims"][1]["tiers"][0]["certified"] = True
    validate(report)
    blocks = build_document(report)
    table = next(b for b in blocks if isinstance(b, Table) and b.header == SUMMARY_HEADER)
    tier_cells = [row[SUMMARY_HEADER.index("tier")] for row in table.rows]
    marked = [cell for cell in tier_cells if cell.endswith(f" {CERTIFIED_MARK}")]
    assert len(marked) == 2 and marked[0].startswith("certified (")
    assert any(isinstance(b, Paragraph) and b.text == CERTIFIED_NOTE for b in blocks)
    sections = [b.text for b in blocks if isinstance(b, Paragraph) and b.text.startswith("Tier ")]
    assert sum(CERTIFIED_MARK in t for t in sections) == 2
    assert CERTIFIED_MARK in render_markdown(blocks)
    assert CERTIFIED_MARK in render_html(blocks, tmp_path)


def test_schema_accepts_an_optional_boolean_certified_member(tiny_report):
    report = copy.deepcopy(_load(tiny_report))
    report["claims"][0]["tiers"][0]["certified"] = True
    validate(report)
    report["claims"][0]["tiers"][0]["certified"] = "yes"
    with pytest.raises(jsonschema.ValidationError):
        validate(report)
