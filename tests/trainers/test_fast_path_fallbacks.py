"""Fallbacks to the eager path: each model, loss, layer, data or option the fast path
cannot run names its reason in `fast_path_reason` and still trains; a fallback on one
call does not stick to the next."""

import re

import numpy as np
import pytest

import pyfastfit as keras
from tests.trainers._fast_path_cases import X, Y3, _classifier
from tests.trainers._fast_path_twins import (
    one_hot,
)

K = keras.layers


# ---------------------------------------------------------------------- fallbacks
class MyDense(K.Dense):
    pass


class Doubling(K.Layer):
    def call(self, x):
        return x * 2.0


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = K.Dense(8, activation="relu")
        self.d2 = K.Dense(3, activation="softmax")

    def call(self, x):
        return self.d2(self.d1(x))


class OwnTrainStep(keras.Sequential):
    def train_step(self, data):
        return super().train_step(data)


def _my_loss(y_true, y_pred):
    return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)


class MyLoss(keras.losses.Loss):
    def call(self, y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)


class MyRegularizer(keras.regularizers.Regularizer):
    def __call__(self, x):
        return keras.ops.sum(keras.ops.abs(x)) * 0.01


def _seq(*body, n_in=8):
    return keras.Sequential([keras.Input((n_in,))] + list(body))


def _shared_dropout():
    inp = keras.Input((8,))
    drop = K.Dropout(0.3)
    h = K.Dense(8, activation="tanh")(inp)
    return keras.Model(inp, K.Dense(3, activation="softmax")(K.Add()([drop(h), drop(h)])))


class _CustomCallModel(keras.Model):
    def call(self, inputs):
        return super().call(inputs) * 2.0


def _nested_custom_call():
    a = keras.Input((8,))
    inner = _CustomCallModel(a, K.Dense(8, activation="relu")(a))
    inp = keras.Input((8,))
    return keras.Model(inp, K.Dense(3, activation="softmax")(inner(inp)))


def _softmax_dense():
    return _seq(K.Dense(8, activation="relu"), K.Dense(3, activation="softmax"))


FALLBACKS = {
    # name: (model factory, compile overrides, fit overrides, target kind, reason regex)
    "custom_layer_subclass": (lambda: _seq(MyDense(8), K.Dense(3, activation="softmax")),
                              {}, {}, "sparse", r"MyDense.*no fast-path kernel"),
    "custom_layer": (lambda: _seq(K.Dense(8), Doubling(), K.Dense(3, activation="softmax")),
                     {}, {}, "sparse", r"Doubling"),
    "lambda_layer": (lambda: _seq(K.Dense(8), K.Lambda(lambda t: t * 2.0),
                                  K.Dense(3, activation="softmax")),
                     {}, {}, "sparse", r"Lambda"),
    "custom_regularizer": (lambda: _seq(K.Dense(8, kernel_regularizer=MyRegularizer()),
                                        K.Dense(3, activation="softmax")),
                           {}, {}, "sparse", r"custom kernel_regularizer"),
    "custom_activity_regularizer": (lambda: _seq(
        K.Dense(8, activity_regularizer=MyRegularizer()), K.Dense(3, activation="softmax")),
        {}, {}, "sparse", r"custom activity_regularizer"),
    "kernel_constraint": (lambda: _seq(K.Dense(8, kernel_constraint=lambda w: w),
                                       K.Dense(3, activation="softmax")),
                          {}, {}, "sparse", r"custom kernel constraint"),
    "callable_activation": (lambda: _seq(K.Dense(8, activation=lambda t: t * 0.5),
                                         K.Dense(3, activation="softmax")),
                            {}, {}, "sparse", r"custom activation"),
    "relu_max_value": (lambda: _seq(K.Dense(8), K.ReLU(max_value=1.0),
                                    K.Dense(3, activation="softmax")),
                       {}, {}, "sparse", r"max_value"),
    "dropout_noise_shape": (lambda: _seq(K.Dense(8), K.Dropout(0.3, noise_shape=(1, 8)),
                                         K.Dense(3, activation="softmax")),
                            {}, {}, "sparse", r"noise_shape"),
    "shared_dropout": (_shared_dropout, {}, {}, "sparse",
                       r"layer 'dropout\w*' \(Dropout\) is shared"),
    "nested_custom_call": (_nested_custom_call, {}, {}, "sparse",
                           r"nested model that overrides call\(\)"),
    "subclassed_model": (Subclassed, {}, {}, "sparse", r"Subclassed is a subclassed model"),
    "overridden_train_step": (lambda: OwnTrainStep([keras.Input((8,)),
                                                    K.Dense(3, activation="softmax")]),
                              {}, {}, "sparse", r"overrides train_step"),
    "run_eagerly": (_softmax_dense, {"run_eagerly": True}, {}, "sparse", r"run_eagerly"),
    "custom_loss_function": (_softmax_dense, {"loss": _my_loss}, {}, "onehot", r"_my_loss"),
    "custom_loss_subclass": (_softmax_dense, {"loss": MyLoss()}, {}, "onehot",
                             r"not a built-in loss"),
    "ignore_class": (_softmax_dense,
                     {"loss": keras.losses.SparseCategoricalCrossentropy(ignore_class=0)},
                     {}, "sparse", r"ignore_class"),
    "kl_divergence_loss": (_softmax_dense, {"loss": "kl_divergence"}, {}, "onehot",
                           r"kl_divergence"),
    "reduction_mean": (_softmax_dense, {"loss": keras.losses.MeanSquaredError(
        reduction="mean")}, {}, "onehot", r"reduction"),
    "auc_from_logits": (_softmax_dense, {"loss": "categorical_crossentropy",
                                         "metrics": [keras.metrics.AUC(from_logits=True)]},
                        {}, "onehot", r"AUC\) has multi_label, from_logits"),
    "precision_top_k": (_softmax_dense, {"loss": "categorical_crossentropy",
                                         "metrics": [keras.metrics.Precision(top_k=2)]}, {},
                        "onehot", r"Precision\) has top_k or class_id"),
    "cosine_similarity_metric": (_softmax_dense, {
        "loss": "mse", "metrics": [keras.metrics.CosineSimilarity()]}, {}, "onehot",
        r"CosineSimilarity\) has no fast-path kernel"),
    "ema_optimizer": (_softmax_dense, {"optimizer": lambda: keras.optimizers.Adam(
        use_ema=True)}, {}, "sparse", r"EMA"),
    "gradient_accumulation": (_softmax_dense, {"optimizer": lambda: keras.optimizers.Adam(
        gradient_accumulation_steps=2)}, {}, "sparse", r"gradient accumulation"),
    "callable_learning_rate": (_softmax_dense, {"optimizer": lambda: keras.optimizers.SGD(
        learning_rate=lambda: 0.05)}, {}, "sparse", r"callable"),
    "steps_per_epoch": (_softmax_dense, {}, {"steps_per_epoch": 5}, "sparse",
                        r"steps_per_epoch"),
    "mapped_dataset_input": (_softmax_dense, {}, {"as": "mapped_dataset"}, "sparse",
                             r"not from_tensor_slices\(\.\.\.\) batched by batch\(\)"),
    "generator_input": (_softmax_dense, {}, {"as": "generator"}, "sparse",
                        r"generator or iterable"),
    "py_dataset_input": (_softmax_dense, {}, {"as": "py_dataset"}, "sparse",
                         r"generator or iterable"),
}


