"""RecurrentNetwork: the book's API, its gradients proven by finite differences, truncation, input forms, bad input.

How a gradient check proves the backward pass right: ``backprop`` claims dL/dW for each weight W. Nudging one entry of
W by +-eps and rerunning only the *forward* pass measures the same derivative independently. If the two agree to
about 1e-9 (float64) for every entry of every weight, on random shapes and random weights, the backward pass computes
the derivative of the forward pass. ``test_the_checker_catches_the_books_transpose_bug`` shows that a real mistake
does not slip through.
"""
import warnings

import numpy as np
import pytest
from helpers import random_weight
from hypothesis import given, settings
from hypothesis import strategies as st

from numpy_rnn import NotFittedError, RecurrentNetwork, SimpleRNN, gradcheck
from numpy_rnn.losses import binary_crossentropy_from_logits

WEIGHTS = ("w1h", "w1x", "b1", "w2", "b2")


def make_network(rng, n_cells, n_features, bptt_steps=None):
    rn = RecurrentNetwork(n_cells=n_cells, bptt_steps=bptt_steps, verbose=0)
    rn.init_weights(n_features, 1)
    for name in WEIGHTS:  # random weights and biases (see helpers.py for how)
        w = getattr(rn, name)
        w[...] = random_weight(name, w.shape, rng)
    return rn


def make_data(rng, batch, steps, n_features, ids):
    tokens = rng.integers(0, n_features, size=(batch, steps))
    x = tokens if ids else np.eye(n_features)[tokens]
    y = rng.integers(0, 2, size=(batch, 1)).astype(float)
    return x, y


def weights(rn):
    return {name: getattr(rn, name) for name in WEIGHTS}


def analytic_gradients(rn, x, y):
    z = rn.forpass(x)
    return dict(zip(WEIGHTS, rn.backprop(x, rn.sigmoid(z) - y)))


def loss_of(rn, x, y):
    return lambda: binary_crossentropy_from_logits(y, rn.forpass(x))[0]


