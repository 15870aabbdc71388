"""Text generation (numpy_rnn/generation.py) and the language-model metric, perplexity.

What is proven here:

1. Stepping is the model. ``Stepper`` runs a model one token at a time with the cells' ``forward_step``, carrying the
   states by hand. Fed a sequence token by token, it must give at every step the distribution the model gives when
   it reads the whole sequence at once (``model.predict``), to rounding: for every cell, for token ids read by an
   Embedding or read directly as one-hot rows, for stacked layers with dropout between them, and for a model whose
   stateful layers carry states of their own (which stepping must neither use nor change).
2. Sampling draws from the right distribution: greedy (temperature 0) is the argmax, a temperature sharpens or
   flattens p as softmax(log p / tau), top_k never draws outside the k most likely, and the frequencies of many
   draws match the distribution. The same seed writes the same text.
3. Perplexity is exp of the mean cross-entropy per token, over a whole set, however it is cut into batches.
"""
import numpy as np
import pytest
from helpers import randomize

from numpy_rnn import (
    GRU,
    LSTM,
    SGD,
    Dense,
    Dropout,
    Embedding,
    LayerNormSimpleRNN,
    ResetStates,
    Sequential,
    SimpleRNN,
    Stepper,
    generate,
)
from numpy_rnn.generation import sample
from numpy_rnn.metrics import perplexity

V = 11  # vocabulary size of the small models here


def language_model(recurrent, embedding=True, layers=1, dropout=0.0, activation="softmax", stateful=False, seed=0,
                   batch_size=None):
    """A small language model with every weight random (biases too), so that no term of a step can hide."""
    stack = [Embedding(V, 5)] if embedding else []
    for i in range(layers):
        reads_ids = {} if embedding or i else {"input_dim": V}  # token ids read as one-hot rows of width V
        stack += [recurrent(6, return_sequences=True, stateful=stateful, **reads_ids)]
        if dropout:
            stack.append(Dropout(dropout))
    stack.append(Dense(V, activation=activation))
    model = Sequential(stack, random_state=seed)
    model.build((7,))
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        randomize(layer, rng)
    return model


RECURRENT = [SimpleRNN, LSTM, GRU, LayerNormSimpleRNN]


@pytest.mark.parametrize("recurrent", RECURRENT)
@pytest.mark.parametrize("embedding", [True, False], ids=["embedding", "one-hot ids"])
@pytest.mark.parametrize("layers, dropout", [(1, 0.0), (2, 0.5)])
def test_stepping_one_token_at_a_time_gives_the_whole_sequences_distributions(recurrent, embedding, layers, dropout):
    model = language_model(recurrent, embedding, layers, dropout)
    ids = np.random.default_rng(1).integers(0, V, size=(3, 7))
    whole = model.predict(ids)  # (3, 7, V): the distribution after each prefix, all steps at once
    stepper = Stepper(model, batch_size=3)
    for t in range(7):
        p = stepper.step(ids[:, t])
        np.testing.assert_allclose(p, whole[:, t], rtol=1e-10, atol=1e-13)
    stepper.reset()  # starting again from zero states gives the first step's distribution again
    np.testing.assert_allclose(stepper.step(ids[:, 0]), whole[:, 0], rtol=1e-10, atol=1e-13)


def test_stepping_logits_output_is_their_softmax():
    model = language_model(LSTM, activation=None)
    ids = np.random.default_rng(2).integers(0, V, size=(2, 7))
    z = model.predict(ids)
    stepper = Stepper(model, batch_size=2)
    for t in range(7):
        p = stepper.step(ids[:, t])
        expected = np.exp(z[:, t] - z[:, t].max(-1, keepdims=True))
        np.testing.assert_allclose(p, expected / expected.sum(-1, keepdims=True), rtol=1e-10)


def test_generation_leaves_a_stateful_models_carried_states_and_weights_alone():
    model = language_model(LSTM, stateful=True)
    ids = np.random.default_rng(3).integers(0, V, size=(4, 7))
    model.predict(ids, batch_size=4)  # now the stateful layer carries states for batches of 4
    carried = [s.copy() for s in model.layers[1].get_carried_states()]
    weights = [w.copy() for w in model.get_weights()] if hasattr(model, "get_weights") else \
        [p.copy() for layer in model.layers for p in layer.params.values()]
    written = generate(model, ids[0], 20, random_state=0)
    assert written.shape == (20,) and written.dtype.kind in "iu"
    for before, after in zip(carried, model.layers[1].get_carried_states()):
        np.testing.assert_array_equal(before, after)
    now = model.get_weights() if hasattr(model, "get_weights") else \
        [p for layer in model.layers for p in layer.params.values()]
    for before, after in zip(weights, now):
        np.testing.assert_array_equal(before, after)
    # and stepping from zero states ignores what the layer carries: the first step is the model's from zero states
    model.reset_states()
    np.testing.assert_allclose(Stepper(model).step(ids[:1, 0]), model.predict(ids[:1, :1], batch_size=1)[:, 0],
                               rtol=1e-10)


