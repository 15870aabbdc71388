"""SimpleRNN, LSTM and GRU against PyTorch's autograd, in float64, given the same weights.

PyTorch computes its gradients by automatic differentiation, with no hand-written backward for us to share, so
agreement to ~1e-13 is an independent confirmation of the equations *and* of the weight conversion (``to_torch``).
Skipped when torch is not installed (``pip install -e ".[torch]"``).
"""
import numpy as np
import pytest

from numpy_rnn import GRU, LSTM, Dense, Embedding, SimpleRNN, relative_error

torch = pytest.importorskip("torch")

MODULES = {SimpleRNN: torch.nn.RNN, LSTM: torch.nn.LSTM, GRU: torch.nn.GRU}


def parity_errors(cls, seed):
    """The largest relative difference to PyTorch for each compared quantity, on random shapes and weights."""
    rng = np.random.default_rng(seed)
    B, T, F, H = (int(v) for v in rng.integers(1, 6, size=4))
    layer = cls(H, return_sequences=True, return_state=True)
    layer.build(F, rng)
    for p in layer.params.values():
        p[...] = rng.normal(0, 0.5, size=p.shape)

    state = layer.to_torch()
    if cls is not GRU:  # PyTorch splits the one bias in two: split it at random to check that they are summed
        share = rng.normal(size=state["bias_hh_l0"].shape)
        state["bias_ih_l0"] = state["bias_ih_l0"] - share
        state["bias_hh_l0"] = share
    module = MODULES[cls](F, H, batch_first=True, dtype=torch.float64)
    module.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()})

    x = rng.normal(size=(B, T, F))
    initial = [rng.normal(size=(B, H)) for _ in layer.state_names]
    upstream = [rng.normal(size=(B, T, H))] + [rng.normal(size=(B, H)) for _ in layer.state_names]

    seq, *final = layer.forward(x, initial_state=initial)
    dx = layer.backward(upstream)

    x_t = torch.tensor(x, requires_grad=True)
    initial_t = [torch.tensor(s[None], requires_grad=True) for s in initial]
    seq_t, final_t = module(x_t, initial_t[0] if cls is not LSTM else tuple(initial_t))
    final_t = [final_t] if cls is not LSTM else list(final_t)
    loss = (seq_t * torch.from_numpy(upstream[0])).sum()
    for s, g in zip(final_t, upstream[1:]):
        loss = loss + (s[0] * torch.from_numpy(g)).sum()
    loss.backward()

    errors = {"output": relative_error(seq, seq_t.detach().numpy())}
    for name, ours, theirs in zip(layer.state_names, final, final_t):
        errors[f"final {name}"] = relative_error(ours, theirs.detach().numpy()[0])
    errors["d input"] = relative_error(dx, x_t.grad.numpy())
    for name, ours, theirs in zip(layer.state_names, layer.initial_state_grads, initial_t):
        errors[f"d initial {name}"] = relative_error(ours, theirs.grad.numpy()[0])
    ours = layer.to_torch(layer.grads)
    if cls is not GRU:  # both of PyTorch's biases have the gradient of the one bias they add up to
        ours["bias_hh_l0"] = ours["bias_ih_l0"]
    for name, param in module.named_parameters():
        errors[f"d {name}"] = relative_error(ours[name], param.grad.numpy())
    return errors


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU], ids=["SimpleRNN", "LSTM", "GRU"])
def test_recurrent_layers_match_pytorch(cls, seed):
    errors = parity_errors(cls, seed)
    worst = max(errors, key=errors.get)
    assert errors[worst] < 1e-10, f"{worst}: {errors[worst]:.2e}"


def test_weights_round_trip_through_pytorch_layouts():
    rng = np.random.default_rng(0)
    for layer, other in [(GRU(3), GRU(3)), (LSTM(2), LSTM(2)), (Dense(4), Dense(4)), (Embedding(5, 2), Embedding(5, 2))]:
        layer.build(layer.input_dim or 3, rng)
        other.build(other.input_dim or 3, np.random.default_rng(1))
        other.from_torch(layer.to_torch())
        for a, b in zip(layer.get_weights(), other.get_weights()):
            np.testing.assert_array_equal(a, b)


def test_dense_and_embedding_match_pytorch():
    rng = np.random.default_rng(1)
    embedding, dense = Embedding(7, 3), Dense(2, activation="tanh")
    embedding.build(7, rng)
    dense.build(3, rng)
    ids = rng.integers(0, 7, size=(4, 5))
    g = rng.normal(size=(4, 5, 2))
    out = dense.forward(embedding.forward(ids))
    embedding.backward(dense.backward(g))

    emb_t, lin_t = torch.nn.Embedding(7, 3, dtype=torch.float64), torch.nn.Linear(3, 2, dtype=torch.float64)
    emb_t.load_state_dict({k: torch.from_numpy(v) for k, v in embedding.to_torch().items()})
    lin_t.load_state_dict({k: torch.from_numpy(v) for k, v in dense.to_torch().items()})
    out_t = torch.tanh(lin_t(emb_t(torch.from_numpy(ids))))
    (out_t * torch.from_numpy(g)).sum().backward()
    assert relative_error(out, out_t.detach().numpy()) < 1e-12
    assert relative_error(embedding.grads["W"], emb_t.weight.grad.numpy()) < 1e-12
    assert relative_error(dense.to_torch(dense.grads)["weight"], lin_t.weight.grad.numpy()) < 1e-12


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU], ids=["SimpleRNN", "LSTM", "GRU"])
def test_from_torch_loads_both_biases(cls):
    """A PyTorch module's own weights, both biases random and non-zero, give PyTorch's outputs once loaded.

    The parity test above goes the other way (``to_torch``), and the round trip through PyTorch's layout starts
    from a zero ``bias_hh_l0``: neither would notice ``from_torch`` dropping or subtracting that bias."""
    rng = np.random.default_rng(12)
    B, T, F, H = 2, 5, 3, 4
    module = MODULES[cls](F, H, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.from_numpy(rng.normal(0, 0.5, size=tuple(p.shape))))
    state = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    assert np.all(state["bias_ih_l0"] != 0) and np.all(state["bias_hh_l0"] != 0)

    layer = cls(H, input_dim=F, return_sequences=True, return_state=True)
    layer.build(F, rng)
    layer.from_torch(state)
    x = rng.normal(size=(B, T, F))
    initial = [rng.normal(size=(B, H)) for _ in layer.state_names]
    seq, *final = layer.forward(x, initial_state=initial)

    with torch.no_grad():
        initial_t = [torch.from_numpy(s[None]) for s in initial]  # PyTorch's states are (layers, B, H)
        seq_t, final_t = module(torch.from_numpy(x), initial_t[0] if cls is not LSTM else tuple(initial_t))
    final_t = [final_t] if cls is not LSTM else list(final_t)
    assert relative_error(seq, seq_t.numpy()) < 1e-12
    for name, ours, theirs in zip(layer.state_names, final, final_t):
        assert relative_error(ours, theirs.numpy()[0]) < 1e-12, name
