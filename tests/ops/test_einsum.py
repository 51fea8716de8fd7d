"""ops.einsum: values vs np.einsum (ellipses, implicit output, broadcasting, several
operands), gradients by finite differences, errors."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from tests.helpers import check_op

rng = np.random.default_rng(11)
A = rng.standard_normal((2, 3, 4)).astype(np.float32)
B = rng.standard_normal((4, 5)).astype(np.float32)
C = rng.standard_normal((5, 2)).astype(np.float32)

CASES = [
    ("bij,jk->bik", [A, B]),
    ("...j,jk", [A, B]),  # implicit output, ellipsis
    ("bij,bkj->bik", [A, A]),  # attention-style batched product
    ("ij,jk,kl->il", [A[0], B, C]),
    ("ijk->", [A]),
    ("ijk->kji", [A]),
    ("bij->j", [A]),  # summed-away axes: the gradient broadcasts back
    ("i,j->ij", [B[:, 0], C[:, 1]]),
    ("...ij,...jk->...ik", [A, rng.standard_normal((1, 4, 2)).astype(np.float32)]),
    ("bij,k->bik", [A, C[:, 0]]),  # k lives in one operand only
]


def _np_einsum(spec, *args):
    # NumPy's own OpenBLAS (AVX-512 kernels) sometimes raises the invalid-value flag on
    # a rank-1 matmul with finite inputs and outputs ("bij,k->bik"; seen only in the full
    # suite, as it depends on what the kernel's unused lanes hold). The values are still
    # compared, so a real NaN would fail the test.
    with np.errstate(invalid="ignore"):
        return np.einsum(spec, *args)


@pytest.mark.parametrize("spec,args", CASES, ids=[c[0] for c in CASES])
def test_einsum_values_and_gradients(spec, args):
    check_op(lambda *a: ops.einsum(spec, *a), lambda *a: _np_einsum(spec, *a), args,
             atol=1e-4, rtol=1e-4)


def test_einsum_integer_inputs_and_diagonal_forward():
    np.testing.assert_allclose(ops.einsum("ij,j", np.ones((2, 3), np.int32),
                                          np.arange(3)).numpy(), [3.0, 3.0])
    assert float(ops.einsum("ii", np.diag([1.0, 2.0, 3.0]))) == 6.0
    assert ops.numpy.einsum is ops.einsum


def test_einsum_errors():
    with pytest.raises(ValueError, match="name 2 operand\\(s\\) but 1 were given"):
        ops.einsum("ij,jk", A[0])
    with pytest.raises(ValueError, match="'ij' do not match an operand of rank 3"):
        ops.einsum("ij", A)
    with pytest.raises(ValueError, match="einsum: .*Received: subscripts='ij,jk'"):
        ops.einsum("ij,jk", A[0], A[0])  # j: 4 vs 3
    with pytest.raises(ValueError, match="must be letters"):
        ops.einsum("i1", A[0, 0])
    with pytest.raises(TypeError, match="`subscripts` must be a string"):
        ops.einsum(None, A)
    v = ff.Variable(np.eye(2, dtype=np.float32))
    with ff.GradientTape():
        with pytest.raises(ValueError, match="repeated subscript.*'ii'"):
            ops.einsum("ii", v)
