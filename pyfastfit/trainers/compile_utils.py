"""What `compile()` builds: CompileLoss (per-output losses) and CompileMetrics.

Both resolve their identifiers lazily on the first batch (string shortcuts like
"accuracy" and "crossentropy" depend on the shapes of `y_true` and `y_pred`) and name
things exactly as Keras 3 does: per-output losses `<output>_loss` (only with more than
one loss) and per-output metrics `<output>_<metric>` (only with more than one output).
"""

import numpy as np

from pyfastfit import ops
from pyfastfit.trainers import _tree

_ACC = ("accuracy", "acc")
_CE = ("crossentropy", "ce")


def _losses():
    from pyfastfit import losses

    return losses


def _metrics():
    from pyfastfit import metrics

    return metrics


def _object_name(obj):
    name = getattr(obj, "name", None)
    if isinstance(name, str):
        return name
    if hasattr(obj, "__name__"):
        return obj.__name__
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(obj).__name__).lower()


def _set_name(obj, name):
    try:
        obj.name = name
    except AttributeError:
        obj._name = name


def _shape(t):
    return tuple(getattr(t, "shape", np.shape(t)))


def is_binary_or_sparse_categorical(y_true, y_pred):
    yt, yp = _shape(y_true), _shape(y_pred)
    yt_last = yt[-1] if yt else 1
    yp_last = yp[-1] if yp else 1
    is_binary = yp_last == 1
    is_sparse = len(yt) < len(yp) or (yt_last == 1 and yp_last > 1)
    return is_binary, is_sparse


def get_metric(identifier, y_true, y_pred):
    """Resolves one metric identifier for one output (Keras 3 rules)."""
    if identifier is None:
        return None
    metrics = _metrics()
    if str(identifier).lower() not in _ACC:
        metric = metrics.get(identifier)
    else:
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        if is_binary:
            metric = metrics.BinaryAccuracy(name=str(identifier))
        elif is_sparse:
            metric = metrics.SparseCategoricalAccuracy(name=str(identifier))
        else:
            metric = metrics.CategoricalAccuracy(name=str(identifier))
    name = identifier if isinstance(identifier, str) else _object_name(metric)
    if not isinstance(metric, metrics.Metric):
        metric = metrics.MeanMetricWrapper(metric, name=name)
    _set_name(metric, name)
    return metric


class _FunctionLoss:
    """Fallback wrapper of a plain `f(y_true, y_pred)` (mean over the batch)."""

    def __init__(self, fn, name):
        self.fn, self.name = fn, name

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = ops.convert_to_tensor(self.fn(y_true, y_pred))
        if sample_weight is not None:
            sw = ops.convert_to_tensor(sample_weight)
            while len(sw.shape) < len(values.shape):
                sw = ops.expand_dims(sw, -1)
            values = values * sw
        return ops.mean(values)


def get_loss(identifier, y_true, y_pred):
    """Resolves one loss identifier for one output (Keras 3 rules)."""
    if identifier is None:
        return None
    losses = _losses()
    if str(identifier).lower() not in _CE:
        loss = losses.get(identifier)
    else:
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        if is_binary:
            loss = losses.binary_crossentropy
        elif is_sparse:
            loss = losses.sparse_categorical_crossentropy
        else:
            loss = losses.categorical_crossentropy
    if not isinstance(loss, losses.Loss):
        name = identifier if isinstance(identifier, str) else _object_name(loss)
        wrapper = getattr(losses, "LossFunctionWrapper", None)
        loss = wrapper(loss, name=name) if wrapper is not None else _FunctionLoss(loss, name)
    return loss


def check_identifier(kind, identifier):
    """Raises early (at compile time) for unknown string identifiers."""
    if isinstance(identifier, str):
        low = identifier.lower()
        if kind == "loss" and low not in _CE:
            _losses().get(identifier)
        elif kind == "metric" and low not in _ACC:
            _metrics().get(identifier)
    elif isinstance(identifier, (int, float, bool)):
        raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}")


def flatten_outputs(y, output_names):
    """Flat list of per-output values; dicts are read by output name."""
    if isinstance(y, dict):
        if output_names and set(y) <= set(output_names):
            return [y.get(n) for n in output_names]
        return [y[k] for k in sorted(y)]
    if isinstance(y, (list, tuple)):
        return list(y)
    return [y]


def resolve_output_names(y_pred, model_output_names):
    if isinstance(y_pred, dict):
        if model_output_names and set(y_pred) == set(model_output_names):
            return list(model_output_names)
        return sorted(y_pred)
    n = len(y_pred) if isinstance(y_pred, (list, tuple)) else 1
    if model_output_names and len(model_output_names) == n:
        return list(model_output_names)
    return None


