"""Every layer's backward pass against central finite differences (float64), on random shapes and weights.

The quantity checked is a vector-Jacobian product: the layer's output is dotted with a fixed random array ``g``
(the "upstream gradient"), ``L = sum(output * g)``, and ``backward(g)`` must return dL/dinput and fill dL/dparams.
A random ``g`` checks every output element's gradient at once with its own weight, which ``sum(output)`` would not
(a bug that swapped two output columns would survive ``sum``).

With truncation (``bptt_steps = k`` shorter than the sequence) the layer claims the gradient of the loss in which the
state entering step T-k+1 is a constant. ``detached_vjp`` builds exactly that loss from forward passes alone: the
first T-k steps and the last k steps are run separately, the second starting from a state computed once, before any
nudging. Without truncation it is the ordinary loss.
"""
import numpy as np
import pytest
from helpers import randomize
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from numpy_rnn import (
    GRU,
    LSTM,
    RNN,
    Dense,
    Embedding,
    GRUCell,
    LayerNormSimpleRNN,
    LayerNormSimpleRNNCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    gradcheck,
    numerical_gradient,
)
from numpy_rnn.checks import NoForwardPassError
from numpy_rnn.layers.projection import project, project_backward

RECURRENT = [SimpleRNN, LSTM, GRU, LayerNormSimpleRNN]


def make_recurrent(cls, rng, units, features, **flags):
    layer = cls(units, input_dim=features, **flags)
    layer.build(features, rng)
    randomize(layer, rng)
    return layer


def twin_of(layer):
    """A layer with a cell of the same kind that shares ``layer``'s parameter arrays and returns everything it
    computes."""
    cell = type(layer.cell)(**layer.cell.get_config())  # the same kind of cell, with the same settings (epsilon)
    twin = RNN(cell, input_dim=layer.input_dim, return_sequences=True, return_state=True)
    twin.build(layer.input_dim)
    twin.params = layer.params
    return twin


def detached_vjp(layer, x, upstream, initial_state):
    """``f()`` computing ``sum(output * upstream)`` with the state k steps before the end held constant."""
    twin = twin_of(layer)
    T = x.shape[1]
    k = layer.bptt_steps
    cut = T - k if k is not None and k < T else 0
    constant_state = twin.forward(x[:, :cut], initial_state=initial_state)[1:] if cut else None

    def f():
        if cut:
            head_seq = twin.forward(x[:, :cut], initial_state=initial_state)[0]
            tail_seq, *final = twin.forward(x[:, cut:], initial_state=constant_state)
            seq = np.concatenate([head_seq, tail_seq], axis=1)
        else:
            seq, *final = twin.forward(x, initial_state=initial_state)
        outputs = [seq if layer.return_sequences else seq[:, -1]]
        if layer.return_state:
            outputs += final
        return sum(np.sum(o * g) for o, g in zip(outputs, upstream))

    return f


