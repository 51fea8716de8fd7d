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


def _scalar(x=0.0):
    return _C.from_numpy(np.array(x, np.float32))


@pytest.mark.parametrize("w_shape", [None, (), (1,), (6,), (6, 4)])
def test_sum_update_matches_numpy(w_shape):
    rng = np.random.default_rng(1)
    v = rng.normal(size=(6, 4)).astype(np.float32)
    w = None if w_shape is None else rng.uniform(size=w_shape).astype(np.float32)
    total = _scalar(1.0)
    _C.sum_update_(total, _C.from_numpy(v), None if w is None else _C.from_numpy(w))
    wb = 1.0 if w is None else np.asarray(w, np.float64).reshape(
        w.shape + (1,) * (2 - w.ndim) if w.ndim else ())
    np.testing.assert_allclose(float(np.asarray(total)), 1.0 + (v * wb).sum(), rtol=1e-5)


def test_sum_update_empty_nan_and_errors():
    total = _scalar(2.0)
    _C.sum_update_(total, _C.from_numpy(np.zeros((0, 3), np.float32)), None)
    assert float(np.asarray(total)) == 2.0
    _C.sum_update_(total, _C.from_numpy(np.array([1.0, np.nan], np.float32)), None)
    assert np.isnan(float(np.asarray(total)))
    with pytest.raises(ValueError, match=r"\[sum_update_\] sample_weight has shape \(4,\)"):
        _C.sum_update_(_scalar(), _C.from_numpy(np.zeros(6, np.float32)),
                       _C.from_numpy(np.ones(4, np.float32)))
    with pytest.raises(ValueError, match=r"\[sum_update_\] total must be a scalar"):
        _C.sum_update_(_C.from_numpy(np.zeros(2, np.float32)),
                       _C.from_numpy(np.zeros(2, np.float32)), None)


@pytest.mark.parametrize("total,count,expect", [
    (3.0, 2.0, 1.5), (0.0, 0.0, 0.0), (5.0, 0.0, 0.0), (np.nan, 0.0, 0.0),
    (np.nan, 1.0, np.nan), (np.inf, 2.0, np.inf), (-1.0, 4.0, -0.25),
])
def test_mean_result_is_divide_no_nan(total, count, expect):
    t, c = _scalar(total), _scalar(count)
    r = _C.mean_result(t, c)
    assert r.shape == () and r.dtype == "float32"
    np.testing.assert_array_equal(np.asarray(r), np.float32(expect))
    assert not r.shares_memory_with(t)
    copy = _C.mean_result(t, None)
    np.testing.assert_array_equal(np.asarray(copy), np.float32(total))
    assert not copy.shares_memory_with(t)


def test_mean_result_is_elementwise_on_vectors():
    tp = np.array([3.0, 0.0, 2.0, np.nan, 0.0], np.float32)
    den = np.array([4.0, 0.0, 0.0, 0.0, 5.0], np.float32)
    r = _C.mean_result(_C.from_numpy(tp), _C.from_numpy(den))
    want = np.where(den != 0, tp.astype(np.float64) / np.where(den != 0, den, 1), 0.0)
    assert r.shape == (5,)
    np.testing.assert_array_equal(np.asarray(r), want.astype(np.float32))
    empty = _C.mean_result(_C.from_numpy(np.zeros(0, np.float32)), None)
    assert empty.shape == (0,)


def test_mean_result_checks_its_state():
    with pytest.raises(ValueError, match=r"\[mean_result\] count has shape \(2,\) but "
                                         r"total has shape \(\)"):
        _C.mean_result(_scalar(), _C.from_numpy(np.zeros(2, np.float32)))
    with pytest.raises(ValueError, match=r"\[mean_result\] total"):
        _C.mean_result(_C.from_numpy(np.zeros((), np.int32)), None)


def _ref_matches(kind, yt, yp, threshold=0.5, k=5):
    yp = yp.astype(np.float64)
    if kind == "exact":
        return yt.astype(np.float64) == yp
    if kind == "binary":
        return yt.astype(np.float64) == (yp > threshold)
    if kind == "categorical":
        return yt.argmax(-1) == yp.argmax(-1)
    if kind == "sparse":
        return yt.astype(np.float64) == yp.argmax(-1)
    labels = yt.argmax(-1) if kind == "top_k" else yt
    tv = np.take_along_axis(yp, labels[..., None], -1)
    return ((yp > tv).sum(-1) < k) & np.isfinite(tv[..., 0])


@pytest.mark.parametrize("kind", ["exact", "binary", "categorical", "sparse", "top_k",
                                  "sparse_top_k"])
@pytest.mark.parametrize("shape", [(1, 1), (7, 4), (3, 2, 5), (0, 3)])
def test_accuracy_matches_match_numpy(kind, shape):
    rng = np.random.default_rng(5)
    yp = rng.normal(size=shape).astype(np.float32)
    if yp.size:
        yp.flat[0] = np.nan  # NaN wins argmax (as NumPy) and is never in the top k
        yp.reshape(-1, shape[-1])[-1, :] = 0.25  # a row of ties
    c = shape[-1]
    if kind in ("sparse", "sparse_top_k"):
        yt = rng.integers(0, c, size=shape[:-1])
    elif kind in ("exact", "binary"):
        yt = rng.integers(0, 2, size=shape).astype(np.float32)
        if kind == "exact":
            yp = np.where(rng.uniform(size=shape) < 0.5, yt, yp).astype(np.float32)
    else:
        yt = np.eye(c, dtype=np.float32)[rng.integers(0, c, size=shape[:-1])]
    k = 2
    out = _C.accuracy_matches(_C.from_numpy(yt), _C.from_numpy(yp), kind, 0.5, k)
    ref = _ref_matches(kind, yt, yp, 0.5, k)
    assert out.dtype == "float32" and out.shape == ref.shape
    np.testing.assert_array_equal(np.asarray(out), ref.astype(np.float32))


def test_accuracy_matches_errors():
    yp = _C.from_numpy(np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match=r"\[accuracy_matches\] y_true has shape \(4,\)"):
        _C.accuracy_matches(_C.from_numpy(np.zeros(4, np.int64)), yp, "sparse")
    with pytest.raises(ValueError, match=r"\[accuracy_matches\] kind 'values' has no"):
        _C.accuracy_matches(yp, yp, "values")
    with pytest.raises(ValueError, match=r"\[accuracy_matches\] y_pred must have a class"):
        _C.accuracy_matches(_C.from_numpy(np.zeros((), np.int64)),
                            _C.from_numpy(np.zeros((), np.float32)), "sparse")
