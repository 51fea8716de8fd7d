import numpy as np
import pytest

from pyfastfit.trainers.data_adapters import (
    ArrayDataAdapter,
    class_weight_to_sample_weights,
    train_validation_split,
    unpack_x_y_sample_weight,
)


def _batches(adapter):
    return [data for _, data in adapter.epoch()]


def test_batches_cover_data_in_order_without_shuffle():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.arange(10)
    batches = _batches(ArrayDataAdapter(x, y, batch_size=4))
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([np.asarray(b[1]) for b in batches]), y)


def test_shuffle_is_a_permutation():
    x = np.arange(50, dtype=np.float32).reshape(50, 1)
    adapter = ArrayDataAdapter(x, np.arange(50), batch_size=8, shuffle=True)
    got = np.concatenate([np.asarray(b[1]) for b in _batches(adapter)])
    assert sorted(got.tolist()) == list(range(50))
    assert got.tolist() != list(range(50))
    # x rows stay aligned with y.
    for b in _batches(adapter):
        np.testing.assert_array_equal(np.asarray(b[0])[:, 0], np.asarray(b[1]))


def test_structures_are_kept():
    x = {"a": np.zeros((6, 2), np.float32), "b": np.ones((6, 3), np.float32)}
    y = [np.zeros(6), np.ones((6, 1))]
    xb, yb, swb = _batches(ArrayDataAdapter(x, y, sample_weight=np.ones(6), batch_size=6))[0]
    assert set(xb) == {"a", "b"} and xb["b"].shape == (6, 3)
    assert isinstance(yb, list) and len(yb) == 2 and yb[1].shape == (6, 1)
    assert swb.shape == (6,)


def test_tuple_inputs_and_x_only():
    x = (np.zeros((5, 2), np.float32), np.zeros((5, 1), np.float32))
    (xb,) = _batches(ArrayDataAdapter(x, batch_size=5))[0]
    assert isinstance(xb, tuple) and len(xb) == 2


def test_dtypes_normalised():
    x = np.zeros((4, 2), np.float64)
    y = np.zeros(4, np.int16)
    adapter = ArrayDataAdapter(x, y)
    assert adapter.x_flat[0].dtype == np.float32
    assert adapter.y_flat[0].dtype == np.int32


def test_cardinality_mismatch_names_both_sizes():
    with pytest.raises(ValueError, match=r"'x' sizes: 10\n'y' sizes: 9"):
        ArrayDataAdapter(np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match="'sample_weight' sizes: 3"):
        ArrayDataAdapter(np.zeros((10, 2)), np.zeros(10), sample_weight=np.ones(3))


def test_steps_continue_across_epochs():
    x = np.arange(6, dtype=np.float32).reshape(6, 1)
    adapter = ArrayDataAdapter(x, np.arange(6), batch_size=2, steps=2)
    first = [np.asarray(b[1]).tolist() for b in _batches(adapter)]
    second = [np.asarray(b[1]).tolist() for b in _batches(adapter)]
    assert first == [[0, 1], [2, 3]]
    assert second == [[4, 5], [0, 1]]


def test_validation_split_takes_the_tail():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.arange(10)
    (xt, yt, swt), (xv, yv, swv) = train_validation_split((x, y, None), 0.2)
    np.testing.assert_array_equal(yt, np.arange(8))
    np.testing.assert_array_equal(yv, [8, 9])
    assert swt is None and swv is None


def test_validation_split_errors():
    with pytest.raises(ValueError, match="between 0 and 1"):
        train_validation_split((np.zeros(4), None, None), 1.5)
    with pytest.raises(ValueError, match="only supported for NumPy arrays"):
        train_validation_split((iter([1, 2]), None, None), 0.5)


def test_class_weight_to_sample_weights():
    sparse = np.array([0, 1, 2, 1])
    np.testing.assert_allclose(class_weight_to_sample_weights(sparse, {1: 3.0, 2: 0.5}),
                               [1.0, 3.0, 0.5, 3.0])
    onehot = np.eye(3)[sparse]
    np.testing.assert_allclose(class_weight_to_sample_weights(onehot, {0: 2.0}),
                               [2.0, 1.0, 1.0, 1.0])
    col = sparse.reshape(-1, 1)
    np.testing.assert_allclose(class_weight_to_sample_weights(col, {2: 4.0}),
                               [1.0, 1.0, 4.0, 1.0])


def test_class_weight_errors():
    with pytest.raises(ValueError, match="at the same time"):
        ArrayDataAdapter(np.zeros((3, 1)), np.zeros(3), sample_weight=np.ones(3),
                         class_weight={0: 1.0})
    with pytest.raises(ValueError, match="single output"):
        ArrayDataAdapter(np.zeros((3, 1)), [np.zeros(3), np.zeros(3)],
                         class_weight={0: 1.0})


def test_unpack_x_y_sample_weight():
    assert unpack_x_y_sample_weight((1, 2)) == (1, 2, None)
    assert unpack_x_y_sample_weight((1,)) == (1, None, None)
    assert unpack_x_y_sample_weight(5) == (5, None, None)
    with pytest.raises(ValueError, match="format"):
        unpack_x_y_sample_weight((1, 2, 3, 4))


def test_python_lists_of_numbers_are_one_array():
    adapter = ArrayDataAdapter([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], [0, 1, 2],
                               sample_weight=[1.0, 1.0, 2.0])
    assert adapter.x_flat[0].shape == (3, 2) and adapter.y_flat[0].shape == (3,)
    assert adapter.sw_flat[0].shape == (3,)
