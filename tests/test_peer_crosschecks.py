"""Cross-checks of the suite's numerics against independent peer implementations.

Peers (the optional extra ``peer`` of pyproject.toml: ``control>=0.10``, ``slycot>=0.6``; plus
scipy, a core dependency):

==================================  ===============================================================
suite                               peer
==================================  ===============================================================
``hankel_singular_values``,         SLICOT ``AB09AD`` (square-root balance & truncate,
``balanced_truncation``             ``dico='D'``); python-control's ``hsvd``/``balred`` refuse
                                    discrete-time systems, so slycot is called directly
``hinf_error``                      SLICOT ``AB13DD`` through ``control.linfnorm`` (the peak gain of
                                    the error system, to relative accuracy ``1e-10``)
``theory.conventions``              ``scipy.signal.dlsim`` and ``control.forced_response``
``deep_to_shallow``                 ``scipy.signal.residuez`` of the deep kernel's generating
                                    function ``ρ̂(w) = b(w)/a(w)``
``verify.cells`` (HiPPO-LegS full,  the HiPPO-LegS formulas of Gu, Goel, Ré (ICLR 2022) written out
NPLR, S4D-LegS)                     entry by entry below, and LAPACK's general eigensolver
==================================  ===============================================================

Tolerances come from the conditioning of each problem (stated at each helper) with a small
constant factor for the accumulation of rounding errors; each comparison has a negative control
showing that a perturbation well above the tolerance (but tiny on the problem's scale) is
detected. Tests that need the ``peer`` extra are skipped, with the reason shown by
``pytest -rs``, when it is not installed.

The default run checks the first case of each table (:func:`first_in_default`) and a quarter of
the hypothesis examples, without importing python-control (a second): ``AB13DD`` is called
directly, as ``control.linfnorm`` calls it, and the conventions are compared with ``dlsim``
alone. The other cases, ``control.linfnorm``, ``control.forced_response`` and the full example
counts carry the ``extended`` marker (CI runs them in its second step, ``python -m pytest -m
extended``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
from bad_input_cases import check_every_case
from hypothesis import assume
from hypothesis import strategies as st
from strategies import example_budgets, run_examples

from theory.conventions import from_control, to_control
from theory.convolution import (
    balanced_truncation,
    hankel_singular_values,
    hinf_error,
    shift_register,
)
from theory.depth_width import deep_to_shallow
from theory.layers import SSMLayer
from theory.linear import DeepSSM
from verify.cells import legs_matrix, legs_normal_matrix, legs_nplr, s4d_legs

EPS = np.finfo(float).eps
PEER_REASON = 'the optional extra "peer" (control, slycot) is not installed: pip install ".[peer]"'


@pytest.fixture(scope="module")
def slycot():
    return pytest.importorskip("slycot", reason=PEER_REASON)


@pytest.fixture(scope="module")
def control():
    return pytest.importorskip("control", reason=PEER_REASON)


# --------------------------------------------------------------------------- helpers
def first_in_default(cases):
    """``cases`` for ``pytest.mark.parametrize``: the first in the default run, the others
    (each with its usual id) under the ``extended`` marker."""
    values = [case if isinstance(case, tuple) else (case,) for case in cases]
    return [pytest.param(*values[0]),
            *(pytest.param(*v, marks=pytest.mark.extended) for v in values[1:])]


def _markov(A, B, C, count):
    """``C A^s B`` for ``s < count`` (the kernel of a same-step layer), written out here."""
    out, V = [], np.asarray(B, dtype=float)
    for _ in range(count):
        out.append(C @ V)
        V = A @ V
    return np.array(out)


def _taps(seed, T):
    """Decaying random taps with a last tap of size ``≥ 0.1 · 0.8^{T-1}`` (full Hankel rank)."""
    rng = np.random.default_rng(seed)
    taps = 0.8 ** np.arange(T) * rng.standard_normal(T)
    taps[-1] = np.copysign(max(abs(taps[-1]), 0.1 * 0.8 ** (T - 1)), taps[-1])
    return taps


def _float_system(layer):
    W = np.asarray(layer.W_matrix(), dtype=float)
    return W, np.asarray(layer.U, dtype=float), np.asarray(layer.C, dtype=float)


def _ab09ad(slycot, taps, order):
    """SLICOT's balanced truncation of the shift-register realization: ``(A_r, B_r, C_r, hsv)``.

    The same-step layer ``(W, U, C)`` has kernel ``C W^s U``; as a control system with
    ``D = 0`` its Markov parameters ``C W^{s} U`` (``s ≥ 0``) and Hankel matrix
    ``[C W^{i+j} U]`` are the same numbers, so the Hankel singular values agree, and the two
    reduced models must have the same kernel (a balanced truncation is unique up to a state
    similarity when the kept singular values are distinct and separated from the rest).
    """
    W, U, C = _float_system(shift_register(taps))
    n = W.shape[0]
    nr, Ar, Br, Cr, hsv = slycot.ab09ad("D", "B", "N", n, 1, 1, W.copy(), U.copy(), C.copy(),
                                        nr=order)
    assert nr == order
    return Ar[:nr, :nr], Br[:nr], Cr[:, :nr], hsv


# --------------------------------------------------------------------------- Hankel, BT, H∞
CASES = [(0, 8, 3), (1, 12, 4), (2, 16, 5), (3, 24, 2)]


def _hsv_tolerance(sv):
    """Singular values are perfectly conditioned (Weyl): a backward error ``‖ΔH‖ ≤ c n ε ‖H‖``
    moves each by at most that; ``c = 4`` covers both methods' backward errors."""
    return 4 * sv.size * EPS * sv[0]


