import numpy as np
import pytest

from pyfastfit.utils import pad_sequences


@pytest.mark.parametrize("padding, truncating, expected", [
    ("pre", "pre", [[0, 0, 1], [2, 3, 4], [6, 7, 8]]),
    ("post", "pre", [[1, 0, 0], [2, 3, 4], [6, 7, 8]]),
    ("pre", "post", [[0, 0, 1], [2, 3, 4], [5, 6, 7]]),
    ("post", "post", [[1, 0, 0], [2, 3, 4], [5, 6, 7]]),
])
def test_pad_and_truncate(padding, truncating, expected):
    seqs = [[1], [2, 3, 4], [5, 6, 7, 8]]
    out = pad_sequences(seqs, maxlen=3, padding=padding, truncating=truncating)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, expected)


def test_defaults_value_dtype_and_features():
    np.testing.assert_array_equal(pad_sequences([[1, 2], [3]]), [[1, 2], [0, 3]])
    out = pad_sequences([[1.5]], maxlen=2, dtype="float32", value=-1.0)
    np.testing.assert_array_equal(out, [[-1.0, 1.5]])
    out = pad_sequences([np.ones((2, 3)), np.ones((1, 3))])
    assert out.shape == (2, 2, 3) and out[1, 0].tolist() == [0, 0, 0]
    assert pad_sequences([[], [1]]).tolist() == [[0], [1]]


def test_errors():
    with pytest.raises(ValueError, match="padding='mid'"):
        pad_sequences([[1]], padding="mid")
    with pytest.raises(ValueError, match="different from expected shape"):
        pad_sequences([np.ones((1, 2)), np.ones((1, 3))])
