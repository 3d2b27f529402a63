"""The standard-library certificate checker (issue 8, item 3): :mod:`verify.certcheck`.

Every certificate type written by the BYJL25 claims is confirmed on a real small report; each
corruption (an entry changed by 1/1000, a wrong pole order, an increased ``W²``, a too short
certifying length) is refuted; malformed input is reported, never crashes; and the checker
runs with numpy, sympy, mpmath, scipy and the suite's packages blocked.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy
from bad_input_cases import check_every_case
from hypothesis import strategies as st
from strategies import example_budgets, run_examples

from theory.linear import DeepSSM
from verify.certcheck import (
    FORMAT,
    CertificateInputError,
    Malformed,
    check_certificate,
    check_report,
    main,
    read_model,
    read_shallow,
)
from verify.certificates import certificate, deep_json, gaussian
from verify.registry import get_claim
from verify.report import json_report
from verify.runner import run_claims

ROOT = Path(__file__).resolve().parents[1]
#: Claims of the small report: every certificate type, one instance per tier.
SMALL = ("byjl25.lemma3.1", "byjl25.thm4.1.i", "byjl25.thm4.1.i.shared", "byjl25.thm4.1.iii",
         "byjl25.thm4.2")
TYPES = ("lemma3.1", "thm4.1.i", "thm4.1.i.shared", "thm4.1.iii", "thm4.2.forest")


@cache
def _small_report() -> str:
    results = run_claims([get_claim(c) for c in SMALL], instances=1, seed=0,
                         show_progress=False)
    return json.dumps(json_report(results, 0, 1))


def small_report() -> dict[str, Any]:
    """A fresh copy of the real report of :data:`SMALL` (seed 0, one instance per tier)."""
    return json.loads(_small_report())


def certificates(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The first certificate of each type in ``report`` (the objects themselves)."""
    out: dict[str, dict[str, Any]] = {}
    for claim in report["claims"]:
        for tier in claim["tiers"]:
            for where in ("worst_instance", "first_violation"):
                desc = tier.get(where)
                if isinstance(desc, dict) and "certificate" in desc:
                    out.setdefault(desc["certificate"]["type"], desc["certificate"])
    return out


def q(text: str) -> Fraction:
    return Fraction(text)


def bumped(z: list[str], by: Fraction = Fraction(1, 1000)) -> list[str]:
    """The Gaussian rational ``z + by`` in the canonical format."""
    return [str(q(z[0]) + by), z[1]]


def test_every_certificate_type_is_confirmed() -> None:
    results = check_report(small_report())
    assert sorted({r.type for r in results}) == sorted(TYPES)
    assert [r for r in results if r.status != "confirmed"] == []


# ------------------------------------------------------------------------------- corruption
def _corrupt(kind: str, edit: Any) -> tuple[str, str]:
    cert = copy.deepcopy(certificates(small_report())[kind])
    edit(cert)
    return check_certificate(cert)


def _set(path: tuple, value: Any) -> Any:
    def edit(cert: dict[str, Any]) -> None:
        target = cert
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value(target[path[-1]]) if callable(value) else value
    return edit


CORRUPTIONS = {
    "lemma3.1 kernel entry + 1/1000": ("lemma3.1", _set(("kernel", 3), bumped)),
    "lemma3.1 coupling + 1/1000": ("lemma3.1", _set(("model", "B", 0, 0), bumped)),
    "lemma3.1 eigenvalue + 1/1000": ("lemma3.1", _set(("model", "eigenvalues", 0, 0),
                                                      bumped)),
    "lemma3.1 one term short": ("lemma3.1", lambda c: (c.update(terms=c["terms"] - 1),
                                                       c["kernel"].pop())),
    "4.1(i) residue + 1/1000": ("thm4.1.i", _set(("shallow", "residues", 0), bumped)),
    "4.1(i) deep output + 1/1000": ("thm4.1.i", _set(("deep", "C", 0), bumped)),
    "4.1(i) 2lm terms": ("thm4.1.i", lambda c: c.update(terms=c["terms"] - 1)),
    "shared order 3": ("thm4.1.i.shared", _set(("order",), 3)),
    "shared order 1": ("thm4.1.i.shared", _set(("order",), 1)),
    "shared numerator + 1/1000": ("thm4.1.i.shared", _set(("numerator", 0), bumped)),
    "shared denominator + 1/1000": ("thm4.1.i.shared", _set(("denominator", 1), bumped)),
    "shared pole + 1/1000": ("thm4.1.i.shared", _set(("pole",), bumped)),
    "shared one term short": ("thm4.1.i.shared", lambda c: c.update(terms=c["terms"] - 1)),
    "4.1(iii) coefficient + 1/1000": ("thm4.1.iii", _set(("first_order_coefficient",),
                                                         bumped)),
    "4.1(iii) residue + 1/1000": ("thm4.1.iii", _set(("residues", 0), bumped)),
    "4.1(iii) one pole fewer": ("thm4.1.iii", lambda c: (c["poles"].pop(),
                                                         c["residues"].pop())),
    "forest W^2 + 1/1000": ("thm4.2.forest", _set(("W2",), lambda w: str(q(w) + q("1/1000")))),
    "forest c_1^4 - 1/1000": ("thm4.2.forest", _set(("c1_4",),
                                                    lambda c: str(q(c) - q("1/1000")))),
    "forest coupling + 1/1000": ("thm4.2.forest", _set(("deep", "B", 0, 0), bumped)),
    "forest target residue + 1/1000": ("thm4.2.forest", _set(("target", "residues", 0),
                                                             bumped)),
}