@pytest.mark.parametrize(("seed", "T", "order"), first_in_default(CASES))
def test_hankel_singular_values_match_ab09ad(slycot, seed, T, order):
    taps = _taps(seed, T)
    ours = hankel_singular_values(taps)
    *_, peer = _ab09ad(slycot, taps, order)
    tol = _hsv_tolerance(ours)
    assert np.max(np.abs(ours - peer)) <= tol
    # negative control: taps changed by 1e4 tolerances are detected
    bumped = taps.copy()
    bumped[0] += 1e4 * tol
    assert np.max(np.abs(hankel_singular_values(bumped) - peer)) > tol


@example_budgets(0.05, 0.2)
def test_random_taps_hsv_and_reduction_match_ab09ad(slycot, examples):
    # the positive comparisons of the two tests above on random taps, lengths and orders
    run_examples(examples, check_random_taps, slycot, seed=st.integers(0, 2**32 - 1),
                 T=st.integers(4, 20), data=st.data())


def check_random_taps(slycot, seed, T, data):
    order = data.draw(st.integers(1, T - 2), label="order")
    taps = _taps(seed, T)
    sv = hankel_singular_values(taps)
    assume(sv[order - 1] - sv[order] > 1e-6 * sv[order - 1])  # balanced_truncation's min_gap
    Ar, Br, Cr, peer = _ab09ad(slycot, taps, order)
    assert np.max(np.abs(sv - peer)) <= _hsv_tolerance(sv)
    bt = balanced_truncation(taps, order)
    ours = _markov(*_float_system(bt.layer), 4 * T)
    assert np.max(np.abs(ours - _markov(Ar, Br, Cr, 4 * T))) <= _reduction_tolerance(sv, order)


def _reduction_tolerance(sv, order):
    """The kept dominant subspace moves by ``~ ε‖H‖/(σ_r - σ_{r+1})`` under a backward error
    ``ε‖H‖``, so the reduced kernel (of size ``≤ σ_1``) moves by ``~ n ε σ_1² /(σ_r -
    σ_{r+1})``; ``c = 4`` as for the singular values."""
    return 4 * sv.size * EPS * sv[0] * sv[0] / (sv[order - 1] - sv[order])


@pytest.mark.parametrize(("seed", "T", "order"), first_in_default(CASES))
def test_balanced_truncation_matches_ab09ad(slycot, seed, T, order):
    taps = _taps(seed, T)
    bt = balanced_truncation(taps, order)
    Ar, Br, Cr, _ = _ab09ad(slycot, taps, order)
    W, U, C = _float_system(bt.layer)
    horizon = 4 * T
    ours, peer = _markov(W, U, C, horizon), _markov(Ar, Br, Cr, horizon)
    tol = _reduction_tolerance(bt.singular_values, order)
    assert np.max(np.abs(ours - peer)) <= tol
    # both respect the balanced-truncation bound on the tail of the window
    assert np.all(np.abs(peer[T:]) <= bt.bound)
    # negative control: a readout changed by 1e4 tolerances (relative to its size) is detected
    scale = 1e4 * tol / np.max(np.abs(C))
    assert np.max(np.abs(_markov(W, U, C * (1 + scale), horizon) - peer)) > tol


