"""Keras's functional API: graphs of layers, backward through them (the chain rule per node, sums at fan-out, shared
layers), checked end to end against finite differences, and trained, saved and loaded as every Model is."""
import numpy as np
import pytest

from numpy_rnn import (GRU, LSTM, Attention, Concatenate, Dense, Embedding, EarlyStopping, Input, Model,
                       RepeatVector, Sequential, SimpleRNN, gradcheck)
from numpy_rnn.functional import Functional, KerasTensor
from test_model_subclass import Seq2seq, built, check_loss_gradients, check_vector_jacobian, seq2seq_data


def seq2seq_graph(vocab=5, embed=3, units=3, random_state=None):
    """The functional twin of test_model_subclass.Seq2seq, and its layers by role."""
    question, answer_in = Input((4,), dtype="int32", name="question"), Input((3,), dtype="int32", name="answer")
    layers = {"encoder_embedding": Embedding(vocab, embed), "encoder": LSTM(units, return_state=True),
              "decoder_embedding": Embedding(vocab, embed), "decoder": LSTM(units, return_sequences=True),
              "dense": Dense(vocab, activation="softmax")}
    _, h, c = layers["encoder"](layers["encoder_embedding"](question))
    y = layers["decoder"](layers["decoder_embedding"](answer_in), initial_state=[h, c])
    model = Model(inputs=[question, answer_in], outputs=layers["dense"](y), random_state=random_state)
    return model, layers


def fan_out_and_shared_graph():
    """Two float inputs; an LSTM shared by both; a Dense shared by two calls in a row; one tensor (h1) read by two
    layers; a SimpleRNN (its output h_T only, kept in a work array) shared by two calls; RepeatVector and
    Concatenate as a peeky decoder uses them."""
    x1, x2 = Input((4, 2)), Input((4, 2))
    rnn = LSTM(3, return_sequences=True)
    h1, h2 = rnn(x1), rnn(x2)
    dense = Dense(3, activation="tanh")
    b = dense(dense(h1))
    summary = SimpleRNN(2)
    peek = RepeatVector(4)(Concatenate()([summary(h1), summary(h2)]))
    out = Dense(2)(Concatenate()([h1, b, peek]))
    return Model([x1, x2], out, random_state=0)


def attention_graph(mask_zero=False):
    """Luong attention of the decoder's states over the encoder's outputs, padded source steps masked."""
    source, target = Input((5,), dtype="int32"), Input((3,), dtype="int32")
    encoded, h, c = LSTM(3, return_sequences=True, return_state=True)(Embedding(5, 3, mask_zero=mask_zero)(source))
    decoded = LSTM(3, return_sequences=True)(Embedding(5, 3)(target), initial_state=[h, c])
    context = Attention(use_scale=True)([decoded, encoded])
    return Model([source, target], Dense(5, activation="softmax")(Concatenate()([context, decoded])), random_state=0)


def attention_data(n=4, seed=0):
    rng = np.random.default_rng(seed)
    source = rng.integers(1, 5, (n, 5))
    source[:2, :2] = 0  # two sequences padded at the front
    return [source, rng.integers(0, 5, (n, 3))], rng.integers(0, 5, (n, 3))


def test_graph_encoder_decoder_gradients_end_to_end():
    x, y = seq2seq_data()
    model = built(seq2seq_graph()[0], x)
    assert isinstance(model, Functional)
    check_vector_jacobian(model, x)
    check_loss_gradients(model, x, y)  # the softmax fused with the loss at the output node


def test_fan_out_and_shared_layers_gradients_inputs_included():
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 4, 2))]
    model = built(fan_out_and_shared_graph(), x)
    assert len(model.layers) == 7 and len(model.nodes) == 10
    dx = check_vector_jacobian(model, x)
    R = np.random.default_rng(2).normal(size=(3, 4, 2))
    report = gradcheck(lambda: np.sum(R * model.forward(x)), {"x1": x[0], "x2": x[1]}, dict(zip(["x1", "x2"], dx)))
    assert report.ok, report
    check_loss_gradients(model, x, rng.normal(size=(3, 4, 2)), loss="mse")


