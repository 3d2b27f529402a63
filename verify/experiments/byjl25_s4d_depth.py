"""S4D-style models with feed-forward blocks at several depths and a comparable parameter count
(BYJL25 numerical experiment).

BYJL25 (Bao, Yu, Jiang, Li, arXiv:2506.19296) compare S4D-style models with feed-forward blocks
at several depths (a table known only through reviews). This script runs the suite's own small
version, in numpy with hand-written backpropagation:

Model (depth ``L``, ``d`` channels, ``N`` complex modes per channel), input ``x (B, T)``::

    u_0(t) = w_in x(t) + b_in                                       (encoder, R -> R^d)
    z_k(t) = Σ_{s≤t} K_k(s) ⊙ u_{k-1}(t-s) + D_k ⊙ u_{k-1}(t)        (S4D convolution)
    K_k(s)_c = 2 Re Σ_n C_{k,c,n} e^{s ζ_{k,c,n}},  ζ = -e^{p} + i q     (stable: Re ζ < 0)
    u_k(t) = u_{k-1}(t) + tanh(z_k(t) W_k + b_k)                     (feed-forward, residual)
    ŷ(t) = u_L(t) · w_out + b_out                                    (decoder)

the diagonal SSM of S4D (Gu, Gupta, Goel, Ré, NeurIPS 2022) with ``B`` absorbed into ``C``
(one complex mode ``e^{ζ}`` per state pair, the real part taken of conjugate pairs), S4D-Lin
initialization ``ζ = Δ(-1/2 + iπn)`` with ``Δ`` log-uniform in ``[0.02, 0.5]`` per channel,
and a position-wise feed-forward block (``tanh``) with a residual connection.

Task (a filtered-target regression): ``x(t)`` i.i.d. standard normal, target
``y = g_2 * (g_1 * x)²`` with ``g_1(s) = 0.8^s cos(s/2)`` and ``g_2(s) = 0.9^s`` (causal
convolutions, ``s ≥ 0``), standardized with the mean and standard deviation of the training
targets (the model class is invariant under this affine map, through ``w_out`` and ``b_out``).
A depth-1 model applies a fixed position-wise function to ``d`` linear filters of the input,
while the target filters *after* the nonlinearity, which a second layer can do; depth 1 can
only approximate the target through its width. Whether depth helps at these sizes and
training budgets is what the run measures.

Parameter counts: the deepest model has ``base_channels`` channels; every other depth gets the
number of channels whose parameter count is closest to the deepest model's (printed).

Training: L-BFGS-B (:func:`scipy.optimize.minimize`) on the training mean squared error with
the analytic gradient (backpropagation through the convolutions by FFT correlation, and through
the kernel to ``C, p, q`` in closed form). Reported: the normalized test error
``mean((ŷ - y)²) / var(y)`` (1 = predicting the mean) on fresh sequences, per depth, median
and range over seeds. The paper's own numbers were not available, so the numbers printed here
are the suite's own.

Run ``python -m verify.experiments.byjl25_s4d_depth [--out PATH] [--seed S] [--quick]``, or
call :func:`reproduce` (the uniform interface of :mod:`verify.experiments._checks`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy  # scipy.optimize loads on first use (scipy's lazy submodules)

from verify.experiments._checks import (
    ExperimentRecord,
    count,
    counts,
    dataclass_settings,
    experiment_parser,
    finish,
    generator,
    json_number,
    legend_below,
    new_figure,
    reproduce_arguments,
    require,
    require_matplotlib,
    run_arguments,
    save_figure,
)
from verify.experiments.byjl25_fit import PAPER_NUMBERS_NOTE

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Config", "Model", "Row", "filtered_square_task", "loss_and_gradient", "main",
           "matched_channels", "reproduce", "run"]

NAME = "byjl25_s4d_depth"
TITLE = ("S4D models with feed-forward blocks at several depths, comparable parameter counts "
         "(BYJL25 numerical experiment)")
DEFAULT_OUT = Path("out") / f"{NAME}.png"

#: Log-uniform range of the initial step ``Δ`` (S4D-Lin initialization ``ζ = Δ(-1/2 + iπn)``).
DT_RANGE = (0.02, 0.5)


# --------------------------------------------------------------------------- model
@dataclass(frozen=True)
class Model:
    """Shape of a model and the packing of its real parameters into one flat vector.

    Per layer: ``p, q, C_re, C_im`` (each ``(d, N)``), ``D (d,)``, ``W (d, d)``, ``b (d,)``;
    then ``w_in, b_in, w_out`` (each ``(d,)``) and ``b_out``.

    Raises
    ------
    InvalidParameterError
        Unless ``depth``, ``channels`` and ``modes`` are positive integers.
    """

    depth: int
    channels: int
    modes: int

    def __post_init__(self) -> None:
        for name in ("depth", "channels", "modes"):
            count(getattr(self, name), name)

    @property
    def _layer_size(self) -> int:
        d, N = self.channels, self.modes
        return 4 * d * N + d + d * d + d

    @property
    def size(self) -> int:
        """Number of real parameters: ``L (4dN + d² + 2d) + 3d + 1``."""
        return self.depth * self._layer_size + 3 * self.channels + 1

    def unpack(self, theta: np.ndarray) -> tuple[list[dict[str, np.ndarray]],
                                                  dict[str, np.ndarray]]:
        """Views of ``theta`` (shape ``(size,)``): per-layer dicts and the encoder/decoder
        (``b_out`` a view of length 1).

        Raises
        ------
        InvalidParameterError
            Unless ``theta`` is a finite array of shape ``(size,)``.
        """
        require(isinstance(theta, np.ndarray) and theta.shape == (self.size,)
                and bool(np.all(np.isfinite(theta))), "theta", getattr(theta, "shape", theta),
                f"a finite array of shape ({self.size},)")
        d, N = self.channels, self.modes
        layers, at = [], 0
        for _ in range(self.depth):
            layer = {}
            for key, shape in (("p", (d, N)), ("q", (d, N)), ("c_re", (d, N)), ("c_im", (d, N)),
                               ("D", (d,)), ("W", (d, d)), ("b", (d,))):
                size = int(np.prod(shape))
                layer[key] = theta[at:at + size].reshape(shape)
                at += size
            layers.append(layer)
        head = {"w_in": theta[at:at + d], "b_in": theta[at + d:at + 2 * d],
                "w_out": theta[at + 2 * d:at + 3 * d], "b_out": theta[at + 3 * d:]}
        return layers, head

    def initial(self, rng: np.random.Generator) -> np.ndarray:
        """S4D-Lin initialization (module docstring); ``C`` complex normal of variance
        ``1/N``, ``D`` standard normal, ``W`` normal of variance ``1/d``, biases zero,
        ``w_in`` standard normal, ``w_out`` normal of variance ``1/d``.

        Raises
        ------
        InvalidParameterError
            Unless ``rng`` is a numpy Generator.
        """
        rng = generator(rng)
        theta = np.zeros(self.size)
        layers, head = self.unpack(theta)
        d, N = self.channels, self.modes
        for layer in layers:
            dt = np.exp(rng.uniform(np.log(DT_RANGE[0]), np.log(DT_RANGE[1]), (d, 1)))
            layer["p"][:] = np.log(dt / 2) * np.ones((1, N))
            layer["q"][:] = dt * np.pi * np.arange(N)[None, :]
            layer["c_re"][:] = rng.standard_normal((d, N)) / np.sqrt(2 * N)
            layer["c_im"][:] = rng.standard_normal((d, N)) / np.sqrt(2 * N)
            layer["D"][:] = rng.standard_normal(d)
            layer["W"][:] = rng.standard_normal((d, d)) / np.sqrt(d)
        head["w_in"][:] = rng.standard_normal(d)
        head["w_out"][:] = rng.standard_normal(d) / np.sqrt(d)
        return theta


def _kernel(layer: dict[str, np.ndarray], T: int) -> tuple[np.ndarray, np.ndarray]:
    """``K (d, T)`` and the powers ``E = e^{sζ} (d, N, T)``."""
    zeta = -np.exp(layer["p"]) + 1j * layer["q"]
    E = np.exp(zeta[:, :, None] * np.arange(T)[None, None, :])
    C = layer["c_re"] + 1j * layer["c_im"]
    return 2 * np.einsum("cn,cns->cs", C, E).real, E


def _conv(u: np.ndarray, kf: np.ndarray, T: int) -> np.ndarray:
    """Causal convolution along axis 1 by FFT of length ``2T`` (no wrap-around)."""
    return np.fft.irfft(np.fft.rfft(u, 2 * T, axis=1) * kf, 2 * T, axis=1)[:, :T]


def _forward(model: Model, theta: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Outputs ``ŷ (B, T)`` and the cache of every layer for :func:`_backward`."""
    layers, head = model.unpack(theta)
    T = x.shape[1]
    u = x[:, :, None] * head["w_in"] + head["b_in"]
    cache = []
    for layer in layers:
        K, E = _kernel(layer, T)
        kf = np.fft.rfft(K.T, 2 * T, axis=0)[None]  # (1, F, d)
        z = _conv(u, kf, T) + layer["D"] * u
        v = np.tanh(z @ layer["W"] + layer["b"])
        cache.append((u, z, v, E, kf))
        u = u + v
    return u @ head["w_out"] + head["b_out"], cache + [u]


