"""Sequential.to_keras, Sequential.from_keras and Sequential.to_torch (numpy_rnn/export.py): the exported model gives
numpy_rnn's outputs on the same input, to float32 precision, for every layer that goes across, and what cannot go
across is refused by name before anything is built.

The Keras tests skip without TensorFlow (run them with /work/venv-tf's Python, which has it); the PyTorch tests skip
without torch. The refusals that are decided before either is imported run everywhere.
"""
import subprocess
import sys
import warnings

import numpy as np
import pytest

from numpy_rnn import (GRU, LSTM, RNN, Activation, Bidirectional, Dense, Dropout, Embedding, Flatten,
                       LayerNormSimpleRNN, Masking, Sequential, SimpleRNN, TimeDistributed, relative_error)
from numpy_rnn.cells import Cell

V, T, F = 9, 6, 3  # vocabulary, steps, features


def padded_ids(rng, batch=4):
    """Token ids 1 ... V-1 with 0 as padding at the front, at the end and in a gap."""
    ids = rng.integers(1, V, size=(batch, T))
    ids[0, :2] = 0
    ids[1, 4:] = 0
    ids[2, 2:4] = 0
    return ids


def padded_features(rng, batch=4):
    x = rng.normal(size=(batch, T, F))
    x[0, :2] = 0.0
    x[1, 4:] = 0.0
    x[2, 2:4] = 0.0
    return x


def randomized(model, rng, scale=0.5):
    """The model built, every weight (biases included) random: a misplaced bias or gate block would show."""
    model._require_built()
    for layer in model.layers:
        for p in layer.params.values():
            p[...] = rng.normal(0.0, scale, size=p.shape)
    return model


# Each case: (model maker, input maker). Ids-first models declare input_shape=(T,).
CASES = {
    "embedding-masked-lstm-gru-softmax": (
        lambda: Sequential([Embedding(V, 4, mask_zero=True, input_length=T), LSTM(5, return_sequences=True),
                            GRU(3), Dense(4, activation="softmax")]), padded_ids),
    "embedding-simplernn-relu-backwards": (
        lambda: Sequential([Embedding(V, 4, input_length=T), SimpleRNN(5, activation="relu", go_backwards=True,
                                                                       return_sequences=True),
                            TimeDistributed(Dense(2, activation="sigmoid"))]), padded_ids),
    "masking-gru-backwards-sequences": (
        lambda: Sequential([Masking(0.0, input_shape=(T, F)), GRU(4, go_backwards=True, return_sequences=True),
                            SimpleRNN(3), Dense(1)]), padded_features),
    "bidirectional-concat-masked": (
        lambda: Sequential([Embedding(V, 3, mask_zero=True, input_length=T),
                            Bidirectional(LSTM(4, return_sequences=True)),
                            Bidirectional(GRU(2, return_sequences=True), merge_mode="sum"),
                            Dense(3, activation="tanh")]), padded_ids),  # the padded steps' outputs are seen
    "bidirectional-mul-ave": (
        lambda: Sequential([Bidirectional(SimpleRNN(3, return_sequences=True), merge_mode="mul",
                                          input_shape=(T, F)),
                            Bidirectional(LSTM(2), merge_mode="ave"), Dense(2)]),
        lambda rng: rng.normal(size=(3, T, F))),
    "dropout-flatten-activation": (
        lambda: Sequential([LSTM(4, return_sequences=True, dropout=0.2, recurrent_dropout=0.3, input_shape=(T, F)),
                            Dropout(0.5, noise_shape=(None, 1, None)), Flatten(), Dense(3),
                            Activation("softmax")]), lambda rng: rng.normal(size=(3, T, F))),
}


def ours_and_input(case, seed=0):
    rng = np.random.default_rng(seed)
    make_model, make_input = CASES[case]
    model = randomized(make_model(), rng)
    return model, make_input(rng)


