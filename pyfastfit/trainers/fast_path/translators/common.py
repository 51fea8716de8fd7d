"""What every translator shares: the call being translated, parameter specs (optimizer
slot, weight penalty, constraint) and the reason a layer stays on the eager path."""

import math

import numpy as np

from pyfastfit.core._c import _C


class Unsupported(Exception):
    """Raised with the reason a model, compile setting or dataset needs the eager path."""


def layer_name(layer):
    return f"layer '{layer.name}' ({type(layer).__name__})"


def sample_shape(shape):
    """The per-sample shape (batch axis dropped) of a graph tensor, all known."""
    if any(d is None for d in shape[1:]):
        # e.g. a time series Input(shape=(None, 10)): the Program needs fixed shapes
        raise Unsupported(f"a tensor of the graph has unknown dimensions {tuple(shape)}")
    return [int(d) for d in shape[1:]]


def width(shape):
    return math.prod(sample_shape(shape))


class Call:
    """One call of a layer: its input nodes and shapes, its output shape, and the
    optimizer slot of each trainable variable (`slots`, by id)."""

    def __init__(self, layer, inputs, in_shapes, out_shape, slots):
        self.layer = layer
        self.inputs = inputs
        self.in_shapes = [tuple(s) for s in in_shapes]
        self.out_shape = tuple(out_shape)
        self.slots = slots
        self.draws = False  # set by translators of layers drawing random numbers
        # The index the call's first node gets: a translator returning several nodes
        # chains them through it (node k reads first_index + k - 1).
        self.first_index = -1
        # The layout the translator sees: "channels_first" layers are handed over as a
        # channels_last call between two permute nodes (translators/layout.py).
        self.data_format = getattr(layer, "data_format", "channels_last")
        self.permuted = False  # True for the channels_last view of a channels_first call
        # The node index of the indices whose `!= 0` is this call's mask (masks.py), and
        # whether the translator read it.
        self.mask_input = None
        self.mask_read = False

    def node(self, kind, inputs=None, shape=None):
        """A ProgramNode of `kind` reading `inputs` (default: every input of the call)
        with per-sample `shape` (default: the call's output)."""
        return _C.ProgramNode(kind, self.inputs if inputs is None else inputs,
                              sample_shape(self.out_shape if shape is None else shape))

    def one_input(self, rank=None):
        """The single input's shape, checking its rank (with the batch axis)."""
        if len(self.in_shapes) != 1:
            raise Unsupported(f"{layer_name(self.layer)} has {len(self.in_shapes)} inputs")
        shape = self.in_shapes[0]
        if rank is not None and len(shape) not in ((rank,) if isinstance(rank, int) else rank):
            raise Unsupported(f"{layer_name(self.layer)} is applied to a rank-{len(shape)} "
                              "input")
        return shape

    def param(self, variable, what, norm_ok=True):
        """The ProgramParam of `variable` (`what`: "kernel", "bias"... for messages)."""
        l1, l2 = _penalty(self.layer, variable, what)
        return _C.ProgramParam(variable._c, self.slots.get(id(variable), -1), l1, l2,
                               _constraint(self.layer, variable, what, norm_ok))


def _penalty(layer, variable, what):
    """(l1, l2) of the regularizer `layer.losses` applies to `variable` ((0, 0) if none)."""
    from pyfastfit import regularizers

    reg = next((r for v, r in layer._regularized if v is variable), None)
    if reg is None or not (variable.trainable or not layer._trainable):
        return 0.0, 0.0
    if type(reg) not in (regularizers.L1L2, regularizers.L1, regularizers.L2):
        raise Unsupported(f"{layer_name(layer)} has a custom {what}_regularizer")
    return float(reg.l1), float(reg.l2)


def activity_penalty(layer):
    """(l1, l2) of the layer's activity_regularizer ((0, 0) if none)."""
    from pyfastfit import regularizers

    activity = getattr(layer, "activity_regularizer", None)
    if activity is None:
        return 0.0, 0.0
    if type(activity) not in (regularizers.L1L2, regularizers.L1, regularizers.L2):
        raise Unsupported(f"{layer_name(layer)} has a custom activity_regularizer")
    return float(activity.l1), float(activity.l2)


def _constraint(layer, variable, what, norm_ok):
    """The ProgramConstraint of `variable.constraint` (kind "none" without one)."""
    from pyfastfit import constraints as cs

    c = variable.constraint
    kinds = {cs.MaxNorm: "max_norm", cs.MinMaxNorm: "min_max_norm", cs.NonNeg: "non_neg",
             cs.UnitNorm: "unit_norm"}
    if c is None:
        return _C.ProgramConstraint("none")
    if type(c) not in kinds:
        raise Unsupported(f"{layer_name(layer)} has a custom {what} constraint")
    spec = _C.ProgramConstraint(kinds[type(c)])
    if type(c) is cs.NonNeg:
        return spec
    axis = getattr(c, "axis", 0)
    ndim = len(variable.shape)
    # Norm constraints run over a (rows, cols) view: a 2-D weight's axis 0 or 1.
    if not norm_ok or ndim > 2 or isinstance(axis, (list, tuple)) or \
            not -ndim <= int(axis) < ndim:
        raise Unsupported(f"{layer_name(layer)} has a {what} constraint over axis {axis}")
    spec.axis = int(axis) % ndim
    if isinstance(c, cs.MaxNorm):
        spec.max_value = float(np.float32(c.max_value))
    if isinstance(c, cs.MinMaxNorm):
        spec.min_value = float(np.float32(c.min_value))
        spec.max_value = float(np.float32(c.max_value))
        spec.rate = float(np.float32(c.rate))
        spec.keep = float(np.float32(1 - c.rate))
    return spec
