"""Optimizer: the base class. Subclasses declare their slots and hyper-parameters; a
whole step (clipping, weight decay, every variable's update, iterations += 1) is one
C++ call with the GIL released."""

import copy
import re
import warnings

import numpy as np

from pyfastfit.capture import hooks as capture_hooks
from pyfastfit.core import Tensor, Variable
from pyfastfit.ops import _optim as optim_ops
from pyfastfit.optimizers.optimizer_variables import OptimizerVariables
from pyfastfit.optimizers.python_step import PythonStep
from pyfastfit.optimizers.schedules import learning_rate_schedule as lrs

_CLIP_NAMES = ("clipnorm", "global_clipnorm", "clipvalue")


class Optimizer(OptimizerVariables, PythonStep):
    """Base class for optimizers, as `keras.optimizers.Optimizer`.

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable taking no
            arguments and returning the learning rate.
        weight_decay: if set, each step first does `w -= w * weight_decay * lr`.
        use_ema: keep an exponential moving average of the weights (Keras semantics).
        ema_momentum: the EMA momentum. Defaults to `0.99`.
        ema_overwrite_frequency: overwrite the weights with their average every this
            many steps (None: only in `finalize_variable_values`).
        loss_scale_factor: gradients are divided by it before the update.
        clipnorm: if set, each gradient is clipped to this L2 norm.
        clipvalue: if set, gradients are clipped to `[-clipvalue, clipvalue]`.
        global_clipnorm: if set, all gradients are scaled together so that their
            global L2 norm is at most this value.
        name: the optimizer's name (prefix of its variables' paths).

    Subclasses set `_algo` (the C++ kernel), implement `build(var_list)` with
    `add_optimizer_variables`, `_slot_lists()` and `_hyper()`.

    Example:

    ```python
    opt = keras.optimizers.Adam(1e-3)
    with keras.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    grads = tape.gradient(loss, model.trainable_weights)
    opt.apply_gradients(zip(grads, model.trainable_weights))
    ```
    """

    _algo = None
    _default_name = "optimizer"

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.",
                          stacklevel=2)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        clip_set = [a is not None for a in (clipnorm, clipvalue, global_clipnorm)]
        if sum(clip_set) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can "
                f"be set. Received: clipnorm={clipnorm}, "
                f"clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        for arg, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                       ("global_clipnorm", global_clipnorm), ("weight_decay", weight_decay)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))
                                  or v < 0):
                raise ValueError(
                    f"Argument `{arg}` must be a non-negative float or None. "
                    f"Received: {arg}={v!r}"
                )
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(
                    "`ema_momentum` must be in the range [0, 1]. "
                    f"Received: ema_momentum={ema_momentum}"
                )
            if ema_overwrite_frequency and (
                    not isinstance(ema_overwrite_frequency, int)
                    or ema_overwrite_frequency < 1):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or None. "
                    f"Received: ema_overwrite_frequency={ema_overwrite_frequency}"
                )
        if gradient_accumulation_steps and not (
                isinstance(gradient_accumulation_steps, int)
                and gradient_accumulation_steps >= 2):
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2. "
                f"Received: gradient_accumulation_steps={gradient_accumulation_steps}"
            )
        self.name = name or self._default_name
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._trainable_variables_indices = {}
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._plan_key = None
        self._plan = None
        self._iterations = self._make_variable(np.zeros((), np.int64), "iteration")
        self._iterations_np = np.asarray(self._iterations._c)
        # Scratch scalar the schedule / callable learning rate is written into each step.
        self._lr_scratch = Variable(np.zeros((), np.float32), trainable=False,
                                    name="learning_rate_scratch")
        self._lr_scratch_np = np.asarray(self._lr_scratch._c)
        self._learning_rate = None
        self._set_learning_rate(learning_rate, initial=True)

    def __deepcopy__(self, memo):
        # The default copy, then what is keyed by object identity or views another
        # attribute's storage is rebuilt for the copies (a copied model trains on).
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            new.__dict__[key] = copy.deepcopy(value, memo)
        new._trainable_variables_indices = {
            id(v): i for i, v in enumerate(new._trainable_variables)}
        new._exclude_ids = {id(memo[i]) if i in memo else i for i in self._exclude_ids}
        new._plan_key = new._plan = None
        new._iterations_np = np.asarray(new._iterations._c)
        new._lr_scratch_np = np.asarray(new._lr_scratch._c)
        return new

    # -------------------------------------------------------------- learning rate
    def _set_learning_rate(self, learning_rate, initial=False):
        if isinstance(learning_rate, lrs.LearningRateSchedule) or (
                callable(learning_rate) and not isinstance(learning_rate, Tensor)):
            if isinstance(self._learning_rate, Variable):
                self._variables.remove(self._learning_rate)
            self._learning_rate = learning_rate
            return
        if isinstance(self._learning_rate, lrs.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as "
                "its `learning_rate` constructor argument, hence its learning rate is "
                "not settable. If you need the learning rate to be settable, you should "
                "instantiate the optimizer with a float `learning_rate` argument."
            )
        try:
            value = float(learning_rate)
        except (TypeError, ValueError):
            value = None
        if value is None or isinstance(learning_rate, (bool, str)):
            raise ValueError(
                "Argument `learning_rate` should be float, or an instance of "
                "LearningRateSchedule, or a callable (that takes in the current "
                "iteration value and returns the corresponding learning rate value). "
                f"Received instead: learning_rate={learning_rate!r}"
            )
        if isinstance(self._learning_rate, Variable):
            self._learning_rate.assign(np.float32(value))
        else:
            self._learning_rate = self._make_variable(np.float32(value), "learning_rate",
                                                      track=False)
            self._variables.insert(1, self._learning_rate)

    @property
    def learning_rate(self):
        """The current learning rate: a float32 Variable when set from a float (so
        `float(opt.learning_rate)` and `opt.learning_rate.assign(x)` work), else the
        schedule's value at the current step."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return lr
        if isinstance(lr, lrs.LearningRateSchedule):
            return lr(self._iterations)
        return lr()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self._set_learning_rate(learning_rate)

    def _current_lr_c(self):
        """`_C.Tensor` holding this step's learning rate."""
        lr = self._learning_rate
        if type(lr) is Variable:
            return lr._c
        # Computed in Python each step: under pyfastfit.function it runs again before
        # every replay (the kernels read the scratch tensor).
        if isinstance(lr, lrs.LearningRateSchedule):
            def refresh():
                self._lr_scratch_np[()] = lr._value(self._iterations)
        else:
            def refresh():
                self._lr_scratch_np[()] = float(lr())
        capture_hooks.host_callback(refresh)
        return self._lr_scratch._c

    def _get_current_learning_rate(self):
        return float(self.learning_rate)

    # --------------------------------------------------------------- weight decay
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Excludes variables (by object, or by a substring of their name) from weight
        decay. Must be called before the optimizer is built."""
        if self.built:
            raise ValueError(
                "`exclude_from_weight_decay()` can only be configured before "
                "the optimizer is built."
            )
        self._exclude_ids = {id(v) for v in (var_list or [])}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        if self._exclude_pattern is not None and \
                self._exclude_pattern.search(variable.name) is not None:
            return False
        return True

    # ---------------------------------------------------------------------- apply
    def apply_gradients(self, grads_and_vars):
        """Applies `(gradient, variable)` pairs; returns `iterations`."""
        grads, variables = zip(*grads_and_vars)
        self.apply(grads, variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Updates `trainable_variables` with `grads` (one C++ call for all of them).

        Gradients that are None are skipped with a warning, as in Keras. Without
        `trainable_variables` the optimizer must already be built, and `grads` match
        the variables it was built with.
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must "
                    "already be built on a list of variables. Call "
                    "`optimizer.build(trainable_variables)` first."
                )
            variables = self._trainable_variables
            if len(grads) != len(variables):
                raise ValueError(
                    "When passing `grads` as a list of gradient tensors, the gradients "
                    f"must match `optimizer.variables` one-to-one. Received a list of "
                    f"{len(grads)} gradients, but the optimizer is tracking "
                    f"{len(variables)} trainable variables."
                )
        else:
            variables = list(trainable_variables)
            if len(grads) != len(variables):
                raise ValueError(
                    f"Received {len(grads)} gradients for {len(variables)} variables; "
                    "they must match one-to-one."
                )
            if not self.built:
                self.build(variables)
        try:  # fast path: every gradient is a Tensor
            gc = [g._c for g in grads]
        except AttributeError:
            if any(g is None for g in grads):
                grads, variables = self._filter_empty(grads, variables)
            gc = [g._c if isinstance(g, Tensor) else optim_ops.as_c(g) for g in grads]
        plan = self._get_plan(variables)
        if self.loss_scale_factor is not None:
            s = np.float32(self.loss_scale_factor)
            gc = [optim_ops.as_c(np.asarray(g) / s) for g in gc]
        params_c, slots_c, decays = plan
        if self.gradient_accumulation_steps:
            capture_hooks.taint("gradient accumulation counts steps in Python")
            self._accumulate_and_update(variables, gc, plan)
            self._apply_constraints(variables)
            return
        if self.use_ema and capture_hooks.is_capturing():
            capture_hooks.taint("the optimizer's EMA counts steps in Python (use_ema=True)")
        step = int(self._iterations_np) if self.use_ema else 0
        optim_ops.update_(self._algo, params_c, gc, slots_c, self._current_lr_c(),
                          self._iterations._c, self._hyper(), *self._clip_args(), decays)
        if self.use_ema:
            self._update_ema(step)
        self._apply_constraints(variables)

    def _filter_empty(self, grads, variables):
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        missing = [v.name for g, v in zip(grads, variables) if g is None]
        warnings.warn(
            f"Gradients do not exist for variables {missing} when minimizing the loss. "
            "If using `model.compile()`, did you forget to provide a `loss` argument?",
            stacklevel=3,
        )
        return [g for g, _ in kept], [v for _, v in kept]

    def _clip_args(self):
        if self.clipnorm:
            return "clipnorm", float(self.clipnorm)
        if self.global_clipnorm:
            return "global_clipnorm", float(self.global_clipnorm)
        if self.clipvalue:
            return "clipvalue", float(self.clipvalue)
        return "none", 0.0

    def _get_plan(self, variables):
        """Cached `_C` lists for this set of variables: (params, slots, decays)."""
        key = tuple(map(id, variables))
        if key == self._plan_key:
            return self._plan
        index = self._trainable_variables_indices
        idx = []
        for v in variables:
            i = index.get(id(v))
            if i is None:
                raise ValueError(
                    f"Unknown variable: {v!r}. This optimizer can only be called for "
                    "the variables it was originally built with. When working with a "
                    "new set of variables, you should recreate a new optimizer instance."
                )
            idx.append(i)
        params_c = [v._c for v in variables]
        slots_c = []
        for lst in self._slot_lists():
            if len(lst) == len(self._trainable_variables):
                slots_c.append([lst[i]._c for i in idx])
            else:  # an unused optional slot ([]) or a per-optimizer scalar
                slots_c.append([s._c for s in lst])
        if self.weight_decay is None:
            decays = []
        else:
            wd = float(self.weight_decay)
            decays = [wd if self._use_weight_decay(v) else 0.0 for v in variables]
        self._plan_key, self._plan = key, (params_c, slots_c, decays)
        return self._plan

    def _fused_spec(self, variables):
        """Everything a C++ training program needs to run this optimizer's step:
        algo name, `_C` param/slot lists, hyper-parameters, clipping and weight decay,
        plus the learning-rate and iteration `_C` tensors (see ops/optim.h). With a
        schedule ("lr_is_constant" False) the learning-rate tensor must be refreshed
        from `_current_lr_c()` before each step."""
        if not self.built:
            self.build(list(variables))
        params_c, slots_c, decays = self._get_plan(list(variables))
        mode, clip = self._clip_args()
        return {
            "algo": self._algo, "params": params_c, "slots": slots_c,
            "hyper": self._hyper(), "clip_mode": mode, "clip": clip,
            "weight_decay": decays, "iterations": self._iterations._c,
            "learning_rate": self._current_lr_c(),
            "lr_is_constant": isinstance(self._learning_rate, Variable),
            # EMA, gradient accumulation and loss scaling run in Python: a program must
            # call `apply` for these optimizers instead of the fused update.
            "needs_python": bool(self.use_ema or self.gradient_accumulation_steps
                                 or self.loss_scale_factor is not None),
        }

    # --------------------------------------------------------------------- config
    def get_config(self):
        """The optimizer's constructor arguments as a JSON-friendly dict."""
        lr = self._learning_rate
        if isinstance(lr, lrs.LearningRateSchedule):
            learning_rate = lrs.serialize(lr)
        elif isinstance(lr, Variable):
            learning_rate = float(lr.numpy())
        else:
            learning_rate = lr
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Creates an optimizer from `get_config()`'s output."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = lrs.deserialize(config["learning_rate"],
                                                      custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


__all__ = ["Optimizer"]
