"""Tensor and Variable as Python numbers and sequences: format, bool, index, len, iter,
int, float, round, each with NumPy's behaviour and errors."""

import math

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops


def _make(kind, value, dtype=None):
    a = np.asarray(value, dtype=dtype)
    return ff.Tensor(a) if kind == "tensor" else ff.Variable(a, trainable=False)


KINDS = ["tensor", "variable"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("spec", ["", ".2f", ">10.3e", "+.1%", "g", "08.3f", "^9"])
def test_format_float_scalar_as_python_float(kind, spec):
    t = _make(kind, 3.14159, "float32")
    want = format(float(np.float32(3.14159)), spec) if spec else str(np.float32(3.14159))
    assert format(t, spec) == want
    assert f"{t:{spec}}" == want


@pytest.mark.parametrize("kind", KINDS)
def test_format_int_and_bool_scalars(kind):
    assert f"{_make(kind, 255, 'uint8'):x}" == "ff"
    assert f"{_make(kind, -7, 'int32'):05d}" == "-0007"
    assert f"{_make(kind, 2**40, 'int64'):,}" == "1,099,511,627,776"
    assert f"{_make(kind, True):d}" == "1"
    assert f"{_make(kind, False)}" == "False"


def test_format_special_values_and_errors():
    assert f"{ff.Tensor(np.float32(np.nan)):.2f}" == "nan"
    assert f"{ff.Tensor(np.float32(-np.inf)):8.1f}" == "    -inf"
    # 0.1 in float32: the empty spec shows the shortest float32 repr, a spec the exact value.
    assert f"{ff.Tensor(np.float32(0.1))}" == "0.1"
    assert f"{ff.Tensor(np.float32(0.1)):.10f}" == "0.1000000015"
    with pytest.raises(ValueError, match="Unknown format code 'd'"):
        format(ff.Tensor(np.float32(1.5)), "d")


@pytest.mark.parametrize("shape", [(1,), (2, 3), (0,)])
def test_format_non_scalar_as_numpy(shape):
    t = ff.Tensor(np.ones(shape, "float32"))
    assert format(t, "") == str(t)
    with pytest.raises(TypeError, match=r"unsupported format string.*spec='.2f'"):
        format(t, ".2f")
    with pytest.raises(TypeError):  # NumPy agrees
        format(np.ones(shape, "float32"), ".2f")


@pytest.mark.parametrize("kind", KINDS)
def test_bool_as_numpy(kind):
    assert bool(_make(kind, 0.0, "float32")) is False
    assert bool(_make(kind, [[2]], "int32")) is True
    assert bool(_make(kind, np.nan, "float32")) is True
    assert bool(_make(kind, [False])) is False
    with pytest.raises(ValueError, match=r"more than one element.*shape=\(2,\)"):
        bool(_make(kind, [1.0, 2.0], "float32"))
    with pytest.raises(ValueError, match=r"empty tensor.*shape=\(0, 3\)"):
        bool(_make(kind, np.zeros((0, 3), "float32")))
    t = _make(kind, [1.0, 2.0], "float32")
    with pytest.raises(ValueError):
        if t > 0:
            pass


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
def test_index_integer_0d(kind, dtype):
    i = _make(kind, 3, dtype)
    assert [10, 11, 12, 13, 14][i] == 13
    assert list(range(10))[i:] == [3, 4, 5, 6, 7, 8, 9]
    assert hex(i) == "0x3" and bin(i) == "0b11"
    assert "ab" * i == "ababab"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("value,dtype", [(2.0, "float32"), (True, "bool"), ([1], "int32"),
                                         ([[1]], "int64")])
def test_index_rejects_floats_bools_and_non_0d(kind, value, dtype):
    t = _make(kind, value, dtype)
    with pytest.raises(TypeError, match=rf"0-d integer.*dtype={dtype}"):
        [0, 1, 2][t]
    with pytest.raises(TypeError):  # NumPy agrees
        [0, 1, 2][np.asarray(value, dtype)]


@pytest.mark.parametrize("kind", KINDS)
def test_len_and_iter(kind):
    t = _make(kind, np.arange(6, dtype="float32").reshape(3, 2))
    assert len(t) == 3
    rows = list(t)
    assert len(rows) == 3 and all(isinstance(r, ff.Tensor) for r in rows)
    for r, want in zip(rows, np.arange(6).reshape(3, 2)):
        np.testing.assert_array_equal(r.numpy(), want)
    one = _make(kind, [7], "int32")
    assert len(one) == 1 and [int(x) for x in one] == [7]
    assert [float(x) for x in _make(kind, [1.5, 2.5], "float32")] == [1.5, 2.5]
    a, b = _make(kind, [4, 5], "int64")  # unpacking
    assert (int(a), int(b)) == (4, 5)
    empty = _make(kind, np.zeros((0, 4), "float32"))
    assert len(empty) == 0 and list(empty) == []
    s = _make(kind, 1.0, "float32")
    with pytest.raises(TypeError, match="len.*0-d"):
        len(s)
    with pytest.raises(TypeError, match="iteration over a 0-d"):
        iter(s)


@pytest.mark.parametrize("kind", KINDS)
def test_int_and_float(kind):
    assert int(_make(kind, 2.9, "float32")) == 2 and int(_make(kind, -2.9, "float32")) == -2
    assert int(_make(kind, [[7]], "int64")) == 7 and isinstance(int(_make(kind, 7, "uint8")), int)
    assert int(_make(kind, True)) == 1
    assert float(_make(kind, 3, "int32")) == 3.0
    assert math.isnan(float(_make(kind, np.nan, "float32")))
    with pytest.raises(ValueError, match="NaN"):
        int(_make(kind, np.nan, "float32"))
    with pytest.raises(TypeError, match=r"one element.*int.*shape=\(2,\)"):
        int(_make(kind, [1, 2], "int32"))
    with pytest.raises(TypeError, match=r"one element.*shape=\(0,\)"):
        float(_make(kind, np.zeros(0, "float32")))


@pytest.mark.parametrize("kind", KINDS)
def test_round_scalar_as_python_number(kind):
    r = round(_make(kind, 2.5, "float32"))
    assert r == 2 and isinstance(r, int)  # half to even, as round(2.5)
    assert round(_make(kind, 3.5, "float32")) == 4
    assert round(_make(kind, -7, "int32")) == -7
    r2 = round(_make(kind, 2.675, "float32"), 2)
    assert isinstance(r2, float) and r2 == round(float(np.float32(2.675)), 2)
    assert round(_make(kind, 1234, "int32"), -2) == 1200
    with pytest.raises(ValueError):
        round(_make(kind, np.nan, "float32"))
    assert math.isnan(round(_make(kind, np.nan, "float32"), 1))


@pytest.mark.parametrize("kind", KINDS)
def test_round_array_is_elementwise(kind):
    x = np.array([0.5, 1.5, -2.5, 1.26, np.nan], "float32")
    r = round(_make(kind, x))
    assert isinstance(r, ff.Tensor) and r.dtype == "float32"
    np.testing.assert_array_equal(r.numpy(), np.round(x))
    np.testing.assert_allclose(round(_make(kind, x), 1).numpy(), np.round(x, 1), rtol=1e-6)
    r1 = round(_make(kind, [3], "int32"))
    assert r1.dtype == "int32" and r1.numpy().tolist() == [3]


def test_round_is_differentiable_path_free_for_scalars():
    # round() of a 0-d tensor leaves the tape (a Python number), as float() does.
    x = ff.Variable(np.float32(1.4))
    with ff.GradientTape() as tape:
        y = x * 2.0
        assert round(y) == 3
        loss = ops.sum(y)
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), 2.0)
