"""Embedding: lookups against NumPy, the table's gradient (repeated indices add up),
out-of-range indices, masks, config and Keras 3 fixtures."""

import os

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import ops
from tests.helpers import no_host_access
from tests.layers.layer_test_utils import check_layer

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras_norm.npz")


def test_lookup_and_gradient_match_numpy():
    layer = keras.layers.Embedding(6, 4)
    idx = np.array([[0, 5, 2], [2, 2, 1]], dtype=np.int64)
    out = np.asarray(layer(idx))
    table = layer.embeddings.numpy()
    np.testing.assert_array_equal(out, table[idx])
    w = np.random.default_rng(0).standard_normal(out.shape).astype(np.float32)
    with keras.GradientTape() as tape:
        loss = ops.sum(ops.multiply(layer(idx), w))
    g = np.asarray(tape.gradient(loss, layer.embeddings))
    ref = np.zeros_like(table, dtype=np.float64)
    np.add.at(ref, idx.ravel(), w.reshape(-1, 4))
    np.testing.assert_allclose(g, ref, rtol=1e-6, atol=1e-6)
    assert (g[[3, 4]] == 0).all()


def test_defaults_shapes_and_battery():
    layer = keras.layers.Embedding(10, 3)
    assert tuple(layer(np.array([7])).shape) == (1, 3)
    table = layer.embeddings.numpy()
    assert table.shape == (10, 3) and np.abs(table).max() <= 0.05
    assert [w.name for w in layer.weights] == ["embeddings"]
    sym = keras.layers.Embedding(10, 3)(keras.Input((5,), dtype="int32"))
    assert tuple(sym.shape) == (None, 5, 3)
    check_layer(keras.layers.Embedding, {"input_dim": 4, "output_dim": 2}, (2, 3),
                (2, 3, 2), num_weights=1, num_trainable=1,
                input_data=np.array([[0, 1, 3], [3, 2, 0]]))
    # Float indices are truncated as Keras casts them; an empty batch gives no rows.
    np.testing.assert_array_equal(np.asarray(layer(np.array([2.7]))), table[[2]])
    assert tuple(layer(np.zeros((0, 2), np.int32)).shape) == (0, 2, 3)


@pytest.mark.parametrize("bad", [[[0, 10]], [[-1, 2]], [[np.nan, 1.0]]])
def test_out_of_range_indices_raise(bad):
    layer = keras.layers.Embedding(10, 3)
    with pytest.raises(ValueError, match="indices|NaN"):
        layer(np.array(bad))


@pytest.mark.parametrize("kwargs", [{"input_dim": 0, "output_dim": 2},
                                    {"input_dim": 3, "output_dim": -1},
                                    {"input_dim": 2.5, "output_dim": 2}])
def test_bad_sizes_raise(kwargs):
    with pytest.raises(ValueError, match="input_dim"):
        keras.layers.Embedding(**kwargs)


def test_mask_zero_regularizer_constraint_and_weights_argument():
    layer = keras.layers.Embedding(5, 2, mask_zero=True,
                                   embeddings_regularizer=keras.regularizers.L2(0.1),
                                   embeddings_constraint="non_neg",
                                   weights=[np.arange(10, dtype=np.float32).reshape(5, 2)])
    idx = np.array([[0, 3, 0]])
    np.testing.assert_array_equal(np.asarray(layer.compute_mask(idx)),
                                  [[False, True, False]])
    assert keras.layers.Embedding(5, 2).compute_mask(idx) is None
    np.testing.assert_array_equal(np.asarray(layer(idx))[0, 1], [6, 7])
    np.testing.assert_allclose(float(np.asarray(layer.losses[0])),
                               0.1 * np.sum(np.arange(10.0) ** 2), rtol=1e-6)
    config = layer.get_config()
    assert config["mask_zero"] is True and config["embeddings_constraint"] is not None
    assert keras.layers.Embedding.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="shape"):
        layer.set_weights([np.zeros((4, 2))])


