"""Startup cost: heavy modules load on first use, never at import (issue 10, item 5).

``python -m verify --list`` and the import of every module of ``theory`` and ``verify`` must not
load ``scipy.signal`` (about 1 s of a 2 s startup before it was made lazy), ``scipy.optimize``,
``scipy.linalg``, ``scipy.special`` or the other modules of :data:`HEAVY`. The modules that need
them import ``scipy`` only; its submodules load on first attribute access (SciPy's lazy
submodules). The checks are deterministic (which modules a fresh interpreter loads), never a
wall-clock limit.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

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


def test_the_importtime_check_sees_a_heavy_import():
    """Negative control: the log parser does report a heavy module that is imported."""
    assert heavy_in_importtime("-c", "import scipy.linalg") == ["scipy.linalg"]


def test_no_module_imports_a_heavy_module_at_import():
    importers = json.loads(_run("-c", _ATTRIBUTE.format(heavy=HEAVY, modules=MODULES))
                           .stdout.splitlines()[-1])
    assert importers == PENDING
