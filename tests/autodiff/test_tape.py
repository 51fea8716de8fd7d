"""GradientTape: watching, persistence, nesting, structures, errors, and a small
training loop whose loss must fall."""

import threading

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops


def _v(values, **kw):
    return ff.Variable(np.asarray(values, np.float32), **kw)


def test_simple_gradient():
    w = _v([1.0, 2.0, 3.0])
    with ff.GradientTape() as tape:
        loss = ops.sum(ops.square(w))
    np.testing.assert_allclose(np.asarray(tape.gradient(loss, w)), [2.0, 4.0, 6.0])


def test_persistent_tape_allows_several_calls():
    x = _v([1.0, 2.0])
    with ff.GradientTape(persistent=True) as tape:
        y = ops.sum(ops.square(x))
        z = ops.sum(ops.multiply(x, 3.0))
    np.testing.assert_allclose(np.asarray(tape.gradient(y, x)), [2.0, 4.0])
    np.testing.assert_allclose(np.asarray(tape.gradient(z, x)), [3.0, 3.0])
    np.testing.assert_allclose(np.asarray(tape.gradient(y, x)), [2.0, 4.0])


def test_non_persistent_second_call_raises():
    x = _v([1.0])
    with ff.GradientTape() as tape:
        y = ops.sum(ops.square(x))
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        tape.gradient(y, x)


def test_watch_plain_tensor():
    x = ops.convert_to_tensor(np.array([1.0, -2.0], np.float32))
    with ff.GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(ops.multiply(x, x))
    np.testing.assert_allclose(np.asarray(tape.gradient(y, x)), [2.0, -4.0])


def test_unwatched_plain_tensor_gives_none():
    x = ops.convert_to_tensor(np.array([1.0, -2.0], np.float32))
    with ff.GradientTape() as tape:
        y = ops.sum(ops.multiply(x, x))
    assert tape.gradient(y, x) is None


def test_watch_structures_and_errors():
    a = ops.convert_to_tensor(np.ones(2, np.float32))
    b = ops.convert_to_tensor(np.ones(2, np.float32))
    with ff.GradientTape() as tape:
        tape.watch([a, {"b": b}])
        y = ops.sum(ops.add(ops.multiply(a, 2.0), b))
    ga, gb = tape.gradient(y, (a, b))
    np.testing.assert_allclose(np.asarray(ga), [2.0, 2.0])
    np.testing.assert_allclose(np.asarray(gb), [1.0, 1.0])
    with ff.GradientTape() as tape:
        with pytest.raises(ValueError, match="watch expects Tensors"):
            tape.watch([np.ones(2)])


def test_unconnected_sources():
    x, u = _v([1.0, 2.0]), _v([[5.0]])
    with ff.GradientTape(persistent=True) as tape:
        y = ops.sum(ops.square(x))
    gx, gu = tape.gradient(y, [x, u])
    assert gu is None
    np.testing.assert_allclose(np.asarray(gx), [2.0, 4.0])
    gx, gu = tape.gradient(y, [x, u], unconnected_gradients="zero")
    assert gu.shape == (1, 1) and gu.dtype == "float32"
    np.testing.assert_array_equal(np.asarray(gu), [[0.0]])
    with pytest.raises(ValueError, match="unconnected_gradients must be 'none' or 'zero'"):
        tape.gradient(y, x, unconnected_gradients="zeros_like")


def test_nested_tapes_both_give_first_order_gradients():
    x = _v([3.0])
    with ff.GradientTape() as outer:
        with ff.GradientTape() as inner:
            y = ops.sum(ops.multiply(ops.square(x), x))  # x^3
        g_inner = inner.gradient(y, x)
        z = ops.sum(ops.multiply(x, 2.0))
    np.testing.assert_allclose(np.asarray(g_inner), [27.0])
    # the outer tape saw the same ops, plus z
    np.testing.assert_allclose(np.asarray(outer.gradient([y, z], x)), [29.0])


def test_nested_inner_records_only_inside():
    x = _v([2.0])
    with ff.GradientTape(persistent=True) as outer:
        a = ops.multiply(x, 5.0)
        with ff.GradientTape(persistent=True) as inner:
            b = ops.multiply(x, 3.0)
        c = ops.add(a, b)
    np.testing.assert_allclose(np.asarray(outer.gradient(c, x)), [8.0])
    np.testing.assert_allclose(np.asarray(inner.gradient(b, x)), [3.0])
    # `a` was computed before the inner tape started: not connected there.
    assert inner.gradient(a, x) is None


