"""Attention and AdditiveAttention (issue 15): gradients against finite differences and PyTorch autograd, masks,
Keras's weights and call, refused input, and the heat map.

Gradient checks use float64, random non-zero scales, a value with another width than the query (so that a transpose
in the wrong place cannot go unnoticed) and random upstream gradients on both outputs, the output and the weights:
L = sum(o * g) + sum(a * g_a). Each case is pinned (no random draw decides what is covered).
"""
import numpy as np
import pytest

from numpy_rnn import AdditiveAttention, Attention, gradcheck, relative_error
from numpy_rnn.checks import NoForwardPassError
from numpy_rnn.layers import LAYER_CLASSES
from numpy_rnn.persistence import layer_config, layer_from_config

B, TQ, TV, D, DV = 2, 3, 4, 3, 2

LAYERS = {"dot": lambda: Attention(), "dot-scaled": lambda: Attention(use_scale=True),
          "additive": lambda: AdditiveAttention(), "additive-unscaled": lambda: AdditiveAttention(use_scale=False),
          "concat": lambda: Attention(score_mode="concat"),
          "concat-scaled": lambda: Attention(use_scale=True, score_mode="concat")}

# value_mask: sample 0 has two padded encoder steps; query_mask: sample 1's last decoder step is padding.
VALUE_MASK = np.array([[True, True, False, False], [True, True, True, True]])
QUERY_MASK = np.array([[True, True, True], [True, True, False]])
MASKS = {"none": None, "value": [None, VALUE_MASK], "both": [QUERY_MASK, VALUE_MASK]}


def make_layer(which, rng):
    layer = LAYERS[which]()
    layer.build(D, rng)
    for p in layer.params.values():
        p[...] = rng.normal(0.0, 0.8, size=p.shape) + 0.5  # non-zero, and not the initial 1
    return layer


def make_inputs(rng, key=True):
    q = rng.normal(size=(B, TQ, D))
    v = rng.normal(size=(B, TV, DV if key else D))
    return [q, v, rng.normal(size=(B, TV, D))] if key else [q, v]


def check_gradients(layer, inputs, upstream, **call):
    """Backward against finite differences for every input and every weight; ``upstream`` is g, or (g, g_a) when
    the call returns the weights too. Returns the report."""
    def loss():
        out = layer.forward(inputs, **call)
        if isinstance(upstream, tuple):
            return np.sum(out[0] * upstream[0]) + np.sum(out[1] * upstream[1])
        return np.sum(out * upstream)

    loss()
    d_inputs = layer.backward(upstream)
    names = ["query", "value", "key"][:len(inputs)]
    params = {**dict(zip(names, inputs)), **layer.params}
    grads = {**dict(zip(names, d_inputs)), **layer.grads}
    return gradcheck(loss, params, grads)


@pytest.mark.parametrize("which", list(LAYERS))
@pytest.mark.parametrize("mask", list(MASKS))
@pytest.mark.parametrize("key", [True, False], ids=["key", "no-key"])
@pytest.mark.parametrize("scores", [False, True], ids=["output", "output+weights"])
def test_gradients_match_finite_differences(which, mask, key, scores):
    rng = np.random.default_rng([len(which), len(mask), key, scores])
    layer = make_layer(which, rng)
    inputs = make_inputs(rng, key)
    dv = DV if key else D
    g = rng.normal(size=(B, TQ, dv))
    upstream = (g, rng.normal(size=(B, TQ, TV))) if scores else g
    report = check_gradients(layer, inputs, upstream, mask=MASKS[mask], return_attention_scores=scores)
    assert report.ok, report
    assert set(layer.grads) == set(layer.params)


@pytest.mark.parametrize("which", ["dot-scaled", "additive"])
def test_gradients_with_the_causal_mask_and_the_weights_alone(which):
    rng = np.random.default_rng(7)
    layer = make_layer(which, rng)
    q, v = rng.normal(size=(B, TV, D)), rng.normal(size=(B, TV, D))  # self-attention: Tq = Tv
    upstream = (None, rng.normal(size=(B, TV, TV)))  # a loss on the weights only

    def loss():
        return np.sum(layer.forward([q, v], mask=[None, VALUE_MASK], use_causal_mask=True,
                                    return_attention_scores=True)[1] * upstream[1])

    loss()
    dq, dv = layer.backward(upstream)
    report = gradcheck(loss, {"query": q, "value": v, **layer.params}, {"query": dq, "value": dv, **layer.grads})
    assert report.ok, report