def test_a_corrupted_certificate_is_refuted() -> None:
    def check(name: str) -> None:
        status, reason = _corrupt(*CORRUPTIONS[name])
        assert status == "refuted", reason

    check_every_case(check, [(name,) for name in sorted(CORRUPTIONS)])


def _one_pole_forest(a: Fraction) -> dict[str, Any]:
    """A depth-2 width-2 realization of ``(1/2)^s`` whose two paths weigh ``a`` and ``1 - a``
    (they cancel except for their sum 1), so ``W² = max(a², (1-a)²)`` while ``c_1⁴ = 1``."""
    g = lambda x: [str(Fraction(x)), "0"]  # noqa: E731
    deep = {"eigenvalues": [[g("1/2"), g("1/2")], [g(0), g(0)]], "B": [[g(1), g(1)],
            [[g(a), g(1 - a)], [g(0), g(0)]]], "C": [g(1), g(0)]}
    W2 = max(a * a, (1 - a) * (1 - a))
    return {"format": FORMAT, "type": "thm4.2.forest", "depth": 2, "width": 2,
            "target": {"poles": [g("1/2")], "residues": [g(1)]}, "deep": deep,
            "W2": str(W2), "c1_4": "1"}


def test_the_forest_bound_is_tight_at_4_to_the_l_minus_1() -> None:
    """``W² ≤ 4^{l-1} c_1⁴`` holds at equality (``a = 2``: ``W² = 4``) and is refuted just above."""
    assert check_certificate(_one_pole_forest(Fraction(2)))[0] == "confirmed"
    status, reason = check_certificate(_one_pole_forest(Fraction(2001, 1000)))
    assert status == "refuted" and "4^(l-1)" in reason


def test_the_shared_certificate_needs_a_multiple_pole() -> None:
    """A simple pole (distinct eigenvalues) is not a double-pole certificate."""
    model = DeepSSM([[sympy.Rational(1, 2)], [sympy.Rational(1, 3)]], [[1], [[1]]], [1])
    w = sympy.Symbol("w")
    cert = certificate("thm4.1.i.shared", model=deep_json(model), pole=gaussian(sympy.Rational(
        1, 2)), order=1, numerator=[["1", "0"]], denominator=[gaussian(c) for c in reversed(
            sympy.Poly(sympy.expand((1 - w / 2) * (1 - w / 3)), w).all_coeffs())], terms=5)
    status, reason = check_certificate(cert)
    assert status == "refuted" and "order 1" in reason


# ------------------------------------------------------------------------------- malformed
MALFORMED = {
    "not an object": [1, 2],
    "no format": {"type": "lemma3.1"},
    "unknown type": {"format": FORMAT, "type": "thm9"},
    "missing model": {"format": FORMAT, "type": "lemma3.1", "terms": 3, "kernel": []},
    "decimal entry": ("lemma3.1", _set(("kernel", 0), ["0.5", "0"])),
    "exponent entry": ("lemma3.1", _set(("kernel", 0), ["1e3", "0"])),
    "zero denominator": ("lemma3.1", _set(("kernel", 0), ["1/0", "0"])),
    "number not string": ("thm4.1.i", _set(("deep", "C", 0), [1, 0])),
    "ragged coupling": ("thm4.2.forest", _set(("deep", "B", 0), [])),
    "unstable eigenvalue": ("thm4.1.i", _set(("deep", "eigenvalues", 0, 0), ["1", "0"])),
    "terms a string": ("thm4.1.i.shared", _set(("terms",), "9")),
    "W2 missing": ("thm4.2.forest", lambda c: c.pop("W2")),
    "kernel wrong length": ("lemma3.1", lambda c: c["kernel"].pop()),
}


def test_a_malformed_certificate_is_reported() -> None:
    def check(name: str) -> None:
        case = MALFORMED[name]
        status, reason = _corrupt(*case) if isinstance(case, tuple) else check_certificate(case)
        assert status == "malformed", reason

    check_every_case(check, [(name,) for name in sorted(MALFORMED)])


