"""Translates a model's layer graph into `_C.ProgramNode`s, or says why it cannot.

Each layer call becomes one node through its type's translator (translators/); nested
Sequential/Functional models are inlined. Values are row-major (batch, per-sample
shape...) buffers, so reshapes are identities.
"""

from pyfastfit.core._c import _C
from pyfastfit.trainers.fast_path import translators
from pyfastfit.trainers.fast_path.masks import check_masks
from pyfastfit.trainers.fast_path.translators import layout
from pyfastfit.trainers.fast_path.translators.common import (
    Call, Unsupported, activity_penalty, layer_name, sample_shape)


def _layer_nodes(call):
    """The `_C.ProgramNode`s of a call of a built-in layer, in order, the last one
    giving the layer's output (raises Unsupported)."""
    entry = translators.lookup(call.layer)
    if entry is None:
        raise Unsupported(f"{layer_name(call.layer)} has no fast-path kernel")
    fn, permutes = entry
    if permutes and call.data_format == "channels_first":
        nodes = layout.channels_first_nodes(fn, call)
    else:
        nodes = fn(call.layer, call)
        nodes = nodes if isinstance(nodes, list) else [nodes]
    nodes[-1].activity_l1, nodes[-1].activity_l2 = activity_penalty(call.layer)
    return nodes


def _add_calls(calls, shapes, index, state):
    """Appends one ProgramNode per layer call of `calls` (a `_graph_nodes()["nodes"]`
    list) to state["nodes"]; `index` maps tensor ids to node indices and gains the
    calls' outputs. A nested model's calls are inlined, its inputs mapped to the
    tensors it is called on."""
    from pyfastfit.models.functional import Functional
    from pyfastfit.models.sequential import Sequential

    nodes = state["nodes"]
    for layer, in_ids, out_ids, kwargs in calls:
        shared = id(layer) in state["seen"]
        state["seen"].add(id(layer))
        if kwargs:
            raise Unsupported(f"{layer_name(layer)} is called with {sorted(kwargs)}")
        if hasattr(layer, "_graph_nodes"):
            if type(layer).call not in (Functional.call, Sequential.call):
                raise Unsupported(f"{layer_name(layer)} is a nested model that overrides "
                                  "call()")
            inner = layer._graph_nodes()
            if len(inner["inputs"]) != len(in_ids) or len(inner["outputs"]) != len(out_ids):
                raise Unsupported(f"{layer_name(layer)} is called on a different number of "
                                  "tensors than it has inputs or outputs")
            sub = {t: index[o] for t, o in zip(inner["inputs"], in_ids)}
            _add_calls(inner["nodes"], inner["shapes"], sub, state)
            for t, o in zip(inner["outputs"], out_ids):
                index[o] = sub[t]
            continue
        if len(out_ids) != 1:
            raise Unsupported(f"{layer_name(layer)} has {len(out_ids)} outputs")
        call = Call(layer, [index[i] for i in in_ids], [shapes[i] for i in in_ids],
                    shapes[out_ids[0]], state["params"])
        call.first_index = len(nodes)
        if out_ids[0] in state.get("mask_uses", {}):
            call.mask_input = index[state["mask_uses"][out_ids[0]]]
        new = _layer_nodes(call)
        if call.mask_input is not None and not call.mask_read:
            # Never a silent unmasked result: the translator must have read the mask.
            raise Unsupported(f"{layer_name(layer)} uses a mask its fast-path node does "
                              "not read")
        for node in new:
            state["used"].update(p.slot for p in node.params if p.slot >= 0)
        if call.draws:
            # A shared layer is one node per call (a Dense's calls share its weights and
            # add up their gradients), but a random layer draws once per call of a step
            # from its one counter.
            if shared:
                raise Unsupported(f"{layer_name(layer)} is shared (called more than once)")
            state["dropouts"].append(layer)
        nodes.extend(new)
        index[out_ids[0]] = len(nodes) - 1


def _fuse_conv_pooling(nodes, outputs):
    """Folds each max pooling (global or windowed, 1-D / 2-D / 3-D) into the convolution
    node it reads, where nothing else reads that convolution: the "conv" node takes the
    max itself (names["reduce"]) and its backward visits only the positions the maxima
    came from, instead of a gradient map that is zero elsewhere (W3's MaxPooling2D(2):
    three positions in four; W4, a text CNN's last Conv1D: all but one per filter), or
    for few channels per filter group runs by blocks of samples held in cache (W3's
    first layer). The pooling node becomes an identity of the pooled values, so indices
    stay put."""
    readers = {}
    for node in nodes:
        for i in node.inputs:
            readers[i] = readers.get(i, 0) + 1
    for j, pool in enumerate(nodes):
        if pool.kind == "global_pool" and pool.names.get("op") == "max":
            reduce, numbers = "max", {}
        elif pool.kind == "max_pool":
            # The pooling's windows under a prefix (its input is the conv's output).
            reduce = "max_pool"
            numbers = {"pool_" + k: v for k, v in pool.numbers.items() if k != "in"}
        else:
            continue
        i = pool.inputs[0]
        conv = nodes[i]
        if (conv.kind != "conv" or readers[i] != 1 or i in outputs
                or conv.names.get("activation") in ("softmax", "log_softmax")
                or conv.activity_l1 or conv.activity_l2):
            continue
        fused = _C.ProgramNode("conv", list(conv.inputs), list(pool.shape))
        fused.numbers, fused.params = dict(conv.numbers, **numbers), conv.params
        fused.names = dict(conv.names, reduce=reduce)
        same = _C.ProgramNode("identity", [i], list(pool.shape))
        same.activity_l1, same.activity_l2 = pool.activity_l1, pool.activity_l2
        nodes[i], nodes[j] = fused, same


