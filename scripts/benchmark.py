"""numpy_rnn against PyTorch and Keras on the small recurrent models it targets, side by side, on this CPU.

Workloads (one training epoch unless said otherwise: the table's "time s" is what was timed; random data of the right
shapes, since the time of an epoch depends on the shapes, not on the values):

  W1  the textbook's IMDB classifier: 20,000 sequences x 100 steps over a 100-word vocabulary, SimpleRNN(32) +
      Dense(1, sigmoid), binary cross-entropy, SGD 0.01, batch 32, full BPTT. numpy_rnn reads token ids (and, for
      comparison, the one-hot array); the frameworks read the one-hot array, as the textbook feeds them.
      Also: numpy_rnn's RecurrentNetwork with the textbook's 10-step truncation, and the textbook's original
      formulation of it (below), for the speed-up of the design itself.
  W2  time-series forecasting: 7,000 series x 50 steps x 1 feature, SimpleRNN(20, sequences) -> SimpleRNN(20) ->
      Dense(1), MSE, Adam, batch 32.
  W3  W1 wider: 128 units, batch 64.
  W4  Embedding(1000, 32) + LSTM(8) + Dense(1, sigmoid) on 1,000-word ids (W1's shapes), Adam.
  W5  inference only: W1's model predicting 20,000 sequences in batches of 1,000.
  W6  "Deep Learning from Scratch 2" ch. 6's Rnnlm on PTB-sized token ids: Embedding(10000, 100) ->
      LSTM(100, return_sequences, stateful) -> Dense(10000, softmax), softmax cross-entropy at every step, SGD 20 with
      global gradient clipping 0.25, batch 20, windows of 35 steps. 100 windows (70,000 tokens) are timed, and the
      table's note extrapolates them to an epoch of PTB's 929,589 training tokens (1,327 windows).
      Also: the same model in plain NumPy in the style of the book's Time layers ("Time layers", below).
  W7  a character model: Embedding(65, 32) -> LSTM(256, sequences, stateful) -> LSTM(256, sequences, stateful) ->
      Dense(65, softmax), softmax cross-entropy at every step, Adam 2e-3 with global gradient clipping 5, batch 32,
      windows of 100 steps. 30 windows are timed, extrapolated to tinyshakespeare's 90% split (1,003,854 characters,
      313 windows).
  W8  "Deep Learning from Scratch 2" ch. 7's addition model (seq2seq, peeky=False): 45,000 questions of 7 character
      ids, answers of 5 ("_91  ": teacher forcing, the decoder reads the first 4, "_91 ", and predicts the last 4),
      13 characters. An encoder Embedding(13, 16) -> LSTM(128) whose final h, with c = 0 as the book's code starts
      it, is the initial state of a decoder Embedding(13, 16) -> LSTM(128, return_sequences) -> Dense(13, softmax);
      cross-entropy averaged over the 4 steps, Adam 1e-3 with global gradient clipping 5, batch 128. numpy_rnn trains
      the ``Seq2seq`` Model subclass of scripts/seq2seq_addition.py with ``fit([questions, decoder_in], targets)``.
      No float64 row (the script's ``--dtype float64`` takes about twice the time).

The two language models (W6, W7) read token ids all the way, for everyone: no one-hot array of the vocabulary is
built. Their data is random ids laid out as language-model batching lays out a corpus: B streams side by side, row
k*B + i of x being window k of stream i, and y the same ids one step ahead within each stream. Every implementation
carries the LSTM states from window to window and cuts the gradient at each window's start (truncated BPTT):
numpy_rnn and Keras with stateful layers fitted with shuffle=False (Keras 3 with a fixed ``batch_shape``), PyTorch with
the hidden state passed on ``.detach()``-ed. Shapes, loss, optimizer and clipping are the same for all three. Given
the same weights (checked in float64 at small shapes), Keras's losses agree with numpy_rnn's window after window to
1e-15 for W6 when no id repeats within a window, and to 1e-8 for W7; PyTorch's, with its second LSTM bias frozen
(below), to 1e-5. What differs:
  - the initializers: numpy_rnn and Keras draw the embeddings uniform in +-0.05, the kernels Glorot-uniform, the
    recurrent kernels orthogonal, and start the forget-gate bias at 1; PyTorch draws the embeddings normal, every
    other weight uniform in +-1/sqrt(units), and its forget-gate bias starts near 0;
  - PyTorch's LSTM has two bias vectors (b_ih + b_hh is Keras's one bias): both get the bias's gradient, so SGD moves
    their sum twice as far, and the clipping norm counts that gradient twice; ``clip_grad_norm_`` divides by the
    norm + 1e-6; its Adam adds epsilon after the bias correction of v (given Keras's value here, 1e-7);
  - Keras (TensorFlow) hands the embedding's gradient over as rows per occurrence: its global norm counts an id seen
    twice in a window as two rows instead of one row of their sum, so it clips by a slightly different factor;
  - numpy_rnn fuses softmax and cross-entropy from the logits, as do PyTorch's CrossEntropyLoss and Keras's
    TensorFlow backend (which reads the softmax's logits).
W8 is the same three ways, with the same differences (initializers, PyTorch's two LSTM biases, ``clip_grad_norm_``'s
1e-6 and where Adam's epsilon goes, Keras's embedding gradient as rows per occurrence in the clipping norm) and two of
its own:
  - numpy_rnn's model is a subclass with a hand-written ``backward``: it receives the gradient of the loss with
    respect to the probabilities and takes it back through the softmax (Dense's softmax backward), where PyTorch's
    CrossEntropyLoss and Keras fuse softmax and cross-entropy from the logits (a Sequential or graph model of
    numpy_rnn fuses them too);
  - the decoder's initial c is zeros for all three: ``torch.zeros_like(h)``, and in Keras's functional model
    ``keras.ops.zeros_like(h)``, passed as ``initial_state=[h, zeros]``.
From the same weights (float64, PyTorch's second bias frozen at zero), PyTorch's first-batch loss is numpy_rnn's to
1e-12 and every gradient to 1e-9, and the losses of the next Adam steps with clipping to 1e-6 (tests/test_scripts.py);
Keras's first-batch loss from the same weights equals numpy_rnn's (float64, checked by hand with TensorFlow 2.21).
numpy_rnn's optimizers clip only the global norm (``global_clipnorm``), so W7's clipping at 5 is of the global
norm for everyone (PyTorch's ``clip_grad_norm_``, Keras's ``global_clipnorm``). W7's two LSTM layers are PyTorch's
``nn.LSTM(num_layers=2)``, the same computation as two stacked layers. The language models have no float64 row (it
would only double their long runs), and their two warm-up windows are followed by a reset of the states, so that the
timed windows start the streams afresh.

Every measurement runs in a process of its own, with the thread count of NumPy's BLAS, PyTorch and TensorFlow pinned to
the same number (``--threads``, default 1); implementations alternate within each repetition, and the table shows the
median over repetitions. Each process first trains on two batches (or predicts one) untimed, so that one-off
costs (imports, PyTorch's first call, Keras's graph tracing) are not counted for anyone. A framework that is not
installed is reported as missing. Every model computes in float32, as the frameworks do by default: numpy_rnn's
through ``Sequential(..., dtype="float32")``, with a float64 row (its default precision) beside it. float32 reaches
the same accuracy (tests/test_model.py; ``scripts/imdb_four_ways.py --dtype float32``). The W1-book pair,
numpy_rnn's RecurrentNetwork and the textbook's original, both run in float64, the precision of the textbook's code.

Two more modes, alone or together, show what a user meets who sets nothing:

  --out-of-the-box  nothing is pinned, for anyone: no thread variables in the environment (those of the shell that
                    started the benchmark are removed), no thread setting in PyTorch or TensorFlow; each library runs
                    as a user gets it (numpy_rnn with its own choice of BLAS threads, threads.py). numpy_rnn's first
                    row is also run pinned to one thread ("numpy_rnn 1 thread"), alternating with the others, so
                    that the two compare under the same load.
  --busy            another program keeps one core busy while every measurement runs: a helper process spinning in a
                    loop (an editor, a browser, a second training run...). On a 2-core machine a BLAS that splits a
                    small product over both cores then waits, at every product, for the thread that shares the busy one.

``--timeout S`` stops any measurement process after S seconds and reports the row as "stopped after S s", with the
least ratio to numpy_rnn that this proves: out of the box on a busy machine a framework can take minutes for what takes
numpy_rnn seconds.

"The textbook's original formulation" is the listing's algorithm with its transpose bug fixed: it multiplies a
one-hot vector by W_1x at every step, computes the output layer at every step, and keeps the states in a Python list.
"Time layers" (W6) is the plain NumPy formulation of "Deep Learning from Scratch 2"'s Rnnlm, in the style of its Time
layers, written here from the equations: an LSTM step object per time step holding its own cache (the input product
made step by step), the embedding by gathering rows (a scatter-add with np.add.at backward), the output layer over all
steps as one 2-D product, softmax with loss over all steps, float32, SGD 20 with the global norm clipped at 0.25, the
states carried from window to window. From the same weights it computes numpy_rnn's losses window after window
(tests/test_scripts.py, float64), so the two do equal work.

    python scripts/benchmark.py                  # 3 repetitions; about 17 minutes with both frameworks
    python scripts/benchmark.py --quick          # tiny shapes, one repetition: checks that everything runs
    python scripts/benchmark.py --only W1 W5 --json results.json
    python scripts/benchmark.py --only W1 W4 --out-of-the-box --busy      # as a user gets it, on a busy machine
    python scripts/benchmark.py --out-of-the-box --busy --repeat 1 --timeout 120
"""
import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                    "TF_NUM_INTEROP_THREADS")

