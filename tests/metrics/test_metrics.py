"""pyfastfit.metrics against NumPy references (Keras 3 semantics)."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import metrics

RNG = np.random.default_rng(1)
EPS = 1e-7


def _batches(kind, n_batches=3, b=7, c=4):
    out = []
    for _ in range(n_batches):
        if kind == "sparse":
            yt = RNG.integers(0, c, b)
            yp = RNG.uniform(0, 1, (b, c)).astype(np.float32)
        elif kind == "categorical":
            yt = np.eye(c, dtype=np.float32)[RNG.integers(0, c, b)]
            yp = RNG.uniform(0, 1, (b, c)).astype(np.float32)
        elif kind == "binary":
            yt = RNG.integers(0, 2, (b, c)).astype(np.float32)
            yp = RNG.uniform(0, 1, (b, c)).astype(np.float32)
        else:  # exact
            yt = RNG.integers(0, 3, (b, 1)).astype(np.float32)
            yp = RNG.integers(0, 3, (b, 1)).astype(np.float32)
        w = RNG.uniform(0, 2, b).astype(np.float32)
        out.append((yt, yp, w))
    return out


def _top_k_match(label, row, k):
    return np.sum(row > row[label]) < k


ACC_CASES = {
    "accuracy": (metrics.Accuracy, {}, "exact",
                 lambda yt, yp: (yt == yp).astype(np.float64).mean(-1)),
    "binary_accuracy": (metrics.BinaryAccuracy, {"threshold": 0.3}, "binary",
                        lambda yt, yp: (yt == (yp > 0.3)).astype(np.float64).mean(-1)),
    "categorical_accuracy": (metrics.CategoricalAccuracy, {}, "categorical",
                             lambda yt, yp: (yt.argmax(-1) == yp.argmax(-1)).astype(float)),
    "sparse_categorical_accuracy": (metrics.SparseCategoricalAccuracy, {}, "sparse",
                                    lambda yt, yp: (yt == yp.argmax(-1)).astype(float)),
    "top_k_categorical_accuracy": (
        metrics.TopKCategoricalAccuracy, {"k": 2}, "categorical",
        lambda yt, yp: np.array([_top_k_match(a, r, 2) for a, r in zip(yt.argmax(-1), yp)],
                                float)),
    "sparse_top_k_categorical_accuracy": (
        metrics.SparseTopKCategoricalAccuracy, {"k": 2}, "sparse",
        lambda yt, yp: np.array([_top_k_match(a, r, 2) for a, r in zip(yt, yp)], float)),
}


@pytest.mark.parametrize("name", sorted(ACC_CASES))
@pytest.mark.parametrize("weighted", [False, True])
def test_accuracy_metrics(name, weighted):
    cls, kwargs, kind, ref = ACC_CASES[name]
    m = cls(**kwargs)
    assert m.name == name
    total = count = 0.0
    for yt, yp, w in _batches(kind):
        m.update_state(yt, yp, sample_weight=w if weighted else None)
        v = ref(yt, yp)
        ww = w if weighted else np.ones_like(v)
        total += np.sum(v * ww)
        count += np.sum(ww)
        np.testing.assert_allclose(float(m.result()), total / count, rtol=1e-5)
    m.reset_state()
    assert float(m.result()) == 0.0
    yt, yp, _ = _batches(kind, 1)[0]
    np.testing.assert_allclose(float(m(yt, yp)), ref(yt, yp).mean(), rtol=1e-6)
    m.reset_states()
    assert [float(np.asarray(v)) for v in m.variables] == [0.0, 0.0]


@pytest.mark.parametrize("name", sorted(ACC_CASES))
def test_accuracy_functions(name):
    _, kwargs, kind, ref = ACC_CASES[name]
    yt, yp, _ = _batches(kind, 1)[0]
    got = np.asarray(getattr(metrics, name)(yt, yp, **kwargs))
    want = ref(yt, yp)
    if got.shape != want.shape:  # elementwise matches (binary, exact): per-sample mean
        got = got.mean(-1)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_sparse_accuracy_label_shapes_and_dtypes():
    yp = np.array([[0.1, 0.8, 0.1], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6]], np.float32)
    for yt in ([1, 0, 0], np.array([[1], [0], [0]]), np.array([1.0, 0.0, 0.0]),
               ff.ops.convert_to_tensor(np.array([1, 0, 0], np.int32))):
        m = metrics.SparseCategoricalAccuracy()
        m.update_state(yt, yp)
        np.testing.assert_allclose(float(m.result()), 2 / 3, rtol=1e-6)
    m = metrics.SparseCategoricalAccuracy()
    m.update_state([[1], [0], [2]], yp, sample_weight=[[1.0], [0.0], [3.0]])
    np.testing.assert_allclose(float(m.result()), 1.0)


def test_binary_accuracy_column_vs_flat_and_3d_weights():
    yt = np.array([1, 0, 1, 1], np.float32)
    yp = np.array([[0.9], [0.2], [0.3], [0.7]], np.float32)
    m = metrics.BinaryAccuracy()
    m.update_state(yt, yp)
    np.testing.assert_allclose(float(m.result()), 0.75)
    # (B, T, C) values with (B, T) weights: Keras weighs each (b, t) mean over C.
    yt = RNG.integers(0, 2, (3, 2, 4)).astype(np.float32)
    yp = RNG.uniform(0, 1, (3, 2, 4)).astype(np.float32)
    w = RNG.uniform(0, 1, (3, 2)).astype(np.float32)
    m = metrics.BinaryAccuracy()
    m.update_state(yt, yp, sample_weight=w)
    v = (yt == (yp > 0.5)).mean(-1)
    np.testing.assert_allclose(float(m.result()), np.sum(v * w) / np.sum(w), rtol=1e-6)


def test_mean_and_sum():
    m, s = metrics.Mean(), metrics.Sum()
    assert (m.name, s.name) == ("mean", "sum")
    vals = [RNG.normal(size=5).astype(np.float32) for _ in range(3)]
    ws = [RNG.uniform(0, 1, 5).astype(np.float32) for _ in range(3)]
    for v, w in zip(vals, ws):
        m.update_state(v, sample_weight=w)
        s.update_state(v, sample_weight=w)
    v, w = np.concatenate(vals), np.concatenate(ws)
    np.testing.assert_allclose(float(m.result()), np.sum(v * w) / np.sum(w), rtol=1e-5)
    np.testing.assert_allclose(float(s.result()), np.sum(v * w), rtol=1e-5)
    m.reset_state()
    m.update_state(np.array([[1.0, 3.0], [5.0, 7.0]], np.float32))
    np.testing.assert_allclose(float(m.result()), 4.0)
    m.update_state(2.0, sample_weight=3.0)
    np.testing.assert_allclose(float(m.result()), (8.0 + 6.0) / 5.0)


def test_result_is_a_copy():
    m = metrics.Sum()
    m.update_state([1.0, 2.0])
    r = m.result()
    m.update_state([10.0])
    assert float(r) == 3.0 and float(m.result()) == 13.0


def _np_confusion(yt, yp, thr, w=None):
    yt = yt.reshape(-1) != 0
    yp = yp.reshape(-1)
    w = np.ones_like(yp, dtype=np.float64) if w is None else w.reshape(-1)
    out = {k: [] for k in ("tp", "fp", "tn", "fn")}
    for t in thr:
        pred = yp > t
        out["tp"].append(np.sum(w * (yt & pred)))
        out["fp"].append(np.sum(w * (~yt & pred)))
        out["tn"].append(np.sum(w * (~yt & ~pred)))
        out["fn"].append(np.sum(w * (yt & ~pred)))
    return {k: np.array(v) for k, v in out.items()}


@pytest.mark.parametrize("thresholds", [None, 0.3, [0.2, 0.5, 0.8], [0.7, 0.1]])
def test_confusion_counts(thresholds):
    thr = [0.5] if thresholds is None else np.atleast_1d(thresholds)
    classes = {"tp": metrics.TruePositives, "fp": metrics.FalsePositives,
               "tn": metrics.TrueNegatives, "fn": metrics.FalseNegatives}
    ms = {k: c(thresholds=thresholds) for k, c in classes.items()}
    acc = {k: 0.0 for k in classes}
    for yt, yp, w in _batches("binary"):
        wb = np.broadcast_to(w[:, None], yp.shape)
        ref = _np_confusion(yt, yp, thr, wb)
        for k, m in ms.items():
            m.update_state(yt, yp, sample_weight=w)
            acc[k] = acc[k] + ref[k]
            want = acc[k][0] if len(thr) == 1 else acc[k]
            np.testing.assert_allclose(np.asarray(m.result()), want, rtol=1e-5)


def test_precision_recall():
    yt = np.array([0, 1, 1, 1, 0, 1], np.float32)
    yp = np.array([1, 0, 1, 1, 0.6, 0.4], np.float32)
    p, r = metrics.Precision(), metrics.Recall()
    p.update_state(yt, yp)
    r.update_state(yt, yp)
    np.testing.assert_allclose(float(p.result()), 2 / 4, rtol=1e-6)
    np.testing.assert_allclose(float(r.result()), 2 / 4, rtol=1e-6)
    p2 = metrics.Precision(thresholds=[0.3, 0.7])
    p2.update_state(yt, yp)
    np.testing.assert_allclose(np.asarray(p2.result()), [3 / 5, 2 / 3], rtol=1e-6)
    # top_k and class_id
    yt2 = np.array([[0, 0, 1, 1], [1, 0, 0, 0]], np.float32)
    yp2 = np.array([[0.1, 0.2, 0.3, 0.9], [0.4, 0.5, 0.05, 0.2]], np.float32)
    pk = metrics.Precision(top_k=2)
    pk.update_state(yt2, yp2)
    np.testing.assert_allclose(float(pk.result()), 3 / 4)
    rc = metrics.Recall(class_id=0)
    rc.update_state(yt2, yp2)
    np.testing.assert_allclose(float(rc.result()), 0.0)
    rc.update_state(yt2, yp2 + np.array([0.5, 0, 0, 0], np.float32))
    np.testing.assert_allclose(float(rc.result()), 0.5)


def _np_auc(yt, yp, w, num_thresholds, curve, method):
    """Keras's thresholded Riemann sum, written directly in float64."""
    thr = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    thr = np.array([-EPS] + thr + [1 + EPS])
    c = _np_confusion(yt, yp, thr, w)
    tp, fp, tn, fn = c["tp"], c["fp"], c["tn"], c["fn"]

    def div(a, b):
        return np.where(b != 0, a / np.where(b != 0, b, 1), 0.0)

    if curve == "PR" and method == "interpolation":
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = div(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:-1] > 0) & (p[1:] > 0), div(p[:-1], np.maximum(p[1:], 0)), 1.0)
        return np.sum(div(slope * (dtp + intercept * np.log(ratio)),
                          np.maximum(tp[1:] + fn[1:], 0)))
    recall = div(tp, tp + fn)
    if curve == "ROC":
        x, y = div(fp, fp + tn), recall
    else:
        x, y = recall, div(tp, tp + fp)
    if method == "interpolation":
        h = (y[:-1] + y[1:]) / 2
    elif method == "minoring":
        h = np.minimum(y[:-1], y[1:])
    else:
        h = np.maximum(y[:-1], y[1:])
    return np.sum((x[:-1] - x[1:]) * h)


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("method", ["interpolation", "minoring", "majoring"])
@pytest.mark.parametrize("num_thresholds", [200, 7])
def test_auc(curve, method, num_thresholds):
    m = metrics.AUC(num_thresholds=num_thresholds, curve=curve, summation_method=method)
    ys, ps, ws = [], [], []
    for yt, yp, w in _batches("binary"):
        m.update_state(yt, yp, sample_weight=w)
        ys.append(yt)
        ps.append(yp)
        ws.append(np.broadcast_to(w[:, None], yp.shape))
    want = _np_auc(np.concatenate(ys), np.concatenate(ps), np.concatenate(ws),
                   num_thresholds, curve, method)
    np.testing.assert_allclose(float(m.result()), want, rtol=1e-5, atol=1e-6)