def _error_system(taps, layer):
    """The error ``ρ̂ - K̂`` as a same-step system (shift register minus the layer)."""
    W1, U1, C1 = _float_system(shift_register(taps))
    W2, U2, C2 = _float_system(layer)
    n1, n2 = W1.shape[0], W2.shape[0]
    A = np.block([[W1, np.zeros((n1, n2))], [np.zeros((n2, n1)), W2]])
    return A, np.vstack([U1, U2]), np.hstack([C1, -C2])


def _grid_slack(A, B, C, peak, fpeak, n_grid, refine):
    """How far the grid maximum of ``hinf_error`` may lie below the peak ``g(ω*)`` of
    ``g(ω) = |E(e^{iω})|``.

    ``E(ω) = Σ_s e_s e^{-iωs}`` with ``e_s = C A^s B``; ``|E'| ≤ L₁ = Σ s|e_s|`` and
    ``|E''| ≤ L₂ = Σ s²|e_s|``, so ``g'' ≥ -(L₂ + L₁²/g)`` near the peak, and a grid point at
    distance ``δ`` from ``ω*`` is at most ``(L₂ + L₁²/peak) δ²/2`` below it. On the coarse grid
    (spacing ``h = π/(n_grid-1)``) ``δ ≤ h/2``. When the peak lies in the window
    ``[ω_{i-1}, ω_{i+1}]`` of one of the ``refine`` largest coarse values (evaluated here
    independently), that window's 257-point grid has spacing ``h/128`` and ``δ ≤ h/256``. The
    sums run until the terms are below ``ε`` of the total (the error kernel decays
    geometrically).
    """
    e = np.abs(_markov(A, B, C, 4000)[:, 0, 0])
    s = np.arange(e.size)
    L1, L2 = float(np.sum(s * e)), float(np.sum(s * s * e))
    assert s[-1] ** 2 * e[-1] <= EPS * L2  # the truncated tail is negligible
    h = np.pi / (n_grid - 1)
    grid = h * np.arange(n_grid)
    eye = np.eye(A.shape[0])
    coarse = np.abs([(C @ np.linalg.solve(eye - np.exp(-1j * w) * A, B))[0, 0] for w in grid])
    top = np.argsort(coarse)[max(n_grid - refine, 0):]
    refined = bool(np.any(np.abs(top - fpeak / h) <= 1))
    delta = h / 256 if refined else h / 2
    return 0.5 * (L2 + L1 * L1 / peak) * delta**2


def _peak(request, peer, A, B, C):
    """The peak gain of the same-step system ``(A, B, C)`` and its frequency, from SLICOT
    ``AB13DD`` (relative tolerance ``1e-10``): through ``control.linfnorm`` (``peer =
    "linfnorm"``), or called as ``linfnorm`` calls it for a discrete-time system (``peer =
    "ab13dd"``; the same numbers, bit for bit, without importing python-control, which takes
    a second: the default run's peer)."""
    if peer == "linfnorm":
        control = request.getfixturevalue("control")
        return control.linfnorm(control.ss(*to_control(A, B, C), dt=True), tol=1e-10)
    slycot = request.getfixturevalue("slycot")
    a, b, c, d = (np.asarray(v, dtype=float) for v in to_control(A, B, C))
    n = a.shape[0]
    return slycot.ab13dd("D", "I", "S", "D" if d.any() else "Z", n, b.shape[1], c.shape[0], a,
                         np.eye(n), b, c, d, 1e-10)


#: The first case with ``AB13DD`` called directly in the default run; every case through
#: ``control.linfnorm`` under ``extended``.
HINF_RUNS = [pytest.param(*CASES[0], "ab13dd"),
             *(pytest.param(*case, "linfnorm", marks=pytest.mark.extended) for case in CASES)]