# workload -> (description, implementations; the first is the baseline the ratios are taken against)
WORKLOADS = {
    "W1": ("IMDB-shaped SimpleRNN(32), full BPTT",
           ["numpy_rnn", "numpy_rnn float64", "numpy_rnn one-hot", "torch", "keras"]),
    "W1-book": ("RecurrentNetwork, 10-step truncation", ["numpy_rnn", "textbook original"]),
    "W2": ("time series, SimpleRNN 20-20 + Dense, Adam", ["numpy_rnn", "numpy_rnn float64", "torch", "keras"]),
    "W3": ("W1 with 128 units, batch 64", ["numpy_rnn", "numpy_rnn float64", "torch", "keras"]),
    "W4": ("Embedding(1000, 32) + LSTM(8), Adam", ["numpy_rnn", "numpy_rnn float64", "torch", "keras"]),
    "W5": ("W1 inference, batches of 1,000", ["numpy_rnn", "numpy_rnn float64", "torch", "keras"]),
    "W6": ("PTB word model, Rnnlm: LSTM(100), 10,000 words", ["numpy_rnn", "torch", "keras", "Time layers"]),
    "W7": ("character model: LSTM(256) x 2, 65 characters", ["numpy_rnn", "torch", "keras"]),
    "W8": ("seq2seq addition: LSTM(128) encoder-decoder", ["numpy_rnn", "torch", "keras"]),
}
# the language models: the training corpus an epoch goes through, for the extrapolated s/epoch
LM_CORPUS = {"W6": ("PTB's", 929589, "words"), "W7": ("tinyshakespeare's", 1003854, "characters")}


def shapes(workload, quick):
    full = {"W1": dict(n=20000, T=100, V=100, H=32, B=32), "W1-book": dict(n=20000, T=100, V=100, H=32, B=32),
            "W2": dict(n=7000, T=50, H=20, B=32), "W3": dict(n=20000, T=100, V=100, H=128, B=64),
            "W4": dict(n=20000, T=100, V=1000, E=32, H=8, B=32), "W5": dict(n=20000, T=100, V=100, H=32, B=1000),
            "W6": dict(windows=100, T=35, V=10000, E=100, H=100, B=20),
            "W7": dict(windows=30, T=100, V=65, E=32, H=256, B=32),
            "W8": dict(n=45000, Tq=7, Ta=4, V=13, E=16, H=128, B=128)}
    s = dict(full[workload])
    if workload == "W8" and quick:
        s.update(n=64, E=8, H=16, B=32)
        return s
    if workload in LM_CORPUS:
        if quick:
            s.update(windows=3, T=6, V=min(s["V"], 50), E=8, H=8, B=4)
        s["n"] = s["windows"] * s["B"]  # rows of x: one per stream per window
        return s
    if quick:
        s.update(n=min(s["n"], 2 * s["B"]), T=min(s["T"], 12))
    return s


