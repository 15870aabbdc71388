"""fit's Keras options: sample weights, class weights, validation_split; weighted losses; custom losses.

The weighted loss is Keras 3's "sum_over_batch_size": ``sum(w * loss per element) / number of elements``. Its
consequences are what these tests pin, each one a decision a learner could get the other way:

- weights of ones give exactly the unweighted loss and gradient;
- a zero weight removes a sample from the sum but not from the count: the gradient with some samples weighted 0 is
  the gradient of the other samples alone times (kept / all), not the gradient of the other samples alone;
- per-time-step weights do the same for steps (zero weights on the last steps of a sequence-to-sequence model give
  the loss of the shortened sequences, scaled by their share of the steps);
- class_weight is the sample_weight that gives each sample its class's weight, and multiplies a sample_weight;
- weights travel with their samples through the shuffling;
- validation_split holds out the last samples, before shuffling, and validation_data overrides it.
"""
import zlib

import numpy as np
import pytest
from helpers import randomize

from numpy_rnn import LSTM, SGD, Dense, Sequential, SimpleRNN, TimeDistributed, gradcheck
from numpy_rnn.activations import sigmoid, softmax
from numpy_rnn.losses import (
    binary_crossentropy,
    binary_crossentropy_from_logits,
    categorical_crossentropy,
    mask_weights,
    mean_squared_error,
    softmax_crossentropy_from_logits,
)


# -- the weighted losses ------------------------------------------------------------------------------------------
def loss_case(name, rng, shape):
    """``(loss, y, out)`` for a loss on outputs of ``shape``: targets of the kind it reads, outputs where a finite
    difference can follow it (probabilities away from 0: -log a is steep there)."""
    z = rng.normal(0, 2, size=shape)
    if name == "mse":
        return mean_squared_error, rng.normal(size=shape), z
    if name == "bce_logits":
        return binary_crossentropy_from_logits, rng.integers(0, 2, size=shape).astype(float), z
    if name == "bce":
        return binary_crossentropy, rng.integers(0, 2, size=shape).astype(float), sigmoid(z / 4)
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    if name == "softmax_logits":
        return softmax_crossentropy_from_logits, labels, z
    return categorical_crossentropy, np.eye(shape[-1])[labels], softmax(z / 4)


LOSS_NAMES = ["mse", "bce_logits", "bce", "softmax_logits", "categorical"]
# (output shape, weight shape): per sample of vectors, per sample and per step of sequences
WEIGHT_SHAPES = [((5, 3), (5,)), ((3, 4, 3), (3,)), ((3, 4, 3), (3, 4))]


@pytest.mark.parametrize("shapes", WEIGHT_SHAPES, ids=["vectors", "sequences-per-sample", "sequences-per-step"])
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_weighted_losses_against_finite_differences(name, shapes):
    out_shape, w_shape = shapes
    rng = np.random.default_rng(zlib.crc32(repr((name, shapes)).encode()))  # a fixed seed per case
    loss, y, out = loss_case(name, rng, out_shape)
    w = rng.uniform(0.1, 3.0, size=w_shape)  # non-uniform: a weight applied to the wrong sample shows
    w.reshape(-1)[0] = 0.0  # and a zero weight, whose sample must get no gradient
    params = {"out": out}
    value, grad = loss(y, out, sample_weight=w)
    report = gradcheck(lambda: loss(y, params["out"], sample_weight=w)[0], params, {"out": grad})
    assert report.ok, report
    assert not grad[(0,) * len(w_shape)].any()


@pytest.mark.parametrize("shapes", WEIGHT_SHAPES, ids=["vectors", "sequences-per-sample", "sequences-per-step"])
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_weights_of_ones_give_the_unweighted_loss_exactly(name, shapes):
    out_shape, w_shape = shapes
    loss, y, out = loss_case(name, np.random.default_rng(3), out_shape)
    value, grad = loss(y, out)
    value_ones, grad_ones = loss(y, out, sample_weight=np.ones(w_shape))
    assert value_ones == value
    np.testing.assert_array_equal(grad_ones, grad)


