"""Random sampling functions, as `keras.random`.

Samples come from NumPy generators keyed by the `(seed, counter)` state of
`seed_generator.draw_seed` (vectorized; no per-element Python) and are returned as
Tensors. `dropout` runs the C++ dropout kernel and is differentiable.
"""

import math
import operator

import numpy as np

from pyfastfit import backend, ops
from pyfastfit.ops import _random as random_ops
from pyfastfit.random.seed_generator import draw_seed, generator

_FLOATS = ("float16", "float32", "float64", "bfloat16")
_INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
# What pyfastfit Tensors hold; other widths would be silently changed, so they raise.
_SUPPORTED = ("float32", "int32", "int64")
_NOISE_BLOCK = 1 << 22  # categorical's Gumbel noise values per block


def _shape(shape):
    if shape is None:
        raise ValueError("Undefined shapes are not supported. Received: shape=None")
    if isinstance(shape, (int, np.integer)) or not hasattr(shape, "__iter__"):
        raise ValueError(f"Cannot convert '{shape!r}' to a shape: expected a tuple or list "
                         f"of non-negative integers. Received: shape={shape!r}")
    out = []
    for d in shape:
        try:  # ints, NumPy ints and 0-d integer tensors (e.g. from ops.shape)
            d = -1 if isinstance(d, bool) else operator.index(d)
        except TypeError:
            d = -1
        if d < 0:
            raise ValueError("Expected `shape` to be a tuple of non-negative integers. "
                             f"Received: shape={tuple(shape)!r}")
        out.append(d)
    return tuple(out)


def _dtype(dtype, fn, kind):
    name = backend.floatx() if dtype is None else getattr(dtype, "name", None) or str(dtype)
    try:
        name = np.dtype(name).name
    except TypeError:
        pass
    wanted = _FLOATS if kind == "float" else _INTS
    if name not in wanted:
        article = "a floating point" if kind == "float" else "an integer"
        raise ValueError(f"`keras.random.{fn}` requires {article} `dtype`. "
                         f"Received: dtype={dtype}")
    if name not in _SUPPORTED:
        raise ValueError(f"`keras.random.{fn}`: pyfastfit tensors support dtypes "
                         f"{[d for d in _SUPPORTED if d in wanted]} here. "
                         f"Received: dtype={dtype}")
    return name


def _out(values, dtype):
    return ops.convert_to_tensor(np.require(np.asarray(values, dtype=dtype), requirements="C"))


