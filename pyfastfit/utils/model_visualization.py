"""`plot_model`: draw a model's layer graph with Graphviz."""

import os
import pathlib
import shutil
import subprocess


def _output_shape(layer):
    nodes = getattr(layer, "_inbound_nodes", None) or []
    for node in nodes:
        outputs = getattr(node, "outputs", None)
        if outputs:
            shapes = [tuple(t.shape) for t in outputs]
            return shapes[0] if len(shapes) == 1 else shapes
    for attr in ("output_shape", "output"):
        try:
            value = getattr(layer, attr)
        except Exception:  # noqa: BLE001 (an unbuilt layer may raise anything here)
            continue
        value = getattr(value, "shape", value)
        if value is not None:
            return tuple(value) if isinstance(value, (list, tuple)) else value
    return "?"


def _edges(model, layers):
    ids = {id(layer) for layer in layers}
    edges = []
    for layer in layers:
        for node in getattr(layer, "_inbound_nodes", None) or []:
            for t in getattr(node, "inputs", None) or []:
                history = getattr(t, "_keras_history", None)
                if history and id(history[0]) in ids and history[0] is not layer:
                    edge = (id(history[0]), id(layer))
                    if edge not in edges:
                        edges.append(edge)
    if not edges and type(model).__name__ == "Sequential":
        edges = [(id(a), id(b)) for a, b in zip(layers, layers[1:])]
    return edges


def _input_shape(layer):
    for node in getattr(layer, "_inbound_nodes", None) or []:
        inputs = getattr(node, "inputs", None)
        if inputs:
            shapes = [tuple(t.shape) for t in inputs if hasattr(t, "shape")]
            if shapes:
                return shapes[0] if len(shapes) == 1 else shapes
    return "?"


def _output_dtype(layer):
    for node in getattr(layer, "_inbound_nodes", None) or []:
        outputs = getattr(node, "outputs", None)
        if outputs and hasattr(outputs[0], "dtype"):
            return str(outputs[0].dtype)
    return str(getattr(layer, "compute_dtype", None) or getattr(layer, "dtype", "?"))


def _activation_name(layer):
    act = getattr(layer, "activation", None)
    if act is None:
        return None
    return getattr(act, "__name__", None) or type(act).__name__


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations,
           show_trainable):
    cls = type(layer).__name__
    fields = [_escape(f"{layer.name} ({cls})" if show_layer_names else cls)]
    if show_layer_activations and _activation_name(layer) is not None:
        fields.append(_escape(f"Activation: {_activation_name(layer)}"))
    if show_shapes:
        if cls != "InputLayer":
            fields.append(_escape(f"Input shape: {_input_shape(layer)}"))
        fields.append(_escape(f"Output shape: {_output_shape(layer)}"))
    if show_dtype:
        fields.append(_escape(f"Output dtype: {_output_dtype(layer)}"))
    if show_trainable and getattr(layer, "weights", None):
        fields.append(_escape(f"Trainable: {bool(getattr(layer, 'trainable', True))}"))
    return fields[0] if len(fields) == 1 else "{" + "|".join(fields) + "}"


def _is_nested_model(layer):
    return isinstance(getattr(layer, "layers", None), list) and hasattr(layer, "name")


