"""Functional: a Model defined by a graph of layer calls on `Input` tensors."""

import numpy as np

from pyfastfit import ops
from pyfastfit.core import Tensor
from pyfastfit.layers.core.input_layer import InputLayer
from pyfastfit.layers.keras_tensor import KerasTensor, flatten, map_structure
from pyfastfit.layers.layer import Layer, call_nested, deserialize_layer, serialize_layer
from pyfastfit.layers.masking import call_masked, makes_masks
from pyfastfit.models.graph_losses import GraphLossesMixin
from pyfastfit.models.graph_walk import graph_nodes
from pyfastfit.models.model import Model


def _check_tensors(struct, what):
    for t in flatten(struct):
        if not isinstance(t, KerasTensor):
            raise ValueError(f"All `{what}` values must be KerasTensors (from keras.Input or "
                             f"layer calls on them). Received: {what}={struct!r:.200}")


class Functional(GraphLossesMixin, Model):
    """A Model built from symbolic tensors: `Model(inputs, outputs)`.

    `inputs`/`outputs` may be one tensor, a list, or a dict. Calling the model runs
    the recorded layer calls in topological order (a shared layer is called once per
    node). `model.layers` lists every layer, `InputLayer`s included, inputs first.

    Graph introspection for the C++ fast path: see `_graph_nodes()`.
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(outputs, tuple):
            outputs = list(outputs)
        _check_tensors(inputs, "inputs")
        _check_tensors(outputs, "outputs")
        if name is None:
            from pyfastfit import backend

            base = type(self).__name__
            name = backend.unique_name(
                "functional" if base == "Functional" else backend.to_snake_case(base))
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        if isinstance(inputs, list) and len(inputs) == 1 and not isinstance(inputs[0], list):
            pass  # keep the list: Keras returns list-structured outputs only for outputs
        # Keras flattens a dict of inputs or outputs in sorted key order (its `tree`
        # utilities sort dict keys): `model.inputs`/`outputs`, `output_names`, the
        # layer order and so `get_weights()` follow the sorted keys, whatever order the
        # dict was written in.
        if isinstance(inputs, dict):
            inputs = {k: inputs[k] for k in sorted(inputs)}
        if isinstance(outputs, dict):
            outputs = {k: outputs[k] for k in sorted(outputs)}
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self.inputs = list(flatten(inputs))
        self.outputs = list(flatten(outputs))
        self._build_graph()
        self.__dict__["built"] = True

    def _build_graph(self):
        input_ids = {t._id for t in self.inputs}
        order = graph_nodes(self.inputs + self.outputs, self.inputs, set(),
                            include_inputs=True)
        index = {id(n): i for i, n in enumerate(order)}
        depth = {id(n): 0 for n in order}
        for node in reversed(order):
            if node.outputs and node.outputs[0]._id in input_ids:
                continue
            for parent in node.inputs:
                pl, pi, _ = parent._keras_history
                pn = pl._inbound_nodes[pi]
                depth[id(pn)] = max(depth[id(pn)], depth[id(node)] + 1)
        # Inputs first, in `inputs` order (as Keras lists them).
        max_depth = max(depth.values()) + 1 if depth else 0
        for t in self.inputs:
            depth[id(t._keras_history[0]._inbound_nodes[t._keras_history[1]])] = max_depth
        ordered = sorted(order, key=lambda n: (-depth[id(n)], index[id(n)]))
        self._nodes_in_order = [n for n in ordered if not (
            n.outputs and n.outputs[0]._id in input_ids)]
        # Execution plan: (layer, simple_input_id or None, node, output ids).
        plan = []
        for n in self._nodes_in_order:
            simple = (len(n.args) == 1 and isinstance(n.args[0], KerasTensor)
                      and not n.kwargs and len(n.outputs) == 1)
            plan.append((n.layer, n.args[0]._id if simple else None, n,
                         [t._id for t in n.outputs]))
        self._plan = plan
        self._layers_list = self._keras_layer_order()
        # Masks (Embedding(mask_zero=True)) are carried beside the values only in the
        # graphs that can make one: the others keep the plain loop.
        self._uses_masks = makes_masks(n.layer for n in self._nodes_in_order)

    def _keras_layer_order(self):
        """The layers in Keras 3's order (keras/src/ops/function.py `map_graph`), so that
        `layers`, `weights` and `get_weights()` line up with a Keras model's: a depth-first
        walk from the outputs numbers the layers as it meets them; node depths grow
        towards the inputs, a shared layer taking its deepest call's depth; layers are
        listed deepest first, in walk order within a depth."""
        input_ids = {t._id for t in self.inputs}
        finished, walk, index = set(), [], {}

        def visit(t):
            layer, node_index, _ = t._keras_history
            node = layer._inbound_nodes[node_index]
            if id(node) in finished:
                return
            index.setdefault(id(layer), len(index))
            if not isinstance(layer, InputLayer) and t._id not in input_ids:
                for parent in node.inputs:
                    visit(parent)
            finished.add(id(node))
            walk.append(node)

        for t in self.outputs:
            visit(t)
        node_depth, layer_depth, layers = {}, {}, {}
        for node in reversed(walk):
            depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
            layer_depth[id(node.layer)] = depth
            layers[id(node.layer)] = node.layer
            node_depth[id(node)] = depth
            for parent in node.parent_nodes:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
        for t in self.inputs:  # inputs the outputs do not depend on
            layer = t._keras_history[0]
            if id(layer) not in layer_depth:
                layer_depth[id(layer)], index[id(layer)] = 0, -1
                layers[id(layer)] = layer
        return [layers[k] for k in sorted(layer_depth,
                                          key=lambda k: (-layer_depth[k], index[k]))]

    # ------------------------------------------------------------------ properties
    @property
    def layers(self):
        """Every layer of the graph, InputLayers included, inputs first."""
        return list(self._layers_list)

    @property
    def input(self):
        """The model's symbolic inputs, with the structure given at construction."""
        return self._inputs_struct

    @property
    def output(self):
        """The model's symbolic outputs, with the structure given at construction."""
        return self._outputs_struct

    @property
    def input_names(self):
        if isinstance(self._inputs_struct, dict):
            return list(self._inputs_struct)
        return [t._keras_history[0].name for t in self.inputs]

    @property
    def output_names(self):
        """Names of the outputs: dict keys, else the names of the output layers."""
        if isinstance(self._outputs_struct, dict):
            return list(self._outputs_struct)
        return [t._keras_history[0].name for t in self.outputs]

    @output_names.setter
    def output_names(self, value):
        pass

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    # ------------------------------------------------------------------ running
    def _flatten_inputs(self, inputs):
        n = len(self.inputs)
        if n == 1 and not isinstance(inputs, (dict, list, tuple)):
            return [inputs]
        names = self.input_names
        if isinstance(inputs, dict):
            missing = [k for k in names if k not in inputs]
            if missing:
                if isinstance(self._inputs_struct, dict) or n > 1 or len(inputs) != 1:
                    raise ValueError(
                        f"Model '{self.name}' expected {n} inputs {names}, received a dict "
                        f"with keys {list(inputs)}: missing {missing}.")
                return list(inputs.values())
            return [inputs[k] for k in names]
        if isinstance(inputs, (list, tuple)):
            flat = list(inputs)
            if n == 1 and len(flat) != 1:
                flat = [inputs]
        else:
            flat = [inputs]
        if len(flat) != n:
            raise ValueError(f"Model '{self.name}' expected {n} inputs {names}, received "
                             f"{len(flat)}.")
        return flat

    def call(self, inputs, training=None, mask=None):
        flat = self._flatten_inputs(inputs)
        values = {}
        for i, (kt, x) in enumerate(zip(self.inputs, flat)):
            if not isinstance(x, Tensor) or x.dtype != kt.dtype:
                x = ops.convert_to_tensor(x, kt.dtype)
            shape = x.shape
            spec = kt.shape
            if len(shape) == len(spec) + 1 and shape[-1] == 1:
                x = ops.squeeze(x, -1)
                shape = x.shape
            elif len(shape) == len(spec) - 1 and spec[-1] == 1:
                x = ops.expand_dims(x, -1)
                shape = x.shape
            if len(shape) != len(spec) or (shape[1:] != spec[1:] and any(
                    s is not None and s != d for s, d in zip(spec[1:], shape[1:]))):
                raise ValueError(
                    f"Input {i} of layer \"{self.name}\" is incompatible with the layer: "
                    f"expected shape={spec}, found shape={shape}")
            values[kt._id] = x

        def sub(t):
            return values[t._id] if isinstance(t, KerasTensor) else t

        masks = {} if self._uses_masks else None
        for layer, simple, node, out_ids in self._plan:
            if masks is not None:
                self._run_masked(layer, node, out_ids, values, masks, sub)
                continue
            if simple is not None:
                out = call_nested(layer, values[simple])
                if not isinstance(out, (list, tuple, dict)):
                    values[out_ids[0]] = out
                    continue
            else:
                args = tuple(sub(a) if isinstance(a, KerasTensor) else map_structure(sub, a)
                             for a in node.args)
                kwargs = {k: map_structure(sub, v) for k, v in node.kwargs.items()} \
                    if node.kwargs else {}
                out = layer(*args, **kwargs)
            if len(out_ids) == 1 and not isinstance(out, (list, tuple, dict)):
                values[out_ids[0]] = out
            else:
                for i, o in zip(out_ids, flatten(out)):
                    values[i] = o
        if self._added is not None:
            self._run_added(values)
        out = self._outputs_struct
        if isinstance(out, KerasTensor):
            return values[out._id]
        if isinstance(out, list) and len(out) == 1:
            return sub(out[0])
        return map_structure(sub, out)

    @staticmethod
    def _run_masked(layer, node, out_ids, values, masks, sub):
        """One node of `call` with Keras's mask propagation (`layers/masking.py`)."""
        args = tuple(sub(a) if isinstance(a, KerasTensor) else map_structure(sub, a)
                     for a in node.args)
        kwargs = {k: map_structure(sub, v) for k, v in node.kwargs.items()} \
            if node.kwargs else {}
        first = node.args[0] if node.args else None
        if isinstance(first, KerasTensor):
            mask = masks.get(first._id)
        elif isinstance(first, (list, tuple)):
            mask = [masks.get(t._id) if isinstance(t, KerasTensor) else None for t in first]
        else:
            mask = None
        out, out_mask = call_masked(layer, args, kwargs, mask)
        if len(out_ids) == 1 and not isinstance(out, (list, tuple, dict)):
            values[out_ids[0]] = out
            if out_mask is not None:
                masks[out_ids[0]] = out_mask
        else:  # several outputs: their masks are not tracked
            for i, o in zip(out_ids, flatten(out)):
                values[i] = o

    def compute_output_spec(self, inputs, training=None, mask=None):
        out = self._outputs_struct
        if isinstance(out, list) and len(out) == 1:
            out = out[0]
        return map_structure(lambda t: KerasTensor(t.shape, t.dtype), out)

    def compute_output_shape(self, input_shape):
        return map_structure(lambda t: t.shape, self._outputs_struct)

    def _graph_nodes(self):
        """The graph in a simple, ordered form (for the C++ fast path and tools).

        Returns:
            A dict with
            - "inputs": list of tensor ids of the model inputs (flat, `model.inputs` order),
            - "outputs": list of tensor ids of the model outputs (flat order),
            - "nodes": topologically ordered list of `(layer, input_ids, output_ids, kwargs)`
              tuples, one per layer call (InputLayers excluded; a shared layer appears
              once per call). `input_ids` lists the KerasTensor ids of the call's tensor
              arguments in argument order (a list argument such as Concatenate's is
              flattened); `kwargs` are the call's non-tensor keyword arguments (e.g.
              `training` when it was given explicitly). A nested model appears as one
              node whose layer is the nested Model (inspect it recursively).
            - "shapes": `{tensor id: shape tuple}` for every tensor of the graph.
        """
        nodes = []
        shapes = {t._id: tuple(t.shape) for t in self.inputs}
        for node in self._nodes_in_order:
            for t in list(node.inputs) + list(node.outputs):
                shapes[t._id] = tuple(t.shape)
            kwargs = {k: v for k, v in node.kwargs.items()
                      if not any(isinstance(t, KerasTensor) for t in flatten(v))}
            nodes.append((node.layer, [t._id for t in node.inputs],
                          [t._id for t in node.outputs], kwargs))
        return {"inputs": [t._id for t in self.inputs],
                "outputs": [t._id for t in self.outputs], "nodes": nodes,
                "shapes": shapes}

    # ------------------------------------------------------------------ config
    def get_config(self):
        """Keras 3 Functional config: layers with inbound nodes, input/output layers."""
        own_nodes = {}
        node_ids = {id(n) for n in self._nodes_in_order}
        for t in self.inputs:
            node_ids.add(id(t._keras_history[0]._inbound_nodes[t._keras_history[1]]))
        for layer in self._layers_list:
            kept = [n for n in layer._inbound_nodes if id(n) in node_ids]
            own_nodes[id(layer)] = {id(n): i for i, n in enumerate(kept)}

        def history(t):
            layer, ni, ti = t._keras_history
            return [layer.name, own_nodes[id(layer)][id(layer._inbound_nodes[ni])], ti]

        def ser(v):
            if isinstance(v, KerasTensor):
                return {"class_name": "__keras_tensor__",
                        "config": {"shape": list(v.shape), "dtype": v.dtype,
                                   "keras_history": history(v)}}
            if isinstance(v, (list, tuple)):
                return [ser(x) for x in v]
            if isinstance(v, dict):
                return {k: ser(x) for k, x in v.items()}
            return v

        layer_configs = []
        for layer in self._layers_list:
            cfg = serialize_layer(layer)
            cfg["name"] = layer.name
            inbound = []
            if not isinstance(layer, InputLayer):
                for n in layer._inbound_nodes:
                    if id(n) in node_ids:
                        inbound.append({"args": ser(list(n.args)), "kwargs": ser(n.kwargs)})
            cfg["inbound_nodes"] = inbound
            layer_configs.append(cfg)

        def io(struct):
            if isinstance(struct, dict):
                return {k: history(v) for k, v in struct.items()}
            if isinstance(struct, list):
                return [history(v) for v in struct]
            return history(struct)

        return {"name": self.name, "trainable": self.trainable, "layers": layer_configs,
                "input_layers": io(self._inputs_struct),
                "output_layers": io(self._outputs_struct)}


