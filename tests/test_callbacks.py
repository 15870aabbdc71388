"""The callbacks of callbacks.py, each against Keras's rules, on small deterministic models or driven directly.

Where a rule is about counting epochs (patience, min_delta, mode, baseline, cooldown), the callback is driven by hand
with pinned values, so that each case says exactly which epoch it stops or reduces at. Where it is about the model
(weights restored, the rate an update used, files written, a run resumed), a small model really trains.
"""
import csv
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numpy_rnn import (
    SGD,
    Adam,
    Callback,
    CSVLogger,
    Dense,
    EarlyStopping,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    RecurrentNetwork,
    ReduceLROnPlateau,
    Sequential,
    SimpleRNN,
)


def series(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5, 2))
    return x, x[:, -2:, 0].sum(axis=1)


def text_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, 6, size=(n, 5))
    return ids, (ids[:, -1] < 3).astype(int)


def sequential(optimizer=None):
    model = Sequential([SimpleRNN(4, input_shape=(5, 2)), Dense(1)], random_state=0)
    model.compile(optimizer or SGD(0.05), "mse")
    model.build()
    return model


def network(**kwargs):
    return RecurrentNetwork(n_cells=3, batch_size=16, random_state=0, verbose=0, **kwargs)


class FakeModel:
    """Just what the monitoring callbacks touch: ``stop_training`` and an optimizer's learning rate."""

    def __init__(self, learning_rate=1.0):
        self.stop_training = False
        self.optimizer = SGD(learning_rate)


def drive(callback, values, monitor="val_loss", model=None):
    """Run ``callback`` through epochs whose logs hold ``values`` of ``monitor`` as the loop would, until it stops
    training. Returns the number of epochs run."""
    model = model or FakeModel()
    callback.set_model(model)
    callback.on_train_begin({})
    epochs = 0
    for epoch, value in enumerate(values):
        logs = {}
        callback.on_epoch_begin(epoch, logs)
        logs[monitor] = value
        callback.on_epoch_end(epoch, logs)
        epochs += 1
        if model.stop_training:
            break
    callback.on_train_end({})
    return epochs


def weights(model):
    return [{k: v.copy() for k, v in layer.params.items()} for layer in model._file_layers()[0]]


def assert_weights_equal(a, b):
    assert len(a) == len(b)
    for la, lb in zip(a, b):
        assert la.keys() == lb.keys()
        for k in la:
            np.testing.assert_array_equal(la[k], lb[k])


