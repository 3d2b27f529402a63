"""``CITATION.cff`` is valid Citation File Format 1.2.0, cites both papers the suite checks, and
agrees with ``.zenodo.json``.

The official CFF 1.2.0 JSON schema (``$id`` https://citation-file-format.github.io/1.2.0/schema.json,
from https://raw.githubusercontent.com/citation-file-format/citation-file-format/1.2.0/schema.json,
licence CC-BY-4.0, (c) the Citation File Format authors) is vendored as
``tests/data/cff-1.2.0.schema.json`` so that the check runs on every supported Python with
``jsonschema`` alone. The file is the copy shipped by ``rs-metadata`` 1.0.0 as package data
(re-indented from the upstream file, content unchanged; its SHA-256 is pinned below so that an
edit shows). The schema is a Draft-07 schema; dates must be compared as strings, so the YAML is
read with a loader that leaves timestamps as the strings they were written as.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import importlib.metadata
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CITATION = ROOT / "CITATION.cff"
ZENODO = ROOT / ".zenodo.json"
SCHEMA_ID = "https://citation-file-format.github.io/1.2.0/schema.json"
SCHEMA = Path(__file__).resolve().parent / "data" / "cff-1.2.0.schema.json"
SCHEMA_SHA256 = "e75f3fe0dedbecbb15ff91e94aac366fd21f82baab05f3529109cec4ac148185"
#: Stands for the repository URL until the repository is public (documented in CITATION.cff).
REPOSITORY_PLACEHOLDER = "https://example.org/ssm-theory-verify"

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
    raw = SCHEMA.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256, "the vendored schema was edited"
    loaded = json.loads(raw)
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
    from verify import __version__

    meta = importlib.metadata.metadata("ssm-theory-verify")
    assert cff["title"] == meta["Name"]
    assert cff["version"] == meta["Version"] == __version__
    assert cff["preferred-citation"]["version"] == __version__
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


# ---------------------------------------------------------------- preferred citation, URL
def test_preferred_citation_is_the_software_itself(cff: dict[str, Any]) -> None:
    preferred = cff["preferred-citation"]
    assert preferred["type"] == "software"
    assert preferred["authors"] == cff["authors"]
    assert preferred["date-released"] == cff["date-released"]
    assert preferred["year"] == int(cff["date-released"][:4])
    assert "arXiv:2506.19296" in preferred["notes"] and "arXiv:2309.13414" in preferred["notes"]


def test_repository_url_placeholder_is_documented_where_it_is_used(cff: dict[str, Any]) -> None:
    """While the URL is the placeholder, CITATION.cff says so in a comment; both fields that
    carry the URL (and .zenodo.json) agree."""
    url = cff["repository-code"]
    assert cff["preferred-citation"]["repository-code"] == url
    zenodo_urls = [r["identifier"] for r in json.loads(ZENODO.read_text(encoding="utf-8"))
                   ["related_identifiers"] if r["scheme"] == "url"]
    assert zenodo_urls == [url]
    if url == REPOSITORY_PLACEHOLDER:
        comments = [line for line in CITATION.read_text(encoding="utf-8").splitlines()
                    if line.lstrip().startswith("#")]
        assert any("PLACEHOLDER" in line and url in line for line in comments)


# ---------------------------------------------------------------- .zenodo.json
def _words(text: str) -> str:
    return " ".join(text.split())


def test_zenodo_metadata_agrees_with_the_citation_file(cff: dict[str, Any]) -> None:
    zenodo = json.loads(ZENODO.read_text(encoding="utf-8"))
    assert zenodo["title"] == cff["title"] and zenodo["version"] == cff["version"]
    assert zenodo["publication_date"] == cff["date-released"]
    assert zenodo["upload_type"] == cff["type"] == "software"
    assert zenodo["license"] == cff["license"]
    assert zenodo["keywords"] == cff["keywords"]
    assert [c["name"] for c in zenodo["creators"]] == [a["name"] for a in cff["authors"]]
    assert _words(zenodo["description"]) == _words(cff["abstract"])
    cited = [r["identifier"] for r in zenodo["related_identifiers"] if r["scheme"] == "doi"]
    assert cited == [ref["doi"] for ref in cff["references"]]
    assert all(r["relation"] == "references" for r in zenodo["related_identifiers"]
               if r["scheme"] == "doi")


@pytest.mark.parametrize(("key", "value"), [("authors", None), ("repository-code", "example.org"),
                                          ("type", "podcast")])
def test_bad_preferred_citation_is_rejected(validator: jsonschema.Draft7Validator,
                                            cff: dict[str, Any], key: str, value: Any) -> None:
    broken = copy.deepcopy(cff)
    if value is None:
        del broken["preferred-citation"][key]
    else:
        broken["preferred-citation"][key] = value
    assert _errors(validator, broken) != []
