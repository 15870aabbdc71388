"""Masks: padded steps skipped by every recurrent layer, in both directions, proven by finite differences.

A mask (B, T) is True at a sequence's real steps and False at its padding. The recurrent layer's rule (recurrent.py):
a masked step leaves the states as they were; outputs are 0 before a sequence's first real step and repeat the last
real output after it. What these tests establish:

- the backward pass is the exact gradient of the masked forward pass: every parameter, the input and the initial
  states, checked by finite differences, on a batch holding a front-padded row, an end-padded row, a row with a gap
  in the middle, an unpadded row and a row of padding only, for every cell, dense and token-id input, last output and whole sequences,
  forwards and backwards (``go_backwards``), with full and truncated BPTT;
- padding at the front and at the end give the same final state and the same gradients: with a mask, where the
  padding goes no longer matters (without one it does: the LSTM would read the padding after the review);
- the output rule is Keras's, and a mask with nothing masked changes nothing, bit for bit.
"""
import numpy as np
import pytest
from test_gradient_grid import seed_of
from test_layers import RECURRENT, make_recurrent

from numpy_rnn import GRU, LSTM, Embedding, LayerNormSimpleRNN, Masking, gradcheck

B, T, F = 5, 5, 3
# Row 0 padded at the front, row 1 at the end, row 2 has a gap in the middle, row 3 is all real, row 4 all padding
# (its output is 0 and its states are the initial ones, whatever the weights).
MASK = np.array([[0, 0, 1, 1, 1],
                 [1, 1, 1, 0, 0],
                 [1, 0, 0, 1, 1],
                 [1, 1, 1, 1, 1],
                 [0, 0, 0, 0, 0]], dtype=bool)


def units_of(cls):
    return 4 if cls is LayerNormSimpleRNN else 3


def masked_vjp(layer, x, mask, upstream, initial_state):
    """``f()`` = sum over the returned arrays of ``output * upstream``: the loss whose gradient backward gives."""
    def f():
        out = layer.forward(x, initial_state=initial_state, mask=mask)
        out = out if isinstance(out, list) else [out]
        return sum(float(np.sum(o * g)) for o, g in zip(out, upstream))
    return f


