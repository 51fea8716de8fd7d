import numpy as np
import pytest

from pyfastfit.utils import timeseries_dataset_from_array


def _reference(data, targets, length, stride, rate, start, end):
    out_x, out_y = [], []
    s = start
    while s + (length - 1) * rate < end and (targets is None or s < len(targets)):
        out_x.append(data[s:s + (length - 1) * rate + 1:rate])
        if targets is not None:
            out_y.append(targets[s])
        s += stride
    return np.array(out_x), np.array(out_y)


@pytest.mark.parametrize("length, stride, rate, start, end, batch", [
    (3, 1, 1, None, None, 4),
    (4, 2, 1, None, None, 3),
    (2, 1, 3, 2, 18, 5),
    (5, 3, 2, 1, None, 100),
])
def test_windows_and_targets_match_a_reference(length, stride, rate, start, end, batch):
    data = np.arange(40, dtype="float32").reshape(20, 2)
    targets = np.arange(100, 120)
    ds = timeseries_dataset_from_array(data, targets, length, sequence_stride=stride,
                                       sampling_rate=rate, batch_size=batch,
                                       start_index=start, end_index=end)
    batches = list(ds)
    assert all(len(b[0]) <= batch for b in batches)
    x = np.concatenate([b[0] for b in batches])
    y = np.concatenate([b[1] for b in batches])
    ref_x, ref_y = _reference(data, targets, length, stride, rate, start or 0, end or 20)
    np.testing.assert_array_equal(x, ref_x)
    np.testing.assert_array_equal(y, ref_y)


def test_no_targets_unbatched_and_shuffled():
    data = np.arange(10)
    first = next(iter(timeseries_dataset_from_array(data, None, 3, batch_size=4)))
    np.testing.assert_array_equal(first, [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]])
    single = list(timeseries_dataset_from_array(data, None, 3, batch_size=None))
    assert len(single) == 8 and single[-1].tolist() == [7, 8, 9]
    ds = timeseries_dataset_from_array(data, data * 10, 3, batch_size=8, shuffle=True, seed=1)
    x, y = next(iter(ds))
    assert sorted(y.tolist()) == list(range(0, 80, 10)) and y.tolist() != sorted(y.tolist())
    np.testing.assert_array_equal(x[:, 0] * 10, y)


def test_errors():
    with pytest.raises(ValueError, match="sequence_length=0"):
        timeseries_dataset_from_array(np.arange(5), None, 0)
    with pytest.raises(ValueError, match="same number of time steps"):
        timeseries_dataset_from_array(np.arange(5), np.arange(4), 2)
    with pytest.raises(ValueError, match="end_index=9"):
        timeseries_dataset_from_array(np.arange(5), None, 2, end_index=9)
