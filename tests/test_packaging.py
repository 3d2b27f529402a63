"""Packaging promises: bounded runtime dependencies, and CI runs the README's test command."""

from __future__ import annotations

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
    'python -m pip install ".[test]" && python -m pytest',
)


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


def _ci_test_command(script: str) -> str:
    """The value assigned to ``TEST_COMMAND=`` in ``.ci/run`` (shell quoting removed)."""
    found = re.findall(r"^TEST_COMMAND=(.+)$", script, flags=re.MULTILINE)
    assert len(found) == 1, "`.ci/run` must assign TEST_COMMAND exactly once"
    words = shlex.split(found[0])
    assert len(words) == 1, "TEST_COMMAND must be one quoted string"
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


def test_readme_claim_table_lists_every_registered_claim():
    from verify.registry import all_claims

    readme = (ROOT / "README.md").read_text()
    missing = [c.id for c in all_claims() if f"`{c.id}`" not in readme]
    assert not missing, f"claims missing from the README claim table: {missing}"
