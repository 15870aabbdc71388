"""The cells on their own: one step checked against finite differences, and a cell stepped by hand reproducing its layer.

A cell is the math of one time step (numpy_rnn/cells/). Two things are proven here:

1. ``backward_step`` is the derivative of ``forward_step``. For one step, the loss is
       L = sum(h_t * g_h) (+ sum(c_t * g_c) for the LSTM)
   with random upstream gradients g; finite differences of L (forward steps only) must match the gradients of the
   parameters, of the input x_t and of every previous state.
2. The RNN layer runs exactly this math. Stepping the cell by hand over a sequence, then back through it, must give
   the layer's outputs, final states, parameter gradients and input gradient, to rounding.
"""
import numpy as np
import pytest
from helpers import randomize

from numpy_rnn import (
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LayerNormSimpleRNN,
    LayerNormSimpleRNNCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    gradcheck,
)

CELLS = [SimpleRNNCell, LSTMCell, GRUCell, LayerNormSimpleRNNCell]


def make_cell(cls, rng, units=4, features=3):
    cell = cls(units)
    cell.build(features, rng)
    randomize(cell, rng)  # every weight random, biases included
    return cell


@pytest.mark.parametrize("cls", CELLS)
@pytest.mark.parametrize("ids", [False, True])
def test_one_step_of_a_cell_against_finite_differences(cls, ids):
    rng = np.random.default_rng(11)
    B, F, H = 3, 3, 4
    cell = make_cell(cls, rng, H, F)
    x_t = rng.integers(0, F, size=B) if ids else rng.normal(size=(B, F))
    states = [rng.normal(size=(B, H)) for _ in cell.state_names]
    upstream = [rng.normal(size=(B, H)) for _ in cell.state_names]

    new_states, cache = cell.forward_step(x_t, states)
    cell.zero_grads()
    dx_t, dstates_prev = cell.backward_step(upstream, cache)

    def loss():
        return sum(np.sum(s * g) for s, g in zip(cell.forward_step(x_t, states)[0], upstream))

    report = gradcheck(loss, cell.params, cell.grads)
    assert report.ok, report
    if ids:
        assert dx_t is None
    else:
        assert gradcheck(loss, {"x_t": x_t}, {"x_t": dx_t}).ok
    for name, s, d in zip(cell.state_names, states, dstates_prev):
        assert gradcheck(loss, {name: s}, {name: d}).ok, name


@pytest.mark.parametrize("cls", CELLS)
@pytest.mark.parametrize("ids", [False, True])
def test_a_cell_stepped_by_hand_reproduces_its_layer(cls, ids):
    rng = np.random.default_rng(12)
    B, T, F, H = 2, 5, 3, 4
    layer = RNN(cls(H), return_sequences=True, return_state=True, input_dim=F)
    layer.build(F, rng)
    randomize(layer, rng)
    x = rng.integers(0, F, size=(B, T)) if ids else rng.normal(size=(B, T, F))
    initial = [rng.normal(size=(B, H)) for _ in layer.state_names]
    dseq = rng.normal(size=(B, T, H))
    dfinal = [rng.normal(size=(B, H)) for _ in layer.state_names]

    seq, *final = layer.forward(x, initial_state=initial)
    dx = layer.backward([dseq] + dfinal)

    # The same cell object, stepped by hand: forward over the steps ...
    cell = layer.cell
    states, caches, outputs = initial, [], []
    for t in range(T):
        states, cache = cell.forward_step(x[:, t], states)
        caches.append(cache)
        outputs.append(states[0])
    np.testing.assert_allclose(np.stack(outputs, axis=1), seq, rtol=1e-13, atol=1e-15)
    for ours, theirs in zip(states, final):
        np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)

    # ... and back: the gradient reaching h_t is the output's plus the one from step t + 1.
    layer_grads = {name: g.copy() for name, g in layer.grads.items()}
    cell.zero_grads()
    dstates, dx_steps = dfinal, [None] * T
    for t in reversed(range(T)):
        dstates = [dstates[0] + dseq[:, t]] + list(dstates[1:])
        dx_steps[t], dstates = cell.backward_step(dstates, caches[t])
    for name in layer_grads:
        np.testing.assert_allclose(cell.grads[name], layer_grads[name], rtol=1e-11, atol=1e-13, err_msg=name)
    for ours, theirs in zip(dstates, layer.initial_state_grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-11, atol=1e-13)
    if ids:
        assert dx is None and all(d is None for d in dx_steps)
    else:
        np.testing.assert_allclose(np.stack(dx_steps, axis=1), dx, rtol=1e-11, atol=1e-13)


def test_the_layer_norm_step_computes_its_equations():
    """PyTorch has no layer-normalized RNN to compare with, so the forward step is checked against the equations of
    its docstring, written out here with Keras's epsilon as a number. (The finite-difference check above proves the
    backward step is the derivative of whatever the forward step computes, not that the forward step is right.)

    Every weight random, gamma around 1 and beta non-zero, a non-zero previous state, and the default epsilon: a cell
    used on its own or in RNN(cell) relies on the cell's default, not the LayerNormSimpleRNN layer's."""
    rng = np.random.default_rng(14)
    B, F, H = 3, 3, 5
    cell = make_cell(LayerNormSimpleRNNCell, rng, H, F)
    x_t, h_prev = rng.normal(size=(B, F)), rng.normal(size=(B, H))
    p = cell.params
    a = x_t @ p["W_x"] + p["b"] + h_prev @ p["W_h"]
    a_hat = (a - a.mean(axis=1, keepdims=True)) / np.sqrt(a.var(axis=1, keepdims=True) + 1e-3)
    expected = np.tanh(p["gamma"] * a_hat + p["beta"])
    (h_t,), _ = cell.forward_step(x_t, [h_prev])
    # an epsilon of 1e-5 instead of 1e-3 changes these outputs by up to 2e-3, far above rtol 1e-12
    np.testing.assert_allclose(h_t, expected, rtol=1e-12, atol=1e-14)
    assert cell.epsilon == 1e-3


