"""keras.config / keras.backend settings: backend name, floatx, epsilon, data format."""

import numpy as np
import pytest

import pyfastfit as keras


@pytest.fixture(autouse=True)
def _restore():
    yield
    keras.config.set_epsilon(1e-7)
    keras.config.set_image_data_format("channels_last")


def test_backend_name_in_both_namespaces():
    assert keras.backend.backend() == "pyfastfit"
    assert keras.config.backend() == "pyfastfit"
    # Code written for Keras branches on the name; the generic path must be taken.
    assert keras.backend.backend() not in ("tensorflow", "jax", "torch", "numpy")


def test_floatx_only_float32():
    assert keras.config.floatx() == keras.backend.floatx() == "float32"
    keras.config.set_floatx("float32")
    keras.backend.set_floatx(np.dtype("float32"))
    keras.backend.set_floatx(np.float32)
    with pytest.raises(ValueError, match="only floatx='float32'"):
        keras.backend.set_floatx(np.float16)
    with pytest.raises(ValueError, match="Unknown `floatx` value: None"):
        keras.backend.set_floatx(None)
    for value in ("float16", "bfloat16", "float64"):
        with pytest.raises(ValueError, match=f"only floatx='float32'.*value='{value}'"):
            keras.config.set_floatx(value)
    with pytest.raises(ValueError, match="Unknown `floatx` value: int8"):
        keras.backend.set_floatx("int8")
    assert keras.config.floatx() == "float32"


def test_epsilon_roundtrip_and_errors():
    assert keras.config.epsilon() == 1e-7
    keras.config.set_epsilon(1e-5)
    assert keras.backend.epsilon() == 1e-5 and keras.config.epsilon() == 1e-5
    for bad in (-1.0, float("nan"), "a", None, True):
        with pytest.raises(ValueError, match="value="):
            keras.config.set_epsilon(bad)
    assert keras.config.epsilon() == 1e-5


def test_image_data_format_roundtrip_and_validation():
    assert keras.config.image_data_format() == "channels_last"
    keras.config.set_image_data_format("channels_first")
    assert keras.backend.image_data_format() == "channels_first"
    # Layers created with data_format=None follow the setting, as in Keras.
    assert keras.layers.Flatten().data_format == "channels_first"
    assert keras.layers.Flatten(data_format="channels_last").data_format == "channels_last"
    with pytest.raises(ValueError, match="data_format='NCHW'"):
        keras.config.set_image_data_format("NCHW")
    with pytest.raises(ValueError, match="data_format=None"):
        keras.backend.set_image_data_format(None)
    assert keras.config.image_data_format() == "channels_first"


def test_dtype_helpers():
    b = keras.backend
    assert b.standardize_dtype(None) == "float32"
    assert b.standardize_dtype(np.float32) == "float32"
    assert b.standardize_dtype("int64") == "int64"
    assert b.is_float_dtype("float32") and not b.is_float_dtype("int32")
    assert b.is_int_dtype("uint8") and not b.is_int_dtype("bool")
    with pytest.raises(ValueError, match="Invalid dtype"):
        b.standardize_dtype("nope")
    assert b.is_keras_tensor(keras.Input((2,)))
    assert not b.is_keras_tensor(np.zeros(2)) and not b.is_keras_tensor(keras.ops.ones(2))


def test_dtype_policy_float32_only():
    policy = keras.config.dtype_policy()
    assert policy.name == policy.compute_dtype == policy.variable_dtype == "float32"
    keras.config.set_dtype_policy("float32")
    keras.config.set_dtype_policy(policy)
    for bad in ("mixed_float16", "mixed_bfloat16", "float16", None):
        with pytest.raises(ValueError, match=f"only the 'float32' dtype policy.*{bad!r}"):
            keras.config.set_dtype_policy(bad)