# -- EarlyStopping --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, values, stop_epoch", [
    # patience=0: the first epoch that does not improve stops training.
    (dict(), [1.0, 0.9, 0.95, 0.8], 2),
    (dict(), [1.0, 0.9, 0.8], None),
    # patience=2: the second epoch in a row without improvement stops it ...
    (dict(patience=2), [1.0, 0.9, 0.95, 0.96, 0.5], 3),
    (dict(patience=3), [1.0, 1.0, 1.0, 1.0, 1.0], 3),
    # ... and an improvement starts the count again.
    (dict(patience=2), [1.0, 0.95, 0.97, 0.90, 0.91, 0.92, 0.1], 5),
    # Equal is no improvement (min_delta 0: strictly better).
    (dict(), [1.0, 1.0], 1),
    # min_delta: 0.95 is better, but not by more than 0.1; its sign does not matter (Keras takes |min_delta|).
    (dict(min_delta=0.1), [1.0, 0.95], 1),
    (dict(min_delta=-0.1), [1.0, 0.95], 1),
    (dict(min_delta=0.1), [1.0, 0.85, 0.7, 0.65], 3),
    # mode: "max" for values that should grow; "auto" picks it for names with "acc".
    (dict(mode="max"), [1.0, 0.9], 1),
    (dict(mode="max"), [1.0, 1.1, 1.2], None),
    (dict(monitor="val_accuracy"), [0.5, 0.6, 0.55], 2),
    (dict(monitor="val_accuracy"), [0.5, 0.6, 0.7], None),
    (dict(monitor="val_accuracy", mode="min"), [0.5, 0.6], 1),
    (dict(monitor="val_accuracy", min_delta=0.1), [0.5, 0.58], 1),
    (dict(monitor="val_accuracy", min_delta=0.1), [0.5, 0.65, 0.8], None),
    # baseline: improving on the best does not reset the count while the baseline is not reached, so the first
    # epoch without improvement stops a run that waited patience epochs ...
    (dict(patience=2, baseline=0.5), [1.0, 0.9, 0.95], 2),
    (dict(patience=2), [1.0, 0.9, 0.95, 0.96], 3),
    (dict(monitor="val_accuracy", patience=2, baseline=0.9), [0.5, 0.6, 0.55, 0.7], 2),
    (dict(monitor="val_accuracy", patience=2), [0.5, 0.6, 0.55, 0.7], None),
    # ... while a run that reaches the baseline counts as without one (and by more than min_delta).
    (dict(patience=2, baseline=0.5), [0.4, 0.3, 0.35, 0.36], 3),
    (dict(patience=1, baseline=0.5, min_delta=0.2), [0.4, 0.35, 0.36], 1),
    # start_from_epoch: epochs before it are not judged.
    (dict(start_from_epoch=2), [1.0, 2.0, 3.0, 4.0, 3.5], 3),
    (dict(), [1.0, 2.0, 3.0, 4.0, 3.5], 1),
    (dict(start_from_epoch=1), [1.0, 2.0, 3.0], 2),
])
def test_early_stopping_stops_at_keras_s_epoch(kwargs, values, stop_epoch):
    monitor = kwargs.get("monitor", "val_loss")
    stopper, model = EarlyStopping(**kwargs), FakeModel()
    epochs_run = drive(stopper, values, monitor, model)
    assert model.stop_training == (stop_epoch is not None)
    assert epochs_run == (len(values) if stop_epoch is None else stop_epoch + 1)
    assert stopper.stopped_epoch == (stop_epoch or 0)


def test_early_stopping_starts_afresh_at_each_fit_and_warns_about_a_missing_value():
    stopper = EarlyStopping(patience=1)
    assert drive(stopper, [1.0, 1.1, 1.2]) == 2
    assert drive(stopper, [5.0, 4.0, 4.5, 4.6]) == 3  # a new best and a new count, not the old run's
    model = FakeModel()
    with pytest.warns(UserWarning, match=r"'val_loss', which is not in the epoch's logs; the logs have: loss, acc"):
        stopper.set_model(model)
        stopper.on_train_begin()
        stopper.on_epoch_end(0, {"loss": 1.0, "acc": 0.5})
    assert not model.stop_training and stopper.wait == 0


def fit_with_restore(make, fit, patience, epochs):
    """Train with EarlyStopping(restore_best_weights=True) and a callback, after it, that keeps every epoch's
    weights; returns the model, the copies and the best epoch by the validation loss."""
    model = make()
    kept = []
    stopper = EarlyStopping(patience=patience, restore_best_weights=True)
    keep = LambdaCallback(on_epoch_end=lambda epoch, logs: kept.append(weights(model)))
    fit(model, [stopper, keep], epochs)
    return model, kept, stopper


def overfit_sequential(model, callbacks, epochs):
    x, y = series()
    x_val, y_val = series(16, seed=1)
    model.fit(x, y, epochs=epochs, batch_size=8, verbose=0, validation_data=(x_val, -y_val), callbacks=callbacks)


def overfit_network(rn, callbacks, epochs):
    x, y = text_data()
    rn.fit(x, y, epochs=epochs, x_val=x[:16], y_val=1 - y[:16], callbacks=callbacks)


