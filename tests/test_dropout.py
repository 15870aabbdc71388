"""Dropout: the Dropout layer, ``dropout`` / ``recurrent_dropout`` on the recurrent layers, and SimpleRNN's activation.

The gradient checks hold the masks fixed: a layer draws its masks from ``layer.rng``, so the loss ``f`` gives the layer
a generator in the same state before every forward pass, and every finite-difference evaluation sees the masks the
backward pass used. Everything else is as in test_gradient_grid.py: float64, every weight random (biases included), a
random upstream gradient on every output, dense and token-id input, the last output or the whole sequence.
"""
import numpy as np
import pytest
from helpers import randomize
from test_layers import RECURRENT

from numpy_rnn import GRU, LSTM, Dense, Dropout, LayerNormSimpleRNN, Sequential, SimpleRNN, gradcheck
from numpy_rnn.layers.dropout import dropout_mask

B, T, F, H = 2, 4, 3, 3
MASK_SEED = 11


def recurrent(cls, rng, units=H, **kwargs):
    layer = cls(units, input_dim=F, **kwargs)
    layer.build(F, rng)
    randomize(layer, rng)
    return layer


def run_with_masks(layer, x, initial_state=None, training=True):
    """A forward pass whose masks are the same at every call: the generator is reset first."""
    layer.rng = np.random.default_rng(MASK_SEED)
    return layer.forward(x, initial_state=initial_state, training=training)


def check_recurrent_gradients(layer, x, rng):
    """dL/dparams, dL/dx (floats) and dL/d(initial states) of L = sum(outputs * upstream) with the masks fixed."""
    initial_state = [rng.normal(size=(B, layer.units)) for _ in layer.state_names]
    out = run_with_masks(layer, x, initial_state)
    upstream = [rng.normal(size=o.shape) for o in out]  # return_state: the output and every final state
    dx = layer.backward(upstream)
    grads = {name: g.copy() for name, g in layer.grads.items()}
    initial_grads = dict(zip(layer.state_names, layer.initial_state_grads))

    def f():
        return sum(np.sum(o * g) for o, g in zip(run_with_masks(layer, x, initial_state), upstream))

    report = gradcheck(f, layer.params, grads)
    assert report.ok, report
    report = gradcheck(f, dict(zip(layer.state_names, initial_state)), initial_grads)
    assert report.ok, report
    if x.dtype.kind == "f":
        report = gradcheck(f, {"x": x}, {"x": np.ascontiguousarray(dx)})
        assert report.ok, report
    else:
        assert dx is None


def draw_input(rng, ids, vocabulary=F):
    return rng.integers(0, vocabulary, size=(B, T)) if ids else rng.normal(size=(B, T, F))


# -- the recurrent layers' gradients with both masks -----------------------------------------------------------------
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("ids", [True, False], ids=["ids", "floats"])
@pytest.mark.parametrize("cls", RECURRENT, ids=lambda cls: cls.__name__)
def test_recurrent_gradients_with_dropout_and_recurrent_dropout(cls, ids, return_sequences):
    rng = np.random.default_rng([ids, return_sequences, RECURRENT.index(cls)])
    units = 4 if cls is LayerNormSimpleRNN else H  # see test_layers.py: layer norm over 3 units is ill-conditioned
    layer = recurrent(cls, rng, units, dropout=0.4, recurrent_dropout=0.3, return_sequences=return_sequences,
                      return_state=True)
    x = draw_input(rng, ids)
    run_with_masks(layer, x)
    m_x, m_h = layer.cache[-1][:2]
    assert np.any(m_x == 0) and np.any(m_h == 0), "the case must drop something for the check to mean anything"
    check_recurrent_gradients(layer, x, rng)


@pytest.mark.parametrize("which", ["dropout", "recurrent_dropout"])
@pytest.mark.parametrize("cls", RECURRENT, ids=lambda cls: cls.__name__)
def test_recurrent_gradients_with_one_kind_of_dropout(cls, which):
    rng = np.random.default_rng([RECURRENT.index(cls), which == "dropout"])
    units = 4 if cls is LayerNormSimpleRNN else H
    layer = recurrent(cls, rng, units, return_sequences=True, return_state=True, **{which: 0.5})
    check_recurrent_gradients(layer, draw_input(rng, ids=False), rng)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear", None])
@pytest.mark.parametrize("dropout", [0.0, 0.4], ids=["no dropout", "dropout"])
def test_simple_rnn_gradients_for_each_activation(activation, dropout):
    rng = np.random.default_rng([dropout > 0, ["tanh", "relu", "sigmoid", "linear", None].index(activation)])
    layer = recurrent(SimpleRNN, rng, activation=activation, dropout=dropout, recurrent_dropout=dropout,
                      return_sequences=True, return_state=True)
    check_recurrent_gradients(layer, draw_input(rng, ids=False), rng)


