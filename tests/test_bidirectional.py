"""Bidirectional layers, and masks, against finite differences and against PyTorch.

``Bidirectional(layer)`` runs ``layer`` forwards and a copy of it backwards (``go_backwards=True``), and merges the
two outputs. Its backward pass splits the gradient between the directions by the merge's own rule and adds the two
input gradients; the finite-difference checks below prove each merge mode, with and without masks. PyTorch's
``bidirectional=True`` modules and its packed sequences (its way of skipping padding) are an independent witness,
given the same weights: their gradients come from autograd, not from code shared with ours.
"""
import numpy as np
import pytest
from helpers import randomize
from test_gradient_grid import seed_of
from test_layers import RECURRENT
from test_masking import MASK, units_of

from numpy_rnn import GRU, LSTM, Bidirectional, Dense, Embedding, Sequential, SimpleRNN, gradcheck, relative_error

B, T, F = MASK.shape[0], MASK.shape[1], 3


def make_bidirectional(cls, rng, H, **flags):
    merge_mode = flags.pop("merge_mode", "concat")
    layer = Bidirectional(cls(H, **flags), merge_mode=merge_mode)
    layer.build(F, rng)
    randomize(layer, rng)
    return layer


def vjp(layer, x, mask, upstream, initial_state=None):
    """``f()`` = the sum of every returned array times its upstream gradient."""
    def f():
        out = layer.forward(x, initial_state=initial_state, mask=mask)
        out = out if isinstance(out, list) else [out]
        return sum(float(np.sum(o * g)) for o, g in zip(out, upstream))
    return f


@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
@pytest.mark.parametrize("cls", RECURRENT, ids=lambda cls: cls.__name__)
def test_bidirectional_gradients_match_finite_differences(cls, merge_mode, return_sequences, masked):
    rng = np.random.default_rng(seed_of("bidirectional", cls.__name__, merge_mode, return_sequences, masked))
    layer = make_bidirectional(cls, rng, units_of(cls), merge_mode=merge_mode, return_sequences=return_sequences)
    mask = MASK if masked else None
    x = rng.normal(size=(B, T, F))
    out = layer.forward(x, mask=mask)
    upstream = [rng.normal(size=out.shape)]
    dx = layer.backward(upstream[0])
    grads = {name: g.copy() for name, g in layer.grads.items()}
    f = vjp(layer, x, mask, upstream)
    report = gradcheck(f, layer.params, grads)
    assert report.ok, report
    report = gradcheck(f, {"x": x}, {"x": np.ascontiguousarray(dx)})
    assert report.ok, report


@pytest.mark.parametrize("cls", [LSTM, GRU], ids=lambda cls: cls.__name__)
def test_bidirectional_states_and_merge_none(cls):
    """return_state: [y, forward states..., backward states...], each with its own gradient; merge_mode=None: the
    list of both outputs, each with its own gradient."""
    rng = np.random.default_rng(seed_of("states", cls.__name__))
    H = 3
    layer = make_bidirectional(cls, rng, H, return_sequences=True, return_state=True)
    x = rng.normal(size=(B, T, F))
    initial_state = [rng.normal(size=(B, H)) for _ in layer.state_names]
    out = layer.forward(x, initial_state=initial_state, mask=MASK)
    assert len(out) == 1 + 2 * len(layer.forward_layer.state_names)
    upstream = [rng.normal(size=o.shape) for o in out]
    layer.backward(upstream)
    grads = {name: g.copy() for name, g in layer.grads.items()}
    initial_grads = layer.initial_state_grads
    f = vjp(layer, x, MASK, upstream, initial_state)
    report = gradcheck(f, layer.params, grads)
    assert report.ok, report
    report = gradcheck(f, dict(zip(layer.state_names, initial_state)), dict(zip(layer.state_names, initial_grads)))
    assert report.ok, report

    both = make_bidirectional(cls, rng, H, merge_mode=None, return_sequences=True)
    y_f, y_b = both.forward(x)
    upstream = [rng.normal(size=y_f.shape), rng.normal(size=y_b.shape)]
    dx = both.backward(upstream)
    f = vjp(both, x, None, upstream)
    report = gradcheck(f, {"x": x}, {"x": np.ascontiguousarray(dx)})
    assert report.ok, report


def test_the_directions_are_a_layer_and_its_reversed_copy():
    rng = np.random.default_rng(5)
    layer = make_bidirectional(SimpleRNN, rng, 3, return_sequences=True)
    x = rng.normal(size=(B, T, F))
    y = layer.forward(x)
    forward, backward = layer.forward_layer, layer.backward_layer
    assert backward.go_backwards and not forward.go_backwards
    np.testing.assert_array_equal(y[..., :3], forward.forward(x))
    np.testing.assert_array_equal(y[..., 3:], backward.forward(x)[:, ::-1])  # aligned with the input's steps
    # Keras's weights: the forward layer's list, then the backward layer's.
    weights = layer.get_weights()
    assert len(weights) == 6
    for got, want in zip(weights, forward.get_weights() + backward.get_weights()):
        np.testing.assert_array_equal(got, want)
    other = make_bidirectional(SimpleRNN, np.random.default_rng(6), 3, return_sequences=True)
    other.set_weights(weights)
    np.testing.assert_array_equal(other.forward(x), y)
    with pytest.raises(ValueError, match="expects 6 arrays"):
        other.set_weights(weights[:3])
    with pytest.raises(TypeError, match="recurrent layer"):
        Bidirectional(Dense(3))
    with pytest.raises(ValueError, match="merge_mode"):
        Bidirectional(LSTM(3), merge_mode="max")


