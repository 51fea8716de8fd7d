"""Fast path vs eager path, per graph shape: with one seed, N steps give the same
weights, losses and metrics to float32 round-off for merges, fan-out, residuals, several
inputs (list or dict), shared layers, nested models and models sharing layers."""

import pytest

import pyfastfit as keras
from tests.trainers._fast_path_cases import X, Y3, _multi_input_data
from tests.trainers._fast_path_twins import (
    assert_same,
    class_labels,
    features,
    record,
    twin,
)

K = keras.layers
O = keras.optimizers


# ---------------------------------------------------------------------- merges
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


def test_same_tensor_merged_with_itself():
    def make(inp):
        h = K.Dense(6, activation="tanh")(inp)
        sq = K.Multiply()([h, h])
        return K.Dense(3, activation="softmax")(K.Add()([sq, h]))

    assert_same(*twin(lambda: _functional(make), lambda m: record(m, X, Y3)))


def test_residual_connection_from_input():
    def make(inp):
        a = K.Dense(8, activation="tanh")(inp)
        return K.Dense(8)(K.Add()([a, inp]))

    assert_same(*twin(lambda: _functional(make, loss="mse", metrics=None),
                      lambda m: record(m, X, X * 0.5)))


# ---------------------------------------------------------------------- multi-input
def _multi_input(names=None):
    """Two inputs of different widths (one rank-3, flattened), two outputs."""
    a = keras.Input((5,), name=names[0] if names else None)
    b = keras.Input((3, 1), name=names[1] if names else None)
    h = K.Concatenate()([K.Dense(6, activation="relu")(a), K.Flatten()(b)])
    h = K.Dropout(0.3)(K.Dense(8, activation="tanh")(h))
    out_c = K.Dense(3, activation="softmax", name="cls")(h)
    out_r = K.Dense(1, name="reg")(K.Add()([K.Dense(8)(K.Flatten()(b)), h]))
    return keras.Model([a, b], [out_c, out_r])


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


# ---------------------------------------------------------------------- shared layers
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
