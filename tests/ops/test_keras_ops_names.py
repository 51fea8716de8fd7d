"""Every name of Keras 3's `keras.ops` (and of its `numpy`, `nn`, `linalg`, `image`, `math`
namespaces) that pyfastfit exposes is a callable that agrees with NumPy.

The Keras names are in `fixtures/keras_ops_names.json` (written by
`make_keras_ops_names.py` with Keras installed); each claimed name needs a case below.
"""

import json
import math
import os
import types

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops

_HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(_HERE, "fixtures", "keras_ops_names.json")) as _f:
    KERAS = json.load(_f)
NAMESPACES = ("ops", "numpy", "nn", "math", "linalg", "image")


def _ns(name):
    return ops if name == "ops" else getattr(ops, name)


CLAIMED = sorted((ns, n) for ns in NAMESPACES for n in KERAS[ns] if hasattr(_ns(ns), n))

rng = np.random.default_rng(0)
F = rng.standard_normal((3, 4)).astype(np.float32)
F2 = rng.standard_normal((3, 4)).astype(np.float32)
P = (np.abs(F) + 0.5).astype(np.float32)
U = rng.uniform(-0.9, 0.9, (3, 4)).astype(np.float32)
I1 = rng.integers(0, 8, (3, 4)).astype(np.int32)
I2 = rng.integers(1, 4, (3, 4)).astype(np.int32)
B1, B2 = F > 0, F2 > 0
SQ = (rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)).astype(np.float32)
SPD = (SQ @ np.swapaxes(SQ, -1, -2) + np.eye(3)).astype(np.float32)
RHS = rng.standard_normal((2, 3, 2)).astype(np.float32)
_erf = np.vectorize(math.erf)
FN = F.copy()
FN[0, 1] = FN[2, 3] = FN[2, 0] = np.nan  # NaN in some rows, never a whole row
IMG = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)  # conv/pool cases (NHWC)
_BOX2 = IMG[:, :-1, :-1] + IMG[:, 1:, :-1] + IMG[:, :-1, 1:] + IMG[:, 1:, 1:]  # 2x2 sums


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