@pytest.mark.parametrize("patience, epochs, stops", [(1, 30, True), (50, 8, False)])
def test_restore_best_weights_puts_back_exactly_the_best_epoch_s_weights_in_place(patience, epochs, stops):
    """Validation targets of the wrong sign: the better the model fits, the worse its validation loss, so the best
    epoch comes early. Keras 3 restores it both when it stops early and when training ends first."""
    model = sequential(Adam(0.01))
    arrays = [layer.params[k] for layer in model.layers for k in layer.params]
    model, kept, stopper = fit_with_restore(lambda: model, overfit_sequential, patience, epochs)
    val_losses = model.history.history["val_loss"]
    best = int(np.argmin(val_losses))
    assert stopper.best_epoch == best and best < len(val_losses) - 1 and (stopper.stopped_epoch > 0) == stops
    assert len(val_losses) == (best + patience + 1 if stops else epochs)
    assert_weights_equal(weights(model), kept[best])
    # In place: the layers (and the optimizer's slots, keyed to them) still hold the very same arrays.
    assert all(a is b for a, b in zip(arrays, [layer.params[k] for layer in model.layers for k in layer.params]))
    x_val, y_val = series(16, seed=1)
    assert model.evaluate(x_val, -y_val, batch_size=32) == pytest.approx(val_losses[best], rel=1e-12)


def test_restore_best_weights_on_the_textbook_network():
    rn, kept, stopper = fit_with_restore(network, overfit_network, 1, 30)
    best = int(np.argmin(rn.val_losses))
    assert stopper.best_epoch == best and best < len(rn.val_losses) - 1
    assert_weights_equal(weights(rn), kept[best])
    assert rn.w1h is rn._rnn.params["W_h"] and rn.b2 is rn._dense.params["b"]  # the book's names still see them
    x, y = text_data()
    assert rn.score(x[:16], 1 - y[:16]) >= 0  # usable: no "given a new array" error


def test_early_stopping_on_a_real_run_and_its_messages(capsys):
    x, y = series()
    model = sequential()
    model.fit(x, y, epochs=50, batch_size=8, verbose=0, validation_data=series(16, seed=1),
              callbacks=[EarlyStopping(monitor="loss", min_delta=10.0, verbose=1, restore_best_weights=True)])
    assert model.history.epoch == [0, 1]  # no epoch improves the loss by 10: the second one stops
    assert capsys.readouterr().out == ("Epoch 2: early stopping\n"
                                       "Restoring model weights from the end of the best epoch: 1.\n")


# -- ModelCheckpoint ------------------------------------------------------------------------------------------------
def drive_checkpoint(checkpoint, values, monitor="val_loss"):
    """Each epoch's weights are marked by the output bias, set to the epoch's number, so a file tells which epoch
    it holds."""
    model = sequential()
    checkpoint.set_model(model)
    checkpoint.on_train_begin({})
    for epoch, value in enumerate(values):
        model.layers[1].params["b"][...] = epoch
        model.history = None
        checkpoint.on_epoch_end(epoch, {"loss": 2.0, monitor: value})
    return model


def saved_epoch(path):
    return float(Sequential.load(path).layers[1].params["b"][0])


def test_save_best_only_writes_only_on_improvement(tmp_path):
    path = tmp_path / "best.npz"
    drive_checkpoint(ModelCheckpoint(path, save_best_only=True), [1.0, 0.8, 0.9, 0.85])
    assert saved_epoch(path) == 1  # 0.8 stays the best: 0.9 and 0.85 are not written over it
    drive_checkpoint(ModelCheckpoint(path), [1.0, 0.8, 0.9, 0.85])
    assert saved_epoch(path) == 3  # by default, every epoch
    drive_checkpoint(ModelCheckpoint(path, monitor="val_accuracy", save_best_only=True), [0.5, 0.7, 0.6],
                     monitor="val_accuracy")
    assert saved_epoch(path) == 1  # "auto": accuracies are better higher
    drive_checkpoint(ModelCheckpoint(path, monitor="val_mse", mode="max", save_best_only=True), [0.5, 0.7, 0.6],
                     monitor="val_mse")
    assert saved_epoch(path) == 1


