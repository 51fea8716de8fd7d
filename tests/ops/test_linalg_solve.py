"""ops.linalg: inv, solve, solve_triangular, det, slogdet/logdet, cholesky, norm: values
vs NumPy float64, gradients by finite differences, corners and errors."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from tests.helpers import check_op

rng = np.random.default_rng(7)
A = (rng.standard_normal((3, 3)) + 3 * np.eye(3)).astype(np.float32)
AB = (rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)).astype(np.float32)
B2 = rng.standard_normal((3, 2)).astype(np.float32)
BB = rng.standard_normal((2, 3, 2)).astype(np.float32)
V = rng.standard_normal(3).astype(np.float32)


@pytest.mark.parametrize("x", [A, AB, np.array([[2.0]], np.float32)], ids=["2d", "batch", "1x1"])
def test_inv(x):
    check_op(ops.linalg.inv, np.linalg.inv, [x], atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("a,b", [(A, B2), (A, V), (AB, BB), (AB, B2[None])],
                         ids=["matrix", "vector", "batch", "broadcast_b"])
def test_solve(a, b):
    def ref(a, b):
        return np.linalg.solve(a, b[..., None])[..., 0] if b.ndim == 1 else np.linalg.solve(a, b)

    check_op(ops.linalg.solve, ref, [a, b], atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("b", [B2, V], ids=["matrix", "vector"])
def test_solve_triangular_reads_one_triangle(lower, b):
    tri = np.tril if lower else np.triu

    def ref(a, b):
        t = tri(a)
        return np.linalg.solve(t, b[..., None])[..., 0] if b.ndim == 1 else np.linalg.solve(t, b)

    check_op(lambda a, b: ops.linalg.solve_triangular(a, b, lower=lower), ref, [A, b],
             atol=1e-4, rtol=1e-4)
    # The other triangle is ignored: its gradient is zero.
    v = ff.Variable(A)
    with ff.GradientTape() as tape:
        loss = ops.sum(ops.linalg.solve_triangular(v, b, lower=lower))
    g = tape.gradient(loss, v).numpy()
    other = np.triu(g, 1) if lower else np.tril(g, -1)
    assert np.all(other == 0) and np.any(g != 0)


@pytest.mark.parametrize("x", [A, AB], ids=["2d", "batch"])
def test_det_and_logdet(x):
    check_op(ops.linalg.det, np.linalg.det, [x], atol=1e-3, rtol=1e-4)
    spd = x @ np.swapaxes(x, -1, -2) + np.eye(3, dtype=np.float32)
    check_op(ops.logdet, lambda a: np.linalg.slogdet(a)[1], [spd], atol=1e-4, rtol=1e-4)
    check_op(lambda a: ops.slogdet(a)[1], lambda a: np.linalg.slogdet(a)[1], [x],
             atol=1e-4, rtol=1e-4)


def test_det_gradient_at_a_singular_matrix_is_the_adjugate():
    s = np.array([[1.0, 2.0], [2.0, 4.0]], np.float32)  # rank 1: det 0, inv undefined
    v = ff.Variable(s)
    with ff.GradientTape() as tape:
        d = ops.linalg.det(v)
    assert float(d) == pytest.approx(0.0, abs=1e-6)
    adj_t = np.array([[4.0, -2.0], [-2.0, 1.0]])  # d det / dA = adj(A)^T
    np.testing.assert_allclose(tape.gradient(d, v).numpy(), adj_t, atol=1e-5)


def test_slogdet_sign_and_logdet_corners():
    sign, logabs = ops.slogdet(np.array([[0.0, 1.0], [1.0, 0.0]], np.float32))
    assert float(sign) == -1.0 and float(logabs) == pytest.approx(0.0, abs=1e-7)
    assert np.isnan(float(ops.logdet(np.array([[0.0, 1.0], [1.0, 0.0]], np.float32))))
    assert float(ops.logdet(np.zeros((2, 2), np.float32))) == -np.inf


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_values_and_gradient(upper):
    def f(b):  # through B -> B B^T + I, so the perturbations stay symmetric
        spd = ops.add(ops.matmul(b, ops.transpose(b)), np.eye(3, dtype=np.float32))
        return ops.linalg.cholesky(spd, upper=upper)

    def ref(b):
        low = np.linalg.cholesky(b @ b.T + np.eye(3))
        return low.T if upper else low

    check_op(f, ref, [A], atol=1e-4, rtol=1e-4)


def test_cholesky_batch_and_not_positive_definite():
    spd = AB @ np.swapaxes(AB, -1, -2) + np.eye(3, dtype=np.float32)
    np.testing.assert_allclose(ops.linalg.cholesky(spd).numpy(), np.linalg.cholesky(spd),
                               rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="cholesky.*positive definite"):
        ops.linalg.cholesky(-np.eye(2, dtype=np.float32))


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="inv.*square.*Received: x.shape=\\(2, 3\\)"):
        ops.linalg.inv(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="det.*Received: x.shape=\\(3,\\)"):
        ops.linalg.det(np.ones(3, np.float32))
    with pytest.raises(ValueError, match="inv: Singular matrix"):
        ops.linalg.inv(np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match="solve: `b` must have shape.*Received: b.shape=\\(4,\\)"):
        ops.linalg.solve(A, np.ones(4, np.float32))
    with pytest.raises(ValueError, match="solve.*Singular"):
        ops.linalg.solve(np.zeros((3, 3), np.float32), V)


def test_empty_batch_and_integer_input():
    assert ops.linalg.inv(np.zeros((0, 2, 2), np.float32)).shape == (0, 2, 2)
    np.testing.assert_allclose(ops.linalg.inv(np.array([[2, 0], [0, 4]], np.int32)).numpy(),
                               [[0.5, 0], [0, 0.25]])
    assert float(ops.linalg.det(np.eye(3, dtype=np.int64))) == 1.0


NORM_CASES = [
    ({}, lambda x: np.linalg.norm(x)),
    ({"axis": 1}, lambda x: np.linalg.norm(x, axis=1)),
    ({"axis": -1, "keepdims": True}, lambda x: np.linalg.norm(x, axis=-1, keepdims=True)),
    ({"ord": 1, "axis": 0}, lambda x: np.linalg.norm(x, ord=1, axis=0)),
    ({"ord": 3, "axis": 1}, lambda x: np.linalg.norm(x, ord=3, axis=1)),
    ({"ord": 0.5, "axis": 1}, lambda x: np.linalg.norm(x, ord=0.5, axis=1)),
    ({"ord": np.inf, "axis": 1}, lambda x: np.linalg.norm(x, ord=np.inf, axis=1)),
    ({"ord": -np.inf, "axis": 1}, lambda x: np.linalg.norm(x, ord=-np.inf, axis=1)),
    ({"ord": "fro"}, lambda x: np.linalg.norm(x, ord="fro")),
    ({"ord": 1}, lambda x: np.linalg.norm(x, ord=1)),
    ({"ord": -1}, lambda x: np.linalg.norm(x, ord=-1)),
    ({"ord": np.inf}, lambda x: np.linalg.norm(x, ord=np.inf)),
    ({"ord": -np.inf, "keepdims": True}, lambda x: np.linalg.norm(x, ord=-np.inf, keepdims=True)),
    ({"keepdims": True}, lambda x: np.linalg.norm(x, keepdims=True)),
]


@pytest.mark.parametrize("kwargs,ref", NORM_CASES, ids=[str(k) for k, _ in NORM_CASES])
def test_norm(kwargs, ref):
    x = np.array([[3.0, -1.0, 2.5, 0.7], [-0.3, 2.0, -1.5, 4.0], [1.2, 0.4, -2.2, 0.9]],
                 np.float32)  # distinct |values| and row/column sums: no ties in max/min
    check_op(lambda v: ops.linalg.norm(v, **kwargs), ref, [x], atol=1e-5, rtol=1e-5)


def test_norm_batched_matrix_axes_and_zero_count():
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(ops.linalg.norm(x, ord=1, axis=(1, 2)).numpy(),
                               np.linalg.norm(x, ord=1, axis=(1, 2)), rtol=1e-5)
    np.testing.assert_allclose(ops.linalg.norm(x, ord="fro", axis=(2, 0)).numpy(),
                               np.linalg.norm(x, ord="fro", axis=(2, 0)), rtol=1e-5)
    z = np.array([0.0, 2.0, 0.0, -1.0], np.float32)
    assert float(ops.linalg.norm(z, ord=0)) == 2.0
    assert float(ops.linalg.norm(np.zeros(0, np.float32))) == 0.0


def test_norm_errors():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match="matrix norm.*Received: ord='nuc'"):
        ops.linalg.norm(x, ord="nuc")
    with pytest.raises(ValueError, match="vector norm.*Received: ord='fro'"):
        ops.linalg.norm(x, ord="fro", axis=1)
    with pytest.raises(ValueError, match="1-D or 2-D.*Received: x.shape=\\(2, 3, 1\\)"):
        ops.linalg.norm(np.ones((2, 3, 1), np.float32), ord=1)
    with pytest.raises(ValueError, match="axis 2 is out of bounds.*rank 2"):
        ops.linalg.norm(x, axis=2)
    with pytest.raises(ValueError, match="pair of ints"):
        ops.linalg.norm(np.ones((2, 3, 4), np.float32), axis=(0, 1, 2))


def test_eigh_values_and_gradient():
    def f(b):  # symmetric input built from b, so finite differences stay symmetric
        a = ops.add(b, ops.transpose(b))
        w, v = ops.linalg.eigh(a)
        # eigenvectors are defined up to sign: use sign-invariant functions of them
        return ops.concatenate([w, ops.reshape(ops.square(v), (-1,))], axis=0)

    def ref(b):
        w, v = np.linalg.eigh(b + b.T)
        return np.concatenate([w, (v * v).ravel()])

    check_op(f, ref, [A], atol=1e-4, rtol=1e-3)


def test_pinv_lstsq_and_gradients():
    tall = rng.standard_normal((4, 3)).astype(np.float32)
    check_op(ops.linalg.pinv, np.linalg.pinv, [tall], atol=1e-4, rtol=1e-4)
    check_op(ops.linalg.pinv, np.linalg.pinv, [tall.T.copy()], atol=1e-4, rtol=1e-4)
    b = rng.standard_normal((4, 2)).astype(np.float32)
    check_op(ops.linalg.lstsq, lambda a, y: np.linalg.lstsq(a, y)[0], [tall, b],
             atol=1e-4, rtol=1e-4)
    deficient = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]], np.float32)  # rank 1
    np.testing.assert_allclose(ops.linalg.lstsq(deficient, np.ones(3, np.float32)).numpy(),
                               np.linalg.lstsq(deficient, np.ones(3))[0], rtol=1e-5)
    assert int(ops.linalg.matrix_rank(deficient)) == 1
    assert ops.linalg.matrix_rank(np.stack([np.eye(3), np.zeros((3, 3))])).numpy().tolist() == [3, 0]


def test_cholesky_inverse_and_gradient():
    low = np.linalg.cholesky(A @ A.T + np.eye(3)).astype(np.float32)
    for upper in (False, True):
        x = low.T.copy() if upper else low
        check_op(lambda v: ops.linalg.cholesky_inverse(v, upper=upper),
                 lambda v: np.linalg.inv(v.T @ v if upper else v @ v.T), [x],
                 atol=1e-4, rtol=1e-4)


def test_spectral_errors():
    with pytest.raises(ValueError, match="eigh.*square.*Received: x.shape=\\(2, 3\\)"):
        ops.linalg.eigh(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="pinv.*rank >= 2.*Received: x.shape=\\(3,\\)"):
        ops.linalg.pinv(np.ones(3, np.float32))
    with pytest.raises(ValueError, match="lstsq: `b` must be \\(3,\\).*Received: b.shape=\\(2,\\)"):
        ops.linalg.lstsq(np.ones((3, 2), np.float32), np.ones(2, np.float32))