@pytest.mark.parametrize("bptt_steps", [None, 2], ids=["full", "k=2"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("ids", [True, False], ids=["ids", "floats"])
@pytest.mark.parametrize("cls", RECURRENT, ids=lambda cls: cls.__name__)
def test_masked_gradients_match_finite_differences(cls, ids, return_sequences, go_backwards, bptt_steps):
    rng = np.random.default_rng(seed_of("mask", cls.__name__, ids, return_sequences, go_backwards, bptt_steps))
    H = units_of(cls)
    # return_state, with an initial state and a gradient arriving at every final state: the states that pass
    # through the padding unchanged must carry their gradient back to where they came from.
    layer = make_recurrent(cls, rng, H, F, return_sequences=return_sequences, return_state=True,
                           go_backwards=go_backwards, bptt_steps=bptt_steps)
    x = rng.integers(0, F, size=(B, T)) if ids else rng.normal(size=(B, T, F))
    initial_state = [rng.normal(size=(B, H)) for _ in layer.state_names]
    out = layer.forward(x, initial_state=initial_state, mask=MASK)
    upstream = [rng.normal(size=o.shape) for o in out]
    dx = layer.backward(upstream)
    grads = {name: g.copy() for name, g in layer.grads.items()}
    initial_grads = layer.initial_state_grads
    f = masked_vjp(layer, x, MASK, upstream, initial_state)

    if bptt_steps is None:  # the exact gradient of the masked loss
        report = gradcheck(f, layer.params, grads)
        assert report.ok, report
        if not ids:
            report = gradcheck(f, {"x": x}, {"x": np.ascontiguousarray(dx)})
            assert report.ok, report
        report = gradcheck(f, dict(zip(layer.state_names, initial_state)),
                           dict(zip(layer.state_names, initial_grads)))
        assert report.ok, report
    else:  # truncation counts steps, padded or not: no gradient crosses into the last k steps from before them
        reference = make_recurrent(cls, np.random.default_rng(0), H, F, return_sequences=return_sequences,
                                   return_state=True, go_backwards=go_backwards, bptt_steps=None)
        reference.set_weights(layer.get_weights())
        full = reference.forward(x, initial_state=initial_state, mask=MASK)
        for a, b in zip(out, full):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-13)
        if not return_sequences:  # the steps before the cut get nothing at all
            assert initial_grads is None
            if not ids:
                order = slice(None, None, -1) if go_backwards else slice(None)
                assert not np.any(dx[:, order][:, :T - bptt_steps])


@pytest.mark.parametrize("cls", RECURRENT, ids=lambda cls: cls.__name__)
def test_front_and_end_padding_give_the_same_state_and_gradients(cls):
    """The same reviews padded before and after, read through Embedding(mask_zero=True): equal final outputs and
    equal gradients for every weight, the embedding table's included."""
    rng = np.random.default_rng(seed_of("padding", cls.__name__))
    V, D, H, steps = 9, 3, units_of(cls), 7
    lengths = [2, 7, 4, 1, 5]
    words = [rng.integers(1, V, size=n) for n in lengths]
    pre = np.zeros((len(words), steps), dtype=np.int64)
    post = np.zeros_like(pre)
    for row, w in enumerate(words):
        pre[row, steps - len(w):] = w
        post[row, :len(w)] = w
    upstream = rng.normal(size=(len(words), H))

    def run(ids):
        embedding = Embedding(V, D, mask_zero=True)
        embedding.build(V, np.random.default_rng(1))
        layer = make_recurrent(cls, np.random.default_rng(2), H, D)
        e = embedding.forward(ids)
        out = layer.forward(e, mask=embedding.compute_mask(None))
        embedding.backward(layer.backward(upstream))
        return out, layer.grads, embedding.grads["W"]

    out_pre, grads_pre, table_pre = run(pre)
    out_post, grads_post, table_post = run(post)
    np.testing.assert_allclose(out_pre, out_post, rtol=0, atol=1e-13)
    for name in grads_pre:
        np.testing.assert_allclose(grads_pre[name], grads_post[name], rtol=0, atol=1e-12)
    np.testing.assert_allclose(table_pre, table_post, rtol=0, atol=1e-12)
    # Without the mask the padding is read as words, and where it stands changes the result.
    layer = make_recurrent(cls, np.random.default_rng(2), H, D)
    embedding = Embedding(V, D)
    embedding.build(V, np.random.default_rng(1))
    assert not np.allclose(layer.forward(embedding.forward(pre)), layer.forward(embedding.forward(post)))


def test_masking_layer_marks_steps_whose_features_all_equal_the_mask_value():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, 3))
    x[0, :2] = -1.0   # two padded steps at the front
    x[1, 3] = -1.0    # one at the end
    x[1, 1, 0] = -1.0  # one feature equal to the mask value does not make a padded step
    layer = Masking(mask_value=-1.0)
    y = layer.forward(x)
    mask = layer.compute_mask(None)
    np.testing.assert_array_equal(mask, [[0, 0, 1, 1], [1, 1, 1, 0]])
    np.testing.assert_array_equal(y, x * mask[..., None])  # Keras zeroes the padded steps
    dy = rng.normal(size=y.shape)
    np.testing.assert_array_equal(layer.backward(dy), dy * mask[..., None])


def test_masking_then_a_recurrent_layer_matches_the_unpadded_sequences():
    rng = np.random.default_rng(4)
    real = rng.normal(size=(3, 4, 2))
    padded = np.concatenate([np.zeros((3, 2, 2)), real, np.zeros((3, 1, 2))], axis=1)  # padding on both sides
    layer = make_recurrent(LSTM, rng, 3, 2)
    masking = Masking()
    masked = layer.forward(masking.forward(padded), mask=masking.compute_mask(None))
    np.testing.assert_allclose(masked, layer.forward(real), rtol=0, atol=1e-14)


