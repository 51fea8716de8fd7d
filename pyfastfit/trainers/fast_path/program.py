"""`FastProgram`: a model's C++ Program plus what Python keeps around it.

It owns the `_C.Program` built from the graph (graph.py), the compiled losses and
metrics (heads.py) and the optimizer's fused step, and maps the program's sums back
into the model's metric objects, so `get_metrics_result()` reads the same state the
eager loop would have left.
"""

import numpy as np

from pyfastfit.core._c import _C
from pyfastfit.metrics.reduction_metrics import Mean
from pyfastfit.trainers import _tree
from pyfastfit.trainers.compile_utils import flatten_outputs
from pyfastfit.trainers.fast_path import heads as heads_mod
from pyfastfit.trainers.fast_path.graph import Unsupported, build_nodes


def _state_views(metric):
    return np.asarray(metric.total._c), np.asarray(metric.count._c)


class FastProgram:
    """The Program of one compiled (or predict-only) model; see the module docstring."""

    def __init__(self, model, purpose, y_sample=None, input_shapes=None):
        train = purpose == "train"
        nodes, outputs, out_shapes, dropouts, trainable = build_nodes(model, train,
                                                                      input_shapes)
        self.model = model
        self.outputs = outputs
        self.out_shapes = out_shapes
        self.dropouts = dropouts
        self.in_widths = [n.width for n in nodes if n.kind == "input"]
        self.pack = None
        heads, metric_specs = [], []
        self.head_kinds, self.metric_objects = [], []
        self.loss_trackers = []
        opt_args = ("", [], [], [], "none", 0.0, [], _C.zeros([], "int64"))
        self.optimizer = None
        if purpose != "predict":
            heads, metric_specs = self._compile_parts(model, outputs, out_shapes, y_sample)
        if train and trainable:  # without trainable weights the eager loop never steps
            opt = model.optimizer
            spec = opt._fused_spec(trainable)
            if spec["needs_python"]:
                raise Unsupported("the optimizer uses EMA, gradient accumulation or loss "
                                  "scaling")
            from pyfastfit.optimizers.schedules import learning_rate_schedule as lrs

            if not spec["lr_is_constant"] and not isinstance(opt._learning_rate,
                                                             lrs.LearningRateSchedule):
                raise Unsupported("the learning rate is a callable, not a schedule")
            self.optimizer = opt
            opt_args = (spec["algo"], spec["params"], spec["slots"],
                        [float(h) for h in spec["hyper"]], spec["clip_mode"],
                        float(spec["clip"] or 0.0), [float(d) for d in spec["weight_decay"]],
                        spec["iterations"])
        self.num_heads = len(heads)
        self.c = _C.Program(nodes, outputs, heads, metric_specs, *opt_args, max_batch=32)
        self._views = None

    # ------------------------------------------------------------------ compile
    def _compile_parts(self, model, outputs, out_shapes, y_sample):
        cl, cm = model._compile_loss, model._compile_metrics
        if cl is None:
            raise Unsupported("compile() got no loss")
        y_pred = [np.zeros((1,) + tuple(s[1:]), np.float32) for s in out_shapes]
        y_pred = y_pred[0] if len(y_pred) == 1 else y_pred
        if not cl.built:
            cl.build(y_sample, y_pred)
        if cm is not None and not cm.built:
            cm.build(y_sample, y_pred)
        object.__setattr__(model, "_cached_metrics", None)
        if len(cl._flat) != len(outputs):
            raise Unsupported("an output of the model has no loss")
        heads = []
        for node, shape, (i, fn, weight, _) in zip(outputs, out_shapes, cl._flat):
            head = heads_mod.make_head(fn, node, weight, shape[-1])
            # An N-D output: the loss sees each position's last axis as a row.
            head.positions = int(np.prod(shape[1:-1], dtype=np.int64))
            heads.append(head)
            self.head_kinds.append(heads_mod.loss_kind(fn)[0])
        self.names = cl._names
        self.loss_trackers = list(cl.metrics)
        specs = []
        if cm is not None:
            for weighted, lists in ((False, cm._flat_metrics), (True, cm._flat_weighted)):
                for h, mls in enumerate(lists):
                    for m in (mls.metrics if mls is not None else []):
                        sparse = self.head_kinds[h] == heads_mod._SPARSE
                        specs.append(heads_mod.make_metric(m, h, sparse, weighted))
                        self.metric_objects.append(m)
        return heads, specs

    # ------------------------------------------------------------------ data
    def x_arrays(self, adapter):
        """x of an ArrayDataAdapter as float32 C-contiguous `_C.Tensor`s, one per model
        input in `model.inputs` order (cached)."""
        cache = adapter.__dict__.setdefault("_fast_cache", {})
        if "x" not in cache:
            flat = adapter.x_flat
            to_inputs = getattr(self.model, "_flatten_inputs", None)
            if to_inputs is not None and len(self.in_widths) > 1:
                try:  # a list or dict of arrays, matched to the inputs as call() does
                    flat = to_inputs(adapter._pack_x(list(flat)))
                except ValueError as e:
                    raise Unsupported(str(e)) from None
            if len(flat) != len(self.in_widths):
                raise Unsupported(f"x holds {len(flat)} arrays for a model with "
                                  f"{len(self.in_widths)} input(s)")
            xs = []
            for x, width in zip(flat, self.in_widths):
                x = np.asarray(x)
                if (x.ndim < 1 or x.shape[0] != adapter.num_samples
                        or x.size != x.shape[0] * width or x.dtype.kind not in "fiub"):
                    raise Unsupported(f"x of shape {x.shape} and dtype {x.dtype}")
                xs.append(_C.from_numpy(np.ascontiguousarray(x, dtype=np.float32)))
            cache["x"] = xs
        return cache["x"]

    def targets(self, adapter):
        """(ys, sws) `_C.Tensor` lists, one per head (cached per adapter)."""
        cache = adapter.__dict__.setdefault("_fast_cache", {})
        if "ys" in cache:
            return cache["ys"], cache["sws"]
        if not adapter.y_flat:
            raise Unsupported("no targets were given")
        n = adapter.num_samples
        y_struct = adapter._pack_y(adapter.y_flat)
        n_out = len(self.outputs)
        flat_y = self.model._compile_loss._flatten_true(y_struct, self.names, n_out,
                                                        [1] * n_out)
        if adapter.sw_flat:
            sw_struct = adapter._pack_sw(adapter.sw_flat)
            flat_sw = (flatten_outputs(sw_struct, self.names) if _tree.is_nested(sw_struct)
                       else [sw_struct] * n_out)
        else:
            flat_sw = [None] * n_out
        ys, sws = [], []
        for kind, y, sw, shape in zip(self.head_kinds, flat_y, flat_sw, self.out_shapes):
            ys.append(_C.from_numpy(heads_mod.target_array(kind, y, n, shape)))
            sws.append(_C.from_numpy(heads_mod.weight_array(sw, n)))
        cache["ys"], cache["sws"] = ys, sws
        return ys, sws

    # ------------------------------------------------------------------ state
    def add_sums(self, sums):
        """Adds a call's sums into the loss tracker, per-output loss trackers and
        compiled metrics (float32 state, as the eager updates leave it)."""
        if self._views is None:
            views = [_state_views(self.model._loss_tracker)]
            views += [_state_views(m) for m in self.loss_trackers]
            # Confusion metrics (not a Mean: no total/count) were updated in place by the
            # program.
            views += [_state_views(m) if isinstance(m, Mean) else None
                      for m in self.metric_objects]
            self._views = views
        views = self._views
        views[0][0][...] += np.float32(sums[0])
        views[0][1][...] += np.float32(sums[1])
        k = 1
        for h in range(len(self.loss_trackers)):
            views[k][0][...] += np.float32(sums[2 + h])
            views[k][1][...] += np.float32(sums[1])
            k += 1
        base = 2 + self.num_heads
        for m in range(len(self.metric_objects)):
            if views[k] is not None:
                views[k][0][...] += np.float32(sums[base + 2 * m])
                views[k][1][...] += np.float32(sums[base + 2 * m + 1])
            k += 1

    def learning_rates(self, steps):
        """The learning rate of each of the next `steps` optimizer steps."""
        from pyfastfit.optimizers.schedules import learning_rate_schedule as lrs

        opt = self.optimizer
        lr = opt._learning_rate
        if isinstance(lr, lrs.LearningRateSchedule):
            it = int(np.asarray(opt._iterations._c))
            return [float(np.float32(lr._value(it + s))) for s in range(steps)]
        return [float(np.asarray(opt._current_lr_c()))] * steps
