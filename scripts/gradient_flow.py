"""Why LSTMs exist: the norm of dL/dh_t as the gradient travels back 35 steps, in a SimpleRNN and in an LSTM.

    python scripts/gradient_flow.py                    # 35 steps, 32 units; writes gradient_flow.png
    python scripts/gradient_flow.py --quick            # 16 units, a batch of 4
    python scripts/gradient_flow.py --steps 100 --plot flow.png

The loss reads only the last output, L = sum(h_T * g), with g a random direction of norm 1: dL/dh_T = g and nothing
else arrives. The script measures how much of g is left at h_t, k = T - t steps back, for each layer below.

SimpleRNN. One step back through h_t = tanh(x_t W_x + h_{t-1} W_h + b) is (cells/simple_rnn.py)

    dh_{t-1} = (dh_t * (1 - h_t^2)) W_h^T  =  dh_t J_t,       J_t = diag(1 - h_t^2) W_h^T

so dL/dh_{T-k} = g J_T J_{T-1} ... J_{T-k+1}, a product of k matrices. Each factor 1 - h_t^2 lies in (0, 1], so
one step back multiplies the norm by at most s, the largest singular value of W_h: ||dL/dh_{T-k}|| <= s^k. With
s < 1 the gradient shrinks geometrically whatever the data: 0.5^34 is 6e-11, and what happened 34 steps ago has no
say in the weight update (the vanishing gradient). With s > 1 it can grow as fast as s^k (the exploding gradient,
which is why training clips it), but only through units that are not saturated: 1 - h^2 is near 0 where h is near
+-1, so tanh takes back part of the growth.

Here W_h = s Q, where Q is the orthogonal matrix the library starts W_h from (every singular value 1), so every
singular value of W_h is s: s = 0.5 shrinks, s = 2 grows, and s = 1 is a SimpleRNN as numpy_rnn initializes it,
where only tanh shrinks. (The book multiplies a Gaussian matrix by 0.5 or 2; its largest singular value is then not
0.5 or 2, but a multiple of it that depends on the size and the draw.)

LSTM. The cell state has a path of its own (cells/lstm.py):

    c_t = f * c_{t-1} + i * g          so          dc_{t-1} = dc * f

elementwise, with no W_h in it: from one step to the one before, the gradient of the cell state is multiplied by
the forget gate f = sigmoid(x_t W_xf + h_{t-1} W_hf + b_f), a number between 0 and 1 for each unit at each step,
which the network learns, not by a fixed matrix. At the start f is about sigmoid(b_f): 0.5 for b_f = 0 (PyTorch's
initialization), 0.73 for b_f = 1 (Keras's unit_forget_bias, and numpy_rnn's), 0.95 for b_f = 3 (a gate that has
learned to keep its memory). dL/dh_t follows dL/dc_t: dh_{t-1} = da W_h^T, da being dc and dh_t times the gates'
derivatives. The LSTM does not stop gradients from vanishing; it lets the forget gate choose how fast they do.

How it is measured: with numpy_rnn's own backward pass, no autograd and no formula written here. The script steps
the layer's cell forward over a random batch (``cell.forward_step``) and back from g (``cell.backward_step``),
reading dL/dh_t (and dL/dc_t) between two steps back: the gradients with respect to the states as the input of
the steps after t (so dL/dc_T = 0: the loss reads c_T only through h_T, inside step T). On the way back it collects
dL/dx_t, and checks it against the layer's own ``backward(dout)``, dout zero everywhere except g at the last step,
and dL/dh_0 (dL/dc_0) against the layer's ``initial_state_grads``: the figure uses the gradients the layer trains
with. Every layer reads the same random batch, drawn from N(0, 0.3^2), inputs small enough that tanh does not
saturate from the first step, and gets the same g. Prints ||dL/dh_t|| at 0, 5, 10, 20 and T - 1 steps back for each
layer, the LSTMs' ||dL/dc_t||, and the largest relative difference from the layer's backward pass.
"""
import argparse

import numpy as np

from numpy_rnn import LSTM, SimpleRNN, relative_error
from numpy_rnn.plotting import pyplot, save_figure

# (label, layer class, scale s of W_h = s Q, forget-gate bias b_f); None: as the library initializes it
CASES = (
    ("SimpleRNN, s = 0.5", SimpleRNN, 0.5, None),
    ("SimpleRNN, s = 1 (as initialized)", SimpleRNN, None, None),
    ("SimpleRNN, s = 2", SimpleRNN, 2.0, None),
    ("LSTM, b_f = 0", LSTM, None, 0.0),
    ("LSTM, b_f = 1 (as initialized)", LSTM, None, None),
    ("LSTM, b_f = 3", LSTM, None, 3.0),
)


def build_layer(layer_class, units, features, rng, scale=None, forget_bias=None):
    """``layer_class(units, return_sequences=True)`` built for ``features`` inputs with the library's initial
    weights, then W_h multiplied by ``scale`` and the forget gate's bias block set to ``forget_bias`` (when given)."""
    layer = layer_class(units, return_sequences=True)
    layer.build(features, rng)
    if scale is not None:
        layer.params["W_h"] *= scale  # s Q: every singular value of the orthogonal Q becomes s
    if forget_bias is not None:
        layer.params["b"][units:2 * units] = forget_bias  # the gate order is i, f, g, o (cells/lstm.py)
    return layer