# -- refusals, decided before Keras or torch is imported ---------------------------------------------------------------
class Doubling(Cell):
    """A cell of one's own, which neither Keras nor PyTorch has."""

    def _init_params(self, input_dim, rng):
        return {"W_x": np.zeros((input_dim, self.units)), "W_h": np.zeros((self.units, self.units)),
                "b": np.zeros(self.units)}


@pytest.mark.parametrize("make, message", [
    (lambda: Sequential([LayerNormSimpleRNN(3, input_shape=(T, F)), Dense(1)]), "LayerNormSimpleRNN"),
    (lambda: Sequential([Bidirectional(LayerNormSimpleRNN(3), input_shape=(T, F))]), "LayerNormSimpleRNN"),
    (lambda: Sequential([RNN(Doubling(3), input_shape=(T, F))]), "Doubling"),
], ids=["layer-norm", "layer-norm-in-bidirectional", "own-cell"])
@pytest.mark.parametrize("target", ["to_keras", "to_torch"])
def test_layers_keras_and_pytorch_lack_are_refused_by_name(make, message, target):
    model = make()
    model.build()
    with pytest.raises(ValueError, match=message):
        getattr(model, target)()


def test_to_keras_refuses_a_tied_dense_ids_read_as_one_hot_and_a_stateful_model_without_batch_size():
    embedding = Embedding(V, 4, input_length=T)
    tied = Sequential([embedding, LSTM(4, return_sequences=True), Dense(V, tied_to=embedding)])
    tied.build()
    with pytest.raises(ValueError, match="tied_to"):
        tied.to_keras()
    one_hot = Sequential([SimpleRNN(3, input_dim=V, input_shape=(T,)), Dense(1)])
    one_hot.build()
    with pytest.raises(ValueError, match="token ids"):
        one_hot.to_keras()
    stateful = Sequential([LSTM(3, stateful=True, input_shape=(T, F)), Dense(1)])
    stateful.build()
    with pytest.raises(ValueError, match="batch_size"):
        stateful.to_keras()
    with pytest.raises(TypeError, match="batch_size"):
        stateful.to_keras(batch_size=2.5)


def test_the_keras_optimizer_gets_the_hyper_parameters_and_the_learning_rate_reached():
    """What to_keras compiles with, read through a stand-in for Keras (so that this runs without it): the same
    optimizer class with every hyper-parameter, the learning rate the model has reached, and the loss and metrics
    Keras has (the others left out with a warning)."""
    from types import SimpleNamespace

    from numpy_rnn import SGD
    from numpy_rnn.export import _keras_compile_arguments

    keras = SimpleNamespace(optimizers=SimpleNamespace(SGD=lambda **config: ("SGD", config)))
    model = Sequential([LSTM(3, return_sequences=True, input_shape=(T, F)), Dense(2, activation="softmax")])
    model.compile(SGD(learning_rate=0.1, momentum=0.5, nesterov=True, global_clipnorm=2.0),
                  "categorical_crossentropy", metrics=["acc", "last_time_step_mse"], weighted_metrics=["mse"])
    model.optimizer.learning_rate = 0.025  # lowered since, as by ReduceLROnPlateau
    with pytest.warns(UserWarning, match="last_time_step_mse"):
        arguments = _keras_compile_arguments(model, keras)
    assert arguments == {"optimizer": ("SGD", {"learning_rate": 0.025, "momentum": 0.5, "nesterov": True,
                                               "global_clipnorm": 2.0}),
                         "loss": "categorical_crossentropy", "metrics": ["accuracy"], "weighted_metrics": ["mse"]}
    model.compile("sgd", loss=lambda y, out: (0.0, np.zeros_like(out)))
    with pytest.raises(ValueError, match="compile=False"):
        _keras_compile_arguments(model, keras)


def test_bidirectional_gru_weights_go_back_in_as_keras_gives_them():
    """Keras's arrays of a GRU are 3 (its two biases stacked), not its 4 params: from_keras relies on this."""
    rng = np.random.default_rng(10)
    layer = Bidirectional(GRU(3))
    layer.build(F, rng)
    weights = [w + 1.0 for w in layer.get_weights()]
    layer.set_weights(weights)
    assert all(np.array_equal(a, b) for a, b in zip(layer.get_weights(), weights))