@pytest.mark.parametrize("mask_zero", [False, True])
def test_attention_over_the_encoder_s_outputs_gradients(mask_zero):
    x, y = attention_data()
    model = built(attention_graph(mask_zero), x)
    check_vector_jacobian(model, x)
    check_loss_gradients(model, x, y)


def test_implicit_masks_reach_the_attention_s_values():
    x, _ = attention_data()
    model = built(attention_graph(mask_zero=True), x)
    out = model.predict(x)
    changed = [x[0].copy(), x[1]]
    changed[0][:2, :2] = 0
    attention = next(layer for layer in model.layers if isinstance(layer, Attention))
    weights = attention.cache[2]  # a (B, Tq, Tv) after the last call
    assert np.all(weights[:2, :, :2] == 0) and np.all(weights[2:] > 0)
    assert np.array_equal(model.predict(changed), out)


def test_subclassed_and_graph_builds_with_the_same_weights_agree():
    x, y = seq2seq_data()
    subclassed = built(Seq2seq(), x)
    graph, layers = seq2seq_graph()
    for role, layer in layers.items():
        layer.set_weights(getattr(subclassed, role).get_weights())
    assert np.allclose(graph.predict(x), subclassed.predict(x), rtol=0, atol=1e-14)
    R = np.random.default_rng(0).normal(size=(6, 3, 5))
    graph.forward(x), subclassed.forward(x)
    graph.backward(R), subclassed.backward(R)
    for role, layer in layers.items():
        for key, g in layer.grads.items():
            assert np.allclose(g, getattr(subclassed, role).grads[key], rtol=0, atol=1e-13), (role, key)


def test_save_and_load_round_trip_exactly(tmp_path):
    for model, (x, y) in ((attention_graph(mask_zero=True), attention_data(n=6)),
                          (fan_out_and_shared_graph(), ([np.ones((4, 4, 2)), np.zeros((4, 4, 2))],
                                                        np.ones((4, 4, 2))))):
        loss = "mse" if y.ndim == 3 else "sparse_categorical_crossentropy"
        model.compile("adam", loss)
        model.fit(x, y, epochs=1, batch_size=2, verbose=0)
        model.save(tmp_path / "m.npz")
        loaded = Model.load(tmp_path / "m.npz")
        assert [type(a) for a in loaded.layers] == [type(b) for b in model.layers]
        assert np.array_equal(loaded.predict(x), model.predict(x))
        assert loaded.train_on_batch(x, y) == model.train_on_batch(x, y)
        assert all(np.array_equal(a.params[k], b.params[k]) for a, b in zip(loaded.layers, model.layers)
                   for k in a.params)
        assert np.array_equal(loaded.predict(x), model.predict(x))


def test_fit_with_validation_data_and_callbacks():
    x, y = seq2seq_data(n=10)
    model, _ = seq2seq_graph(random_state=0)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=4, batch_size=4, verbose=0, validation_data=seq2seq_data(n=4, seed=1),
                        callbacks=[EarlyStopping(monitor="val_loss", patience=10)])
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert len(history.epoch) == 4
    with pytest.raises(ValueError, match=r"x_val must be a list of 2 arrays, one per input \(question, answer\), got "
                                         "one array"):
        model.fit(x, y, verbose=0, validation_data=(x[0], y))
    model.summary(print_fn=lambda line: None)


def test_one_layer_repeated_over_time_in_a_sequential_saves_and_loads(tmp_path):
    model = Sequential([GRU(3, input_shape=(4, 2)), RepeatVector(5), SimpleRNN(2, return_sequences=True)],
                       random_state=0)
    x = np.random.default_rng(0).normal(size=(3, 4, 2))
    assert model.predict(x).shape == (3, 5, 2)
    model.save(tmp_path / "s.npz")
    assert np.array_equal(Sequential.load(tmp_path / "s.npz").predict(x), model.predict(x))
    with pytest.raises(ValueError, match="takes a list of inputs"):
        Sequential([Dense(2, input_dim=2), Concatenate()])


@pytest.mark.parametrize("make, shapes", [(lambda: RepeatVector(3), [(2, 4)]),
                                          (Concatenate, [(2, 3, 4), (2, 3, 1), (2, 3, 2)]),
                                          (Concatenate, [(2, 2), (2, 3)])])
