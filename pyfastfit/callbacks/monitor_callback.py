"""MonitorCallback: shared 'is this value an improvement?' logic."""

import warnings

import numpy as np

from pyfastfit.callbacks.callback import Callback


class MonitorCallback(Callback):
    """Base class of callbacks that watch one logged quantity (`monitor`).

    Args:
        monitor: the log key to watch. Defaults to `"val_loss"`.
        mode: `"min"`, `"max"` or `"auto"` (the direction is read from the name:
            losses go down, metrics declare their direction).
        baseline: initial "best" value, or `None` (the first value is the best).
        min_delta: changes smaller than this do not count as improvements.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback "
                          "to auto mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _metric_direction(self, name):
        from pyfastfit.trainers.compile_utils import CompileMetrics, MetricsList

        found = []
        for m in getattr(self.model, "metrics", None) or []:
            if isinstance(m, (CompileMetrics, MetricsList)):
                found.extend(m.metrics)
        for m in found:
            if m.name == name and hasattr(m, "_direction"):
                return m._direction
        return None

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = np.less
            direction = self._metric_direction(name) if self.model is not None else None
            if direction is not None:
                self.monitor_op = np.greater if direction == "up" else np.less
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, "
                    "but pyfastfit isn't able to automatically determine whether that "
                    "metric should be maximized or minimized. Pass `mode='max'` in "
                    "order to monitor based on the highest metric value, or pass "
                    "`mode='min'` in order to use the lowest value.")
        if self.monitor_op is np.less:
            self.min_delta = -abs(self.min_delta)
        else:
            self.min_delta = abs(self.min_delta)

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))
