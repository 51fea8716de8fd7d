"""The loss side of `Layer`: `add_loss` / `add_metric` values of the last call, the
`losses` view (added losses plus weight-regularization penalties) and their checks.

`LossTrackingMixin` is a base of `Layer` (pyfastfit.layers.layer); the values are kept
in the `_losses` / `_metric_values` / `_regularized` lists `Layer.__init__` creates.
"""

from pyfastfit.core import Tensor, Variable
from pyfastfit.layers.call_context import _ctx
from pyfastfit.layers.keras_tensor import KerasTensor, flatten


class LossTrackingMixin:
    """Part of `Layer`: losses and metrics added during a call (see the module docstring)."""

    def add_loss(self, loss):
        """Adds a loss tensor (e.g. an activity penalty) for this forward pass; a
        non-scalar one counts as its sum.

        A zero-argument callable (Keras 2 style, e.g. `lambda: ops.mean(layer.kernel)`)
        is kept instead and called each time `losses` is read.
        """
        if callable(loss) and not isinstance(loss, (Tensor, Variable)):
            self.__dict__.setdefault("_callable_losses", []).append(loss)
            return
        if _ctx.in_standin:
            return
        _check_not_symbolic(self, loss, "add_loss")
        self._losses.append(loss)

    def add_metric(self, value, name=None, aggregation="mean"):
        """Records a metric value for this forward pass (Keras 2's `add_metric`):
        `fit`/`evaluate` log the mean of the values over the epoch as `name`.

        Args:
            value: a tensor (its elements are averaged).
            name: the name in the logs (required).
            aggregation: "mean" (or None, read as "mean").
        """
        if _ctx.in_standin:
            return
        _check_metric_args(name, aggregation)
        _check_not_symbolic(self, value, "add_metric")
        self._metric_values.append((name, value, aggregation))

    @property
    def losses(self):
        """Losses from `add_loss` of the last call (this layer and nested ones), plus the
        weight-regularization penalties computed from the current weights."""
        out = []
        layers = self._flatten_layers()
        for layer in layers:
            out.extend(layer._losses)
        for layer in layers:
            for fn in layer.__dict__.get("_callable_losses", ()):
                out.append(fn())
        for layer in layers:
            for v, reg in layer._regularized:
                if v.trainable or not layer._trainable:
                    out.append(reg(v))
        return out

    def _clear_losses(self):
        for layer in self._tree()[0]:
            if layer._losses:
                layer._losses.clear()
            if layer._metric_values:
                layer._metric_values.clear()

    @property
    def _added_metric_values(self):
        """[(name, value, aggregation)] recorded by `add_metric` in the last call."""
        out = []
        for layer in self._flatten_layers():
            out.extend(layer._metric_values)
        return out


def _check_metric_args(name, aggregation):
    """Keras 2's checks of `add_metric`'s name and aggregation."""
    if not name or not isinstance(name, str):
        raise ValueError("Please provide a name for your metric like "
                         "`self.add_metric(ops.sum(inputs), name='mean_activation')`. "
                         f"Received: name={name!r}")
    if aggregation not in ("mean", None):
        raise ValueError("We currently support only `mean` aggregation for `add_metric`. "
                         f"Received: aggregation={aggregation!r}")


def _check_not_symbolic(layer, value, method):
    if any(isinstance(t, KerasTensor) for t in flatten(value)):
        raise ValueError(
            f"`{method}` of {type(layer).__name__} '{layer.name}' received a symbolic "
            "tensor. Only a Functional model (`Model(inputs, outputs)`) records losses and "
            "metrics computed from its graph; call its `add_loss` / `add_metric`, or add "
            f"real values inside `call()`. Received: {value!r:.200}")