def test_non_scalar_target_needs_output_gradients():
    x = _v([[1.0, 2.0], [3.0, 4.0]])
    with ff.GradientTape(persistent=True) as tape:
        y = ops.multiply(x, x)
    with pytest.raises(ValueError, match=r"shape \(2, 2\)"):
        tape.gradient(y, x)
    g = tape.gradient(y, x, output_gradients=np.array([[1.0, 0.0], [0.5, 2.0]], np.float32))
    np.testing.assert_allclose(np.asarray(g), [[2.0, 0.0], [3.0, 16.0]])
    with pytest.raises(ValueError, match=r"output_gradients entry has shape \(3,\)"):
        tape.gradient(y, x, output_gradients=np.ones(3, np.float32))


def test_one_element_non_scalar_target_is_fine():
    x = _v([2.0])
    with ff.GradientTape() as tape:
        y = ops.multiply(x, x)  # shape (1,)
    np.testing.assert_allclose(np.asarray(tape.gradient(y, x)), [4.0])


def test_multiple_targets_sum():
    x = _v([1.0, 2.0])
    with ff.GradientTape() as tape:
        y1 = ops.sum(ops.square(x))
        y2 = ops.sum(x)
    np.testing.assert_allclose(np.asarray(tape.gradient([y1, y2], x)), [3.0, 5.0])


def test_source_structures():
    a, b, c = _v([1.0]), _v([2.0]), _v([3.0])
    with ff.GradientTape(persistent=True) as tape:
        y = ops.sum(ops.multiply(ops.multiply(a, b), c))
    ga = tape.gradient(y, a)
    assert isinstance(ga, ff.Tensor)
    lst = tape.gradient(y, [a, b, c])
    assert isinstance(lst, list) and len(lst) == 3
    tup = tape.gradient(y, (a, b))
    assert isinstance(tup, tuple) and len(tup) == 2
    d = tape.gradient(y, {"a": a, "rest": [b, c]})
    assert set(d) == {"a", "rest"} and isinstance(d["rest"], list)
    np.testing.assert_allclose(np.asarray(d["a"]), [6.0])
    np.testing.assert_allclose(np.asarray(d["rest"][0]), [3.0])
    np.testing.assert_allclose(np.asarray(d["rest"][1]), [2.0])
    with pytest.raises(ValueError, match="sources must be Tensors"):
        tape.gradient(y, [a, "b"])


def test_non_trainable_variable_not_watched_automatically():
    v = _v([1.0, 2.0], trainable=False)
    w = _v([1.0, 1.0])
    with ff.GradientTape() as tape:
        y = ops.sum(ops.multiply(v, w))
    gv, gw = tape.gradient(y, [v, w])
    assert gv is None
    np.testing.assert_allclose(np.asarray(gw), [1.0, 2.0])
    with ff.GradientTape() as tape:
        tape.watch(v)
        y = ops.sum(ops.square(v))
    np.testing.assert_allclose(np.asarray(tape.gradient(y, v)), [2.0, 4.0])


def test_watch_accessed_variables_false():
    w = _v([1.0])
    with ff.GradientTape(watch_accessed_variables=False) as tape:
        y = ops.sum(ops.square(w))
    assert tape.gradient(y, w) is None


def test_second_input_variable_is_tracked():
    # both inputs are trainable Variables: the second must be registered too
    x, b = _v([[1.0, 2.0]]), _v([0.5, 0.5])
    with ff.GradientTape() as tape:
        y = ops.sum(ops.square(ops.add(x, b)))
    gx, gb = tape.gradient(y, [x, b])
    np.testing.assert_allclose(np.asarray(gx), [[3.0, 5.0]])
    np.testing.assert_allclose(np.asarray(gb), [3.0, 5.0])


def test_gradient_accumulates_over_several_uses():
    x = _v([2.0])
    with ff.GradientTape() as tape:
        y = ops.sum(ops.add(ops.multiply(x, 3.0), ops.square(x)))
    np.testing.assert_allclose(np.asarray(tape.gradient(y, x)), [7.0])


def test_nan_propagates_through_gradient():
    x = _v([1.0, np.nan, 2.0])
    with ff.GradientTape() as tape:
        y = ops.sum(ops.square(x))
    g = np.asarray(tape.gradient(y, x))
    assert np.isnan(g[1]) and g[0] == 2.0 and g[2] == 4.0
    w = _v([1.0, 2.0])
    with ff.GradientTape() as tape:
        y = ops.sum(ops.multiply(w, np.array([np.nan, 1.0], np.float32)))
    g = np.asarray(tape.gradient(y, w))
    assert np.isnan(g[0]) and g[1] == 1.0


def test_stop_recording_and_reset():
    x = _v([2.0])
    with ff.GradientTape(persistent=True) as tape:
        a = ops.multiply(x, 3.0)
        with tape.stop_recording():
            b = ops.multiply(x, 5.0)
        y = ops.add(a, b)
    np.testing.assert_allclose(np.asarray(tape.gradient(y, x)), [3.0])
    tape.reset()
    assert tape.gradient(y, x) is None