# -- what the masks are --------------------------------------------------------------------------------------------
def test_predicting_is_the_layer_without_dropout_exactly():
    rng = np.random.default_rng(1)
    for cls in RECURRENT:
        for ids in (True, False):
            with_dropout = recurrent(cls, rng, dropout=0.5, recurrent_dropout=0.5, return_sequences=True)
            plain = cls(H, input_dim=F, return_sequences=True)
            plain.build(F, rng)
            plain.set_weights(with_dropout.get_weights())
            x = draw_input(rng, ids)
            np.testing.assert_array_equal(with_dropout.forward(x, training=False), plain.forward(x))
            np.testing.assert_array_equal(with_dropout.forward(x), plain.forward(x, training=True))
            # and training does drop: the outputs differ
            assert not np.array_equal(with_dropout.forward(x, training=True), plain.forward(x))


def identity_simple_rnn(**kwargs):
    """A linear SimpleRNN of F = H units whose kernels are identities or zeros, so its states show its masks."""
    layer = SimpleRNN(H, activation=None, input_dim=H, return_sequences=True, **kwargs)
    layer.build(H, np.random.default_rng(0))
    eye, zero = np.eye(H), np.zeros((H, H))
    layer.set_weights([eye if kwargs.get("dropout") else zero, eye if kwargs.get("recurrent_dropout") else zero,
                       np.zeros(H)])
    return layer


def test_the_input_mask_is_one_per_sequence_with_the_rate_s_zeros_and_inverted_scaling():
    rate, batch = 0.3, 4000
    layer = identity_simple_rnn(dropout=rate)
    h = layer.forward(np.ones((batch, 5, H)), training=True)  # h_t = (x_t * m_x) I = m_x at every step
    m_x = h[:, 0]
    for t in range(5):
        np.testing.assert_array_equal(h[:, t], m_x)  # the same mask at every step
    assert set(np.unique(m_x)) == {0.0, 1 / (1 - rate)}  # kept values scaled up by 1 / (1 - rate)
    assert abs(np.mean(m_x == 0) - rate) < 0.02  # 12,000 draws: the standard deviation is 0.004
    assert not np.array_equal(m_x[:batch // 2], m_x[batch // 2:])  # one mask per sequence, not one per batch


def test_the_recurrent_mask_is_one_per_sequence_and_only_on_w_h():
    rate, batch = 0.4, 4000
    layer = identity_simple_rnn(recurrent_dropout=rate)
    ones = np.ones((batch, H))
    h = layer.forward(np.zeros((batch, 4, H)), initial_state=ones, training=True)  # h_t = h_{t-1} * m_h
    m_h = h[:, 0]
    assert set(np.unique(m_h)) == {0.0, 1 / (1 - rate)}
    assert abs(np.mean(m_h == 0) - rate) < 0.02
    for t in range(4):
        np.testing.assert_allclose(h[:, t], m_h ** (t + 1), rtol=1e-12)  # the same mask at every step


def test_the_gru_mixes_in_the_undropped_state():
    """h_t = z * h_{t-1} + (1 - z) * n with the h_{t-1} that was passed in; only R_t sees h_{t-1} * m_h (Keras)."""
    rng = np.random.default_rng(5)
    layer = recurrent(GRU, rng, dropout=0.5, recurrent_dropout=0.5)
    x, h_prev = rng.normal(size=(B, 1, F)), rng.normal(size=(B, H))
    out = run_with_masks(layer, x, [h_prev])
    masks = np.random.default_rng(MASK_SEED)
    m_x, m_h = dropout_mask(masks, (B, F), 0.5, np.dtype(float)), dropout_mask(masks, (B, H), 0.5, np.dtype(float))
    W_x, W_h, (b, b_h) = layer.get_weights()
    X = (x[:, 0] * m_x) @ W_x + b
    R = (h_prev * m_h) @ W_h + b_h
    z = 1 / (1 + np.exp(-(X[:, :H] + R[:, :H])))
    r = 1 / (1 + np.exp(-(X[:, H:2 * H] + R[:, H:2 * H])))
    n = np.tanh(X[:, 2 * H:] + r * R[:, 2 * H:])
    np.testing.assert_allclose(out, z * h_prev + (1 - z) * n, rtol=1e-12, atol=1e-14)


def test_token_ids_with_input_dropout_are_one_hot_rows_with_dropout():
    rng = np.random.default_rng(6)
    for cls in RECURRENT:
        layer = recurrent(cls, rng, dropout=0.5, return_sequences=True)
        ids = draw_input(rng, ids=True)
        by_ids = run_with_masks(layer, ids)
        by_one_hot = run_with_masks(layer, np.eye(F)[ids])
        np.testing.assert_allclose(by_ids, by_one_hot, rtol=1e-12, atol=1e-14)


# -- the Dropout layer -----------------------------------------------------------------------------------------------
def test_dropout_layer_drops_the_rate_scales_the_rest_and_predicts_unchanged():
    rate = 0.25
    layer = Dropout(rate, seed=3)
    x = np.random.default_rng(0).uniform(1, 2, size=(200, 10, 5))
    y = layer.forward(x, training=True)
    assert abs(np.mean(y == 0) - rate) < 0.01  # 10,000 draws
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / (1 - rate), rtol=1e-15)
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    np.testing.assert_array_equal(Dropout(0.0).forward(x, training=True), x)


def test_dropout_layer_gradient_with_its_mask_fixed():
    rng = np.random.default_rng(7)
    layer = Dropout(0.5, noise_shape=(None, 1, 4))  # one mask per sample, shared by its steps
    x, upstream = rng.normal(size=(3, 5, 4)), rng.normal(size=(3, 5, 4))

    def run():
        layer.rng = np.random.default_rng(MASK_SEED)
        return layer.forward(x, training=True)

    y = run()
    assert np.all((y == 0) == (y[:, :1] == 0))  # noise_shape: the same features dropped at every step
    dx = layer.backward(upstream)
    report = gradcheck(lambda: np.sum(run() * upstream), {"x": x}, {"x": dx})
    assert report.ok, report
    layer.forward(x)
    np.testing.assert_array_equal(layer.backward(upstream), upstream)


@pytest.mark.parametrize("bad, error, name", [
    (dict(rate=1.0), ValueError, "rate"), (dict(rate=-0.1), ValueError, "rate"), (dict(rate="0.5"), TypeError, "rate"),
    (dict(rate=0.5, noise_shape=(0, 1)), ValueError, "noise_shape"),
    (dict(rate=0.5, noise_shape=3), TypeError, "noise_shape"), (dict(rate=0.5, seed=-1), ValueError, "seed"),
])
def test_dropout_layer_rejects_bad_arguments(bad, error, name):
    with pytest.raises(error, match=name):
        Dropout(**bad)


def test_dropout_layer_rejects_a_noise_shape_that_does_not_fit():
    layer = Dropout(0.5, noise_shape=(2, 3, 4))
    with pytest.raises(ValueError, match="noise_shape"):
        layer.forward(np.ones((2, 3, 5)), training=True)


@pytest.mark.parametrize("cls", RECURRENT, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("argument", ["dropout", "recurrent_dropout"])
@pytest.mark.parametrize("value, error", [(1.0, ValueError), (-0.5, ValueError), (None, TypeError)])
def test_recurrent_layers_reject_bad_rates(cls, argument, value, error):
    with pytest.raises(error, match=argument):
        cls(2, **{argument: value})


@pytest.mark.parametrize("activation", ["softmax", "swish", 3])
def test_simple_rnn_rejects_an_unknown_activation(activation):
    with pytest.raises(ValueError, match="activation"):
        SimpleRNN(2, activation=activation)


def test_simple_rnn_activation_forward():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(B, 1, F))
    for activation, fn in [("relu", lambda a: np.maximum(a, 0)), (None, lambda a: a), ("linear", lambda a: a)]:
        layer = recurrent(SimpleRNN, rng, activation=activation)
        W_x, W_h, b = layer.get_weights()
        np.testing.assert_allclose(layer.forward(x), fn(x[:, 0] @ W_x + b), rtol=1e-12, atol=1e-14)


# -- in a model: the model's generator, saved and restored -------------------------------------------------------------
def dropout_model(random_state=0):
    model = Sequential([LayerNormSimpleRNN(4, dropout=0.2, recurrent_dropout=0.2, return_sequences=True,
                                           input_shape=(6, 3)),
                        SimpleRNN(4, activation="relu", dropout=0.2, recurrent_dropout=0.3, return_sequences=True),
                        GRU(3, dropout=0.1, recurrent_dropout=0.2, return_sequences=True),
                        LSTM(3, dropout=0.2, recurrent_dropout=0.1),
                        Dropout(0.5), Dense(1)], random_state=random_state)
    model.compile("adam", "mse")
    return model


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(24, 6, 3))
    return x, np.tanh(x.sum(axis=(1, 2)))[:, None]


