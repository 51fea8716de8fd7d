"""Nadam: Adam with Nesterov momentum."""

import numpy as np

from pyfastfit.optimizers._moments import MomentOptimizer


class Nadam(MomentOptimizer):
    """Optimizer that implements the Nadam algorithm (Dozat, 2015), as Keras 3.

    Keeps the momentum-cache product `u_product` (a float32 scalar Variable, last in
    `variables`): `u_t = beta_1 * (1 - 0.5 * 0.96**t)`, `u_product *= u_t`, and
    `w -= lr * m_hat / (sqrt(v_hat) + epsilon)` with
    `m_hat = u_{t+1} * m / (1 - u_product * u_{t+1}) + (1 - u_t) * g / (1 - u_product)`,
    `v_hat = v / (1 - beta_2**t)`.

    Args:
        learning_rate: float, schedule or callable. Defaults to `0.001`.
        beta_1: decay rate of the first moment. Defaults to `0.9`.
        beta_2: decay rate of the second moment. Defaults to `0.999`.
        epsilon: small constant for numerical stability. Defaults to `1e-7`.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see `Optimizer`.

    Example:

    >>> opt = keras.optimizers.Nadam(learning_rate=1e-3)
    """

    _algo = "nadam"
    _default_name = "nadam"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="nadam",
                 **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name,
                         weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._build_moments(var_list)
        self._u_product = self._make_variable(np.ones((), np.float32), "u_product")

    def _slot_lists(self):
        return [self._momentums, self._velocities, [self._u_product]]
