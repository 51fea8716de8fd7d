"""Data and small builders shared by several fast-path test modules
(test_fast_path*.py, test_fast_path_equivalence_*.py): the features and labels most
of them train on, a default classifier, sample weights and two-input data."""

import numpy as np

import pyfastfit as keras
from tests.trainers._fast_path_twins import class_labels, features, mlp

X = features()
Y3 = class_labels(X, 3)


def _classifier(**kw):
    kw.setdefault("optimizer", keras.optimizers.Adam(0.01))
    kw.setdefault("loss", "sparse_categorical_crossentropy")
    kw.setdefault("metrics", ["accuracy"])
    return mlp(3, "softmax", **kw)


def _sw():
    return np.random.default_rng(9).uniform(0.1, 3.0, len(X)).astype(np.float32)


def _multi_input_data(n=300):
    x = features(n, 8, seed=5)
    xa, xb = x[:, :5], x[:, 5:].reshape(n, 3, 1)
    return xa, xb, class_labels(x), x[:, :1] * 2.0 - x[:, 1:2]