def test_recording_is_per_thread():
    x = _v([2.0])
    seen = {}

    def other():
        seen["out"] = ops.multiply(x, 7.0)

    with ff.GradientTape() as tape:
        th = threading.Thread(target=other)
        th.start()
        th.join()
        y = ops.multiply(x, 3.0)
    assert not ff.autodiff.is_recording()
    np.testing.assert_allclose(np.asarray(tape.gradient(y, x)), [3.0])


def test_gradient_of_integer_ops_is_none():
    x = _v([1.5, 2.5])
    with ff.GradientTape() as tape:
        y = ops.greater(x, 2.0)
    assert tape.gradient(y, x, output_gradients=np.ones(2, np.float32)) is None


def _regression_data():
    rng = np.random.default_rng(0)
    x = rng.random((256, 20)).astype("float32")
    y = x.sum(1, keepdims=True)
    return x, y


def test_linear_regression_loss_falls_with_manual_updates():
    x, y = _regression_data()
    w = ff.Variable(np.zeros((20, 1), "float32"))
    b = ff.Variable(np.zeros((1,), "float32"))
    losses = []
    for _ in range(100):
        with ff.GradientTape() as tape:
            loss = ops.mean(ops.square(ops.matmul(x, w) + b - y))
        gw, gb = tape.gradient(loss, [w, b])
        w.assign_sub(0.1 * gw)
        b.assign_sub(0.1 * gb)
        losses.append(float(loss))
    assert losses[-1] < 0.05 * losses[0]
    assert all(np.isfinite(losses))


def test_linear_regression_loss_falls_with_sgd():
    optimizers = pytest.importorskip("pyfastfit.optimizers")
    if not hasattr(optimizers, "SGD"):
        pytest.skip("optimizers.SGD not available yet")
    x, y = _regression_data()
    w = ff.Variable(np.zeros((20, 1), "float32"))
    b = ff.Variable(np.zeros((1,), "float32"))
    opt = optimizers.SGD(0.1)
    first = last = None
    for _ in range(100):
        with ff.GradientTape() as tape:
            loss = ops.mean(ops.square(ops.matmul(x, w) + b - y))
        opt.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
        first = float(loss) if first is None else first
        last = float(loss)
    assert last < 0.05 * first


def test_variable_subclass_is_watched():
    class MyVariable(ff.Variable):
        __slots__ = ()

    w = MyVariable(np.array([2.0], np.float32))
    with ff.GradientTape() as tape:
        y = ops.sum(ops.square(w))
    np.testing.assert_allclose(np.asarray(tape.gradient(y, w)), [4.0])


@pytest.mark.parametrize("op", ["dense", "matmul"])
def test_input_gradient_only_computed_for_tracked_inputs(op):
    rng = np.random.default_rng(0)
    xn = rng.standard_normal((4, 3)).astype(np.float32)
    wn = rng.standard_normal((3, 2)).astype(np.float32)
    w = ff.Variable(wn)

    def run(watch):
        x = ops.convert_to_tensor(xn)
        with ff.GradientTape() as tape:
            if watch:
                tape.watch(x)
            out = ops.nn.dense(x, w, None) if op == "dense" else ops.matmul(x, w)
            loss = ops.sum(out)
        node = tape._nodes[0]
        return node, tape.gradient(loss, [w, x])

    node, (gw, gx) = run(watch=False)
    # The backward rule is told not to compute dX: nothing asks for it.
    assert (node.attrs[2] if op == "dense" else node.attrs[0]) is False
    assert gx is None
    np.testing.assert_allclose(np.asarray(gw), xn.T @ np.ones((4, 2)), rtol=1e-5)
    node, (gw, gx) = run(watch=True)
    np.testing.assert_allclose(np.asarray(gx), np.ones((4, 2)) @ wn.T, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(gw), xn.T @ np.ones((4, 2)), rtol=1e-5)


def test_gradient_list_sources_fast_path_keeps_errors_and_zeros():
    w = _v([1.0, 2.0])
    u = _v([5.0])
    with ff.GradientTape(persistent=True) as tape:
        y = ops.sum(ops.square(w))
    gw, gu = tape.gradient(y, [w, u])
    np.testing.assert_allclose(np.asarray(gw), [2.0, 4.0])
    assert gu is None
    gw, gu = tape.gradient(y, [w, u], unconnected_gradients="zero")
    np.testing.assert_allclose(np.asarray(gu), [0.0])
    with pytest.raises(ValueError, match="gradient sources must be Tensors or Variables"):
        tape.gradient(y, [w, 3.0])
    with pytest.raises(ValueError, match="gradient target must be a scalar"):
        tape.gradient(ops.square(w), [w])
