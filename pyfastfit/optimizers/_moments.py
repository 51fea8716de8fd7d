"""The base of Adam, AdamW, Adamax and Nadam: the moment decay rates `beta_1`, `beta_2`
and `epsilon` (the C++ kernels' hyper-parameters, in this order), their config, and the
momentum/velocity slots."""

from pyfastfit.optimizers.optimizer import Optimizer


class MomentOptimizer(Optimizer):
    """An `Optimizer` with first/second moment decay rates `beta_1`, `beta_2` and an
    `epsilon` (see `Adam`)."""

    def __init__(self, learning_rate, beta_1, beta_2, epsilon, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _build_moments(self, var_list):
        """A momentum and a velocity per variable, interleaved per variable (Keras 3's
        `optimizer.variables` order, hence the `.keras` file's `optimizer/vars`)."""
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])

    def _hyper(self):
        return [self.beta_1, self.beta_2, self.epsilon]

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2,
                       "epsilon": self.epsilon})
        return config
