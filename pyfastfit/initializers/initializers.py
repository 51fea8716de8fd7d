"""Weight initializers (Keras 3 classes and names). They return float32 NumPy arrays."""

import math

import numpy as np


def _rng(seed):
    if seed is None:
        from pyfastfit import backend

        seed = backend.draw_seed()
    return np.random.default_rng(seed)


def compute_fans(shape):
    """(fan_in, fan_out) of a weight shape, as Keras computes them."""
    shape = tuple(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: `init(shape, dtype=None)` returns the initial value."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(
            f"Initializer subclass {type(self).__name__} must implement "
            "`__call__(self, shape, dtype=None)`.")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        """Recreates the initializer from `get_config()` (or a Keras 3 config)."""
        config = dict(config)
        for key in ("input_axes", "output_axes"):  # Keras 3.12+ fan axes; None = default
            if key in config:
                if config[key] is not None:
                    raise ValueError(f"`{key}` is not supported by pyfastfit's "
                                     f"{cls.__name__}. Received: {key}={config[key]!r}")
                del config[key]
        return cls(**config)

    def clone(self):
        return self.__class__.from_config(self.get_config())


def _cast(a, dtype):
    return np.asarray(a, dtype=dtype or "float32")


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype=dtype or "float32")


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype=dtype or "float32")


class Constant(Initializer):
    """All equal to `value`."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype=dtype or "float32")

    def get_config(self):
        v = self.value
        return {"value": v.tolist() if hasattr(v, "tolist") else v}


class _Seeded(Initializer):
    def __init__(self, seed=None):
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = seed

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(_Seeded):
    """Normal distribution with `mean` and `stddev`."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return _cast(_rng(self.seed).normal(self.mean, self.stddev, size=shape), dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Seeded):
    """Uniform distribution on [minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        return _cast(_rng(self.seed).uniform(self.minval, self.maxval, size=shape), dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated(rng, shape, mean, stddev):
    """Normal samples redrawn until within two standard deviations."""
    out = rng.standard_normal(size=shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(size=int(bad.sum()))
        bad = np.abs(out) > 2.0
    return out * stddev + mean


class TruncatedNormal(_Seeded):
    """Normal distribution truncated at two standard deviations."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return _cast(_truncated(_rng(self.seed), shape, self.mean, self.stddev), dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(_Seeded):
    """Samples scaled to the weight's fan (the family behind Glorot, He and LeCun).

    Args:
        scale: positive scaling factor.
        mode: "fan_in", "fan_out" or "fan_avg".
        distribution: "truncated_normal", "untruncated_normal" or "uniform".
        seed: integer seed or None.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError("Invalid `mode` argument: expected one of {'fan_in', 'fan_out', "
                             f"'fan_avg'}}. Received: mode={mode}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError("Invalid `distribution` argument: expected one of {'uniform', "
                             "'truncated_normal', 'untruncated_normal'}. "
                             f"Received: distribution={distribution}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, fan)
        rng = _rng(self.seed)
        if self.distribution == "truncated_normal":
            out = _truncated(rng, shape, 0.0, math.sqrt(scale) / 0.87962566103423978)
        elif self.distribution == "untruncated_normal":
            out = rng.normal(0.0, math.sqrt(scale), size=shape)
        else:
            limit = math.sqrt(3.0 * scale)
            out = rng.uniform(-limit, limit, size=shape)
        return _cast(out, dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _fixed(name, scale, mode, distribution, doc):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": doc})


GlorotUniform = _fixed("GlorotUniform", 1.0, "fan_avg", "uniform",
                       "Uniform on [-l, l] with l = sqrt(6 / (fan_in + fan_out)).")
GlorotNormal = _fixed("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                      "Truncated normal with stddev sqrt(2 / (fan_in + fan_out)).")
HeUniform = _fixed("HeUniform", 2.0, "fan_in", "uniform",
                   "Uniform on [-l, l] with l = sqrt(6 / fan_in).")
HeNormal = _fixed("HeNormal", 2.0, "fan_in", "truncated_normal",
                  "Truncated normal with stddev sqrt(2 / fan_in).")
LecunUniform = _fixed("LecunUniform", 1.0, "fan_in", "uniform",
                      "Uniform on [-l, l] with l = sqrt(3 / fan_in).")
LecunNormal = _fixed("LecunNormal", 1.0, "fan_in", "truncated_normal",
                     "Truncated normal with stddev sqrt(1 / fan_in).")


class Orthogonal(_Seeded):
    """A (semi-)orthogonal matrix times `gain` (QR of a normal matrix)."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = _rng(self.seed).normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return _cast(self.gain * q.reshape(shape), dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        return _cast(self.gain * np.eye(*shape), dtype)

    def get_config(self):
        return {"gain": self.gain}


IdentityInitializer = Identity