@pytest.mark.parametrize(("seed", "T", "order", "peer"), HINF_RUNS)
def test_hinf_error_matches_linfnorm(request, seed, T, order, peer):
    taps = _taps(seed, T)
    bt = balanced_truncation(taps, order)
    A, B, C = _error_system(taps, bt.layer)
    peak, fpeak = _peak(request, peer, A, B, C)
    n_grid, refine = 4096, 4
    ours = hinf_error(taps, bt.layer, n_grid=n_grid, refine=refine)
    # a grid maximum never exceeds the peak (up to AB13DD's relative tolerance and rounding)
    rounding = 64 * EPS * float(np.sum(np.abs(_markov(A, B, C, 4000))))
    assert ours <= peak * (1 + 1e-10) + rounding
    slack = _grid_slack(A, B, C, peak, fpeak, n_grid, refine)
    assert ours >= peak * (1 - 1e-10) - slack - rounding
    assert peak <= bt.bound  # the balanced-truncation bound, on the peer's number
    # negative control: the error of a model whose readout is off by 1e-6 is told apart
    Wr, Ur, Cr = _float_system(bt.layer)
    off = SSMLayer(Wr, Ur, Cr * (1 + 1e-6))
    assert abs(hinf_error(taps, off, n_grid=n_grid, refine=refine) - peak) > (
        slack + rounding + 1e-10 * peak)


@pytest.mark.parametrize("peer", ["ab13dd", pytest.param("linfnorm",
                                                          marks=pytest.mark.extended)])
def test_hinf_grid_slack_is_needed_on_a_coarse_grid(request, peer):
    # the slack of _grid_slack is not vacuous: on a 3-point grid without refinement the grid
    # maximum misses the peak by more than 1e-10 relative, and stays within the slack
    taps = _taps(0, 8)
    bt = balanced_truncation(taps, 3)
    A, B, C = _error_system(taps, bt.layer)
    peak, fpeak = _peak(request, peer, A, B, C)
    coarse = hinf_error(taps, bt.layer, n_grid=3, refine=0)
    assert peak - coarse > 1e-10 * peak
    assert coarse >= peak - _grid_slack(A, B, C, peak, fpeak, 3, 0)


# --------------------------------------------------------------------------- conventions
def _random_system(seed, n=4, d=2, p=3, radius=0.9):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    A *= radius / max(abs(np.linalg.eigvals(A)))  # a random A has spectral radius > 0
    return A, rng.standard_normal((n, d)), rng.standard_normal((p, n)), rng.standard_normal((p, d))


def _same_step(A, B, C, D, x, *, states=False):
    """``h_t = A h_{t-1} + B x_t``, ``y_t = C h_t + D x_t``, ``h_0 = 0``, written out here
    (with ``states``: also ``h_0 … h_T``)."""
    hs, ys = [np.zeros(A.shape[0])], []
    for xt in x:
        hs.append(A @ hs[-1] + B @ xt)
        ys.append(C @ hs[-1] + D @ xt)
    return (np.array(ys), np.array(hs)) if states else np.array(ys)


def _simulation_tolerance(A, B, C, D, x):
    """Rounding bound of a linear recurrence: step ``t`` commits a local error
    ``|ξ_t| ≤ γ (|A||h_{t-1}| + |B||x_t|)``, ``γ = (n+d) ε``, which reaches ``y_{t+s}`` through
    ``C A^s``; the readout adds ``γ (|C||h_t| + |D||x_t|)``. So ``|Δy| ≤ γ (Σ_s ‖C A^s‖_∞
    max_t ‖|A||h_{t-1}| + |B||x_t|‖_∞ + max_t ‖|C||h_t| + |D||x_t|‖_∞)``; factor 2 for the two
    simulations compared."""
    n, d = A.shape[0], B.shape[1]
    _, h = _same_step(A, B, C, D, x, states=True)
    local = np.max(np.abs(h[:-1]) @ np.abs(A).T + np.abs(x) @ np.abs(B).T)
    readout = np.max(np.abs(h[1:]) @ np.abs(C).T + np.abs(x) @ np.abs(D).T)
    gain = sum(np.linalg.norm(C @ np.linalg.matrix_power(A, s), np.inf) for s in range(len(x)))
    return 2 * (n + d) * EPS * (gain * local + readout)


