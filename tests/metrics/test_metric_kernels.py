"""The metric accumulator kernels (`_C.accuracy_update_`, `_C.confusion_update_`) called
directly: values, weight broadcasting, label dtypes and error messages."""

import numpy as np
import pytest

from pyfastfit.core._c import _C


def _state():
    return _C.from_numpy(np.zeros((), np.float32)), _C.from_numpy(np.zeros((), np.float32))


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "float32"])
def test_sparse_accuracy_label_dtypes(dtype):
    total, count = _state()
    yp = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], np.float32)
    yt = np.array([1, 1, 1], dtype)
    _C.accuracy_update_(total, count, _C.from_numpy(yt), _C.from_numpy(yp), None, "sparse")
    assert (float(np.asarray(total)), float(np.asarray(count))) == (2.0, 3.0)


def test_per_sample_and_per_value_weights():
    yp = np.array([[0.9, 0.2], [0.4, 0.7]], np.float32)
    yt = np.array([[1, 1], [0, 1]], np.float32)  # matches: [[1, 0], [1, 1]]
    total, count = _state()
    w = np.array([2.0, 1.0], np.float32)  # per sample: total = 2*0.5 + 1*1
    _C.accuracy_update_(total, count, _C.from_numpy(yt), _C.from_numpy(yp),
                        _C.from_numpy(w), "binary")
    assert (float(np.asarray(total)), float(np.asarray(count))) == (2.0, 3.0)
    total, count = _state()
    w = np.array([[1.0, 3.0], [0.0, 2.0]], np.float32)  # per value, divided by 2 per sample
    _C.accuracy_update_(total, count, _C.from_numpy(yt), _C.from_numpy(yp),
                        _C.from_numpy(w), "binary")
    assert (float(np.asarray(total)), float(np.asarray(count))) == (1.5, 3.0)


def test_top_k_ties_count_as_in():
    total, count = _state()
    yp = np.array([[0.5, 0.5, 0.5, 0.1]], np.float32)
    _C.accuracy_update_(total, count, _C.from_numpy(np.array([2])), _C.from_numpy(yp), None,
                        "sparse_top_k", 0.5, 1)
    assert float(np.asarray(total)) == 1.0


def test_accuracy_errors():
    total, count = _state()
    yp = _C.from_numpy(np.zeros((3, 2), np.float32))
    with pytest.raises(ValueError, match=r"\[accuracy_update_\] y_true has shape \(4,\)"):
        _C.accuracy_update_(total, count, _C.from_numpy(np.zeros(4, np.int64)), yp, None,
                            "sparse")
    with pytest.raises(ValueError, match="sample_weight has shape"):
        _C.accuracy_update_(total, count, _C.from_numpy(np.zeros(3, np.int64)), yp,
                            _C.from_numpy(np.ones(5, np.float32)), "sparse")
    with pytest.raises(ValueError, match="unknown kind 'nope'"):
        _C.accuracy_update_(total, count, None, yp, None, "nope")


@pytest.mark.parametrize("thresholds", [[0.2, 0.5, 0.8], [0.8, 0.2, 0.5]])
def test_confusion_sorted_and_unsorted(thresholds):
    rng = np.random.default_rng(3)
    yt = rng.integers(0, 2, 50).astype(np.int32)
    yp = rng.uniform(0, 1, 50).astype(np.float32)
    w = rng.uniform(0, 1, 50).astype(np.float32)
    acc = [np.zeros(3, np.float32) for _ in range(4)]
    _C.confusion_update_(*[_C.from_numpy(a) for a in acc], _C.from_numpy(yt),
                         _C.from_numpy(yp), _C.from_numpy(np.array(thresholds, np.float32)),
                         _C.from_numpy(w))
    for i, t in enumerate(thresholds):
        pred, lab = yp > np.float32(t), yt != 0
        want = [np.sum(w * (lab & pred)), np.sum(w * (~lab & pred)),
                np.sum(w * (~lab & ~pred)), np.sum(w * (lab & ~pred))]
        np.testing.assert_allclose([a[i] for a in acc], want, rtol=1e-5)


def test_confusion_errors():
    yp = _C.from_numpy(np.zeros(4, np.float32))
    thr = _C.from_numpy(np.array([0.5], np.float32))
    with pytest.raises(ValueError, match="y_true has shape \\(3,\\) but y_pred has shape"):
        _C.confusion_update_(None, None, None, None, _C.from_numpy(np.zeros(3, np.float32)),
                             yp, thr, None)
    with pytest.raises(ValueError, match="true_positives has 2 entries but there are 1"):
        _C.confusion_update_(_C.from_numpy(np.zeros(2, np.float32)), None, None, None,
                             _C.from_numpy(np.zeros(4, np.float32)), yp, thr, None)
