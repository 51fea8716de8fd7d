"""Where the masks of Embedding(mask_zero=True) go, decided before a Program is built.

The Program carries no masks but one: GlobalAveragePooling1D's masked mean reads the
Embedding's indices directly (its masked_mean_pool node). Any other model whose mask
would change a result stays on the eager path. The walk follows the eager path's rules
(layers/masking.py, Keras 3's): a layer with `supports_masking` passes the mask on, one
without drops it (the eager path warns; so does this walk), and a layer whose `call`
takes `mask=` uses it. A mask changes results when a layer uses it, when it reaches a
model output (the compiled loss and metrics then skip the masked steps), or when it
meets a nested model (whose own mask handling this walk does not follow). Where every mask is dropped unused, or
used only by such a pooling, the model runs on the fast path.

The walk over-approximates: a tensor counts as masked when any tensor argument of the
call that made it carried a mask, and a mask counts as `indices != 0` only through
layers with Layer's own compute_mask and one input, which can only send more models to
the eager path.
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

    if not _call_info(type(layer))[2]:
        return False
    if _is_global_pooling(layer):
        # Only the masked mean (GlobalAveragePooling1D) reads it; max and the 2-D / 3-D
        # means take it and ignore it.
        return bool(layer.supports_masking)
    return True


def _is_global_pooling(layer):
    from pyfastfit.layers.pooling.base_global_pooling import BaseGlobalPooling

    return type(layer).call is BaseGlobalPooling.call


def _passes_mask_on(layer):
    """Whether `layer`'s output mask is its input's, unchanged (Layer.compute_mask)."""
    from pyfastfit.layers.layer import Layer

    return type(layer).compute_mask is Layer.compute_mask


def check_masks(graph):
    """Raises Unsupported where a mask of `graph` (a `_graph_nodes()` dict) would change
    what the eager path computes, but for the one use the Program runs: a masked
    GlobalAveragePooling1D (channels_last) whose mask is `indices != 0` of one
    Embedding's input, unchanged on the way (the masked_mean_pool node reads those
    indices). Warns, as the eager path does, where a layer without mask support drops
    a mask.

    Returns:
        `{output tensor id of such a pooling call: tensor id of the indices}`.
    """
    from pyfastfit.layers import Embedding

    # tensor id -> (the Embedding whose mask it carries, the Embedding's input tensor id
    # when the mask is exactly `that input != 0`, else None)
    masked = {}
    uses = {}
    for layer, in_ids, out_ids, _ in graph["nodes"]:
        sources = [masked[i] for i in in_ids if i in masked]
        if hasattr(layer, "_graph_nodes"):
            if sources:
                raise Unsupported(f"the mask of {layer_name(sources[0][0])} with "
                                  "mask_zero=True reaches the nested model "
                                  f"{layer_name(layer)} (the fast path does not carry "
                                  "masks)")
            if _makes_masks(layer):
                raise Unsupported(f"the nested model {layer_name(layer)} holds an "
                                  "Embedding with mask_zero=True (the fast path does not "
                                  "carry masks)")
            continue
        if getattr(layer, "mask_zero", False):
            # Embedding.compute_mask: `inputs != 0` (another class's: unknown).
            plain = type(layer) is Embedding and len(in_ids) == 1
            masked.update((o, (layer, in_ids[0] if plain else None)) for o in out_ids)
            continue
        if not sources:
            continue
        source, indices = sources[0]
        exact = len(in_ids) == 1 and indices is not None
        if _uses_mask(layer):
            shapes = graph["shapes"]
            if exact and _is_global_pooling(layer) and \
                    layer.data_format == "channels_last" and \
                    len(shapes[in_ids[0]]) == 3 and \
                    tuple(shapes[indices][1:]) == tuple(shapes[in_ids[0]][1:2]):
                uses[out_ids[0]] = indices
                continue  # its output carries no mask (compute_mask is None)
            raise Unsupported(f"{layer_name(layer)} uses the mask of {layer_name(source)} "
                              "with mask_zero=True (the fast path carries a mask only "
                              "from one Embedding's input, unchanged, to a "
                              "channels_last GlobalAveragePooling1D)")
        if not getattr(layer, "supports_masking", False):
            # Dropped unused: the eager path's warning (layers/masking.py), once here.
            warnings.warn(
                f"Layer '{layer.name}' (of type {type(layer).__name__}) was passed an "
                "input with a mask attached to it. However, this layer does not support "
                "masking and will therefore destroy the mask information. Downstream "
                "layers will not see the mask.", UserWarning, stacklevel=2)
            continue
        masked.update((o, (source, indices if exact and _passes_mask_on(layer) else None))
                      for o in out_ids)
    for o in graph["outputs"]:
        if o in masked:
            raise Unsupported(f"a model output carries the mask of "
                              f"{layer_name(masked[o][0])} with mask_zero=True, which "
                              "weights the loss and metrics (the fast path does not carry "
                              "masks)")
    return uses
