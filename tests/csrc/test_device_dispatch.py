"""Device dispatch of the _C ops (csrc/core/device.h) in a build without CUDA.

A test-only hook tags a CPU tensor's host storage as "cuda" (no GPU memory is involved).
Every public op must then refuse it before touching data: RuntimeError "[op] built
without CUDA" when all its tensors are on cuda, ValueError "[op] expects all tensors on
one device" naming two arguments when devices are mixed. In-place ops must leave their
state untouched, and the same calls on CPU tensors must still compute."""

import re

import numpy as np
import pytest

from pyfastfit.core._c import _C

pytestmark = pytest.mark.skipif(_C.built_with_cuda(), reason="checks the no-CUDA stub")

T = _C.from_numpy
B = _C.elementwise_codes()["binary"]
U = _C.elementwise_codes()["unary"]
rng = np.random.default_rng(0)


def f32(*shape):
    return T(rng.uniform(0.1, 0.9, shape).astype(np.float32))


def i64(values):
    return T(np.asarray(values, dtype=np.int64))


def tag(t):
    return _C._with_device_tag_for_tests(t, "cuda")


def map_tensors(args, fn):
    """args with every Tensor (also inside lists and lists of lists) replaced by fn(t)."""
    if isinstance(args, _C.Tensor):
        return fn(args)
    if isinstance(args, (list, tuple)):
        return type(args)(map_tensors(a, fn) for a in args)
    return args


def count_tensors(args):
    n = [0]
    map_tensors(args, lambda t: n.__setitem__(0, n[0] + 1) or t)
    return n[0]


def tag_only(args, which):
    """args with only the `which`-th tensor (in flattening order) tagged cuda."""
    k = [-1]

    def fn(t):
        k[0] += 1
        return tag(t) if k[0] == which else t

    return map_tensors(args, fn)


def opt_args():
    p, g = [f32(3, 2), f32(4)], [f32(3, 2), f32(4)]
    slots = [[f32(3, 2), f32(4)], [f32(3, 2), f32(4)], []]
    return ["adam", p, g, slots, T(np.array(0.01, np.float32)), i64(3), [0.9, 0.999, 1e-7]]


