"""Tests of verify.cells: equations, initialization, causality, S4D-LegS parameters."""

import math
from itertools import product

import numpy as np
import pytest
import scipy.special
from bad_input_cases import check_every_case

from theory.memory import step_differences
from theory.numbers import InvalidParameterError, NumberKind, tolerance
from verify.cells import (
    GRU,
    LSTM,
    RNN,
    S4,
    S4D,
    DiagonalSSM,
    LegsNPLR,
    legs_matrix,
    legs_normal_matrix,
    legs_nplr,
    s4d_legs,
)
from verify.scan import kernel as scan_kernel

TOL = tolerance(NumberKind.FLOAT, 100)


def _models(rng):
    return [RNN(3, 5, rng), GRU(3, 5, rng), LSTM(3, 5, rng), DiagonalSSM(3, 6, 2, rng),
            S4(3, 8, rng), S4(3, 8, rng, form="nplr"), S4D(3, 8, rng)]


def test_shapes_batching_and_causality():
    rng = np.random.default_rng(0)
    for m in _models(rng):
        x = rng.standard_normal((2, 4, 30, 3))
        y = m.run(x)
        assert y.shape == (2, 4, 30, m.d_out)
        assert np.allclose(m.run(x[1, 2]), y[1, 2], rtol=TOL, atol=TOL)
        x2 = x.copy()
        x2[..., 20:, :] += 1.0  # changing the future must not change the past
        assert np.array_equal(m.run(x2)[..., :20, :], y[..., :20, :])
        with pytest.raises(InvalidParameterError, match="x"):
            m.run(np.ones((10, 4)))


def test_pytorch_initialization_range():
    rng = np.random.default_rng(1)
    for cls, gates in ((RNN, 1), (GRU, 3), (LSTM, 4)):
        m = cls(4, 100, rng)
        assert m.W_ih.shape == (gates * 100, 4) and m.W_hh.shape == (gates * 100, 100)
        for w in (m.W_ih, m.W_hh, m.b_ih, m.b_hh):
            assert np.abs(w).max() <= 0.1 and np.abs(w).max() > 0.09  # U(-1/√h, 1/√h)
    with pytest.raises(InvalidParameterError, match="hidden"):
        RNN(2, 0, rng)


def _sig(v):
    return scipy.special.expit(v)


def test_gated_cells_follow_the_pytorch_equations():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 2))
    H = 4
    rnn, gru, lstm = RNN(2, H, rng), GRU(2, H, rng), LSTM(2, H, rng)
    h = np.zeros(H)
    for t in range(3):
        h = np.tanh(rnn.W_ih @ x[t] + rnn.b_ih + rnn.W_hh @ h + rnn.b_hh)
    assert np.allclose(rnn.run(x)[-1], h, rtol=TOL, atol=TOL)
    h = np.zeros(H)
    for t in range(3):
        gi, gh = gru.W_ih @ x[t] + gru.b_ih, gru.W_hh @ h + gru.b_hh
        r, z = _sig(gi[:H] + gh[:H]), _sig(gi[H:2 * H] + gh[H:2 * H])
        n = np.tanh(gi[2 * H:] + r * gh[2 * H:])
        h = (1 - z) * n + z * h
    assert np.allclose(gru.run(x)[-1], h, rtol=TOL, atol=TOL)
    h, c = np.zeros(H), np.zeros(H)
    for t in range(3):
        g = lstm.W_ih @ x[t] + lstm.b_ih + lstm.W_hh @ h + lstm.b_hh
        c = _sig(g[H:2 * H]) * c + _sig(g[:H]) * np.tanh(g[2 * H:3 * H])
        h = _sig(g[3 * H:]) * np.tanh(c)
    assert np.allclose(lstm.run(x)[-1], h, rtol=TOL, atol=TOL)


