"""The node registry of the C++ Program: a spec a node kind cannot run is a ValueError
naming the node and what it expected, at construction (never a crash later)."""

import numpy as np
import pytest

from pyfastfit.core._c import _C


def _program(nodes, outputs):
    return _C.Program(nodes, outputs, [], [], "", [], [], [], "none", 0.0, [],
                      _C.zeros([], "int64"), max_batch=4)


def _input(shape):
    return _C.ProgramNode("input", [], list(shape))


def _conv(numbers, kernel_shape=(3, 3, 2, 4), shape=(4, 4, 4)):
    node = _C.ProgramNode("conv", [0], list(shape))
    kernel = _C.from_numpy(np.zeros(kernel_shape, np.float32))
    node.params = [_C.ProgramParam(kernel, -1)]
    base = {"in": [6, 6, 2], "out": [4, 4, 4], "kernel": [3, 3], "strides": [1, 1],
            "dilation": [1, 1], "pads": [0, 0], "groups": [1]}
    base.update(numbers)
    node.numbers = {k: [float(v) for v in vs] for k, vs in base.items()}
    node.names = {"activation": "relu"}
    return node


def test_a_valid_conv_node_predicts():
    prog = _program([_input((6, 6, 2)), _conv({})], [1])
    x = np.ones((3, 6, 6, 2), np.float32)
    out = np.empty((3, 4, 4, 4), np.float32)
    prog.predict([_C.from_numpy(x)], [_C.from_numpy(out)], 0, 3, 2)
    np.testing.assert_array_equal(out, 0.0)  # zero kernel, no bias, relu


@pytest.mark.parametrize("numbers,kernel_shape,match", [
    ({"groups": [3]}, (3, 3, 2, 4), r"groups=3 must divide"),
    ({"strides": [0, 1]}, (3, 3, 2, 4), r"stride or dilation < 1"),
    ({"pads": [-1, 0]}, (3, 3, 2, 4), r"negative padding"),
    ({"kernel": [3]}, (3, 3, 2, 4), r"needs 'kernel' with 2 integers"),
    ({}, (3, 3, 2, 5), r"kernel has 90 values; expected 72"),
    ({"in": [5, 6, 2]}, (3, 3, 2, 4), r"reads an input of shape \(6, 6, 2\); expected 60"),
])
def test_bad_conv_specs_are_value_errors(numbers, kernel_shape, match):
    with pytest.raises(ValueError, match=r"\[program\] .*" + match):
        _program([_input((6, 6, 2)), _conv(numbers, kernel_shape)], [1])


def test_unknown_kind_and_bad_wiring_are_value_errors():
    with pytest.raises(ValueError, match=r"\[program\] unknown node kind 'conv3d'"):
        _program([_input((4,)), _C.ProgramNode("conv3d", [0], [4])], [1])
    with pytest.raises(ValueError, match=r"node 1 reads node 2 which is not before it"):
        _program([_input((4,)), _C.ProgramNode("identity", [2], [4]),
                  _C.ProgramNode("identity", [0], [4])], [1])
    with pytest.raises(ValueError, match=r"every dimension must be >= 1"):
        _program([_input((4,)), _C.ProgramNode("identity", [0], [0])], [1])
    with pytest.raises(ValueError, match=r"identity node of shape \(5,\) reads an input"):
        _program([_input((4,)), _C.ProgramNode("identity", [0], [5])], [1])
    pool = _C.ProgramNode("max_pool", [0], [2, 2, 3])
    pool.numbers = {"in": [4.0, 4.0, 3.0], "out": [2.0, 2.0], "window": [2.0, 2.0],
                    "strides": [2.0, 2.0]}
    with pytest.raises(ValueError, match=r"max_pool node needs 'pads' with 2 integers"):
        _program([_input((4, 4, 3)), pool], [1])
