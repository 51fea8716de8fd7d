"""Translates a model's layer graph into `_C.ProgramNode`s, or says why it cannot.

A Program runs a graph over per-sample feature vectors: every tensor is a (batch, width)
row-major buffer, so Flatten, Reshape and InputLayer are identities, and Dense,
Activation and Softmax must see 2-D inputs (their kernels work on the last axis).
"""

import math

import numpy as np

from pyfastfit.core._c import _C


class Unsupported(Exception):
    """Raised with the reason a model, compile setting or dataset needs the eager path."""


def _width(shape):
    if any(d is None for d in shape[1:]):
        # e.g. a time series Input(shape=(None, 10)): the Program needs fixed widths
        raise Unsupported(f"a tensor of the graph has unknown dimensions {tuple(shape)}")
    return math.prod(d for d in shape[1:]) if len(shape) > 1 else 1


def _layer_name(layer):
    return f"layer '{layer.name}' ({type(layer).__name__})"


def _activation_of(layer):
    """(fused activation name, alpha) of an activation layer, or raises Unsupported."""
    from pyfastfit import activations, layers

    kind = type(layer)
    if kind is layers.Activation:
        name = activations.FUSED.get(layer.activation)
        if name is None:
            raise Unsupported(f"{_layer_name(layer)} uses a custom activation")
        return name, activations.FUSED_ALPHA.get(name, 0.0)
    if kind is layers.ReLU:
        if layer.max_value is None and not layer.negative_slope and not layer.threshold:
            return "relu", 0.0
        raise Unsupported(f"{_layer_name(layer)} has max_value/negative_slope/threshold")
    if kind is layers.LeakyReLU:
        return "leaky_relu", float(layer.negative_slope)
    if kind is layers.Softmax:
        if layer.axis in (-1, [-1], (-1,)):
            return "softmax", 0.0
        raise Unsupported(f"{_layer_name(layer)} has axis={layer.axis}")
    return None


_MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")


def _penalty(layer, variable, what):
    """(l1, l2) of the regularizer `layer.losses` applies to `variable` ((0, 0) if none)."""
    from pyfastfit import regularizers

    reg = next((r for v, r in layer._regularized if v is variable), None)
    if reg is None or not (variable.trainable or not layer._trainable):
        return 0.0, 0.0
    if type(reg) not in (regularizers.L1L2, regularizers.L1, regularizers.L2):
        raise Unsupported(f"{_layer_name(layer)} has a custom {what}_regularizer")
    return float(reg.l1), float(reg.l2)


def _constraint(layer, variable, what):
    """The ProgramConstraint of `variable.constraint` (kind "none" without one)."""
    from pyfastfit import constraints as cs

    c = variable.constraint
    kinds = {cs.MaxNorm: "max_norm", cs.MinMaxNorm: "min_max_norm", cs.NonNeg: "non_neg",
             cs.UnitNorm: "unit_norm"}
    if c is None:
        return _C.ProgramConstraint("none")
    if type(c) not in kinds:
        raise Unsupported(f"{_layer_name(layer)} has a custom {what} constraint")
    spec = _C.ProgramConstraint(kinds[type(c)])
    axis = getattr(c, "axis", 0)
    ndim = len(variable.shape)
    if isinstance(axis, (list, tuple)) or not -ndim <= int(axis) < ndim:
        raise Unsupported(f"{_layer_name(layer)} has a {what} constraint over axis {axis}")
    spec.axis = int(axis) % ndim
    if isinstance(c, cs.MaxNorm):
        spec.max_value = float(np.float32(c.max_value))
    if isinstance(c, cs.MinMaxNorm):
        spec.min_value = float(np.float32(c.min_value))
        spec.max_value = float(np.float32(c.max_value))
        spec.rate = float(np.float32(c.rate))
        spec.keep = float(np.float32(1 - c.rate))
    return spec


def _dense_node(layer, in_shape, inputs, width, param_index):
    from pyfastfit import regularizers

    if getattr(layer, "_fused", None) is None:
        raise Unsupported(f"{_layer_name(layer)} uses a custom activation")
    if len(in_shape) != 2:
        raise Unsupported(f"{_layer_name(layer)} is applied to a rank-{len(in_shape)} input")
    node = _C.ProgramNode("dense", inputs, width)
    node.kernel = layer.kernel._c
    node.activation = layer._fused
    node.alpha = layer._fused_alpha
    node.kernel_param = param_index.get(id(layer.kernel), -1)
    node.kernel_l1, node.kernel_l2 = _penalty(layer, layer.kernel, "kernel")
    node.kernel_constraint = _constraint(layer, layer.kernel, "kernel")
    activity = getattr(layer, "activity_regularizer", None)
    if activity is not None:
        if type(activity) not in (regularizers.L1L2, regularizers.L1, regularizers.L2):
            raise Unsupported(f"{_layer_name(layer)} has a custom activity_regularizer")
        node.activity_l1, node.activity_l2 = float(activity.l1), float(activity.l2)
    if layer.bias is not None:
        node.bias = layer.bias._c
        node.bias_param = param_index.get(id(layer.bias), -1)
        node.bias_l1, node.bias_l2 = _penalty(layer, layer.bias, "bias")
        node.bias_constraint = _constraint(layer, layer.bias, "bias")
    return node