@pytest.mark.parametrize("which", ["dot-scaled", "additive"])
def test_gradients_with_dropout_on_the_weights_match_finite_differences(which):
    rng = np.random.default_rng(3)
    layer = Attention(use_scale=True, dropout=0.4, seed=5) if which == "dot-scaled" else \
        AdditiveAttention(dropout=0.4, seed=5)
    layer.build(D)
    for p in layer.params.values():
        p[...] = rng.normal(0.0, 0.8, size=p.shape) + 0.5
    inputs, g = make_inputs(rng), rng.normal(size=(B, TQ, DV))
    g_a = rng.normal(size=(B, TQ, TV))

    def loss():
        layer.rng = np.random.default_rng(11)  # the same dropout mask at every nudge: a constant of the loss
        o, a = layer.forward(inputs, training=True, mask=[QUERY_MASK, VALUE_MASK], return_attention_scores=True)
        return np.sum(o * g) + np.sum(a * g_a)

    loss()
    p, a = layer.cache[1], layer.cache[2]
    assert np.any((a == 0) & (p > 0)) and np.any(a > p)  # some weights dropped, the others scaled up
    d = layer.backward((g, g_a))
    report = gradcheck(loss, {"q": inputs[0], "v": inputs[1], "k": inputs[2], **layer.params},
                       {"q": d[0], "v": d[1], "k": d[2], **layer.grads})
    assert report.ok, report
    # predicting drops nothing
    np.testing.assert_array_equal(layer.forward(inputs), layer.forward(inputs, training=False))


