"""Keras's weights load into numpy_rnn's layers as they are, and give the same outputs.

``get_weights()`` / ``set_weights()`` promise Keras's arrays, shapes and gate orders; here a Keras layer's own weights
go through ``set_weights`` unchanged and both layers run the same input. Skipped when TensorFlow is not installed
(``pip install -e ".[tensorflow]"``).
"""
import numpy as np
import pytest

from numpy_rnn import GRU, LSTM, Dense, Embedding, SimpleRNN, relative_error

tf = pytest.importorskip("tensorflow")

LAYERS = [
    (lambda: tf.keras.layers.SimpleRNN(4, return_sequences=True), lambda: SimpleRNN(4, return_sequences=True)),
    (lambda: tf.keras.layers.LSTM(4, return_sequences=True), lambda: LSTM(4, return_sequences=True)),
    (lambda: tf.keras.layers.GRU(4, return_sequences=True), lambda: GRU(4, return_sequences=True)),
    (lambda: tf.keras.layers.Dense(4, activation="tanh"), lambda: Dense(4, activation="tanh")),
]


@pytest.mark.parametrize("make_keras, make_ours", LAYERS, ids=["SimpleRNN", "LSTM", "GRU", "Dense"])
def test_keras_weights_load_unchanged_and_give_the_same_outputs(make_keras, make_ours):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 6, 5)).astype(np.float32)
    keras_layer = make_keras()
    expected = keras_layer(x).numpy()  # builds the layer with Keras's own initial weights
    weights = [w + rng.normal(0, 0.1, size=w.shape).astype(np.float32) for w in keras_layer.get_weights()]
    keras_layer.set_weights(weights)  # non-zero biases, so that a misplaced bias would show
    expected = keras_layer(x).numpy()

    ours = make_ours()
    ours.build(5)
    ours.set_weights(weights)
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in weights]
    assert relative_error(ours.forward(x.astype(np.float64)), expected) < 1e-5  # Keras computes in float32


def test_embedding_weights_match_keras():
    rng = np.random.default_rng(1)
    keras_layer = tf.keras.layers.Embedding(7, 3)
    ids = rng.integers(0, 7, size=(2, 4))
    keras_layer(ids)
    ours = Embedding(7, 3)
    ours.build(7)
    ours.set_weights(keras_layer.get_weights())
    np.testing.assert_allclose(ours.forward(ids), keras_layer(ids).numpy(), rtol=1e-6)
