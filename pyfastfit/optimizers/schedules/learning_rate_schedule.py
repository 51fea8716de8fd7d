"""Learning rate schedules: the learning rate as a function of the optimizer step."""

import math

import numpy as np

from pyfastfit import ops
from pyfastfit.utils import registry


class LearningRateSchedule:
    """The learning rate schedule base class.

    Subclasses implement `__call__(self, step)` (step: the optimizer's iteration count,
    a scalar integer tensor) and, to be serializable, `get_config()`. Built-in
    schedules also implement `_value(step) -> float`, which optimizers use to avoid
    creating a tensor every step.

    Example:

    ```python
    class MyLRSchedule(keras.optimizers.schedules.LearningRateSchedule):
        def __init__(self, initial_learning_rate):
            self.initial_learning_rate = initial_learning_rate

        def __call__(self, step):
            return self.initial_learning_rate / (step + 1)

    optimizer = keras.optimizers.SGD(learning_rate=MyLRSchedule(0.1))
    ```
    """

    def __call__(self, step):
        if type(self)._value is not LearningRateSchedule._value:
            return ops.convert_to_tensor(np.float32(self._value(step)))
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' "
            "must override `__call__(self, step)`."
        )

    def _value(self, step):
        """The learning rate at `step` as a Python float."""
        return float(self(step))

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' "
            "must override `get_config()` in order to be serializable."
        )

    @classmethod
    def from_config(cls, config):
        """Instantiates a `LearningRateSchedule` from its config."""
        return cls(**config)


class _BuiltinSchedule(LearningRateSchedule):
    """A built-in schedule: its constructor arguments, named in `_config_keys` (in
    Keras's config order), are its attributes and its config."""

    _config_keys = ()

    def _configure(self, args):
        """Stores the constructor arguments `args` (its `locals()`) as attributes; a
        `decay_steps` must be > 0."""
        for key in self._config_keys:
            setattr(self, key, args[key])
        if "decay_steps" in self._config_keys and self.decay_steps <= 0:
            raise ValueError(
                f"Argument `decay_steps` must be > 0. Received: decay_steps={self.decay_steps}")

    def get_config(self):
        return {key: getattr(self, key) for key in self._config_keys}


def _decay_periods(schedule, step):
    """`step / decay_steps`, floored when `schedule.staircase`."""
    p = float(step) / schedule.decay_steps
    return math.floor(p) if schedule.staircase else p


class ExponentialDecay(_BuiltinSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    Args:
        initial_learning_rate: the initial learning rate.
        decay_steps: a positive number of steps, see the formula.
        decay_rate: the decay rate.
        staircase: if `True`, `step / decay_steps` is an integer division.
            Defaults to `False`.
        name: optional name. Defaults to `"ExponentialDecay"`.

    Example:

    >>> s = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> float(s(10))
    0.05
    """

    _config_keys = ("initial_learning_rate", "decay_steps", "decay_rate", "staircase", "name")

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__()
        self._configure(locals())

    def _value(self, step):
        return self.initial_learning_rate * self.decay_rate ** _decay_periods(self, step)


class PiecewiseConstantDecay(_BuiltinSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[1]` while
    `step <= boundaries[1]`, ..., and `values[-1]` after `boundaries[-1]`.

    Args:
        boundaries: strictly increasing step boundaries.
        values: one more value than `boundaries`.
        name: optional name. Defaults to `"PiecewiseConstant"`.

    Example:

    >>> s = PiecewiseConstantDecay([100, 110], [1.0, 0.5, 0.1])
    >>> float(s(105))
    0.5
    """

    _config_keys = ("boundaries", "values", "name")

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        super().__init__()
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of "
                f"values. Received: boundaries={boundaries} of length "
                f"{len(boundaries)}, and values={values} of length {len(values)}."
            )
        self._configure(locals())

    def _value(self, step):
        s = float(step)
        for b, v in zip(self.boundaries, self.values):
            if s <= b:
                return float(v)
        return float(self.values[-1])


