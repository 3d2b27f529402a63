"""Tests of :func:`verify.scan.scan_stream`: a scan whose input arrives as a stream of blocks.

The stream must give the whole-array scan (every path, uneven blocks), carry the state exactly
as :func:`verify.scan.scan_blocks` does, refuse a bad block naming its index, and keep its
memory bounded by the block, not by ``T``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from bad_input_cases import check_every_case
from hypothesis import strategies as st
from strategies import example_budgets, run_examples
from test_scan import _peak_bytes

from theory.linear import UnstableModelError
from theory.numbers import InvalidParameterError, NumberKind, tolerance
from verify.scan import linear_scan, scan_blocks, scan_stream

TOL = tolerance(NumberKind.FLOAT)  # eps^0.8 relative to the magnitude bound, as tests/test_scan
KINDS = ["real-diagonal", "complex-diagonal", "real-dense", "complex-dense"]
UNEVEN = [1, 7, 16, 33, 100, 5, 64, 274]  # T = 500: shorter and longer than a chunk, odd sizes


def model(rng, kind, m=4, d=2, p=3):
    """A stable model with ``D``; a dense ``A`` has absolute row sums 0.9 (so ρ(|A|) < 1)."""
    complex_ = kind.startswith("complex")

    def draw(shape):
        z = rng.standard_normal(shape)
        return z + 1j * rng.standard_normal(shape) if complex_ else z

    if kind.endswith("dense"):
        A = draw((m, m))
        A *= 0.9 / np.abs(A).sum(axis=1).max()
    else:
        A = 0.9 * rng.uniform(0, 1, m) * (np.exp(2j * np.pi * rng.random(m)) if complex_
                                          else rng.choice([-1, 1], m))
    return A, draw((m, d)), draw((p, m)), draw((p, d))


def magnitude(A, B, C, x, D):
    """Per-sequence bound of every partial sum: the scan of the absolute values."""
    y = linear_scan(np.abs(A), np.abs(B), np.abs(C), np.abs(x), np.abs(D), method="sequential")
    return np.abs(y).max(axis=-2)


def assert_close(y, ref, scale):
    """``max_t |y - ref| ≤ TOL · scale`` for every sequence."""
    assert y.shape == ref.shape
    err = np.abs(y - ref).max(axis=-2)
    assert np.all(err <= TOL * scale), f"error {err.max():.3e} > {TOL:.1e} · scale"


def split(x, sizes):
    """``x`` cut along its time axis into consecutive blocks of ``sizes``."""
    assert sum(sizes) == x.shape[-2]
    return np.split(x, np.cumsum(sizes)[:-1], axis=-2)


def streamed(A, B, C, blocks, D=None, **kwargs):
    """The output blocks of the stream, joined along time."""
    return np.concatenate(list(scan_stream(A, B, C, iter(blocks), D, **kwargs)), axis=-2)


# ----------------------------------------------------------------------------------------------
# the stream equals the whole-array scan
# ----------------------------------------------------------------------------------------------


def test_uneven_blocks_give_the_whole_array_scan():
    check_every_case(check_uneven_blocks,
                     itertools.product(KINDS, ("auto", "chunked", "sequential")))


def check_uneven_blocks(kind, method):
    rng = np.random.default_rng(KINDS.index(kind))
    A, B, C, D = model(rng, kind)
    x = rng.standard_normal((3, 500, 2))
    parts = list(scan_stream(A, B, C, iter(split(x, UNEVEN)), D, method=method, chunk=16))
    assert [y.shape for y in parts] == [(3, K, 3) for K in UNEVEN]  # one output per input block
    y = np.concatenate(parts, axis=-2)
    scale = magnitude(A, B, C, x, D)
    assert_close(y, linear_scan(A, B, C, x, D, method=method, chunk=16), scale)
    assert_close(y, linear_scan(A, B, C, x, D, method="reference").astype(y.dtype), scale)


def test_blocks_of_whole_chunks_carry_the_state_as_scan_blocks():
    """Blocks that are multiples of the chunk stay chunked: the outputs of scan_blocks, bit for
    bit (the same chunk products, the same state rounded once per block)."""
    check_every_case(check_whole_chunks, [(kind,) for kind in KINDS])


def check_whole_chunks(kind):
    rng = np.random.default_rng(10 + KINDS.index(kind))
    A, B, C, D = model(rng, kind)
    x = rng.standard_normal((2, 640, 2))
    ours = list(scan_stream(A, B, C, split(x, [64] * 10), D, method="chunked", chunk=16))
    theirs = list(scan_blocks(A, B, C, x, D, block=64, method="chunked", chunk=16))
    assert len(ours) == len(theirs) == 10
    # scan_blocks knows its last block is the last and skips the end state; nothing else differs
    assert all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=True))


def test_a_chunked_block_hands_its_tail_to_the_loop():
    """A block of 2 chunks + 5 steps: its whole chunks run chunked, the 5 steps in the loop;
    a negative control shows that dropping the carried state would be caught."""
    rng = np.random.default_rng(20)
    A, B, C, D = model(rng, "complex-diagonal")
    x = rng.standard_normal((37 + 40, 2))
    y = streamed(A, B, C, split(x, [37, 40]), D, method="chunked", chunk=16)
    scale = magnitude(A, B, C, x, D)
    assert_close(y, linear_scan(A, B, C, x, D, method="reference").astype(y.dtype), scale)
    fresh = np.concatenate([linear_scan(A, B, C, x[:37], D), linear_scan(A, B, C, x[37:], D)])
    assert not np.all(np.abs(fresh - y).max(axis=-2) <= TOL * scale)


# 30 examples before the profile-scaled budgets: ``full`` keeps at least as many (0.6 of the
# profile's 50 or 100), the default run a quarter of that.
@example_budgets(0.15, 0.6)
def test_any_partition_of_time_gives_the_whole_array_scan(examples):
    run_examples(examples, check_partition,
                 sizes=st.lists(st.integers(1, 70), min_size=1, max_size=8),
                 kind=st.sampled_from(KINDS),
                 method=st.sampled_from(["auto", "chunked", "sequential"]),
                 seed=st.integers(0, 2**16))


def check_partition(sizes, kind, method, seed):
    rng = np.random.default_rng(seed)
    A, B, C, D = model(rng, kind, m=3, d=2, p=2)
    x = rng.standard_normal((2, sum(sizes), 2))
    y = streamed(A, B, C, split(x, sizes), D, method=method, chunk=8)
    ref = linear_scan(A, B, C, x, D, method="reference").astype(y.dtype)
    assert_close(y, ref, magnitude(A, B, C, x, D))


def test_reference_method_streams_in_extended_precision():
    rng = np.random.default_rng(21)
    A, B, C, D = model(rng, "real-diagonal")
    x = rng.standard_normal((50, 2))
    y = streamed(A, B, C, split(x, [20, 30]), D, method="reference")
    assert y.dtype == np.longdouble
    assert np.array_equal(y, linear_scan(A, B, C, x, D, method="reference"))


def test_parameter_batches_broadcast_against_the_blocks():
    """Two models (batch axis of the parameters) × the blocks' own batch axis of 3."""
    rng = np.random.default_rng(22)
    A = 0.8 * rng.uniform(-1, 1, (2, 1, 4))
    B, C = rng.standard_normal((2, 1, 4, 2)), rng.standard_normal((2, 1, 3, 4))
    x = rng.standard_normal((3, 90, 2))
    parts = list(scan_stream(A, B, C, split(x, [40, 50])))
    assert [y.shape for y in parts] == [(2, 3, 40, 3), (2, 3, 50, 3)]
    whole = linear_scan(A, B, C, x)
    assert np.allclose(np.concatenate(parts, axis=-2), whole, rtol=0, atol=1e-12)


