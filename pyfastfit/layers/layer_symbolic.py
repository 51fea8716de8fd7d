"""The symbolic side of `Layer` (Functional API): a call on KerasTensors builds the
layer from the symbolic shape, infers the output spec (`compute_output_shape`, else a
run of `call` on a batch-size-1 stand-in) and records a `Node`; `input` / `output` read
the first node back.

`SymbolicCallMixin` is a base of `Layer` (pyfastfit.layers.layer); `Layer.__call__`
hands symbolic calls to `_symbolic_call`.
"""

import numpy as np

from pyfastfit import ops
from pyfastfit.core import Tensor
from pyfastfit.layers.call_context import _call_info, _ctx, _shape_of
from pyfastfit.layers.keras_tensor import KerasTensor, Node, flatten, map_structure
from pyfastfit.random.seed_generator import frozen_draws


class SymbolicCallMixin:
    """Part of `Layer`: symbolic calls and output specs (see the module docstring)."""

    def compute_output_shape(self, *args, **kwargs):
        """Output shape for the given input shape(s) (None for unknown dims)."""
        raise NotImplementedError(
            f"Layer {type(self).__name__} should implement `def compute_output_shape("
            "self, input_shape)`.")

    def compute_output_spec(self, *args, **kwargs):
        """Symbolic outputs for symbolic inputs (shape and dtype only)."""
        if type(self).compute_output_shape is not SymbolicCallMixin.compute_output_shape:
            shapes = [_shape_of(a) for a in args]
            try:
                out_shape = self.compute_output_shape(*shapes)
            except NotImplementedError:
                out_shape = None
            if out_shape is not None:
                return _specs_from_shapes(out_shape, self._dtype)
        return self._standin_spec(args, kwargs)

    def _standin_spec(self, args, kwargs):
        """Runs `call` on zeros with unknown dims set to 1 and reads the output spec."""
        def materialize(t):
            if isinstance(t, KerasTensor):
                shape = tuple(1 if d is None else d for d in t.shape)
                return ops.convert_to_tensor(np.zeros(shape, dtype=t.dtype))
            return t

        batch_unknown = any(isinstance(t, KerasTensor) and t.shape and t.shape[0] is None
                            for t in flatten((args, kwargs)))
        r_args = map_structure(materialize, args)
        r_kwargs = map_structure(materialize, kwargs)
        prev = _ctx.in_standin
        _ctx.in_standin = True
        try:
            with frozen_draws():  # SeedGenerators stay as they were
                out = self.call(*r_args, **r_kwargs)
        finally:
            _ctx.in_standin = prev

        def spec(t):
            if isinstance(t, (Tensor, np.ndarray)):
                shape = tuple(t.shape)
                if batch_unknown and shape:
                    shape = (None,) + shape[1:]
                return KerasTensor(shape, str(t.dtype))
            return t

        return map_structure(spec, out)

    def _symbolic_call(self, args, kwargs):
        kwargs = dict(kwargs)
        accepts_training = _call_info(type(self))[0]
        if not accepts_training:
            kwargs.pop("training", None)
        if "mask" in kwargs and not _call_info(type(self))[2]:
            kwargs.pop("mask")
        if not self.built:
            self._maybe_build(args, kwargs)
        outputs = self.compute_output_spec(*args, **kwargs)
        node_index = len(self._inbound_nodes)
        tensors = [t for t in flatten(outputs) if isinstance(t, KerasTensor)]
        for i, t in enumerate(tensors):
            t._keras_history = (self, node_index, i)
            t.name = self.name if len(tensors) == 1 else f"{self.name}_{i}"
        node = Node(self, args, kwargs, outputs)
        self._inbound_nodes.append(node)
        for t in node.inputs:
            if t._keras_history is not None:
                t._keras_history[0]._outbound_nodes.append(node)
        return outputs

    # ------------------------------------------------------------------ functional
    def _single_node_attr(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has no inbound nodes: it was never "
                                 f"called on symbolic inputs, so it has no {what}.")
        node = self._inbound_nodes[0]
        if attr == "input":
            inputs = node.args[0] if len(node.args) == 1 and not node.kwargs else node.inputs
            return inputs
        return node.output_structure

    @property
    def input(self):
        """The symbolic input of the layer's first call (Functional API)."""
        return self._single_node_attr("input", "input")

    @property
    def output(self):
        """The symbolic output of the layer's first call (Functional API)."""
        return self._single_node_attr("output", "output")

    def get_input_at(self, node_index):
        return self._inbound_nodes[node_index].args[0]

    def get_output_at(self, node_index):
        return self._inbound_nodes[node_index].output_structure


def _specs_from_shapes(shape, dtype):
    if isinstance(shape, dict):
        return {k: _specs_from_shapes(v, dtype) for k, v in shape.items()}
    if isinstance(shape, list) or (isinstance(shape, tuple) and shape and
                                   isinstance(shape[0], (tuple, list))):
        return [_specs_from_shapes(s, dtype) for s in shape]
    return KerasTensor(tuple(shape), dtype)
