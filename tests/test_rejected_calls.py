"""Issue 13: a training step is all or nothing, divergence is always TrainingDivergedError, a second Ctrl-C stops at
once, and a refused call leaves the model as it was (unbuilt, same weights, same states, same generator)."""
import os
import signal

import numpy as np
import pytest

from numpy_rnn import LSTM, Dense, RecurrentNetwork, Sequential, SimpleRNN
from numpy_rnn.callbacks import Callback
from numpy_rnn.guards import TrainingDivergedError
from numpy_rnn.optimizers import SGD, Adam

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::numpy_rnn.guards.GradientWarning")


def series(n=16, steps=5, features=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, steps, features)), rng.normal(size=(n, 1))


def snapshot(model):
    """Everything a step may change: weights, optimizer slots and step count, generator, carried states."""
    optimizer = model.optimizer
    return {"weights": [w.copy() for layer in model.layers for w in layer.get_weights()],
            "slots": None if optimizer is None else {k: v.copy() for k, v in optimizer.get_slots().items()},
            "iterations": None if optimizer is None else optimizer.iterations,
            "rng": model._rng.bit_generator.state,
            "states": [[s.copy() for s in layer.get_carried_states()] for layer in model.layers]}


def assert_same(before, after):
    assert len(before["weights"]) == len(after["weights"])
    for a, b in zip(before["weights"], after["weights"]):
        np.testing.assert_array_equal(a, b)
    assert before["iterations"] == after["iterations"]
    assert (before["slots"] is None) == (after["slots"] is None)
    if before["slots"] is not None:
        assert before["slots"].keys() == after["slots"].keys()
        for key in before["slots"]:
            np.testing.assert_array_equal(before["slots"][key], after["slots"][key])
    assert before["rng"] == after["rng"]
    for a, b in zip(before["states"], after["states"]):
        assert len(a) == len(b)
        for s, t in zip(a, b):
            np.testing.assert_array_equal(s, t)


class PoisonedSGD(SGD):
    """SGD whose update, once ``poison`` is set, makes the last bias ("weight") or its momentum ("slot") infinite
    after updating every weight and momentum, as a real overflow would."""
    poison = None

    def step(self, pairs):
        pairs = list(pairs)
        norm = super().step(pairs)
        if self.poison == "weight":
            pairs[-1][0]["b"][...] = np.inf
        elif self.poison == "slot":
            self.state[(len(pairs) - 1, "b")]["v"][...] = np.inf
        return norm


# -- the update is all or nothing ------------------------------------------------------------------------------------
def test_a_refused_update_puts_back_the_slots_the_step_count_and_the_generator():
    x, y = series()
    model = Sequential([SimpleRNN(4, input_shape=(5, 3), dropout=0.2), Dense(1)], random_state=0)
    model.compile(PoisonedSGD(0.01, momentum=0.9), "mse")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)  # slots exist and are not zero
    before = snapshot(model)
    model.optimizer.poison = "weight"
    with pytest.raises(TrainingDivergedError, match=r"epoch 2, batch 1: the update made dense\.b NaN or infinite"):
        model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    assert_same(before, snapshot(model))
    model.optimizer.poison = "slot"  # finite weights, but a momentum that would ruin every later step
    with pytest.raises(TrainingDivergedError, match=r"the update made the optimizer's slot 1/b/v NaN or infinite"):
        model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    assert_same(before, snapshot(model))
    model.optimizer.poison = None  # training goes on as if the refused step had never been tried
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert all(np.all(np.isfinite(v)) for v in model.optimizer.get_slots().values())


def test_an_overflowing_momentum_slot_is_refused_with_the_weights_restored(tmp_path):
    x, y = series()
    model = Sequential([Dense(4, input_shape=(5, 3)), SimpleRNN(3), Dense(1)], random_state=0)
    model.compile(SGD(1e307, momentum=0.5), "mse")
    model.build()
    before = snapshot(model)
    with pytest.raises(TrainingDivergedError, match=r"epoch 1, batch 1: the update made"):
        model.fit(x, y * 1e3, epochs=1, batch_size=16, verbose=0, shuffle=False)
    assert_same(before, snapshot(model))
    model.save(tmp_path / "m.npz")  # nothing infinite was kept, so the file loads
    Sequential.load(tmp_path / "m.npz")


def test_divergence_in_a_layer_s_output_is_training_diverged_naming_epoch_batch_and_weight():
    x, y = series()
    model = Sequential([Dense(4, input_shape=(5, 3)), SimpleRNN(3), Dense(1)], random_state=0)
    model.compile(Adam(1e308), "mse")
    with pytest.raises(TrainingDivergedError, match=r"epoch 1, batch 2: the output of dense holds NaN or infinite "
                                                    r"values \(the weights have grown too large: dense\.[Wb] "):
        model.fit(x, y, epochs=3, batch_size=4, verbose=0, shuffle=False)
    assert all(np.all(np.isfinite(w)) for layer in model.layers for w in layer.get_weights())