def epoch_windows(workload, s):
    """The windows of a full epoch over the workload's corpus, cut as language-model batching cuts it: B streams of
    (tokens - 1) // B ids (the last id is only a target), each in windows of T steps."""
    return (LM_CORPUS[workload][1] - 1) // s["B"] // s["T"]


# -- the textbook's original formulation (reference only) --------------------------------------------------------
class TextbookOriginal:
    """The listing's algorithm with its transpose bug fixed, kept as the textbook wrote it: one-hot input multiplied
    at every step, the output computed at every step, states in a list, truncation to the last 10 steps."""

    def __init__(self, n_cells, n_features, lr, rng):
        import numpy as np
        self.np = np
        lim_x, lim_2 = np.sqrt(6 / (n_features + n_cells)), np.sqrt(6 / (n_cells + 1))
        self.w1h = np.linalg.qr(rng.standard_normal((n_cells, n_cells)))[0]
        self.w1x = rng.uniform(-lim_x, lim_x, (n_features, n_cells))
        self.b1 = np.zeros(n_cells)
        self.w2 = rng.uniform(-lim_2, lim_2, (n_cells, 1))
        self.b2 = np.zeros(1)
        self.lr = lr

    def forpass(self, x):
        np = self.np
        self.h = [np.zeros((x.shape[0], self.w1h.shape[0]))]
        for x_t in np.swapaxes(x, 0, 1):
            z1 = np.dot(x_t, self.w1x) + np.dot(self.h[-1], self.w1h) + self.b1
            h = np.tanh(z1)
            self.h.append(h)
            z2 = np.dot(h, self.w2) + self.b2
        return z2

    def training(self, x, y):
        np = self.np
        m = len(x)
        a = 1 / (1 + np.exp(-self.forpass(x)))
        err = -(y - a)
        w2_grad, b2_grad = np.dot(self.h[-1].T, err) / m, np.sum(err) / m
        w1h_grad = w1x_grad = b1_grad = 0
        err_to_cell = np.dot(err, self.w2.T) * (1 - self.h[-1] ** 2)
        for x_t, h in zip(np.swapaxes(x, 0, 1)[::-1][:10], self.h[:-1][::-1][:10]):
            w1h_grad += np.dot(h.T, err_to_cell)
            w1x_grad += np.dot(x_t.T, err_to_cell)
            b1_grad += np.sum(err_to_cell, axis=0)
            err_to_cell = np.dot(err_to_cell, self.w1h.T) * (1 - h ** 2)
        for name, grad in (("w1h", w1h_grad), ("w1x", w1x_grad), ("b1", b1_grad), ("w2", w2_grad), ("b2", b2_grad)):
            setattr(self, name, getattr(self, name) - self.lr * grad / (m if name in ("w1h", "w1x", "b1") else 1))


# -- W6 as plain NumPy in the style of "Deep Learning from Scratch 2"'s Time layers (reference only) ----------------
# Written here from the equations (numpy_rnn/cells/lstm.py's docstring), not taken from the book's code: a layer per
# stage, each applied to the whole window, and inside the LSTM one step object per time step holding its own cache.
# Shapes: B streams, T steps, V words, D embedding size, H units; ids and targets (B, T) integers.
class LSTMStep:
    """One LSTM step, Keras's gate order i, f, g, o: ``forward`` keeps what ``backward`` needs in ``self.cache``;
    ``backward`` adds the step's weight gradients to the layer's and returns dx_t, dh_{t-1}, dc_{t-1}."""

    def __init__(self, params, grads):
        self.params, self.grads = params, grads  # the layer's [W_x (D, 4H), W_h (H, 4H), b (4H,)], shared by steps

    def forward(self, x, h_prev, c_prev):
        W_x, W_h, b = self.params
        H = h_prev.shape[1]
        a = np.dot(x, W_x) + np.dot(h_prev, W_h) + b                  # (B, 4H)
        i = 1 / (1 + np.exp(-a[:, :H]))
        f = 1 / (1 + np.exp(-a[:, H:2 * H]))
        g = np.tanh(a[:, 2 * H:3 * H])
        o = 1 / (1 + np.exp(-a[:, 3 * H:]))
        c = f * c_prev + i * g
        tanh_c = np.tanh(c)
        h = o * tanh_c
        self.cache = (x, h_prev, c_prev, i, f, g, o, tanh_c)
        return h, c

    def backward(self, dh, dc):
        W_x, W_h, _ = self.params
        x, h_prev, c_prev, i, f, g, o, tanh_c = self.cache
        dc = dc + dh * o * (1 - tanh_c ** 2)  # c_t reaches the loss directly and through h_t
        da = np.hstack((dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g ** 2),
                        dh * tanh_c * o * (1 - o)))                   # (B, 4H)
        self.grads[0] += np.dot(x.T, da)
        self.grads[1] += np.dot(h_prev.T, da)
        self.grads[2] += da.sum(axis=0)
        return np.dot(da, W_x.T), np.dot(da, W_h.T), dc * f


class TimeLSTM:
    """The LSTM over a window: a new LSTMStep per step; h and c carried to the next window (stateful), the gradient
    cut at the window's start (truncated BPTT)."""

    def __init__(self, W_x, W_h, b):
        self.params = [W_x, W_h, b]
        self.grads = [np.zeros_like(p) for p in self.params]
        self.h = self.c = None

    def forward(self, xs):
        B, T, _ = xs.shape
        H = self.params[1].shape[0]
        if self.h is None:  # the streams start
            self.h = self.c = np.zeros((B, H), dtype=xs.dtype)
        hs = np.empty((B, T, H), dtype=xs.dtype)
        self.steps = []
        for t in range(T):
            step = LSTMStep(self.params, self.grads)
            self.h, self.c = step.forward(xs[:, t], self.h, self.c)
            hs[:, t] = self.h
            self.steps.append(step)
        return hs

    def backward(self, dhs):
        B, T, H = dhs.shape
        for grad in self.grads:
            grad[...] = 0
        dxs = np.empty((B, T, self.params[0].shape[0]), dtype=dhs.dtype)
        dh = dc = np.zeros((B, H), dtype=dhs.dtype)  # nothing arrives from beyond the window
        for t in reversed(range(T)):
            dxs[:, t], dh, dc = self.steps[t].backward(dhs[:, t] + dh, dc)
        return dxs


