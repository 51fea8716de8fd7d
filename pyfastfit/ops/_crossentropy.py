"""Cross-entropy ops with Keras 3 signatures: per-sample (per-element for binary)
losses, each one fused C++ kernel forward and one backward."""

import numpy as np

from pyfastfit.autodiff.tape import _state, record
from pyfastfit.core import Tensor, Variable, wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._core import convert_to_tensor


def _float(x):
    x = convert_to_tensor(x)
    if x.dtype != "float32":
        x = convert_to_tensor(x, "float32")
    return x


def _tracked(x):
    """True when a recording tape could want a gradient for `x`."""
    if not _state.tapes:
        return False
    if type(x) is Variable and x.trainable:
        return True
    return any(id(x) in t._tracked for t in _state.tapes)


def _check_same_shape(target, output):
    if target.ndim != output.ndim:
        raise ValueError(
            "Arguments `target` and `output` must have the same rank (ndim). "
            f"Received: target.shape={target.shape}, output.shape={output.shape}"
        )
    if target.shape != output.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. "
            f"Received: target.shape={target.shape}, output.shape={output.shape}"
        )


def _move_axis_last(x, axis):
    """`x` with `axis` moved last, as a recorded transpose (gradients flow back through
    it); the same tensor when `axis` is already last."""
    from pyfastfit.ops import _shape as shape_ops

    axis = shape_ops._norm_axis(axis, x.ndim)
    if axis == x.ndim - 1:
        return x
    return shape_ops.transpose(x, [i for i in range(x.ndim) if i != axis] + [axis])


def _labels_c(target, output, axis=-1, given_shape=None):
    """`target` as an integer `_C.Tensor` of shape `output.shape[:-1]` (the class axis
    already moved last; `given_shape`/`axis` are the caller's, for the messages)."""
    t = target._c if isinstance(target, Tensor) else convert_to_tensor(target)._c
    shape = tuple(t.shape)
    if len(shape) == output.ndim and shape and shape[-1] == 1:
        shape = shape[:-1]
    if shape != output.shape[:-1]:
        if given_shape is None:
            raise ValueError(
                "Arguments `target` and `output` must have the same shape up until the last "
                f"dimension: target.shape={tuple(t.shape)}, output.shape={output.shape}"
            )
        raise ValueError(
            "Argument `target` must have the shape of `output` without the class axis: "
            f"target.shape={tuple(t.shape)}, output.shape={given_shape}, axis={axis}"
        )
    if t.dtype not in ("int32", "int64", "uint8"):
        a = np.asarray(t)
        if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
            raise ValueError("sparse labels must be finite integers; got NaN or inf.")
        t = _C.from_numpy(a.astype(np.int64))
    return t


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical cross-entropy with integer targets, one loss per sample.

    Args:
        target: integer class indices of the shape of `output` without its class axis
            (or with a trailing dimension of 1). Out-of-range labels raise a ValueError.
        output: probabilities (e.g. a softmax output), or logits when
            `from_logits=True`, with the classes along `axis`.
        from_logits: whether `output` holds logits. Defaults to `False`.
        axis: the class axis. Defaults to `-1`. Any axis is accepted (Keras' TensorFlow
            backend accepts only `-1`).

    Returns:
        The loss, of the shape of `output` without the class axis.

    Example:

    >>> ops.sparse_categorical_crossentropy([1], [[0.1, 0.9]]).numpy()
    array([0.10536055], dtype=float32)
    """
    output = _float(output)
    if output.ndim < 1:
        raise ValueError(
            f"Argument `output` must be at least rank 1. Received: output.shape={output.shape}"
        )
    if axis != -1 and axis != output.ndim - 1:
        given_shape = output.shape
        output = _move_axis_last(output, axis)
        labels = _labels_c(target, output, axis, given_shape)
    else:
        labels = _labels_c(target, output)
    if from_logits:
        loss_c, probs_c = _C.sparse_softmax_cross_entropy_forward(output._c, labels)
        out = wrap(loss_c)
        if _state.tapes:
            record("sparse_softmax_cross_entropy", (output,), out, (probs_c, labels))
        return out
    out = wrap(_C.sparse_categorical_crossentropy_probs_forward(output._c, labels))
    if _state.tapes:
        record("sparse_categorical_crossentropy_probs", (output,), out, (output._c, labels))
    return out


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical cross-entropy between one-hot (or soft) targets and an output.

    From probabilities it follows Keras: the output is renormalised to sum to one, then
    clipped to `[1e-7, 1 - 1e-7]`, and `-sum(target * log(output))` is taken. From
    logits it is one fused log-softmax pass.

    Args:
        target: targets, same shape as `output`.
        output: probabilities, or logits when `from_logits=True`.
        from_logits: whether `output` holds logits. Defaults to `False`.
        axis: the class axis. Defaults to `-1`.

    Returns:
        The loss, with the class axis reduced.

    Example:

    >>> ops.categorical_crossentropy([[0.0, 1.0]], [[0.1, 0.9]]).numpy()
    array([0.10536055], dtype=float32)
    """
    output = _float(output)
    target = _float(target)
    if target.ndim < 1:
        raise ValueError(
            "Arguments `target` and `output` must be at least rank 1. Received: "
            f"target.shape={target.shape}, output.shape={output.shape}"
        )
    _check_same_shape(target, output)
    if axis != -1 and axis != output.ndim - 1:
        output = _move_axis_last(output, axis)
        target = _move_axis_last(target, axis)
    need_dt = _tracked(target)
    if from_logits:
        loss_c, probs_c = _C.softmax_cross_entropy_forward(output._c, target._c)
        out = wrap(loss_c)
        if _state.tapes:
            inputs = (output, target) if need_dt else (output,)
            record("softmax_cross_entropy", inputs, out, (probs_c, target._c, output._c),
                   need_dt)
        return out
    out = wrap(_C.categorical_crossentropy_probs_forward(output._c, target._c))
    if _state.tapes:
        inputs = (output, target) if need_dt else (output,)
        record("categorical_crossentropy_probs", inputs, out, (output._c, target._c), need_dt)
    return out


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy.

    From logits it uses the stable form `max(x, 0) - x * t + log(1 + exp(-|x|))`; from
    probabilities the output is clipped to `[1e-7, 1 - 1e-7]` (as Keras).

    Args:
        target: targets in [0, 1], same shape as `output`.
        output: probabilities, or logits when `from_logits=True`.
        from_logits: whether `output` holds logits. Defaults to `False`.

    Returns:
        The elementwise loss, same shape as `output`.

    Example:

    >>> ops.binary_crossentropy([1.0, 0.0], [0.9, 0.2]).numpy()
    array([0.10536055, 0.22314353], dtype=float32)
    """
    output = _float(output)
    target = _float(target)
    _check_same_shape(target, output)
    need_dt = _tracked(target)
    out = wrap(_C.binary_crossentropy_forward(output._c, target._c, bool(from_logits)))
    if _state.tapes:
        inputs = (output, target) if need_dt else (output,)
        record("binary_crossentropy", inputs, out, (output._c, target._c),
               (bool(from_logits), need_dt))
    return out


__all__ = ["binary_crossentropy", "categorical_crossentropy",
           "sparse_categorical_crossentropy"]