# -- against PyTorch autograd -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", list(LAYERS))
@pytest.mark.parametrize("key", [True, False], ids=["key", "no-key"])
def test_outputs_and_every_gradient_match_pytorch_autograd(which, key):
    """The same math written with torch ops, differentiated by autograd: outputs and all gradients to 1e-10."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng([len(which), key])
    layer = make_layer(which, rng)
    inputs = make_inputs(rng, key)
    mask = [QUERY_MASK, VALUE_MASK]
    g, g_a = rng.normal(size=(B, TQ, DV if key else D)), rng.normal(size=(B, TQ, TV))
    o, a = layer.forward(inputs, mask=mask, return_attention_scores=True, use_causal_mask=False)
    ours = layer.backward((g, g_a))

    q_t, v_t = (torch.tensor(x, requires_grad=True) for x in inputs[:2])
    k_t = torch.tensor(inputs[2], requires_grad=True) if key else v_t
    scale_t = torch.tensor(layer.params["scale"], requires_grad=True) if layer.use_scale else None
    if isinstance(layer, AdditiveAttention):
        h = torch.tanh(q_t.unsqueeze(2) + k_t.unsqueeze(1))  # (B, Tq, Tv, D)
        s = (h * scale_t).sum(-1) if scale_t is not None else h.sum(-1)
    elif layer.score_mode == "concat":
        w_t = torch.tensor(layer.params["concat_score_weight"], requires_grad=True)
        z = q_t.unsqueeze(2) + k_t.unsqueeze(1)
        s = w_t * torch.tanh(z * scale_t if scale_t is not None else z).sum(-1)
    else:
        s = q_t @ k_t.transpose(1, 2)
        s = s * scale_t if scale_t is not None else s
    s = s.masked_fill(~torch.from_numpy(mask[1])[:, None, :], float("-inf"))
    a_t = torch.softmax(s, dim=-1)
    o_t = (a_t @ v_t) * torch.from_numpy(mask[0])[..., None]
    ((o_t * torch.from_numpy(g)).sum() + (a_t * torch.from_numpy(g_a)).sum()).backward()

    assert relative_error(o, o_t.detach().numpy()) < 1e-10
    assert relative_error(a, a_t.detach().numpy()) < 1e-10
    expected = [q_t.grad, v_t.grad] + ([k_t.grad] if key else [])
    for name, mine, theirs in zip(["query", "value", "key"], ours, expected):
        assert relative_error(mine, theirs.numpy()) < 1e-10, name
    if scale_t is not None:
        assert relative_error(layer.grads["scale"], scale_t.grad.numpy()) < 1e-10
    if "concat_score_weight" in layer.params:
        assert relative_error(layer.grads["concat_score_weight"], w_t.grad.numpy()) < 1e-10


# -- masks ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", list(LAYERS))
def test_padded_value_steps_get_weight_zero_and_change_nothing(which):
    rng = np.random.default_rng(1)
    layer = make_layer(which, rng)
    q, v, k = make_inputs(rng)
    g = rng.normal(size=(B, TQ, DV))
    o, a = layer.forward([q, v, k], mask=[None, VALUE_MASK], return_attention_scores=True)
    assert np.all(a[0, :, 2:] == 0.0)  # exactly zero, not merely small
    assert np.all(a[:, :, :2] > 0) and np.all(a[1] > 0)
    np.testing.assert_allclose(a.sum(-1), 1.0, rtol=0, atol=1e-14)
    dq, dv, dk = layer.backward(g)
    assert np.all(dv[0, 2:] == 0) and np.all(dk[0, 2:] == 0)

    v2, k2 = v.copy(), k.copy()
    v2[0, 2:] = 1e3 * rng.normal(size=(2, DV))  # whatever a padded step holds
    k2[0, 2:] = 1e3 * rng.normal(size=(2, D))
    o2 = layer.forward([q, v2, k2], mask=[None, VALUE_MASK])
    dq2, _, _ = layer.backward(g)
    np.testing.assert_array_equal(o2, o)
    np.testing.assert_array_equal(dq2, dq)


def test_the_mask_agrees_with_dropping_the_padded_steps():
    rng = np.random.default_rng(2)
    layer = make_layer("additive", rng)
    q, v, k = make_inputs(rng)
    o = layer.forward([q, v, k], mask=[None, VALUE_MASK])
    short = layer.forward([q[:1], v[:1, :2], k[:1, :2]])
    np.testing.assert_allclose(o[0], short[0], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("which", list(LAYERS))
def test_a_row_with_every_value_step_padded_reads_nothing(which):
    """Our choice (Keras would read the padding): weights 0, output 0, gradients 0 and finite."""
    rng = np.random.default_rng(4)
    layer = make_layer(which, rng)
    q, v, k = make_inputs(rng)
    value_mask = VALUE_MASK.copy()
    value_mask[0] = False
    o, a = layer.forward([q, v, k], mask=[None, value_mask], return_attention_scores=True)
    assert np.all(a[0] == 0) and np.all(o[0] == 0)
    np.testing.assert_allclose(a[1].sum(-1), 1.0, atol=1e-14)
    grads = layer.backward((rng.normal(size=o.shape), rng.normal(size=a.shape)))
    assert all(np.all(np.isfinite(d)) for d in grads)
    assert all(np.all(d[0] == 0) for d in grads)


def test_the_query_mask_zeroes_the_output_and_keeps_the_weights():
    rng = np.random.default_rng(5)
    layer = make_layer("dot-scaled", rng)
    q, v, k = make_inputs(rng)
    o, a = layer.forward([q, v, k], mask=[QUERY_MASK, None], return_attention_scores=True)
    o_all, a_all = layer.forward([q, v, k], return_attention_scores=True)
    assert np.all(o[1, 2] == 0)
    np.testing.assert_array_equal(o[QUERY_MASK], o_all[QUERY_MASK])
    np.testing.assert_array_equal(a, a_all)  # as Keras: the weights of a padded query step are still returned
    assert layer.compute_mask([QUERY_MASK, VALUE_MASK]) is QUERY_MASK


def test_the_causal_mask_hides_later_steps():
    rng = np.random.default_rng(6)
    layer = make_layer("additive", rng)
    x = rng.normal(size=(B, TV, D))
    _, a = layer.forward([x, x], use_causal_mask=True, return_attention_scores=True)
    assert np.all(a[:, np.triu_indices(TV, 1)[0], np.triu_indices(TV, 1)[1]] == 0)
    assert a[0, 0, 0] == 1.0
    # step i's output does not change when a later step does
    later = x.copy()
    later[:, -1] += 1.0
    o1, o2 = layer.forward([x, x], use_causal_mask=True), layer.forward([later, later], use_causal_mask=True)
    np.testing.assert_array_equal(o1[:, :-1], o2[:, :-1])


# -- the equations, Keras's weights and configuration ------------------------------------------------------------------
def softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_the_forward_pass_computes_keras_s_equations():
    rng = np.random.default_rng(8)
    q, v, k = make_inputs(rng)
    dot = Attention(use_scale=True)
    dot.build(D)
    assert dot.get_weights()[0].shape == () and dot.get_weights()[0] == 1.0  # Keras: a scalar, initialized to 1
    dot.set_weights([np.array(0.7)])
    np.testing.assert_allclose(dot.forward([q, v, k]), softmax(0.7 * q @ k.transpose(0, 2, 1)) @ v, rtol=1e-13)
    q2, v2 = make_inputs(rng, key=False)  # the key defaults to the value
    np.testing.assert_allclose(Attention().forward([q2, v2]), softmax(q2 @ v2.transpose(0, 2, 1)) @ v2, rtol=1e-13)

    additive = AdditiveAttention(random_state=0)
    additive.build(D)
    scale = additive.get_weights()[0]
    assert scale.shape == (D,) and np.all(np.abs(scale) <= np.sqrt(6 / (2 * D)))  # Glorot uniform, fans D and D
    scores = np.tanh(q[:, :, None] + k[:, None]) @ scale
    np.testing.assert_allclose(additive.forward([q, v, k]), softmax(scores) @ v, rtol=1e-13)
    plain = np.tanh(q2[:, :, None] + v2[:, None]).sum(-1)
    np.testing.assert_allclose(AdditiveAttention(use_scale=False).forward([q2, v2]), softmax(plain) @ v2, rtol=1e-13)
    assert AdditiveAttention(use_scale=False).get_weights() == [] and Attention().get_weights() == []

    concat = Attention(use_scale=True, score_mode="concat")
    concat.build(D)
    assert [w.shape for w in concat.get_weights()] == [(), ()]  # Keras: [scale, concat_score_weight], both 1
    assert all(w == 1.0 for w in concat.get_weights())
    concat.set_weights([np.array(0.5), np.array(2.0)])
    scores = 2.0 * np.tanh(0.5 * (q[:, :, None] + k[:, None])).sum(-1)
    np.testing.assert_allclose(concat.forward([q, v, k]), softmax(scores) @ v, rtol=1e-13)
    assert list(Attention(score_mode="concat").params) == []  # built on first call
    plain = Attention(score_mode="concat")
    np.testing.assert_allclose(plain.forward([q, v, k]), softmax(np.tanh(q[:, :, None] + k[:, None]).sum(-1)) @ v,
                               rtol=1e-13)
    assert list(plain.params) == ["concat_score_weight"]


def test_a_third_mask_the_key_s_is_ignored_as_in_keras():
    rng = np.random.default_rng(14)
    layer = make_layer("additive", rng)
    inputs = make_inputs(rng)
    np.testing.assert_array_equal(layer.forward(inputs, mask=[QUERY_MASK, VALUE_MASK, ~VALUE_MASK]),
                                  layer.forward(inputs, mask=[QUERY_MASK, VALUE_MASK]))


@pytest.mark.parametrize("layer", [Attention(use_scale=True, dropout=0.1, seed=3, name="att"),
                                   AdditiveAttention(use_scale=False, dtype="float32")], ids=["dot", "additive"])
def test_config_round_trips(layer):
    config = layer.get_config()
    again = type(layer)(**config)
    assert again.get_config() == config
    assert layer_from_config(layer_config(layer)).get_config() == config
    assert LAYER_CLASSES[type(layer).__name__] is type(layer)
    assert config["use_scale"] == layer.use_scale and config["dropout"] == layer.dropout


def test_keras_defaults_and_names():
    assert (Attention().use_scale, Attention().score_mode, Attention().dropout) == (False, "dot", 0.0)
    assert (AdditiveAttention().use_scale, AdditiveAttention().dropout) == (True, 0.0)
    assert Attention().name == "attention" and AdditiveAttention().name == "additive_attention"


def test_keras_attention_weights_give_the_same_outputs():
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(9)
    q, v, k = (x.astype(np.float32) for x in make_inputs(rng))
    mask = [QUERY_MASK, VALUE_MASK]
    for theirs, ours in ((tf.keras.layers.Attention(use_scale=True), Attention(use_scale=True)),
                         (tf.keras.layers.AdditiveAttention(), AdditiveAttention()),
                         (tf.keras.layers.Attention(use_scale=True, score_mode="concat"),
                          Attention(use_scale=True, score_mode="concat"))):
        theirs([q, v, k])
        weights = [w + 0.3 for w in theirs.get_weights()]
        theirs.set_weights(weights)
        expected, expected_a = theirs([q, v, k], mask=mask, return_attention_scores=True)
        ours.build(D)
        ours.set_weights(weights)
        o, a = ours.forward([q, v, k], mask=mask, return_attention_scores=True)
        assert relative_error(o, expected.numpy()) < 1e-5 and relative_error(a, expected_a.numpy()) < 1e-5


# -- refused calls -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, error, words", [
    ({"use_scale": "yes"}, TypeError, "use_scale"),
    ({"score_mode": "cosine"}, ValueError, "score_mode"),
    ({"dropout": 1.0}, ValueError, "dropout"),
    ({"dropout": "a lot"}, TypeError, "dropout"),
    ({"seed": -1}, ValueError, "seed"),
])
def test_bad_arguments_are_refused_by_name(kwargs, error, words):
    with pytest.raises(error, match=words):
        Attention(**kwargs)


def test_bad_calls_are_refused_by_name_and_change_nothing():
    rng = np.random.default_rng(10)
    q, v, k = make_inputs(rng)
    fresh = Attention(use_scale=True)
    with pytest.raises(ValueError, match="query and key"):
        fresh.forward([q, v])  # value (the key) has DV = 2 features, query D = 3
    assert not fresh.built and fresh.cache is None

    layer = make_layer("dot-scaled", rng)
    layer.forward([q, v, k])
    weights, cache = layer.get_weights(), layer.cache
    bad_calls = [
        (lambda: layer.forward(q), TypeError, "inputs must be a list"),
        (lambda: layer.forward([q]), TypeError, "inputs must be a list"),
        (lambda: layer.forward([q, v, k, k]), TypeError, "inputs must be a list"),
        (lambda: layer.forward([q[0], v, k]), ValueError, "query"),
        (lambda: layer.forward([q, v[:, :3], k]), ValueError, "Tv"),
        (lambda: layer.forward([q[:1], v, k]), ValueError, "B"),
        (lambda: layer.forward([q[..., :2], v, k[..., :2]]), ValueError, "query must have 3 features"),
        (lambda: layer.forward([q, v, np.full_like(k, np.nan)]), ValueError, "key contains NaN"),
        (lambda: layer.forward([q, v.astype(str), k]), TypeError, "value"),
        (lambda: layer.forward([q, v, k], mask=VALUE_MASK), TypeError, "mask must be a list"),
        (lambda: layer.forward([q, v, k], mask=[None, VALUE_MASK[:, :3]]), ValueError, "value_mask must have shape"),
        (lambda: layer.forward([q, v, k], mask=[QUERY_MASK.T, None]), ValueError, "query_mask must have shape"),
        (lambda: layer.forward([q, v, k], mask=[None, VALUE_MASK * 2]), ValueError, "value_mask must hold"),
        (lambda: layer.forward([q, v, k], mask=[None, VALUE_MASK, None, None]), TypeError, "of length 4"),
    ]
    for call, error, words in bad_calls:
        with pytest.raises(error, match=words):
            call()
        assert layer.cache is cache
        for before, after in zip(weights, layer.get_weights()):
            np.testing.assert_array_equal(before, after)
    with pytest.raises(ValueError, match="dout must have the shape"):
        layer.backward(np.ones((B, TQ, D)))
    layer.forward([q, v, k], return_attention_scores=True)
    with pytest.raises(TypeError, match="dout must be a pair"):
        layer.backward([np.ones((B, TQ, DV))] * 3)
    with pytest.raises(ValueError, match="dweights"):
        layer.backward((np.ones((B, TQ, DV)), np.ones((B, TQ, TQ))))
    with pytest.raises(NoForwardPassError):
        Attention().backward(np.ones((B, TQ, DV)))


def test_a_sequential_model_refuses_it_and_stays_as_it_was():
    from numpy_rnn import LSTM, Sequential
    model = Sequential([LSTM(3, return_sequences=True)])
    with pytest.raises(ValueError, match=r"takes a list of inputs \[query, value\]"):
        model.add(Attention())
    assert len(model.layers) == 1
    with pytest.raises(ValueError, match="Sequential"):
        Sequential([AdditiveAttention()])


def test_backward_leaves_dout_alone_and_masks_may_be_zeros_and_ones():
    rng = np.random.default_rng(12)
    layer = make_layer("additive", rng)
    q, v, k = make_inputs(rng)
    o = layer.forward([q, v, k], mask=[QUERY_MASK.astype(int), VALUE_MASK.astype(float)])
    np.testing.assert_array_equal(o, layer.forward([q, v, k], mask=[QUERY_MASK, VALUE_MASK]))
    g = rng.normal(size=o.shape)
    kept = g.copy()
    layer.backward(g)
    np.testing.assert_array_equal(g, kept)


# -- the heat map ------------------------------------------------------------------------------------------------------
def test_plot_attention_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    from numpy_rnn.plotting import plot_attention
    rng = np.random.default_rng(13)
    _, a = Attention().forward([rng.normal(size=(1, 4, 3)), rng.normal(size=(1, 6, 3))], return_attention_scores=True)
    path = tmp_path / "attention.png"
    assert plot_attention(a[0], "a cat!", ["le", "chat", " ", "<end>"], path, title="attention") == path
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="input_tokens has 3 tokens"):
        plot_attention(a[0], "cat", "abcd", path)
    with pytest.raises(ValueError, match="output_tokens"):
        plot_attention(a[0], "a cat!", "abc", path)
    with pytest.raises(ValueError, match=r"weights must be a \(Tq, Tv\) array"):
        plot_attention(a, "a cat!", "abcd", path)
