"""The optional peers of ``benchmarks/bench_scan.py`` (``benchmarks/peers.py``) compute what the
scan core computes; each case is skipped when its package (extra ``bench``) is not installed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from verify.sampling import random_deep_batch
from verify.scan import linear_scan, max_relative_error

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "peers.py"


@pytest.fixture(scope="module")
def peers():
    spec = importlib.util.spec_from_file_location("bench_peers", _PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_peers", module)
    spec.loader.exec_module(module)
    return module


def _deep_reference(batch, T: int) -> np.ndarray:
    eye = np.eye(batch.width)
    x = np.zeros((batch.size, T, 1))
    x[:, 0, 0] = 1.0
    h = linear_scan(batch.eigenvalues[:, 0], batch.B1[:, :, None], eye, x, diagonal=True,
                    method="reference")
    for k in range(1, batch.depth):
        h = linear_scan(batch.eigenvalues[:, k], batch.Bk[:, k - 1], eye, h, diagonal=True,
                        method="reference")
    return h


@pytest.mark.extended  # jax's import and both compilations take tens of seconds
@pytest.mark.parametrize("package", ["jax", "numba"])
def test_peers_agree_with_the_core(peers, package):
    pytest.importorskip(package)
    rng = np.random.default_rng(3)
    m, T = 6, 64
    lam = rng.uniform(0.5, 0.99, m) * np.exp(2j * np.pi * rng.random(m))
    B = rng.standard_normal((m, 1)) + 0j
    C = rng.standard_normal((1, m)) + 0j
    x = rng.standard_normal((3, T, 1))
    ref = linear_scan(lam, B, C, x, method="reference")
    diagonal = peers.diagonal_peers(lam, B, C, x)[package]
    assert max_relative_error(diagonal(), ref) < 1e-13
    batch = random_deep_batch(rng, 5, 3, 4)
    name = {"jax": "jax assoc scan", "numba": "numba loop"}[package]
    deep = peers.deep_peers(batch.eigenvalues, batch.B1, batch.Bk, 24)[name]
    out = deep()
    assert out.shape == (5, 24, 4)
    assert max_relative_error(out, _deep_reference(batch, 24)) < 1e-12
    # a broken peer is seen: the same check rejects a deep batch with one coupling changed
    batch.Bk[0, 0, 0, 0] += 1
    assert max_relative_error(out, _deep_reference(batch, 24)) > 1e-6


def test_peers_are_absent_without_their_packages(peers, monkeypatch):
    monkeypatch.setattr(peers, "_import", lambda name: None)
    x = np.zeros((1, 4, 1))
    assert peers.diagonal_peers(np.zeros(2), np.ones((2, 1)), np.ones((1, 2)), x) == {}
    assert peers.deep_peers(np.zeros((1, 2, 2)), np.ones((1, 2)), np.ones((1, 1, 2, 2)), 4) == {}
