"""Packaging promises: bounded runtime dependencies, CI runs the README's test command, one
source for the version, a Keep a Changelog changelog."""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest
from packaging.requirements import Requirement

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_DEPENDENCIES = {"numpy", "scipy", "sympy", "mpmath", "tqdm"}
README_COMMANDS = (
    "python -m pip install . && python -m verify",
    'python -m pip install ".[test]" && python -m pytest -n auto',
)
#: CI's second test step (``.ci/run``): the tests the default run leaves out as ``extended``.
EXTENDED_COMMAND = "python -m pytest -n auto -m extended"


def _runtime_requirements() -> list[str]:
    if tomllib is not None:
        with open(ROOT / "pyproject.toml", "rb") as fh:
            return tomllib.load(fh)["project"]["dependencies"]
    import importlib.metadata

    return [r for r in importlib.metadata.requires("ssm-theory-verify") or []
            if "extra ==" not in r]


def _has_lower_bound(requirement: str) -> bool:
    return any(spec.operator in (">=", ">", "==", "~=")
               for spec in Requirement(requirement).specifier)


def _bash_fence_commands(markdown: str) -> list[str]:
    """Non-empty, non-comment lines of the ```bash / ```sh / ```shell fences, in order."""
    commands = []
    for body in re.findall(r"^```(?:bash|sh|shell|console)[ \t]*\n(.*?)^```", markdown,
                           flags=re.MULTILINE | re.DOTALL):
        for line in body.splitlines():
            line = line.strip().removeprefix("$ ").strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def _ci_test_command(script: str, name: str = "TEST_COMMAND") -> str:
    """The value assigned to ``name=`` in ``.ci/run`` (shell quoting removed)."""
    found = re.findall(rf"^{name}=(.+)$", script, flags=re.MULTILINE)
    assert len(found) == 1, f"`.ci/run` must assign {name} exactly once"
    words = shlex.split(found[0])
    assert len(words) == 1, f"{name} must be one quoted string"
    return words[0]


def test_runtime_dependencies_have_lower_bounds() -> None:
    reqs = _runtime_requirements()
    names = {Requirement(r).name.lower() for r in reqs}
    assert RUNTIME_DEPENDENCIES <= names
    unbounded = [r for r in reqs if not _has_lower_bound(r)]
    assert unbounded == []


def test_lower_bound_check_rejects_an_unbounded_requirement() -> None:
    assert not _has_lower_bound("numpy")
    assert not _has_lower_bound("numpy<3")
    assert _has_lower_bound("numpy>=1.26")


def test_ci_script_runs_the_readme_test_command() -> None:
    readme = ROOT / "README.md"
    if not readme.exists():
        pytest.skip("README.md has not been written yet")
    commands = _bash_fence_commands(readme.read_text(encoding="utf-8"))
    assert tuple(commands[:2]) == README_COMMANDS
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _ci_test_command(script) == commands[1]
    # the command is actually executed, not only assigned
    assert re.search(r'^[^#\n]*"\$\{?TEST_COMMAND\}?"', script, flags=re.MULTILINE)


def test_ci_script_runs_the_extended_tests_that_the_default_run_leaves_out() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _ci_test_command(script, "EXTENDED_COMMAND") == EXTENDED_COMMAND
    assert re.search(r'^[^#\n]*"\$\{?EXTENDED_COMMAND\}?"', script, flags=re.MULTILINE)
    if tomllib is None:
        pytest.skip("reading pyproject.toml needs tomllib (Python >= 3.11)")
    with open(ROOT / "pyproject.toml", "rb") as fh:
        options = tomllib.load(fh)["tool"]["pytest"]["ini_options"]
    assert "-m 'not slow and not extended'" in options["addopts"]
    assert any(m.startswith("extended:") for m in options["markers"])
    assert "-n" not in shlex.split(options["addopts"])  # mutmut runs pytest itself


def test_ci_script_is_strict_and_executable() -> None:
    path = ROOT / ".ci" / "run"
    script = path.read_text(encoding="utf-8")
    assert script.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in script
    assert path.stat().st_mode & 0o111
    assert re.search(r"-eq 5\b", script), "pytest's 'no tests collected' must fail CI"


def test_command_parsers_notice_a_mismatch() -> None:
    readme = "# x\n\n```bash\npython -m pip install . && python -m verify\n```\n\n" \
             "```bash\n$ python -m pip install \".[test]\" && python -m pytest -x\n```\n"
    commands = _bash_fence_commands(readme)
    assert commands[0] == README_COMMANDS[0]
    assert commands[1] != README_COMMANDS[1]
    script = "#!/usr/bin/env bash\nTEST_COMMAND='python -m pytest'\n"
    assert _ci_test_command(script) != README_COMMANDS[1]


