"""Layout translators: Permute, and channels_first layers run as channels_last ones
between two permute nodes (the eager layers transpose at their edges the same way)."""

from pyfastfit import layers
from pyfastfit.trainers.fast_path.translators import translator
from pyfastfit.trainers.fast_path.translators.common import Call, sample_shape


def permute_node(call, perm, inputs, shape):
    """A permute node moving per-sample axes by `perm` (0-based over the sample axes),
    read in per-sample `shape` (batch axis included, as graph shapes are)."""
    node = call.node("permute", inputs=inputs, shape=shape)
    node.numbers = {"perm": [float(p) for p in perm]}
    return node


def _to_last(shape):
    """(batch, C, spatial...) -> (batch, spatial..., C)."""
    return (shape[0],) + tuple(shape[2:]) + (shape[1],)


def channels_first_nodes(fn, call):
    """The nodes of a channels_first call: its input moved channels-last, `fn`'s nodes
    on that channels_last call, and their output moved back."""
    rank = len(call.in_shapes[0]) - 1  # per-sample axes
    first = permute_node(call, list(range(1, rank)) + [0], call.inputs,
                         _to_last(call.in_shapes[0]))
    inner = Call(call.layer, [call.first_index], [_to_last(call.in_shapes[0])],
                 _to_last(call.out_shape), call.slots)
    inner.first_index = call.first_index + 1
    inner.data_format = "channels_last"
    inner.permuted = True
    nodes = fn(call.layer, inner)
    nodes = nodes if isinstance(nodes, list) else [nodes]
    call.draws = inner.draws
    out_rank = len(call.out_shape) - 1
    back = permute_node(call, [out_rank - 1] + list(range(out_rank - 1)),
                        [call.first_index + len(nodes)], call.out_shape)
    return [first] + nodes + [back]


def moved_axes_nodes(fn, call, axes):
    """The nodes of a call that works over per-sample `axes` (graph axes, batch = 0,
    ascending) as if they were the trailing ones: its input with those axes moved last
    (in order), `fn`'s nodes on that call, and their output moved back (the output has
    the input's shape)."""
    shape = call.in_shapes[0]
    moved = [a - 1 for a in axes]
    perm = [i for i in range(len(shape) - 1) if i not in moved] + moved
    moved_shape = (shape[0],) + tuple(shape[p + 1] for p in perm)
    first = permute_node(call, perm, call.inputs, moved_shape)
    inner = Call(call.layer, [call.first_index], [moved_shape], moved_shape, call.slots)
    inner.first_index = call.first_index + 1
    inner.data_format = call.data_format
    inner.permuted = True
    nodes = fn(call.layer, inner)
    nodes = nodes if isinstance(nodes, list) else [nodes]
    call.draws = inner.draws
    inverse = sorted(range(len(perm)), key=perm.__getitem__)
    back = permute_node(call, inverse, [call.first_index + len(nodes)], call.out_shape)
    return [first] + nodes + [back]


@translator(layers.Permute, attrs=("dims",))
def permute(layer, call):
    call.one_input()
    return permute_node(call, [d - 1 for d in layer.dims], call.inputs, call.out_shape)


def flatten_channels_first(call):
    """Flatten of channels_first data: channels last, then the flat read (one node)."""
    rank = len(sample_shape(call.in_shapes[0]))
    return permute_node(call, list(range(1, rank)) + [0], call.inputs, call.out_shape)
