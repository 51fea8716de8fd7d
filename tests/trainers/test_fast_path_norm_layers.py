"""LayerNormalization(rms_scaling=True), GroupNormalization, UnitNormalization,
ActivityRegularization and Embedding(mask_zero=True) on the fast path: fit / evaluate /
predict give the eager path's logs, weights, optimizer state and predictions with one
seed. The normalization nodes call the eager layers' fused kernels between the same
axis moves, so those models match bit for bit (but the epoch logs' running means,
kept in float64 by the Program); the models with an activity penalty
match to float32 round-off (the Program sums the penalty into the loss in another
order than the eager path's composed ops)."""

import warnings

import numpy as np
import pytest

import pyfastfit as keras
from tests.trainers._fast_path_twins import assert_logs_close, assert_same, record

K = keras.layers


def _data(shape, n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((n,) + shape) * 2 + 0.5).astype(np.float32)
    return x, rng.integers(0, 3, n)


def _rms(**kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rms_scaling's deprecation warning (as Keras)
        return K.LayerNormalization(rms_scaling=True, **kwargs)


# name: (per-sample input shape, layers between the input and the softmax head)
EXACT = {
    "rms_layer_norm": ((6,), lambda: [K.Dense(8), _rms(), K.Dropout(0.2)]),
    "rms_layer_norm_no_scale": ((6,), lambda: [K.Dense(8), _rms(scale=False, epsilon=0.1)]),
    "rms_layer_norm_axis1_conv": ((5, 4, 2), lambda: [K.Conv2D(3, 2, padding="same"),
                                                      _rms(axis=1), K.Flatten()]),
    "rms_layer_norm_axes_1_2": ((3, 4, 2), lambda: [_rms(axis=[1, 2]), K.Flatten()]),
    "group_norm_conv1d": ((7, 3), lambda: [K.Conv1D(6, 3), K.GroupNormalization(groups=2),
                                           K.Activation("relu"), K.Flatten()]),
    "group_norm_dense": ((6,), lambda: [K.Dense(8), K.GroupNormalization(groups=4,
                                                                         epsilon=0.01)]),
    "instance_norm_conv2d": ((5, 5, 2), lambda: [K.Conv2D(4, 2),
                                                 K.GroupNormalization(groups=-1),
                                                 K.GlobalAveragePooling2D()]),
    "group_norm_one_group_no_affine": ((4, 6), lambda: [
        K.GroupNormalization(groups=1, center=False, scale=False), K.Flatten()]),
    "group_norm_channels_first": ((4, 5, 3), lambda: [
        K.Conv2D(4, 2, data_format="channels_first"),
        K.GroupNormalization(groups=2, axis=1, center=False), K.Flatten()]),
    "unit_norm": ((6,), lambda: [K.Dense(8), K.UnitNormalization()]),
    "unit_norm_axis1": ((4, 3), lambda: [K.Dense(5), K.UnitNormalization(axis=1),
                                         K.Flatten()]),
    "unit_norm_axes_1_2": ((3, 4, 2), lambda: [K.UnitNormalization(axis=[-1, 1]),
                                               K.Flatten()]),
}
PENALTY = {
    "activity_regularization": ((6,), lambda: [K.Dense(8, activation="tanh"),
                                               K.ActivityRegularization(l1=0.01, l2=0.02)]),
    "activity_regularization_l2_on_conv": ((6, 6, 1), lambda: [
        K.Conv2D(2, 3), K.ActivityRegularization(l2=0.05), K.Flatten()]),
    "group_norm_activity_regularizer": ((6,), lambda: [
        K.Dense(8), K.GroupNormalization(groups=2, activity_regularizer="l2")]),
}


def _build(shape, make, run_eagerly):
    m = keras.Sequential([keras.Input(shape), *make(), K.Dense(3, activation="softmax")])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
              metrics=["accuracy"], run_eagerly=run_eagerly)
    return m


def eager_twin(build, run, seed=7, data_seed=11):
    """`(fast, eager)` records of `run(build(run_eagerly))`: the fast one ran every call
    on the fast path, the other every call eagerly (run_eagerly=True), from one seed."""
    out = []
    for run_eagerly in (False, True):
        keras.utils.set_random_seed(seed)
        model = build(run_eagerly)
        np.random.seed(data_seed)
        out.append(run(model))
    fast, eager = out
    for key in ("fit_reason", "eval_reason", "predict_reason"):
        if key in fast:
            assert fast.pop(key) is None, key
            assert "run_eagerly" in eager.pop(key), key
    return fast, eager


