"""The layer contract a model relies on: forward's training flag and mask, what a layer declares, carried states.

A model asks its layers what they take and give instead of testing their classes; these tests pin the answers, and
show that the model hands ``training`` and the masks down the stack.
"""
import ast
import inspect
import os

import numpy as np
import pytest

from numpy_rnn import GRU, LSTM, Dense, Embedding, LayerNormSimpleRNN, Sequential, SimpleRNN
from numpy_rnn.layers import Layer

RECURRENT = [SimpleRNN, LSTM, GRU, LayerNormSimpleRNN]
ALL = [lambda: Dense(2), lambda: Embedding(5, 2)] + [lambda cls=cls: cls(2) for cls in RECURRENT]


@pytest.mark.parametrize("make", ALL)
def test_every_layer_takes_training_and_mask_and_has_a_no_op_reset(make):
    layer = make()
    parameters = inspect.signature(layer.forward).parameters
    assert parameters["training"].default is False and parameters["mask"].default is None
    if layer.needs_sequences:
        assert list(parameters)[:2] == ["x", "initial_state"]
    x = np.array([[1, 2, 3]]) if layer.reads_token_ids_only else np.ones((1, 3, 5))
    out = layer.forward(x)
    np.testing.assert_array_equal(layer.forward(x, training=True, mask=None), out)  # nothing differs yet
    layer.reset_states()  # every layer has one; stateless layers carry nothing to forget
    assert layer.get_carried_states() == []


def test_what_layers_declare():
    assert Embedding(5, 2).reads_token_ids_only and not Dense(2).reads_token_ids_only
    assert all(cls(2).needs_sequences for cls in RECURRENT) and not Dense(2).needs_sequences
    for kind in (None, "sequence", "vector"):
        assert Dense(2).output_kind(kind) == kind
        assert Embedding(5, 2).output_kind(kind) == "sequence"
        assert SimpleRNN(2).output_kind(kind) == "vector"
        assert LSTM(2, return_sequences=True).output_kind(kind) == "sequence"
    assert Dense(2, input_shape=(4, 3)).declared_input_shape() == (4, 3)
    assert Embedding(5, 2, input_length=7).declared_input_shape() == (7,)
    assert SimpleRNN(2).declared_input_shape() is None
    assert LSTM(2, return_state=True).return_state and GRU(2, stateful=True).stateful
    assert not Dense(2).return_state and not Dense(2).stateful


def test_masks_pass_on_until_the_steps_are_reduced():
    mask = np.ones((2, 3), dtype=bool)
    assert Dense(2).compute_mask(mask) is mask and Embedding(5, 2).compute_mask(mask) is mask
    assert GRU(2, return_sequences=True).compute_mask(mask) is mask
    assert GRU(2).compute_mask(mask) is None
    assert Dense(2).compute_mask(None) is None


class Spy(Dense):
    """A Dense that records what forward was given."""

    calls = []

    def forward(self, x, training=False, mask=None):
        Spy.calls.append((self.name, training, mask))
        return super().forward(x, training=training, mask=mask)


def test_the_model_passes_training_and_masks_down_the_stack():
    x = np.random.default_rng(0).normal(size=(6, 4, 3))
    model = Sequential([Spy(3, name="first", input_shape=(4, 3)), SimpleRNN(2, return_sequences=True),
                        Spy(2, name="steps"), LSTM(2), Spy(1, name="last")], random_state=0)
    model.compile("sgd", "mse")
    Spy.calls.clear()
    model.fit(x, np.zeros(6), epochs=1, batch_size=6, verbose=0)
    assert Spy.calls == [("first", True, None), ("steps", True, None), ("last", True, None)]
    for run in (lambda: model.predict(x), lambda: model.evaluate(x, np.zeros(6))):
        Spy.calls.clear()
        run()
        assert [training for _, training, _ in Spy.calls] == [False, False, False]
    mask = np.ones((6, 4), dtype=bool)
    Spy.calls.clear()
    model.forward(x, mask=mask)
    # the mask reaches every layer until the LSTM reduces the steps to one vector
    assert [m is mask for _, _, m in Spy.calls[:2]] == [True, True] and Spy.calls[2][2] is None


def test_stateful_layers_give_and_take_their_carried_states():
    layer = LSTM(3, stateful=True)
    layer.forward(np.ones((2, 4, 5)))
    h, c = layer.get_carried_states()
    other = LSTM(3, stateful=True)
    other.build(5)
    other.set_carried_states([h, c])
    np.testing.assert_array_equal(other.states[1], c)
    for bad, message in [([h], "carries 2 state"), ([h, c[:1]], "same batch"), ([h, np.full_like(c, np.nan)], "finite"),
                         ([h[:, :2], c[:, :2]], r"shape \(batch, 3\)")]:
        with pytest.raises(ValueError, match=message):
            other.set_carried_states(bad)
        np.testing.assert_array_equal(other.states[1], c)  # unchanged
    with pytest.raises(ValueError, match="not stateful"):
        LSTM(3).set_carried_states([h, c])
    with pytest.raises(ValueError, match="carries no state"):
        Dense(2).set_carried_states([h])
    layer.reset_states()
    assert layer.get_carried_states() == []


def test_the_model_names_no_concrete_layer_class():
    """model.py composes layers through the contract: it imports no concrete layer class."""
    path = os.path.join(os.path.dirname(__file__), os.pardir, "numpy_rnn", "model.py")
    tree = ast.parse(open(path, encoding="utf-8").read())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
    concrete = {cls.__name__ for cls in (Dense, Embedding, *RECURRENT)} | {"Recurrent"}
    assert not imported & concrete, imported & concrete
    assert Layer in Sequential.add.__globals__.values()  # the base class is what it checks against
