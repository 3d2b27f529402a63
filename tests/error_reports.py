"""One helper for tests that run many bad calls and report every wrong outcome at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any


def wrong_error_reports(
    cases: Iterable[tuple[str, Callable[[], Any], type[BaseException], str]],
) -> list[str]:
    """Run each ``(label, thunk, error class, message pattern)``; describe every call that
    did not raise that error class with a message matching the pattern (empty: all did)."""
    failures = []
    for label, thunk, error, pattern in cases:
        try:
            thunk()
        except error as exc:
            if not re.search(pattern, str(exc)):
                failures.append(f"{label}: message {str(exc)!r} does not match {pattern!r}")
        except Exception as exc:  # noqa: BLE001 - report every wrong error class at once
            failures.append(f"{label}: raised {type(exc).__name__}: {exc}")
        else:
            failures.append(f"{label}: no error")
    return failures
