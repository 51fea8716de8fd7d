import numpy as np
import pytest

from pyfastfit import data
from pyfastfit.data import Dataset


def _xy(n=10):
    x = np.arange(n * 3, dtype="float32").reshape(n, 3)
    y = np.arange(n, dtype="int64")
    return x, y


def test_from_tensor_slices_elements_keep_structure():
    x, y = _xy(4)
    elements = list(Dataset.from_tensor_slices((x, {"label": y})))
    assert len(elements) == 4
    ex, ey = elements[2]
    np.testing.assert_array_equal(ex, x[2])
    assert list(ey) == ["label"] and ey["label"] == 2


def test_list_is_converted_to_one_array_as_in_tf_data():
    ds = Dataset.from_tensor_slices([[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(np.stack(list(ds)), [[1, 2], [3, 4], [5, 6]])


@pytest.mark.parametrize("n, bs, drop, sizes", [
    (10, 4, False, [4, 4, 2]),
    (10, 4, True, [4, 4]),
    (8, 4, False, [4, 4]),
    (3, 5, False, [3]),
    (3, 5, True, []),
    (0, 2, False, []),
])
def test_batch_sizes_and_values(n, bs, drop, sizes):
    x, y = _xy(n)
    ds = Dataset.from_tensor_slices((x, y)).batch(bs, drop_remainder=drop)
    batches = list(ds)
    assert [len(b[1]) for b in batches] == sizes
    assert ds.cardinality() == len(sizes)
    if batches:
        got_x = np.concatenate([b[0] for b in batches])
        np.testing.assert_array_equal(got_x, x[: sum(sizes)])
        assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int64


def test_dict_batches():
    x, y = _xy(5)
    batches = list(Dataset.from_tensor_slices({"a": x, "b": y}).batch(2))
    assert [list(b) for b in batches] == [["a", "b"]] * 3
    np.testing.assert_array_equal(batches[1]["a"], x[2:4])
    np.testing.assert_array_equal(batches[2]["b"], y[4:])


def test_shuffle_is_a_seeded_permutation_and_batches_follow_it():
    x, y = _xy(50)
    ds = Dataset.from_tensor_slices((x, y)).shuffle(50, seed=3).batch(8)
    batches = list(ds)
    order = np.concatenate([b[1] for b in batches])
    assert sorted(order) == list(range(50))
    assert not np.array_equal(order, np.arange(50))
    for bx, by in batches:  # rows stay aligned across arrays
        np.testing.assert_array_equal(bx, x[by])
    again = Dataset.from_tensor_slices((x, y)).shuffle(50, seed=3).batch(8)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in again]), order)


def test_shuffle_reshuffles_each_iteration_unless_told_not_to():
    y = np.arange(40)
    ds = Dataset.from_tensor_slices(y).shuffle(40, seed=0)
    first, second = list(ds), list(ds)
    assert sorted(first) == sorted(second) and first != second
    ds = Dataset.from_tensor_slices(y).shuffle(40, seed=0, reshuffle_each_iteration=False)
    assert list(ds) == list(ds)


def test_small_buffer_shuffle_is_local():
    y = np.arange(100)
    out = np.array(list(Dataset.from_tensor_slices(y).shuffle(5, seed=1)))
    assert sorted(out) == list(range(100))
    # With a buffer of 5, output i can only come from the first i + 5 elements.
    assert np.all(out[:-5] < np.arange(95) + 5)
    assert not np.array_equal(out, y)


@pytest.mark.parametrize("n, buffer_size, sizes", [
    (0, 5, [0]), (3, 5, [3]), (6, 5, [6]), (100, 1, [100]), (100, 7, [1, 2, 3, 94]),
    (9000, 4096, [9000]), (12000, 3, [1, 4100, 7899]), (20000, 1024, [20000]),
    (70000, 65537, [70000]),
])
def test_vectorized_index_shuffle_matches_the_element_shuffle(n, buffer_size, sizes):
    from pyfastfit.data.dataset import _buffer_shuffle, _buffer_shuffle_chunks

    starts = np.cumsum([0] + sizes)
    chunks = [range(a, b) for a, b in zip(starts[:-1], starts[1:])]
    got = list(_buffer_shuffle_chunks(chunks, buffer_size, np.random.default_rng(4)))
    want = list(_buffer_shuffle(iter(range(n)), buffer_size, np.random.default_rng(4)))
    assert all(c.dtype == np.int64 for c in got)
    assert [len(c) for c in got[:-1]] == [4096] * (len(got) - 1)
    np.testing.assert_array_equal(np.concatenate(got) if got else [], want)


