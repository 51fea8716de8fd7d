import math

import numpy as np
import pytest

from pyfastfit import utils


class Batches(utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, idx):
        sl = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
        return self.x[sl], self.y[sl]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_py_dataset_defaults_and_iteration():
    x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    ds = Batches(x, y, 2)
    assert (ds.workers, ds.use_multiprocessing, ds.max_queue_size) == (1, False, 10)
    assert len(ds) == 3 and ds.num_batches == 3
    batches = list(ds)
    assert [len(b[1]) for b in batches] == [2, 2, 1]
    np.testing.assert_array_equal(batches[2][0], x[4:])
    ds.on_epoch_end()
    assert ds.epochs_ended == 1


def test_py_dataset_stores_loader_options():
    ds = Batches(np.zeros((4, 1)), np.zeros(4), 2, workers=3, use_multiprocessing=True,
                 max_queue_size=5)
    assert (ds.workers, ds.use_multiprocessing, ds.max_queue_size) == (3, True, 5)


def test_sequence_is_an_alias_and_base_methods_raise():
    assert utils.Sequence is utils.PyDataset

    class Empty(utils.Sequence):
        pass

    ds = Empty()
    with pytest.raises(NotImplementedError, match="__getitem__"):
        ds[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(ds)
    assert ds.num_batches is None


def test_subclass_without_super_init_warns_as_keras_and_has_defaults():
    class NoSuper(utils.PyDataset):
        def __init__(self):
            pass

    ds = NoSuper()
    with pytest.warns(UserWarning, match=r"should call `super\(\).__init__\(\*\*kwargs\)`"):
        assert ds.workers == 1
    assert (ds.use_multiprocessing, ds.max_queue_size) == (False, 10)  # warned once


def test_endless_py_dataset_iterates_without_end():
    class Endless(utils.PyDataset):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, idx):
            return np.full((2, 1), idx)

    it = iter(Endless())
    assert [int(next(it)[0, 0]) for _ in range(50)] == list(range(50))


@pytest.mark.parametrize("kwargs, match", [
    ({"workers": 0}, "workers=0"),
    ({"max_queue_size": 0}, "max_queue_size=0"),
])
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        utils.PyDataset(**kwargs)