UNARY = {  # name: (input, NumPy reference)
    "abs": (F, np.abs), "absolute": (F, np.abs), "arccos": (U, np.arccos),
    "arccosh": (P + 1, np.arccosh), "arcsin": (U, np.arcsin), "arcsinh": (F, np.arcsinh),
    "arctan": (F, np.arctan), "arctanh": (U, np.arctanh), "cbrt": (F, np.cbrt),
    "ceil": (F, np.ceil), "cos": (F, np.cos), "cosh": (F, np.cosh), "exp": (F, np.exp),
    "exp2": (F, np.exp2), "expm1": (F, np.expm1), "floor": (F, np.floor),
    "isfinite": (np.array([1, np.inf, np.nan], np.float32), np.isfinite),
    "isinf": (np.array([1, -np.inf, np.nan], np.float32), np.isinf),
    "isnan": (np.array([1, np.inf, np.nan], np.float32), np.isnan),
    "log": (P, np.log), "log10": (P, np.log10), "log1p": (P, np.log1p), "log2": (P, np.log2),
    "logical_not": (B1, np.logical_not), "negative": (F, np.negative),
    "reciprocal": (P, np.reciprocal), "round": (F * 3, np.round), "sign": (F, np.sign),
    "sin": (F, np.sin), "sinh": (F, np.sinh), "sqrt": (P, np.sqrt), "square": (F, np.square),
    "tan": (U, np.tan), "tanh": (F, np.tanh), "trunc": (F * 3, np.trunc),
    "bitwise_invert": (I1, np.invert), "bitwise_not": (I1, np.invert),
    "rsqrt": (P, lambda x: 1 / np.sqrt(x)), "erf": (F, _erf),
    "ravel": (F, np.ravel), "transpose": (F, np.transpose), "sort": (F, np.sort),
    "argsort": (F, np.argsort), "nan_to_num": (np.array([np.nan, np.inf, -1], np.float32),
                                               lambda x: np.nan_to_num(x.astype(np.float32))),
    "nonzero": (I1 - 4, np.nonzero), "diag": (F, np.diag), "tril": (F, np.tril),
    "triu": (F, np.triu), "flip": (F, np.flip), "diagonal": (F, np.diagonal),
    "trace": (F, np.trace), "zeros_like": (F, np.zeros_like), "ones_like": (F, np.ones_like),
    "relu": (F, lambda x: np.maximum(x, 0)), "relu6": (F * 4, lambda x: np.clip(x, 0, 6)),
    "sigmoid": (F, _sig), "softplus": (F, lambda x: np.logaddexp(0, x)),
    "softsign": (F, lambda x: x / (1 + np.abs(x))), "silu": (F, lambda x: x * _sig(x)),
    "swish": (F, lambda x: x * _sig(x)),
    "hard_sigmoid": (F * 4, lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    "hard_silu": (F * 4, lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    "hard_swish": (F * 4, lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    "elu": (F, lambda x: np.where(x > 0, x, np.expm1(x))),
    "selu": (F, lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772
                                                        * np.expm1(x))),
    "gelu": (F, lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))),
    "leaky_relu": (F, lambda x: np.where(x > 0, x, 0.2 * x)),
    "log_sigmoid": (F, lambda x: -np.logaddexp(0, -x)),
    "softmax": (F, _softmax), "log_softmax": (F, lambda x: np.log(_softmax(x))),
    "inv": (SQ, np.linalg.inv), "det": (SQ, np.linalg.det), "cholesky": (SPD, np.linalg.cholesky),
    "logdet": (SPD, lambda x: np.linalg.slogdet(x)[1]), "slogdet": (SQ, np.linalg.slogdet),
    "norm": (F, np.linalg.norm), "convert_to_numpy": (F, np.asarray),
    "convert_to_tensor": (F, np.asarray), "shape": (F, np.shape), "size": (F, np.size),
    "hstack": ([F, F2], np.hstack), "vstack": ([F, F2], np.vstack),
    "unstack": (F, list),
    "unique": (I1, np.unique), "dstack": ([F, F2], np.dstack), "vander": (F[0], np.vander),
    "corrcoef": (F, np.corrcoef),
    "conj": (F, np.conj), "conjugate": (F, np.conjugate), "copy": (F, np.copy),
    "real": (F, np.real), "imag": (F, np.imag), "isreal": (F, np.isreal),
    "fabs": (F, np.fabs), "deg2rad": (F, np.deg2rad), "rad2deg": (F, np.rad2deg),
    "sinc": (np.array([0.0, 0.5, -1.5, 2.25], np.float32), np.sinc),
    "signbit": (np.array([-1.0, -0.0, 0.0, 2.0, -np.inf], np.float32), np.signbit),
    "isposinf": (np.array([1, np.inf, -np.inf, np.nan], np.float32), np.isposinf),
    "isneginf": (np.array([1, np.inf, -np.inf, np.nan], np.float32), np.isneginf),
    "fliplr": (F, np.fliplr), "flipud": (F, np.flipud), "rot90": (F, np.rot90),
    "diagflat": (F[0], np.diagflat), "diff": (F, np.diff), "ptp": (F, np.ptp),
    "array": (F, np.array), "empty_like": (F, np.zeros_like), "ndim": (SQ, np.ndim),
    "trapezoid": (F, np.trapezoid), "stop_gradient": (F, np.asarray),
    "erfc": (F, lambda x: 1 - _erf(x)), "hard_tanh": (F * 2, lambda x: np.clip(x, -1, 1)),
    "hard_shrink": (F, lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    "soft_shrink": (F, lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0))),
    "tanh_shrink": (F, lambda x: x - np.tanh(x)),
    "sparse_plus": (F * 2, lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4))),
    "squareplus": (F, lambda x: (x + np.sqrt(x * x + 4)) / 2),
    "sparse_sigmoid": (F * 2, lambda x: np.clip((x + 1) / 2, 0, 1)),
    "celu": (F, lambda x: np.maximum(x, 0) + np.minimum(np.expm1(x), 0)),
    "glu": (F, lambda x: x[:, :2] * _sig(x[:, 2:])),
    "normalize": (F, lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True)),
    "rms_normalization": (F, lambda x: x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-7)),
    "layer_normalization": (F, lambda x: (x - x.mean(-1, keepdims=True))
                            / np.sqrt(x.var(-1, keepdims=True) + 1e-7)),
}
BINARY = {
    "add": (F, F2, np.add), "subtract": (F, F2, np.subtract), "multiply": (F, F2, np.multiply),
    "divide": (F, P, np.divide), "true_divide": (F, P, np.true_divide),
    "power": (P, F2, np.power), "maximum": (F, F2, np.maximum), "minimum": (F, F2, np.minimum),
    "floor_divide": (F * 5, P, np.floor_divide), "mod": (F * 5, P, np.mod),
    "arctan2": (F, F2, np.arctan2), "hypot": (F, F2, np.hypot), "logaddexp": (F, F2, np.logaddexp),
    "equal": (I1, I2, np.equal), "not_equal": (I1, I2, np.not_equal),
    "greater": (F, F2, np.greater), "greater_equal": (I1, I2, np.greater_equal),
    "less": (F, F2, np.less), "less_equal": (I1, I2, np.less_equal),
    "logical_and": (B1, B2, np.logical_and), "logical_or": (B1, B2, np.logical_or),
    "logical_xor": (B1, B2, np.logical_xor), "bitwise_and": (I1, I2, np.bitwise_and),
    "bitwise_or": (I1, I2, np.bitwise_or), "bitwise_xor": (I1, I2, np.bitwise_xor),
    "left_shift": (I1, I2, np.left_shift), "right_shift": (I1, I2, np.right_shift),
    "bitwise_left_shift": (I1, I2, np.left_shift), "bitwise_right_shift": (I1, I2, np.right_shift),
    "isclose": (F, F + np.float32(1e-7), np.isclose), "matmul": (F, F2.T, np.matmul),
    "dot": (F, F2.T, np.dot),
    "divide_no_nan": (F, np.where(F2 > 0, F2, 0).astype(np.float32),
                      lambda a, b: np.where(b == 0, 0, a / np.where(b == 0, 1, b))),
    "solve": (SQ, RHS, np.linalg.solve),
    "isin": (I1, I2, np.isin), "gcd": (I1, I2, np.gcd), "lcm": (I1, I2, np.lcm),
    "searchsorted": (np.sort(F[0]), F2[0], np.searchsorted),
    "digitize": (F, np.array([-1.0, 0.0, 1.0], np.float32), np.digitize),
    "nextafter": (F, F2, lambda a, b: np.nextafter(a.astype(np.float32), b.astype(np.float32))),
    "kron": (F[:2, :2], F2[:3], np.kron), "cross": (F[:, :3], F2[:, :3], np.cross),
    "ldexp": (F, I2, np.ldexp),
    "fmax": (FN, F2, np.fmax), "fmin": (FN, F2, np.fmin), "fmod": (F * 5, F2, np.fmod),
    "heaviside": (np.array([-1, 0, 2], np.float32), np.array([0.5, 0.5, 0.5], np.float32),
                  np.heaviside),
    "logaddexp2": (F, F2, np.logaddexp2), "outer": (F[0], F2[1], np.outer),
    "inner": (F, F2, np.inner), "vdot": (F, F2, np.vdot),
    "tensordot": (SQ, SQ[0], lambda a, b: np.tensordot(a, b)),
    "allclose": (F, F + np.float32(1e-7), np.allclose),
    "append": (F, F2, np.append),
    "solve_triangular": (SQ, RHS, lambda a, b: np.linalg.solve(np.triu(a), b)),
}
REDUCTIONS = ("all", "amax", "amin", "any", "argmax", "argmin", "count_nonzero", "cumprod",
              "cumsum", "max", "mean", "median", "min", "prod", "std", "sum", "var",
              "nansum", "nanprod", "nanmean", "nanmax", "nanmin", "nanvar", "nanstd",
              "nancumsum", "nancumprod", "nanargmax", "nanargmin", "nanmedian")