@settings(deadline=None)
@given(cls=st.sampled_from(RECURRENT), units=st.integers(1, 4), features=st.integers(1, 4),
       steps=st.integers(1, 7), batch=st.integers(1, 3), return_sequences=st.booleans(), return_state=st.booleans(),
       with_initial_state=st.booleans(), bptt_steps=st.one_of(st.none(), st.integers(1, 8)), ids=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_recurrent_layer_gradients(cls, units, features, steps, batch, return_sequences, return_state,
                                   with_initial_state, bptt_steps, ids, seed):
    rng = np.random.default_rng(seed)
    if cls is LayerNormSimpleRNN:
        # Layer norm removes two degrees of freedom (mean and variance). Over 2 units the normalized pair is
        # +-d / sqrt(d^2 + eps), almost exactly +-1 whatever the input, and over 3 it is a point on a circle: the
        # gradient through a few such steps can fall to 1e-7 of the loss, below what finite differences resolve to
        # 1e-7. With 4 or more units the check is well conditioned.
        units = max(units, 4)
    layer = make_recurrent(cls, rng, units, features, return_sequences=return_sequences,
                           return_state=return_state, bptt_steps=bptt_steps)
    x = rng.integers(0, features, size=(batch, steps)) if ids else rng.normal(size=(batch, steps, features))
    initial_state = ([rng.normal(size=(batch, units)) for _ in layer.state_names] if with_initial_state else None)

    out = layer.forward(x, initial_state=initial_state)
    outputs = out if return_state else [out]
    upstream = [rng.normal(size=o.shape) for o in outputs]
    dx = layer.backward(upstream if return_state else upstream[0])
    grads = {name: g.copy() for name, g in layer.grads.items()}
    initial_grads = layer.initial_state_grads

    f = detached_vjp(layer, x, upstream, initial_state)
    report = gradcheck(f, layer.params, grads)
    assert report.ok, report
    if not ids:
        assert gradcheck(f, {"x": x}, {"x": dx}).ok
    else:
        assert dx is None
    if with_initial_state and initial_grads is not None:
        # The gradient reaching the initial state is the one that vanishes first (through every step's tanh and
        # gates). Below ~1e-5 of the loss's scale, finite differences cannot confirm it to 1e-7; there the check is
        # that both sides agree it has vanished. Above, the full check.
        floor = 1e-5 * max(1.0, abs(f()))
        for name, s0, g0 in zip(layer.state_names, initial_state, initial_grads):
            if np.max(np.abs(g0)) < floor:
                assert np.max(np.abs(numerical_gradient(f, s0))) < 10 * floor, name
            else:
                assert gradcheck(f, {name: s0}, {name: g0}).ok, name
    # The initial state is cut off only when the loop stopped before step 0: truncation without return_sequences.
    cut_off = bptt_steps is not None and bptt_steps < steps and not return_sequences
    assert (initial_grads is None) == cut_off


@pytest.mark.parametrize("cls", RECURRENT)
def test_stateful_windows_carry_the_state_and_stop_the_gradient(cls):
    rng = np.random.default_rng(0)
    layer = make_recurrent(cls, rng, 3, 2, stateful=True, return_sequences=True)
    x = rng.normal(size=(2, 10, 2))
    # Two windows of 5 steps give the same outputs as one pass over 10 steps.
    whole = twin_of(layer).forward(x)[0]
    first, second = layer.forward(x[:, :5]), layer.forward(x[:, 5:])
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, rtol=1e-12)
    # The second window's gradient treats the carried state as a constant: exactly the detached loss.
    g = rng.normal(size=second.shape)
    layer.backward(g)
    twin = twin_of(layer)
    carried = twin.forward(x[:, :5])[1:]  # the state after the first window, computed once: a constant

    def f():
        return np.sum(twin.forward(x[:, 5:], initial_state=carried)[0] * g)

    assert gradcheck(f, layer.params, layer.grads).ok
    layer.reset_states()
    np.testing.assert_allclose(layer.forward(x[:, :5]), first, rtol=1e-12)


