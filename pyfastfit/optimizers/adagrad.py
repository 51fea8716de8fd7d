"""Adagrad: per-parameter learning rates from accumulated squared gradients."""

from pyfastfit.optimizers.optimizer import Optimizer


class Adagrad(Optimizer):
    """Optimizer that implements the Adagrad algorithm (Duchi et al., 2011).

    `acc += g**2`; `w -= lr * g / sqrt(acc + epsilon)`.

    Args:
        learning_rate: float, schedule or callable. Defaults to `0.001`.
        initial_accumulator_value: starting value of the accumulators (>= 0).
            Defaults to `0.1`.
        epsilon: small constant for numerical stability. Defaults to `1e-7`.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see `Optimizer`.

    Example:

    >>> opt = keras.optimizers.Adagrad(learning_rate=0.01)
    """

    _algo = "adagrad"
    _default_name = "adagrad"

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps,
                         name=name, **kwargs)
        if initial_accumulator_value < 0:
            raise ValueError(
                "Argument `initial_accumulator_value` must be non-negative. "
                f"Received: initial_accumulator_value={initial_accumulator_value}"
            )
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=float(self.initial_accumulator_value))

    def _slot_lists(self):
        return [self._accumulators]

    def _hyper(self):
        return [self.epsilon]

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