def gradient_through_time(cell, x, g):
    """Run ``cell`` over ``x`` (B, T, F) from zero states, then back from dL/dh_T = ``g`` (B, H), dL/dc_T = 0.

    Returns ``(dstates, dx)``: ``dstates[n][t]`` is dL/d(state n)_t for t = 0 ... T as a (T + 1, B, H) array, in the
    cell's ``state_names`` order (h, then c for an LSTM); ``dx`` (B, T, F) is dL/dx_t. Fills ``cell.grads``."""
    T = x.shape[1]
    states, caches = [np.zeros(g.shape) for _ in cell.state_names], []
    for t in range(T):
        states, cache = cell.forward_step(x[:, t], states)
        caches.append(cache)

    # Row t + 1 of each array holds the gradient of the state after step t (row 0: the initial state).
    dstates = [np.empty((T + 1,) + g.shape) for _ in cell.state_names]
    dx = np.empty(x.shape)
    dstates_t = [g] + [np.zeros(g.shape) for _ in cell.state_names[1:]]  # the loss reads h_T, nothing else
    cell.zero_grads()
    for t in reversed(range(T)):
        for saved, d in zip(dstates, dstates_t):
            saved[t + 1] = d
        dx[:, t], dstates_t = cell.backward_step(dstates_t, caches[t])
    for saved, d in zip(dstates, dstates_t):
        saved[0] = d
    return dstates, dx


def difference_from_layer(layer, x, g, dstates, dx):
    """The largest relative difference between the gradients stepped back by hand and the layer's own backward pass
    given dout = g at the last step and zero elsewhere: dL/dx_t step by step, and dL/dh_0 (dL/dc_0)."""
    dout = np.zeros(x.shape[:2] + g.shape[1:])
    dout[:, -1] = g
    layer.forward(x)
    dx_layer = layer.backward(dout)
    # Step by step: a single relative error over all steps would be blind to the tiny gradients of early steps.
    errors = [relative_error(dx[:, t], dx_layer[:, t]) for t in range(x.shape[1])]
    errors += [relative_error(d[0], d_layer) for d, d_layer in zip(dstates, layer.initial_state_grads)]
    return max(errors)


def plot_flow(result, path, title):
    """The norms against the steps back, log scale: dL/dh_t of every layer, then the LSTMs' dL/dc_t."""
    plt = pyplot()  # imports matplotlib only now, when a figure is drawn
    k = result["steps_back"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5), dpi=100)
    for i, (label, layer_class, _, _) in enumerate(CASES):  # one colour per layer in both panels, the LSTMs dashed
        style = dict(color=f"C{i}", linestyle="--" if layer_class is LSTM else "-", label=label)
        left.plot(k, result["h_norms"][label], **style)
        if label in result["c_norms"]:  # from k = 1: dL/dc_T is 0
            right.plot(k[1:], result["c_norms"][label][1:], **style)
    left.plot(k, 0.5 ** k, "k:", label="0.5^k: the bound for s = 0.5")
    left.set_title("||dL/dh_t||")
    right.set_title("the LSTM's ||dL/dc_t||: times f at each step back")
    for ax in (left, right):
        ax.set_yscale("log")
        ax.set_xlabel("steps back from the last output, k = T - t")
        ax.set_ylabel("norm")
        ax.grid(alpha=0.3)
    left.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=35, help="T, the length of the sequence")
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0, help="the weights, the inputs and g")
    parser.add_argument("--quick", action="store_true", help="16 units, a batch of 4: a second or two")
    parser.add_argument("--plot", default="gradient_flow.png", help="where to write the figure")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    args = parser.parse_args(argv)
    if args.quick:
        args.units, args.batch, args.features = 16, 4, 4
    if min(args.steps, args.units, args.batch, args.features) < 1:
        parser.error("--steps, --units, --batch and --features must be positive")
    T, B, H, F = args.steps, args.batch, args.units, args.features

    shown = [k for k in (0, 5, 10, 20) if k < T - 1] + [T - 1]  # steps back printed
    print(f"||dL/dh_t||, k = T - t steps back from dL/dh_T of norm 1 (T = {T}, {H} units, a batch of {B})")
    print(f"{'':<36}" + "".join(f"{f'k = {k}':>10}" for k in shown) + f"{'vs layer':>10}")
    rng = np.random.default_rng(args.seed)
    x = rng.normal(0.0, 0.3, size=(B, T, F))  # every layer reads the same batch and gets the same g
    g = rng.normal(size=(B, H))
    g /= np.linalg.norm(g)
    result = dict(steps_back=np.arange(T), h_norms={}, c_norms={}, singular_values={}, layer_difference={})
    for label, layer_class, scale, forget_bias in CASES:
        layer = build_layer(layer_class, H, F, rng, scale, forget_bias)
        dstates, dx = gradient_through_time(layer.cell, x, g)
        # Index T - k is h_{T-k}, k steps back; k = 0 ... T - 1 are the outputs h_T ... h_1.
        norms = [np.linalg.norm(d[:0:-1], axis=(1, 2)) for d in dstates]
        result["h_norms"][label] = norms[0]
        if len(norms) > 1:
            result["c_norms"][label] = norms[1]
        if layer_class is SimpleRNN:
            result["singular_values"][label] = np.linalg.svd(layer.params["W_h"], compute_uv=False)
        result["layer_difference"][label] = difference_from_layer(layer, x, g, dstates, dx)
        print(f"{label:<36}" + "".join(f"{norms[0][k]:>10.1e}" for k in shown)
              + f"{result['layer_difference'][label]:>10.0e}")
    print("||dL/dc_t||, the LSTM's cell state")
    for label, norms in result["c_norms"].items():
        print(f"{label:<36}" + "".join(f"{norms[k]:>10.1e}" for k in shown))
    print("(vs layer: the largest relative difference from the layer's own backward pass)")

    if not args.no_plot:
        save_figure(plot_flow, result, args.plot, title=f"The gradient of the last output, going back in time ({H} "
                                                        f"units, numpy_rnn's backward pass)")
    return result


if __name__ == "__main__":
    main()
