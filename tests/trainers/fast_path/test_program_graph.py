"""The C++ Program's graph (csrc/program) against a NumPy float64 reference: forward
values of every node kind, and gradients (one SGD step with learning rate 1 moves each
weight by exactly its gradient) against central differences."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit.core._c import _C

L = keras.layers


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _merge_model():
    keras.utils.set_random_seed(7)
    i = keras.Input((4,))
    d1 = L.Dense(5, activation="tanh")(i)
    d2 = L.Dense(5, activation="sigmoid")(i)
    a = L.Add()([d1, d2])
    m = L.Multiply()([d1, d2, a])
    mx = L.Maximum()([a, m])
    mn = L.Minimum()([mx, d2])
    s = L.Subtract()([mx, mn])
    av = L.Average()([s, m, d1])
    c = L.Concatenate()([av, L.Activation("relu")(d2)])
    r = L.Flatten()(L.Reshape((2, 5))(c))
    out = L.Dense(3)(L.LeakyReLU(0.2)(r))
    return keras.Model(i, out)


def _reference(ws, x):
    """NumPy float64 forward of `_merge_model` from its weights."""
    k1, b1, k2, b2, k3, b3 = ws
    d1 = np.tanh(x @ k1 + b1)
    d2 = _sigmoid(x @ k2 + b2)
    a = d1 + d2
    m = d1 * d2 * a
    mx = np.maximum(a, m)
    mn = np.minimum(mx, d2)
    s = mx - mn
    av = (s + m + d1) / 3.0
    c = np.concatenate([av, np.maximum(d2, 0.0)], axis=1)
    h = np.where(c > 0, c, 0.2 * c)
    return h @ k3 + b3


def _data(n=16):
    rng = np.random.default_rng(3)
    return (rng.standard_normal((n, 4)).astype(np.float32),
            rng.standard_normal((n, 3)).astype(np.float32))


def test_forward_of_every_node_kind_matches_numpy():
    model = _merge_model()
    x, _ = _data()
    out = model.predict(x, verbose=0)
    assert model.fast_path_reason is None
    ref = _reference([w.astype(np.float64) for w in model.get_weights()], x.astype(np.float64))
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)


def test_one_sgd_step_moves_each_weight_by_its_gradient():
    model = _merge_model()
    model.compile(keras.optimizers.SGD(learning_rate=1.0), loss="mse")
    x, y = _data()
    before = [w.astype(np.float64) for w in model.get_weights()]
    model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    assert model.fast_path_reason is None
    after = model.get_weights()
    xd, yd = x.astype(np.float64), y.astype(np.float64)

    def loss(ws):
        return np.mean(np.mean((_reference(ws, xd) - yd) ** 2, axis=-1))

    eps = 1e-6
    for k, w in enumerate(before):
        numeric = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            up = [v.copy() for v in before]
            down = [v.copy() for v in before]
            up[k][idx] += eps
            down[k][idx] -= eps
            numeric[idx] = (loss(up) - loss(down)) / (2 * eps)
        np.testing.assert_allclose(before[k] - after[k], numeric, rtol=2e-3, atol=2e-5,
                                   err_msg=f"weight {k}")


def test_frozen_layer_gets_no_update_but_passes_gradient():
    keras.utils.set_random_seed(1)
    first = L.Dense(6, activation="relu")
    middle = L.Dense(6, activation="tanh")
    model = keras.Sequential([keras.Input((4,)), first, middle, L.Dense(3)])
    middle.trainable = False
    model.compile(keras.optimizers.SGD(0.1), loss="mse")
    x, y = _data()
    frozen = [middle.kernel.numpy().copy(), middle.bias.numpy().copy()]
    k0 = first.kernel.numpy().copy()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert model.fast_path_reason is None
    np.testing.assert_array_equal(middle.kernel.numpy(), frozen[0])
    np.testing.assert_array_equal(middle.bias.numpy(), frozen[1])
    # The first layer still trains: the gradient flows through the frozen one.
    assert np.abs(first.kernel.numpy() - k0).max() > 0


def _program(model):
    return model.__dict__["_fast_programs"]


def test_program_rejects_bad_arrays_with_clear_messages():
    model = _merge_model()
    model.compile("sgd", loss="mse")
    x, y = _data()
    model.fit(x, y, epochs=1, verbose=0)
    prog = _program(model)["train"][1].c
    xc, yc = _C.from_numpy(x), _C.from_numpy(y)
    none = _C.from_numpy(np.empty((0,), np.float32))
    order = _C.from_numpy(np.arange(len(x), dtype=np.int64))
    bad_x = _C.from_numpy(np.zeros((16, 5), np.float32))
    with pytest.raises(ValueError,
                       match=r"input 0 must have 4 features per sample, got shape \(16, 5\)"):
        prog.train([bad_x], [yc], [none], order, 0, 1, 8, [0.1], [])
    with pytest.raises(ValueError, match=r"expected 1 input array\(s\), got 2"):
        prog.train([xc, xc], [yc], [none], order, 0, 1, 8, [0.1], [])
    with pytest.raises(ValueError, match=r"targets of output 0 have shape \(16, 2\)"):
        prog.train([xc], [_C.from_numpy(np.zeros((16, 2), np.float32))], [none], order, 0, 1, 8,
                   [0.1], [])
    with pytest.raises(ValueError, match="need one learning rate per step"):
        prog.train([xc], [yc], [none], order, 0, 2, 8, [0.1], [])
    bad_order = _C.from_numpy(np.array([0, 99] + [0] * 14, dtype=np.int64))
    with pytest.raises(ValueError, match="order holds row 99 but x has 16 rows"):
        prog.train([xc], [yc], [none], bad_order, 0, 1, 8, [0.1], [])
    with pytest.raises(ValueError, match=r"sample_weight of output 0 has shape \(3,\)"):
        prog.train([xc], [yc], [_C.from_numpy(np.ones(3, np.float32))], order, 0, 1, 8, [0.1], [])


def test_two_input_program_matches_numpy_and_checks_row_counts():
    keras.utils.set_random_seed(2)
    a, b = keras.Input((4,)), keras.Input((2,))
    h = L.Concatenate()([L.Dense(3, activation="relu")(a), b])
    model = keras.Model([a, b], L.Dense(2)(h))
    model.compile("sgd", loss="mse")
    rng = np.random.default_rng(5)
    xa = rng.standard_normal((16, 4)).astype(np.float32)
    xb = rng.standard_normal((16, 2)).astype(np.float32)
    out = model.predict([xa, xb], verbose=0)
    assert model.fast_path_reason is None
    k1, b1, k2, b2 = [w.astype(np.float64) for w in model.get_weights()]
    hidden = np.maximum(xa.astype(np.float64) @ k1 + b1, 0.0)
    ref = np.concatenate([hidden, xb.astype(np.float64)], axis=1) @ k2 + b2
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
    model.fit([xa, xb], xb, epochs=1, verbose=0)
    prog = _program(model)["train"][1].c
    none = _C.from_numpy(np.empty((0,), np.float32))
    order = _C.from_numpy(np.arange(16, dtype=np.int64))
    xa_c, short_b = _C.from_numpy(xa), _C.from_numpy(xb[:10])
    with pytest.raises(ValueError, match="input 1 has 10 rows but input 0 has 16"):
        prog.train([xa_c, short_b], [_C.from_numpy(xb)], [none], order, 0, 1, 8, [0.1], [])
    with pytest.raises(ValueError, match=r"input 1 must have 2 features per sample"):
        prog.train([xa_c, xa_c], [_C.from_numpy(xb)], [none], order, 0, 1, 8, [0.1], [])


def test_labels_out_of_range_raise_value_error():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="softmax")])
    model.compile("adam", loss="sparse_categorical_crossentropy")
    x, _ = _data()
    y = np.zeros(len(x), np.int64)
    y[5] = 7
    with pytest.raises(ValueError, match="out of range"):
        model.fit(x, y, epochs=1, verbose=0)
    assert model.fast_path_reason is None


def test_batch_larger_than_before_grows_the_buffers():
    model = _merge_model()
    x, _ = _data(200)
    small = model.predict(x, batch_size=8, verbose=0)
    big = model.predict(x, batch_size=200, verbose=0)
    np.testing.assert_allclose(small, big, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("make_opt", [
    lambda: keras.optimizers.RMSprop(1e-3, momentum=0.9, centered=True),
    lambda: keras.optimizers.Adam(1e-3, amsgrad=True),
    lambda: keras.optimizers.AdamW(1e-3, weight_decay=0.01),
    lambda: keras.optimizers.SGD(0.01, momentum=0.9, nesterov=True, clipvalue=0.01),
    lambda: keras.optimizers.Adagrad(0.01),
    lambda: keras.optimizers.Adamax(0.01),
    lambda: keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(0.01, 3, 0.5)),
], ids=["rmsprop", "adam", "adamw", "sgd", "adagrad", "adamax", "schedule"])
def test_large_kernels_updated_during_backward_match_eager(make_opt):
    # Kernels of >= 2^15 weights are updated block by block inside the backward; the
    # result must be the eager path's, bit for bit.
    rng = np.random.default_rng(0)
    x = rng.random((96, 784), dtype=np.float32)
    y = rng.integers(0, 10, 96)
    weights = {}
    for fast in (True, False):
        keras.config.set_fast_path_enabled(fast)
        try:
            keras.utils.set_random_seed(4)
            model = keras.Sequential([keras.Input((784,)), L.Dense(48, activation="relu"),
                                      L.Dropout(0.3), L.Dense(10)])
            model.compile(make_opt(), keras.losses.SparseCategoricalCrossentropy(
                from_logits=True))
            np.random.seed(1)
            model.fit(x, y, batch_size=32, epochs=2, verbose=0)
            assert (model.fast_path_reason is None) == fast
            weights[fast] = model.get_weights()
        finally:
            keras.config.set_fast_path_enabled(True)
    for a, b in zip(weights[True], weights[False]):
        np.testing.assert_array_equal(a, b)
