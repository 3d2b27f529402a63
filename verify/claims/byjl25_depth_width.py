"""BYJL25 Theorem 4.1: depth against width without norm constraints.

Claims (constructions in :mod:`theory.depth_width`):

* ``byjl25.thm4.1.i`` — a deep model whose layers share no nonzero eigenvalue equals a shallow
  model of width ``≤ lm`` (partial fractions). Exact tier: Gaussian-rational models, kernels
  compared on ``certifying_length`` terms (a proof for the instance). Float tier: random models of
  every spectrum style, half of them with two eigenvalues of different layers at a relative gap
  in ``[1e-8, 1e-4]``; error against roundoff of the two representations (linear in the
  residues, so a 9% error at gap ``1e-8`` fails by decades).
* ``byjl25.thm4.1.i.shared`` — the statement as printed (every deep model), a *finding*: models
  with a nonzero eigenvalue shared by two layers have a pole of order 2 of ``ρ̂``, certified
  exactly; such a kernel has a ``s λ^s`` term that no diagonal shallow model produces.
* ``byjl25.thm4.1.ii`` — Algorithm A realizes every shallow target of width ``l(m-1)+1`` at
  depth ``l`` and width ``m``. Exact tier (``deg P ≤ 2`` or a numerator that splits over the
  Gaussian rationals), mpmath tier at 50 digits up to ``(l, m) = (4, 3)``, float tier. Real
  parameters (exact tier): conjugate-symmetric Gaussian-rational targets get a real
  block-diagonal realization (:func:`theory.real_realization.real_realization`) exactly when
  :func:`real_split_certificate` finds a conjugation-closed split, else a certified refusal.
* ``byjl25.thm4.1.iii`` — width ``l(m-1)+2`` is not contained: witnesses with an exact
  order-of-vanishing certificate, plus the refusal of Algorithm A and, for small models, the
  exact vanishing order of a random deep model that holds all the witness poles.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import sympy

from theory.depth_width import (
    IllConditionedError,
    InsufficientCapacityError,
    SharedEigenvalueError,
    algorithm_a_cannot_fit,
    certifying_length,
    deep_to_shallow,
    kernel_mismatch,
    non_inclusion_witness,
    pole_multiplicity_certificate,
    real_split_certificate,
    shallow_to_deep,
    shared_eigenvalue_counterexample,
    target_from_factors,
    vanishing_order_at_infinity,
)
from theory.linear import DeepSSM, ShallowSSM, W
from theory.numbers import (
    InvalidParameterError,
    NumberKind,
    abs_squared,
    exact_equal,
    is_exact_zero,
    tolerance,
)
from theory.real_realization import RANK_ONE_NORM_FACTOR, RealDeepSSM, real_realization
from theory.validation import Rules, check_int, check_rules, require
from verify.certificates import (
    certificate,
    complex_array,
    deep_from_json,
    deep_json,
    gaussian,
    mpmath_array,
    polynomial_json,
    shallow_from_json,
    shallow_json,
)
from verify.registry import Tier, from_catalog, log_margin, register
from verify.sampling import gaussian_rational, random_deep_batch, random_deep_exact, stable_spectrum

MPMATH_DPS = 50
FLOAT_T = 48
MPMATH_T = 40
FLOAT_SHAPES = ((1, 3), (2, 2), (3, 2), (2, 3), (4, 3), (3, 3))
MPMATH_SHAPES = ((2, 2), (3, 2), (2, 3), (3, 3), (4, 3))
#: ``log10`` range of the relative gap of the near-merging pairs of the float tier of (i): from
#: where a quotient-first residue formula already fails the tolerance, down to a factor ~50
#: above the gaps that :func:`deep_to_shallow` refuses as ill-conditioned at float64.
NEAR_GAPS = (-8.0, -4.0)


_RULES: Rules = {
    "model": (lambda v: isinstance(v, DeepSSM), "a DeepSSM"),
    "T": (lambda v: bool(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                         and v >= 1), "a positive integer"),
    "rng": (lambda v: isinstance(v, np.random.Generator), "a numpy.random.Generator"),
}


def _check(**params: Any) -> None:
    """The module's validation choke point: every public function passes its arguments here
    (:func:`theory.validation.check_rules` over :data:`_RULES`)."""
    check_rules(_RULES, **params)


def _str(x: Any) -> str:
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        return mpmath.nstr(x, 20)
    return str(x)


def _describe_model(m: DeepSSM) -> dict[str, Any]:
    fmt = np.vectorize(_str, otypes=[object])
    return {"kind": m.kind.value, "eigenvalues": fmt(m.eigenvalues).tolist(),
            "B": [fmt(b).tolist() for b in m.B], "C": fmt(m.C).tolist()}


def _readable(rebuild: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``rebuild`` with a description it cannot read (not an object, a missing key, an entry of
    the wrong type) reported as :class:`InvalidParameterError` (a ``ValueError``), as
    :attr:`verify.registry.Tier.rebuild` requires."""
    @functools.wraps(rebuild)
    def hook(description: Any) -> Any:
        try:
            return rebuild(description)
        except (KeyError, TypeError, IndexError, AttributeError) as exc:
            raise InvalidParameterError(f"description: cannot read it ({type(exc).__name__}: "
                                        f"{exc})") from None

    return hook