def test_legs_normal_part_and_s4d_eigenvalues():
    N = 8
    n = np.arange(N)
    q = np.sqrt(2 * n + 1.0)
    A = -np.where(n[:, None] > n[None, :], np.outer(q, q), np.diag(n + 1.0))
    P = np.sqrt(n + 0.5)
    assert np.array_equal(legs_matrix(N)[0], A) and np.array_equal(legs_matrix(N)[1], q)
    assert np.allclose(legs_normal_matrix(N), A + np.outer(P, P), atol=TOL)
    lam, B = s4d_legs(N, None)
    assert lam.shape == (4,) and np.allclose(lam.real, -0.5, atol=TOL)
    assert np.all(lam.imag < 0)  # the reference keeps the half with negative imaginary part
    full = np.linalg.eigvals(legs_normal_matrix(N))
    for v in lam:
        assert np.min(np.abs(full - v)) < 1e-10
    # ‖B‖ is preserved by the unitary change of basis (the kept half holds half the energy
    # of a real vector split over conjugate pairs)
    assert np.sum(np.abs(B) ** 2) == pytest.approx(np.sum(q ** 2) / 2, rel=1e-10)
    with pytest.raises(InvalidParameterError, match="even"):
        s4d_legs(7)


def _nplr_form_equals_the_full_legs_matrix(N):
    A, B = legs_matrix(N)
    lam, P, Bt, V = legs_nplr(N, None).full()
    assert np.abs(V.conj().T @ V - np.eye(N)).max() < 1e-12
    rebuilt = V @ (np.diag(lam) - np.outer(P, P.conj())) @ V.conj().T
    assert np.abs(rebuilt - A).max() <= 1e-13 * np.abs(A).max()
    assert np.allclose(V @ Bt, B, rtol=0, atol=1e-12 * np.abs(B).max())
    assert np.allclose(V.conj().T @ np.sqrt(np.arange(N) + 0.5), P, atol=1e-12 * N)
    # negative control: a wrong low-rank vector does not give back A
    wrong = V @ (np.diag(lam) - np.outer(1.01 * P, P.conj())) @ V.conj().T
    assert np.abs(wrong - A).max() > 1e-3


def test_nplr_form_equals_the_full_legs_matrix() -> None:
    """A = V (Λ - P̃P̃^*) V^* with V = [V_h, conj V_h] unitary, P̃ = V^* P, V B̃ = B."""
    check_every_case(_nplr_form_equals_the_full_legs_matrix, product([2, 8, 64]))


def test_reference_b_clipping():
    """At N = 64, 11 of the 32 kept modes have |Im B̃| > 2; clipping bounds them by 2 and leaves
    the real parts, eigenvalues and every unclipped entry alone; None turns it off."""
    raw, clipped = legs_nplr(64, None), legs_nplr(64)
    assert isinstance(clipped, LegsNPLR)
    big = np.abs(raw.B.imag) > 2
    assert big.sum() == 11
    assert np.abs(clipped.B.imag).max() == 2.0
    assert np.array_equal(clipped.B.real, raw.B.real)
    assert np.array_equal(clipped.B[~big], raw.B[~big])
    assert np.array_equal(np.abs(clipped.B.imag[big]), np.full(11, 2.0))
    assert np.array_equal(clipped.eigenvalues, raw.eigenvalues)
    assert np.array_equal(s4d_legs(64)[1], clipped.B)
    assert np.abs(legs_nplr(64, 1.0).B.imag).max() == 1.0


def _s4_full_and_nplr_forms_agree(clip):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 80, 3))
    full = S4(3, 16, np.random.default_rng(1), b_clip=clip)
    nplr = S4(3, 16, np.random.default_rng(1), form="nplr", b_clip=clip)
    assert np.array_equal(full.dt, nplr.dt)
    yf, yn = full.run(x), nplr.run(x)
    assert np.abs(yf - yn).max() <= 1e-12 * np.abs(yf).max()
    # and a different readout does not agree (the comparison can fail)
    other = S4(3, 16, np.random.default_rng(2), form="nplr", b_clip=clip)
    assert np.abs(other.run(x) - yf).max() > 1e-3


def test_s4_full_and_nplr_forms_agree() -> None:
    """S4 full and nplr forms agree: every case of the table."""
    check_every_case(_s4_full_and_nplr_forms_agree, product([2.0, None]))