def test_huge_targets_are_training_diverged_not_a_gradient_error():
    x, y = series()
    model = Sequential([SimpleRNN(3, input_shape=(5, 3)), Dense(1)], random_state=0)
    model.compile("sgd", "mse")
    model.build()
    before = snapshot(model)
    with pytest.raises(TrainingDivergedError, match=r"epoch 1, batch 1: the loss became inf"):
        model.fit(x, np.full_like(y, 1e308), epochs=1, verbose=0, shuffle=False)
    assert_same(before, snapshot(model))


def test_train_on_batch_is_guarded():
    x, y = series()
    model = Sequential([SimpleRNN(3, input_shape=(5, 3)), Dense(1)], random_state=0)
    model.compile(SGD(0.01, momentum=0.9), "mse")
    model.train_on_batch(x, y)
    before = snapshot(model)
    with pytest.raises(TrainingDivergedError, match=r"train_on_batch: the loss became inf"):
        model.train_on_batch(x, np.full_like(y, 1e200))  # used to update, then return inf
    assert_same(before, snapshot(model))
    model.compile(SGD(1e307), "mse")
    before = snapshot(model)
    with pytest.raises(TrainingDivergedError, match=r"train_on_batch: the update made"):
        model.train_on_batch(x, y * 1e3)  # used to leave infinite weights
    assert_same(before, snapshot(model))
    assert np.isfinite(model.train_on_batch(x, y))


# -- Ctrl-C ------------------------------------------------------------------------------------------------------------
class InterruptedSGD(SGD):
    """SGD that receives Ctrl-C twice in the middle of its update of ``at_step``, after updating the first weight."""
    at_step = None

    def update(self, p, g, state):
        super().update(p, g, state)
        if self.iterations == self.at_step:
            self.at_step = None
            os.kill(os.getpid(), signal.SIGINT)  # the first: stop after this batch
            os.kill(os.getpid(), signal.SIGINT)  # the second: stop now


def test_a_second_ctrl_c_stops_at_once_and_undoes_the_step():
    x, y = series()
    model = Sequential([SimpleRNN(3, input_shape=(5, 3)), Dense(1)], random_state=0)
    model.compile(InterruptedSGD(0.01, momentum=0.9), "mse")
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    before, handler = snapshot(model), signal.getsignal(signal.SIGINT)
    model.optimizer.at_step = model.optimizer.iterations + 1
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    assert_same(before, snapshot(model))
    assert signal.getsignal(signal.SIGINT) is handler


