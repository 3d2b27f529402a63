"""The float closed form of :meth:`theory.linear.DeepSSM.kernel` (BYJL25 Lemma 3.1, Eq. 2).

The float path groups the terms of the direct sum by blocks of time (``_blocked_convolution``,
``O(T)`` per layer) and computes its powers in extended precision (``_power_table``). These
tests compare it with the previous direct sum (``O(T²)``), kept as ``old_closed_form`` in
``benchmarks/bench_closed_form.py``, within a tolerance derived from the rounding of both
computations, on random models with near-unit, repeated, zero and tiny eigenvalues; and with
a 30-digit oracle. Its complex powers are within a few ulp where ``np.power`` (the previous
sum's) loses ``~π n ε`` at exponent ``n``.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

import mpmath
import numpy as np
import pytest
from hypothesis import example
from hypothesis import strategies as st
from strategies import run_examples, smoke_and_full

from theory import linear
from theory.linear import DeepSSM, ShallowSSM
from theory.numbers import NumberKind

U = 2.0**-53  # unit roundoff of float64
U_EXT = float(np.finfo(np.longdouble).eps) / 2  # of the extended precision of the powers
TINY = 2.0**-1074  # absolute rounding of an underflowing product
B_LEN = linear._CONVOLUTION_BLOCK


def _load_benchmark() -> ModuleType:
    """``benchmarks/bench_closed_form.py``, whose ``old_closed_form`` is the previous direct sum."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_closed_form.py"
    spec = importlib.util.spec_from_file_location("bench_closed_form", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


old_closed_form = _load_benchmark().old_closed_form


def absolute(model: DeepSSM) -> DeepSSM:
    """The entrywise-absolute model: its kernel bounds the sum of |terms| of Lemma 3.1."""
    return DeepSSM(np.abs(model.eigenvalues), [np.abs(b) for b in model.B], np.abs(model.C))


def levels(T: int) -> int:
    """Levels of the blocked sum for ``T`` steps (sums of at most ``b + 1`` terms each)."""
    n, out = T, 1
    while n > B_LEN:
        n, out = -(-n // B_LEN) - 1, out + 1
    return out


def new_bound(model: DeepSSM, T: int) -> float:
    """Relative rounding bound of the blocked closed form against the absolute kernel.

    Per layer: the product ``B_k v`` (``m`` terms, each product 3 roundings for complex
    entries), the blocked sum (``(b + 3)`` roundings per level), one power per level, each within
    ``2 + 2 n ε_ext / ε`` roundings for exponents ``n ≤ b T``; then the readout (``m + 3``).
    """
    m, depth, L = model.width, model.depth, levels(T)
    power = 2 + 2 * B_LEN * T * U_EXT / U
    per_layer = m + 3 + L * (B_LEN + 3) + (L + 1) * (power + 3)
    return (depth * per_layer + m + 3) * U


def old_bound(model: DeepSSM, T: int) -> float:
    """Relative rounding bound of :func:`old_closed_form` against the absolute kernel.

    Per layer: ``B_k v`` (``m + 3``), the sequential sum of up to ``T`` terms (``T + 3``), and
    the power ``λ^n``, ``n < T``: within 2 roundings for real ``λ`` (C ``pow``); for complex ``λ``
    binary powering (``3 n``, ``n < 100``) or ``exp(n log λ)``, whose exponent carries an
    absolute error of ``2 n |log λ| ε``, ``|log λ| ≤ |ln |λ|| + π``.
    """
    m, depth = model.width, model.depth
    lam = model.eigenvalues
    if np.iscomplexobj(lam):
        moduli = np.abs(lam[lam != 0])
        log = (np.abs(np.log(moduli)).max() if moduli.size else 0.0) + math.pi
        power = 3 * T + 2 * T * log + 2
    else:
        power = 2
    return (depth * (2 * m + T + 9 + power) + m + 3) * U


def assert_agree(model: DeepSSM, T: int) -> None:
    """New and old closed form within the sum of their bounds, entry by entry."""
    new, old = model.kernel(T), old_closed_form(model, T)
    assert new.shape == old.shape == (T,) and new.dtype == old.dtype
    scale = old_closed_form(absolute(model), T).real
    ops = model.depth * (T + 1) * (model.width + 3) ** 2
    tol = (new_bound(model, T) + old_bound(model, T)) * scale + ops * TINY
    err = np.abs(new - old)
    assert np.all(err <= tol), f"worst error / tolerance {np.max(err / tol):.3g}"


# ---------------------------------------------------------------------------- random models
def _spectrum(rng: np.random.Generator, family: str, m: int, complex_: bool) -> np.ndarray:
    if family == "near-unit":
        mod = 1 - 10.0 ** -rng.uniform(3, 9, m)
    elif family == "repeated":
        mod = np.full(m, rng.uniform(0.3, 0.999))
    elif family == "tiny":
        mod = 10.0 ** -rng.uniform(2, 8, m)
    elif family == "zero":
        mod = np.where(rng.random(m) < 0.5, 0.0, rng.uniform(0, 0.99, m))
    else:
        mod = rng.uniform(0, 0.99, m)
    if complex_:
        phase = rng.random() if family == "repeated" else rng.random(m)
        return mod * np.exp(2j * np.pi * phase)
    return mod * (rng.choice([-1.0, 1.0]) if family == "repeated" else rng.choice([-1.0, 1.0], m))


FAMILIES = ["near-unit", "repeated", "tiny", "zero", "uniform"]


def random_model(seed: int, depth: int, width: int, families: list[str],
                 complex_: bool) -> DeepSSM:
    rng = np.random.default_rng(seed)
    lam = np.array([_spectrum(rng, families[k % len(families)], width, complex_)
                    for k in range(depth)])
    if "repeated" in families and depth > 1:
        lam[-1] = lam[0]  # the same eigenvalues in two layers as well
    B = [rng.standard_normal(width)] + [rng.standard_normal((width, width))
                                        for _ in range(depth - 1)]
    return DeepSSM(lam, B, rng.standard_normal(width))


@pytest.mark.parametrize("examples", smoke_and_full(8, 25))
def test_blocked_closed_form_agrees_with_the_direct_sum(examples):
    @example(seed=0, depth=3, width=3, families=["near-unit"], complex_=True, T=300)
    @example(seed=1, depth=4, width=2, families=["repeated"], complex_=False, T=257)
    @example(seed=2, depth=2, width=4, families=["zero", "tiny"], complex_=True, T=256)
    def check(seed, depth, width, families, complex_, T):
        assert_agree(random_model(seed, depth, width, families, complex_), T)

    run_examples(examples, check, seed=st.integers(0, 2**32 - 1), depth=st.integers(1, 4),
                 width=st.integers(1, 4),
                 families=st.lists(st.sampled_from(FAMILIES), min_size=1, max_size=3),
                 complex_=st.booleans(),
                 T=st.sampled_from([0, 1, 2, 15, 16, 17, 40, 255, 256, 257, 300]))


# smoke: each family once, real and complex in turn; full: each family both ways
@pytest.mark.parametrize("cases", smoke_and_full(
    [(family, i % 2 == 1) for i, family in enumerate(FAMILIES)],
    [(family, complex_) for family in FAMILIES for complex_ in (False, True)]))
def test_each_spectrum_family_over_three_levels(cases):
    """``T = 600``: blocks of 16, then 37 block totals, then 2: three levels of the sum."""
    assert levels(600) == 3
    failures = []
    for family, complex_ in cases:
        try:
            assert_agree(random_model(FAMILIES.index(family), 3, 3, [family], complex_), 600)
        except AssertionError as exc:
            failures.append(f"{family}, complex={complex_}: {exc}")
    assert not failures, "\n".join(failures)


def test_the_tolerance_is_tight_enough_to_see_a_wrong_term():
    """Negative control: the tolerance is not vacuous. Adding 1e-9 times the kernel shifted by
    17 lags (a term of the wrong lag, as a wrong block offset would add) is outside it."""
    model = random_model(5, 3, 3, ["near-unit", "uniform"], True)
    T = 300
    scale = old_closed_form(absolute(model), T).real
    tol = (new_bound(model, T) + old_bound(model, T)) * scale
    wrong = model.kernel(T).copy()
    wrong[17:] -= model.kernel(T - 17)[: T - 17] * 1e-9  # a relative perturbation of 1e-9
    assert np.any(np.abs(wrong - old_closed_form(model, T)) > tol)


# ---------------------------------------------------------------------------- exact cases
def _dyadic_convolution_mismatches(order: tuple[int, ...], T: int) -> list[str]:
    """Where the blocked convolution of the dyadic data differs from the direct sums."""
    rng = np.random.default_rng(T)
    u = rng.integers(-16, 17, (T, 4)).astype(float)
    lams = np.array([0.5, -0.5, 0.0, 1.0])[list(order)]
    got = linear._blocked_convolution(lams, u)
    want = np.array([[sum(x**j * u[s - j, i] for j in range(s + 1)) for i, x in enumerate(lams)]
                     for s in range(T)])
    return [name for name, ref in (("_direct_convolution", linear._direct_convolution(lams, u)),
                                   ("the written-out sum", want))
            if not np.array_equal(got, ref)]


def test_blocked_convolution_is_the_direct_sum_exactly_on_dyadic_data():
    """Powers of ±1/2, 0 and 1 and small integer inputs: every term and partial sum is exact in
    float64 (at most 5 + 39 + 6 < 53 significant bits), so both groupings give the same
    numbers."""
    failures = [f"order={order}, T={T}: differs from {m}"
                for order in [(0, 1, 2, 3), (3, 2, 1, 0)] for T in [1, 15, 16, 17, 33, 40]
                for m in _dyadic_convolution_mismatches(order, T)]
    assert not failures, "\n".join(failures)


def test_blocked_convolution_with_a_stride_uses_the_strided_powers():
    u = np.array([[1.0], [2.0], [4.0], [8.0]] * 5)  # 20 steps: two blocks; 4 + 38 + 5 bits
    lam = np.array([0.5])
    got = linear._blocked_convolution(lam, u, stride=2)
    assert np.array_equal(got, linear._direct_convolution(lam**2, u))


def test_power_table_is_explicit_binary_powering_rounded_once():
    lam = np.array([0.5, -0.75, 0.0])
    table = linear._power_table(lam, np.array([0, 1, 2, 5, 64]))
    assert table.dtype == np.float64 and table.shape == (5, 3)
    assert np.array_equal(table, np.array([[1, 1, 1], [0.5, -0.75, 0], [0.25, 0.5625, 0],
                                           [0.5**5, -0.75**5, 0], [0.5**64, 0.75**64, 0]]))
    z = np.array([(0.6 + 0.8j) * (1 - 1e-6)])  # |z| near 1, phase not a rational multiple of π
    with mpmath.workdps(40):
        exact = [complex(mpmath.mpc(z[0]) ** n) for n in (100, 5000, 16000)]
    got = linear._power_table(z, np.array([100, 5000, 16000]))[:, 0]
    assert got.dtype == np.complex128
    rel = np.abs(got - exact) / np.abs(exact)
    assert np.all(rel <= 4 * U + 2 * 16000 * U_EXT)  # np.power: 1.8e-12 at n = 5000


def test_shapes_and_dtypes_at_the_boundaries():
    real = random_model(6, 2, 2, ["uniform"], False)
    cplx = random_model(6, 2, 2, ["uniform"], True)
    for T in (0, 1):
        assert real.kernel(T).shape == (T,) and real.kernel(T).dtype == np.float64
        assert cplx.kernel(T).shape == (T,) and cplx.kernel(T).dtype == np.complex128
    assert real.kernel(1)[0] == real.C @ (real.B[1] @ real.B[0])  # ρ(0) = C^T B_2 B_1


# ---------------------------------------------------------------------------- the oracle
def oracle(model: DeepSSM, T: int) -> np.ndarray:
    """The recurrence at 30 digits (an independent computation, rounded once)."""
    with mpmath.workdps(30):
        return np.array(model.to_kind(NumberKind.MPMATH).kernel(T, "recurrence"), dtype=complex)


@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize("T", smoke_and_full(600, 1500))  # both three levels
def test_near_unit_modes_stay_within_the_bound_of_a_30_digit_oracle(complex_, T):
    """Eigenvalues of modulus ``1 - 10^-3 … 1 - 10^-9``, ``T = 1500`` (three levels; 600 in
    the smoke run): the new path is within its own bound of the 30-digit recurrence, entry by
    entry."""
    assert levels(T) == 3
    model = random_model(7, 2, 3, ["near-unit"], complex_)
    err = np.abs(model.kernel(T) - oracle(model, T))
    scale = old_closed_form(absolute(model), T).real
    assert np.all(err <= new_bound(model, T) * scale)


def test_the_shallow_kernel_is_unchanged():
    """Depth 1 goes through the powers only; ShallowSSM keeps its own closed form."""
    model = random_model(8, 1, 4, ["uniform"], False)
    shallow = ShallowSSM(model.eigenvalues[0], model.B[0], model.C)
    assert np.allclose(model.kernel(50), shallow.kernel(50), rtol=1e-14, atol=0)