# (name in the error, function, arguments); each call is valid on CPU tensors.
CASES = [
    ("add", _C.binary, lambda: [B["add"], f32(2, 3), f32(3)]),
    ("less", _C.binary, lambda: [B["less"], f32(2, 3), i64([1, 2, 3])]),
    ("multiply", _C.binary_scalar, lambda: [B["multiply"], f32(4), 2.5, False, False]),
    ("multiply", _C.binary_backward,
     lambda: [B["multiply"], f32(2, 3), f32(2, 3), f32(3), f32(2, 3)]),
    ("exp", _C.unary, lambda: [U["exp"], f32(5)]),
    ("isnan", _C.unary, lambda: [U["isnan"], i64([1, 2])]),
    ("round", _C.unary, lambda: [U["round"], i64([1, 2])]),
    ("nan_to_num", _C.nan_to_num, lambda: [i64([1, 2]), 0.0, 1.0, -1.0]),
    ("mean", _C.reduce, lambda: [i64([[1, 2], [3, 4]]), [0], "mean"]),
    ("exp_backward", _C.unary_backward, lambda: [U["exp"], f32(5), f32(5), f32(5)]),
    ("where", _C.where, lambda: [T(np.array([True, False])), f32(2), f32(2)]),
    ("clip", _C.clip, lambda: [f32(3), 0.2, 0.8]),
    ("clip_backward", _C.clip_backward, lambda: [f32(3), f32(3), 0.2, 0.8]),
    ("nan_to_num", _C.nan_to_num, lambda: [f32(3), 0.0, 1.0, -1.0]),
    ("sum_to_shape", _C.sum_to_shape, lambda: [f32(2, 3), [3]]),
    ("sum_to_shape", _C.sum_to_like, lambda: [f32(2, 3), f32(3)]),
    ("cast", _C.cast, lambda: [f32(3), "int32"]),
    ("relu", _C.activation_forward, lambda: [f32(2, 3), "relu"]),
    ("softmax_backward", _C.activation_backward,
     lambda: [f32(2, 3), f32(2, 3), f32(2, 3), "softmax"]),
    ("dropout", _C.dropout_forward, lambda: [f32(8), 0.5, 1, 0]),
    ("matmul", _C.matmul, lambda: [f32(2, 3), f32(3, 4)]),
    ("matmul", _C.matmul, lambda: [f32(2, 2, 3), f32(2, 3, 4)]),
    ("dense", _C.dense_forward, lambda: [f32(2, 3), f32(3, 4), f32(4), "relu"]),
    ("dense_backward", _C.dense_backward,
     lambda: [f32(2, 4), f32(2, 3), f32(3, 4), f32(2, 4), f32(2, 4), "relu", 0.0, True, True]),
    ("point_loss_forward", _C.point_loss_forward, lambda: ["mse", f32(2, 3), f32(2, 3)]),
    ("point_loss_backward", _C.point_loss_backward,
     lambda: ["mse", f32(2), f32(2, 3), f32(2, 3)]),
    ("point_loss_reduced_forward", _C.point_loss_reduced_forward,
     lambda: ["mae", f32(2, 3), f32(2, 3), f32(2), 0.0, 0.5]),
    ("point_loss_reduced_backward", _C.point_loss_reduced_backward,
     lambda: ["mae", T(np.array(1.0, np.float32)), f32(2, 3), f32(2, 3), f32(2), 0.0, 0.5]),
    ("weighted_sum_forward", _C.weighted_sum_forward, lambda: [f32(4), f32(4), 1.0]),
    ("weighted_sum_backward", _C.weighted_sum_backward,
     lambda: [T(np.array(1.0, np.float32)), f32(4), f32(4), 1.0]),
    ("max_pool", _C.max_pool_forward, lambda: [f32(1, 4, 4, 2), [2, 2], [2, 2], [0, 0], [0, 0]]),
    ("max_pool_backward", _C.max_pool_backward,
     lambda: [f32(1, 2, 2, 2), T(np.zeros((1, 2, 2, 2), np.int32)), [1, 4, 4, 2]]),
    ("average_pool", _C.average_pool_forward,
     lambda: [f32(1, 4, 2), [2], [2], [0], [0]]),
    ("average_pool_backward", _C.average_pool_backward,
     lambda: [f32(1, 2, 2), [1, 4, 2], [2], [2], [0], [0]]),
    ("sum", _C.reduce, lambda: [f32(2, 3), [1], "sum"]),
    ("max", _C.reduce, lambda: [i64([[1, 2], [3, 4]]), [0], "max"]),
    ("reduce_backward", _C.reduce_backward, lambda: [f32(2), f32(2, 3), f32(2), [1], "sum"]),
    ("any", _C.reduce_any_all, lambda: [f32(2, 3), [0], True]),
    ("argmax", _C.argreduce, lambda: [f32(2, 3), 1, True]),
    ("argmin", _C.argreduce, lambda: [f32(2, 3), -1, False]),
    ("cumsum", _C.cumulative, lambda: [f32(2, 3), 1]),
    ("transpose", _C.transpose, lambda: [f32(2, 3), [1, 0]]),
    ("slice", _C.strided_slice, lambda: [f32(4, 3), [1, 0], [2, 1], [2, 3]]),
    ("slice_backward", _C.strided_slice_backward,
     lambda: [f32(2, 3), [4, 3], [1, 0], [2, 1], [2, 3]]),
    ("slice_update", _C.slice_update, lambda: [f32(4, 3), [1, 0], f32(2, 3)]),
    ("broadcast_to", _C.broadcast_to, lambda: [f32(3), [2, 3]]),
    ("take", _C.take, lambda: [f32(4, 3), i64([0, 3, -1]), 0]),
    ("take_backward", _C.take_backward, lambda: [f32(3, 3), i64([0, 3, -1]), [4, 3], 0]),
    ("take_along_axis", _C.take_along_axis, lambda: [f32(2, 3), i64([[0], [2]]), 1]),
    ("take_along_axis_backward", _C.take_along_axis_backward,
     lambda: [f32(2, 1), i64([[0], [2]]), [2, 3], 1]),
    ("concatenate", _C.concatenate, lambda: [[f32(2, 3), f32(1, 3), f32(4, 3)], 0]),
    ("pad", _C.pad, lambda: [f32(2, 3), [1, 0], [0, 2], 7.0]),
    ("one_hot", _C.one_hot, lambda: [i64([0, 2, 1]), 3]),
    ("argsort", _C.argsort, lambda: [f32(2, 3)]),
    ("top_k", _C.top_k_indices, lambda: [f32(2, 5), 2]),
    ("sparse_categorical_crossentropy", _C.sparse_softmax_cross_entropy_forward,
     lambda: [f32(2, 3), i64([0, 2])]),
    ("sparse_categorical_crossentropy_backward", _C.sparse_softmax_cross_entropy_backward,
     lambda: [f32(2, 3), i64([0, 2]), f32(2)]),
    ("categorical_crossentropy", _C.softmax_cross_entropy_forward,
     lambda: [f32(2, 3), f32(2, 3)]),
    ("categorical_crossentropy_backward", _C.softmax_cross_entropy_backward,
     lambda: [f32(2, 3), f32(2, 3), f32(2, 3), f32(2), True]),
    ("sparse_categorical_crossentropy", _C.sparse_categorical_crossentropy_probs_forward,
     lambda: [f32(2, 3), i64([0, 2])]),
    ("sparse_categorical_crossentropy_backward",
     _C.sparse_categorical_crossentropy_probs_backward,
     lambda: [f32(2, 3), i64([0, 2]), f32(2)]),
    ("categorical_crossentropy", _C.categorical_crossentropy_probs_forward,
     lambda: [f32(2, 3), f32(2, 3)]),
    ("categorical_crossentropy_backward", _C.categorical_crossentropy_probs_backward,
     lambda: [f32(2, 3), f32(2, 3), f32(2), True]),
    ("binary_crossentropy", _C.binary_crossentropy_forward, lambda: [f32(4), f32(4), True]),
    ("binary_crossentropy_backward", _C.binary_crossentropy_backward,
     lambda: [f32(4), f32(4), f32(4), False, True]),
    ("batch_norm_statistics", _C.batch_norm_statistics, lambda: [f32(4, 3)]),
    ("batch_norm_statistics_backward", _C.batch_norm_statistics_backward,
     lambda: [f32(3), f32(3), f32(4, 3), f32(3)]),
    ("batch_norm", _C.batch_norm_train_forward, lambda: [f32(4, 3), f32(3), f32(3), 1e-3]),
    ("batch_norm", _C.batch_norm_forward,
     lambda: [f32(4, 3), f32(3), f32(3), f32(3), None, 1e-3]),
    ("batch_norm_backward", _C.batch_norm_backward,
     lambda: [f32(4, 3), f32(4, 3), f32(3), f32(3), f32(3), 1e-3, False, True, True, True,
              True, True]),
    ("layer_norm", _C.layer_norm_forward, lambda: [f32(4, 3), f32(3), None, 1e-3]),
    ("layer_norm_backward", _C.layer_norm_backward,
     lambda: [f32(4, 3), f32(4, 3), f32(4), f32(4), f32(3), True, True, True]),
    ("global_norm", _C.global_norm, lambda: [[f32(3), f32(2, 2)]]),
    ("conv", _C.conv_forward, lambda: [f32(1, 5, 5, 2), f32(3, 3, 2, 4), [1, 1], [1, 1],
                                       [1, 1], [1, 1]]),
    ("conv_backward", _C.conv_backward,
     lambda: [f32(1, 3, 4), f32(1, 5, 2), f32(3, 2, 4), [1], [0], [0], [1], True, True]),
    ("conv_transpose", _C.conv_transpose_forward,
     lambda: [f32(1, 3, 4), f32(3, 2, 4), [5], [1], [0], [1]]),
    ("conv_transpose_backward", _C.conv_transpose_backward,
     lambda: [f32(1, 5, 2), f32(1, 3, 4), f32(3, 2, 4), [1], [0], [1], True, True]),
    ("conv_fused", _C.conv_forward_fused,
     lambda: [f32(1, 5, 2), f32(3, 2, 4), f32(4), "elu", 1.0, [1], [0], [0], [1]]),
    ("conv_fused_backward", _C.conv_backward_fused,
     lambda: [f32(1, 3, 4), f32(1, 5, 2), f32(3, 2, 4), f32(1, 3, 4), f32(1, 3, 4), "elu",
              1.0, [1], [0], [0], [1], True, True, True]),
    ("gaussian_noise", _C.gaussian_noise_forward, lambda: [f32(6), 0.5, 1, 0]),
    ("accuracy_matches", _C.accuracy_matches, lambda: [i64([1, 0]), f32(2, 3), "sparse"]),
    ("mean_result", _C.mean_result,
     lambda: [T(np.array(3, np.float32)), T(np.array(2, np.float32))]),
]
IDS = [f"{fn.__name__}-{name}" for name, fn, _ in CASES]

