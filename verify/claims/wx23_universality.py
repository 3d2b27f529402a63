"""WX23 Results C and D: the suite's constructions stay within their certified error budgets.

* ``wx23.result_c.window`` — shift register (Result B1) + Freudenthal ReLU interpolant of ``F``
  on ``N^{dT}`` grid points (:func:`theory.universality.window_network`): the composed SSM's
  error on random sequences (and, for the sharp family, on the sequence that attains the
  interpolation bound) is at most ``(h/2) Σ_i L_i`` plus a rounding allowance.
* ``wx23.result_c.kolmogorov_arnold`` — the five-layer construction for targets in
  Kolmogorov–Arnold form (:func:`theory.universality.ka_network`): error at most
  ``Σ_q [Lip(Φ_q) Σ_p |λ_p| δ_q + ε_q]``. Every other instance is from the sharp family
  (``φ_q = β_q |z - m|``, linear ``Φ_q``, the constant input ``m``), which attains the budget.
* ``wx23.result_d.volterra`` — filter bank + ridge readout for fading-memory quadratic
  Volterra targets (:func:`theory.volterra.volterra_network`): error at most the ``T``-free
  bound at every sequence length ``T ∈ {16, 256, 1024}``, at fixed width. Every other instance
  is from the sharp family (linear readout, a slow kernel against fast modes on a short fit
  horizon, the sign-matched input), which attains the bound up to the bank's own tail.

Margin (all three): ``1 - error / budget``, the fraction of the budget left unused (``≥ 0``
holds; ``< 0`` is a violation). Provenance: the paper asserts existence (universality and the
memory-independent width); the constructions and the bounds checked here are rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from theory.universality import KATarget, WindowTarget, ka_network, window_network
from theory.validation import check_instance, check_int, check_real, fail
from theory.volterra import FIT_HORIZON, QuadraticVolterraTarget, damped_kernel, volterra_network
from verify.registry import Tier, from_catalog, register
from verify.stack_eval import run_stack_float

VOLTERRA_LENGTHS = (16, 256, 1024)


# ------------------------------------------------------------------------------ validation
def _instance(p: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """An instance dict of this module's samplers (it has ``keys``)."""
    if not isinstance(p, dict) or any(k not in p for k in keys):
        fail("p", f"an instance dict with the keys {keys}", p)
    return p


def slack(error: float, budget: float) -> float:
    """``1 - error / budget``: the fraction of the budget left unused.

    Raises
    ------
    InvalidParameterError
        If ``error`` is not a finite number ``≥ 0`` (a NaN error is a broken construction,
        reported as an error, never as a margin) or ``budget`` is not finite and ``> 0``.
    """
    error = check_real(error, "error", minimum=0)
    return float(1.0 - error / check_real(budget, "budget", minimum=0, strict=True))


def run(stack: Any, x: np.ndarray) -> np.ndarray:
    """Float evaluation of a stack on ``x (B, K, d)`` through the scan core."""
    return run_stack_float(stack, x)[..., 0]


# ------------------------------------------------------------------------- window route
def _window_instance(rng: np.random.Generator) -> dict[str, Any]:
    d = int(rng.integers(1, 3))
    T = int(rng.integers(1, 4 if d == 1 else 3))
    n = d * T
    N = int(rng.integers(3, 6)) if n <= 3 else 3 + int(rng.integers(0, 2))
    sharp = bool(rng.random() < 0.5)
    cell = rng.integers(0, N - 1, size=d)
    mid = (cell + 0.5) / (N - 1)
    return {
        "d": d, "T": T, "N": N, "sharp": sharp,
        "a": 0.0 if sharp else float(rng.uniform(-2, 2)),
        "w": rng.normal(size=n).tolist(), "c": float(rng.uniform(0, 6.3)),
        "b": rng.uniform(0, 1.5, size=d).tolist(), "mid": mid.tolist(),
    }


WINDOW_KEYS = ("d", "T", "N", "sharp", "a", "w", "c", "b", "mid")


def window_target(p: dict[str, Any]) -> WindowTarget:
    """``F(z) = a sin(w·z + c) + Σ_{j,i} b_i |z_{j,i} - m_i|`` with ``L_{j,i} = |a w| + b_i``."""
    d, T = _instance(p, WINDOW_KEYS)["d"], p["T"]
    w, b, m = np.array(p["w"]), np.tile(p["b"], T), np.tile(p["mid"], T)
    a, c = p["a"], p["c"]

    def F(z: np.ndarray) -> np.ndarray:
        return a * np.sin(z @ w + c) + np.abs(z - m) @ b

    return WindowTarget(F, d, T, lipschitz=np.abs(a * w) + b)