def test_auc_from_logits_and_thresholds():
    yt = np.array([0, 0, 1, 1], np.float32)
    yp = np.array([0, 0.5, 0.3, 0.9], np.float32)
    m = metrics.AUC(num_thresholds=3)
    m.update_state(yt, yp)
    np.testing.assert_allclose(float(m.result()), 0.75)
    logits = np.log(yp + 1e-9) - np.log(1 - yp + 1e-9)
    m2 = metrics.AUC(num_thresholds=3, from_logits=True)
    m2.update_state(yt, logits)
    np.testing.assert_allclose(float(m2.result()), 0.75, rtol=1e-6)
    m3 = metrics.AUC(thresholds=[0.5])
    assert m3.num_thresholds == 3
    np.testing.assert_allclose(m3.thresholds, [-EPS, 0.5, 1 + EPS])


def test_regression_metrics():
    yt = RNG.uniform(0.5, 2, (6, 3)).astype(np.float32)
    yp = RNG.uniform(0.5, 2, (6, 3)).astype(np.float32)
    w = RNG.uniform(0, 1, 6).astype(np.float32)
    t, p = yt.astype(np.float64), yp.astype(np.float64)
    refs = {
        "MeanSquaredError": np.mean((t - p) ** 2, -1),
        "MeanAbsoluteError": np.mean(np.abs(t - p), -1),
        "MeanAbsolutePercentageError": 100 * np.mean(np.abs((t - p) / t), -1),
        "CosineSimilarity": np.sum(t * p, -1) / np.linalg.norm(t, axis=-1)
        / np.linalg.norm(p, axis=-1),
    }
    for cls, per in refs.items():
        m = getattr(metrics, cls)()
        m.update_state(yt, yp, sample_weight=w)
        np.testing.assert_allclose(float(m.result()), np.sum(per * w) / np.sum(w),
                                   rtol=1e-5, err_msg=cls)
    m = metrics.RootMeanSquaredError()
    m.update_state(yt, yp, sample_weight=w)
    np.testing.assert_allclose(float(m.result()),
                               np.sqrt(np.sum(np.mean((t - p) ** 2, -1) * w) / np.sum(w)),
                               rtol=1e-5)


