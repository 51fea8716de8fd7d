"""`model.summary()`: Keras 3's table of layers, output shapes and parameter counts."""

import shutil
import textwrap

import numpy as np


def readable_memory_size(size):
    """Bytes as "3.79 KB" (powers of 1024, two decimals), as Keras."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _count(weights):
    return int(sum(int(np.prod(w.shape)) for w in weights))


def _nbytes(weights):
    return int(sum(int(np.prod(w.shape)) * np.dtype(w.dtype).itemsize for w in weights))


def format_shape(shape):
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _format_struct(s):
    if isinstance(s, (list, tuple)) and s and not isinstance(s[0], (int, type(None))):
        items = [_format_struct(x) for x in s]
        return items[0] if len(items) == 1 else "[" + ", ".join(items) + "]"
    if isinstance(s, dict):
        return "{" + ", ".join(f"{k}: {_format_struct(v)}" for k, v in s.items()) + "}"
    return format_shape(s)


def _output_shape(layer):
    from pyfastfit.layers.keras_tensor import KerasTensor, flatten

    if layer._inbound_nodes:
        outs = layer._inbound_nodes[0].output_structure
        shapes = [t.shape for t in flatten(outs) if isinstance(t, KerasTensor)]
        if len(shapes) == 1:
            return format_shape(shapes[0])
        if shapes:
            return "[" + ", ".join(format_shape(s) for s in shapes) + "]"
    build = layer.__dict__.get("_build_shapes")
    if layer.built and build is not None:
        try:
            return _format_struct(layer.compute_output_shape(build))
        except Exception:  # noqa: BLE001  (any failure means: unknown)
            return "?"
    return "?"


def _is_sequential_like(model):
    from pyfastfit.models.functional import Functional

    if not isinstance(model, Functional):
        return True
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return False
    prev = model.inputs[0]._id
    for node in model._nodes_in_order:
        if len(node.inputs) != 1 or node.inputs[0]._id != prev or len(node.outputs) != 1:
            return False
        prev = node.outputs[0]._id
    return True


def _render(header, align, widths, rows):
    """A rich-style HEAVY_HEAD table whose total width is sum(widths)."""
    n = len(widths)
    inner = [w - 3 for w in widths]
    inner[0] -= 1

    def line(left, fill, mid, right):
        return left + mid.join(fill * (w + 2) for w in inner) + right

    def cells(values, sep):
        wrapped = [textwrap.wrap(v, w, break_long_words=True, break_on_hyphens=False) or [""]
                   for v, w in zip(values, inner)]
        height = max(len(c) for c in wrapped)
        out = []
        for r in range(height):
            parts = []
            for c, w, a in zip(wrapped, inner, align):
                text = c[r] if r < len(c) else ""
                parts.append(" " + (text.rjust(w) if a == "right" else text.ljust(w)) + " ")
            out.append(sep + sep.join(parts) + sep)
        return out

    lines = [line("┏", "━", "┳", "┓")]
    lines += cells(header, "┃")
    lines.append(line("┡", "━", "╇", "┩"))
    for i, row in enumerate(rows):
        if i:
            lines.append(line("├", "─", "┼", "┤"))
        lines += cells(row, "│")
    lines.append(line("└", "─", "┴", "┘"))
    del n
    return lines


def summary_text(model, line_length=None, positions=None, expand_nested=False,
                 show_trainable=False):
    """The summary as a string (what `print_summary` prints)."""
    sequential_like = _is_sequential_like(model)
    layers = model.layers
    if sequential_like:
        default = 88
        positions = positions or [0.45, 0.80, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
        align = ["left", "left", "right"]
    else:
        default = 108
        positions = positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        align = ["left", "left", "right", "left"]
        own = set()
        for node in model._nodes_in_order:
            own.add(id(node))
    if show_trainable:
        default += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        align.append("center")
    default = min(default, shutil.get_terminal_size((200, 24)).columns - 4)
    line_length = line_length or default
    if positions[-1] <= 1:
        positions = [int(p * line_length) for p in positions]
    widths, current = [], 0
    for pos in positions:
        w = pos - current
        if w < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(w)
        current += w

    def connections(layer):
        out = []
        for node in layer._inbound_nodes:
            if id(node) not in own:
                continue
            for t in node.inputs:
                src, ni, ti = t._keras_history
                out.append(f"{src.name}[{ni}][{ti}]")
        return ", ".join(out) if out else "-"

    def fields(layer, prefix=""):
        name = f"{prefix}{layer.name} ({type(layer).__name__})"
        if not layer.built:
            params = "0 (unbuilt)"
        else:
            params = f"{_count(layer.weights):,}"
        row = [name, _output_shape(layer), params]
        if not sequential_like:
            row.append(connections(layer))
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        return row

    rows = []

    def add(layer, level=0):
        prefix = "   " * level + "└ " if level else ""
        rows.append(fields(layer, prefix))
        if expand_nested and hasattr(layer, "layers") and layer is not model:
            subs = layer.layers if hasattr(type(layer), "layers") else []
            for sub in subs:
                add(sub, level + 1)

    for layer in layers:
        add(layer)
    lines = [f'Model: "{model.name}"']
    lines += _render(header, align, widths, rows)
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    t_count, n_count = _count(trainable), _count(non_trainable)
    t_size, n_size = _nbytes(trainable), _nbytes(non_trainable)
    opt = getattr(model, "optimizer", None)
    opt_vars = []
    if opt is not None and getattr(model, "compiled", False) and getattr(opt, "built", False):
        opt_vars = list(getattr(opt, "variables", []))
    o_count, o_size = _count(opt_vars), _nbytes(opt_vars)
    lines.append(f" Total params: {t_count + n_count + o_count:,} "
                 f"({readable_memory_size(t_size + n_size + o_size)})")
    lines.append(f" Trainable params: {t_count:,} ({readable_memory_size(t_size)})")
    lines.append(f" Non-trainable params: {n_count:,} ({readable_memory_size(n_size)})")
    if opt_vars:
        lines.append(f" Optimizer params: {o_count:,} ({readable_memory_size(o_size)})")
    return "\n".join(lines) + "\n"


def print_summary(model, line_length=None, positions=None, print_fn=None,
                  expand_nested=False, show_trainable=False, layer_range=None):
    """Prints `model`'s summary with `print_fn` (one call with the whole text) or print."""
    text = summary_text(model, line_length, positions, expand_nested, show_trainable)
    if print_fn is None:
        print(text, end="")
    else:
        print_fn(text)