def _read_kind(description: dict[str, Any], kinds: tuple[NumberKind, ...]) -> NumberKind:
    """The number kind ``description["kind"]``, one of ``kinds``."""
    values = {k.value: k for k in kinds}
    kind = description["kind"]
    require(isinstance(kind, str) and kind in values, "description['kind']",
            f"one of {sorted(values)}", kind)
    return values[kind]


@_readable
def _rebuild_float_model(description: dict[str, Any]) -> list[DeepSSM]:
    """The float model of :func:`_describe_model` (round-trip decimals: the same floats)."""
    d = description
    _read_kind(d, (NumberKind.FLOAT,))
    return [DeepSSM(complex_array(d["eigenvalues"], "eigenvalues"),
                    [complex_array(b, "B") for b in d["B"]], complex_array(d["C"], "C"))]


@_readable
def _rebuild_from_certificate(description: dict[str, Any]) -> list[DeepSSM]:
    """The exact model stored in the instance's certificate (``"model"`` or ``"deep"``)."""
    cert = description["certificate"]
    return [deep_from_json(cert["model"] if "model" in cert else cert["deep"])]


def _exact_stable(rng: np.random.Generator, avoid: list[Any]) -> sympy.Expr:
    while True:
        lam = gaussian_rational(rng, 7, 1)
        if lam != 0 and lam not in avoid and abs_squared(lam) < 1:
            return lam


def _unshared(rng: np.random.Generator, model: DeepSSM) -> DeepSSM:
    """``model`` with every nonzero eigenvalue that repeats one of an earlier layer redrawn."""
    lam = model.eigenvalues.copy()
    for k in range(1, lam.shape[0]):
        earlier = [x for x in lam[:k].flat if x != 0]
        for i in range(lam.shape[1]):
            if lam[k, i] != 0 and lam[k, i] in earlier:
                lam[k, i] = _exact_stable(rng, [*earlier, *lam[k]])
    return DeepSSM(lam, model.B, model.C)


def _abs_kernel(poles: np.ndarray, weights: np.ndarray, T: int) -> np.ndarray:
    """``Σ_i |w_i| |λ_i|^s`` for ``s < T`` in float."""
    p = np.abs(np.asarray(poles, dtype=complex))
    w = np.abs(np.asarray(weights, dtype=complex))
    return (p.reshape(1, -1) ** np.arange(T).reshape(-1, 1)) @ w


# ============================================================================ (i)
def _sample_i_exact(rng: np.random.Generator, n: int) -> list[DeepSSM]:
    return [_unshared(rng, random_deep_exact(rng, int(rng.integers(1, 4)),
                                             int(rng.integers(1, 4)))) for _ in range(n)]


def margin_i_exact(model: DeepSSM) -> float:
    """``inf`` when the partial-fraction model has width ``≤ lm`` and the same kernel exactly."""
    _check(model=model)
    shallow = deep_to_shallow(model)
    if shallow.width > model.depth * model.width:
        return -math.inf
    same = kernel_mismatch(model, shallow, certifying_length(model, shallow)) == 0
    return math.inf if same else -math.inf


