"""Decoding (numpy_rnn/decoding.py): teacher forcing, greedy decoding, beam search, and the exact-match metric.

What is proven here:

1. Stepping is the decoder. ``decoder_step(layers)`` (``Stepper(layers).advance``) started from given states gives, at
   every step, the log-probabilities of the decoder layers run on the whole sequence from the same initial states,
   and teacher forcing's input and target are the answer shifted by one.
2. Greedy decoding is the decoder run on its own previous outputs: the whole-sequence forward of the layers fed
   greedy's ids shifted right (start symbol first) has greedy's ids as its argmaxes, and their log-probabilities sum
   to greedy's score at every prefix, to 1e-10.
3. Beam search is what it claims: with beam_width=1 it is greedy decoding; with a beam as wide as every partial answer
   (V^(length-1)) its beams are exactly the most likely answers of a brute-force enumeration of all V^length,
   in order, with their summed log-probabilities as scores, for several samples side by side with different states
   (so a beam that took another sample's or another beam's states is caught), with and without an end symbol; at the
   default width 3 it finds the best answer on pinned seeds, and its scores are the answers' log-probabilities.
   A hand-written step (DLFS2's peeky decoder, whose extra input rides along among the states) passes the same checks.
4. Bad arguments are refused with their names.
5. End to end: an encoder-decoder trained with teacher forcing decodes held-out questions, greedily and by beam search.
"""
import itertools

import numpy as np
import pytest
from helpers import randomize

from numpy_rnn import (
    GRU,
    LSTM,
    Dense,
    Embedding,
    SimpleRNN,
    Stepper,
    beam_search,
    decoder_step,
    greedy_decode,
)
from numpy_rnn.decoding import teacher_forcing
from numpy_rnn.generation import log_softmax
from numpy_rnn.metrics import exact_match

D, H = 3, 5  # embedding width, recurrent units


def decoder(V, seed, recurrent=LSTM, activation=None):
    """Embedding(V, D) -> recurrent(H) -> Dense(V), every weight random (biases too), built as layers on their own."""
    rng = np.random.default_rng(seed)
    layers = [Embedding(V, D), recurrent(H, return_sequences=True), Dense(V, activation=activation)]
    for layer, input_dim in zip(layers, (V, D, H)):
        layer.build(input_dim, rng)
        randomize(layer, rng)
    return layers


def initial_states(layers, B, seed):
    """Random states for the recurrent layer, as an encoder would hand over: different for every sample."""
    rng = np.random.default_rng(seed + 100)
    return [rng.normal(0, 0.8, size=(B, H)) for _ in layers[1].state_names]


def whole_sequence_log_p(layers, inputs, states):
    """The decoder layers run forward on every step of ``inputs`` (B, T) at once from ``states``: log p (B, T, V)."""
    embedding, recurrent, dense = layers
    out = dense.forward(recurrent.forward(embedding.forward(inputs), initial_state=states))
    return np.log(out) if dense.activation == "softmax" else log_softmax(out)


def whole_of(layers):
    """``whole_sequence_log_p`` of these layers, as a function of the inputs and states."""
    return lambda inputs, states: whole_sequence_log_p(layers, inputs, states)


def shifted_right(start_ids, ids):
    """What the decoder read to write ``ids``: the start symbol, then every written token but the last."""
    return np.concatenate([start_ids[:, None], ids[:, :-1]], axis=1)


