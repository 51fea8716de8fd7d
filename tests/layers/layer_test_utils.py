"""check_layer: the standard battery for a built-in layer."""

import numpy as np

import pyfastfit as keras
from pyfastfit import ops


def check_layer(cls, kwargs, input_shape, expected_shape, num_weights=0,
                num_trainable=None, input_data=None, training_step=True, call_kwargs=None):
    """Builds `cls(**kwargs)` on inputs of `input_shape` and checks: output shape, weight
    counts, a symbolic call (None batch), one gradient step changing the weights, and a
    get_config/from_config round trip giving the same outputs with the same weights."""
    call_kwargs = call_kwargs or {}
    rng = np.random.default_rng(0)
    if input_data is None:
        if isinstance(input_shape, list):
            input_data = [rng.standard_normal(s).astype("float32") for s in input_shape]
        else:
            input_data = rng.standard_normal(input_shape).astype("float32")
    layer = cls(**kwargs)
    out = layer(input_data, **call_kwargs)
    assert tuple(out.shape) == tuple(expected_shape)
    assert layer.built
    assert len(layer.weights) == num_weights
    if num_trainable is not None:
        assert len(layer.trainable_weights) == num_trainable
    # Symbolic call.
    sym = cls(**kwargs)
    if isinstance(input_shape, list):
        sym_in = [keras.Input(shape=s[1:]) for s in input_shape]
    else:
        sym_in = keras.Input(shape=input_shape[1:])
    sym_out = sym(sym_in, **call_kwargs)
    assert tuple(sym_out.shape) == (None,) + tuple(expected_shape[1:])
    # Training step.
    if training_step and layer.trainable_weights:
        before = [w.numpy() for w in layer.trainable_weights]
        w_out = rng.standard_normal(expected_shape).astype("float32")
        with keras.GradientTape() as tape:
            y = layer(input_data, **call_kwargs)
            loss = ops.sum(ops.multiply(y, w_out))
        grads = tape.gradient(loss, layer.trainable_weights)
        for v, g in zip(layer.trainable_weights, grads):
            assert g is not None
            v.assign_sub(np.asarray(g) * 0.1)
        after = [w.numpy() for w in layer.trainable_weights]
        assert any(not np.allclose(a, b) for a, b in zip(before, after))
    # Config round trip.
    config = layer.get_config()
    clone = cls.from_config(config)
    assert clone.get_config() == config
    clone(input_data, **call_kwargs)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(clone(input_data, **call_kwargs)),
                               np.asarray(layer(input_data, **call_kwargs)), rtol=1e-6)
    return layer, out
