"""The parts of an optimizer step that run in Python around the fused C++ update, with
Keras semantics: gradient accumulation, the exponential moving average (EMA) of the
weights, loss scaling and weight constraints. A C++ training program hands optimizers
that use the first three back to `apply` (`Optimizer._fused_spec`'s "needs_python")."""

import numpy as np

from pyfastfit.ops import _optim as optim_ops


class PythonStep:
    """Mixin of `Optimizer`: gradient accumulation, EMA, loss scaling, constraints.

    Relies on `Optimizer` for `_iterations_np`, `_trainable_variables(_indices)`, the
    accumulator / average slots made by `build`, `_algo`, `_hyper()`, `_clip_args()`
    and `_current_lr_c()`.
    """

    @staticmethod
    def _apply_constraints(variables):
        """Keras's weight constraints: `v.assign(v.constraint(v))` after the update."""
        for v in variables:
            constraint = getattr(v, "constraint", None)
            if constraint is not None:
                v.assign(constraint(v))

    def _accumulate_and_update(self, variables, gc, plan):
        """Keras's gradient accumulation: add to the accumulators, and every
        `gradient_accumulation_steps` calls update with their mean and reset them."""
        steps = self.gradient_accumulation_steps
        real = int(self._iterations_np)
        index = self._trainable_variables_indices
        accs = [np.asarray(self._accumulated_gradients[index[id(v)]]._c) for v in variables]
        if (real + 1) % steps == 0:
            params_c, slots_c, decays = plan
            mean_c = [optim_ops.as_c((np.asarray(g) + a) / np.float32(steps))
                      for g, a in zip(gc, accs)]
            # Bias corrections count real updates: hand the kernel floor(iter / steps).
            scratch = np.asarray(self._step_scratch._c)
            scratch[()] = real // steps
            lr_c = self._current_lr_c()
            optim_ops.update_(self._algo, params_c, mean_c, slots_c, lr_c,
                              self._step_scratch._c, self._hyper(), *self._clip_args(),
                              decays)
            for a in accs:
                a[...] = 0.0
        else:
            for g, a in zip(gc, accs):
                a += np.asarray(g)
        if self.use_ema:
            self._update_ema(real // steps)
        self._iterations_np[()] = real + 1

    def _update_ema(self, step):
        """Keras's EMA of the weights: average = m * average + (1 - m) * w, with m = 0
        on the first step; every `ema_overwrite_frequency` steps w = average."""
        m = np.float32(self.ema_momentum if step != 0 else 0.0)
        pairs = zip(self._trainable_variables, self._model_variables_moving_average)
        overwrite = bool(self.ema_overwrite_frequency) and \
            (step + 1) % self.ema_overwrite_frequency == 0
        for var, avg in pairs:
            a = np.asarray(avg._c)
            w = np.asarray(var._c)
            a *= m
            a += (np.float32(1.0) - m) * w
            if overwrite:
                np.copyto(w, a)

    def scale_loss(self, loss):
        """Multiplies the loss by `loss_scale_factor` when it is set."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    def finalize_variable_values(self, var_list):
        """Called at the end of `fit`: with `use_ema`, writes the moving averages into
        the variables."""
        if self.use_ema and self.built:
            var_list = list(var_list)
            if len(var_list) != len(self._model_variables_moving_average):
                raise ValueError(
                    f"The length of model variables ({len(var_list)}) to override does "
                    "not match the length of model variables stored in the optimizer "
                    f"({len(self._model_variables_moving_average)}). Please check if "
                    "the optimizer was called on your model."
                )
            for var, avg in zip(var_list, self._model_variables_moving_average):
                var.assign(avg)
