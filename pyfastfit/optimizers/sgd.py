"""SGD: gradient descent with optional (Nesterov) momentum."""

from pyfastfit.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent (with momentum) optimizer.

    `w -= learning_rate * g` without momentum; with it,
    `velocity = momentum * velocity - learning_rate * g; w += velocity`, and with
    `nesterov=True`, `w += momentum * velocity - learning_rate * g`.

    Args:
        learning_rate: float, schedule or callable. Defaults to `0.01`.
        momentum: float in [0, 1]. Defaults to `0.0`.
        nesterov: whether to apply Nesterov momentum. Defaults to `False`.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see `Optimizer`.

    Example:

    >>> opt = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    """

    _algo = "sgd"
    _default_name = "SGD"

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or \
                momentum < 0 or momentum > 1:
            raise ValueError(
                f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}"
            )
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def _slot_lists(self):
        return [self.momentums]

    def _hyper(self):
        return [self.momentum, 1.0 if self.nesterov else 0.0]

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
