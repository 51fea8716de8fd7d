"""plot_model on stand-in models (the graph walk only needs `layers`, `name` and the
Functional `_inbound_nodes` records), so it is tested without the layers package."""

import shutil
import types

import pytest

from pyfastfit import utils
from pyfastfit.utils.model_visualization import model_to_dot_source


class Dense:
    def __init__(self, name, shape, parents=()):
        self.name = name
        out = types.SimpleNamespace(shape=shape, _keras_history=(self, 0, 0))
        inputs = [p._out for p in parents]
        self._inbound_nodes = [types.SimpleNamespace(inputs=inputs, outputs=[out])]
        self._out = out


class Functional:
    def __init__(self, layers, name="model"):
        self.layers, self.name = layers, name


class Sequential(Functional):
    pass


def _functional():
    a = Dense("a", (None, 4))
    b = Dense("b", (None, 3), [a])
    c = Dense("c", (None, 3), [a])
    d = Dense("d", (None, 1), [b, c])
    return Functional([a, b, c, d]), (a, b, c, d)


def test_dot_source_has_nodes_edges_and_shapes():
    model, (a, b, c, d) = _functional()
    src = model_to_dot_source(model, show_shapes=True)
    for layer in (a, b, c, d):
        assert f"n{id(layer)} [label=" in src
    assert "a (Dense)" in src and r"Output shape: (None, 3)" in src
    edges = {line.strip() for line in src.splitlines() if "->" in line}
    assert edges == {f"n{id(x)} -> n{id(y)};" for x, y in [(a, b), (a, c), (b, d), (c, d)]}
    assert "a (Dense)" not in model_to_dot_source(model, show_layer_names=False)


def test_sequential_without_graph_records_is_a_chain():
    a, b = types.SimpleNamespace(name="a"), types.SimpleNamespace(name="b")
    src = model_to_dot_source(Sequential([a, b], name="seq"))
    assert f"n{id(a)} -> n{id(b)};" in src and 'label="seq"' in src


def test_plot_model_writes_dot_source_without_graphviz(tmp_path):
    model, _ = _functional()
    utils.plot_model(model, to_file=tmp_path / "m.dot", show_shapes=True)
    assert (tmp_path / "m.dot").read_text().startswith("digraph G {")


def test_plot_model_without_dot_names_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    model, _ = _functional()
    with pytest.raises(ImportError, match="install graphviz"):
        utils.plot_model(model, to_file=tmp_path / "m.png")


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` not installed")
def test_plot_model_renders_png(tmp_path):
    model, _ = _functional()
    utils.plot_model(model, to_file=tmp_path / "m.png", show_shapes=True)
    assert (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_rankdir():
    model, _ = _functional()
    with pytest.raises(ValueError, match="rankdir='XY'"):
        model_to_dot_source(model, rankdir="XY")


def test_real_functional_and_sequential_models():
    import pyfastfit as keras
    from pyfastfit import layers

    inputs = keras.Input((8,))
    a = layers.Dense(4, name="a")(inputs)
    b = layers.Dense(4, name="b")(a)
    c = layers.Dense(4, name="c")(a)
    out = layers.Add(name="sum")([b, c])
    model = keras.Model(inputs, out)
    src = model_to_dot_source(model, show_shapes=True)
    assert src.count("->") == 5
    assert "sum (Add)|Input shape: [(None, 4), (None, 4)]|Output shape: (None, 4)" in src
    seq = keras.Sequential([keras.Input((3,)), layers.Dense(2), layers.Dense(1)])
    assert model_to_dot_source(seq).count("->") == 1


def test_label_options_as_keras():
    import pyfastfit as keras
    from pyfastfit import layers

    inputs = keras.Input((8,))
    hidden = layers.Dense(4, name="a", activation="relu")
    out = layers.Dense(2, name="b")(hidden(inputs))
    model = keras.Model(inputs, out)
    hidden.trainable = False
    src = model_to_dot_source(model, show_shapes=True, show_dtype=True,
                              show_layer_activations=True, show_trainable=True)
    assert ("a (Dense)|Activation: relu|Input shape: (None, 8)|Output shape: (None, 4)|"
            "Output dtype: float32|Trainable: False}") in src
    assert "(InputLayer)|Output shape: (None, 8)|Output dtype: float32}" in src
    assert "Activation" not in model_to_dot_source(model)


def test_expand_nested_draws_a_cluster_wired_to_its_ends():
    import pyfastfit as keras
    from pyfastfit import layers

    inner = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="i1"),
                              layers.Dense(2, name="i2")], name="inner")
    o1, o2 = layers.Dense(4, name="o1"), layers.Dense(1, name="o2")
    outer = keras.Sequential([keras.Input((5,)), o1, inner, o2], name="outer")
    i1, i2 = inner.layers
    src = model_to_dot_source(outer, expand_nested=True)
    assert f"subgraph cluster_{id(inner)} {{" in src
    edges = {line.strip() for line in src.splitlines() if "->" in line}
    assert edges == {f"n{id(a)} -> n{id(b)};" for a, b in [(o1, i1), (i1, i2), (i2, o2)]}
    flat = model_to_dot_source(outer)
    assert "cluster" not in flat and "inner (Sequential)" in flat


def test_plot_model_argument_errors(tmp_path):
    model, _ = _functional()
    with pytest.raises(ValueError, match="layer_range"):
        utils.plot_model(model, to_file=tmp_path / "m.dot", layer_range=["a", "b"])
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        utils.plot_model(model, to_file=tmp_path / "m.dot", colour=True)
    model.built = False
    with pytest.raises(ValueError, match="has not yet been built"):
        utils.plot_model(model, to_file=tmp_path / "m.dot")


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` not installed")
def test_plot_model_returns_ipython_image_when_available(tmp_path):
    ipython = pytest.importorskip("IPython.display")
    model, _ = _functional()
    img = utils.plot_model(model, to_file=tmp_path / "m.png")
    assert isinstance(img, ipython.Image)
