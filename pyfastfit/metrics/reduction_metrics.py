"""Mean, Sum and MeanMetricWrapper (keras/src/metrics/reduction_metrics.py, Keras 3)."""

import numpy as np

from pyfastfit.metrics.metric import Metric
from pyfastfit.ops import _metrics as metric_ops


class Mean(Metric):
    """Computes the (weighted) mean of the given values.

    Args:
        name: defaults to `"mean"`.
        dtype: see `Metric`.

    Example:

    >>> m = keras.metrics.Mean()
    >>> m.update_state([1, 3, 5, 7])
    >>> float(m.result())
    4.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, values, sample_weight=None):
        metric_ops.mean_update_(self.total, self.count, values, sample_weight)

    def result(self):
        return metric_ops.mean_result(self.total, self.count)


class Sum(Metric):
    """Computes the (weighted) sum of the given values.

    Example:

    >>> m = keras.metrics.Sum()
    >>> m.update_state([1, 3, 5, 7])
    >>> float(m.result())
    16.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, values, sample_weight=None):
        metric_ops.sum_update_(self.total, values, sample_weight)

    def result(self):
        return metric_ops.mean_result(self.total, None)


class MeanMetricWrapper(Mean):
    """Wraps a function `fn(y_true, y_pred, **kwargs)` returning per-sample values into a
    stateful mean metric.

    Args:
        fn: the metric function.
        name: name of the metric.
        dtype: see `Metric`.
        **kwargs: passed to `fn`.

    Example:

    >>> m = keras.metrics.MeanMetricWrapper(keras.losses.mean_squared_error, name="mse")
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        from pyfastfit import losses

        if fn in losses.ALL_OBJECTS or (hasattr(fn, "__class__") and
                                        isinstance(fn, losses.Loss)):
            self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = getattr(y_pred, "_keras_mask", None)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            # A model output with a mask (Embedding(mask_zero=True) upstream): as Keras,
            # the masked entries weigh 0 (times any sample_weight).
            mask = np.asarray(mask, dtype=np.float32)
            if sample_weight is not None:
                from pyfastfit.losses.loss import squeeze_or_expand_to_same_rank

                mask, sw = squeeze_or_expand_to_same_rank(
                    mask, np.asarray(sample_weight, dtype=np.float32))
                mask = mask * sw
            sample_weight = mask
        return Mean.update_state(self, values, sample_weight=sample_weight)

    def get_config(self):
        from pyfastfit.losses import serialize_function

        config = {"name": self.name, "dtype": self.dtype}
        config["fn"] = serialize_function(self._fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is MeanMetricWrapper and "fn" in config:
            from pyfastfit.metrics import _deserialize_fn

            config["fn"] = _deserialize_fn(config["fn"])
        else:
            config.pop("fn", None)
        return cls(**config)
