"""RMSprop: divides the gradient by a moving root-mean-square of past gradients."""

from pyfastfit.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    """Optimizer that implements the RMSprop algorithm (Keras 3 formula).

    `v = rho * v + (1 - rho) * g**2`; `w -= lr * g / sqrt(v + epsilon)`. With
    `centered=True` the denominator is `sqrt(v - mean_g**2 + epsilon)`; with
    `momentum > 0` the increment goes through a momentum accumulator.

    Args:
        learning_rate: float, schedule or callable. Defaults to `0.001`.
        rho: discounting factor for the old gradients. Defaults to `0.9`.
        momentum: momentum of the increments. Defaults to `0.0`.
        epsilon: small constant for numerical stability. Defaults to `1e-7`.
        centered: normalise by the estimated variance. Defaults to `False`.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see `Optimizer`.

    Example:

    >>> opt = keras.optimizers.RMSprop(learning_rate=0.1)
    """

    _algo = "rmsprop"
    _default_name = "rmsprop"

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps,
                         name=name, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(var_list,
                                                                   "average_gradient")

    def _slot_lists(self):
        return [self._velocities, self._average_gradients, self._momentums]

    def _hyper(self):
        return [self.rho, self.momentum, self.epsilon]

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum,
                       "epsilon": self.epsilon, "centered": self.centered})
        return config