def _per_output(arg_name, value, names, n, nest_ok):
    """Spreads a compile argument over `n` outputs: a list of per-output entries."""
    if isinstance(value, dict):
        if names is None:
            raise ValueError(
                f"Argument `{arg_name}` can only be provided as a dict when the model "
                f"has named outputs. Received: {arg_name}={value}")
        for key in value:
            if key not in names:
                raise ValueError(
                    f"In the dict argument `{arg_name}`, key '{key}' does not correspond "
                    f"to any model output. Model outputs: {names}. Received: "
                    f"{arg_name}={value}")
        return [value.get(k) for k in names]
    if isinstance(value, (list, tuple)) and not nest_ok:
        if n == 1 and len(value) == 1:
            return list(value)
        if len(value) != n:
            raise ValueError(
                f"When providing the `{arg_name}` argument as a list, it should have as "
                f"many entries as the model has outputs ({n}). Received: "
                f"{arg_name}={value} of length {len(value)}")
        return list(value)
    return [value] * n


class CompileLoss:
    """The compiled loss: per-output losses, weights and their `Mean` trackers."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        if loss_weights is not None and not isinstance(
                loss_weights, (list, tuple, dict, float, int)):
            raise ValueError(
                "Expected `loss_weights` argument to be a float (single output case) or "
                "a list, tuple, or dict (multiple output case). Received instead: "
                f"loss_weights={loss_weights} of type {type(loss_weights)}")
        for ident in _tree.flatten(loss) if isinstance(loss, (list, tuple, dict)) else [loss]:
            check_identifier("loss", ident)
        if isinstance(loss, dict) and output_names:
            _per_output("loss", loss, list(output_names), len(output_names), False)
        self._user_loss = loss
        self._user_weights = loss_weights
        self._model_output_names = output_names
        self.metrics = []
        self.built = False
        self.name = "compile_loss"

    def build(self, y_true, y_pred):
        names = resolve_output_names(y_pred, self._model_output_names)
        flat_pred = flatten_outputs(y_pred, names)
        n = len(flat_pred)
        losses = _per_output("loss", self._user_loss, names, n, False)
        if isinstance(self._user_weights, (float, int)):
            weights = [float(self._user_weights)] * n
        elif self._user_weights is None:
            weights = [None] * n
        else:
            weights = _per_output("loss_weights", self._user_weights, names, n, False)
        flat_true = self._flatten_true(y_true, names, n, losses)
        self._names = names
        self._flat = []
        for i, (ident, w) in enumerate(zip(losses, weights)):
            if ident is None:
                continue
            if flat_true[i] is None:
                raise ValueError(
                    f"Missing targets for output '{names[i] if names else i}': a loss was "
                    "given for it but `y` has no entry for it.")
            fn = get_loss(ident, flat_true[i], flat_pred[i])
            label = names[i] if names else fn.name
            self._flat.append((i, fn, None if w is None else float(w), label))
        if len(self._flat) > 1:
            Mean = _metrics().Mean
            self.metrics = [Mean(name=f"{label}_loss") for _, _, _, label in self._flat]
        self.built = True

    def _flatten_true(self, y_true, names, n, losses):
        if isinstance(y_true, dict):
            if names is None:
                return [y_true[k] for k in sorted(y_true)]
            unknown = [k for k in y_true if k not in names]
            if unknown:
                raise ValueError(f"Target key(s) {unknown} in `y` do not correspond to any "
                                 f"model output. Model outputs: {names}")
            return [y_true.get(k) for k in names]
        flat = list(y_true) if isinstance(y_true, (list, tuple)) else [y_true]
        if len(flat) == n:
            return flat
        used = [i for i, ident in enumerate(losses) if ident is not None]
        if len(flat) == len(used):
            out = [None] * n
            for i, t in zip(used, flat):
                out[i] = t
            return out
        raise ValueError(
            f"The model has {n} outputs but `y` has {len(flat)} entries. Provide one "
            "target per output (a list in output order or a dict by output name).")

    def __call__(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        if len(self._flat) == 1 and not _tree.is_nested(y_pred):
            _, fn, w, _ = self._flat[0]
            value = fn(y_true, y_pred, sample_weight)
            return value if w is None else value * w
        names = self._names
        flat_pred = flatten_outputs(y_pred, names)
        flat_true = self._flatten_true(y_true, names, len(flat_pred),
                                       [1 if i in {f[0] for f in self._flat} else None
                                        for i in range(len(flat_pred))])
        if sample_weight is not None and _tree.is_nested(sample_weight):
            flat_sw = flatten_outputs(sample_weight, names)
        else:
            flat_sw = None
        total = None
        batch = _shape(flat_pred[0])[0] if _shape(flat_pred[0]) else 1
        for k, (i, fn, w, _) in enumerate(self._flat):
            sw = sample_weight if flat_sw is None else flat_sw[i]
            value = fn(flat_true[i], flat_pred[i], sw)
            if self.metrics:
                self.metrics[k].update_state(value, sample_weight=batch)
            if w is not None:
                value = value * w
            total = value if total is None else total + value
        return total


class MetricsList:
    """The metrics of one output (no `Metric` base: never auto-tracked)."""

    def __init__(self, metrics, output_name=None):
        self.metrics = metrics
        self.output_name = output_name

    def update_state(self, y_true, y_pred, sample_weight=None):
        for m in self.metrics:
            m.update_state(y_true, y_pred, sample_weight=sample_weight)


class CompileMetrics:
    """The compiled metrics: `metrics` (unweighted) and `weighted_metrics` per output.

    `result()` returns a dict (`<output>_<metric>` keys for multi-output models), which
    `Trainer.get_metrics_result()` merges into the logs.
    """

    def __init__(self, metrics, weighted_metrics, output_names=None):
        for arg, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value and not isinstance(value, (list, tuple, dict)):
                raise ValueError(
                    f"Expected `{arg}` argument to be a list, tuple, or dict. Received "
                    f"instead: {arg}={value} of type {type(value)}")
            for ident in _tree.flatten(value) if value else []:
                check_identifier("metric", ident)
            if isinstance(value, dict) and output_names:
                _per_output(arg, value, list(output_names), len(output_names), True)
        self._user_metrics = metrics
        self._user_weighted = weighted_metrics
        self._model_output_names = output_names
        self.name = "compile_metrics"
        self.built = False
        self._flat_metrics = []
        self._flat_weighted = []

    @property
    def metrics(self):
        out = []
        for mls in self._flat_metrics + self._flat_weighted:
            if mls is not None:
                out.extend(mls.metrics)
        return out

    def build(self, y_true, y_pred):
        names = resolve_output_names(y_pred, self._model_output_names)
        flat_pred = flatten_outputs(y_pred, names)
        flat_true = flatten_outputs(y_true, names) if _tree.is_nested(y_true) else [y_true]
        self._names = names
        self._flat_metrics = self._build_set(self._user_metrics, names, flat_true,
                                             flat_pred, "metrics")
        self._flat_weighted = self._build_set(self._user_weighted, names, flat_true,
                                              flat_pred, "weighted_metrics")
        self._named_cache = None
        self.built = True

    def _build_set(self, value, names, flat_true, flat_pred, arg):
        n = len(flat_pred)
        if not value:
            return [None] * n
        if n == 1:
            ms = _tree.flatten(value)
            return [MetricsList([get_metric(m, flat_true[0], flat_pred[0])
                                 for m in ms if m is not None])]
        if isinstance(value, (list, tuple)) and not any(
                isinstance(v, (list, tuple)) for v in value) and len(value) != n:
            # A flat list on a multi-output model: every metric on every output.
            per = [list(value)] * n
        else:
            per = _per_output(arg, value, names, n, False)
        out = []
        for i, mls in enumerate(per):
            if mls is None or i >= len(flat_true) or flat_true[i] is None:
                out.append(None)
                continue
            if not isinstance(mls, (list, tuple)):
                mls = [mls]
            out.append(MetricsList([get_metric(m, flat_true[i], flat_pred[i])
                                    for m in mls if m is not None],
                                   output_name=names[i] if names else None))
        return out

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        names = self._names
        flat_pred = flatten_outputs(y_pred, names)
        flat_true = flatten_outputs(y_true, names) if _tree.is_nested(y_true) else [y_true]
        for m, yt, yp in zip(self._flat_metrics, flat_true, flat_pred):
            if m is not None:
                m.update_state(yt, yp)
        if sample_weight is None:
            flat_sw = [None] * len(flat_pred)
        elif _tree.is_nested(sample_weight):
            flat_sw = flatten_outputs(sample_weight, names)
        else:
            flat_sw = [sample_weight] * len(flat_pred)
        for m, yt, yp, sw in zip(self._flat_weighted, flat_true, flat_pred, flat_sw):
            if m is not None:
                m.update_state(yt, yp, sample_weight=sw)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    def result_names(self):
        return list(self._named().keys())

    def _named(self):
        cached = self.__dict__.get("_named_cache")
        if cached is not None:
            return cached
        out = self._named_cache = self._compute_named()
        return out

    def _compute_named(self):
        out = {}
        counters = {}
        for mls in self._flat_metrics:
            if mls is None:
                continue
            for m in mls.metrics:
                name = f"{mls.output_name}_{m.name}" if mls.output_name else m.name
                if name in counters:
                    counters[name] += 1
                    name = f"{name}_{counters[name] - 1}"
                else:
                    counters[name] = 1
                out[name] = m
        for mls in self._flat_weighted:
            if mls is None:
                continue
            for m in mls.metrics:
                name = f"{mls.output_name}_{m.name}" if mls.output_name else m.name
                if name in counters:
                    name = f"weighted_{m.name}"
                    if mls.output_name:
                        name = f"{mls.output_name}_{name}"
                    if name in counters:
                        counters[name] += 1
                        name = f"{name}_{counters[name] - 1}"
                    else:
                        counters[name] = 1
                else:
                    counters[name] = 1
                out[name] = m
        return out

    def result(self):
        if not self.built:
            return {}
        return {name: m.result() for name, m in self._named().items()}