def test_shuffle_with_global_seed_is_reproducible():
    y = np.arange(30)
    np.random.seed(7)
    a = list(Dataset.from_tensor_slices(y).shuffle(30))
    np.random.seed(7)
    b = list(Dataset.from_tensor_slices(y).shuffle(30))
    assert a == b


def test_repeat_crosses_epoch_boundaries_like_tf():
    y = np.arange(5)
    batches = list(Dataset.from_tensor_slices(y).repeat(2).batch(4))
    assert [b.tolist() for b in batches] == [[0, 1, 2, 3], [4, 0, 1, 2], [3, 4]]
    assert Dataset.from_tensor_slices(y).repeat(3).cardinality() == 15


def test_repeat_forever_take():
    ds = Dataset.from_tensor_slices(np.arange(3)).repeat()
    assert ds.cardinality() == data.INFINITE_CARDINALITY
    assert [int(v) for v in ds.take(7)] == [0, 1, 2, 0, 1, 2, 0]
    assert ds.take(7).cardinality() == 7
    with pytest.raises(TypeError, match="infinite"):
        len(ds)


def test_batch_then_repeat_restarts_batches():
    batches = list(Dataset.from_tensor_slices(np.arange(5)).batch(2).repeat(2))
    assert [b.tolist() for b in batches] == [[0, 1], [2, 3], [4], [0, 1], [2, 3], [4]]


def test_take_skip():
    ds = Dataset.from_tensor_slices(np.arange(10))
    assert [int(v) for v in ds.skip(3).take(4)] == [3, 4, 5, 6]
    assert ds.skip(3).cardinality() == 7 and ds.take(20).cardinality() == 10
    assert [b.tolist() for b in ds.skip(2).take(5).batch(2)] == [[2, 3], [4, 5], [6]]
    assert [b.tolist() for b in ds.batch(3).skip(1).take(2)] == [[3, 4, 5], [6, 7, 8]]
    assert list(ds.skip(-1)) == [] and ds.take(-1).cardinality() == 10


def test_map_per_element_and_per_batch():
    x, y = _xy(6)
    ds = Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a * 2, b + 1)).batch(4)
    bx, by = next(iter(ds))
    np.testing.assert_array_equal(bx, x[:4] * 2)
    np.testing.assert_array_equal(by, y[:4] + 1)
    ds = Dataset.from_tensor_slices({"a": x}).batch(4).map(lambda d: d["a"].sum(axis=1))
    out = list(ds)
    np.testing.assert_allclose(out[1], x[4:].sum(axis=1))
    assert ds.cardinality() == 2


def test_map_accepts_pyfastfit_tensors():
    from pyfastfit import ops

    ds = Dataset.from_tensor_slices(np.ones((4, 2), "float32")).batch(2)
    out = list(ds.map(lambda v: ops.multiply(v, 3.0)))
    assert isinstance(out[0], np.ndarray)
    np.testing.assert_allclose(out[0], np.full((2, 2), 3.0))


def test_shuffle_after_map_and_filter_unbatch():
    ds = Dataset.range(20).map(lambda v: v * 10).shuffle(4, seed=0)
    assert sorted(int(v) for v in ds) == list(range(0, 200, 10))
    ev = Dataset.range(10).filter(lambda v: v % 2 == 0)
    assert [int(v) for v in ev] == [0, 2, 4, 6, 8]
    assert ev.cardinality() == data.UNKNOWN_CARDINALITY
    rows = list(Dataset.range(5).batch(2).unbatch())
    assert [int(v) for v in rows] == [0, 1, 2, 3, 4]


def test_prefetch_and_len():
    ds = Dataset.from_tensor_slices(np.arange(7)).batch(3).prefetch(data.AUTOTUNE)
    assert len(ds) == 3 and ds.cardinality() == 3
    assert [b.tolist() for b in ds] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in ds.as_numpy_iterator()][-1] == [6]