def _window_inputs(p: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    x = rng.random((8, 3 * p["T"] + 6, p["d"]))
    if p["sharp"]:  # constant at the cell midpoints: every full window sits at a cell centre
        x[0] = np.array(p["mid"])
    return x


def window_margin(p: dict[str, Any], rng: np.random.Generator, *, N: int | None = None,
                  lag_offset: int = 0, budget_factor: float = 1.0) -> float:
    """Slack of one instance. ``N``, ``lag_offset`` and ``budget_factor`` build deliberately
    broken checks for the negative controls (the budget is always the one of ``p["N"]``)."""
    target = window_target(p)
    rng = check_instance(rng, "rng", np.random.Generator)
    budget_factor = check_real(budget_factor, "budget_factor", minimum=0, strict=True)
    honest = window_network(target, p["N"])
    approx = window_network(target, p["N"] if N is None else N, lag_offset=lag_offset)
    x = _window_inputs(p, rng)
    err = float(np.max(np.abs(run(approx.stack, x) - target(x))))
    return slack(err, budget_factor * honest.budget)


def _sample_window(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    return [dict(_window_instance(rng), seed=int(rng.integers(2**31))) for _ in range(n)]


def _check_window(instances: list[dict[str, Any]]) -> list[float]:
    return [window_margin(p, np.random.default_rng(p["seed"])) for p in instances]


# ----------------------------------------------------------------------------- KA route
def _ka_instance(rng: np.random.Generator, sharp: bool = False) -> dict[str, Any]:
    d = int(rng.integers(1, 3))
    T = int(rng.integers(1, 4 if d == 1 else 3))
    Q = 2 * d * T + 1
    N_in = int(rng.integers(4, 18))
    return {
        "d": d, "T": T, "N_in": N_in, "N_out": int(rng.integers(6, 34)),
        "beta": rng.uniform(0.5, 2.5, Q).tolist(), "gamma": rng.uniform(-1, 1, Q).tolist(),
        "lam": rng.uniform(-1, 1, d * T).tolist(), "amp": rng.uniform(-1, 1, Q).tolist(),
        "omega": rng.uniform(0.5, 3, Q).tolist(), "seed": int(rng.integers(2**31)),
        "sharp": sharp, "cell": int(rng.integers(0, N_in - 1)),
    }


KA_KEYS = ("d", "T", "N_in", "N_out", "beta", "gamma", "lam", "amp", "omega", "seed", "sharp",
           "cell")


def _ka_midpoint(p: dict[str, Any]) -> float:
    """Midpoint of the inner grid cell ``p["cell"]`` (where ``|z - m|`` is interpolated worst)."""
    return (p["cell"] + 0.5) / (p["N_in"] - 1)


TANH_SECOND = 4 / (3 * np.sqrt(3))  # max |tanh''|


def ka_target(p: dict[str, Any], *, linear_outer: bool = False) -> KATarget:
    """``φ_q = tanh(β_q z + γ_q)``, ``Φ_q = a_q sin(ω_q u)`` (or ``a_q ω_q u`` if linear).

    The sharp family (``p["sharp"]``) attains the budget: ``φ_q = β_q |z - m|`` with ``m`` the
    midpoint of an inner grid cell, weights ``|λ_p|`` and linear ``Φ_q(u) = |a_q| ω_q u``
    (declared ``max|Φ_q''| = 0``); on the constant input ``m`` the output error is the whole
    propagation term ``Σ_q Lip(Φ_q) Σ_p |λ_p| δ_q`` (see :func:`theory.universality.ka_budget`).
    """
    _instance(p, KA_KEYS)
    beta, gamma = np.array(p["beta"]), np.array(p["gamma"])
    amp, omega = np.array(p["amp"]), np.array(p["omega"])
    lam = np.array(p["lam"])
    Q = beta.size
    slopes = np.abs(amp) * omega
    spread = float(np.sum(np.abs(lam))) + 2
    domain = np.tile([-spread, spread], (Q, 1))
    # "..." because mypy cannot match lambdas with default arguments to Callable[[ndarray], ...]
    inner: tuple[Callable[..., np.ndarray], ...]
    outer: tuple[Callable[..., np.ndarray], ...]
    if p["sharp"]:
        m = _ka_midpoint(p)
        inner = tuple((lambda z, b=b: b * np.abs(z - m)) for b in beta)
        outer = tuple((lambda u, s=s: s * u) for s in slopes)
        return KATarget(p["d"], p["T"], inner, outer, np.abs(lam), slopes,
                        domain * (1 + float(np.max(beta))), inner_lipschitz=beta,
                        outer_second=np.zeros(Q))
    inner = tuple((lambda z, b=b, g=g: np.tanh(b * z + g)) for b, g in zip(beta, gamma))
    if linear_outer:
        outer = tuple((lambda u, s=s: s * u) for s in slopes)
    else:
        outer = tuple((lambda u, a=a, o=o: a * np.sin(o * u)) for a, o in zip(amp, omega))
    return KATarget(p["d"], p["T"], inner, outer, lam, slopes, domain, inner_lipschitz=beta,
                    inner_second=TANH_SECOND * beta**2)


def ka_margin(p: dict[str, Any], *, inner_shift: float = 0.0, budget_factor: float = 1.0,
              linear_outer: bool = False) -> float:
    """Slack of one instance; ``inner_shift`` adds that constant to every inner output (an
    injected inner error) for the negative controls. For the sharp family the first input is
    the constant sequence at the cell midpoint, where the budget is attained."""
    target = ka_target(p, linear_outer=linear_outer)
    inner_shift = check_real(inner_shift, "inner_shift")
    budget_factor = check_real(budget_factor, "budget_factor", minimum=0, strict=True)
    approx = ka_network(target, p["N_in"], p["N_out"])
    stack = approx.stack
    if inner_shift:
        layers = list(stack.layers)
        inner_out = layers[1]
        C = inner_out.C.copy()
        half = C.shape[0] // 2  # rows [y; -y] emitted for the ReLU pass
        C[:half, -1] += inner_shift
        C[half:, -1] -= inner_shift
        layers[1] = type(inner_out)(inner_out.W, inner_out.U, C, b=inner_out.b)
        stack = type(stack)(layers, stack.activation)
    rng = np.random.default_rng(p["seed"])
    x = rng.random((8, 3 * p["T"] + 6, p["d"]))
    if p["sharp"]:
        x[0] = _ka_midpoint(p)
    err = float(np.max(np.abs(run(stack, x) - target(x))))
    return slack(err, budget_factor * approx.budget)


def _alternating(rng: np.random.Generator, n: int) -> list[bool]:
    """``n`` flags alternating from a random start: every batch of two or more instances has
    both a sharp and a generic one."""
    first = int(rng.integers(2))
    return [(first + i) % 2 == 0 for i in range(n)]


def _sample_ka(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    return [_ka_instance(rng, sharp) for sharp in _alternating(rng, n)]


# ------------------------------------------------------------------------------ Result D
def _sharp_volterra_instance(rng: np.random.Generator) -> dict[str, Any]:
    """A Wiener target with a linear readout and one slow kernel term ``α ρ^s``, against a bank
    of fast modes fitted on a short horizon: the bound is almost all propagation of the
    certified kernel error, whose tail beyond the horizon is a large part, and the
    sign-matched input attains it (see :func:`volterra_errors`)."""
    K = int(rng.integers(1, 3))
    return {
        "kernels": [[(float(rng.choice([-1, 1]) * rng.uniform(0.2, 0.8)),
                      float(rng.uniform(0.6, 0.9)), 0.0, 0)]],
        "linear": [float(rng.choice([-1, 1]) * rng.uniform(0.5, 1.5))], "quadratic": [[0.0]],
        "constant": float(rng.uniform(-1, 1)), "rates": np.sort(rng.uniform(0.05, 0.3, K)).tolist(),
        "N": 2, "seed": int(rng.integers(2**31)), "horizon": int(rng.integers(4, 17)),
        "sharp": True,
    }


def _volterra_instance(rng: np.random.Generator) -> dict[str, Any]:
    J = int(rng.integers(1, 3))
    kernels = []
    for _ in range(J):
        terms = [(float(rng.uniform(-0.4, 0.4)), float(rng.uniform(0.3, 0.9)),
                  float(rng.choice([0.0, rng.uniform(0, 1)])), int(rng.integers(0, 2)))
                 for _ in range(int(rng.integers(1, 3)))]
        kernels.append(terms)
    K = int(rng.integers(4, 9))
    rates = np.sort(rng.uniform(0.2, 0.95, K))
    return {
        "kernels": kernels, "linear": rng.uniform(-1, 1, J).tolist(),
        "quadratic": np.triu(rng.uniform(-0.5, 0.5, (J, J))).tolist(),
        "constant": float(rng.uniform(-1, 1)), "rates": rates.tolist(),
        "N": int(rng.integers(9, 65)), "seed": int(rng.integers(2**31)),
        "horizon": FIT_HORIZON, "sharp": False,
    }


VOLTERRA_KEYS = ("kernels", "linear", "quadratic", "constant", "rates", "N", "seed", "horizon",
                 "sharp")


def volterra_target(p: dict[str, Any]) -> QuadraticVolterraTarget:
    """The quadratic Volterra target of an instance (inputs in ``[-1, 1]``)."""
    kernels = tuple(damped_kernel(t) for t in _instance(p, VOLTERRA_KEYS)["kernels"])
    return QuadraticVolterraTarget(kernels, np.array(p["linear"]), np.array(p["quadratic"]),
                                   p["constant"], 1.0)


def volterra_errors(p: dict[str, Any], lengths: tuple[int, ...] = VOLTERRA_LENGTHS,
                    *, batch: int = 8) -> tuple[list[float], float, tuple[int, ...]]:
    """Errors at each sequence length, the bound and the widths (fixed for every length).

    For the sharp family the first sequence of each length is ``x_t = sgn(a) sgn(e(T-1-t))``
    with ``e = h - ĥ`` (``ĥ`` read off the constructed bank): its last output is off by
    ``|a| Σ_{s<T} |e(s)|``, the propagation bound up to the lags beyond ``T``.
    """
    target = volterra_target(p)
    if isinstance(lengths, (str, bytes)) or not isinstance(lengths, (tuple, list)) or \
            not lengths:
        fail("lengths", "a non-empty tuple of sequence lengths", lengths)
    lengths = tuple(check_int(T, "lengths", 1) for T in lengths)
    batch = check_int(batch, "batch", 1)
    approx = volterra_network(target, p["rates"], p["N"], horizon=p["horizon"])
    rng = np.random.default_rng(p["seed"])
    errs = []
    for T in lengths:
        x = rng.choice([-1.0, 1.0], size=(batch, T)) * rng.random((batch, T)) ** 0.25
        if p["sharp"]:
            e = target.kernels[0](np.arange(T)) - approx.stack.layers[0].kernel(T)[:, 0, 0]
            x[0] = np.sign(p["linear"][0]) * np.sign(e[::-1])
        errs.append(float(np.max(np.abs(run(approx.stack, x[..., None]) - target(x)))))
    return errs, approx.bound, approx.widths


def volterra_margin(p: dict[str, Any], *, budget_factor: float = 1.0) -> float:
    """Slack of the worst length: ``1 - max_T error_T / bound``."""
    budget_factor = check_real(budget_factor, "budget_factor", minimum=0, strict=True)
    errs, bound, _ = volterra_errors(p)
    return slack(max(errs), budget_factor * bound)


def _sample_volterra(rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    return [_sharp_volterra_instance(rng) if sharp else _volterra_instance(rng)
            for sharp in _alternating(rng, n)]


# ---------------------------------------------------------------------------- registry
def _rebuilder(keys: tuple[str, ...]) -> Callable[[Any], list[dict[str, Any]]]:
    """The rebuild hook of a tier whose description is its instance dict with ``keys``: the
    dict read back from the JSON report is the instance (floats as round-trip decimals)."""
    def rebuild(description: Any) -> list[dict[str, Any]]:
        if not isinstance(description, dict) or set(description) != set(keys):
            raise ValueError(f"description: expected an instance with the keys {sorted(keys)}, "
                             f"got {description!r}")
        return [dict(description)]

    return rebuild


WINDOW = register(from_catalog(
    "wx23.result_c.window",
    tiers=(Tier("float64", _sample_window, _check_window, lambda ps, i: ps[i], batch=4,
                unit="fraction", rebuild=_rebuilder((*WINDOW_KEYS, "seed"))),),
    default_instances=12,
))

KOLMOGOROV_ARNOLD = register(from_catalog(
    "wx23.result_c.kolmogorov_arnold",
    tiers=(Tier("float64", _sample_ka, lambda ps: [ka_margin(p) for p in ps],
                lambda ps, i: ps[i], batch=4, unit="fraction", rebuild=_rebuilder(KA_KEYS)),),
    default_instances=12,
))

VOLTERRA = register(from_catalog(
    "wx23.result_d.volterra",
    tiers=(Tier("float64", _sample_volterra, lambda ps: [volterra_margin(p) for p in ps],
                lambda ps, i: ps[i], batch=4, unit="fraction",
                rebuild=_rebuilder(VOLTERRA_KEYS)),),
    default_instances=10,
))