def test_to_torch_refuses_activations_nn_rnn_lacks():
    model = Sequential([SimpleRNN(3, activation="sigmoid", input_shape=(T, F))])
    model.build()
    with pytest.raises(ValueError, match="tanh and relu"):
        model.to_torch()


def test_importing_numpy_rnn_imports_neither_torch_nor_keras():
    code = "import sys, numpy_rnn; print(sorted({'torch', 'keras', 'tensorflow'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- PyTorch ----------------------------------------------------------------------------------------------------------
def torch_outputs(model, x):
    torch = pytest.importorskip("torch")
    module = model.to_torch()
    module.eval()
    with torch.no_grad():
        return module(x).numpy()


@pytest.mark.parametrize("case", CASES)
def test_to_torch_gives_numpy_rnn_s_outputs(case):
    pytest.importorskip("torch")
    model, x = ours_and_input(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the dropout case warns that nn.LSTM trains without its masks
        out = torch_outputs(model, x)
    assert relative_error(out, model.predict(x)) < 1e-5


@pytest.mark.parametrize("first", [
    lambda: LSTM(4, input_dim=V, input_shape=(T,), return_sequences=True),
    lambda: GRU(4, input_dim=V, input_shape=(T,), return_sequences=True),
    lambda: SimpleRNN(4, input_dim=V, input_shape=(T,), return_sequences=True),
    lambda: Bidirectional(GRU(2, return_sequences=True), input_dim=V, input_shape=(T,)),
    lambda: TimeDistributed(Dense(4, activation="relu"), input_dim=V, input_shape=(T,)),
], ids=["lstm", "gru", "simplernn", "bidirectional-gru", "time-distributed-dense"])
def test_to_torch_reads_token_ids_as_one_hot_rows_like_numpy_rnn(first):
    """A first layer reading ids picks rows of its input weight, with no one-hot array: GRU's gate order, the biases
    and the identity weight_ih all show here."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    model = randomized(Sequential([first(), LSTM(3), Dense(2)]), rng)
    ids = rng.integers(0, V, size=(4, T))
    assert relative_error(torch_outputs(model, ids), model.predict(ids)) < 1e-5
    recurrent = model.to_torch().layers[0]
    frozen = [p for p in recurrent.parameters() if not p.requires_grad]
    assert all(torch.equal(p, torch.eye(len(p))) for p in frozen)


def test_to_torch_carries_and_continues_a_stateful_model_s_states():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    model = randomized(Sequential([GRU(4, stateful=True, return_sequences=True, input_shape=(T, F)),
                                   LSTM(3, stateful=True), Dense(1)]), rng)
    first, second, third = (rng.normal(size=(2, T, F)) for _ in range(3))
    model.predict(first)  # states carried into the export
    module = model.to_torch()
    with torch.no_grad():
        for x in (second, third):
            assert relative_error(module(x).numpy(), model.predict(x)) < 1e-5
        module.reset_states()
        model.reset_states()
        assert relative_error(module(first).numpy(), model.predict(first)) < 1e-5


def test_to_torch_of_a_stateful_masked_model_outputs_0_before_the_first_real_step():
    """Carried states are not zero: before a sequence's first real step numpy_rnn outputs 0, not the carried h."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    model = randomized(Sequential([Masking(input_shape=(T, F)), GRU(3, stateful=True, return_sequences=True),
                                   LSTM(2, stateful=True, return_sequences=True)]), rng)
    model.predict(rng.normal(size=(4, T, F)))
    x = padded_features(rng)
    module = model.to_torch()
    with torch.no_grad():
        out = module(x).numpy()
    expected = model.predict(x)
    assert np.all(expected[0, :2] == 0) and relative_error(out, expected) < 1e-5