def test_unshuffled_batches_are_views_of_the_input():
    x, _ = _xy(8)
    b = next(iter(Dataset.from_tensor_slices(x).batch(4)))
    assert np.shares_memory(b, x) and b.flags["C_CONTIGUOUS"]


def test_index_pipeline_gathers_whole_batches(monkeypatch):
    # from_tensor_slices + shuffle + repeat + batch never builds per-row elements.
    from pyfastfit.data import dataset as mod

    calls = []
    orig = mod._TensorSlices._gather
    monkeypatch.setattr(mod._TensorSlices, "_gather",
                        lambda self, idx: calls.append(idx) or orig(self, idx))
    x, y = _xy(100)
    batches = list(Dataset.from_tensor_slices((x, y)).shuffle(100, seed=0).repeat(2)
                   .batch(32))
    assert len(calls) == len(batches) == 7


def test_errors():
    with pytest.raises(ValueError, match=r"same first dimension.*\(3, 2\), \(4,\)"):
        Dataset.from_tensor_slices((np.zeros((3, 2)), np.zeros(4)))
    with pytest.raises(ValueError, match="scalar"):
        Dataset.from_tensor_slices(np.float32(1.0))
    ds = Dataset.from_tensor_slices(np.arange(3))
    with pytest.raises(ValueError, match="batch_size=0"):
        ds.batch(0)
    with pytest.raises(TypeError, match="batch_size"):
        ds.batch(2.5)
    with pytest.raises(ValueError, match="buffer_size=0"):
        ds.shuffle(0)
    with pytest.raises(TypeError, match="callable"):
        ds.map(3)
    bad = Dataset.range(3).map(lambda v: np.zeros(int(v)))
    with pytest.raises(ValueError, match="different shapes"):
        list(bad.batch(3))


def test_from_generator_is_called_for_each_pass():
    def gen(n):
        for i in range(n):
            yield np.full((2,), i, dtype="float32"), i

    ds = Dataset.from_generator(gen, args=(5,))
    assert ds.cardinality() == data.UNKNOWN_CARDINALITY
    batches = list(ds.batch(2))
    assert [b[1].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    np.testing.assert_array_equal(batches[0][0], [[0, 0], [1, 1]])
    assert len(list(ds)) == 5 and len(list(ds)) == 5
    with pytest.raises(TypeError, match="callable"):
        Dataset.from_generator([1, 2])


def test_zip_and_enumerate():
    a, b = Dataset.range(4), Dataset.range(10).map(lambda v: v * 2)
    pairs = [(int(x), int(y)) for x, y in Dataset.zip(a, b)]
    assert pairs == [(0, 0), (1, 2), (2, 4), (3, 6)]
    assert Dataset.zip(a, b).cardinality() == 4
    d = next(iter(Dataset.zip({"x": a, "y": a}).batch(2)))
    assert d["x"].tolist() == [0, 1] and d["y"].tolist() == [0, 1]
    assert Dataset.zip(a.repeat(), a.repeat()).cardinality() == data.INFINITE_CARDINALITY
    assert [(int(i), int(v)) for i, v in Dataset.range(5, 7).enumerate(1)] == [(1, 5), (2, 6)]
    with pytest.raises(TypeError, match="expects Datasets"):
        Dataset.zip(a, [1, 2])


def test_fit_on_a_dataset_matches_fit_on_arrays():
    import pyfastfit as keras
    from pyfastfit import layers

    rng = np.random.default_rng(0)
    x = rng.random((96, 5), dtype=np.float32)
    y = (x.sum(axis=1) > 2.5).astype("int32")

    def model(weights=None):
        m = keras.Sequential([keras.Input((5,)), layers.Dense(8, activation="relu"),
                              layers.Dense(2, activation="softmax")])
        if weights is not None:
            m.set_weights(weights)
        m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        return m

    a = model()
    b = model(a.get_weights())
    ha = a.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    hb = b.fit(Dataset.from_tensor_slices((x, y)).batch(16), epochs=2, verbose=0)
    np.testing.assert_allclose(hb.history["loss"], ha.history["loss"], rtol=1e-5)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wb, wa, rtol=1e-5, atol=1e-6)
