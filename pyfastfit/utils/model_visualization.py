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


def model_to_dot_source(model, show_shapes=False, show_layer_names=True, rankdir="TB",
                        dpi=200):
    """The Graphviz DOT source of the model's layer graph (a string)."""
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"`rankdir` must be 'TB' or 'LR'. Received: rankdir={rankdir!r}")
    layers = list(getattr(model, "layers", None) or [])
    lines = [
        "digraph G {",
        f'  graph [rankdir={rankdir}, dpi={int(dpi)}, label="{_escape(model.name)}"];',
        '  node [shape=record, fontname="Helvetica"];',
    ]
    for layer in layers:
        cls = type(layer).__name__
        label = f"{layer.name} ({cls})" if show_layer_names else cls
        label = _escape(label)
        if show_shapes:
            label = "{" + label + "|Output shape: " + _escape(str(_output_shape(layer))) + "}"
        lines.append(f'  n{id(layer)} [label="{label}"];')
    for src, dst in _edges(model, layers):
        lines.append(f"  n{src} -> n{dst};")
    lines.append("}")
    return "\n".join(lines) + "\n"


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
    `conda install graphviz`). A `to_file` ending in `.dot` writes the graph source
    instead and needs nothing installed.

    Args:
        model: a built `Model` or `Sequential`.
        to_file: output file; the extension picks the format (png, svg, pdf, dot, ...).
            Defaults to `"model.png"`.
        show_shapes: add each layer's output shape. Defaults to `False`.
        show_layer_names: label nodes with layer names. Defaults to `True`.
        rankdir: "TB" (top to bottom) or "LR" (left to right). Defaults to `"TB"`.
        dpi: image resolution. Defaults to `200`.
        show_dtype, expand_nested, show_layer_activations, show_trainable: accepted for
            Keras compatibility (not drawn).

    Raises:
        ImportError: the `dot` program is not installed (for formats other than `.dot`).

    Example:

    ```python
    pyfastfit.utils.plot_model(model, "model.png", show_shapes=True)
    ```
    """
    source = model_to_dot_source(model, show_shapes=show_shapes,
                                 show_layer_names=show_layer_names, rankdir=rankdir,
                                 dpi=dpi)
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
            "https://graphviz.org/download/) for `plot_model` to render "
            f"{path.name!r}. pyfastfit does not need `pydot`. Or pass a `.dot` file name "
            "to get the graph source without graphviz."
        )
    result = subprocess.run([dot, f"-T{fmt}", "-o", str(path)], input=source.encode(),
                            capture_output=True, check=False)
    if result.returncode != 0:
        raise ValueError(
            f"graphviz `dot` failed to write {path} (format {fmt!r}): "
            f"{result.stderr.decode(errors='replace').strip()}"
        )
    return None
