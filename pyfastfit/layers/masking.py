"""Keras mask propagation through a model's graph (Embedding(mask_zero=True) and the
layers after it).

Keras attaches a mask to a layer's output (`compute_mask`) and hands it to the next
layer's `call(..., mask=...)` when that layer takes one: GlobalAveragePooling1D then
averages over the unmasked steps only. pyfastfit tensors carry no mask, so the models
that hold a mask-producing layer carry the masks beside the values while they run their
layers (`Functional.call`, `Sequential.call`); other models run as before.

The rules are Keras 3's `Layer.__call__`: the mask of the first (tensor or list) argument
is passed as `mask=` when `call` accepts it and it was not given explicitly; the output
mask is `layer.compute_mask(inputs, mask)` for a layer with `supports_masking`, and None
(the mask is dropped, with Keras's warning) for a layer without. The output tensor
carries its mask (`_keras_mask`), and a loss computed on a model output with one
averages over its unmasked entries only, as Keras's `apply_mask`.
"""

import warnings

from pyfastfit import ops
from pyfastfit.core import Tensor


def makes_masks(layers):
    """True when one of `layers` can create a mask (Embedding(mask_zero=True))."""
    return any(getattr(layer, "mask_zero", False) for layer in layers)


def _has_mask(mask):
    if isinstance(mask, (list, tuple)):
        return any(m is not None for m in mask)
    return mask is not None


def call_masked(layer, args, kwargs, mask):
    """Runs `layer(*args, **kwargs)` as Keras does with `mask` on its first argument;
    returns `(outputs, output mask)`."""
    from pyfastfit.layers.layer import _call_info

    if _has_mask(mask) and _call_info(type(layer))[2] and kwargs.get("mask") is None:
        kwargs = dict(kwargs, mask=mask)
    out = layer(*args, **kwargs)
    if not getattr(layer, "supports_masking", False):
        if _has_mask(mask):
            warnings.warn(
                f"Layer '{layer.name}' (of type {type(layer).__name__}) was passed an "
                "input with a mask attached to it. However, this layer does not support "
                "masking and will therefore destroy the mask information. Downstream "
                "layers will not see the mask.", UserWarning, stacklevel=2)
        return out, None
    if not _has_mask(mask) and not getattr(layer, "mask_zero", False):
        return out, None
    out_mask = layer.compute_mask(args[0], mask)
    if out_mask is not None and isinstance(out, Tensor):
        # As Keras, the output carries its mask: the compiled loss weights by it.
        out._keras_mask = out_mask
    return out, out_mask


def merge_masks(masks):
    """A merge layer's output mask: a step is kept where every input keeps it (inputs
    without a mask keep every step)."""
    if not isinstance(masks, (list, tuple)):
        return masks
    present = [m for m in masks if m is not None]
    if not present:
        return None
    out = ops.cast(present[0], "bool")
    for m in present[1:]:
        out = ops.logical_and(out, ops.cast(m, "bool"))
    return out
