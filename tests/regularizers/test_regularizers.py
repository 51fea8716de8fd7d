import numpy as np
import pytest

from pyfastfit import regularizers

W = np.array([[1.0, -2.0], [0.5, 3.0]], "float32")


def test_values():
    np.testing.assert_allclose(float(regularizers.L1(0.1)(W)), 0.65, rtol=1e-6)
    np.testing.assert_allclose(float(regularizers.L2(0.1)(W)), 1.425, rtol=1e-6)
    np.testing.assert_allclose(float(regularizers.L1L2(0.1, 0.1)(W)), 2.075, rtol=1e-6)


def test_get_and_config():
    assert isinstance(regularizers.get("l2"), regularizers.L2)
    assert regularizers.get("l1").l1 == 0.01
    r = regularizers.deserialize(regularizers.serialize(regularizers.L1L2(0.2, 0.3)))
    assert (r.l1, r.l2) == (0.2, 0.3)
    assert regularizers.get(None) is None
    with pytest.raises(ValueError, match="l1_l2"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="l2=-1"):
        regularizers.L2(-1)