def test_a_broken_cell_step_is_caught_on_its_own():
    # The one-step check is strong enough by itself: here the forget gate's derivative uses c_t instead of c_{t-1}.
    class LSTMCellWithWrongForgetGradient(LSTMCell):
        def backward_factors(self, cache):
            gates, g, c_prev, tanh_c = cache
            return super().backward_factors((gates, g, np.arctanh(tanh_c), tanh_c))

    rng = np.random.default_rng(13)
    cell = make_cell(LSTMCellWithWrongForgetGradient, rng)
    x_t, states = rng.normal(size=(3, 3)), [rng.normal(size=(3, 4)) for _ in range(2)]
    upstream = [rng.normal(size=(3, 4)) for _ in range(2)]
    new_states, cache = cell.forward_step(x_t, states)
    cell.zero_grads()
    cell.backward_step(upstream, cache)
    report = gradcheck(lambda: sum(np.sum(s * g) for s, g in zip(cell.forward_step(x_t, states)[0], upstream)),
                       cell.params, cell.grads)
    assert not report.ok, report


def test_a_cell_is_not_a_sequence_layer_and_rnn_wants_a_cell():
    with pytest.raises(TypeError, match="wrap it in a layer"):
        LSTMCell(3).forward(np.zeros((2, 4, 3)))
    with pytest.raises(TypeError, match="cell must be a recurrent cell"):
        RNN("lstm")
    with pytest.raises(ValueError, match="units"):
        GRUCell(0)


def test_rnn_of_a_cell_saves_its_cell_and_rebuilds_it():
    layer = RNN(LayerNormSimpleRNNCell(3, epsilon=0.01), return_sequences=True)
    config = layer.get_config()
    assert config["cell"] == {"class": "LayerNormSimpleRNNCell",
                              "config": {"units": 3, "dropout": 0.0, "recurrent_dropout": 0.0, "dtype": "float64",
                                         "initializer": "numpy", "epsilon": 0.01}}
    rebuilt = RNN(**config)
    assert isinstance(rebuilt.cell, LayerNormSimpleRNNCell) and rebuilt.cell.epsilon == 0.01
    assert rebuilt.return_sequences


def test_a_cell_built_on_its_own_keeps_its_weights_in_a_layer():
    rng = np.random.default_rng(14)
    cell = make_cell(LSTMCell, rng, units=4, features=3)
    weights = cell.get_weights()
    x = rng.normal(size=(2, 5, 3))
    states = [np.zeros((2, 4)), np.zeros((2, 4))]
    for t in range(5):
        states, _ = cell.forward_step(x[:, t], states)
    layer = RNN(cell)
    np.testing.assert_allclose(layer.forward(x), states[0], rtol=1e-13)
    for before, after in zip(weights, layer.get_weights()):
        np.testing.assert_array_equal(before, after)
    with pytest.raises(ValueError, match="built for 3 input features"):
        RNN(cell).forward(rng.normal(size=(2, 5, 6)))


def test_rnn_of_a_cell_in_a_model_saves_loads_and_resumes_exactly(tmp_path):
    from numpy_rnn import Dense, Sequential

    rng = np.random.default_rng(15)
    x = rng.normal(size=(64, 6, 2))
    y = x.sum(axis=(1, 2))
    model = Sequential([RNN(GRUCell(4), return_sequences=True, input_shape=(6, 2)),
                        RNN(LayerNormSimpleRNNCell(3, epsilon=0.01)), Dense(1)], random_state=1)
    model.compile("adam", "mse")
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "model.npz")
    loaded = Sequential.load(tmp_path / "model.npz")
    assert isinstance(loaded.layers[1].cell, LayerNormSimpleRNNCell) and loaded.layers[1].cell.epsilon == 0.01
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    model.fit(x, y, epochs=1, verbose=0)
    loaded.fit(x, y, epochs=1, verbose=0)
    for ours, theirs in zip(model.layers, loaded.layers):
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("layer_class, cell_class", [(SimpleRNN, SimpleRNNCell), (LSTM, LSTMCell), (GRU, GRUCell),
                                                     (LayerNormSimpleRNN, LayerNormSimpleRNNCell)])
def test_a_named_layer_s_help_lists_its_arguments_and_shows_its_cell_s_equations(layer_class, cell_class):
    import inspect
    import sys

    doc = layer_class.__doc__
    for argument in ("units", "return_sequences=False", "return_state=False", "stateful=False", "bptt_steps=None",
                     "dropout=0.0", "recurrent_dropout=0.0", "Raises ValueError"):
        assert argument in doc, argument
    assert sys.modules[cell_class.__module__].__doc__ in doc  # the equations, from their one home
    own = {SimpleRNN: ["activation"], LayerNormSimpleRNN: ["epsilon"]}.get(layer_class, [])
    assert list(inspect.signature(layer_class).parameters)[:6] == (
        ["units"] + own + ["dropout", "recurrent_dropout", "return_sequences", "return_state", "stateful"])[:6]
