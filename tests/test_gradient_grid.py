"""Every way of running a recurrent layer, each one's backward pass proven by finite differences.

``test_layers.py`` draws random configurations with hypothesis; this file walks a fixed grid instead, so that every
combination is visited on every run, whatever hypothesis happens to draw:

    layer          SimpleRNN, LSTM, GRU, LayerNormSimpleRNN
    input          token ids (B, T)  or  floats (B, T, F)
    output         the last output h_T  or  the whole sequence h_1 ... h_T
    truncation     full BPTT (bptt_steps=None),  1 <= k < T,  k = T (no cut: the edge case of "k >= T")
    mode           plain (zero initial state)
                   stateful (a second window, whose initial state is the state the first window left behind)
                   return_state (an initial_state passed in, a non-zero gradient arriving at every final state)

The quantity checked is the vector-Jacobian product of ``test_layers.py``: ``L = sum(output * g)`` for a random
upstream gradient ``g`` (one per returned array with ``return_state``). For each case the layer's backward pass must
give, to 1e-7 of the largest entry, what central finite differences give:

- dL/dparameter for every parameter array (weights, biases, gamma and beta);
- dL/dx for float input, and ``None`` for token ids (ids have no gradient);
- dL/d(initial state) for every state, whether it was passed in, carried over by a stateful layer or the default
  zeros; and ``initial_state_grads is None`` exactly when no gradient reaches step 0.

Why truncation needs the "detached" loss. With ``bptt_steps = k < T`` the backward pass does not compute the gradient
of L: it deliberately stops the gradient from crossing into step T-k+1. Finite differences of L itself would then
disagree with a *correct* truncated backward, and a test could only say "roughly similar", which lets real bugs
through. The truncated gradient is, however, the exact gradient of another function: L with the state h_{T-k} (and
c_{T-k}) replaced by a constant, its value computed once before any nudging. ``detached_vjp`` (test_layers.py) builds
that function from forward passes only (the first T-k steps and the last k steps run separately), so truncation is
checked to the same 1e-7 as everything else. The same idea covers a stateful layer: the state carried in from the
previous window is a constant, so the check runs the second window from a copy of it.

Which gradients truncation removes follows from that picture. With the whole sequence as output, every step still
receives its own output's gradient, so the gradient reaches step 0 and the initial state. With only the last output,
nothing reaches the steps before the cut: their input gradient is zero and the initial state gets none at all
(``None``, not zeros, since nothing was computed).

Shapes are small (B=2, T=4, F=3, H=3; H=4 for layer norm, see test_layers.py) and every weight is random, biases
included (a zero bias hides mistakes that only a non-zero one would show; see helpers.py). All 144 cases take
7-15 s on one core.
"""
import zlib

import numpy as np
import pytest
from test_layers import RECURRENT, detached_vjp, make_recurrent, twin_of

from numpy_rnn import LayerNormSimpleRNN, gradcheck

B, T, F, H = 2, 4, 3, 3
FIRST_WINDOW = 3  # the stateful mode's first window, whose final state the second window starts from
TRUNCATIONS = {"full": None, "k=2": 2, "k=T": T}
MODES = ("plain", "stateful", "return_state")


def seed_of(*case):
    """A fixed seed per case (crc32 of its name: unlike hash(), the same in every Python process)."""
    return zlib.crc32(repr(case).encode())


def draw_input(rng, ids, steps):
    return rng.integers(0, F, size=(B, steps)) if ids else rng.normal(size=(B, steps, F))


def run_case(cls, ids, return_sequences, bptt_steps, mode, rng):
    """Run one grid case forward and backward. Returns what the checks need, the initial state included as the
    arrays the detached loss starts from (the default zeros made explicit, or the carried state copied)."""
    units = 4 if cls is LayerNormSimpleRNN else H
    layer = make_recurrent(cls, rng, units, F, return_sequences=return_sequences, bptt_steps=bptt_steps,
                           return_state=mode == "return_state", stateful=mode == "stateful")
    zeros = [np.zeros((B, units)) for _ in layer.state_names]
    if mode == "stateful":
        first = draw_input(rng, ids, FIRST_WINDOW)
        layer.forward(first)
        # The carried state, computed independently by a fresh twin (a constant: copies, not views of a buffer).
        initial_state = [np.array(s) for s in twin_of(layer).forward(first, initial_state=zeros)[1:]]
        x = draw_input(rng, ids, T)
        out = layer.forward(x)
    elif mode == "return_state":
        initial_state = [rng.normal(size=(B, units)) for _ in layer.state_names]
        x = draw_input(rng, ids, T)
        out = layer.forward(x, initial_state=initial_state)
    else:
        initial_state = zeros
        x = draw_input(rng, ids, T)
        out = layer.forward(x)

    outputs = out if mode == "return_state" else [out]
    # The forward pass itself must be the one the detached loss differentiates (a stateful layer that forgot its
    # state would otherwise be checked against the wrong function).
    seq, *final = twin_of(layer).forward(x, initial_state=initial_state)
    expected = [seq if return_sequences else seq[:, -1]] + (final if mode == "return_state" else [])
    for got, want in zip(outputs, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)

    upstream = [rng.normal(size=o.shape) for o in outputs]  # non-zero on every output and every final state
    dx = layer.backward(upstream if mode == "return_state" else upstream[0])
    grads = {name: g.copy() for name, g in layer.grads.items()}
    initial_grads = layer.initial_state_grads
    f = detached_vjp(layer, x, upstream, initial_state)
    return layer, x, f, dx, grads, initial_state, initial_grads


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("truncation", TRUNCATIONS)
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("ids", [True, False], ids=["ids", "floats"])
@pytest.mark.parametrize("cls", RECURRENT, ids=lambda cls: cls.__name__)
def test_gradient_grid(cls, ids, return_sequences, truncation, mode):
    bptt_steps = TRUNCATIONS[truncation]
    rng = np.random.default_rng(seed_of(cls.__name__, ids, return_sequences, truncation, mode))
    layer, x, f, dx, grads, initial_state, initial_grads = run_case(cls, ids, return_sequences, bptt_steps, mode,
                                                                    rng)

    report = gradcheck(f, layer.params, grads)
    assert report.ok, report

    if ids:
        assert dx is None
    else:
        report = gradcheck(f, {"x": x}, {"x": np.ascontiguousarray(dx)})
        assert report.ok, report

    # Nothing reaches step 0 only when the loop stopped at the cut: truncation with the last output alone.
    cut_off = bptt_steps is not None and bptt_steps < T and not return_sequences
    if cut_off:
        assert initial_grads is None
        if not ids:  # the steps before the cut get exactly zero, not whatever a buffer held
            assert not np.any(dx[:, :T - bptt_steps])
    else:
        assert initial_grads is not None
        assert len(initial_grads) == len(layer.state_names)
        report = gradcheck(f, dict(zip(layer.state_names, initial_state)),
                           dict(zip(layer.state_names, initial_grads)))
        assert report.ok, report