def _fit_all(x, y):
    return lambda m: record(m, x, y, batch_size=16, validation_split=0.25)


@pytest.mark.parametrize("name", sorted(EXACT))
def test_normalization_layers_match_eager_bit_for_bit(name):
    shape, make = EXACT[name]
    x, y = _data(shape)
    fast, eager = eager_twin(lambda e: _build(shape, make, e), _fit_all(x, y))
    # The epoch logs are running means over the batches, which the Program keeps in
    # float64 and the eager path in float32: those agree to round-off; the weights,
    # optimizer state, evaluate logs and predictions bit for bit.
    assert_logs_close(fast.pop("history"), eager.pop("history"), "history", 1e-6, 0)
    assert_same(fast, eager, rtol=0, atol=0)


@pytest.mark.parametrize("name", sorted(PENALTY))
def test_activity_penalties_match_eager(name):
    shape, make = PENALTY[name]
    x, y = _data(shape)
    fast, eager = eager_twin(lambda e: _build(shape, make, e), _fit_all(x, y))
    assert_same(fast, eager)
    # The penalty is in the loss: above the cross-entropy of the predictions.
    p = fast["predict"][0].astype(np.float64)
    ce = -np.mean(np.log(p[np.arange(len(y)), y]))
    assert fast["evaluate"]["loss"] > ce + 1e-4


def test_changing_a_normalization_setting_rebuilds_the_program():
    """The cache key holds what the translators read (epsilon, groups, axis)."""
    x, _ = _data((4, 6), n=8)
    gn, un = K.GroupNormalization(groups=2), K.UnitNormalization()
    m = keras.Sequential([keras.Input((4, 6)), gn, K.Dense(5), un, K.Flatten()])
    first = m.predict(x, verbose=0)
    assert m.fast_path_reason is None
    gn.epsilon, gn.groups, un.axis = 50.0, 3, 1
    second = m.predict(x, verbose=0)
    assert m.fast_path_reason is None
    np.testing.assert_array_equal(second, np.asarray(m(x)))
    assert not np.allclose(first, second)


# ---------------------------------------------------------------------- masks
def _tokens(n=40, steps=6, seed=3):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(1, 20, (n, steps))
    tokens[:, steps // 2:] *= rng.random((n, steps - steps // 2)) < 0.5  # padding zeros
    return tokens, rng.integers(0, 3, n)


# Models whose mask_zero masks are dropped unused (by a layer without mask support), or
# used by a GlobalAveragePooling1D (the masked_mean_pool node).
MASK_FAST = {
    "flatten_drops_it": lambda: [K.Embedding(20, 4, mask_zero=True),
                                 K.Dense(5, activation="relu"), K.Dropout(0.2),
                                 K.LayerNormalization(), K.Flatten()],
    "global_max_pooling_ignores_it": lambda: [K.Embedding(20, 4, mask_zero=True),
                                              K.GlobalMaxPooling1D()],
    "global_average_pooling_uses_it": lambda: [K.Embedding(20, 4, mask_zero=True),
                                               K.Dense(5, activation="relu"),
                                               K.Dropout(0.2), K.GlobalAveragePooling1D()],
    "global_average_pooling_keepdims": lambda: [K.Embedding(20, 4, mask_zero=True),
                                                K.GlobalAveragePooling1D(keepdims=True),
                                                K.Flatten()],
}


def test_masked_average_of_a_text_model_of_unknown_length():
    """Input(shape=(None,)): the steps come from the data; the masked mean is the eager
    path's bit for bit."""
    tokens, y = _tokens(steps=9)

    def build(run_eagerly):
        inp = keras.Input((None,), dtype="int32")
        h = K.Embedding(20, 4, mask_zero=True)(inp)
        out = K.Dense(3, activation="softmax")(K.GlobalAveragePooling1D()(h))
        m = keras.Model(inp, out)
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  run_eagerly=run_eagerly)
        return m

    fast, eager = eager_twin(build, _fit_all(tokens, y))
    assert_logs_close(fast.pop("history"), eager.pop("history"), "history", 1e-6, 0)
    assert_same(fast, eager, rtol=0, atol=0)