def test_keras_parity_and_training():
    fx = np.load(FIXTURES)
    layer = keras.layers.Embedding(7, 3)
    layer.build()
    layer.set_weights([fx["emb_table"]])
    np.testing.assert_array_equal(np.asarray(layer(fx["emb_idx"])), fx["emb_out"])
    rng = np.random.default_rng(1)
    x = rng.integers(0, 20, (32, 4))
    y = (x.sum(1) % 2).astype(np.float32)
    model = keras.Sequential([keras.Input((4,), dtype="int32"), keras.layers.Embedding(20, 4),
                              keras.layers.GlobalAveragePooling1D(),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    hist = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert model.fast_path_reason is None
    assert np.isfinite(hist.history["loss"]).all()
    np.testing.assert_allclose(model.predict(x, verbose=0), model(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
def test_tensor_indices_are_looked_up_and_checked_in_cpp(dtype):
    layer = keras.layers.Embedding(6, 2)
    layer.build()
    table = layer.get_weights()[0]
    idx = np.array([[5, 0, 5], [1, 2, 3]], dtype)
    t = ops.convert_to_tensor(idx)
    with no_host_access("Embedding on an integer tensor"):
        out = layer(t)
    np.testing.assert_array_equal(np.asarray(out), table[idx.astype(np.int64)])
    bad = [[[0, 6]], [[-1, 2]]] if dtype != "uint8" else [[[0, 6]]]
    for b in bad:
        with pytest.raises(ValueError, match=r"input_dim=6\).*inputs of shape \(1, 2\)"):
            layer(ops.convert_to_tensor(np.array(b, dtype)))


def test_compiled_lookup_replays_and_checks_every_replay():
    layer = keras.layers.Embedding(6, 2)
    layer.build()
    table = layer.get_weights()[0]

    @keras.function
    def f(idx):
        return layer(idx)

    rng = np.random.default_rng(3)
    for _ in range(5):
        idx = rng.integers(0, 6, (4, 3)).astype(np.int32)
        np.testing.assert_array_equal(np.asarray(f(idx)), table[idx])
    assert f.fallback_reason is None
    # A bad index in a replay raises the C++ check; later calls still work.
    with pytest.raises(ValueError, match="negative"):
        f(np.array([[0, 1, 2], [3, 4, -1], [0, 0, 0], [1, 1, 1]], np.int32))
    with pytest.raises(ValueError, match="out of bounds"):
        f(np.full((4, 3), 6, np.int32))
    idx = np.arange(12, dtype=np.int32).reshape(4, 3) % 6
    np.testing.assert_array_equal(np.asarray(f(idx)), table[idx])


def _masked_mean_reference(emb, x):
    keep = (x != 0)[..., None]
    return (emb[x] * keep).sum(1) / keep.sum(1)


@pytest.mark.parametrize("style", ["functional", "sequential"])
def test_mask_zero_reaches_global_average_pooling(style):
    """Embedding(mask_zero=True) -> GlobalAveragePooling1D averages over the non-zero
    tokens only (Keras propagates the mask), in Functional and Sequential models, through
    a layer that passes masks on (Dropout), in predict and in the training gradient."""
    L = keras.layers
    layers = [L.Embedding(7, 3, mask_zero=True), L.Dropout(0.0), L.GlobalAveragePooling1D()]
    if style == "functional":
        inputs = keras.Input((5,), dtype="int32")
        h = inputs
        for layer in layers:
            h = layer(h)
        model = keras.Model(inputs, h)
    else:
        model = keras.Sequential([keras.Input((5,), dtype="int32")] + layers)
    x = np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 1], [6, 0, 0, 0, 0]], np.int32)
    emb = np.asarray(model.get_weights()[0])
    np.testing.assert_allclose(model.predict(x, verbose=0), _masked_mean_reference(emb, x),
                               rtol=1e-6, atol=1e-6)
    with keras.GradientTape() as tape:
        loss = keras.ops.sum(model(x, training=True))
    grad = np.asarray(keras.ops.convert_to_tensor(tape.gradient(loss, model.weights[0])))
    want = np.zeros_like(emb)
    for row in x:
        kept = row[row != 0]
        for t in kept:
            want[t] += 1.0 / len(kept)
    np.testing.assert_allclose(grad, want, rtol=1e-6, atol=1e-6)


def test_mask_zero_is_dropped_by_a_layer_without_masking_and_merged_by_add():
    """A layer without `supports_masking` (Conv1D) ends the mask, as in Keras; Add keeps
    the steps both inputs keep."""
    L = keras.layers
    inputs = keras.Input((4,), dtype="int32")
    e = L.Embedding(6, 2, mask_zero=True)(inputs)
    conv = L.Conv1D(2, 1)(e)
    plain = keras.Model(inputs, L.GlobalAveragePooling1D()(conv))
    x = np.array([[1, 2, 0, 0]], np.int32)
    with pytest.warns(UserWarning, match="does not support masking"):
        out = np.asarray(plain.predict(x, verbose=0))
        unmasked = conv_model_mean(plain, x)
    np.testing.assert_allclose(out, unmasked, rtol=1e-6, atol=1e-6)
    merged = keras.Model(inputs, L.GlobalAveragePooling1D()(L.Add()([e, e])))
    emb = np.asarray(merged.get_weights()[0])
    np.testing.assert_allclose(merged.predict(x, verbose=0),
                               2 * _masked_mean_reference(emb, x), rtol=1e-6, atol=1e-6)


def conv_model_mean(model, x):
    """The unmasked mean over all steps of the Conv1D output of `model`."""
    conv = model.layers[2]
    sub = keras.Model(model.inputs, conv.output)
    return np.asarray(sub.predict(x, verbose=0)).mean(axis=1)


def test_masked_sequence_output_loss_averages_unmasked_steps():
    """Embedding(mask_zero=True) -> Dense per step: the output carries the mask and the
    compiled loss and metrics average over the unmasked steps only (Keras: 91.67 here,
    not the 35.0 of all steps), in evaluate and in a training step (padded steps give
    no gradient)."""
    L = keras.layers
    inputs = keras.Input((4,), dtype="int32")
    outputs = L.Dense(1)(L.Embedding(5, 2, mask_zero=True)(inputs))
    model = keras.Model(inputs, outputs)
    model.set_weights([np.arange(10, dtype=np.float32).reshape(5, 2),
                       np.ones((2, 1), np.float32), np.zeros(1, np.float32)])
    model.compile(loss="mse", optimizer="sgd", metrics=["mae"])
    x = np.array([[1, 2, 0, 0], [3, 0, 0, 0]], np.int32)
    y = np.zeros((2, 4, 1), np.float32)
    # The metrics are masked too (Keras: mae 9.0, not 4.0).
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), [(25 + 81 + 169) / 3, 9.0],
                               rtol=1e-6)
    # Per-step weights are multiplied by the mask (per-sample ones do not broadcast
    # against (batch, steps) masks, in Keras either).
    sw = np.array([[1, 1, 1, 1], [3, 3, 3, 3]], np.float32)
    np.testing.assert_allclose(
        model.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)["loss"],
        (25 + 81 + 3 * 169) / 3, rtol=1e-6)
    assert model.fast_path_reason is not None  # masks run on the eager path
    before = model.get_weights()[0].copy()
    model.train_on_batch(x, y)
    after = model.get_weights()[0]
    np.testing.assert_array_equal(after[0], before[0])  # row 0 only feeds padded steps
    assert not np.allclose(after[1:4], before[1:4])
