"""What a report records about the run itself: command line, platform, versions, git, BLAS.

:func:`environment` gathers it once, after the run (so that the BLAS libraries the checks loaded
are reported, see :func:`threadpoolctl.threadpool_info`). The git commit and dirty flag are read
from the checkout this package was imported from; outside a git checkout (an installed wheel,
a source archive) or without ``git`` the report says ``"not a git checkout"`` and the run goes on.

"dirty" means that tracked files differ from the commit (``git status --porcelain
--untracked-files=no`` lists something); untracked files do not count.
"""

from __future__ import annotations

import os
import platform
import shlex
import subprocess
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from theory.validation import fail
from verify.report import versions

__all__ = ["environment", "git_state", "blas_threads"]

#: Packages whose versions the report adds to :func:`verify.report.versions`.
EXTRA_PACKAGES = ("matplotlib", "threadpoolctl", "python-flint")

#: Fields of :func:`threadpoolctl.threadpool_info` entries kept in the report.
BLAS_FIELDS = ("user_api", "internal_api", "prefix", "version", "num_threads",
               "threading_layer", "architecture")

#: Seconds a git command may take before the checkout is reported as unknown.
GIT_TIMEOUT = 10

_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def _argv(argv: Any) -> list[str]:
    """The module's validation choke point: ``argv`` as a list of strings."""
    if not (isinstance(argv, Sequence) and not isinstance(argv, str)
            and all(isinstance(a, str) for a in argv)):
        fail("argv", "a sequence of strings", argv)
    return list(argv)


def _git(root: Path, *args: str) -> str | None:
    """Standard output of ``git -C root args`` (stripped), ``None`` if git fails or is missing."""
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def git_state(root: str | os.PathLike[str] = _SOURCE_ROOT) -> dict[str, Any]:
    """``{"commit", "dirty", "describe"}`` of the git checkout whose top level is ``root``.

    ``root`` defaults to the directory holding the ``theory`` and ``verify`` packages. When
    ``root`` is not the top level of a git checkout (or git is missing or fails), ``commit`` and
    ``dirty`` are ``None`` and ``describe`` is ``"not a git checkout"``; this never raises for
    that reason.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``root`` is not a path.
    """
    if not isinstance(root, (str, os.PathLike)) or str(root) == "":
        fail("root", "a directory path", root)
    root = Path(root).resolve()
    top = _git(root, "rev-parse", "--show-toplevel") if root.is_dir() else None
    commit = _git(root, "rev-parse", "HEAD") if top and Path(top).resolve() == root else None
    status = _git(root, "status", "--porcelain", "--untracked-files=no") if commit else None
    if commit is None or status is None:
        return {"commit": None, "dirty": None, "describe": "not a git checkout"}
    dirty = status != ""
    return {"commit": commit, "dirty": dirty,
            "describe": commit + (" (dirty: tracked files modified)" if dirty else " (clean)")}


def blas_threads() -> list[dict[str, Any]]:
    """The loaded BLAS/OpenMP libraries and their thread counts (:data:`BLAS_FIELDS` of each
    :func:`threadpoolctl.threadpool_info` entry; host paths left out)."""
    from threadpoolctl import threadpool_info

    return [{k: info.get(k) for k in BLAS_FIELDS} for info in threadpool_info()]


def _package_versions() -> dict[str, str]:
    out = versions()
    for pkg in EXTRA_PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def environment(argv: Sequence[str]) -> dict[str, Any]:
    """The run's environment, JSON-ready: the command line (``python -m verify`` followed by
    ``argv``, shell-quoted), the Python executable, the platform, CPU count, package versions,
    :func:`git_state` and :func:`blas_threads`.

    Raises
    ------
    theory.numbers.InvalidParameterError
        If ``argv`` is not a sequence of strings.
    """
    args = _argv(argv)
    return {
        "command_line": shlex.join(["python", "-m", "verify", *args]),
        "argv": args,
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "versions": _package_versions(),
        "git": git_state(),
        "blas": blas_threads(),
    }