# -- gradients ------------------------------------------------------------------------------------------------------
@settings(deadline=None)
@given(n_cells=st.integers(1, 6), n_features=st.integers(1, 6), steps=st.integers(1, 30), batch=st.integers(1, 4),
       ids=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_full_bptt_gradients_match_finite_differences(n_cells, n_features, steps, batch, ids, seed):
    rng = np.random.default_rng(seed)
    rn = make_network(rng, n_cells, n_features, bptt_steps=None)
    x, y = make_data(rng, batch, steps, n_features, ids)
    report = gradcheck(loss_of(rn, x, y), weights(rn), analytic_gradients(rn, x, y))
    assert report.ok, report


@pytest.mark.parametrize("k", [1, 3, 7, 11, 12, 20])
def test_truncated_bptt_is_the_exact_gradient_with_the_state_k_steps_back_held_constant(k):
    """With bptt_steps=k the network's gradient must equal the true gradient of a loss in which h_{T-k} is a
    constant: the first T-k steps are run once with the unperturbed weights, and only the last k steps (and the
    output layer) see the nudged weights."""
    rng = np.random.default_rng(k)
    steps, n_features, n_cells = 12, 4, 3
    rn = make_network(rng, n_cells, n_features, bptt_steps=k)
    x, y = make_data(rng, 5, steps, n_features, ids=False)
    grads = analytic_gradients(rn, x, y)

    cut = max(steps - k, 0)
    h_cut = np.zeros((5, n_cells))
    if cut:
        rn.forpass(x[:, :cut])
        h_cut = rn.h[-1].copy()  # a constant from here on
    tail = SimpleRNN(n_cells)
    tail.build(n_features)
    tail.params.update(W_x=rn.w1x, W_h=rn.w1h, b=rn.b1)  # the same arrays: nudging rn's weights nudges tail's

    def detached_loss():
        h_T = tail.forward(x[:, cut:], initial_state=h_cut)
        return binary_crossentropy_from_logits(y, h_T @ rn.w2 + rn.b2)[0]

    report = gradcheck(detached_loss, weights(rn), grads)
    assert report.ok, report
    if k <= steps // 2:
        # ... and it is not the full gradient: truncation really cut something. (Only for short truncations: what
        # a cut 11 steps back removes has decayed through 11 tanh layers to below the bound.)
        assert not gradcheck(loss_of(rn, x, y), weights(rn), grads).errors["w1h"] < 1e-7


def book_backprop(rn, x, err, transpose):
    """The textbook's backward pass over the list of states ``rn.h``, written the way the book writes it.

    With ``transpose=False`` the error goes to the previous step as ``err_to_cell @ w1h``, as in the book's listing;
    the chain rule through ``h_{t-1} @ w1h`` needs ``err_to_cell @ w1h.T``.
    """
    m = len(x)
    w2_grad = rn.h[-1].T @ err / m
    b2_grad = err.sum(axis=0) / m
    w1h_grad, w1x_grad, b1_grad = np.zeros_like(rn.w1h), np.zeros_like(rn.w1x), np.zeros_like(rn.b1)
    err_to_cell = (err @ rn.w2.T) * (1 - rn.h[-1] ** 2)
    for x_t, h_prev in zip(np.swapaxes(x, 0, 1)[::-1], rn.h[:-1][::-1]):
        w1h_grad += h_prev.T @ err_to_cell
        w1x_grad += x_t.T @ err_to_cell
        b1_grad += err_to_cell.sum(axis=0)
        err_to_cell = (err_to_cell @ (rn.w1h.T if transpose else rn.w1h)) * (1 - h_prev ** 2)
    return dict(zip(WEIGHTS, (w1h_grad / m, w1x_grad / m, b1_grad / m, w2_grad, b2_grad)))


def test_the_checker_catches_the_books_transpose_bug():
    rng = np.random.default_rng(7)
    rn = make_network(rng, n_cells=4, n_features=3, bptt_steps=None)
    x, y = make_data(rng, 6, 8, 3, ids=False)
    err = rn.sigmoid(rn.forpass(x)) - y

    fixed = gradcheck(loss_of(rn, x, y), weights(rn), book_backprop(rn, x, err, transpose=True))
    assert fixed.ok, fixed

    rn.forpass(x)
    buggy = gradcheck(loss_of(rn, x, y), weights(rn), book_backprop(rn, x, err, transpose=False))
    assert not buggy.ok
    # The output layer is unaffected; every weight the recurrence reaches is wrong.
    assert buggy.errors["w2"] < 1e-7 and buggy.errors["b2"] < 1e-7
    assert min(buggy.errors["w1h"], buggy.errors["w1x"], buggy.errors["b1"]) > 1e-3
    # And numpy_rnn's own backprop agrees with the fixed book version.
    ours = analytic_gradients(rn, x, y)
    rn.forpass(x)
    for name, value in book_backprop(rn, x, err, transpose=True).items():
        np.testing.assert_allclose(ours[name], value, rtol=1e-12, atol=1e-14)


def test_a_training_step_moves_every_weight_against_its_own_gradient():
    """``training`` is one SGD step, ``w -= lr * dL/dw`` for each of the five weights. A step that is wrong in
    another way (W_1h updated with its gradient transposed, say) may still lower the loss, so this compares exactly."""
    rng = np.random.default_rng(8)
    rn = make_network(rng, n_cells=4, n_features=3, bptt_steps=None)
    rn.lr = 0.05
    x, y = make_data(rng, 5, 6, 3, ids=False)
    # Copies: the layers may reuse their gradient arrays in the next backward pass.
    grads = {name: g.copy() for name, g in analytic_gradients(rn, x, y).items()}
    before = {name: w.copy() for name, w in weights(rn).items()}
    rn.training(x, y)
    for name in WEIGHTS:
        np.testing.assert_allclose(getattr(rn, name), before[name] - 0.05 * grads[name], rtol=1e-12, atol=1e-15,
                                   err_msg=name)


# -- input forms ----------------------------------------------------------------------------------------------------
def test_token_ids_and_one_hot_give_the_same_outputs_and_gradients():
    rng = np.random.default_rng(3)
    rn = make_network(rng, n_cells=5, n_features=7, bptt_steps=4)
    ids, y = make_data(rng, 6, 9, 7, ids=True)
    one_hot = np.eye(7)[ids]
    z_ids, g_ids = rn.forpass(ids), analytic_gradients(rn, ids, y)
    z_hot, g_hot = rn.forpass(one_hot), analytic_gradients(rn, one_hot, y)
    np.testing.assert_allclose(z_ids, z_hot, rtol=1e-13)
    for name in WEIGHTS:
        np.testing.assert_allclose(g_ids[name], g_hot[name], rtol=1e-12, atol=1e-15)


def test_training_on_ids_and_on_one_hot_is_the_same():
    rng = np.random.default_rng(4)
    ids = rng.integers(0, 10, size=(64, 8))
    y = (ids[:, -1] < 5).astype(int)
    a = RecurrentNetwork(n_cells=6, learning_rate=0.1, random_state=0, verbose=0).fit(ids, y, epochs=3)
    b = RecurrentNetwork(n_cells=6, learning_rate=0.1, random_state=0, verbose=0).fit(np.eye(10)[ids], y, epochs=3)
    np.testing.assert_allclose(a.losses, b.losses, rtol=1e-12)
    np.testing.assert_allclose(a.w1x, b.w1x, rtol=1e-10, atol=1e-14)


# -- the book's usage and the improvements ---------------------------------------------------------------------------
@pytest.fixture
def tiny_text():
    rng = np.random.default_rng(5)
    tokens = rng.integers(0, 12, size=(120, 10))
    x_onehot = np.eye(12)[tokens]
    y = (np.isin(tokens, [1, 2, 3]).sum(axis=1) > 2).astype(int)
    return x_onehot[:90], y[:90], x_onehot[90:], y[90:]


def test_the_books_usage_runs_unchanged(tiny_text):
    x_train_onehot, y_train, x_val_onehot, y_val = tiny_text
    rn = RecurrentNetwork(n_cells=32, batch_size=32, learning_rate=0.01)
    rn.verbose = 0
    rn.fit(x_train_onehot, y_train, epochs=20, x_val=x_val_onehot, y_val=y_val)
    assert 0.0 <= rn.score(x_val_onehot, y_val) <= 1.0
    assert len(rn.losses) == len(rn.val_losses) == 20
    assert rn.w1h.shape == (32, 32) and rn.w1x.shape == (12, 32) and rn.b1.shape == (32,)
    assert rn.w2.shape == (32, 1) and rn.b2.shape == (1,)
    assert rn.lr == 0.01 and rn.n_cells == 32 and rn.batch_size == 32
    assert len(rn.h) == 11  # h_0 ... h_T of the last forward pass


def test_sgd_lowers_the_training_loss(tiny_text):
    x, y, _, _ = tiny_text
    rn = RecurrentNetwork(n_cells=8, learning_rate=0.2, random_state=1, verbose=0).fit(x, y, epochs=30)
    assert rn.losses[-1] < 0.8 * rn.losses[0]


def test_same_seed_same_weights_and_losses_different_seed_different(tiny_text):
    x, y, x_val, y_val = tiny_text
    fit = lambda seed: RecurrentNetwork(n_cells=5, random_state=seed, verbose=0).fit(x, y, 3, x_val, y_val)  # noqa
    a, b, c = fit(11), fit(11), fit(12)
    assert a.losses == b.losses and a.val_losses == b.val_losses
    for name in WEIGHTS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.losses != c.losses


def test_refitting_the_same_object_repeats_the_run(tiny_text):
    x, y, _, _ = tiny_text
    rn = RecurrentNetwork(n_cells=5, random_state=3, verbose=0)
    first = rn.fit(x, y, epochs=2).losses
    assert rn.fit(x, y, epochs=2).losses == first


def test_fit_without_validation_data(tiny_text):
    x, y, _, _ = tiny_text
    rn = RecurrentNetwork(n_cells=4, verbose=0).fit(x, y, epochs=2)
    assert len(rn.losses) == 2 and rn.val_losses == []


def test_predict_and_predict_proba(tiny_text):
    x, y, x_val, _ = tiny_text
    rn = RecurrentNetwork(n_cells=4, random_state=0, verbose=0).fit(x, y, epochs=2)
    proba = rn.predict_proba(x_val)
    assert proba.shape == (len(x_val),) and np.all((proba > 0) & (proba < 1))
    np.testing.assert_array_equal(rn.predict(x_val), (proba > 0.5).astype(int))


def test_sigmoid_and_loss_do_not_overflow_or_warn():
    z = np.array([[-1e308], [-800.0], [0.0], [800.0], [1e308]])
    # Overflow, division by zero and invalid results raise; underflow to 0 is exact enough and stays silent.
    with np.errstate(over="raise", divide="raise", invalid="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        a = RecurrentNetwork().sigmoid(z)
        loss, dz = binary_crossentropy_from_logits(np.array([[0.0], [1.0], [1.0], [0.0], [0.0]]), z)
    np.testing.assert_allclose(a.ravel(), [0, 0, 0.5, 1, 1])
    assert np.isfinite(loss) and np.all(np.isfinite(dz))
    assert loss == pytest.approx((800 + np.log(2) + 800 + 1e308) / 5)


def test_verbose_prints_an_epoch_line_and_zero_is_silent(tiny_text, capsys):
    x, y, x_val, y_val = tiny_text
    RecurrentNetwork(n_cells=3, verbose=0).fit(x, y, epochs=2, x_val=x_val, y_val=y_val)
    assert capsys.readouterr().out == ""
    RecurrentNetwork(n_cells=3, verbose=2).fit(x, y, epochs=2, x_val=x_val, y_val=y_val)
    out = capsys.readouterr().out
    assert "epoch 2/2" in out and "val_loss" in out and "val_accuracy" in out
    RecurrentNetwork(n_cells=3, verbose=1).fit(x, y, epochs=1)
    assert "epoch 1/1" in capsys.readouterr().out


def test_tensorflow_initializer_is_optional(tiny_text, monkeypatch):
    x, y, _, _ = tiny_text
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        rn = RecurrentNetwork(n_cells=3, initializer="tensorflow", verbose=0)
        with pytest.raises(ImportError, match="tensorflow-cpu"):
            rn.fit(x, y, epochs=1)
        return
    first, second = (RecurrentNetwork(n_cells=3, initializer="tensorflow", random_state=0) for _ in range(2))
    for rn in (first, second):
        rn.init_weights(12, 1)
    np.testing.assert_allclose(first.w1h @ first.w1h.T, np.eye(3), atol=1e-6)  # TensorFlow's orthogonal
    np.testing.assert_array_equal(first.w1x, second.w1x)  # seeded from the model's generator: reproducible
    first.fit(x, y, epochs=1)
    # With TensorFlow hidden, the same call explains what is missing.
    monkeypatch.setitem(__import__("sys").modules, "tensorflow", None)
    with pytest.raises(ImportError, match="tensorflow-cpu"):
        RecurrentNetwork(n_cells=3, initializer="tensorflow", verbose=0).fit(x, y, epochs=1)


def test_numpy_initializers_have_the_right_distributions():
    rn = RecurrentNetwork(n_cells=64, random_state=0)
    rn.init_weights(100, 1)
    np.testing.assert_allclose(rn.w1h @ rn.w1h.T, np.eye(64), atol=1e-12)  # orthogonal
    limit = np.sqrt(6 / (100 + 64))
    assert np.abs(rn.w1x).max() <= limit and np.abs(rn.w1x).max() > 0.9 * limit  # Glorot uniform
    assert np.all(rn.b1 == 0) and np.all(rn.b2 == 0)


# -- bad input: a clear error naming the argument, and the model left as it was --------------------------------------
def snapshot(rn):
    return {name: getattr(rn, name).copy() for name in WEIGHTS}, list(rn.losses), list(rn.val_losses)


def assert_unchanged(rn, snap):
    for name, value in snap[0].items():
        np.testing.assert_array_equal(getattr(rn, name), value)
    assert rn.losses == snap[1] and rn.val_losses == snap[2]


@pytest.fixture
def fitted(tiny_text):
    x, y, x_val, y_val = tiny_text
    return RecurrentNetwork(n_cells=4, random_state=0, verbose=0).fit(x, y, 2, x_val, y_val), tiny_text


BAD_FIT_CALLS = [
    ("x must have 3 dimensions", lambda x, y: (x[0], y)),  # 2-D floats
    ("x must have 3 dimensions", lambda x, y: (x[..., None], y)),  # 4-D
    ("x has 90 samples but y has 89", lambda x, y: (x, y[:-1])),
    ("y must hold labels in", lambda x, y: (x, y + 1)),
    ("y must have shape", lambda x, y: (x, np.stack([y, y], axis=1))),
    ("x contains NaN", lambda x, y: (np.where(x == 1, np.nan, x), y)),
    ("x contains NaN or infinite", lambda x, y: (np.where(x == 1, np.inf, x), y)),
    ("x is empty", lambda x, y: (x[:0], y[:0])),
    ("x must hold token ids in", lambda x, y: (np.argmax(x, axis=2) - 1, y)),
    ("x must be a float", lambda x, y: (x.astype(str), y)),
    ("y must hold numeric", lambda x, y: (x, y.astype(str))),
]


@pytest.mark.parametrize("message, corrupt", BAD_FIT_CALLS, ids=[m for m, _ in BAD_FIT_CALLS])
def test_fit_rejects_bad_input_and_leaves_the_model_unchanged(fitted, message, corrupt):
    rn, (x, y, _, _) = fitted
    snap = snapshot(rn)
    bad_x, bad_y = corrupt(x, y)
    with pytest.raises((ValueError, TypeError), match=message):
        rn.fit(bad_x, bad_y, epochs=1)
    assert_unchanged(rn, snap)


def test_fit_rejects_bad_validation_data_and_epochs(fitted):
    rn, (x, y, x_val, y_val) = fitted
    snap = snapshot(rn)
    with pytest.raises(ValueError, match="x_val must have 12 features"):
        rn.fit(x, y, epochs=1, x_val=x_val[..., :5], y_val=y_val)
    with pytest.raises(ValueError, match="x_val and y_val must be given together"):
        rn.fit(x, y, epochs=1, x_val=x_val)
    for epochs in (0, -1):
        with pytest.raises(ValueError, match="epochs"):
            rn.fit(x, y, epochs=epochs)
    with pytest.raises(TypeError, match="epochs"):
        rn.fit(x, y, epochs=1.5)
    assert_unchanged(rn, snap)


def test_predict_and_score_check_the_fitted_feature_count(fitted):
    rn, (x, y, _, _) = fitted
    snap = snapshot(rn)
    with pytest.raises(ValueError, match="x must have 12 features"):
        rn.predict(x[..., :11])
    with pytest.raises(ValueError, match=r"x must hold token ids in \[0, 11\]"):
        rn.predict(np.full((2, 10), 12))
    with pytest.raises(ValueError, match="x has 90 samples but y has 3"):
        rn.score(x, y[:3])
    assert_unchanged(rn, snap)


@pytest.mark.parametrize("kwargs, name", [
    ({"n_cells": 0}, "n_cells"), ({"n_cells": -3}, "n_cells"), ({"n_cells": 2.5}, "n_cells"),
    ({"batch_size": 0}, "batch_size"), ({"learning_rate": 0}, "learning_rate"),
    ({"learning_rate": -0.1}, "learning_rate"), ({"learning_rate": float("nan")}, "learning_rate"),
    ({"bptt_steps": 0}, "bptt_steps"), ({"initializer": "he"}, "initializer"), ({"verbose": 5}, "verbose"),
])
def test_constructor_rejects_bad_hyperparameters(kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        RecurrentNetwork(**kwargs)


def test_predict_before_fit_is_a_clear_error():
    rn = RecurrentNetwork()
    for call in (rn.predict, rn.predict_proba):
        with pytest.raises(NotFittedError, match="fit"):
            call(np.zeros((2, 3, 4)))
    assert issubclass(NotFittedError, ValueError)


# -- the book's weights are plain attributes ----------------------------------------------------------------------
def test_the_weights_are_the_layers_arrays_updated_in_place(tiny_text):
    """``self.w1h -= lr * w1h_grad`` changes the array the layers compute with; no setter is involved."""
    x, y, x_val, _ = tiny_text
    rn = RecurrentNetwork(n_cells=4, random_state=0, verbose=0)
    rn.init_weights(12, 1)
    arrays = {name: getattr(rn, name) for name in WEIGHTS}
    assert "w1h" in vars(rn) and not isinstance(getattr(RecurrentNetwork, "w1h", None), property)
    rn.warm_start = True
    rn.fit(x, y, epochs=2)
    for name, array in arrays.items():
        assert getattr(rn, name) is array  # the same arrays, trained in place
    assert rn.w1h is rn._rnn.params["W_h"] and rn.b2 is rn._dense.params["b"]
    before = rn.predict_proba(x_val)
    rn.w2[...] = -rn.w2  # putting values into a weight changes what the model computes
    rn.b2[...] = -rn.b2
    np.testing.assert_allclose(rn.predict_proba(x_val), 1 - before, rtol=1e-12)
    rn.w1h = np.zeros((4, 4))  # a new array would be ignored by the layers: refused with a clear message
    with pytest.raises(ValueError, match=r"w1h was given a new array.*rn.w1h\[...\] = values"):
        rn.predict(x_val)
