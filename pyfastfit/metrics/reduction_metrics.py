"""Mean, Sum and MeanMetricWrapper (keras/src/metrics/reduction_metrics.py, Keras 3)."""

import numpy as np

from pyfastfit.core import Tensor
from pyfastfit.metrics.metric import Metric, _float_np, _scalar_result
from pyfastfit.ops import _metrics as metric_ops


def samplewise_weights(values_shape, sample_weight):
    """Keras `reduce_to_samplewise_values` weights, as a float32 array with one weight per
    value (`values_shape`) or one per sample (leading axis); None without weights.

    Weights align with the leading axes of the values (a `(B,)` weight weights each
    sample's mean); a trailing dimension of 1 is squeezed or expanded as Keras does.
    """
    if sample_weight is None:
        return None
    w = _float_np(sample_weight)
    vshape = tuple(values_shape)
    vnd = len(vshape)
    if vnd == w.ndim + 1 and vshape[-1] == 1:
        if w.ndim == 1:
            w = w[:, None]
        else:
            vshape = vshape[:-1]
    elif w.ndim == vnd + 1 and w.shape[-1] == 1:
        if vnd == 1:
            vshape = vshape + (1,)
        else:
            w = w[..., 0]
    if w.ndim == 0:
        b = vshape[0] if vshape else 1
        return np.full((max(b, 1),), w / max(b, 1), dtype=np.float32)
    if w.shape == vshape:
        return np.ascontiguousarray(w)
    if w.ndim == 1 and vshape and w.shape[0] == vshape[0]:
        return np.ascontiguousarray(w)
    if w.ndim <= len(vshape):
        try:
            wb = np.broadcast_to(w.reshape(w.shape + (1,) * (len(vshape) - w.ndim)), vshape)
            return np.ascontiguousarray(wb)
        except ValueError:
            pass
    raise ValueError(
        f"`sample_weight` of shape {w.shape} is not compatible with values of shape "
        f"{tuple(values_shape)}: expected one weight per sample or per value."
    )


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
        values = values if isinstance(values, Tensor) else _float_np(values)
        w = None if sample_weight is None else samplewise_weights(
            np.shape(values) if not isinstance(values, Tensor) else values.shape,
            sample_weight)
        metric_ops.accuracy_update_(self.total, self.count, None, values, w, "values")

    def result(self):
        t = float(np.asarray(self.total._c))
        c = float(np.asarray(self.count._c))
        return _scalar_result(t / c if c != 0 else 0.0)


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
        v = _float_np(values)
        if sample_weight is not None:
            w = _float_np(sample_weight)
            if w.ndim == 0:
                v = v * w
            else:
                wf = samplewise_weights(v.shape, w)
                if wf.shape != v.shape and v.ndim:
                    wf = wf.reshape(wf.shape + (1,) * (v.ndim - wf.ndim))
                v = v.reshape(np.broadcast_shapes(v.shape, wf.shape)) * wf
        total = np.asarray(self.total._c)
        total += np.float32(np.sum(v, dtype=np.float64))

    def result(self):
        return _scalar_result(np.asarray(self.total._c))


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
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
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
