import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers, ops


def ticket_model():
    title = keras.Input(shape=(20,), name="title")
    text_body = keras.Input(shape=(30,), name="text_body")
    tags = keras.Input(shape=(5,), name="tags")
    features = layers.Concatenate()([title, text_body, tags])
    features = layers.Dense(16, activation="relu")(features)
    priority = layers.Dense(1, activation="sigmoid", name="priority")(features)
    department = layers.Dense(4, activation="softmax", name="department")(features)
    return keras.Model(inputs=[title, text_body, tags], outputs=[priority, department])


def data(n=3):
    rng = np.random.default_rng(0)
    return [rng.random((n, d)).astype("float32") for d in (20, 30, 5)]


def test_multi_input_output_list_and_dict_calls():
    model = ticket_model()
    assert isinstance(model, keras.models.Functional) and isinstance(model, keras.Model)
    assert [la.name for la in model.layers][:3] == ["title", "text_body", "tags"]
    assert isinstance(model.layers[0], layers.InputLayer)
    assert model.output_names == ["priority", "department"]
    assert model.input_names == ["title", "text_body", "tags"]
    x = data()
    p, d = model(x)
    assert p.shape == (3, 1) and d.shape == (3, 4)
    p2, d2 = model(dict(zip(["tags", "title", "text_body"], [x[2], x[0], x[1]])))
    np.testing.assert_allclose(np.asarray(p2), np.asarray(p))
    np.testing.assert_allclose(np.asarray(d).sum(-1), 1.0, rtol=1e-5)


def test_values_match_numpy():
    model = ticket_model()
    x = data()
    kc, bc = model.layers[4].get_weights()
    kp, bp = model.get_layer("priority").get_weights()
    h = np.maximum(np.concatenate(x, -1) @ kc + bc, 0)
    expected = 1 / (1 + np.exp(-(h @ kp + bp)))
    np.testing.assert_allclose(np.asarray(model(x)[0]), expected, rtol=1e-5, atol=1e-6)


def test_wrong_inputs_errors():
    model = ticket_model()
    x = data()
    with pytest.raises(ValueError,
                       match=r"expected 3 inputs \['title', 'text_body', 'tags'\], received 2"):
        model(x[:2])
    with pytest.raises(ValueError, match="missing"):
        model({"title": x[0], "tags": x[2]})
    with pytest.raises(ValueError, match="incompatible"):
        model([x[0], x[0], x[2]])


def test_dict_inputs_and_outputs():
    a, b = keras.Input((2,), name="a"), keras.Input((3,), name="b")
    out = layers.Dense(1)(layers.concatenate([a, b]))
    model = keras.Model({"a": a, "b": b}, {"y": out, "z": layers.Dense(2)(out)})
    assert model.output_names == ["y", "z"]
    res = model({"b": np.ones((4, 3), "float32"), "a": np.ones((4, 2), "float32")})
    assert set(res) == {"y", "z"} and res["z"].shape == (4, 2)


def test_shared_layer_and_graph_nodes():
    shared = layers.Dense(4, name="shared")
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    out = layers.add([shared(a), shared(b)])
    model = keras.Model([a, b], out)
    assert len(model.weights) == 2
    assert [la.name for la in model.layers].count("shared") == 1
    g = model._graph_nodes()
    assert g["inputs"] == [a._id, b._id] and g["outputs"] == [out._id]
    assert [n[0].name for n in g["nodes"]][:2] == ["shared", "shared"]
    assert isinstance(g["nodes"][2][0], layers.Add)
    ids = set(g["inputs"])
    for layer, ins, outs, kwargs in g["nodes"]:
        assert set(ins) <= ids
        ids.update(outs)
    x1, x2 = np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")
    k, bias = shared.get_weights()
    np.testing.assert_allclose(np.asarray(model([x1, x2])), x1 @ k + x2 @ k + 2 * bias,
                               rtol=1e-5)


def test_feature_extraction_and_layer_output():
    model = ticket_model()
    features = model.layers[4].output
    assert features.shape == (None, 16)
    difficulty = layers.Dense(3, activation="softmax", name="difficulty")(features)
    new = keras.Model(inputs=model.inputs, outputs=[*model.outputs, difficulty])
    outs = new(data())
    assert [o.shape for o in outs] == [(3, 1), (3, 4), (3, 3)]
    sub = keras.Model(model.inputs, features)
    assert sub(data()).shape == (3, 16)


