"""Log helpers: Keras 3's ordering of metric names and values."""


def ordered_metric_names(model, names):
    """Orders log names as Keras's `_flatten_metrics_in_order`: `loss`, compiled
    metrics (unprefixed names), per-output losses, other trackers, then the rest
    (e.g. `<output>_<metric>`) sorted."""
    from pyfastfit.trainers.compile_utils import CompileMetrics

    order = []
    for m in model.metrics:
        if isinstance(m, CompileMetrics):
            order.extend(sub.name for sub in m.metrics)
        else:
            order.append(m.name)
    names = list(dict.fromkeys(names))
    present = set(names)
    out = [n for n in dict.fromkeys(order) if n in present]
    out_set = set(out)
    out.extend(sorted(n for n in names if n not in out_set))
    return out


def flatten_metrics_in_order(model, logs):
    """`logs` as a list in `ordered_metric_names` order (a scalar if only one)."""
    results = [logs[n] for n in ordered_metric_names(model, list(logs))]
    if len(results) == 1:
        return results[0]
    return results