class TimeEmbedding:
    """Rows of W (V, D) gathered by id: no one-hot array. Backward scatter-adds each step's gradient into its id's
    row; ``np.add.at`` accumulates an id seen more than once (``dW[ids] += dout`` would keep only one of them)."""

    def __init__(self, W):
        self.params, self.grads = [W], [np.zeros_like(W)]

    def forward(self, ids):
        self.ids = ids
        return self.params[0][ids]                                    # (B, T, D)

    def backward(self, dout):
        self.grads[0][...] = 0
        np.add.at(self.grads[0], self.ids, dout)


class TimeAffine:
    """The output layer at every step as one 2-D product: (B*T, H) @ W (H, V) + b."""

    def __init__(self, W, b):
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]

    def forward(self, hs):
        B, T, H = hs.shape
        self.x = hs.reshape(B * T, H)
        return (np.dot(self.x, self.params[0]) + self.params[1]).reshape(B, T, -1)

    def backward(self, dout):
        B, T, V = dout.shape
        dout = dout.reshape(B * T, V)
        self.grads[0][...] = np.dot(self.x.T, dout)
        self.grads[1][...] = dout.sum(axis=0)
        return np.dot(dout, self.params[0].T).reshape(B, T, -1)


class TimeSoftmaxWithLoss:
    """Softmax and cross-entropy at every step, averaged over the B*T predictions. Backward: (p - one_hot(y)) / N,
    made by subtracting 1 at each target instead of building the one-hot array."""

    def forward(self, logits, targets):
        B, T, V = logits.shape
        z = logits.reshape(B * T, V)
        z = z - z.max(axis=1, keepdims=True)  # exp cannot overflow
        self.p = np.exp(z)
        self.p /= self.p.sum(axis=1, keepdims=True)
        self.shape, self.targets = logits.shape, targets.reshape(B * T)
        return -np.mean(np.log(self.p[np.arange(B * T), self.targets]))

    def backward(self):
        N = len(self.targets)
        dz = self.p.copy()
        dz[np.arange(N), self.targets] -= 1
        dz /= N
        return dz.reshape(self.shape)


class TimeLayersRnnlm:
    """W6's model: TimeEmbedding -> TimeLSTM -> TimeAffine -> TimeSoftmaxWithLoss, trained by SGD with the global
    gradient norm clipped. ``weights``: Keras's order, [embeddings (V, D), kernel (D, 4H), recurrent_kernel (H, 4H),
    bias (4H,), Dense kernel (H, V), Dense bias (V,)], so that numpy_rnn's weights can be given (the check in
    tests/test_scripts.py); ``initial_weights`` draws numpy_rnn's initializations."""

    def __init__(self, weights, lr=20.0, clipnorm=0.25):
        E, W_x, W_h, b, W, b_out = [w.copy() for w in weights]
        self.layers = [TimeEmbedding(E), TimeLSTM(W_x, W_h, b), TimeAffine(W, b_out)]
        self.loss_layer = TimeSoftmaxWithLoss()
        self.lr, self.clipnorm = lr, clipnorm

    @staticmethod
    def initial_weights(V, D, H, rng, dtype):
        glorot = np.sqrt(6 / (D + 4 * H))
        recurrent = np.hstack([np.linalg.qr(rng.standard_normal((H, H)))[0] for _ in range(4)])
        b = np.zeros(4 * H)
        b[H:2 * H] = 1.0  # the forget gate open at the start
        weights = [rng.uniform(-0.05, 0.05, (V, D)), rng.uniform(-glorot, glorot, (D, 4 * H)), recurrent, b,
                   rng.uniform(-np.sqrt(6 / (H + V)), np.sqrt(6 / (H + V)), (H, V)), np.zeros(V)]
        return [w.astype(dtype) for w in weights]

    def reset_state(self):
        self.layers[1].h = self.layers[1].c = None

    def train_window(self, ids, targets):
        """Forward, backward and one clipped SGD step on one window; returns the window's loss (before the step)."""
        out = ids
        for layer in self.layers:
            out = layer.forward(out)
        loss = self.loss_layer.forward(out, targets)
        dout = self.loss_layer.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        params = [p for layer in self.layers for p in layer.params]
        grads = [g for layer in self.layers for g in layer.grads]
        norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
        scale = self.clipnorm / norm if norm > self.clipnorm else 1.0
        for p, g in zip(params, grads):
            p -= self.lr * scale * g
        return loss


# -- one measurement, in a child process ---------------------------------------------------------------------------
def make_data(workload, s):
    import numpy as np
    rng = np.random.default_rng(0)
    if workload == "W2":
        x = rng.normal(size=(s["n"], s["T"], 1)).astype(np.float32)
        return x, x[:, -1, 0] * 0.5
    if workload in LM_CORPUS:
        # B streams of windows * T + 1 ids; row k*B + i is window k of stream i, its target one id ahead
        streams = rng.integers(0, s["V"], size=(s["B"], s["windows"] * s["T"] + 1))

        def windows(ids):
            return ids.reshape(s["B"], s["windows"], s["T"]).transpose(1, 0, 2).reshape(s["n"], s["T"])
        return windows(streams[:, :-1]), windows(streams[:, 1:])
    if workload == "W8":  # x: [questions (n, Tq), the decoder's input (n, Ta)]; y: the targets (n, Ta)
        return [rng.integers(0, s["V"], size=(s["n"], s["Tq"])), rng.integers(0, s["V"], size=(s["n"], s["Ta"]))], \
            rng.integers(0, s["V"], size=(s["n"], s["Ta"]))
    ids = rng.integers(0, s["V"], size=(s["n"], s["T"]))
    return ids, rng.integers(0, 2, size=s["n"])


