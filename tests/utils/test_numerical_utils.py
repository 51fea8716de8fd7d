import numpy as np
import pytest

from pyfastfit import utils


@pytest.mark.parametrize("labels, num_classes, shape", [
    ([0, 2, 1], 3, (3, 3)),
    ([0, 2, 1], None, (3, 3)),
    ([[1], [3]], 5, (2, 5)),          # trailing axis of size 1 is dropped
    ([[0, 1], [1, 0]], 2, (2, 2, 2)),
    ([], 4, (0, 4)),
])
def test_to_categorical(labels, num_classes, shape):
    out = utils.to_categorical(labels, num_classes)
    assert out.shape == shape and out.dtype == np.float32
    flat = np.asarray(labels, dtype=np.int64).reshape(-1)
    expected = np.eye(shape[-1], dtype=np.float32)[flat].reshape(shape)
    np.testing.assert_array_equal(out, expected)


def test_to_categorical_accepts_float_integers_and_tensors():
    import pyfastfit

    np.testing.assert_array_equal(utils.to_categorical(np.array([1.0, 0.0])), [[0, 1], [1, 0]])
    t = pyfastfit.ops.convert_to_tensor(np.array([2, 0], dtype="int32"))
    np.testing.assert_array_equal(utils.to_categorical(t, 3), [[0, 0, 1], [1, 0, 0]])


def test_to_categorical_errors():
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\).*\[0, 3\]"):
        utils.to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        utils.to_categorical([-1, 1], num_classes=3)
    with pytest.raises(ValueError, match="integer class labels"):
        utils.to_categorical([0.5, 1.0])


def test_normalize():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(utils.normalize(x), [[0.6, 0.8], [0, 0], [1, 0]])
    np.testing.assert_allclose(utils.normalize(x, axis=0), x / np.linalg.norm(x, axis=0))
    np.testing.assert_allclose(utils.normalize(x, order=1)[0], [3 / 7, 4 / 7])