def test_to_torch_shares_a_tied_table_and_warns_that_bptt_steps_is_dropped():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    embedding = Embedding(V, 4, input_length=T)
    model = randomized(Sequential([embedding, LSTM(4, return_sequences=True, bptt_steps=3),
                                   Dense(V, tied_to=embedding, activation="softmax")]), rng)
    ids = rng.integers(0, V, size=(3, T))
    with pytest.warns(UserWarning, match="bptt_steps=3 is dropped"):
        module = model.to_torch()
    with torch.no_grad():
        assert relative_error(module(ids).numpy(), model.predict(ids)) < 1e-5
    assert module.layers[2].linear.weight is module.layers[0].embedding.weight


def test_a_trained_model_exported_to_torch_gives_its_outputs_and_trains_there():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    ids = padded_ids(rng, batch=32)
    y = (ids.sum(axis=1) % 2).astype(float)
    model = Sequential([Embedding(V, 4, mask_zero=True, input_length=T), GRU(5), Dense(1, activation="sigmoid")],
                       random_state=0)
    model.compile("adam", "binary_crossentropy")
    model.fit(ids, y, epochs=3, batch_size=8, verbose=0)
    module = model.to_torch()
    module.eval()
    with torch.no_grad():
        assert relative_error(module(ids).numpy()[:, 0], model.predict(ids)[:, 0]) < 1e-5
    module.train()
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    loss = torch.nn.functional.binary_cross_entropy(module(ids)[:, 0], torch.tensor(y, dtype=torch.float32))
    loss.backward()
    optimizer.step()
    assert np.isfinite(loss.item())


# -- Keras ------------------------------------------------------------------------------------------------------------
def keras_or_skip():
    pytest.importorskip("tensorflow")
    import keras
    return keras


@pytest.mark.parametrize("case", CASES)
def test_to_keras_gives_numpy_rnn_s_outputs_and_from_keras_brings_them_back(case):
    keras_or_skip()
    model, x = ours_and_input(case)
    keras_model = model.to_keras()
    expected = model.predict(x)
    assert relative_error(keras_model.predict(x, verbose=0), expected) < 1e-5
    back = Sequential.from_keras(keras_model)
    assert [type(layer) for layer in back.layers] == [type(layer) for layer in model.layers]
    assert relative_error(back.predict(x), expected) < 1e-5


def test_to_keras_of_a_stateful_model_carries_its_states_at_the_fixed_batch_size():
    keras_or_skip()
    rng = np.random.default_rng(7)
    model = randomized(Sequential([LSTM(4, stateful=True, return_sequences=True, input_shape=(T, F)),
                                   Bidirectional(GRU(3, stateful=True)), Dense(1)]), rng)
    first, second, third = (rng.normal(size=(2, T, F)) for _ in range(3))
    model.predict(first)
    keras_model = model.to_keras(batch_size=2)
    for x in (second, third):
        assert relative_error(keras_model.predict(x, batch_size=2, verbose=0), model.predict(x)) < 1e-5


def test_to_keras_of_a_stateful_masked_model_outputs_0_before_the_first_real_step():
    keras_or_skip()
    rng = np.random.default_rng(11)
    model = randomized(Sequential([Masking(input_shape=(T, F)), GRU(3, stateful=True, return_sequences=True),
                                   LSTM(2, stateful=True, return_sequences=True)]), rng)
    model.predict(rng.normal(size=(4, T, F)))
    x = padded_features(rng)
    keras_model = model.to_keras(batch_size=4)
    expected = model.predict(x)
    assert np.all(expected[0, :2] == 0)
    assert relative_error(keras_model.predict(x, batch_size=4, verbose=0), expected) < 1e-5


