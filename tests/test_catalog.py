"""The claims' catalog (issue 10, item 5): the single source of the claims' text, and the fast
``python -m verify --list`` built on it.

* the catalog lists exactly the registered claims, in the registry's order, and every registered
  claim carries its entry's text and tiers (names and units, in order);
* the catalog-based listing is byte-identical to :func:`verify.report.format_claim_list` of the
  registered claims;
* registration and :func:`verify.registry.from_catalog` refuse a claim that drifts from its entry
  (negative controls);
* ``python -m verify --list`` imports neither numpy, sympy, mpmath nor :mod:`theory` (from the
  ``-X importtime`` log of a fresh interpreter: deterministic, not a wall-clock limit); the
  negative control of the log parser imports mpmath in the default run, and runs the full
  command-line path (seconds of imports) under the ``extended`` marker.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from bad_input_cases import check_every_case

from theory.numbers import InvalidParameterError
from verify.claims.catalog import (
    CATALOG,
    ClaimText,
    catalog_entry,
    format_catalog,
    format_listing,
    text_table,
)
from verify.registry import Claim, Tier, all_claims, from_catalog, get_claim, register
from verify.report import format_claim_list

ROOT = Path(__file__).resolve().parents[1]
#: What ``--list`` must not import (the modules that made it take ~2 s).
LIGHT_FORBIDDEN = ("numpy", "sympy", "mpmath", "theory", "scipy")


def _suite_claims() -> list[Claim]:
    """The claims the claim modules register (other tests register ``test.*`` claims)."""
    return [c for c in all_claims() if not c.id.startswith("test.")]


def test_catalog_lists_the_registered_claims_in_order() -> None:
    assert [c.id for c in CATALOG] == [c.id for c in _suite_claims()]


def test_every_registered_claim_carries_its_catalog_text() -> None:
    for claim in _suite_claims():
        entry = catalog_entry(claim.id)
        assert entry is not None
        for field in ("paper", "reference", "provenance", "statement", "margin", "expected",
                      "notes", "hypotheses"):
            assert getattr(claim, field) == getattr(entry, field), (claim.id, field)
        assert tuple((t.name, t.unit) for t in claim.tiers) == entry.tiers


def test_catalog_listing_equals_the_registry_listing() -> None:
    assert format_catalog() == format_claim_list(_suite_claims())


def test_module_list_prints_the_catalog_listing() -> None:
    proc = subprocess.run([sys.executable, "-m", "verify", "--list"], capture_output=True,
                          text=True, cwd=ROOT, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == format_catalog() + "\n"


def _imported(*argv: str) -> set[str]:
    """Top-level packages a fresh ``python -X importtime *argv`` imports (from its log)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", *argv], capture_output=True,
                          text=True, cwd=ROOT, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    names = [line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
             if line.startswith("import time:") and "|" in line]
    return {n.split(".")[0] for n in names}


def test_list_imports_neither_numpy_nor_sympy() -> None:
    loaded = _imported("-m", "verify", "--list")
    assert not loaded & set(LIGHT_FORBIDDEN), sorted(loaded & set(LIGHT_FORBIDDEN))
    assert "verify" in loaded


@pytest.mark.extended  # imports numpy, sympy and theory (seconds); smoke version: below
def test_the_import_check_sees_numpy_and_sympy() -> None:
    """Negative control: the log parser reports them when they are imported (the full CLI
    path, ``--list`` with another option, loads the parser's modules)."""
    assert {"numpy", "sympy", "theory"} <= _imported("-m", "verify", "--list", "--seed", "1")


def test_the_import_check_sees_mpmath() -> None:
    """Negative control, smoke version of the test above: a forbidden package that is quick
    to import is reported."""
    assert _imported("-c", "import mpmath") & set(LIGHT_FORBIDDEN) == {"mpmath"}


def _tiers_of(claim_id: str) -> tuple[Tier, ...]:
    return get_claim(claim_id).tiers


def test_from_catalog_builds_the_registered_claim() -> None:
    claim = get_claim("byjl25.thm4.1.ii")
    again = from_catalog(claim.id, tiers=claim.tiers, default_instances=claim.default_instances)
    assert again == claim


def test_from_catalog_refuses_tiers_that_differ() -> None:
    tiers = _tiers_of("byjl25.thm4.1.ii")
    changes = {
        "rename": (dataclasses.replace(tiers[0], name="exact"), *tiers[1:]),
        "unit": (dataclasses.replace(tiers[0], unit="decades"), *tiers[1:]),
        "order": (tiers[1], tiers[0], *tiers[2:]),
        "drop": tiers[:-1],
        "add": (*tiers, dataclasses.replace(tiers[0], name="another tier")),
    }

    def check(change: str) -> None:
        with pytest.raises(InvalidParameterError, match="^tiers: expected the catalog's tiers"):
            from_catalog("byjl25.thm4.1.ii", tiers=changes[change])

    check_every_case(check, [(change,) for change in changes])


def test_from_catalog_refuses_an_unknown_id() -> None:
    with pytest.raises(InvalidParameterError, match="^claim_id: "):
        from_catalog("no.such.claim", tiers=_tiers_of("byjl25.thm4.1.ii"))
    with pytest.raises(InvalidParameterError, match="^claim_id: "):
        from_catalog(3, tiers=_tiers_of("byjl25.thm4.1.ii"))  # type: ignore[arg-type]


def test_register_refuses_a_claim_that_drifts_from_its_entry() -> None:
    claim = get_claim("wx23.thm3.13.bound")

    def check(field: str) -> None:
        value = {"hypotheses": ("another",), "expected": "finding", "provenance": "paper"}.get(
            field, "another text")
        with pytest.raises(InvalidParameterError, match=f"^{field}: expected the catalog's"):
            register(dataclasses.replace(claim, **{field: value}))
        assert get_claim(claim.id) is claim

    fields = ["statement", "margin", "reference", "notes", "expected", "provenance", "hypotheses"]
    check_every_case(check, [(field,) for field in fields])


def test_register_refuses_tiers_that_drift_from_the_entry() -> None:
    claim = get_claim("byjl25.thm4.1.iii")
    tier = dataclasses.replace(claim.tiers[0], unit="decades")
    with pytest.raises(InvalidParameterError, match="^tiers: "):
        register(dataclasses.replace(claim, tiers=(tier,)))


def test_text_table_and_listing_shapes() -> None:
    assert text_table(("a", "bb"), [("xyz", "1")]) == "a    bb\n---  --\nxyz  1"
    assert text_table(("a",), []) == "a\n-"
    entry = ClaimText("x.y", "WX23", "Lemma 0", "paper", "s", "m", (("t", None),))
    assert format_listing([entry]).endswith("margins:\n  x.y: m\n    units: t = not stated")


BAD_INPUT = [
    (lambda: catalog_entry(3), "claim_id"),
    (lambda: text_table("ab", []), "header"),
    (lambda: text_table((), []), "header"),
    (lambda: text_table(("a",), [("x", "y")]), "rows"),
    (lambda: text_table(("a",), [(3,)]), "rows"),
    (lambda: format_listing("claims"), "claims"),
    (lambda: format_listing([3]), "claims"),
]


def test_bad_input_is_refused() -> None:
    def check(call, name) -> None:
        with pytest.raises(InvalidParameterError, match=f"^{name}: "):
            call()

    check_every_case(check, BAD_INPUT)


def test_unknown_id_has_no_entry() -> None:
    assert catalog_entry("no.such.claim") is None
    assert catalog_entry("byjl25.thm4.1.ii") is CATALOG[[c.id for c in CATALOG].index(
        "byjl25.thm4.1.ii")]
