"""GradientTape: records the ops run inside it and differentiates through them."""

import math
import threading

from pyfastfit.core._c import _C
from pyfastfit.core.tensor import Tensor, to_c, wrap
from pyfastfit.core.variable import Variable


class _State(threading.local):
    def __init__(self):
        self.tapes = []  # active tapes, innermost last


_state = _State()


def is_recording():
    """True when at least one GradientTape is recording on this thread."""
    return bool(_state.tapes)


def needs_grad(x):
    """True when some recording tape tracks `x` (or will: a trainable Variable it watches
    automatically), i.e. when a backward rule has to produce the gradient for `x`.

    Ops use it at record time to skip input gradients nobody asks for (the fused Dense
    op's dX of the first layer)."""
    for tape in _state.tapes:
        if id(x) in tape._tracked:
            return True
        if tape._watch_vars and isinstance(x, Variable) and x.trainable:
            return True
    return False


class Node:
    """One recorded op: its name, inputs, output(s), saved values and attributes."""

    __slots__ = ("op", "inputs", "output", "saved", "attrs")

    def __init__(self, op, inputs, output, saved, attrs):
        self.op = op
        self.inputs = inputs
        self.output = output
        self.saved = saved
        self.attrs = attrs


def record(op, inputs, output, saved=None, attrs=None):
    """Records `op` on every active tape that tracks one of `inputs`.

    Args:
        op: name of the op; `autodiff.vjps.VJPS[op]` is its backward rule.
        inputs: tuple of the op's tensor inputs (Tensor or Variable objects).
        output: the output Tensor, or a tuple of outputs.
        saved: anything the backward rule needs (e.g. `_C` tensors).
        attrs: static attributes (axis, activation name, ...).
    """
    node = None
    for tape in _state.tapes:
        # tape._tracks_any, inlined (this runs once per recorded op).
        tracked = tape._tracked
        hit = False
        for x in inputs:
            if id(x) in tracked:
                hit = True
            elif tape._watch_vars and isinstance(x, Variable) and x.trainable:
                tracked[id(x)] = x
                hit = True
        if hit:
            if node is None:
                node = Node(op, inputs, output, saved, attrs)
            tape._nodes.append(node)
            if type(output) is tuple:
                for o in output:
                    tracked[id(o)] = o
            else:
                tracked[id(output)] = output


