"""Keras 2's `model.add_loss(tensor)` / `model.add_metric(tensor, name=...)` on
symbolic tensors of a Functional model.

The tensor is a function of the model's inputs: the graph nodes that compute it (those
not already on the way to the outputs) are recorded and run after the output nodes on
every call, and the values join `losses` / the logged metrics. The C++ fast path does
not run these nodes, so fit/evaluate take the eager path for such a model
(`fast_path_reason` says why).
"""

from pyfastfit.layers.keras_tensor import KerasTensor, flatten, map_structure
from pyfastfit.layers.layer import Layer, _check_metric_args
from pyfastfit.models.graph_walk import graph_nodes


def _check_tensors(struct, what):
    for t in flatten(struct):
        if not isinstance(t, KerasTensor):
            raise ValueError(f"All `{what}` values must be KerasTensors of the model's graph "
                             f"when one is. Received: {what}={struct!r:.200}")


class GraphLossesMixin:
    """`add_loss` / `add_metric` that accept symbolic tensors (mixed into Functional)."""

    _added = None  # (nodes, losses, metrics) recorded from symbolic tensors

    def add_loss(self, loss):
        """Adds a loss: a tensor for this call, or (Keras 2 style) a symbolic tensor of
        this model's graph, e.g. `model.add_loss(ops.mean(hidden) * 0.1)`, recomputed
        from the inputs on every call and found in `model.losses` after it. Symbolic
        losses are not part of `get_config()`: add them again after loading."""
        tensors = flatten(loss)
        if any(isinstance(t, KerasTensor) for t in tensors):
            _check_tensors(loss, "loss")
            self._add_symbolic(tensors, [])
            return
        Layer.add_loss(self, loss)

    def add_metric(self, value, name=None, aggregation="mean"):
        """Adds a metric: a value of this call, or (Keras 2 style) a symbolic tensor of
        this model's graph recomputed on every call; `fit`/`evaluate` log its mean over
        the epoch as `name` (and `val_<name>`)."""
        if isinstance(value, KerasTensor):
            _check_metric_args(name, aggregation)
            self._add_symbolic([], [(name, value, aggregation)])
            return
        Layer.add_metric(self, value, name=name, aggregation=aggregation)

    def _add_symbolic(self, losses, metrics):
        nodes, old_losses, old_metrics = self._added or ([], [], [])
        for name, _, _ in metrics:
            if any(name == n for n, _, _ in old_metrics):
                raise ValueError(f"A metric named '{name}' was already added to model "
                                 f"'{self.name}'. Received: name={name!r}")
        known = {id(n) for n in self._nodes_in_order} | {id(n) for n in nodes}
        new = self._subgraph(losses + [t for _, t, _ in metrics], known)
        layers = list(self.__dict__.get("_added_layers") or [])
        in_graph = {id(x) for x in self._layers_list} | {id(x) for x in layers}
        for node in new:
            if id(node.layer) not in in_graph:
                in_graph.add(id(node.layer))
                layers.append(node.layer)
        self._added_layers = layers  # tracked: their weights train with the model
        self._added = (nodes + new, old_losses + losses, old_metrics + metrics)
        # The trainer caches whether there are extra losses / added metrics.
        for key in ("_has_extra_losses", "_has_added_metrics"):
            if key in self.__dict__:
                object.__setattr__(self, key, None)

    def _subgraph(self, tensors, known):
        """Nodes (topological order) that compute `tensors` from the inputs, except
        those in `known`."""
        return graph_nodes(tensors, self.inputs, known)

    def _run_added(self, values):
        nodes, losses, metrics = self._added

        def sub(t):
            return values[t._id] if isinstance(t, KerasTensor) else t

        for node in nodes:
            args = tuple(map_structure(sub, a) for a in node.args)
            kwargs = {k: map_structure(sub, v) for k, v in node.kwargs.items()}
            out = node.layer(*args, **kwargs)
            for i, o in zip([t._id for t in node.outputs], flatten(out)):
                values[i] = o
        for t in losses:
            Layer.add_loss(self, values[t._id])
        for name, t, aggregation in metrics:
            Layer.add_metric(self, values[t._id], name=name, aggregation=aggregation)
