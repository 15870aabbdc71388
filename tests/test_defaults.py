"""Defaults: every one equal to Keras's (or, for RecurrentNetwork, to the book's), each written here as a number.

A learner who reproduces a Keras example with numpy_rnn relies on the defaults being Keras's, and nothing else would
notice if one drifted: training still works with Adam's epsilon at 1e-8 or a layer-norm epsilon of 1e-5, just not the
same way. So each default is written out below with where it comes from, and is tested through what it does (an
update computed by hand, an output computed by hand, a distribution of draws), not only through the attribute that
records it: a constant can change inside a formula while the attribute still reads the old value.

Sources (Keras 2.x and 3.x agree on all of these):

- optimizers: the tf.keras / keras.io signatures ``SGD(learning_rate=0.01)``, ``RMSprop(learning_rate=0.001,
  rho=0.9, epsilon=1e-07)``, ``Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07)``,
  ``Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-07)``;
- layers: ``GRU(..., bias_initializer="zeros", reset_after=True)`` (the recurrent bias is half of that bias),
  ``LSTM(..., unit_forget_bias=True)`` ("add 1 to the bias of the forget gate at initialization"),
  ``LayerNormalization(epsilon=0.001, beta_initializer="zeros", gamma_initializer="ones")``,
  ``Embedding(..., embeddings_initializer="uniform")``, which is ``RandomUniform(minval=-0.05, maxval=0.05)``;
- initializers: ``GlorotUniform``: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)); ``Orthogonal``: QR of a
  normal matrix with Q's columns multiplied by the signs of diag(R);
- losses: ``binary_crossentropy`` clips probabilities to [epsilon, 1 - epsilon] with ``keras.backend.epsilon()`` =
  1e-07. (tf.keras 2.x also adds epsilon inside its logs, tensorflow/tensorflow#41595; the clip is the part kept.)

``test_the_defaults_match_keras_own_configs`` reads the same values from Keras itself when TensorFlow is installed.
"""
import numpy as np
import pytest

from numpy_rnn import GRU, LSTM, SGD, Adagrad, Adam, Embedding, LayerNormSimpleRNN, RecurrentNetwork, RMSprop
from numpy_rnn.activations import sigmoid
from numpy_rnn.initializers import glorot_uniform, orthogonal
from numpy_rnn.losses import binary_crossentropy
from numpy_rnn.optimizers import get_optimizer


# -- optimizers -------------------------------------------------------------------------------------------------
def run(optimizer, gradients):
    """The parameter after one update per gradient, from 0 (so that the result is the sum of the steps, to full
    relative precision)."""
    p = {"w": np.zeros_like(gradients[0])}
    for g in gradients:
        optimizer.step([(p, {"w": g})])
    return p["w"]


# Gradients of very different sizes: the tiny entries are where epsilon decides the step (RMSprop's and Adam's
# second moment of a 1e-6 gradient is ~1e-13, far below 1e-7), the later steps differ so that the decay rates matter.
GRADIENTS = [np.array([0.5, -2.0, 1e-6, -1e-8]), np.array([-0.3, 1.0, 2e-6, 1e-8]), np.array([0.8, 0.1, -1e-6, 3e-8])]


def sgd_by_hand(gradients, lr=0.01):
    return -lr * np.sum(gradients, axis=0)


def rmsprop_by_hand(gradients, lr=0.001, rho=0.9, epsilon=1e-7):
    p, s = 0.0, 0.0
    for g in gradients:
        s = rho * s + (1 - rho) * g * g
        p = p - lr * g / np.sqrt(s + epsilon)
    return p