def functional_from_config(cls, config, custom_objects=None, created_layers=None):
    """Rebuilds a Functional model from `Functional.get_config()` (Keras 3 format).

    `created_layers` (name -> layer) replaces the layers of those names (clone_model)."""
    layers, tensors = {}, {}
    pending = []
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise ValueError("A Functional config needs a list of 'layers'. "
                         f"Received: config={str(config)[:500]}")
    for lc in config["layers"]:
        name = lc.get("name") or (lc.get("config") or {}).get("name")
        if created_layers and name in created_layers:
            layer = created_layers[name]
        else:
            layer = deserialize_layer(lc, custom_objects)
        name = name or layer.name
        layers[name] = layer
        if isinstance(layer, InputLayer):
            tensors[(name, 0, 0)] = layer._input_tensor
        else:
            pending.append([name, list(lc.get("inbound_nodes", [])), 0])

    def deser(v):
        if isinstance(v, dict) and v.get("class_name") == "__keras_tensor__":
            return tensors[tuple(v["config"]["keras_history"])]
        if isinstance(v, list):
            return [deser(x) for x in v]
        if isinstance(v, dict):
            return {k: deser(x) for k, x in v.items()}
        return v

    def ready(v):
        if isinstance(v, dict) and v.get("class_name") == "__keras_tensor__":
            return tuple(v["config"]["keras_history"]) in tensors
        if isinstance(v, list):
            return all(ready(x) for x in v)
        if isinstance(v, dict):
            return all(ready(x) for x in v.values())
        return True

    progress = True
    while progress and any(p[1] for p in pending):
        progress = False
        for p in pending:
            name, nodes, count = p
            while nodes and ready(nodes[0]):
                nd = nodes.pop(0)
                if isinstance(nd, list):  # Keras 2 style [[name, ni, ti, kwargs], ...]
                    args = ([tensors[(a[0], a[1], a[2])] for a in nd],)
                    if len(args[0]) == 1:
                        args = (args[0][0],)
                    kwargs = {}
                else:
                    args, kwargs = deser(nd.get("args", [])), deser(nd.get("kwargs", {}))
                out = layers[name](*args, **kwargs)
                for i, t in enumerate(flatten(out)):
                    tensors[(name, count, i)] = t
                p[2] = count = count + 1
                progress = True
    if any(p[1] for p in pending):
        raise ValueError("Could not rebuild the Functional graph from its config: some "
                         "inbound nodes reference unknown tensors.")

    def io(spec):
        if isinstance(spec, dict):
            return {k: io(v) for k, v in spec.items()}
        if spec and isinstance(spec[0], (list, tuple)):
            return [io(v) for v in spec]
        return tensors[tuple(spec)]

    inputs, outputs = io(config["input_layers"]), io(config["output_layers"])
    model_cls = cls if issubclass(cls, Functional) else Functional
    return model_cls(inputs=inputs, outputs=outputs, name=config.get("name"),
                     trainable=config.get("trainable", True))


Functional.from_config = classmethod(
    lambda cls, config, custom_objects=None: functional_from_config(cls, config, custom_objects))