def test_greedy_generation_follows_the_argmax_of_the_model_run_on_its_own_output():
    model = language_model(GRU)
    prompt = np.array([3, 1, 4])
    written = generate(model, prompt, 8, temperature=0)
    text = list(prompt)
    for token in written:  # the whole-sequence model, run on the prompt and what was written so far
        assert token == np.argmax(model.predict(np.array([text]))[0, -1])
        text.append(token)


def test_the_same_seed_writes_the_same_text_and_another_seed_another():
    model = language_model(LSTM)
    a = generate(model, [1, 2], 30, random_state=5)
    b = generate(model, [1, 2], 30, random_state=5)
    c = generate(model, [1, 2], 30, random_state=6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # texts side by side: a 2-D prompt writes one continuation per row
    assert generate(model, [[1, 2], [3, 4]], 5, random_state=0).shape == (2, 5)


def test_sampling_frequencies_match_the_tempered_distribution():
    p = np.array([0.5, 0.25, 0.125, 0.0625, 0.0625])
    log_p = np.log(np.tile(p, (40000, 1)))
    rng = np.random.default_rng(0)
    for tau in (1.0, 0.5, 2.0):
        q = p ** (1 / tau) / np.sum(p ** (1 / tau))
        counts = np.bincount(sample(log_p, tau, None, rng), minlength=5) / len(log_p)
        # 40,000 draws: each frequency within 4 standard deviations of its probability
        np.testing.assert_array_less(np.abs(counts - q), 4 * np.sqrt(q * (1 - q) / len(log_p)) + 1e-12)
    # top_k=2 keeps the two most likely, renormalised: 2/3 and 1/3
    counts = np.bincount(sample(log_p, 1.0, 2, rng), minlength=5) / len(log_p)
    assert counts[2:].sum() == 0
    np.testing.assert_allclose(counts[:2], [2 / 3, 1 / 3], atol=0.01)
    # greedy: always the most likely
    assert np.all(sample(log_p[:10], 0.0, None, rng) == 0)


def test_top_k_of_one_is_greedy():
    model = language_model(SimpleRNN)
    np.testing.assert_array_equal(generate(model, [5], 12, top_k=1, random_state=0),
                                  generate(model, [5], 12, temperature=0))


def test_bad_arguments_are_refused_with_their_names():
    model = language_model(LSTM)
    with pytest.raises(ValueError, match="length"):
        generate(model, [1], -1)
    with pytest.raises(ValueError, match="temperature"):
        generate(model, [1], 3, temperature=-0.5)
    with pytest.raises(ValueError, match="top_k"):
        generate(model, [1], 3, top_k=V + 1)
    with pytest.raises(ValueError, match="prompt"):
        generate(model, np.array([], dtype=int), 3)
    with pytest.raises(ValueError, match="prompt"):
        generate(model, [V], 3)  # an id outside the vocabulary
    with pytest.raises(TypeError, match="prompt"):
        generate(model, "abc", 3)  # text needs its vocabulary
    backwards = Sequential([Embedding(V, 4), LSTM(3, return_sequences=True, go_backwards=True),
                            Dense(V, activation="softmax")], random_state=0)
    backwards.build((5,))
    with pytest.raises(TypeError, match="one token at a time"):
        generate(backwards, [1], 3)
    sigmoid = Sequential([Embedding(V, 4), LSTM(3, return_sequences=True), Dense(V, activation="sigmoid")])
    sigmoid.build((5,))
    with pytest.raises(TypeError, match="softmax"):
        Stepper(sigmoid)


class Letters:
    """A vocabulary of the letters a..k, as data.CharVocab gives one (encode / decode)."""

    def encode(self, text):
        return np.array([ord(c) - ord("a") for c in text])

    def decode(self, ids):
        return "".join(chr(ord("a") + int(i)) for i in np.ravel(ids))


def test_a_vocabulary_turns_text_prompts_and_outputs_into_text():
    model = language_model(LSTM)
    text = generate(model, "abc", 6, temperature=0, vocab=Letters())
    assert isinstance(text, str) and len(text) == 6
    assert text == Letters().decode(generate(model, [0, 1, 2], 6, temperature=0))


# -- perplexity -------------------------------------------------------------------------------------------------------
def test_perplexity_is_exp_of_the_mean_cross_entropy_per_token():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(V), size=(4, 5))
    y = rng.integers(0, V, size=(4, 5))
    cross_entropy = -np.mean(np.log(np.take_along_axis(p, y[..., None], -1)))
    assert perplexity(y, p) == pytest.approx(np.exp(cross_entropy), rel=1e-12)
    # a uniform guess among V tokens has perplexity V
    assert perplexity(y, np.full((4, 5, V), 1 / V)) == pytest.approx(V, rel=1e-12)