def test_an_empty_batch_streams_empty_blocks():
    A, B, C, _ = model(np.random.default_rng(23), "real-diagonal")
    parts = list(scan_stream(A, B, C, [np.ones((0, 5, 2)), np.ones((0, 3, 2))]))
    assert [y.shape for y in parts] == [(0, 5, 3), (0, 3, 3)]


def test_a_memoryless_layer_streams():
    rng = np.random.default_rng(24)
    _, B, C, D = model(rng, "real-diagonal")
    x = rng.standard_normal((30, 2))
    y = streamed(np.zeros(4), B, C, split(x, [10, 20]), D)
    assert np.allclose(y, x @ (C @ B + D).T, rtol=0, atol=1e-13)


def test_the_stream_is_lazy():
    """Each output block is yielded before the next input block is read."""
    rng = np.random.default_rng(25)
    A, B, C, D = model(rng, "real-dense")
    read = []

    def blocks():
        for i in range(4):
            read.append(i)
            yield rng.standard_normal((16, 2))

    stream = scan_stream(A, B, C, blocks(), D)
    assert read == []  # nothing is read on calling
    for i, _ in enumerate(stream):
        assert read == list(range(i + 1))


# ----------------------------------------------------------------------------------------------
# bad input: on calling, and block by block
# ----------------------------------------------------------------------------------------------


GOOD = model(np.random.default_rng(30), "real-diagonal")


def _blocks(*shapes, dtype=float):
    return [np.ones(shape, dtype=dtype) for shape in shapes]