def test_the_file_name_can_hold_the_epoch_and_logged_values(tmp_path, capsys):
    checkpoint = ModelCheckpoint(tmp_path / "m-{epoch:02d}-{val_loss:.2f}.npz", save_best_only=True, verbose=1)
    drive_checkpoint(checkpoint, [1.0, 0.5, 0.7, 0.25])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m-01-1.00.npz", "m-02-0.50.npz", "m-04-0.25.npz"]
    out = capsys.readouterr().out
    assert "Epoch 3: val_loss did not improve from 0.50000" in out
    assert f"Epoch 4: val_loss improved to 0.25000, saving the model to {tmp_path / 'm-04-0.25.npz'}" in out
    with pytest.raises(KeyError, match="names 'val_mae', which is not in the epoch's logs: epoch, loss, val_loss"):
        drive_checkpoint(ModelCheckpoint(tmp_path / "m-{val_mae}.npz"), [1.0])


def test_save_best_only_without_the_monitored_value_saves_with_a_warning(tmp_path):
    path = tmp_path / "m.npz"
    with pytest.warns(UserWarning, match="'val_loss', which is not in the epoch's logs; the logs have: loss, val_acc"):
        drive_checkpoint(ModelCheckpoint(path, save_best_only=True), [0.5, 0.4], monitor="val_acc")
    assert saved_epoch(path) == 1


def test_a_best_only_checkpoint_of_a_real_run_holds_the_best_epoch_and_its_history(tmp_path):
    path = tmp_path / "best.npz"
    model = sequential(Adam(0.01))
    overfit_sequential(model, [ModelCheckpoint(path, save_best_only=True)], 8)
    best = int(np.argmin(model.history.history["val_loss"]))
    assert best < 7
    assert Sequential.load(path).history.epoch == list(range(best + 1))


# -- LearningRateScheduler ------------------------------------------------------------------------------------------
class StepLog(Callback):
    """For each batch: the weights and the gradient at its start, and the weights after its update."""

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y, self.steps = x, y, []

    def on_batch_begin(self, batch, logs=None):
        model = self.model
        model.loss_and_gradients(self.x, self.y)
        self.steps.append((weights(model), [{k: g.copy() for k, g in layer.grads.items()} for layer in model.layers]))

    def on_batch_end(self, batch, logs=None):
        self.steps[-1] += (weights(self.model),)


def test_the_schedule_sets_each_epoch_s_rate_and_the_update_uses_it():
    x, y = series()
    model = sequential(SGD(0.1))
    rates = []
    log = StepLog(x, y)  # one batch per epoch, unshuffled: its gradient is the whole set's
    model.fit(x, y, epochs=4, batch_size=32, shuffle=False, verbose=0, callbacks=[
        LearningRateScheduler(lambda epoch, lr: 0.1 if epoch == 0 else lr * 0.5),
        LambdaCallback(on_epoch_end=lambda epoch, logs: rates.append(model.optimizer.learning_rate)), log])
    assert rates == [0.1, 0.05, 0.025, 0.0125]
    assert model.history.history["learning_rate"] == rates
    for rate, (before, grads, after) in zip(rates, log.steps):
        for w0, g, w1 in zip(before, grads, after):
            for k in w0:
                np.testing.assert_allclose(w1[k] - w0[k], -rate * g[k], rtol=1e-9, atol=1e-15)


def test_a_one_argument_schedule_and_the_textbook_network(capsys):
    x, y = text_data()
    rn = network(learning_rate=0.1)
    seen = []
    rn.fit(x, y, epochs=3, callbacks=[LearningRateScheduler(lambda epoch: 0.2 / (epoch + 1), verbose=1),
                                      LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(logs))])
    assert rn.lr == pytest.approx(0.2 / 3) and [logs["learning_rate"] for logs in seen] == [0.2, 0.1, 0.2 / 3]
    assert "Epoch 3: LearningRateScheduler setting learning rate to 0.0666" in capsys.readouterr().out


