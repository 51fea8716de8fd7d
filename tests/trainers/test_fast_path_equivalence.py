"""Fast path vs eager path: with one seed, N steps give the same weights, optimizer
state, losses, metrics, evaluate() and predict() results to float32 round-off, and
the same Dropout call counters, for each optimizer, loss, metric and fit option."""

from functools import partial

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import config
from tests.trainers._fast_path_twins import (
    assert_same,
    class_labels,
    features,
    mlp,
    one_hot,
    record,
    state,
    twin,
)

K = keras.layers
O = keras.optimizers
S = keras.optimizers.schedules


X = features()
Y3 = class_labels(X, 3)


# ---------------------------------------------------------------------- optimizers
OPTIMIZERS = {
    "sgd": lambda: O.SGD(0.05),
    "sgd_momentum": lambda: O.SGD(0.05, momentum=0.9),
    "sgd_nesterov": lambda: O.SGD(0.05, momentum=0.9, nesterov=True),
    "sgd_weight_decay": lambda: O.SGD(0.05, weight_decay=0.01),
    "rmsprop": lambda: O.RMSprop(0.01),
    "rmsprop_centered_momentum": lambda: O.RMSprop(0.01, momentum=0.5, centered=True),
    "adam": lambda: O.Adam(0.01),
    "adam_amsgrad": lambda: O.Adam(0.01, amsgrad=True),
    "adamw": lambda: O.AdamW(0.01, weight_decay=0.05),
    "adagrad": lambda: O.Adagrad(0.1),
    "adamax": lambda: O.Adamax(0.01),
    "nadam": lambda: O.Nadam(0.01),
    "adam_clipnorm": lambda: O.Adam(0.01, clipnorm=0.05),
    "sgd_clipvalue": lambda: O.SGD(0.1, clipvalue=0.01),
    "rmsprop_global_clipnorm": lambda: O.RMSprop(0.01, global_clipnorm=0.05),
    "adam_exponential_decay": lambda: O.Adam(S.ExponentialDecay(0.02, 5, 0.8)),
    "sgd_piecewise": lambda: O.SGD(S.PiecewiseConstantDecay([6, 12], [0.1, 0.05, 0.01])),
    "adam_cosine": lambda: O.Adam(S.CosineDecay(0.02, 20)),
    "rmsprop_inverse_time": lambda: O.RMSprop(S.InverseTimeDecay(0.02, 4, 0.5)),
    "sgd_polynomial": lambda: O.SGD(S.PolynomialDecay(0.1, 15, 0.001, power=2.0)),
    "adamw_staircase": lambda: O.AdamW(S.ExponentialDecay(0.02, 4, 0.5, staircase=True)),
    "adam_hyper": lambda: O.Adam(0.01, beta_1=0.5, beta_2=0.9, epsilon=1e-3),
    "adagrad_accumulator_clip_decay": lambda: O.Adagrad(0.1, initial_accumulator_value=0.5,
                                                        clipvalue=0.05, weight_decay=0.01),
    "rmsprop_rho": lambda: O.RMSprop(0.01, rho=0.5, epsilon=1e-4),
    "adamax_weight_decay": lambda: O.Adamax(0.02, weight_decay=0.02),
    "nadam_clipnorm_schedule": lambda: O.Nadam(S.InverseTimeDecay(0.02, 5, 0.5), clipnorm=0.1),
    "adamw_amsgrad_global_clipnorm": lambda: O.AdamW(0.01, amsgrad=True, global_clipnorm=0.2),
    "sgd_nesterov_without_momentum": lambda: O.SGD(0.05, nesterov=True),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers(name):
    def build():
        return mlp(3, "softmax", optimizer=OPTIMIZERS[name](),
                   loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    fast, eager = twin(build, lambda m: record(m, X, Y3, epochs=2))
    assert_same(fast, eager)
    assert fast["iterations"] == 2 * 10


def test_adamw_excluded_from_weight_decay():
    def build():
        opt = O.AdamW(0.01, weight_decay=0.1)
        opt.exclude_from_weight_decay(var_names=["bias"])
        return mlp(3, "softmax", optimizer=opt, loss="sparse_categorical_crossentropy")

    assert_same(*twin(build, lambda m: record(m, X, Y3)))


def test_learning_rate_changed_between_fits():
    def run(m):
        m.fit(X, Y3, epochs=1, verbose=0)
        m.optimizer.learning_rate = 0.003
        return record(m, X, Y3, epochs=1)

    assert_same(*twin(lambda: mlp(3, "softmax", optimizer=O.Adam(0.02),
                                  loss="sparse_categorical_crossentropy"), run))


# ---------------------------------------------------------------------- losses
def _targets(kind, units):
    rng = np.random.default_rng(3)
    if kind == "sparse":
        return class_labels(X, units)
    if kind == "onehot":
        return one_hot(class_labels(X, units), units)
    if kind == "binary":
        return (X[:, :units] + 0.3 * rng.normal(size=(len(X), units)) > 0).astype(np.float32)
    if kind == "signs":
        return np.where(X[:, :units] > 0, 1.0, -1.0).astype(np.float32)
    if kind == "positive":
        return (np.abs(X[:, :units]) + 0.5).astype(np.float32)
    if kind == "counts":
        return rng.poisson(np.exp(0.5 * X[:, :units])).astype(np.float32)
    return (X[:, :units] * 0.7 + 0.1 * X[:, units:2 * units]).astype(np.float32)


L = keras.losses
LOSSES = {
    # name: (loss factory, units, output activation, target kind)
    "sparse_cce": (lambda: "sparse_categorical_crossentropy", 3, "softmax", "sparse"),
    "sparse_cce_logits": (lambda: L.SparseCategoricalCrossentropy(from_logits=True), 3, None,
                          "sparse"),
    "sparse_cce_sum": (lambda: L.SparseCategoricalCrossentropy(reduction="sum"), 3,
                       "softmax", "sparse"),
    "cce": (lambda: "categorical_crossentropy", 4, "softmax", "onehot"),
    "cce_logits": (lambda: L.CategoricalCrossentropy(from_logits=True), 4, None, "onehot"),
    "bce": (lambda: "binary_crossentropy", 1, "sigmoid", "binary"),
    "bce_multilabel": (lambda: L.BinaryCrossentropy(), 3, "sigmoid", "binary"),
    "bce_logits": (lambda: L.BinaryCrossentropy(from_logits=True), 3, None, "binary"),
    "cce_label_smoothing": (lambda: L.CategoricalCrossentropy(label_smoothing=0.1), 4,
                            "softmax", "onehot"),
    "cce_logits_label_smoothing": (lambda: L.CategoricalCrossentropy(
        from_logits=True, label_smoothing=0.3), 4, None, "onehot"),
    "bce_label_smoothing": (lambda: L.BinaryCrossentropy(label_smoothing=0.2), 3, "sigmoid",
                            "binary"),
    "bce_logits_label_smoothing": (lambda: L.BinaryCrossentropy(
        from_logits=True, label_smoothing=0.05), 1, None, "binary"),
    "mse": (lambda: "mse", 2, None, "regression"),
    "mse_sum": (lambda: L.MeanSquaredError(reduction="sum"), 2, None, "regression"),
    "mse_function": (lambda: L.mean_squared_error, 2, None, "regression"),
    "mae": (lambda: "mae", 2, None, "regression"),
    "mape": (lambda: "mape", 2, "softplus", "positive"),
    "msle": (lambda: L.MeanSquaredLogarithmicError(), 2, "softplus", "positive"),
    "huber": (lambda: L.Huber(delta=0.5), 2, None, "regression"),
    "huber_default": (lambda: "huber", 2, None, "regression"),
    "log_cosh": (lambda: "log_cosh", 2, None, "regression"),
    "hinge": (lambda: "hinge", 1, "tanh", "signs"),
    "hinge_01": (lambda: L.Hinge(), 2, "tanh", "binary"),
    "squared_hinge": (lambda: L.SquaredHinge(), 2, "tanh", "signs"),
    "poisson": (lambda: "poisson", 2, "softplus", "counts"),
    "poisson_exp": (lambda: L.Poisson(), 2, "exponential", "counts"),
}


def test_label_smoothing_leaves_metric_targets_alone():
    """The loss reads smoothed targets; accuracy and mse read them as given."""
    y = one_hot(class_labels(X, 4), 4)
    build = partial(mlp, 4, "softmax", loss=L.CategoricalCrossentropy(label_smoothing=0.2),
                    metrics=["accuracy", "mse"])
    fast, eager = twin(build, lambda m: record(m, X, y, validation_split=0.25))
    assert_same(fast, eager)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses(name):
    loss, units, act, kind = LOSSES[name]
    y = _targets(kind, units)

    def build():
        return mlp(units, act, optimizer=O.Adam(0.005), loss=loss())

    fast, eager = twin(build, lambda m: record(m, X, y, epochs=2))
    assert_same(fast, eager)
    assert np.isfinite(fast["history"]["loss"]).all()


# ---------------------------------------------------------------------- metrics
M = keras.metrics
METRICS = {
    # name: (metrics factory, loss, units, output activation, target kind)
    "accuracy_sparse": (lambda: ["accuracy", "acc"], "sparse_categorical_crossentropy", 3,
                        "softmax", "sparse"),
    "accuracy_categorical": (lambda: ["accuracy"], "categorical_crossentropy", 4, "softmax",
                             "onehot"),
    "accuracy_binary": (lambda: ["accuracy"], "binary_crossentropy", 1, "sigmoid", "binary"),
    "sparse_categorical_accuracy": (lambda: [M.SparseCategoricalAccuracy(name="sca")],
                                    "sparse_categorical_crossentropy", 3, "softmax",
                                    "sparse"),
    "sparse_top_k": (lambda: [M.SparseTopKCategoricalAccuracy(k=2),
                              "sparse_top_k_categorical_accuracy"],
                     "sparse_categorical_crossentropy", 6, "softmax", "sparse"),
    "categorical_accuracy": (lambda: ["categorical_accuracy", M.CategoricalAccuracy()],
                             "categorical_crossentropy", 4, "softmax", "onehot"),
    "top_k": (lambda: [M.TopKCategoricalAccuracy(k=3)], "categorical_crossentropy", 6,
              "softmax", "onehot"),
    "binary_accuracy_threshold": (lambda: [M.BinaryAccuracy(threshold=0.3),
                                           "binary_accuracy"],
                                  "binary_crossentropy", 3, "sigmoid", "binary"),
    "exact_accuracy": (lambda: [M.Accuracy()], "mse", 2, "relu", "binary"),
    "mean_errors": (lambda: ["mse", "mae", M.MeanSquaredError(name="m2")], "mse", 2, None,
                    "regression"),
    "root_mean_squared_error": (lambda: [M.RootMeanSquaredError(), "mse"], "mae", 3, None,
                                "regression"),
    "percentage_log_errors": (lambda: [M.MeanAbsolutePercentageError(),
                                       M.MeanSquaredLogarithmicError(), "msle"],
                              "mae", 2, "softplus", "positive"),
    "log_cosh_error": (lambda: [M.LogCoshError()], "huber", 2, None, "regression"),
    "hinge_metrics": (lambda: [M.Hinge(), M.SquaredHinge()], "hinge", 2, "tanh", "signs"),
    "poisson_metric": (lambda: [M.Poisson()], "poisson", 2, "softplus", "counts"),
    # Confusion metrics get explicit names: default ones are uniquified per process.
    "confusion_counts": (lambda: [M.TruePositives(thresholds=[0.3, 0.6], name="tp"),
                                  M.FalsePositives(name="fp"), M.TrueNegatives(name="tn"),
                                  M.FalseNegatives(0.7, name="fn")],
                         "binary_crossentropy", 1, "sigmoid", "binary"),
    "precision_recall": (lambda: [M.Precision(name="p"),
                                  M.Recall(thresholds=[0.2, 0.5, 0.8], name="r")],
                         "binary_crossentropy", 3, "sigmoid", "binary"),
    "auc_roc_pr": (lambda: [M.AUC(name="roc"), M.AUC(curve="PR", num_thresholds=50, name="pr"),
                            M.AUC(thresholds=[0.1, 0.4, 0.9], name="auc3")],
                   "categorical_crossentropy", 4, "softmax", "onehot"),
}


@pytest.mark.parametrize("name", sorted(METRICS))
@pytest.mark.parametrize("weighted", [False, True], ids=["metrics", "weighted_metrics"])
def test_metrics(name, weighted):
    metrics, loss, units, act, kind = METRICS[name]
    y = _targets(kind, units)
    sw = np.random.default_rng(5).uniform(0.2, 2.0, len(X)).astype(np.float32)

    def build():
        kw = {"weighted_metrics": metrics()} if weighted else {"metrics": metrics()}
        return mlp(units, act, optimizer=O.Adam(0.005), loss=loss, **kw)

    fast, eager = twin(build, lambda m: record(m, X, y, sample_weight=sw,
                                               eval_kw={"sample_weight": sw}))
    assert_same(fast, eager)
    assert len(fast["history"]) >= 2


def test_metrics_and_weighted_metrics_together():
    y = one_hot(class_labels(X, 4), 4)
    sw = np.random.default_rng(5).uniform(0.0, 2.0, len(X)).astype(np.float32)

    def build():
        return mlp(4, "softmax", optimizer="rmsprop", loss="categorical_crossentropy",
                   metrics=["accuracy", "mse"], weighted_metrics=["accuracy", "mae"])

    fast, eager = twin(build, lambda m: record(m, X, y, sample_weight=sw,
                                               validation_data=(X[:50], y[:50], sw[:50])))
    assert_same(fast, eager)
    assert sorted(fast["history"]) == ["accuracy", "loss", "mae", "mse", "val_accuracy",
                                       "val_loss", "val_mae", "val_mse",
                                       "val_weighted_accuracy", "weighted_accuracy"]


# ---------------------------------------------------------------------- fit options
def _sw():
    return np.random.default_rng(9).uniform(0.1, 3.0, len(X)).astype(np.float32)


FIT_OPTIONS = {
    "shuffle_false": dict(shuffle=False),
    "shuffle_true": dict(shuffle=True, epochs=3),
    "sample_weight": dict(sample_weight=_sw()),
    "sample_weight_column": dict(sample_weight=_sw().reshape(-1, 1)),
    "sample_weight_zeros": dict(sample_weight=np.where(np.arange(len(X)) % 3 == 0, 0.0,
                                                       1.0).astype(np.float32)),
    "class_weight": dict(class_weight={0: 0.5, 1: 2.0, 2: 1.3}),
    "class_weight_partial": dict(class_weight={1: 4.0}),
    "validation_split": dict(validation_split=0.2),
    "validation_split_weighted": dict(validation_split=0.25, sample_weight=_sw()),
    "validation_data": dict(validation_data=(X[:64], Y3[:64])),
    "validation_data_weighted": dict(validation_data=(X[:64], Y3[:64], _sw()[:64])),
    "validation_freq": dict(validation_data=(X[:64], Y3[:64]), epochs=4, validation_freq=2),
    "validation_batch_size": dict(validation_split=0.2, validation_batch_size=7),
    "short_last_batch": dict(batch_size=64),
    "batch_larger_than_data": dict(batch_size=1000),
    "batch_size_one": dict(batch_size=1, epochs=1),
    "batch_size_above_default_max": dict(batch_size=100, epochs=3),
    "many_epochs": dict(epochs=5, batch_size=128),
}


@pytest.mark.parametrize("name", sorted(FIT_OPTIONS))
def test_fit_options(name):
    kw = dict(FIT_OPTIONS[name])

    def build():
        return mlp(3, "softmax", optimizer=O.Adam(0.01), loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"], weighted_metrics=["accuracy"])

    fast, eager = twin(build, lambda m: record(m, X, Y3, **kw))
    assert_same(fast, eager)


def test_class_weight_with_one_hot_targets():
    y = one_hot(Y3, 3)

    def build():
        return mlp(3, "softmax", optimizer="adam", loss="categorical_crossentropy",
                   metrics=["accuracy"])

    assert_same(*twin(build, lambda m: record(m, X, y, class_weight={0: 1.0, 1: 0.3,
                                                                     2: 2.5})))


@pytest.mark.parametrize("variant", ["float64_x", "int_x", "column_labels", "float_labels",
                                     "int32_labels", "fortran_x"])
def test_input_dtypes_and_layouts(variant):
    x, y = X, Y3
    if variant == "float64_x":
        x = X.astype(np.float64)
    elif variant == "int_x":
        x = np.round(X * 3).astype(np.int32)
    elif variant == "column_labels":
        y = Y3.reshape(-1, 1)
    elif variant == "float_labels":
        y = Y3.astype(np.float32)
    elif variant == "int32_labels":
        y = Y3.astype(np.int32)
    elif variant == "fortran_x":
        x = np.asfortranarray(X)

    def build():
        return mlp(3, "softmax", optimizer="adam", loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"])

    assert_same(*twin(build, lambda m: record(m, x, y, eval_data=(x, y), predict_x=x)))


# ---------------------------------------------------------------------- resume
def test_initial_epoch_resume():
    def run(m):
        m.fit(X, Y3, epochs=2, verbose=0)
        return record(m, X, Y3, epochs=4, initial_epoch=2)

    def build():
        return mlp(3, "softmax", optimizer=O.Adam(S.ExponentialDecay(0.02, 7, 0.7)),
                   loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    fast, eager = twin(build, run)
    assert_same(fast, eager)
    assert fast["epoch"] == [2, 3]
    assert fast["iterations"] == 40


@pytest.mark.parametrize("first_fast", [True, False], ids=["fast_then_eager",
                                                           "eager_then_fast"])
def test_switching_paths_mid_training_matches_one_path(first_fast):
    """Half the epochs on one path and half on the other == all epochs eager."""
    def build():
        return mlp(3, "softmax", optimizer=O.Nadam(0.01), loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"])

    def mixed(m):
        config.set_fast_path_enabled(first_fast)
        h1 = m.fit(X, Y3, epochs=2, verbose=0)
        config.set_fast_path_enabled(not first_fast)
        h2 = m.fit(X, Y3, epochs=4, initial_epoch=2, verbose=0)
        return h1.history, h2.history, state(m)

    def eager(m):
        h1 = m.fit(X, Y3, epochs=2, verbose=0)
        h2 = m.fit(X, Y3, epochs=4, initial_epoch=2, verbose=0)
        return h1.history, h2.history, state(m)

    config.set_fast_path_enabled(False)
    keras.utils.set_random_seed(7)
    m = build()
    np.random.seed(11)
    ref = eager(m)
    keras.utils.set_random_seed(7)
    m = build()
    np.random.seed(11)
    got = mixed(m)
    config.set_fast_path_enabled(True)
    for a, b in ((got[0], ref[0]), (got[1], ref[1])):
        assert list(a) == list(b)
        for k in a:
            np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-6)
    got[2]["fit_reason"] = ref[2]["fit_reason"] = None
    for key in ("weights", "opt_vars"):
        for u, v in zip(got[2][key], ref[2][key]):
            np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-6)
    assert got[2]["iterations"] == ref[2]["iterations"] == 40
    assert got[2]["dropout"] == ref[2]["dropout"]


def test_evaluate_and_predict_before_fit():
    """Untrained compiled model: evaluate/predict programs only (batch sizes vary)."""
    sw = _sw()

    def run(m):
        rec = state(m)
        rec["evaluate"] = m.evaluate(X, Y3, batch_size=45, sample_weight=sw, verbose=0,
                                     return_dict=True)
        rec["eval_reason"] = m.fast_path_reason
        rec["predict"] = [m.predict(X, batch_size=77, verbose=0)]
        rec["predict_reason"] = m.fast_path_reason
        return rec

    def build():
        return mlp(3, "softmax", loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"], weighted_metrics=["accuracy"])

    assert_same(*twin(build, run))


def test_predict_uncompiled_model():
    def run(m):
        rec = {"weights": m.get_weights(), "opt_vars": [], "iterations": 0, "dropout": []}
        rec["predict"] = [m.predict(X, batch_size=50, verbose=0)]
        rec["predict_reason"] = m.fast_path_reason
        return rec

    def build():
        return keras.Sequential([keras.Input((8,)), K.Dense(5, activation="tanh"),
                                 K.Dropout(0.5), K.Dense(2)])

    assert_same(*twin(build, run))


# ---------------------------------------------------------------------- graphs
DENSE_ACTIVATIONS = ["relu", "sigmoid", "tanh", "linear", "gelu", "elu", "selu", "softplus",
                     "softsign", "swish", "silu", "relu6", "hard_sigmoid",
                     "exponential", "log_softmax"]


@pytest.mark.parametrize("activation", DENSE_ACTIVATIONS)
def test_dense_activations(activation):
    def build():
        if activation == "exponential":  # keep exp() small
            body = [K.Dense(12, activation="tanh"), K.Dense(6, activation=activation)]
        else:
            body = [K.Dense(12, activation=activation), K.Dense(6, activation=activation)]
        m = keras.Sequential([keras.Input((8,))] + body + [K.Dense(3)])
        m.compile(optimizer=O.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
        return m

    assert_same(*twin(build, lambda m: record(m, X, Y3)))


def _functional(make, optimizer="adam", loss="sparse_categorical_crossentropy",
                metrics=("accuracy",), n_in=8, in_shape=None, **compile_kw):
    inp = keras.Input(in_shape or (n_in,))
    out = make(inp)
    m = keras.Model(inp, out)
    m.compile(optimizer=optimizer, loss=loss, metrics=list(metrics) if metrics else None,
              **compile_kw)
    return m


def _two_branches(merge, width=6):
    def make(inp):
        a = K.Dense(width, activation="tanh")(inp)
        b = K.Dense(width, activation="sigmoid")(inp)
        h = merge()([a, b])
        h = K.Dropout(0.25)(h)
        return K.Dense(3, activation="softmax")(h)
    return make


MERGES = {
    "add": K.Add, "subtract": K.Subtract, "multiply": K.Multiply, "average": K.Average,
    "maximum": K.Maximum, "minimum": K.Minimum, "concatenate": K.Concatenate,
    "concatenate_axis1": lambda: K.Concatenate(axis=1),
}


@pytest.mark.parametrize("name", sorted(MERGES))
def test_merge_layers(name):
    assert_same(*twin(lambda: _functional(_two_branches(MERGES[name])),
                      lambda m: record(m, X, Y3)))


def test_three_way_merges_and_fan_out():
    """One tensor feeds several consumers (gradients add up), 3-input merges."""
    def make(inp):
        h = K.Dense(8, activation="relu")(inp)
        a = K.Dense(8, activation="tanh")(h)
        b = K.Dense(8)(h)
        s = K.Add()([h, a, b])
        mx = K.Maximum()([a, b, s])
        c = K.Concatenate()([s, mx, h, inp])
        c = K.LeakyReLU(negative_slope=0.1)(c)
        return K.Dense(3)(c)

    def build():
        return _functional(make, optimizer=O.SGD(0.05, momentum=0.9),
                           loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

    assert_same(*twin(build, lambda m: record(m, X, Y3)))


def _multi_input(names=None):
    """Two inputs of different widths (one rank-3, flattened), two outputs."""
    a = keras.Input((5,), name=names[0] if names else None)
    b = keras.Input((3, 1), name=names[1] if names else None)
    h = K.Concatenate()([K.Dense(6, activation="relu")(a), K.Flatten()(b)])
    h = K.Dropout(0.3)(K.Dense(8, activation="tanh")(h))
    out_c = K.Dense(3, activation="softmax", name="cls")(h)
    out_r = K.Dense(1, name="reg")(K.Add()([K.Dense(8)(K.Flatten()(b)), h]))
    return keras.Model([a, b], [out_c, out_r])


def _multi_input_data(n=300):
    x = features(n, 8, seed=5)
    xa, xb = x[:, :5], x[:, 5:].reshape(n, 3, 1)
    return xa, xb, class_labels(x), x[:, :1] * 2.0 - x[:, 1:2]


@pytest.mark.parametrize("x_as", ["list", "dict"])
def test_multi_input_models(x_as):
    """Several inputs (gathered row by row from each array), several outputs, as a list
    or a dict of arrays keyed by input name."""
    xa, xb, yc, yr = _multi_input_data()
    x = [xa, xb] if x_as == "list" else {"xb": xb, "xa": xa}

    def build():
        m = _multi_input(("xa", "xb"))
        m.compile(optimizer=O.RMSprop(0.01), loss=["sparse_categorical_crossentropy", "mse"],
                  loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mae"]])
        return m

    fast, eager = twin(build, lambda m: record(m, x, [yc, yr], validation_split=0.2,
                                               shuffle=True))
    assert_same(fast, eager)
    assert sorted(fast["history"]) == sorted(eager["history"])
    assert "val_cls_accuracy" in fast["history"]


def test_multi_input_wrong_arrays_fall_back_with_eager_error():
    """x that does not match the inputs is left to the eager path, which raises."""
    xa, xb, yc, yr = _multi_input_data()
    m = _multi_input(("xa", "xb"))
    m.compile(optimizer="sgd", loss=["sparse_categorical_crossentropy", "mse"])
    with pytest.raises(ValueError, match=r"expected 2 inputs \['xa', 'xb'\].*missing \['xb'\]"):
        m.fit({"xa": xa, "xc": xb}, [yc, yr], epochs=1, verbose=0)
    assert "missing ['xb']" in m.fast_path_reason


REGULARIZERS = {
    "activity_l2": lambda: dict(activity_regularizer="l2"),
    "activity_l1_l2_and_kernel": lambda: dict(
        activity_regularizer=keras.regularizers.L1L2(0.003, 0.02),
        kernel_regularizer=keras.regularizers.L1(0.001)),
    "l2": lambda: dict(kernel_regularizer="l2"),
    "l1": lambda: dict(kernel_regularizer=keras.regularizers.L1(0.003)),
    "l1_l2_both": lambda: dict(kernel_regularizer=keras.regularizers.L1L2(0.002, 0.01),
                               bias_regularizer=keras.regularizers.L2(0.05)),
    "bias_only": lambda: dict(bias_regularizer=keras.regularizers.L1(0.02)),
}


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop"])
@pytest.mark.parametrize("name", sorted(REGULARIZERS))
def test_weight_regularizers(name, optimizer):
    """The penalties join the loss (fit and evaluate) and their gradients the update;
    the 64x600 kernel takes the block-by-block fused update."""
    x = features(300, 64, seed=4)
    y = class_labels(x, 3)

    def build():
        m = keras.Sequential([
            keras.Input((64,)), K.Dense(600, activation="relu", **REGULARIZERS[name]()),
            K.Dense(8, activation="tanh", **REGULARIZERS[name]()),
            K.Dense(3, activation="softmax")])
        m.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m

    fast, eager = twin(build, lambda m: record(m, x, y, validation_split=0.2))
    assert_same(fast, eager)


def test_activity_regularizer_on_an_activation_layer():
    """Any layer's activity penalty joins the loss on the fast path, not only Dense's."""
    x = features(200, 16, seed=5)
    y = class_labels(x, 3)

    def build():
        m = keras.Sequential([keras.Input((16,)), K.Dense(8),
                              K.Activation("tanh", activity_regularizer="l2"),
                              K.Dense(3, activation="softmax")])
        m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        return m

    fast, eager = twin(build, lambda m: record(m, x, y, validation_split=0.2))
    assert_same(fast, eager)


CONSTRAINTS = {
    "max_norm": lambda C: dict(kernel_constraint=C.MaxNorm(0.4), bias_constraint="non_neg"),
    "max_norm_rows": lambda C: dict(kernel_constraint=C.MaxNorm(0.3, axis=1)),
    "unit_norm": lambda C: dict(kernel_constraint=C.UnitNorm(axis=-1),
                                bias_constraint=C.UnitNorm()),
    "min_max_norm": lambda C: dict(kernel_constraint=C.MinMaxNorm(0.5, 0.8, rate=0.7),
                                   bias_constraint=C.MaxNorm(0.1)),
}


@pytest.mark.parametrize("name", sorted(CONSTRAINTS))
def test_weight_constraints(name):
    """Constraints are applied after every update (the 64x600 kernel's after its fused
    block updates), and not to a frozen layer's weights."""
    x = features(300, 64, seed=4)
    y = class_labels(x, 3)

    def build():
        kw = CONSTRAINTS[name](keras.constraints)
        frozen = K.Dense(8, activation="tanh", name="frozen", **CONSTRAINTS[name](
            keras.constraints))
        m = keras.Sequential([keras.Input((64,)), K.Dense(600, activation="relu", **kw),
                              K.Dense(8, activation="tanh", **CONSTRAINTS[name](
                                  keras.constraints)), frozen,
                              K.Dense(3, activation="softmax")])
        frozen.trainable = False
        m.compile(optimizer=O.SGD(0.3, momentum=0.5), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m

    fast, eager = twin(build, lambda m: record(m, x, y, validation_split=0.2))
    # The paths agree to round-off, not bits (the fused dW+update and the eager GEMM
    # block their sums differently, and differently again per BLAS kernel); the
    # projections rescale by norms of 600 terms each step and SGD at 0.3 with momentum
    # carries the difference through 16 steps, so allow 10x the default tolerance.
    assert_same(fast, eager, rtol=1e-4, atol=1e-5)


def test_regularized_frozen_layer_and_multi_output():
    """A frozen layer's penalty still counts in the loss (not in the updates); per-output
    losses leave the penalties out."""
    def build():
        inp = keras.Input((8,))
        h = K.Dense(6, activation="tanh", kernel_regularizer="l2", name="frozen")(inp)
        a = K.Dense(3, activation="softmax", kernel_regularizer=keras.regularizers.L1(0.01),
                    name="cls")(h)
        b = K.Dense(1, name="reg", bias_regularizer="l2")(h)
        m = keras.Model(inp, [a, b])
        m.get_layer("frozen").trainable = False
        m.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"],
                  loss_weights=[1.0, 0.3])
        return m

    fast, eager = twin(build, lambda m: record(m, X, [Y3, X[:, :1]]))
    assert_same(fast, eager)
    h = fast["history"]
    assert h["loss"][-1] > h["cls_loss"][-1] + 0.3 * h["reg_loss"][-1] + 1e-3


def test_regularizer_penalty_matches_numpy():
    """evaluate()'s loss is the data loss plus l1 * sum|W| + l2 * sum W^2 (float64)."""
    keras.utils.set_random_seed(3)
    reg = keras.regularizers.L1L2(0.01, 0.02)
    m = keras.Sequential([keras.Input((8,)),
                          K.Dense(4, kernel_regularizer=reg, bias_initializer="ones",
                                  bias_regularizer=keras.regularizers.L2(0.5))])
    m.compile(optimizer="sgd", loss="mse")
    t = X[:, :4]
    loss = m.evaluate(X, t, verbose=0)
    assert m.fast_path_reason is None
    k, b = [w.astype(np.float64) for w in m.get_weights()]
    data = np.mean(((X.astype(np.float64) @ k + b) - t) ** 2)
    penalty = 0.01 * np.abs(k).sum() + 0.02 * (k ** 2).sum() + 0.5 * (b ** 2).sum()
    np.testing.assert_allclose(loss, data + penalty, rtol=1e-5)


SHARED = {
    # a layer applied to its own output, its gradients adding up over the two calls
    "recurrent": lambda d, inp: d(d(K.Dense(8)(inp))),
    # a Siamese pair: one tower on both halves of the input, plus an unshared branch
    "siamese": lambda d, inp: K.Concatenate()([d(K.Dense(8, name="left")(inp)),
                                               d(K.Dense(8, name="right")(inp)), inp]),
    # three calls, the last through a frozen-free merge
    "three_calls": lambda d, inp: K.Add()([d(K.Dense(8)(inp)), d(K.Dense(8)(inp)),
                                           d(K.Dense(8)(inp))]),
}


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("name", sorted(SHARED))
def test_shared_layers(name, optimizer):
    """A layer called several times: one node per call sharing the weights; the calls'
    gradients (and the weight penalty, once) add up before one update."""
    def build():
        inp = keras.Input((8,))
        d = K.Dense(8, activation="tanh", kernel_regularizer="l2")
        h = K.Dropout(0.2)(SHARED[name](d, inp))
        m = keras.Model(inp, K.Dense(3, activation="softmax")(h))
        m.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m

    assert_same(*twin(build, lambda m: record(m, X, Y3, validation_split=0.2)))


def test_shared_large_kernel_is_not_fused():
    """A shared kernel above the fused-update size still gets both calls' gradients."""
    def build():
        inp = keras.Input((200,))
        d = K.Dense(200, activation="relu")  # 40k weights: fused when not shared
        m = keras.Model(inp, K.Dense(3, activation="softmax")(d(d(inp))))
        m.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
        return m

    x = features(300, 200, seed=9)
    assert_same(*twin(build, lambda m: record(m, x, class_labels(x, 3))))


def test_nested_models():
    """Sequential and Functional models used as layers are inlined: a Sequential tower
    with Dropout, a two-output Functional block called twice (shared weights), and a
    nested model inside the nested model."""
    def build():
        tower = keras.Sequential([keras.Input((8,)), K.Dense(12, activation="relu"),
                                  K.Dropout(0.25), K.Dense(6, activation="tanh")])
        bi = keras.Input((6,))
        inner = keras.Sequential([keras.Input((6,)), K.Dense(6, activation="sigmoid")])
        block = keras.Model(bi, [K.Dense(4)(inner(bi)), K.Dense(4, activation="relu")(bi)])
        inp = keras.Input((8,))
        h = tower(inp)
        a1, b1 = block(h)
        a2, b2 = block(K.Multiply()([h, h]))
        out = K.Dense(3, activation="softmax")(K.Concatenate()([a1, b1, a2, b2]))
        m = keras.Model(inp, out)
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m

    assert_same(*twin(build, lambda m: record(m, X, Y3, validation_split=0.2)))


def test_same_tensor_merged_with_itself():
    def make(inp):
        h = K.Dense(6, activation="tanh")(inp)
        sq = K.Multiply()([h, h])
        return K.Dense(3, activation="softmax")(K.Add()([sq, h]))

    assert_same(*twin(lambda: _functional(make), lambda m: record(m, X, Y3)))


def test_activation_layers():
    def build():
        m = keras.Sequential([
            keras.Input((8,)), K.Dense(10), K.ReLU(), K.Dense(10), K.LeakyReLU(0.2),
            K.Dropout(0.1), K.Dense(10), K.Activation("tanh"), K.Dense(10),
            K.Activation("selu"), K.Dense(10), K.Activation(keras.activations.gelu),
            K.Dense(10), K.Activation("swish"), K.Dense(3)])
        m.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
        return m

    assert_same(*twin(build, lambda m: record(m, X, Y3)))


ACTIVATION_LAYERS = {
    "ReLU": lambda: K.ReLU(), "LeakyReLU": lambda: K.LeakyReLU(0.3),
    "Softmax": lambda: K.Softmax(), "Activation_softmax": lambda: K.Activation("softmax"),
    "Activation_log_softmax": lambda: K.Activation("log_softmax"),
    **{f"Activation_{a}": (lambda a=a: K.Activation(a))
       for a in ["relu", "tanh", "sigmoid", "linear", "relu6", "hard_sigmoid", "selu",
                 "softplus", "softsign", "swish", "gelu"]},
}


@pytest.mark.parametrize("name", sorted(ACTIVATION_LAYERS))
def test_activation_layer_kinds(name):
    def build():
        m = keras.Sequential([keras.Input((8,)), K.Dense(10), ACTIVATION_LAYERS[name](),
                              K.Dense(3), ACTIVATION_LAYERS[name]()])
        m.compile(optimizer="adam", loss="mse", metrics=["mae"])
        return m

    assert_same(*twin(build, lambda m: record(m, X, one_hot(Y3, 3))))


def test_dense_without_bias():
    def build():
        m = keras.Sequential([keras.Input((8,)),
                              K.Dense(16, activation="relu", use_bias=False),
                              K.Dropout(0.3), K.Dense(1, use_bias=False),
                              K.Dense(3, activation="softmax", use_bias=False)])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m

    assert_same(*twin(build, lambda m: record(m, X, Y3)))


def test_flatten_reshape_rank3_input():
    x3 = X.reshape(-1, 2, 4)

    def build():
        m = keras.Sequential([
            keras.Input((2, 4)), K.Flatten(), K.Dense(12, activation="relu"),
            K.Reshape((3, 4)), K.Flatten(), K.Dropout(0.3), K.Dense(3, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m

    assert_same(*twin(build, lambda m: record(m, x3, Y3, eval_data=(x3, Y3), predict_x=x3)))


def test_stacked_dropouts():
    def build():
        m = keras.Sequential([
            keras.Input((8,)), K.Dense(16, activation="relu"),
            K.Dropout(0.5), K.Dropout(0.2, seed=3), K.Dense(16, activation="relu"),
            K.Dropout(0.4), K.Dense(3, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return m

    fast, eager = twin(build, lambda m: record(m, X, Y3, epochs=3))
    assert_same(fast, eager)
    assert fast["dropout"] == [30, 30, 30]


@pytest.mark.parametrize("frozen", ["first", "middle", "last"])
def test_frozen_layers(frozen):
    def build():
        layers = [K.Dense(12, activation="relu"), K.Dense(12, activation="tanh"),
                  K.Dense(3, activation="softmax")]
        layers[{"first": 0, "middle": 1, "last": 2}[frozen]].trainable = False
        m = keras.Sequential([keras.Input((8,))] + layers)
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m

    assert_same(*twin(build, lambda m: record(m, X, Y3)))


def test_trainable_toggled_between_fits():
    def run(m):
        m.fit(X, Y3, epochs=1, verbose=0)
        m.layers[0].trainable = False
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return record(m, X, Y3, epochs=1)

    assert_same(*twin(lambda: mlp(3, "softmax", loss="sparse_categorical_crossentropy"),
                      run))


# ---------------------------------------------------------------------- multi-output
def _multi(loss, loss_weights=None, metrics=None, weighted_metrics=None, dropout=0.2):
    inp = keras.Input((8,), name="x")
    h = K.Dense(16, activation="relu")(inp)
    if dropout:
        h = K.Dropout(dropout)(h)
    cls = K.Dense(3, activation="softmax", name="cls")(h)
    reg = K.Dense(2, name="reg")(h)
    bits = K.Dense(2, activation="sigmoid", name="bits")(K.Dense(6, activation="tanh")(h))
    m = keras.Model(inp, [cls, reg, bits])
    m.compile(optimizer=O.Adam(0.01), loss=loss, loss_weights=loss_weights, metrics=metrics,
              weighted_metrics=weighted_metrics)
    return m


Y_REG = (X[:, :2] * 0.5 + X[:, 2:4] * 0.2).astype(np.float32)
Y_BITS = (X[:, 4:6] > 0).astype(np.float32)
Y_MULTI = [Y3, Y_REG, Y_BITS]
Y_DICT = {"cls": Y3, "reg": Y_REG, "bits": Y_BITS}
LOSS_LIST = ["sparse_categorical_crossentropy", "mse", "binary_crossentropy"]
LOSS_DICT = dict(zip(["cls", "reg", "bits"], LOSS_LIST))

MULTI = {
    "list_losses": dict(loss=LOSS_LIST),
    "list_loss_weights": dict(loss=LOSS_LIST, loss_weights=[1.0, 0.3, 2.0]),
    "dict_loss_weights": dict(loss=LOSS_DICT, loss_weights={"cls": 0.5, "reg": 2.0,
                                                            "bits": 1.0}),
    "dict_metrics": dict(loss=LOSS_DICT, metrics={"cls": ["accuracy"], "reg": ["mae"],
                                                  "bits": ["accuracy", "mse"]}),
    "list_metrics": dict(loss=LOSS_LIST, loss_weights=[0.7, 1.0, 1.5],
                         metrics=[["accuracy"], ["mae", "mse"], ["binary_accuracy"]]),
    "weighted_metrics": dict(loss=LOSS_DICT, weighted_metrics={"cls": ["accuracy"],
                                                               "reg": ["mae"]}),
    "sum_and_huber": dict(loss=[L.SparseCategoricalCrossentropy(reduction="sum"),
                                L.Huber(0.3), L.BinaryCrossentropy()]),
}


@pytest.mark.parametrize("name", sorted(MULTI))
@pytest.mark.parametrize("targets", ["list", "dict"])
def test_multi_output(name, targets):
    y = Y_MULTI if targets == "list" else Y_DICT
    sw = _sw() if "weighted" in name else None
    fast, eager = twin(lambda: _multi(**MULTI[name]),
                       lambda m: record(m, X, y, sample_weight=sw, validation_split=0.2,
                                        eval_kw={"sample_weight": sw}))
    assert_same(fast, eager)
    assert {"cls_loss", "reg_loss", "bits_loss"} <= set(fast["history"])
    assert len(fast["predict"]) == 3


@pytest.mark.parametrize("kind", ["one_for_all", "per_output_list", "per_output_dict"])
def test_multi_output_sample_weights(kind):
    sw = _sw()
    sw2 = np.random.default_rng(2).uniform(0, 2, len(X)).astype(np.float32)
    if kind == "one_for_all":
        weights = sw
    elif kind == "per_output_list":
        weights = [sw, sw2, np.ones_like(sw)]
    else:
        weights = {"cls": sw, "reg": sw2, "bits": sw2 * 0.5}
    build = partial(_multi, LOSS_DICT, loss_weights={"cls": 1.0, "reg": 0.5, "bits": 2.0},
                    weighted_metrics={"cls": ["accuracy"], "bits": ["accuracy"]})
    fast, eager = twin(build, lambda m: record(m, X, Y_DICT, sample_weight=weights,
                                               shuffle=True, epochs=3))
    assert_same(fast, eager)


def test_multi_output_with_merged_heads():
    """Outputs that are also consumed inside the graph (a head feeding another head)."""
    def build():
        inp = keras.Input((8,))
        h = K.Dense(10, activation="relu")(inp)
        first = K.Dense(3, activation="softmax", name="first")(h)
        second = K.Dense(2, name="second")(K.Concatenate()([h, first]))
        m = keras.Model(inp, [first, second])
        m.compile(optimizer="rmsprop", loss=["sparse_categorical_crossentropy", "mae"],
                  loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mse"]])
        return m

    assert_same(*twin(build, lambda m: record(m, X, [Y3, Y_REG])))


def test_output_feeding_a_dense_layer():
    """An output read by one more layer gets its loss's gradient plus that layer's (the
    layer must not write over the loss's gradient)."""
    def build():
        inp = keras.Input((8,))
        first = K.Dense(3, name="first")(K.Dense(10, activation="relu")(inp))
        second = K.Dense(2, name="second")(first)
        m = keras.Model(inp, [first, second])
        m.compile(optimizer="sgd", loss=["mse", "mae"])
        return m

    assert_same(*twin(build, lambda m: record(m, X, [Y_REG[:, :1].repeat(3, 1), Y_REG])))


@pytest.mark.parametrize("layer", ["Softmax", "Activation_softmax"])
def test_softmax_layer_output_with_crossentropy(layer):
    def build():
        m = keras.Sequential([keras.Input((8,)), K.Dense(12, activation="relu"),
                              K.Dropout(0.2), K.Dense(3), ACTIVATION_LAYERS[layer]()])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2)])
        return m

    assert_same(*twin(build, lambda m: record(m, X, Y3, validation_split=0.2)))


# ---------------------------------------------------------------------- more edges
class _OpsSchedule(S.LearningRateSchedule):
    """A user schedule written with ops (the step arrives as a tensor or an int)."""

    def __call__(self, step):
        return 0.05 / (1.0 + 0.1 * keras.ops.cast(step, "float32"))


class _PySchedule(S.LearningRateSchedule):
    def __call__(self, step):
        return 0.05 if int(np.asarray(step)) < 7 else 0.01


@pytest.mark.parametrize("schedule", [_OpsSchedule, _PySchedule])
def test_user_learning_rate_schedule(schedule):
    def build():
        return mlp(3, "softmax", optimizer=O.SGD(schedule(), momentum=0.5),
                   loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    assert_same(*twin(build, lambda m: record(m, X, Y3)))


@pytest.mark.parametrize("last", ["Flatten", "Reshape", "Dropout"])
def test_output_node_without_weights(last):
    """The loss reads a node that aliases or masks the previous one."""
    tail = {"Flatten": lambda: K.Flatten(), "Reshape": lambda: K.Reshape((3,)),
            "Dropout": lambda: K.Dropout(0.3)}[last]

    def build():
        m = keras.Sequential([keras.Input((8,)), K.Dense(8, activation="relu"), K.Dense(3),
                              tail()])
        m.compile(optimizer="adam", loss="mse", metrics=["mae"])
        return m

    assert_same(*twin(build, lambda m: record(m, X, one_hot(Y3, 3))))


def test_residual_connection_from_input():
    def make(inp):
        a = K.Dense(8, activation="tanh")(inp)
        return K.Dense(8)(K.Add()([a, inp]))

    assert_same(*twin(lambda: _functional(make, loss="mse", metrics=None),
                      lambda m: record(m, X, X * 0.5)))


def test_batch_sizes_change_between_calls():
    """Buffers sized for one batch size, then larger and smaller calls."""
    def run(m):
        m.evaluate(X, Y3, batch_size=8, verbose=0)
        m.fit(X, Y3, batch_size=100, epochs=1, verbose=0)
        m.predict(X, batch_size=1000, verbose=0)
        m.fit(X, Y3, batch_size=5, epochs=1, verbose=0)
        return record(m, X, Y3, batch_size=300, eval_kw={"batch_size": 7},
                      predict_kw={"batch_size": 3}, validation_data=(X, Y3),
                      validation_batch_size=512)

    build = partial(mlp, 3, "softmax", loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
    fast, eager = twin(build, run)
    assert_same(fast, eager)


def test_binary_targets_with_class_weight():
    yb = (X[:, 0] > 0.5).astype(np.float32)
    build = partial(mlp, 1, "sigmoid", loss="binary_crossentropy", metrics=["accuracy"],
                    weighted_metrics=["accuracy"])
    assert_same(*twin(build, lambda m: record(m, X, yb, class_weight={0: 1.0, 1: 3.0})))


@pytest.mark.parametrize("variant", ["int_targets", "bool_targets", "tensor_inputs",
                                     "uint8_labels_int_weights"])
def test_target_and_weight_dtypes(variant):
    if variant in ("int_targets", "bool_targets"):
        y = X[:, :2] > 0
        y = y.astype(np.int64) if variant == "int_targets" else y
        build = partial(mlp, 2, "sigmoid", loss="binary_crossentropy",
                        metrics=["binary_accuracy"])
        run = partial(record, x=X, y=y)
    else:
        build = partial(mlp, 3, "softmax", loss="sparse_categorical_crossentropy",
                        weighted_metrics=["accuracy"])
        if variant == "tensor_inputs":
            xt, yt = keras.ops.convert_to_tensor(X), keras.ops.convert_to_tensor(Y3)
            run = partial(record, x=xt, y=yt)
        else:
            sw = (np.arange(len(X)) % 3).astype(np.int64)
            run = partial(record, x=X, y=Y3.astype(np.uint8), sample_weight=sw)
    assert_same(*twin(build, run))


SINGLE_OUTPUT_CASES = {
    "top_k_larger_than_classes": (dict(metrics=["sparse_top_k_categorical_accuracy"]), {}),
    "all_zero_sample_weights": (dict(weighted_metrics=["accuracy"]),
                                dict(sample_weight=np.zeros(len(X), np.float32))),
    "loss_weights_list": (dict(loss_weights=[0.3], metrics=["accuracy"]), {}),
    "loss_weights_scalar": (dict(loss_weights=0.3), {}),
}


@pytest.mark.parametrize("name", sorted(SINGLE_OUTPUT_CASES))
def test_single_output_compile_cases(name):
    compile_kw, fit_kw = SINGLE_OUTPUT_CASES[name]
    build = partial(mlp, 3, "softmax", loss="sparse_categorical_crossentropy", **compile_kw)
    assert_same(*twin(build, lambda m: record(m, X, Y3, **fit_kw)))


@pytest.mark.parametrize("loss", ["mse", "huber"])
def test_one_dimensional_regression_targets(loss):
    y = X[:, 0] * 2.0 - X[:, 1]
    sw = np.abs(X[:, 2])
    build = partial(mlp, 1, None, loss=loss, metrics=["mae"], weighted_metrics=["mse"])
    assert_same(*twin(build, lambda m: record(m, X, y, sample_weight=sw)))


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


def test_two_models_sharing_layers():
    def build():
        inp = keras.Input((8,))
        out = K.Dense(3, activation="softmax")(K.Dense(8, activation="relu")(inp))
        a = keras.Model(inp, out)
        a.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return a

    def run(a):
        b = keras.Model(a.inputs, a.outputs)
        b.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        a.fit(X, Y3, epochs=1, verbose=0)
        b.fit(X, Y3, epochs=1, verbose=0)
        a.predict(X, verbose=0)
        return record(a, X, Y3)

    assert_same(*twin(build, run))


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


@pytest.mark.parametrize("threads", [1, 3])
def test_thread_count_does_not_change_results(threads):
    """Both paths match at any pool size, and the fast path's numbers do not depend on
    it (batch 128 x width 32 splits across threads)."""
    x = features(n=600)
    y = class_labels(x, 3)

    def build():
        return mlp(3, "softmax", hidden=32, loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"])

    def run(m):
        return record(m, x, y, batch_size=128)

    before = config.get_num_threads()
    try:
        config.set_num_threads(1)
        ref, _ = twin(build, run)
        config.set_num_threads(threads)
        fast, eager = twin(build, run)
    finally:
        config.set_num_threads(before)
    assert_same(fast, eager)
    for a, b in zip(fast["weights"], ref["weights"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
