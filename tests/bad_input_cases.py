"""The bad-input table of ``tests/test_bad_input.py``: one entry per public callable.

Every public function, class and public method (with parameters) of ``theory`` and ``verify``
has an entry keyed ``"module:qualname"``:

* :class:`Case` — one *valid* call (tiny, fast arguments, built lazily) and, per parameter, bad
  values to substitute into it. Each substitution must raise a ``ValueError`` (the suite's
  :class:`theory.numbers.InvalidParameterError` is one) whose message names the parameter, or,
  for a value wrapped in :class:`Documented`, give the documented result.
* :class:`Reason` — why the callable has no checkable parameter (exceptions, result records
  that only the validated functions of their module construct, argument-free functions, CLI
  entry points whose arguments argparse checks).

A bad value is a plain value, a :class:`Bad` (a value with a readable label), a :class:`Mut`
(a function of the valid argument, e.g. the valid array with one NaN entry) or a
:class:`Documented` result.

:func:`check_every_case` runs a check over a whole table of cases in one test (the tests' bad
input tables and other tables of cheap cases) and fails once, naming every failing case.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy

NAN, INF = float("nan"), float("inf")
R = sympy.Rational


# ---------------------------------------------------------------------------- table entries
@dataclass(frozen=True)
class Bad:
    """A bad value with a label for the test id.

    ``also``: other parameters the error may name instead (the partners of a shape mismatch,
    the parameter of the function that a claim's check passes the value to).
    """

    value: Any
    label: str
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mut:
    """A bad value computed from the valid argument (``fn(valid)``); ``also`` as for
    :class:`Bad`."""

    fn: Callable[[Any], Any]
    label: str
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Documented:
    """A value with a documented outcome other than a ``ValueError`` naming the parameter.

    Either the call returns and ``check(result)`` holds, or (``raises`` given) the call raises
    that exception type. ``doc`` says what the documentation promises.
    """

    value: Any
    label: str
    check: Callable[[Any], bool] | None
    doc: str
    raises: type[BaseException] | None = None


@dataclass(frozen=True)
class Case:
    """A valid call and the bad values of each parameter.

    ``valid()`` returns ``(callable, args, kwargs)``; for a method the callable is the bound
    method of a freshly built (valid) instance. ``run_valid=False`` marks calls with a side
    effect (registration, files) that the valid-call test must not make. ``aliases`` lists
    other names an error may give for a parameter (the field of an instance dict or tuple
    that is bad).
    """

    valid: Callable[[], tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]]
    bad: dict[str, tuple[Any, ...]]
    run_valid: bool = True
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Reason:
    """No checkable parameter, and why."""

    why: str


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[], tuple]:
    """A lazy valid call of ``fn``."""
    return lambda: (fn, args, kwargs)


def lazy(build: Callable[[], Callable[..., Any]], *args: Any, **kwargs: Any) -> Callable[[], tuple]:
    """A valid call of a callable that must itself be built (a bound method, an object)."""
    return lambda: (build(), args, kwargs)


def deferred(fn: Callable[..., Any], build_args: Callable[[], tuple],
             **kwargs: Any) -> Callable[[], tuple]:
    """A valid call of ``fn`` whose positional arguments are built on use."""
    return lambda: (fn, build_args(), dict(kwargs))


def lazy_args(build: Callable[[], tuple[Callable[..., Any], tuple, dict]]) -> Callable[[], tuple]:
    """A valid call whose arguments must be built (objects of the suite)."""
    return build


def label_of(value: Any) -> str:
    """Readable label of a bad value for the test id."""
    if isinstance(value, (Bad, Mut, Documented)):
        return value.label
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (int, str, type(None))):
        return repr(value)
    if isinstance(value, np.ndarray):
        nan = "-nan" if value.dtype != object and np.isnan(value).any() else ""
        return f"array{list(value.shape)}{nan}"
    if isinstance(value, list) and value and all(isinstance(v, np.ndarray) for v in value):
        return "[" + ",".join(label_of(v) for v in value) + "]"
    # no memory addresses: every pytest-xdist worker must collect the same test ids
    text = re.sub(r"\s+at\s+0x[0-9a-fA-F]+", "", repr(value)).replace("\n", "").replace(" ", "")
    return text if len(text) <= 30 else text[:27] + "..."


# ---------------------------------------------------------------------------- iterating a table
def _describe(value: Any) -> str:
    """A readable description of one element of a case: a lambda's source line, else its
    :func:`label_of`."""
    if inspect.isfunction(value) and value.__name__ == "<lambda>":
        try:
            return inspect.getsource(value).strip()
        except (OSError, TypeError):
            pass
    return label_of(value)


def check_every_case(check: Callable[..., Any], cases: Iterable[Any]) -> None:
    """Run ``check(*case)`` on every case of a table and fail once, listing each failing case
    (its index in the table and its arguments) with its error, so that no case masks another.

    A case is a tuple of arguments: a row of a ``pytest.mark.parametrize``-style table, or of
    ``itertools.product(...)`` over the columns of a grid. One test over a table of cheap
    cases instead of one test per case saves pytest's per-item overhead.

    A failure is any exception, a failed assertion or ``pytest.raises``' "DID NOT RAISE".
    Like the tests' autouse fixture (``tests/conftest.py``), each case gets mpmath's precision
    as it was before it, so that a case cannot change the tolerances of the cases after it.
    """
    failures = []
    for i, args in enumerate(cases):
        prec, pretty = mpmath.mp.prec, mpmath.mp.pretty
        try:
            check(*args)
        except (Exception, pytest.fail.Exception) as exc:  # "DID NOT RAISE" is no Exception
            failures.append(f"case {i} ({', '.join(map(_describe, args))}): "
                            f"{type(exc).__name__}: {exc}")
        finally:
            mpmath.mp.prec, mpmath.mp.pretty = prec, pretty
    assert not failures, f"{len(failures)} failing case(s):\n" + "\n".join(failures)


# ---------------------------------------------------------------------------- common bad values
SIZE = (0, -1, 2.5, NAN)  # a positive integer (size, horizon, count)
NONNEG = (-1, 2.5, NAN)  # a non-negative integer
POS = (0.0, -1.0, NAN, INF)  # a positive finite real
NONNEG_REAL = (-1.0, NAN, INF)  # a non-negative finite real
FINITE = (NAN, INF)  # a finite real
NOT_MODEL = (Bad("not a model", "str"),)
#: A wrong object passed on by a claim's check, which the callee names by its own parameter.
PASSED_ON = (Bad("not a model", "str", ("deep", "shallow", "stack", "layer", "batch")),)
NOT_RNG = (Bad("seed", "str-rng"),)


def nan_entry(label: str = "nan-entry") -> Mut:
    """The valid array with its first entry replaced by NaN."""

    def fn(v: Any) -> Any:
        a = np.array(v, dtype=object if isinstance(v, np.ndarray) and v.dtype == object
                     else complex if np.iscomplexobj(v) else float)
        a.flat[0] = NAN
        return a

    return Mut(fn, label)


def extra_column(v: Any) -> np.ndarray:
    """The valid array with one more column (a shape mismatch)."""
    a = np.asarray(v)
    return np.concatenate([a, a[..., :1]], axis=-1)


WRONG_SHAPE = Mut(extra_column, "extra-column")


def unstable_entry(v: Any) -> Any:
    """The valid eigenvalue array with its first entry replaced by 1.5."""
    a = np.array(v, dtype=float)
    a.flat[0] = 1.5
    return a


UNSTABLE = Mut(unstable_entry, "unstable-1.5")


# ---------------------------------------------------------------------------- small objects
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@cache
def layer(time: str = "discrete") -> Any:
    from theory.layers import SSMLayer

    return SSMLayer([0.5] if time == "discrete" else [-1.0], [[1.0]], [[1.0]], time=time)


@cache
def stack(time: str = "discrete") -> Any:
    from theory.layers import SSMStack

    return SSMStack([layer(time), layer(time)], "relu")


@cache
def unstable_stack() -> Any:
    from theory.layers import SSMLayer, SSMStack

    return SSMStack([SSMLayer([1.5], [[1.0]], [[1.0]], require_stable=False)], "relu")


@cache
def shallow() -> Any:
    from theory.linear import ShallowSSM

    return ShallowSSM([0.5, -0.25], [4.0, 9.0], [1.0, 1.0])


@cache
def shallow3() -> Any:
    from theory.linear import ShallowSSM

    return ShallowSSM([0.5, -0.25, 0.125], [4.0, 9.0, 1.0], [1.0, 1.0, 1.0])


@cache
def shallow1() -> Any:
    from theory.linear import ShallowSSM

    return ShallowSSM([0.5], [4.0], [1.0])


@cache
def exact_shallow1() -> Any:
    from theory.linear import ShallowSSM

    return ShallowSSM([R(1, 2)], [R(4)], [R(1)])


def domain_pair() -> tuple[Any, Any]:
    from theory.numbers import to_domain

    K, (arr,) = to_domain(np.array([R(1)], dtype=object))
    return K, arr


def bt_args() -> tuple[Any, ...]:
    return (0.5 ** np.arange(4.0))[:, None, None], 1, 0


@cache
def exact_shallow() -> Any:
    from theory.linear import ShallowSSM

    return ShallowSSM([R(1, 2), R(-1, 4)], [R(4), R(9)], [R(1), R(1)])


@cache
def deep() -> Any:
    from theory.linear import DeepSSM

    return DeepSSM([[0.5, 0.25], [-0.5, 0.125]], [[1.0, 2.0], [[1.0, 0.5], [0.25, 1.0]]],
                   [1.0, -1.0])


@cache
def exact_deep() -> Any:
    from theory.linear import DeepSSM

    return DeepSSM([[R(1, 2)], [R(1, 3)]], [[R(1)], [[R(2)]]], [R(1)])


@cache
def batch() -> Any:
    from verify.sampling import random_deep_batch

    return random_deep_batch(rng(), 2, 2, 2)


@cache
def approximant() -> Any:
    from theory.approximation import relu_interpolant

    return relu_interpolant(np.sin, 0.0, 1.0, 3)


@cache
def psi_tab() -> Any:
    from theory.kolmogorov import psi_table

    return psi_table(2, 6, 2)


@cache
def superposition() -> Any:
    from theory.kolmogorov import superpose

    return superpose(lambda x: x[:, 0] * x[:, 1], 2, 6, [1], 2)


@cache
def window_target() -> Any:
    from theory.universality import WindowTarget

    return WindowTarget(lambda z: z[..., 0], 1, 1, lipschitz=np.array([1.0]))


@cache
def ka_params() -> dict[str, Any]:
    from verify.claims.wx23_universality import _sample_ka

    return _sample_ka(rng(), 1)[0]


@cache
def ka_target() -> Any:
    from verify.claims.wx23_universality import ka_target as build

    return build(ka_params())


@cache
def damped() -> Any:
    from theory.volterra import damped_kernel

    return damped_kernel([(1.0, 0.5, 0.0, 0)])


@cache
def volterra_target() -> Any:
    from theory.volterra import wiener_target

    return wiener_target(damped(), 1.0, 0.5)


@cache
def expsum() -> Any:
    from theory.convolution import bernstein_exponential_sum

    return bernstein_exponential_sum(lambda t: mpmath.exp(-2 * t), 1.0, 2, 0)


@cache
def fake_claim() -> Any:
    from verify.registry import Claim, Tier

    tier = Tier("float64", lambda g, n: list(range(n)), lambda xs: [1.0 for _ in xs],
                lambda xs, i: xs[i], batch=2)
    return Claim("test.bad_input", "WX23", "Lemma 0", "paper", "a statement", "margin",
                 (tier,))


def fields_of(obj: Any) -> dict[str, Any]:
    """The fields of a dataclass instance, for a valid constructor call."""
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def record(producer: str) -> Reason:
    return Reason(f"result record: built by {producer} from validated inputs; its fields are "
                  "outputs, not inputs to check")


EXCEPTION = Reason("exception class: takes a free-form message")


def _is_nan(x: Any) -> bool:
    try:
        return bool(np.all(np.isnan(np.asarray(x, dtype=complex))))
    except (TypeError, ValueError):
        return bool(mpmath.isnan(x))


# ---------------------------------------------------------------------------- the table
def build_cases() -> dict[str, Case | Reason]:  # noqa: C901, PLR0915 (a table)
    """The table (built on first use: importing every module is not free)."""
    import theory.activations as act
    import theory.approximation as app
    import theory.conventions as conv
    import theory.convolution as cnv
    import theory.depth_width as dw
    import theory.kolmogorov as kol
    import theory.layers as lay
    import theory.linear as lin
    import theory.memory as mem
    import theory.min_depth as mdp
    import theory.norm_reduction as nr
    import theory.numbers as num
    import theory.param_count as pc
    import theory.universality as uni
    import theory.validation as val
    import theory.volterra as vol
    import verify.adversarial as adv
    import verify.batch as vb
    import verify.cells as cells
    import verify.claims.byjl25_depth_width as c_dw
    import verify.claims.byjl25_kernel as c_k
    import verify.claims.byjl25_norm as c_n
    import verify.claims.wx23_approximation as c_a
    import verify.claims.wx23_memory as c_m
    import verify.claims.wx23_universality as c_u
    import verify.cli as cli
    import verify.experiments.byjl25_fit as e_fit
    import verify.experiments.byjl25_norm_vs_depth as e_nd
    import verify.experiments.byjl25_s4d_depth as e_sd
    import verify.experiments.byjl25_teacher_student as e_ts
    import verify.experiments.memory_curves as e_mc
    import verify.experiments.wx23_width_vs_T as e_wt
    import verify.fitting as fitm
    import verify.parallel as par
    import verify.registry as reg
    import verify.report as rep
    import verify.runner as run
    import verify.sampling as smp
    import verify.scan as scan
    import verify.search_engine as seng
    import verify.shards as shd
    import verify.stack_eval as se
    import verify.tightness as tig
    import verify.tightness_wx23 as tw23

    F = num.NumberKind.FLOAT
    cli_main = Reason("command-line entry point: argparse checks its arguments and exits with "
                      "status 2 on bad ones (tested in the experiment's own test module)")
    x11 = [[1.0]]
    cases: dict[str, Case | Reason] = {}

    def add(key: str, entry: Case | Reason) -> None:
        assert key not in cases, key
        cases[key] = entry

    _add_activations_cases(add)

    # ------------------------------------------------------------------ theory.approximation
    add("theory.approximation:MemorylessApproximant", record("memoryless_network"))
    add("theory.approximation:MemorylessApproximant.__call__",
        Case(lazy(approximant, np.array([[0.5]])),
             {"x": (np.array([[NAN]]), np.array([[2.0]]), np.array([[0.5, 0.5]]))}))
    add("theory.approximation:memoryless_network",
        Case(call(app.memoryless_network, x11, [0.0], x11, [0.0], "relu"),
             {"U1": (nan_entry(),), "b1": (WRONG_SHAPE, nan_entry()),
              "c": (WRONG_SHAPE, nan_entry()), "c0": (nan_entry(), [0.0, 0.0]),
              "activation": ("bogus",)}))
    add("theory.approximation:uniform_knots",
        Case(call(app.uniform_knots, 0.0, 1.0, 3),
             {"a": FINITE, "b": (NAN, INF, -1.0), "N": (1, 0, -1, 2.5)}))
    add("theory.approximation:check_in_domain",
        Case(call(app.check_in_domain, [[0.5]], [0.0], [1.0]),
             {"x": ([[NAN]], [[2.0]]), "lower": ([NAN], [INF]), "upper": ([NAN], [-1.0])}))
    add("theory.approximation:relu_interpolant",
        Case(call(app.relu_interpolant, np.sin, 0.0, 1.0, 3),
             {"f": (Bad(3, "not-callable"),), "a": FINITE, "b": (NAN, -1.0),
              "N": (1, 0, -1, 2.5)}))
    add("theory.approximation:lipschitz_interpolation_bound",
        Case(call(app.lipschitz_interpolation_bound, 1.0, 0.1),
             {"lipschitz": NONNEG_REAL, "h": POS}))
    add("theory.approximation:c2_interpolation_bound",
        Case(call(app.c2_interpolation_bound, 1.0, 0.1),
             {"second_derivative": NONNEG_REAL, "h": POS}))
    add("theory.approximation:relu_knots_for_error",
        Case(call(app.relu_knots_for_error, 0.0, 1.0, 0.1, lipschitz=1.0),
             {"a": FINITE, "b": (NAN, -1.0), "eps": POS, "lipschitz": NONNEG_REAL,
              "second_derivative": NONNEG_REAL}))
    add("theory.approximation:smooth_step_approximant",
        Case(call(app.smooth_step_approximant, np.sin, 0.0, 1.0, 3),
             {"a": FINITE, "b": (NAN, -1.0), "N": (1, 0, -1), "sharpness": POS,
              "activation": ("bogus",)}))
    add("theory.approximation:smooth_step_bound",
        Case(call(app.smooth_step_bound, 1.0, 0.1, 20.0),
             {"lipschitz": NONNEG_REAL, "h": POS, "sharpness": POS}))
    add("theory.approximation:channelwise",
        Case(lazy_args(lambda: (app.channelwise, ([approximant()],), {})),
             {"parts": ([],), "input_channels": ([-1], [0, 1])}))
    add("theory.approximation:check_declared_lipschitz",
        Case(call(app.check_declared_lipschitz, np.sin, 0.0, 1.0, 1.0, n=17),
             {"a": FINITE, "b": (NAN, -1.0), "lipschitz": NONNEG_REAL, "n": (1, 0, -1)}))
    add("theory.approximation:sup_error",
        Case(lazy_args(lambda: (app.sup_error, (np.sin, approximant(), [[0.5]]), {})),
             {"points": ([[NAN]], [[2.0]]), "approximant": NOT_MODEL}))

    # ------------------------------------------------------------------ theory.conventions
    for name in ("to_control", "from_control"):
        fn = getattr(conv, name)
        add(f"theory.conventions:{name}",
            Case(call(fn, [[0.5]], x11, x11, x11),
                 {"A": (nan_entry(), [[INF]], [[0.5, 0.1]], Bad([["a"]], "strings"), []),
                  "B": (nan_entry(), [[1.0], [1.0]], [[1.0]] * 0),
                  "C": (nan_entry(), WRONG_SHAPE), "D": (nan_entry(), WRONG_SHAPE)}))

    # ------------------------------------------------------------------ theory.convolution
    taps = [1.0, 0.5, 0.25]
    add("theory.convolution:as_taps",
        Case(call(cnv.as_taps, taps), {"taps": ([NAN, 1.0], [], [[[[1.0]]]])}))
    add("theory.convolution:causal_convolution",
        Case(call(cnv.causal_convolution, taps, [[1.0], [2.0]]),
             {"taps": ([NAN],), "x": ([[NAN]], [[1.0, 1.0]])}))
    add("theory.convolution:shift_register",
        Case(call(cnv.shift_register, taps), {"taps": ([NAN], [])}))
    add("theory.convolution:lagrange_inverse",
        Case(call(cnv.lagrange_inverse, [0.1, 0.5]),
             {"nodes": ([NAN, 0.5], [0.5, 0.5], [])}))
    add("theory.convolution:vandermonde_realization",
        Case(call(cnv.vandermonde_realization, taps, [0.1, 0.5, 0.7]),
             {"taps": ([NAN, 1.0, 1.0],), "nodes": ([0.1], [0.5, 0.5, 0.1], [NAN, 0.1, 0.2],
                                                    [1.5, 0.1, 0.2])}))
    add("theory.convolution:uniform_nodes", Case(call(cnv.uniform_nodes, 3), {"T": SIZE}))
    add("theory.convolution:chebyshev_nodes", Case(call(cnv.chebyshev_nodes, 3), {"T": SIZE}))
    add("theory.convolution:vandermonde_table",
        Case(lazy_args(lambda: (cnv.vandermonde_table, ((2,), rng()), {})),
             {"Ts": ((0,), (-1,), ()), "rng": NOT_RNG}))
    add("theory.convolution:hankel_matrix",
        Case(call(cnv.hankel_matrix, taps), {"taps": ([NAN, 1.0], [])}))
    add("theory.convolution:hankel_singular_values",
        Case(call(cnv.hankel_singular_values, taps), {"taps": ([NAN, 1.0], [])}))
    add("theory.convolution:BalancedTruncation", record("balanced_truncation"))
    add("theory.convolution:balanced_truncation",
        Case(call(cnv.balanced_truncation, taps, 1),
             {"taps": ([NAN, 1.0, 1.0],), "order": (0, -1, 2.5, 10),
              "min_gap": (NAN, -1.0)}))
    add("theory.convolution:frequency_response",
        Case(lazy_args(lambda: (cnv.frequency_response, (layer(), np.array([0.0, 1.0])), {})),
             {"omegas": (np.array([NAN]),), "layer": NOT_MODEL}))
    add("theory.convolution:hinf_error",
        Case(lazy_args(lambda: (cnv.hinf_error, (taps, layer()), {"n_grid": 64, "refine": 1})),
             {"taps": ([NAN, 1.0, 1.0],), "layer": NOT_MODEL, "n_grid": (0, -1, 2.5),
              "refine": (-1, 2.5)}))
    add("theory.convolution:l1_error_norm",
        Case(lazy_args(lambda: (cnv.l1_error_norm, (taps, layer()), {})),
             {"taps": ([NAN, 1.0, 1.0],), "layer": NOT_MODEL, "horizon": (0, -1, 2.5)}))
    add("theory.convolution:ExponentialSum", record("bernstein_exponential_sum"))
    add("theory.convolution:ExponentialSum.layer",
        Case(lazy(lambda: expsum().layer), {"kind": ("float",)}))
    add("theory.convolution:ExponentialSum.bernstein",
        Case(lazy(lambda: expsum().bernstein, 0.5), {"u": (NAN, -1.0, 2.0)}))
    add("theory.convolution:ExponentialSum.__call__",
        Case(lazy(expsum, 0.5), {"t": (NAN, -1.0)}))
    exp2 = lambda t: mpmath.exp(-2 * t)  # noqa: E731
    add("theory.convolution:bernstein_exponential_sum",
        Case(call(cnv.bernstein_exponential_sum, exp2, 1.0, 2, 0),
             {"rho": (Bad(3, "not-callable"),), "alpha": POS, "n": SIZE,
              "g_at_zero": FINITE}))
    add("theory.convolution:bernstein_sup_bound",
        Case(call(cnv.bernstein_sup_bound, 2, lipschitz=1.0),
             {"n": SIZE, "lipschitz": NONNEG_REAL}))
    add("theory.convolution:bernstein_l1_bound",
        Case(call(cnv.bernstein_l1_bound, 2, 1.0, lipschitz=1.0),
             {"n": SIZE, "alpha": POS, "lipschitz": NONNEG_REAL}))
    add("theory.convolution:l2_exponential_fit",
        Case(call(cnv.l2_exponential_fit, exp2, [1.0, 2.0]),
             {"rates": ([NAN, 1.0], [], [-1.0, 1.0])}))
    add("theory.convolution:exponential_sum_table",
        Case(call(cnv.exponential_sum_table, exp2, 1.0, 0, 2.0, degrees=(1,)),
             {"alpha": POS, "g_at_zero": FINITE, "lipschitz": NONNEG_REAL,
              "degrees": ((0,), (-1,), ())}))

    # ------------------------------------------------------------------ theory.depth_width
    add("theory.depth_width:SharedEigenvalueError", EXCEPTION)
    add("theory.depth_width:InsufficientCapacityError", EXCEPTION)
    add("theory.depth_width:IllConditionedError", EXCEPTION)
    add("theory.depth_width:KernelCheckError", EXCEPTION)
    add("theory.depth_width:default_rtol",
        Case(call(dw.default_rtol, num.NumberKind.FLOAT), {"kind": ("float", None)}))
    add("theory.depth_width:deep_to_shallow",
        Case(lazy_args(lambda: (dw.deep_to_shallow, (deep(),), {})),
             {"deep": NOT_MODEL, "tol": (NAN, -1.0)}))
    add("theory.depth_width:shared_eigenvalue_counterexample",
        Case(call(dw.shared_eigenvalue_counterexample, R(1, 2)),
             {"lam": (NAN, R(3, 2), Bad("x", "str"))}))
    add("theory.depth_width:PoleCertificate", record("pole_multiplicity_certificate"))
    add("theory.depth_width:PoleCertificate.check",
        Case(lazy(lambda: dw.pole_multiplicity_certificate(exact_deep(), 2).check,
                  exact_deep()),
             {"deep": NOT_MODEL}))
    add("theory.depth_width:pole_multiplicity_certificate",
        Case(lazy_args(lambda: (dw.pole_multiplicity_certificate, (exact_deep(), 2), {})),
             {"deep": NOT_MODEL, "pole": (NAN, Bad("x", "str"))}))
    add("theory.depth_width:MergingRow", record("merging_poles_residue_table"))
    add("theory.depth_width:merging_poles_residue_table",
        Case(call(dw.merging_poles_residue_table, R(1, 2), [R(1, 10)], T=4),
             {"lam": (NAN, R(3, 2)), "gaps": ([0], [NAN], []), "T": SIZE}))
    add("theory.depth_width:numerator_coefficients",
        Case(lazy_args(lambda: (dw.numerator_coefficients, (exact_shallow(),), {})),
             {"shallow": NOT_MODEL}))
    add("theory.depth_width:numerator_roots",
        Case(lazy_args(lambda: (dw.numerator_roots, (exact_shallow(),), {})),
             {"shallow": NOT_MODEL}))
    add("theory.depth_width:root_capacity",
        Case(call(dw.root_capacity, 3, 2), {"n_nonzero": NONNEG, "width": SIZE}))
    add("theory.depth_width:target_from_factors",
        Case(call(dw.target_from_factors, [R(1, 2), R(1, 3)], [R(1, 5)], 1),
             {"poles": ([R(1, 2), R(1, 2)], [0, R(1, 3)], [R(3, 2), R(1, 3)], [NAN, R(1, 3)]),
              "roots": ([R(1, 5), R(1, 7), R(1, 9)],), "kappa": (NAN, 0)}))
    add("theory.depth_width:shallow_to_deep",
        Case(lazy_args(lambda: (dw.shallow_to_deep, (exact_shallow(), 2, 2), {})),
             {"shallow": NOT_MODEL, "depth": SIZE, "width": SIZE,
              "pole_groups": ([[0, 0]],)}))
    add("theory.depth_width:kernel_mismatch",
        Case(lazy_args(lambda: (dw.kernel_mismatch, (deep(), deep(), 4), {})),
             {"a": NOT_MODEL, "b": NOT_MODEL, "T": (-1, 2.5, NAN)}))
    add("theory.depth_width:certifying_length",
        Case(lazy_args(lambda: (dw.certifying_length, (deep(), deep()), {})),
             {"a": NOT_MODEL, "b": NOT_MODEL}))
    add("theory.depth_width:NonInclusionCertificate", record("non_inclusion_witness"))
    add("theory.depth_width:non_inclusion_witness",
        Case(lazy_args(lambda: (dw.non_inclusion_witness, (2, 2), {"rng": rng()})),
             {"depth": SIZE, "width": SIZE, "rng": NOT_RNG}))
    add("theory.depth_width:vanishing_order_at_infinity",
        Case(lazy_args(lambda: (dw.vanishing_order_at_infinity, (exact_deep(),), {})),
             {"deep": NOT_MODEL}))
    add("theory.depth_width:AlgorithmAObstruction", record("algorithm_a_cannot_fit"))
    add("theory.depth_width:algorithm_a_cannot_fit",
        Case(lazy_args(lambda: (dw.algorithm_a_cannot_fit,
                                (dw.non_inclusion_witness(2, 2, rng=rng())[0], 2, 2), {})),
             {"witness": NOT_MODEL, "depth": SIZE, "width": SIZE}))

    # ------------------------------------------------------------------ theory.kolmogorov
    add("theory.kolmogorov:beta", Case(call(kol.beta, 2, 3),
                                       {"n": (1, 0, -1, 2.5, NAN), "k": NONNEG}))
    add("theory.kolmogorov:RADIUS", Case(call(kol.RADIUS, 2, 6),
                                         {"n": (1, 0, 2.5, NAN), "gamma": (5, 2.5, NAN)}))
    add("theory.kolmogorov:koppen_psi",
        Case(call(kol.koppen_psi, 2, 6, 2, 3),
             {"n": (1, 2.5), "gamma": (5, NAN), "k": SIZE, "j": NONNEG}))
    add("theory.kolmogorov:PsiTable", record("psi_table"))
    add("theory.kolmogorov:psi_table",
        Case(call(kol.psi_table, 2, 6, 2),
             {"n": (1,), "gamma": (5,), "K": SIZE, "upper": (0.0, -1.0, NAN, INF)}))
    add("theory.kolmogorov:psi_float",
        Case(lazy_args(lambda: (kol.psi_float, (psi_tab(), np.array([0.1, 0.2])), {})),
             {"table": NOT_MODEL, "x": (np.array([NAN]), np.array([-1.0]), np.array([10.0]))}))
    add("theory.kolmogorov:alphas", Case(call(kol.alphas, 2, 6), {"n": (1, NAN), "gamma": (5,)}))
    add("theory.kolmogorov:Level", record("level"))
    add("theory.kolmogorov:level",
        Case(lazy_args(lambda: (kol.level, (2, 6, 1, psi_tab()), {})),
             {"n": (Bad(3, "3", ("gamma", "table")), 1), "gamma": (Bad(7, "7", ("table",)), 5),
              "k": (0, -1, Bad(2, "2", ("table",)), 2.5, NAN), "table": NOT_MODEL}))
    add("theory.kolmogorov:good_counts",
        Case(call(kol.good_counts, 2, 6, 1, np.array([[0.1, 0.2]])),
             {"n": (1,), "gamma": (5,), "k": SIZE,
              "x": (np.array([[NAN, 0.1]]), np.array([[0.1]]), np.array([0.1, 0.2]))}))
    add("theory.kolmogorov:Superposition", record("superpose"))
    add("theory.kolmogorov:Superposition.inner",
        Case(lazy(lambda: superposition().inner, np.array([[0.1, 0.2]])),
             {"x": (np.array([[NAN, 0.1]]), np.array([[0.1]]), np.array([[-1.0, 0.1]]))}))
    add("theory.kolmogorov:Superposition.__call__",
        Case(lazy(superposition, np.array([[0.1, 0.2]])),
             {"x": (np.array([[NAN, 0.1]]), np.array([[0.1]]), np.array([[-1.0, 0.1]])),
              "iterations": (-1, 2.5, 5)}))
    add("theory.kolmogorov:superpose",
        Case(call(kol.superpose, lambda x: x[:, 0], 2, 6, [1], 2),
             {"F": (Bad(3, "not-callable"), Bad(lambda x: x, "wrong-shape-F"),
                    Bad(lambda x: np.full(x.shape[0], NAN), "nan-F")),
              "n": (1,), "gamma": (5,), "levels": ([], [0], [2], [1.5]), "K": (0, 1, 2.5)}))

    # ------------------------------------------------------------------ theory.layers
    cont = lambda: layer("continuous")  # noqa: E731
    add("theory.layers:UnstableLayerError", EXCEPTION)
    add("theory.layers:SSMLayer",
        Case(call(lay.SSMLayer, [0.5], x11, x11, x11, [0.0]),
             {"W": (nan_entry(), UNSTABLE, [[0.5, 0.1]], Bad(["a"], "strings")),
              "U": (nan_entry(), Bad(np.zeros((1, 0)), "empty"), [1.0]),
              "C": (nan_entry(), WRONG_SHAPE), "D": (nan_entry(), WRONG_SHAPE),
              "b": (nan_entry(), [0.0, 0.0]), "time": ("bogus",),
              "require_stable": ("yes",)}))
    add("theory.layers:SSMLayer.to_kind",
        Case(lazy(lambda: layer().to_kind, F), {"kind": ("float",)}))
    add("theory.layers:SSMLayer.run",
        Case(lazy(lambda: layer().run, [[1.0], [2.0]]),
             {"x": ([[NAN]], [[1.0, 1.0]], [1.0])}))
    add("theory.layers:SSMLayer.kernel",
        Case(lazy(lambda: layer().kernel, 3), {"T": NONNEG}))
    add("theory.layers:SSMLayer.discretize",
        Case(lazy(lambda: cont().discretize, 0.1), {"dt": POS}))
    add("theory.layers:SSMLayer.run_continuous",
        Case(lazy(lambda: cont().run_continuous, [[1.0], [2.0]], [0.0, 0.5, 1.0]),
             {"x": ([[NAN], [1.0]], [[1.0, 1.0], [1.0, 1.0]], [[1.0]]),
              "t_grid": ([0.0, NAN, 1.0], [0.0, 1.0, 0.5], [0.0, 0.5, INF], [[0.0, 1.0]])}))
    add("theory.layers:SSMLayer.kernel_at",
        Case(lazy(lambda: cont().kernel_at, [0.0, 0.5]),
             {"s": ([NAN], [-1.0], [INF], Bad("x", "str"))}))
    add("theory.layers:SSMStack",
        Case(lazy_args(lambda: (lay.SSMStack, ([layer(), layer()], "relu"), {})),
             {"layers": ([], Bad("x", "str"), Mut(lambda v: [v[0], cont()], "mixed-time"),
                         Mut(lambda v: [v[0], lay.SSMLayer([0.5], [[1.0, 1.0]], x11)],
                             "d_in-mismatch")),
              "activation": ("bogus",)}))
    add("theory.layers:SSMStack.run",
        Case(lazy(lambda: stack().run, [[1.0], [2.0]]), {"x": ([[NAN]], [[1.0, 1.0]])}))
    add("theory.layers:SSMStack.run_continuous",
        Case(lazy(lambda: stack("continuous").run_continuous, [[1.0]], [0.0, 0.5]),
             {"x": ([[NAN]],), "t_grid": ([0.0, NAN], [0.5, 0.0])}))

    # ------------------------------------------------------------------ theory.linear
    add("theory.linear:UnstableModelError", EXCEPTION)
    add("theory.linear:ShallowSSM",
        Case(call(lin.ShallowSSM, [0.5], [1.0], [1.0]),
             {"eigenvalues": (nan_entry(), UNSTABLE),
              "B": (nan_entry(), Bad([1.0, 1.0], "2-entries", ("eigenvalues", "C"))),
              "C": (nan_entry(), Bad([1.0, 1.0], "2-entries", ("eigenvalues", "B")))}))
    add("theory.linear:ShallowSSM.kernel",
        Case(lazy(lambda: shallow().kernel, 3), {"T": NONNEG, "method": ("bogus",)}))
    add("theory.linear:ShallowSSM.to_kind",
        Case(lazy(lambda: shallow().to_kind, F), {"kind": ("float",)}))
    add("theory.linear:DeepSSM",
        Case(call(lin.DeepSSM, [[0.5], [0.25]], [[1.0], [[1.0]]], [1.0]),
             {"eigenvalues": (nan_entry(), UNSTABLE),
              "B": (Bad([[1.0]], "one-layer", ("eigenvalues",)), [[NAN], [[1.0]]],
                    [[1.0], [[1.0, 1.0]]]),
              "C": (nan_entry(), Bad([1.0, 1.0], "2-entries", ("eigenvalues",)))}))
    add("theory.linear:ShallowSSM.norm",
        Case(lazy(lambda: shallow().norm), {"which": ("bogus",)}))
    add("theory.linear:ShallowSSM.simulate",
        Case(lazy(lambda: shallow().simulate, [1.0, 0.0]), {"x": ([NAN], [[1.0]])}))
    add("theory.linear:ShallowSSM.transfer_function",
        Case(lazy(lambda: shallow().transfer_function), {"w": (NAN, Bad("w", "str"))}))
    add("theory.linear:DeepSSM.norm",
        Case(lazy(lambda: deep().norm), {"which": ("bogus",)}))
    add("theory.linear:DeepSSM.kernel",
        Case(lazy(lambda: deep().kernel, 3), {"T": NONNEG, "method": ("bogus",)}))
    add("theory.linear:DeepSSM.simulate",
        Case(lazy(lambda: deep().simulate, [1.0, 0.0]), {"x": ([NAN], [[1.0]])}))
    add("theory.linear:DeepSSM.transfer_function",
        Case(lazy(lambda: deep().transfer_function), {"w": (NAN, Bad("w", "str"))}))
    add("theory.linear:DeepSSM.to_kind",
        Case(lazy(lambda: deep().to_kind, F), {"kind": ("float",)}))

    # ------------------------------------------------------------------ theory.memory
    ident = lambda xs: xs  # noqa: E731
    add("theory.memory:step_input",
        Case(call(mem.step_input, [1.0], 4), {"x": ([NAN], []), "T": SIZE}))
    add("theory.memory:step_differences",
        Case(call(mem.step_differences, ident, [1.0], 4, subtract_zero_response=True),
             {"system": (Bad(3, "not-callable"),), "x": ([NAN],), "T": SIZE,
              "subtract_zero_response": (1, "yes", None)}))
    add("theory.memory:channel_norm",
        Case(call(mem.channel_norm, [[1.0]]), {"v": ([[NAN]],), "ord": ("bogus", -1, 0)}))
    add("theory.memory:memory_curve",
        Case(call(mem.memory_curve, ident, [1.0], 4, subtract_zero_response=True),
             {"system": (Bad(3, "not-callable"),), "x": ([NAN],), "T": SIZE,
              "ord": ("bogus",), "subtract_zero_response": (1, "yes", None)}))
    add("theory.memory:sup_memory",
        Case(call(mem.sup_memory, ident, [[1.0]], 4, subtract_zero_response=False),
             {"directions": ([[NAN]], []), "T": SIZE, "ord": ("bogus",),
              "subtract_zero_response": (0, "no", None)}))
    k3 = np.ones((3, 1, 1)) * 0.5
    add("theory.memory:linear_memory",
        Case(call(mem.linear_memory, k3), {"kernel": (nan_entry(), [1.0]),
                                           "ord": ("bogus",)}))
    add("theory.memory:linear_memory_direction",
        Case(call(mem.linear_memory_direction, k3, [1.0]),
             {"kernel": (nan_entry(),), "x": ([NAN], [1.0, 1.0]), "ord": ("bogus",)}))
    add("theory.memory:continuous_linear_memory",
        Case(lazy_args(lambda: (mem.continuous_linear_memory, (cont(), [1.0], [0.0, 0.5, 1.0]),
                                {})),
             {"layer": (Mut(lambda v: layer(), "discrete-layer"), Bad("x", "str")),
              "x": ([NAN], [1.0, 1.0]), "t": ([0.0, NAN], [1.0, 0.0], [0.0, INF]),
              "ord": ("bogus",)}))
    add("theory.memory:PowerBound", record("power_bound"))
    add("theory.memory:PowerBound.__call__",
        Case(lazy(lambda: mem.power_bound([[0.5]]), 3), {"k": (-1, NAN)}))
    add("theory.memory:power_bound",
        Case(call(mem.power_bound, [[0.5]]),
             {"W": (nan_entry(), [[0.5, 0.1]], [[1.5]]), "r": (NAN, -1.0, 0.1, INF),
              "method": ("bogus",)}))
    add("theory.memory:MemoryBound", record("memory_bound_constants"))
    add("theory.memory:MemoryBound.__call__",
        Case(lazy(lambda: mem.memory_bound_constants(stack(), 1.0), 3), {"k": (-1, NAN)}))
    add("theory.memory:MemoryBound.fitted_factor",
        Case(lazy(lambda: mem.memory_bound_constants(stack(), 1.0).fitted_factor, 2, 8),
             {"start": (-1, 2.5, Bad(9, "9", ("stop",))), "stop": (-1, 2.5),
              "extra_degree": (-1, NAN)}))
    add("theory.memory:memory_bound_constants",
        Case(lazy_args(lambda: (mem.memory_bound_constants, (stack(), 1.0), {})),
             {"stack": (NOT_MODEL[0], Mut(lambda v: unstable_stack(), "unstable")),
              "x_norm": NONNEG_REAL, "r": (NAN, -1.0, INF)}))
    add("theory.memory:memory_bound",
        Case(lazy_args(lambda: (mem.memory_bound, (stack(), 1.0, [0, 1, 2]), {})),
             {"stack": NOT_MODEL, "x_norm": NONNEG_REAL, "k": ([-1], [NAN])}))
    add("theory.memory:decay_rate_bound",
        Case(lazy_args(lambda: (mem.decay_rate_bound, (stack(),), {})),
             {"stack": (NOT_MODEL[0], Mut(lambda v: unstable_stack(), "unstable"))}))
    add("theory.memory:activation_difference",
        Case(call(mem.activation_difference, act.RELU, np.array([0.5]), np.array([0.1])),
             {"act": (Bad("x", "str"),), "a": (np.array([NAN]),),
              "d": (np.array([0.1, 0.2]), np.array([NAN]))}))
    add("theory.memory:difference_recursion",
        Case(lazy_args(lambda: (mem.difference_recursion, (stack(), [[1.0]], 4), {})),
             {"stack": (NOT_MODEL[0], Mut(lambda v: stack("continuous"), "continuous")),
              "x": ([[NAN]], [[1.0, 1.0]]), "T": (1, 0, -1, 2.5)}))
    add("theory.memory:DecayFit", record("fit_decay"))
    curve = 0.5 ** np.arange(40.0)
    add("theory.memory:fit_decay",
        Case(call(mem.fit_decay, curve, 1e-12),
             {"rho": (nan_entry(), [-1.0] * 40), "floor": (NAN, -1.0, INF), "noise": (NAN, -1.0),
              "start_fraction": (0.0, 1.5, NAN), "min_points": (1, 0, -1, 2.5),
              "settle": (0.0, -1.0, NAN, INF)}))
    add("theory.memory:weighted_tail_sup",
        Case(call(mem.weighted_tail_sup, curve[:5], 0.1),
             {"rho": (nan_entry(),), "c0": FINITE}))

    # ------------------------------------------------------------------ theory.min_depth
    def md(fn: Callable[..., Any], *args: Any, **kw: Any) -> Callable[[], tuple]:
        return lambda: (fn, (shallow(), *args), kw)

    C_BAD = (0.0, -1.0, NAN, INF)
    add("theory.min_depth:effective_target",
        Case(md(mdp.effective_target), {"shallow": NOT_MODEL}))
    add("theory.min_depth:depth_upper_bound",
        Case(md(mdp.depth_upper_bound, 2, 3.0),
             {"shallow": NOT_MODEL, "width": SIZE, "c": C_BAD}))
    add("theory.min_depth:forest_depth_bound",
        Case(md(mdp.forest_depth_bound, 2, 2.0),
             {"shallow": NOT_MODEL, "width": SIZE, "c": C_BAD}))
    add("theory.min_depth:constructive_depth",
        Case(md(mdp.constructive_depth, 2, 3.0, max_depth=3, constructions=("forest",)),
             {"shallow": NOT_MODEL, "width": SIZE, "c": C_BAD, "max_depth": SIZE,
              "constructions": (("bogus",), ())}))
    add("theory.min_depth:depth_lower_bound",
        Case(md(mdp.depth_lower_bound, 2, 2.0, max_depth=8),
             {"shallow": NOT_MODEL, "width": SIZE, "c": C_BAD, "max_depth": SIZE}))
    add("theory.min_depth:shallow_width_needed",
        Case(md(mdp.shallow_width_needed, 2.0), {"shallow": NOT_MODEL, "c": C_BAD}))
    add("theory.min_depth:depth_width_table",
        Case(md(mdp.depth_width_table, 2, 2.0, [1.0]),
             {"shallow": NOT_MODEL, "width": SIZE, "c": C_BAD,
              "magnitudes": ([NAN], [-1.0], [0.0], [], Bad("x", "str"))}))

    # ------------------------------------------------------------------ theory.norm_reduction
    def on_deep(fn: Callable[..., Any]) -> Case:
        return Case(lambda: (fn, (deep(),), {}), {"deep": NOT_MODEL})

    def on_shallow(fn: Callable[..., Any], *args: Any, bad: dict | None = None) -> Case:
        return Case(lambda: (fn, (shallow(), *args), {}), {"shallow": NOT_MODEL, **(bad or {})})

    add("theory.norm_reduction:ForestLayout", record("monotone_layout / forest_layouts"))
    add("theory.norm_reduction:SelfCheckError", EXCEPTION)
    add("theory.norm_reduction:forest_constant",
        Case(call(nr.forest_constant, 2), {"depth": SIZE, "exact": ("yes",)}))
    add("theory.norm_reduction:is_zero_in_kind",
        Case(call(nr.is_zero_in_kind, 0.0, num.NumberKind.FLOAT),
             {"x": (NAN, INF, Bad("a", "str"), Bad(np.zeros(2), "array")),
              "kind": ("float",)}))
    for name in ("max_path_weight", "log_max_path_weight", "prune", "balancing_scales", "balance",
                 "gauge_lp_log_norm"):
        add(f"theory.norm_reduction:{name}", on_deep(getattr(nr, name)))
    add("theory.norm_reduction:balanced_moduli_squared",
        Case(lambda: (nr.balanced_moduli_squared, (exact_deep(),), {}), {"deep": NOT_MODEL}))
    add("theory.norm_reduction:gauge_transform",
        Case(lambda: (nr.gauge_transform, (deep(), nr.balancing_scales(deep())), {}),
             {"deep": NOT_MODEL, "scales": ([], Mut(lambda v: [s * 0 for s in v], "zeros"),
                                             Mut(lambda v: [s * NAN for s in v], "nan"))}))
    for name in ("target_parts", "shallow_norm", "shallow_norm_squared"):
        add(f"theory.norm_reduction:{name}", on_shallow(getattr(nr, name)))
    add("theory.norm_reduction:norm_aware_two_by_two",
        Case(lambda: (nr.norm_aware_two_by_two, (shallow3(),), {}), {"shallow": NOT_MODEL}))
    for name in ("norm_ratio", "kernel_agreement"):
        add(f"theory.norm_reduction:{name}",
            Case(deferred(getattr(nr, name), lambda: (deep(), shallow())),
                 {"deep": NOT_MODEL, "shallow": NOT_MODEL}))
    add("theory.norm_reduction:width_one_deep",
        Case(lambda: (nr.width_one_deep, (shallow1(), 2), {}),
             {"shallow": NOT_MODEL, "depth": SIZE}))
    add("theory.norm_reduction:monotone_layout",
        on_shallow(nr.monotone_layout, 2, 2, bad={"depth": SIZE, "width": SIZE}))
    add("theory.norm_reduction:forest_layouts",
        on_shallow(nr.forest_layouts, 2, 2, bad={"depth": SIZE, "width": SIZE,
                                                  "max_layouts": (0, -1, 2.5)}))
    add("theory.norm_reduction:forest_betas",
        Case(lambda: (nr.forest_betas, (*nr.target_parts(shallow())[:2],
                                        nr.monotone_layout(shallow(), 2, 2)), {}),
             {"poles": (nan_entry(), [0.5]), "residues": (nan_entry(), [1.0]),
              "layout": (*NOT_MODEL, Bad(nr.ForestLayout(((0, 5),), ()), "foreign-index"),
                         Bad(nr.ForestLayout(((0,), (1,)), ()), "no-parent"))}))
    add("theory.norm_reduction:forest_deep",
        on_shallow(nr.forest_deep, 2, 2, bad={"depth": SIZE, "width": SIZE,
                                              "layout": NOT_MODEL}))
    add("theory.norm_reduction:best_forest_deep",
        on_shallow(nr.best_forest_deep, 2, 2, bad={"depth": SIZE, "width": SIZE,
                                                   "max_layouts": (0, -1)}))
    add("theory.norm_reduction:algorithm_a_best_split",
        on_shallow(nr.algorithm_a_best_split, 2, 2, bad={"depth": SIZE, "width": SIZE,
                                                         "max_splits": (0, -1)}))
    add("theory.norm_reduction:optimize_realization",
        Case(lambda: (nr.optimize_realization, (shallow(), nr.forest_deep(shallow(), 2, 2)),
                      {"max_iter": 2, "newton_steps": 1}),
             {"shallow": NOT_MODEL, "start": NOT_MODEL, "max_iter": (-1, 2.5),
              "newton_steps": (-1, 2.5)}))
    for name in ("small_norm_deep", "small_norm_deep_report"):
        add(f"theory.norm_reduction:{name}",
            Case(deferred(getattr(nr, name), lambda: (shallow(), 2, 2),
                          constructions=("forest",)),
                 {"shallow": NOT_MODEL, "depth": SIZE, "width": SIZE,
                  "constructions": (("bogus",), ()), "max_splits": (0, -1)}))

    # ------------------------------------------------------------------ theory.numbers
    add("theory.numbers:NumberKind",
        Reason("enum: NumberKind(value) raises ValueError for an unknown value"))
    add("theory.numbers:InvalidParameterError", EXCEPTION)
    add("theory.numbers:UndecidableZeroError", EXCEPTION)
    add("theory.numbers:kind_of",
        Case(call(num.kind_of, [1.0], [2.0], names=["a", "b"]),
             {"names": (["a"],), "values": (Bad(([R(1)], [1.5]), "exact-and-float",
                                                ("a", "b")),)}))
    add("theory.numbers:as_array",
        Case(call(num.as_array, [1.0], F, "values"),
             {"values": ([NAN], [[1.0], [1.0, 2.0]], ["a"]), "kind": ("float",),
              "ndim": (-1, 1.0)}))
    add("theory.numbers:convert",
        Case(call(num.convert, [1.0], F, "values"),
             {"values": (["a"],), "kind": ("float",)}))
    add("theory.numbers:is_finite",
        Case(call(num.is_finite, np.array([1.0])),
             {"arr": (Documented(np.array([NAN]), "nan", lambda r: r is False,
                                 "answers False for NaN entries"),
                      [1.0])}))
    add("theory.numbers:is_exact_zero",
        Case(call(num.is_exact_zero, R(0)), {"x": (NAN, Bad("abc", "str"))}))
    add("theory.numbers:exact_equal",
        Case(call(num.exact_equal, R(1), R(1)),
             {"a": (NAN, Bad("abc", "str")), "b": (NAN, INF)}))
    for name in ("abs_squared", "real_part"):
        add(f"theory.numbers:{name}",
            Case(call(getattr(num, name), 0.5),
                 {"x": (Documented(NAN, "nan", _is_nan,
                                   "kind-preserving arithmetic: NaN in, NaN out"),
                        Bad("a", "str"))}))
    add("theory.numbers:tolerance",
        Case(call(num.tolerance, F, 1.0),
             {"kind": ("float",), "scale": (NAN, -1.0, INF, Bad("1", "str"), 1j)}))
    add("theory.numbers:max_abs",
        Case(call(num.max_abs, [1.0]),
             {"arr": (Documented(np.array([NAN]), "nan", _is_nan,
                                 "the largest modulus of a NaN entry is NaN"),)}))
    add("theory.numbers:polyroots",
        Case(call(num.polyroots, [1.0, -2.0, 1.0]),
             {"coeffs_ascending": ([NAN, 1.0], [1.0, INF], [0, 0]), "maxsteps": (0, -1),
              "extraprec": (-1,)}))
    add("theory.numbers:to_domain",
        Case(call(num.to_domain, np.array([R(1)], dtype=object)),
             {"arrays": ((np.array([NAN], dtype=object),), (np.array([0.5]),),
                         ([R(1)],))}))
    add("theory.numbers:from_domain",
        Case(lambda: (num.from_domain, domain_pair(), {}),
             {"K": (Bad("x", "str"),), "arr": ([1],)}))
    add("theory.numbers:KindArithmetic",
        Case(call(num.KindArithmetic, F, [np.array([1.0])]), {"kind": ("float",)}))
    add("theory.numbers:KindArithmetic.back",
        Case(lazy(lambda: num.KindArithmetic(F, [np.array([1.0])]).back, np.array([1.0])),
             {"arr": (Documented(np.array([NAN]), "nan", _is_nan,
                                 "float arithmetic: returns its argument"),)}))

    # ------------------------------------------------------------------ theory.param_count
    for name in ("deep_hidden_units", "deep_parameters", "depth_width_counts"):
        add(f"theory.param_count:{name}",
            Case(call(getattr(pc, name), 2, 3), {"depth": SIZE + (True,),
                                                  "width": SIZE + (True,)}))
    for name in ("shallow_hidden_units", "shallow_parameters"):
        add(f"theory.param_count:{name}", Case(call(getattr(pc, name), 3),
                                               {"n": SIZE + (True,)}))
    add("theory.param_count:CountRow", record("depth_width_counts"))

    # ------------------------------------------------------------------ theory.universality
    add("theory.universality:relu_chain",
        Case(lazy_args(lambda: (uni.relu_chain, ([[layer()], [layer()]],), {})),
             {"blocks": ([], [[]], Bad("x", "str"))}))
    add("theory.universality:window_of",
        Case(call(uni.window_of, np.zeros((2, 3, 1)), 2),
             {"x": (np.zeros(3), np.full((2, 3, 1), NAN)),
              "T": (0, -1, 2.5, Documented(5, "5", lambda r: r.shape == (2, 3, 5),
                                           "windows longer than the sequence are "
                                           "zero-padded"))}))
    add("theory.universality:check_unit_cube",
        Case(call(uni.check_unit_cube, [[0.5]], 1),
             {"x": ([[NAN]], [[2.0]]), "d": (0, -1, Bad(2, "2", ("x",)))}))
    add("theory.universality:WindowTarget",
        Case(call(uni.WindowTarget, lambda z: z[..., 0], 1, 1, lipschitz=np.array([1.0])),
             {"F": (Bad(3, "not-callable"),), "d": SIZE, "T": SIZE,
              "lipschitz": (np.array([NAN]), np.array([-1.0]), np.array([1.0, 1.0]))}))
    add("theory.universality:WindowTarget.__call__",
        Case(lazy(window_target, np.array([[[0.5]]])),
             {"x": (np.array([[[NAN]]]), np.array([[[2.0]]]), np.array([[[0.5, 0.5]]]))}))
    add("theory.universality:WindowApproximant", record("window_network"))
    add("theory.universality:freudenthal_layers",
        Case(call(uni.freudenthal_layers, 1, 2, np.array([0.0, 1.0])),
             {"n": SIZE, "N": (1, 0, -1, 2.5),
              "values": (np.array([0.0, 1.0, 2.0]), np.array([NAN, 1.0]))}))
    add("theory.universality:window_network",
        Case(lazy_args(lambda: (uni.window_network, (window_target(), 2), {})),
             {"target": NOT_MODEL, "N": (1, 0, -1, 2.5), "lag_offset": (-1, 2.5),
              "window_error": NONNEG_REAL}))
    add("theory.universality:window_interpolation_bound",
        Case(lazy_args(lambda: (uni.window_interpolation_bound, (window_target(), 2), {})),
             {"target": NOT_MODEL, "N": (1, 0, -1, 2.5)}))
    add("theory.universality:window_width_counts",
        Case(call(uni.window_width_counts, 1, 1, 2),
             {"d": SIZE, "T": SIZE, "N": (1, 0, -1, 2.5)}))
    add("theory.universality:KATarget",
        Case(lambda: (uni.KATarget, (), fields_of(ka_target())),
             {"d": SIZE, "T": SIZE, "weights": (nan_entry(), [1.0]),
              "outer_lipschitz": (nan_entry(), Mut(lambda v: -np.abs(np.asarray(v)) - 1,
                                                   "negative")),
              "outer_domain": (nan_entry(), [[0.0, 1.0]]),
              "inner": ((),), "outer": ((),)}))
    add("theory.universality:KATarget.inner_sums",
        Case(lazy(lambda: ka_target().inner_sums, np.full((1, ka_target().d * ka_target().T),
                                                          0.5)),
             {"z": (nan_entry(), np.array([[2.0] * 50])[:, :1])}))
    add("theory.universality:KATarget.F",
        Case(lazy(lambda: ka_target().F, np.full((1, ka_target().d * ka_target().T), 0.5)),
             {"z": (nan_entry(), Mut(lambda v: v * 4.0, "outside-cube"))}))
    add("theory.universality:KATarget.__call__",
        Case(lazy(ka_target, np.full((1, ka_target().T, ka_target().d), 0.5)),
             {"x": (nan_entry(), Mut(lambda v: v * 4.0, "outside-cube"),
                    Mut(extra_column, "extra-channel"))}))
    add("theory.universality:KAApproximant", record("ka_network"))
    add("theory.universality:ka_network",
        Case(lazy_args(lambda: (uni.ka_network, (ka_target(), 2, 2), {})),
             {"target": NOT_MODEL, "N_in": (1, 0, -1, 2.5), "N_out": (1, 0, -1, 2.5)}))
    n_ka = lambda: 2 * ka_target().d * ka_target().T + 1  # noqa: E731
    add("theory.universality:ka_budget",
        Case(lazy_args(lambda: (uni.ka_budget, (ka_target(), np.zeros(n_ka()),
                                                np.zeros(n_ka()), 1.0), {})),
             {"target": NOT_MODEL, "inner_errors": (nan_entry(), [0.0], Mut(lambda v: v - 1,
                                                                             "negative")),
              "outer_errors": (nan_entry(), [0.0]), "rounding_scale": NONNEG_REAL}))
    add("theory.universality:ka_width_counts",
        Case(call(uni.ka_width_counts, 1, 1, 2, 2),
             {"d": SIZE, "T": SIZE, "N_in": (1, 0, -1), "N_out": (1, 0, -1)}))

    # ------------------------------------------------------------------ theory.validation
    add("theory.numbers:describe",
        Reason("formats any value for an error message; every value is acceptable"))
    add("theory.numbers:fail",
        Reason("the error raiser itself: every call raises InvalidParameterError naming "
               "its name argument"))
    add("theory.validation:require",
        Reason("the conditional error raiser: raises InvalidParameterError naming its name "
               "argument exactly when its condition is false"))
    add("theory.validation:check_int",
        Case(call(val.check_int, 3, "value", minimum=1), {"value": (0, -1, 2.5, NAN, True)}))
    add("theory.validation:check_real",
        Case(call(val.check_real, 1.0, "value", minimum=0),
             {"value": (NAN, INF, -1.0, True, Bad("x", "str"))}))
    add("theory.validation:check_array",
        Case(call(val.check_array, [1.0], "value", (1,)),
             {"value": ([NAN], [INF], [1.0, 2.0], Bad(["a"], "strings"))}))
    add("theory.validation:check_instance",
        Case(call(val.check_instance, 3, "value", int), {"value": (Bad("x", "str"), 2.5)}))
    add("theory.validation:check_rules",
        Reason("the checker itself: its parameters are the caller's, passed as keywords, and "
               "their refusal is tested in test_validation.py"))

    # ------------------------------------------------------------------ theory.volterra
    add("theory.volterra:DampedKernel",
        Case(call(vol.DampedKernel, (1.0,), (0.5,), (0.0,), (0,)),
             {"alpha": ((NAN,), (1.0, 1.0)), "rho": ((1.5,), (NAN,)), "omega": ((NAN,),),
              "power": ((2,), (-1,))}))
    add("theory.volterra:DampedKernel.__call__",
        Case(lazy(damped, np.arange(3)), {"s": (np.array([-1]), np.array([NAN]))}))
    add("theory.volterra:DampedKernel.tail_bound",
        Case(lazy(lambda: damped().tail_bound, 4), {"S": NONNEG}))
    add("theory.volterra:damped_kernel",
        Case(call(vol.damped_kernel, [(1.0, 0.5, 0.0, 0)]),
             {"terms": ([], [(1.0, 1.5, 0.0, 0)], [(NAN, 0.5, 0.0, 0)], [(1.0, 0.5, 0.0, 2)])}))
    add("theory.volterra:QuadraticVolterraTarget",
        Case(lambda: (vol.QuadraticVolterraTarget, (), fields_of(volterra_target())),
             {"kernels": ((),), "linear": (nan_entry(), [1.0, 1.0]),
              "quadratic": (nan_entry(), [[1.0, 1.0]]), "constant": FINITE,
              "input_bound": POS}))
    seq = np.full((1, 4, 1), 0.5)
    for meth in ("check_input", "filtered", "__call__"):
        add(f"theory.volterra:QuadraticVolterraTarget.{meth}",
            Case(lazy(lambda m=meth: getattr(volterra_target(), m), seq[..., 0]),
                 {"x": (np.full((1, 4), NAN), np.full((1, 4), 5.0))}))
    add("theory.volterra:wiener_target",
        Case(lazy_args(lambda: (vol.wiener_target, (damped(), 1.0, 0.5), {})),
             {"kernel": NOT_MODEL, "a": FINITE, "b": FINITE, "input_bound": POS,
              "constant": FINITE}))
    add("theory.volterra:KernelFit", record("fit_kernel"))
    vals8 = 0.5 ** np.arange(8.0)
    add("theory.volterra:fit_kernel",
        Case(call(vol.fit_kernel, vals8, 0.0, np.array([0.5]), horizon=8),
             {"values": (nan_entry(), vals8[:3]), "tail": NONNEG_REAL,
              "rates": (np.array([1.5]), np.array([NAN]), np.array([])),
              "horizon": SIZE, "coefficients": (np.array([1.0, 1.0]), np.array([NAN]))}))
    add("theory.volterra:VolterraApproximant", record("volterra_network"))
    add("theory.volterra:volterra_network",
        Case(lazy_args(lambda: (vol.volterra_network, (volterra_target(), [0.5], 3),
                                {"horizon": 64})),
             {"target": NOT_MODEL, "rates": ([1.5], [], [NAN]), "knots": (1, 0, -1, 2.5),
              "horizon": SIZE}))

    # ------------------------------------------------------------------ verify.adversarial
    add("verify.adversarial:AdversarialResult", record("worst_ratio_search"))
    add("verify.adversarial:search_bounds",
        Case(call(adv.search_bounds, 2, 2.0), {"n": SIZE, "decades": POS}))
    add("verify.adversarial:target_from_vector",
        Case(lambda: (adv.target_from_vector, (np.array([t[1] for t in adv.search_bounds(
            2, 2.0)]) * 0.5 + np.array([t[0] for t in adv.search_bounds(2, 2.0)]) * 0.5, 2),
            {}), {"x": (nan_entry(), [0.5]), "n": SIZE}))
    add("verify.adversarial:describe_target",
        Case(lambda: (adv.describe_target, (shallow(),), {}), {"shallow": NOT_MODEL}))
    add("verify.adversarial:ratio_of",
        Case(lambda: (adv.ratio_of, (shallow(), 2, 2, ("forest",)), {}),
             {"shallow": NOT_MODEL, "depth": SIZE, "width": SIZE,
              "constructions": (("bogus",), ())}))
    add("verify.adversarial:worst_ratio_search",
        Case(lambda: (adv.worst_ratio_search, (2, 1, rng()),
                      {"constructions": ("width_one",), "maxiter": 1, "popsize": 2,
                       "polish_iter": 1, "decades": 1.0}),
             {"depth": SIZE, "width": SIZE, "rng": NOT_RNG, "decades": POS,
              "maxiter": (0, -1), "popsize": (0, -1), "polish_iter": (-1,),
              "constructions": (("bogus",),)}))

    # ------------------------------------------------------------------ verify.tightness
    add("verify.search_engine:TightnessRow", record("search"))
    add("verify.search_engine:prepare_hypothesis",
        Case(call(seng.prepare_hypothesis, False), {"hypothesis_phase": ("yes", 1, None)}))
    add("verify.search_engine:search_rounds",
        Case(lambda: (seng.search_rounds, (lambda X: X[:, 0], [[(0.0, 1.0)]], 5.0, 20, rng(),
                                           False, 2), {}),
             {"score": (None, 3), "bounds": ([], [[]], [[(1.0, 0.0)]], [[(0.0, NAN)]],
                                             Bad("x", "str")),
              "seconds": POS, "max_evaluations": SIZE, "rng": NOT_RNG, "keep": SIZE}))
    add("verify.tightness_wx23:search_wx23",
        Case(lambda: (tw23.search_wx23, ("wx23.result_a.relu", 5.0, rng(), 20, False), {}),
             {"claim_id": ("byjl25.thm4.2", 3, None), "budget_seconds": POS,
              "max_evaluations": SIZE, "rng": NOT_RNG}))
    add("verify.tightness:search",
        Case(call(tig.search, "byjl25.thm4.2", 30.0, 0, max_evaluations=20, shapes=[(2, 2)],
                  cases=["forest"]),
             {"claim_id": ("byjl25.thm9", 3, None), "budget_seconds": POS + ("60", None),
              "seed": NONNEG + (None,), "max_evaluations": SIZE,
              "shapes": ([], [(2, 1)], [(0, 2)], [(2, 2, 2)], [(5, 3)], Bad("22", "str")),
              "cases": (["magic"], [], [3]), "hypothesis_phase": ("yes", 1, None)}))
    add("verify.search_engine:format_tightness",
        Case(lambda: (tig.format_tightness, ([tig.TightnessRow(
            "byjl25.thm4.2", "forest", (2, 2), 1.0, {"2": 2.0}, 1, 0.1, {}, 1.0)],), {}),
             {"rows": (Bad("x", "str"), [3], None)}))

    # ------------------------------------------------------------------ verify.batch
    add("verify.batch:DeepBatch",
        Case(lambda: (vb.DeepBatch, (), fields_of(batch())),
             {"eigenvalues": (nan_entry(), Mut(lambda v: np.where(
                 np.arange(v.size).reshape(v.shape) == 0, 1.5, v), "unstable-1.5"),
                                 Mut(lambda v: v[0], "2-D")),
              "B1": (nan_entry(), WRONG_SHAPE), "Bk": (nan_entry(), WRONG_SHAPE),
              "C": (nan_entry(), WRONG_SHAPE), "styles": (["disk"],)}))
    add("verify.batch:DeepBatch.model",
        Case(lazy(lambda: batch().model, 0), {"i": (-1, 2, 2.5, NAN)}))
    add("verify.batch:DeepBatch.describe",
        Case(lazy(lambda: batch().describe, 0), {"i": (-1, 2, 2.5, NAN)}))
    for meth in ("kernel_closed_form", "kernel_scan"):
        add(f"verify.batch:DeepBatch.{meth}",
            Case(lazy(lambda m=meth: getattr(batch(), m), 4), {"T": NONNEG}))

    # ------------------------------------------------------------------ verify.cells
    for name in ("RNN", "GRU", "LSTM"):
        add(f"verify.cells:{name}",
            Case(deferred(getattr(cells, name), lambda: (1, 2, rng())),
                 {"d_in": SIZE, "hidden": SIZE, "rng": NOT_RNG}))
        add(f"verify.cells:{name}.run",
            Case(lazy(lambda c=name: getattr(cells, c)(1, 2, rng()).run, np.ones((3, 1))),
                 {"x": (nan_entry(), WRONG_SHAPE, np.ones(3), np.ones((0, 1)))}))
    add("verify.cells:DiagonalSSM",
        Case(lambda: (cells.DiagonalSSM, (1, 2, 1, rng()), {}),
             {"d_in": SIZE, "state": SIZE, "d_out": SIZE, "rng": NOT_RNG,
              "max_modulus": (0.0, 1.5, NAN, INF, -1.0)}))
    add("verify.cells:DiagonalSSM.run",
        Case(lambda: (cells.DiagonalSSM(1, 2, 1, rng()).run, (np.ones((3, 1)),), {}),
             {"x": (nan_entry(), WRONG_SHAPE, np.ones(3), np.ones((0, 1)))}))
    dt_ranges = ((NAN, 0.1), (0.1, INF), (0.1, 0.01), (0.0, 0.1), (0.1,), Bad("ab", "str"))
    b_clips = (0.0, -1.0, NAN, INF, Bad("2", "str"))
    add("verify.cells:S4D",
        Case(lambda: (cells.S4D, (1, 2, rng()), {"dt": 0.1, "b_clip": 2.0}),
             {"channels": SIZE, "state": SIZE + (3,), "rng": NOT_RNG,
              "discretization": ("bogus",), "dt_range": dt_ranges,
              "dt": (0.0, -0.1, NAN, INF), "b_clip": b_clips}))
    add("verify.cells:S4D.run",
        Case(lambda: (cells.S4D(1, 2, rng()).run, (np.ones((3, 1)),), {}),
             {"x": (nan_entry(), WRONG_SHAPE, np.ones(3), np.ones((0, 1)))}))
    add("verify.cells:S4",
        Case(lambda: (cells.S4, (1, 2, rng()), {"dt": 0.1, "form": "nplr", "b_clip": 2.0}),
             {"channels": SIZE, "state": SIZE + (3,), "rng": NOT_RNG, "form": ("bogus",),
              "dt_range": dt_ranges, "dt": (0.0, -0.1, NAN, INF), "b_clip": b_clips}))
    add("verify.cells:S4.run",
        Case(lambda: (cells.S4(1, 2, rng()).run, (np.ones((3, 1)),), {}),
             {"x": (nan_entry(), WRONG_SHAPE, np.ones(3), np.ones((0, 1)))}))
    add("verify.cells:legs_matrix", Case(call(cells.legs_matrix, 2), {"N": SIZE}))
    add("verify.cells:legs_normal_matrix", Case(call(cells.legs_normal_matrix, 2), {"N": SIZE}))
    add("verify.cells:legs_nplr",
        Case(call(cells.legs_nplr, 2, 2.0), {"N": SIZE + (3,), "b_clip": b_clips}))
    add("verify.cells:LegsNPLR", record("legs_nplr"))
    add("verify.cells:s4d_legs",
        Case(call(cells.s4d_legs, 2, 2.0), {"N": SIZE + (3,), "b_clip": b_clips}))

    # ------------------------------------------------------------------ verify.claims
    def sample(sampler: Callable[..., Any], *extra: Any) -> Any:
        return sampler(rng(), 1, *extra)

    add("verify.claims.byjl25_depth_width:margin_i_exact",
        Case(lambda: (c_dw.margin_i_exact, (sample(c_dw._sample_i_exact)[0],), {}),
             {"model": PASSED_ON}))
    add("verify.claims.byjl25_depth_width:margin_i_float",
        Case(lambda: (c_dw.margin_i_float, (sample(c_dw._sample_i_float)[0],), {"T": 8}),
             {"model": PASSED_ON, "T": SIZE}))
    add("verify.claims.byjl25_depth_width:near_merging",
        Case(lambda: (c_dw.near_merging, (rng(), deep()), {}),
             {"rng": NOT_RNG, "model": PASSED_ON}))
    add("verify.claims.byjl25_depth_width:margin_shared",
        Case(lambda: (c_dw.margin_shared, (sample(c_dw._sample_shared)[0],), {}),
             {"model": PASSED_ON}))
    for name, sampler in (("margin_ii_exact", "_sample_ii_exact"),
                          ("margin_ii_mpmath", "_sample_ii_mpmath"),
                          ("margin_ii_float", "_sample_ii_float")):
        bad: dict[str, tuple] = {"inst": (Mut(lambda v: (v[0], 0, v[2]), "depth-0", ("depth",)),
                                          Mut(lambda v: (v[0], v[1], 0), "width-0", ("width",)),
                                          Mut(lambda v: ("x", v[1], v[2]), "not-a-model",
                                              ("shallow",)))}
        if name == "margin_ii_float":
            bad["T"] = SIZE
        add(f"verify.claims.byjl25_depth_width:{name}",
            Case(deferred(getattr(c_dw, name),
                          lambda s=sampler: (sample(getattr(c_dw, s))[0],)), bad))
    add("verify.claims.byjl25_depth_width:margin_iii",
        Case(lambda: (c_dw.margin_iii, ((2, 2, rng()),), {}),
             {"inst": (Bad((0, 2, rng()), "depth-0", ("depth",)),
                       Bad((2, 0, rng()), "width-0", ("width",)),
                       Bad((2, 2, "x"), "rng-str", ("rng",)))}))
    add("verify.claims.byjl25_kernel:exact_margin",
        Case(lambda: (c_k.exact_margin, (sample(c_k._sample_exact)[0],), {}),
             {"model": PASSED_ON}))
    add("verify.claims.byjl25_kernel:mpmath_margin",
        Case(lambda: (c_k.mpmath_margin, (sample(c_k._sample_mpmath)[0],), {"T": 4}),
             {"model": PASSED_ON, "T": SIZE}))
    add("verify.claims.byjl25_kernel:relative_errors",
        Case(call(c_k.relative_errors, np.ones((1, 3)), np.ones((1, 3)), np.ones((1, 3))),
             {"closed": (nan_entry(), np.ones((1, 2))), "other": (nan_entry(), np.ones((1, 2))),
              "scale": (nan_entry(), np.zeros((1, 3)) - 1.0)}))
    add("verify.claims.byjl25_kernel:float_margins",
        Case(lambda: (c_k.float_margins, (batch(),), {"T": 4}),
             {"batch": PASSED_ON, "T": SIZE}))
    add("verify.claims.byjl25_norm:algb_float_margin",
        Case(lambda: (c_n.algb_float_margin, (deep(),), {}),
             {"model": PASSED_ON, "balancer": (Bad(3, "not-callable"),)}))
    add("verify.claims.byjl25_norm:algb_exact_margin",
        Case(lambda: (c_n.algb_exact_margin, (sample(c_n._sample_algb_exact)[0],), {}),
             {"model": PASSED_ON}))
    add("verify.claims.byjl25_norm:random_target",
        Case(lambda: (c_n.random_target, (rng(), 2, "disk"), {}),
             {"rng": NOT_RNG, "n": SIZE, "style": ("bogus",)}))
    add("verify.claims.byjl25_norm:thm42_margin",
        Case(lambda: (c_n.thm42_margin, (shallow(), 2, 2), {"constructions": ("forest",)}),
             {"target": PASSED_ON, "depth": SIZE, "width": SIZE, "constant": POS,
              "constructions": (("bogus",), ()), "forest_bound": POS}))
    add("verify.claims.byjl25_norm:tight_forest_target",
        Case(call(c_n.tight_forest_target, 2, 2),
             {"depth": SIZE, "width": SIZE, "k": (*SIZE, 1)}))
    add("verify.claims.byjl25_norm:random_exact_target",
        Case(lambda: (c_n.random_exact_target, (rng(), 2), {}),
             {"rng": NOT_RNG, "n": SIZE}))
    add("verify.claims.byjl25_norm:thm42_exact_margin",
        Case(lambda: (c_n.thm42_exact_margin, (exact_shallow(), 2, 2), {}),
             {"target": PASSED_ON, "depth": SIZE, "width": SIZE, "constant": (0, -1, NAN),
              "forest_bound": (0, -1, NAN, Bad("2", "str"))}))
    add("verify.claims.byjl25_norm:algorithm_a_margin",
        Case(lambda: (c_n.algorithm_a_margin, (sample(c_n._sample_algorithm_a)[0],), {}),
             {"witness": (Bad({}, "empty-dict"), Bad({"depth": 2, "width": 2}, "no-poles"),
                          Bad([], "list")), "constant": POS}))
    add("verify.claims.byjl25_norm:width1_margin",
        Case(lambda: (c_n.width1_margin, (exact_shallow1(), 2), {}),
             {"target": (*PASSED_ON, Bad(exact_shallow(), "two-poles")), "depth": SIZE,
              "rng_seed": (-1, 2.5), "construction": (Bad(3, "not-callable"),)}))
    add("verify.claims.byjl25_norm:bracket_margin",
        Case(lambda: (c_n.bracket_margin, (shallow(), 2, 3.0), {}),
             {"target": PASSED_ON, "width": SIZE, "c": POS}))
    add("verify.claims.wx23_approximation:relative_margin",
        Case(call(c_a.relative_margin, 1.0, 0.5),
             {"bound": (NAN, -1.0),
              "error": (Documented(NAN, "nan", _is_nan, "a NaN error (a construction that "
                                   "produced NaN) gives a NaN margin: a violation"), -1.0, INF),
              "slack": (NAN, -1.0)}))

    def inst_case(fn: Callable[..., Any], sampler: Callable[..., Any], *extra: Any,
                  factor: str = "bound_factor") -> Case:
        return Case(lambda: (fn, (sampler(rng(), 1, *extra)[0],), {}),
                    {"inst": (Bad({}, "empty-dict"),
                              Mut(lambda v: {**v, "N": 0}, "N-0")),
                     factor: (NAN, -1.0, 0.0)})

    add("verify.claims.wx23_approximation:relu_exact_margin",
        inst_case(c_a.relu_exact_margin, c_a._sample_relu_exact))
    add("verify.claims.wx23_approximation:relu_float_margin",
        inst_case(c_a.relu_float_margin, c_a._sample_float_a, 4))
    add("verify.claims.wx23_approximation:smooth_float_margin",
        inst_case(c_a.smooth_float_margin, c_a._sample_float_a, 4))
    add("verify.claims.wx23_approximation:smooth_mpmath_margin",
        inst_case(c_a.smooth_mpmath_margin, c_a._sample_smooth_mpmath))
    add("verify.claims.wx23_approximation:b1_exact_margin",
        Case(lambda: (c_a.b1_exact_margin, (sample(c_a._sample_b1_exact)[0]["taps"],
                                            sample(c_a._sample_b1_exact)[0]["x"]), {}),
             {"taps": (nan_entry(), []), "x": (nan_entry(), WRONG_SHAPE),
              "layer": PASSED_ON}))
    add("verify.claims.wx23_approximation:b1_float_margin",
        Case(lambda: (c_a.b1_float_margin, (sample(c_a._sample_b1_float)[0],), {}),
             {"inst": (Bad({}, "empty-dict"), Mut(lambda v: {**v, "T": 0}, "T-0"))}))
    add("verify.claims.wx23_approximation:bt_margin",
        Case(lambda: (c_a.bt_margin, bt_args(), {}),
             {"taps": (nan_entry(), np.array([])), "order": (0, -1, 10), "seed": (-1, 2.5)}))
    add("verify.claims.wx23_approximation:expsum_target",
        Case(lambda: (c_a.expsum_target, (sample(c_a._sample_expsum)[0],), {}),
             {"inst": (Bad({}, "empty-dict"), Mut(lambda v: {**v, "family": "bogus"},
                                                  "bad-family"))}))
    add("verify.claims.wx23_approximation:expsum_margin",
        Case(lambda: (c_a.expsum_margin, (sample(c_a._sample_expsum)[0],), {}),
             {"inst": (Bad({}, "empty-dict"), Mut(lambda v: {**v, "n": 0}, "n-0")),
              "bound_factor": (NAN, -1.0, 0.0)}))
    add("verify.claims.wx23_memory:StackInstance",
        Case(lambda: (c_m.StackInstance, (stack(), np.ones((1, 1)), 8), {}),
             {"stack": PASSED_ON, "directions": (np.array([[NAN]]), np.ones((1, 2))),
              "T": (1, 0, -1, 2.5)}))
    add("verify.claims.wx23_memory:random_stable_stack",
        Case(lambda: (c_m.random_stable_stack, (rng(), "relu"), {"depth": 1}),
             {"rng": NOT_RNG, "activation": ("bogus",), "depth": SIZE}))
    add("verify.claims.wx23_memory:sample_instance",
        Case(lambda: (c_m.sample_instance, (rng(),), {"T": 8}),
             {"rng": NOT_RNG, "T": (1, 0, -1, 2.5)}))

    def stack_inst() -> Any:
        return c_m.StackInstance(stack(), np.ones((1, 1)), 8)

    add("verify.claims.wx23_memory:exact_linear_margin",
        Case(lambda: (c_m.exact_linear_margin, (sample(c_m._sample_exact)[0],), {}),
             {"inst": PASSED_ON}))
    for name in ("measured_memory", "float_linear_margin"):
        add(f"verify.claims.wx23_memory:{name}",
            Case(deferred(getattr(c_m, name), lambda: (stack_inst(),)),
                 {"inst": PASSED_ON}))
    for name in ("bound_margin", "rate_margin"):
        add(f"verify.claims.wx23_memory:{name}",
            Case(deferred(getattr(c_m, name), lambda: (stack_inst(),)),
                 {"inst": PASSED_ON, "constants": (Bad(3, "not-callable"),)}))
    add("verify.claims.wx23_memory:sample_sharp",
        Case(lambda: (c_m.sample_sharp, (rng(), 1), {}), {"rng": NOT_RNG, "n": SIZE}))
    add("verify.claims.wx23_memory:curve_rate_margin",
        Case(lambda: (c_m.curve_rate_margin,
                      (0.5 ** np.arange(40.0), mem.memory_bound_constants(stack(), 1.0), 1e-12),
                      {}),
             {"rho": (nan_entry(), np.array([])), "bound": PASSED_ON, "rel": POS}))
    add("verify.claims.wx23_memory:composed_kernel",
        Case(call(c_m.composed_kernel, [np.ones((3, 1, 1)), np.ones((3, 1, 1))]),
             {"kernels": ([], [np.ones((3, 1, 1)), np.ones((2, 1, 1))],
                          [np.ones((3, 1, 1)), np.ones((3, 2, 2))],
                          [np.full((3, 1, 1), NAN)])}))
    add("verify.claims.wx23_universality:slack",
        Case(call(c_u.slack, 0.5, 1.0), {"error": (NAN, -1.0), "budget": (NAN, 0.0, -1.0)}))
    add("verify.claims.wx23_universality:run",
        Case(lambda: (c_u.run, (stack(), np.ones((1, 3, 1))), {}),
             {"stack": PASSED_ON, "x": (nan_entry(), WRONG_SHAPE)}))
    add("verify.claims.wx23_universality:window_target",
        Case(lambda: (c_u.window_target, (c_u._sample_window(rng(), 1)[0],), {}),
             {"p": (Bad({}, "empty-dict"),)}))
    add("verify.claims.wx23_universality:window_margin",
        Case(lambda: (c_u.window_margin, (c_u._sample_window(rng(), 1)[0], rng()), {"N": 2}),
             {"p": (Bad({}, "empty-dict"),), "rng": NOT_RNG, "N": (1, 0, -1),
              "lag_offset": (-1, 2.5), "budget_factor": (NAN, -1.0, 0.0)}))
    add("verify.claims.wx23_universality:ka_target",
        Case(lambda: (c_u.ka_target, (ka_params(),), {}), {"p": (Bad({}, "empty-dict"),)}))
    add("verify.claims.wx23_universality:ka_margin",
        Case(lambda: (c_u.ka_margin, (ka_params(),), {}),
             {"p": (Bad({}, "empty-dict"),), "inner_shift": FINITE,
              "budget_factor": (NAN, -1.0, 0.0)}))
    add("verify.claims.wx23_universality:volterra_target",
        Case(lambda: (c_u.volterra_target, (c_u._sample_volterra(rng(), 1)[0],), {}),
             {"p": (Bad({}, "empty-dict"),)}))
    add("verify.claims.wx23_universality:volterra_errors",
        Case(lambda: (c_u.volterra_errors, (c_u._sample_volterra(rng(), 1)[0], (4,)),
                      {"batch": 1}),
             {"p": (Bad({}, "empty-dict"),), "lengths": ((0,), (-1,), ()),
              "batch": (0, -1, 2.5)}))
    add("verify.claims.wx23_universality:volterra_margin",
        Case(lambda: (c_u.volterra_margin, (c_u._sample_volterra(rng(), 1)[0],), {}),
             {"p": (Bad({}, "empty-dict"),), "budget_factor": (NAN, -1.0, 0.0)}))

    # ------------------------------------------------------------------ verify.cli
    add("verify.cli:int_at_least",
        Case(call(cli.int_at_least, 1), {"minimum": (2.5, NAN, "1")}))
    add("verify.cli:positive_seconds",
        Reason("an argparse type: bad text ('0', '-1', 'inf', 'soon') raises "
               "argparse.ArgumentTypeError, a usage error with exit status 2 (tested in "
               "tests/test_main.py, test_search_bad_usage_exits_2)"))

    # ------------------------------------------------------------------ verify.experiments
    add("verify.experiments.byjl25_fit:Config",
        Case(call(e_fit.Config),
             {"poles": SIZE, "length": SIZE, "budget": POS,
              "magnitudes": ((), (NAN,), (-1.0,), (0.0,)), "depths": ((), (0,), (2.5,)),
              "restarts": SIZE, "iterations": SIZE}))
    add("verify.experiments.byjl25_fit:Row", record("run"))
    add("verify.experiments.byjl25_fit:large_norm_targets",
        Case(lambda: (e_fit.large_norm_targets, (rng(), 2, [4.0], 3), {}),
             {"rng": NOT_RNG, "poles": SIZE, "magnitudes": ([], [NAN], [-1.0], [INF]),
              "length": SIZE}))
    add("verify.experiments.byjl25_fit:main", cli_main)
    add("verify.experiments.byjl25_fit:minimal_width",
        Case(call(e_fit.minimal_width, 4, 2), {"poles": SIZE, "depth": SIZE}))
    tiny_fit = lambda: e_fit.Config(poles=2, length=4, magnitudes=(4.0,),  # noqa: E731
                                    depths=(2,), restarts=1, iterations=2)
    def reproduce_case(module: Any) -> Case:
        """``reproduce(out_dir, *, quick, seed)``: the checks run before anything is computed
        or written (the valid call, which writes a figure, is not made)."""
        import tempfile

        return Case(call(module.reproduce, tempfile.gettempdir(), quick=True, seed=0),
                    {"out_dir": (Bad(3, "int"), "", Bad(module.__file__, "existing-file")),
                     "quick": ("yes", 1, None), "seed": (-1, 2.5, NAN, True)},
                    run_valid=False)

    add("verify.experiments.byjl25_fit:reproduce", reproduce_case(e_fit))
    add("verify.experiments.byjl25_norm_vs_depth:reproduce", reproduce_case(e_nd))
    add("verify.experiments.wx23_width_vs_T:reproduce", reproduce_case(e_wt))
    add("verify.experiments.memory_curves:reproduce", reproduce_case(e_mc))
    add("verify.experiments.byjl25_teacher_student:reproduce", reproduce_case(e_ts))
    add("verify.experiments.byjl25_teacher_student:main", cli_main)
    add("verify.experiments.byjl25_teacher_student:Curve", record("run"))
    add("verify.experiments.byjl25_teacher_student:Config",
        Case(call(e_ts.Config),
             {"shapes": ((), ((2,),), Bad(((0, 2),), "depth-0", ("depth",)),
                         Bad(((2, 4),), "count-20", ("width",))),
              "length": SIZE, "seeds": SIZE, "iterations": SIZE, "budget_factor": POS,
              "teacher_scale": POS}))
    add("verify.experiments.byjl25_teacher_student:equal_shallow_width",
        Case(call(e_ts.equal_shallow_width, 2, 2), {"depth": SIZE, "width": SIZE + (4,)}))
    add("verify.experiments.byjl25_teacher_student:random_teacher",
        Case(lambda: (e_ts.random_teacher, (rng(), 2, 2), {"scale": 1.0}),
             {"rng": NOT_RNG, "depth": SIZE, "width": SIZE + (10,), "scale": POS}))
    add("verify.experiments.byjl25_teacher_student:run",
        Case(lambda: (e_ts.run, (e_ts.Config(shapes=((2, 2),), length=4, seeds=1,
                                             iterations=1), 0), {}),
             {"config": NOT_MODEL, "seed": (-1, 2.5, NAN)}))
    tiny_sd = lambda: e_sd.Config(depths=(1,), base_channels=1, modes=1, length=3,  # noqa: E731
                                  train=2, test=2, seeds=1, iterations=1)
    sd_model = lambda: e_sd.Model(1, 1, 1)  # noqa: E731
    sd_xy = lambda: (np.zeros((1, 3)), np.ones((1, 3)))  # noqa: E731
    add("verify.experiments.byjl25_s4d_depth:reproduce", reproduce_case(e_sd))
    add("verify.experiments.byjl25_s4d_depth:main", cli_main)
    add("verify.experiments.byjl25_s4d_depth:Row", record("run"))
    add("verify.experiments.byjl25_s4d_depth:Config",
        Case(call(e_sd.Config),
             {"depths": ((), (0,), (2.5,)), "base_channels": SIZE, "modes": SIZE,
              "length": SIZE, "train": SIZE, "test": SIZE, "seeds": SIZE, "iterations": SIZE}))
    add("verify.experiments.byjl25_s4d_depth:Model",
        Case(call(e_sd.Model, 1, 1, 1), {"depth": SIZE, "channels": SIZE, "modes": SIZE}))
    add("verify.experiments.byjl25_s4d_depth:Model.unpack",
        Case(lambda: (sd_model().unpack, (np.zeros(sd_model().size),), {}),
             {"theta": (nan_entry(), Bad(np.zeros(3), "short"), Bad([0.0] * 11, "list"))}))
    add("verify.experiments.byjl25_s4d_depth:Model.initial",
        Case(lambda: (sd_model().initial, (rng(),), {}), {"rng": NOT_RNG}))
    add("verify.experiments.byjl25_s4d_depth:filtered_square_task",
        Case(lambda: (e_sd.filtered_square_task, (rng(), 2, 3), {}),
             {"rng": NOT_RNG, "sequences": SIZE, "length": SIZE}))
    add("verify.experiments.byjl25_s4d_depth:loss_and_gradient",
        Case(lambda: (e_sd.loss_and_gradient, (sd_model(), np.zeros(sd_model().size),
                                               *sd_xy()), {}),
             {"model": NOT_MODEL, "theta": (nan_entry(), Bad(np.zeros(3), "short")),
              "x": (nan_entry(), Bad(np.zeros(3), "1-D"), Bad(np.zeros((1, 4)), "long", ("y",))),
              "y": (nan_entry(), Bad(np.zeros((1, 4)), "long"))}))
    add("verify.experiments.byjl25_s4d_depth:matched_channels",
        Case(call(e_sd.matched_channels, 2, 50, 1),
             {"depth": SIZE, "budget": SIZE, "modes": SIZE}))
    add("verify.experiments.byjl25_s4d_depth:run",
        Case(lambda: (e_sd.run, (tiny_sd(), 0), {}),
             {"config": NOT_MODEL, "seed": (-1, 2.5, NAN)}))
    add("verify.experiments.byjl25_fit:run",
        Case(lambda: (e_fit.run, (tiny_fit(), 0), {}),
             {"config": NOT_MODEL, "seed": (-1, 2.5, NAN)}))
    add("verify.experiments.byjl25_norm_vs_depth:Config",
        Case(call(e_nd.Config),
             {"poles": SIZE, "shallow_norms": ((), (NAN,), (-1.0,), (0.0,)),
              "depths": ((), (0,), (2.5,)), "width": (0, -1, 2.5), "max_splits": SIZE}))
    add("verify.experiments.byjl25_norm_vs_depth:Point", record("run"))
    add("verify.experiments.byjl25_norm_vs_depth:main", cli_main)
    add("verify.experiments.byjl25_norm_vs_depth:run",
        Case(lambda: (e_nd.run, (e_nd.Config(poles=2, shallow_norms=(10.0,), depths=(1, 2)),
                                 0), {}),
             {"config": NOT_MODEL, "seed": (-1, 2.5, NAN)}))
    add("verify.experiments.memory_curves:CurveResult", record("run_experiment"))
    add("verify.experiments.memory_curves:Protocol",
        Reason("configuration record: the two instances are the constants in PROTOCOLS; "
               "functions take a protocol by name and check it (protocol=)"))
    add("verify.experiments.memory_curves:build_models",
        Case(lambda: (e_mc.build_models, (rng(), 2, 2), {"dt": 0.1, "b_clip": 2.0}),
             {"rng": NOT_RNG, "D": SIZE, "hidden": SIZE + (3,), "dt": (0.0, -1.0, NAN, INF),
              "b_clip": b_clips}))
    add("verify.experiments.memory_curves:run_experiment",
        Case(call(e_mc.run_experiment, 0, 16, 2, 4, protocol="authors", settle=0.1,
                  b_clip=None),
             {"seed": (-1, 2.5, NAN), "T": (1, 0, -1, 2.5), "D": SIZE,
              "hidden": SIZE + (3,), "protocol": ("paper", 3), "dt": (0.0, NAN),
              "settle": (0.0, -1.0, NAN, INF), "b_clip": (0.0, NAN)}))
    add("verify.experiments.memory_curves:format_table",
        Case(lambda: (e_mc.format_table, (e_mc.run_experiment(0, 16, 2, 4),), {}),
             {"results": (Bad("x", "str"), [3])}))
    mc_runs = lambda: {"authors": e_mc.run_experiment(0, 16, 2, 4)}  # noqa: E731
    add("verify.experiments.memory_curves:figure",
        Case(lambda: (e_mc.figure, (mc_runs(),), {}),
             {"runs": ({}, Bad("x", "str"), {"paper": [3]}, {"authors": []},
                       {"authors": [3]})}, run_valid=False))
    add("verify.experiments.memory_curves:plot_curves",
        Case(lambda: (e_mc.plot_curves, (mc_runs(), "unused.png"), {}),
             {"runs": ({}, {"paper": [3]}, {"authors": [3]})}, run_valid=False))
    add("verify.experiments.memory_curves:main", cli_main)
    add("verify.experiments.wx23_width_vs_T:Row", record("run"))
    add("verify.experiments.wx23_width_vs_T:main", cli_main)
    add("verify.experiments.wx23_width_vs_T:run",
        Case(call(e_wt.run, (1,), batch=1),
             {"lengths": ((0,), (-1,), (), (2.5,)), "batch": SIZE, "seed": (-1, 2.5, NAN)}))

    # ------------------------------------------------------------------ verify.fitting
    add("verify.fitting:FitResult", record("fit"))
    add("verify.fitting:Layout", Case(call(fitm.Layout, 2, 1), {"depth": SIZE, "width": SIZE}))
    lay21 = lambda: fitm.Layout(2, 1)  # noqa: E731
    add("verify.fitting:Layout.unpack",
        Case(lazy(lambda: lay21().unpack, np.zeros((1, lay21().size))),
             {"theta": (np.zeros((1, 1)), nan_entry())}))
    add("verify.fitting:Layout.pack",
        Case(lambda: (lay21().pack, lay21().unpack(np.full((1, lay21().size), 0.5)), {}),
             {"lam": (nan_entry(), WRONG_SHAPE), "B1": (nan_entry(), WRONG_SHAPE),
              "C": (nan_entry(), WRONG_SHAPE)}))
    add("verify.fitting:Layout.theta",
        Case(lazy(lambda: lay21().theta, np.zeros((1, lay21().size)), name="value"),
             {"value": (np.zeros((1, 1)), nan_entry(), np.zeros(lay21().size))}))
    add("verify.fitting:Layout.bounds",
        Case(lazy(lambda: lay21().bounds, 2.0, 0.9),
             {"budget": POS, "lam_max": (0.0, 1.5, NAN)}))
    add("verify.fitting:Layout.model",
        Case(lazy(lambda: lay21().model, np.full(lay21().size, 0.5)),
             {"theta_row": (np.zeros(1), nan_entry())}))
    target4 = 0.5 ** np.arange(4.0)
    fit_kw = {"rng": None, "restarts": 1, "iterations": 2}
    for name, tgt in (("fit", target4), ("fit_batch", target4[None, :])):
        add(f"verify.fitting:{name}",
            Case(lambda f=name, t=tgt: (getattr(fitm, f), (t, 1, 1, 2.0),
                                        {**fit_kw, "rng": rng()}),
                 {"target" if name == "fit" else "targets": (nan_entry(), np.array([])),
                  "depth": SIZE, "width": SIZE, "budget": POS, "rng": NOT_RNG,
                  "restarts": SIZE, "iterations": SIZE, "lr": POS,
                  "lam_max": (0.0, 1.5, NAN), "weights": (np.ones(2), -np.ones(4))}))
    add("verify.fitting:kernels",
        Case(lambda: (fitm.kernels, (lay21(), np.full((1, lay21().size), 0.5), 4), {}),
             {"layout": NOT_MODEL, "theta": (np.zeros((1, 1)), nan_entry()), "T": NONNEG}))
    add("verify.fitting:loss_and_gradient",
        Case(lambda: (fitm.loss_and_gradient, (lay21(), np.full((1, lay21().size), 0.5),
                                               target4[None, :], np.ones(4)), {}),
             {"layout": NOT_MODEL, "theta": (np.zeros((1, 1)), nan_entry()),
              "target": (nan_entry(), np.ones((1, 2))), "weights": (nan_entry(), np.ones(2))}))

    # ------------------------------------------------------------------ verify.registry
    add("verify.registry:Tier",
        Case(lambda: (reg.Tier, (), fields_of(fake_claim().tiers[0])),
             {"name": ("", 3), "sample": (3,), "check": (3,), "describe": (3,),
              "batch": SIZE, "max_instances": (0, -1, 2.5)}))
    add("verify.registry:Tier.instances_for",
        Case(lazy(lambda: fake_claim().tiers[0].instances_for, 3),
             {"requested": (0, -1, 2.5)}))
    add("verify.registry:Claim",
        Case(lambda: (reg.Claim, (), fields_of(fake_claim())),
             {"id": ("",), "paper": ("bogus",), "provenance": ("bogus",), "tiers": ((),),
              "expected": ("bogus",), "default_instances": (0, -1, 2.5)}))
    add("verify.registry:register",
        Case(lambda: (reg.register, (fake_claim(),), {}), {"claim": NOT_MODEL},
             run_valid=False))
    add("verify.registry:all_claims", Reason("no parameters"))
    add("verify.registry:get_claim",
        Case(call(reg.get_claim, "byjl25.lemma3.1"),
             {"claim_id": (Documented("bogus", "unknown-id", None,
                                      "raises UnknownClaimError (a KeyError listing the "
                                      "known ids)", raises=reg.UnknownClaimError), 3)}))
    add("verify.registry:check_count",
        Case(call(reg.check_count, "value", 3), {"value": (0, -1, 2.5, NAN, True)}))
    add("verify.registry:UnknownClaimError", EXCEPTION)
    add("verify.registry:log_margin",
        Case(call(reg.log_margin, 0.5, 1.0),
             {"error": (Documented(NAN, "nan", _is_nan, "nan: counted as a violation"), -1.0),
              "tol": (NAN, -1.0)}))

    # ------------------------------------------------------------------ verify.report
    def results() -> list[Any]:
        return [run.run_claim(fake_claim(), instances=1)]

    add("verify.report:format_table",
        Case(lambda: (rep.format_table, (results(),), {}), {"results": (Bad("x", "str"), [3])}))
    add("verify.report:format_claim_list",
        Case(lambda: (rep.format_claim_list, ([fake_claim()],), {}),
             {"claims": (Bad("x", "str"), [3])}))
    for name in ("format_parameter_counts", "parameter_counts"):
        add(f"verify.report:{name}",
            Case(call(getattr(rep, name), [(2, 2)]),
                 {"shapes": ([(0, 2)], [(2, -1)], [(2.5, 2)], [(2,)])}))
    add("verify.report:json_report",
        Case(lambda: (rep.json_report, (results(), 0, 1), {}),
             {"results": (Bad("x", "str"),), "seed": (-1, 2.5), "instances": (0, -1, 2.5)}))
    add("verify.report:versions", Reason("no parameters"))
    add("verify.report:write_json",
        Reason("writes a report made by json_report; non-finite numbers are refused by the "
               "strict JSON encoder and the path is checked by the operating system (tested "
               "in tests/test_report.py)"))

    # ------------------------------------------------------------------ verify.runner
    add("verify.runner:TierResult", record("run_tier"))
    add("verify.runner:RunInterrupted", EXCEPTION)
    add("verify.runner:iter_rows",
        Case(lambda: (run.iter_rows, (results(),), {}), {"results": ([3], Bad("x", "str"))}))
    add("verify.runner:ClaimResult", record("run_claim"))
    add("verify.runner:run_tier",
        Case(lambda: (run.run_tier, (fake_claim(), 0, 1, 0), {}),
             {"claim": NOT_MODEL, "tier_index": (-1, 1, 2.5), "instances": (0, -1, 2.5),
              "seed": (-1, 2.5)}))
    add("verify.runner:run_claim",
        Case(lambda: (run.run_claim, (fake_claim(),), {"instances": 1}),
             {"claim": NOT_MODEL, "instances": (0, -1, 2.5), "seed": (-1, 2.5)}))
    add("verify.runner:run_claims",
        Case(lambda: (run.run_claims, ([fake_claim()],), {"instances": 1,
                                                          "show_progress": False}),
             {"claims": (Bad("x", "str"), [3]), "instances": (0, -1, 2.5), "seed": (-1, 2.5)}))
    # ------------------------------------------------------------------ chunks and scale-out
    def chunk() -> Any:
        return run.Chunk(0, "test.bad_input", 0, 0, 1, 1)

    add("verify.runner:Chunk",
        Case(call(run.Chunk, 0, "test.bad_input", 0, 0, 1, 1),
             {"index": (-1, 2.5), "claim_id": (Bad(3, "int"),), "tier_index": (-1, 2.5),
              "first_batch": (-1, 2.5), "batches": (0, 2.5),
              "total": (0, run.MAX_INSTANCES + 1, 2.5)}))
    add("verify.runner:ChunkResult", record("run_chunk"))
    add("verify.runner:plan_chunks",
        Case(lambda: (run.plan_chunks, ([fake_claim()],), {"instances": 2, "chunk_instances": 2}),
             {"claims": (Bad("x", "str"), [3]), "instances": (0, -1, 2.5),
              "chunk_instances": (0, -1, 2.5)}))
    add("verify.runner:run_chunk",
        Case(lambda: (run.run_chunk, (fake_claim(), chunk(), 0), {}),
             {"claim": NOT_MODEL,
              "chunk": (Bad("x", "str"), Bad(run.Chunk(0, "other", 0, 0, 1, 1), "other-claim"),
                        Bad(run.Chunk(0, "test.bad_input", 0, 5, 1, 1), "batch-beyond")),
              "seed": (-1, 2.5)}))
    add("verify.runner:reduce_chunks",
        Case(lambda: (run.reduce_chunks,
                      (fake_claim(), 0, [run.run_chunk(fake_claim(), chunk(), 0)]), {}),
             {"claim": NOT_MODEL, "tier_index": (-1, 1, 2.5),
              "results": ([], [3], Bad("x", "str"))}))
    add("verify.runner:run_claims(backend)",
        Case(lambda: (run.run_claims, ([fake_claim()],),
                      {"instances": 1, "show_progress": False, "backend": None}),
             {"backend": (Bad(object(), "object"), 3)}))
    add("verify.parallel:ClusterError", EXCEPTION)
    add("verify.parallel:WorkerFailure", EXCEPTION)
    add("verify.parallel:package_versions", Reason("no parameters"))
    add("verify.parallel:ProcessBackend",
        Case(call(par.ProcessBackend, 1), {"workers": (0, -1, 2.5, "2")}))
    add("verify.parallel:DaskBackend",
        Case(call(par.DaskBackend, "tcp://127.0.0.1:8786"),
             {"address": ("", Bad(3, "int"), None)}))
    for backend in (lambda: par.ProcessBackend(1), lambda: par.DaskBackend("tcp://h:8786")):
        add(f"verify.parallel:{type(backend()).__name__}.map_chunks",
            Case(lazy(lambda b=backend: b().map_chunks, [], 0),
                 {"chunks": (Bad("x", "str"), [3]), "seed": (-1, 2.5)}, run_valid=False))
    add("verify.shards:Shard",
        Case(call(shd.Shard, 0, 2), {"index": (-1, 2, 2.5), "count": (0, 2.5),
                                     "layout": ("random", Bad(3, "int"))}))
    add("verify.shards:Shard.select",
        Case(lazy(lambda: shd.Shard(0, 2).select, []), {"plan": (Bad("x", "str"), [3])}))
    add("verify.shards:parse_shard",
        Reason("an argparse type: bad text ('3/2', 'x', '-1/2', '0/0') raises "
               "argparse.ArgumentTypeError, a usage error with exit status 2 (tested in "
               "tests/test_parallel.py, test_bad_scale_out_usage_exits_2)"))
    add("verify.shards:run_shard",
        Case(lambda: (shd.run_shard, ([fake_claim()], 2, 0, shd.Shard(0, 2)), {}),
             {"claims": (Bad("x", "str"), [3], []), "instances": (0, -1, 2.5),
              "seed": (-1, 2.5), "shard": (Bad("0/2", "str"),),
              "backend": (3, Bad(object(), "object"))}))
    add("verify.shards:shard_report",
        Case(lambda: (shd.shard_report, ([fake_claim()], 2, 0, shd.Shard(0, 1),
                                         shd.run_shard([fake_claim()], 2, 0, shd.Shard(0, 1))),
                      {}),
             {"claims": (Bad("x", "str"), [3], []), "instances": (0, -1, 2.5),
              "seed": (-1, 2.5), "shard": (Bad("0/1", "str"),),
              "results": ([], [3], Bad("x", "str"))}))
    add("verify.report:jsonable",
        Reason("takes any value: returns it as strict JSON (non-finite floats as strings, "
               "numpy scalars as Python numbers, anything else through str)"))
    add("verify.shards:MergeError", EXCEPTION)
    add("verify.shards:MergedRun", record("merge_shards"))
    add("verify.shards:merge_shards",
        Case(call(shd.merge_shards, ["missing.json"]),
             {"paths": ([], Bad("a.json", "str"), [3])}, run_valid=False))
    add("verify.runner:verdict_of",
        Case(call(run.verdict_of, "holds", 3, 0),
             {"expected": ("bogus",), "instances": (0, -1, 2.5), "violations": (-1, 4, 2.5)}))

    # ------------------------------------------------------------------ verify.sampling
    add("verify.sampling:stable_spectrum",
        Case(lambda: (smp.stable_spectrum, (rng(), (2,), "disk"), {}),
             {"rng": NOT_RNG, "shape": ((0,), (-1,), (2.5,)), "style": ("bogus",)}))
    add("verify.sampling:random_deep_batch",
        Case(lambda: (smp.random_deep_batch, (rng(), 2, 2, 2), {}),
             {"rng": NOT_RNG, "n": SIZE, "depth": SIZE, "width": SIZE,
              "styles": (("bogus",), ())}))
    add("verify.sampling:random_deep_exact",
        Case(lambda: (smp.random_deep_exact, (rng(), 2, 2), {}),
             {"rng": NOT_RNG, "depth": SIZE, "width": SIZE, "max_den": SIZE}))
    add("verify.sampling:random_deep_mpmath",
        Case(lambda: (smp.random_deep_mpmath, (rng(), 2, 2), {}),
             {"rng": NOT_RNG, "depth": SIZE, "width": SIZE}))
    add("verify.sampling:gaussian_rational",
        Case(lambda: (smp.gaussian_rational, (rng(),), {}),
             {"rng": NOT_RNG, "max_den": SIZE, "max_abs": SIZE}))
    add("verify.sampling:random_stable_layer",
        Case(lambda: (smp.random_stable_layer, (rng(), 1, 2, 1, 0.5), {"dense": True}),
             {"rng": NOT_RNG, "d_in": SIZE, "width": SIZE, "d_out": SIZE,
              "radius": (1.5, 1.0, NAN, -1.0)}))

    # ------------------------------------------------------------------ verify.scan
    A, B1, C1 = np.array([0.5]), np.ones((1, 1)), np.ones((1, 1))
    add("verify.scan:choose_chunk",
        Case(call(scan.choose_chunk, 2, 1, 1, 16),
             {"m": SIZE, "d": SIZE, "p": SIZE, "T": NONNEG}))
    add("verify.scan:kernel",
        Case(call(scan.kernel, A, B1, C1, 4),
             {"A": (nan_entry(), np.array([1.5]), np.ones((2, 2))),
              "B": (nan_entry(), Bad(np.ones((2, 1)), "array[2,1]", ("A",))),
              "C": (nan_entry(), np.ones((1, 2))),
              "T": NONNEG, "D": (nan_entry(), np.ones((2, 2)))}))
    add("verify.scan:linear_scan",
        Case(call(scan.linear_scan, A, B1, C1, np.ones((4, 1))),
             {"A": (nan_entry(), np.ones((2, 2))),
              "B": (nan_entry(), Bad(np.ones((2, 1)), "array[2,1]", ("A",))),
              "C": (nan_entry(), np.ones((1, 2))), "x": (nan_entry(), np.ones((4, 2)),
                                                         np.ones(4)),
              "D": (nan_entry(), np.ones((2, 2))), "method": ("bogus",),
              "chunk": (0, -1, 2.5), "block": (0, -1, 2.5, True)}))
    add("verify.scan:scan_blocks",
        Case(call(scan.scan_blocks, A, B1, C1, np.ones((4, 1)), block=2),
             {"A": (nan_entry(), np.ones((2, 2))),
              "B": (nan_entry(), Bad(np.ones((2, 1)), "array[2,1]", ("A",))),
              "C": (nan_entry(), np.ones((1, 2))), "x": (nan_entry(), np.ones((4, 2)),
                                                         np.ones(4)),
              "D": (nan_entry(), np.ones((2, 2))), "method": ("bogus",),
              "chunk": (0, -1, 2.5), "block": (0, -1, 2.5, None, True)}))
    add("verify.scan:max_relative_error",
        Case(call(scan.max_relative_error, np.ones((3, 1)), np.ones((3, 1))),
             {"y": (np.ones((2, 1)), Documented(np.full((3, 1), NAN), "nan", lambda r: r == INF,
                                                 "a NaN output counts as an infinite error")),
              "reference": (Bad(np.ones((2, 1)), "array[2,1]", ("y",)),
                            Documented(np.full((3, 1), NAN), "nan", lambda r: r == INF,
                                       "a NaN reference gives an infinite error"))}))
    add("verify.scan:scan_stack",
        Case(call(scan.scan_stack, [(A, B1, C1)], np.ones((4, 1))),
             {"layers": ([], [(A, B1)], [(np.array([NAN]), B1, C1)]),
              "x": (nan_entry(), np.ones((4, 2))), "activation": (Bad(3, "not-callable"),),
              "method": ("bogus",), "chunk": (0, -1)}))

    # ------------------------------------------------------------------ verify.stack_eval
    add("verify.stack_eval:run_layer_float",
        Case(lambda: (se.run_layer_float, (layer(), np.ones((2, 3, 1))), {}),
             {"layer": (NOT_MODEL[0], Mut(lambda v: cont(), "continuous")),
              "x": (nan_entry(), WRONG_SHAPE, np.ones(3)), "method": ("bogus",)}))
    add("verify.stack_eval:run_stack_float",
        Case(lambda: (se.run_stack_float, (stack(), np.ones((2, 3, 1))), {}),
             {"stack": (NOT_MODEL[0], Mut(lambda v: stack("continuous"), "continuous", ("dt",))),
              "x": (nan_entry(), WRONG_SHAPE, np.ones(3)), "dt": POS,
              "method": ("bogus",)}))
    add("verify.stack_eval:run_stack_float(continuous)",
        Case(lambda: (se.run_stack_float, (stack("continuous"), np.ones((2, 3, 1))),
                      {"dt": 0.1}),
             {"dt": POS + (None,)}))

    # ------------------------------------------- streaming table, margin units, optional extras
    add("verify.registry:Tier(unit)",
        Case(lambda: (reg.Tier, (), fields_of(fake_claim().tiers[0]) | {"unit": "decades"}),
             {"unit": ("decade", "", 3)}))
    add("verify.runner:run_claims(on_result)",
        Case(lambda: (run.run_claims, ([fake_claim()],),
                      {"instances": 1, "show_progress": False, "on_result": lambda r: None}),
             {"on_result": (Bad("print", "str"), 3), "show_progress": ("yes", 1)}))
    add("verify.runner:progress_style",
        Case(call(run.progress_style, False), {"show_progress": ("yes", 1, 0)}))
    add("verify.report:format_table(wide)",
        Case(lambda: (rep.format_table, (results(),), {"wide": True}),
             {"wide": (Bad("yes", "str"), 1)}))
    add("verify.report:format_margin",
        Case(call(rep.format_margin, 1.5, "decades"),
             {"value": ("1", True, None), "unit": ("decade", "", 3)}))
    add("verify.report:ResultTable",
        Case(lambda: (rep.ResultTable, ([fake_claim()],), {}),
             {"claims": (Bad("x", "str"), [3]), "instances": (0, -1, 2.5),
              "wide": (Bad("yes", "str"), 1)}))
    add("verify.report:ResultTable.rows",
        Case(lambda: (rep.ResultTable([fake_claim()]).rows, (results()[0],), {}),
             {"result": (Bad("x", "str"), [3], None)}))
    add("verify.report:ResultTable.footer",
        Case(lambda: (rep.ResultTable([fake_claim()]).footer, (results(),), {}),
             {"results": (Bad("x", "str"), [3]), "pending": (Bad("x", "str"), [3])}))

    # ------------------------------------------- re-checkable certificates (issue 8, item 3)
    import verify.certcheck as cc
    import verify.certificates as cf
    import verify.recheck as rc

    g_half = ["1/2", "0"]
    tiny_model = {"eigenvalues": [[g_half]], "B": [[["1", "0"]]], "C": [["1", "0"]]}
    tiny_target = {"poles": [g_half], "residues": [["1", "0"]]}
    tiny_report = {"claims": [{"id": "byjl25.thm4.1.iii", "tiers": []}]}
    malformed = lambda r: r[0] == "malformed"  # noqa: E731
    add("verify.registry:Tier(rebuild)",
        Case(lambda: (reg.Tier, (), fields_of(fake_claim().tiers[0]) | {"rebuild": None}),
             {"rebuild": (Bad("x", "str"), 3)}))
    add("verify.certcheck:CertificateInputError", EXCEPTION)
    add("verify.certcheck:Malformed", EXCEPTION)
    add("verify.certcheck:CertResult", record("check_report"))
    add("verify.certcheck:main", Reason("command-line entry point: a bad argument list or an "
                                        "unreadable file exits with status 2 (tested in "
                                        "tests/test_certcheck.py)"))
    add("verify.certcheck:check_certificate",
        Case(call(cc.check_certificate, {"format": cc.FORMAT, "type": "lemma3.1",
                                         "model": tiny_model, "terms": 3,
                                         "kernel": [["1", "0"], g_half, ["1/4", "0"]]}),
             {"cert": (Documented([], "list", malformed, "reported as malformed"),
                       Documented({"format": cc.FORMAT, "type": "x"}, "unknown-type",
                                  malformed, "reported as malformed"))}))
    add("verify.certcheck:check_report",
        Case(call(cc.check_report, tiny_report), {"report": ([], {"claims": 3}, None)}))
    add("verify.certcheck:read_model",
        Case(call(cc.read_model, tiny_model),
             {"model": (None, {"eigenvalues": [[["1", "0"]]], "B": [[["1", "0"]]],
                               "C": [["1", "0"]]},
                        {"eigenvalues": [[["0.5", "0"]]], "B": [[["1", "0"]]],
                         "C": [["1", "0"]]})}))
    add("verify.certcheck:read_shallow",
        Case(call(cc.read_shallow, tiny_target),
             {"target": (None, {"poles": [], "residues": []},
                         {"poles": [g_half], "residues": []})}))
    add("verify.certificates:rational",
        Case(call(cf.rational, R(1, 2)), {"x": (0.5, sympy.sqrt(2), sympy.I)}))
    add("verify.certificates:gaussian",
        Case(call(cf.gaussian, R(1, 2) + sympy.I), {"x": (0.5, sympy.sqrt(2), True, "1")}))
    add("verify.certificates:deep_json",
        Case(call(cf.deep_json, lin.DeepSSM([[R(1, 2)]], [[1]], [1])),
             {"model": NOT_MODEL + (Mut(lambda v: lin.DeepSSM([[0.5]], [[1.0]], [1.0]),
                                        "float", ("x",)),)}))
    add("verify.certificates:shallow_json",
        Case(call(cf.shallow_json, [R(1, 2)], [1]),
             {"poles": ([0.5],), "residues": ([], [0.5])}, aliases={"poles": ("x",),
                                                                    "residues": ("x",)}))
    add("verify.certificates:polynomial_json",
        Case(call(cf.polynomial_json, 1 + lin.W, lin.W),
             {"expr": (1 + sympy.sqrt(2) * lin.W,)}, aliases={"expr": ("x",)}))
    add("verify.certificates:certificate",
        Case(call(cf.certificate, "lemma3.1"), {"kind": ("", 3)}))
    add("verify.certificates:deep_from_json",
        Case(call(cf.deep_from_json, tiny_model), {"model": (None, {"eigenvalues": []})}))
    add("verify.certificates:shallow_from_json",
        Case(call(cf.shallow_from_json, tiny_target), {"target": (None, {"poles": 3})}))
    add("verify.certificates:complex_array",
        Case(call(cf.complex_array, ["(0.5+1j)"]),
             {"values": ([0.5], ["x"], [["1"], ["1", "2"]])}, aliases={"values": ("values",)}))
    add("verify.certificates:mpmath_array",
        Case(call(cf.mpmath_array, ["(0.5 + 1.0j)"], 30),
             {"values": ([0.5], ["x"]), "dps": (0, -1, 2.5, True)}))
    add("verify.recheck:RecheckRow", record("recheck"))
    add("verify.recheck:recheck",
        Case(call(rc.recheck, tiny_report),
             {"report": ([], {"claims": 3}, {"claims": [{"id": 3, "tiers": []}]})}))
    add("verify.recheck:format_recheck",
        Case(call(rc.format_recheck, []), {"rows": (Bad("x", "str"), [3])}))
    add("verify.recheck:main_recheck",
        Case(call(rc.main_recheck, "unused.json"),
             {"path": (3, None)}, run_valid=False))
    _add_report_dir_cases(add, results)
    _add_hammerstein_and_continuous_memory_cases(add)
    _add_certified_cases(add)
    _add_kolmogorov_certified_cases(add)
    _add_description_cases(add)
    _add_real_realization_cases(add)
    _add_scan_stream_cases(add)
    _add_catalog_cases(add)
    return cases


def _add_activations_cases(add: Callable[[str, Case | Reason], None]) -> None:
    """``theory.activations``: the fields of an activation, its argument (exact Python ints and
    ``Fraction``s of any size included: exact or saturated values, or refused by name where
    they lie outside an inverse's domain) and the lookup by name."""
    from fractions import Fraction

    import theory.activations as act

    huge, huge_fraction = 10**400, Fraction(10**400, 3)
    lipschitz = (NAN, -1.0, INF, Bad(huge, "int-1e400"), Bad(huge_fraction, "fraction-3e399"),
                 Bad(10**5000, "int-1e5000"))
    domain = (Bad((0.0, huge), "int-1e400-bound"), Bad((1.0, -1.0), "reversed"),
              Bad((0.0, "1"), "str-bound"), Bad(5, "int"), Bad((0.0, 1.0, 2.0), "three"))
    add("theory.activations:Activation",
        Case(call(act.Activation, "id", lambda x: x, 1.0, inverse=lambda y: y),
             {"lipschitz": lipschitz, "fn": (Bad(3, "not-callable"),),
              "inverse_domain": domain}))
    add("theory.activations:Activation.__call__",
        Case(lazy(lambda: act.RELU, np.array([0.5])),
             {"x": (Documented(np.array([NAN]), "nan", _is_nan,
                               "σ is applied entrywise: NaN in, NaN out"),
                    Documented(huge, "int-1e400", lambda out: out == huge,
                               "Python ints are exact: ReLU returns them as they are"),
                    Documented([huge, -1], "int-1e400-list",
                               lambda out: out.dtype == object and out.tolist() == [huge, 0],
                               "a list with an int beyond float64 becomes an object array"),
                    "0.5", np.array([1j]))}))
    add("theory.activations:Activation.inv",
        Case(lazy(lambda: act.TANH.inv, np.array([0.5])),
             {"y": (np.array([2.0]), np.array([NAN]), "0.5", [2 + 0j],
                    Bad(huge, "int-1e400"), Bad(-huge, "int-minus-1e400"),
                    Bad([0.5, huge], "int-1e400-list"), Bad((huge,), "int-1e400-tuple"),
                    Bad(np.array([huge], dtype=object), "int-1e400-object-array"),
                    Bad(huge_fraction, "fraction-3e399"), Bad([huge_fraction], "fraction-list"),
                    Bad(10**5000, "int-1e5000"))}))
    add("theory.activations:custom_activation",
        Case(call(act.custom_activation, np.tanh, 1.0, inverse=np.arctanh,
                  inverse_domain=(-1.0, 1.0)),
             {"lipschitz": lipschitz, "fn": (Bad(3, "not-callable"),),
              "inverse_domain": domain}))
    add("theory.activations:get_activation",
        Case(call(act.get_activation, "relu"),
             {"name_or_activation": ("bogus", 3)}))


def _add_report_dir_cases(add: Callable[[str, Case | Reason], None],
                          results: Callable[[], list[Any]]) -> None:
    """``python -m verify --report DIR``: the report directory, its document and renderers, the
    run's metadata (valid calls write only into temporary directories)."""
    import tempfile

    import verify.report_dir as rd
    import verify.report_document as doc
    import verify.report_html as rh
    import verify.report_markdown as rm
    import verify.run_metadata as meta
    from verify.report import json_report

    tmp = tempfile.gettempdir()
    directory = ("", Bad(3, "int"), Bad(rd.__file__, "existing-file"))
    not_blocks = (Bad("x", "str"), [3], None)
    block = Reason("document block: a plain record that build_document makes from a report; "
                   "the renderers check that they are given blocks")

    def base() -> dict[str, Any]:
        return json_report(results(), 0, 1)

    def report() -> dict[str, Any]:
        return base() | {"environment": meta.environment([])}

    add("verify.run_metadata:environment",
        Case(call(meta.environment, ["--quick"]),
             {"argv": (Bad("--quick", "str"), [3], None)}))
    add("verify.run_metadata:git_state",
        Case(call(meta.git_state, tmp), {"root": ("", Bad(3, "int"), None)}))
    add("verify.run_metadata:blas_threads", Reason("no parameters"))
    for name in ("Heading", "Paragraph", "Link", "Table", "Code", "Figure", "Bullets"):
        add(f"verify.report_document:{name}", block)
    add("verify.report_document:build_document",
        Case(lambda: (doc.build_document, (report(),), {}),
             {"report": (Bad("x", "str"), Bad({"claims": []}, "no-environment"), None),
              "title": ("", " ", 3)}))
    add("verify.report_document:margin_text",
        Case(call(doc.margin_text, {"instances": 1, "unit": "decades", "worst_margin": 1.0,
                                    "worst_margin_kind": "finite"}),
             {"tier": (Bad({"instances": 1}, "no-margin"), Bad("x", "str"), None)}))
    add("verify.report_markdown:render_markdown",
        Case(call(rm.render_markdown, [doc.Paragraph("x")]), {"blocks": not_blocks}))
    add("verify.report_html:render_html",
        Case(call(rh.render_html, [doc.Paragraph("x")], tmp),
             {"blocks": not_blocks,
              "base_dir": (*directory, Bad("/nonexistent-dir", "missing"))}))
    add("verify.report_dir:check_report_dir",
        Case(call(rd.check_report_dir, tmp), {"report_dir": directory}))
    add("verify.report_dir:run_experiment",
        Case(call(rd.run_experiment, "verify.cli", tmp, True, 0),
             {"module_name": ("", Bad(3, "int"), None), "out_dir": directory,
              "quick": ("yes", 1, None), "seed": (-1, 2.5, NAN, True)}))
    add("verify.report_dir:ExperimentRunner",
        Case(call(rd.ExperimentRunner, tmp, quick=True, seed=0, modules=("verify.cli",),
                  parallel=False),
             {"out_dir": directory, "quick": ("yes", 1, None), "seed": (-1, 2.5, NAN, True),
              "modules": (Bad("verify.cli", "str"), [3], [""]), "parallel": ("yes", 1, None)}))
    add("verify.report_dir:assemble_report",
        Case(lambda: (rd.assemble_report, (base(), meta.environment([]), []),
                      {"quick": True, "seconds": 1.0, "expected_experiments": ()}),
             {"base": (Bad("x", "str"), Bad({"claims": []}, "no-instances")),
              "environment": (Bad("x", "str"), None),
              "experiments": (Bad("x", "str"), [3], [{"ok": True}]),
              "quick": ("yes", 1), "seconds": (-1.0, NAN, INF, "1", True),
              "expected_experiments": (Bad("x", "str"), [3])}))
    add("verify.report_dir:write_report",
        Case(lambda: (rd.write_report, (report(), tempfile.mkdtemp()), {}),
             {"report": (Bad("x", "str"), Bad({"claims": "x"}, "claims-str")),
              "out_dir": directory}, run_valid=False))
    add("verify.report_dir:report_schema", Reason("no parameters"))


def _add_hammerstein_and_continuous_memory_cases(
        add: Callable[[str, Case | Reason], None]) -> None:
    """Hammerstein targets (``theory.hammerstein`` and its claim) and the continuous Theorem
    3.13 (``theory.memory_continuous`` and its claim)."""
    import theory.hammerstein as ham
    import theory.memory_continuous as mc
    import verify.claims.wx23_hammerstein as c_h
    import verify.claims.wx23_memory_continuous as c_mc
    from theory.layers import SSMLayer, SSMStack

    def pl() -> Any:
        return ham.PiecewiseLinear([0.0, 1.0], [0.0, 1.0])

    def filt() -> Any:
        return SSMLayer([0.5], [[1.0]], [[1.0]])

    def target() -> Any:
        return ham.HammersteinTarget(pl(), filt(), 0.0, 1.0)

    def sin_target() -> Any:
        return ham.HammersteinTarget(np.sin, filt(), 0.0, 1.0, 1.0)

    def approx(t: Any) -> Any:
        return ham.hammerstein_network(t, 3)

    not_layer = (Bad("x", "str"), Mut(lambda v: SSMLayer([0.5], [[1.0]], [[1.0]], b=[1.0]),
                                      "bias"))
    add("theory.hammerstein:PiecewiseLinear",
        Case(call(ham.PiecewiseLinear, [0.0, 1.0], [0.0, 1.0]),
             {"points": ([0.0], [1.0, 0.0], [0.0, NAN]), "values": ([0.0], [0.0, NAN])}))
    add("theory.hammerstein:PiecewiseLinear.__call__",
        Case(lazy(lambda: pl().__call__, 0.5), {"x": (2.0, NAN, "s")}))
    add("theory.hammerstein:HammersteinTarget",
        Case(lambda: (ham.HammersteinTarget, (pl(), filt(), 0.0, 1.0), {}),
             {"f": (Bad(3, "int"), Bad(ham.PiecewiseLinear([0.0, 0.5], [0.0, 1.0]), "short")),
              "filter": not_layer, "a": (NAN, Bad(1.0, "a=b", ("b",))), "b": (NAN, 0.0),
              "lipschitz": (-1.0, NAN), "second_derivative": (-1.0, NAN, INF)}))
    add("theory.hammerstein:HammersteinTarget.__call__",
        Case(lazy(lambda: target().__call__, [[0.5], [0.2]]),
             {"u": ([[2.0]], [[NAN]], [[0.5, 0.5]])}))
    add("theory.hammerstein:HammersteinApproximant", record("hammerstein_network"))
    add("theory.hammerstein:HammersteinBudget", record("hammerstein_budget"))
    add("theory.hammerstein:WorstCase", record("worst_case_error"))
    add("theory.hammerstein:hammerstein_network",
        Case(lambda: (ham.hammerstein_network, (target(), 3), {"realization": filt()}),
             {"target": (Bad("x", "str"),), "N": (1, 0, 2.5, NAN),
              "realization": (*not_layer, Bad(SSMLayer([0.5], [[1.0, 1.0]], [[1.0]]), "2-in"))}))
    add("theory.hammerstein:truncated_filter",
        Case(lambda: (ham.truncated_filter, (filt(), 2), {}),
             {"filter": not_layer, "n": SIZE}))
    add("theory.hammerstein:hammerstein_budget",
        Case(lambda: (ham.hammerstein_budget, (target(), approx(target()), 3), {}),
             {"target": (Bad("x", "str"),), "approximant": (Bad("x", "str"),), "T": SIZE}))
    add("theory.hammerstein:worst_case_error",
        Case(lambda: (ham.worst_case_error, (sin_target(), approx(sin_target()), 3),
                      {"points": [0.0, 0.5, 1.0]}),
             {"target": (Bad("x", "str"),), "approximant": (Bad("x", "str"),), "T": SIZE,
              "points": ([NAN], None, [[0.0]])}))

    def cont() -> Any:
        return SSMStack([layer("continuous")], "relu")

    times = ([0.0], [NAN], [-1.0], [[1.0]])
    add("theory.memory_continuous:ExponentialPowerBound", record("exponential_power_bound"))
    add("theory.memory_continuous:ExponentialPowerBound.__call__",
        Case(lazy(lambda: mc.exponential_power_bound([-1.0]), [1.0]), {"t": times}))
    add("theory.memory_continuous:exponential_power_bound",
        Case(call(mc.exponential_power_bound, [[-1.0]]),
             {"W": (nan_entry(), [[1.0, 2.0]], [[0.5]], Bad("x", "str"))}))
    add("theory.memory_continuous:ContinuousMemoryBound", record("continuous_memory_bound"))
    for method in ("__call__", "corollary"):
        add(f"theory.memory_continuous:ContinuousMemoryBound.{method}",
            Case(lazy(lambda m=method: getattr(mc.continuous_memory_bound(cont(), 1.0), m),
                      [1.0]), {"t": times}))
    add("theory.memory_continuous:continuous_memory_bound",
        Case(lambda: (mc.continuous_memory_bound, (cont(), 1.0), {}),
             {"stack": (Bad("x", "str"), Mut(lambda v: stack(), "discrete")),
              "x_norm": NONNEG_REAL}))
    add("theory.memory_continuous:continuous_memory",
        Case(lambda: (mc.continuous_memory, (cont(), [1.0], [1.0]), {}),
             {"stack": (Bad("x", "str"), Mut(lambda v: stack(), "discrete"),
                        Mut(lambda v: stack("continuous"), "relu-2-layers")),
              "x": ([NAN], [1.0, 2.0]), "t": times}))

    def spec(kind: str) -> Any:
        return c_h.sharp_spec(rng(), kind)

    spec_bad = (Bad({}, "empty"), Mut(lambda v: {**v, "N": 1}, "N-1"),
                Mut(lambda v: {**v, "kind": "x"}, "kind-x"))
    add("verify.claims.wx23_hammerstein:build_instance",
        Case(lambda: (c_h.build_instance, (spec("exact"),), {}), {"spec": spec_bad}))
    for name, kind, other in (("exact_margin", "exact", "float"),
                              ("float_margin", "float", "exact")):
        add(f"verify.claims.wx23_hammerstein:{name}",
            Case(lambda n=name, k=kind: (getattr(c_h, n), (spec(k),), {}),
                 {"spec": (*spec_bad, Mut(lambda v, o=other: spec(o), f"{other}-spec")),
                  "budget_factor": (0.0, -1.0, NAN, INF), "network": (Bad(3, "int"),)}))
    add("verify.claims.wx23_hammerstein:sharp_spec",
        Case(lambda: (c_h.sharp_spec, (rng(),), {"kind": "float"}),
             {"rng": NOT_RNG, "kind": ("bogus", 3)}))

    add("verify.claims.wx23_memory_continuous:ContinuousInstance",
        Case(lambda: (c_mc.ContinuousInstance, (cont(), np.ones((1, 1)), (1.0, 2.0)),
                      {"family": "random", "dps": 20}),
             {"stack": (Bad("x", "str"), Mut(lambda v: stack(), "discrete")),
              "directions": (np.array([[NAN]]), np.ones((1, 2))),
              "times": ((0.0,), (NAN,), ()), "family": ("", 3), "dps": (14, 2.5, NAN)}))
    add("verify.claims.wx23_memory_continuous:random_continuous_layer",
        Case(lambda: (c_mc.random_continuous_layer, (rng(), 1, 2, 1),
                      {"structure": "dense", "feedthrough": False, "bias": True}),
             {"rng": NOT_RNG, "d_in": SIZE, "width": SIZE, "d_out": SIZE,
              "structure": ("bogus", None), "feedthrough": (1, "yes"), "bias": (0, None)}))
    add("verify.claims.wx23_memory_continuous:continuous_margin",
        Case(lambda: (c_mc.continuous_margin,
                      (c_mc.ContinuousInstance(cont(), np.ones((1, 1)), (1.0,)),), {}),
             {"inst": (Bad("x", "str"),), "bound_factor": (0.0, -1.0, NAN, INF),
              "constants": (Bad(3, "int"),)}))


def _add_certified_cases(add: Callable[[str, Case | Reason], None]) -> None:
    """The certified tiers (★, issue 10 item 2): :mod:`verify.balls`, the certified margins of
    the claims, the registry's ``certified`` flag and the report's marking."""
    import verify.balls as vb_
    import verify.claims.byjl25_norm as c_n
    import verify.claims.wx23_approximation as c_a
    import verify.claims.wx23_memory as c_m
    import verify.registry as reg

    def sample(sampler: Callable[..., Any], *extra: Any) -> Any:
        return sampler(rng(), 1, *extra)

    def inst_case(fn: Callable[..., Any], sampler: Callable[..., Any], *extra: Any) -> Case:
        return Case(lambda: (fn, (sample(sampler, *extra)[0],), {}),
                    {"inst": (Bad({}, "empty-dict"), Mut(lambda v: {**v, "N": 0}, "N-0")),
                     "bound_factor": (NAN, -1.0, 0.0)})

    def stack_inst() -> Any:
        return c_m.StackInstance(stack(), np.ones((1, 1)), 8)


    not_real = (NAN, INF, Bad("1", "str"))

    def x_case(fn: Callable[..., Any], *extra: Any) -> Case:
        return Case(call(fn, 0.5, *extra), {"x": not_real})

    for name in ("lower", "upper", "exp", "log", "log10", "sqrt", "sin", "cos", "tanh",
                 "sigmoid", "relu", "hardtanh", "absolute", "ball"):
        add(f"verify.balls:{name}", x_case(getattr(vb_, name)))
    for name in ("available_backends", "backend", "unbounded"):
        add(f"verify.balls:{name}", Reason("no parameters"))
    add("verify.balls:use_backend",
        Case(call(vb_.use_backend, "mpmath.iv"), {"name": ("iv", "", 3, None)}))
    add("verify.balls:precision",
        Case(call(vb_.precision, 64), {"bits": (52, 0, 2.5, "64", True)}))
    add("verify.balls:decide",
        Case(call(vb_.decide, lambda: 1.0, 1),
             {"evaluate": (Bad(3, "not-callable"),), "doublings": (-1, 2.5, True),
              "margin": (Bad(3, "not-callable"),)}))
    add("verify.balls:tier_name", Case(call(vb_.tier_name, "x"), {"detail": (3, None)}))
    add("verify.balls:cball", Case(call(vb_.cball, 0.5 + 1j),
                                   {"z": (complex(NAN, 0), Bad("1", "str"), None)}))
    add("verify.balls:CBall", Case(call(vb_.CBall, 0.5, 1.0),
                                   {"re": (Bad(NAN, "nan", ("x",)),),
                                    "im": (Bad(INF, "inf", ("x",)),)}))
    add("verify.balls:balls", Case(call(vb_.balls, [0.5, 1.0]),
                                   {"values": (Bad([0.5, NAN], "nan-entry", ("x",)),),
                                    "complex_": ("yes", 1)}))
    add("verify.balls:power", Case(call(vb_.power, 2.0, 0.5),
                                   {"x": not_real, "y": (Bad(NAN, "nan", ("x",)),)}))
    for name in ("maximum", "minimum", "log10_ratio"):
        first, second = ("num", "den") if name == "log10_ratio" else ("a", "b")
        add(f"verify.balls:{name}",
            Case(call(getattr(vb_, name), 0.5, 1.0),
                 {first: (Bad(NAN, "nan", ("x",)),), second: (Bad(INF, "inf", ("x",)),)}))
    add("verify.balls:norm2", Case(call(vb_.norm2, [0.5, 1.0]),
                                   {"values": (Bad([0.5, NAN], "nan-entry", ("x",)),)}))
    add("verify.balls:matvec",
        Case(lambda: (vb_.matvec, (vb_.balls(np.ones((2, 2))), vb_.balls(np.ones(2))), {}),
             {"M": (Bad(np.ones((2, 3)), "wrong-shape"),),
              "v": (Bad(np.ones(3), "wrong-shape", ("M",)),)}))
    add("verify.balls:run_stack",
        Case(lambda: (vb_.run_stack, (stack(), np.ones((3, 1))), {}),
             {"stack": (Bad("stack", "str"),), "x": (np.ones((3, 2)), np.ones(3))}))

    # ------------------------------------------- certified tiers: claims, registry, report
    add("verify.claims.byjl25_norm:algb_certified_margin",
        Case(lambda: (c_n.algb_certified_margin, (deep(),), {}),
             {"model": PASSED_ON, "balancer": (Bad(3, "not-callable"),)}))
    add("verify.claims.byjl25_norm:thm42_certified_margin",
        Case(lambda: (c_n.thm42_certified_margin, (shallow(), 2, 2),
                      {"constructions": ("forest",)}),
             {"target": PASSED_ON, "depth": SIZE, "width": SIZE, "constant": POS,
              "constructions": (("bogus",), ()), "forest_bound": POS}))
    add("verify.claims.wx23_memory:certified_bound_margin",
        Case(deferred(c_m.certified_bound_margin, lambda: (stack_inst(),)),
             {"inst": PASSED_ON, "constants": (Bad(3, "not-callable"),)}))
    add("verify.claims.wx23_approximation:relu_certified_margin",
        inst_case(c_a.relu_certified_margin, c_a._sample_float_a, 4))
    add("verify.claims.wx23_approximation:smooth_certified_margin",
        inst_case(c_a.smooth_certified_margin, c_a._sample_float_a, 4))
    add("verify.claims.wx23_approximation:expsum_certified_margin",
        Case(lambda: (c_a.expsum_certified_margin, (dict(sample(c_a._sample_expsum)[0], n=3),),
                      {}),
             {"inst": (Bad({}, "empty-dict"), Mut(lambda v: {**v, "n": 0}, "n-0"),
                       Mut(lambda v: {**v, "family": "bogus"}, "bad-family")),
              "bound_factor": (NAN, -1.0, 0.0)}))
    add("verify.claims.wx23_approximation:bt_certified_margin",
        Case(lambda: (c_a.bt_certified_margin, bt_args()[:2], {}),
             {"taps": (nan_entry(), np.array([])), "order": (0, -1, 10),
              "bound_factor": (NAN, -1.0, 0.0)}))
    add("verify.registry:Tier(certified)",
        Case(lambda: (reg.Tier, (), fields_of(fake_claim().tiers[0]) | {"certified": True}),
             {"certified": (1, "yes", None)}))


def _add_kolmogorov_certified_cases(add: Callable[[str, Case | Reason], None]) -> None:
    """The certified constructive superposition (``theory.kolmogorov``, Lorentz iteration) and
    its claims (``verify.claims.wx23_kolmogorov``)."""
    from strategies import product_target as target

    import theory.kolmogorov as kol
    import verify.claims.wx23_kolmogorov as c_k

    def table() -> Any:
        return kol.psi_table(2, 6, 3, upper=1.0)

    def sup() -> Any:
        return kol.certified_superpose(target(), 6, [1], 3)

    pts = np.array([[0.1, 0.2]])
    bad_pts = (np.array([[NAN, 0.1]]), np.array([[0.1]]), np.array([[1.5, 0.1]]))
    generic = {"target": "product", "params": [], "levels": [1], "seed": 1}
    pair = {"target": "product", "params": [], "levels": [1, 2], "seed": 1}
    add("theory.kolmogorov:lorentz_constants",
        Case(call(kol.lorentz_constants, 2), {"n": (1, 0, 2.5, NAN)}))
    add("theory.kolmogorov:step_bound",
        Case(call(kol.step_bound, 2, 1.0, 0.1, 0.3),
             {"n": (1, 2.5), "previous": NONNEG_REAL, "omega": NONNEG_REAL,
              "values_max": NONNEG_REAL}))
    add("theory.kolmogorov:LipschitzTarget",
        Case(call(kol.LipschitzTarget, lambda y: y[:, 0], 2, (1.0, 1.0)),
             {"F": (Bad(3, "not-callable"),), "n": (1, 2.5),
              "lipschitz": ((1.0,), (1.0, NAN), (1.0, -1.0), Bad("ab", "str")),
              "sup": NONNEG_REAL}))
    add("theory.kolmogorov:LipschitzTarget.__call__",
        Case(lazy(target, pts), {"y": bad_pts}))
    add("theory.kolmogorov:LipschitzTarget.box_range",
        Case(lazy(lambda: target().box_range, pts, pts + 0.1),
             {"lo": bad_pts, "hi": (np.array([[0.0, 0.0]]), np.array([[NAN, 0.3]]))}))
    add("theory.kolmogorov:LipschitzTarget.sup_bound",
        Case(lazy(lambda: target().sup_bound, 4), {"m": SIZE}))
    add("theory.kolmogorov:TownCubes", record("town_cubes"))
    add("theory.kolmogorov:town_cubes",
        Case(lazy_args(lambda: (kol.town_cubes, (2, 6, 1, 0, table()), {})),
             {"n": (Bad(3, "3", ("gamma", "table")), 1), "gamma": (Bad(7, "7", ("table",)), 5),
              "k": (0, Bad(3, "3", ("table",)), 2.5), "q": (-1, 5, 2.5),
              "table": NOT_MODEL + (Bad(kol.psi_table(2, 6, 3, upper=0.5), "upper-half"),)}))
    add("theory.kolmogorov:inner_enclosure",
        Case(lazy_args(lambda: (kol.inner_enclosure, (table(), 0, pts), {})),
             {"table": NOT_MODEL, "q": (-1, 5, 2.5), "y": bad_pts}))
    add("theory.kolmogorov:CertifiedSuperposition", record("certified_superpose"))
    add("theory.kolmogorov:CertifiedSuperposition.enclose",
        Case(lazy(lambda: sup().enclose, pts, pts + 0.1),
             {"lo": bad_pts, "hi": (np.array([[0.0, 0.0]]), np.array([[NAN, 0.3]])),
              "iterations": (-1, 2, 2.5)}))
    add("theory.kolmogorov:CertifiedSuperposition.error_enclosure",
        Case(lazy(lambda: sup().error_enclosure, pts), {"y": bad_pts,
                                                         "iterations": (-1, 2, 2.5)}))
    add("theory.kolmogorov:CertifiedSuperposition.box_error_bound",
        Case(lazy(lambda: sup().box_error_bound, 4),
             {"m": SIZE, "iterations": (-1, 2, 2.5), "aligned": ("yes", 1),
              "chunk": SIZE}))
    add("theory.kolmogorov:certified_superpose",
        Case(lazy_args(lambda: (kol.certified_superpose, (target(), 6, [1], 3), {})),
             {"target": NOT_MODEL, "gamma": (5, 2.5, NAN),
              "levels": ([], [0], [3], [1.5], Bad("1", "str")), "K": (0, 1, 2.5)}))
    add("verify.claims.wx23_kolmogorov:target_of",
        Case(call(c_k.target_of, generic), {"p": (Bad({}, "empty-dict"),
                                                  Bad(dict(generic, target="x"), "target-x"))}))
    add("verify.claims.wx23_kolmogorov:sharp_instance",
        Case(lambda: (c_k.sharp_instance, (rng(),), {"level": 1}),
             {"rng": NOT_RNG, "level": (0, 2.5, NAN), "M": (0.0, -1.0, NAN, INF)}))
    add("verify.claims.wx23_kolmogorov:superposition_margin",
        Case(call(c_k.superposition_margin, generic),
             {"p": (Bad({}, "empty-dict"),), "bound_factor": (0.0, -1.0, NAN),
              "broken": ("other", 3)}))
    add("verify.claims.wx23_kolmogorov:psi_rise",
        Case(call(c_k.psi_rise, 2), {"k": SIZE, "n": (1, 2.5), "gamma": (5, 2.5)}))
    add("verify.claims.wx23_kolmogorov:iteration_certificate",
        Case(call(c_k.iteration_certificate, pair, samples=4, candidates=1),
             {"p": (Bad({}, "empty-dict"), Bad(generic, "one-level")),
              "samples": (1, 2.5), "candidates": SIZE}))
    add("verify.claims.wx23_kolmogorov:iteration_margin",
        Case(call(c_k.iteration_margin, pair),
             {"p": (Bad({}, "empty-dict"), Bad(dict(pair, levels=[2, 1]), "decreasing"))}))


def _add_description_cases(add: Callable[[str, Case | Reason], None]) -> None:
    """The description readers (``verify.descriptions``)."""
    import verify.descriptions as vd

    add("verify.descriptions:read_fields",
        Case(call(vd.read_fields, {"n": 3}, {"n": vd.read_int(1)}),
             {"description": ({}, {"n": 3, "m": 4}, [3], None, {"n": 0}),
              "readers": ({"n": 3}, [vd.read_real], None),
              "derived": (["m"], ("m", 3), "m")}))
    add("verify.descriptions:read_real",
        Case(call(vd.read_real, 0.5, "x"),  # the error names the entry ("x"), as documented
             {"value": tuple(Bad(v, repr(v), ("x",)) for v in (1, True, NAN, INF, "0.5", None))}))
    add("verify.descriptions:read_int", Case(call(vd.read_int, 1), {"low": (1.5, None, "1")}))
    add("verify.descriptions:read_choice",
        Reason("variadic options, checked to be one or more strings "
               "(tests/test_descriptions.py)"))
    add("verify.descriptions:read_rational",
        Case(call(vd.read_rational, "1/2", "r"),  # the error names the entry ("r")
             {"value": tuple(Bad(v, repr(v), ("r",)) for v in ("0.5", "1/0", "2x", 1, None))}))
    add("verify.descriptions:read_array",
        Case(call(vd.read_array, 1), {"ndim": SIZE, "entry": (3, None)}))
    add("verify.descriptions:optional",
        Case(call(vd.optional, vd.read_real), {"read": (3, None)}))


def _add_real_realization_cases(add: Callable[[str, Case | Reason], None]) -> None:
    """The conjugation-closed split of Algorithm A and the real realization (issue 9, item 4)."""
    import theory.depth_width as dw
    import theory.real_realization as rrm
    from theory.linear import DeepSSM, ShallowSSM

    i = sympy.I
    block = [[R(1, 3), R(-1, 3)], [R(1, 3), R(1, 3)]]
    pair = [(1 + i) / 3, (1 - i) / 3]
    add("theory.depth_width:RealSplitCertificate", record("real_split_certificate"))
    add("theory.depth_width:real_split_certificate",
        Case(lazy_args(lambda: (dw.real_split_certificate,
                                (ShallowSSM(pair, [1 + i, 1 - i], [1, 1]), 1, 2), {})),
             {"shallow": NOT_MODEL + (Bad(ShallowSSM([pair[0], R(1, 2)], [1, 1], [1, 1]),
                                          "pole-without-conjugate"),
                                      Bad(ShallowSSM(pair, [1, 1 + i], [1, 1]),
                                          "residues-not-conjugate")),
              "depth": SIZE, "width": SIZE}))
    add("theory.real_realization:RealDeepSSM",
        Case(call(rrm.RealDeepSSM, [block], [[1, 0]], [1, 1]),
             {"A": ([], Bad([block, block], "two-transitions-one-B"),
                    Bad([[[R(1, 3), R(1, 3)], [R(1, 3), R(1, 3)]]], "not-rotation-scaling"),
                    Bad([[[R(4, 5), R(-4, 5)], [R(4, 5), R(4, 5)]]], "unstable-block"),
                    Bad([[[R(1, 3), i], [0, R(1, 3)]]], "complex-entry"),
                    Bad([[[NAN, 0.0], [0.0, 0.5]]], "nan-entry")),
              "B": ([], Bad([[i, 0]], "complex-entry"), Bad([[1, 0, 0]], "wrong-shape")),
              "C": (Bad([1, i], "complex-entry"), Bad([1], "width-1", ("A",)),
                    Bad([], "empty"))}))
    add("theory.real_realization:RealDeepSSM.kernel",
        Case(lazy(lambda: rrm.RealDeepSSM([block], [[1, 0]], [1, 1]).kernel, 4),
             {"T": NONNEG}))
    add("theory.real_realization:real_realization",
        Case(lazy_args(lambda: (rrm.real_realization,
                                (DeepSSM([pair], [[1 + i, 1 - i]], [1, 1]),), {})),
             {"deep": NOT_MODEL + (Bad(DeepSSM([pair], [[1, 2]], [1, 1]), "rows-not-conjugate"),
                                   Bad(DeepSSM([[pair[0], R(1, 2)]], [[1, 1]], [1, 1]),
                                       "pole-without-conjugate"))}))


def _add_scan_stream_cases(add: Callable[[str, Case | Reason], None]) -> None:
    """The streamed scan (issue 10, item 4): options and parameters are refused on calling,
    each block when it arrives (the error names ``blocks[i]``)."""
    import verify.scan as scan

    A, B1, C1 = np.array([0.5]), np.ones((1, 1)), np.ones((1, 1))
    good = np.ones((4, 1))
    add("verify.scan:scan_stream",
        Case(call(scan.scan_stream, A, B1, C1, [good, np.ones((3, 1))]),
             {"A": (nan_entry(), np.ones((2, 2)), np.array([1.5])),
              "B": (nan_entry(), Bad(np.ones((2, 1)), "array[2,1]", ("A",))),
              "C": (nan_entry(), np.ones((1, 2))),
              "blocks": (Bad(good, "one-array"), Bad(5, "int"), Bad("ab", "str"),
                         Bad([], "no-block"), Bad([good, np.full((2, 1), NAN)], "late-nan"),
                         Bad([good, np.ones((4, 2))], "late-wrong-d"),
                         Bad([good, np.ones((2, 4, 1))], "late-batch-axis"),
                         Bad([good, good + 1j], "complex-after-real"),
                         Bad([good, np.ones((0, 1))], "empty-block")),
              "D": (nan_entry(), np.ones((2, 2))), "method": ("bogus",),
              "chunk": (0, -1, 2.5), "diagonal": ("yes",)}))


def _add_catalog_cases(add: Callable[[str, Case | Reason], None]) -> None:
    """The claims' catalog (issue 10, item 5): its readers and the listing, and
    :func:`verify.registry.from_catalog`; the real-parameter tier of Theorem 4.1(ii) (issue 9,
    item 4), whose check passes the instance's parts to ``real_split_certificate``."""
    import verify.claims.byjl25_depth_width as c_dw
    import verify.claims.catalog as cat
    import verify.registry as reg

    add("verify.claims.byjl25_depth_width:margin_ii_real",
        Case(deferred(c_dw.margin_ii_real, lambda: (c_dw._sample_ii_real(rng(), 1)[0],)),
             {"inst": (Mut(lambda v: (v[0], 0, v[2]), "depth-0", ("depth",)),
                       Mut(lambda v: (v[0], v[1], 0), "width-0", ("width",)),
                       Mut(lambda v: ("x", v[1], v[2]), "not-a-model", ("shallow",)))}))

    add("verify.claims.catalog:ClaimText",
        Reason("plain-data record of the catalog: verify.registry.Claim validates its fields "
               "when a claim is built from it (from_catalog), register compares them"))
    add("verify.claims.catalog:catalog_entry",
        Case(call(cat.catalog_entry, "byjl25.thm4.1.ii"),
             {"claim_id": (3, None, Documented("no.such.claim", "unknown-id", lambda r: r is None,
                                               "None: the catalog has no such claim"))}))
    add("verify.claims.catalog:text_table",
        Case(call(cat.text_table, ("a", "b"), [("x", "y")]),
             {"header": (Bad("ab", "str"), Bad((), "empty"), Bad((3, "b"), "int-cell")),
              "rows": (Bad("xy", "str"), Bad([("x",)], "short-row"), Bad([(3, 4)], "int-cells"))}))
    add("verify.claims.catalog:format_listing",
        Case(call(cat.format_listing, list(cat.CATALOG[:1])),
             {"claims": (Bad("claims", "str"), Bad([3], "int"))}))
    add("verify.claims.catalog:format_catalog", Reason("no parameters"))
    add("verify.registry:from_catalog",
        Case(lambda: (reg.from_catalog, ("byjl25.thm4.1.ii",),
                      {"tiers": reg.get_claim("byjl25.thm4.1.ii").tiers}),
             {"claim_id": (Bad("no.such.claim", "unknown-id"), 3),
              "tiers": ((), Mut(lambda t: t[:-1], "missing-tier"),
                        Mut(lambda t: t[::-1], "reordered")),
              "default_instances": (0, -1, 2.5)}))