def _scalar(value):
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value, dtype=np.float64)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draws samples from a normal (Gaussian) distribution.

    Args:
        shape: the shape of the output.
        mean: mean of the distribution.
        stddev: standard deviation of the distribution.
        dtype: a float dtype (default `backend.floatx()`).
        seed: an int (the same values every call), a `SeedGenerator`, or None.

    Returns:
        A Tensor of `shape`.
    """
    shape, dtype = _shape(shape), _dtype(dtype, "normal", "float")
    z = generator(seed).standard_normal(shape, dtype=np.float64)
    return _out(z * _scalar(stddev) + _scalar(mean), dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Draws samples from a uniform distribution on `[minval, maxval)`.

    Args:
        shape: the shape of the output.
        minval: lower bound (inclusive).
        maxval: upper bound (exclusive).
        dtype: a float dtype (default `backend.floatx()`); use `randint` for integers.
        seed: an int, a `SeedGenerator`, or None.
    """
    shape, dtype = _shape(shape), _dtype(dtype, "uniform", "float")
    lo, hi = _scalar(minval), _scalar(maxval)
    u = generator(seed).random(shape)
    out = np.asarray(lo + (hi - lo) * u).astype(dtype)
    # Rounding to float32 can land on maxval; keep the interval half-open.
    top = np.nextafter(hi.astype(dtype), lo.astype(dtype))
    return _out(np.where(hi > lo, np.minimum(out, top), out), dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draws from a normal distribution whose values beyond two standard deviations
    from the mean are dropped and re-drawn.

    Args:
        shape: the shape of the output.
        mean: mean of the distribution before truncation.
        stddev: standard deviation of the distribution before truncation.
        dtype: a float dtype (default `backend.floatx()`).
        seed: an int, a `SeedGenerator`, or None.
    """
    shape, dtype = _shape(shape), _dtype(dtype, "truncated_normal", "float")
    rng = generator(seed)
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2.0
    # About 4.6% fall outside each round, so a handful of vectorized rounds suffice.
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2.0
    return _out(z * _scalar(stddev) + _scalar(mean), dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Draws integers uniformly from `[minval, maxval)`.

    Args:
        shape: the shape of the output.
        minval: lower bound (inclusive).
        maxval: upper bound (exclusive); must be greater than `minval`.
        dtype: an integer dtype (default "int32").
        seed: an int, a `SeedGenerator`, or None.
    """
    shape, dtype = _shape(shape), _dtype(dtype, "randint", "int")
    for name, v in (("minval", minval), ("maxval", maxval)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"`keras.random.randint` expects an integer `{name}`. "
                             f"Received: {name}={v!r}")
    if maxval <= minval:
        raise ValueError("`keras.random.randint` needs minval < maxval. "
                         f"Received: minval={minval}, maxval={maxval}")
    info = np.iinfo(dtype)
    if minval < info.min or maxval - 1 > info.max:
        raise ValueError(f"`keras.random.randint`: [minval, maxval) must fit in {dtype} "
                         f"[{info.min}, {info.max}]. Received: minval={minval}, "
                         f"maxval={maxval}")
    out = generator(seed).integers(int(minval), int(maxval), size=shape, dtype=np.int64)
    return _out(out, dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Draws class indices from the categorical distributions given by `logits`.

    Args:
        logits: a 2-D tensor `(batch_size, num_classes)` of unnormalized log
            probabilities (-inf marks an impossible class).
        num_samples: number of draws per row.
        dtype: an integer dtype of the result (default "int32").
        seed: an int, a `SeedGenerator`, or None.

    Returns:
        An int Tensor of shape `(batch_size, num_samples)`.
    """
    dtype = _dtype(dtype, "categorical", "int")
    lg = np.asarray(ops.convert_to_numpy(logits), dtype=np.float64)
    if lg.ndim != 2:
        raise ValueError("`logits` should be a 2-D tensor with shape [batch_size, "
                         f"num_classes]. Received: logits with shape {lg.shape}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) \
            or num_samples < 0:
        raise ValueError("`num_samples` must be a non-negative integer. "
                         f"Received: num_samples={num_samples!r}")
    b, c = lg.shape
    if b and c == 0 and num_samples:
        raise ValueError("`logits` has no classes to draw from. "
                         f"Received: logits with shape {lg.shape}")
    bad = np.isnan(lg).any(axis=1) | (np.max(lg, axis=1, initial=-np.inf) == -np.inf) \
        if c else np.zeros(b, bool)
    if num_samples and bad.any():
        raise ValueError("Each row of `logits` needs at least one finite value and no NaN. "
                         f"Received: invalid rows {np.flatnonzero(bad)[:10].tolist()}")
    num_samples = int(num_samples)
    out = np.zeros((b, num_samples), dtype)
    if not c:
        return _out(out, dtype)
    # Gumbel-max: argmax(logits + Gumbel noise) is a draw from softmax(logits). The
    # noise is drawn in blocks of samples to bound memory at ~4M values.
    rng = generator(seed)
    step = max(1, _NOISE_BLOCK // max(1, b * c))
    for start in range(0, num_samples, step):
        n = min(step, num_samples - start)
        g = rng.gumbel(size=(b, n, c))
        out[:, start:start + n] = np.argmax(lg[:, None, :] + g, axis=-1)
    return _out(out, dtype)


def shuffle(x, axis=0, seed=None):
    """Shuffles the elements of `x` along `axis` (one random permutation).

    Args:
        x: the tensor to shuffle.
        axis: the axis to permute.
        seed: an int, a `SeedGenerator`, or None.
    """
    x = ops.convert_to_tensor(x)
    rank = len(x.shape)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) \
            or not -rank <= axis < max(rank, 1) or rank == 0:
        raise ValueError(f"`axis` must be an integer in [{-rank}, {rank}) for x of rank "
                         f"{rank}. Received: axis={axis!r}")
    perm = generator(seed).permutation(x.shape[axis]).astype(np.int32)
    return ops.take(x, perm, axis=int(axis))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Randomly sets elements of `inputs` to 0 with probability `rate` and scales the
    others by `1 / (1 - rate)` (differentiable).

    Args:
        inputs: a float tensor.
        rate: the drop probability, a float in [0, 1].
        noise_shape: shape of the kept/dropped mask, broadcast to `inputs`' shape
            (None entries take the input's size); default: `inputs`' shape.
        seed: an int, a `SeedGenerator`, or None.
    """
    try:  # a float, or a scalar tensor as Keras allows
        r = None if isinstance(rate, (bool, str)) else float(rate)
    except (TypeError, ValueError):
        r = None
    if r is None or not 0 <= r <= 1 or math.isnan(r):
        raise ValueError("`rate` must be a float in the range [0, 1]. "
                         f"Received: rate={rate!r}")
    rate = r
    x = ops.convert_to_tensor(inputs)
    if x.dtype != "float32":
        x = ops.cast(x, "float32")
    s, counter = draw_seed(seed)
    if rate == 1:
        return ops.multiply(x, 0.0)
    if noise_shape is None:
        return random_ops.dropout(x, float(rate), s, counter)
    if not hasattr(noise_shape, "__iter__") or len(noise_shape) != len(x.shape):
        raise ValueError(f"`noise_shape` must have one entry per axis of inputs (shape "
                         f"{tuple(x.shape)}). Received: noise_shape={noise_shape!r}")
    shape = tuple(x.shape[i] if d is None else d for i, d in enumerate(noise_shape))
    if any(d not in (1, n) for d, n in zip(shape, x.shape)):
        raise ValueError(f"`noise_shape` {tuple(noise_shape)} does not broadcast to the "
                         f"inputs' shape {tuple(x.shape)}.")
    mask = random_ops.dropout(ops.ones(shape), float(rate), s, counter)
    return ops.multiply(x, mask)


def gamma(shape, alpha, dtype=None, seed=None):
    """Draws samples from a Gamma distribution with concentration `alpha` (scale 1).

    Args:
        shape: the shape of the output.
        alpha: concentration, > 0 (a float or an array broadcastable to `shape`).
        dtype: a float dtype (default `backend.floatx()`).
        seed: an int, a `SeedGenerator`, or None.
    """
    shape, dtype = _shape(shape), _dtype(dtype, "gamma", "float")
    a = _scalar(alpha)
    if not np.all(a > 0):
        raise ValueError(f"`alpha` must be > 0. Received: alpha={alpha!r}")
    return _out(generator(seed).standard_gamma(np.broadcast_to(a, shape), size=shape), dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Draws samples from a Beta distribution with parameters `alpha` and `beta`.

    Args:
        shape: the shape of the output.
        alpha: first concentration, > 0.
        beta: second concentration, > 0.
        dtype: a float dtype (default `backend.floatx()`).
        seed: an int, a `SeedGenerator`, or None.
    """
    shape, dtype = _shape(shape), _dtype(dtype, "beta", "float")
    a, b = _scalar(alpha), _scalar(beta)
    if not (np.all(a > 0) and np.all(b > 0)):
        raise ValueError(f"`alpha` and `beta` must be > 0. Received: alpha={alpha!r}, "
                         f"beta={beta!r}")
    return _out(generator(seed).beta(a, b, size=shape), dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Draws the number of successes of `counts` trials with success `probabilities`.

    Args:
        shape: the shape of the output.
        counts: number of trials (>= 0).
        probabilities: success probability of each trial, in [0, 1].
        dtype: a float dtype of the result (default `backend.floatx()`), as Keras.
        seed: an int, a `SeedGenerator`, or None.
    """
    shape, dtype = _shape(shape), _dtype(dtype, "binomial", "float")
    n, p = _scalar(counts), _scalar(probabilities)
    if not (np.all(n >= 0) and np.all((p >= 0) & (p <= 1))):
        raise ValueError("`counts` must be >= 0 and `probabilities` in [0, 1]. Received: "
                         f"counts={counts!r}, probabilities={probabilities!r}")
    return _out(generator(seed).binomial(n.astype(np.int64), p, size=shape), dtype)


__all__ = ["beta", "binomial", "categorical", "dropout", "gamma", "normal", "randint",
           "shuffle", "truncated_normal", "uniform"]