@pytest.mark.parametrize("bad, error, match", [
    (0.0, ValueError, "must be a positive finite number, got 0.0"),
    (-0.1, ValueError, "must be a positive finite number"),
    (math.nan, ValueError, "must be a positive finite number, got nan"),
    (math.inf, ValueError, "must be a positive finite number"),
    ("0.1", TypeError, "must be a number, got '0.1'"),
    (None, TypeError, "must be a number, got None"),
    (True, TypeError, "must be a number"),
])
def test_a_bad_rate_from_the_schedule_stops_training_before_it_is_used(bad, error, match):
    x, y = series()
    model = sequential(SGD(0.1))
    scheduler = LearningRateScheduler(lambda epoch, lr: lr / 2 if epoch < 2 else bad)
    with pytest.raises(error, match="the learning rate schedule returned for epoch 2, which " + match):
        model.fit(x, y, epochs=5, batch_size=8, verbose=0, callbacks=[scheduler])
    assert model.optimizer.learning_rate == 0.025 and model.optimizer.iterations == 8  # two epochs of 4 batches


# -- ReduceLROnPlateau ----------------------------------------------------------------------------------------------
def rates_after_each_epoch(plateau, values, monitor="val_loss", learning_rate=1.0):
    model = FakeModel(learning_rate)
    plateau.set_model(model)
    plateau.on_train_begin({})
    rates = []
    for epoch, value in enumerate(values):
        logs = {}
        plateau.on_epoch_begin(epoch, logs)
        assert logs == {"learning_rate": rates[-1] if rates else learning_rate}
        logs[monitor] = value
        plateau.on_epoch_end(epoch, logs)
        rates.append(model.optimizer.learning_rate)
    return rates


@pytest.mark.parametrize("kwargs, values, rates", [
    # patience=2: the rate halves at the second epoch in a row without improvement ...
    (dict(patience=2), [1.0, 1.0, 1.0, 1.0, 1.0], [1, 1, .5, .5, .25]),
    (dict(patience=0), [1.0, 1.0, 1.0], [1, .5, .25]),
    # ... and an improvement starts the count again.
    (dict(patience=2), [1.0, 1.0, 0.5, 0.6, 0.7], [1, 1, 1, 1, .5]),
    # min_delta: better by less than it is no improvement.
    (dict(patience=1, min_delta=0.1), [1.0, 0.95, 0.8], [1, .5, .5]),
    # mode "max", and "auto" for accuracies.
    (dict(patience=1, mode="max"), [1.0, 0.5, 2.0], [1, .5, .5]),
    (dict(patience=1, monitor="val_accuracy"), [0.5, 0.6, 0.55, 0.7], [1, 1, .5, .5]),
    # cooldown=2: after a reduction, one epoch is skipped before epochs count again (Keras counts the cooldown
    # down at the start of the epoch's check, so cooldown=1 skips none).
    (dict(patience=2, cooldown=2), [1.0] * 9, [1, 1, .5, .5, .5, .25, .25, .25, .125]),
    (dict(patience=2, cooldown=1), [1.0] * 5, [1, 1, .5, .5, .25]),
    (dict(patience=1, cooldown=2), [1.0] * 6, [1, .5, .5, .25, .25, .125]),  # no reduction inside the cooldown
    # min_lr: the rate stops there.
    (dict(patience=2, min_lr=0.2), [1.0] * 9, [1, 1, .5, .5, .25, .25, .2, .2, .2]),
    (dict(patience=1, min_lr=0.3, factor=0.1), [1.0] * 3, [1, .3, .3]),
])
def test_reduce_lr_on_plateau_follows_keras_s_counting(kwargs, values, rates):
    kwargs = {"factor": 0.5, "min_delta": 0.0, **kwargs}
    monitor = kwargs.get("monitor", "val_loss")
    assert rates_after_each_epoch(ReduceLROnPlateau(**kwargs), values, monitor) == pytest.approx(rates, rel=1e-15)


def test_reduce_lr_on_plateau_default_min_delta_and_a_missing_value():
    # min_delta=1e-4 by default: a loss that creeps down by 1e-5 an epoch is a plateau.
    values = [1.0 - 1e-5 * i for i in range(11)]  # ten epochs after the first without improvement
    assert rates_after_each_epoch(ReduceLROnPlateau(), values)[-2:] == [1.0, pytest.approx(0.1)]
    plateau = ReduceLROnPlateau(patience=0)
    with pytest.warns(UserWarning, match="ReduceLROnPlateau monitors 'val_loss'.*have: learning_rate, loss"):
        assert rates_after_each_epoch(plateau, [1.0, 2.0], monitor="loss") == [1.0, 1.0]