@pytest.mark.parametrize("cls", RECURRENT)
def test_a_stateful_layer_carries_its_own_copy_of_the_final_states(cls):
    # What forward returns belongs to the caller: changing it in place must not change the state carried over.
    rng = np.random.default_rng(8)
    layer = make_recurrent(cls, rng, 3, 2, stateful=True, return_state=True)
    x = rng.normal(size=(2, 6, 2))
    out, *final = layer.forward(x[:, :3])
    expected = twin_of(layer).forward(x[:, 3:], initial_state=[s.copy() for s in final])
    out[...] = 0.0  # e.g. a caller reusing the arrays as buffers
    for s in final:
        s[...] = 0.0
    for got, want in zip(layer.forward(x[:, 3:]), [expected[0][:, -1]] + expected[1:]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("bptt_steps", [None, 4])
@pytest.mark.parametrize("cls", [LSTM, GRU])  # the cells with backward factors
def test_backward_factors_in_blocks_of_steps_give_the_one_block_result(cls, bptt_steps):
    """The layer computes a gated cell's backward factors for a block of steps at a time, each block's arrays at
    most ``FACTOR_BLOCK_BYTES``. The tests' small shapes fit in one block, so here the blocks are made small: for
    the LSTM one step each (its (B, 4H) gates alone exceed 3 B H floats); for the GRU, whose cached arrays are
    (B, H), three steps, the last block shorter (7 steps: 3 + 3 + 1; 4 after a cut: 3 + 1)."""
    rng = np.random.default_rng(9)
    B, T, F, H = 2, 7, 3, 3
    x, g = rng.normal(size=(B, T, F)), rng.normal(size=(B, H))
    results = []
    for block_bytes in (RNN.FACTOR_BLOCK_BYTES, 3 * B * H * 8):
        layer = make_recurrent(cls, np.random.default_rng(10), H, F, bptt_steps=bptt_steps)
        layer.FACTOR_BLOCK_BYTES = block_bytes
        layer.forward(x)
        results.append((layer.backward(g), {name: grad.copy() for name, grad in layer.grads.items()}))
    (dx_one, grads_one), (dx_blocks, grads_blocks) = results
    np.testing.assert_allclose(dx_blocks, dx_one, rtol=1e-13, atol=1e-15)
    for name in grads_one:
        np.testing.assert_allclose(grads_blocks[name], grads_one[name], rtol=1e-13, atol=1e-15, err_msg=name)


@settings(deadline=None)
@given(units=st.integers(1, 4), features=st.integers(1, 5), lead=st.sampled_from([(3,), (2, 4)]),
       activation=st.sampled_from([None, "sigmoid", "tanh", "softmax", "relu"]), seed=st.integers(0, 2**32 - 1))
def test_dense_gradients_on_vectors_and_sequences(units, features, lead, activation, seed):
    rng = np.random.default_rng(seed)
    layer = Dense(units, activation=activation)
    layer.build(features, rng)
    randomize(layer, rng)
    x = rng.normal(size=lead + (features,))
    g = rng.normal(size=lead + (units,))
    layer.forward(x)
    if activation == "relu":  # no derivative at the kink: check only where no step can cross it
        assume(np.min(np.abs(layer.logits)) > 0.05)
    dx = layer.backward(g)
    f = lambda: np.sum(layer.forward(x) * g)  # noqa: E731
    assert gradcheck(f, layer.params, layer.grads).ok
    assert gradcheck(f, {"x": x}, {"x": dx}).ok


def test_embedding_gradient_accumulates_repeated_ids():
    rng = np.random.default_rng(1)
    layer = Embedding(6, 3)
    layer.build(6, rng)
    ids = np.array([[1, 1, 4], [0, 1, 5]])  # id 1 three times, ids 2 and 3 never
    g = rng.normal(size=(2, 3, 3))
    layer.forward(ids)
    assert layer.backward(g) is None
    assert gradcheck(lambda: np.sum(layer.forward(ids) * g), layer.params, layer.grads).ok
    np.testing.assert_allclose(layer.grads["W"][1], g[0, 0] + g[0, 1] + g[1, 1])
    assert not layer.grads["W"][[2, 3]].any()


# 3: each id repeats many times (grouped sums); 40: few repeats; 200: also, id * 5 columns no longer fits in uint8,
# so the flat index of the scatter-add must be computed in a wider type than the ids'.
@pytest.mark.parametrize("vocabulary", [3, 40, 200])
@pytest.mark.parametrize("id_dtype", [np.int64, np.uint8])
def test_the_token_id_gradient_equals_the_one_hot_product(vocabulary, id_dtype):
    # For ids, the weight gradient one_hot(ids)^T dY is computed as a scatter-add, by one of two methods depending
    # on how often the ids repeat (projection.py). Both must give the one-hot product itself.
    rng = np.random.default_rng(7)
    ids = rng.integers(0, vocabulary, size=(8, 12)).astype(id_dtype)  # 96 positions
    dY = rng.normal(size=(8, 12, 5))
    W = rng.normal(size=(vocabulary, 5))
    one_hot = np.eye(vocabulary)[ids]
    b = np.arange(5.0)
    for some in (ids, ids[:1, :2]):  # the bias is added to the table (more positions) or to the rows (fewer)
        np.testing.assert_allclose(project(some, W, b), np.eye(vocabulary)[some] @ W + b, rtol=1e-14)
    dW, dx = project_backward(ids, dY, W)
    assert dx is None
    np.testing.assert_allclose(dW, one_hot.reshape(-1, vocabulary).T @ dY.reshape(-1, 5), rtol=1e-12, atol=1e-14)


def test_token_ids_and_one_hot_agree_for_every_recurrent_layer():
    rng = np.random.default_rng(2)
    for cls in RECURRENT:
        layer = make_recurrent(cls, rng, 3, 5, return_sequences=True)
        ids = rng.integers(0, 5, size=(2, 6))
        g = rng.normal(size=(2, 6, 3))
        out_ids = layer.forward(ids)
        layer.backward(g)
        grads_ids = {k: v.copy() for k, v in layer.grads.items()}
        out_hot = layer.forward(np.eye(5)[ids])
        layer.backward(g)
        np.testing.assert_allclose(out_ids, out_hot, rtol=1e-12)
        for name in grads_ids:
            np.testing.assert_allclose(grads_ids[name], layer.grads[name], rtol=1e-10, atol=1e-14)


# -- each check fails on a deliberately broken backward --------------------------------------------------------------
# Each broken cell below makes one mistake a learner could make in a cell's backward step; run over time by the RNN
# layer, the finite-difference check must reject it.
class SimpleRNNCellWithoutTanhDerivative(SimpleRNNCell):
    def backward_factors(self, cache):
        (h_t,) = cache
        return (np.ones_like(h_t),)  # forgot tanh'(a) = 1 - h_t^2


class SimpleRNNCellWithTheBooksTranspose(SimpleRNNCell):
    def step_backward(self, dstates, cache, factors):
        da_t, _, _ = super().step_backward(dstates, cache, factors)
        return da_t, da_t, [da_t @ self.params["W_h"]]  # dh_{t-1} = da_t W_h: the transpose left out


class LSTMCellWithSwappedGates(LSTMCell):
    def step_backward(self, dstates, cache, factors):
        da, _, dstates_prev = super().step_backward(dstates, cache, factors)
        H = self.units
        da = np.concatenate([da[:, H:2 * H], da[:, :H], da[:, 2 * H:]], axis=1)  # i and f blocks swapped
        return da, da, dstates_prev


class GRUCellWithoutResetInRecurrentGradient(GRUCell):
    def step_backward(self, dstates, cache, factors):
        dX_t, _, dstates_prev = super().step_backward(dstates, cache, factors)
        return dX_t, dX_t, dstates_prev  # dR_n should be da_n * r, not da_n


class LayerNormCellWithoutMeanTerm(LayerNormSimpleRNNCell):
    def step_backward(self, dstates, cache, factors):
        a_hat, inv_std, h_t = cache
        dy = dstates[0] * (1 - h_t * h_t)
        self.grads["gamma"] += np.sum(dy * a_hat, axis=0)
        self.grads["beta"] += np.sum(dy, axis=0)
        da_t = inv_std * dy * self.params["gamma"]  # the mean and variance terms left out
        return da_t, da_t, [da_t @ self.params["W_h"].T]


@pytest.mark.parametrize("broken", [SimpleRNNCellWithoutTanhDerivative, SimpleRNNCellWithTheBooksTranspose,
                                    LSTMCellWithSwappedGates, GRUCellWithoutResetInRecurrentGradient,
                                    LayerNormCellWithoutMeanTerm])
def test_the_gradient_check_catches_a_broken_backward(broken):
    rng = np.random.default_rng(3)
    layer = RNN(broken(4), return_sequences=True, input_dim=2)
    layer.build(2, rng)
    randomize(layer, rng)
    x = rng.normal(size=(2, 4, 2))
    g = rng.normal(size=(2, 4, 4))
    layer.forward(x)
    layer.backward(g)
    report = gradcheck(detached_vjp(layer, x, [g], None), layer.params, layer.grads)
    assert not report.ok, report


# -- weights in Keras's layout ------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls, shapes", [
    (SimpleRNN, [(4, 3), (3, 3), (3,)]), (LSTM, [(4, 12), (3, 12), (12,)]), (GRU, [(4, 9), (3, 9), (2, 9)]),
    (LayerNormSimpleRNN, [(4, 3), (3, 3), (3,), (3,), (3,)])])