def margin_i_float(model: DeepSSM, T: int = FLOAT_T) -> float:
    """Decades of margin of ``|ρ_shallow - ρ_deep|`` against roundoff of both representations.

    The shallow model's kernel can be no more accurate than its terms: rounding each residue
    costs ``ε|r_i||λ_i|^s``, and the deep closed form carries roundoff relative to ``K_abs``,
    the kernel of the entrywise-absolute deep model. The tolerance is
    ``tolerance(float, Σ_i |r_i||λ_i|^s + K_abs(s))`` — *linear* in the residues, so near-merging
    eigenvalues (residues of order ``1/gap``) get the accuracy an exact partial-fraction
    computation rounded once provides, and no more: a residue formula that loses
    ``ε/gap`` relatively (rounding ``μ/λ`` before ``1 - μ/λ``) is rejected for relative gaps
    below about ``ε^0.2``. The smallest normal float is added (underflowing powers).
    """
    _check(model=model, T=T)
    shallow = deep_to_shallow(model)
    err = np.abs(shallow.kernel(T) - model.kernel(T))
    absolute = DeepSSM(np.abs(model.eigenvalues), [np.abs(b) for b in model.B], np.abs(model.C))
    scale = _abs_kernel(shallow.poles, shallow.residues, T) + absolute.kernel(T)
    # the smallest normal float is a floor: subnormal powers carry no relative accuracy
    tol = tolerance(NumberKind.FLOAT, 1.0) * scale + np.finfo(float).tiny
    return log_margin(float(np.max(err / tol)), 1.0)


def near_merging(rng: np.random.Generator, model: DeepSSM) -> DeepSSM:
    """``model`` with one eigenvalue of a later layer moved to ``λ(1 + δ)``, ``λ`` an eigenvalue
    of an earlier layer and ``|δ|`` log-uniform in ``[NEAR_GAPS]`` (residues of order
    ``1/|δ|``: the case where rounding ``μ/λ`` before ``1 - μ/λ`` cancels catastrophically).
    A model of depth 1 has no pair of layers and is returned unchanged."""
    _check(rng=rng, model=model)
    if model.depth < 2:
        return model
    lam = model.eigenvalues.copy()
    k = int(rng.integers(0, model.depth - 1))
    i, j = int(rng.integers(model.width)), int(rng.integers(model.width))
    base = lam[k, i] if lam[k, i] != 0 else 0.5
    lam[k, i] = base
    delta = 10.0 ** rng.uniform(*NEAR_GAPS) * np.exp(1j * rng.uniform(-np.pi, np.pi))
    moved = base * (1 + (delta if np.iscomplexobj(lam) else delta.real))
    if abs(moved) >= 1:  # keep it stable: shrink instead (same relative gap |δ|)
        moved = base * (1 - abs(delta))
    lam[int(rng.integers(k + 1, model.depth)), j] = moved
    return DeepSSM(lam, model.B, model.C)


def _sample_i_float(rng: np.random.Generator, n: int) -> list[DeepSSM]:
    """Random models of every spectrum style; every other model of depth ``≥ 2`` gets a
    near-merging pair of eigenvalues (:func:`near_merging`)."""
    out = []
    for j in range(n):
        depth, width = FLOAT_SHAPES[int(rng.integers(len(FLOAT_SHAPES)))]
        model = random_deep_batch(rng, 1, depth, width).model(0)
        out.append(near_merging(rng, model) if j % 2 and depth >= 2 else model)
    return out


def _describe_i_exact(models: list[DeepSSM], i: int) -> dict[str, Any]:
    """The model and its ``thm4.1.i`` certificate: the model and its partial-fraction shallow
    model as Gaussian rationals, kernels equal on ``2lm + 1`` terms."""
    m = models[i]
    shallow = deep_to_shallow(m)
    return {**_describe_model(m), "certificate": certificate(
        "thm4.1.i", deep=deep_json(m), shallow=shallow_json(shallow.poles, shallow.residues),
        terms=2 * m.depth * m.width + 1)}


THM_4_1_I = register(from_catalog(
    "byjl25.thm4.1.i",
    tiers=(
        Tier("exact (sympy)", _sample_i_exact, lambda ms: [margin_i_exact(m) for m in ms],
             _describe_i_exact, batch=20, max_instances=60, unit="exact",
             rebuild=_rebuild_from_certificate),
        Tier("float64", _sample_i_float, lambda ms: [margin_i_float(m) for m in ms],
             lambda ms, i: _describe_model(ms[i]), batch=100, unit="decades",
             rebuild=_rebuild_float_model),
    ),
    default_instances=200,
))


# ============================================================================ (i) finding
def _sample_shared(rng: np.random.Generator, n: int) -> list[DeepSSM]:
    out = []
    for j in range(n):
        if j % 2 == 0:  # the spec's example, A_1 = A_2 = λ
            out.append(shared_eigenvalue_counterexample(_exact_stable(rng, [])))
            continue
        depth, width = (2, 2) if rng.uniform() < 0.5 else (3, 1)
        model = _unshared(rng, random_deep_exact(rng, depth, width))
        lam = model.eigenvalues.copy()
        lam[0, 0] = lam[0, 0] if lam[0, 0] != 0 else _exact_stable(rng, list(lam.flat))
        lam[1, 0] = lam[0, 0]
        out.append(DeepSSM(lam, model.B, model.C))
    return out


