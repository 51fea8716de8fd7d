"""Records Keras 3's Conv3DTranspose outputs for tests/layers/test_conv3d_transpose.py.

Run once with Keras 3 installed (not a test dependency):

    /work/venvs/peers/bin/python tests/layers/make_keras_conv3d_transpose_fixtures.py

Writes tests/layers/fixtures/conv3d_transpose.npz: the input, and per case the weights
(drawn here, set with set_weights) and Keras's output.
"""

import os

import numpy as np

import keras

from conv3d_transpose_cases import CASES  # noqa: E402  (same folder)


def main():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 4, 2)).astype(np.float32)
    out = {"x": x}
    for i, kwargs in enumerate(CASES):
        layer = keras.layers.Conv3DTranspose(**kwargs)
        layer.build(x.shape)
        weights = [rng.standard_normal(v.shape).astype(np.float32)
                   for v in layer.get_weights()]
        layer.set_weights(weights)
        for j, w in enumerate(weights):
            out[f"case{i}/w{j}"] = w
        out[f"case{i}/y"] = np.asarray(layer(x))
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures",
                        "conv3d_transpose.npz")
    np.savez(path, **out)
    print("wrote", path)


if __name__ == "__main__":
    main()
