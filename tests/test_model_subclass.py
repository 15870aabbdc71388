"""A Model subclass with forward and backward written by hand (the "Deep Learning from Scratch 2" way): gradients
end to end against finite differences (the encoder's weights through the state handed to the decoder), and the one
training loop's fit, evaluate, predict, callbacks and save/load on it."""
import sys

import numpy as np
import pytest

from helpers import randomize
from numpy_rnn import LSTM, Dense, Embedding, LambdaCallback, Model, Sequential, SimpleRNN, gradcheck
from numpy_rnn.data.batches import minibatches
from numpy_rnn.losses import mask_weights
from numpy_rnn.persistence import ModelFileError


class Seq2seq(Model):
    """DLFS2's encoder-decoder: the encoder's final (h, c) is the decoder's initial state (teacher forcing)."""

    def __init__(self, vocab=5, embed=3, units=3, random_state=None):
        super().__init__(random_state=random_state)
        self.vocab, self.embed, self.units = vocab, embed, units
        self.encoder_embedding = Embedding(vocab, embed)
        self.encoder = LSTM(units, return_state=True)
        self.decoder_embedding = Embedding(vocab, embed)
        self.decoder = LSTM(units, return_sequences=True)
        self.dense = Dense(vocab, activation="softmax")

    def forward(self, inputs, training=False):
        question, answer_in = inputs
        _, h, c = self.encoder.forward(self.encoder_embedding.forward(question), training=training)
        y = self.decoder.forward(self.decoder_embedding.forward(answer_in), initial_state=[h, c], training=training)
        return self.dense.forward(y)

    def backward(self, dout):
        dy = self.dense.backward(dout)
        self.decoder_embedding.backward(self.decoder.backward(dy))
        dh, dc = self.decoder.initial_state_grads
        self.encoder_embedding.backward(self.encoder.backward([None, dh, dc]))

    def get_config(self):
        return {"vocab": self.vocab, "embed": self.embed, "units": self.units}


class Stacked(Model):
    """Layers held in a list; float input; two outputs when asked."""

    def __init__(self, two_outputs=False):
        super().__init__(random_state=3)
        self.two_outputs = two_outputs
        self.rnns = [SimpleRNN(3, return_sequences=True), LSTM(2)]
        self.head = Dense(1)

    def forward(self, inputs, training=False):
        h = self.rnns[1].forward(self.rnns[0].forward(inputs))
        out = self.head.forward(h)
        return [out, h] if self.two_outputs else out

    def backward(self, dout):
        self.rnns[0].backward(self.rnns[1].backward(self.head.backward(dout)))

    def get_config(self):
        return {"two_outputs": self.two_outputs}


class NeedsArguments(Seq2seq):
    def __init__(self, units):
        super().__init__(units=units)

    def get_config(self):
        return {}


def seq2seq_data(n=6, seed=0, vocab=5):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, vocab, (n, 4)), rng.integers(0, vocab, (n, 3))], rng.integers(0, vocab, (n, 3))


def built(model, x, seed=1):
    """``model`` run once on ``x`` (which builds it), with random weights, biases included."""
    model.predict(x)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        randomize(layer, rng)
    return model


def parameters(model):
    return {f"{layer.name}.{k}": p for layer in model.layers for k, p in layer.params.items()}


def gradients(model):
    return {f"{layer.name}.{k}": g.copy() for layer in model.layers for k, g in layer.grads.items()}


def check_vector_jacobian(model, x, seed=2):
    """Every parameter's gradient of L = sum(R * output) for a random R, against finite differences; returns what
    ``backward`` returned (the input gradients of a graph model)."""
    rng = np.random.default_rng(seed)
    R = rng.normal(size=model.forward(x).shape)
    returned = model.backward(R)
    report = gradcheck(lambda: np.sum(R * model.forward(x)), parameters(model), gradients(model))
    assert report.ok, report
    return returned


def check_loss_gradients(model, x, y, loss="sparse_categorical_crossentropy"):
    """Every parameter's gradient of the compiled loss (what fit differentiates), against finite differences."""
    model.compile("sgd", loss)
    model.loss_and_gradients(x, y, training=False)

    def loss_value():  # the forward pass and the loss, as loss_and_gradients computes them, without the backward
        out, mask = model._forward(x)
        return model._loss(y, out, None if mask is None else mask_weights(mask))[0]

    report = gradcheck(loss_value, parameters(model), gradients(model))
    assert report.ok, report


def test_the_encoder_decoder_s_gradients_reach_the_encoder_through_the_state():
    x, y = seq2seq_data()
    model = built(Seq2seq(), x)
    check_vector_jacobian(model, x)
    check_loss_gradients(model, x, y)
    assert np.abs(model.encoder.grads["W_x"]).max() > 1e-4  # the check above did cover a live encoder gradient


def test_layers_are_found_in_assignment_order_lists_included():
    model = Stacked()
    assert model.layers == model.rnns + [model.head]
    x = np.random.default_rng(0).normal(size=(4, 5, 2))
    built(model, x)
    check_vector_jacobian(model, x)
    assert model.count_params() == sum(layer.count_params() for layer in model.layers)


