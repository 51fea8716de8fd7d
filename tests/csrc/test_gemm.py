"""_C.matmul (cpu::gemm) vs NumPy float64: every transpose combination, odd sizes,
split and unsplit paths, one and several threads."""

import numpy as np
import pytest

from pyfastfit.core._c import _C

SIZES = [
    (1, 1, 1), (3, 5, 7), (17, 1, 9), (1, 33, 65), (64, 784, 64), (784, 64, 64),
    (64, 64, 784), (67, 131, 95), (129, 47, 257), (31, 600, 33), (300, 20, 301),
    # Over 1e6 multiply-adds, computed as small-kernel pieces with OpenBLAS's AVX-512
    # kernels: columns split (x512, x384), rows only, 256 / 257 rows (A @ B stops at 256),
    # a long contraction, and one too long for pieces of 1e6.
    (32, 784, 512), (200, 96, 384), (256, 784, 64), (257, 784, 64), (33, 3000, 17),
    (3, 400000, 2),
]


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
@pytest.mark.parametrize("M,K,N", SIZES)
def test_matmul_transposes(threads, M, K, N, ta, tb):
    rng = np.random.default_rng(M * 1000 + K * 10 + N)
    a = rng.standard_normal((K, M) if ta else (M, K)).astype(np.float32)
    b = rng.standard_normal((N, K) if tb else (K, N)).astype(np.float32)
    out = np.asarray(_C.matmul(_C.from_numpy(a), _C.from_numpy(b), ta, tb))
    a64 = a.astype(np.float64)
    b64 = b.astype(np.float64)
    ref = (a64.T if ta else a64) @ (b64.T if tb else b64)
    assert out.shape == (M, N)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4 * np.sqrt(K))


def test_matmul_empty_contraction_gives_zeros(threads):
    out = np.asarray(_C.matmul(_C.from_numpy(np.zeros((3, 0), np.float32)),
                               _C.from_numpy(np.zeros((0, 4), np.float32))))
    np.testing.assert_array_equal(out, np.zeros((3, 4)))


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_batched_matmul(threads, ta, tb):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 40, 50) if ta else (3, 50, 40)).astype(np.float32)
    b = rng.standard_normal((3, 60, 40) if tb else (3, 40, 60)).astype(np.float32)
    out = np.asarray(_C.matmul(_C.from_numpy(a), _C.from_numpy(b), ta, tb))
    aa = np.swapaxes(a, -1, -2) if ta else a
    bb = np.swapaxes(b, -1, -2) if tb else b
    np.testing.assert_allclose(out, aa.astype(np.float64) @ bb.astype(np.float64),
                               rtol=1e-4, atol=1e-3)


def test_matmul_shape_error():
    a = _C.from_numpy(np.ones((2, 3), np.float32))
    b = _C.from_numpy(np.ones((4, 5), np.float32))
    with pytest.raises(ValueError, match=r"contraction sizes 3 and 4 differ"):
        _C.matmul(a, b)