def test_a_bidirectional_model_trains_saves_and_loads(tmp_path):
    rng = np.random.default_rng(7)
    ids = rng.integers(0, 9, size=(24, 6))
    ids[:8, 4:] = 0  # some reviews padded at the end
    y = (ids[:, 0] > 4).astype(float)
    model = Sequential([Embedding(9, 4, mask_zero=True), Bidirectional(LSTM(3, return_sequences=True)),
                        Bidirectional(GRU(2), merge_mode="sum"), Dense(1, activation="sigmoid")], random_state=0)
    model.compile("adam", "binary_crossentropy")
    model.fit(ids, y, epochs=2, batch_size=8, verbose=0)
    path = str(tmp_path / "model.npz")
    model.save(path)
    loaded = Sequential.load(path)
    np.testing.assert_array_equal(loaded.predict(ids), model.predict(ids))
    model.fit(ids, y, epochs=1, batch_size=8, verbose=0)
    loaded.fit(ids, y, epochs=1, batch_size=8, verbose=0)
    np.testing.assert_array_equal(loaded.predict(ids), model.predict(ids))
    assert model.count_params() == loaded.count_params() == 9 * 4 + 2 * (4 * 3 * (4 + 3 + 1)) + \
        2 * (3 * 2 * (6 + 2) + 2 * 3 * 2) + 3


# -- PyTorch ------------------------------------------------------------------------------------------------------------
MODULES = {SimpleRNN: "RNN", LSTM: "LSTM", GRU: "GRU"}


def torch_twin(layer, bidirectional):
    """The PyTorch module with ``layer``'s weights (float64)."""
    torch = pytest.importorskip("torch")
    inner = layer.forward_layer if bidirectional else layer
    module = getattr(torch.nn, MODULES[type(inner)])(inner.input_dim, inner.units, batch_first=True,
                                                     bidirectional=bidirectional, dtype=torch.float64)
    module.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in layer.to_torch().items()})
    return module


@pytest.mark.parametrize("bidirectional", [False, True], ids=["one-way", "bidirectional"])
@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU], ids=lambda cls: cls.__name__)
def test_masks_match_pytorch_packed_sequences(cls, bidirectional):
    """End-padded sequences with a mask, against PyTorch's packed sequences of the same lengths: outputs at the real
    steps, final states (the backward direction's included: it starts at each sequence's last real step), and
    every gradient."""
    torch = pytest.importorskip("torch")
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    rng = np.random.default_rng(seed_of("packed", cls.__name__, bidirectional))
    H, lengths = 3, np.array([5, 2, 4, 1, 3])  # PyTorch does not pack empty sequences
    if bidirectional:
        layer = make_bidirectional(cls, rng, H, return_sequences=True, return_state=True)
        n_states = len(layer.forward_layer.state_names)
    else:
        layer = cls(H, return_sequences=True, return_state=True)
        layer.build(F, rng)
        randomize(layer, rng)
        n_states = len(layer.state_names)
    mask = np.arange(T)[None, :] < lengths[:, None]
    x = rng.normal(size=(B, T, F)) * mask[..., None]
    module = torch_twin(layer, bidirectional)

    seq, *states = layer.forward(x, mask=mask)
    # PyTorch's padded outputs are zeros, constants: the upstream gradient there is zero, in both computations.
    upstream = [rng.normal(size=seq.shape) * mask[..., None]] + [rng.normal(size=s.shape) for s in states]
    dx = layer.backward(upstream)

    x_t = torch.tensor(x, requires_grad=True)
    packed = pack_padded_sequence(x_t, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    out_t, final_t = module(packed)
    seq_t, _ = pad_packed_sequence(out_t, batch_first=True, total_length=T)
    final_t = list(final_t) if cls is LSTM else [final_t]  # each (directions, B, H)
    # Ours: [forward h, (c), backward h, (c)]; PyTorch: one tensor per kind of state, one row per direction.
    theirs = [f[d] for d in range(2 if bidirectional else 1) for f in final_t]
    loss = (seq_t * torch.from_numpy(upstream[0])).sum()
    for s, g in zip(theirs, upstream[1:]):
        loss = loss + (s * torch.from_numpy(g)).sum()
    loss.backward()

    assert relative_error(seq * mask[..., None], seq_t.detach().numpy()) < 1e-12
    assert len(states) == len(theirs) == n_states * (2 if bidirectional else 1)
    for ours, t in zip(states, theirs):
        assert relative_error(ours, t.detach().numpy()) < 1e-12
    assert relative_error(dx, x_t.grad.numpy()) < 1e-12
    ours = layer.to_torch(layer.grads)
    for name, param in module.named_parameters():
        mine = ours[name]
        if cls is not GRU and "bias_hh" in name:  # we keep one bias: both of PyTorch's have its gradient
            mine = ours[name.replace("bias_hh", "bias_ih")]
        assert relative_error(mine, param.grad.numpy()) < 1e-12, name
