"""Keras 3's control-flow ops (`cond`, `switch`, `while_loop`, `fori_loop`, `scan`, `map`,
`associative_scan`, `vectorized_map`) for eager execution.

pyfastfit runs eagerly, so each op is the plain Python loop or branch over the user's
function, whose ops record themselves on the tape (so gradients flow through every
iteration). Structures of tensors are tuples, lists, dicts or a single tensor.
"""

from pyfastfit.core import Tensor
from pyfastfit.ops import _shape as s
from pyfastfit.ops._core import convert_to_tensor


def _truth(pred, name):
    try:
        return bool(pred)
    except ValueError:
        raise ValueError(f"`{name}` must be a scalar boolean. Received: {name} with shape "
                         f"{getattr(pred, 'shape', None)}") from None


def _leaves(tree):
    if isinstance(tree, (tuple, list)):
        return [leaf for t in tree for leaf in _leaves(t)]
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in _leaves(tree[k])]
    return [tree]


def _rebuild(tree, leaves):
    """`tree`'s structure with its leaves taken in order from the iterator `leaves`."""
    if isinstance(tree, (tuple, list)):
        return type(tree)(_rebuild(t, leaves) for t in tree)
    if isinstance(tree, dict):
        return {k: _rebuild(tree[k], leaves) for k in sorted(tree)}
    return next(leaves)


def _stack(outputs):
    """Stacks a list of same-structure outputs along a new axis 0."""
    if not outputs:
        raise ValueError("Cannot stack zero iterations: the output structure is unknown. "
                         "Received: an empty input (length 0)")
    first = outputs[0]
    if first is None:
        return None
    per_leaf = zip(*(_leaves(o) for o in outputs))
    return _rebuild(first, iter([s.stack(list(col), axis=0) for col in per_leaf]))


def _length(xs, name):
    leaves = [convert_to_tensor(x) for x in _leaves(xs)]
    sizes = {x.shape[0] if x.ndim else None for x in leaves}
    if None in sizes or len(sizes) != 1:
        raise ValueError(f"All tensors in `{name}` must have the same leading dimension. "
                         f"Received: shapes {[x.shape for x in leaves]}")
    return sizes.pop(), leaves


def _slice(xs, leaves, i):
    return _rebuild(xs, iter([x[i] for x in leaves]))


def cond(pred, true_fn, false_fn):
    """`true_fn()` if `pred` else `false_fn()`.

    Example:

    >>> float(ops.cond(ops.convert_to_tensor(True), lambda: 1.0, lambda: 2.0))
    1.0
    """
    return true_fn() if _truth(pred, "pred") else false_fn()


def switch(index, branches, *operands):
    """`branches[index](*operands)`, with `index` clamped to the valid range (as Keras).

    Example:

    >>> ops.switch(5, [lambda x: x + 1, lambda x: x - 1], 10)
    9
    """
    if not branches:
        raise ValueError("`branches` must be a non-empty list of callables. Received: []")
    i = int(index)
    return branches[min(max(i, 0), len(branches) - 1)](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Runs `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` (and fewer than
    `maximum_iterations` times); returns the final `loop_vars`.

    Example:

    >>> ops.while_loop(lambda i: i < 10, lambda i: i + 3, 0)
    12
    """
    is_seq = isinstance(loop_vars, (tuple, list))
    state = tuple(loop_vars) if is_seq else (loop_vars,)
    count = 0
    while maximum_iterations is None or count < maximum_iterations:
        if not _truth(cond(*state), "cond(...)"):
            break
        out = body(*state)
        state = tuple(out) if is_seq else (out,)
        count += 1
    return type(loop_vars)(state) if is_seq else state[0]


def fori_loop(lower, upper, body_fun, init_val):
    """`val = body_fun(i, val)` for `i` in `range(lower, upper)`; returns `val`.

    Example:

    >>> ops.fori_loop(0, 4, lambda i, v: v + i, 0)
    6
    """
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """`carry, y = f(carry, x)` over the leading axis of `xs`; returns the final carry and
    the `y`s stacked along a new axis 0 (as `jax.lax.scan`).

    Example:

    >>> carry, ys = ops.scan(lambda c, x: (c + x, c), 0.0, np.arange(4.0))
    >>> float(carry), ys.numpy().tolist()
    (6.0, [0.0, 0.0, 1.0, 3.0])
    """
    if xs is None:
        if length is None:
            raise ValueError("scan: give `xs` or `length`. Received: xs=None, length=None")
        n, leaves = int(length), None
    else:
        n, leaves = _length(xs, "xs")
        if length is not None and int(length) != n:
            raise ValueError(f"scan: `length` must match the leading dimension of `xs` ({n}). "
                             f"Received: length={length}")
    carry, ys = init, []
    order = range(n - 1, -1, -1) if reverse else range(n)
    for i in order:
        carry, y = f(carry, None if leaves is None else _slice(xs, leaves, i))
        ys.append(y)
    if reverse:
        ys.reverse()
    return carry, (_stack(ys) if n else None)


def map(f, xs):  # noqa: A001  (Keras name)
    """`f` applied to each slice of `xs` along axis 0, the results stacked.

    Example:

    >>> ops.map(lambda x: x * 2, np.arange(3.0)).numpy()
    array([0., 2., 4.], dtype=float32)
    """
    n, leaves = _length(xs, "xs")
    return _stack([f(_slice(xs, leaves, i)) for i in range(n)])


def vectorized_map(function, elements):
    """`function` applied to each slice of `elements` along axis 0, results stacked (a
    loop in eager pyfastfit, same values as Keras's vectorized form)."""
    return map(function, elements)


def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan with an associative `f`: out[0] = e[0], out[i] = f(out[i-1], e[i])
    along `axis` (from the end when `reverse`).

    Example:

    >>> ops.associative_scan(lambda a, b: a + b, np.arange(1.0, 5.0)).numpy()
    array([ 1.,  3.,  6., 10.], dtype=float32)
    """
    leaves = [convert_to_tensor(e) for e in _leaves(elems)]
    if not leaves or any(not isinstance(x, Tensor) or x.ndim == 0 for x in leaves):
        raise ValueError("associative_scan: `elems` must be tensors with at least one "
                         "dimension. Received: shapes "
                         f"{[getattr(x, 'shape', None) for x in leaves]}")
    moved = [s.moveaxis(x, s._norm_axis(axis, x.ndim), 0) for x in leaves]
    n = moved[0].shape[0]
    if any(x.shape[0] != n for x in moved):
        raise ValueError(f"associative_scan: all `elems` must have the same size along axis "
                         f"{axis}. Received: shapes {[x.shape for x in leaves]}")
    order = list(range(n - 1, -1, -1)) if reverse else list(range(n))
    outs = []
    acc = None
    for i in order:
        cur = _rebuild(elems, iter([x[i] for x in moved]))
        acc = cur if acc is None else f(acc, cur)
        outs.append(acc)
    if reverse:
        outs.reverse()
    stacked = _leaves(_stack(outs))
    back = [s.moveaxis(x, 0, s._norm_axis(axis, x.ndim)) for x in stacked]
    return _rebuild(elems, iter(back))


__all__ = ["associative_scan", "cond", "fori_loop", "map", "scan", "switch",
           "vectorized_map", "while_loop"]