# -- 1. stepping and teacher forcing ------------------------------------------------------------------------------------
@pytest.mark.parametrize("recurrent", [SimpleRNN, LSTM, GRU])
def test_stepping_from_given_states_gives_the_whole_sequences_log_probabilities(recurrent):
    V, B, T = 7, 3, 6
    layers = decoder(V, 0, recurrent)
    states = initial_states(layers, B, 0)
    answers = np.random.default_rng(1).integers(0, V, size=(B, T + 1))
    decoder_input, _ = teacher_forcing(answers)
    whole = whole_sequence_log_p(layers, decoder_input, states)
    step, carried = decoder_step(layers), states
    for t in range(T):
        log_p, carried = step(decoder_input[:, t], carried)
        np.testing.assert_allclose(log_p, whole[:, t], rtol=0, atol=1e-12)
    # the Stepper itself, started from the same states, carries them on as step does
    stepper = Stepper(layers)
    stepper.reset(states)
    assert stepper.batch_size == B
    np.testing.assert_allclose(stepper.log_probabilities(decoder_input[:, 0]), whole[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(stepper.log_probabilities(decoder_input[:, 1]), whole[:, 1], rtol=0, atol=1e-12)
    # advance keeps nothing: the states handed in are unchanged
    for before, after in zip(initial_states(layers, B, 0), states):
        np.testing.assert_array_equal(before, after)


def test_stacked_recurrent_layers_step_from_their_own_states():
    """Each recurrent layer takes its own slice of the states list, in order: [h, c] of the LSTM, then h of the GRU."""
    V, B, T = 5, 2, 4
    rng = np.random.default_rng(4)
    layers = [Embedding(V, D), LSTM(H, return_sequences=True), GRU(4, return_sequences=True), Dense(V)]
    for layer, input_dim in zip(layers, (V, D, H, 4)):
        layer.build(input_dim, rng)
        randomize(layer, rng)
    h1, c1, h2 = rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.normal(size=(B, 4))
    ids = rng.integers(0, V, size=(B, T))
    x = layers[2].forward(layers[1].forward(layers[0].forward(ids), initial_state=[h1, c1]), initial_state=[h2])
    whole = log_softmax(layers[3].forward(x))
    step, states = decoder_step(layers), [h1, c1, h2]
    for t in range(T):
        log_p, states = step(ids[:, t], states)
        np.testing.assert_allclose(log_p, whole[:, t], rtol=0, atol=1e-12)
    assert [s.shape for s in states] == [(B, H), (B, H), (B, 4)]


def test_teacher_forcing_reads_the_answer_and_predicts_it_shifted_by_one():
    answers = np.array([[9, 1, 2, 3], [9, 4, 5, 6]])  # 9: the start symbol
    decoder_input, target = teacher_forcing(answers)
    np.testing.assert_array_equal(decoder_input, [[9, 1, 2], [9, 4, 5]])
    np.testing.assert_array_equal(target, [[1, 2, 3], [4, 5, 6]])
    with pytest.raises(ValueError, match="answers"):
        teacher_forcing(answers[:, :1])
    with pytest.raises(TypeError, match="answers"):
        teacher_forcing(answers.astype(float))


# -- 2. greedy decoding ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("recurrent", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("activation", [None, "softmax"], ids=["logits", "softmax"])
def test_greedy_decoding_is_the_decoder_run_on_its_own_previous_outputs(recurrent, activation):
    V, B, length = 6, 4, 7
    layers = decoder(V, 2, recurrent, activation)
    states = initial_states(layers, B, 2)
    start_ids = np.array([0, 5, 2, 5])
    ids, scores = greedy_decode(decoder_step(layers), states, start_ids, length)
    assert ids.shape == (B, length) and scores.shape == (B,)
    log_p = whole_sequence_log_p(layers, shifted_right(start_ids, ids), states)
    np.testing.assert_array_equal(np.argmax(log_p, axis=-1), ids)
    chosen = np.take_along_axis(log_p, ids[..., None], axis=-1)[..., 0]
    np.testing.assert_allclose(scores, chosen.sum(axis=1), rtol=0, atol=1e-10)
    for t in range(1, length):  # step by step: the first t tokens and their log-probabilities
        prefix, prefix_scores = greedy_decode(decoder_step(layers), states, start_ids, t)
        np.testing.assert_array_equal(prefix, ids[:, :t])
        np.testing.assert_allclose(prefix_scores, chosen[:, :t].sum(axis=1), rtol=0, atol=1e-10)


@pytest.mark.parametrize("bias, ended", [(0.25, 5), (0.3, 6)])
def test_greedy_decoding_stops_a_sequence_at_the_end_symbol_and_pads_after_it(bias, ended):
    V, B, length, end, pad = 5, 6, 6, 3, 0
    layers = decoder(V, 3)
    layers[2].params["b"][end] += bias  # the end symbol comes at different steps; with 0.3, for every sample
    states = initial_states(layers, B, 3)
    start_ids = np.full(B, 4)
    free, _ = greedy_decode(decoder_step(layers), states, start_ids, length)
    ids, scores = greedy_decode(decoder_step(layers), states, start_ids, length, end_id=end, pad_id=pad)
    default_pad, _ = greedy_decode(decoder_step(layers), states, start_ids, length, end_id=end)  # pads with end
    log_p = whole_sequence_log_p(layers, shifted_right(start_ids, free), states)
    chosen = np.take_along_axis(log_p, free[..., None], axis=-1)[..., 0]
    stopped = 0
    for b in range(B):
        ends = np.flatnonzero(free[b] == end)
        n = ends[0] + 1 if len(ends) else length  # the tokens up to the end symbol, included
        stopped += len(ends) > 0
        np.testing.assert_array_equal(ids[b, :n], free[b, :n])
        assert np.all(ids[b, n:] == pad)
        np.testing.assert_array_equal(default_pad[b], np.concatenate([free[b, :n], np.full(length - n, end)]))
        assert scores[b] == pytest.approx(chosen[b, :n].sum(), abs=1e-10)
    assert stopped == ended  # pinned: with every sample ended, decoding stops early and pads the rest


# -- 3. beam search -------------------------------------------------------------------------------------------------------
def brute_force(log_p_of, V, states, start_ids, length, end_id=None):
    """Every answer of ``length`` tokens of every sample, with its log-probability from ``log_p_of(inputs, states)``
    (a decoder run on whole sequences): a list (one per sample) of (score, answer) pairs, most likely first. With
    ``end_id``, an answer ends at its first end symbol (the tokens after it are padding, the end symbol here, and add
    nothing): answers that differ only after it are one answer."""
    answers = np.array(list(itertools.product(range(V), repeat=length)))  # (V^length, length)
    ranked = []
    for b in range(len(start_ids)):
        rows = [np.repeat(s[b:b + 1], len(answers), axis=0) for s in states]
        log_p = log_p_of(shifted_right(np.full(len(answers), start_ids[b]), answers), rows)
        chosen = np.take_along_axis(log_p, answers[..., None], axis=-1)[..., 0]
        found = {}
        for answer, terms in zip(answers, chosen):
            if end_id is not None and end_id in answer:
                n = list(answer).index(end_id) + 1
                answer, terms = np.concatenate([answer[:n], np.full(length - n, end_id)]), terms[:n]
            found[tuple(answer)] = terms.sum()
        ranked.append(sorted(((score, answer) for answer, score in found.items()), key=lambda pair: -pair[0]))
    return ranked


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("end_id", [None, 3])
def test_a_beam_as_wide_as_every_partial_answer_finds_the_most_likely_answers_in_order(seed, end_id):
    V, length, B = 4, 3, 2
    layers = decoder(V, seed)
    states = initial_states(layers, B, seed)
    start_ids = np.array([2, 2])  # the samples differ only by their states
    K = V ** (length - 1)  # every partial answer before the last step stays a beam: the search is exhaustive
    ids, scores = beam_search(decoder_step(layers), states, start_ids, length, beam_width=K, end_id=end_id)
    assert ids.shape == (B, K, length) and scores.shape == (B, K)
    for b, ranked in enumerate(brute_force(whole_of(layers), V, states, start_ids, length, end_id)):
        expected = ranked[:K]
        np.testing.assert_array_equal(ids[b], [answer for _, answer in expected])
        np.testing.assert_allclose(scores[b], [score for score, _ in expected], rtol=0, atol=1e-10)


GREEDY_MISSES = {5, 6, 8, 9}  # the seeds below on which greedy decoding misses the best answer of one sample


@pytest.mark.parametrize("seed", [0, 1, 5, 6, 8, 9])
def test_beam_search_finds_the_most_likely_answer_and_scores_it_by_its_log_probability(seed):
    V, length, B = 4, 3, 2
    layers = decoder(V, seed, GRU)
    states = initial_states(layers, B, seed)
    start_ids = np.array([1, 3])
    ids, scores = beam_search(decoder_step(layers), states, start_ids, length)  # beam_width=3
    assert ids.shape == (B, 3, length)
    assert np.all(np.diff(scores, axis=1) <= 0)  # best first
    log_p = whole_sequence_log_p(layers, shifted_right(np.repeat(start_ids, 3), ids.reshape(B * 3, length)),
                                 [np.repeat(s, 3, axis=0) for s in states])
    summed = np.take_along_axis(log_p, ids.reshape(B * 3, length, 1), axis=-1)[..., 0].sum(axis=1)
    np.testing.assert_allclose(scores.ravel(), summed, rtol=0, atol=1e-10)
    assert all(len({tuple(answer) for answer in beams}) == 3 for beams in ids)  # no answer twice
    greedy, _ = greedy_decode(decoder_step(layers), states, start_ids, length)
    greedy_missed = False
    for b, ranked in enumerate(brute_force(whole_of(layers), V, states, start_ids, length)):
        best_score, best = ranked[0]
        np.testing.assert_array_equal(ids[b, 0], best)
        assert scores[b, 0] == pytest.approx(best_score, abs=1e-10)
        greedy_missed |= not np.array_equal(greedy[b], best)
    assert greedy_missed == (seed in GREEDY_MISSES)  # where the beam beats greedy, pinned


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("end_id", [None, 2])
def test_beam_search_of_width_one_is_greedy_decoding(seed, end_id):
    V, B, length = 6, 5, 8
    layers = decoder(V, seed, LSTM, "softmax")
    states = initial_states(layers, B, seed)
    start_ids = np.arange(B) % V
    greedy, greedy_scores = greedy_decode(decoder_step(layers), states, start_ids, length, end_id=end_id)
    beams, beam_scores = beam_search(decoder_step(layers), states, start_ids, length, beam_width=1, end_id=end_id)
    np.testing.assert_array_equal(beams[:, 0], greedy)
    np.testing.assert_allclose(beam_scores[:, 0], greedy_scores, rtol=0, atol=1e-12)


def test_beam_search_pads_every_beam_after_its_end_symbol_and_scores_it_up_to_there():
    V, B, K, length, end = 4, 2, 2, 6, 3
    layers = decoder(V, 5)
    layers[2].params["b"][end] += 2.0  # every beam ends within the first steps: the search stops early
    states, start_ids = initial_states(layers, B, 5), np.array([0, 1])
    ids, scores = beam_search(decoder_step(layers), states, start_ids, length, beam_width=K, end_id=end)
    log_p = whole_sequence_log_p(layers, shifted_right(np.repeat(start_ids, K), ids.reshape(B * K, length)),
                                 [np.repeat(s, K, axis=0) for s in states])
    chosen = np.take_along_axis(log_p, ids.reshape(B * K, length, 1), axis=-1)[..., 0].reshape(B, K, length)
    for b in range(B):
        for k in range(K):
            n = list(ids[b, k]).index(end) + 1  # every beam has ended ...
            assert n < length - 1
            assert np.all(ids[b, k, n:] == end)  # ... and is padded with the end symbol after it
            assert scores[b, k] == pytest.approx(chosen[b, k, :n].sum(), abs=1e-10)


def test_beam_search_works_through_any_step_function():
    """A hand-written step: a Markov chain whose state counts the steps, so each beam's state must follow its beam."""
    rng = np.random.default_rng(7)
    transition = log_softmax(rng.normal(size=(3, 3, 3)))  # log p(next | last, step number)

    def step(ids, states):
        (count,) = states
        return transition[count[:, 0] % 3, ids], [count + 1]

    ids, _ = beam_search(step, [np.zeros((2, 1), dtype=int)], np.array([0, 1]), 3, beam_width=9)
    for b, start in enumerate([0, 1]):
        answers = list(itertools.product(range(3), repeat=3))
        expected = sorted(answers, key=lambda a: -sum(transition[t, ([start] + list(a))[t], a[t]] for t in range(3)))
        np.testing.assert_array_equal(ids[b], expected[:9])


def test_a_hand_written_peeky_step_decodes_as_its_whole_sequence_forward():
    """DLFS2's peeky decoder: the encoder's final state joins the decoder's input and its output layer's input at
    every step. Written as a step function, that state rides along among the states, and beam search reorders it."""
    V, B, length, E = 4, 2, 3, 3  # E: the width of the encoder's state the decoder peeks at
    rng = np.random.default_rng(8)
    embedding, lstm, dense = Embedding(V, D), LSTM(H, return_sequences=True), Dense(V)
    for layer, input_dim in zip((embedding, lstm, dense), (V, D + E, H + E)):
        layer.build(input_dim, rng)
        randomize(layer, rng)

    def peeky_step(ids, states):
        h, c, peek = states
        h, c = lstm.cell.forward_step(np.concatenate([embedding.forward(ids), peek], axis=1), [h, c])[0]
        return log_softmax(dense.forward(np.concatenate([h, peek], axis=1))), [h, c, peek]

    def whole(inputs, states):
        h, c, peek = states
        peeks = np.repeat(peek[:, None], inputs.shape[1], axis=1)
        out = lstm.forward(np.concatenate([embedding.forward(inputs), peeks], axis=2), initial_state=[h, c])
        return log_softmax(dense.forward(np.concatenate([out, peeks], axis=2)))

    states, start_ids = [rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.normal(size=(B, E))], np.array([1, 1])
    greedy, greedy_scores = greedy_decode(peeky_step, states, start_ids, length)
    log_p = whole(shifted_right(start_ids, greedy), states)
    np.testing.assert_array_equal(np.argmax(log_p, axis=-1), greedy)
    np.testing.assert_allclose(greedy_scores, np.take_along_axis(log_p, greedy[..., None], -1).sum(axis=(1, 2)),
                               rtol=0, atol=1e-10)
    K = V ** (length - 1)
    ids, scores = beam_search(peeky_step, states, start_ids, length, beam_width=K)
    for b, ranked in enumerate(brute_force(whole, V, states, start_ids, length)):
        np.testing.assert_array_equal(ids[b], [answer for _, answer in ranked[:K]])
        np.testing.assert_allclose(scores[b], [score for score, _ in ranked[:K]], rtol=0, atol=1e-10)


def test_more_beams_than_answers_leaves_the_extra_beams_at_minus_infinity():
    layers = decoder(3, 0)
    ids, scores = beam_search(decoder_step(layers), initial_states(layers, 1, 0), np.array([0]), 1, beam_width=5)
    assert np.all(np.isfinite(scores[0, :3])) and np.all(scores[0, 3:] == -np.inf)
    assert sorted(ids[0, :3, 0]) == [0, 1, 2]


# -- 4. exact match -------------------------------------------------------------------------------------------------------
def test_exact_match_counts_whole_answers_right():
    answers = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]])
    predicted = np.array([[1, 2, 3], [4, 5, 0], [7, 8, 9], [0, 1, 1]])  # one wrong token makes the answer wrong
    assert exact_match(predicted, answers) == 0.5
    assert exact_match(answers, answers) == 1.0
    assert exact_match(np.array([1, 2, 3]), np.array([1, 0, 3])) == pytest.approx(2 / 3)  # one id per sample
    with pytest.raises(ValueError, match="same non-empty shape"):
        exact_match(predicted, answers[:, :2])
    with pytest.raises(TypeError, match="predicted_ids"):
        exact_match(predicted.astype(float), answers)
    with pytest.raises(TypeError, match="answer_ids"):
        exact_match(predicted, answers[..., None])