def test_the_same_random_state_draws_the_same_weights_from_the_model_s_generator():
    x, _ = seq2seq_data()
    a, b, c = Seq2seq(random_state=0), Seq2seq(random_state=0), Seq2seq(random_state=1)
    assert np.array_equal(a.predict(x), b.predict(x))
    assert not np.array_equal(a.predict(x), c.predict(x))


def test_fit_with_validation_data_and_callbacks_evaluate_and_predict():
    x, y = seq2seq_data(n=10)
    model = Seq2seq(random_state=0)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    seen = []
    history = model.fit(x, y, epochs=3, batch_size=4, verbose=0, validation_data=seq2seq_data(n=5, seed=1),
                        callbacks=[LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(sorted(logs)))])
    assert seen == [["accuracy", "loss", "val_accuracy", "val_loss"]] * 3
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(x, batch_size=3).shape == (10, 3, 5)
    loss, accuracy = model.evaluate(x, y, batch_size=3)
    assert 0 <= accuracy <= 1 and loss > 0
    model.summary(print_fn=lambda line: None)


def test_minibatches_of_several_inputs_keep_each_sample_s_rows_together():
    x = [np.arange(10), np.arange(10) * 10]
    batches = list(minibatches(x, np.arange(10), 4, shuffle=True, rng=np.random.default_rng(0)))
    assert [len(xb[0]) for xb, _ in batches] == [4, 4, 2]
    for (first, second), yb in batches:
        assert np.array_equal(second, first * 10) and np.array_equal(yb, first)
    assert sorted(np.concatenate([xb[0] for xb, _ in batches])) == list(range(10))


def test_save_and_load_round_trip_exactly(tmp_path):
    x, y = seq2seq_data(n=8)
    model = Seq2seq(vocab=5, units=4, random_state=0)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    model.save(tmp_path / "m.npz")
    for loaded in (Seq2seq.load(tmp_path / "m.npz"), Model.load(tmp_path / "m.npz")):
        assert type(loaded) is Seq2seq and loaded.units == 4
        assert np.array_equal(loaded.predict(x), model.predict(x))
    assert loaded.train_on_batch(x, y) == model.train_on_batch(x, y)
    for a, b in zip(loaded.layers, model.layers):
        assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert loaded.fit(x, y, epochs=1, verbose=0).history == model.fit(x, y, epochs=1, verbose=0).history


def test_load_finds_the_class_only_among_imported_modules(tmp_path, monkeypatch):
    x, _ = seq2seq_data()
    model = Seq2seq(random_state=0)
    model.predict(x)
    model.save(tmp_path / "m.npz")
    with pytest.raises(ModelFileError, match="not a Stacked"):
        Stacked.load(tmp_path / "m.npz")
    with pytest.raises(ModelFileError, match="holds a 'Model', not a Sequential"):
        Sequential.load(tmp_path / "m.npz")
    monkeypatch.delitem(sys.modules, Seq2seq.__module__)
    with pytest.raises(ModelFileError, match="not imported"):
        Model.load(tmp_path / "m.npz")


def test_saving_a_subclass_without_its_constructor_s_arguments_is_refused(tmp_path):
    x, _ = seq2seq_data()
    model = NeedsArguments(units=2)
    model.predict(x)
    with pytest.raises(ValueError, match="needs units: give NeedsArguments a get_config"):
        model.save(tmp_path / "m.npz")
    with pytest.raises(ValueError, match="not built yet"):
        Seq2seq().save(tmp_path / "m.npz")


def test_bad_input_gets_clear_errors():
    x, y = seq2seq_data()
    model = Seq2seq(random_state=0)
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"x: every input must hold the same samples.*\[6, 5\]"):
        model.fit([x[0], x[1][:5]], y, verbose=0)
    with pytest.raises(ValueError, match="x has 6 samples but y has 5"):
        model.fit(x, y[:5], verbose=0)
    with pytest.raises(TypeError, match=r"x\[1\] must be an array of numbers"):
        model.predict([x[0], np.array([["a"]] * 6)])
    with pytest.raises(ValueError, match="y must hold integer class labels in"):
        model.fit(x, y + 5, verbose=0)
    two = Stacked(two_outputs=True)
    x_float = np.zeros((4, 5, 2))
    assert [o.shape for o in two.predict(x_float)] == [(4, 1), (4, 2)]
    two.compile("sgd", "mse")
    with pytest.raises(ValueError, match="the model has 2 outputs, but fit"):
        two.fit(x_float, np.zeros((4, 1)), verbose=0)
    with pytest.raises(NotImplementedError, match="must define forward"):
        Model().predict(x_float)


def test_an_epoch_s_loss_weighs_each_batch_of_several_inputs_by_its_samples():
    x, y = seq2seq_data(n=10)
    model = Seq2seq(random_state=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    losses = []
    history = model.fit(x, y, epochs=1, batch_size=4, verbose=0,
                        callbacks=[LambdaCallback(on_batch_end=lambda batch, logs: losses.append(logs["loss"]))])
    assert np.isclose(history.history["loss"][0], np.dot(losses, [4, 4, 2]) / 10, rtol=1e-12)