def margin_shared(model: DeepSSM) -> float:
    """``1 - order`` of the pole of ``ρ̂`` at the shared eigenvalue ``λ_{1,1} = λ_{2,1}``.

    Negative (order 2) = an exactly certified model outside every shallow class. Cross-checked
    against :func:`deep_to_shallow`, which must raise exactly when the order is at least 2.
    """
    _check(model=model)
    cert = pole_multiplicity_certificate(model, model.eigenvalues[0, 0])
    if not cert.check(model):
        raise RuntimeError("the pole-order certificate did not re-verify")
    try:
        deep_to_shallow(model)
        raised = False
    except SharedEigenvalueError:
        raised = True
    if raised != (cert.order >= 2):
        raise RuntimeError(f"deep_to_shallow disagrees with the exact pole order {cert.order}")
    return float(1 - cert.order)


def _describe_shared(models: list[DeepSSM], i: int) -> dict[str, Any]:
    """The model, its pole certificate, and the ``thm4.1.i.shared`` certificate: the model,
    the pole, its order, ``ρ̂ = N/D`` in lowest terms (coefficients) and the number of kernel
    terms, ``lm + max(deg D, deg N + 1)``, on which ``D ρ̂ = N`` proves the identity."""
    m = models[i]
    cert = pole_multiplicity_certificate(m, m.eigenvalues[0, 0])
    num, den = polynomial_json(cert.numerator, W), polynomial_json(cert.denominator, W)
    terms = m.depth * m.width + max(len(den) - 1, len(num))
    return {**_describe_model(m), "pole": str(cert.pole), "pole_order": cert.order,
            "rho_hat_numerator": str(cert.numerator),
            "rho_hat_denominator": str(cert.denominator),
            "kernel_0_to_5": [str(x) for x in m.kernel(6)],
            "certificate": certificate("thm4.1.i.shared", model=deep_json(m),
                                       pole=gaussian(cert.pole), order=cert.order,
                                       numerator=num, denominator=den, terms=terms)}


THM_4_1_I_SHARED = register(from_catalog(
    "byjl25.thm4.1.i.shared",
    tiers=(
        Tier("exact (sympy)", _sample_shared, lambda ms: [margin_shared(m) for m in ms],
             _describe_shared, batch=10, max_instances=20, unit="pole order",
             rebuild=_rebuild_from_certificate),
    ),
    default_instances=20,
))


# ============================================================================ (ii)
def _random_poles_exact(rng: np.random.Generator, n: int) -> list[Any]:
    poles: list[Any] = []
    while len(poles) < n:
        poles.append(_exact_stable(rng, poles))
    return poles


def _sample_ii_exact(rng: np.random.Generator, n: int) -> list[tuple[ShallowSSM, int, int]]:
    out = []
    for j in range(n):
        if j % 2 == 0:  # generic target with deg P <= 2
            depth, width = [(1, 2), (1, 3), (2, 2), (2, 1), (3, 1), (1, 1)][int(rng.integers(6))]
            size = depth * (width - 1) + 1
            poles = _random_poles_exact(rng, size)
            if size > 1 and rng.uniform() < 0.3:
                poles[-1] = sympy.Integer(0)
            res = [gaussian_rational(rng, 5) for _ in range(size)]
            out.append((ShallowSSM(poles, res, [1] * size), depth, width))
        else:  # numerator split over the Gaussian rationals: exact at any size
            depth, width = [(2, 3), (3, 2), (3, 3), (2, 4)][int(rng.integers(4))]
            size = depth * (width - 1) + 1
            poles = _random_poles_exact(rng, size)
            roots = [gaussian_rational(rng, 4) for _ in range(size - 1)]
            if rng.uniform() < 0.3:  # a zero residue: P vanishes at 1/λ_0
                roots[0] = 1 / poles[0]
            out.append((target_from_factors(poles, roots, gaussian_rational(rng, 3) or 1),
                        depth, width))
    return out


def margin_ii_exact(inst: tuple[ShallowSSM, int, int]) -> float:
    """``inf`` when Algorithm A returns an exact depth-``l`` width-``m`` model with the target's
    kernel on ``certifying_length`` terms (hence for all ``s``)."""
    target, depth, width = inst
    deep = shallow_to_deep(target, depth, width)
    if deep.kind is not NumberKind.EXACT or (deep.depth, deep.width) != (depth, width):
        return -math.inf
    same = kernel_mismatch(deep, target, certifying_length(deep, target)) == 0
    return math.inf if same else -math.inf