def test_a_trained_model_continues_training_in_keras_compiled_as_it_was():
    keras_or_skip()
    from numpy_rnn import Adam, ReduceLROnPlateau  # noqa: F401  (Adam: the optimizer compiled below)

    rng = np.random.default_rng(8)
    ids = padded_ids(rng, batch=32)
    y = (ids.sum(axis=1) % 3).astype(int)
    model = Sequential([Embedding(V, 4, mask_zero=True, input_length=T), LSTM(5), Dense(3, activation="softmax")],
                       random_state=0)
    model.compile(Adam(learning_rate=0.01, beta_1=0.8, global_clipnorm=1.0), "sparse_categorical_crossentropy",
                  metrics=["accuracy", "perplexity"])
    model.fit(ids, y, epochs=2, batch_size=8, verbose=0)
    model.optimizer.learning_rate = 0.005  # as a schedule would have lowered it
    with pytest.warns(UserWarning, match="perplexity"):
        keras_model = model.to_keras()
    assert relative_error(keras_model.predict(ids, verbose=0), model.predict(ids)) < 1e-5
    optimizer = keras_model.optimizer
    assert type(optimizer).__name__ == "Adam"
    assert np.isclose(float(optimizer.learning_rate), 0.005) and optimizer.beta_1 == 0.8
    assert optimizer.global_clipnorm == 1.0
    loss, accuracy = keras_model.evaluate(ids, y, verbose=0)
    ours_loss, ours_accuracy, _ = model.evaluate(ids, y)
    assert np.isclose(loss, ours_loss, rtol=1e-4) and np.isclose(accuracy, ours_accuracy)
    history = keras_model.fit(ids, y, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_a_model_trained_in_keras_comes_to_numpy_rnn_with_its_outputs_and_compile_settings():
    keras = keras_or_skip()
    rng = np.random.default_rng(9)
    x = padded_features(rng, batch=16).astype(np.float32)
    y = rng.normal(size=(16, 1)).astype(np.float32)
    keras.utils.set_random_seed(0)
    keras_model = keras.Sequential([keras.Input(shape=(T, F)), keras.layers.Masking(),
                                    keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True)),
                                    keras.layers.SimpleRNN(3, activation="relu"), keras.layers.Dense(1)])
    keras_model.compile(keras.optimizers.RMSprop(learning_rate=0.003, rho=0.8), "mse", metrics=["mse"])
    keras_model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    model = Sequential.from_keras(keras_model)
    assert model.layers[0].dtype == np.float32
    assert relative_error(model.predict(x), keras_model.predict(x, verbose=0)) < 1e-5
    assert type(model.optimizer).__name__ == "RMSprop" and model.optimizer.rho == 0.8
    assert np.isclose(model.optimizer.learning_rate, 0.003) and model.loss == "mse"
    assert [name for name, _ in model.metrics] == ["mse"]
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(model.history.history["loss"][0])


@pytest.mark.parametrize("make, message", [
    (lambda keras: keras.layers.Conv1D(2, 3), "Conv1D"),
    (lambda keras: keras.layers.LSTM(3, use_bias=False), "use_bias"),
    (lambda keras: keras.layers.GRU(3, reset_after=False), "reset_after"),
    (lambda keras: keras.layers.LSTM(3, recurrent_activation="hard_sigmoid"), "recurrent_activation"),
    (lambda keras: keras.layers.Dense(3, kernel_regularizer="l2"), "kernel_regularizer"),
    (lambda keras: keras.layers.Dense(3, activation="gelu"), "gelu"),
], ids=["conv1d", "no-bias", "reset-before", "hard-sigmoid", "regularizer", "gelu"])
def test_from_keras_refuses_by_name_what_numpy_rnn_lacks(make, message):
    keras = keras_or_skip()
    keras_model = keras.Sequential([keras.Input(shape=(T, F)), make(keras)])
    with pytest.raises(ValueError, match=message):
        Sequential.from_keras(keras_model)


def test_to_keras_warns_that_bptt_steps_is_dropped():
    keras_or_skip()
    model = Sequential([LSTM(3, bptt_steps=2, input_shape=(T, F)), Dense(1)])
    model.build()
    with pytest.warns(UserWarning, match="bptt_steps=2 is dropped"):
        keras_model = model.to_keras()
    assert keras_model.layers[0].units == 3