def test_a_second_ctrl_c_from_a_callback_raises_at_once():
    class PressTwice(Callback):
        def on_batch_begin(self, batch, logs=None):
            if batch == 1:
                os.kill(os.getpid(), signal.SIGINT)
                os.kill(os.getpid(), signal.SIGINT)

    x, y = series()
    rn = RecurrentNetwork(n_cells=3, batch_size=4, verbose=0, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        rn.fit((x > 0).astype(int)[:, :, 0], (y[:, 0] > 0).astype(int), epochs=2, callbacks=[PressTwice()])


# -- validated before anything is built --------------------------------------------------------------------------------
def unbuilt():
    model = Sequential([LSTM(4), Dense(1)], random_state=0)
    model.compile("sgd", "mse")
    return model


def assert_unbuilt_and_usable(model, rng_state):
    assert not any(layer.built for layer in model.layers)
    assert model._rng.bit_generator.state == rng_state
    x, y = series(features=3)
    model.fit(x, y, epochs=1, verbose=0)  # the right call works after the refused one
    assert model.layers[0].input_dim == 3


@pytest.mark.parametrize("call", [
    lambda m, x, y: m.fit(x, y[:-1], verbose=0),
    lambda m, x, y: m.fit(x, y, validation_data=5, verbose=0),
    lambda m, x, y: m.fit(x, y, validation_data=series(features=3), verbose=0),
    lambda m, x, y: m.fit(x, y, sample_weight=np.ones(3), verbose=0),
    lambda m, x, y: m.predict(x, batch_size=0),
    lambda m, x, y: m.evaluate(x, y[:-1]),
    lambda m, x, y: m.train_on_batch(x, y[:-1]),
], ids=["y_length", "validation_data", "validation_features", "sample_weight", "predict_batch_size", "evaluate", "train_on_batch"])
def test_a_refused_call_leaves_an_unbuilt_model_unbuilt(call):
    model = unbuilt()
    rng_state = model._rng.bit_generator.state
    x, y = series(features=5)
    with pytest.raises((ValueError, TypeError)):
        call(model, x, y)
    assert_unbuilt_and_usable(model, rng_state)


def test_an_unbuilt_layer_refusing_its_initial_state_stays_unbuilt():
    layer = LSTM(4)
    x, _ = series(features=5)
    with pytest.raises(ValueError, match="initial_state"):
        layer.forward(x, initial_state=[np.zeros((16, 4))])  # an LSTM needs two
    assert not layer.built
    assert layer.forward(series(features=3)[0]).shape == (16, 4)


def test_a_layer_declared_for_other_inputs_does_not_leave_the_layers_before_it_built():
    model = Sequential([SimpleRNN(4, input_shape=(5, 3)), Dense(2, input_dim=7)], random_state=0)
    with pytest.raises(ValueError, match="declared for 7 input features"):
        model.build()
    assert not any(layer.built for layer in model.layers)


@pytest.mark.parametrize("labels", [[5], [-1], [0.7], [3]])
def test_sparse_labels_outside_the_classes_are_refused_before_the_states_change(labels):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5, 2))
    model = Sequential([LSTM(3, stateful=True, input_shape=(5, 2)), Dense(3, activation="softmax")], random_state=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, np.array([0, 1, 2, 1]), batch_size=4, verbose=0)
    before = snapshot(model)
    y = np.array([0, 1, 2] + labels)
    with pytest.raises(ValueError, match=r"y must hold integer class labels in \[0, 3\)"):
        model.fit(x, y, batch_size=4, verbose=0)
    with pytest.raises(ValueError, match=r"y must hold integer class labels in \[0, 3\)"):
        model.train_on_batch(x, y)
    assert_same(before, snapshot(model))
    model.fit(x, np.array([0.0, 1.0, 2.0, 1.0]), batch_size=4, verbose=0)  # whole numbers as floats are labels


def test_last_time_step_mse_on_vector_outputs_is_refused_before_training():
    with pytest.raises(ValueError, match="metrics: last_time_step_mse needs sequence outputs"):
        Sequential([SimpleRNN(3, input_shape=(5, 3)), Dense(1)]).compile("sgd", "mse", metrics=["last_time_step_mse"])
    model = Sequential([Dense(2), Dense(1)], random_state=0)  # what it outputs depends on the data it gets
    model.compile("sgd", "mse", metrics=["last_time_step_mse"])
    rng_state = model._rng.bit_generator.state
    x, y = series()
    with pytest.raises(ValueError, match="metrics: last_time_step_mse needs sequence outputs"):
        model.fit(x[:, 0], y, verbose=0)
    assert not any(layer.built for layer in model.layers) and model._rng.bit_generator.state == rng_state
    sequences = Sequential([SimpleRNN(3, return_sequences=True, input_shape=(5, 3)), Dense(1)])
    sequences.compile("sgd", "mse", metrics=["last_time_step_mse"])
    sequences.fit(x, np.zeros((16, 5, 1)), verbose=0)


def stateful_model():
    model = Sequential([SimpleRNN(3, stateful=True, input_shape=(5, 3)), Dense(1)], random_state=0)
    model.compile("sgd", "mse")
    return model


def test_stateful_validation_that_does_not_split_into_batches_is_refused_before_training():
    x, y = series(n=8)
    model = stateful_model()
    model.build()
    before = snapshot(model)
    with pytest.raises(ValueError, match="validation_data: with stateful layers"):
        model.fit(x, y, batch_size=4, validation_data=series(n=6), verbose=0)
    assert_same(before, snapshot(model))
    assert model.history is None


def test_stateful_predict_on_a_partial_batch_is_refused_before_the_states_change():
    x, y = series(n=8)
    model = stateful_model()
    model.fit(x, y, batch_size=4, verbose=0)
    before = snapshot(model)
    with pytest.raises(ValueError, match="x: with stateful layers"):
        model.predict(x[:6], batch_size=4)
    with pytest.raises(ValueError, match="carries states for batches of 4, got batches of 2"):
        model.predict(x[:2], batch_size=4)
    with pytest.raises(ValueError, match="x: with stateful layers"):
        model.evaluate(x[:6], y[:6], batch_size=4)
    assert_same(before, snapshot(model))
    model.predict(x, batch_size=4)


