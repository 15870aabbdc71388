"""Saving, loading and resuming; divergence guards; Ctrl-C; gradient warnings; float32 and float64 end to end."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import warnings
import zipfile

import numpy as np
import pytest

from numpy_rnn import LSTM, Dense, RecurrentNetwork, Sequential, SimpleRNN
from numpy_rnn.guards import BatchGuard, GradientWarning, TrainingDivergedError
from numpy_rnn.persistence import ModelFileError

WEIGHTS = ("w1h", "w1x", "b1", "w2", "b2")
ROOT = os.path.join(os.path.dirname(__file__), os.pardir)


def text_data(seed=0, n=160):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, 15, size=(n, 9))
    return ids, (ids[:, -1] < 7).astype(int)


def series_data(seed=0, n=96):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8, 2))
    return x, x[:, -3:, 0].sum(axis=1)


def run_in_new_process(code, tmp_path):
    """Run ``code`` in a fresh interpreter (nothing shared with this one but the files)."""
    script = tmp_path / "continue.py"
    script.write_text(textwrap.dedent(code))
    subprocess.run([sys.executable, str(script)], check=True, cwd=ROOT, timeout=300)


# -- exact resume ---------------------------------------------------------------------------------------------------
def test_recurrent_network_resumes_bit_for_bit_in_a_new_process(tmp_path):
    x, y = text_data()
    make = lambda: RecurrentNetwork(n_cells=6, learning_rate=0.1, random_state=3, verbose=0)  # noqa: E731
    straight = make().fit(x, y, epochs=10, x_val=x[:40], y_val=y[:40])
    path = tmp_path / "rn.npz"
    make().fit(x, y, epochs=5, x_val=x[:40], y_val=y[:40], checkpoint=str(path))
    np.savez(tmp_path / "data.npz", x=x, y=y)
    run_in_new_process(f"""
        import numpy as np
        from numpy_rnn import RecurrentNetwork
        data = np.load({str(tmp_path / 'data.npz')!r})
        x, y = data["x"], data["y"]
        rn = RecurrentNetwork.load({str(path)!r})
        rn.fit(x, y, epochs=5, x_val=x[:40], y_val=y[:40])
        rn.save({str(tmp_path / 'after.npz')!r})
    """, tmp_path)
    resumed = RecurrentNetwork.load(tmp_path / "after.npz")
    assert resumed.losses == straight.losses and resumed.val_losses == straight.val_losses
    for name in WEIGHTS:
        np.testing.assert_array_equal(getattr(resumed, name), getattr(straight, name))


def make_stacked_lstm():
    model = Sequential([LSTM(5, return_sequences=True, input_shape=(8, 2)), LSTM(4), Dense(1)], random_state=7)
    model.compile("adam", "mse", metrics=["mse"])
    return model


def test_stacked_lstm_with_adam_resumes_bit_for_bit_in_a_new_process(tmp_path):
    x, y = series_data()
    straight = make_stacked_lstm()
    straight.fit(x, y, epochs=10, batch_size=16, verbose=0)
    path = tmp_path / "model.npz"
    make_stacked_lstm().fit(x, y, epochs=5, batch_size=16, verbose=0, checkpoint=str(path))
    np.savez(tmp_path / "data.npz", x=x, y=y)
    run_in_new_process(f"""
        import numpy as np
        from numpy_rnn import Sequential
        data = np.load({str(tmp_path / 'data.npz')!r})
        model = Sequential.load({str(path)!r})
        model.fit(data["x"], data["y"], epochs=5, batch_size=16, verbose=0)
        model.save({str(tmp_path / 'after.npz')!r})
    """, tmp_path)
    resumed = Sequential.load(tmp_path / "after.npz")
    assert resumed.history.history == straight.history.history
    assert resumed.optimizer.iterations == straight.optimizer.iterations == 60
    for a, b in zip(straight.layers, resumed.layers):
        for u, v in zip(a.get_weights(), b.get_weights()):
            np.testing.assert_array_equal(u, v)


def test_stateful_states_and_every_layer_kind_round_trip(tmp_path):
    from numpy_rnn import GRU, Embedding, LayerNormSimpleRNN
    model = Sequential([Embedding(9, 3), GRU(4, return_sequences=True), LayerNormSimpleRNN(3, return_sequences=True),
                        LSTM(2, stateful=True), Dense(2, activation="softmax")], random_state=1)
    model.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["accuracy"])
    ids = np.random.default_rng(0).integers(0, 9, size=(8, 5))
    model.fit(ids, ids[:, 0] % 2, epochs=2, batch_size=4, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = Sequential.load(tmp_path / "m.npz")
    for a, b in zip(model.layers[3].states, loaded.layers[3].states):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.predict(ids, batch_size=4), loaded.predict(ids, batch_size=4))


# -- atomic writes -------------------------------------------------------------------------------------------------
def test_a_crash_mid_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    x, y = text_data()
    rn = RecurrentNetwork(n_cells=4, random_state=0, verbose=0).fit(x, y, epochs=1)
    path = tmp_path / "rn.npz"
    rn.save(path)
    before = path.read_bytes()

    def crash(file, **arrays):
        file.write(b"PK\x03\x04 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    rn.fit(x, y, epochs=1)
    with pytest.raises(OSError, match="disk full"):
        rn.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["rn.npz"]  # no temporary file left behind


# -- loading checks the file ----------------------------------------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    x, y = text_data()
    rn = RecurrentNetwork(n_cells=4, random_state=0, verbose=0).fit(x, y, epochs=1)
    path = tmp_path / "rn.npz"
    rn.save(path)
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    return path, arrays


def rewrite(path, arrays, meta_changes=None, drop=(), replace=None):
    meta = json.loads(str(arrays["__numpy_rnn__"]))
    meta.update(meta_changes or {})
    new = {k: v for k, v in arrays.items() if k != "__numpy_rnn__" and k not in drop}
    new.update(replace or {})
    np.savez(path, __numpy_rnn__=np.array(json.dumps(meta)), **new)
    return path


def test_load_rejects_files_that_are_not_models(tmp_path, saved):
    path, arrays = saved
    cases = {
        "no such file": tmp_path / "missing.npz",
        "not an .npz": tmp_path / "text.npz",
        "truncated": tmp_path / "truncated.npz",
        "not a numpy_rnn model": tmp_path / "plain.npz",
    }
    cases["not an .npz"].write_text("hello")
    cases["truncated"].write_bytes(path.read_bytes()[:200])
    np.savez(cases["not a numpy_rnn model"], w=np.zeros(3))
    for message, bad in cases.items():
        with pytest.raises(ModelFileError, match=message):
            RecurrentNetwork.load(bad)


def test_load_rejects_models_that_do_not_fit_their_configuration(tmp_path, saved):
    path, arrays = saved
    cases = [
        ("format version 99", dict(meta_changes={"version": 99})),
        ("holds a 'Sequential'", dict(meta_changes={"kind": "Sequential"})),
        (r"missing arrays \['w1h'\]", dict(drop=("w1h",))),
        ("unexpected arrays", dict(replace={"extra": np.zeros(2)})),
        (r"w2 has shape \(3, 1\)", dict(replace={"w2": np.zeros((3, 1))})),
        ("b1 holds NaN", dict(replace={"b1": np.full(4, np.nan)})),
        ("invalid configuration", dict(meta_changes={"config": {"n_cells": -1}})),
    ]
    for message, change in cases:
        with pytest.raises(ModelFileError, match=message):
            RecurrentNetwork.load(rewrite(tmp_path / "bad.npz", arrays, **change))
    with pytest.raises(ModelFileError, match="holds a 'RecurrentNetwork'"):
        Sequential.load(path)


@pytest.fixture
def saved_sequential(tmp_path):
    """A stateful stack trained with Adam: weights, carried states, optimizer slots and history in one file."""
    model = Sequential([LSTM(3, stateful=True, return_sequences=True, input_shape=(4, 2)), SimpleRNN(2, stateful=True),
                        Dense(1)], random_state=0)
    model.compile("adam", "mse", metrics=["mse"])
    x, y = series_data(n=12)
    model.fit(x[:, :4], y, epochs=2, batch_size=4, verbose=0)
    path = tmp_path / "seq.npz"
    model.save(path)
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    return model, path, arrays


def test_sequential_files_are_checked_before_use(tmp_path, saved_sequential):
    model, path, arrays = saved_sequential
    meta = json.loads(str(arrays["__numpy_rnn__"]))
    assert {"states/0/0", "states/0/1", "states/1/0", "optimizer/2/W/m", "optimizer/2/W/v"} <= set(arrays)
    layers = meta["layers"]
    cases = [
        ("unknown layer class 'Conv1D'", dict(meta_changes={"layers": [{"class": "Conv1D", "config": {}}]})),
        ("invalid configuration", dict(meta_changes={"layers": [layers[0], {"class": "Dense",
                                                                             "config": {"units": 0}}]})),
        ("iterations must be a non-negative integer", dict(meta_changes={"compile": {**meta["compile"],
                                                                                     "iterations": -1}})),
        ("history of 'loss' has 1 values for 2 epochs", dict(meta_changes={"history": {
            "epoch": [0, 1], "history": {"loss": [0.5]}}})),
        (r"missing arrays \['layers/2/b'\]", dict(drop=("layers/2/b",))),
        (r"unexpected arrays \['optimizer/2/W', 'states/7/0', 'weights'\]", dict(replace={
            "states/7/0": np.zeros((4, 3)), "optimizer/2/W": np.zeros((2, 1)), "weights": np.zeros(1)})),
        ("optimizer/2/W/v holds NaN", dict(replace={"optimizer/2/W/v": np.full((2, 1), np.nan)})),
        (r"missing arrays \['optimizer/2/W/v'\]", dict(drop=("optimizer/2/W/v",))),
        (r"unexpected arrays \['optimizer/2/W/s'\]", dict(replace={"optimizer/2/W/s": np.zeros((2, 1))})),
        (r"optimizer/2/W/m has shape \(3, 1\)", dict(replace={"optimizer/2/W/m": np.zeros((3, 1))})),
        ("lstm carries 2 state", dict(drop=("states/0/1",))),
        ("the same batch for every state", dict(replace={"states/0/1": np.zeros((5, 3))})),
        (r"unexpected arrays \['states/0/2'\]", dict(replace={"states/0/2": np.zeros((4, 3))}, drop=("states/0/1",))),
        (r"numbered \[1\]", dict(drop=("states/0/0",))),
    ]
    for message, change in cases:
        with pytest.raises(ModelFileError, match=message):
            Sequential.load(rewrite(tmp_path / "bad.npz", arrays, **change))
    loaded = Sequential.load(path)  # the file itself is fine, and complete
    assert loaded.optimizer.iterations == model.optimizer.iterations == 6
    assert loaded.history.history == model.history.history and loaded.history.epoch == [0, 1]
    for a, b in zip(model.layers, loaded.layers):
        for u, v in zip(a.get_carried_states(), b.get_carried_states()):
            np.testing.assert_array_equal(u, v)


def test_optimizers_give_and_take_back_their_slots():
    from numpy_rnn import SGD, Adam
    params = [{"W": np.ones((2, 3)), "b": np.zeros(3)}]
    adam = Adam()
    adam.step([(params[0], {"W": np.full((2, 3), 0.5), "b": np.ones(3)})])
    slots = adam.get_slots()
    assert sorted(slots) == [(0, "W", "m"), (0, "W", "v"), (0, "b", "m"), (0, "b", "v")]
    other = Adam()
    other.iterations = adam.iterations
    other.set_slots(slots, params)
    for key, value in slots.items():
        np.testing.assert_array_equal(other.get_slots()[key], value)
    for bad, message in [({**slots, (1, "W", "m"): slots[(0, "W", "m")]}, "belongs to no weight"),
                         ({k: v for k, v in slots.items() if k != (0, "b", "v")}, "slots of weight 0/b")]:
        with pytest.raises(ValueError, match=message):
            Adam().set_slots(bad, params)
    assert SGD().get_slots() == {}  # plain SGD keeps nothing between steps
    SGD().set_slots({}, params)


def test_load_never_unpickles(tmp_path, saved):
    path, arrays = saved
    bad = tmp_path / "pickled.npz"
    np.savez(bad, __numpy_rnn__=arrays["__numpy_rnn__"], w1h=np.array([{"a": 1}], dtype=object),
             **{k: v for k, v in arrays.items() if k not in ("__numpy_rnn__", "w1h")})
    with pytest.raises(ModelFileError, match="allow_pickle"):
        RecurrentNetwork.load(bad)


def test_zip_bombs_are_refused_by_their_declared_size(tmp_path, monkeypatch, saved):
    import numpy_rnn.persistence as persistence
    path, _ = saved
    monkeypatch.setattr(persistence, "MAX_BYTES", 1000)
    with pytest.raises(ModelFileError, match="would unpack to"):
        RecurrentNetwork.load(path)
    assert zipfile.is_zipfile(path)


def test_checkpoint_is_written_after_every_epoch(tmp_path):
    x, y = series_data()
    model = make_stacked_lstm()
    model.fit(x, y, epochs=3, batch_size=32, verbose=0, checkpoint=str(tmp_path / "ckpt.npz"))
    assert Sequential.load(tmp_path / "ckpt.npz").history.epoch == [0, 1, 2]
    with pytest.raises(ValueError, match="checkpoint"):
        model.fit(x, y, epochs=1, verbose=0, checkpoint=str(tmp_path / "no" / "such" / "folder.npz"))


# -- divergence, clipping, warnings ---------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # the point of the test
def test_an_overflowing_loss_stops_training_with_finite_weights():
    x, y = series_data()
    model = Sequential([SimpleRNN(3, input_shape=(8, 2)), Dense(1)], random_state=0)
    model.compile("sgd", "mse")
    with pytest.raises(TrainingDivergedError, match=r"epoch 1, batch 1: the loss became inf; no update was made"):
        model.fit(x, y * 1e200, epochs=1, verbose=0)  # its squared error overflows
    assert all(np.all(np.isfinite(w)) for layer in model.layers for w in layer.get_weights())


def test_an_update_that_overflows_is_undone():
    w = np.array([1.0, 2.0])
    guard = BatchGuard([("w", w)], "epoch 3, batch 7")
    guard.before_update(0.5, [("w", np.array([0.1, 0.2]))])
    w -= np.array([0.0, np.inf])  # an update that overflowed
    with pytest.raises(TrainingDivergedError, match="epoch 3, batch 7: the update made w NaN or infinite"):
        guard.after_update()
    np.testing.assert_array_equal(w, [1.0, 2.0])


def test_a_nan_gradient_stops_training_before_the_update(monkeypatch):
    x, y = series_data()
    model = make_stacked_lstm()
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    before = [w.copy() for layer in model.layers for w in layer.get_weights()]
    dense = model.layers[-1]
    original = dense.backward

    def poisoned(d, **kwargs):
        dx = original(d, **kwargs)
        dense.grads["W"][0, 0] = np.nan
        return dx

    monkeypatch.setattr(dense, "backward", poisoned)
    with pytest.raises(TrainingDivergedError, match=r"epoch 2, batch 1: the gradient of dense.W"):
        model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    after = [w for layer in model.layers for w in layer.get_weights()]
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # the point of the test
def test_an_overflowing_update_of_the_book_network_is_undone_and_located(monkeypatch):
    x, y = text_data()
    rn = RecurrentNetwork(n_cells=4, learning_rate=1e308, random_state=0, verbose=0).fit(x, y, epochs=1)
    rn.warm_start = True
    before = {name: getattr(rn, name).copy() for name in WEIGHTS}
    original = rn.backprop
    monkeypatch.setattr(rn, "backprop", lambda x, err: tuple(np.full_like(g, 10.0) for g in original(x, err)))
    with pytest.raises(TrainingDivergedError, match=r"epoch 2, batch 1: the update made w1h NaN or infinite; the "
                                                    r"weights from before it were restored"):
        rn.fit(x, y, epochs=1)
    for name, value in before.items():
        np.testing.assert_array_equal(getattr(rn, name), value)
    assert len(rn.losses) == 1


def test_clipnorm_caps_each_step():
    x, y = text_data()
    rn = RecurrentNetwork(n_cells=4, learning_rate=1.0, clipnorm=1e-3, random_state=0, verbose=0, batch_size=160)
    start = RecurrentNetwork(n_cells=4, learning_rate=1.0, random_state=0, verbose=0, batch_size=160)
    rn.fit(x, y, epochs=1)
    start._rng = np.random.default_rng(0)
    start.init_weights(15, 1)
    step = np.sqrt(sum(np.sum((getattr(rn, n) - getattr(start, n)) ** 2) for n in WEIGHTS))
    assert step == pytest.approx(1e-3)  # one batch: a step of exactly lr * clipnorm


def test_exploding_and_vanishing_gradients_are_reported():
    x, y = text_data()
    with pytest.warns(GradientWarning, match="exploding"):
        RecurrentNetwork(n_cells=4, gradient_warnings=(0, 1e-9), verbose=0).fit(x, y, epochs=1)
    with pytest.warns(GradientWarning, match="vanishing"):
        RecurrentNetwork(n_cells=4, gradient_warnings=(1e9, 1e10), verbose=0).fit(x, y, epochs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RecurrentNetwork(n_cells=4, gradient_warnings=None, verbose=0).fit(x, y, epochs=1)
    with pytest.raises(ValueError, match="gradient_warnings"):
        RecurrentNetwork(gradient_warnings=(5, 1))


# -- Ctrl-C -----------------------------------------------------------------------------------------------------------
def test_ctrl_c_stops_after_the_current_batch_and_keeps_its_weights(monkeypatch, capsys):
    x, y = text_data(n=320)
    rn = RecurrentNetwork(n_cells=4, random_state=0, verbose=0)
    rn.fit(x, y, epochs=1)  # one full epoch in the history
    rn.warm_start = True
    original = rn.training
    seen = {}

    def training_then_ctrl_c(x_batch, y_batch):
        a = original(x_batch, y_batch)
        seen["batches"] = seen.get("batches", 0) + 1
        if seen["batches"] == 3:
            seen["weights"] = {n: getattr(rn, n).copy() for n in WEIGHTS}
            os.kill(os.getpid(), signal.SIGINT)  # as if the user pressed Ctrl-C during this batch
        return a

    monkeypatch.setattr(rn, "training", training_then_ctrl_c)
    rn.fit(x, y, epochs=5)
    assert "Interrupted in epoch 2, batch 3" in capsys.readouterr().out
    assert len(rn.losses) == 1 and seen["batches"] == 3
    for name in WEIGHTS:
        np.testing.assert_array_equal(getattr(rn, name), seen["weights"][name])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Ctrl-C works as usual again


# -- dtypes ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64_train_end_to_end(dtype):
    x, y = text_data()
    rn = RecurrentNetwork(n_cells=8, learning_rate=0.5, dtype=dtype, random_state=0, verbose=0)
    rn.fit(np.eye(15, dtype=np.float16)[x], y, epochs=15)  # a third dtype in the input: cast, not refused
    assert rn.w1h.dtype == dtype and rn.predict_proba(x).dtype == dtype
    assert rn.score(x, y) > 0.9
    model = Sequential([SimpleRNN(6, dtype=dtype, input_shape=(8, 2)), Dense(1, dtype=dtype)], random_state=0)
    model.compile("adam", "mse")
    xs, ys = series_data()
    history = model.fit(xs.astype(np.float32), ys, epochs=3, verbose=0)
    assert model.predict(xs).dtype == dtype and np.isfinite(history.history["loss"]).all()
