"""The state of a model in Keras 3's HDF5 layout (`model.weights.h5`, `.weights.h5`).

Every saveable object (layer, model, optimizer, metric) owns a group `<path>/vars` with
datasets "0", "1", ... in its own variables' order. Paths follow Keras's walk: a
Sequential/Functional model's `layers` first (`layers/<snake_case_class>[_n]`), then the
public attributes sorted by name (a subclassed model's sub-layers by attribute name, the
`optimizer`), then the private ones; an object reached twice keeps its first path.
"""

import re

import numpy as np

# Limits checked before reading a dataset: a file cannot make us allocate more than
# what the architecture asks for, and never more than this per array.
MAX_ARRAY_BYTES = 1 << 34


def _snake(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _kinds():
    from pyfastfit.layers.layer import Layer
    from pyfastfit.metrics.metric import Metric
    from pyfastfit.models.functional import Functional
    from pyfastfit.models.model import Model
    from pyfastfit.models.sequential import Sequential
    from pyfastfit.optimizers.optimizer import Optimizer

    return Layer, Model, (Functional, Sequential), Optimizer, Metric


_INTERNAL = None


def _internal_names():
    """Attribute names that belong to pyfastfit's own Layer/Model machinery."""
    global _INTERNAL
    if _INTERNAL is None:
        Layer, Model, graph_models, _, _ = _kinds()
        names = set(dir(Model)) | set(Layer(name="pff_saving_probe").__dict__)
        names |= {"_layers", "_layers_list", "_functional", "_compile_loss",
                  "_compile_metrics", "_loss_tracker", "_cached_metrics", "_fast_programs",
                  "_metric_values", "_losses", "_regularized", "_own_weights", "history",
                  "inputs", "outputs", "loss",
                  # add_metric trackers and the graph recorded by add_loss/add_metric on
                  # symbolic tensors (models/graph_losses.py): not in Keras's files.
                  "_added_metric_trackers", "_added", "_added_layers", "_callable_losses"}
        names.discard("optimizer")
        names.discard("layers")
        _INTERNAL = names
    return _INTERNAL


def _saveable(obj):
    Layer, _, _, Optimizer, Metric = _kinds()
    return isinstance(obj, (Layer, Optimizer, Metric))


def _children(obj):
    Layer, Model, graph_models, _, Metric = _kinds()
    if not isinstance(obj, Layer):
        return
    if isinstance(obj, graph_models):
        yield "layers", obj.layers
    names = [k for k in obj.__dict__ if k not in _internal_names()]
    if isinstance(obj, Model):
        if not isinstance(obj, graph_models):
            names.append("layers")
        names.append("optimizer")
    for name in sorted(set(names), key=lambda n: "~" + n if n.startswith("_") else n):
        value = obj.layers if name == "layers" else getattr(obj, name, None)
        if name.startswith("_") and isinstance(value, Metric):
            continue  # trackers the trainer keeps are not part of Keras's files
        yield name, value


def _variable_cls():
    from pyfastfit.core import Variable

    return Variable


def _join(path, name):
    return f"{path}/{name}" if path else name


def saveables(model):
    """`[(path, object)]` of every saveable object under `model`, in Keras's walk order."""
    out, visited = [], set()

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        out.append((path, obj))
        for name, child in _children(obj):
            if _saveable(child):
                visit(child, _join(path, name))
            elif isinstance(child, (list, tuple, dict)):
                container(child, _join(path, name))

    def container(items, path):
        used = {}
        for item in (items.values() if isinstance(items, dict) else items):
            if not _saveable(item):
                continue
            base = _snake(type(item).__name__)
            if base in used:
                used[base] += 1
                name = f"{base}_{used[base]}"
            else:
                used[base] = 0
                name = base
            visit(item, _join(path, name))

    visit(model, "")
    return out


def own_variables(obj):
    """The variables an object stores under its own `vars` group, in Keras's order."""
    Layer, _, _, Optimizer, Metric = _kinds()
    if isinstance(obj, Optimizer):
        return obj.variables
    if isinstance(obj, Metric):
        return list(obj.variables)
    # Only what the layer created with add_weight (or holds as a Variable attribute):
    # lists of other layers' Variables cached by the trainer are not its own.
    own = list(obj.__dict__.get("_own_weights", []))
    seen = {id(v) for v in own}
    for key, value in obj.__dict__.items():
        if isinstance(value, _variable_cls()) and id(value) not in seen:
            own.append(value)
            seen.add(id(value))
    created = obj._created_trainable
    return [v for v in own if id(v) in created] + [v for v in own if id(v) not in created]


def write(model, h5file):
    """Writes the state of `model` (and its optimizer) into an open `h5py.File`."""
    for path, obj in saveables(model):
        group = h5file.require_group(_join(path, "vars"))
        name = getattr(obj, "name", None)
        if isinstance(name, str):
            group.attrs["name"] = name
        for i, v in enumerate(own_variables(obj)):
            group.create_dataset(str(i), data=np.asarray(v.numpy()))


def _group(h5file, path):
    import h5py

    key = _join(path, "vars")
    node = h5file.get(key)
    if node is None and "_layer_checkpoint_dependencies" in h5file:  # Keras 2.13 files
        node = h5file.get(key.replace("layers", "_layer_checkpoint_dependencies"))
    if node is not None and not isinstance(node, h5py.Group):
        raise ValueError(f"Invalid weights file: '{key}' is not a group.")
    return node


def _check_dataset(ds, variable, where):
    import h5py

    if not isinstance(ds, h5py.Dataset):
        raise ValueError(f"Invalid weights file: '{where}' is not a dataset.")
    if ds.dtype.kind not in "fiub":
        raise ValueError(f"Invalid weights file: '{where}' has dtype {ds.dtype}; expected a "
                         f"numeric array for variable '{variable.path}' ({variable.dtype}).")
    if tuple(ds.shape) != tuple(variable.shape):
        return (f"shape mismatch for variable '{variable.path}' at '{where}': expected "
                f"{tuple(variable.shape)}, received {tuple(ds.shape)}")
    if ds.size * ds.dtype.itemsize > MAX_ARRAY_BYTES:
        raise ValueError(f"Invalid weights file: '{where}' is too large "
                         f"({ds.size * ds.dtype.itemsize} bytes).")
    return None


def read(model, h5file, skip_mismatch=False):
    """Reads `write`'s layout into `model`. Every dataset is checked (presence, dtype,
    shape) and read before any variable changes, so a bad file leaves `model` intact.

    Returns:
        The list of warnings about skipped objects (with `skip_mismatch`).
    """
    import warnings

    _, _, _, Optimizer, _ = _kinds()
    updates, skipped, used_groups = [], [], []
    for path, obj in saveables(model):
        variables = own_variables(obj)
        group = _group(h5file, path)
        if group is not None:
            used_groups.append(group.name)
        keys = set(group.keys()) if group is not None else set()
        where = _join(path, "vars") or "vars"
        if isinstance(obj, Optimizer) and not obj.built and len(keys) > len(variables) \
                and getattr(model, "built", False):
            obj.build(model.trainable_variables)  # so that saved slots can be restored
            variables = own_variables(obj)
        if isinstance(obj, Optimizer) and len(keys) < len(variables):
            # A file saved before the optimizer was built: iteration (and learning_rate)
            # only; those are restored and the fresh slots kept.
            base = [v for v in variables if v is obj._iterations or
                    v is getattr(obj, "_learning_rate", None)]
            if len(keys) == len(base):
                variables = base
        if isinstance(obj, Optimizer) and len(keys) != len(variables):
            if keys:
                skipped.append(f"optimizer '{obj.name}' has {len(variables)} variables "
                               f"whereas the saved optimizer has {len(keys)} variables")
            continue
        if len(keys) != len(variables) or keys != {str(i) for i in range(len(keys))}:
            msg = (f"{type(obj).__name__} '{getattr(obj, 'name', path)}' expected "
                   f"{len(variables)} variables, but received {len(keys)} variables during "
                   f"loading (group '{where}').")
            if skip_mismatch:
                skipped.append(msg)
                continue
            raise ValueError(msg + " Pass `skip_mismatch=True` to skip it.")
        pending = []
        for i, v in enumerate(variables):
            ds = group[str(i)]
            mismatch = _check_dataset(ds, v, f"{where}/{i}")
            if mismatch:
                if skip_mismatch:
                    skipped.append(mismatch)
                    pending = None
                    break
                raise ValueError(f"Cannot load the weights: {mismatch}.")
            pending.append((v, ds))
        if pending:
            updates.extend(pending)
    used = {g for g in used_groups}
    extra = []

    def visit(name, node):
        if name.endswith("vars") and "/" + name not in used and len(node) and \
                not name.startswith("optimizer/"):  # no optimizer here: Keras ignores it
            extra.append(name)

    h5file.visititems(lambda name, node: visit(name, node)
                      if hasattr(node, "keys") else None)
    if extra:
        msg = (f"the file holds weights for {len(extra)} object(s) the model does not "
               f"have: {sorted(extra)[:10]}")
        if not skip_mismatch:
            raise ValueError(f"Cannot load the weights: {msg}. Pass `skip_mismatch=True` "
                             "to skip them.")
        skipped.append(msg)
    values = []
    for v, ds in updates:
        try:
            values.append(np.asarray(ds[()], dtype=v.dtype))
        except (OSError, ValueError, TypeError) as e:
            raise ValueError(f"Invalid weights file: could not read '{ds.name}' ({e}).") from e
    for (v, _), value in zip(updates, values):
        v.assign(value)
    for msg in skipped:
        warnings.warn("Skipping variable loading: " + msg, stacklevel=3)
    return skipped