def test_get_and_set_weights_use_keras_shapes(cls, shapes):
    rng = np.random.default_rng(4)
    layer = make_recurrent(cls, rng, 3, 4)
    weights = layer.get_weights()
    assert [w.shape for w in weights] == shapes
    other = make_recurrent(cls, rng, 3, 4)
    other.set_weights(weights)
    x = rng.normal(size=(2, 5, 4))
    np.testing.assert_array_equal(layer.forward(x), other.forward(x))


def test_set_weights_rejects_wrong_shapes_and_changes_nothing():
    rng = np.random.default_rng(5)
    layer = make_recurrent(LSTM, rng, 3, 4)
    before = layer.get_weights()
    bad = [before[0], before[1], np.zeros(5)]
    with pytest.raises(ValueError, match="shape"):
        layer.set_weights(bad)
    with pytest.raises(ValueError, match="expects 3 arrays"):
        layer.set_weights(before[:2])
    for old, new in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_lstm_starts_with_the_forget_gate_open():
    layer = LSTM(2)
    layer.build(3, np.random.default_rng(0))
    np.testing.assert_array_equal(layer.params["b"], [0, 0, 1, 1, 0, 0, 0, 0])


# -- bad input ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", RECURRENT)
def test_recurrent_layers_reject_bad_input_and_keep_their_weights(cls):
    rng = np.random.default_rng(6)
    layer = make_recurrent(cls, rng, 3, 4)
    before = layer.get_weights()
    with pytest.raises(NoForwardPassError, match="backward called before forward"):
        layer.backward(np.zeros((2, 3)))
    for bad, error, message in [
        (rng.normal(size=(2, 4)), ValueError, "3 dimensions"),
        (rng.normal(size=(2, 5, 3)), ValueError, "4 features"),
        (np.full((2, 5, 4), np.nan), ValueError, "NaN"),
        (np.zeros((0, 5, 4)), ValueError, "empty"),
        (np.full((2, 5), 4), ValueError, r"x must hold token ids in \[0, 3\]"),
        (np.full((2, 5, 4), "a"), TypeError, "dtype"),
    ]:
        with pytest.raises(error, match=message):
            layer.forward(bad)
    with pytest.raises(ValueError, match="initial_state"):
        layer.forward(rng.normal(size=(2, 5, 4)), initial_state=[np.zeros((3, 3))] * len(layer.state_names))
    for old, new in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_layer_arguments_are_checked():
    for make, name in [(lambda: SimpleRNN(0), "units"), (lambda: LSTM(3, bptt_steps=0), "bptt_steps"),
                       (lambda: Dense(2, activation="swish"), "activation"), (lambda: Embedding(0, 3), "input_dim"),
                       (lambda: GRU(2.5), "units"), (lambda: SimpleRNN(2, dtype=np.int32), "dtype")]:
        with pytest.raises((ValueError, TypeError), match=name):
            make()
