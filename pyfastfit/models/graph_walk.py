"""The walk of a Functional graph shared by `Functional` and its symbolic add_loss."""

from pyfastfit.layers.core.input_layer import InputLayer


def graph_nodes(tensors, inputs, done, include_inputs=False):
    """Returns the nodes that compute `tensors` from `inputs`, parents first.

    Args:
        tensors: KerasTensors to compute.
        inputs: the model's input KerasTensors; the walk stops at them.
        done: set of `id(node)` to skip; every returned node is added to it.
        include_inputs: whether the nodes of `inputs` reached are returned too.

    Raises a `ValueError` for a tensor not reachable from `inputs` ("Graph
    disconnected") and for a cycle.
    """
    input_ids = {t._id for t in inputs}
    order = []

    def visit(t, path):
        if t._keras_history is None:
            raise ValueError(f"Tensor {t.name} was not produced by `keras.Input` or a "
                             "layer/op call, so the model cannot compute it. "
                             f"Received: {t!r}")
        layer, node_index, _ = t._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in done:
            return
        if t._id in input_ids:
            if include_inputs:
                done.add(id(node))
                order.append(node)
            return
        if isinstance(layer, InputLayer):
            raise ValueError(
                f"Graph disconnected: cannot obtain value for tensor {t.name} at layer "
                f"'{layer.name}'. It is not among the model's `inputs` "
                f"{[x.name for x in inputs]}.")
        if id(node) in path:
            raise ValueError("The Functional graph has a cycle.")
        path.add(id(node))
        for parent in node.inputs:
            visit(parent, path)
        path.discard(id(node))
        done.add(id(node))
        order.append(node)

    for t in tensors:
        visit(t, set())
    return order
