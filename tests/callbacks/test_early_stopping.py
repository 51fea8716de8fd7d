"""EarlyStopping: Keras 3's stopping rule, baseline, start_from_epoch, restore."""

import numpy as np
import pytest

import pyfastfit as keras
from tests.callbacks._models import FakeModel, classifier, data, drive, path  # noqa: F401

ES = keras.callbacks.EarlyStopping


def test_patience_counts_epochs_without_improvement():
    assert drive(ES(patience=2), [3.0, 2.0, 2.5, 2.4, 1.0]) == 3
    assert drive(ES(patience=0), [3.0, 2.0, 2.5]) == 2
    assert drive(ES(patience=5), [3.0, 2.0, 2.5]) is None


def test_min_delta_and_ties_are_not_improvements():
    assert drive(ES(patience=1), [1.0, 1.0, 1.0]) == 1
    assert drive(ES(patience=1, min_delta=0.5), [1.0, 0.7, 0.6]) == 1
    assert drive(ES(patience=1, min_delta=0.5), [1.0, 0.4, 0.1]) == 2


def test_mode_max_and_auto_direction_from_metric():
    assert drive(ES(monitor="acc", mode="max", patience=1), [0.5, 0.4, 0.6], "acc") == 1
    m = classifier()
    x, y = data()
    m.fit(x, y, epochs=1, verbose=0)
    cb = ES(monitor="val_accuracy")
    cb.set_model(m)
    cb._set_monitor_op()
    assert cb.monitor_op is np.greater
    cb = ES(monitor="my_thing")
    cb.set_model(m)
    with pytest.raises(ValueError, match="monitor=my_thing"):
        cb._set_monitor_op()


def test_unknown_mode_warns_and_falls_back_to_auto():
    with pytest.warns(UserWarning, match="mode 'sideways' is unknown"):
        cb = ES(mode="sideways")
    assert cb.mode == "auto"


def test_baseline_must_be_beaten():
    # Improvements that miss the baseline 1.0 do not reset the wait (but an
    # improving epoch never stops training).
    assert drive(ES(patience=2, baseline=1.0), [2.0, 1.5, 1.6]) == 2
    assert drive(ES(patience=2, baseline=1.0), [2.0, 1.5, 1.2, 1.1]) is None
    assert drive(ES(patience=2, baseline=1.0), [0.9, 0.8, 0.7]) is None


def test_start_from_epoch_ignores_warmup_epochs():
    assert drive(ES(patience=0, start_from_epoch=2), [1.0, 2.0, 3.0, 4.0]) == 3


def test_restore_best_weights_and_messages(capsys):
    model = FakeModel()
    stopped = drive(ES(patience=1, verbose=1, restore_best_weights=True),
                    [3.0, 1.0, 2.0, 2.5], model=model)
    assert stopped == 2
    np.testing.assert_array_equal(model.get_weights()[0], [1.0, 1.0])
    out = capsys.readouterr().out
    assert out == ("Epoch 3: early stopping\n"
                   "Restoring model weights from the end of the best epoch: 2.\n")


def test_missing_monitor_warns_with_available_keys():
    cb = ES(monitor="val_loss")
    with pytest.warns(UserWarning, match="`val_loss` which is not available. "
                                         "Available metrics are: loss"):
        assert drive(cb, [1.0, 2.0], key="loss") is None


def test_nan_is_never_an_improvement():
    assert drive(ES(patience=1), [1.0, float("nan"), float("nan")]) == 1


def test_in_fit_stops_and_restores(path):
    x, y = data()
    m = classifier(lr=0.0)  # nothing improves: stops after `patience` epochs
    cb = ES(monitor="loss", patience=2, restore_best_weights=True, min_delta=1e-4)
    w0 = m.get_weights()
    h = m.fit(x, y, epochs=10, verbose=0, callbacks=[cb])
    assert len(h.history["loss"]) == 3 and cb.stopped_epoch == 2
    for a, b in zip(w0, m.get_weights()):
        np.testing.assert_array_equal(a, b)
    if path == "fast":
        assert m.fast_path_reason is None
