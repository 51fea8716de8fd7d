"""A Tensor `sample_weight` is broadcast by Tensor ops (no host access, so a captured
step replays it) and reduces exactly as the same weights given as a NumPy array, for
every weight shape Keras accepts; references in NumPy float64."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import losses, ops
from tests.helpers import no_host_access

RNG = np.random.default_rng(11)


class _MyMSE(losses.Loss):  # the generic (non-fused) reduction path
    def call(self, y_true, y_pred):
        return ops.mean(ops.square(ops.subtract(y_pred, y_true)), axis=-1)


# (values = per-sample losses shape, weight shape, weight broadcast onto the values)
SHAPES = [
    ((6,), (), lambda w: w),
    ((6,), (6,), lambda w: w),
    ((6,), (6, 1), lambda w: w[:, 0]),
    ((6, 4), (6,), lambda w: w[:, None]),
    ((6, 4), (6, 1), lambda w: w),
    ((6, 4), (6, 4), lambda w: w),
    ((6, 4), (6, 4, 1), lambda w: w[..., 0]),
    ((6, 4), (4,), lambda w: w[None, :]),
    ((6, 1), (6,), lambda w: w[:, None]),
]


@pytest.mark.parametrize("vshape,wshape,bcast", SHAPES,
                         ids=[f"{v}-{w}" for v, w, _ in SHAPES])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
@pytest.mark.parametrize("make", [losses.MeanSquaredError, _MyMSE], ids=["fused", "generic"])
def test_tensor_weights_match_numpy_weights_and_reference(vshape, wshape, bcast, reduction,
                                                          make):
    t = RNG.normal(size=vshape + (3,)).astype(np.float32)
    p = RNG.normal(size=vshape + (3,)).astype(np.float32)
    w = RNG.uniform(0, 2, wshape).astype(np.float32)
    loss = make(reduction=reduction)
    tt, pt, wt = ops.convert_to_tensor(t), ops.convert_to_tensor(p), ops.convert_to_tensor(w)
    loss(tt, pt, sample_weight=wt)
    with no_host_access("a loss with a Tensor sample_weight"):
        got = loss(tt, pt, sample_weight=wt)
    same = loss(t, p, sample_weight=w)
    per = ((p.astype(np.float64) - t) ** 2).mean(-1)
    v = per * np.asarray(bcast(w), np.float64)
    want = {"sum": v.sum(), "none": v}.get(reduction, v.sum() / max(v.size, 1))
    np.testing.assert_allclose(np.asarray(got), np.asarray(same), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.asarray(got).reshape(np.shape(want)), want, rtol=2e-5,
                               atol=1e-6)


def test_int_and_bool_tensor_weights_are_cast():
    t = RNG.normal(size=(4, 2)).astype(np.float32)
    p = RNG.normal(size=(4, 2)).astype(np.float32)
    w = np.array([1, 0, 2, 1], np.int64)
    loss = losses.MeanSquaredError()
    np.testing.assert_allclose(float(loss(t, p, sample_weight=ops.convert_to_tensor(w))),
                               float(loss(t, p, sample_weight=w.astype(np.float32))),
                               rtol=1e-6)
    b = np.array([True, False, True, True])
    np.testing.assert_allclose(float(loss(t, p, sample_weight=ops.convert_to_tensor(b))),
                               float(loss(t, p, sample_weight=b.astype(np.float32))),
                               rtol=1e-6)


def test_incompatible_tensor_weight_raises():
    t = np.zeros((6, 4, 3), np.float32)
    with pytest.raises(ValueError, match=r"`sample_weight` of shape \(5,\) cannot be "
                                         r"broadcast to the per-sample losses of shape"):
        losses.MeanSquaredError()(t, t, sample_weight=ops.convert_to_tensor(
            np.ones(5, np.float32)))


def test_gradient_with_a_tensor_weight():
    t = RNG.normal(size=(6, 2)).astype(np.float32)
    p = RNG.normal(size=(6, 2)).astype(np.float32)
    w = RNG.uniform(0, 1, (6,)).astype(np.float32)
    for make in (losses.MeanSquaredError, _MyMSE):
        v = ff.Variable(p)
        with ff.GradientTape() as tape:
            out = make()(t, v, sample_weight=ops.convert_to_tensor(w))
        want = (p - t) * w[:, None] / 6  # d/dp of mean_b(w_b * mean_j (p - t)^2)
        np.testing.assert_allclose(np.asarray(tape.gradient(out, v)), want, rtol=1e-5,
                                   atol=1e-7)