def test_nested_models_and_subclassed_in_functional():
    inner_in = keras.Input((4,))
    inner = keras.Model(inner_in, layers.Dense(2)(inner_in), name="inner")

    class Classifier(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1, activation="sigmoid")

        def call(self, x):
            return self.dense(x)

    x = keras.Input((4,))
    y = Classifier()(inner(x))
    outer = keras.Model(x, y)
    assert outer(np.ones((5, 4), "float32")).shape == (5, 1)
    assert len(outer.weights) == 4
    assert outer.layers[1] is inner


def test_training_flag_reaches_dropout_inside_functional():
    x = keras.Input((100,))
    model = keras.Model(x, layers.Dropout(0.5, seed=1)(x))
    data_ = np.ones((2, 100), "float32")
    np.testing.assert_array_equal(np.asarray(model(data_)), data_)
    assert (np.asarray(model(data_, training=True)) == 0).any()


def test_graph_disconnected():
    a, b = keras.Input((2,)), keras.Input((2,))
    out = layers.add([a, b])
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(a, out)


def test_config_round_trip_with_shared_layers():
    model = ticket_model()
    clone = keras.Model.from_config(model.get_config())
    assert [la.name for la in clone.layers] == [la.name for la in model.layers]
    clone.set_weights(model.get_weights())
    for o1, o2 in zip(model(data()), clone(data())):
        np.testing.assert_allclose(np.asarray(o1), np.asarray(o2), rtol=1e-6)
    shared = layers.Dense(2)
    a = keras.Input((2,))
    m2 = keras.Model(a, shared(shared(a)))
    c2 = keras.Model.from_config(m2.get_config())
    assert len(c2.weights) == 2


def test_gradient_through_functional():
    model = ticket_model()
    with keras.GradientTape() as tape:
        p, d = model(data(), training=True)
        loss = ops.add(ops.mean(p), ops.mean(d))
    grads = tape.gradient(loss, model.trainable_weights)
    assert len(grads) == 6 and all(g is not None for g in grads)


def test_single_output_list_unpacked_and_input_rank_adjust():
    x = keras.Input((3, 1))
    model = keras.Model([x], [layers.Flatten()(x)])
    out = model(np.ones((2, 3), "float32"))  # (2, 3) expanded to (2, 3, 1)
    assert out.shape == (2, 3)
    i = keras.Input((4,), dtype="int32")
    m2 = keras.Model(i, layers.Rescaling(2.0)(i))
    np.testing.assert_allclose(np.asarray(m2(np.ones((1, 4), "float32"))), 2.0)


def test_operators_on_symbolic_tensors():
    x = keras.Input((3,))
    y = (x * 2.0 + 1.0) / 2.0 - x
    z = -y[:, :2]
    model = keras.Model(x, [y, z])
    a = np.arange(6, dtype="float32").reshape(2, 3)
    yv, zv = model(a)
    np.testing.assert_allclose(np.asarray(yv), (a * 2 + 1) / 2 - a, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(zv), -((a * 2 + 1) / 2 - a)[:, :2], rtol=1e-6)
    assert z.shape == (None, 2)
    with pytest.raises(ValueError, match="cannot be serialized"):
        model.get_config()


def test_explicit_training_kwarg_in_graph_is_kept():
    x = keras.Input((200,))
    model = keras.Model(x, layers.Dropout(0.5, seed=1)(x, training=True))
    assert (np.asarray(model(np.ones((2, 200), "float32"))) == 0).any()
    g = model._graph_nodes()
    assert g["nodes"][0][3] == {"training": True}


def _branches_in_reverse():
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    hb, ha = layers.Dense(5, name="db")(b), layers.Dense(5, name="da")(a)
    return keras.Model([a, b], layers.Dense(2, name="o")(layers.Add(name="add")([hb, ha])))


def _shared_three_inputs():
    a, b, c = (keras.Input((4,), name=n) for n in "abc")
    s = layers.Dense(4, name="s")
    x = s(layers.Dense(4, name="d1")(c))
    y = s(s(b))
    z = layers.Concatenate(name="cat")([y, layers.Dense(4, name="d2")(a), x])
    return keras.Model({"a": a, "b": b, "c": c},
                       [layers.Dense(1, name="o1")(z), layers.Dense(2, name="o2")(x)])


def _skip_connections():
    inp = keras.Input((6,), name="i")
    h1 = layers.Dense(6, name="h1")(inp)
    h2, h3 = layers.Dense(6, name="h2")(h1), layers.Dense(6, name="h3")(inp)
    return keras.Model(inp, layers.Add(name="sum")([h2, h3, h1]))