def model_to_dot_source(model, show_shapes=False, show_layer_names=True, rankdir="TB",
                        dpi=200, show_dtype=False, expand_nested=False,
                        show_layer_activations=False, show_trainable=False):
    """The Graphviz DOT source of the model's layer graph (a string).

    Arguments as `plot_model`; with `expand_nested=True` a nested model is drawn as a
    cluster of its own layers (edges into it go to its first layers, edges out of it
    leave from its last ones).
    """
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"`rankdir` must be 'TB' or 'LR'. Received: rankdir={rankdir!r}")
    opts = (show_shapes, show_dtype, show_layer_names, show_layer_activations,
            show_trainable)
    lines = [
        "digraph G {",
        f'  graph [rankdir={rankdir}, dpi={int(dpi)}, label="{_escape(model.name)}"];',
        '  node [shape=record, fontname="Helvetica"];',
    ]
    edges = []
    _emit(model, opts, expand_nested, lines, edges, "  ")
    for src, dst in edges:
        lines.append(f"  n{src} -> n{dst};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _emit(model, opts, expand_nested, lines, edges, indent):
    """Writes the nodes of `model`'s layers into `lines` and its edges into `edges`;
    returns (entry node ids, exit node ids) of the drawn graph."""
    layers = list(getattr(model, "layers", None) or [])
    ends = {}
    for layer in layers:
        if expand_nested and _is_nested_model(layer) and layer.layers:
            lines.append(f"{indent}subgraph cluster_{id(layer)} {{")
            lines.append(f'{indent}  label="{_escape(layer.name)}";')
            ends[id(layer)] = _emit(layer, opts, expand_nested, lines, edges,
                                    indent + "  ")
            lines.append(f"{indent}}}")
        else:
            lines.append(f'{indent}n{id(layer)} [label="{_label(layer, *opts)}"];')
            ends[id(layer)] = ([id(layer)], [id(layer)])
    own = _edges(model, layers)
    for src, dst in own:
        for a in ends[src][1]:
            for b in ends[dst][0]:
                edges.append((a, b))
    has_in = {dst for _, dst in own}
    has_out = {src for src, _ in own}
    entry = [n for layer in layers if id(layer) not in has_in for n in ends[id(layer)][0]]
    exit_ = [n for layer in layers if id(layer) not in has_out
             for n in ends[id(layer)][1]]
    return entry, exit_


def _escape(text):
    out = str(text)
    for ch in ("\\", '"', "{", "}", "|", "<", ">"):
        out = out.replace(ch, "\\" + ch)
    return out


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, **kwargs):
    """Draws the model's layer graph into an image file, as `keras.utils.plot_model`.

    Rendering uses the Graphviz `dot` program (install Graphviz from your system's
    package manager, e.g. `apt install graphviz`, `brew install graphviz` or
    `conda install graphviz`); `pydot` is not needed. A `to_file` ending in `.dot`
    writes the graph source instead and needs nothing installed.

    Args:
        model: a built `Model` or `Sequential`.
        to_file: output file; the extension picks the format (png, svg, pdf, dot, ...).
            Defaults to `"model.png"`.
        show_shapes: add each layer's input and output shapes.
        show_dtype: add each layer's output dtype.
        show_layer_names: label nodes with layer names. Defaults to `True`.
        rankdir: "TB" (top to bottom) or "LR" (left to right). Defaults to `"TB"`.
        expand_nested: draw nested models as clusters of their layers.
        dpi: image resolution. Defaults to `200`.
        show_layer_activations: add the activation of layers that have one.
        show_trainable: add whether each layer with weights is trainable.

    Returns:
        An `IPython.display.Image` of the file when IPython is installed (so the
        plot shows in a notebook) and the format is not pdf or dot, else `None`.

    Raises:
        ImportError: the `dot` program is not installed (for formats other than `.dot`).

    Example:

    ```python
    pyfastfit.utils.plot_model(model, "model.png", show_shapes=True)
    ```
    """
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    kwargs.pop("splines", None)  # Keras's edge style: dot's default is kept
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    if not getattr(model, "built", True):
        raise ValueError("This model has not yet been built. Build the model first by "
                         "calling `build()` or by calling the model on a batch of data.")
    source = model_to_dot_source(model, show_shapes=show_shapes,
                                 show_layer_names=show_layer_names, rankdir=rankdir,
                                 dpi=dpi, show_dtype=show_dtype,
                                 expand_nested=expand_nested,
                                 show_layer_activations=show_layer_activations,
                                 show_trainable=show_trainable)
    path = pathlib.Path(os.fspath(to_file))
    fmt = path.suffix[1:].lower() or "png"
    if fmt in ("dot", "gv"):
        path.write_text(source)
        return None
    dot = shutil.which("dot")
    if dot is None:
        raise ImportError(
            "You must install graphviz (its `dot` program: e.g. `apt install graphviz`, "
            "`brew install graphviz` or `conda install graphviz`; see "
            "https://graphviz.org/download/) for `plot_model` to work "
            f"(rendering {path.name!r}). pyfastfit does not need `pydot`. Or pass a "
            "`.dot` file name to get the graph source without graphviz."
        )
    result = subprocess.run([dot, f"-T{fmt}", "-o", str(path)], input=source.encode(),
                            capture_output=True, check=False)
    if result.returncode != 0:
        raise ValueError(
            f"graphviz `dot` failed to write {path} (format {fmt!r}): "
            f"{result.stderr.decode(errors='replace').strip()}"
        )
    if fmt != "pdf":
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=str(path))
    return None