#: ``(seed, with_control)``: the first seed against dlsim alone in the default run; every seed
#: against dlsim and ``control.forced_response`` under ``extended`` (importing python-control
#: takes a second).
CONVERSION_RUNS = [pytest.param(0, False, id="0-dlsim"),
                   *(pytest.param(seed, True, id=str(seed), marks=pytest.mark.extended)
                     for seed in (0, 1, 2))]


def _forced_response(request, A, B, C, D, x):
    """``control.forced_response`` of the control-convention system ``(A, B, C, D)``."""
    control = request.getfixturevalue("control")
    return control.forced_response(control.ss(A, B, C, D, dt=1), T=np.arange(len(x)),
                                   U=x.T).outputs.T


@pytest.mark.parametrize(("seed", "with_control"), CONVERSION_RUNS)
def test_to_control_matches_dlsim_and_forced_response(request, seed, with_control):
    import scipy.signal  # here, not at collection: the import takes about a second

    A, B, C, D = _random_system(seed)
    x = np.random.default_rng(100 + seed).standard_normal((40, B.shape[1]))
    ours = _same_step(A, B, C, D, x)
    Ac, Bc, Cc, Dc = to_control(A, B, C, D)
    _, y_dlsim, _ = scipy.signal.dlsim((Ac, Bc, Cc, Dc, 1), x)
    tol = _simulation_tolerance(A, B, C, D, x)
    assert np.max(np.abs(y_dlsim - ours)) <= tol
    if with_control:
        assert np.max(np.abs(_forced_response(request, Ac, Bc, Cc, Dc, x) - ours)) <= tol
    # negative controls: the naive conversion (A, B, C, D) is off by a step, and A changed by
    # 1e4 tolerances is detected
    _, naive, _ = scipy.signal.dlsim((A, B, C, D, 1), x)
    assert np.max(np.abs(naive - ours)) > 1e6 * tol
    _, bumped, _ = scipy.signal.dlsim((Ac + 1e4 * tol, Bc, Cc, Dc, 1), x)
    assert np.max(np.abs(bumped - ours)) > tol


@pytest.mark.parametrize(("seed", "with_control"), CONVERSION_RUNS)
def test_from_control_matches_dlsim_and_forced_response(request, seed, with_control):
    import scipy.signal  # here, not at collection: the import takes about a second

    A, B, C, D = _random_system(seed)
    A[0] = 0.0  # a singular A: the direct conversion through A^{-1} would fail here
    x = np.random.default_rng(200 + seed).standard_normal((40, B.shape[1]))
    _, y_dlsim, _ = scipy.signal.dlsim((A, B, C, D, 1), x)
    At, Bt, Ct, Dt = from_control(A, B, C, D)
    ours = _same_step(At, Bt, Ct, Dt, x)
    tol = _simulation_tolerance(At, Bt, Ct, Dt, x)
    assert np.max(np.abs(ours - y_dlsim)) <= tol
    if with_control:
        assert np.max(np.abs(ours - _forced_response(request, A, B, C, D, x))) <= tol
    # negative control: the same-step reading of the control matrices is off by a step
    assert np.max(np.abs(_same_step(A, B, C, D, x) - y_dlsim)) > 1e6 * tol


# --------------------------------------------------------------------------- partial fractions
def _deep_model(seed, depth, width):
    """Real deep model with eigenvalues on a grid of spacing 0.15 (well separated poles)."""
    rng = np.random.default_rng(seed)
    grid = np.round(np.arange(-0.9, 0.91, 0.15), 12)
    grid = grid[np.abs(grid) > 1e-9]
    eig = rng.choice(grid, size=depth * width, replace=False).reshape(depth, width)
    B = [rng.standard_normal(width)] + [rng.standard_normal((width, width))
                                        for _ in range(depth - 1)]
    return DeepSSM(eig, B, rng.standard_normal(width))


def _deep_kernel(deep, T):
    """The kernel of BYJL25 Eq. 1 by running the recurrence on an impulse, written out here."""
    hs = [np.zeros(deep.width) for _ in range(deep.depth)]
    out = []
    for t in range(T):
        u = 1.0 if t == 0 else 0.0
        for k in range(deep.depth):
            drive = deep.B[0] * u if k == 0 else deep.B[k] @ hs[k - 1]
            hs[k] = deep.eigenvalues[k] * hs[k] + drive
        out.append(deep.C @ hs[-1])
    return np.array(out)


