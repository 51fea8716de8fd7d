"""Normalization kernels and layers: the fused C++ ops vs the composed ops they replace.

    tools/dev_build.sh
    python bench/bench_normalization.py [--threads 1] [--samples 15]

Kernels: `_C.batch_norm_train_forward` + `_C.batch_norm_backward` (BatchNormalization
training, statistics included) and `_C.layer_norm_forward` + `_C.layer_norm_backward`,
each validated against NumPy float64 first, then timed (median of `--samples`), with the
bytes a minimal implementation moves (forward: read x 3 times, write y; backward: read
dy and x twice, write dx) as GB/s. Layers: the eager train step of small models with the
fused layers vs the same layers built from `ops.mean`/`ops.subtract`/... (the layer
sources before the fused kernels, kept below as `_composed_*`). Prints a table only.
"""

import argparse
import os
import statistics
import sys

import numpy as np

import harness  # noqa: E402  (bench/, next to this script)

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pyfastfit as keras  # noqa: E402
from pyfastfit import ops  # noqa: E402
from pyfastfit.core._c import _C  # noqa: E402

KERNEL_SHAPES = [(64 * 16 * 16, 32), (64 * 8 * 8, 128), (256, 512), (64 * 32, 768)]


def median_ms(fn, samples):
    return 1e3 * statistics.median(harness.time_calls(fn, samples))


def check(name, got, ref, atol):
    if not np.allclose(np.asarray(got, np.float64), ref, rtol=1e-4, atol=atol):
        raise SystemExit(f"VALIDATION FAILED for {name}")


def kernels(samples):
    rng = np.random.default_rng(0)
    print(f"{'kernel (R x C)':30s} {'fwd ms':>8s} {'GB/s':>6s} {'bwd ms':>8s} {'GB/s':>6s}")
    for R, C in KERNEL_SHAPES:
        x = rng.standard_normal((R, C)).astype(np.float32)
        dy = rng.standard_normal((R, C)).astype(np.float32)
        g = rng.uniform(0.5, 1.5, C).astype(np.float32)
        xc, dyc, gc = _C.from_numpy(x), _C.from_numpy(dy), _C.from_numpy(g)
        x64 = x.astype(np.float64)
        y, mean, var = _C.batch_norm_train_forward(xc, gc, gc, 1e-3)
        check("batch_norm", y, (x64 - x64.mean(0)) / np.sqrt(x64.var(0) + 1e-3) * g + g,
              1e-4)
        yl, ml, il = _C.layer_norm_forward(xc, gc, gc, 1e-3)
        ln = (x64 - x64.mean(1, keepdims=True)) / np.sqrt(x64.var(1, keepdims=True) + 1e-3)
        check("layer_norm", yl, ln * g + g, 1e-4)
        fwd_gb, bwd_gb = 4 * x.nbytes / 1e9, 5 * x.nbytes / 1e9
        for name, f, b in [
            ("batch_norm", lambda: _C.batch_norm_train_forward(xc, gc, gc, 1e-3),
             lambda: _C.batch_norm_backward(dyc, xc, mean, var, gc, 1e-3, True, True,
                                            True, True)),
            ("layer_norm", lambda: _C.layer_norm_forward(xc, gc, gc, 1e-3),
             lambda: _C.layer_norm_backward(dyc, xc, ml, il, gc, True, True, True)),
        ]:
            tf, tb = median_ms(f, samples), median_ms(b, samples)
            print(f"{name + f' {R} x {C}':30s} {tf:8.3f} {fwd_gb / tf * 1e3:6.1f} "
                  f"{tb:8.3f} {bwd_gb / tb * 1e3:6.1f}")


class _ComposedBN(keras.layers.BatchNormalization):
    """BatchNormalization's math from composed ops (the pre-fused layer's call)."""

    def call(self, inputs, training=None, mask=None):
        axes = tuple(range(len(inputs.shape) - 1))
        if training and self.trainable:
            mean = ops.mean(inputs, axis=axes, keepdims=True)
            var = ops.mean(ops.square(ops.subtract(inputs, mean)), axis=axes, keepdims=True)
            m = self.momentum
            self.moving_mean.assign(ops.add(ops.multiply(self.moving_mean.value, m),
                                            ops.multiply(ops.reshape(mean, (-1,)), 1 - m)))
            self.moving_variance.assign(ops.add(ops.multiply(self.moving_variance.value, m),
                                                ops.multiply(ops.reshape(var, (-1,)),
                                                             1 - m)))
        else:
            mean, var = self.moving_mean.value, self.moving_variance.value
        inv = ops.multiply(ops.rsqrt(ops.add(var, self.epsilon)), self.gamma)
        return ops.add(ops.multiply(ops.subtract(inputs, mean), inv), self.beta)


class _ComposedLN(keras.layers.LayerNormalization):
    """LayerNormalization over the last axis from composed ops."""

    def call(self, inputs):
        mean = ops.mean(inputs, axis=-1, keepdims=True)
        centered = ops.subtract(inputs, mean)
        var = ops.mean(ops.square(centered), axis=-1, keepdims=True)
        out = ops.multiply(centered, ops.rsqrt(ops.add(var, self.epsilon)))
        return ops.add(ops.multiply(out, self.gamma), self.beta)


def step_ms(layers, x_shape, samples):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64,) + x_shape).astype(np.float32)
    y = rng.integers(0, 10, 64)
    model = keras.Sequential([keras.Input(x_shape)] + layers)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return median_ms(lambda: model.train_on_batch(x, y), samples)


def layers(samples):
    L = keras.layers
    models = [
        ("Dense(64)-BN-relu-Dense(10), x 64x32", (32,),
         lambda BN: [L.Dense(64, use_bias=False), BN(), L.Activation("relu"),
                     L.Dense(10, activation="softmax")]),
        ("Conv2D(16)-BN-relu-GAP-Dense(10), x 64x16x16x3", (16, 16, 3),
         lambda BN: [L.Conv2D(16, 3, use_bias=False), BN(), L.Activation("relu"),
                     L.GlobalAveragePooling2D(), L.Dense(10, activation="softmax")]),
    ]
    print(f"\n{'eager train step (batch 64)':48s} {'composed':>9s} {'fused':>8s}")
    for name, shape, make in models:
        a = step_ms(make(_ComposedBN), shape, samples)
        b = step_ms(make(L.BatchNormalization), shape, samples)
        print(f"{name:48s} {a:7.3f}ms {b:6.3f}ms")
    def ln(LN):
        return [L.Dense(64), LN(), L.Flatten(), L.Dense(10, activation="softmax")]

    a = step_ms(ln(_ComposedLN), (20, 64), samples)
    b = step_ms(ln(L.LayerNormalization), (20, 64), samples)
    print(f"{'Dense(64)-LN-Flatten-Dense(10), x 64x20x64':48s} {a:7.3f}ms {b:6.3f}ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--samples", type=int, default=15)
    args = parser.parse_args()
    if args.threads:
        keras.config.set_num_threads(args.threads)
    print(f"threads: {keras.config.get_num_threads()}")
    kernels(args.samples)
    layers(args.samples)


if __name__ == "__main__":
    main()