def _layer_node(layer, in_shapes, inputs, out_shape, param_index):
    """One `_C.ProgramNode` for a call of a built-in layer (raises Unsupported)."""
    from pyfastfit import layers

    kind = type(layer)
    width = _width(out_shape)
    if kind is layers.Dense:
        return _dense_node(layer, in_shapes[0], inputs, width, param_index)
    if getattr(layer, "activity_regularizer", None) is not None:
        raise Unsupported(f"{_layer_name(layer)} has an activity_regularizer (the fast path "
                          "runs those of Dense layers)")
    if kind is layers.Flatten and layer.data_format == "channels_first" and \
            len(in_shapes[0]) > 2:
        raise Unsupported(f"{_layer_name(layer)} moves the channels (data_format="
                          "'channels_first')")
    if kind in (layers.Flatten, layers.Reshape):
        return _C.ProgramNode("identity", inputs, width)
    if kind is layers.Dropout:
        if layer.noise_shape is not None:
            raise Unsupported(f"{_layer_name(layer)} has a noise_shape")
        if not 0 <= layer.rate < 1:
            raise Unsupported(f"{_layer_name(layer)} has rate={layer.rate}")
        if layer.rate == 0:  # the layer returns its input and draws no mask
            return _C.ProgramNode("identity", inputs, width)
        node = _C.ProgramNode("dropout", inputs, width)
        node.rate = float(layer.rate)
        node.seed = int(layer._seed)
        return node
    act = _activation_of(layer)
    if act is not None:
        name, alpha = act
        if name in ("softmax", "log_softmax") and len(in_shapes[0]) != 2:
            raise Unsupported(f"{_layer_name(layer)} is applied to a rank-"
                              f"{len(in_shapes[0])} input")
        node = _C.ProgramNode("activation", inputs, width)
        node.activation = name
        node.alpha = alpha
        return node
    if kind.__name__ in _MERGES and kind is getattr(layers, kind.__name__, None):
        if any(tuple(s) != tuple(out_shape) for s in in_shapes):
            raise Unsupported(f"{_layer_name(layer)} broadcasts inputs of shapes "
                              f"{[tuple(s) for s in in_shapes]}")
        return _C.ProgramNode(kind.__name__.lower(), inputs, width)
    if kind is layers.Concatenate:
        if any(len(s) != 2 for s in in_shapes) or layer.axis not in (-1, 1):
            raise Unsupported(f"{_layer_name(layer)} concatenates along axis {layer.axis} "
                              "of rank > 2 inputs")
        return _C.ProgramNode("concatenate", inputs, width)
    raise Unsupported(f"{_layer_name(layer)} has no fast-path kernel")


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
            raise Unsupported(f"{_layer_name(layer)} is called with {sorted(kwargs)}")
        if hasattr(layer, "_graph_nodes"):
            if type(layer).call not in (Functional.call, Sequential.call):
                raise Unsupported(f"{_layer_name(layer)} is a nested model that overrides "
                                  "call()")
            inner = layer._graph_nodes()
            if len(inner["inputs"]) != len(in_ids) or len(inner["outputs"]) != len(out_ids):
                raise Unsupported(f"{_layer_name(layer)} is called on a different number of "
                                  "tensors than it has inputs or outputs")
            sub = {t: index[o] for t, o in zip(inner["inputs"], in_ids)}
            _add_calls(inner["nodes"], inner["shapes"], sub, state)
            for t, o in zip(inner["outputs"], out_ids):
                index[o] = sub[t]
            continue
        if len(out_ids) != 1:
            raise Unsupported(f"{_layer_name(layer)} has {len(out_ids)} outputs")
        inputs = [index[i] for i in in_ids]
        node = _layer_node(layer, [shapes[i] for i in in_ids], inputs, shapes[out_ids[0]],
                           state["params"])
        for p in (node.kernel_param, node.bias_param):
            if p >= 0:
                state["used"].add(p)
        if node.kind == "dropout":
            # A shared layer is one node per call (a Dense's calls share its weights and
            # add up their gradients), but a Dropout draws one mask per call of a step.
            if shared:
                raise Unsupported(f"{_layer_name(layer)} is shared (called more than once)")
            state["dropouts"].append(layer)
        index[out_ids[0]] = len(nodes)
        nodes.append(node)


def build_nodes(model, with_params=True):
    """The model's graph as ProgramNodes.

    Returns:
        `(nodes, output_nodes, output_shapes, dropout_layers, trainable)`: the first
        nodes are the inputs, in `model.inputs` order; `output_nodes` index `nodes` in
        `model.outputs` order; `dropout_layers` are the Dropout layers in node order
        (their call counters advance with the program); `trainable` the variables the
        optimizer updates
        (ProgramNode kernel_param/bias_param index it; empty without `with_params`,
        for evaluate/predict programs that never update weights).
    """
    graph = model._graph_nodes()
    shapes = graph["shapes"]
    trainable = list(model.trainable_weights) if with_params else []
    param_index = {id(v): i for i, v in enumerate(trainable)}
    if len(set(graph["inputs"])) != len(graph["inputs"]):
        raise Unsupported("the same tensor is listed twice in the model's inputs")
    index = {t: j for j, t in enumerate(graph["inputs"])}
    nodes = [_C.ProgramNode("input", [], _width(shapes[t])) for t in graph["inputs"]]
    state = {"nodes": nodes, "dropouts": [], "used": set(), "seen": set(),
             "params": param_index}
    _add_calls(graph["nodes"], shapes, index, state)
    used, dropouts = state["used"], state["dropouts"]
    if len(used) != len(trainable):
        raise Unsupported("the model has trainable weights outside its Dense layers")
    outputs = [index[i] for i in graph["outputs"]]
    if any(o < len(graph["inputs"]) for o in outputs):
        raise Unsupported("an output of the model is one of its inputs")
    if len(set(outputs)) != len(outputs):
        raise Unsupported("the same tensor is listed twice in the model's outputs")
    out_shapes = [tuple(shapes[i]) for i in graph["outputs"]]
    return nodes, outputs, out_shapes, dropouts, trainable
