import pyfastfit as keras
from pyfastfit import layers


def capture(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return "".join(lines).splitlines()


def test_sequential_summary_table():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(64, activation="relu", name="d1"),
                              layers.Dense(10, name="d2")], name="seq")
    out = capture(model)
    assert out[0] == 'Model: "seq"'
    assert out[2].startswith("┃ Layer (type)") and "Output Shape" in out[2]
    assert out[2].rstrip("┃ ").endswith("Param #")
    row = next(line for line in out if line.startswith("│ d1 (Dense)"))
    assert "(None, 64)" in row and row.rstrip("│ ").endswith("320")
    assert len(out[1]) == 88
    assert out[-3:] == [" Total params: 970 (3.79 KB)", " Trainable params: 970 (3.79 KB)",
                        " Non-trainable params: 0 (0.00 B)"]


def test_functional_multi_input_has_connected_to():
    a, b = keras.Input((2,), name="a"), keras.Input((3,), name="b")
    out = layers.Dense(1, name="out")(layers.concatenate([a, b], name="cat"))
    text = capture(keras.Model([a, b], out, name="multi"))
    assert "Connected to" in text[2]
    assert any("a[0][0], b[0][0]" in line for line in text)
    assert any(line.startswith("│ a (InputLayer)") for line in text)
    assert text[-3] == " Total params: 6 (24.00 B)"


def test_unbuilt_and_frozen():
    model = keras.Sequential([layers.Dense(3, name="x")])
    assert any("0 (unbuilt)" in line for line in capture(model))
    model.build((None, 2))
    model.trainable = False
    out = capture(model)
    assert out[-2:] == [" Trainable params: 0 (0.00 B)", " Non-trainable params: 9 (36.00 B)"]