def test_s4_is_the_bilinear_discretization_of_legs():
    dt = 0.1
    m = S4(2, 8, np.random.default_rng(0), dt=dt, b_clip=None)
    A, B = legs_matrix(8)
    I8 = np.eye(8)
    Abar = np.linalg.inv(I8 - dt / 2 * A) @ (I8 + dt / 2 * A)
    assert np.allclose(m.A[0], Abar, rtol=0, atol=1e-14)
    assert np.allclose(m.B[0, :, 0], dt * np.linalg.inv(I8 - dt / 2 * A) @ B, atol=1e-14)
    # real eigenvalues, the bilinear images of -1 … -N; the slowest is n = 0
    ev = np.sort(np.linalg.eigvals(m.A[0]).real)
    n1 = np.arange(1.0, 9)
    assert np.allclose(ev, np.sort((1 - dt * n1 / 2) / (1 + dt * n1 / 2)), atol=1e-10)
    assert m.spectral_radius == (1 - dt / 2) / (1 + dt / 2)
    assert m.spectral_radius == pytest.approx(math.exp(-dt), rel=1e-4)
    # the readout is real: 2 Re(c V_h^*)
    assert m.C.dtype == float


def test_fixed_step_gives_s4d_modes_of_modulus_exp_minus_half_dt():
    m = S4D(3, 16, np.random.default_rng(0), dt=0.1)
    assert np.array_equal(m.dt, np.full(3, 0.1))
    assert np.allclose(np.abs(m.eigenvalues), math.exp(-0.05), rtol=1e-14)
    assert m.spectral_radius == pytest.approx(math.exp(-0.05), rel=1e-14)
    s4 = S4(3, 16, np.random.default_rng(0), dt=0.1)
    assert s4.spectral_radius < m.spectral_radius  # S4 forgets faster per step


def _s4d_discretization(disc):
    rng = np.random.default_rng(3)
    m = S4D(4, 16, rng, discretization=disc)
    assert np.all((m.dt >= 1e-3) & (m.dt <= 1e-1))
    mod = np.abs(m.eigenvalues)
    if disc == "zoh":
        assert np.allclose(mod, np.exp(-m.dt[:, None] / 2), rtol=TOL)
    assert np.all(mod < 1)
    with pytest.raises(InvalidParameterError, match="discretization"):
        S4D(4, 16, rng, discretization="euler")


def test_s4d_discretization() -> None:
    """S4d discretization: every case of the table."""
    check_every_case(_s4d_discretization, product(["zoh", "bilinear"]))


def test_linear_models_memory_is_the_shifted_kernel():
    rng = np.random.default_rng(4)
    ssm, s4d = DiagonalSSM(3, 6, 2, rng), S4D(3, 8, rng)
    assert ssm.spectral_radius < 0.95
    x = rng.standard_normal(3)
    T = 60
    K = scan_kernel(ssm.eigenvalues, ssm.B, ssm.C, T, diagonal=True).real  # D only in K_0
    diff = step_differences(ssm.run, x[None], T)[0]
    assert np.allclose(diff, K[1:] @ x, rtol=1e-9, atol=1e-12)
    Ks = 2 * scan_kernel(s4d.eigenvalues, s4d.B, s4d.C, T, diagonal=True).real[..., 0, 0]
    diff = step_differences(s4d.run, x[None], T)[0]
    assert np.allclose(diff, (Ks[:, 1:] * x[:, None]).T, rtol=1e-9, atol=1e-12)
    assert s4d.spectral_radius == pytest.approx(math.exp(-s4d.dt.min() / 2), rel=1e-12)
    s4 = S4(3, 8, rng)
    h = s4.B[..., 0]  # Ā^s B̄ per channel, s = 0 …
    Kc = np.empty((3, T))
    for s_ in range(T):
        Kc[:, s_] = np.einsum("hn,hn->h", s4.C[:, 0, :], h)
        h = np.einsum("hnm,hm->hn", s4.A, h)
    diff = step_differences(s4.run, x[None], T)[0]
    assert np.allclose(diff, (Kc[:, 1:] * x[:, None]).T, rtol=1e-9, atol=1e-12)


