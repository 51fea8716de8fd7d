"""Fast path vs eager path on Datasets and real data: Dataset pipelines that batch rows
of arrays (shuffled, skipped, repeated, weighted, as validation data) give the same
model on both paths, the others fall back with a reason, and ~250 steps on the bundled
digits match too."""

from functools import partial

import numpy as np
import pytest

import pyfastfit as keras
from tests.trainers._fast_path_cases import X, Y3, _multi_input_data
from tests.trainers._fast_path_twins import (
    assert_same,
    mlp,
    record,
    twin,
)

K = keras.layers
O = keras.optimizers
S = keras.optimizers.schedules


# ---------------------------------------------------------------------- datasets
def test_validation_data_as_dataset():
    val = keras.data.Dataset.from_tensor_slices((X[:64], Y3[:64])).batch(16)
    build = partial(mlp, 3, "softmax", loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
    fast, eager = twin(build, lambda m: record(m, X, Y3, validation_data=val))
    assert_same(fast, eager)
    assert "val_accuracy" in fast["history"]


SW = np.abs(X[:, 3]).astype(np.float32) + 0.1


DATASETS = {
    "batch": lambda D: D.from_tensor_slices((X, Y3)).batch(32),
    "shuffle_whole": lambda D: D.from_tensor_slices((X, Y3)).shuffle(1000).batch(32),
    "shuffle_buffer_prefetch": lambda D: D.from_tensor_slices((X, Y3)).shuffle(
        64).batch(32).prefetch(2),
    "fixed_order_each_pass": lambda D: D.from_tensor_slices((X, Y3)).shuffle(
        500, seed=3, reshuffle_each_iteration=False).batch(40),
    "skip_take_repeat_drop": lambda D: D.from_tensor_slices((X, Y3)).skip(20).take(
        200).shuffle(50).repeat(2).batch(48, drop_remainder=True),
    "sample_weights": lambda D: D.from_tensor_slices((X, Y3, SW)).shuffle(128).batch(32),
}


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_dataset_pipelines(name):
    """A Dataset that only batches rows of arrays runs on the fast path: the Program
    gathers each batch in the order the pipeline yields (its shuffle RNG advancing as an
    eager pass's), for training, validation, evaluate and predict."""
    build = partial(mlp, 3, "softmax", loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"], weighted_metrics=["accuracy"])

    def run(m):
        D = keras.data.Dataset
        val = D.from_tensor_slices((X[10:110], Y3[10:110])).skip(5).take(90).batch(16)
        rec = record(m, DATASETS[name](D), None, epochs=3, validation_data=val,
                     eval_data=(val, None),
                     predict_x=D.from_tensor_slices(X[:90]).skip(13).batch(20).prefetch(1))
        rec["cardinality"] = int(DATASETS[name](D).cardinality())
        return rec

    fast, eager = twin(build, run)
    assert_same(fast, eager)
    assert fast["predict"][0].shape == (77, 3)


def test_dataset_with_class_weight_and_dict_inputs():
    xa, xb, yc, _ = _multi_input_data()
    cw = {0: 0.5, 1: 2.0, 2: 1.0}

    def build():
        a, b = keras.Input((5,), name="xa"), keras.Input((3, 1), name="xb")
        h = K.Concatenate()([K.Dense(6, activation="relu")(a), K.Flatten()(b)])
        m = keras.Model([a, b], K.Dense(3, activation="softmax")(h))
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m

    def run(m):
        ds = keras.data.Dataset.from_tensor_slices(({"xb": xb, "xa": xa}, yc))
        return record(m, ds.shuffle(100).batch(24), None, class_weight=cw,
                      eval_data=(ds.batch(64), None), predict_x=[xa, xb])

    assert_same(*twin(build, run))


def test_dataset_fallbacks_name_the_reason():
    m = mlp(3, "softmax", loss="sparse_categorical_crossentropy")
    D = keras.data.Dataset
    m.fit(D.from_tensor_slices((X, Y3)).batch(32).shuffle(4), epochs=1, verbose=0)
    assert "batched by batch()" in m.fast_path_reason
    m.fit(D.from_tensor_slices((X, Y3)).repeat().batch(32), epochs=1, steps_per_epoch=3,
          verbose=0)
    assert m.fast_path_reason == "steps/steps_per_epoch is set"
    m.evaluate(D.from_tensor_slices((X, Y3)).shuffle(10).batch(32), verbose=0)
    assert "shuffles or repeats" in m.fast_path_reason
    m.evaluate(D.from_tensor_slices((X, Y3)).take(0).batch(32), verbose=0)
    assert m.fast_path_reason == "the data has no samples"
    m.predict(D.from_tensor_slices(X).batch(32), verbose=0)
    assert m.fast_path_reason is None
    # Arrays the fast path cannot take are left to the eager loop and its error.
    inp = keras.Input((8,))
    two = keras.Model(inp, [K.Dense(3, activation="softmax")(inp),
                            K.Dense(3, activation="softmax")(inp)])
    two.compile("sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="class_weight` needs batches"):
        two.fit(D.from_tensor_slices((X, (Y3, Y3))).batch(32), class_weight={0: 2.0},
                verbose=0)
    assert "class_weight` is only supported for Models with a single output" in \
        two.fast_path_reason


# ---------------------------------------------------------------------- real data
def test_digits_real_data_many_steps():
    """The bundled UCI digits (8x8 uint8 images): ~250 steps with Dropout, shuffling,
    validation and a schedule give the same model on both paths."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data(seed=0)
    x_train, x_test = x_train[:1000], x_test[:200]
    y_train, y_test = y_train[:1000], y_test[:200]

    def build():
        m = keras.Sequential([
            keras.Input((8, 8)), K.Flatten(),
            K.Dense(32, activation="relu"), K.Dropout(0.3), K.Dense(32, activation="tanh"),
            K.Dropout(0.1), K.Dense(10, activation="softmax")])
        m.compile(optimizer=O.Adam(S.CosineDecay(0.01, 250)),
                  loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=3)])
        return m

    x_train = x_train.astype(np.float32) / 16
    x_test = x_test.astype(np.float32) / 16
    fast, eager = twin(build, lambda m: record(
        m, x_train, y_train, epochs=8, batch_size=32, validation_split=0.2,
        eval_data=(x_test, y_test), predict_x=x_test), seed=3)
    assert_same(fast, eager)
    assert fast["iterations"] == 8 * 25
    assert fast["evaluate"]["accuracy"] > 0.8
