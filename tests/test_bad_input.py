"""Generated bad-input test over every public callable of ``theory`` and ``verify``.

The suite's contract (spec: issue item 6): every public function validates its arguments at one
choke point per module and answers a bad argument with a ``ValueError`` (the suite's
:class:`theory.numbers.InvalidParameterError` is a subclass) whose message names the parameter.

* :func:`public_callables` enumerates, by introspection, every public function and class of
  every module of both packages (``__all__``, or the public names defined in the module) and
  every public method (and ``__call__``) of those classes that takes a parameter.
* ``tests/bad_input_cases.py`` holds one entry per callable: a valid call and the bad values of
  each parameter, or the documented reason why it has no checkable parameter.
  :func:`test_every_public_callable_has_cases` fails when a public callable has no entry (or an
  entry names a callable that no longer exists).
* :func:`test_bad_values`, one test per module of the code under test (its id is the module,
  e.g. ``theory.memory``), checks for every callable of the module that its valid call
  succeeds (so that every failure is due to the substituted value; case id ``key[valid]``)
  and substitutes each bad value into the valid call and asserts the error (or the
  documented result); it reports every failing case by its id, e.g.
  ``theory.memory:power_bound[T=0]``.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import pkgutil
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import mpmath
import pytest
from bad_input_cases import (
    Bad,
    Case,
    Documented,
    Mut,
    Reason,
    build_cases,
    check_every_case,
    label_of,
)

import theory
import verify

#: Seconds a single call may take before the test fails (a bad value must not hang a call).
CALL_TIMEOUT = 20

CASES = build_cases()


def _modules() -> list[Any]:
    names = []
    for pkg in (theory, verify):
        names += [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]
    return [importlib.import_module(n) for n in sorted(names) if not n.endswith("__main__")]


def _public_names(module: Any) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    return [n for n in names
            if (inspect.isfunction(obj := getattr(module, n)) or inspect.isclass(obj))
            and obj.__module__ == module.__name__]


def _methods(cls: type) -> list[str]:
    """Public methods (and ``__call__``) of a class of the suite that take a parameter."""
    if issubclass(cls, (BaseException, enum.Enum)):
        return []
    out = []
    for name, fn in inspect.getmembers(cls, inspect.isfunction):
        # "ǁ" marks the copies mutmut adds to a class under mutation testing (README)
        if (name.startswith("_") and name != "__call__") or "ǁ" in name or \
                not fn.__module__.startswith(("theory", "verify")):
            continue
        if len(inspect.signature(fn).parameters) > 1:
            out.append(name)
    return out


def public_callables() -> set[str]:
    """``"module:name"`` and ``"module:Class.method"`` of every public callable."""
    keys = set()
    for module in _modules():
        for name in _public_names(module):
            keys.add(f"{module.__name__}:{name}")
            obj = getattr(module, name)
            if inspect.isclass(obj):
                keys.update(f"{module.__name__}:{name}.{m}" for m in _methods(obj))
    return keys


def test_every_public_callable_has_cases() -> None:
    """The table covers exactly the public callables (variants ``key(...)`` share a key)."""
    covered = {key.split("(")[0] for key in CASES}
    enumerated = public_callables()
    assert not enumerated - covered, f"public callables without bad-input cases: " \
                                     f"{sorted(enumerated - covered)}"
    assert not covered - enumerated, f"cases for callables that are not public: " \
                                     f"{sorted(covered - enumerated)}"


def test_reasons_are_explained() -> None:
    """Every entry without cases says why, and every case has bad values."""
    for key, entry in CASES.items():
        if isinstance(entry, Reason):
            assert len(entry.why) > 10, key
        else:
            assert entry.bad and all(entry.bad.values()), key


# ---------------------------------------------------------------------------- calling
@contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    def handler(signum: int, frame: Any) -> None:
        raise TimeoutError(f"call did not return within {seconds} s")

    old = signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _invoke(fn: Any, args: tuple, kwargs: dict) -> Any:
    with _time_limit(CALL_TIMEOUT):
        result = fn(*args, **kwargs)
        if inspect.isgenerator(result):
            result = list(result)
    return result


def _substituted(case: Case, param: str, bad: Any) -> tuple[Any, tuple, dict, Any]:
    """The valid call with ``param`` replaced by ``bad``; returns the call and the raw value."""
    fn, args, kwargs = case.valid()
    sig = inspect.signature(fn)
    assert param in sig.parameters, f"{param!r} is not a parameter of {fn!r}"
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    value = bad
    if isinstance(bad, (Bad, Documented)):
        value = bad.value
    elif isinstance(bad, Mut):
        value = bad.fn(bound.arguments[param])
    bound.arguments[param] = value
    return fn, bound.args, bound.kwargs, value


def _names(message: str, name: str) -> bool:
    """The message names ``name`` in its subject, as the suite writes errors: ``subject:
    explanation`` with ``name`` a whole word of the subject (``x: …``, ``layers[1]: …``,
    ``c, c0: …``, ``stack.layers[0].W: …``), so that ``"n"`` is not found in ``"an integer"``.

    An error re-raised with the item it arose in (``layers[0]: x: …``) has both subjects.
    """
    *subjects, _ = message.split(": ")
    for i, subject in enumerate(subjects):
        if i and not re.fullmatch(r"[\w.]+\[\d+\]", subjects[i - 1]):
            break
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", subject):
            return True
    return False


def _bad_cases(key: str) -> Iterator[tuple[str, str, Any]]:
    """``(case id, parameter, bad value)`` of every bad value of the entry ``key``."""
    for param, values in CASES[key].bad.items():
        for bad in values:
            yield f"{key}[{param}={label_of(bad)}]", param, bad


def _module_of(key: str) -> str:
    """The module of the code under test that a table key belongs to."""
    return key.split(":")[0]


def _case_keys(module: str) -> list[str]:
    """Keys of the :class:`Case` entries of ``module``, in table order."""
    return [k for k, e in CASES.items() if isinstance(e, Case) and _module_of(k) == module]


def _modules_with_cases() -> list[str]:
    return sorted({_module_of(k) for k, e in CASES.items() if isinstance(e, Case)})


def _failure(case_id: str, exc: BaseException) -> str:
    return f"{case_id}: {type(exc).__name__}: {exc}"


#: Failures that a check collects: "DID NOT RAISE" (``pytest.fail``) is not an Exception.
_CHECK_FAILURES = (Exception, pytest.fail.Exception)


def _valid_call_failures(key: str) -> list[str]:
    """The valid call of the entry ``key`` succeeds (so a bad-value failure is the value's),
    unless the entry marks it as one not to make (``run_valid=False``)."""
    if not CASES[key].run_valid:
        return []
    try:
        _invoke(*CASES[key].valid())
    except _CHECK_FAILURES as exc:
        return [_failure(f"{key}[valid]", exc)]
    return []


def _check_bad_value(case: Case, param: str, bad: Any) -> None:
    """A bad value raises a ValueError naming the parameter (or gives its documented result)."""
    fn, args, kwargs, value = _substituted(case, param, bad)
    if isinstance(bad, Documented):
        if bad.raises is not None:
            with pytest.raises(bad.raises):
                _invoke(fn, args, kwargs)
        else:
            result = _invoke(fn, args, kwargs)
            assert bad.check(result), f"{bad.doc}; got {result!r}"
        return
    with pytest.raises(ValueError) as info:
        _invoke(fn, args, kwargs)
    message = str(info.value)
    names = (param, *case.aliases.get(param, ()), *getattr(bad, "also", ()))
    assert any(_names(message, name) for name in names), (
        f"the error does not name {' or '.join(map(repr, names))}: {message!r}")


def _bad_value_failures(key: str) -> list[str]:
    """Each bad value of the callable ``key`` that is not refused by name (and does not give
    its documented result), by its case id with its error."""
    failures = []
    for case_id, param, bad in _bad_cases(key):
        try:
            _check_bad_value(CASES[key], param, bad)
        except _CHECK_FAILURES as exc:
            failures.append(_failure(case_id, exc))
    return failures


@pytest.mark.parametrize("module", _modules_with_cases())
def test_bad_values(module: str) -> None:
    """For every callable of ``module``: its valid call succeeds, and every bad value is
    refused by name (or gives its documented result); the failure lists each failing case
    with its error."""
    failures = [f for key in _case_keys(module)
                for f in _valid_call_failures(key) + _bad_value_failures(key)]
    assert not failures, "\n".join(failures)


def test_an_accepted_bad_value_is_reported_by_its_case_id(monkeypatch) -> None:
    """The harness itself: a callable that accepts a bad value fails the callable's test,
    and the failure names the case."""
    monkeypatch.setitem(CASES, "fake:f", Case(lambda: ((lambda a: a), (1,), {}),
                                              {"a": (Bad(float("nan"), "nan"),)}))
    with pytest.raises(AssertionError, match=r"fake:f\[a=nan\]: Failed: DID NOT RAISE"):
        test_bad_values("fake")


def test_a_failing_valid_call_is_reported_by_its_key(monkeypatch) -> None:
    """The harness itself: a valid call that fails fails the module's test, named by
    ``key[valid]``, and the bad values of the callable are still tried."""

    def fails(a: float) -> float:
        raise RuntimeError("broken")

    monkeypatch.setitem(CASES, "fake:g", Case(lambda: (fails, (1.0,), {}),
                                              {"a": (Bad(float("nan"), "nan"),)}))
    with pytest.raises(AssertionError) as info:
        test_bad_values("fake")
    assert "fake:g[valid]: RuntimeError: broken" in str(info.value)
    assert "fake:g[a=nan]: " in str(info.value)


def test_a_table_test_lists_every_failing_case() -> None:
    """The table helper the tests share (``check_every_case``): every case runs, and one
    failure names each failing case (an error, a failed assertion, "DID NOT RAISE") by its
    index and arguments; mpmath's precision is restored after each case."""

    def check(x: int) -> None:
        mpmath.mp.dps = 50
        if x == 1:
            raise ValueError("one")
        assert x != 2, "two"
        if x == 3:
            with pytest.raises(ValueError):
                pass

    prec = mpmath.mp.prec
    with pytest.raises(AssertionError) as info:
        check_every_case(check, [(0,), (1,), (2,), (3,), (4,)])
    message = str(info.value)
    assert message.startswith("3 failing case(s):")
    assert "case 1 (1): ValueError: one" in message and "case 2 (2): AssertionError: two" in message
    assert "case 3 (3): Failed: DID NOT RAISE" in message
    assert "case 0 " not in message and "case 4 " not in message
    assert mpmath.mp.prec == prec
    check_every_case(lambda x: None, [(0,), (1,)])  # no failing case: passes


def test_substitution_reaches_the_callable() -> None:
    """The harness itself: a substituted value is what the callable receives."""
    seen = []
    case = Case(lambda: (lambda a, b=2: seen.append((a, b)), (1,), {}),
                {"b": (Mut(lambda v: v * 10, "times-10"),)})
    fn, args, kwargs, value = _substituted(case, "b", case.bad["b"][0])
    _invoke(fn, args, kwargs)
    assert seen == [(1, 20)] and value == 20


#: ``(message, name, named)``: whether :func:`_names` finds ``name`` in ``message``.
NAMING_CASES = [
    ("n: expected an integer >= 2, got 1", "n", True),
    ("layers[1]: expected d_in = 2", "layers", True),
    ("c, c0: expected shapes (d_out, 1) and (d_out,)", "c", True),
    ("stack.layers[0].W: spectral radius 1.5 >= 1", "stack", True),
    ("layers[0]: x: entries must be finite", "x", True),
    ("kind: expected one of: a, b", "a", False),
    ("gamma: expected an integer base >= 2n + 2 = 6, got 5", "n", False),
    ("x: expected an integer, got 'an'", "n", False),
    ("name_or_activation: unknown activation name 'bogus'", "activation", False),
    ("complex() arg is a malformed string", "x", False),
    ("U: entries must be finite", "values", False),
]


def test_the_parameter_name_is_matched_as_a_word() -> None:
    """The parameter name is found only as a whole word of the message's subject; the
    failure lists every message whose answer is wrong."""
    wrong = [f"{name!r} in {message!r}: expected {named}, got {not named}"
             for message, name, named in NAMING_CASES if _names(message, name) is not named]
    assert not wrong, "\n".join(wrong)