def test_a_model_without_a_learning_rate_is_refused_at_the_start():
    class NoRate:
        stop_training = False
        optimizer = None

    for callback in (ReduceLROnPlateau(), LearningRateScheduler(lambda epoch, lr: lr)):
        callback.set_model(NoRate())
        with pytest.raises(ValueError, match="NoRate has no learning rate to change: compile it"):
            callback.on_train_begin({})


# -- the learning rate saved and resumed ----------------------------------------------------------------------------
def test_a_checkpoint_keeps_the_reduced_rate_and_the_resumed_run_continues_with_it(tmp_path, capsys):
    x, y = series()
    path = tmp_path / "run.npz"
    model = sequential(SGD(0.1))
    # min_delta=10: no epoch counts as an improvement, so every epoch after the first halves the rate.
    plateau = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0, verbose=1)
    model.fit(x, y, epochs=3, batch_size=8, verbose=0, checkpoint=path, callbacks=[plateau])
    assert model.optimizer.learning_rate == 0.025
    # The history holds the rate each epoch trained with; the file, the rate the next epoch will use.
    assert model.history.history["learning_rate"] == [0.1, 0.1, 0.05]
    assert "Epoch 3: ReduceLROnPlateau reducing learning rate to 0.025." in capsys.readouterr().out
    loaded = Sequential.load(path)
    assert loaded.optimizer.learning_rate == 0.025 and loaded.history.history == model.history.history
    for m in (model, loaded):
        m.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert_weights_equal(weights(loaded), weights(model))
    assert loaded.optimizer.learning_rate == 0.025
    # Later epochs without a rate callback log no rate: the history keeps one value per epoch, NaN there.
    assert np.isnan(loaded.history.history["learning_rate"][3:]).all()
    loaded.save(tmp_path / "again.npz")
    assert len(Sequential.load(tmp_path / "again.npz").history.history["learning_rate"]) == 5


def test_a_checkpoint_after_the_plateau_saves_the_rate_it_set_one_before_it_the_rate_before(tmp_path):
    x, y = series()
    before, after = tmp_path / "before.npz", tmp_path / "after.npz"
    model = sequential(SGD(0.1))
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[
        ModelCheckpoint(before), ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0),
        ModelCheckpoint(after)])
    assert Sequential.load(before).optimizer.learning_rate == 0.1
    assert Sequential.load(after).optimizer.learning_rate == 0.05
    assert Sequential.load(after).history.epoch == [0, 1]  # saved at epoch N: N + 1 epochs of history


def halving(epoch, lr):
    return lr * 0.5 if epoch % 2 else lr


@pytest.mark.parametrize("kind", ["sequential", "network"])
def test_a_resumed_scheduled_run_matches_an_uninterrupted_one_bit_for_bit(tmp_path, kind):
    path = tmp_path / "half.npz"
    if kind == "sequential":
        x, y = series()
        make, load = (lambda: sequential(Adam(0.01))), Sequential.load

        def fit(model, epochs, **kwargs):
            model.fit(x, y, epochs=epochs, batch_size=8, verbose=0, validation_data=(x[:8], y[:8]), **kwargs)

        def record(model):
            return model.history.history, model.optimizer.learning_rate
    else:
        x, y = text_data()
        make, load = (lambda: network(learning_rate=0.2)), RecurrentNetwork.load

        def fit(model, epochs, **kwargs):
            model.fit(x, y, epochs=epochs, x_val=x[:8], y_val=y[:8], **kwargs)

        def record(model):
            return (model.losses, model.val_losses), model.lr

    straight = make()
    fit(straight, 5, callbacks=[LearningRateScheduler(halving)])
    first = make()
    fit(first, 2, callbacks=[LearningRateScheduler(halving)], checkpoint=path)
    resumed = load(path)
    fit(resumed, 3, callbacks=[LearningRateScheduler(halving)])
    assert record(resumed) == record(straight)
    assert_weights_equal(weights(resumed), weights(straight))
    assert record(straight)[1] == (0.01 if kind == "sequential" else 0.2) / 4  # halved at epochs 1 and 3


