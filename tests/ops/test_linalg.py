"""matmul / dot: NumPy semantics (1-D promotion, batch broadcasting) and gradients."""

import numpy as np
import pytest

from pyfastfit import ops
from tests.helpers import check_op

CASES = [
    ((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((4,), (4, 5)),
    ((3, 4), (4,)), ((4,), (4,)), ((3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)),
    ((1, 3, 4), (2, 4, 5)), ((2, 3, 4), (4,)), ((0, 3), (3, 2)), ((3, 0), (0, 2)),
]


@pytest.mark.parametrize("sa,sb", CASES, ids=str)
def test_matmul_matches_numpy(sa, sb):
    a = np.random.uniform(-1, 1, sa).astype(np.float32)
    b = np.random.uniform(-1, 1, sb).astype(np.float32)
    check_op(ops.matmul, np.matmul, [a, b], atol=1e-5, rtol=1e-5,
             grad=a.size > 0 and b.size > 0)


def test_matmul_int_inputs_and_operator():
    a = np.arange(6).reshape(2, 3)
    b = np.ones((3, 2), "int32")
    out = ops.matmul(a, b)
    assert out.dtype == "float32"
    np.testing.assert_array_equal(np.asarray(out), a @ b)
    np.testing.assert_array_equal(np.asarray(ops.dot(a, b)), a @ b)


def test_matmul_errors():
    with pytest.raises(ValueError, match="contraction sizes 4 and 5 differ"):
        ops.matmul(np.ones((3, 4), "float32"), np.ones((5, 2), "float32"))
    with pytest.raises(ValueError, match="batch dimensions of shapes"):
        ops.matmul(np.ones((2, 3, 4), "float32"), np.ones((3, 4, 5), "float32"))
