"""Convolution layers: Keras 3's argument checks and errors, weight names/shapes/order,
output shapes (eager and symbolic) and get_config round trips."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers

_RNG = np.random.default_rng(0)


def _x(*shape):
    return _RNG.standard_normal(shape).astype("float32")


@pytest.mark.parametrize("cls,args,kwargs,match", [
    (layers.Conv2D, (0, 3), {}, r"`filters`.*Received filters=0"),
    (layers.Conv2D, (-2, 3), {}, r"`filters`.*Received filters=-2"),
    (layers.Conv2D, (2, 0), {}, r"`kernel_size`.*kernel_size=0.*\{0\}"),
    (layers.Conv2D, (2, -1), {}, r"`kernel_size`.*\{-1\}.*value > 0"),
    (layers.Conv2D, (2, 2.5), {}, r"`kernel_size` argument must be a tuple of 2 integers"),
    (layers.Conv2D, (2, (1, 2, 3)), {}, r"tuple of 2 integers. Received kernel_size=\(1, 2, 3"),
    (layers.Conv1D, (2, (1, 2)), {}, r"tuple of 1 integers"),
    (layers.Conv2D, (2, 3), {"strides": 0}, r"`strides`.*\{0\}"),
    (layers.Conv2D, (2, 3), {"strides": (1, -1)}, r"`strides`.*\{-1\}"),
    (layers.Conv2D, (2, 3), {"dilation_rate": 0}, r"`dilation_rate`.*\{0\}"),
    (layers.Conv2D, (2, 3), {"strides": 2, "dilation_rate": 2},
     r"`strides > 1` not supported in conjunction with `dilation_rate > 1`.*strides=\(2, 2\)"),
    (layers.Conv1D, (2, 3), {"strides": 2, "dilation_rate": 2}, r"`dilation_rate > 1`"),
    (layers.Conv2DTranspose, (2, 3), {"strides": 2, "dilation_rate": 2}, r"`dilation_rate > 1`"),
    (layers.Conv2D, (2, 3), {"groups": 0}, r"groups must be a positive integer.*groups=0"),
    (layers.Conv2D, (5, 3), {"groups": 2}, r"filters must be evenly divisible.*groups=2, "
                                           r"filters=5"),
    (layers.Conv2D, (2, 3), {"padding": "causal"}, r"`padding`.*Received: padding=causal"),
    (layers.Conv1D, (2, 3), {"padding": "full"}, r"'causal'.*Received: padding=full"),
    (layers.Conv2D, (2, 3), {"data_format": "nhwc"}, r"`data_format`.*data_format=nhwc"),
    (layers.Conv2DTranspose, (2, 3), {"padding": "causal"}, r"padding=causal"),
    (layers.Conv2DTranspose, (2, 3), {"strides": 2, "output_padding": 2},
     r"`output_padding` must be strictly less than `strides`.*dimension 0"),
    (layers.Conv2DTranspose, (2, 3), {"output_padding": -1}, r"`output_padding`.*\{-1\}"),
    (layers.DepthwiseConv2D, (3,), {"depth_multiplier": 0}, r"`depth_multiplier`.*=0"),
    (layers.SeparableConv2D, (2, 3), {"depth_multiplier": -1}, r"`depth_multiplier`"),
    (layers.SeparableConv2D, (0, 3), {}, r"`filters`.*filters=0"),
    (layers.DepthwiseConv2D, (0,), {}, r"`kernel_size`"),
])
def test_constructor_errors(cls, args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(*args, **kwargs)


def test_kernel_larger_than_input_raises_at_build():
    with pytest.raises(ValueError, match=r"zero or negative.*\(None, 3, 3, 1\).*kernel_size"
                                         r"=\(5, 5\)"):
        layers.Conv2D(2, 5)(keras.Input((3, 3, 1)))
    with pytest.raises(ValueError, match="zero or negative"):
        layers.Conv2D(2, 5)(_x(1, 3, 3, 1))
    # the dilated reach counts: 2 * (3 - 1) + 1 = 5 > 4
    with pytest.raises(ValueError, match="zero or negative"):
        layers.Conv1D(2, 3, dilation_rate=2)(keras.Input((4, 1)))
    with pytest.raises(ValueError, match="zero or negative"):
        layers.DepthwiseConv2D(3)(keras.Input((2, 2, 1)))
    with pytest.raises(ValueError, match="zero or negative"):
        layers.SeparableConv2D(1, 3)(keras.Input((2, 5, 1)))
    # "same" and "causal" pad: no error, output keeps ceil(n / stride)
    assert layers.Conv2D(2, 5, padding="same")(keras.Input((2, 2, 1))).shape == \
        (None, 2, 2, 2)
    assert layers.Conv1D(2, 9, padding="causal")(keras.Input((3, 1))).shape == (None, 3, 2)
    assert tuple(layers.Conv2D(2, 5, padding="same")(_x(1, 2, 2, 1)).shape) == (1, 2, 2, 2)


def test_groups_not_dividing_channels_and_wrong_rank():
    with pytest.raises(ValueError, match=r"input channels must be evenly divisible.*groups=3.*"
                                         r"4 channels"):
        layers.Conv2D(6, 3, groups=3)(keras.Input((5, 5, 4)))
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=3.*\(None, 5, 4\)"):
        layers.Conv2D(2, 3)(keras.Input((5, 4)))
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=5"):
        layers.Conv2D(2, 3)(_x(1, 5, 5, 4, 3))
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=2"):
        layers.Conv1D(2, 3)(_x(4, 5))
    layer = layers.Conv1D(2, 3)
    layer(_x(1, 5, 2))
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=4"):
        layer(_x(1, 5, 2, 1))
    with pytest.raises(ValueError, match=r"channel dimension.*should be defined"):
        layers.Conv2D(2, 3)(keras.Input((4, 4, None)))
    for cls in (layers.DepthwiseConv2D, layers.Conv2DTranspose):
        with pytest.raises(ValueError, match="expected ndim=4"):
            (cls(3) if cls is layers.DepthwiseConv2D else cls(2, 3))(keras.Input((5, 4)))


@pytest.mark.parametrize("layer,in_shape,weights,out_shape", [
    (lambda: layers.Conv1D(3, 2), (7, 4), [("kernel", (2, 4, 3)), ("bias", (3,))], (6, 3)),
    (lambda: layers.Conv2D(6, (3, 2), groups=2, use_bias=False), (5, 6, 4),
     [("kernel", (3, 2, 2, 6))], (3, 5, 6)),
    (lambda: layers.Conv2D(2, 3, data_format="channels_first"), (3, 6, 5),
     [("kernel", (3, 3, 3, 2)), ("bias", (2,))], (2, 4, 3)),
    (lambda: layers.Conv2DTranspose(3, 3, strides=2, padding="same"), (4, 5, 2),
     [("kernel", (3, 3, 3, 2)), ("bias", (3,))], (8, 10, 3)),
    (lambda: layers.Conv2DTranspose(2, 3, strides=2), (3, 4, 2),
     [("kernel", (3, 3, 2, 2)), ("bias", (2,))], (7, 9, 2)),
    (lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=1), (3, 3, 2),
     [("kernel", (3, 3, 2, 2)), ("bias", (2,))], (8, 8, 2)),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=2, strides=2, padding="same"),
     (7, 6, 3), [("kernel", (3, 3, 3, 2)), ("bias", (6,))], (4, 3, 6)),
    (lambda: layers.SeparableConv2D(4, 3, depth_multiplier=2), (6, 5, 3),
     [("depthwise_kernel", (3, 3, 3, 2)), ("pointwise_kernel", (1, 1, 6, 4)),
      ("bias", (4,))], (4, 3, 4)),
])
def test_weights_and_output_shapes(layer, in_shape, weights, out_shape):
    sym = layer()
    assert sym(keras.Input(in_shape)).shape == (None,) + out_shape
    assert [(w.name, tuple(w.shape)) for w in sym.weights] == weights
    assert sym.compute_output_shape((None,) + in_shape) == (None,) + out_shape
    eager = layer()
    assert tuple(eager(_x(2, *in_shape)).shape) == (2,) + out_shape
    # set_weights with a wrong shape names both shapes
    bad = [np.zeros(s + (1,), "float32") for _, s in weights]
    with pytest.raises(ValueError, match=r"weight shape .* is not compatible with provided "
                                         r"weight shape"):
        eager.set_weights(bad)
    with pytest.raises(ValueError, match="expecting"):
        eager.set_weights(eager.get_weights()[:-1])


@pytest.mark.parametrize("layer", [
    lambda: layers.Conv1D(2, 3, padding="causal", dilation_rate=2, activation="relu"),
    lambda: layers.Conv2D(4, (3, 1), strides=(2, 1), groups=2, use_bias=False,
                          kernel_regularizer="l2", bias_constraint="non_neg",
                          kernel_initializer="he_normal", data_format="channels_first"),
    lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=(1, 0), activation="tanh"),
    lambda: layers.DepthwiseConv2D(2, depth_multiplier=3, depthwise_regularizer="l1"),
    lambda: layers.SeparableConv2D(3, 2, pointwise_constraint="max_norm", padding="same"),
])
def test_config_round_trip(layer):
    a = layer()
    config = a.get_config()
    b = type(a).from_config(config)
    assert b.get_config() == config
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(a))
    assert type(restored) is type(a) and restored.get_config() == config


def test_config_matches_keras_keys_and_values():
    config = layers.Conv2D(2, 3).get_config()
    assert {k: config[k] for k in ("filters", "kernel_size", "strides", "padding",
                                   "data_format", "dilation_rate", "groups", "activation",
                                   "use_bias", "kernel_regularizer", "bias_constraint")} == {
        "filters": 2, "kernel_size": (3, 3), "strides": (1, 1), "padding": "valid",
        "data_format": "channels_last", "dilation_rate": (1, 1), "groups": 1,
        "activation": "linear", "use_bias": True, "kernel_regularizer": None,
        "bias_constraint": None}
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    t = layers.Conv2DTranspose(2, 3).get_config()
    assert "groups" not in t and t["output_padding"] is None
    d = layers.DepthwiseConv2D(3).get_config()
    assert d["depth_multiplier"] == 1 and "depthwise_initializer" in d and "filters" not in d
    s = layers.SeparableConv2D(2, 3).get_config()
    assert {"depthwise_initializer", "pointwise_initializer", "pointwise_regularizer",
            "pointwise_constraint"} <= set(s)
    # a Keras 3 config loads (tuples arrive as lists from JSON)
    keras_cfg = dict(config, kernel_size=[3, 3], strides=[1, 1], dilation_rate=[1, 1])
    assert layers.Conv2D.from_config(keras_cfg).kernel_size == (3, 3)


def test_regularizers_and_constraints_are_applied():
    layer = layers.Conv2D(2, 2, kernel_regularizer=keras.regularizers.L2(0.5),
                          bias_regularizer=keras.regularizers.L1(0.25),
                          kernel_constraint="non_neg")
    layer(_x(1, 3, 3, 1))
    k, b = layer.get_weights()
    expected = 0.5 * np.sum(k.astype(np.float64) ** 2) + 0.25 * np.sum(np.abs(b))
    assert len(layer.losses) == 2
    np.testing.assert_allclose(sum(float(np.asarray(v)) for v in layer.losses), expected,
                               rtol=1e-5)
    assert layer.kernel.constraint is not None


def test_depthwise_and_separable_accept_strides_with_dilation():
    # Keras 3 refuses strides > 1 with dilation > 1 for Conv/ConvTranspose only; here the
    # strided output is the stride-1 dilated output subsampled
    x = _x(2, 9, 8, 2)
    for make in (lambda s: layers.DepthwiseConv2D(3, strides=s, dilation_rate=2,
                                                  depth_multiplier=2),
                 lambda s: layers.SeparableConv2D(3, 2, strides=s, dilation_rate=(2, 1))):
        dense, strided = make(1), make(2)
        dense(x)
        strided(x)
        strided.set_weights(dense.get_weights())
        np.testing.assert_allclose(np.asarray(strided(x)), np.asarray(dense(x))[:, ::2, ::2],
                                   atol=1e-5, rtol=1e-5)


def test_size_one_and_1x1_kernels():
    layer = layers.Conv2D(3, 1)
    x = _x(1, 1, 1, 2)
    layer(x)
    k, b = layer.get_weights()
    np.testing.assert_allclose(np.asarray(layer(x)), x @ k[0, 0] + b, atol=1e-6)
    out = layers.Conv1D(2, 4, padding="same")(_x(1, 1, 3))
    assert tuple(out.shape) == (1, 1, 2)
    out = layers.Conv2DTranspose(2, 1)(_x(1, 1, 1, 3))
    assert tuple(out.shape) == (1, 1, 1, 2)


@pytest.mark.parametrize("cls,args,kwargs,shape", [
    (layers.Conv1D, (3, 3), {"padding": "causal", "dilation_rate": 2}, (2, 7, 2)),
    (layers.Conv1D, (2, 2), {"strides": 2, "padding": "same"}, (1, 5, 3)),
    (layers.Conv2D, (4, 3), {"groups": 2, "strides": (1, 2)}, (2, 5, 6, 2)),
    (layers.Conv2DTranspose, (2, 3), {"strides": 2, "padding": "same"}, (1, 3, 4, 2)),
    (layers.DepthwiseConv2D, (2,), {"depth_multiplier": 2}, (1, 4, 3, 2)),
    (layers.SeparableConv2D, (3, 2), {"padding": "same"}, (1, 3, 5, 2)),
])
def test_channels_first_equals_channels_last_transposed(cls, args, kwargs, shape):
    x = _x(*shape)
    last = cls(*args, **kwargs)
    first = cls(*args, data_format="channels_first", **kwargs)
    last(x)
    first(np.moveaxis(x, -1, 1))
    first.set_weights([w + 0.1 if w.ndim == 1 else w for w in last.get_weights()])
    last.set_weights(first.get_weights())  # non-zero biases on both
    y_last = np.asarray(last(x))
    y_first = np.asarray(first(np.moveaxis(x, -1, 1)))
    np.testing.assert_allclose(y_first, np.moveaxis(y_last, -1, 1), atol=1e-5, rtol=1e-5)
    xf_shape = (None,) + np.moveaxis(x, -1, 1).shape[1:]
    assert first.compute_output_shape(xf_shape) == (None,) + y_first.shape[1:]


def test_call_with_other_channels_than_built_raises():
    # 6 channels on a layer built for 3 would otherwise pass as a 2-group convolution
    for layer, good, bad in [
            (layers.Conv2D(2, 3), (1, 5, 5, 3), (1, 5, 5, 6)),
            (layers.Conv1D(2, 2, data_format="channels_first"), (1, 3, 4), (1, 6, 4)),
            (layers.DepthwiseConv2D(2), (1, 3, 3, 2), (1, 3, 3, 4)),
            (layers.SeparableConv2D(2, 2), (1, 3, 3, 2), (1, 3, 3, 4)),
            (layers.Conv2DTranspose(2, 2), (1, 3, 3, 2), (1, 3, 3, 4))]:
        layer(_x(*good))
        with pytest.raises(ValueError, match=r"expected axis -?\d of input shape to have "
                                             r"value \d, but received input with shape"):
            layer(_x(*bad))


@pytest.mark.parametrize("make1,make2,weights", [
    (lambda: keras.layers.SeparableConv1D(4, 3, strides=2, padding="same",
                                          depth_multiplier=2),
     lambda: keras.layers.SeparableConv2D(4, (1, 3), strides=(1, 2), padding="same",
                                          depth_multiplier=2),
     [(3, 2, 2), (1, 4, 4), (4,)]),
    (lambda: keras.layers.DepthwiseConv1D(3, depth_multiplier=3, dilation_rate=2),
     lambda: keras.layers.DepthwiseConv2D((1, 3), depth_multiplier=3, dilation_rate=(1, 2)),
     [(3, 2, 3), (6,)]),
    (lambda: keras.layers.Conv1DTranspose(3, 3, strides=2, output_padding=1),
     lambda: keras.layers.Conv2DTranspose(3, (1, 3), strides=(1, 2),
                                          output_padding=(0, 1)),
     [(3, 3, 2), (3,)]),
])
def test_1d_variants_are_the_2d_layers_of_height_1(make1, make2, weights):
    """SeparableConv1D, DepthwiseConv1D, Conv1DTranspose: Keras's 1-D weight layouts,
    the values of the 2-D layer on a height-1 input with the same weights, and a config
    round trip."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 9, 2)).astype(np.float32)
    one, two = make1(), make2()
    y1 = np.asarray(one(x))
    assert [tuple(w.shape) for w in one.get_weights()] == weights
    two(x[:, None])
    two.set_weights([w.reshape(t.shape) for w, t in zip(one.get_weights(), two.weights)])
    np.testing.assert_allclose(y1, np.asarray(two(x[:, None]))[:, 0], rtol=1e-5, atol=1e-6)
    assert one.compute_output_shape((None, 9, 2)) == (None,) + y1.shape[1:]
    again = type(one).from_config(one.get_config())
    again(x)
    again.set_weights(one.get_weights())
    np.testing.assert_allclose(np.asarray(again(x)), y1, rtol=1e-6)