def test_repeat_vector_and_concatenate_gradients(make, shapes):
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=s) for s in shapes]
    layer, given = make(), (xs if len(xs) > 1 else xs[0])
    R = rng.normal(size=layer.forward(given).shape)
    d = layer.backward(R)
    report = gradcheck(lambda: np.sum(R * layer.forward(given)), {str(i): x for i, x in enumerate(xs)},
                       {str(i): g for i, g in enumerate(d if len(xs) > 1 else [d])})
    assert report.ok, report


def test_concatenate_s_mask_is_real_where_every_masked_input_is():
    a, b = np.array([[True, True, False]]), np.array([[True, False, False]])
    assert np.array_equal(Concatenate().compute_mask([a, None, b]), a & b)
    assert Concatenate().compute_mask([None, None]) is None


def test_symbolic_shapes_and_outputs():
    x = Input((6, 2), name="x")
    out, h, c = LSTM(4, return_state=True, return_sequences=True)(x)
    assert [t.shape for t in (out, h, c)] == [(None, 6, 4), (None, 4), (None, 4)]
    context, weights = Attention()([out, out], return_attention_scores=True)
    assert (context.shape, weights.shape) == ((None, 6, 4), (None, 6, 6))
    assert Concatenate()([out, context]).shape == (None, 6, 8)
    assert RepeatVector(3)(h).shape == (None, 3, 4)
    model = Model(x, [Dense(1)(h), weights])
    predicted = model.predict(np.zeros((2, 6, 2)))
    assert [p.shape for p in predicted] == [(2, 1), (2, 6, 6)]
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="the model has 2 outputs"):
        model.fit(np.zeros((2, 6, 2)), np.zeros((2, 1)), verbose=0)
    assert isinstance(out, KerasTensor) and "lstm" in repr(out)


def test_bad_graphs_and_bad_input_get_clear_errors():
    a, b = Input((3, 2), name="a"), Input((3, 2), name="b")
    out = Dense(1)(LSTM(2)(a))
    with pytest.raises(ValueError, match=r"inputs\[1\] \(b\) is not connected to the outputs"):
        Model([a, b], out)
    with pytest.raises(ValueError, match="depend on an Input .* not among the model's inputs"):
        Model(b, out)
    with pytest.raises(ValueError, match=r"inputs\[0\] is the output of"):
        Model(out, out)
    with pytest.raises(TypeError, match=r"concatenate: its inputs must be the output of Input\(\) or of a layer"):
        Concatenate()([a, np.zeros((1, 3, 2))])
    with pytest.raises(TypeError, match="takes one input tensor"):
        Dense(2)([a, b])
    with pytest.raises(TypeError, match="takes a list of input tensors"):
        Attention()(a)
    with pytest.raises(TypeError, match="initial_state= is for recurrent layers"):
        Dense(2)(a, initial_state=[b])
    with pytest.raises(ValueError, match="initial_state must hold 2 tensor"):
        LSTM(2)(a, initial_state=[Input((2,))])
    with pytest.raises(ValueError, match="masks pass along a graph implicitly"):
        LSTM(2)(a, mask=b)
    shared = LSTM(2, stateful=True)
    with pytest.raises(ValueError, match="stateful and called more than once"):
        Model([a, b], Concatenate()([shared(a), shared(b)]))

    model = Model([a, b], Concatenate()([LSTM(2)(a), LSTM(2)(b)]), random_state=0)
    x = np.zeros((4, 3, 2))
    with pytest.raises(ValueError, match=r"x must be a list of 2 arrays, one per input \(a, b\), got a list of 3"):
        model.predict([x, x, x])
    with pytest.raises(ValueError, match=r"x: every input must hold the same samples.*\[4, 3\]"):
        model.predict([x, x[:3]])
    with pytest.raises(ValueError, match=r"x\[1\] must have shape \(batch,\) \+ \(3, 2\), got \(4, 3, 5\)"):
        model.predict([x, np.zeros((4, 3, 5))])
    ids = Input((3,), dtype="int32")
    with pytest.raises(TypeError, match="must be integer token ids"):
        Model(ids, Embedding(4, 2)(ids)).predict(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="width of its input .* is not known"):
        open_width = Input((3, None))
        Model(open_width, Dense(1)(open_width))