@pytest.mark.parametrize("batch_size", [4, 5, 12])  # 5: a smaller last batch
def test_evaluated_perplexity_is_the_whole_sets_however_it_is_batched(batch_size):
    model = language_model(GRU)
    model.compile(SGD(0.1), "sparse_categorical_crossentropy", metrics=["perplexity"])
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, V, size=(12, 7)), rng.integers(0, V, size=(12, 7))
    loss, ppl = model.evaluate(x, y, batch_size=batch_size)
    p = model.predict(x)
    expected = np.exp(-np.mean(np.log(np.take_along_axis(p, y[..., None], -1))))
    assert ppl == pytest.approx(expected, rel=1e-10)
    assert ppl == pytest.approx(np.exp(loss), rel=1e-10)  # the loss is the mean cross-entropy itself


def test_an_epochs_training_perplexity_is_exp_of_its_mean_loss_not_the_mean_of_batch_perplexities():
    model = language_model(LSTM)
    model.compile(SGD(0.5), "sparse_categorical_crossentropy", metrics=["perplexity"])
    rng = np.random.default_rng(2)
    x, y = rng.integers(0, V, size=(12, 7)), rng.integers(0, V, size=(12, 7))
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
    for loss, ppl in zip(history.history["loss"], history.history["perplexity"]):
        assert ppl == pytest.approx(np.exp(loss), rel=1e-10)


def test_perplexity_needs_a_distribution_over_classes():
    model = Sequential([Embedding(V, 4), LSTM(3), Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", metrics=["perplexity"])
    with pytest.raises(ValueError, match="perplexity needs probabilities over classes"):
        model.fit(np.zeros((4, 5), dtype=int), np.zeros(4), verbose=0)


def test_stateful_validation_starts_from_zero_states_and_training_carries_on():
    """fit's validation reads its own streams: from zero states, leaving the training streams' states as they were.
    ResetStates starts every epoch's streams from zero states."""
    rng = np.random.default_rng(3)
    x, y = rng.integers(0, V, size=(8, 7)), rng.integers(0, V, size=(8, 7))
    x_val, y_val = rng.integers(0, V, size=(4, 7)), rng.integers(0, V, size=(4, 7))
    model = language_model(LSTM, stateful=True)
    model.compile(SGD(1e-300), "sparse_categorical_crossentropy", metrics=["perplexity"])  # no update survives rounding
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0, validation_data=(x_val, y_val))
    carried = [s.copy() for s in model.layers[1].get_carried_states()]
    # the training states are those after the two training batches, not after validation
    reference = language_model(LSTM, stateful=True)
    reference.predict(x, batch_size=4)
    for a, b in zip(carried, reference.layers[1].get_carried_states()):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    # validation started from zero states
    fresh = language_model(LSTM, stateful=True)
    fresh.compile(SGD(1e-300), "sparse_categorical_crossentropy", metrics=["perplexity"])
    assert history.history["val_loss"][0] == pytest.approx(fresh.evaluate(x_val, y_val, batch_size=4)[0], rel=1e-12)
    # without ResetStates the second epoch starts from the first one's states; with it, from zeros
    carried_on = model.fit(x, y, batch_size=4, epochs=1, verbose=0).history["loss"][-1]
    assert carried_on != pytest.approx(history.history["loss"][0], rel=1e-6)
    again = model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[ResetStates()])
    assert again.history["loss"][-1] == pytest.approx(history.history["loss"][0], rel=1e-12)