def _residuez(deep):
    """``scipy.signal.residuez`` of ``ρ̂(w) = b(w)/a(w)``: ``a(w) = Π (1 - λ w)`` over all
    eigenvalues (``numpy.poly`` gives its coefficients in ascending powers of ``w``), and
    ``b = (a * ρ)`` truncated to degree ``lm - 1`` (the numerator has degree ``≤ l(m-1)``)."""
    import scipy.signal  # here, not at collection: the import takes about a second

    n = deep.depth * deep.width
    a = np.poly(np.ravel(deep.eigenvalues))
    b = np.convolve(a, _deep_kernel(deep, n))[:n]
    r, p, k = scipy.signal.residuez(b, a)
    order = np.argsort(p.real)
    return p[order], r[order], k


def _residue_tolerance(poles, residues):
    """First-order conditioning of partial fractions: a pole error ``δ_j`` moves residue
    ``r_i`` by ``~ |r_i| δ_j / |p_i - p_j|``; root finding gives ``δ_j ≲ n ε κ_j |p_j|`` with
    ``κ_j = Σ_i |a_i| |p_j|^{n-i} / (|p_j| |q'(p_j)|)`` the condition number of the root of the
    monic ``q(z) = Π (z - p)``. Factor 16 for the evaluation of ``b`` and the residues."""
    n = poles.size
    q = np.poly(poles)
    kappa = np.array([np.sum(np.abs(q) * np.abs(p) ** np.arange(n, -1, -1))
                      / (abs(p) * abs(np.polyval(np.polyder(q), p))) for p in poles])
    delta = n * EPS * kappa * np.abs(poles)
    gaps = np.abs(poles[:, None] - poles[None, :]) + np.eye(n)
    spread = np.max(np.sum((delta[None, :] + delta[:, None]) / gaps * (1 - np.eye(n)), axis=1))
    return 16 * (np.max(np.abs(residues)) * (spread + n * EPS) + n * EPS)


@pytest.mark.parametrize(("seed", "depth", "width"),
                         first_in_default([(0, 2, 2), (1, 3, 2), (2, 2, 3), (3, 4, 2)]))
def test_deep_to_shallow_matches_residuez(seed, depth, width):
    deep = _deep_model(seed, depth, width)
    shallow = deep_to_shallow(deep)
    order = np.argsort(shallow.poles)
    poles, residues = shallow.poles[order], shallow.residues[order]
    p_ref, r_ref, k_ref = _residuez(deep)
    tol = _residue_tolerance(poles, residues)
    assert poles.size == p_ref.size == depth * width
    assert np.max(np.abs(poles - p_ref)) <= tol / max(1.0, np.max(np.abs(residues)))
    assert np.max(np.abs(residues - r_ref)) <= tol
    assert np.all(np.abs(k_ref) <= tol)  # no direct term: deg b < deg a
    # negative control: the reference of a model with one coupling entry changed by 1e-8
    # (relative) is told apart
    bumped = DeepSSM(deep.eigenvalues, [deep.B[0] * (1 + 1e-8), *deep.B[1:]], deep.C)
    _, r_bumped, _ = _residuez(bumped)
    assert np.max(np.abs(residues - r_bumped)) > tol


@example_budgets(0.05, 0.2)
def test_random_deep_to_shallow_matches_residuez(examples):
    # the positive comparison of the test above on random models of several shapes
    run_examples(examples, check_random_deep_to_shallow, seed=st.integers(0, 2**32 - 1),
                 shape=st.sampled_from([(1, 3), (2, 2), (3, 2), (2, 3), (4, 2), (2, 4), (3, 3)]))


def check_random_deep_to_shallow(seed, shape):
    deep = _deep_model(seed, *shape)
    shallow = deep_to_shallow(deep)
    order = np.argsort(shallow.poles)
    poles, residues = shallow.poles[order], shallow.residues[order]
    p_ref, r_ref, k_ref = _residuez(deep)
    tol = _residue_tolerance(poles, residues)
    assert np.max(np.abs(poles - p_ref)) <= tol / max(1.0, np.max(np.abs(residues)))
    assert np.max(np.abs(residues - r_ref)) <= tol
    assert np.all(np.abs(k_ref) <= tol)


