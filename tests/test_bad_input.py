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
* :func:`test_bad_values` substitutes each bad value of a callable into its valid call and
  asserts the error (or the documented result), one test per callable (its id is the
  callable's key, e.g. ``theory.memory:power_bound``) that reports every failing value by its
  case id ``key[param=label]``; :func:`test_valid_call` checks that the valid call itself
  succeeds, so that every failure is due to the substituted value.
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

import pytest
from bad_input_cases import Bad, Case, Documented, Mut, Reason, build_cases, label_of

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


@pytest.mark.parametrize(
    "key", [k for k, e in CASES.items() if isinstance(e, Case) and e.run_valid])
def test_valid_call(key: str) -> None:
    """The valid call of each entry succeeds (so a bad-value failure is the value's)."""
    fn, args, kwargs = CASES[key].valid()
    _invoke(fn, args, kwargs)


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


@pytest.mark.parametrize("key", [k for k, e in CASES.items() if isinstance(e, Case)])
def test_bad_values(key: str) -> None:
    """Every bad value of the callable ``key`` is refused by name (or gives its documented
    result); the failure lists each failing case with its error."""
    failures = []
    for case_id, param, bad in _bad_cases(key):
        try:
            _check_bad_value(CASES[key], param, bad)
        except (Exception, pytest.fail.Exception) as exc:  # "DID NOT RAISE" is not an Exception
            failures.append(f"{case_id}: {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)


def test_an_accepted_bad_value_is_reported_by_its_case_id(monkeypatch) -> None:
    """The harness itself: a callable that accepts a bad value fails the callable's test,
    and the failure names the case."""
    monkeypatch.setitem(CASES, "fake:f", Case(lambda: ((lambda a: a), (1,), {}),
                                              {"a": (Bad(float("nan"), "nan"),)}))
    with pytest.raises(AssertionError, match=r"fake:f\[a=nan\]: Failed: DID NOT RAISE"):
        test_bad_values("fake:f")


def test_substitution_reaches_the_callable() -> None:
    """The harness itself: a substituted value is what the callable receives."""
    seen = []
    case = Case(lambda: (lambda a, b=2: seen.append((a, b)), (1,), {}),
                {"b": (Mut(lambda v: v * 10, "times-10"),)})
    fn, args, kwargs, value = _substituted(case, "b", case.bad["b"][0])
    _invoke(fn, args, kwargs)
    assert seen == [(1, 20)] and value == 20


@pytest.mark.parametrize(
    ("message", "name", "named"),
    [("n: expected an integer >= 2, got 1", "n", True),
     ("layers[1]: expected d_in = 2", "layers", True),
     ("c, c0: expected shapes (d_out, 1) and (d_out,)", "c", True),
     ("stack.layers[0].W: spectral radius 1.5 >= 1", "stack", True),
     ("layers[0]: x: entries must be finite", "x", True),
     ("kind: expected one of: a, b", "a", False),
     ("gamma: expected an integer base >= 2n + 2 = 6, got 5", "n", False),
     ("x: expected an integer, got 'an'", "n", False),
     ("name_or_activation: unknown activation name 'bogus'", "activation", False),
     ("complex() arg is a malformed string", "x", False),
     ("U: entries must be finite", "values", False)],
)
def test_the_parameter_name_is_matched_as_a_word(message: str, name: str, named: bool) -> None:
    assert _names(message, name) is named