class _Batches(keras.utils.PyDataset):
    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def __len__(self):
        return int(np.ceil(len(self.x) / 32))

    def __getitem__(self, i):
        return self.x[i * 32:(i + 1) * 32], self.y[i * 32:(i + 1) * 32]


def _as_data(kind, x, y):
    if kind == "mapped_dataset":
        ds = keras.data.Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a * 2.0, b))
        return ds.batch(32), None
    if kind == "generator":
        def gen():
            for i in range(0, len(x), 32):
                yield x[i:i + 32], y[i:i + 32]
        return gen(), None
    return _Batches(x, y), None


@pytest.mark.parametrize("name", sorted(FALLBACKS))
def test_fallback_reason_and_still_trains(name):
    build, compile_kw, fit_kw, target, pattern = FALLBACKS[name]
    compile_kw, fit_kw = dict(compile_kw), dict(fit_kw)
    keras.utils.set_random_seed(3)
    x = X
    model = build()
    opt = compile_kw.pop("optimizer", "adam")
    model.compile(optimizer=opt() if callable(opt) else opt,
                  loss=compile_kw.pop("loss", "sparse_categorical_crossentropy"),
                  **compile_kw)
    y = one_hot(Y3, 3) if target == "onehot" else Y3
    kind = fit_kw.pop("as", None)
    if kind is not None:
        x, y = _as_data(kind, X, y)
    before = [np.array(w) for w in model.get_weights()] if model.built else None
    h = model.fit(x, y, epochs=2, verbose=0, **fit_kw)
    reason = model.fast_path_reason
    assert isinstance(reason, str) and reason, reason
    assert re.search(pattern, reason), reason
    assert np.isfinite(h.history["loss"]).all()
    assert int(np.asarray(model.optimizer.iterations)) > 0
    if before is not None:
        assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_fallback_for_output_without_loss():
    inp = keras.Input((8,))
    h = K.Dense(8, activation="relu")(inp)
    a = K.Dense(3, activation="softmax", name="a")(h)
    b = K.Dense(2, name="b")(h)
    m = keras.Model(inp, [a, b])
    m.compile(optimizer="adam", loss={"a": "sparse_categorical_crossentropy"})
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        h = m.fit(X, {"a": Y3}, epochs=1, verbose=0)
    assert m.fast_path_reason == "an output of the model has no loss"
    assert np.isfinite(h.history["loss"]).all()
    assert m.predict(X, verbose=0)[1].shape == (300, 2)


def test_fallback_on_one_call_does_not_stick():
    """A generator call falls back; the next NumPy call runs on the fast path again."""
    m = _classifier()
    m.fit(((X[i:i + 32], Y3[i:i + 32]) for i in range(0, len(X), 32)), epochs=1, verbose=0)
    assert "generator" in m.fast_path_reason
    m.fit(X, Y3, epochs=1, verbose=0)
    assert m.fast_path_reason is None
    m.fit(X, Y3, epochs=1, steps_per_epoch=3, verbose=0)
    assert m.fast_path_reason is not None
    m.evaluate(X, Y3, verbose=0)
    assert m.fast_path_reason is None