def test_check_report_rejects_a_non_report() -> None:
    with pytest.raises(CertificateInputError, match="report"):
        check_report([])  # type: ignore[arg-type]


def test_readers_name_the_entry() -> None:
    with pytest.raises(Malformed, match=r"deep\.C"):
        read_model({"eigenvalues": [[["0", "0"]]], "B": [[["1", "0"]]], "C": [["x", "0"]]},
                   "deep")
    with pytest.raises(Malformed, match="target.poles"):
        read_shallow({"poles": [], "residues": []})


# ------------------------------------------------------------------------- agreement with sympy
gaussians = st.tuples(st.integers(-4, 4), st.integers(1, 5), st.integers(-4, 4)).map(
    lambda t: sympy.Rational(t[0], t[1]) + sympy.Rational(t[2], t[1] + 1) * sympy.I)
stable = st.tuples(st.integers(-3, 3), st.integers(-3, 3)).map(
    lambda t: sympy.Rational(t[0], 5) + sympy.Rational(t[1], 5) * sympy.I)


@st.composite
def exact_models(draw: Any) -> DeepSSM:
    depth, width = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    lam = [[draw(stable) for _ in range(width)] for _ in range(depth)]
    B = [np.array([draw(gaussians) for _ in range(width)], dtype=object)]
    B += [np.array([[draw(gaussians) for _ in range(width)] for _ in range(width)],
                   dtype=object) for _ in range(depth - 1)]
    return DeepSSM(lam, B, [draw(gaussians) for _ in range(width)])


# 25 examples before the profile-scaled budgets: ``full`` keeps at least as many (half of the
# profile's 50 or 100), the default run a fifth of that.
@example_budgets(0.1, 0.5)
def test_the_checker_agrees_with_the_sympy_kernel(examples: int) -> None:
    """The stdlib closed form and simulation reproduce the sympy kernel of random exact models,
    and every change of one kernel entry is refuted."""
    run_examples(examples, check_against_the_sympy_kernel, model=exact_models(),
                 where=st.integers(0, 100), by=st.fractions(
                     min_value=Fraction(-1), max_value=Fraction(1)).filter(lambda x: x != 0))


def check_against_the_sympy_kernel(model: DeepSSM, where: int, by: Fraction) -> None:
    T = 2 * model.depth * model.width + 1
    kernel = [gaussian(x) for x in model.kernel(T, "recurrence")]
    cert = certificate("lemma3.1", model=deep_json(model), terms=T, kernel=kernel)
    assert check_certificate(cert)[0] == "confirmed"
    cert["kernel"][where % T] = bumped(kernel[where % T], by)
    assert check_certificate(cert)[0] == "refuted"


# ------------------------------------------------------------------------------- the command
def test_main_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(small_report()))
    assert main([str(good)]) == 0
    assert f"{len(check_report(small_report()))}/" in capsys.readouterr().out
    report = small_report()
    certificates(report)["thm4.1.i.shared"]["order"] = 3
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(report))
    assert main([str(bad)]) == 1
    (tmp_path / "junk.json").write_text("{not json")
    assert main([str(tmp_path / "junk.json")]) == 2
    assert main([str(tmp_path / "missing.json")]) == 2
    assert main([]) == 2
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"claims": []}))
    assert main([str(empty)]) == 1  # no certificate found is not a confirmation


#: Run the checker's file with every non-standard-library package it could use blocked, then
#: list the top-level modules loaded that are not in the standard library.
_ISOLATED = """
import sys
for name in ("numpy", "sympy", "mpmath", "scipy", "theory", "verify", "hypothesis"):
    sys.modules[name] = None
import runpy
sys.argv = ["certcheck", sys.argv[1]]
try:
    runpy.run_path(sys.argv_path, run_name="__main__")
except SystemExit as exc:
    code = exc.code
extra = sorted({m.split(".")[0] for m, mod in sys.modules.items() if mod is not None}
               - set(sys.stdlib_module_names) - {"__main__", "__mp_main__"})
print("EXIT", code, "EXTRA", extra)
"""


def test_the_checker_needs_only_the_standard_library(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(small_report()))
    script = _ISOLATED.replace("sys.argv_path", repr(str(ROOT / "verify" / "certcheck.py")))
    out = subprocess.run([sys.executable, "-I", "-S", "-c", script, str(path)], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "confirmed" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "EXIT 0 EXTRA []", out.stdout


def test_the_module_form_loads_no_numerical_stack() -> None:
    """``python -m verify.certcheck`` imports the package ``verify`` first; it must stay free of
    numpy, sympy, mpmath and theory too (``verify.__version__`` is loaded on access)."""
    code = ("import sys, verify.certcheck, verify; "
            "print(sorted(m for m in ('numpy', 'sympy', 'mpmath', 'scipy', 'theory') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"
