import numpy as np
import pytest

from pyfastfit import activations

X = np.linspace(-3, 3, 13).astype("float32").reshape(1, 13)


@pytest.mark.parametrize("name,ref", [
    ("relu", lambda x: np.maximum(x, 0)),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x))),
    ("tanh", np.tanh),
    ("linear", lambda x: x),
    ("elu", lambda x: np.where(x > 0, x, np.exp(x) - 1)),
    ("softplus", lambda x: np.log1p(np.exp(x))),
    ("softsign", lambda x: x / (1 + np.abs(x))),
    ("swish", lambda x: x / (1 + np.exp(-x))),
    ("silu", lambda x: x / (1 + np.exp(-x))),
    ("leaky_relu", lambda x: np.where(x > 0, x, 0.2 * x)),
    ("exponential", np.exp),
    ("softmax", lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
    ("selu", lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1))),
])
def test_activation_values(name, ref):
    fn = activations.get(name)
    np.testing.assert_allclose(np.asarray(fn(X)), ref(X.astype(np.float64)), rtol=1e-5, atol=1e-6)


def test_gelu():
    from math import erf

    ref = np.array([0.5 * x * (1 + erf(x / np.sqrt(2))) for x in X[0]])
    np.testing.assert_allclose(np.asarray(activations.gelu(X))[0], ref, rtol=1e-5, atol=1e-6)


def test_relu_options():
    x = np.array([-2.0, 0.5, 1.5, 10.0], "float32")
    np.testing.assert_allclose(np.asarray(activations.relu(x, threshold=1.0)), [0, 0, 1.5, 10])
    np.testing.assert_allclose(np.asarray(activations.relu(x, max_value=6.0)), [0, 0.5, 1.5, 6])


def test_get_serialize_round_trip_and_errors():
    for name in ["relu", "sigmoid", "softmax", "tanh", "linear", "gelu", "elu", "selu",
                 "softplus", "softsign", "silu", "leaky_relu", "exponential"]:
        fn = activations.get(name)
        assert activations.get(activations.serialize(fn)) is fn
    assert activations.get(None) is activations.linear
    f = lambda x: x  # noqa: E731
    assert activations.get(f) is f
    with pytest.raises(ValueError, match="Valid names"):
        activations.get("bogus")