#: Shapes ``(l, m)`` of the real-parameter tier of (ii); ``(2, 2)`` first: with a conjugate pair
#: of numerator roots it has no conjugation-closed split (every layer absorbs one root).
REAL_SHAPES = ((2, 2), (1, 3), (2, 3), (3, 2), (3, 3))
#: ``[1, √2²]``: the range of ``‖θ̃‖²/‖θ‖²`` (real against diagonal model) for Algorithm A's
#: rank-one couplings; both ends are attained (:mod:`theory.real_realization`).
REAL_NORM_RATIO_SQUARED = (sympy.Integer(1), RANK_ONE_NORM_FACTOR**2)


def _conjugate_closed(count: int, draw: Callable[[], Any], pairs: int) -> list[Any]:
    """``count`` Gaussian rationals closed under conjugation: ``pairs`` pairs ``z, conj z``
    (``z`` from ``draw`` with a nonzero imaginary part) and real ones (real parts of draws),
    none repeated; real parts are nonzero (no pole at 0)."""
    out: list[Any] = []
    while len(out) < count:
        z = draw()
        re_z, im_z = sympy.re(z), sympy.im(z)
        pair = len(out) < 2 * pairs
        new = [re_z + sympy.I * im_z, re_z - sympy.I * im_z] if pair else [re_z]
        if (pair and im_z == 0) or re_z == 0 \
                or any(exact_equal(x, y) for x in new for y in out):
            continue
        out += new
    return out


