"""The encoder-decoders of scripts/seq2seq_addition.py, whose backward passes are written by hand in the script: every
weight's gradient against finite differences (the encoder's included: its only way to the loss is the state h it
hands over, one path for the plain model and three that add up for the peeky one), and the one-step decoder that
answers the questions against the whole-sequence forward pass it must repeat."""
import importlib.util
import os
import sys

import numpy as np
import pytest

from helpers import built, check_loss_gradients, check_vector_jacobian
from numpy_rnn.decoding import greedy_decode

SCRIPTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts")


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(SCRIPTS, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


addition = load_script("seq2seq_addition")
V = 6


def data(n=5, seed=0):
    """Questions (n, 4) and the decoder's input and target (n, 3): random ids of a 6-symbol vocabulary."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, V, (n, 4)), rng.integers(0, V, (n, 3))], rng.integers(0, V, (n, 3))


@pytest.mark.parametrize("peeky", [False, True], ids=["plain", "peeky"])
def test_every_weight_s_gradient_matches_finite_differences(peeky):
    x, y = data()
    model = built(addition.Seq2seq(V, wordvec_size=3, hidden_size=4, peeky=peeky, random_state=0), x)
    check_vector_jacobian(model, x)  # L = sum(R * p) for a random R: every output element's gradient counts
    check_loss_gradients(model, x, y)  # the loss fit differentiates
    assert np.abs(model.encoder.grads["W_x"]).max() > 1e-4  # the encoder's gradient was alive, not trivially right


def test_the_peeky_decoder_s_three_paths_to_h_each_carry_gradient():
    # Were one of the paths dropped from dh (the initial state, the decoder's input, the output layer's input), the
    # check above would fail; this shows each is large enough for it to notice.
    x, _ = data()
    model = built(addition.Seq2seq(V, wordvec_size=3, hidden_size=4, peeky=True, random_state=0), x)
    out = model.forward(x)
    R = np.random.default_rng(1).normal(size=out.shape)
    ds = model.output_layer.backward(R)
    dd = model.decoder.backward(ds[..., :4])
    paths = [model.decoder.initial_state_grads[0], dd[..., -4:].sum(axis=1), ds[..., 4:].sum(axis=1)]
    assert all(np.abs(p).max() > 1e-3 for p in paths)


@pytest.mark.parametrize("peeky", [False, True], ids=["plain", "peeky"])
def test_greedy_answers_are_the_decoder_run_on_its_own_outputs(peeky):
    # Decoding feeds each step the previous step's argmax. Feeding those same ids to the whole-sequence forward pass
    # (start symbol first, as in training) must give the same distributions: the step is the forward pass, one column
    # at a time.
    x, _ = data(n=7, seed=3)
    model = built(addition.Seq2seq(V, wordvec_size=3, hidden_size=4, peeky=peeky, random_state=0), x)
    start = np.full(7, 2)
    h = model.encode(x[0])
    ids, scores = greedy_decode(model.step, [h, h, np.zeros_like(h)], start, 3)
    decoder_in = np.concatenate([start[:, None], ids[:, :-1]], axis=1)
    p = model.forward([x[0], decoder_in])  # (7, 3, V)
    assert np.array_equal(p.argmax(axis=-1), ids)
    chosen = np.take_along_axis(p, ids[..., None], axis=-1)[..., 0]
    np.testing.assert_allclose(np.log(chosen).sum(axis=1), scores, rtol=1e-12, atol=1e-12)
    assert np.array_equal(model.answer(x[0], start, 3), ids)  # in batches, as the script scores the test split


@pytest.mark.parametrize("peeky", [False, True], ids=["plain", "peeky"])
def test_the_keras_twin_computes_numpy_rnn_s_model_from_its_weights(peeky):
    """--keras trains the same model in Keras: from numpy_rnn's weights (float64, the book's start), Keras's model gives
    the same probabilities at every step and the same greedy answers, so the two curves compare like with like."""
    pytest.importorskip("tensorflow")
    import keras
    x, _ = data(n=40, seed=1)
    # Keras 3 caches its global dtype policy from floatx the first time a layer is made: a test that made Keras
    # layers before this one would leave it at float32, so the policy is set too, and both are put back after.
    policy = keras.config.dtype_policy()
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    try:
        model = built(addition.Seq2seq(V, wordvec_size=3, hidden_size=4, peeky=peeky, random_state=0), x)
        addition.start_as_the_book(model, np.random.default_rng(0))
        twin = addition.KerasTwin(model, question_steps=4, answer_steps=3)
        np.testing.assert_allclose(twin.model.predict(x, verbose=0), model.predict(x), rtol=0, atol=1e-12)
        start = x[1][:, 0]
        np.testing.assert_array_equal(twin.answer(x[0], start, 3), model.answer(x[0], start, 3))
    finally:
        keras.config.set_floatx("float32")
        keras.config.set_dtype_policy(policy)


def test_the_book_s_start_draws_each_weight_at_the_book_s_scale():
    # The book's figures come from its own initial weights (N(0, 1/fan_in) matrices, N(0, 0.01^2) embeddings, zero
    # biases); with numpy_rnn's Keras-style start these models learn about half as fast, so the script starts as the
    # book does. Large layers, so that the sample deviations are within a few percent of the intended ones.
    x, _ = data()
    model = addition.Seq2seq(V, wordvec_size=16, hidden_size=128, random_state=0)
    model.predict(x)
    addition.start_as_the_book(model, np.random.default_rng(0))
    assert all(not b.any() for layer in model.layers for name, b in layer.params.items() if b.ndim == 1)
    assert np.std(model.encoder_embedding.params["W"]) == pytest.approx(0.01, rel=0.1)
    for W in (model.encoder.params["W_x"], model.decoder.params["W_h"], model.output_layer.params["W"]):
        assert np.std(W) == pytest.approx(1 / np.sqrt(W.shape[0]), rel=0.05)
        assert abs(np.mean(W)) < 0.1 / np.sqrt(W.shape[0])


# -- scripts/seq2seq_dates.py: DLFS2 ch. 8's attention model ---------------------------------------------------------
dates = load_script("seq2seq_dates")


def attention_model(x):
    return built(dates.AttentionSeq2seq(V, wordvec_size=3, hidden_size=4, random_state=0), x)


def test_the_attention_model_s_every_weight_s_gradient_matches_finite_differences():
    x, y = data()
    model = attention_model(x)
    check_vector_jacobian(model, x)
    check_loss_gradients(model, x, y)
    assert np.abs(model.encoder.grads["W_x"]).max() > 1e-4


def test_the_attention_model_s_two_paths_to_hs_and_to_s_each_carry_gradient():
    # hs reaches the loss as the attention's values and, through its last step h, as the decoder's initial state; s
    # straight into the output layer and as the attention's queries. Each path is large enough for the check above
    # to notice its loss.
    x, _ = data()
    model = attention_model(x)
    out = model.forward(x)
    R = np.random.default_rng(1).normal(size=out.shape)
    dcs = model.output_layer.backward(R)
    ds_att, dhs = model.attention.backward(dcs[..., :4])
    model.decoder.backward(dcs[..., 4:] + ds_att)
    paths = [dhs, model.decoder.initial_state_grads[0], ds_att, dcs[..., 4:]]
    assert all(np.abs(p).max() > 1e-3 for p in paths)


def test_the_attention_model_s_greedy_answers_are_its_decoder_run_on_its_own_outputs():
    x, _ = data(n=7, seed=3)
    model = attention_model(x)
    start = np.full(7, 2)
    hs, h = model.encode(x[0])
    ids, scores = greedy_decode(model.step, [hs, h, np.zeros_like(h)], start, 3)
    decoder_in = np.concatenate([start[:, None], ids[:, :-1]], axis=1)
    p = model.forward([x[0], decoder_in])
    assert np.array_equal(p.argmax(axis=-1), ids)
    chosen = np.take_along_axis(p, ids[..., None], axis=-1)[..., 0]
    np.testing.assert_allclose(np.log(chosen).sum(axis=1), scores, rtol=1e-12, atol=1e-12)
    assert np.array_equal(model.answer(x[0], start, 3), ids)
    weights = model.attention_map(x[0], np.concatenate([start[:, None], ids], axis=1))
    assert weights.shape == (7, 3, 4)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-12)


def test_the_dates_script_takes_the_plain_and_peeky_models_from_the_addition_script():
    assert dates.Seq2seq is not None and dates.Seq2seq.__name__ == "Seq2seq"
    assert dates.Seq2seq.step.__code__.co_filename.endswith("seq2seq_addition.py")


def test_generated_dates_are_in_the_book_s_format():
    lines = dates.date_lines(50, np.random.default_rng(0))
    for line in lines:
        question, answer = line.split("_")
        assert len(question) == 29 and len(answer) == 10
        assert answer[4] == answer[7] == "-" and answer.replace("-", "").isdigit()


def test_the_attention_model_saves_and_continues_training_exactly(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "seq2seq_dates", dates)  # load finds the class by its module's name
    x, y = data()
    model = attention_model(x)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=5, verbose=0)
    model.save(tmp_path / "dates.npz")
    loaded = dates.AttentionSeq2seq.load(tmp_path / "dates.npz")
    assert np.array_equal(loaded.predict(x), model.predict(x))
    model.fit(x, y, epochs=1, batch_size=5, verbose=0)
    loaded.fit(x, y, epochs=1, batch_size=5, verbose=0)
    assert np.array_equal(loaded.predict(x), model.predict(x))