_RNG = np.random.default_rng


#: Cases ``(call, name)`` of :func:`test_bad_constructor_arguments_name_the_parameter`.
BAD_CONSTRUCTOR_ARGUMENTS = [
    (lambda: DiagonalSSM(1, 2, 1, "seed"), "rng"),
    (lambda: DiagonalSSM(1, 2, 1, _RNG(0), max_modulus=np.nan), "max_modulus"),
    (lambda: DiagonalSSM(1, 2, 1, _RNG(0), max_modulus=1.5), "max_modulus"),
    (lambda: S4D(1, 2, "seed"), "rng"),
    (lambda: S4D(1, 0, _RNG(0)), "state"),  # used to be reported as "N"
    (lambda: S4D(1, 3, _RNG(0)), "state"),
    (lambda: S4D(1, 2, _RNG(0), dt_range=(0.1, np.inf)), "dt_range"),  # used to give inf
    (lambda: S4D(1, 2, _RNG(0), dt_range=(0.1,)), "dt_range"),
    (lambda: S4D(1, 2, _RNG(0), dt_range=(np.nan, 0.1)), "dt_range"),
    (lambda: S4D(1, 2, _RNG(0), dt_range="ab"), "dt_range"),
    (lambda: S4D(1, 2, _RNG(0), dt=0.0), "dt"),
    (lambda: S4D(1, 2, _RNG(0), dt=np.nan), "dt"),
    (lambda: S4D(1, 2, _RNG(0), b_clip=-1.0), "b_clip"),
    (lambda: S4D(1, 2, _RNG(0), b_clip=np.inf), "b_clip"),
    (lambda: S4(1, 3, _RNG(0)), "state"),
    (lambda: S4(0, 2, _RNG(0)), "channels"),
    (lambda: S4(1, 2, _RNG(0), form="dense"), "form"),
    (lambda: S4(1, 2, _RNG(0), dt=-0.1), "dt"),
    (lambda: S4(1, 2, _RNG(0), b_clip=0.0), "b_clip"),
    (lambda: S4(1, 2, "seed"), "rng"),
    (lambda: legs_nplr(5), "N"),
    (lambda: legs_nplr(4, b_clip=np.nan), "b_clip"),
    (lambda: legs_matrix(0), "N"),
    (lambda: RNN(1, 2, "seed"), "rng"),
]


def _bad_constructor_arguments_name_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=rf"^{name}: "):
        call()


def test_bad_constructor_arguments_name_the_parameter() -> None:
    """Bad constructor arguments name the parameter: every case of ``BAD_CONSTRUCTOR_ARGUMENTS``."""
    check_every_case(
        _bad_constructor_arguments_name_the_parameter,
        BAD_CONSTRUCTOR_ARGUMENTS)


#: Values of ``model`` in :func:`test_bad_inputs_are_refused_by_every_model`.
EVERY_MODEL = [RNN(1, 2, _RNG(0)), GRU(1, 2, _RNG(0)), LSTM(1, 2, _RNG(0)),
                    DiagonalSSM(1, 2, 1, _RNG(0)), S4(1, 2, _RNG(0)),
                    S4D(1, 2, _RNG(0))]


#: Values of ``x`` in :func:`test_bad_inputs_are_refused_by_every_model`.
BAD_INPUTS = [np.array([[np.nan]]), np.array([[np.inf], [1.0]]),
                np.ones((0, 1)), np.ones(3), np.ones((3, 2))]


def _bad_inputs_are_refused_by_every_model(model, x):
    with pytest.raises(InvalidParameterError, match="^x: "):
        model.run(x)


def test_bad_inputs_are_refused_by_every_model() -> None:
    """NaN/inf inputs used to flow through to NaN outputs; an empty sequence returned nothing."""
    check_every_case(
        _bad_inputs_are_refused_by_every_model, product(EVERY_MODEL, BAD_INPUTS))