def adam_by_hand(gradients, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    p, m, v = 0.0, 0.0, 0.0
    for t, g in enumerate(gradients, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        p = p - lr * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t) * m / (np.sqrt(v) + epsilon)
    return p


def adagrad_by_hand(gradients, lr=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
    p, s = 0.0, initial_accumulator_value
    for g in gradients:
        s = s + g * g
        p = p - lr * g / np.sqrt(s + epsilon)
    return p


@pytest.mark.parametrize("cls, by_hand, config", [
    (SGD, sgd_by_hand, {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False}),
    (RMSprop, rmsprop_by_hand, {"learning_rate": 0.001, "rho": 0.9, "epsilon": 1e-7}),
    (Adam, adam_by_hand, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
    (Adagrad, adagrad_by_hand, {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7}),
], ids=["SGD", "RMSprop", "Adam", "Adagrad"])
def test_optimizer_defaults_are_keras_s(cls, by_hand, config):
    # What the optimizer records (and saves with a model)...
    recorded = cls().get_config()
    for key, value in config.items():
        assert recorded[key] == value, key
    assert get_optimizer(cls.__name__.lower()).get_config() == recorded  # a name gives the same defaults
    # ...and what it does: three updates, against the same formulas written out with Keras's numbers. Relative
    # agreement to 1e-12 pins every constant; e.g. Adagrad's epsilon changes its steps by ~5e-7 of their size.
    np.testing.assert_allclose(run(cls(), GRADIENTS), by_hand(GRADIENTS), rtol=1e-12, atol=0)


# -- layers -----------------------------------------------------------------------------------------------------
def built(layer, input_dim, seed=0):
    layer.build(input_dim, np.random.default_rng(seed))
    return layer


def test_gru_biases_both_start_at_zero():
    gru = built(GRU(3), 2)
    assert not gru.params["b"].any() and not gru.params["b_h"].any()
    # In Keras's layout the two biases are the rows of one (2, 3H) array, both zeros (bias_initializer="zeros").
    np.testing.assert_array_equal(gru.get_weights()[2], np.zeros((2, 9)))


def test_lstm_forget_bias_starts_at_one():
    lstm = built(LSTM(3), 2)
    H = 3
    # Gate order i, f, g, o: only the forget block is 1 (Keras's unit_forget_bias=True).
    np.testing.assert_array_equal(lstm.params["b"], np.repeat([0.0, 1.0, 0.0, 0.0], H))


def test_layer_norm_rnn_epsilon_gamma_and_beta():
    layer = built(LayerNormSimpleRNN(4), 1)
    assert layer.get_config()["epsilon"] == 1e-3
    np.testing.assert_array_equal(layer.params["gamma"], np.ones(4))
    np.testing.assert_array_equal(layer.params["beta"], np.zeros(4))
    # The epsilon the step actually uses: one step from h_0 = 0 with a pre-activation whose variance (1.25e-4) is
    # smaller than epsilon, so that 1e-3 and, say, 1e-5 give very different outputs.
    a = np.array([0.0, 0.01, 0.02, 0.03])
    layer.params["W_x"][...] = a
    layer.params["b"][...] = 0.0
    h = layer.forward(np.ones((1, 1, 1)))
    expected = np.tanh((a - a.mean()) / np.sqrt(a.var() + 1e-3))  # gamma 1, beta 0
    np.testing.assert_allclose(h[0], expected, rtol=1e-12)


def test_embedding_starts_uniform_in_plus_minus_0_05():
    W = built(Embedding(1000, 20), 1000).params["W"]  # 20,000 draws
    assert np.abs(W).max() <= 0.05
    # The whole range is used, both signs: with 20,000 uniform draws the extremes lie within 1e-4 of +-0.05 except
    # with probability ~e^-20.
    assert W.max() > 0.0499 and W.min() < -0.0499
    # Uniform, not piled up somewhere: half the draws lie within +-0.025 (standard deviation of that share: 0.0035).
    assert 0.48 < np.mean(np.abs(W) < 0.025) < 0.52


def test_binary_crossentropy_clips_probabilities_at_1e_7():
    y = np.array([1.0])
    # A probability of 0 (or anything below 1e-7) for a positive example counts as 1e-7: the loss is -log(1e-7).
    for a in (0.0, 1e-9):
        assert binary_crossentropy(y, np.array([a]))[0] == pytest.approx(-np.log(1e-7), rel=1e-12)
    # Above 1e-7 nothing is clipped.
    assert binary_crossentropy(y, np.array([2e-7]))[0] == pytest.approx(-np.log(2e-7), rel=1e-12)
    # And at the other end, 1 - 1e-7 for a negative example.
    assert binary_crossentropy(np.array([0.0]), np.array([1.0]))[0] == pytest.approx(-np.log(1e-7), rel=1e-8)


# -- initializers ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(300, 100), (100, 300)], ids=["tall", "wide"])
def test_glorot_uniform_limit_uses_fan_in_plus_fan_out(shape):
    # A non-square kernel: with fan_in == fan_out, a mistake such as using fan_in twice would give the same limit.
    limit = np.sqrt(6 / (shape[0] + shape[1]))  # 0.1225 here; fan_in twice would give 0.1 or 0.173
    W = glorot_uniform(shape, np.random.default_rng(0))
    assert np.abs(W).max() <= limit
    # 30,000 draws reach within 0.5% of both ends (they miss one end with probability ~e^-75).
    assert W.max() > 0.995 * limit and W.min() < -0.995 * limit


def test_a_layer_s_kernel_is_glorot_uniform_with_its_own_fans():
    lstm = built(LSTM(25), 50)  # W_x is (50, 100): fan_in 50, fan_out 4 * 25
    limit = np.sqrt(6 / (50 + 100))
    W = lstm.params["W_x"]
    assert np.abs(W).max() <= limit and W.max() > 0.99 * limit and W.min() < -0.99 * limit


@pytest.mark.parametrize("shape", [(5, 5), (12, 3), (3, 12)], ids=["square", "tall", "wide"])
def test_orthogonal_has_orthonormal_columns_or_rows(shape):
    Q = orthogonal(shape, np.random.default_rng(0))
    assert Q.shape == shape
    k = min(shape)
    gram = Q.T @ Q if shape[0] >= shape[1] else Q @ Q.T  # the smaller of the two products is the identity
    np.testing.assert_allclose(gram, np.eye(k), atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shape", [(5, 5), (12, 3), (3, 12)], ids=["square", "tall", "wide"])
def test_orthogonal_is_not_biased_by_qr_s_sign_convention(shape, seed):
    """QR by Householder reflections (LAPACK, hence NumPy) makes each diagonal entry of R the opposite sign of the
    entry it eliminates below. So without the sign fix Q[0, 0] = a[0, 0] / R[0, 0] = -|a[0, 0]| / ||a[:, 0]|| is never
    positive, and Q is not a uniformly random orthogonal matrix. Multiplying Q's columns by sign(diag(R)) makes
    Q[:, 0] = a[:, 0] / ||a[:, 0]||, whose first entry is positive in half the draws.

    400 draws: with the fix the positive share is 0.5 with standard deviation 0.025 (bounds at 6 of them); without,
    it is exactly 0. Checked for seeds 0-2 of each shape."""
    rng = np.random.default_rng(seed)
    positive = np.mean([orthogonal(shape, rng)[0, 0] > 0 for _ in range(400)])
    assert 0.35 < positive < 0.65


# -- the book's RecurrentNetwork ---------------------------------------------------------------------------------
def test_recurrent_network_defaults_are_the_book_s():
    net = RecurrentNetwork(verbose=0, random_state=0)
    assert (net.n_cells, net.batch_size, net.bptt_steps, net.lr) == (10, 32, 10, 0.1)

    # n_cells: the hidden layer has 10 units.
    F = 6
    net.init_weights(F, 1)
    assert net.w1h.shape == (10, 10)

    # batch_size: 70 samples are served as 32 + 32 + 6.
    rng = np.random.default_rng(0)
    ids = rng.integers(1, F, size=(70, 12))
    ids[:, :2] = 0  # token 0 only in the first two of 12 steps
    y = rng.integers(0, 2, size=(70, 1)).astype(float)
    assert [len(xb) for xb, _ in net.gen_batch(ids, y)] == [32, 32, 6]

    # bptt_steps: the gradient reaches only the last 10 steps, so token 0's row of W_1x gets none.
    x, yb = ids[:8], y[:8]
    grads = net.backprop(x, sigmoid(net.forpass(x)) - yb)
    w1x_grad = grads[1]
    assert not w1x_grad[0].any() and w1x_grad[1:].any()

    # learning_rate: one training step moves every weight by -0.1 times its gradient.
    before = [np.array(w) for w in (net.w1h, net.w1x, net.b1, net.w2, net.b2)]
    grads = [np.array(g) for g in grads]
    net.training(x, yb)
    after = (net.w1h, net.w1x, net.b1, net.w2, net.b2)
    for old, new, g in zip(before, after, grads):
        np.testing.assert_allclose(new, old - 0.1 * g, rtol=1e-12, atol=1e-15)


def test_the_bptt_check_above_can_see_a_longer_truncation():
    """The zero row above is the truncation's doing: with 11 steps of BPTT, token 0 (step 2 of 12) gets a gradient."""
    net = RecurrentNetwork(bptt_steps=11, verbose=0, random_state=0)
    net.init_weights(6, 1)
    rng = np.random.default_rng(0)
    x = rng.integers(1, 6, size=(8, 12))
    x[:, :2] = 0
    y = rng.integers(0, 2, size=(8, 1)).astype(float)
    assert net.backprop(x, sigmoid(net.forpass(x)) - y)[1][0].any()


# -- Keras itself, when it is installed --------------------------------------------------------------------------
def _initializer_config(value):
    """An initializer's arguments from a Keras layer config: {"class_name": ..., "config": {...}} in Keras 2 and 3."""
    return value.get("config", {}) if isinstance(value, dict) else {}


def _initializer_name(value):
    return value.get("class_name") if isinstance(value, dict) else value


def test_the_defaults_match_keras_own_configs():
    tf = pytest.importorskip("tensorflow")
    keras = tf.keras
    close = lambda value: pytest.approx(value, rel=1e-6)  # noqa: E731 (Keras may keep its numbers in float32)

    for ours, theirs, keys in [
        (SGD(), keras.optimizers.SGD(), ("learning_rate", "momentum", "nesterov")),
        (RMSprop(), keras.optimizers.RMSprop(), ("learning_rate", "rho", "epsilon")),
        (Adam(), keras.optimizers.Adam(), ("learning_rate", "beta_1", "beta_2", "epsilon")),
        (Adagrad(), keras.optimizers.Adagrad(), ("learning_rate", "initial_accumulator_value", "epsilon")),
    ]:
        config = theirs.get_config()
        for key in keys:
            assert float(config[key]) == close(float(ours.get_config()[key])), (type(ours).__name__, key)

    assert float(keras.layers.LayerNormalization().get_config()["epsilon"]) == close(
        LayerNormSimpleRNN(4).get_config()["epsilon"])
    gru = keras.layers.GRU(3).get_config()
    assert gru["reset_after"] is True and _initializer_name(gru["bias_initializer"]) in ("Zeros", "zeros")
    assert keras.layers.LSTM(3).get_config()["unit_forget_bias"] is True
    uniform = _initializer_config(keras.layers.Embedding(10, 3).get_config()["embeddings_initializer"])
    assert (uniform["minval"], uniform["maxval"]) == (close(-0.05), close(0.05))
    assert keras.backend.epsilon() == close(1e-7)
