"""Weight tying: ``Dense(V, tied_to=embedding)`` uses the Embedding's table E (V, D), transposed, as its kernel.

E is one parameter with two uses, so its gradient is the sum of two parts (the Embedding's lookup, the Dense's
kernel): checked against finite differences for the whole language model and for the tied Dense alone, shown to
differ from either part alone (so that dropping one fails the check), and compared with PyTorch autograd, where the
tie is one shared array. The optimizer sees E once; a model file keeps it once; bad ties are refused with nothing
changed. float64 everywhere, random non-zero biases, random upstream gradients.
"""
import numpy as np
import pytest
from helpers import randomize
from test_model import check_model_gradients, randomize_model

from numpy_rnn import (
    LSTM,
    SGD,
    Dense,
    Embedding,
    Sequential,
    Stepper,
    TimeDistributed,
    generate,
    gradcheck,
    numerical_gradient,
    relative_error,
)

V, D = 7, 3  # vocabulary and vector size


def language_model(rng, vocabulary=V, size=D, **compile_args):
    """Embedding -> LSTM(return_sequences=True) -> Dense(V, softmax, tied_to=embedding), built, every weight random."""
    embedding = Embedding(vocabulary, size)
    model = Sequential([embedding, LSTM(size, return_sequences=True),
                        Dense(vocabulary, activation="softmax", tied_to=embedding)], random_state=0)
    model.compile(compile_args.get("optimizer", "adam"), "sparse_categorical_crossentropy")
    model.build((5,))
    randomize_model(model, rng)
    return model


def batch(rng, n=4, steps=5, vocabulary=V):
    return rng.integers(0, vocabulary, size=(n, steps)), rng.integers(0, vocabulary, size=(n, steps))


@pytest.mark.parametrize("seed", [0, 1])
def test_tied_language_model_gradients_sum_both_uses(seed):
    rng = np.random.default_rng(seed)
    model = language_model(rng)
    embedding, dense = model.layers[0], model.layers[2]
    x, y = batch(rng)
    report = check_model_gradients(model, x, y)
    assert report.ok, report
    assert set(report.errors) == {"embedding.W", "lstm.W_x", "lstm.W_h", "lstm.b", "dense.b"}  # E once

    # grads["W"] is the sum of the two parts, each a real share of it: the check above fails if either is dropped
    model.loss_and_gradients(x, y)
    lookup, through_dense = embedding.grad_parts[embedding], embedding.grad_parts[dense]
    np.testing.assert_array_equal(embedding.grads["W"], lookup + through_dense)
    numeric = numerical_gradient(lambda: model._loss(y, model.forward(x))[0], embedding.params["W"])
    assert relative_error(lookup + through_dense, numeric) < 1e-7
    assert relative_error(lookup, numeric) > 1e-2
    assert relative_error(through_dense, numeric) > 1e-2


@pytest.mark.parametrize("activation", [None, "softmax", "tanh"])
def test_tied_dense_alone_against_finite_differences(activation):
    """The tied Dense's own part of dE, its bias and its input gradient, with no Embedding pass at all."""
    rng = np.random.default_rng(3)
    embedding = Embedding(V, D)
    embedding.build(V, rng)
    randomize(embedding, rng)
    dense = Dense(V, activation=activation, tied_to=embedding)
    dense.build(D, rng)
    randomize(dense, rng)
    assert set(dense.params) == {"b"} and np.all(dense.params["b"] != 0)
    h, g = rng.normal(size=(2, 4, D)), rng.normal(size=(2, 4, V))
    dense.forward(h)
    dh = dense.backward(g)
    f = lambda: np.sum(dense.forward(h) * g)  # noqa: E731
    assert gradcheck(f, embedding.params, {"W": embedding.grad_parts[dense]}).ok
    assert gradcheck(f, dense.params, dense.grads).ok
    assert gradcheck(f, {"h": h}, {"h": dh}).ok
    np.testing.assert_array_equal(embedding.grads["W"], embedding.grad_parts[dense])  # the only use in this pass


def test_the_sum_does_not_depend_on_the_order_of_the_backward_passes():
    rng = np.random.default_rng(4)
    embedding = Embedding(V, D)
    embedding.build(V, rng)
    dense = Dense(V, tied_to=embedding)
    dense.build(D, rng)
    randomize(dense, rng)
    ids, g_lookup, g_dense = rng.integers(0, V, size=(3, 4)), rng.normal(size=(3, 4, D)), rng.normal(size=(2, V))
    h = rng.normal(size=(2, D))
    results = []
    for dense_first in (True, False):
        embedding.forward(ids)
        dense.forward(h)
        if dense_first:  # as a Sequential runs them: the last layer first
            dense.backward(g_dense)
            embedding.backward(g_lookup)
        else:
            embedding.backward(g_lookup)
            dense.backward(g_dense)
        results.append(embedding.grads["W"].copy())
    np.testing.assert_array_equal(results[0], results[1])
    # A new forward pass of the Embedding drops the parts of the last pass: alone, its backward gives its own part.
    embedding.forward(ids)
    embedding.backward(g_lookup)
    np.testing.assert_array_equal(embedding.grads["W"], embedding.grad_parts[embedding])
    assert dense not in embedding.grad_parts