class PolynomialDecay(_BuiltinSchedule):
    """Polynomial decay from `initial_learning_rate` to `end_learning_rate` over
    `decay_steps`: `(initial - end) * (1 - step / decay_steps) ** power + end`.

    Args:
        initial_learning_rate: the initial learning rate.
        decay_steps: a positive number of steps.
        end_learning_rate: the final learning rate. Defaults to `0.0001`.
        power: the power of the polynomial. Defaults to `1.0`.
        cycle: if `True`, `decay_steps` is stretched to the first multiple of it
            beyond `step` instead of clamping the step. Defaults to `False`.
        name: optional name. Defaults to `"PolynomialDecay"`.

    Example:

    >>> float(PolynomialDecay(0.1, 10, 0.0)(5))
    0.05
    """

    _config_keys = ("initial_learning_rate", "decay_steps", "end_learning_rate", "power",
                    "cycle", "name")

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001,
                 power=1.0, cycle=False, name="PolynomialDecay"):
        super().__init__()
        self._configure(locals())

    def _value(self, step):
        s = float(step)
        steps = float(self.decay_steps)
        if self.cycle:
            mult = 1.0 if s == 0 else math.ceil(s / self.decay_steps)
            steps *= mult
        else:
            s = min(s, steps)
        p = s / steps
        return ((self.initial_learning_rate - self.end_learning_rate)
                * (1 - p) ** self.power + self.end_learning_rate)


class InverseTimeDecay(_BuiltinSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)` (the ratio is
    floored when `staircase=True`).

    Args:
        initial_learning_rate: the initial learning rate.
        decay_steps: how often to apply decay.
        decay_rate: the decay rate.
        staircase: decay at discrete intervals. Defaults to `False`.
        name: optional name. Defaults to `"InverseTimeDecay"`.

    Example:

    >>> float(InverseTimeDecay(0.1, 1.0, 0.5)(2))
    0.05
    """

    _config_keys = ("initial_learning_rate", "decay_steps", "decay_rate", "staircase", "name")

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__()
        self._configure(locals())

    def _value(self, step):
        return self.initial_learning_rate / (1.0 + self.decay_rate * _decay_periods(self, step))


class CosineDecay(_BuiltinSchedule):
    """Cosine decay with an optional linear warmup, as Keras 3.

    Without `warmup_target`: `lr * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps))
    + alpha)` with `s = min(step, decay_steps)`. With it: a linear ramp from
    `initial_learning_rate` to `warmup_target` over `warmup_steps`, then the cosine
    decay from `warmup_target` over `decay_steps`.

    Args:
        initial_learning_rate: the initial learning rate.
        decay_steps: number of steps to decay over.
        alpha: minimum learning rate as a fraction of the decay's start value.
            Defaults to `0.0`.
        name: optional name. Defaults to `"CosineDecay"`.
        warmup_target: learning rate reached at the end of the warmup, or None for
            no warmup. Defaults to `None`.
        warmup_steps: number of warmup steps. Defaults to `0`.

    Example:

    >>> float(CosineDecay(0.1, 10)(10))
    0.0
    """

    _config_keys = ("initial_learning_rate", "decay_steps", "alpha", "name", "warmup_target",
                    "warmup_steps")

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        super().__init__()
        self._configure(locals())

    def _decay(self, s, start_lr):
        cosine = 0.5 * (1.0 + math.cos(math.pi * s / self.decay_steps))
        return start_lr * ((1 - self.alpha) * cosine + self.alpha)

    def _value(self, step):
        s = float(step)
        if self.warmup_target is None:
            return self._decay(min(s, self.decay_steps), self.initial_learning_rate)
        s = min(s, self.decay_steps + self.warmup_steps)
        if s < self.warmup_steps:
            frac = s / self.warmup_steps
            return (self.warmup_target - self.initial_learning_rate) * frac + \
                self.initial_learning_rate
        return self._decay(s - self.warmup_steps, self.warmup_target)


_BUILTINS = {
    cls.__name__: cls
    for cls in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
                InverseTimeDecay, CosineDecay)
}


def serialize(learning_rate_schedule):
    """Serializes a schedule to the Keras 3 dict form
    (`{"module", "class_name", "config", "registered_name"}`)."""
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise ValueError(
            "serialize expects a LearningRateSchedule. "
            f"Received: learning_rate_schedule={learning_rate_schedule!r}"
        )
    return registry.serialize_object(learning_rate_schedule, "keras.optimizers.schedules",
                                     _BUILTINS)


def deserialize(config, custom_objects=None):
    """Creates a schedule from `serialize`'s output (or Keras 2's
    `{"class_name", "config"}`)."""
    cls, cfg = registry.class_and_config(
        config, custom_objects, _BUILTINS.get,
        lambda name: f"Unknown learning rate schedule: '{name}'. Expected one of "
        f"{sorted(_BUILTINS)} or a class passed in custom_objects.")
    return cls.from_config(cfg)


__all__ = [
    "CosineDecay", "ExponentialDecay", "InverseTimeDecay", "LearningRateSchedule",
    "PiecewiseConstantDecay", "PolynomialDecay", "deserialize", "serialize",
]