# -- CSVLogger ------------------------------------------------------------------------------------------------------
def read_rows(path, separator=","):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=separator))


def test_csv_logger_writes_a_header_and_one_row_per_epoch(tmp_path):
    x, y = series()
    path = tmp_path / "log.csv"
    model = sequential()
    model.fit(x, y, epochs=3, batch_size=8, verbose=0, validation_data=(x[:8], y[:8]),
              callbacks=[LearningRateScheduler(lambda epoch, lr: lr), CSVLogger(path)])
    rows = read_rows(path)
    assert rows[0] == ["epoch", "learning_rate", "loss", "val_loss"]
    assert [row[0] for row in rows[1:]] == ["0", "1", "2"]
    for name, column in (("loss", 2), ("val_loss", 3), ("learning_rate", 1)):
        assert [float(row[column]) for row in rows[1:]] == model.history.history[name]  # every digit kept

    # append=False: the next fit starts the file again; append=True adds to it, without a second header.
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[CSVLogger(path)])
    assert read_rows(path) == [["epoch", "loss"], ["3", repr(model.history.history["loss"][3])]]
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[CSVLogger(path, separator=";", append=True)])
    loss = model.history.history["loss"]
    assert open(path).read().splitlines() == ["epoch,loss", f"3,{loss[3]!r}", f"4;{loss[4]!r}", f"5;{loss[5]!r}"]


def test_csv_logger_appends_to_a_new_file_with_a_header_and_writes_na_for_a_missing_key(tmp_path):
    path = tmp_path / "new.csv"
    logger = CSVLogger(path, append=True)
    logger.set_model(FakeModel())
    logger.on_train_begin({})
    logger.on_epoch_end(0, {"val_loss": 0.5, "loss": 1.0})
    logger.on_epoch_end(1, {"loss": 0.25})
    assert read_rows(path) == [["epoch", "loss", "val_loss"], ["0", "1.0", "0.5"], ["1", "0.25", "NA"]]


# -- LambdaCallback -------------------------------------------------------------------------------------------------
def test_lambda_callback_calls_each_function_at_its_hook():
    x, y = series(n=16)
    calls = []
    model = sequential()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_batch_end=lambda batch, logs: calls.append(("batch_end", batch, sorted(logs))),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, sorted(logs))),
        on_train_end=lambda logs: calls.append(("train_end", sorted(logs))))])
    epoch = [("batch_begin", 0), ("batch_end", 0, ["loss"]), ("batch_begin", 1), ("batch_end", 1, ["loss"])]
    assert calls == (["train_begin", ("epoch_begin", 0), *epoch, ("epoch_end", 0, ["loss"]), ("epoch_begin", 1),
                      *epoch, ("epoch_end", 1, ["loss"]), ("train_end", ["loss"])])


# -- the history ----------------------------------------------------------------------------------------------------
def test_a_value_logged_from_a_later_fit_on_is_nan_before_and_the_model_still_loads(tmp_path):
    x, y = series()
    model = sequential()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, validation_data=(x[:8], y[:8]))
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    val_loss = model.history.history["val_loss"]
    assert len(val_loss) == 4 and np.isnan(val_loss[:2]).all() and np.isnan(val_loss[3]) and val_loss[2] > 0
    model.save(tmp_path / "m.npz")
    np.testing.assert_array_equal(Sequential.load(tmp_path / "m.npz").history.history["val_loss"], val_loss)


