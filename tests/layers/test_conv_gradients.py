"""Gradient checks of the convolution and pooling layers: the tape's gradients with respect
to the input and to every weight against central finite differences of the layer itself.

Without an activation these layers are linear in each argument (max pooling piecewise
linear, with well separated inputs), so central differences are exact up to float32
round-off and a large step keeps that round-off small."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers, ops

EPS = 0.25


def _loss_np(layer, x, w_out):
    return float(np.sum(np.asarray(layer(x), dtype=np.float64) * w_out))


def _fd(layer, x, w_out, target):
    """d loss / d target (x itself, or a weight Variable) by central differences."""
    base = np.array(x if target is None else target.numpy(), dtype=np.float32)
    grad = np.zeros(base.shape)
    for idx in np.ndindex(base.shape):
        vals = []
        for sign in (1.0, -1.0):
            moved = base.copy()
            moved[idx] += sign * EPS
            if target is None:
                vals.append(_loss_np(layer, moved, w_out))
            else:
                target.assign(moved)
                vals.append(_loss_np(layer, x, w_out))
        grad[idx] = (vals[0] - vals[1]) / (2 * EPS)
    if target is not None:
        target.assign(base)
    return grad


def _check(layer, x):
    out = np.asarray(layer(x))
    w_out = np.random.default_rng(1).standard_normal(out.shape).astype("float32")
    xv = keras.Variable(x)
    with keras.GradientTape() as tape:
        loss = ops.sum(ops.multiply(layer(xv), w_out))
    grads = tape.gradient(loss, [xv] + list(layer.trainable_weights))
    np.testing.assert_allclose(np.asarray(grads[0]), _fd(layer, x, w_out, None),
                               atol=2e-3, rtol=2e-3, err_msg="input gradient")
    for v, g in zip(layer.trainable_weights, grads[1:]):
        np.testing.assert_allclose(np.asarray(g), _fd(layer, x, w_out, v), atol=2e-3,
                                   rtol=2e-3, err_msg=f"gradient of {v.name}")


@pytest.mark.parametrize("make,shape", [
    (lambda: layers.Conv1D(2, 3), (2, 5, 2)),
    (lambda: layers.Conv1D(2, 2, padding="causal", dilation_rate=2), (1, 5, 1)),
    (lambda: layers.Conv1D(2, 3, strides=2, padding="same"), (1, 6, 2)),
    (lambda: layers.Conv2D(2, 2), (1, 3, 4, 2)),
    (lambda: layers.Conv2D(2, 3, strides=2, padding="same"), (2, 4, 3, 1)),
    (lambda: layers.Conv2D(2, 2, dilation_rate=(1, 2)), (1, 3, 4, 1)),
    (lambda: layers.Conv2D(4, 2, groups=2), (1, 3, 3, 2)),
    (lambda: layers.Conv2D(2, 2, padding="same", data_format="channels_first"), (1, 2, 3, 3)),
    (lambda: layers.Conv2DTranspose(2, 2, strides=2), (1, 2, 2, 2)),
    (lambda: layers.Conv2DTranspose(1, 3, strides=2, padding="same", output_padding=1),
     (1, 2, 3, 1)),
    (lambda: layers.DepthwiseConv2D(2, depth_multiplier=2), (1, 3, 3, 2)),
    (lambda: layers.DepthwiseConv2D(3, strides=2, padding="same"), (1, 4, 3, 2)),
    (lambda: layers.SeparableConv2D(2, 2, depth_multiplier=2), (1, 3, 3, 2)),
    (lambda: layers.SeparableConv2D(1, 3, strides=2, padding="same"), (1, 3, 4, 2)),
    (lambda: layers.Conv2D(2, 2, strides=3), (1, 5, 5, 1)),          # stride > kernel
    (lambda: layers.Conv2DTranspose(1, 2, strides=3), (1, 2, 2, 1)),
    (lambda: layers.AveragePooling2D(2, strides=3), (1, 5, 5, 1)),
    (lambda: layers.AveragePooling2D(2), (1, 4, 4, 2)),
    (lambda: layers.AveragePooling2D(3, strides=2, padding="same"), (1, 5, 4, 1)),
    (lambda: layers.AveragePooling1D(2, strides=1), (2, 4, 2)),
    (lambda: layers.AveragePooling1D(2, padding="same", data_format="channels_first"),
     (1, 2, 5)),
])
def test_layer_gradients(make, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    layer = make()
    layer(x)
    _check(layer, x)


@pytest.mark.parametrize("make,shape", [
    (lambda: layers.MaxPooling2D(2), (1, 4, 4, 2)),
    (lambda: layers.MaxPooling2D(3, strides=2, padding="same"), (1, 5, 4, 1)),
    (lambda: layers.MaxPooling2D(2, data_format="channels_first"), (1, 2, 4, 3)),
    (lambda: layers.MaxPooling1D(3, strides=2), (2, 7, 1)),
    (lambda: layers.MaxPooling2D(2, strides=3), (1, 5, 5, 1)),
    (lambda: layers.MaxPooling1D(2, strides=1, padding="same"), (1, 5, 2)),
])
def test_max_pooling_gradients(make, shape):
    # distinct values 1 apart: a step of EPS never changes which cell is the max
    n = int(np.prod(shape))
    x = np.random.default_rng(0).permutation(n).reshape(shape).astype("float32")
    layer = make()
    layer(x)
    _check(layer, x)


@pytest.mark.parametrize("activation,fmt", [
    ("relu", "channels_last"), ("gelu", "channels_last"), ("elu", "channels_first"),
    ("softmax", "channels_last"), ("softmax", "channels_first"), ("tanh", "channels_first"),
])
@pytest.mark.parametrize("cls,in_shape,kwargs", [
    (layers.Conv2D, (3, 7, 6, 1), {"padding": "same"}),  # few-float patch: direct kernels
    (layers.Conv2D, (2, 6, 5, 3), {"strides": 2}),  # im2col + GEMM
    (layers.Conv1D, (2, 8, 2), {"padding": "causal", "dilation_rate": 2}),
])
def test_activation_inside_the_kernel_equals_activation_after(cls, in_shape, kwargs,
                                                              activation, fmt):
    # Conv layers with a built-in activation run bias + activation inside the convolution
    # kernel (softmax-like ones only where their axis, the last, is the channels); values
    # and gradients must equal the linear layer followed by the activation.
    rng = np.random.default_rng(3)
    x = rng.standard_normal(in_shape).astype("float32")
    if fmt == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    fused = cls(9, 3, activation=activation, data_format=fmt,
                bias_initializer="random_normal", **kwargs)
    plain = cls(9, 3, data_format=fmt, **kwargs)
    fused.build(x.shape)
    plain.build(x.shape)
    plain.set_weights(fused.get_weights())
    act = keras.activations.get(activation)
    w_out = rng.standard_normal(np.asarray(fused(x)).shape).astype("float32")
    results = []
    for run in (lambda v: fused(v), lambda v: act(plain(v))):
        xv = keras.Variable(x)
        weights = fused.trainable_weights if not results else plain.trainable_weights
        with keras.GradientTape() as tape:
            y = run(xv)
            loss = ops.sum(ops.multiply(y, w_out))
        results.append([np.asarray(y)] + [np.asarray(g) for g in
                                          tape.gradient(loss, [xv] + list(weights))])
    for name, a, b in zip(["output", "dx", "dkernel", "dbias"], *results):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=name)