def test_losses_as_metrics_by_name():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], np.float32)
    labels = np.array([0, 1])
    m = metrics.get("sparse_categorical_crossentropy")
    assert isinstance(m, metrics.SparseCategoricalCrossentropy)
    assert m.name == "sparse_categorical_crossentropy"
    m.update_state(labels, probs)
    np.testing.assert_allclose(float(m.result()), -np.mean(np.log([0.7, 0.1])), rtol=1e-5)
    b = metrics.get("binary_crossentropy")
    assert b.name == "binary_crossentropy"
    b.update_state([[1.0], [0.0]], [[0.8], [0.4]])
    np.testing.assert_allclose(float(b.result()), -np.mean(np.log([0.8, 0.6])), rtol=1e-5)


def test_default_names():
    assert metrics.MeanSquaredError().name == "mean_squared_error"
    assert metrics.RootMeanSquaredError().name == "root_mean_squared_error"
    assert metrics.CategoricalCrossentropy().name == "categorical_crossentropy"
    assert metrics.AUC().name.startswith("auc")
    assert metrics.Precision().name.startswith("precision")


def test_get_and_errors():
    assert isinstance(metrics.get("mse"), metrics.MeanSquaredError)
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    assert isinstance(metrics.get("sparse_categorical_accuracy"),
                      metrics.SparseCategoricalAccuracy)
    m = metrics.Mean()
    assert metrics.get(m) is m
    assert metrics.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret metric identifier: nope.*"
                                         "sparse_categorical_accuracy"):
        metrics.get("nope")
    with pytest.raises(ValueError, match="Threshold values must be in \\[0, 1\\]"):
        metrics.Precision(thresholds=1.5)
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="Invalid AUC curve"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="sample_weight"):
        metrics.Mean().update_state(np.ones((4, 3)), sample_weight=np.ones(5))


