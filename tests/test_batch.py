"""Tests of verify.batch: the vectorized closed form and scan-core kernels of deep models."""

import numpy as np
import pytest
from error_reports import wrong_error_reports

from theory.numbers import InvalidParameterError, NumberKind, tolerance
from verify.batch import DeepBatch
from verify.sampling import random_deep_batch


def _single_model_mismatches(depth, width, T):
    """Where the batched kernels of a 6-model batch miss the models' own recurrences."""
    batch = random_deep_batch(np.random.default_rng(depth * 10 + width), 6, depth, width)
    closed = batch.kernel_closed_form(T)
    scanned = batch.kernel_scan(T)
    if not closed.shape == scanned.shape == (6, T):
        return [f"shapes {closed.shape}, {scanned.shape}"]
    out = []
    for i in range(6):
        ref = batch.model(i).kernel(T, "recurrence")
        scale = batch.absolute().model(i).kernel(T).real + 1e-300
        for name, got in (("closed form", closed[i]), ("scan", scanned[i])):
            if not np.all(np.abs(got - ref) <= tolerance(NumberKind.FLOAT) * scale):
                out.append(f"model {i}, {name}")
    return out


def test_batched_kernels_match_single_models():
    failures = [f"depth={depth}, width={width}, T={T}: {m}"
                for depth, width in [(1, 1), (1, 3), (2, 2), (3, 1), (4, 3)]
                for T in [0, 1, 2, 17]
                for m in _single_model_mismatches(depth, width, T)]
    assert not failures, "\n".join(failures)


def test_real_batches_stay_real():
    batch = random_deep_batch(np.random.default_rng(0), 4, 2, 2, complex_=False)
    assert not np.iscomplexobj(batch.kernel_closed_form(5))


def test_absolute_batch_bounds_kernel():
    batch = random_deep_batch(np.random.default_rng(1), 20, 3, 2)
    k = np.abs(batch.kernel_closed_form(12))
    bound = batch.absolute().kernel_closed_form(12).real
    assert np.all(k <= bound * (1 + 1e-12))


def test_batch_of_square_shape_is_read_as_diagonal():
    # n == m: the scan call must not read the (n, m) eigenvalue array as a dense matrix
    batch = random_deep_batch(np.random.default_rng(2), 3, 2, 3)
    assert isinstance(batch, DeepBatch)
    ref = np.array([batch.model(i).kernel(6) for i in range(3)])
    assert np.allclose(batch.kernel_scan(6), ref, rtol=0, atol=1e-12 * np.abs(ref).max())


def _fields(batch):
    return {"eigenvalues": batch.eigenvalues, "B1": batch.B1, "Bk": batch.Bk, "C": batch.C,
            "styles": batch.styles}


def _with_first(arr, value):
    out = np.array(arr, dtype=complex)
    out.flat[0] = value
    return out


#: ``(change, name)``: each change of valid fields must be refused naming the field.
_BAD_FIELDS = [
    (lambda f: {**f, "eigenvalues": _with_first(f["eigenvalues"], np.nan)}, "eigenvalues"),
    (lambda f: {**f, "eigenvalues": _with_first(f["eigenvalues"], 1.0)}, "eigenvalues"),
    (lambda f: {**f, "eigenvalues": f["eigenvalues"][0]}, "eigenvalues"),
    (lambda f: {**f, "B1": _with_first(f["B1"], np.inf)}, "B1"),
    (lambda f: {**f, "B1": f["B1"][:, :1]}, "B1"),
    (lambda f: {**f, "Bk": f["Bk"][:, :, :1]}, "Bk"),
    (lambda f: {**f, "C": _with_first(f["C"], np.nan)}, "C"),
    (lambda f: {**f, "styles": f["styles"][:1]}, "styles"),
]


def test_batch_validates_its_arrays():
    fields = _fields(random_deep_batch(np.random.default_rng(0), 2, 2, 2))
    DeepBatch(**fields)  # the unchanged fields are valid
    failures = wrong_error_reports(
        (f"case {i} ({name})", lambda change=change: DeepBatch(**change(fields)),
         InvalidParameterError, rf"^{name}: ") for i, (change, name) in enumerate(_BAD_FIELDS))
    assert not failures, "\n".join(failures)


def test_batch_kernels_refuse_bad_lengths():
    batch = random_deep_batch(np.random.default_rng(0), 2, 2, 2)
    failures = wrong_error_reports(
        (f"{method.__name__}({T!r})", lambda method=method, T=T: method(T),
         InvalidParameterError, "^T: ")
        for T in [-1, 2.5, np.nan, True]
        for method in (batch.kernel_closed_form, batch.kernel_scan))
    assert not failures, "\n".join(failures)


def test_batch_kernels_of_length_zero_are_empty_and_indices_are_checked():
    batch = random_deep_batch(np.random.default_rng(0), 2, 2, 2)
    assert batch.kernel_scan(0).shape == batch.kernel_closed_form(0).shape == (2, 0)
    for i in (-1, 2, 1.0):
        with pytest.raises(InvalidParameterError, match="^i: "):
            batch.model(i)
        with pytest.raises(InvalidParameterError, match="^i: "):
            batch.describe(i)