# -- bad arguments --------------------------------------------------------------------------------------------------------
def test_bad_arguments_are_refused_with_their_names():
    V = 5
    layers = decoder(V, 0)
    step, states, start = decoder_step(layers), initial_states(layers, 2, 0), np.array([1, 2])
    for decode in (greedy_decode, beam_search):
        with pytest.raises(ValueError, match="length"):
            decode(step, states, start, 0)
        with pytest.raises(TypeError, match="length"):
            decode(step, states, start, 2.0)
        with pytest.raises(TypeError, match="start_ids"):
            decode(step, states, start[:, None], 3)
        with pytest.raises(TypeError, match="start_ids"):
            decode(step, states, start.astype(float), 3)
        with pytest.raises(ValueError, match=r"states\[1\]"):
            decode(step, [states[0], states[1][:1]], start, 3)
        with pytest.raises(TypeError, match="states"):
            decode(step, states[0], start, 3)
        with pytest.raises(TypeError, match="step"):
            decode("step", states, start, 3)
        with pytest.raises(ValueError, match="end_id"):
            decode(step, states, start, 3, end_id=V)
        with pytest.raises(ValueError, match="pad_id"):
            decode(step, states, start, 3, pad_id=1)
        with pytest.raises(ValueError, match="states"):  # the step's own check: a state of the wrong width
            decode(step, [states[0], states[1][:, :2]], start, 3)
        with pytest.raises(ValueError, match="log_p"):
            decode(lambda ids, s: (np.zeros((1, V)), s), states, start, 3)
    with pytest.raises(ValueError, match="beam_width"):
        beam_search(step, states, start, 3, beam_width=0)
    with pytest.raises(TypeError, match="beam_width"):
        beam_search(step, states, start, 3, beam_width=2.5)