def _shared_and_nested():
    inp = keras.Input((8,), name="x")
    shared = layers.Dense(8, name="shared")
    block = keras.Sequential([keras.Input((8,)), layers.Dense(8)], name="block")
    left = shared(layers.Dense(8, name="left")(inp))
    right = block(shared(layers.Dense(8, name="right")(inp)))
    return keras.Model(inp, layers.Dense(3, name="out")(layers.Concatenate(name="c")([left,
                                                                                    right])))


@pytest.mark.parametrize("build, expected", [
    (_branches_in_reverse, ["b", "a", "db", "da", "add", "o"]),
    (_shared_three_inputs, ["b", "c", "s", "a", "d1", "d2", "cat", "o1", "o2"]),
    (_skip_connections, ["i", "h1", "h2", "h3", "sum"]),
    (_shared_and_nested, ["x", "left", "right", "shared", "block", "c", "out"]),
], ids=["branches_in_reverse", "shared_three_inputs", "skip_connections",
        "shared_and_nested"])
def test_layer_order_is_keras_order(build, expected):
    """`layers` (and so `weights` / `get_weights()`) in Keras 3's order: these lists were
    printed by Keras 3.15.1 (TensorFlow backend) for the same graphs."""
    model = build()
    assert [la.name for la in model.layers] == expected
    # Weights follow the layers (a shared layer's once).
    assert [id(w) for w in model.weights] == [id(w) for la in model.layers
                                              for w in la.weights]


def test_weights_are_in_keras_order_layer_by_layer():
    """Keras orders `weights` layer by layer, each layer's trainable weights before its
    non-trainable ones; a frozen layer keeps its place. The paths below were printed by
    Keras 3.15.1 for the same model (pyfastfit used to put every non-trainable weight
    last, so `set_weights(keras_model.get_weights())` misassigned BatchNormalization)."""
    inp = keras.Input((6,))
    h = layers.BatchNormalization(name="bn")(layers.Dense(5, name="d1")(inp))
    frozen = layers.Dense(4, name="fr")
    tower = keras.Sequential([layers.Dense(3, name="t1"),
                              layers.BatchNormalization(name="tbn")], name="tower")
    model = keras.Model(inp, layers.Dense(2, name="d2")(tower(frozen(h))))
    frozen.trainable = False
    assert [w.path for w in model.weights] == [
        "d1/kernel", "d1/bias", "bn/gamma", "bn/beta", "bn/moving_mean",
        "bn/moving_variance", "fr/kernel", "fr/bias", "tower/t1/kernel", "tower/t1/bias",
        "tower/tbn/gamma", "tower/tbn/beta", "tower/tbn/moving_mean",
        "tower/tbn/moving_variance", "d2/kernel", "d2/bias"]
    assert [w.path for w in model.trainable_weights] == [
        "d1/kernel", "d1/bias", "bn/gamma", "bn/beta", "tower/t1/kernel", "tower/t1/bias",
        "tower/tbn/gamma", "tower/tbn/beta", "d2/kernel", "d2/bias"]
    assert [w.path for w in model.non_trainable_weights] == [
        "bn/moving_mean", "bn/moving_variance", "fr/kernel", "fr/bias",
        "tower/tbn/moving_mean", "tower/tbn/moving_variance"]
    values = [np.full(w.shape, i, "float32") for i, w in enumerate(model.weights)]
    model.set_weights(values)
    assert [float(w.numpy().flat[0]) for w in model.weights] == list(range(16))


def test_dict_outputs_follow_sorted_keys_as_keras():
    """Keras flattens a dict of outputs (or inputs) in sorted key order: output_names,
    output_shape, model.layers and get_weights() follow it, whatever order the dict was
    written in (so weights copied from a Keras model line up)."""
    a = keras.Input((3,), name="a")
    model = keras.Model(a, {"zz": layers.Dense(1, name="zz")(a),
                            "aa": layers.Dense(2, name="aa")(a)})
    assert model.output_names == ["aa", "zz"]
    assert model.output_shape == [(None, 2), (None, 1)]
    assert [la.name for la in model.layers] == ["a", "aa", "zz"]
    assert [tuple(w.shape) for w in model.get_weights()] == [(3, 2), (2,), (3, 1), (1,)]
    out = model(np.ones((4, 3), np.float32))
    assert set(out) == {"aa", "zz"} and tuple(out["zz"].shape) == (4, 1)

    b = keras.Input((2,), name="b")
    c = keras.Input((1,), name="c")
    two = keras.Model({"c": c, "b": b}, layers.concatenate([b, c]))
    assert [t.name for t in two.inputs] == ["b", "c"]
    np.testing.assert_allclose(
        two.predict({"c": np.zeros((2, 1)), "b": np.ones((2, 2))}, verbose=0),
        [[1, 1, 0], [1, 1, 0]])
