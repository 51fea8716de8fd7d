"""Where the masks of Embedding(mask_zero=True) go, decided before a Program is built.

The Program carries no masks, so a model whose mask would change a result stays on the
eager path. The walk follows the eager path's rules (layers/masking.py, Keras 3's): a
layer with `supports_masking` passes the mask on, one without drops it (the eager path
warns; so does this walk), and a layer whose `call` takes `mask=` uses it. A mask
changes results when a layer uses it, when it reaches a model output (the compiled
loss and metrics then skip the masked steps), or when it meets a nested model (whose
own mask handling this walk does not follow). Where every mask is dropped unused, the
model computes exactly what it computes without masks, and runs on the fast path.

The walk over-approximates: a tensor counts as masked when any tensor argument of the
call that made it carried a mask, which can only send more models to the eager path.
"""

import warnings

from pyfastfit.trainers.fast_path.translators.common import Unsupported, layer_name


def _makes_masks(model):
    """Whether a (nested) model holds an Embedding(mask_zero=True) at any depth."""
    for layer, _, _, _ in model._graph_nodes()["nodes"]:
        if getattr(layer, "mask_zero", False):
            return True
        if hasattr(layer, "_graph_nodes") and _makes_masks(layer):
            return True
    return False


def _uses_mask(layer):
    """Whether `layer`'s call would use a mask handed to it."""
    from pyfastfit.layers.layer import _call_info
    from pyfastfit.layers.pooling.base_global_pooling import BaseGlobalPooling

    if not _call_info(type(layer))[2]:
        return False
    if type(layer).call is BaseGlobalPooling.call:
        # Only the masked mean (GlobalAveragePooling1D) reads it; max and the 2-D / 3-D
        # means take it and ignore it.
        return bool(layer.supports_masking)
    return True


def check_masks(graph):
    """Raises Unsupported where a mask of `graph` (a `_graph_nodes()` dict) would change
    what the eager path computes; warns, as the eager path does, where a layer without
    mask support drops one."""
    masked = {}  # tensor id -> the Embedding whose mask the tensor carries
    for layer, in_ids, out_ids, _ in graph["nodes"]:
        source = next((masked[i] for i in in_ids if i in masked), None)
        if hasattr(layer, "_graph_nodes"):
            if source is not None:
                raise Unsupported(f"the mask of {layer_name(source)} with mask_zero=True "
                                  f"reaches the nested model {layer_name(layer)} (the fast "
                                  "path does not carry masks)")
            if _makes_masks(layer):
                raise Unsupported(f"the nested model {layer_name(layer)} holds an "
                                  "Embedding with mask_zero=True (the fast path does not "
                                  "carry masks)")
            continue
        if getattr(layer, "mask_zero", False):
            masked.update((o, layer) for o in out_ids)
            continue
        if source is None:
            continue
        if _uses_mask(layer):
            raise Unsupported(f"{layer_name(layer)} uses the mask of {layer_name(source)} "
                              "with mask_zero=True (the fast path does not carry masks)")
        if not getattr(layer, "supports_masking", False):
            # Dropped unused: the eager path's warning (layers/masking.py), once here.
            warnings.warn(
                f"Layer '{layer.name}' (of type {type(layer).__name__}) was passed an "
                "input with a mask attached to it. However, this layer does not support "
                "masking and will therefore destroy the mask information. Downstream "
                "layers will not see the mask.", UserWarning, stacklevel=2)
            continue
        masked.update((o, source) for o in out_ids)
    for o in graph["outputs"]:
        if o in masked:
            raise Unsupported(f"a model output carries the mask of "
                              f"{layer_name(masked[o])} with mask_zero=True, which weights "
                              "the loss and metrics (the fast path does not carry masks)")