@pytest.mark.parametrize("cls", RECURRENT, ids=lambda cls: cls.__name__)
def test_outputs_at_masked_steps_follow_keras(cls):
    """0 before a sequence's first real step, then the last real output repeated; the states pass through."""
    rng = np.random.default_rng(seed_of("outputs", cls.__name__))
    layer = make_recurrent(cls, rng, units_of(cls), F, return_sequences=True, return_state=True)
    x = rng.normal(size=(B, T, F))
    seq, h, *_ = layer.forward(x, mask=MASK)
    # Row 0: steps 0-1 padded at the front -> zeros; row 1: steps 3-4 padded -> step 2's output repeated.
    assert not np.any(seq[0, :2])
    np.testing.assert_array_equal(seq[1, 3], seq[1, 2])
    np.testing.assert_array_equal(seq[1, 4], seq[1, 2])
    np.testing.assert_array_equal(seq[2, 1], seq[2, 0])  # the gap in the middle
    np.testing.assert_array_equal(h, seq[:, -1])
    assert not np.any(seq[4])  # all padding: zeros throughout
    # Row 1 alone, unpadded: its three steps give the same outputs.
    alone = layer.forward(x[1:2, :3])[0]
    np.testing.assert_allclose(seq[1:2, :3], alone, rtol=0, atol=1e-14)


@pytest.mark.parametrize("cls", RECURRENT, ids=lambda cls: cls.__name__)
def test_a_mask_with_nothing_masked_changes_nothing(cls):
    rng = np.random.default_rng(seed_of("ones", cls.__name__))
    layer = make_recurrent(cls, rng, units_of(cls), F, return_sequences=True)
    x = rng.normal(size=(B, T, F))
    plain = layer.forward(x)
    dx_plain = layer.backward(np.ones_like(plain))
    masked = layer.forward(x, mask=np.ones((B, T), dtype=bool))
    dx_masked = layer.backward(np.ones_like(masked))
    np.testing.assert_array_equal(plain, masked)
    np.testing.assert_array_equal(dx_plain, dx_masked)


@pytest.mark.parametrize("cls", RECURRENT, ids=lambda cls: cls.__name__)
def test_go_backwards_reads_the_reversed_sequence(cls):
    rng = np.random.default_rng(seed_of("backwards", cls.__name__))
    H = units_of(cls)
    forwards = make_recurrent(cls, rng, H, F, return_sequences=True)
    backwards = make_recurrent(cls, rng, H, F, return_sequences=True, go_backwards=True)
    backwards.set_weights(forwards.get_weights())
    x = rng.normal(size=(B, T, F))
    # Keras's convention: the outputs come in the order they were computed, the last input step's first.
    np.testing.assert_allclose(backwards.forward(x), forwards.forward(x[:, ::-1]), rtol=0, atol=1e-14)
    dy = rng.normal(size=(B, T, H))
    np.testing.assert_allclose(backwards.backward(dy), forwards.backward(dy)[:, ::-1], rtol=0, atol=1e-14)


def test_bad_masks_are_rejected_and_the_layer_stays_unbuilt():
    layer = LSTM(3)
    x = np.zeros((2, 4, 3))
    with pytest.raises(ValueError, match="mask must have shape"):
        layer.forward(x, mask=np.ones((2, 5), dtype=bool))
    with pytest.raises(TypeError, match="mask must hold booleans"):
        layer.forward(x, mask=np.full((2, 4), 0.5))
    assert not layer.built
    with pytest.raises(TypeError, match="mask_zero"):
        Embedding(5, 2, mask_zero="yes")
    with pytest.raises(ValueError, match="mask_value"):
        Masking(mask_value=np.nan)


# -- in a model: the loss and the metrics of sequence outputs leave the padding out ----------------------------------
def tagger(random_state=0):
    """Embedding(mask_zero) -> LSTM(return_sequences) -> Dense softmax: one class per token, padding masked."""
    from numpy_rnn import Dense, Sequential

    model = Sequential([Embedding(7, 4, mask_zero=True), LSTM(5, return_sequences=True),
                        Dense(3, activation="softmax")], random_state=random_state)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def tagged_batch(rng):
    ids = rng.integers(1, 7, size=(6, 5))
    ids[0, :2] = 0  # front padding
    ids[1, 3:] = 0  # end padding
    ids[2, 1:4] = 0
    return ids, rng.integers(0, 3, size=(6, 5))