# In-place ops: (name, function, arguments, indices of the arguments they update).
INPLACE = [
    ("optimizer", _C.optimizer_update_, opt_args),
    ("moving_average_update", _C.moving_average_update_, lambda: [f32(3), f32(3), 0.9]),
    ("accuracy_update_", _C.accuracy_update_,
     lambda: [T(np.array(0, np.float32)), T(np.array(0, np.float32)), f32(4), f32(4), None,
              "binary"]),
    ("confusion_update_", _C.confusion_update_,
     lambda: [f32(2), f32(2), None, f32(2), f32(5), f32(5), f32(2), None]),
    ("sum_update_", _C.sum_update_, lambda: [T(np.array(0, np.float32)), f32(4), f32(2)]),
    ("assign_", _C.assign_, lambda: [f32(2, 3), f32(2, 3)]),
    ("assign_add_", _C.assign_add_, lambda: [f32(2, 3), f32(3)]),
    ("assign_sub_", _C.assign_sub_, lambda: [f32(2, 3), f32(2, 1)]),
]


def snapshot(args):
    out = []
    map_tensors(args, lambda t: out.append(np.array(t, copy=True)) or t)
    return out


@pytest.mark.parametrize("name,fn,make", CASES, ids=IDS)
def test_op_on_cuda_tensors_raises_built_without_cuda(name, fn, make):
    args = make()
    fn(*args)  # valid on CPU
    with pytest.raises(RuntimeError, match=re.escape(f"[{name}] built without CUDA")):
        fn(*map_tensors(args, tag))


