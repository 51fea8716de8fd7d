"""Random sampling functions, as `keras.random`.

`normal`, `uniform`, `truncated_normal`, `randint` and `dropout` run C++ kernels on the
counter-based generator (each value a pure function of seed, counter and element index,
whatever the thread count): with a `SeedGenerator` the kernel reads and advances its
state tensor itself, so a step compiled with `pyfastfit.function` replays the draws with
new values each call. `categorical`, `shuffle`, `gamma`, `beta` and `binomial` draw
with NumPy generators keyed by the same `(seed, counter)` state (vectorized; no
per-element Python); a compiled step that calls them with a SeedGenerator runs eagerly.
`dropout` is differentiable.
"""

import math
import operator

import numpy as np

from pyfastfit import backend, ops
from pyfastfit.ops import _random as random_ops
from pyfastfit.random.seed_generator import (
    SeedGenerator, draw_seed, frozen, generator, seed_state,
)

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


def _number(value):
    """`value` as a Python float when it is a plain number (a kernel attribute), else
    None (a tensor or an array, applied with ops)."""
    if isinstance(value, (int, float, np.integer, np.floating)) and \
            not isinstance(value, bool):
        return float(value)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return float(value)
    return None


def _float_tensor(value):
    t = ops.convert_to_tensor(value)
    return t if t.dtype == "float32" else ops.cast(t, "float32")


def _affine(draw, shape, mean, stddev, state, advance):
    """`mean + stddev * draw(...)`: in the kernel (float64) for numbers, with ops for
    tensors and arrays (broadcast as Keras, float32)."""
    m, s = _number(mean), _number(stddev)
    if m is not None and s is not None:
        return draw(shape, m, s, state, advance)
    z = draw(shape, 0.0, 1.0, state, advance)
    return ops.add(ops.multiply(z, _float_tensor(stddev)), _float_tensor(mean))


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
    state, advance = seed_state(seed, "normal")
    return _affine(random_ops.normal, shape, mean, stddev, state, advance)


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
    state, advance = seed_state(seed, "uniform")
    lo, hi = _number(minval), _number(maxval)
    if lo is not None and hi is not None:
        return random_ops.uniform(shape, lo, hi, state, advance)
    # Tensor or array bounds: broadcast with ops (float32 arithmetic); a value rounded
    # up to maxval is taken as minval, so the interval stays half-open.
    lo, hi = _float_tensor(minval), _float_tensor(maxval)
    out = ops.add(lo, ops.multiply(ops.subtract(hi, lo),
                                   random_ops.uniform(shape, 0.0, 1.0, state, advance)))
    return ops.where(ops.logical_and(ops.greater_equal(out, hi), ops.greater(hi, lo)),
                     lo, out)


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
    state, advance = seed_state(seed, "truncated_normal")
    return _affine(random_ops.truncated_normal, shape, mean, stddev, state, advance)


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
    state, advance = seed_state(seed, "randint")
    return random_ops.randint(shape, int(minval), int(maxval), dtype, state, advance)


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
    rng = generator(seed, "categorical")
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
    perm = generator(seed, "shuffle").permutation(x.shape[axis]).astype(np.int32)
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
    # One kernel draw for every rate (1 included), so a SeedGenerator always advances
    # (in C++, replayable), except in the stand-in calls of shape inference.
    if isinstance(seed, SeedGenerator) and not frozen():
        def draw(t):
            return random_ops.dropout_state(t, rate, seed.state)
    else:
        s, counter = draw_seed(seed, "dropout", "a stand-in call for shape inference")

        def draw(t):
            return random_ops.dropout(t, rate, s, counter)
    if noise_shape is None:
        return draw(x)
    if not hasattr(noise_shape, "__iter__") or len(noise_shape) != len(x.shape):
        raise ValueError(f"`noise_shape` must have one entry per axis of inputs (shape "
                         f"{tuple(x.shape)}). Received: noise_shape={noise_shape!r}")
    shape = tuple(x.shape[i] if d is None else d for i, d in enumerate(noise_shape))
    if any(d not in (1, n) for d, n in zip(shape, x.shape)):
        raise ValueError(f"`noise_shape` {tuple(noise_shape)} does not broadcast to the "
                         f"inputs' shape {tuple(x.shape)}.")
    return ops.multiply(x, draw(ops.ones(shape)))


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
    rng = generator(seed, "gamma")
    return _out(rng.standard_gamma(np.broadcast_to(a, shape), size=shape), dtype)


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
    return _out(generator(seed, "beta").beta(a, b, size=shape), dtype)


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
    rng = generator(seed, "binomial")
    return _out(rng.binomial(n.astype(np.int64), p, size=shape), dtype)


__all__ = ["beta", "binomial", "categorical", "dropout", "gamma", "normal", "randint",
           "shuffle", "truncated_normal", "uniform"]
