"""pyfastfit.losses against NumPy float64 references (Keras 3 formulas)."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import losses
from pyfastfit.ops import _losses as loss_ops

EPS = 1e-7
RNG = np.random.default_rng(0)


def _softplus(x):
    return np.logaddexp(0.0, x)


def _hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def _ref_huber(t, p, delta=1.0):
    e = p - t
    a = np.abs(e)
    return np.mean(np.where(a <= delta, 0.5 * e * e, delta * a - 0.5 * delta * delta), -1)


POINT_REFS = {
    "mean_squared_error": lambda t, p: np.mean((t - p) ** 2, -1),
    "mean_absolute_error": lambda t, p: np.mean(np.abs(t - p), -1),
    "mean_absolute_percentage_error":
        lambda t, p: 100 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), EPS)), -1),
    "mean_squared_logarithmic_error": lambda t, p: np.mean(
        (np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2, -1),
    "huber": _ref_huber,
    "log_cosh": lambda t, p: np.mean(np.log(np.cosh(p - t)), -1),
    "hinge": lambda t, p: np.mean(np.maximum(1 - _hinge_labels(t) * p, 0), -1),
    "squared_hinge": lambda t, p: np.mean(np.maximum(1 - _hinge_labels(t) * p, 0) ** 2, -1),
    "poisson": lambda t, p: np.mean(p - t * np.log(p + EPS), -1),
}
POINT_CLASSES = {
    "mean_squared_error": losses.MeanSquaredError,
    "mean_absolute_error": losses.MeanAbsoluteError,
    "mean_absolute_percentage_error": losses.MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": losses.MeanSquaredLogarithmicError,
    "huber": losses.Huber,
    "log_cosh": losses.LogCosh,
    "hinge": losses.Hinge,
    "squared_hinge": losses.SquaredHinge,
    "poisson": losses.Poisson,
}


def _data(name, shape):
    t = RNG.uniform(0.1, 2.0, shape)
    p = RNG.uniform(0.1, 2.0, shape)
    if name in ("hinge", "squared_hinge"):
        t = RNG.integers(0, 2, shape).astype(np.float64)
        p = RNG.normal(0, 1.5, shape)
    return t.astype(np.float32), p.astype(np.float32)


def _reduce(values, w, reduction):
    v = values if w is None else values * w
    if reduction in ("none", None):
        return v
    if reduction == "sum":
        return v.sum()
    if reduction == "mean_with_sample_weight" and w is not None:
        return v.sum() / np.broadcast_to(w, values.shape).sum()
    return v.sum() / v.size


@pytest.mark.parametrize("name", sorted(POINT_REFS))
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5), (6, 1)])
def test_point_loss_functions(name, shape):
    t, p = _data(name, shape)
    got = getattr(losses, name)(t, p)
    want = POINT_REFS[name](t.astype(np.float64), p.astype(np.float64))
    assert got.shape == want.shape
    np.testing.assert_allclose(np.asarray(got), want, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(POINT_REFS))
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none", "mean",
                                       "mean_with_sample_weight"])
@pytest.mark.parametrize("weighted", ["none", "per_sample", "full"])
def test_point_loss_classes(name, reduction, weighted):
    t, p = _data(name, (5, 4, 3))
    per = POINT_REFS[name](t.astype(np.float64), p.astype(np.float64))  # (5, 4)
    w = None
    if weighted == "per_sample":
        w = RNG.uniform(0, 2, (5,)).astype(np.float32)
    elif weighted == "full":
        w = RNG.uniform(0, 2, (5, 4)).astype(np.float32)
    loss = POINT_CLASSES[name](reduction=reduction)
    got = np.asarray(loss(t, p, sample_weight=w))
    wb = None if w is None else (w[:, None] if w.ndim == 1 else w).astype(np.float64)
    want = _reduce(per, wb, reduction)
    np.testing.assert_allclose(got, want, rtol=3e-5, atol=1e-6)


def test_huber_delta_and_names():
    t, p = _data("huber", (8, 3))
    p = p * 3
    loss = losses.Huber(delta=0.5)
    np.testing.assert_allclose(float(loss(t, p)), _ref_huber(t, p, 0.5).mean(), rtol=1e-5)
    assert loss.name == "huber_loss"
    assert losses.MeanSquaredError().name == "mean_squared_error"
    assert losses.KLDivergence().name == "kl_divergence"
    assert losses.LogCosh().name == "log_cosh"


@pytest.mark.parametrize("name", ["mean_squared_error", "mean_absolute_error", "huber",
                                  "log_cosh", "hinge", "poisson",
                                  "mean_squared_logarithmic_error"])
def test_fused_point_loss_gradients(name):
    """Tape gradients of the fused per-sample op and of the fused reduced op vs finite
    differences of the float64 reference."""
    t, p = _data(name, (3, 4))
    ref = POINT_REFS[name]
    g_out = RNG.normal(size=(3,))
    w = RNG.uniform(0.5, 1.5, (3,)).astype(np.float32)
    eps = 1e-4
    t64, p64 = t.astype(np.float64), p.astype(np.float64)

    def num(f):
        g = np.zeros_like(p64)
        for idx in np.ndindex(p64.shape):
            up, down = p64.copy(), p64.copy()
            up[idx] += eps
            down[idx] -= eps
            g[idx] = (f(up) - f(down)) / (2 * eps)
        return g

    v = ff.Variable(p)
    with ff.GradientTape() as tape:
        out = loss_ops.point_loss(name, t, v, 1.0 if name == "huber" else 0.0)
    got = tape.gradient(out, v, output_gradients=g_out.astype(np.float32))
    want = num(lambda x: np.sum(ref(t64, x) * g_out))
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-3, atol=1e-3)

    with ff.GradientTape() as tape:
        out = loss_ops.point_loss_reduced(name, t, v, w, 0.0 if name != "huber" else 1.0,
                                          0.25)
    got = tape.gradient(out, v)
    want = num(lambda x: 0.25 * np.sum(ref(t64, x) * w))
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-3, atol=1e-3)


def test_loss_class_gradient_with_weights():
    t, p = _data("mean_squared_error", (6, 2))
    w = RNG.uniform(0, 1, (6,)).astype(np.float32)
    v = ff.Variable(p)
    with ff.GradientTape() as tape:
        out = losses.MeanSquaredError()(t, v, sample_weight=w)
    g = np.asarray(tape.gradient(out, v))
    want = 2 * (p - t) / 2 * w[:, None] / 6
    np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-7)
    # Generic (non-fused) reduction path: custom Loss subclass.

    class MyMSE(losses.Loss):
        def call(self, y_true, y_pred):
            return ff.ops.mean(ff.ops.square(ff.ops.subtract(y_pred, y_true)), axis=-1)

    v2 = ff.Variable(p)
    with ff.GradientTape() as tape:
        out2 = MyMSE()(t, v2, sample_weight=w)
    np.testing.assert_allclose(float(out2), float(out), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(tape.gradient(out2, v2)), want, rtol=1e-5,
                               atol=1e-7)


def test_rank_mismatch_squeeze_expand():
    t = np.array([1.0, 0.0, 2.0], np.float32)
    p = np.array([[0.5], [0.5], [1.0]], np.float32)
    np.testing.assert_allclose(np.asarray(losses.mean_squared_error(t, p)),
                               [0.25, 0.25, 1.0])
    np.testing.assert_allclose(float(losses.MeanSquaredError()(t, p)), 0.5)


# ------------------------------------------------------------------------ cross-entropies
def _np_softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _ref_cce(t, p, from_logits, ls):
    if ls:
        t = t * (1 - ls) + ls / t.shape[-1]
    if from_logits:
        return -np.sum(t * np.log(_np_softmax(p)), -1)
    p = p / p.sum(-1, keepdims=True)
    p = np.clip(p, EPS, 1 - EPS)
    return -np.sum(t * np.log(p), -1)


def _ref_bce(t, p, from_logits, ls):
    if ls:
        t = t * (1 - ls) + 0.5 * ls
    if from_logits:
        p = 1 / (1 + np.exp(-p))
    p = np.clip(p, EPS, 1 - EPS)
    return np.mean(-(t * np.log(p) + (1 - t) * np.log(1 - p)), -1)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("ls", [0.0, 0.1])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_categorical_crossentropy(from_logits, ls, reduction):
    labels = RNG.integers(0, 4, 6)
    t = np.eye(4, dtype=np.float32)[labels]
    p = RNG.normal(size=(6, 4)).astype(np.float32)
    if not from_logits:
        p = _np_softmax(p).astype(np.float32)
    w = RNG.uniform(0, 2, 6).astype(np.float32)
    loss = losses.CategoricalCrossentropy(from_logits=from_logits, label_smoothing=ls,
                                          reduction=reduction)
    got = np.asarray(loss(t, p, sample_weight=w))
    want = _reduce(_ref_cce(t.astype(np.float64), p.astype(np.float64), from_logits, ls),
                   w, reduction)
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("ls", [0.0, 0.1])
@pytest.mark.parametrize("weights", [None, "per_step", "per_sample"])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_categorical_crossentropy_class_axis_1(from_logits, ls, weights, reduction):
    # Keras 3 semantics for (B, C, T) predictions with axis=1: one loss per (b, t), then
    # the reduction over all B * T of them; a (B,) sample_weight broadcasts over T.
    # Label smoothing divides by y_true.shape[-1] (T here), as Keras does for any axis.
    B, C, T = 3, 4, 5
    t = np.moveaxis(np.eye(C, dtype=np.float32)[RNG.integers(0, C, (B, T))], -1, 1)
    p = RNG.normal(size=(B, C, T)).astype(np.float32)
    if not from_logits:
        p = np.moveaxis(_np_softmax(np.moveaxis(p, 1, -1)), -1, 1).astype(np.float32)
    w = {None: None, "per_step": RNG.uniform(0, 2, (B, T)).astype(np.float32),
         "per_sample": RNG.uniform(0, 2, B).astype(np.float32)}[weights]
    t64 = t.astype(np.float64)
    if ls:
        t64 = t64 * (1 - ls) + ls / T
    per = _ref_cce(np.moveaxis(t64, 1, -1), np.moveaxis(p, 1, -1).astype(np.float64),
                   from_logits, 0.0)
    assert per.shape == (B, T)
    want = _reduce(per, None if w is None else (w if w.ndim == 2 else w[:, None]),
                   reduction)
    loss = losses.CategoricalCrossentropy(from_logits=from_logits, label_smoothing=ls,
                                          axis=1, reduction=reduction)
    got = np.asarray(loss(t, p, sample_weight=w))
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)
    fn = np.asarray(losses.categorical_crossentropy(t, p, from_logits=from_logits,
                                                    label_smoothing=ls, axis=1))
    np.testing.assert_allclose(fn, per, rtol=2e-5, atol=1e-6)


def test_categorical_crossentropy_class_axis_gradient():
    # The gradient reaches a Variable through the axis move.
    B, C, T = 2, 3, 4
    t = np.moveaxis(np.eye(C, dtype=np.float32)[RNG.integers(0, C, (B, T))], -1, 1)
    z = ff.Variable(RNG.normal(size=(B, C, T)).astype(np.float32))
    with ff.GradientTape() as tape:
        loss = losses.CategoricalCrossentropy(from_logits=True, axis=1)(t, z)
    g = np.asarray(tape.gradient(loss, z))
    zn = np.asarray(z)
    sm = np.exp(zn - zn.max(1, keepdims=True))
    sm /= sm.sum(1, keepdims=True)
    np.testing.assert_allclose(g, (sm - t) / (B * T), rtol=1e-5, atol=1e-7)


def test_sparse_categorical_crossentropy_class_axis_1():
    B, C, T = 3, 4, 5
    labels = RNG.integers(0, C, (B, T))
    p = RNG.normal(size=(B, C, T)).astype(np.float32)
    want = _ref_cce(np.eye(C)[labels], np.moveaxis(p, 1, -1).astype(np.float64), True, 0.0)
    got = losses.sparse_categorical_crossentropy(labels, p, from_logits=True, axis=1)
    np.testing.assert_allclose(np.asarray(got), want, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("ls", [0.0, 0.2])
def test_binary_crossentropy(from_logits, ls):
    t = RNG.integers(0, 2, (5, 3)).astype(np.float32)
    p = RNG.normal(size=(5, 3)).astype(np.float32)
    if not from_logits:
        p = (1 / (1 + np.exp(-p))).astype(np.float32)
    got = np.asarray(losses.binary_crossentropy(t, p, from_logits=from_logits,
                                                label_smoothing=ls))
    want = _ref_bce(t.astype(np.float64), p.astype(np.float64), from_logits, ls)
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)
    # Labels of shape (B,) against predictions (B, 1).
    loss = losses.BinaryCrossentropy(from_logits=from_logits, label_smoothing=ls)
    got = float(loss(t[:, 0], p[:, :1]))
    want = _ref_bce(t[:, :1].astype(np.float64), p[:, :1].astype(np.float64),
                    from_logits, ls).mean()
    np.testing.assert_allclose(got, want, rtol=2e-5)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("label_shape", ["flat", "column"])
def test_sparse_categorical_crossentropy(from_logits, label_shape):
    labels = RNG.integers(0, 5, 7)
    p = RNG.normal(size=(7, 5)).astype(np.float32)
    if not from_logits:
        p = _np_softmax(p).astype(np.float32)
    want = _ref_cce(np.eye(5)[labels], p.astype(np.float64), from_logits, 0.0)
    y = labels if label_shape == "flat" else labels[:, None]
    got = losses.sparse_categorical_crossentropy(y, p, from_logits=from_logits)
    np.testing.assert_allclose(np.asarray(got), want, rtol=2e-5, atol=1e-6)
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    np.testing.assert_allclose(float(loss(y, p)), want.mean(), rtol=2e-5)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
def test_sparse_ignore_class(reduction):
    labels = np.array([0, 2, 1, 2, 3, 1])
    p = RNG.normal(size=(6, 4)).astype(np.float32)
    per = _ref_cce(np.eye(4)[labels], p.astype(np.float64), True, 0.0)
    valid = labels != 2
    per = np.where(valid, per, 0.0)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2,
                                                reduction=reduction)
    got = np.asarray(loss(labels, p))
    if reduction == "none":
        want = per
    elif reduction == "sum":
        want = per.sum()
    else:  # Keras: masked entries are left out of the average
        want = per.sum() / (valid.sum() + EPS)
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)


def test_sparse_label_out_of_range():
    with pytest.raises(ValueError, match="label|range|class"):
        losses.SparseCategoricalCrossentropy()(np.array([0, 5]), np.full((2, 3), 1 / 3))


def test_other_losses():
    t = RNG.uniform(0, 1, (4, 3)).astype(np.float32)
    p = RNG.uniform(0.05, 1, (4, 3)).astype(np.float32)
    t64, p64 = t.astype(np.float64), p.astype(np.float64)
    tc, pc = np.clip(t64, EPS, 1), np.clip(p64, EPS, 1)
    np.testing.assert_allclose(np.asarray(losses.kl_divergence(t, p)),
                               np.sum(tc * np.log(tc / pc), -1), rtol=2e-5)
    nt = t64 / np.linalg.norm(t64, axis=-1, keepdims=True)
    npd = p64 / np.linalg.norm(p64, axis=-1, keepdims=True)
    np.testing.assert_allclose(np.asarray(losses.cosine_similarity(t, p)),
                               -np.sum(nt * npd, -1), rtol=2e-5)
    nt0 = t64 / np.linalg.norm(t64, axis=0, keepdims=True)
    np0 = p64 / np.linalg.norm(p64, axis=0, keepdims=True)
    np.testing.assert_allclose(np.asarray(losses.cosine_similarity(t, p, axis=0)),
                               -np.sum(nt0 * np0, 0), rtol=2e-5)
    oh = np.eye(3, dtype=np.float32)[[0, 2, 1, 1]]
    pos = np.sum(oh * p64, -1)
    neg = np.max((1 - oh) * p64, -1)
    np.testing.assert_allclose(np.asarray(losses.categorical_hinge(oh, p)),
                               np.maximum(neg - pos + 1, 0), rtol=2e-5)
    tb = RNG.integers(0, 2, (4, 3)).astype(np.float32)
    bce = _ref_bce(tb.astype(np.float64), p64, False, 0.0)
    pt = tb * p64 + (1 - tb) * (1 - p64)
    pc = np.clip(p64, EPS, 1 - EPS)
    elem = -(tb * np.log(pc) + (1 - tb) * np.log(1 - pc))
    want = np.mean((1 - pt) ** 2 * elem, -1)
    np.testing.assert_allclose(np.asarray(losses.binary_focal_crossentropy(tb, p)), want,
                               rtol=2e-5)
    assert bce.shape == want.shape


# ---------------------------------------------------------------- get / serialize / errors
def test_get():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MSE") is losses.mean_squared_error
    assert losses.get("kld") is losses.kl_divergence
    assert losses.get("sparse_categorical_crossentropy") is \
        losses.sparse_categorical_crossentropy
    assert isinstance(losses.get("MeanSquaredError"), losses.MeanSquaredError)
    assert losses.get(None) is None
    inst = losses.Huber()
    assert losses.get(inst) is inst
    assert isinstance(losses.get(losses.Hinge), losses.Hinge)
    cfg = losses.serialize(losses.BinaryCrossentropy(from_logits=True))
    got = losses.get(cfg)
    assert isinstance(got, losses.BinaryCrossentropy) and got.from_logits


def test_get_unknown():
    with pytest.raises(ValueError, match="Could not interpret loss identifier: nope.*"
                                         "mean_squared_error"):
        losses.get("nope")


@pytest.mark.parametrize("loss", [
    losses.MeanSquaredError(reduction="sum"), losses.Huber(delta=0.3),
    losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
    losses.SparseCategoricalCrossentropy(ignore_class=3), losses.CosineSimilarity(axis=0),
    losses.BinaryFocalCrossentropy(gamma=3.0),
])
def test_serialize_round_trip(loss):
    cfg = losses.serialize(loss)
    assert cfg["module"] == "keras.losses"
    assert cfg["class_name"] == type(loss).__name__
    back = losses.deserialize(cfg)
    assert type(back) is type(loss)
    assert back.get_config() == loss.get_config()


def test_serialize_function_and_wrapper():
    cfg = losses.serialize(losses.mean_absolute_error)
    assert cfg["class_name"] == "function" and cfg["config"] == "mean_absolute_error"
    assert losses.deserialize(cfg) is losses.mean_absolute_error
    w = losses.LossFunctionWrapper(losses.huber, name="h", delta=0.5)
    back = losses.LossFunctionWrapper.from_config(w.get_config())
    t, p = _data("huber", (3, 2))
    np.testing.assert_allclose(float(back(t, p)), float(w(t, p)))


def test_invalid_reduction():
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`.*"
                                         "Received: reduction=bad"):
        losses.MeanSquaredError(reduction="bad")


def test_shape_mismatch_error():
    with pytest.raises(ValueError, match="Incompatible shapes|shape"):
        losses.MeanSquaredError()(np.zeros((3, 2)), np.zeros((4, 2)))


@pytest.mark.parametrize("fn,kwargs", [(losses.mean_squared_error, {}),
                                       (losses.huber, {}), (losses.huber, {"delta": 0.3}),
                                       (losses.poisson, {})])
def test_wrapped_point_function_uses_fused_path(fn, kwargs):
    t, p = _data("mean_squared_error", (5, 3))
    w = RNG.uniform(0, 1, 5).astype(np.float32)
    wrapped = losses.LossFunctionWrapper(fn, name="x", **kwargs)
    assert wrapped._point is not None
    want = np.sum(np.asarray(fn(t, p, **kwargs), np.float64) * w) / 5
    np.testing.assert_allclose(float(wrapped(t, p, sample_weight=w)), want, rtol=1e-5)


def test_keras_config_with_dtype_policy():
    cfg = {"module": "keras.losses", "class_name": "BinaryCrossentropy",
           "config": {"name": "bce", "reduction": "sum", "from_logits": True,
                      "label_smoothing": 0.0, "axis": -1,
                      "dtype": {"module": "keras", "class_name": "DTypePolicy",
                                "config": {"name": "float32"}, "registered_name": None}},
           "registered_name": None}
    loss = losses.deserialize(cfg)
    assert loss.name == "bce" and loss.reduction == "sum" and loss.from_logits
    with pytest.raises(ValueError, match="Only dtype='float32'.*Received: dtype=float64"):
        losses.MeanSquaredError(dtype="float64")