def test_unweighted_losses_are_the_plain_means():
    rng = np.random.default_rng(4)
    y, out = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    value, grad = mean_squared_error(y, out)
    assert value == pytest.approx(np.mean((out - y) ** 2), rel=1e-15)
    np.testing.assert_allclose(grad, 2 * (out - y) / out.size, rtol=1e-15)
    labels = rng.integers(0, 3, size=4)
    picked = np.log(softmax(out))[np.arange(4), labels]
    assert softmax_crossentropy_from_logits(labels, out)[0] == pytest.approx(-np.mean(picked), rel=1e-14)


def test_the_weighted_loss_divides_by_the_number_of_elements_not_by_the_sum_of_the_weights():
    """Keras's sum_over_batch_size, by hand: squared errors 1 and 9, weights 1 and 0: (1 * 1 + 0 * 9) / 2."""
    y, out = np.zeros((2, 1)), np.array([[1.0], [3.0]])
    value, grad = mean_squared_error(y, out, sample_weight=np.array([1.0, 0.0]))
    assert value == 0.5
    np.testing.assert_array_equal(grad, [[1.0], [0.0]])  # 2 * diff * w / 2
    # per step: weights (1, 2) over two steps of one sample, two features each: (1 * (1 + 1) + 2 * (4 + 0)) / 4
    seq = np.array([[[1.0, -1.0], [2.0, 0.0]]])
    assert mean_squared_error(np.zeros_like(seq), seq, sample_weight=np.array([[1.0, 2.0]]))[0] == 2.5


def test_mask_weights_make_the_loss_the_mean_over_unmasked_positions():
    rng = np.random.default_rng(5)
    z, labels = rng.normal(size=(2, 4, 3)), rng.integers(0, 3, size=(2, 4))
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]])
    per_position = -np.log(softmax(z))[np.arange(2)[:, None], np.arange(4), labels]
    value = softmax_crossentropy_from_logits(labels, z, sample_weight=mask_weights(mask))[0]
    assert value == pytest.approx(per_position[mask == 1].mean(), rel=1e-14)
    weights = np.array([2.0, 1.0])
    value = softmax_crossentropy_from_logits(labels, z, sample_weight=mask_weights(mask, weights))[0]
    assert value == pytest.approx(np.sum((weights[:, None] * per_position)[mask == 1]) / 5, rel=1e-14)
    assert not mask_weights(np.zeros((2, 3))).any()


# -- weights in a model ---------------------------------------------------------------------------------------------
def vector_model(seed=0, dtype=None):
    model = Sequential([SimpleRNN(3, input_shape=(4, 2)), Dense(1)], random_state=seed, dtype=dtype)
    model.compile(SGD(0.1), "mse")
    model.build()
    randomize(model.layers[0], np.random.default_rng(seed))
    return model


def grads_of(model):
    return [g.copy() for layer in model.layers for g in layer.grads.values()]


def weights_of(model):
    return [w.copy() for layer in model.layers for w in layer.get_weights()]


def test_zero_weights_drop_samples_from_the_sum_but_not_from_the_count():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(6, 4, 2)), rng.normal(size=6)
    w = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0])
    keep = w > 0
    model = vector_model()
    weighted, _ = model.loss_and_gradients(x, y, sample_weight=w)
    weighted_grads = grads_of(model)
    kept, _ = model.loss_and_gradients(x[keep], y[keep])
    assert weighted == pytest.approx(kept * 4 / 6, rel=1e-13)  # Keras: divided by all 6 samples
    for g_weighted, g_kept in zip(weighted_grads, grads_of(model)):
        np.testing.assert_allclose(g_weighted, g_kept * 4 / 6, rtol=1e-11, atol=1e-15)


def test_per_step_weights_of_a_sequence_to_sequence_model():
    """Zero weights on the last two of five steps: a recurrent layer's outputs at steps 1-3 do not depend on the
    later steps, so this is the loss of the first three steps alone, times 3/5 (the share of the counted steps)."""
    rng = np.random.default_rng(7)
    model = Sequential([SimpleRNN(3, return_sequences=True, input_shape=(5, 2)), Dense(2)], random_state=0)
    model.compile("sgd", "mse")
    model.build()
    randomize(model.layers[0], rng)
    x, y = rng.normal(size=(4, 5, 2)), rng.normal(size=(4, 5, 2))
    w = np.ones((4, 5))
    w[:, 3:] = 0.0
    weighted, _ = model.loss_and_gradients(x, y, sample_weight=w)
    weighted_grads = grads_of(model)
    short, _ = model.loss_and_gradients(x[:, :3], y[:, :3])
    assert weighted == pytest.approx(short * 3 / 5, rel=1e-13)
    for g_weighted, g_short in zip(weighted_grads, grads_of(model)):
        np.testing.assert_allclose(g_weighted, g_short * 3 / 5, rtol=1e-11, atol=1e-15)


