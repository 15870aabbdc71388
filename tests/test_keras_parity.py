"""Keras's weights load into numpy_rnn's layers as they are, and give the same outputs.

``get_weights()`` / ``set_weights()`` promise Keras's arrays, shapes and gate orders; here a Keras layer's own weights
go through ``set_weights`` unchanged and both layers run the same input. Skipped when TensorFlow is not installed
(``pip install -e ".[tensorflow]"``).
"""
import numpy as np
import pytest

from numpy_rnn import GRU, LSTM, Bidirectional, Dense, Embedding, Masking, SimpleRNN, relative_error

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


# -- masks, reading backwards, both directions: Keras's rules, given Keras's weights -----------------------------------
RECURRENT_PAIRS = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}


def keras_weights(keras_layer, rng):
    """The layer's own weights, nudged so that every bias is non-zero, set back into it."""
    weights = [w + rng.normal(0, 0.2, size=w.shape).astype(np.float32) for w in keras_layer.get_weights()]
    keras_layer.set_weights(weights)
    return weights


def padded_ids(rng):
    ids = rng.integers(1, 9, size=(4, 7))
    ids[0, :3] = 0  # padded at the front
    ids[1, 4:] = 0  # at the end
    ids[2, 2:5] = 0  # a gap
    return ids


@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
@pytest.mark.parametrize("name", RECURRENT_PAIRS)
def test_masked_sequences_match_keras(name, go_backwards):
    """Embedding(mask_zero=True) -> recurrent layer: every output, the padded steps' included (Keras's rule for
    them), and the final states."""
    rng = np.random.default_rng(2)
    ids = padded_ids(rng)
    embedding = tf.keras.layers.Embedding(9, 3, mask_zero=True)
    keras_layer = getattr(tf.keras.layers, name)(4, return_sequences=True, return_state=True,
                                                 go_backwards=go_backwards)
    e = embedding(ids)
    keras_layer(e)
    weights = keras_weights(keras_layer, rng)
    expected = [t.numpy() for t in keras_layer(e)]

    ours_embedding = Embedding(9, 3, mask_zero=True)
    ours_embedding.build(9)
    ours_embedding.set_weights(embedding.get_weights())
    ours = RECURRENT_PAIRS[name](4, return_sequences=True, return_state=True, go_backwards=go_backwards)
    ours.build(3)
    ours.set_weights(weights)
    got = ours.forward(ours_embedding.forward(ids).astype(np.float64), mask=ours_embedding.compute_mask(None))
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert relative_error(a, b) < 1e-5


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
def test_bidirectional_with_a_mask_matches_keras(merge_mode):
    rng = np.random.default_rng(3)
    ids = padded_ids(rng)
    embedding = tf.keras.layers.Embedding(9, 3, mask_zero=True)
    keras_layer = tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(4, return_sequences=True),
                                                merge_mode=merge_mode)
    e = embedding(ids)
    keras_layer(e)
    weights = keras_weights(keras_layer, rng)
    expected = keras_layer(e).numpy()

    ours = Bidirectional(LSTM(4, return_sequences=True), merge_mode=merge_mode)
    ours.build(3)
    ours.set_weights(weights)  # Keras's order: the forward layer's weights, then the backward layer's
    mask = ids != 0
    got = ours.forward(e.numpy().astype(np.float64), mask=mask)
    # Keras's Bidirectional outputs 0 at padded steps, where a single layer repeats its last real output
    assert not np.any(got[~mask])
    assert relative_error(got, expected) < 1e-5


def test_masking_layer_matches_keras():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 5, 2)).astype(np.float32)
    x[0, :2] = 0.0
    x[2, 4] = 0.0
    keras_seq = tf.keras.Sequential([tf.keras.layers.Masking(0.0), tf.keras.layers.GRU(3, return_sequences=True)])
    keras_seq(x)
    weights = keras_weights(keras_seq.layers[1], rng)
    expected = keras_seq(x).numpy()
    masking, ours = Masking(0.0), GRU(3, return_sequences=True)
    ours.build(2)
    ours.set_weights(weights)
    got = ours.forward(masking.forward(x.astype(np.float64)), mask=masking.compute_mask(None))
    assert relative_error(got, expected) < 1e-5


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "linear"])
def test_simple_rnn_activations_match_keras(activation):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 6, 3)).astype(np.float32)
    keras_layer = tf.keras.layers.SimpleRNN(4, activation=activation, return_sequences=True)
    keras_layer(x)
    weights = keras_weights(keras_layer, rng)
    ours = SimpleRNN(4, activation=activation, return_sequences=True)
    ours.build(3)
    ours.set_weights(weights)
    assert relative_error(ours.forward(x.astype(np.float64)), keras_layer(x).numpy()) < 1e-5


def test_a_masked_sequence_loss_matches_keras_evaluate():
    """The loss of a sequence output with padding: Keras's model.evaluate and ours, given the same weights (the mean
    over the real positions, with and without per-position weights)."""
    rng = np.random.default_rng(6)
    ids = padded_ids(rng)
    y = rng.integers(0, 3, size=ids.shape)
    keras_model = tf.keras.Sequential([tf.keras.layers.Embedding(9, 3, mask_zero=True),
                                       tf.keras.layers.LSTM(4, return_sequences=True),
                                       tf.keras.layers.Dense(3, activation="softmax")])
    keras_model.compile("adam", "sparse_categorical_crossentropy")
    keras_model(ids)
    from numpy_rnn import Sequential

    ours = Sequential([Embedding(9, 3, mask_zero=True), LSTM(4, return_sequences=True),
                       Dense(3, activation="softmax")])
    ours.compile("adam", "sparse_categorical_crossentropy")
    ours.build((7,))
    for keras_layer, layer in zip(keras_model.layers, ours.layers):
        layer.set_weights(keras_weights(keras_layer, rng))
    weights = rng.uniform(0.5, 2.0, size=ids.shape)  # per position (Keras cannot combine per-sample ones with a mask)
    for sample_weight in (None, weights):
        expected = keras_model.evaluate(ids, y, sample_weight=sample_weight, batch_size=len(ids), verbose=0)
        got = ours.evaluate(ids, y, sample_weight=sample_weight, batch_size=len(ids))
        assert abs(got - expected) < 1e-5 * abs(expected)