SPECIAL = {  # name: (call on pyfastfit's function, NumPy value)
    "arange": (lambda f: f(1, 10, 2), np.arange(1, 10, 2)),
    "average": (lambda f: f(F, axis=1, weights=P[0]), np.average(F, axis=1, weights=P[0])),
    "bincount": (lambda f: f(I1.ravel()), np.bincount(I1.ravel())),
    "broadcast_to": (lambda f: f(F[0], (2, 4)), np.broadcast_to(F[0], (2, 4))),
    "cast": (lambda f: f(F * 3, "int32"), (F * 3).astype(np.int32)),
    "clip": (lambda f: f(F, -0.5, 0.5), np.clip(F, -0.5, 0.5)),
    "concatenate": (lambda f: f([F, F2], axis=1), np.concatenate([F, F2], axis=1)),
    "expand_dims": (lambda f: f(F, 1), np.expand_dims(F, 1)),
    "eye": (lambda f: f(3, 4, 1), np.eye(3, 4, 1)),
    "full": (lambda f: f((2, 3), 7.0), np.full((2, 3), 7.0)),
    "full_like": (lambda f: f(F, 2.0), np.full_like(F, 2.0)),
    "identity": (lambda f: f(3), np.identity(3)),
    "is_tensor": (lambda f: (f(ff.Tensor(F)), f(F)), (True, False)),
    "linspace": (lambda f: f(0.0, 1.0, 5), np.linspace(0.0, 1.0, 5)),
    "meshgrid": (lambda f: f(F[0], F2[:, 0]), np.meshgrid(F[0], F2[:, 0])),
    "moveaxis": (lambda f: f(SQ, 0, -1), np.moveaxis(SQ, 0, -1)),
    "ones": (lambda f: f((2, 3)), np.ones((2, 3))),
    "zeros": (lambda f: f((2, 3)), np.zeros((2, 3))),
    "pad": (lambda f: f(F, ((1, 0), (0, 2))), np.pad(F, ((1, 0), (0, 2)))),
    "quantile": (lambda f: f(F, 0.3, axis=0), np.quantile(F, 0.3, axis=0)),
    "repeat": (lambda f: f(F, 2, axis=1), np.repeat(F, 2, axis=1)),
    "reshape": (lambda f: f(F, (4, 3)), np.reshape(F, (4, 3))),
    "roll": (lambda f: f(F, 1, axis=1), np.roll(F, 1, axis=1)),
    "split": (lambda f: f(F, 2, axis=1), np.split(F, 2, axis=1)),
    "squeeze": (lambda f: f(F[None]), np.squeeze(F[None])),
    "stack": (lambda f: f([F, F2], axis=1), np.stack([F, F2], axis=1)),
    "swapaxes": (lambda f: f(SQ, 0, 2), np.swapaxes(SQ, 0, 2)),
    "take": (lambda f: f(F, [2, 0], axis=1), np.take(F, [2, 0], axis=1)),
    "take_along_axis": (lambda f: f(F, np.argsort(F, 1), axis=1),
                        np.take_along_axis(F, np.argsort(F, 1), axis=1)),
    "tile": (lambda f: f(F, (2, 1)), np.tile(F, (2, 1))),
    "where": (lambda f: f(B1, F, F2), np.where(B1, F, F2)),
    "logsumexp": (lambda f: f(F, axis=1), np.log(np.exp(F).sum(1))),
    "top_k": (lambda f: f(F, 2), (-np.sort(-F, 1)[:, :2], np.argsort(-F, 1)[:, :2])),
    "segment_sum": (lambda f: f(F, np.array([0, 2, 0]), num_segments=3),
                    np.stack([F[0] + F[2], np.zeros(4), F[1]])),
    "one_hot": (lambda f: f(I1[0] % 4, 4), np.eye(4)[I1[0] % 4]),
    "binary_crossentropy": (lambda f: f(B1.astype(np.float32), _sig(F)),
                            -(B1 * np.log(_sig(F)) + (1 - B1) * np.log(1 - _sig(F)))),
    "categorical_crossentropy": (lambda f: f(np.eye(4)[[0, 3, 1]], _softmax(F)),
                                 -np.log(_softmax(F)[[0, 1, 2], [0, 3, 1]])),
    "sparse_categorical_crossentropy": (lambda f: f(np.array([0, 3, 1]), _softmax(F)),
                                        -np.log(_softmax(F)[[0, 1, 2], [0, 3, 1]])),
    "scatter": (lambda f: f(np.array([[0, 1], [2, 3]]), np.array([5.0, 6.0]), (3, 4)),
                np.where(np.isin(np.arange(12), [1, 11]).reshape(3, 4),
                         np.array([[0, 5, 0, 0], [0] * 4, [0, 0, 0, 6]]), 0)),
    "scatter_update": (lambda f: f(F, np.array([[1, 2]]), np.array([9.0])),
                       np.where(np.arange(12).reshape(3, 4) == 6, 9.0, F)),
    "slice": (lambda f: f(F, (1, 1), (2, 2)), F[1:3, 1:3]),
    "slice_update": (lambda f: f(F, (1, 1), np.zeros((2, 2), np.float32)),
                     np.where((np.arange(3)[:, None] >= 1) & (np.arange(4) >= 1)
                              & (np.arange(4) < 3), 0.0, F)),
    "dtype": (lambda f: (f(F), f(I1), f(np.array([True]))), ("float32", "int32", "bool")),
    "get_item": (lambda f: f(F, (slice(1, None), slice(None, None, 2))), F[1:, ::2]),
    "array_split": (lambda f: f(F, 3, axis=1), np.array_split(F, 3, axis=1)),
    "empty": (lambda f: f((2, 3)).shape, (2, 3)),
    "logspace": (lambda f: f(0.0, 2.0, 5), np.logspace(0.0, 2.0, 5)),
    "geomspace": (lambda f: f(-1.0, -100.0, 4), np.geomspace(-1.0, -100.0, 4)),
    "percentile": (lambda f: f(F, 30, axis=0), np.percentile(F, 30, axis=0)),
    "tri": (lambda f: f(3, 4, 1), np.tri(3, 4, 1)),
    "threshold": (lambda f: f(F, 0.1, -3.0), np.where(F > 0.1, F, -3.0)),
    "moments": (lambda f: f(F, axes=[0]), (F.mean(0), F.var(0))),
    "batch_normalization": (lambda f: f(F, F2[0], P[0], axis=1, offset=F2[1], scale=P[1]),
                            (F - F2[0]) / np.sqrt(P[0] + 1e-3) * P[1] + F2[1]),
    "multi_hot": (lambda f: f(np.array([[0, 2], [1, 1]]), 4),
                  np.array([[1, 0, 1, 0], [0, 1, 0, 0]])),
    "psnr": (lambda f: f(P, P + 0.1, 2.0), 20 * np.log10(2.0) - 10 * np.log10(0.01)),
    "in_top_k": (lambda f: f(np.array([1, 0, 2]), np.array([[0.1, 0.5, 0.5], [0.3, 0.3, 0.1],
                                                            [0.9, 0.2, 0.1]]), 1),
                 np.array([True, True, False])),
    "argpartition": (lambda f: np.take_along_axis(F, np.asarray(f(F, 1, axis=1)), 1)[:, 1],
                     np.sort(F, 1)[:, 1]),
    "unravel_index": (lambda f: f(np.array([5, 7]), (3, 4)),
                      np.unravel_index(np.array([5, 7]), (3, 4))),
    "histogram": (lambda f: f(F, bins=4), np.histogram(F, bins=4)),
    "hanning": (lambda f: f(5), np.hanning(5)), "hamming": (lambda f: f(5), np.hamming(5)),
    "bartlett": (lambda f: f(5), np.bartlett(5)), "blackman": (lambda f: f(5), np.blackman(5)),
    "kaiser": (lambda f: f(5, 2.0), np.kaiser(5, 2.0)),
    "select": (lambda f: f([F > 0, F < -0.5], [F, F2], -1.0),
               np.select([F > 0, F < -0.5], [F, F2], -1.0)),
    "vsplit": (lambda f: f(F, 3), np.vsplit(F, 3)), "hsplit": (lambda f: f(F, 2), np.hsplit(F, 2)),
    "dsplit": (lambda f: f(SQ, 3), np.dsplit(SQ, 3)),
    "saturate_cast": (lambda f: f(F * 1000, "uint8"), np.clip(F * 1000, 0, 255).astype(np.uint8)),
    "segment_max": (lambda f: f(F, np.array([0, 2, 0]), num_segments=4),
                    np.stack([np.maximum(F[0], F[2]), np.full(4, np.finfo(np.float32).min),
                              F[1], np.full(4, np.finfo(np.float32).min)])),
    "segment_min": (lambda f: f(F, np.array([1, 1, 0])),
                    np.stack([F[2], np.minimum(F[0], F[1])])),
    "rgb_to_grayscale": (lambda f: f(SQ), (SQ @ np.array([0.2989, 0.587, 0.114]))[..., None]),
    "crop_images": (lambda f: f(SQ[..., None], 1, 0, target_height=2, right_cropping=1),
                    SQ[..., None][:, 1:3, 0:2]),
    "pad_images": (lambda f: f(SQ[..., None], 1, 2, target_height=5, target_width=6),
                   np.pad(SQ[..., None], ((0, 0), (1, 1), (2, 1), (0, 0)))),
    "nanquantile": (lambda f: f(FN, [0.25, 0.5], axis=1), np.nanquantile(FN, [0.25, 0.5], axis=1)),
    "nanpercentile": (lambda f: f(FN, 40, axis=0), np.nanpercentile(FN, 40, axis=0)),
    "angle": (lambda f: f(np.array([-1.0, 0.0, 2.0], np.float32)), np.angle([-1.0, 0.0, 2.0])),
    "cdist": (lambda f: f(F, F2[:2]), np.sqrt(((F[:, None] - F2[None, :2]) ** 2).sum(-1))),
    "depth_to_space": (lambda f: f(np.arange(48, dtype=np.float32).reshape(1, 2, 3, 8), 2),
                       np.arange(48).reshape(1, 2, 3, 2, 2, 2).transpose(0, 1, 3, 2, 4, 5)
                       .reshape(1, 4, 6, 2)),
    "space_to_depth": (lambda f: f(np.arange(48, dtype=np.float32).reshape(1, 4, 6, 2), 2),
                       np.arange(48).reshape(1, 2, 2, 3, 2, 2).transpose(0, 1, 3, 2, 4, 5)
                       .reshape(1, 2, 3, 8)),
    "eigh": (lambda f: f(SPD)[0], np.linalg.eigh(SPD)[0]),
    "pinv": (lambda f: f(F), np.linalg.pinv(F)),
    "lstsq": (lambda f: f(F.T, F2[0]), np.linalg.lstsq(F.T, F2[0])[0]),
    "matrix_rank": (lambda f: f(np.outer(F[0], F2[0])), 1),
    "cholesky_inverse": (lambda f: f(np.linalg.cholesky(SPD)), np.linalg.inv(SPD)),
    "custom_gradient": (lambda f: f(lambda x: (x * 2.0, lambda g: g))(ff.Tensor(F)), F * 2),
    "einsum": (lambda f: f("bij,bjk->bik", SQ, RHS), np.einsum("bij,bjk->bik", SQ, RHS)),
    "cond": (lambda f: f(ff.Tensor(np.array(False)), lambda: F, lambda: F2), F2),
    "switch": (lambda f: f(1, [lambda x: x + 1, lambda x: x * 2], F), F * 2),
    "while_loop": (lambda f: f(lambda i, x: i < 3, lambda i, x: (i + 1, x * 2), (0, F)),
                   (3, F * 8)),
    "fori_loop": (lambda f: f(0, 3, lambda i, v: v + i, F), F + 3),
    "scan": (lambda f: f(lambda c, x: (c + x, c * 1.0), np.zeros(4, np.float32), F),
             (F.sum(0), np.cumsum(F, 0) - F)),
    "map": (lambda f: f(lambda x: ops.sum(x), F), F.sum(1)),
    "vectorized_map": (lambda f: f(lambda x: ops.sum(x), F), F.sum(1)),
    "associative_scan": (lambda f: f(lambda a, b: a + b, F, axis=1), np.cumsum(F, 1)),
    "resize": (lambda f: f(np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1), (2, 2)),
               np.array([2.5, 4.5, 10.5, 12.5]).reshape(1, 2, 2, 1)),
    "conv": (lambda f: f(IMG, np.ones((2, 2, 1, 1))), _BOX2),
    "depthwise_conv": (lambda f: f(IMG, np.ones((2, 2, 1, 1))), _BOX2),
    "separable_conv": (lambda f: f(IMG, np.ones((2, 2, 1, 1)), np.array([[[[1.0, -1.0]]]])),
                       np.concatenate([_BOX2, -_BOX2], -1)),
    "conv_transpose": (lambda f: f(IMG, np.ones((1, 1, 1, 1)), 2),
                       np.kron(IMG[0, :, :, 0], [[1, 0], [0, 0]])[None, :, :, None]),
    "max_pool": (lambda f: f(IMG, 2), IMG.reshape(1, 2, 2, 2, 2, 1).max((2, 4))),
    "average_pool": (lambda f: f(IMG, 2), IMG.reshape(1, 2, 2, 2, 2, 1).mean((2, 4))),
}


