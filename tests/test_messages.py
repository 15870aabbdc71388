"""What a user reads: progress lines in logs, the messages of refused input, and help() of every public class."""
import io
import sys

import numpy as np
import pytest
from helpers import sequential, text_data

from numpy_rnn import LSTM, Dense, Embedding, RecurrentNetwork, Sequential


# -- progress in logs that are not a terminal ------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["sequential", "network"])
def test_a_log_that_is_not_a_terminal_gets_one_clean_line_per_epoch(kind, capsys):
    """capsys's stdout is not a terminal, as a CI log or ``> file`` is not: a progress bar's redraws, joined by
    carriage returns, would all stay in it. verbose=1 writes one plain line per epoch there instead."""
    x, y = text_data()
    if kind == "sequential":
        sequential().fit(x, y, epochs=3, batch_size=8, validation_data=text_data(16, seed=1), verbose=1)
    else:
        RecurrentNetwork(n_cells=3, batch_size=8, random_state=0, verbose=1).fit(x, y, epochs=3, x_val=x[:10],
                                                                                y_val=y[:10])
    out = capsys.readouterr().out
    assert "\r" not in out
    lines = out.splitlines()
    assert [line.split(" - ")[0] for line in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"], out
    assert all("loss: " in line and "val_loss: " in line for line in lines)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_still_gets_the_progress_bar(monkeypatch):
    pytest.importorskip("tqdm")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    x, y = text_data()
    sequential().fit(x, y, epochs=2, batch_size=8, verbose=1)
    out = terminal.getvalue()
    assert "\r" in out and "batch" in out and out.count("epoch 2/2") > 1  # redrawn in place


# -- a single sample, one-hot rows stored as integers -----------------------------------------------------------------
V, T = 26, 12  # a 26-letter vocabulary, 12 steps


def letters(n=20, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, V, size=(n, T))
    return ids, (ids[:, 0] < V // 2).astype(int)


def fitted(kind):
    """A small model of each kind, fitted on token ids (the one-hot width, V, is known to all of them)."""
    ids, y = letters()
    if kind == "network":
        return RecurrentNetwork(n_cells=3, random_state=0, verbose=0).fit(ids, y, epochs=1)
    first = [Embedding(V, 4), LSTM(3)] if kind == "embedding" else [LSTM(3, input_dim=V)]
    model = Sequential(first + [Dense(1, activation="sigmoid")], random_state=0)
    model.compile("adam", "binary_crossentropy")
    model.fit(ids, y, epochs=1, verbose=0)
    return model


def weights(model):
    layers = [model._rnn, model._dense] if isinstance(model, RecurrentNetwork) else model.layers
    return [p.copy() for layer in layers for p in layer.params.values()]


@pytest.mark.parametrize("kind", ["sequential", "embedding", "network"])
def test_a_single_sample_of_token_ids_is_told_to_add_the_batch_axis(kind):
    """``predict(ids[0])``: the message is about x and its missing batch axis, not about a layer deep inside (the
    Embedding takes ids of any shape, so it is the LSTM after it that would have refused them)."""
    model = fitted(kind)
    ids, _ = letters()
    before = weights(model)
    with pytest.raises(ValueError) as refused:
        model.predict(ids[0])
    message = str(refused.value)
    prefix = "lstm: " if kind == "sequential" else ""  # the LSTM is the first layer: the layer that reads x
    assert message.startswith(f"{prefix}x must have 2 dimensions"), message
    assert "for a single sample, add the batch axis, x[None] (shape (1, 12))" in message
    assert all(np.array_equal(a, b) for a, b in zip(before, weights(model)))
    model.predict(ids[0][None])  # what the message says to do works


@pytest.mark.parametrize("kind", ["sequential", "network"])
def test_a_single_one_hot_sample_of_floats_is_told_to_add_the_batch_axis(kind):
    model = fitted(kind)
    ids, _ = letters()
    one_hot = np.eye(V)[ids[0]]  # (12, 26) floats
    with pytest.raises(ValueError, match=r"x must have 3 dimensions, \(samples, steps, features\).*got shape "
                                         r"\(12, 26\): for a single sample, add the batch axis, x\[None\] "
                                         r"\(shape \(1, 12, 26\)\)"):
        model.predict(one_hot)


@pytest.mark.parametrize("kind", ["sequential", "network"])
def test_one_hot_rows_of_integer_dtype_are_not_read_as_token_ids(kind):
    """A one-hot sample of integers, (12, 26), has the shape of 12 sequences of 26 token ids: before, it was read so,
    silently. Rows of zeros with a single 1, as wide as the vocabulary, are no text: refused, with what to pass."""
    model = fitted(kind)
    ids, _ = letters()
    one_hot = np.eye(V, dtype=int)[ids]
    name = "n_features" if kind == "network" else "input_dim"
    with pytest.raises(ValueError) as refused:
        model.predict(one_hot[0])
    message = str(refused.value)
    assert f"looks like one-hot rows stored as integers (shape (12, 26): rows of zeros and a single 1, {name}=26 " \
           "wide), which would be read as token ids (one sample: add the batch axis)" in message
    assert "x[None].astype(float)" in message and "x.argmax(-1)[None]" in message
    with pytest.raises(ValueError, match=r"one-hot rows stored as integers \(shape \(20, 12, 26\).*pass floats, "
                                         r"x.astype\(float\), or the token ids, x.argmax\(-1\)$"):
        model.predict(one_hot)  # the whole batch
    # either remedy gives the predictions of the ids themselves
    expected = model.predict(ids[:1])
    np.testing.assert_allclose(model.predict(one_hot[0][None].astype(float)), expected)
    np.testing.assert_allclose(model.predict(one_hot[0].argmax(-1)[None]), expected)


def test_an_embedding_is_told_to_take_the_ids():
    model = fitted("embedding")
    ids, _ = letters()
    with pytest.raises(ValueError, match=r"^embedding: x looks like one-hot rows stored as integers .* would be "
                                         r"read as token ids: pass the token ids, x.argmax\(-1\)$"):
        model.predict(np.eye(V, dtype=int)[ids[0]])


@pytest.mark.parametrize("kind", ["sequential", "embedding", "network"])
def test_token_ids_as_many_steps_as_the_vocabulary_are_still_token_ids(kind):
    """The textbook's IMDB input is 100 steps of a 100-word vocabulary: ids whose last axis is as long as the one-hot
    width are fine, even when they hold only zeros and ones, as long as they are not one-hot rows."""
    model = fitted(kind)
    rng = np.random.default_rng(1)
    square = rng.integers(0, V, size=(3, V))
    binary = np.zeros((3, V), dtype=int)
    binary[0, :2] = 1  # rows of 0s and 1s, but with two 1s (and none) in some
    binary[2, 5] = 1
    for x in (square, binary):
        assert model.predict(x).shape[0] == 3
    score = model.score if kind == "network" else model.evaluate
    score(binary, np.array([0, 1, 0]))


def test_a_refused_fit_leaves_the_model_unbuilt():
    model = Sequential([Embedding(V, 4), LSTM(3), Dense(1, activation="sigmoid")], random_state=0)
    model.compile("adam", "binary_crossentropy")
    ids, y = letters()
    with pytest.raises(ValueError, match=r"^x must have 2 dimensions \(lstm after embedding needs 3-dimensional "
                                         r"input\), got token ids of shape \(20, 12, 1\)$"):
        model.fit(ids[..., None], y, epochs=1, verbose=0)
    assert not any(layer.built for layer in model.layers)


# -- RecurrentNetwork's vocabulary -----------------------------------------------------------------------------------
def test_the_vocabulary_is_read_from_training_and_validation_ids_together():
    rng = np.random.default_rng(0)
    x, x_val = rng.integers(0, 41, size=(30, 6)), rng.integers(0, 50, size=(10, 6))
    x[0, 0], x_val[0, 0] = 40, 49
    y, y_val = rng.integers(0, 2, size=30), rng.integers(0, 2, size=10)
    rn = RecurrentNetwork(n_cells=3, random_state=0, verbose=0).fit(x, y, epochs=1, x_val=x_val, y_val=y_val)
    assert rn.w1x.shape == (50, 3) and rn.n_features is None
    test = x_val.copy()
    test[0, 0] = 60  # a word neither saw
    with pytest.raises(ValueError) as refused:
        rn.score(test, y_val)
    assert str(refused.value) == (
        "x must hold token ids in [0, 49] (n_features=50), got values from 0 to 60; n_features was not given, so fit "
        "took it from the largest token id in x and x_val: give RecurrentNetwork(n_features=...) the size of the "
        "whole vocabulary")


def test_n_features_given_covers_later_ids_and_is_saved(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 41, size=(30, 6)), rng.integers(0, 2, size=30)
    rn = RecurrentNetwork(n_cells=3, n_features=70, random_state=0, verbose=0).fit(x, y, epochs=1)
    later = x.copy()
    later[0, 0] = 69
    assert rn.w1x.shape == (70, 3)
    rn.save(tmp_path / "rn.npz")
    loaded = RecurrentNetwork.load(tmp_path / "rn.npz")
    assert loaded.n_features == 70
    np.testing.assert_array_equal(loaded.predict_proba(later), rn.predict_proba(later))
    later[0, 0] = 70
    with pytest.raises(ValueError, match=r"token ids in \[0, 69\] \(n_features=70\), got values from 0 to 70$"):
        loaded.predict(later)  # given, not inferred: nothing to add


# -- help() of every public class --------------------------------------------------------------------------------------
# Pinned: a class joining numpy_rnn.__all__ must join this list, and so gets its help() checked.
PUBLIC_CLASSES = ["RecurrentNetwork", "NotFittedError", "Sequential", "Callback", "History", "ModelCheckpoint",
                  "EarlyStopping", "LearningRateScheduler", "ReduceLROnPlateau", "ResetStates", "CSVLogger",
                  "LambdaCallback", "Embedding", "SimpleRNN", "LSTM", "GRU", "LayerNormSimpleRNN", "RNN",
                  "SimpleRNNCell", "LSTMCell", "GRUCell", "LayerNormSimpleRNNCell", "Dense", "Dropout", "Bidirectional",
                  "Masking", "Flatten", "Activation", "TimeDistributed", "Attention", "AdditiveAttention", "SGD", "RMSprop",
                  "Adam", "Adagrad", "Stepper", "Model", "Concatenate", "RepeatVector"]


def test_the_list_of_public_classes_is_numpy_rnn_s():
    import inspect

    import numpy_rnn
    assert PUBLIC_CLASSES == [name for name in numpy_rnn.__all__ if inspect.isclass(getattr(numpy_rnn, name))]


def constructor_arguments(cls):
    import inspect
    return [p for p in inspect.signature(cls.__init__).parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


@pytest.mark.parametrize("name", PUBLIC_CLASSES)
def test_help_names_every_argument_with_its_default_and_what_is_raised(name):
    """What ``help(numpy_rnn.X)`` shows (inspect.getdoc: the class's docstring, or its nearest parent's) names every
    argument of the constructor, as ``name=default`` when it has one, and says what bad arguments raise."""
    import inspect
    import re

    import numpy_rnn
    cls = getattr(numpy_rnn, name)
    doc = inspect.getdoc(cls) or ""
    arguments = constructor_arguments(cls)
    for argument in arguments:
        whole_word = rf"(?<![\w.]){re.escape(argument.name)}\b"
        assert re.search(whole_word, doc), f"help({name}) does not name its argument {argument.name}"
        if argument.default is not inspect.Parameter.empty:
            assert re.search(whole_word + "=", doc), f"help({name}) gives no default for {argument.name}"
    if arguments:
        assert "Raises" in doc, f"help({name}) does not say what it raises"


@pytest.mark.parametrize("name, home", [
    ("LSTM", "numpy_rnn.cells.lstm"), ("GRU", "numpy_rnn.cells.gru"), ("SimpleRNN", "numpy_rnn.cells.simple_rnn"),
    ("LayerNormSimpleRNN", "numpy_rnn.cells.layer_norm_rnn"), ("LSTMCell", "numpy_rnn.cells.lstm"),
    ("GRUCell", "numpy_rnn.cells.gru"), ("SimpleRNNCell", "numpy_rnn.cells.simple_rnn"),
    ("LayerNormSimpleRNNCell", "numpy_rnn.cells.layer_norm_rnn"), ("Dense", "numpy_rnn.layers.dense"),
    ("Embedding", "numpy_rnn.layers.embedding"), ("Dropout", "numpy_rnn.layers.dropout"),
    ("Masking", "numpy_rnn.layers.masking"), ("Activation", "numpy_rnn.layers.activation"),
    ("Flatten", "numpy_rnn.layers.flatten"), ("TimeDistributed", "numpy_rnn.layers.time_distributed"),
    ("Bidirectional", "numpy_rnn.layers.bidirectional"), ("Attention", "numpy_rnn.layers.attention"),
    ("AdditiveAttention", "numpy_rnn.layers.attention")])
def test_a_layer_s_help_shows_its_equations_and_shapes_from_their_one_home(name, home):
    import importlib
    import inspect

    import numpy_rnn
    doc = inspect.getdoc(getattr(numpy_rnn, name))
    assert inspect.cleandoc(importlib.import_module(home).__doc__) in doc
    common = ("dtype=float64", "random_state=None", "name=None")
    if not name.endswith("Cell"):  # cells take no input_dim: the layer that runs them does
        common += ("input_dim=None",)
    for argument in common:  # the arguments every layer (or cell) takes, listed with its own
        assert argument in doc, argument


@pytest.mark.parametrize("name, home", [("RecurrentNetwork", "numpy_rnn.network"), ("Sequential", "numpy_rnn.model"),
                                        ("SGD", "numpy_rnn.optimizers"), ("Adam", "numpy_rnn.optimizers")])
def test_a_model_s_or_optimizer_s_help_points_to_its_equations(name, home):
    import inspect

    import numpy_rnn
    assert f"help({home})" in inspect.getdoc(getattr(numpy_rnn, name))
