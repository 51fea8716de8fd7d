"""Translators of the core layers: Dense, the activation layers, Dropout, and the layers
that only change the per-sample shape (identities over row-major buffers), or only add a
loss (ActivityRegularization: an identity node with the activity penalty graph.py sets
from its activity_regularizer)."""

from pyfastfit import activations, layers
from pyfastfit.trainers.fast_path.translators import layout, translator
from pyfastfit.trainers.fast_path.translators.common import Unsupported, layer_name


@translator(layers.Dense, attrs=("activation", "_fused", "_fused_alpha", "use_bias"))
def dense(layer, call):
    if getattr(layer, "_fused", None) is None:
        raise Unsupported(f"{layer_name(layer)} uses a custom activation")
    call.one_input()
    node = call.node("dense")
    params = [call.param(layer.kernel, "kernel")]
    if layer.bias is not None:
        params.append(call.param(layer.bias, "bias"))
    node.params = params
    node.names = {"activation": layer._fused}
    node.numbers = {"alpha": [float(layer._fused_alpha)]}
    return node


@translator(layers.Flatten, layers.Reshape, attrs=("data_format", "target_shape"))
def reshape(layer, call):
    shape = call.one_input()
    if type(layer) is layers.Flatten and layer.data_format == "channels_first" and \
            len(shape) > 2:
        return layout.flatten_channels_first(call)
    return call.node("identity")


def _mask_shape(layer, shape):
    """The per-sample mask shape of a noise_shape (None: one value per element)."""
    noise = layer.noise_shape
    if noise is None:
        return None
    if len(noise) != len(shape) or noise[0] is not None:
        raise Unsupported(f"{layer_name(layer)} has noise_shape={noise} (the fast path "
                          "draws per-sample masks)")
    mask = [shape[i] if d is None else int(d) for i, d in enumerate(noise)][1:]
    if any(m not in (1, s) for m, s in zip(mask, shape[1:])):
        raise Unsupported(f"{layer_name(layer)} has noise_shape={noise} for inputs of "
                          f"shape {shape}")
    return mask


@translator(layers.ActivityRegularization, attrs=("l1", "l2"))
def activity_regularization(layer, call):
    call.one_input()
    return call.node("identity")


@translator(layers.Dropout, layers.SpatialDropout1D, layers.SpatialDropout2D,
            attrs=("rate", "noise_shape", "_seed", "data_format"))
def dropout(layer, call):
    shape = call.one_input()
    if not 0 <= layer.rate < 1:
        raise Unsupported(f"{layer_name(layer)} has rate={layer.rate}")
    if layer.rate == 0:  # the layer returns its input and draws no mask
        return call.node("identity")
    node = call.node("dropout")
    mask = _mask_shape(layer, shape)
    node.numbers = {"rate": [float(layer.rate)]} if mask is None else \
        {"rate": [float(layer.rate)], "mask": [float(m) for m in mask]}
    node.seed = int(layer._seed)
    call.draws = True
    return node


def _activation(call, name, alpha=0.0):
    shape = call.one_input()
    if name in ("softmax", "log_softmax") and len(shape) < 2:
        raise Unsupported(f"{layer_name(call.layer)} is applied to a rank-{len(shape)} input")
    node = call.node("activation")
    node.names = {"activation": name}
    node.numbers = {"alpha": [float(alpha)]}
    return node


@translator(layers.Activation, attrs=("activation",))
def activation(layer, call):
    name = activations.FUSED.get(layer.activation)
    if name is None:
        raise Unsupported(f"{layer_name(layer)} uses a custom activation")
    return _activation(call, name, activations.FUSED_ALPHA.get(name, 0.0))


@translator(layers.ReLU, attrs=("max_value", "negative_slope", "threshold"))
def relu(layer, call):
    if layer.max_value is None and not layer.negative_slope and not layer.threshold:
        return _activation(call, "relu")
    raise Unsupported(f"{layer_name(layer)} has max_value/negative_slope/threshold")


@translator(layers.LeakyReLU, attrs=("negative_slope",))
def leaky_relu(layer, call):
    return _activation(call, "leaky_relu", float(layer.negative_slope))


@translator(layers.Softmax, attrs=("axis",))
def softmax(layer, call):
    if layer.axis in (-1, [-1], (-1,)):
        return _activation(call, "softmax")
    raise Unsupported(f"{layer_name(layer)} has axis={layer.axis}")


@translator(layers.Embedding, attrs=("input_dim", "output_dim", "mask_zero"))
def embedding(layer, call):
    call.one_input()
    # mask_zero: graph.py's check_masks let the model through only where no mask
    # changes a result; the lookup is the same either way.
    if layer.input_dim > 1 << 24:
        raise Unsupported(f"{layer_name(layer)} has input_dim > 2**24 (the fast path reads "
                          "indices as float32)")
    node = call.node("embedding")
    node.params = [call.param(layer.embeddings, "embeddings")]
    node.names = {"layer": layer.name}
    return node


@translator(layers.GaussianNoise, attrs=("stddev", "_seed"))
def gaussian_noise(layer, call):
    call.one_input()
    if layer.stddev == 0:  # the layer returns its input and draws nothing
        return call.node("identity")
    node = call.node("gaussian_noise")
    node.numbers = {"stddev": [float(layer.stddev)]}
    node.seed = int(layer._seed)
    call.draws = True
    return node
