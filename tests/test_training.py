"""The one training loop (training.py): callbacks with Keras's names, stop_training, batching, Ctrl-C, both models.

Sequential and RecurrentNetwork are trained by the same loop; each test that can runs on both.
"""
import os
import signal

import numpy as np
import pytest
from helpers import sequential, text_data

from numpy_rnn import (
    Callback,
    ModelCheckpoint,
    RecurrentNetwork,
    Sequential,
)
from numpy_rnn.data import batch_indices, count_batches, minibatches


def fit_sequential(model, x, y, epochs, **kwargs):
    return model.fit(x, y, epochs=epochs, batch_size=16, verbose=0, **kwargs)


def fit_network(rn, x, y, epochs, validation_data=None, **kwargs):
    x_val, y_val = validation_data or (None, None)
    return rn.fit(x, y, epochs=epochs, x_val=x_val, y_val=y_val, **kwargs)


MODELS = {"sequential": (sequential, fit_sequential),
          "network": (lambda: RecurrentNetwork(n_cells=3, batch_size=16, random_state=0, verbose=0), fit_network)}


class Recorder(Callback):
    """Records every hook call, and what the model's history held when each epoch ended."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch))

    def on_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, sorted(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.calls.append(("train_end",))


def expected_calls(epochs, batches, batch_keys, epoch_keys):
    calls = [("train_begin",)]
    for epoch in epochs:
        calls.append(("epoch_begin", epoch))
        for batch in range(batches):
            calls += [("batch_begin", batch), ("batch_end", batch, batch_keys)]
        calls.append(("epoch_end", epoch, epoch_keys))
    return calls + [("train_end",)]


@pytest.mark.parametrize("kind", MODELS)
def test_callbacks_are_called_in_keras_order_and_epochs_continue_across_fits(kind):
    make, fit = MODELS[kind]
    x, y = text_data()  # 40 samples: batches of 16, 16 and 8
    model, recorder = make(), Recorder()
    fit(model, x, y, 2, validation_data=(x[:8], y[:8]), callbacks=[recorder])
    batch_keys = ["accuracy", "loss"] if kind == "sequential" else ["loss"]
    epoch_keys = sorted(batch_keys + ["val_accuracy", "val_loss"])
    assert recorder.calls == expected_calls([0, 1], 3, batch_keys, epoch_keys)
    assert recorder.model is model and recorder.params == {"epochs": 2, "steps": 3, "verbose": 0}
    if kind == "network":
        model.warm_start = True  # a new fit otherwise starts over, as the book's does
    recorder.calls.clear()
    fit(model, x, y, 1, callbacks=[recorder])
    assert recorder.calls == expected_calls([2], 3, batch_keys, batch_keys)


class StopAfter(Callback):
    """Sets ``model.stop_training`` after ``n`` batches."""

    def __init__(self, n):
        super().__init__()
        self.n, self.seen = n, 0

    def on_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.n:
            self.model.stop_training = True


@pytest.mark.parametrize("kind", MODELS)
def test_a_callback_stops_training_after_n_batches(kind):
    make, fit = MODELS[kind]
    x, y = text_data()
    model, stop, recorder = make(), StopAfter(5), Recorder()
    fit(model, x, y, 10, callbacks=[stop, recorder])
    assert stop.seen == 5  # 3 batches of epoch 0, 2 of epoch 1, then no more
    # The epoch stopped part way ends as one, as in Keras: it is in the history.
    assert [c[:2] for c in recorder.calls if c[0] == "epoch_end"] == [("epoch_end", 0), ("epoch_end", 1)]
    assert recorder.calls[-1] == ("train_end",)
    losses = model.history.history["loss"] if kind == "sequential" else model.losses
    assert len(losses) == 2
    if kind == "sequential":
        assert model.optimizer.iterations == 5
    fit(model, x, y, 1)  # the next fit starts with stop_training reset: it runs its whole epoch
    if kind == "sequential":
        assert model.optimizer.iterations == 8 and model.history.epoch == [0, 1, 2]
    else:
        assert len(model.losses) == 1  # without warm_start, a RecurrentNetwork's fit starts over


def test_stop_training_at_the_end_of_an_epoch():
    class StopAtEpoch(Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = epoch == 1

    x, y = text_data()
    model = sequential()
    fit_sequential(model, x, y, 10, callbacks=[StopAtEpoch()])
    assert model.history.epoch == [0, 1]


def test_the_history_holds_the_epoch_before_the_other_callbacks_run(tmp_path):
    """So that a callback that saves the model (ModelCheckpoint among the user's callbacks) saves that epoch."""
    seen = []

    class Look(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(list(self.model.history.epoch))

    x, y = text_data()
    model = sequential()
    path = str(tmp_path / "every_epoch.npz")
    fit_sequential(model, x, y, 2, callbacks=[Look(), ModelCheckpoint(path)])
    assert seen == [[0], [0, 1]]
    assert Sequential.load(path).history.epoch == [0, 1]
    with pytest.raises(ValueError, match="filepath must be a path in an existing folder"):
        ModelCheckpoint(str(tmp_path / "no" / "such.npz"))


@pytest.mark.parametrize("kind", MODELS)
def test_bad_callbacks_are_refused_before_anything_changes(kind):
    make, fit = MODELS[kind]
    x, y = text_data()
    model = make()
    fit(model, x, y, 1)
    weights = [w.copy() for w in (model.layers[0].get_weights() if kind == "sequential" else [model.w1h])]
    for bad in (Recorder, [print], "history", [Recorder]):
        with pytest.raises(TypeError, match="callbacks must be a list of Callback instances"):
            fit(model, x, y, 1, callbacks=bad)
    after = model.layers[0].get_weights() if kind == "sequential" else [model.w1h]
    for a, b in zip(weights, after):
        np.testing.assert_array_equal(a, b)
    assert len(model.history.epoch if kind == "sequential" else model.losses) == 1


def test_ctrl_c_ends_training_after_the_batch_and_still_ends_the_callbacks(capsys):
    class CtrlC(Callback):
        def on_batch_end(self, batch, logs=None):
            if batch == 1:
                os.kill(os.getpid(), signal.SIGINT)

    x, y = text_data()
    model, recorder = sequential(), Recorder()
    fit_sequential(model, x, y, 3, callbacks=[CtrlC(), recorder])
    assert "Interrupted in epoch 1, batch 2" in capsys.readouterr().out
    assert model.history.epoch == [] and model.optimizer.iterations == 2
    assert [c[0] for c in recorder.calls] == ["train_begin", "epoch_begin", "batch_begin", "batch_end",
                                              "batch_begin", "batch_end", "train_end"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# -- batching (data/batches.py) -------------------------------------------------------------------------------------
def test_batches_are_one_permutation_per_epoch_from_the_models_generator():
    rng, reference = np.random.default_rng(4), np.random.default_rng(4)
    order = reference.permutation(10)
    parts = list(batch_indices(10, 4, shuffle=True, rng=rng))
    assert [len(p) for p in parts] == [4, 4, 2] and count_batches(10, 4) == 3
    np.testing.assert_array_equal(np.concatenate(parts), order)
    assert rng.bit_generator.state == reference.bit_generator.state  # one draw, nothing more
    np.testing.assert_array_equal(np.concatenate(list(batch_indices(10, 3, shuffle=False))), np.arange(10))
    x, y = np.arange(10) * 10, np.arange(10)
    for x_batch, y_batch in minibatches(x, y, 4, rng=np.random.default_rng(0)):
        np.testing.assert_array_equal(x_batch, y_batch * 10)


@pytest.mark.parametrize("kind", MODELS)
def test_fit_draws_exactly_one_permutation_per_epoch(kind):
    make, fit = MODELS[kind]
    x, y = text_data()
    model = make()
    if kind == "sequential":
        model.build((5,))  # weights drawn first, from the same generator
    else:
        fit(model, x, y, 1)  # a fresh RecurrentNetwork fit reseeds and draws the weights; warm_start continues
        model.warm_start = True
    reference = np.random.default_rng()
    reference.bit_generator.state = model._rng.bit_generator.state
    fit(model, x, y, 3)
    for _ in range(3):
        reference.permutation(len(x))
    assert model._rng.bit_generator.state == reference.bit_generator.state