def loss_and_gradient(model: Model, theta: np.ndarray, x: np.ndarray,
                      y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error ``mean((ŷ - y)²)`` over ``(B, T)`` and its gradient (module docstring).

    Raises
    ------
    InvalidParameterError
        Unless ``model`` is a :class:`Model`, ``theta`` a finite ``(model.size,)`` array and
        ``x``, ``y`` finite arrays of one shape ``(B, T)``.
    """
    require(isinstance(model, Model), "model", model, "a Model")
    for name, arr in (("x", x), ("y", y)):
        require(isinstance(arr, np.ndarray) and arr.ndim == 2 and arr.size > 0
                and bool(np.all(np.isfinite(arr))), name, getattr(arr, "shape", arr),
                "a finite non-empty array (B, T)")
    require(x.shape == y.shape, "y", y.shape, f"the shape of x {x.shape}")
    return _loss_and_gradient(model, theta, x, y)


def _loss_and_gradient(model: Model, theta: np.ndarray, x: np.ndarray,
                       y: np.ndarray) -> tuple[float, np.ndarray]:
    """:func:`loss_and_gradient` on checked arrays (the training loop's hot path)."""
    yhat, cache = _forward(model, theta, x)
    T = x.shape[1]
    err = yhat - y
    grad = np.zeros_like(theta)
    params, head = model.unpack(theta)
    grads, grad_head = model.unpack(grad)
    dy = 2 * err / err.size
    grad_head["w_out"][:] = np.einsum("bt,btc->c", dy, cache[-1])
    grad_head["b_out"][:] = np.sum(dy)
    du = dy[:, :, None] * head["w_out"]
    steps = np.arange(T)
    for k in range(model.depth - 1, -1, -1):
        layer, g = params[k], grads[k]
        u, z, v, E, kf = cache[k]
        da = du * (1 - v * v)  # through tanh; the residual path carries du unchanged
        g["W"][:] = np.einsum("btc,bte->ce", z, da)
        g["b"][:] = np.sum(da, axis=(0, 1))
        dz = da @ layer["W"].T
        g["D"][:] = np.einsum("btc,btc->c", dz, u)
        dzf = np.fft.rfft(dz, 2 * T, axis=1)
        # correlations: dK[c, s] = Σ_{b,t} dz[b,t,c] u[b,t-s,c]; du += Σ_s K[c,s] dz[b,t+s,c]
        dK = np.fft.irfft(np.sum(dzf * np.fft.rfft(u, 2 * T, axis=1).conj(), axis=0), 2 * T,
                          axis=0)[:T].T  # (d, T)
        du = du + dz * layer["D"] + np.fft.irfft(dzf * kf.conj(), 2 * T, axis=1)[:, :T]
        # K = 2 Re Σ C e^{sζ}: ∂/∂C_re = 2 Re E, ∂/∂C_im = -2 Im E, ∂/∂ζ = C s E (holomorphic)
        G = np.einsum("cs,cns->cn", dK, E)
        CH = (layer["c_re"] + 1j * layer["c_im"]) * np.einsum("cs,cns->cn", dK * steps, E)
        g["c_re"][:], g["c_im"][:] = 2 * G.real, -2 * G.imag
        g["p"][:] = -2 * CH.real * np.exp(layer["p"])  # Re ζ = -e^p
        g["q"][:] = -2 * CH.imag  # Im ζ = q
    grad_head["w_in"][:] = np.einsum("btc,bt->c", du, x)
    grad_head["b_in"][:] = np.sum(du, axis=(0, 1))
    return float(np.mean(err * err)), grad


# --------------------------------------------------------------------------- task and training
def filtered_square_task(rng: np.random.Generator, sequences: int,
                         length: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs ``x (B, T)`` i.i.d. standard normal and targets ``y = g_2 * (g_1 * x)²`` with
    ``g_1(s) = 0.8^s cos(s/2)``, ``g_2(s) = 0.9^s`` (module docstring).

    Raises
    ------
    InvalidParameterError
        Unless ``rng`` is a numpy Generator and ``sequences``, ``length`` positive integers.
    """
    rng = generator(rng)
    B, T = count(sequences, "sequences"), count(length, "length")
    x = rng.standard_normal((B, T))
    s = np.arange(T)
    g1, g2 = 0.8**s * np.cos(s / 2), 0.9**s

    def causal(u: np.ndarray, g: np.ndarray) -> np.ndarray:
        return np.array([np.convolve(row, g)[:T] for row in u])

    return x, causal(causal(x, g1) ** 2, g2)


def _parameter_count(depth: int, channels: int, modes: int) -> int:
    return Model(depth, channels, modes).size


def matched_channels(depth: int, budget: int, modes: int) -> int:
    """The channel count ``d ≥ 1`` whose model of the given depth has the parameter count
    closest to ``budget`` (the smaller ``d`` on a tie).

    Raises
    ------
    InvalidParameterError
        Unless ``depth``, ``budget`` and ``modes`` are positive integers.
    """
    depth, budget, modes = count(depth, "depth"), count(budget, "budget"), count(modes, "modes")
    best = 1
    while _parameter_count(depth, best + 1, modes) <= budget:
        best += 1
    over = best + 1
    if abs(_parameter_count(depth, over, modes) - budget) < abs(
            _parameter_count(depth, best, modes) - budget):
        return over
    return best


@dataclass(frozen=True)
class Config:
    """Settings of one run.

    Raises
    ------
    InvalidParameterError
        Unless ``depths`` is a non-empty sequence of positive integers and every other field
        is a positive integer.
    """

    depths: tuple[int, ...] = (1, 2, 3, 4)
    base_channels: int = 4
    modes: int = 4
    length: int = 48
    train: int = 96
    test: int = 192
    seeds: int = 3
    iterations: int = 400

    def __post_init__(self) -> None:
        counts(self.depths, "depths")
        for name in ("base_channels", "modes", "length", "train", "test", "seeds",
                     "iterations"):
            count(getattr(self, name), name)


#: The ``--quick`` settings: depths 1 to 4, T = 32, 48 training sequences, 2 seeds, 80 steps.
QUICK = Config(length=32, train=48, test=96, seeds=2, iterations=80)
QUICK_HELP = ("small run: depths 1 to 4, T=32, 48 training sequences, 2 seeds x 80 L-BFGS-B "
              "steps (measured on a loaded 2-core machine: about 5 s of CPU time, figure "
              "included; the full run takes about 100 s)")


@dataclass
class Row:
    """One depth: its model shape and, per seed, the final train and test errors."""

    depth: int
    channels: int
    parameters: int
    train_errors: np.ndarray
    test_errors: np.ndarray


def _normalized_error(model: Model, theta: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """``mean((ŷ - y)²) / var(y)``."""
    yhat, _ = _forward(model, theta, x)
    return float(np.mean((yhat - y) ** 2) / np.var(y))


def _train(model: Model, x: np.ndarray, y: np.ndarray, iterations: int,
           rng: np.random.Generator) -> np.ndarray:
    """L-BFGS-B from the S4D-Lin initialization; the final parameters."""
    scale = float(np.var(y))

    def f(theta: np.ndarray) -> tuple[float, np.ndarray]:
        loss, grad = _loss_and_gradient(model, theta, x, y)
        return loss / scale, grad / scale

    result = scipy.optimize.minimize(f, model.initial(rng), jac=True, method="L-BFGS-B",
                                     options={"maxiter": iterations, "ftol": 1e-15,
                                              "gtol": 1e-12})
    return result.x


def run(config: Config, seed: int) -> list[Row]:
    """Train every depth on ``config.seeds`` data sets and initializations.

    Raises
    ------
    InvalidParameterError
        If ``config`` is not a :class:`Config` or ``seed`` is not a non-negative integer.
    """
    seed = run_arguments(config, Config, seed)
    budget = _parameter_count(max(config.depths), config.base_channels, config.modes)
    streams = np.random.SeedSequence(seed).spawn(config.seeds)
    shapes = [Model(depth, matched_channels(depth, budget, config.modes), config.modes)
              for depth in config.depths]
    train: dict[int, list[float]] = {m.depth: [] for m in shapes}
    test: dict[int, list[float]] = {m.depth: [] for m in shapes}
    from threadpoolctl import threadpool_limits  # ~0.1 s: imported on first use

    with threadpool_limits(limits=1, user_api="blas"):  # small products: threads only cost
        for stream in streams:
            rng = np.random.default_rng(stream)
            x, y = filtered_square_task(rng, config.train, config.length)
            x_test, y_test = filtered_square_task(rng, config.test, config.length)
            mean, std = float(np.mean(y)), float(np.std(y))  # standardize by the training set
            y, y_test = (y - mean) / std, (y_test - mean) / std
            for model in shapes:
                theta = _train(model, x, y, config.iterations, rng)
                train[model.depth].append(_normalized_error(model, theta, x, y))
                test[model.depth].append(_normalized_error(model, theta, x_test, y_test))
    return [Row(m.depth, m.channels, m.size, np.array(train[m.depth]), np.array(test[m.depth]))
            for m in shapes]


# --------------------------------------------------------------------------- report
def _verdict(rows: list[Row]) -> str:
    """Whether the median test error of every depth ``≥ 2`` is below that of the shallowest."""
    first = min(rows, key=lambda r: r.depth)
    base = float(np.median(first.test_errors))
    deeper = [r for r in rows if r.depth > first.depth]
    below = [r.depth for r in deeper if float(np.median(r.test_errors)) < base]
    best = min(rows, key=lambda r: float(np.median(r.test_errors)))
    return (f"median test error: depth {first.depth} {base:.3g}; deeper models below it: "
            f"{len(below)} of {len(deeper)} (depths {below}); best depth {best.depth} "
            f"({float(np.median(best.test_errors)):.3g})")


def format_report(rows: list[Row], config: Config, seed: int) -> str:
    """The printed table: normalized train and test errors per depth."""
    lines = [
        "BYJL25 S4D-with-feed-forward reproduction: test error against depth, comparable "
        "parameter counts",
        PAPER_NUMBERS_NOTE,
        f"task: y = g2 * (g1 * x)^2 (standardized), g1(s) = 0.8^s cos(s/2), g2(s) = 0.9^s, "
        f"x ~ N(0,1); "
        f"T={config.length}; {config.train} training / {config.test} test sequences; "
        f"{config.modes} complex modes per channel; L-BFGS-B, {config.iterations} steps; "
        f"{config.seeds} seeds (data and initialization); seed={seed}",
        "errors: mean((y_hat - y)^2) / var(y) (1 = predicting the mean); median [min, max] "
        "over seeds",
        "",
        f"{'depth':>5}{'channels':>10}{'params':>8}{'train (median)':>16}"
        f"{'test (median)':>15}{'test [min, max]':>24}",
    ]
    for r in rows:
        span = f"[{np.min(r.test_errors):.3e}, {np.max(r.test_errors):.3e}]"
        lines.append(f"{r.depth:>5}{r.channels:>10}{r.parameters:>8}"
                     f"{np.median(r.train_errors):>16.3e}{np.median(r.test_errors):>15.3e}"
                     f"{span:>24}")
    lines += ["", _verdict(rows)]
    return "\n".join(lines)


def plot(rows: list[Row], path: Path | None = None) -> Figure:
    """Normalized test (and train) error against depth (integer ticks, log scale): medians
    with the range over seeds as error bars. Writes the PNG to ``path`` (unless ``None``) and
    returns the figure."""
    fig, ax = new_figure(1, (6.5, 5.2))
    depths = [r.depth for r in rows]
    for attr, style, label in (("test_errors", "o-", "test"), ("train_errors", "s--", "train")):
        values = [getattr(r, attr) for r in rows]
        med = np.array([np.median(v) for v in values])
        low = med - np.array([np.min(v) for v in values])
        high = np.array([np.max(v) for v in values]) - med
        ax.errorbar(depths, med, yerr=[low, high], fmt=style, capsize=3,
                    label=f"{label} (median, range over seeds)")
    ax.set_yscale("log")
    ax.set_xticks(depths)
    ax.set_xticklabels([f"{r.depth}\n($d = {r.channels}$, {r.parameters} par.)" for r in rows])
    ax.set_xlabel(r"depth $L$ (channels $d$, parameter count)")
    ax.set_ylabel(r"$\mathrm{mean}((\hat y - y)^2) \,/\, \mathrm{var}(y)$")
    ax.set_title("S4D + feed-forward, filtered-square task (suite's own numbers)")
    legend_below(ax)
    save_figure(fig, path)
    return fig


def _table_rows(rows: list[Row]) -> list[dict[str, Any]]:
    """One dict per depth (the errors of a diverged run are ``None``)."""
    return [{"depth": r.depth, "channels": r.channels, "parameters": r.parameters,
             "train_errors": [json_number(v) for v in r.train_errors],
             "test_errors": [json_number(v) for v in r.test_errors],
             "median_test_error": json_number(np.median(r.test_errors))} for r in rows]


def _finite(rows: list[Row]) -> bool:
    """Every error is finite (no run diverged)."""
    return all(bool(np.all(np.isfinite(r.train_errors)) and np.all(np.isfinite(r.test_errors)))
               for r in rows)


def _execute(config: Config, seed: int, quick: bool, path: Path) -> ExperimentRecord:
    """Run, print-format, draw; the record of :func:`reproduce`."""
    rows = run(config, seed)
    plot(rows, path)
    return ExperimentRecord(
        name=NAME, title=TITLE, seed=seed, quick=quick, settings=dataclass_settings(config),
        table=format_report(rows, config, seed), rows=_table_rows(rows),
        verdict=_verdict(rows), ok=_finite(rows), figure=str(path))


def reproduce(out_dir: str | os.PathLike[str], *, quick: bool = False,
              seed: int = 0) -> ExperimentRecord:
    """Run the experiment (the :data:`QUICK` settings when ``quick``), write
    ``out_dir/byjl25_s4d_depth.png`` and return the record (the uniform interface of
    :mod:`verify.experiments._checks`).

    ``rows``: one dict per depth with ``depth``, ``channels``, ``parameters``,
    ``train_errors`` and ``test_errors`` (per seed) and ``median_test_error``. ``ok``: no
    run diverged (every error finite); which depth wins is a finding, in ``verdict``.

    Raises
    ------
    InvalidParameterError, PlotsExtraMissing
        As :func:`~verify.experiments._checks.reproduce_arguments`, before anything runs.
    """
    out, quick, seed = reproduce_arguments(out_dir, quick, seed)
    return _execute(QUICK if quick else Config(), seed, quick, out / f"{NAME}.png")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; prints the table and writes the figure.

    Exit status 0 unless a run diverged (a non-finite error), 1 then.
    """
    parser = experiment_parser(f"python -m verify.experiments.{NAME}",
                               f"{TITLE} (qualitative reproduction).", DEFAULT_OUT, QUICK_HELP)
    args = parser.parse_args(argv)
    require_matplotlib(parser)
    return finish(_execute(QUICK if args.quick else Config(), args.seed, args.quick, args.out))


if __name__ == "__main__":
    sys.exit(main())