BAD_BLOCKS = [
    ([np.ones((4, 2)), np.ones((4, 2)), np.array([[1.0, np.nan]] * 3)], 2, "finite"),
    ([np.ones((4, 2)), np.array([[np.inf, 0.0]])], 1, "finite"),
    (_blocks((4, 2), (4, 3)), 1, "d = 2"),
    (_blocks((3, 4, 2), (2, 4, 2)), 1, r"shape \(3, K, 2\) of blocks\[0\]"),
    (_blocks((4, 2), (3, 4, 2)), 1, r"shape \(K, 2\) of blocks\[0\]"),
    (_blocks((4, 2), (0, 2)), 1, "at least one time step"),
    (_blocks((0, 2)), 0, "at least one time step"),
    (_blocks((4, 2), (4,)), 1, "expected shape"),
    ([np.ones((4, 2)), np.ones((4, 2)) + 1j], 1, "complex entries after real"),
    ([np.ones((4, 2)) + 1j, np.ones((4, 2))], 1, "real entries after complex"),
    ([np.ones((4, 2)), np.array([["a", "b"]])], 1, "numbers"),
    ([np.ones((4, 2)), np.ones((4, 2), dtype=bool)], 1, "numbers"),
]


def test_a_bad_block_is_refused_with_its_index():
    def check(blocks, index, match):
        stream = scan_stream(*GOOD[:3], iter(blocks), GOOD[3], method="chunked", chunk=4)
        for _ in range(index):  # the blocks before the bad one are scanned and yielded
            next(stream)
        with pytest.raises(InvalidParameterError, match=rf"^blocks\[{index}\]: .*{match}"):
            next(stream)

    check_every_case(check, BAD_BLOCKS)


def test_float32_and_integer_blocks_follow_the_dtype_rules():
    A, B, C, D = GOOD
    blocks = [np.ones((4, 2), dtype=np.float32), np.ones((3, 2), dtype=np.int64)]
    parts = list(scan_stream(A, B, C, blocks, D))
    assert all(y.dtype == np.float64 for y in parts)
    same = scan_stream(A, B, C, [np.ones((4, 2)), np.ones((3, 2))], D)  # converted exactly
    assert all(np.array_equal(a, b) for a, b in zip(parts, same, strict=True))


def test_an_empty_stream_is_refused_when_it_ends():
    stream = scan_stream(*GOOD[:3], iter([]))
    with pytest.raises(InvalidParameterError, match=r"^blocks: the stream ended without"):
        next(stream)


BAD_ARGUMENTS = [
    ({"blocks": np.ones((4, 2))}, "^blocks: .*ndarray"),
    ({"blocks": "abc"}, "^blocks: .*str"),
    ({"blocks": 5}, "^blocks: expected an iterable"),
    ({"method": "bogus"}, "^method:"),
    ({"chunk": 0}, "^chunk:"),
    ({"diagonal": "yes"}, "^diagonal:"),
    ({"D": np.ones((3, 3))}, "^D:"),
    ({"A": np.array([0.5, np.nan, 0.1, 0.2])}, "^A:"),
]


def test_bad_arguments_are_refused_on_calling():
    """Options, parameters and the type of ``blocks`` are checked before any block is read."""
    def check(kwargs, match):
        args = {"A": GOOD[0], "B": GOOD[1], "C": GOOD[2], "D": GOOD[3],
                "blocks": _never_read()} | kwargs
        with pytest.raises(InvalidParameterError, match=match):
            scan_stream(**args)

    check_every_case(check, BAD_ARGUMENTS)


def test_an_unstable_model_is_refused_on_calling():
    with pytest.raises(UnstableModelError, match="^A:"):
        scan_stream(np.array([1.0, 0.5, 0.1, 0.2]), *GOOD[1:3], _never_read())


def _never_read():
    def gen():
        raise AssertionError("a block was read although the arguments are bad")
        yield  # pragma: no cover

    return gen()


# ----------------------------------------------------------------------------------------------
# memory
# ----------------------------------------------------------------------------------------------


# The loop's streamed peak (1.2 MB) needs the long run to show the margin of 5 to the whole
# output, and the loop takes 3/4 of the cost: it runs under ``extended``.
@pytest.mark.parametrize("method", ["chunked", pytest.param("sequential",
                                                            marks=pytest.mark.extended)])
def test_memory_is_bounded_by_the_block_not_by_T(method):
    """Streaming 4x more steps of generated blocks needs no more memory (tracemalloc, no
    timing); the whole-array scan needs its whole input and output."""
    rng = np.random.default_rng(40)
    A, B, C, D = model(rng, "complex-diagonal", m=16, d=4, p=4)

    def blocks(T, K=256):
        gen = np.random.default_rng(41)
        for _ in range(T // K):
            yield gen.standard_normal((8, K, 4))

    def stream(T):
        for _ in scan_stream(A, B, C, blocks(T), D, method=method):
            pass

    short, long = _peak_bytes(lambda: stream(4096)), _peak_bytes(lambda: stream(16384))
    assert long <= short + 64 * 1024  # independent of T, up to bookkeeping
    block_output = 8 * 256 * 4 * 16  # one output block, complex
    assert long <= 40 * block_output
    x = np.concatenate(list(blocks(16384)), axis=-2)
    whole = _peak_bytes(lambda: linear_scan(A, B, C, x, D, method=method))
    assert whole >= 8 * 16384 * 4 * 16 > 5 * long  # the whole output alone
