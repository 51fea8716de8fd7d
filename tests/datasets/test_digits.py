import numpy as np
import pytest

from pyfastfit.datasets import digits


def test_full_arrays():
    x, y = digits.load_data(split=False)
    assert x.shape == (1797, 8, 8) and y.shape == (1797,)
    assert x.dtype == np.uint8 and y.dtype == np.uint8
    assert x.min() == 0 and x.max() == 16
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    # First image of the UCI file (a zero), row by row.
    np.testing.assert_array_equal(x[0, 0], [0, 0, 5, 13, 9, 1, 0, 0])
    assert y[0] == 0


def test_split_is_a_seeded_partition():
    x, y = digits.load_data(split=False)
    (x_tr, y_tr), (x_te, y_te) = digits.load_data()
    assert len(x_tr) == 1438 and len(x_te) == 359
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == sorted(y.tolist())
    (x_tr2, _), _ = digits.load_data()
    np.testing.assert_array_equal(x_tr, x_tr2)
    (x_tr3, _), (x_te3, _) = digits.load_data(test_split=0.5, seed=1)
    assert len(x_te3) == 898 and not np.array_equal(x_tr3[:10], x_tr[:10])


def test_bad_test_split():
    with pytest.raises(ValueError, match="test_split=1.5"):
        digits.load_data(test_split=1.5)


def test_corrupt_file_is_detected(tmp_path, monkeypatch):
    bad = tmp_path / "digits.csv.gz"
    bad.write_bytes(digits.DATA_FILE.read_bytes()[:-10])
    monkeypatch.setattr(digits, "DATA_FILE", bad)
    with pytest.raises(ValueError, match="corrupt"):
        digits.load_data()


def test_licence_and_checksum_are_documented_next_to_the_file():
    readme = (digits.DATA_FILE.parent / "README.md").read_text()
    assert "CC BY 4.0" in readme and digits.SHA256 in readme