# -- bad arguments --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make, error, match", [
    (lambda: EarlyStopping(mode="maximum"), ValueError, "mode must be 'auto', 'min' or 'max', got 'maximum'"),
    (lambda: EarlyStopping(patience=-1), ValueError, "patience must be a non-negative integer, got -1"),
    (lambda: EarlyStopping(patience=1.5), TypeError, "patience must be a non-negative integer, got 1.5"),
    (lambda: EarlyStopping(min_delta="0.1"), TypeError, "min_delta must be a number"),
    (lambda: EarlyStopping(min_delta=math.nan), ValueError, "min_delta must be a finite number"),
    (lambda: EarlyStopping(baseline=math.inf), ValueError, "baseline must be a finite number"),
    (lambda: EarlyStopping(start_from_epoch=-2), ValueError, "start_from_epoch must be a non-negative integer"),
    (lambda: EarlyStopping(restore_best_weights="yes"), TypeError, "restore_best_weights must be True or False"),
    (lambda: EarlyStopping(monitor=None), TypeError, "monitor must be the name of a logged value"),
    (lambda: EarlyStopping(verbose=-1), ValueError, "verbose must be a non-negative integer"),
    (lambda: ReduceLROnPlateau(factor=1.0), ValueError, "factor must lie between 0 and 1"),
    (lambda: ReduceLROnPlateau(factor=2), ValueError, "factor must lie between 0 and 1"),
    (lambda: ReduceLROnPlateau(factor=0), ValueError, "factor must lie between 0 and 1"),
    (lambda: ReduceLROnPlateau(patience=-1), ValueError, "patience must be a non-negative integer"),
    (lambda: ReduceLROnPlateau(cooldown=-1), ValueError, "cooldown must be a non-negative integer"),
    (lambda: ReduceLROnPlateau(min_lr=-1e-3), ValueError, "min_lr must be a non-negative number"),
    (lambda: ReduceLROnPlateau(mode="up"), ValueError, "mode must be 'auto', 'min' or 'max'"),
    (lambda: LearningRateScheduler(0.1), TypeError, "schedule must be a function schedule"),
    (lambda: LearningRateScheduler(lambda a, b, c: a), TypeError, r"schedule must take \(epoch, lr\) or \(epoch\)"),
    (lambda: ModelCheckpoint("no/such/folder/m.npz"), ValueError, "filepath must be a path in an existing folder"),
    (lambda: ModelCheckpoint("m-{epoch.npz"), ValueError, "filepath 'm-{epoch.npz' is not a valid format string"),
    (lambda: ModelCheckpoint("m.npz", mode="best"), ValueError, "mode must be 'auto', 'min' or 'max'"),
    (lambda: ModelCheckpoint("m.npz", save_best_only=1), TypeError, "save_best_only must be True or False"),
    (lambda: CSVLogger("no/such/folder/log.csv"), ValueError, "filename must be a path in an existing folder"),
    (lambda: CSVLogger("log.csv", separator=", "), ValueError, "separator must be a single character"),
    (lambda: CSVLogger("log.csv", append="yes"), TypeError, "append must be True or False"),
    (lambda: LambdaCallback(on_epoch_end="print"), TypeError, "on_epoch_end must be a function or None"),
    (lambda: LambdaCallback(on_batch_end=print, on_train_batch_end=print), ValueError,
     "give on_batch_end or on_train_batch_end, not both"),
])
def test_bad_arguments_are_refused_at_construction_naming_the_argument(make, error, match):
    with pytest.raises(error, match=match):
        make()


@given(kwargs=st.dictionaries(
    st.sampled_from(["monitor", "min_delta", "patience", "verbose", "mode", "baseline", "restore_best_weights",
                     "start_from_epoch", "factor", "cooldown", "min_lr"]),
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True, allow_infinity=True),
              st.text(max_size=4), st.lists(st.integers(), max_size=2)), max_size=4))
def test_any_constructor_arguments_give_a_callback_or_a_clear_error(kwargs):
    for cls, names in ((EarlyStopping, ("monitor", "min_delta", "patience", "verbose", "mode", "baseline",
                                        "restore_best_weights", "start_from_epoch")),
                       (ReduceLROnPlateau, ("monitor", "factor", "patience", "verbose", "mode", "min_delta",
                                            "cooldown", "min_lr"))):
        args = {k: v for k, v in kwargs.items() if k in names}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                cls(**args)
        except (TypeError, ValueError) as error:
            assert any(name in str(error) for name in args), error