def _close(got, want):
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want)
        for g, w in zip(got, want):
            _close(g, w)
        return
    if isinstance(want, (bool, str)):
        assert np.ndim(got) == 0 and (got == want if isinstance(want, str) else
                                      bool(got) is want)
        return
    g = np.asarray(got)
    w = np.asarray(want)
    assert g.shape == w.shape, (g.shape, w.shape)
    if w.dtype == bool:
        np.testing.assert_array_equal(g, w)
    else:
        np.testing.assert_allclose(g.astype(np.float64), w, rtol=2e-5, atol=2e-5)


def _check(name, fn):
    if name in UNARY:
        x, ref = UNARY[name]
        _close(fn(x), ref(np.asarray(x, np.float64) if np.asarray(x).dtype == np.float32
                          else x))
    elif name in BINARY:
        a, b, ref = BINARY[name]
        f64 = [np.asarray(v, np.float64) if v.dtype == np.float32 else v for v in (a, b)]
        _close(fn(a, b), ref(*f64))
    elif name in REDUCTIONS:
        x = (F > 0) if name in ("all", "any") else FN if name.startswith("nan") else F
        _close(fn(x, axis=1), getattr(np, name)(np.asarray(x, np.float64)
                                                if x.dtype == np.float32 else x, axis=1))
    else:
        call, want = SPECIAL[name]
        _close(call(fn), want)


