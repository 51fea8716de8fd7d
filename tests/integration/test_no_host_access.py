"""Per-step state updates run as `_C` ops only: no tensor data is read or written from
Python (checked with `_C.host_access_count()`), so a captured training step (a
GradientTape loop, a `train_step` with a `Mean` loss tracker) can replay them. Values
are checked against NumPy after each block."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import ops
from pyfastfit.core._c import _C
from tests.helpers import no_host_access

rng = np.random.default_rng(3)


def _t(a):
    return ops.convert_to_tensor(a)


def test_counter_sees_every_kind_of_host_access():
    t = _t(np.array([1.5, 2.5], np.float32))
    v = keras.Variable(np.zeros((), np.float32))
    for access in (lambda: np.asarray(t), lambda: t.numpy(), lambda: float(v),
                   lambda: np.asarray(v._c), lambda: memoryview(t._c), lambda: repr(t)):
        before = _C.host_access_count()
        access()
        assert _C.host_access_count() > before
    with pytest.raises(AssertionError, match="from Python 1 time"):
        with no_host_access():
            np.asarray(t._c)


def test_mean_update_result_reset():
    values = rng.normal(size=(6, 3)).astype(np.float32)
    w = rng.uniform(0.1, 1.0, size=(6,)).astype(np.float32)
    m = keras.metrics.Mean()
    vt, wt = _t(values), _t(w)
    with no_host_access("Mean"):
        m.update_state(vt)
        m.update_state(vt, sample_weight=wt)
        m.update_state(_t(np.float32(2.0)))  # a 0-d loss, as a loss tracker gets it
        r = m.result()
    per_sample = values.astype(np.float64).mean(axis=1)
    total = per_sample.sum() + (per_sample * w).sum() + 2.0
    count = 6 + w.sum() + 1
    assert r.shape == () and r.dtype == "float32"
    np.testing.assert_allclose(float(r), total / count, rtol=1e-6)
    with no_host_access("Mean.reset_state"):
        m.reset_state()
        r = m.result()
    assert float(r) == 0.0  # divide_no_nan: count is 0
    assert float(m.total) == 0.0 and float(m.count) == 0.0


def test_result_is_a_new_tensor_not_a_view_of_the_state():
    m = keras.metrics.Mean()
    m.update_state(_t(np.array([1.0, 3.0], np.float32)))
    with no_host_access():
        r = m.result()
        m.update_state(_t(np.array([10.0], np.float32)))
    assert float(r) == 2.0
    s = keras.metrics.Sum()
    s.update_state(_t(np.array([1.0, 3.0], np.float32)))
    with no_host_access():
        r = s.result()
        s.update_state(_t(np.array([10.0], np.float32)))
    assert float(r) == 4.0 and float(s.result()) == 14.0


def test_sparse_categorical_accuracy_on_tensors():
    y = rng.integers(0, 5, size=(16,))
    logits = rng.normal(size=(16, 5)).astype(np.float32)
    w = rng.uniform(size=(16,)).astype(np.float32)
    m = keras.metrics.SparseCategoricalAccuracy()
    yt, lt, wt = _t(y), _t(logits), _t(w)
    with no_host_access("SparseCategoricalAccuracy"):
        m.update_state(yt, lt)
        m.update_state(_t(y[:, None]), lt, sample_weight=wt)
        r = m.result()
    hit = (logits.argmax(-1) == y).astype(np.float64)
    np.testing.assert_allclose(float(r), (hit.sum() + (hit * w).sum()) / (16 + w.sum()),
                               rtol=1e-6)


def _onehot(labels, k):
    return np.eye(k, dtype=np.float32)[labels]


CASES = [
    ("CategoricalAccuracy", lambda y, p: (_onehot(y, 4), p),
     lambda yt, p: (yt.argmax(-1) == p.argmax(-1))),
    ("SparseTopKCategoricalAccuracy", lambda y, p: (y, p),
     lambda yt, p: (p > np.take_along_axis(p, yt[:, None], -1)).sum(-1) < 5),
    ("BinaryAccuracy", lambda y, p: ((y % 2).astype(np.float32), 1 / (1 + np.exp(-p[:, 0]))),
     lambda yt, p: yt == (p > 0.5)),
    ("Accuracy", lambda y, p: (y, p.argmax(-1)), lambda yt, p: yt == p),
    ("MeanSquaredError", lambda y, p: (_onehot(y, 4), p),
     lambda yt, p: ((yt - p.astype(np.float64)) ** 2).mean(-1)),
    ("MeanAbsoluteError", lambda y, p: (_onehot(y, 4), p),
     lambda yt, p: np.abs(yt - p.astype(np.float64)).mean(-1)),
]


@pytest.mark.parametrize("name,make,per_sample", CASES, ids=[c[0] for c in CASES])
def test_mean_metrics_on_tensors(name, make, per_sample):
    y = rng.integers(0, 4, size=(12,))
    p = rng.normal(size=(12, 4)).astype(np.float32)
    y_true, y_pred = make(y, p)
    w = rng.uniform(size=(12,)).astype(np.float32)
    m = getattr(keras.metrics, name)()
    a, b, wt = _t(y_true), _t(y_pred), _t(w)
    with no_host_access(name):
        m.update_state(a, b)
        m.update_state(a, b, sample_weight=wt)
        r = m.result()
        m.reset_state()
        r0 = m.result()
    v = np.asarray(per_sample(np.asarray(y_true), np.asarray(y_pred)), np.float64)
    np.testing.assert_allclose(float(r), (v.sum() + (v * w).sum()) / (12 + w.sum()),
                               rtol=1e-5)
    assert float(r0) == 0.0


def test_root_mean_squared_error_and_sum_on_tensors():
    yt = rng.normal(size=(5, 2)).astype(np.float32)
    yp = rng.normal(size=(5, 2)).astype(np.float32)
    w = rng.uniform(size=(5,)).astype(np.float32)
    rmse, total = keras.metrics.RootMeanSquaredError(), keras.metrics.Sum()
    with no_host_access("RootMeanSquaredError / Sum"):
        rmse.update_state(_t(yt), _t(yp), sample_weight=_t(w))
        total.update_state(_t(yp), sample_weight=_t(w))
        r, s = rmse.result(), total.result()
    sq = ((yp.astype(np.float64) - yt) ** 2).mean(-1)
    np.testing.assert_allclose(float(r), np.sqrt((sq * w).sum() / w.sum()), rtol=1e-6)
    np.testing.assert_allclose(float(s), (yp.astype(np.float64) * w[:, None]).sum(),
                               rtol=1e-5)


def test_variable_assign_ops_on_tensors():
    v = keras.Variable(np.zeros((3, 2), np.float32))
    a = rng.normal(size=(3, 2)).astype(np.float32)
    row = rng.normal(size=(2,)).astype(np.float32)
    at, rt = _t(a), _t(row)
    with no_host_access("Variable.assign*"):
        v.assign(at)
        v.assign_add(at)
        v.assign_sub(rt)
        v.assign_add(_t(np.int32(1)))  # converted to float32 in C++
    np.testing.assert_allclose(v.numpy(), 2 * a - row + 1, rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: keras.optimizers.SGD(0.1),
    lambda: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    lambda: keras.optimizers.RMSprop(0.01),
    lambda: keras.optimizers.Adam(0.01),
    lambda: keras.optimizers.Adam(0.01, weight_decay=0.1, clipnorm=1.0),
], ids=["sgd", "sgd_nesterov", "rmsprop", "adam", "adam_wd_clipnorm"])
def test_optimizer_apply_on_tensors(make):
    opt = make()
    ws = [keras.Variable(rng.normal(size=(3, 2)).astype(np.float32)),
          keras.Variable(np.zeros(2, np.float32))]
    gs = [_t(rng.normal(size=(3, 2)).astype(np.float32)), _t(np.ones(2, np.float32))]
    before = [w.numpy() for w in ws]
    opt.build(ws)
    with no_host_access(type(opt).__name__ + ".apply"):
        opt.apply(gs, ws)
        opt.apply_gradients(zip(gs, ws))
    assert int(opt.iterations) == 2
    assert all(not np.array_equal(w.numpy(), b) for w, b in zip(ws, before))


def test_keras_guide_gradient_tape_step_has_no_host_access():
    # writing_a_custom_training_loop: forward under a tape, gradient, apply, metrics.
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3)])
    opt = keras.optimizers.Adam(1e-2)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    acc, tracker = keras.metrics.SparseCategoricalAccuracy(), keras.metrics.Mean()
    x = _t(rng.normal(size=(16, 6)).astype(np.float32))
    y = _t(rng.integers(0, 3, 16))

    def step():
        with keras.GradientTape() as tape:
            logits = model(x, training=True)
            loss = loss_fn(y, logits)
        grads = tape.gradient(loss, model.trainable_weights)
        opt.apply(grads, model.trainable_weights)
        acc.update_state(y, logits)
        tracker.update_state(loss)
        return loss

    first = float(step())  # builds the optimizer
    with no_host_access("the GradientTape training step"):
        for _ in range(5):
            step()
        last, mean = step(), tracker.result()
    assert float(last) < first
    assert int(opt.iterations) == 7 and 0.0 <= float(acc.result()) <= 1.0
    assert min(first, float(last)) <= float(mean) <= max(first, float(last)) + 1e-6


def test_train_step_override_with_a_mean_loss_tracker_has_no_host_access():
    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(3)
            self.loss_tracker = keras.metrics.Mean(name="loss")

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            x, y = data
            with keras.GradientTape() as tape:
                loss = self.compute_loss(y=y, y_pred=self(x, training=True))
            grads = tape.gradient(loss, self.trainable_weights)
            self.optimizer.apply(grads, self.trainable_weights)
            self.loss_tracker.update_state(loss)
            return {"loss": self.loss_tracker.result()}

    model = Custom()
    model.compile(optimizer="rmsprop",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    data = (_t(rng.normal(size=(8, 4)).astype(np.float32)), _t(rng.integers(0, 3, 8)))
    model.train_step(data)
    with no_host_access("Model.train_step override"):
        logs = model.train_step(data)
    assert logs["loss"].shape == () and np.isfinite(float(logs["loss"]))


@pytest.mark.parametrize("fn", ["sparse_categorical_accuracy", "categorical_accuracy",
                                "binary_accuracy", "sparse_top_k_categorical_accuracy"])
def test_metric_functions_in_a_mean_metric_wrapper(fn):
    # compile(metrics=[keras.metrics.<function>]) wraps the function this way.
    y = rng.integers(0, 4, size=(10,))
    p = rng.uniform(size=(10, 4)).astype(np.float32)
    y_true = {"categorical_accuracy": np.eye(4, dtype=np.float32)[y],
              "binary_accuracy": p > 0.3}.get(fn, y)
    m = keras.metrics.MeanMetricWrapper(getattr(keras.metrics, fn))
    a, b = _t(y_true), _t(p)
    with no_host_access(fn):
        m.update_state(a, b)
        r = m.result()
    ref = np.asarray(getattr(keras.metrics, fn)(y_true, p), np.float64)
    np.testing.assert_allclose(float(r), ref.mean(), rtol=1e-6)


def test_default_train_step_with_tensor_sample_weights():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(optimizer="adam", metrics=["accuracy"],
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    data = (_t(rng.normal(size=(8, 4)).astype(np.float32)), _t(rng.integers(0, 3, 8)),
            _t(rng.uniform(size=8).astype(np.float32)))
    model.train_step(data)
    with no_host_access("Model.train_step with sample weights"):
        logs = model.train_step(data)
        model.test_step(data)
    assert set(logs) == {"loss", "accuracy"} and np.isfinite(float(logs["loss"]))


@pytest.mark.parametrize("name", ["Precision", "Recall", "TruePositives", "FalsePositives",
                                  "TrueNegatives", "FalseNegatives"])
@pytest.mark.parametrize("thresholds", [None, [0.2, 0.5, 0.8]])
def test_confusion_metrics_on_tensors(name, thresholds):
    y = (rng.uniform(size=(10, 3)) > 0.5).astype(np.float32)
    p = rng.uniform(size=(10, 3)).astype(np.float32)
    w = rng.uniform(size=(10,)).astype(np.float32)
    m = getattr(keras.metrics, name)(thresholds=thresholds)
    with no_host_access(name):
        m.update_state(_t(y), _t(p))
        m.update_state(_t(y), _t(p), sample_weight=_t(w))
        r = m.result()
    thr = np.array([0.5] if thresholds is None else thresholds)
    ww = np.concatenate([np.ones(30), np.repeat(w, 3)])
    label = np.tile(y.ravel(), 2) != 0
    pred = np.tile(p.ravel(), 2)[:, None] > thr  # (items, thresholds)
    tp = (ww[:, None] * (pred & label[:, None])).sum(0)
    fp = (ww[:, None] * (pred & ~label[:, None])).sum(0)
    fn = (ww[:, None] * (~pred & label[:, None])).sum(0)
    tn = (ww[:, None] * (~pred & ~label[:, None])).sum(0)
    want = {"Precision": tp / (tp + fp), "Recall": tp / (tp + fn), "TruePositives": tp,
            "FalsePositives": fp, "TrueNegatives": tn, "FalseNegatives": fn}[name]
    assert r.shape == (() if thresholds is None else (3,))
    np.testing.assert_allclose(np.asarray(r), want.reshape(r.shape), rtol=1e-5)


@pytest.mark.parametrize("wshape", [(), (10,), (10, 3), (3,), (1, 3)])
def test_confusion_tensor_weights_of_every_shape(wshape):
    y = (rng.uniform(size=(10, 3)) > 0.5).astype(np.float32)
    p = rng.uniform(size=(10, 3)).astype(np.float32)
    w = rng.uniform(size=wshape).astype(np.float32)
    m = keras.metrics.Precision(thresholds=[0.3, 0.6])
    with no_host_access():
        m.update_state(_t(y), _t(p), sample_weight=_t(w))
        r = m.result()
    wb = np.broadcast_to(w[:, None] if wshape == (10,) else w, (10, 3)).astype(np.float64)
    pred = p[..., None] > np.array([0.3, 0.6])
    tp = (wb[..., None] * (pred & (y != 0)[..., None])).sum((0, 1))
    fp = (wb[..., None] * (pred & (y == 0)[..., None])).sum((0, 1))
    np.testing.assert_allclose(np.asarray(r), tp / (tp + fp), rtol=1e-5)
    with pytest.raises(ValueError, match=r"`sample_weight` of shape \(4,\) cannot be"):
        m.update_state(_t(y), _t(p), sample_weight=_t(np.ones(4, np.float32)))


def test_precision_with_no_positive_predictions_is_zero():
    m = keras.metrics.Precision(thresholds=[0.5, 0.99])
    with no_host_access():
        m.update_state(_t(np.array([1.0, 0.0], np.float32)),
                       _t(np.array([0.7, 0.2], np.float32)))
        r = m.result()
    np.testing.assert_array_equal(np.asarray(r), [1.0, 0.0])  # divide_no_nan at 0.99