def _agrees(symbolic, concrete):
    return len(symbolic) == len(concrete) and all(
        a is None or a == b for a, b in zip(symbolic[1:], concrete[1:]))


def concrete_shapes(graph, input_shapes):
    """`graph["shapes"]` with the per-sample dimensions the graph leaves unknown (a text
    model's `Input(shape=(None,))`) taken from the data: `input_shapes` are the
    per-sample shapes of the arrays, in `graph["inputs"]` order, and each layer's
    `compute_output_shape` carries them through the graph in order. A graph whose
    shapes are all known is returned as it is."""
    shapes = graph["shapes"]
    if input_shapes is None or all(d is not None for s in shapes.values() for d in s[1:]):
        return shapes
    out = dict(shapes)
    for t, s in zip(graph["inputs"], input_shapes):
        s = (None,) + tuple(int(d) for d in s)
        if not _agrees(shapes[t], s):
            raise Unsupported(f"x of per-sample shape {s[1:]} for an input of shape "
                              f"{shapes[t]}")
        out[t] = s
    for layer, in_ids, out_ids, _ in graph["nodes"]:
        if hasattr(layer, "_graph_nodes"):
            raise Unsupported(f"{layer_name(layer)} is a nested model in a graph of "
                              "unknown dimensions")
        if len(out_ids) != 1:
            raise Unsupported(f"{layer_name(layer)} has {len(out_ids)} outputs")
        ins = [out[i] for i in in_ids]
        try:
            got = layer.compute_output_shape(ins[0] if len(ins) == 1 else ins)
        except Exception as e:  # noqa: BLE001 (the eager path reports it, if real)
            raise Unsupported(f"{layer_name(layer)} gave no output shape for inputs of "
                              f"shape {ins}: {e}") from None
        got = (None,) + tuple(got[1:]) if isinstance(got, (tuple, list)) else None
        if got is None or not _agrees(shapes[out_ids[0]], got):
            raise Unsupported(f"{layer_name(layer)} gave the output shape {got} for inputs "
                              f"of shape {ins}, where the graph has {shapes[out_ids[0]]}")
        if any(d < 1 for d in got[1:]):  # the eager path raises the layer's own error
            raise Unsupported(f"{layer_name(layer)} gives an empty output {got} for "
                              f"inputs of shape {ins}")
        out[out_ids[0]] = got
    return out


def build_nodes(model, with_params=True, input_shapes=None):
    """The model's graph as ProgramNodes.

    Returns:
        `(nodes, output_nodes, output_shapes, random_layers, trainable)`: the first
        nodes are the inputs, in `model.inputs` order; `output_nodes` index `nodes` in
        `model.outputs` order; `random_layers` are the layers drawing random numbers
        (Dropout...) in node order (their call counters advance with the program);
        `trainable` the variables the optimizer updates (the nodes' ProgramParam slots
        index it; empty without `with_params`, for evaluate/predict programs that never
        update weights).

    `input_shapes` (per-sample shapes of the data's arrays, in `model.inputs` order)
    fill in the dimensions the graph leaves unknown (`concrete_shapes`).
    """
    graph = model._graph_nodes()
    mask_uses = check_masks(graph)
    shapes = concrete_shapes(graph, input_shapes)
    trainable = list(model.trainable_weights) if with_params else []
    param_index = {id(v): i for i, v in enumerate(trainable)}
    if len(set(graph["inputs"])) != len(graph["inputs"]):
        raise Unsupported("the same tensor is listed twice in the model's inputs")
    index = {t: j for j, t in enumerate(graph["inputs"])}
    nodes = [_C.ProgramNode("input", [], sample_shape(shapes[t])) for t in graph["inputs"]]
    state = {"nodes": nodes, "dropouts": [], "used": set(), "seen": set(),
             "params": param_index, "mask_uses": mask_uses}
    _add_calls(graph["nodes"], shapes, index, state)
    used, dropouts = state["used"], state["dropouts"]
    if len(used) != len(trainable):
        raise Unsupported("the model has trainable weights the fast path's layers do not "
                          "use")
    outputs = [index[i] for i in graph["outputs"]]
    _fuse_conv_pooling(nodes, outputs)
    if any(o < len(graph["inputs"]) for o in outputs):
        raise Unsupported("an output of the model is one of its inputs")
    if len(set(outputs)) != len(outputs):
        raise Unsupported("the same tensor is listed twice in the model's outputs")
    out_shapes = [tuple(shapes[i]) for i in graph["outputs"]]
    return nodes, outputs, out_shapes, dropouts, trainable