def test_deep_batch_shape_scans_with_the_output_plus_a_constant(monkeypatch):
    """The BYJL25 deep batch (200 models, l = 4, m = 16, T = 48) through the scan core: the
    Lemma 3.1 agreement, and a traced memory peak of one layer's input and output plus the
    loop's states (tracemalloc, no timing); the chunked path (the previous ``auto``) needs
    more than ten times that."""
    import tracemalloc

    from verify import scan

    batch = random_deep_batch(np.random.default_rng(5), 200, 4, 16)
    T = 48
    scale = batch.absolute().kernel_closed_form(T).real
    err = np.abs(batch.kernel_scan(T) - batch.kernel_closed_form(T))
    assert np.all(err <= tolerance(NumberKind.FLOAT) * scale)

    def peak():
        scan._SCRATCH.__dict__.clear()
        tracemalloc.start()
        try:
            batch.kernel_scan(T)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    layer = 200 * T * 16 * 16  # bytes of one layer's complex output
    bound = 2 * layer + min(layer, scan._LOOP_STATE_BYTES) + 2**20
    assert peak() <= bound
    monkeypatch.setattr(scan, "_loop_is_cheaper", lambda *args: False)
    assert peak() > 10 * bound


@pytest.mark.parametrize(("depth", "width"), [
    (1, 1), (2, 4), pytest.param(3, 2, marks=pytest.mark.extended)])  # (3, 2): ~0.4 s
def test_kernel_scan_in_group_blocks_equals_one_block(monkeypatch, depth, width):
    """The loop runs many small models in blocks of groups (``scan._loop_groups``): the same
    kernels, to a few roundings, as one block of all groups and as the models one by one."""
    from verify import scan

    batch = random_deep_batch(np.random.default_rng(depth + width), 2100, depth, width)
    T = 48
    blocked = batch.kernel_scan(T)
    assert scan._loop_groups(batch.size, width * 16, T) < batch.size  # several blocks
    monkeypatch.setattr(scan, "_LOOP_GROUP_BYTES", 2**40)
    assert scan._loop_groups(batch.size, width * 16, T) == batch.size
    whole = batch.kernel_scan(T)
    scale = batch.absolute().kernel_closed_form(T).real
    # the same steps; only BLAS may round a product of other row counts differently
    assert np.all(np.abs(blocked - whole) <= 4 * np.finfo(float).eps * scale)
    for i in (0, 1100, 2099):
        one = DeepBatch(*(x[i : i + 1] for x in (batch.eigenvalues, batch.B1, batch.Bk,
                                                 batch.C)), batch.styles[i : i + 1])
        assert np.all(np.abs(one.kernel_scan(T)[0] - blocked[i]) <= 4 * np.finfo(float).eps
                      * scale[i])


def test_loop_groups_fit_the_cache_budget_with_a_minimum_step():
    # all groups when they fit, or when not even one group's horizon fits (time sub-blocks);
    # else as many as fit, but at least _LOOP_MIN_STEP_BYTES per step
    from verify import scan

    assert (scan._LOOP_GROUP_BYTES, scan._LOOP_MIN_STEP_BYTES) == (2**19, 2**15)
    cases = [(1, 64, 10**6, 1), (10_000, 64, 48, 512), (10_000, 16, 48, 2048),
             (100, 64, 48, 100), (10_000, 2**15, 48, 10_000), (3, 2**40, 1, 3),
             (10_000, 2**10, 48, 32)]
    failures = [f"(G, step_bytes, T) = {(G, step_bytes, T)}: {got}, want {want}"
                for G, step_bytes, T, want in cases
                if (got := scan._loop_groups(G, step_bytes, T)) != want]
    assert not failures, "\n".join(failures)


def test_identity_maps_of_the_loop_copy_bit_for_bit():
    """``scan._copy_into`` (the loop's identity ``B`` or ``C``): rows copied as blocks of bytes
    when both sides are contiguous along the last axis, element by element otherwise (other
    dtype, strided rows); the same values either way, signs of zeros included."""
    from verify import scan

    rng = np.random.default_rng(9)
    H = rng.standard_normal((48, 6, 1, 3)) + 1j * rng.standard_normal((48, 6, 1, 3))
    H[0, 0, 0, 0] = complex(-0.0, -0.0)
    for src, out in [(H.transpose(1, 2, 0, 3), np.empty((6, 1, 48, 3), complex)),
                     (H.real.transpose(1, 2, 0, 3), np.empty((6, 1, 48, 3), complex)),
                     (H[..., ::2].transpose(1, 2, 0, 3), np.empty((6, 1, 48, 2), complex)),
                     (H[..., :1].transpose(1, 2, 0, 3), np.empty((6, 1, 48, 1), complex))]:
        scan._copy_into(src, out)
        assert np.array_equal(out, src) and np.signbit(out[0, 0, 0, 0].real)
