"""ops.image.resize: against Keras 3's outputs (fixtures/keras_resize.npz, written by
make_keras_ops_names.py), gradients by finite differences, corners and errors."""

import os

import numpy as np
import pytest

from pyfastfit import ops
from tests.helpers import check_op

_FIX = np.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures",
                            "keras_resize.npz"))
X = (np.arange(2 * 5 * 7 * 2) % 11).reshape(2, 5, 7, 2).astype("float32")
CASES = [  # the same as make_keras_ops_names.RESIZE_CASES (which needs Keras to import)
    ("down", dict(size=(3, 4))),
    ("up", dict(size=(8, 11))),
    ("down_antialias", dict(size=(3, 4), antialias=True)),
    ("mixed_antialias", dict(size=(2, 9), antialias=True)),
    ("nearest_down", dict(size=(3, 4), interpolation="nearest")),
    ("nearest_mixed", dict(size=(8, 3), interpolation="nearest")),
    ("crop", dict(size=(4, 4), crop_to_aspect_ratio=True)),
    ("pad", dict(size=(4, 4), pad_to_aspect_ratio=True, fill_value=-2.0)),
    ("pad_odd", dict(size=(2, 5), pad_to_aspect_ratio=True, fill_value=1.5)),
    ("crop_wide", dict(size=(2, 6), crop_to_aspect_ratio=True)),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[c[0] for c in CASES])
def test_resize_matches_keras(name, kwargs):
    got = ops.image.resize(X, **kwargs)
    assert got.dtype == "float32"
    np.testing.assert_allclose(got.numpy(), _FIX[name], rtol=1e-5, atol=1e-5)
    one = ops.image.resize(X[1], **kwargs)  # unbatched (H, W, C)
    np.testing.assert_allclose(one.numpy(), _FIX[name][1], rtol=1e-5, atol=1e-5)


def test_resize_channels_first_and_same_size():
    got = ops.image.resize(np.moveaxis(X, -1, 1), (3, 4), data_format="channels_first")
    np.testing.assert_allclose(got.numpy(), _FIX["channels_first"], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(ops.image.resize(X, (5, 7)).numpy(), X)


def test_resize_integer_images_round_and_keep_dtype():
    xu = (X * 20).astype("uint8")
    got = ops.image.resize(xu, (3, 4))
    assert got.dtype == "uint8"
    as_float = ops.image.resize(xu.astype("float32"), (3, 4)).numpy()
    np.testing.assert_array_equal(got.numpy(), np.round(as_float))
    # Keras agrees up to a float round-off tie (x.5) that can round either way.
    assert np.abs(got.numpy().astype(int) - _FIX["uint8"].astype(int)).max() <= 1
    big = np.full((1, 2, 2, 1), 255, "uint8")
    assert ops.image.resize(big, (3, 3)).numpy().max() == 255  # clipped, no wrap-around


@pytest.mark.parametrize("kwargs", [dict(size=(3, 2)), dict(size=(5, 6)),
                                    dict(size=(2, 2), antialias=True),
                                    dict(size=(5, 2), interpolation="nearest")],
                         ids=["down", "up", "antialias", "nearest"])
def test_resize_gradient(kwargs):
    x = np.random.default_rng(1).standard_normal((1, 4, 3, 2)).astype(np.float32)

    def ref(v):  # NumPy float64: the same operator, built from pyfastfit's forward pass
        cols = [ops.image.resize(e.reshape(x.shape).astype(np.float32), **kwargs).numpy()
                .astype(np.float64) for e in np.eye(x.size)]
        mat = np.stack([c.ravel() for c in cols], axis=1)  # linear in x
        return (mat @ v.ravel()).reshape(cols[0].shape)

    check_op(lambda v: ops.image.resize(v, **kwargs), ref, [x], atol=1e-5, rtol=1e-5)


def test_resize_errors():
    with pytest.raises(ValueError, match="interpolation.*Received: interpolation='bicubic'"):
        ops.image.resize(X, (2, 2), interpolation="bicubic")
    with pytest.raises(ValueError, match="size.*Received: size=\\(0, 2\\)"):
        ops.image.resize(X, (0, 2))
    with pytest.raises(ValueError, match="size.*Received: size=\\(2,\\)"):
        ops.image.resize(X, (2,))
    with pytest.raises(ValueError, match="3-D.*4-D.*Received: images.shape=\\(5, 7\\)"):
        ops.image.resize(X[0, :, :, 0], (2, 2))
    with pytest.raises(ValueError, match="Only one of"):
        ops.image.resize(X, (2, 2), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="data_format.*Received: data_format='nhwc'"):
        ops.image.resize(X, (2, 2), data_format="nhwc")
    with pytest.raises(ValueError, match="non-empty.*Received: images.shape=\\(1, 0, 3, 1\\)"):
        ops.image.resize(np.zeros((1, 0, 3, 1), np.float32), (2, 2))