def run_numpy_rnn(workload, impl, s, x, y):
    import numpy as np

    from numpy_rnn import LSTM, SGD, Adam, Dense, Embedding, RecurrentNetwork, Sequential, SimpleRNN
    if workload == "W1-book":
        if impl == "textbook original":
            model = TextbookOriginal(s["H"], s["V"], 0.01, np.random.default_rng(0))
            x_hot = np.eye(s["V"])[x]
            y2 = y.reshape(-1, 1)
            model.training(x_hot[:s["B"]], y2[:s["B"]])  # warm-up
            start = time.perf_counter()
            order = np.random.default_rng(1).permutation(len(x))
            x_hot, y2 = x_hot[order], y2[order]  # the listing shuffles by copying the whole data set
            for i in range(0, len(x), s["B"]):
                model.training(x_hot[i:i + s["B"]], y2[i:i + s["B"]])
            return time.perf_counter() - start
        rn = RecurrentNetwork(n_cells=s["H"], batch_size=s["B"], learning_rate=0.01, bptt_steps=10,
                              n_features=s["V"], random_state=0, verbose=0)
        rn.fit(x[:2 * s["B"]], y[:2 * s["B"]], epochs=1)  # warm-up, as for every implementation
        start = time.perf_counter()
        rn.fit(x, y, epochs=1)
        return time.perf_counter() - start
    dtype = "float64" if impl == "numpy_rnn float64" else "float32"  # float32 unless asked: as the frameworks
    if workload == "W8":
        model = seq2seq_class()(s["V"], wordvec_size=s["E"], hidden_size=s["H"], peeky=False, random_state=0,
                                dtype=dtype)
        model.compile(Adam(1e-3, global_clipnorm=5.0), "sparse_categorical_crossentropy")
        model.fit([x[0][:2 * s["B"]], x[1][:2 * s["B"]]], y[:2 * s["B"]], epochs=1, batch_size=s["B"], verbose=0)
        start = time.perf_counter()
        model.fit(x, y, epochs=1, batch_size=s["B"], verbose=0, gradient_warnings=None)
        return time.perf_counter() - start
    if workload in LM_CORPUS:
        if workload == "W6":
            recurrent, optimizer = [LSTM(s["H"], return_sequences=True, stateful=True)], SGD(20.0, global_clipnorm=0.25)
        else:
            recurrent = [LSTM(s["H"], return_sequences=True, stateful=True) for _ in range(2)]
            optimizer = Adam(2e-3, global_clipnorm=5.0)
        model = Sequential([Embedding(s["V"], s["E"])] + recurrent + [Dense(s["V"], activation="softmax")],
                           random_state=0, dtype=dtype)
        model.compile(optimizer, "sparse_categorical_crossentropy")
        model.fit(x[:2 * s["B"]], y[:2 * s["B"]], epochs=1, batch_size=s["B"], shuffle=False, verbose=0)  # warm-up
        model.reset_states()  # the timed windows start the streams afresh
        start = time.perf_counter()
        model.fit(x, y, epochs=1, batch_size=s["B"], shuffle=False, verbose=0, gradient_warnings=None)
        return time.perf_counter() - start
    if workload == "W2":
        model = Sequential([SimpleRNN(s["H"], return_sequences=True, input_shape=(s["T"], 1)), SimpleRNN(s["H"]),
                            Dense(1)], random_state=0, dtype=dtype)
        model.compile(Adam(), "mse")
    elif workload == "W4":
        model = Sequential([Embedding(s["V"], s["E"]), LSTM(s["H"]), Dense(1, activation="sigmoid")], random_state=0,
                           dtype=dtype)
        model.compile(Adam(), "binary_crossentropy")
    else:
        model = Sequential([SimpleRNN(s["H"], input_dim=s["V"]), Dense(1, activation="sigmoid")], random_state=0,
                           dtype=dtype)
        model.compile(SGD(0.01), "binary_crossentropy")
        if impl == "numpy_rnn one-hot":
            x = np.eye(s["V"], dtype=dtype)[x]
    model.build(x.shape[1:])
    if workload == "W5":
        model.predict(x[:s["B"]], batch_size=s["B"])  # warm-up
        start = time.perf_counter()
        model.predict(x, batch_size=s["B"])
        return time.perf_counter() - start
    model.fit(x[:2 * s["B"]], y[:2 * s["B"]], epochs=1, batch_size=s["B"], verbose=0)  # warm-up
    start = time.perf_counter()
    model.fit(x, y, epochs=1, batch_size=s["B"], verbose=0, gradient_warnings=None)
    return time.perf_counter() - start


