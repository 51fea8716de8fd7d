"""GlobalMax/AveragePooling1D/2D: NumPy references, gradients (ties included), NaN,
keepdims, masks, errors and Keras 3 fixtures."""

import os

import numpy as np
import pytest

import pyfastfit as keras
from tests.helpers import check_op
from tests.layers.layer_test_utils import check_layer

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras_norm.npz")
L = keras.layers
CASES = [(L.GlobalMaxPooling1D, np.max, 1), (L.GlobalAveragePooling1D, np.mean, 1),
         (L.GlobalMaxPooling2D, np.max, 2), (L.GlobalAveragePooling2D, np.mean, 2)]


def axes_of(rank, fmt):
    first = 1 if fmt == "channels_last" else 2
    return tuple(range(first, first + rank))


@pytest.mark.parametrize("cls,ref,rank", CASES)
@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_matches_numpy_with_gradients(cls, ref, rank, fmt, keepdims):
    shape = (2, 5, 3) if rank == 1 else (2, 4, 3, 2)
    x = np.random.default_rng(0).standard_normal(shape)
    layer = cls(data_format=fmt, keepdims=keepdims)
    axes = axes_of(rank, fmt)
    check_op(layer, lambda x: ref(x, axis=axes, keepdims=keepdims), [x])
    assert tuple(layer.compute_output_shape(shape)) == ref(x, axis=axes,
                                                          keepdims=keepdims).shape


@pytest.mark.parametrize("cls,ref,rank", CASES)
def test_size_one_and_batch_one(cls, ref, rank):
    shape = (1, 1, 1) if rank == 1 else (1, 1, 1, 1)
    x = np.full(shape, 3.0, np.float32)
    np.testing.assert_array_equal(np.asarray(cls()(x)), [[3.0]])
    check_layer(cls, {}, (1,) + (2,) * rank + (3,), (1, 3))


@pytest.mark.parametrize("cls,ref,rank", CASES)
def test_nan_propagates_to_its_channel_only(cls, ref, rank):
    shape = (2, 3, 2) if rank == 1 else (2, 3, 3, 2)
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    x[(0,) + (1,) * rank + (1,)] = np.nan
    out = np.asarray(cls()(x))
    assert np.isnan(out[0, 1])
    assert np.isfinite(np.delete(out.ravel(), 1)).all()


def test_max_gradient_with_ties_sums_to_one_per_window():
    x = np.ones((1, 4, 2), np.float32)
    v = keras.Variable(x)
    with keras.GradientTape() as tape:
        loss = keras.ops.sum(L.GlobalMaxPooling1D()(v))
    g = np.asarray(tape.gradient(loss, v))
    np.testing.assert_allclose(g.sum(axis=1), [[1.0, 1.0]], rtol=1e-6)
    assert (g >= 0).all()


def test_masked_average_1d_and_errors():
    x = np.random.default_rng(2).standard_normal((2, 4, 3)).astype(np.float32)
    mask = np.array([[1, 0, 1, 1], [0, 0, 1, 0]], bool)
    out = np.asarray(L.GlobalAveragePooling1D()(x, mask=mask))
    ref = np.stack([x[i][mask[i]].mean(0) for i in range(2)])
    np.testing.assert_allclose(out, ref, rtol=1e-6)
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        L.GlobalMaxPooling2D()(x)
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        L.GlobalAveragePooling1D()(keras.Input((3,)))
    with pytest.raises(ValueError, match="data_format"):
        L.GlobalMaxPooling1D(data_format="nhwc")


def test_keras_parity():
    fx = np.load(FIXTURES)
    for fmt in ("channels_last", "channels_first"):
        for tag, cls, x in (("max1", L.GlobalMaxPooling1D, fx["gp_x1"]),
                            ("avg1", L.GlobalAveragePooling1D, fx["gp_x1"]),
                            ("max2", L.GlobalMaxPooling2D, fx["gp_x2"]),
                            ("avg2", L.GlobalAveragePooling2D, fx["gp_x2"])):
            np.testing.assert_allclose(np.asarray(cls(fmt)(x)), fx[f"gp_{tag}_{fmt}"],
                                       rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(
        np.asarray(L.GlobalAveragePooling1D()(fx["gp_x1"], mask=fx["gp_mask"])),
        fx["gp_avg1_masked"], rtol=1e-5, atol=1e-6)


def test_model_runs_on_the_fast_path_and_trains():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((16, 6, 3)).astype(np.float32)
    y = rng.standard_normal((16, 2)).astype(np.float32)
    model = keras.Sequential([keras.Input((6, 3)), L.GlobalMaxPooling1D(),
                              L.Dense(4, activation="relu"), L.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    hist = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert model.fast_path_reason is None
    assert np.isfinite(hist.history["loss"]).all()
    assert model.predict(x, verbose=0).shape == (16, 2)