# Composite ops check devices under their own name before their parts dispatch;
# sum_to_like reads only x's shape, so x's device does not matter.
MIXED_NAME = {"binary_backward": "binary_backward"}
MIXED = [(c, i) for c, i in zip(CASES, IDS)
         if count_tensors(c[2]()) > 1 and c[1].__name__ != "sum_to_like"]


@pytest.mark.parametrize("name,fn,make", [c for c, _ in MIXED], ids=[i for _, i in MIXED])
def test_op_on_mixed_devices_raises_value_error(name, fn, make):
    name = MIXED_NAME.get(fn.__name__, name)
    args = make()
    n = count_tensors(args)
    for which in (0, n - 1):
        pattern = re.escape(f"[{name}] expects all tensors on one device, got ") + \
            r"\S+ on (cpu|cuda) and \S+ on (cpu|cuda)\.$"
        with pytest.raises(ValueError, match=pattern) as info:
            fn(*tag_only(args, which))
        msg = str(info.value)
        assert "on cpu" in msg and "on cuda" in msg, msg


@pytest.mark.parametrize("name,fn,make", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_op_on_cuda_leaves_state_untouched(name, fn, make):
    args = make()
    before = snapshot(args)
    with pytest.raises(RuntimeError, match=re.escape(f"[{name}] built without CUDA")):
        fn(*map_tensors(args, tag))
    for b, a in zip(before, snapshot(args)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=re.escape(f"[{name}] expects all tensors on one")):
        fn(*tag_only(args, count_tensors(args) - 1))
    for b, a in zip(before, snapshot(args)):
        np.testing.assert_array_equal(a, b)
    fn(*args)  # the CPU call does update
    assert any(not np.array_equal(a, b) for a, b in zip(before, snapshot(args)))


def test_mixed_device_message_names_both_arguments():
    a, b = f32(2, 3), f32(3)
    with pytest.raises(ValueError) as info:
        _C.binary(B["add"], a, tag(b))
    assert str(info.value) == (
        "[add] expects all tensors on one device, got x1 on cpu and x2 on cuda.")
    with pytest.raises(ValueError) as info:
        _C.dense_forward(tag(f32(2, 3)), tag(f32(3, 4)), f32(4))
    assert str(info.value) == (
        "[dense] expects all tensors on one device, got inputs on cuda and bias on cpu.")
    p = [f32(2), f32(2)]
    with pytest.raises(ValueError) as info:
        _C.global_norm([p[0], tag(p[1])])
    assert str(info.value) == (
        "[global_norm] expects all tensors on one device, got tensors[0] on cpu and "
        "tensors[1] on cuda.")
    args = opt_args()
    args[3][1][1] = tag(args[3][1][1])
    with pytest.raises(ValueError) as info:
        _C.optimizer_update_(*args)
    assert str(info.value) == (
        "[optimizer] expects all tensors on one device, got variables[0] on cpu and "
        "slots[1][1] on cuda.")


def test_absent_optional_and_empty_tensors_take_part_correctly():
    # None optionals are skipped; a zero-size cuda tensor is still on cuda.
    x = f32(0, 3)
    with pytest.raises(RuntimeError, match=re.escape("[relu] built without CUDA")):
        _C.activation_forward(tag(x), "relu")
    with pytest.raises(RuntimeError, match=re.escape("[layer_norm] built without CUDA")):
        _C.layer_norm_forward(tag(f32(2, 3)), None, None, 1e-3)
    with pytest.raises(RuntimeError, match=re.escape("[clone] built without CUDA")):
        tag(f32(2)).clone()


def test_argument_checks_still_come_first():
    # Shape and dtype errors are device-neutral: the same message on a cuda tensor.
    with pytest.raises(ValueError, match=re.escape("[matmul] incompatible shapes")):
        _C.matmul(tag(f32(2, 3)), tag(f32(4, 2)))
    with pytest.raises(ValueError, match=re.escape("[dropout] x must be float32, got int64.")):
        _C.dropout_forward(tag(i64([1, 2])), 0.5, 1, 0)


def test_cuda_tensor_metadata_and_no_host_view():
    c = tag(f32(2, 3))
    assert c.device == "cuda" and c.shape == (2, 3) and c.dtype == "float32"
    assert c.reshape([3, 2]).device == "cuda"
    assert _C.contiguous_view(c, 2, [2]).device == "cuda"  # a view, no data access
    with pytest.raises(BufferError):
        memoryview(c)
    with pytest.raises(ValueError, match="device must be 'cpu' or 'cuda'"):
        _C._with_device_tag_for_tests(f32(1), "tpu")


def test_built_with_cuda_is_false_and_cpu_results_unchanged():
    assert _C.built_with_cuda() is False and _C.has_cuda() is False
    a = np.array([[1.0, -2.0, 3.0]], np.float32)
    b = np.array([4.0, 5.0, -6.0], np.float32)
    out = np.asarray(_C.binary(B["add"], T(a), T(b)))
    np.testing.assert_array_equal(out, (a.astype(np.float64) + b).astype(np.float32))
    assert _C.binary(B["add"], T(a), T(b)).device == "cpu"
    z = _C.pad(T(a), [1, 0], [0, 1], 9.0)
    np.testing.assert_array_equal(np.asarray(z), np.pad(a, ((1, 0), (0, 1)), constant_values=9))


def test_two_lambda_dispatch_never_calls_the_cuda_lambda_without_cuda():
    # The probe's cuda lambda calls a function that is declared but defined nowhere: this
    # module imports at all only because a build without CUDA never references it.
    assert _C._dispatch_probe_for_tests(f32(2)) == "cpu"
    with pytest.raises(RuntimeError, match=re.escape("[dispatch_probe] built without CUDA")):
        _C._dispatch_probe_for_tests(tag(f32(2)))
