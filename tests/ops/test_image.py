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


def test_crop_pad_grayscale_values_gradients_and_errors():
    x = np.random.default_rng(3).standard_normal((2, 4, 5, 3)).astype(np.float32)
    check_op(lambda v: ops.image.crop_images(v, 1, 2, bottom_cropping=1, target_width=2),
             lambda v: v[:, 1:3, 2:4], [x])
    check_op(lambda v: ops.image.pad_images(v, bottom_padding=2, left_padding=1,
                                            target_height=7, right_padding=0),
             lambda v: np.pad(v, ((0, 0), (1, 2), (1, 0), (0, 0))), [x])
    check_op(ops.image.rgb_to_grayscale,
             lambda v: (v @ np.array([0.2989, 0.587, 0.114]))[..., None], [x])
    cf = np.moveaxis(x, -1, 1)
    np.testing.assert_allclose(
        ops.image.rgb_to_grayscale(cf, data_format="channels_first").numpy()[:, 0],
        (x @ np.array([0.2989, 0.587, 0.114], np.float32)), rtol=1e-5)
    u8 = (np.arange(2 * 3 * 4 * 3) * 7 % 256).reshape(2, 3, 4, 3).astype("uint8")
    assert ops.image.rgb_to_grayscale(u8).numpy()[0, :, :, 0].tolist() == [
        [5, 26, 47, 68], [89, 110, 131, 152], [173, 194, 215, 236]]  # Keras 3's output
    with pytest.raises(ValueError, match="give exactly two of top_cropping, bottom_cropping"):
        ops.image.crop_images(x, 1, 1, 1, 1, target_height=1)
    with pytest.raises(ValueError, match="crop box \\[3, 6\\) does not fit the size 4"):
        ops.image.crop_images(x, 3, 0, target_height=3, right_cropping=0)
    with pytest.raises(ValueError, match="pad_images: the padding must be non-negative"):
        ops.image.pad_images(x, 0, 0, target_height=2, target_width=5)
    with pytest.raises(ValueError, match="3 channels.*Received: images.shape=\\(2, 4, 5, 1\\)"):
        ops.image.rgb_to_grayscale(x[..., :1])
