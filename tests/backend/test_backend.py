import numpy as np
import pytest

import pyfastfit as keras


def test_clear_session_resets_names():
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"
    assert keras.Input((2,))._keras_history[0].name == "input_layer"
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"


def test_set_random_seed():
    keras.backend.set_random_seed(5)
    a = np.random.rand()
    s1 = keras.backend.draw_seed()
    keras.backend.set_random_seed(5)
    assert np.random.rand() == a and keras.backend.draw_seed() == s1
    with pytest.raises(ValueError, match="seed=-1"):
        keras.backend.set_random_seed(-1)


def test_snake_case():
    assert keras.backend.to_snake_case("CustomerTicketModel") == "customer_ticket_model"
    assert keras.backend.to_snake_case("Conv2D") == "conv2d"
    assert keras.backend.floatx() == "float32"