def test_a_weighted_fused_softmax_model_against_finite_differences():
    rng = np.random.default_rng(8)
    model = Sequential([LSTM(3, return_sequences=True, input_shape=(4, 2)),
                        TimeDistributed(Dense(3, activation="softmax"))], random_state=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.build()
    for layer in model.layers:
        randomize(layer, rng)
    x, y, w = rng.normal(size=(3, 4, 2)), rng.integers(0, 3, size=(3, 4)), rng.uniform(0.2, 2.0, size=(3, 4))
    model.loss_and_gradients(x, y, sample_weight=w)
    params = {f"{layer.name}.{k}": v for layer in model.layers for k, v in layer.params.items()}
    grads = {f"{layer.name}.{k}": v.copy() for layer in model.layers for k, v in layer.grads.items()}
    report = gradcheck(lambda: model._loss(y, model.forward(x), w)[0], params, grads)
    assert report.ok, report
    assert model._loss(y, model.forward(x), w)[2]  # computed from the logits


def test_evaluate_weighs_the_loss_batch_by_batch_as_over_the_whole_set():
    rng = np.random.default_rng(9)
    x, y, w = rng.normal(size=(7, 4, 2)), rng.normal(size=7), rng.uniform(0, 2, size=7)
    model = vector_model()
    out = model.predict(x)[:, 0]
    expected = np.sum(w * (out - y) ** 2) / 7
    assert model.evaluate(x, y, batch_size=3, sample_weight=w) == pytest.approx(expected, rel=1e-13)
    assert model.evaluate(x, y, batch_size=3) == pytest.approx(np.mean((out - y) ** 2), rel=1e-13)


def test_weights_travel_with_their_samples_through_the_shuffling():
    x = np.zeros((10, 4, 2))
    x[:, 0, 0] = np.arange(10)  # each sample says which it is
    w = np.arange(10) / 10 + 0.05
    model = vector_model()
    seen = []
    original = model._train_step

    def spy(x_batch, y_batch, sample_weight=None):
        seen.append((x_batch[:, 0, 0].astype(int), sample_weight.copy()))
        return original(x_batch, y_batch, sample_weight)

    model._train_step = spy
    model.fit(x, np.zeros(10), epochs=2, batch_size=3, sample_weight=w, verbose=0)
    order = np.concatenate([ids for ids, _ in seen[:4]])
    assert not np.array_equal(order, np.arange(10))  # shuffled
    for ids, weights in seen:
        np.testing.assert_array_equal(weights, w[ids])


def test_class_weight_is_the_matching_sample_weight():
    rng = np.random.default_rng(10)
    x, y = rng.normal(size=(8, 4, 2)), np.array([0, 1, 1, 0, 1, 1, 1, 0])
    table = {0: 3.0, 1: 0.5}
    w = rng.uniform(0.5, 2.0, size=8)
    runs = {}
    for name, kwargs in {"class": dict(class_weight=table), "sample": dict(sample_weight=np.where(y == 1, 0.5, 3.0)),
                         "both": dict(class_weight=table, sample_weight=w),
                         "product": dict(sample_weight=w * np.where(y == 1, 0.5, 3.0))}.items():
        model = Sequential([SimpleRNN(3, input_shape=(4, 2)), Dense(1, activation="sigmoid")], random_state=1)
        model.compile("adam", "binary_crossentropy")
        history = model.fit(x, y, epochs=2, batch_size=3, verbose=0, **kwargs)
        runs[name] = (history.history["loss"], weights_of(model))
    for a, b in (("class", "sample"), ("both", "product")):
        assert runs[a][0] == runs[b][0]
        for w_a, w_b in zip(runs[a][1], runs[b][1]):
            np.testing.assert_array_equal(w_a, w_b)
    assert runs["class"][0] != runs["both"][0]


@pytest.mark.parametrize("targets", ["labels", "one-hot"])
def test_class_weight_per_position_from_labels_or_one_hot_rows(targets):
    rng = np.random.default_rng(11)
    model = Sequential([LSTM(3, return_sequences=True, input_shape=(4, 2)), Dense(3, activation="softmax")],
                       random_state=0)
    loss = "sparse_categorical_crossentropy" if targets == "labels" else "categorical_crossentropy"
    model.compile("sgd", loss)
    x, labels = rng.normal(size=(3, 4, 2)), rng.integers(0, 3, size=(3, 4))
    y = labels if targets == "labels" else np.eye(3)[labels]
    table = np.array([1.0, 2.5, 0.25])
    by_class = model.train_on_batch(x, y, class_weight={1: 2.5, 2: 0.25})  # class 0 missing: weighs 1 (Keras)
    twin = Sequential([LSTM(3, return_sequences=True, input_shape=(4, 2)), Dense(3, activation="softmax")],
                      random_state=0)
    twin.compile("sgd", loss)
    assert twin.train_on_batch(x, y, sample_weight=table[labels]) == by_class
    for w_a, w_b in zip(weights_of(model), weights_of(twin)):
        np.testing.assert_array_equal(w_a, w_b)


# -- validation_split -----------------------------------------------------------------------------------------------
def test_validation_split_holds_out_the_last_samples():
    rng = np.random.default_rng(12)
    x, y = rng.normal(size=(10, 4, 2)), rng.normal(size=10)
    model, twin = vector_model(1), vector_model(1)
    history = model.fit(x, y, epochs=2, batch_size=3, validation_split=0.25, verbose=0)
    # floor(10 * 0.75) = 7 samples train, the last 3 validate; the same training as on the first 7 alone
    twin_history = twin.fit(x[:7], y[:7], epochs=2, batch_size=3, verbose=0)
    assert history.history["loss"] == twin_history.history["loss"]
    assert history.history["val_loss"][-1] == pytest.approx(model.evaluate(x[7:], y[7:]), rel=1e-13)


def test_validation_split_keeps_the_held_out_sample_weights_and_validation_data_overrides_it():
    rng = np.random.default_rng(13)
    x, y, w = rng.normal(size=(8, 4, 2)), rng.normal(size=8), rng.uniform(0.1, 2, size=8)
    model = vector_model(2)
    history = model.fit(x, y, epochs=1, validation_split=0.5, sample_weight=w, verbose=0)
    assert history.history["val_loss"][-1] == pytest.approx(model.evaluate(x[4:], y[4:], sample_weight=w[4:]),
                                                            rel=1e-13)
    x_val, y_val, w_val = rng.normal(size=(3, 4, 2)), rng.normal(size=3), np.array([1.0, 0.0, 2.0])
    model, twin = vector_model(2), vector_model(2)
    history = model.fit(x, y, epochs=1, validation_split=0.5, validation_data=(x_val, y_val, w_val), verbose=0)
    assert history.history["loss"] == twin.fit(x, y, epochs=1, verbose=0).history["loss"]  # trained on all 8
    assert history.history["val_loss"][-1] == pytest.approx(model.evaluate(x_val, y_val, sample_weight=w_val),
                                                            rel=1e-13)


@pytest.mark.parametrize("split, error, message", [
    (1.0, ValueError, r"in \[0, 1\)"), (-0.1, ValueError, r"in \[0, 1\)"), (float("nan"), ValueError, r"\[0, 1\)"),
    ("0.2", TypeError, "a number"), (True, TypeError, "a number"), (0.6, ValueError, "0 for training"),
    (1e-20, ValueError, "0 for validation"),
])
def test_bad_validation_splits_are_refused(split, error, message):
    model = vector_model()
    before = weights_of(model)
    with pytest.raises(error, match=message) as info:
        model.fit(np.zeros((2, 4, 2)), np.zeros(2), validation_split=split, verbose=0)
    assert "validation_split" in str(info.value)
    assert model.history is None
    for a, b in zip(before, weights_of(model)):
        np.testing.assert_array_equal(a, b)


# -- bad weights --------------------------------------------------------------------------------------------------
X, Y = np.zeros((4, 4, 2)), np.array([0.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(sample_weight=np.ones(3)), ValueError, r"sample_weight has shape \(3,\).*one weight per sample \(4,\)"),
    (dict(sample_weight=np.ones((4, 1))), ValueError, "sample_weight has shape"),
    (dict(sample_weight=np.array([1.0, -1.0, 1.0, 1.0])), ValueError, "sample_weight must be non-negative"),
    (dict(sample_weight=np.array([1.0, np.nan, 1.0, 1.0])), ValueError, "sample_weight contains NaN"),
    (dict(sample_weight=np.array([1.0, np.inf, 1.0, 1.0])), ValueError, "sample_weight contains NaN or infinite"),
    (dict(sample_weight=np.array(["a"] * 4)), TypeError, "sample_weight must be an array of numbers"),
    (dict(class_weight={2: 1.0}), ValueError, "class_weight has class 2"),
    (dict(class_weight={-1: 1.0}), ValueError, "class_weight has class -1"),
    (dict(class_weight={"0": 1.0}), TypeError, "class_weight keys must be integer"),
    (dict(class_weight={0: -2.0}), ValueError, r"class_weight\[0\] must be a finite non-negative"),
    (dict(class_weight={0: "heavy"}), TypeError, r"class_weight\[0\] must be a number"),
    (dict(class_weight=[1.0, 2.0]), TypeError, "class_weight must be a dict"),
    (dict(validation_data=(X, Y, np.ones(5))), ValueError, "val_sample_weight has shape"),
    (dict(validation_data=(X, Y, 1, 2)), ValueError, "validation_data must be a tuple"),
])
def test_bad_weights_are_refused_and_change_nothing(kwargs, error, message):
    model = Sequential([SimpleRNN(3, input_shape=(4, 2)), Dense(1, activation="sigmoid")], random_state=0)
    model.compile("adam", "binary_crossentropy")
    model.build()
    before = weights_of(model)
    with pytest.raises(error, match=message):
        model.fit(X, Y, verbose=0, **kwargs)
    assert model.history is None and model.optimizer.iterations == 0
    for a, b in zip(before, weights_of(model)):
        np.testing.assert_array_equal(a, b)