def test_tied_model_matches_pytorch_autograd():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    model = language_model(rng)
    embedding, lstm, dense = model.layers
    x, y = batch(rng)
    loss, out = model.loss_and_gradients(x, y)

    emb_t = torch.nn.Embedding(V, D, dtype=torch.float64)
    lstm_t = torch.nn.LSTM(D, D, batch_first=True, dtype=torch.float64)
    lin_t = torch.nn.Linear(D, V, dtype=torch.float64)
    emb_t.load_state_dict({k: torch.from_numpy(v) for k, v in embedding.to_torch().items()})
    state = lstm.to_torch()
    state["bias_hh_l0"] = np.zeros_like(state["bias_hh_l0"])  # PyTorch's second bias: ours is one, all in bias_ih
    lstm_t.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()})
    lin_t.load_state_dict({k: torch.from_numpy(v) for k, v in dense.to_torch().items()})
    lin_t.weight = emb_t.weight  # PyTorch's tie: one shared parameter
    logits_t = lin_t(lstm_t(emb_t(torch.from_numpy(x)))[0])
    loss_t = torch.nn.functional.cross_entropy(logits_t.reshape(-1, V), torch.from_numpy(y).reshape(-1))
    loss_t.backward()

    assert abs(loss - loss_t.item()) < 1e-12 * abs(loss)
    assert relative_error(out, torch.softmax(logits_t, -1).detach().numpy()) < 1e-12
    assert relative_error(embedding.grads["W"], emb_t.weight.grad.numpy()) < 1e-12
    assert relative_error(dense.grads["b"], lin_t.bias.grad.numpy()) < 1e-12
    for name, ours in lstm.to_torch(lstm.grads).items():
        if name != "bias_hh_l0":
            assert relative_error(ours, dict(lstm_t.named_parameters())[name].grad.numpy()) < 1e-12, name


def test_sgd_updates_the_table_once_with_the_sum_of_both_parts():
    rng = np.random.default_rng(6)
    model = language_model(rng, optimizer=SGD(0.1))
    embedding, dense = model.layers[0], model.layers[2]
    x, y = batch(rng)
    model.loss_and_gradients(x, y)
    both = embedding.grad_parts[embedding] + embedding.grad_parts[dense]
    E, b, db = embedding.params["W"].copy(), dense.params["b"].copy(), dense.grads["b"].copy()
    model.train_on_batch(x, y)
    np.testing.assert_array_equal(embedding.params["W"], E - 0.1 * both)
    np.testing.assert_array_equal(dense.params["b"], b - 0.1 * db)
    assert [sorted(layer.params) for layer in model.layers] == [["W"], ["W_h", "W_x", "b"], ["b"]]


def test_the_table_is_counted_saved_and_listed_once(tmp_path, capsys):
    rng = np.random.default_rng(7)
    model = language_model(rng)
    embedding, dense = model.layers[0], model.layers[2]
    lstm_params = 4 * D * (D + D + 1)
    assert model.count_params() == V * D + lstm_params + V
    model.summary()
    printed = capsys.readouterr().out
    assert f"Total params: {V * D + lstm_params + V:,}" in printed and "dense (Dense)" in printed
    assert [w.shape for w in dense.get_weights()] == [(V,)]  # the bias only: the kernel is the Embedding's
    dense.set_weights([np.arange(V, dtype=float)])
    np.testing.assert_array_equal(dense.params["b"], np.arange(V))
    torch_state = dense.to_torch()
    np.testing.assert_array_equal(torch_state["weight"], embedding.params["W"])  # nn.Linear's weight (V, D) is E
    assert dense.get_config()["tied_to"] == "embedding"
    model.save(tmp_path / "lm.npz")
    with np.load(tmp_path / "lm.npz") as file:
        assert sorted(k for k in file.files if k.startswith("layers/")) == [
            "layers/0/W", "layers/1/W_h", "layers/1/W_x", "layers/1/b", "layers/2/b"]


def test_from_torch_takes_the_shared_table_and_the_bias():
    rng = np.random.default_rng(8)
    model = language_model(rng)
    embedding, dense = model.layers[0], model.layers[2]
    bias = rng.normal(size=V)
    dense.from_torch({"weight": embedding.params["W"].copy(), "bias": bias})
    np.testing.assert_array_equal(dense.params["b"], bias)
    with pytest.raises(ValueError, match="weight must be the table of embedding"):
        dense.from_torch({"weight": embedding.params["W"] + 1, "bias": bias + 1})
    np.testing.assert_array_equal(dense.params["b"], bias)