class GradientTape:
    """Records operations for automatic differentiation.

    Trainable `Variable`s used inside the tape are watched automatically; other
    tensors are watched with `tape.watch(x)`. Tapes can be nested.

    Args:
        persistent: allow several `gradient()` calls. Defaults to `False`.
        watch_accessed_variables: watch trainable variables automatically.
            Defaults to `True`.

    Example:

    ```python
    with pyfastfit.GradientTape() as tape:
        loss = ops.mean(ops.square(ops.matmul(x, w) - y))
    grads = tape.gradient(loss, [w])
    ```
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_vars = watch_accessed_variables
        self._tracked = {}
        self._nodes = []
        self._used = False
        self._recording = False

    def __enter__(self):
        _state.tapes.append(self)
        self._recording = True
        return self

    def __exit__(self, *exc):
        if self in _state.tapes:
            _state.tapes.remove(self)
        self._recording = False
        return False

    def _tracks_any(self, inputs):
        # Every input is visited: a trainable Variable must be registered even when an
        # earlier input already made the op tracked.
        tracked = self._tracked
        hit = False
        for x in inputs:
            if id(x) in tracked:
                hit = True
            elif self._watch_vars and isinstance(x, Variable) and x.trainable:
                tracked[id(x)] = x
                hit = True
        return hit

    def watch(self, tensor):
        """Ensures `tensor` (or each tensor in a list/tuple/dict) is tracked."""
        for t in _flatten(tensor):
            if not isinstance(t, Tensor):
                raise ValueError(
                    f"GradientTape.watch expects Tensors or Variables, received {type(t).__name__}."
                )
            self._tracked[id(t)] = t

    def stop_recording(self):
        """Context manager that pauses recording on this tape."""
        tape = self

        class _Pause:
            def __enter__(self):
                if tape in _state.tapes:
                    _state.tapes.remove(tape)

            def __exit__(self, *exc):
                if tape._recording:
                    _state.tapes.append(tape)
                return False

        return _Pause()

    def reset(self):
        """Clears everything recorded so far."""
        self._tracked = {}
        self._nodes = []

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients="none"):
        """Gradients of `target` with respect to `sources`.

        Args:
            target: a scalar Tensor (or a non-scalar one with `output_gradients`).
            sources: a Tensor/Variable, or a list, tuple or dict of them.
            output_gradients: gradient of some scalar with respect to `target`.
            unconnected_gradients: `"none"` (return None) or `"zero"`.

        Returns:
            The gradients with the structure of `sources`; `None` for sources the
            target does not depend on.
        """
        if self._used and not self._persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only compute one gradient; "
                "use GradientTape(persistent=True) for several."
            )
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(
                "unconnected_gradients must be 'none' or 'zero', "
                f"received: {unconnected_gradients!r}"
            )
        self._used = True
        targets = [target] if isinstance(target, Tensor) else _flatten(target)
        if output_gradients is None:
            seeds = []
            for t in targets:
                if not isinstance(t, Tensor):
                    raise ValueError(f"gradient target must be a Tensor, received {type(t).__name__}.")
                shape = t.shape
                if shape and math.prod(shape) != 1:
                    raise ValueError(
                        f"gradient target must be a scalar (one element) when "
                        f"output_gradients is not given; received a target of shape {shape}. "
                        "Reduce it first (e.g. ops.mean) or pass output_gradients."
                    )
                seeds.append(_C.full(shape, 1.0, "float32"))
        else:
            seeds = [to_c(g, "float32") for g in _flatten(output_gradients)]
            if len(seeds) != len(targets):
                raise ValueError(
                    f"output_gradients has {len(seeds)} entries but there are "
                    f"{len(targets)} targets."
                )
            for t, g in zip(targets, seeds):
                if tuple(g.shape) != t.shape:
                    raise ValueError(
                        f"output_gradients entry has shape {g.shape}, expected the "
                        f"target's shape {t.shape}."
                    )
        grads = {}
        for t, g in zip(targets, seeds):
            _accumulate(grads, t, g)
        VJPS = _VJPS or _vjps()
        tracked = self._tracked
        get = grads.get
        add = _C.add

        for node in reversed(self._nodes):
            out = node.output
            if type(out) is tuple:
                gs = [get(id(o)) for o in out]
                if all(g is None for g in gs):
                    continue
                g_in = VJPS[node.op](node, gs)
            else:
                g = get(id(out))
                if g is None:
                    continue
                g_in = VJPS[node.op](node, g)
            for x, gx in zip(node.inputs, g_in):
                if gx is not None:
                    key = id(x)
                    if key in tracked:
                        prev = get(key)
                        grads[key] = gx if prev is None else add(prev, gx)
        if not self._persistent:
            self._nodes = []
        zero = unconnected_gradients == "zero"
        if type(sources) is list:  # the common case: a flat list (trainable_weights)
            result = []
            for s in sources:
                if not isinstance(s, Tensor):
                    break
                g = get(id(s))
                result.append(wrap(g) if g is not None
                              else wrap(_C.zeros(s.shape, "float32")) if zero else None)
            else:
                return result
        result = []
        for s in _flatten(sources):
            if not isinstance(s, Tensor):
                raise ValueError(
                    f"gradient sources must be Tensors or Variables, received {type(s).__name__}."
                )
            g = grads.get(id(s))
            if g is None:
                result.append(
                    wrap(_C.zeros(s.shape, "float32")) if zero else None
                )
            else:
                result.append(wrap(g))
        return _unflatten(sources, result)


_VJPS = None


def _vjps():
    """The backward-rule table (imported on first use: it imports every op family)."""
    global _VJPS
    if _VJPS is None:
        from pyfastfit.autodiff.vjps import VJPS

        _VJPS = VJPS
    return _VJPS


def _accumulate(grads, x, g):
    prev = grads.get(id(x))
    if prev is None:
        grads[id(x)] = g
    else:
        grads[id(x)] = _C.add(prev, g)


def _flatten(s):
    if isinstance(s, (list, tuple)):
        out = []
        for v in s:
            out.extend(_flatten(v))
        return out
    if isinstance(s, dict):
        out = []
        for k in s:
            out.extend(_flatten(s[k]))
        return out
    return [s]


def _unflatten(structure, flat):
    it = iter(flat)

    def build(s):
        if isinstance(s, list):
            return [build(v) for v in s]
        if isinstance(s, tuple):
            return tuple(build(v) for v in s)
        if isinstance(s, dict):
            return {k: build(s[k]) for k in s}
        return next(it)

    return build(structure)
