"""Cross-entropy ops vs NumPy float64 references, with finite-difference gradients."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit.ops import _crossentropy as ce
from tests.helpers import check_op, numeric_grad

EPS = 1e-7
RNG = np.random.default_rng(0)


# ------------------------------------------------------------------ references
def _log_softmax(z):
    m = z.max(-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(-1, keepdims=True))


def ref_sparse_logits(labels):
    def f(z):
        ls = _log_softmax(z)
        return -np.take_along_axis(ls, labels[..., None].astype(np.int64), -1)[..., 0]
    return f


def ref_sparse_probs(labels):
    def f(p):
        lp = np.log(np.clip(p, EPS, 1 - EPS))
        return ref_sparse_logits(labels)(lp)
    return f


def ref_cat_logits(t, z):
    return -(t * _log_softmax(z)).sum(-1)


def ref_cat_probs(t, p):
    p = p / p.sum(-1, keepdims=True)
    return -(t * np.log(np.clip(p, EPS, 1 - EPS))).sum(-1)


def ref_bce_logits(t, x):
    return np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))


def ref_bce_probs(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def _probs(shape):
    p = RNG.uniform(0.05, 1.0, shape)
    return p / p.sum(-1, keepdims=True)


def _check_grad(fn32, ref64, args, i, atol=2e-3, rtol=2e-3):
    """Tape gradient of fn32 w.r.t. args[i] (weighted by w) vs central differences."""
    num, w = numeric_grad(ref64, args, i)
    vars_ = [ff.Variable(np.asarray(a, np.float32)) if k == i else a
             for k, a in enumerate(args)]
    with ff.GradientTape() as tape:
        y = fn32(*vars_)
    g = tape.gradient(y, vars_[i], output_gradients=w.astype(np.float32))
    assert g is not None
    np.testing.assert_allclose(np.asarray(g), num, atol=atol, rtol=rtol)


# ---------------------------------------------------------------------- sparse
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "float32"])
@pytest.mark.parametrize("from_logits", [True, False])
def test_sparse_forward_and_grad(dtype, from_logits):
    C = 7
    labels = RNG.integers(0, C, (4, 3)).astype(dtype)
    out = RNG.standard_normal((4, 3, C)) * 3 if from_logits else _probs((4, 3, C))
    ref = (ref_sparse_logits if from_logits else ref_sparse_probs)(labels.astype(np.int64))
    loss = ce.sparse_categorical_crossentropy(labels, out.astype(np.float32),
                                              from_logits=from_logits)
    assert loss.shape == (4, 3)
    np.testing.assert_allclose(np.asarray(loss), ref(out), rtol=1e-5, atol=1e-5)
    _check_grad(
        lambda o: ce.sparse_categorical_crossentropy(labels, o, from_logits=from_logits),
        ref, [out], 0)


def test_sparse_trailing_one_and_extreme_logits():
    z = np.array([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]], np.float32)
    y = np.array([[1], [2]])
    loss = ce.sparse_categorical_crossentropy(y, z, from_logits=True)
    np.testing.assert_allclose(np.asarray(loss), [1000.0, np.log(3.0)], rtol=1e-6)


@pytest.mark.parametrize("label", [10, -1, 255])
def test_sparse_label_out_of_range(label):
    z = np.zeros((2, 10), np.float32)
    dtype = np.uint8 if label == 255 else np.int64
    labels = np.array([0, label], dtype)
    for from_logits in (True, False):
        msg = rf"label {label} \(at index 1\) is out of range.*num_classes=10"
        with pytest.raises(ValueError, match=msg):
            ce.sparse_categorical_crossentropy(labels, z + 0.1, from_logits=from_logits)


def test_sparse_shape_errors():
    with pytest.raises(ValueError, match="same shape up until the last dimension"):
        ce.sparse_categorical_crossentropy(np.zeros(3, np.int64), np.ones((4, 5), np.float32))
    msg = (r"shape of `output` without the class axis: target.shape=\(4,\), "
           r"output.shape=\(4, 5\), axis=0")
    with pytest.raises(ValueError, match=msg):
        ce.sparse_categorical_crossentropy(np.zeros(4, np.int64), np.ones((4, 5)), axis=0)


# ----------------------------------------------------------------- categorical
@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("soft", [False, True])
def test_categorical_forward_and_grads(from_logits, soft):
    B, C = 5, 6
    if soft:  # label-smoothed targets
        t = np.eye(C)[RNG.integers(0, C, B)] * 0.9 + 0.1 / C
    else:
        t = np.eye(C)[RNG.integers(0, C, B)]
    out = RNG.standard_normal((B, C)) * 2 if from_logits else _probs((B, C)) * 3
    ref = ref_cat_logits if from_logits else ref_cat_probs
    loss = ce.categorical_crossentropy(t, out, from_logits=from_logits)
    assert loss.shape == (B,)
    np.testing.assert_allclose(np.asarray(loss), ref(t, out), rtol=1e-5, atol=1e-5)

    def fn(a, b):
        return ce.categorical_crossentropy(a, b, from_logits=from_logits)

    _check_grad(fn, ref, [t, out], 1)
    _check_grad(fn, ref, [t, out], 0)


def test_categorical_unnormalised_soft_target_grad():
    # Targets not summing to one: the logits gradient is p * sum(t) - t.
    t = RNG.uniform(0, 1, (3, 4))
    z = RNG.standard_normal((3, 4))
    _check_grad(lambda a, b: ce.categorical_crossentropy(a, b, from_logits=True),
                ref_cat_logits, [t, z], 1)


def test_categorical_probs_clipping():
    t = np.array([[1.0, 0.0]], np.float32)
    p = np.array([[0.0, 1.0]], np.float32)
    np.testing.assert_allclose(np.asarray(ce.categorical_crossentropy(t, p)),
                               ref_cat_probs(t.astype(np.float64), p.astype(np.float64)),
                               rtol=1e-5)


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("shape,axis", [((4, 3), 0), ((2, 4, 3), 1), ((2, 4, 3), -2),
                                        ((3, 2, 4), 0), ((2, 3, 4, 2), 1)])
def test_categorical_axis(from_logits, shape, axis):
    # Forward against a float64 reference with the class axis moved last, and tape
    # gradients (through the transposes) for both output and target.
    C = shape[axis]
    t = np.moveaxis(np.eye(C)[RNG.integers(0, C, np.delete(shape, axis % len(shape)))],
                    -1, axis) * 0.9 + 0.1 / C
    out = RNG.standard_normal(shape) * 2 if from_logits else RNG.uniform(0.05, 1.0, shape)
    base = ref_cat_logits if from_logits else ref_cat_probs

    def ref(a, b):
        return base(np.moveaxis(a, axis, -1), np.moveaxis(b, axis, -1))

    check_op(lambda a, b: ce.categorical_crossentropy(a, b, from_logits=from_logits,
                                                      axis=axis), ref, [t, out])


def test_categorical_axis_last_positive_is_minus_one():
    t = np.eye(3)[[0, 2]]
    z = RNG.standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_array_equal(
        np.asarray(ce.categorical_crossentropy(t, z, from_logits=True, axis=1)),
        np.asarray(ce.categorical_crossentropy(t, z, from_logits=True)))


def test_categorical_axis_out_of_bounds():
    with pytest.raises(ValueError, match="axis 2 is out of bounds for a tensor of rank 2"):
        ce.categorical_crossentropy(np.eye(3), np.eye(3), axis=2)
    with pytest.raises(ValueError, match="axis -3 is out of bounds"):
        ce.sparse_categorical_crossentropy(np.zeros(3, np.int64), np.eye(3), axis=-3)


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("shape,axis", [((5, 4), 0), ((2, 5, 3), 1), ((3, 2, 5), 0),
                                        ((2, 5, 3), -2)])
def test_sparse_axis(from_logits, shape, axis):
    C = shape[axis]
    labels = RNG.integers(0, C, np.delete(shape, axis % len(shape)))
    out = RNG.standard_normal(shape) * 2 if from_logits else _probs(shape) + 0.05
    base = ref_sparse_logits if from_logits else ref_sparse_probs

    def ref(lab, b):
        return base(lab)(np.moveaxis(b, axis, -1))

    check_op(lambda lab, b: ce.sparse_categorical_crossentropy(
        lab, b, from_logits=from_logits, axis=axis), ref, [labels, out], grad_args=[1])


def test_categorical_shape_error():
    msg = r"same shape. Received: target.shape=\(2, 3\), output.shape=\(2, 4\)"
    with pytest.raises(ValueError, match=msg):
        ce.categorical_crossentropy(np.zeros((2, 3)), np.ones((2, 4)))


# ---------------------------------------------------------------------- binary
@pytest.mark.parametrize("from_logits", [True, False])
def test_binary_forward_and_grads(from_logits):
    t = RNG.uniform(0, 1, (4, 5))
    out = RNG.standard_normal((4, 5)) * 4 if from_logits else RNG.uniform(0.02, 0.98, (4, 5))
    ref = ref_bce_logits if from_logits else ref_bce_probs
    loss = ce.binary_crossentropy(t, out, from_logits=from_logits)
    assert loss.shape == (4, 5)
    np.testing.assert_allclose(np.asarray(loss), ref(t, out), rtol=1e-5, atol=1e-6)

    def fn(a, b):
        return ce.binary_crossentropy(a, b, from_logits=from_logits)

    _check_grad(fn, ref, [t, out], 1)
    _check_grad(fn, ref, [t, out], 0)


def test_binary_extreme_logits_are_finite():
    x = np.array([-200.0, 200.0, 0.0], np.float32)
    t = np.array([1.0, 0.0, 1.0], np.float32)
    np.testing.assert_allclose(np.asarray(ce.binary_crossentropy(t, x, from_logits=True)),
                               [200.0, 200.0, np.log(2.0)], rtol=1e-6)
    p = np.array([0.0, 1.0], np.float32)
    loss = np.asarray(ce.binary_crossentropy([1.0, 0.0], p))
    # Clipping happens in float32, as in Keras: 1 - 1e-7 is rounded.
    hi = np.float32(1.0) - np.float32(1e-7)
    expected = [-np.log(np.float32(1e-7)), -np.log(np.float32(1.0) - hi)]
    np.testing.assert_allclose(loss, expected, rtol=1e-5)


def test_binary_shape_error():
    with pytest.raises(ValueError, match="same rank"):
        ce.binary_crossentropy(np.zeros((2, 1)), np.ones(2))


def test_no_target_gradient_for_constants():
    z = ff.Variable(RNG.standard_normal((2, 3)).astype(np.float32))
    t = ff.Tensor(np.eye(3, dtype=np.float32)[[0, 2]])
    with ff.GradientTape() as tape:
        y = ce.categorical_crossentropy(t, z, from_logits=True)
    gz, gt = tape.gradient(y, [z, t], output_gradients=np.ones(2, np.float32))
    assert gt is None
    p = np.exp(_log_softmax(np.asarray(z, np.float64)))
    np.testing.assert_allclose(np.asarray(gz), p - np.asarray(t), rtol=1e-5, atol=1e-6)
