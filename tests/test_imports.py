"""Startup cost: heavy modules load on first use, never at import (issue 10, item 5).

``python -m verify --list`` and the import of every module of ``theory`` and ``verify`` must not
load ``scipy.signal`` (about 1 s of a 2 s startup before it was made lazy), ``scipy.optimize``,
``scipy.linalg``, ``scipy.special`` or the other modules of :data:`HEAVY`. The modules that need
them import ``scipy`` only; its submodules load on first attribute access (SciPy's lazy
submodules). The checks are deterministic (which modules a fresh interpreter loads), never a
wall-clock limit.

Importing every module in a fresh interpreter and the negative control that imports
``scipy.linalg`` take seconds: they carry the ``extended`` marker (CI runs them in its second
step, ``python -m pytest -m extended``). The default run keeps a static check of the
module-level import statements of every module and a negative control that imports ``tqdm``.
"""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy.signal", "scipy.optimize", "scipy.linalg", "scipy.special", "scipy.stats",
         "scipy.integrate", "scipy.interpolate", "scipy.sparse", "matplotlib", "tqdm")
PACKAGES = ("theory", "verify", "verify.claims", "verify.experiments")
MODULES = sorted(f"{pkg}.{info.name}" for pkg in PACKAGES
                 for info in pkgutil.iter_modules([str(ROOT.joinpath(*pkg.split(".")))]))
# Modules that still import a heavy module at module level, with what they load (none now).
# The test asks for an entry's removal once its module is lazy. While an entry is here, a
# second module importing the same heavy module after it would go unnoticed.
PENDING: dict[str, list[str]] = {}

# Imports every module in turn; a meta-path finder records, for each heavy module loaded, the
# innermost module of this package on the stack at that moment (the one whose import statement
# loaded it, also when it is imported through another module).
_ATTRIBUTE = """
import importlib, json, sys
heavy, packages, importers = {heavy!r}, ("theory", "verify"), {{}}
class Recorder:
    def find_spec(self, fullname, path=None, target=None):
        hit = [h for h in heavy if fullname == h or fullname.startswith(h + ".")]
        frame = sys._getframe(1) if hit else None
        while frame is not None:
            name = frame.f_globals.get("__name__", "")
            if name.split(".")[0] in packages:
                importers.setdefault(name, set()).add(hit[0])
                break
            frame = frame.f_back
        return None
sys.meta_path.insert(0, Recorder())
for name in {modules!r}:
    importlib.import_module(name)
print(json.dumps({{k: sorted(v) for k, v in sorted(importers.items())}}))
"""


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, *argv], capture_output=True, text=True, cwd=ROOT,
                          check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def heavy_in_importtime(*argv: str) -> list[str]:
    """The modules of :data:`HEAVY` that ``python -X importtime *argv`` loads (from its log)."""
    log = _run("-X", "importtime", *argv).stderr.splitlines()
    names = {line.rsplit("|", 1)[1].strip() for line in log if line.startswith("import time:")}
    return sorted(h for h in HEAVY if any(n == h or n.startswith(h + ".") for n in names))


def test_list_loads_no_heavy_module():
    assert heavy_in_importtime("-m", "verify", "--list") == []


@pytest.mark.parametrize("module", [
    "tqdm", pytest.param("scipy.linalg", marks=pytest.mark.extended)])  # a second of imports
def test_the_importtime_check_sees_a_heavy_import(module):
    """Negative control: the log parser does report a heavy module that is imported."""
    assert heavy_in_importtime("-c", f"import {module}") == [module]


@pytest.mark.extended  # a fresh interpreter imports every module (seconds); in process: below
def test_no_module_imports_a_heavy_module_at_import():
    importers = json.loads(_run("-c", _ATTRIBUTE.format(heavy=HEAVY, modules=MODULES))
                           .stdout.splitlines()[-1])
    assert importers == PENDING


def heavy_imported_at_module_level(source: str) -> list[str]:
    """The modules of :data:`HEAVY` that the import statements of ``source`` name outside
    function bodies and ``if TYPE_CHECKING:`` blocks (the statements that run when the module
    is imported)."""
    if not any(h.split(".")[0] in source for h in HEAVY):  # nothing to parse (parsing is slow)
        return []
    found = set()
    pending = list(ast.parse(source).body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            pending.extend(node.orelse)
            continue
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found.update(h for h in HEAVY for n in names if n == h or n.startswith(h + "."))
        # import statements sit in the bodies of compound statements (and of their handlers
        # and cases), never inside expressions
        pending.extend(child for child in ast.iter_child_nodes(node)
                       if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)))
    return sorted(found)


def test_no_module_has_a_module_level_heavy_import():
    """Smoke version of the test above: the module-level import statements of every module
    (direct imports only; the test above also sees imports through other packages)."""
    importers = {}
    for name in MODULES:
        path = ROOT.joinpath(*name.split("."))
        source = (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).read_text()
        if heavy := heavy_imported_at_module_level(source):
            importers[name] = heavy
    assert importers == PENDING


def test_the_static_check_sees_a_module_level_heavy_import():
    """Negative control: module-level imports (also inside ``if``, ``try``, ``except``,
    ``with`` and class bodies) are reported, imports inside functions and for type checkers
    only are not."""
    source = ("import os\nfrom scipy import signal\ntry:\n    import tqdm.auto\nexcept "
              "ImportError:\n    import scipy.integrate\nclass A:\n    from matplotlib import "
              "pyplot\ndef f():\n    import scipy.optimize\nfrom . import linalg\nif "
              "TYPE_CHECKING:\n    import scipy.sparse\nelse:\n    import scipy.stats\nwith x:\n"
              "    import scipy.interpolate as si\n")
    assert heavy_imported_at_module_level(source) == [
        "matplotlib", "scipy.integrate", "scipy.interpolate", "scipy.signal", "scipy.stats",
        "tqdm"]