@example_budgets(0.05, 0.2)
def test_random_systems_converted_match_dlsim(examples):
    # both converters against scipy on random sizes and spectral radii (A = 0 included)
    run_examples(examples, check_random_system, seed=st.integers(0, 2**32 - 1),
                 n=st.integers(1, 6), d=st.integers(1, 3), p=st.integers(1, 3),
                 radius=st.floats(0.0, 0.99))


def check_random_system(seed, n, d, p, radius):
    import scipy.signal  # here, not at collection: the import takes about a second

    A, B, C, D = _random_system(seed, n, d, p, radius)
    x = np.random.default_rng(seed).standard_normal((30, d))
    same = _same_step(A, B, C, D, x)
    _, y_to, _ = scipy.signal.dlsim((*to_control(A, B, C, D), 1), x)
    assert np.max(np.abs(y_to - same)) <= _simulation_tolerance(A, B, C, D, x)
    _, y_control, _ = scipy.signal.dlsim((A, B, C, D, 1), x)
    At, Bt, Ct, Dt = from_control(A, B, C, D)
    y_from = _same_step(At, Bt, Ct, Dt, x)
    assert np.max(np.abs(y_from - y_control)) <= _simulation_tolerance(At, Bt, Ct, Dt, x)


# --------------------------------------------------------------------------- HiPPO-LegS
def _legs_reference(N):
    """HiPPO-LegS entry by entry (Gu, Goel, Ré 2022, Eq. (2); reference ``transition('legs')``):
    ``A_nk = -√(2n+1)√(2k+1)`` for ``n > k``, ``-(n+1)`` for ``n = k``, ``0`` above; ``B_n =
    √(2n+1)``; NPLR vector ``P_n = √(n + 1/2)``."""
    A = np.zeros((N, N))
    for n in range(N):
        for k in range(N):
            if n > k:
                A[n, k] = -math.sqrt(2 * n + 1) * math.sqrt(2 * k + 1)
            elif n == k:
                A[n, k] = -(n + 1)
    B = np.array([math.sqrt(2 * n + 1) for n in range(N)])
    P = np.array([math.sqrt(n + 0.5) for n in range(N)])
    return A, B, P


SIZES = [2, 4, 8, 16, 64]


def test_legs_matrix_matches_the_formula():
    check_every_case(check_legs_matrix, [(N,) for N in SIZES])


def check_legs_matrix(N):
    A_ref, B_ref, P_ref = _legs_reference(N)
    A, B = legs_matrix(N)
    # every entry is one rounded product: agreement to 2 ulp of the entry
    np.testing.assert_allclose(A, A_ref, rtol=2 * EPS, atol=0)
    np.testing.assert_allclose(B, B_ref, rtol=2 * EPS, atol=0)
    # the normal part A + P Pᵀ = -1/2 I + S: one product and one sum per entry
    M_ref = A_ref + np.outer(P_ref, P_ref)
    M = legs_normal_matrix(N)
    tol = 4 * EPS * np.abs(A_ref) + 4 * EPS * np.outer(P_ref, P_ref)
    assert np.all(np.abs(M - M_ref) <= tol)
    # negative control: the LegT-like diagonal -n (instead of -(n+1)) is detected
    wrong = A_ref - np.diag(np.diag(A_ref)) - np.diag(np.arange(N, dtype=float))
    assert np.max(np.abs(A - wrong)) > 1e12 * 2 * EPS