@pytest.mark.parametrize("name", sorted(MASK_FAST))
def test_embedding_mask_zero_runs_on_the_fast_path(name):
    tokens, y = _tokens()

    def build(run_eagerly):
        m = keras.Sequential([keras.Input((6,), dtype="int32"), *MASK_FAST[name](),
                              K.Dense(3, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], run_eagerly=run_eagerly)
        return m

    with warnings.catch_warnings():
        # Both paths warn that the layer destroys the mask (Keras's warning).
        warnings.filterwarnings("ignore", "Layer .* does not support masking")
        fast, eager = eager_twin(build, _fit_all(tokens, y))
    assert_logs_close(fast.pop("history"), eager.pop("history"), "history", 1e-6, 0)
    assert_same(fast, eager, rtol=0, atol=0)


def test_the_fast_path_warns_where_a_mask_is_dropped():
    tokens, y = _tokens()
    m = keras.Sequential([keras.Input((6,), dtype="int32"),
                          K.Embedding(20, 4, mask_zero=True), K.Flatten(), K.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    with pytest.warns(UserWarning, match=r"Layer 'flatten.*' \(of type Flatten\) was "
                                         "passed an input with a mask"):
        m.fit(tokens, y.astype(np.float32), epochs=1, verbose=0)
    assert m.fast_path_reason is None


def _nested_with_mask():
    inner = keras.Sequential([keras.Input((6,), dtype="int32"),
                              K.Embedding(20, 4, mask_zero=True), K.Flatten()])
    inp = keras.Input((6,), dtype="int32")
    return keras.Model(inp, K.Dense(3, activation="softmax")(inner(inp)))


def _sequential(*layers):
    return keras.Sequential([keras.Input((6,), dtype="int32"), *layers])


def _merged_masks():
    inp = keras.Input((6,), dtype="int32")
    a = K.Embedding(20, 4, mask_zero=True)(inp)
    b = K.Embedding(20, 4, mask_zero=True)(inp)
    h = K.GlobalAveragePooling1D()(K.Add()([a, b]))
    return keras.Model(inp, K.Dense(3, activation="softmax")(h))


# Models where a mask changes a result the Program cannot give: they stay on the eager
# path, saying why.
MASK_USED = {
    "pooling_of_merged_masks": (_merged_masks,
                                "(GlobalAveragePooling1D) uses the mask of layer"),
    "output_carries_it": (lambda: _sequential(K.Embedding(20, 4, mask_zero=True),
                                              K.Dense(3, activation="softmax")),
                          "a model output carries the mask"),
    "batch_norm_uses_it": (lambda: _sequential(K.Embedding(20, 3, mask_zero=True),
                                               K.BatchNormalization(), K.Flatten(),
                                               K.Dense(3, activation="softmax")),
                           "(BatchNormalization) uses the mask"),
    "nested_model": (_nested_with_mask, "holds an Embedding with mask_zero=True"),
}


@pytest.mark.parametrize("name", sorted(MASK_USED))
def test_embedding_masks_that_change_results_fall_back(name):
    make, reason = MASK_USED[name]
    tokens, y = _tokens()
    if name == "output_carries_it":
        y = np.repeat(y[:, None], 6, axis=1)  # one label per step, the padding masked
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Layer .* does not support masking")
        m = make()
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        m.fit(tokens, y, epochs=1, batch_size=16, verbose=0)
        assert reason in m.fast_path_reason and "mask_zero=True" in m.fast_path_reason
        np.testing.assert_allclose(m.predict(tokens, verbose=0), np.asarray(m(tokens)),
                                   rtol=1e-6, atol=1e-7)


def test_turning_mask_zero_on_rebuilds_the_program():
    """The Embedding's mask_zero is in the cache key: the pooling then reads the mask."""
    tokens, _ = _tokens(n=8)
    emb = K.Embedding(20, 4)
    m = _sequential(emb, K.GlobalAveragePooling1D())
    first = m.predict(tokens, verbose=0)
    emb.mask_zero = emb.supports_masking = True
    second = m.predict(tokens, verbose=0)
    assert m.fast_path_reason is None
    np.testing.assert_array_equal(second, np.asarray(m(tokens)))
    assert not np.allclose(first, second)
