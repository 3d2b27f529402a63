"""``CITATION.cff`` is valid Citation File Format 1.2.0 and cites both papers the suite checks.

The official CFF 1.2.0 JSON schema (``$id`` https://citation-file-format.github.io/1.2.0/schema.json)
is read from the ``rs-metadata`` distribution, which ships an unmodified copy as package data
(``cffconvert`` ships the same file but pins ``jsonschema<4``, which clashes with ``nbformat``).
The schema is a Draft-07 schema; dates must be compared as strings, so the YAML is read with a
loader that leaves timestamps as the strings they were written as.
"""

from __future__ import annotations

import copy
import datetime
import importlib.metadata
import importlib.resources
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CITATION = ROOT / "CITATION.cff"
SCHEMA_ID = "https://citation-file-format.github.io/1.2.0/schema.json"
SCHEMA_PACKAGE = "rs_metadata"
SCHEMA_RESOURCE = ("data", "cff-1.2.0.schema.json")

#: DOIs of the arXiv records of BYJL25 and WX23 (the papers whose claims the suite checks).
PAPER_DOIS = {
    "10.48550/arXiv.2506.19296": {"Bao", "Yu", "Jiang", "Li"},
    "10.48550/arXiv.2309.13414": {"Wang", "Xue"},
}


class _StringDateLoader(yaml.SafeLoader):
    """Safe YAML loader that keeps ``2026-11-24`` as a string (the schema wants strings)."""


_StringDateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load_cff(text: str) -> Any:
    return yaml.load(text, Loader=_StringDateLoader)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    if sys.version_info < (3, 11):
        pytest.skip("the package shipping the CFF 1.2.0 schema (rs-metadata) needs Python >= 3.11")
    resource = importlib.resources.files(SCHEMA_PACKAGE)
    for part in SCHEMA_RESOURCE:
        resource = resource / part
    loaded = json.loads(resource.read_text(encoding="utf-8"))
    assert loaded["$id"] == SCHEMA_ID
    jsonschema.Draft7Validator.check_schema(loaded)
    return loaded


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


@pytest.fixture(scope="module")
def cff() -> dict[str, Any]:
    return _load_cff(CITATION.read_text(encoding="utf-8"))


def _errors(validator: jsonschema.Draft7Validator, document: Any) -> list[str]:
    return [e.message for e in validator.iter_errors(document)]


def test_schema_declares_draft7(schema: dict[str, Any]) -> None:
    assert schema["$schema"].rstrip("#") == "http://json-schema.org/draft-07/schema"
    assert set(schema["required"]) == {"authors", "cff-version", "message", "title"}


def test_citation_file_is_valid_cff_1_2_0(validator: jsonschema.Draft7Validator,
                                          cff: dict[str, Any]) -> None:
    assert _errors(validator, cff) == []
    assert cff["cff-version"] == "1.2.0"


def test_citation_matches_package_metadata(cff: dict[str, Any]) -> None:
    meta = importlib.metadata.metadata("ssm-theory-verify")
    assert cff["title"] == meta["Name"]
    assert cff["version"] == meta["Version"]
    assert cff["license"] == "MIT"
    assert cff["authors"] == [{"name": "ssm-theory-verify contributors"}]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_citation_references_both_papers(cff: dict[str, Any]) -> None:
    by_doi = {ref.get("doi"): ref for ref in cff["references"]}
    assert set(PAPER_DOIS) <= set(by_doi)
    for doi, families in PAPER_DOIS.items():
        ref = by_doi[doi]
        assert {a["family-names"] for a in ref["authors"]} == families
        assert {"type": "doi", "value": doi} in [
            {k: i[k] for k in ("type", "value")} for i in ref["identifiers"]
        ]
        arxiv_id = doi.removeprefix("10.48550/arXiv.")
        assert ref["url"] == f"https://arxiv.org/abs/{arxiv_id}"
    assert by_doi["10.48550/arXiv.2506.19296"]["type"] == "article"
    assert by_doi["10.48550/arXiv.2309.13414"]["type"] == "conference-paper"


# ---------------------------------------------------------------- negative controls
@pytest.mark.parametrize("key", ["cff-version", "message", "authors", "title"])
def test_missing_required_key_is_rejected(validator: jsonschema.Draft7Validator,
                                          cff: dict[str, Any], key: str) -> None:
    broken = copy.deepcopy(cff)
    del broken[key]
    assert any(repr(key) in m and "required" in m for m in _errors(validator, broken))


@pytest.mark.parametrize("date", ["2026-13-24", "24-11-2026", "2026-02-30"])
def test_bad_release_date_is_rejected(validator: jsonschema.Draft7Validator,
                                      cff: dict[str, Any], date: str) -> None:
    # "2026-02-30" matches the schema's pattern; only the "date" format check rejects it
    broken = copy.deepcopy(cff)
    broken["date-released"] = date
    assert _errors(validator, broken) != []


def test_yaml_date_object_is_rejected(validator: jsonschema.Draft7Validator,
                                      cff: dict[str, Any]) -> None:
    # why the loader keeps dates as strings: a plain safe_load turns them into datetime.date
    broken = copy.deepcopy(cff)
    broken["date-released"] = yaml.safe_load("2026-11-24")
    assert isinstance(broken["date-released"], datetime.date)
    assert any("is not of type 'string'" in m for m in _errors(validator, broken))


def test_reference_without_type_is_rejected(validator: jsonschema.Draft7Validator,
                                            cff: dict[str, Any]) -> None:
    broken = copy.deepcopy(cff)
    del broken["references"][0]["type"]
    assert _errors(validator, broken) != []


def test_bad_doi_is_rejected(validator: jsonschema.Draft7Validator,
                             cff: dict[str, Any]) -> None:
    broken = copy.deepcopy(cff)
    broken["references"][1]["doi"] = "arXiv:2309.13414"
    assert _errors(validator, broken) != []


def test_loader_keeps_dates_as_strings() -> None:
    assert _load_cff("date-released: 2026-11-24\n") == {"date-released": "2026-11-24"}