def _eigen_reference(N):
    """Eigenpairs of the normal part from LAPACK's *general* eigensolver (``geev``), the half
    with ``Im λ < 0``, sorted by ``Im λ`` (``legs_nplr`` uses the Hermitian ``eigh``)."""
    A_ref, B_ref, P_ref = _legs_reference(N)
    M = A_ref + np.outer(P_ref, P_ref)
    lam, V = scipy.linalg.eig(M)
    keep = np.argsort(lam.imag)[: N // 2]
    return M, lam[keep], V[:, keep] / np.linalg.norm(V[:, keep], axis=0), B_ref, P_ref


def test_legs_nplr_matches_an_independent_eigendecomposition():
    check_every_case(check_legs_nplr, [(N,) for N in SIZES])


def check_legs_nplr(N):
    M, lam_ref, V_ref, B_ref, P_ref = _eigen_reference(N)
    nplr = legs_nplr(N, b_clip=None)
    norm = np.linalg.norm(M, 2)
    # normal matrix: eigenvalues move by at most the backward error (Bauer-Fike, κ(V) = 1)
    lam_tol = 4 * N * EPS * norm
    order = np.argsort(nplr.eigenvalues.imag)
    assert np.max(np.abs(nplr.eigenvalues[order] - lam_ref)) <= lam_tol
    # Re Λ is the mean of the diagonal -(n+1) + (n+1/2), each entry rounded once (≤ N ε)
    assert np.all(np.abs(nplr.eigenvalues.real + 0.5) <= N * EPS)
    # eigenvectors move by ε‖M‖/gap: compare the phase-free |B̃_n|² and P̃_n conj(B̃_n)
    ims = np.sort(np.linalg.eigvals(M).imag)
    gaps = np.array([np.min(np.abs(ims[ims != mu] - mu)) if N > 2 else abs(2 * mu)
                     for mu in lam_ref.imag])
    vec_tol = 8 * N * EPS * norm / gaps
    b2_ref = np.abs(V_ref.conj().T @ B_ref) ** 2
    scale = np.linalg.norm(B_ref) ** 2
    assert np.all(np.abs(np.abs(nplr.B[order]) ** 2 - b2_ref) <= vec_tol * scale)
    pb_ref = (V_ref.conj().T @ P_ref) * np.conj(V_ref.conj().T @ B_ref)
    pb = (nplr.P * nplr.B.conj())[order]
    assert np.all(np.abs(pb - pb_ref) <= vec_tol * scale)
    # A = V (Λ - P̃ P̃^*) V^* on the whole basis (unitary V: backward errors add up)
    lam, P, _, V = nplr.full()
    rebuilt = V @ (np.diag(lam) - np.outer(P, P.conj())) @ V.conj().T
    A_ref = M - np.outer(P_ref, P_ref)
    rebuild_tol = 8 * N * EPS * (norm + np.linalg.norm(P_ref) ** 2)
    assert np.max(np.abs(rebuilt - A_ref)) <= rebuild_tol
    # negative control: P_n = √(n+1) (a wrong low-rank term) does not rebuild A
    wrong = V @ (np.diag(lam) - np.outer(V.conj().T @ np.sqrt(np.arange(1.0, N + 1)),
                                         (V.conj().T @ np.sqrt(np.arange(1.0, N + 1))).conj())
                 ) @ V.conj().T
    assert np.max(np.abs(wrong - A_ref)) > 1e6 * rebuild_tol


def test_clipping_and_s4d_legs_follow_the_reference():
    check_every_case(check_clipping_and_s4d_legs, [(N,) for N in SIZES])


def check_clipping_and_s4d_legs(N):
    free = legs_nplr(N, b_clip=None)
    clipped = legs_nplr(N, b_clip=2.0)
    # the reference clips the imaginary part only: B̃ ↦ Re B̃ + i clip(Im B̃, -2, 2)
    expected = free.B.real + 1j * np.minimum(2.0, np.maximum(-2.0, free.B.imag))
    np.testing.assert_array_equal(clipped.B, expected)
    np.testing.assert_array_equal(clipped.eigenvalues, free.eigenvalues)
    lam, B = s4d_legs(N)
    np.testing.assert_array_equal(lam, clipped.eigenvalues)
    np.testing.assert_array_equal(B, clipped.B)
    # S4D-LegS: Re λ = -1/2 and Im λ the negative eigenvalues of the skew part S, from a
    # different solver (eigvalsh of the Hermitian i S), within ‖S‖ ε N
    A_ref, _, P_ref = _legs_reference(N)
    S = A_ref + np.outer(P_ref, P_ref) + 0.5 * np.eye(N)
    mu = np.sort(np.linalg.eigvalsh(1j * S))  # eigenvalues of i S are -Im λ
    ref = -mu[::-1][: N // 2]
    tol = 4 * N * EPS * np.linalg.norm(S, 2)
    assert np.max(np.abs(np.sort(lam.imag) - np.sort(ref))) <= tol
    # negative control: S4D-Lin's imaginary parts π n are not S4D-LegS's
    lin = -np.pi * np.arange(N // 2)
    assert np.max(np.abs(np.sort(lam.imag) - np.sort(lin))) > 1e6 * tol