def test_class_weight_needs_targets_that_are_classes():
    model = Sequential([SimpleRNN(3, input_shape=(4, 2)), Dense(1, activation="sigmoid")], random_state=0)
    model.compile("adam", "binary_crossentropy")
    with pytest.raises(ValueError, match="y must hold classes 0 to 1"):
        model.fit(X, np.array([0.0, 1.0, 2.0, 0.0]), class_weight={0: 1.0}, verbose=0)
    with pytest.raises(ValueError, match="sample_weight has shape"):
        model.train_on_batch(X, Y, sample_weight=np.ones(5))
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        model.evaluate(X, Y, sample_weight=-np.ones(4))


# -- custom losses --------------------------------------------------------------------------------------------------
def mean_absolute_error(y, out, sample_weight=None):
    """A custom loss as the contract asks: the mean and its gradient, weighted as losses.py's are."""
    w = np.ones(out.shape[:1]) if sample_weight is None else sample_weight
    w = w.reshape(w.shape + (1,) * (out.ndim - w.ndim))
    return float(np.sum(w * np.abs(out - y)) / out.size), w * np.sign(out - y) / out.size


def test_a_custom_loss_trains_and_its_gradient_checks():
    rng = np.random.default_rng(14)
    x, y = rng.normal(size=(6, 4, 2)), rng.normal(size=6)
    model = vector_model()
    model.compile("adam", mean_absolute_error)
    first = model.evaluate(x, y)
    model.fit(x, y, epochs=20, sample_weight=np.ones(6), verbose=0)
    assert model.evaluate(x, y) < first
    params = {"out": rng.normal(size=(5, 1))}
    targets = rng.normal(size=(5, 1))
    report = gradcheck(lambda: mean_absolute_error(targets, params["out"])[0], params,
                       {"out": mean_absolute_error(targets, params["out"])[1]})
    assert report.ok, report