def _sample_ii_real(rng: np.random.Generator, n: int) -> list[tuple[ShallowSSM, int, int]]:
    """Conjugate-symmetric exact targets ``κ Π(w - ζ_j) / Π(1 - λ_i w)`` of width
    ``l(m-1)+1`` (:func:`target_from_factors`: Gaussian-rational poles and roots, each set closed
    under conjugation, ``κ`` rational). Every third instance is the ``(2, 2)`` target with a
    conjugate pair of roots (no conjugation-closed split); the others draw a shape of
    :data:`REAL_SHAPES`, the number of pole pairs, ``deg P ≤ l(m-1)`` and, for ``deg P = 2``,
    whether its roots are a pair. Roots of ``P`` of degree ``≥ 3`` are real: ``P`` has rational
    coefficients, and :func:`theory.depth_width.numerator_roots` finds exact roots only when it
    splits over them (a Gaussian-rational pair gives an irreducible quadratic factor, and
    Algorithm A then works in mpmath), so the tier stays exact."""
    out = []
    for j in range(n):
        depth, width = REAL_SHAPES[0 if j % 3 == 0 else int(rng.integers(len(REAL_SHAPES)))]
        size = depth * (width - 1) + 1
        degree = 2 if j % 3 == 0 else int(rng.integers(0, size))
        # a root pair in P of degree >= 3 leaves Q[w]-factoring irreducible: mpmath roots
        root_pairs = 1 if j % 3 == 0 else int(rng.integers(0, 2)) if degree == 2 else 0
        pole_pairs = int(rng.integers(0, size // 2 + 1))
        poles = _conjugate_closed(size, lambda: _exact_stable(rng, []), pole_pairs)
        roots = _conjugate_closed(degree, lambda: gaussian_rational(rng, 4), root_pairs)
        kappa = sympy.Rational(int(rng.integers(1, 8)), int(rng.integers(1, 8)))
        out.append((target_from_factors(poles, roots, kappa), depth, width))
    return out


def _norm_squared(arrays: list[np.ndarray]) -> Any:
    """``‖θ‖²``: the largest ``|x|²`` over the entries of ``arrays`` (exact rationals here)."""
    return max(abs_squared(x) for a in arrays for x in np.asarray(a).flat)


def margin_ii_real(inst: tuple[ShallowSSM, int, int]) -> float:
    """``inf`` when the real-parameter outcome of Algorithm A is right for the instance.

    The certificate :func:`real_split_certificate` must re-verify (:meth:`~theory.depth_width.
    RealSplitCertificate.check`: exhaustive enumeration). When it says a conjugation-closed split
    exists, :func:`shallow_to_deep` with ``real=True`` and :func:`real_realization` must give a
    :class:`RealDeepSSM` of shape ``(l, m)`` with every entry real, the target's kernel exactly
    on ``certifying_length`` terms (the real model has the eigenvalues of the diagonal one, so
    the count applies), and ``‖θ̃‖²/‖θ‖²`` in :data:`REAL_NORM_RATIO_SQUARED` against the
    diagonal model (rank-one couplings, :data:`theory.real_realization.RANK_ONE_NORM_FACTOR`).
    When it says none exists, ``shallow_to_deep(..., real=True)`` must raise
    :class:`InsufficientCapacityError`.
    ``-inf`` otherwise.
    """
    target, depth, width = inst
    cert = real_split_certificate(target, depth, width)
    if not cert.check():
        return -math.inf
    try:
        deep = shallow_to_deep(target, depth, width, real=True)
    except InsufficientCapacityError:
        return -math.inf if cert.feasible else math.inf
    if not cert.feasible:
        return -math.inf
    real = real_realization(deep)
    entries = [x for a in [*real.A, *real.B, real.C] for x in np.asarray(a).flat]
    if not isinstance(real, RealDeepSSM) or (real.depth, real.width) != (depth, width) \
            or not all(is_exact_zero(sympy.im(x)) for x in entries):
        return -math.inf
    T = certifying_length(deep, target)
    if not all(is_exact_zero(a - b) for a, b in zip(real.kernel(T), target.kernel(T))):
        return -math.inf
    ratio = _norm_squared([*real.B, real.C]) / _norm_squared([*deep.B, deep.C])
    low, high = REAL_NORM_RATIO_SQUARED
    return math.inf if bool(low <= ratio) and bool(ratio <= high) else -math.inf


def _sample_ii_mpmath(rng: np.random.Generator, n: int) -> list[tuple[ShallowSSM, int, int]]:
    out = []
    with mpmath.workdps(MPMATH_DPS):
        tiny = mpmath.mpf(2) ** -60
        for _ in range(n):
            depth, width = MPMATH_SHAPES[int(rng.integers(len(MPMATH_SHAPES)))]
            size = depth * (width - 1) + 1
            style = str(rng.choice(["disk", "tiny", "near_unit", "clustered"]))
            lam = stable_spectrum(rng, (size,), style)
            poles = [mpmath.mpc(complex(x)) * (1 - tiny * float(rng.uniform(0, 1)))
                     for x in lam]
            res = [mpmath.mpc(complex(rng.standard_normal() + 1j * rng.standard_normal()))
                   * (1 + tiny * float(rng.uniform(-1, 1))) for _ in range(size)]
            out.append((ShallowSSM(poles, res, [mpmath.mpf(1)] * size), depth, width))
    return out


def _agreement_margin(deep: DeepSSM, target: ShallowSSM, T: int, kind: NumberKind,
                      scale_extra: np.ndarray | float = 1.0) -> float:
    """Decades between ``tolerance(kind)`` and the relative kernel error.

    The error is measured relative to ``scale(s) = max(K_abs_deep(s), Σ|r_i||λ_i|^s)`` (times
    ``scale_extra``): the kernel of the entrywise-absolute deep model bounds every path term,
    the shallow one every mode term, so roundoff of either evaluation is relative to them.
    """
    kd, kt = deep.kernel(T), target.kernel(T)
    if kind is NumberKind.MPMATH:
        err = np.array([float(mpmath.fabs(a - b)) for a, b in zip(kd, kt)])
    else:
        err = np.abs(np.asarray(kd, dtype=complex) - np.asarray(kt, dtype=complex))
    abs_deep = DeepSSM(np.abs(np.asarray(deep.eigenvalues, dtype=complex)),
                       [np.abs(np.asarray(b, dtype=complex)) for b in deep.B],
                       np.abs(np.asarray(deep.C, dtype=complex))).kernel(T)
    scale = np.maximum(abs_deep, _abs_kernel(target.poles, target.residues, T)) * scale_extra
    tol = float(tolerance(kind)) * scale
    if kind is NumberKind.FLOAT:  # subnormal powers carry no relative accuracy
        tol = tol + np.finfo(float).tiny
    rel = np.where(tol > 0, err / np.where(tol > 0, tol, 1), np.where(err == 0, 0, np.inf))
    return log_margin(float(np.max(rel)), 1.0)


def margin_ii_mpmath(inst: tuple[ShallowSSM, int, int]) -> float:
    """Decades of kernel agreement at ``MPMATH_DPS`` digits (tolerance ``2^{-0.8·prec}``)."""
    target, depth, width = inst
    with mpmath.workdps(MPMATH_DPS):
        deep = shallow_to_deep(target, depth, width)
        return _agreement_margin(deep, target, MPMATH_T, NumberKind.MPMATH)


def _sample_ii_float(rng: np.random.Generator, n: int) -> list[tuple[ShallowSSM, int, int]]:
    out = []
    for _ in range(n):
        depth, width = FLOAT_SHAPES[int(rng.integers(len(FLOAT_SHAPES)))]
        size = depth * (width - 1) + 1
        style = str(rng.choice(["disk", "tiny", "near_unit"]))
        poles = stable_spectrum(rng, (size,), style)
        res = rng.standard_normal(size) + 1j * rng.standard_normal(size)
        out.append((ShallowSSM(poles, res, np.ones(size)), depth, width))
    return out


def margin_ii_float(inst: tuple[ShallowSSM, int, int], T: int = FLOAT_T) -> float:
    """Decades of kernel agreement in float64.

    The model is built at 30 digits and rounded once, so each of the ``l + 1`` entries of a
    path weight and each power ``λ^s`` carries a relative error ``≤ ε`` (``s ε`` for ``λ^s``):
    the tolerance scale is ``(l + 2 + s)`` times the absolute kernels.

    Where Algorithm A refuses to round its realization to float64 (``IllConditionedError``: on
    targets whose poles spread over decades the path terms outgrow the kernel, see the README's
    findings on Theorem 4.2), the realization the claim asserts is built and checked on the same
    target, converted exactly, at ``MPMATH_DPS`` digits (:func:`margin_ii_mpmath`).
    """
    _check(T=T)
    target, depth, width = inst
    try:
        deep = shallow_to_deep(target, depth, width)
    except IllConditionedError:
        return margin_ii_mpmath((target.to_kind(NumberKind.MPMATH), depth, width))
    extra = depth + 2 + np.arange(T)
    return _agreement_margin(deep, target, T, NumberKind.FLOAT, extra)


def _describe_ii(insts: list[tuple[ShallowSSM, int, int]], i: int) -> dict[str, Any]:
    """Shape and target; exact targets also in the canonical format (``"exact"``), mpmath
    targets with ``MPMATH_DPS + 5`` digits (round-trip), float targets as round-trip decimals:
    :func:`_rebuild_ii` gets the same numbers back."""
    target, depth, width = insts[i]
    out: dict[str, Any] = {"depth": depth, "width": width, "kind": target.kind.value}
    if target.kind is NumberKind.MPMATH:
        with mpmath.workdps(MPMATH_DPS):
            fmt: Any = lambda x: mpmath.nstr(x, MPMATH_DPS + 5)  # noqa: E731
            return {**out, "poles": [fmt(x) for x in target.poles],
                    "residues": [fmt(x) for x in target.residues]}
    out |= {"poles": [_str(x) for x in target.poles],
            "residues": [_str(x) for x in target.residues]}
    if target.kind is NumberKind.EXACT:
        out["exact"] = shallow_json(target.poles, target.residues)
    return out


@_readable
def _rebuild_ii(description: dict[str, Any]) -> list[tuple[ShallowSSM, int, int]]:
    """The instance of :func:`_describe_ii` in its number kind (targets have ``C = 1``)."""
    d = description
    shape = (check_int(d["depth"], "description['depth']", 1),
             check_int(d["width"], "description['width']", 1))
    kind = _read_kind(d, (NumberKind.EXACT, NumberKind.MPMATH, NumberKind.FLOAT))
    if kind is NumberKind.EXACT:
        return [(shallow_from_json(d["exact"]), *shape)]
    if kind is NumberKind.MPMATH:
        with mpmath.workdps(MPMATH_DPS):
            poles = mpmath_array(d["poles"], MPMATH_DPS, "poles")
            res = mpmath_array(d["residues"], MPMATH_DPS, "residues")
            return [(ShallowSSM(list(poles), list(res), [mpmath.mpf(1)] * len(poles)),
                     *shape)]
    poles = complex_array(d["poles"], "poles")
    target = ShallowSSM(poles, complex_array(d["residues"], "residues"), np.ones(poles.size))
    return [(target, *shape)]


THM_4_1_II = register(from_catalog(
    "byjl25.thm4.1.ii",
    tiers=(
        Tier("exact (sympy)", _sample_ii_exact, lambda xs: [margin_ii_exact(x) for x in xs],
             _describe_ii, batch=8, max_instances=24, unit="exact", rebuild=_rebuild_ii),
        Tier("exact (sympy), real parameters", _sample_ii_real,
             lambda xs: [margin_ii_real(x) for x in xs], _describe_ii, batch=6,
             max_instances=24, unit="exact", rebuild=_rebuild_ii),
        Tier(f"mpmath dps={MPMATH_DPS}", _sample_ii_mpmath,
             lambda xs: [margin_ii_mpmath(x) for x in xs], _describe_ii, batch=10,
             max_instances=20, unit="decades", rebuild=_rebuild_ii),
        Tier("float64", _sample_ii_float, lambda xs: [margin_ii_float(x) for x in xs],
             _describe_ii, batch=50, max_instances=100, unit="decades",
             rebuild=_rebuild_ii),
    ),
    default_instances=200,
))


# ============================================================================ (iii)
def _sample_iii(rng: np.random.Generator, n: int) -> list[tuple[int, int, np.random.Generator]]:
    shapes = [(int(rng.integers(1, 5)), int(rng.integers(1, 4))) for _ in range(n)]
    return [(d, w, np.random.default_rng(rng.integers(2**32))) for d, w in shapes]


def _deep_holding(rng: np.random.Generator, poles: list[Any], depth: int,
                  width: int) -> DeepSSM:
    """A random exact depth-``l`` width-``m`` model whose eigenvalues include ``poles``; the
    ``lm - n`` remaining eigenvalues are zero (the most zero modes allowed)."""
    slots = list(poles) + [sympy.Integer(0)] * (depth * width - len(poles))
    order = rng.permutation(len(slots))
    lam = np.array([slots[i] for i in order], dtype=object).reshape(depth, width)
    base = random_deep_exact(rng, depth, width)
    return DeepSSM(lam, base.B, base.C)


def margin_iii(inst: tuple[int, int, np.random.Generator]) -> float:
    """``|Σ r_i/λ_i|`` of a fresh witness when its certificate re-verifies exactly and Algorithm A
    refuses it; ``-inf`` otherwise. For ``lm ≤ 6`` also the exact vanishing order of a random deep
    model that holds all the witness poles must be at least 2."""
    depth, width, rng = inst
    target, cert = non_inclusion_witness(depth, width, rng=rng)
    if not cert.check() or not algorithm_a_cannot_fit(target, depth, width).cannot_fit:
        return -math.inf
    if depth >= 2 and depth * width <= 6:
        model = _deep_holding(rng, list(cert.poles), depth, width)
        if vanishing_order_at_infinity(model) < 2:
            return -math.inf
    return float(abs(cert.first_order_coefficient))


def _describe_iii(insts: list[tuple[int, int, np.random.Generator]], i: int) -> dict[str, Any]:
    """The shape, the deterministic witness's certificate fields, the seed of the checked
    witness's generator (``witness_seed``: the instance is ``(l, m, default_rng(seed))``) and
    the ``thm4.1.iii`` certificate of the checked witness (its poles, residues and
    ``-Σ r_i/λ_i``)."""
    depth, width, rng = insts[i]
    _, cert = non_inclusion_witness(depth, width)
    seed = int(rng.bit_generator.seed_seq.entropy)  # type: ignore[attr-defined]
    _, checked = non_inclusion_witness(depth, width, rng=np.random.default_rng(seed))
    return {"depth": depth, "width": width, "n": cert.n, "lm": cert.lm,
            "max_zero_modes": cert.max_zero_modes,
            "layers_without_zero_mode": cert.layers_without_zero_mode,
            "deterministic_witness_poles": [str(x) for x in cert.poles],
            "first_order_coefficient": str(cert.first_order_coefficient),
            "witness_seed": seed,
            "certificate": certificate(
                "thm4.1.iii", depth=depth, width=width,
                poles=[gaussian(x) for x in checked.poles],
                residues=[gaussian(x) for x in checked.residues],
                first_order_coefficient=gaussian(checked.first_order_coefficient))}


@_readable
def _rebuild_iii(description: dict[str, Any]) -> list[tuple[int, int, np.random.Generator]]:
    """The instance of :func:`_describe_iii`: ``(l, m, default_rng(witness_seed))``."""
    d = description
    return [(check_int(d["depth"], "description['depth']", 1),
             check_int(d["width"], "description['width']", 1),
             np.random.default_rng(check_int(d["witness_seed"], "description['witness_seed']",
                                             0)))]


THM_4_1_III = register(from_catalog(
    "byjl25.thm4.1.iii",
    tiers=(
        Tier("exact (sympy)", _sample_iii, lambda xs: [margin_iii(x) for x in xs],
             _describe_iii, batch=10, max_instances=30, unit="magnitude",
             rebuild=_rebuild_iii),
    ),
    default_instances=30,
))