@pytest.mark.parametrize("metric", [
    metrics.BinaryAccuracy(threshold=0.3), metrics.TopKCategoricalAccuracy(k=3),
    metrics.AUC(num_thresholds=50, curve="PR"), metrics.Precision(thresholds=[0.2, 0.6]),
    metrics.Recall(top_k=2), metrics.CategoricalCrossentropy(from_logits=True),
    metrics.Mean(name="m"), metrics.CosineSimilarity(axis=0),
])
def test_serialize_round_trip(metric):
    cfg = metrics.serialize(metric)
    assert cfg["module"] == "keras.metrics" and cfg["class_name"] == type(metric).__name__
    back = metrics.deserialize(cfg)
    assert type(back) is type(metric)
    assert back.get_config() == metric.get_config()


def test_mean_metric_wrapper_round_trip():
    m = metrics.MeanMetricWrapper(metrics.sparse_categorical_accuracy, name="acc")
    back = metrics.MeanMetricWrapper.from_config(m.get_config())
    assert back.name == "acc"
    yp = np.array([[0.1, 0.9], [0.8, 0.2]], np.float32)
    back.update_state([1, 1], yp)
    np.testing.assert_allclose(float(back.result()), 0.5)


def test_custom_metric_subclass():
    class Total(metrics.Metric):
        def __init__(self, name="total_sum", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_weight(shape=(), initializer="zeros", name="total")

        def update_state(self, values):
            self.total.assign_add(float(np.sum(values)))

        def result(self):
            return self.total.value

    t = Total()
    t.update_state([1.0, 2.0])
    assert float(t.result()) == 3.0
    assert len(t.variables) == 1 and not t.variables[0].trainable
    t.reset_state()
    assert float(t.result()) == 0.0
    assert t.get_config() == {"name": "total_sum", "dtype": "float32"}


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("label_weights", [None, [0.2, 1.0, 0.5]])
def test_auc_multi_label(curve, label_weights):
    m = metrics.AUC(num_thresholds=20, curve=curve, multi_label=True,
                    label_weights=label_weights)
    batches = _batches("binary", c=3)
    for yt, yp, w in batches:
        m.update_state(yt, yp, sample_weight=w)
    yt = np.concatenate([b[0] for b in batches])
    yp = np.concatenate([b[1] for b in batches])
    w = np.concatenate([b[2] for b in batches])
    per = np.array([_np_auc(yt[:, j], yp[:, j], w, 20, curve, "interpolation")
                    for j in range(3)])
    lw = np.ones(3) if label_weights is None else np.array(label_weights)
    np.testing.assert_allclose(float(m.result()), np.sum(per * lw) / np.sum(lw), rtol=1e-5)
    assert m.true_positives.shape == (20, 3)
    m.reset_state()
    assert float(np.asarray(m.true_positives).sum()) == 0.0


@pytest.mark.parametrize("sparse", [False, True])
def test_crossentropy_metrics_class_axis_1(sparse):
    # (B, C, T) predictions with the classes on axis 1: the mean over all B * T losses.
    B, C, T = 3, 4, 5
    labels = RNG.integers(0, C, (B, T))
    z = RNG.normal(size=(B, C, T)).astype(np.float32)
    zl = np.moveaxis(z, 1, -1).astype(np.float64)
    ls = zl - zl.max(-1, keepdims=True)
    ls -= np.log(np.exp(ls).sum(-1, keepdims=True))
    want = -np.take_along_axis(ls, labels[..., None], -1).mean()
    if sparse:
        m = metrics.SparseCategoricalCrossentropy(from_logits=True, axis=1)
        m.update_state(labels, z)
    else:
        m = metrics.CategoricalCrossentropy(from_logits=True, axis=1)
        m.update_state(np.moveaxis(np.eye(C, dtype=np.float32)[labels], -1, 1), z)
    np.testing.assert_allclose(float(m.result()), want, rtol=1e-5)


def test_stateless_api_matches_keras():
    """Values printed by Keras 3.15.1 for the same calls; the variables stay untouched."""
    m = metrics.SparseCategoricalAccuracy()
    s1 = m.stateless_update_state(m.stateless_reset_state(), np.array([0, 1, 2]),
                                  np.eye(3, dtype="float32")[[0, 2, 2]])
    assert [float(np.asarray(v)) for v in s1] == [2.0, 3.0]
    np.testing.assert_allclose(float(m.stateless_result(s1)), 2 / 3, rtol=1e-6)
    assert [float(np.asarray(v)) for v in m.variables] == [0.0, 0.0]
    p = metrics.Precision(thresholds=[0.3, 0.7])
    st = p.stateless_update_state(p.stateless_reset_state(), np.array([1, 0, 1], "float32"),
                                  np.array([0.8, 0.5, 0.4], "float32"))
    assert [np.asarray(v).tolist() for v in st] == [[2.0, 1.0], [1.0, 0.0]]
    np.testing.assert_allclose(np.asarray(p.stateless_result(st)), [2 / 3, 1.0], rtol=1e-6)
    with pytest.raises(ValueError, match=r"corresponding 1:1 to SparseCategoricalAccuracy\(\)"
                                         r"\.variables\. Received list with length 1, but "
                                         r"expected 2 variables"):
        m.stateless_update_state([0.0], [1], [[1.0, 0.0]])