def _readme_claim_tags() -> dict[str, str]:
    """``{claim id: provenance tag}`` read from the rows of the README's claim table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Claims\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    cells = [[c.strip() for c in line.strip("|").split(" | ")] for line in rows]
    return {row[0].split("`")[1]: row[1] for row in cells}


def test_readme_claim_table_has_every_claim_with_its_registered_tag():
    from verify.registry import all_claims

    assert _readme_claim_tags() == {c.id: c.provenance for c in all_claims()}


def test_no_claim_is_tagged_paper_without_an_attested_statement():
    """``paper`` needs the statement itself in the abstract or several summaries; the suite's
    formulations of WX23's results (existence attested, statement rebuilt) are not."""
    from verify.registry import get_claim

    for cid in ("wx23.result_b1", "wx23.thm3.13.bound", "wx23.thm3.13.rate"):
        assert get_claim(cid).provenance != "paper", cid


# ------------------------------------------------------------------ version and changelog
KEEP_A_CHANGELOG_KINDS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def _literal_version(path: Path) -> str:
    """The string literal assigned to ``__version__`` in ``path`` (read without importing)."""
    values = [node.value.value for node in ast.parse(path.read_text(encoding="utf-8")).body
              if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
              and any(getattr(t, "id", None) == "__version__" for t in node.targets)]
    assert len(values) == 1 and isinstance(values[0], str), values
    return values[0]


def test_version_has_a_single_source() -> None:
    """``theory.__version__`` is a literal that pyproject reads; the rest repeat it."""
    import importlib.metadata

    import theory
    import verify

    version = _literal_version(ROOT / "theory" / "__init__.py")
    assert theory.__version__ == verify.__version__ == version
    assert verify.__version__ is theory.__version__
    assert importlib.metadata.version("ssm-theory-verify") == version  # installed metadata
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    if tomllib is None:
        pytest.skip("reading pyproject.toml needs tomllib (Python >= 3.11)")
    with open(ROOT / "pyproject.toml", "rb") as fh:
        pyproject = tomllib.load(fh)
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "theory.__version__"}


def test_literal_version_reader_refuses_a_computed_version(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("__version__ = '.'.join(['0', '1'])\n")
    with pytest.raises(AssertionError):
        _literal_version(path)


def _changelog_sections(text: str) -> list[tuple[str, str | None, list[str]]]:
    """``(version, date, kinds)`` of each ``## [version] - date`` section, in order."""
    sections = []
    for block in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        head = block.splitlines()[0]
        match = re.fullmatch(r"\[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?", head)
        assert match, f"changelog heading not in Keep a Changelog form: {head!r}"
        kinds = re.findall(r"^### (.+)$", block, flags=re.MULTILINE)
        sections.append((match.group(1), match.group(2), kinds))
    return sections


def test_changelog_follows_keep_a_changelog_and_names_the_version() -> None:
    import verify

    sections = _changelog_sections((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    assert sections[0][0] == "Unreleased" and sections[0][1] is None
    released = {v: d for v, d, _ in sections[1:]}
    assert verify.__version__ in released
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f'date-released: "{released[verify.__version__]}"' in cff
    assert all(kinds and set(kinds) <= KEEP_A_CHANGELOG_KINDS for _, _, kinds in sections)
    dates = [d for _, d, _ in sections[1:]]
    assert dates == sorted(dates, reverse=True)


def test_changelog_parser_rejects_other_headings() -> None:
    with pytest.raises(AssertionError):
        _changelog_sections("# Changelog\n\n## Version 0.1.0\n\n### Added\n\n- x\n")
    assert _changelog_sections("## [Unreleased]\n\n### Fixed\n\n- x\n") == [
        ("Unreleased", None, ["Fixed"])]


def test_test_extra_runs_on_every_supported_python() -> None:
    """No test dependency restricted to some Python versions (the CFF schema is vendored)."""
    if tomllib is None:
        pytest.skip("reading pyproject.toml needs tomllib (Python >= 3.11)")
    with open(ROOT / "pyproject.toml", "rb") as fh:
        test_extra = tomllib.load(fh)["project"]["optional-dependencies"]["test"]
    assert [r for r in test_extra if Requirement(r).marker is not None] == []
    assert "jsonschema" in {Requirement(r).name for r in test_extra}
    assert (ROOT / "tests" / "data" / "cff-1.2.0.schema.json").is_file()