def test_book_network_with_an_enormous_token_id_is_refused_with_its_generator_unchanged():
    ids = np.zeros((4, 3), dtype=np.int64)
    ids[0, 0] = 10 ** 10
    rn = RecurrentNetwork(n_cells=10, batch_size=2, verbose=0, random_state=0)
    rn.fit(np.ones((4, 3), dtype=np.int64), [0, 1, 0, 1], epochs=1)
    weights, rng_state = [w.copy() for w in (rn.w1h, rn.w1x, rn.b1, rn.w2, rn.b2)], rn._rng.bit_generator.state
    with pytest.raises(ValueError, match="10000000001 features"):
        rn.fit(ids, [0, 1, 0, 1], epochs=1)
    assert rn._rng.bit_generator.state == rng_state
    for a, b in zip(weights, (rn.w1h, rn.w1x, rn.b1, rn.w2, rn.b2)):
        np.testing.assert_array_equal(a, b)


def test_adam_s_second_moment_overflowing_is_refused_and_a_first_fit_leaves_no_history():
    # found by the fuzz suite: class weights near 1e155 give gradients that square to inf in Adam's v, while m / sqrt(v) keeps the weights finite
    x = np.random.default_rng(0).normal(size=(4, 5, 2))
    model = Sequential([SimpleRNN(3, input_shape=(5, 2)), Dense(1, activation="sigmoid")], random_state=0)
    model.compile("adam", "binary_crossentropy")
    model.build()
    before = snapshot(model)
    with pytest.raises(TrainingDivergedError, match=r"epoch 1, batch 1: the update made the optimizer's slot \d/\w+/v"):
        model.fit(x, np.array([0, 1, 1, 0]), class_weight={0: 1e155}, verbose=0, shuffle=False)
    assert_same(before, snapshot(model))
    assert model.history is None


def test_sparse_labels_of_shape_batch_by_one_are_taken_as_keras_takes_them():
    # found by the fuzz suite: (batch, 1) labels passed the check, then failed inside the loss
    x = np.random.default_rng(0).normal(size=(4, 5, 2))
    model = Sequential([SimpleRNN(3, input_shape=(5, 2)), Dense(3, activation="softmax")], random_state=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    column = model.fit(x, np.array([[0], [1], [2], [1]]), verbose=0, shuffle=False).history["loss"]
    model = Sequential([SimpleRNN(3, input_shape=(5, 2)), Dense(3, activation="softmax")], random_state=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    assert model.fit(x, np.array([0, 1, 2, 1]), verbose=0, shuffle=False).history["loss"] == column


def test_an_input_shape_asking_for_gigabytes_of_weights_is_a_value_error_with_nothing_built():
    # found by the fuzz suite: build((3487509177,)) raised MemoryError
    model = Sequential([SimpleRNN(2), Dense(1)], random_state=0)
    rng_state = model._rng.bit_generator.state
    with pytest.raises(ValueError, match=r"input_shape \(3487509177,\): the weights of simple_rnn .* do not fit"):
        model.build((3487509177,))
    assert not any(layer.built for layer in model.layers) and model._rng.bit_generator.state == rng_state


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_all_finite_is_exact_on_large_arrays(dtype):
    """The guards' finiteness test reads a large array through its sum of squares: a NaN or an infinity anywhere
    must make it False, and finite entries whose squares overflow (1e30 here) must still give True."""
    from numpy_rnn.checks import ALL_FINITE_DOT_SIZE, all_finite
    x = np.ones((4, ALL_FINITE_DOT_SIZE), dtype)
    assert all_finite(x)
    huge = x.copy()
    huge[1, 5] = 1e30 if dtype == np.float32 else 1e200  # finite, but its square overflows
    assert all_finite(huge)
    for where in [(0, 0), (2, 7), (3, -1)]:
        for bad in [np.nan, np.inf, -np.inf]:
            broken = huge.copy()
            broken[where] = bad
            assert not all_finite(broken) and not all_finite(broken.T)  # .T: memory in another axis order
            assert not all_finite(broken[:, ::-1]) and not all_finite(np.repeat(broken, 2, axis=1)[:, ::2])
    assert all_finite(x[:, :10]) and not all_finite(np.array([1.0, np.nan]))  # small arrays


def test_all_finite_reads_a_dense_array_without_a_temporary_of_its_size():
    """The point of the sum of squares: no array of booleans as large as the input. Checked with tracemalloc (NumPy
    reports its allocations to it) on a C-ordered array and on the (B, T, n) view of a time-major (T, B, n) one, the
    layout of a recurrent model's output layer."""
    import tracemalloc

    from numpy_rnn.checks import ALL_FINITE_DOT_SIZE, all_finite
    time_major = np.ones((8, 4, ALL_FINITE_DOT_SIZE // 8), np.float32)
    for x in (time_major, time_major.swapaxes(0, 1)):
        tracemalloc.start()
        try:
            assert all_finite(x)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < x.size // 8, peak  # np.isfinite would need x.size bytes