def test_a_stepper_of_layers_refuses_what_cannot_step():
    with pytest.raises(TypeError, match="layers"):
        Stepper([Embedding(4, 2), "dense"])
    with pytest.raises(ValueError, match="not built"):
        Stepper([Embedding(4, 2), LSTM(3, return_sequences=True), Dense(4)])
    layers = decoder(4, 0)
    stepper = Stepper(layers)
    with pytest.raises(ValueError, match="states must be a list of 2 arrays"):
        stepper.reset([np.zeros((1, H))])
    with pytest.raises(ValueError, match="shape"):
        stepper.reset([np.zeros((2, H)), np.zeros((3, H))])  # rows that differ
    with pytest.raises(TypeError, match="float"):
        stepper.reset([np.zeros((2, H), dtype=int)] * 2)


# -- end to end -----------------------------------------------------------------------------------------------------------
def test_an_encoder_decoder_trained_with_teacher_forcing_decodes_held_out_questions():
    """The README's example: reverse 4 digits. Trained with teacher forcing (the encoder's final states start the
    decoder; their gradient flows back into the encoder), then decoded greedily and by beam search."""
    from numpy_rnn import Adam
    from numpy_rnn.losses import softmax_crossentropy_from_logits

    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, size=(3000, 4))
    y = np.concatenate([np.full((3000, 1), 10), x[:, ::-1]], axis=1)  # 10: the start symbol
    decoder_input, target = teacher_forcing(y)
    embed_q, encoder = Embedding(11, 8, random_state=1), LSTM(32, return_state=True, random_state=2)
    layers = [Embedding(11, 8, random_state=3), LSTM(32, return_sequences=True, random_state=4),
              Dense(11, random_state=5)]
    optimizer = Adam(0.01)
    for _ in range(8):
        for batch in np.array_split(rng.permutation(2500), 50):
            _, h, c = encoder.forward(embed_q.forward(x[batch]))
            z = layers[2].forward(layers[1].forward(layers[0].forward(decoder_input[batch]), initial_state=[h, c]))
            _, dz = softmax_crossentropy_from_logits(target[batch], z)
            layers[0].backward(layers[1].backward(layers[2].backward(dz)))
            embed_q.backward(encoder.backward([None, *layers[1].initial_state_grads]))
            optimizer.step((layer.params, layer.grads) for layer in [embed_q, encoder, *layers])
    _, h, c = encoder.forward(embed_q.forward(x[2500:]))
    start = np.full(500, 10)
    greedy, _ = greedy_decode(decoder_step(layers), [h, c], start, 4)
    beams, _ = beam_search(decoder_step(layers), [h, c], start, 4)
    assert exact_match(greedy, y[2500:, 1:]) >= 0.95
    assert exact_match(beams[:, 0], y[2500:, 1:]) >= 0.95
    # without the encoder's states the decoder cannot know the question: near chance (1 in 10,000)
    blind, _ = greedy_decode(decoder_step(layers), [np.zeros_like(h), np.zeros_like(c)], start, 4)
    assert exact_match(blind, y[2500:, 1:]) < 0.05