def test_the_loss_and_the_metrics_of_a_sequence_leave_the_padded_positions_out():
    rng = np.random.default_rng(11)
    ids, y = tagged_batch(rng)
    model = tagger()
    model.build((5,))
    real = ids != 0
    probabilities = model.predict(ids)
    picked = np.take_along_axis(probabilities, y[..., None], axis=-1)[..., 0]
    expected_loss = -np.mean(np.log(picked[real]))  # the mean over the real positions only
    expected_accuracy = np.mean(np.argmax(probabilities, axis=-1)[real] == y[real])
    loss, accuracy = model.evaluate(ids, y)
    assert abs(loss - expected_loss) < 1e-12
    assert abs(accuracy - expected_accuracy) < 1e-12

    # Targets at padded positions change nothing: not the loss, not a single gradient.
    value, _ = model.loss_and_gradients(ids, y)
    grads = [g.copy() for layer in model.layers for g in layer.grads.values()]
    other = np.where(real, y, (y + 1) % 3)
    value_other, _ = model.loss_and_gradients(ids, other)
    assert value == value_other
    for g, g_other in zip(grads, [g for layer in model.layers for g in layer.grads.values()]):
        np.testing.assert_array_equal(g, g_other)


def test_the_masked_model_loss_gradient_matches_finite_differences():
    rng = np.random.default_rng(12)
    ids, y = tagged_batch(rng)
    model = tagger()
    model.build((5,))
    for layer in model.layers[1:]:
        for name, p in layer.params.items():
            p[...] = rng.normal(0, 0.5, size=p.shape)
    model.loss_and_gradients(ids, y)
    grads = {f"{i}/{k}": g.copy() for i, layer in enumerate(model.layers) for k, g in layer.grads.items()}
    params = {f"{i}/{k}": p for i, layer in enumerate(model.layers) for k, p in layer.params.items()}
    report = gradcheck(lambda: model.loss_and_gradients(ids, y)[0], params, grads)
    assert report.ok, report


def test_a_model_trained_on_end_padding_is_the_model_trained_on_front_padding():
    from numpy_rnn import Dense, Sequential

    rng = np.random.default_rng(13)
    lengths = rng.integers(1, 8, size=40)
    words = [rng.integers(1, 9, size=n) for n in lengths]
    labels = np.array([w[0] > 4 for w in words], dtype=float)
    pre = np.zeros((40, 8), dtype=np.int64)
    post = np.zeros_like(pre)
    for row, w in enumerate(words):
        pre[row, 8 - len(w):], post[row, :len(w)] = w, w

    def trained(ids):
        model = Sequential([Embedding(9, 4, mask_zero=True), GRU(4), Dense(1, activation="sigmoid")],
                           random_state=3)
        model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
        history = model.fit(ids, labels, epochs=3, batch_size=8, verbose=0, validation_data=(ids, labels))
        return model, history.history

    (model_pre, history_pre), (model_post, history_post) = trained(pre), trained(post)
    for name in history_pre:
        np.testing.assert_allclose(history_pre[name], history_post[name], rtol=1e-10)
    for a, b in zip(model_pre.layers, model_post.layers):
        for w_pre, w_post in zip(a.get_weights(), b.get_weights()):
            np.testing.assert_allclose(w_pre, w_post, rtol=0, atol=1e-10)


def test_masking_and_mask_zero_models_save_and_load(tmp_path):
    from numpy_rnn import Dense, Sequential

    rng = np.random.default_rng(14)
    x = rng.normal(size=(12, 6, 2))
    x[:4, :3] = 0.0  # padded steps
    y = rng.normal(size=(12, 1))
    model = Sequential([Masking(input_shape=(6, 2)), LSTM(3, go_backwards=True), Dense(1)], random_state=0)
    model.compile("adam", "mse")
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    path = str(tmp_path / "masking.npz")
    model.save(path)
    loaded = Sequential.load(path)
    assert loaded.layers[0].mask_value == 0.0 and loaded.layers[1].go_backwards
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))

    ids = rng.integers(0, 5, size=(8, 4))
    tagger_model = tagger()
    tagger_model.fit(np.where(ids == 0, 1, ids) % 7, rng.integers(0, 3, size=(8, 4)), epochs=1, verbose=0)
    tagger_model.save(path)
    assert Sequential.load(path).layers[0].mask_zero