def test_every_claimed_name_has_a_numpy_case():
    cases = set(UNARY) | set(BINARY) | set(REDUCTIONS) | set(SPECIAL)
    assert sorted({n for _, n in CLAIMED} - cases) == []
    assert len(CLAIMED) > 300  # the flat names plus the namespaced ones


@pytest.mark.parametrize("ns,name", CLAIMED, ids=[f"{a}.{b}" for a, b in CLAIMED])
def test_claimed_name_is_callable_and_agrees_with_numpy(ns, name):
    fn = getattr(_ns(ns), name)
    assert callable(fn) and not isinstance(fn, types.ModuleType)
    assert fn.__doc__, f"ops.{name} has no docstring"
    if ns != "ops" and hasattr(ops, name) and name not in ("tanh",):
        assert getattr(ops, name) is fn  # one function, reachable both ways
    _check(name, fn)


def test_keras_namespaces_exist_and_internal_modules_are_private():
    for ns in ("numpy", "nn", "math", "linalg", "image"):
        assert isinstance(getattr(ops, ns), types.ModuleType)
    modules = {n for n in dir(ops) if isinstance(getattr(ops, n), types.ModuleType)
               and not n.startswith("_")}
    assert modules <= {"numpy", "nn", "math", "linalg", "image", "random"}
    assert ops.shape(np.ones((2, 3)))[0] == 2  # the function, not a submodule
    assert ops.shape(ff.Tensor(np.ones((2, 3)))) == (2, 3)
    assert ops.numpy.shape if hasattr(ops.numpy, "shape") else True
    t = ff.Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    np.testing.assert_array_equal(t.T.numpy(), np.arange(6).reshape(2, 3).T)
    np.testing.assert_array_equal(t[1].numpy(), [3, 4, 5])


def test_non_keras_names_are_few_and_known():
    public = {n for n in dir(ops) if not n.startswith("_")
              and not isinstance(getattr(ops, n), types.ModuleType)}
    # `getitem`: Tensor.__getitem__'s op, used by layers; Keras spells it `get_item`.
    assert public - set(KERAS["ops"]) <= {"getitem"}
