"""Argument checks for `fit` / `evaluate` / `predict`, and `predict`'s shortcut for data
that fits one batch.

The checks turn what used to fail deep inside the loops (or wrap silently: a uint64
batch size, a 1-D x) into Keras-style errors naming the argument and the value.
"""

import numpy as np

# (argument, smallest value) for the counts fit/evaluate/predict take.
FIT_COUNTS = (("batch_size", 1), ("epochs", 0), ("initial_epoch", 0),
              ("validation_batch_size", 1))
EVAL_COUNTS = (("batch_size", 1),)


def check_count(name, value, minimum):
    """`value` as a Python int >= `minimum` (None passes through).

    NumPy integers are converted exactly (a uint64 above 2**63 stays positive);
    floats, strings and bools are a TypeError, too small a value a ValueError.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"Argument `{name}` must be an integer. Received: {name}={value!r} "
                        f"(of type {type(value).__name__})")
    v = int(value.__index__())
    if v < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"Argument `{name}` must be {what}. Received: {name}={value!r}")
    return v


def check_counts(arguments, names):
    """Checks (in place) the counts of a bound call's `arguments` dict."""
    for name, minimum in names:
        if name in arguments:
            arguments[name] = check_count(name, arguments[name], minimum)


def _single_input_shape(model):
    inputs = model.__dict__.get("_inputs_cache")
    if inputs is None:
        try:
            inputs = model.inputs
        except (AttributeError, ValueError):
            return None
    if not isinstance(inputs, (list, tuple)) or len(inputs) != 1:
        return None
    shape = getattr(inputs[0], "shape", None)
    return None if shape is None else (tuple(shape), getattr(inputs[0], "name", ""))


def standardize_rank(model, x):
    """A single array `x` missing the model's trailing axis: of size 1 it is added (as
    Keras's Functional models do), else a ValueError (it used to be read as one
    sample of the wrong shape)."""
    if not isinstance(x, np.ndarray) or not hasattr(model, "_graph_nodes"):
        return x
    found = _single_input_shape(model)
    if found is None:
        return x
    shape, name = found
    if x.ndim == len(shape) - 1:
        if shape[-1] == 1:
            return x[..., None]
        raise ValueError(f"Invalid input shape for input '{name}'. Expected shape {shape}, "
                         f"but input has incompatible shape {x.shape}")
    return x


def quick_predict(model, x, batch_size, verbose=0):
    """Predictions for a float32 array `x` of at most one batch through one forward
    call, or None when the full `predict` loop is needed.

    `predict` sets up callbacks, a data adapter and an epoch loop; for one batch with
    no observers that is most of its time. `predict_step` still runs, so a model that
    overrides it gets the same result as through the loop, and a verbose call prints
    the same one-step progress bar (the loop's ProgbarLogger, driven directly).
    """
    from pyfastfit.trainers import _tree

    if not isinstance(x, np.ndarray) or x.dtype != np.float32 or x.ndim < 1:
        return None
    n = x.shape[0]
    if n < 1 or n > (32 if batch_size is None else batch_size) \
            or not getattr(model, "built", False):
        return None
    from pyfastfit.trainers.trainer import Trainer

    cls = type(model)
    if cls.make_predict_function is not Trainer.make_predict_function:
        return None
    if model.predict_function is None:
        model.make_predict_function()
    bar = None
    if verbose != 0:
        from pyfastfit.callbacks.progbar_logger import ProgbarLogger

        bar = ProgbarLogger()
        bar.set_model(model)
        bar.set_params({"verbose": verbose, "epochs": 1, "steps": 1})
        bar.on_predict_begin()
    out = model.predict_function((x,))
    leaves = _tree.flatten(out)
    if any(getattr(leaf, "shape", None) is None for leaf in leaves):
        return None  # not arrays: let the loop's checks report it
    if bar is not None:
        bar.on_predict_batch_end(0, None)
        bar.on_predict_end()
    # Fresh arrays, as the loop's concatenation returns (0-d outputs stacked to (1,)).
    leaves = [np.array(leaf) for leaf in leaves]
    return _tree.packer(out)([a if a.ndim else a[None] for a in leaves])
