import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import constraints

RNG = np.random.default_rng(0)
W = (RNG.standard_normal((5, 4)) * [[0.1], [1.0], [2.0], [0.5], [0.2]]).astype("float32")
EPS = 1e-7


def _norms(w, axis):
    return np.sqrt((w.astype(np.float64) ** 2).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("axis", [0, 1])
def test_max_norm_matches_numpy(axis):
    out = np.asarray(constraints.MaxNorm(1.5, axis=axis)(W))
    n = _norms(W, axis)
    ref = W * (np.clip(n, 0, 1.5) / (n + EPS))
    np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-7)
    assert (_norms(out, axis) <= 1.5 + 1e-5).all()
    small = n[..., 0] < 1.5 if axis == 1 else n[0] < 1.5  # norms under the cap: unchanged
    kept = out[small] if axis == 1 else out[:, small]
    np.testing.assert_allclose(kept, W[small] if axis == 1 else W[:, small], rtol=1e-5)


def test_unit_norm_non_neg_and_min_max_norm_match_numpy():
    n = _norms(W, 0)
    np.testing.assert_allclose(np.asarray(constraints.UnitNorm()(W)), W / (n + EPS), rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(constraints.NonNeg()(W)), np.maximum(W, 0))
    for rate in (1.0, 0.5):
        out = np.asarray(constraints.MinMaxNorm(0.8, 1.2, rate=rate)(W))
        desired = rate * np.clip(n, 0.8, 1.2) + (1 - rate) * n
        np.testing.assert_allclose(out, W * desired / (n + EPS), rtol=1e-6, atol=1e-7)


def test_get_serialize_and_errors():
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert isinstance(constraints.get("non_neg"), constraints.NonNeg)
    assert constraints.get(None) is None
    c = constraints.deserialize(constraints.serialize(constraints.MinMaxNorm(0.1, 2.0, 0.5, 1)))
    assert c.get_config() == {"min_value": 0.1, "max_value": 2.0, "rate": 0.5, "axis": 1}
    assert constraints.serialize(constraints.MaxNorm(3))["module"] == "keras.constraints"
    with pytest.raises(ValueError, match="Could not interpret constraint identifier: 'max'"):
        constraints.get("max")
    f = lambda w: w * 0.5  # noqa: E731
    assert constraints.get(f) is f


def _data():
    x = RNG.standard_normal((256, 6)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64")


def test_fit_applies_kernel_constraint_after_every_update():
    x, y = _data()
    keras.utils.set_random_seed(1)
    dense = keras.layers.Dense(8, activation="relu", kernel_constraint=keras.constraints.MaxNorm(0.3),
                               bias_constraint="non_neg")
    model = keras.Sequential([keras.Input((6,)), dense, keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    assert model.fast_path_reason is None  # the C++ loop applies them too
    k, b = dense.get_weights()
    assert _norms(k, 0).max() <= 0.3 + 1e-5
    assert np.isclose(_norms(k, 0).max(), 0.3, rtol=1e-4)  # the cap was reached
    assert (b >= 0).all()
    assert dense.kernel.constraint is dense.kernel_constraint
    config = dense.get_config()["kernel_constraint"]
    assert config["class_name"] == "MaxNorm" and config["config"]["max_value"] == 0.3


def test_custom_loop_apply_gradients_applies_constraint():
    var = keras.Variable(np.array([1.0, -1.0, 2.0], "float32"))
    var.constraint = keras.constraints.NonNeg()
    opt = keras.optimizers.SGD(1.0)
    opt.apply_gradients([(keras.ops.convert_to_tensor(np.array([2.0, 0.5, -1.0], "float32")),
                          var)])
    np.testing.assert_array_equal(var.numpy(), [0.0, 0.0, 3.0])


@pytest.mark.parametrize("name", ["max_norm", "unit_norm_rows", "min_max_norm", "non_neg"])
def test_fast_path_constraint_kernel_matches_numpy(name):
    """One step at learning rate 0 leaves only the constraint's projection (C++ kernel),
    checked against the float64 formula."""
    make = {"max_norm": (lambda: constraints.MaxNorm(0.2), lambda w: w * np.clip(
                _norms(w, 0), 0, 0.2) / (_norms(w, 0) + EPS)),
            "unit_norm_rows": (lambda: constraints.UnitNorm(axis=1),
                               lambda w: w / (_norms(w, 1) + EPS)),
            "min_max_norm": (lambda: constraints.MinMaxNorm(0.5, 0.6, rate=0.25),
                             lambda w: w * (0.25 * np.clip(_norms(w, 0), 0.5, 0.6) + 0.75 *
                                            _norms(w, 0)) / (_norms(w, 0) + EPS)),
            "non_neg": (constraints.NonNeg, lambda w: np.maximum(w, 0))}[name]
    x, y = _data()
    keras.utils.set_random_seed(2)
    dense = keras.layers.Dense(5, kernel_constraint=make[0]())
    model = keras.Sequential([keras.Input((6,)), dense, keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    w0 = dense.kernel.numpy().astype(np.float64)
    model.fit(x[:32], np.zeros((32, 2), np.float32), batch_size=32, epochs=1, verbose=0)
    assert model.fast_path_reason is None
    np.testing.assert_allclose(dense.kernel.numpy(), make[1](w0), rtol=1e-6, atol=1e-7)