def test_save_and_load_round_trip_exactly(tmp_path):
    rng = np.random.default_rng(9)
    model = language_model(rng)
    x, y = batch(rng, n=8)
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    model.save(tmp_path / "lm.npz")
    loaded = Sequential.load(tmp_path / "lm.npz")
    assert loaded.layers[2].tied_to is loaded.layers[0]
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    for m in (model, loaded):
        m.fit(x, y, epochs=2, batch_size=4, verbose=0)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.history.history == model.history.history
    for a, b in zip(model.layers, loaded.layers):
        for name in a.params:
            np.testing.assert_array_equal(a.params[name], b.params[name])

    rebuilt = Sequential.from_config(model.get_config())  # the tie by name, resolved as the Dense joins
    assert rebuilt.layers[2].tied_to is rebuilt.layers[0]
    assert rebuilt.get_config() == model.get_config()


def test_a_tied_dense_inside_time_distributed_saves_and_loads(tmp_path):
    rng = np.random.default_rng(10)
    embedding = Embedding(V, D)
    model = Sequential([embedding, LSTM(D, return_sequences=True),
                        TimeDistributed(Dense(V, activation="softmax", tied_to=embedding))], random_state=0)
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y = batch(rng)
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "td.npz")
    loaded = Sequential.load(tmp_path / "td.npz")
    assert loaded.layers[2].layer.tied_to is loaded.layers[0]
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


# -- bad ties: the error names the argument and what to change; nothing changes ----------------------------------------
def test_tied_to_must_be_an_embedding():
    with pytest.raises(TypeError, match="tied_to must be an Embedding"):
        Dense(V, tied_to=LSTM(3))
    with pytest.raises(TypeError, match="tied_to must be an Embedding"):
        Dense(V, tied_to=np.zeros((V, D)))


def test_units_must_be_the_vocabulary_size():
    with pytest.raises(ValueError, match=r"units=6.*units must be its input_dim, 7"):
        Dense(6, tied_to=Embedding(V, D))


def test_the_input_width_must_be_the_vector_size_and_the_model_stays_unbuilt():
    embedding = Embedding(V, D)
    model = Sequential([embedding, LSTM(D + 1, return_sequences=True), Dense(V, tied_to=embedding)])
    with pytest.raises(ValueError, match=r"tied_to: .*D = 3 features.*input width is 4; make the layer before it "
                                         r"output 3 features"):
        model.build((5,))
    assert not any(layer.built for layer in model.layers)
    with pytest.raises(ValueError, match=r"input_dim is 4"):
        Dense(V, tied_to=embedding, input_dim=D + 1)


def test_the_embedding_must_be_in_the_model_before_the_dense():
    elsewhere = Embedding(V, D)
    model = Sequential([Embedding(V, D), LSTM(D, return_sequences=True)])
    dense = Dense(V, tied_to=elsewhere)
    with pytest.raises(ValueError, match="tied_to: the Embedding 'embedding' is not in the model before dense"):
        model.add(dense)
    assert len(model.layers) == 2 and dense.tied_to is elsewhere and dense.name == "dense"
    by_name = Dense(V, tied_to="embeddings")
    with pytest.raises(ValueError, match="tied_to: the Embedding 'embeddings' is not in the model"):
        model.add(by_name)
    assert by_name.tied_to == "embeddings" and len(model.layers) == 2
    with pytest.raises(ValueError, match="not connected"):  # a name alone cannot be built
        by_name.build(D)
    assert not by_name.built


def test_a_tie_to_an_unbuilt_or_other_dtype_embedding_is_refused_at_build():
    embedding = Embedding(V, D)
    dense = Dense(V, tied_to=embedding)
    with pytest.raises(ValueError, match="tied_to: embedding is not built yet"):
        dense.build(D)
    embedding.build(V, np.random.default_rng(0))
    wide = Dense(V, tied_to=embedding, dtype=np.float32)
    with pytest.raises(ValueError, match="tied_to: .*same dtype"):
        wide.build(D)
    assert not dense.built and not wide.built and dense.input_dim is None


def test_a_tied_model_generates_step_by_step_as_it_predicts_whole_sequences():
    rng = np.random.default_rng(11)
    model = language_model(rng)
    x = rng.integers(0, V, size=(2, 5))
    whole = model.predict(x)
    stepper = Stepper(model, batch_size=2)
    stepped = np.stack([stepper.step(x[:, t]) for t in range(x.shape[1])], axis=1)
    np.testing.assert_allclose(stepped, whole, rtol=1e-12, atol=1e-15)
    assert len(generate(model, [1, 2], 6, random_state=0)) == 6