def only_the_value(y, out):
    return float(np.mean(np.abs(out - y)))


def gradient_of_the_wrong_shape(y, out):
    return float(np.mean(np.abs(out - y))), np.sign(out - y).reshape(-1)


def gradient_as_text(y, out):
    return 0.5, "gradient"


def fails_inside(y, out):
    return y["value"]


def three_items(y, out):
    return 0.0, out, out


@pytest.mark.parametrize("loss, message", [
    (only_the_value, "returned a float, not a pair"), (gradient_of_the_wrong_shape, r"shape \(2,\)"),
    (gradient_as_text, "dtype <U8"), (fails_inside, "failed on y and output of shape"),
    (three_items, "a tuple of 3 items"),
])
def test_compile_refuses_a_loss_that_breaks_the_contract(loss, message):
    model = vector_model()
    with pytest.raises(TypeError, match=message) as info:
        model.compile("adam", loss)
    assert "gradient with respect to output" in str(info.value)  # the contract is explained
    assert model.loss == "mse"  # still compiled as it was


def test_a_loss_that_breaks_the_contract_on_the_real_shapes_is_caught_before_any_update():
    def right_only_for_two_samples(y, out):
        grad = np.sign(out - y) / out.size
        return float(np.mean(np.abs(out - y))), grad if len(out) == 2 else grad[:2]

    model = vector_model()
    model.compile("sgd", right_only_for_two_samples)
    before = weights_of(model)
    with pytest.raises(TypeError, match=r"gradient of shape \(2, 1\) .* for an output of shape \(4, 1\)"):
        model.fit(X, Y, batch_size=4, verbose=0)
    for a, b in zip(before, weights_of(model)):
        np.testing.assert_array_equal(a, b)