def seq2seq_class():
    """W8's model: the ``Seq2seq`` Model subclass of scripts/seq2seq_addition.py, loaded from the file beside this one
    when a measurement needs it (this module imports nothing of numpy_rnn at load)."""
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seq2seq_addition.py")
    spec = importlib.util.spec_from_file_location("seq2seq_addition", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Seq2seq


def run_time_layers(s, x, y):
    """W6 by the Time-layers reference, in float32 like the others: the same windows, warm-up and reset."""
    model = TimeLayersRnnlm(TimeLayersRnnlm.initial_weights(s["V"], s["E"], s["H"], np.random.default_rng(0),
                                                            np.float32))

    def windows(n):
        for i in range(0, n, s["B"]):
            model.train_window(x[i:i + s["B"]], y[i:i + s["B"]])

    windows(2 * s["B"])  # warm-up
    model.reset_state()  # the timed windows start the streams afresh
    start = time.perf_counter()
    windows(len(x))
    return time.perf_counter() - start


def torch_model(workload, s):
    """PyTorch's model of W1-W5 (W1, W3, W5: nn.RNN reading the one-hot array; W2: two nn.RNN; W4: nn.Embedding and
    nn.LSTM), its loss on the logits and its optimizer: ``(net, loss_fn, optimizer)``. Also scripts/speed_floor.py's."""
    import torch
    nn = torch.nn
    if workload == "W2":
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.r1, self.r2 = nn.RNN(1, s["H"], batch_first=True), nn.RNN(s["H"], s["H"], batch_first=True)
                self.out = nn.Linear(s["H"], 1)

            def forward(self, x):
                return self.out(self.r2(self.r1(x)[0])[1][0])
        loss_fn = nn.MSELoss()
    else:
        if workload == "W4":
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.emb, self.rnn = nn.Embedding(s["V"], s["E"]), nn.LSTM(s["E"], s["H"], batch_first=True)
                    self.out = nn.Linear(s["H"], 1)

                def forward(self, x):
                    return self.out(self.rnn(self.emb(x))[1][0][0])
        else:
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.rnn, self.out = nn.RNN(s["V"], s["H"], batch_first=True), nn.Linear(s["H"], 1)

                def forward(self, x):
                    return self.out(self.rnn(x)[1][0])
        loss_fn = nn.BCEWithLogitsLoss()
    net = Net()
    opt = torch.optim.Adam(net.parameters()) if workload in ("W2", "W4") else torch.optim.SGD(net.parameters(), 0.01)
    return net, loss_fn, opt


def torch_inputs(workload, s, x):
    """The input tensor PyTorch's model of W1-W5 reads: the one-hot array of the ids for W1, W3 and W5."""
    import torch
    xt = torch.from_numpy(x)
    return xt if workload in ("W2", "W4") else torch.nn.functional.one_hot(xt, s["V"]).float()


def run_torch(workload, s, x, y, threads):
    import torch
    if threads is not None:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    if workload in LM_CORPUS:
        return run_torch_lm(workload, s, x, y)
    if workload == "W8":
        return run_torch_seq2seq(s, x, y)
    net, loss_fn, opt = torch_model(workload, s)
    xt = torch_inputs(workload, s, x)
    yt = torch.from_numpy(y.astype("float32"))[:, None]
    if workload == "W5":
        with torch.no_grad():
            net(xt[:s["B"]])  # warm-up
            start = time.perf_counter()
            for i in range(0, len(xt), s["B"]):
                net(xt[i:i + s["B"]])
        return time.perf_counter() - start

    def epoch(order):
        for i in range(0, len(order), s["B"]):
            idx = order[i:i + s["B"]]
            opt.zero_grad()
            loss_fn(net(xt[idx]), yt[idx]).backward()
            opt.step()

    epoch(torch.arange(2 * s["B"]))  # warm-up
    start = time.perf_counter()
    epoch(torch.randperm(len(xt)))
    return time.perf_counter() - start


def run_torch_lm(workload, s, x, y):
    """W6, W7: the states carried from window to window, detached so that the gradient stops at the window's start."""
    import torch
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(s["V"], s["E"])
            self.rnn = nn.LSTM(s["E"], s["H"], num_layers=1 if workload == "W6" else 2, batch_first=True)
            self.out = nn.Linear(s["H"], s["V"])

        def forward(self, ids, states):
            h, states = self.rnn(self.emb(ids), states)
            return self.out(h), states

    net, loss_fn = Net(), nn.CrossEntropyLoss()  # softmax and cross-entropy from the logits, averaged over B * T
    if workload == "W6":
        opt, clip = torch.optim.SGD(net.parameters(), 20.0), 0.25
    else:
        opt, clip = torch.optim.Adam(net.parameters(), 2e-3, eps=1e-7), 5.0
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def windows(n):
        states = None  # zeros: the streams start
        for i in range(0, n, s["B"]):
            if states is not None:
                states = tuple(state.detach() for state in states)
            opt.zero_grad()
            logits, states = net(xt[i:i + s["B"]], states)
            loss_fn(logits.reshape(-1, s["V"]), yt[i:i + s["B"]].reshape(-1)).backward()
            nn.utils.clip_grad_norm_(net.parameters(), clip)
            opt.step()

    windows(2 * s["B"])  # warm-up
    start = time.perf_counter()
    windows(len(xt))
    return time.perf_counter() - start


def torch_seq2seq(V, E, H):
    """W8's model in PyTorch: the encoder's final h, with c = 0, starts the decoder; the output is the logits."""
    import torch
    nn = torch.nn

    class Seq2seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder_embedding, self.encoder = nn.Embedding(V, E), nn.LSTM(E, H, batch_first=True)
            self.decoder_embedding, self.decoder = nn.Embedding(V, E), nn.LSTM(E, H, batch_first=True)
            self.out = nn.Linear(H, V)

        def forward(self, question, answer_in):
            _, (h, _) = self.encoder(self.encoder_embedding(question))  # h: (1, B, H)
            s, _ = self.decoder(self.decoder_embedding(answer_in), (h, torch.zeros_like(h)))
            return self.out(s)                                         # (B, Ta, V)

    return Seq2seq()


def run_torch_seq2seq(s, x, y):
    """W8: softmax cross-entropy from the logits averaged over the B * Ta answer characters, Adam, global clipping."""
    import torch
    net, loss_fn = torch_seq2seq(s["V"], s["E"], s["H"]), torch.nn.CrossEntropyLoss()
    opt = torch.optim.Adam(net.parameters(), 1e-3, eps=1e-7)
    qt, dt, yt = (torch.from_numpy(a) for a in (x[0], x[1], y))

    def epoch(order):
        for i in range(0, len(order), s["B"]):
            idx = order[i:i + s["B"]]
            opt.zero_grad()
            loss_fn(net(qt[idx], dt[idx]).reshape(-1, s["V"]), yt[idx].reshape(-1)).backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()

    epoch(torch.arange(2 * s["B"]))  # warm-up
    start = time.perf_counter()
    epoch(torch.randperm(len(yt)))
    return time.perf_counter() - start


def run_keras(workload, s, x, y, threads):
    import numpy as np
    import tensorflow as tf
    if threads is not None:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    tf.random.set_seed(0)
    k = tf.keras
    if workload == "W8":
        question, answer_in = k.Input((s["Tq"],), dtype="int32"), k.Input((s["Ta"],), dtype="int32")
        _, h, _ = k.layers.LSTM(s["H"], return_state=True)(k.layers.Embedding(s["V"], s["E"])(question))
        decoded = k.layers.LSTM(s["H"], return_sequences=True)(k.layers.Embedding(s["V"], s["E"])(answer_in),
                                                                initial_state=[h, k.ops.zeros_like(h)])
        model = k.Model([question, answer_in], k.layers.Dense(s["V"], activation="softmax")(decoded))
        model.compile(k.optimizers.Adam(1e-3, global_clipnorm=5.0), "sparse_categorical_crossentropy")
        model.fit([x[0][:2 * s["B"]], x[1][:2 * s["B"]]], y[:2 * s["B"]], epochs=1, batch_size=s["B"],
                  verbose=0)  # warm-up (and tracing)
        start = time.perf_counter()
        model.fit(x, y, epochs=1, batch_size=s["B"], verbose=0)
        return time.perf_counter() - start
    if workload in LM_CORPUS:
        # stateful layers need the batch size in the input: the states are variables of shape (B, H)
        recurrent = [k.layers.LSTM(s["H"], return_sequences=True, stateful=True)
                     for _ in range(1 if workload == "W6" else 2)]
        model = k.Sequential([k.Input(batch_shape=(s["B"], s["T"]), dtype="int32"), k.layers.Embedding(s["V"], s["E"])]
                             + recurrent + [k.layers.Dense(s["V"], activation="softmax")])
        optimizer = (k.optimizers.SGD(20.0, global_clipnorm=0.25) if workload == "W6"
                     else k.optimizers.Adam(2e-3, global_clipnorm=5.0))
        model.compile(optimizer, "sparse_categorical_crossentropy")
        model.fit(x[:2 * s["B"]], y[:2 * s["B"]], epochs=1, batch_size=s["B"], shuffle=False, verbose=0)  # warm-up
        for layer in recurrent:
            layer.reset_states()  # the timed windows start the streams afresh
        start = time.perf_counter()
        model.fit(x, y, epochs=1, batch_size=s["B"], shuffle=False, verbose=0)
        return time.perf_counter() - start
    if workload == "W2":
        model = k.Sequential([k.Input((s["T"], 1)), k.layers.SimpleRNN(s["H"], return_sequences=True),
                              k.layers.SimpleRNN(s["H"]), k.layers.Dense(1)])
        model.compile(k.optimizers.Adam(), "mse")
    elif workload == "W4":
        model = k.Sequential([k.Input((s["T"],)), k.layers.Embedding(s["V"], s["E"]), k.layers.LSTM(s["H"]),
                              k.layers.Dense(1, activation="sigmoid")])
        model.compile(k.optimizers.Adam(), "binary_crossentropy")
    else:
        model = k.Sequential([k.Input((s["T"], s["V"])), k.layers.SimpleRNN(s["H"]),
                              k.layers.Dense(1, activation="sigmoid")])
        model.compile(k.optimizers.SGD(0.01), "binary_crossentropy")
        x = np.eye(s["V"], dtype=np.float32)[x]
    if workload == "W5":
        model.predict(x[:s["B"]], batch_size=s["B"], verbose=0)  # warm-up (and graph tracing)
        start = time.perf_counter()
        model.predict(x, batch_size=s["B"], verbose=0)
        return time.perf_counter() - start
    y = y.astype(np.float32)
    model.fit(x[:2 * s["B"]], y[:2 * s["B"]], epochs=1, batch_size=s["B"], verbose=0)  # warm-up (and tracing)
    start = time.perf_counter()
    model.fit(x, y, epochs=1, batch_size=s["B"], verbose=0)
    return time.perf_counter() - start


def measure(config):
    """One epoch (or one inference pass) in this process; returns its figures. ``threads`` None: the frameworks'
    own thread settings, as a user gets them (--out-of-the-box)."""
    workload, impl, quick, threads = config["workload"], config["impl"], config["quick"], config["threads"]
    s = shapes(workload, quick)
    x, y = make_data(workload, s)
    if impl.startswith("numpy_rnn") or impl == "textbook original":
        seconds = run_numpy_rnn(workload, impl, s, x, y)
    elif impl == "Time layers":
        seconds = run_time_layers(s, x, y)
    elif impl == "torch":
        seconds = run_torch(workload, s, x, y, threads)
    else:
        seconds = run_keras(workload, s, x, y, threads)
    batches = -(-s["n"] // s["B"])
    figures = {"seconds": seconds, "batch_ms": 1000 * seconds / batches,
               "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if workload in LM_CORPUS:  # a window is a batch: the time of an epoch's windows at the measured pace
        figures["epoch_s"] = seconds / batches * epoch_windows(workload, s)
    return figures


# -- the parent: processes, repetitions, the table -----------------------------------------------------------------
def installed(impl):
    module = {"torch": "torch", "keras": "tensorflow"}.get(impl)
    if module is None:
        return True
    import importlib.util
    return importlib.util.find_spec(module) is not None


def run_child(config, timeout=None):
    env = {name: value for name, value in os.environ.items() if name not in THREAD_VARIABLES}
    if config["threads"] is not None:  # pinned: every library's thread count set alike
        env.update({name: str(config["threads"]) for name in THREAD_VARIABLES})
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    try:
        result = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", json.dumps(config)], env=env,
                                capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:  # the child is killed; its time is only known to exceed the limit
        return {"timed_out": timeout}
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(result.stdout.strip().splitlines()[-1])


class BusyCore:
    """``with BusyCore():`` a helper process spinning on the CPU, keeping one core busy, until the block ends."""

    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        return self

    def __exit__(self, *exc):
        self.process.kill()
        self.process.wait()
        return False


def cpu_model():
    """The processor's model name (Linux's /proc/cpuinfo; the platform's description elsewhere)."""
    import platform
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def simd_extensions():
    """NumPy's SIMD extensions as ``np.show_runtime()`` lists them: those it was built to require (baseline), and of
    those it can choose at run time, the ones this CPU has (found) and lacks (not found). The module moved from
    numpy.core (NumPy 1) to numpy._core (NumPy 2). X86_V4 is AVX-512, X86_V3 AVX2: whether NumPy's elementwise loops
    (tanh, exp) have vector code on this CPU."""
    import importlib
    for name in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):
        try:
            module = importlib.import_module(name)
            features, dispatch = module.__cpu_features__, module.__cpu_dispatch__
            return {"baseline": list(module.__cpu_baseline__), "found": [d for d in dispatch if features.get(d)],
                    "not found": [d for d in dispatch if not features.get(d)]}
        except (ImportError, AttributeError):
            continue
    return "unknown"


def versions():
    import importlib.metadata
    import platform

    import numpy
    simd = simd_extensions()
    found = {"cpu": cpu_model(), "simd": " ".join(simd["found"]) if isinstance(simd, dict) else simd,
             "python": platform.python_version(), "numpy": numpy.__version__, "cores": os.cpu_count()}
    for name, packages in (("torch", ("torch",)), ("tensorflow", ("tensorflow-cpu", "tensorflow"))):
        found[name] = "not installed"
        for package in packages:
            try:
                found[name] = importlib.metadata.version(package)
                break
            except importlib.metadata.PackageNotFoundError:
                pass
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny shapes and one repetition: that it runs")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (processes) per measurement")
    parser.add_argument("--threads", type=int, default=1, help="threads for every implementation (default 1)")
    parser.add_argument("--out-of-the-box", action="store_true",
                        help="pin no threads: each library as a user gets it (numpy_rnn with its own policy)")
    parser.add_argument("--busy", action="store_true", help="a helper process keeps one core busy while timing")
    parser.add_argument("--impls", nargs="*", help="run only the implementations whose name starts with one of these "
                                                   "(e.g. --impls numpy_rnn); the others are reported as skipped")
    parser.add_argument("--only", nargs="*", choices=sorted(WORKLOADS), help="run only these workloads")
    parser.add_argument("--timeout", type=float, help="stop a measurement that runs longer than this many seconds "
                                                       "and report it as longer (default: no limit)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--markdown", nargs="?", const=True, metavar="JSON",
                        help="also print the table in Markdown (with a file from --json: print that one, run nothing)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(json.loads(args.child))))
        return None

    if isinstance(args.markdown, str):  # a saved run: its header and table, nothing measured
        with open(args.markdown) as f:
            saved = json.load(f)
        mode = "out of the box" if saved["threads"] is None else f"threads={saved['threads']}"
        print(f"{mode}, {'one core kept busy' if saved['busy'] else 'idle'}, repetitions={saved['repeat']}; "
              + ", ".join(f"{k} {v}" for k, v in saved["machine"].items()))
        print(markdown_table(saved["rows"]))
        return saved["rows"]
    repeat = 1 if args.quick else args.repeat
    threads = None if args.out_of_the_box else args.threads
    rows = []
    with contextlib.ExitStack() as stack:
        if args.busy:
            stack.enter_context(BusyCore())
        for workload in args.only or WORKLOADS:
            rows += measure_workload(workload, repeat, args.quick, threads, args.impls, args.timeout)

    info = versions()
    setting = "threads: each library's own (out of the box)" if threads is None else f"threads={threads}"
    print(f"{setting}, {'one core kept busy' if args.busy else 'idle'}, repetitions={repeat}"
          f"{' (quick shapes)' if args.quick else ''}; " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print(f"{'workload':<9}{'implementation':<20}{'time s':>9}{'batch ms':>10}{'peak MB':>9}"
          f"{'x numpy_rnn':>13}  note")
    for r in rows:
        if r["status"] != "ok":
            print(f"{r['workload']:<9}{r['impl']:<20}{'':>9}{'':>10}{'':>9}{'':>13}  {r['status']}")
            continue
        notes = [r["description"]] if r["ratio"] == 1 else []
        if "epoch_s" in r:
            s = shapes(r["workload"], args.quick)
            corpus, tokens, unit = LM_CORPUS[r["workload"]]
            notes.append(f"{r['epoch_s']:.0f} s/epoch extrapolated from {s['windows']} to "
                         f"{epoch_windows(r['workload'], s):,} windows ({corpus} {tokens:,} {unit})")
        print(f"{r['workload']:<9}{r['impl']:<20}{r['seconds']:>9.2f}{r['batch_ms']:>10.2f}{r['peak_mb']:>9.0f}"
              f"{r['ratio']:>12.2f}x  {'; '.join(notes)}")
    if args.markdown:
        print(markdown_table(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "threads": threads, "busy": args.busy, "repeat": repeat, "quick": args.quick,
                       "rows": rows}, f, indent=2)
    return rows


def markdown_table(rows):
    """The rows as a Markdown table, one line per workload: numpy_rnn's time, then PyTorch's and Keras's with their
    ratio to it, then every other row of the workload (float64, one-hot, pinned, references) with theirs."""
    def cell(row):
        if row is None:
            return ""
        if row["status"] != "ok":
            return row["status"]
        return f"{row['seconds']:.2f} s" + ("" if row["ratio"] == 1 else f" ({row['ratio']:.2f}x)")
    lines = ["| workload | numpy_rnn | PyTorch (x numpy_rnn's time) | Keras | others |", "|---|---|---|---|---|"]
    for workload in dict.fromkeys(r["workload"] for r in rows):
        mine = [r for r in rows if r["workload"] == workload]
        by_impl = {r["impl"]: r for r in mine}
        others = "; ".join(f"{r['impl']} {cell(r)}" for r in mine[1:] if r["impl"] not in ("torch", "keras"))
        lines.append(f"| {workload}: {mine[0]['description']} | {cell(mine[0])} | {cell(by_impl.get('torch'))} | "
                     f"{cell(by_impl.get('keras'))} | {others} |")
    return "\n".join(lines)


def measure_workload(workload, repeat, quick, threads, chosen=None, timeout=None):
    """The table's rows of one workload: each implementation's median over ``repeat`` processes (only those whose
    name starts with one of ``chosen``, when given). Out of the box (``threads`` None), the baseline also runs pinned
    to one thread, alternating with the rest, so that the two compare under the same load. A process that runs past
    ``timeout`` seconds is stopped; if every run of an implementation was, its row says it took longer than that."""
    description, impls = WORKLOADS[workload]
    skipped = [impl for impl in impls if chosen is not None and not impl.startswith(tuple(chosen))]
    entries = [(impl, impl, threads) for impl in impls]  # (row label, implementation, threads)
    if threads is None:
        entries.insert(1, (f"{impls[0]} 1 thread", impls[0], 1))
    runs = {label: [] for label, _, _ in entries}
    for _ in range(repeat):
        for label, impl, n in entries:  # alternate implementations within each repetition
            if installed(impl) and impl not in skipped:
                runs[label].append(run_child(dict(workload=workload, impl=impl, quick=quick, threads=n), timeout))
    rows, baseline = [], None
    for label, impl, _ in entries:
        row = {"workload": workload, "description": description, "impl": label}
        good = [r for r in runs[label] if "seconds" in r]
        if impl in skipped:
            row["status"] = "skipped (--impls)"
        elif not installed(impl):
            row["status"] = "not installed"
        elif not good and "timed_out" in runs[label][0]:
            row["status"] = f"stopped after {timeout:g} s (--timeout)"
            if baseline:
                row["status"] += f": more than {timeout / baseline:.1f}x numpy_rnn's time"
        elif not good:
            row["status"] = "failed: " + runs[label][0]["error"]
        else:
            seconds = statistics.median(r["seconds"] for r in good)
            row.update(status="ok", seconds=seconds, batch_ms=statistics.median(r["batch_ms"] for r in good),
                       peak_mb=max(r["peak_mb"] for r in good))
            if "epoch_s" in good[0]:
                row["epoch_s"] = statistics.median(r["epoch_s"] for r in good)
            baseline = baseline or seconds
            row["ratio"] = seconds / baseline
        rows.append(row)
    return rows

if __name__ == "__main__":
    main()