def test_a_model_with_dropout_resumes_exactly_after_save_and_load(tmp_path, data):
    three = dropout_model()
    three.fit(*data, epochs=3, batch_size=8, verbose=0)
    two = dropout_model()
    two.fit(*data, epochs=2, batch_size=8, verbose=0)
    two.save(tmp_path / "two.npz")
    loaded = Sequential.load(tmp_path / "two.npz")
    assert all(layer.rng is loaded._rng for layer in loaded.layers if hasattr(layer, "rng"))
    loaded.fit(*data, epochs=1, batch_size=8, verbose=0)
    for ours, theirs in zip(three.layers, loaded.layers):
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_array_equal(a, b)
    assert [layer.get_config() for layer in three.layers] == [layer.get_config() for layer in loaded.layers]


def test_the_same_random_state_gives_the_same_run_and_predicting_draws_nothing(data):
    first, second, other = dropout_model(), dropout_model(), dropout_model(random_state=1)
    for model in (first, second, other):
        model.fit(*data, epochs=1, batch_size=8, verbose=0)
    def weights(model):
        return [w for layer in model.layers for w in layer.get_weights()]

    for a, b in zip(weights(first), weights(second)):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(weights(first), weights(other)))
    state = first._rng.bit_generator.state
    np.testing.assert_array_equal(first.predict(data[0]), first.predict(data[0]))
    first.evaluate(*data)
    assert first._rng.bit_generator.state == state