def test_weights_need_a_custom_loss_that_takes_them():
    model = vector_model()
    model.compile("sgd", lambda y, out: (float(np.mean((out - y) ** 2)), 2 * (out - y) / out.size))
    model.fit(X, Y, verbose=0)  # unweighted: fine
    for kwargs in (dict(sample_weight=np.ones(4)), dict(class_weight={0: 2.0})):
        name = next(iter(kwargs))
        with pytest.raises(TypeError, match=f"{name}: the loss <lambda> does not take sample_weight"):
            model.fit(X, Y, verbose=0, **kwargs)
    assert len(model.history.epoch) == 1


# -- weighted metrics -----------------------------------------------------------------------------------------------
def test_weighted_metrics_are_the_weighted_means_and_metrics_stay_unweighted(tmp_path):
    rng = np.random.default_rng(15)
    x, y, w = rng.normal(size=(6, 4, 2)), np.array([1, 0, 0, 0, 1, 1]), np.array([1.0, 0.0, 2.0, 1.0, 0.0, 3.0])
    model = Sequential([SimpleRNN(3, input_shape=(4, 2)), Dense(1, activation="sigmoid")], random_state=0)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy", "mse"], weighted_metrics=["accuracy"])
    p = model.predict(x)[:, 0]
    correct = (p > 0.5) == (y > 0.5)
    loss, accuracy, mse, weighted_accuracy = model.evaluate(x, y, sample_weight=w)
    assert accuracy == np.mean(correct) and mse == pytest.approx(np.mean((p - y) ** 2), rel=1e-14)
    assert weighted_accuracy == pytest.approx(np.sum(w * correct) / np.sum(w), rel=1e-14)  # Keras: / sum(w)
    assert accuracy == 0.5 and weighted_accuracy == pytest.approx(5 / 7)  # the initial model predicts 1 1 1 0 0 1
    history = model.fit(x, y, epochs=1, batch_size=6, sample_weight=w, validation_data=(x, y, w), verbose=0)
    assert set(history.history) == {"loss", "accuracy", "mse", "weighted_accuracy", "val_loss", "val_accuracy",
                                    "val_mse", "val_weighted_accuracy"}
    model.save(tmp_path / "m.npz")
    assert [name for name, _ in Sequential.load(tmp_path / "m.npz").weighted_metrics] == ["weighted_accuracy"]
    with pytest.raises(TypeError, match="weighted_metrics: the metric <lambda> does not take sample_weight"):
        model.compile("adam", "mse", weighted_metrics=[lambda y, out: 0.0])


def test_weighted_accuracy_per_step_of_sequences():
    from numpy_rnn.metrics import accuracy, last_time_step_mse
    out = np.array([[[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]])  # predicts 0, 1, 0
    labels = np.array([[0, 0, 0]])
    assert accuracy(labels, out) == pytest.approx(2 / 3)
    assert accuracy(labels, out, sample_weight=np.array([[1.0, 3.0, 0.0]])) == 0.25
    assert accuracy(np.eye(2)[labels], out, sample_weight=np.array([2.0])) == pytest.approx(2 / 3)
    target = np.zeros((1, 3, 2))
    assert last_time_step_mse(target, out, sample_weight=np.array([[0.0, 0.0, 2.0]])) == pytest.approx(0.26)
