"""How fast can a small recurrent model run in NumPy? The floor of the benchmark's W1, W4 and W5, measured beside
numpy_rnn and PyTorch in one run.

W1 (scripts/benchmark.py) trains SimpleRNN(32) -> Dense(1, sigmoid) with SGD on batches of 32 sequences of 100 token
ids out of 100; W4 trains Embedding(1000, 32) -> LSTM(8) -> Dense(1, sigmoid) with Adam on the same shapes of ids out
of 1,000; W5 is W1's model predicting, in batches of 1,000. All float32. Their arrays are small, (32, 8) to (32, 32)
(W5: (1000, 32)), so a time step costs what its few NumPy calls cost to start, and not much more. This script
measures, in one process, alternating, on the same batches:

1. numpy_rnn's training step (``train_on_batch``), split into the recurrent layer's forward loop, its backward loop,
   and everything else: the work done once per batch around the loops (the input projection of all steps, the
   weight and input gradients after the backward loop, the embedding, the output layer, the loss, the optimizer,
   the guards);
2. the floor of the recurrent layer's two loops: the equations of numpy_rnn's cell (cells/simple_rnn.py,
   cells/lstm.py) and nothing else, each a NumPy call writing into an array made once, with no Python function,
   list or cache around them:

       SimpleRNN forward, per step (3 calls):  a = h_{t-1} W_h, a += X_t, h_t = tanh(a)
       SimpleRNN backward, per step (2):       dX_t = dh_t (1 - h_t^2), dh_{t-1} = dX_t W_h^T
       LSTM forward, per step (12 calls):      a = h_{t-1} W_h (1), a += X_t (1), the sigmoids of a (4: a/2, tanh,
                                               *1/2, +1/2), g = tanh(a_g) (1), c_t = f c_{t-1} + i g (3),
                                               h_t = o tanh(c_t) (2)
       LSTM backward, per step (6 calls):      dc = dc_t + dh_t dh_dc (2), da = [dc | dc | dc | dh_t] dstep_da (2,
                                               through a (B, 4, H) view of da), dc_{t-1} = dc f (1),
                                               dh_{t-1} = da W_h^T (1)
       once per batch, before the backward loop: the local derivatives of every step (1 - h^2 for the SimpleRNN,
                                               16 calls on (T, B, ...) arrays for the LSTM), as numpy_rnn does

   The floor of the whole step is the floor of the loops plus numpy_rnn's "everything else";
3. the cost of one NumPy call on a step's array (a (32, 32) float32 add into an existing array) and of the step's
   tanh, also in float64: the RecurrentNetwork (W1-book) computes in float64, where NumPy's tanh has no vector loop
   without AVX-512 and arrays this small keep np.tanh (activations.py), so an epoch's 62,500 forward steps cost at
   least that many float64 tanh calls;
4. PyTorch's training step (W5: prediction) on the same batches (W1 and W5: torch.nn.RNN on the one-hot array,
   made before timing, as the benchmark feeds it; W4: torch.nn.LSTM), when torch is installed.

Every figure is a median over rounds; the epoch column multiplies a batch by the batches of an epoch of 20,000
sequences (625 of 32; W5: 20 of 1,000). One BLAS thread for everyone (threadpoolctl and torch.set_num_threads), as
in the benchmark, whose shapes and PyTorch models this script takes.

W6, W7 and W8 (``--only``) are bound by their matrix products instead: for them the script times the products of a
batch alone, each on its own arrays, and for the language models (W6, W7) also NumPy's softmax over the vocabulary
with the loss gradient's one pass, beside numpy_rnn's and PyTorch's whole training.

    python scripts/speed_floor.py                        # W1, W4 and W5, about two minutes
    python scripts/speed_floor.py --only W6 W7 W8 --rounds 1    # their products (and softmax), beside the training
    python scripts/speed_floor.py --only W4 --batches 20 --rounds 2
"""
import argparse
import statistics
import time

import numpy as np

FLOOR_WORKLOADS = ("W1", "W4", "W5")  # the small models, whose loops this script writes bare


def load_benchmark():
    """scripts/benchmark.py, the home of the workloads' shapes and of their PyTorch models."""
    import importlib.util
    import os
    spec = importlib.util.spec_from_file_location("benchmark", os.path.join(os.path.dirname(__file__), "benchmark.py"))
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    return benchmark


def numpy_rnn_model(workload, s):
    from numpy_rnn import LSTM, SGD, Adam, Dense, Embedding, Sequential, SimpleRNN
    if workload in ("W1", "W5"):
        layers, optimizer = [SimpleRNN(s["H"], input_dim=s["V"])], SGD(0.01)
    else:
        layers, optimizer = [Embedding(s["V"], s["E"]), LSTM(s["H"])], Adam()
    model = Sequential(layers + [Dense(1, activation="sigmoid")], random_state=0, dtype="float32")
    model.compile(optimizer, "binary_crossentropy")
    return model


def time_numpy_rnn(model, batches, predict=False):
    """Seconds per batch, medians over ``batches``: (the whole train_on_batch, the recurrent layer's forward loop, its
    backward loop); with ``predict``, the whole is predict's (and the backward 0). The loops are the layer's forward
    and backward less the work they do once per batch outside the time loop, which the bare loops below do not do
    either: the input projection x W_x + b of every step, and the weight and input gradients after the backward loop
    (the cell's backward_projections). That work stays in "everything else", in numpy_rnn's time and in the floor."""
    from numpy_rnn.layers import recurrent as recurrent_module
    layer = model.layers[-2]  # the recurrent layer
    spent = dict.fromkeys(("forward", "backward", "projection", "gradients"), 0.0)

    def timed(name, method):
        def run(*args, **kwargs):
            start = time.perf_counter()
            result = method(*args, **kwargs)
            spent[name] += time.perf_counter() - start
            return result
        return run

    project = recurrent_module.project
    layer.forward, layer.backward = timed("forward", layer.forward), timed("backward", layer.backward)
    layer.cell.backward_projections = timed("gradients", layer.cell.backward_projections)
    recurrent_module.project = timed("projection", project)
    whole, forward, backward = [], [], []
    try:
        for x, y in batches:
            spent.update(forward=0.0, backward=0.0, projection=0.0, gradients=0.0)
            start = time.perf_counter()
            if predict:
                model.predict(x, batch_size=len(x))
            else:
                model.train_on_batch(x, y)
            whole.append(time.perf_counter() - start)
            forward.append(spent["forward"] - spent["projection"])
            backward.append(spent["backward"] - spent["gradients"])
    finally:
        recurrent_module.project = project
        del layer.forward, layer.backward, layer.cell.backward_projections  # the class's methods are back
    return statistics.median(whole), statistics.median(forward), statistics.median(backward)


class BareSimpleRNN:
    """The SimpleRNN's loops as the equations' NumPy calls alone, on arrays made once: as BareLSTM, below."""

    def __init__(self, W_h, X):
        (T, B, H), dtype = X.shape, X.dtype
        self.W_h, self.W_hT, self.X = W_h, np.ascontiguousarray(W_h.T), X
        self.h, self.a = np.zeros((T + 1, B, H), dtype), np.empty((B, H), dtype)
        self.dX, self.dh = np.empty((T, B, H), dtype), np.empty((B, H), dtype)

    def forward(self):
        a = self.a
        for t in range(len(self.X)):
            np.dot(self.h[t], self.W_h, out=a)
            a += self.X[t]
            np.tanh(a, out=self.h[t + 1])

    def backward(self, dh_T):
        h = self.h[1:]
        dh_da = 1 - h * h  # tanh' of every step at once, as cells/simple_rnn.py's backward_factors
        dh = self.dh
        dh[:] = dh_T
        for t in range(len(h) - 1, -1, -1):
            np.multiply(dh, dh_da[t], out=self.dX[t])
            np.dot(self.dX[t], self.W_hT, out=dh)


class BareLSTM:
    """The LSTM's forward and backward loops as the equations' NumPy calls alone, on arrays made once.

    ``W_h`` (H, 4H) and ``X`` (T, B, 4H), the input projections x_t W_x + b of every step, as numpy_rnn's layer makes
    them before its loop. ``forward()`` fills h (T + 1, B, H), h_0 = 0; ``backward(dh_T)`` fills dX (T, B, 4H), the
    gradient of every step's pre-activation when only h_T is used (as in W4), from which dW_h = sum_t h_{t-1}^T dX_t.
    tests/test_scripts.py checks both against numpy_rnn's LSTM layer: the floor computes what numpy_rnn computes."""

    def __init__(self, W_h, X):
        (T, B, G), H, dtype = X.shape, W_h.shape[0], X.dtype
        self.W_h, self.W_hT, self.X = W_h, np.ascontiguousarray(W_h.T), X
        self.h, self.c = np.zeros((T + 1, B, H), dtype), np.zeros((T + 1, B, H), dtype)
        self.gates, self.g = np.empty((T, B, G), dtype), np.empty((T, B, H), dtype)
        self.tanh_c, self.ig = np.empty((T, B, H), dtype), np.empty((B, H), dtype)
        self.a, self.dX = np.empty((B, G), dtype), np.empty((T, B, G), dtype)
        self.dh, self.dc, self.tmp = np.empty((B, H), dtype), np.empty((B, H), dtype), np.empty((B, H), dtype)
        self.half = dtype.type(0.5)

    def forward(self):
        a, half, H = self.a, self.half, self.W_h.shape[0]
        for t in range(len(self.X)):
            gates = self.gates[t]
            np.dot(self.h[t], self.W_h, out=a)
            a += self.X[t]
            np.multiply(a, half, out=gates)  # sigmoid(a) = (1 + tanh(a / 2)) / 2 on all four blocks
            np.tanh(gates, out=gates)
            gates *= half
            gates += half
            np.tanh(a[:, 2 * H:3 * H], out=self.g[t])
            np.multiply(gates[:, H:2 * H], self.c[t], out=self.c[t + 1])  # c_t = f c_{t-1} + i g
            np.multiply(gates[:, :H], self.g[t], out=self.ig)
            self.c[t + 1] += self.ig
            np.tanh(self.c[t + 1], out=self.tanh_c[t])  # h_t = o tanh(c_t)
            np.multiply(gates[:, 3 * H:], self.tanh_c[t], out=self.h[t + 1])

    def backward(self, dh_T):
        gates, g, c_prev, tanh_c = self.gates, self.g, self.c[:-1], self.tanh_c
        (T, B, _), H = gates.shape, self.W_h.shape[0]
        i, f, o = gates[..., :H], gates[..., H:2 * H], gates[..., 3 * H:]
        # the local derivatives of every step at once, as cells/lstm.py's backward_factors
        dh_dc = o * (1 - tanh_c * tanh_c)
        dstep_da = np.concatenate([g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g * g), tanh_c * o * (1 - o)],
                                  axis=-1).reshape(T, B, 4, H)
        dh, dc, tmp = self.dh, self.dc, self.tmp
        dh[:], dc[:] = dh_T, 0.0
        for t in range(T - 1, -1, -1):
            da = self.dX[t].reshape(B, 4, H)
            np.multiply(dh, dh_dc[t], out=tmp)
            dc += tmp
            np.multiply(dc[:, None, :], dstep_da[t, :, :3], out=da[:, :3])
            np.multiply(dh, dstep_da[t, :, 3], out=da[:, 3])
            dc *= f[t]
            np.dot(self.dX[t], self.W_hT, out=dh)


def torch_step(benchmark, workload, s):
    """PyTorch's training step for the benchmark's model of the workload (W5: its prediction) as ``(prepare, step)``:
    ``prepare(x, y)`` makes the step's tensors (the one-hot array for W1 and W5, made untimed, as the benchmark makes
    it before timing), ``step(*prepared)`` runs it. None without torch."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    torch.manual_seed(0)
    net, loss_fn, opt = benchmark.torch_model(workload, s)

    def prepare(x, y):
        return benchmark.torch_inputs(workload, s, x), torch.from_numpy(y)[:, None]

    def step(x, y):
        if workload == "W5":
            with torch.no_grad():
                net(x)
            return
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()
    return prepare, step


def median_time(function, rounds):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(workload, batches, rounds):
    """The figures of one workload (seconds per batch, medians over rounds), printed as a table and returned."""
    benchmark = load_benchmark()
    shape = benchmark.shapes(workload, quick=False)
    H, V, B, T, predict = shape["H"], shape["V"], shape["B"], shape["T"], workload == "W5"
    epoch_batches = -(-shape["n"] // B)
    batches = min(batches, epoch_batches)
    rng = np.random.default_rng(0)
    data = [(rng.integers(0, V, size=(B, T)), rng.integers(0, 2, size=B).astype(np.float32)) for _ in range(batches)]
    model, torch_train = numpy_rnn_model(workload, shape), torch_step(benchmark, workload, shape)
    if torch_train is not None:
        prepare, torch_train = torch_train
        torch_data = [prepare(x, y) for x, y in data]
    G = H * (4 if workload == "W4" else 1)
    bare = (BareLSTM if workload == "W4" else BareSimpleRNN)(
        (rng.standard_normal((H, G)) / np.sqrt(H)).astype(np.float32),
        (rng.standard_normal((T, B, G)) * 0.5).astype(np.float32))
    dh_T = np.ones((B, H), np.float32)
    model.train_on_batch(*data[0])  # warm-up for everyone
    if torch_train is not None:
        torch_train(*torch_data[0])
    one, zero = np.ones((B, 32), np.float32), np.zeros((B, 32), np.float32)
    z32 = rng.standard_normal((B, G)).astype(np.float32)  # a step's pre-activations, for the tanh alone
    z64 = z32.astype(np.float64)  # in the RecurrentNetwork's precision (W1-book)
    results = {name: [] for name in ("whole", "forward", "backward", "bare forward", "bare backward", "call", "tanh",
                                     "tanh64", "torch")}
    for _ in range(rounds):
        for name, value in zip(("whole", "forward", "backward"), time_numpy_rnn(model, data, predict)):
            results[name].append(value)
        results["bare forward"].append(median_time(bare.forward, batches))
        results["bare backward"].append(0.0 if predict else median_time(lambda: bare.backward(dh_T), batches))
        results["call"].append(median_time(lambda: [np.add(one, zero, out=one) for _ in range(1000)], 20) / 1000)
        results["tanh"].append(median_time(lambda: [np.tanh(z32, out=bare.a) for _ in range(1000)], 20) / 1000)
        results["tanh64"].append(median_time(lambda: [np.tanh(z64, out=z64) for _ in range(1000)], 20) / 1000)
        if torch_train is not None:
            results["torch"].append(median_time(lambda: [torch_train(x, y) for x, y in torch_data], 1) / len(data))
    r = {name: statistics.median(values) for name, values in results.items() if values}
    rest = r["whole"] - r["forward"] - r["backward"]
    floor = rest + r["bare forward"] + r["bare backward"]
    calls = {"W1": (3, 2), "W4": (12, 6), "W5": (3, 0)}[workload]

    def row(label, seconds, note=""):
        print(f"{label:<60}{1e3 * seconds:>9.3f}{seconds * epoch_batches:>10.2f}  {note}")
    print(f"\n{workload} per batch ({model.layers[-2].name}, B={B}, T={T}, H={H}, float32, one thread"
          f"{', predicting' if predict else ''}), medians of {rounds} rounds of {batches} batches")
    print(f"{'':<60}{'ms':>9}{'epoch s':>10}")
    row(f"numpy_rnn: {'predict' if predict else 'train_on_batch'}", r["whole"])
    row("  the recurrent layer's forward loop", r["forward"], f"{1e6 * r['forward'] / T:.1f} us a step")
    if not predict:
        row("  the recurrent layer's backward loop", r["backward"], f"{1e6 * r['backward'] / T:.1f} us a step")
    row("  everything else (projections, weight gradients, Dense...)", rest)
    row(f"the equations' calls alone: forward loop ({calls[0]} calls a step)", r["bare forward"],
        f"{1e6 * r['bare forward'] / T:.1f} us a step")
    if not predict:
        row(f"  backward loop ({calls[1]} a step) and the local derivatives", r["bare backward"],
            f"{1e6 * r['bare backward'] / T:.1f} us a step")
    row("the floor: those loops + numpy_rnn's everything else", floor,
        f"numpy_rnn takes {r['whole'] / floor:.2f}x the floor")
    print(f"{f'one NumPy call: ({B}, 32) float32 add into an existing array':<60}{1e6 * r['call']:>8.2f} us")
    print(f"{f'the step tanh: ({B}, {G}) float32 into an existing array':<60}{1e6 * r['tanh']:>8.2f} us")
    if workload == "W1":
        steps = T * epoch_batches
        print(f"{'  in float64 (np.tanh; activations.tanh at this size)':<60}{1e6 * r['tanh64']:>8.2f} us  "
              f"x {steps:,} steps of an epoch's forward loop: {r['tanh64'] * steps:.2f} s")
    if "torch" in r:
        row(f"PyTorch: the same {'prediction' if predict else 'training step'}", r["torch"],
            f"{r['torch'] / r['whole']:.2f}x numpy_rnn's time, {r['torch'] / floor:.2f}x the floor's")
    else:
        print("PyTorch: not installed")
    return r


# -- the larger models: their matrix products are the floor ---------------------------------------------------------
def products(workload, s):
    """The matrix products of one training batch of W6, W7 or W8 (scripts/benchmark.py's shapes ``s``), as
    ``(rows, inner, columns, how many)``: those of numpy_rnn's layers, which every library must make in some form.
    Per recurrent layer over T steps of a batch of B (N = B x T rows, F inputs, G = 4H gates): T step products
    (B, H) @ (H, G) forward and T (B, G) @ (G, H) backward; the input projection (N, F) @ (F, G), the weight gradients
    (F, N) @ (N, G) and (H, N) @ (N, G), the input gradient (N, G) @ (G, F) and the bias gradient ones (1, N) @ (N, G).
    The output layer: (N, H) @ (H, V) forward, (H, N) @ (N, V) and (N, V) @ (V, H) backward."""
    def recurrent(B, T, F, H):
        G, N = 4 * H, B * T
        return [(B, H, G, T), (B, G, H, T), (N, F, G, 1), (F, N, G, 1), (H, N, G, 1), (1, N, G, 1), (N, G, F, 1)]

    def output(N, H, V):
        return [(N, H, V, 1), (H, N, V, 1), (N, V, H, 1), (1, N, V, 1)]
    B, H, V, E = s["B"], s["H"], s["V"], s["E"]
    if workload == "W8":  # encoder over the questions, decoder over the answers, both after an embedding
        return (recurrent(B, s["Tq"], E, H) + recurrent(B, s["Ta"], E, H) + output(B * s["Ta"], H, V))
    T = s["T"]
    layers = recurrent(B, T, E, H) + (recurrent(B, T, H, H) if workload == "W7" else [])
    return layers + output(B * T, H, V)


def measure_products(workload, rounds):
    """W6, W7 or W8: the time of its matrix products alone (each timed on its own arrays, float32), beside numpy_rnn's
    and PyTorch's timed epoch (the benchmark's ``measure``, in this process), alternating over ``rounds``."""
    from numpy_rnn.activations import softmax
    benchmark = load_benchmark()
    s = benchmark.shapes(workload, quick=False)
    batches = s["windows"] if workload in benchmark.LM_CORPUS else -(-s["n"] // s["B"])
    rng = np.random.default_rng(0)
    arrays = [(rng.standard_normal((m, k)).astype(np.float32), rng.standard_normal((k, n)).astype(np.float32), count)
              for m, k, n, count in products(workload, s)]

    def all_products():
        for a, b, count in arrays:
            for _ in range(count):
                np.dot(a, b)

    # The language models' softmax over the vocabulary at every position, and the one pass that writes the loss's
    # gradient (p - onehot) / n: numpy_rnn's own softmax (row maximum, subtract, exp, row sum, divide), the fewest
    # passes over the (B x T, V) logits that NumPy can make them in.
    logits = (rng.standard_normal((s["B"] * s["T"], s["V"])).astype(np.float32) if workload in benchmark.LM_CORPUS
              else None)

    def softmax_and_gradient():
        p = softmax(logits)
        np.multiply(p, 1 / len(logits), out=p)
    impls = ["numpy_rnn"] + (["torch"] if benchmark.installed("torch") else [])
    results = {name: [] for name in ["products", "softmax"] + impls}
    for _ in range(rounds):
        results["products"].append(median_time(all_products, 5) * batches)
        results["softmax"].append(median_time(softmax_and_gradient, 5) * batches if logits is not None else 0.0)
        for impl in impls:
            figures = benchmark.measure(dict(workload=workload, impl=impl, quick=False, threads=1))
            results[impl].append(figures["seconds"])
    r = {name: statistics.median(values) for name, values in results.items()}
    macs = sum(m * k * n * count for m, k, n, count in products(workload, s)) * batches
    print(f"\n{workload}: {benchmark.WORKLOADS[workload][0]}; {batches} batches timed, float32, one thread, medians of "
          f"{rounds} rounds")
    print(f"{'  its matrix products alone':<60}{r['products']:>9.2f} s  ({macs / 1e9:.1f} G multiply-adds, "
          f"{2 * macs / r['products'] / 1e9:.0f} GFLOP/s)")
    floor = r["products"] + r["softmax"]
    if logits is not None:
        print(f"{'  the softmax over the vocabulary and the gradient pass':<60}{r['softmax']:>9.2f} s  (NumPy, "
              f"{logits.shape[0]} x {logits.shape[1]} float32 a batch)")
        print(f"{'  the two together':<60}{floor:>9.2f} s")
    share = f", {floor / r['numpy_rnn']:.0%} with the softmax" if logits is not None else ""
    print(f"{'  numpy_rnn, the whole training':<60}{r['numpy_rnn']:>9.2f} s  (the products "
          f"{r['products'] / r['numpy_rnn']:.0%} of it{share})")
    if "torch" in r:
        beyond = f", {r['torch'] / floor:.2f}x with the softmax" if logits is not None else ""
        print(f"{'  PyTorch, the whole training':<60}{r['torch']:>9.2f} s  ({r['torch'] / r['numpy_rnn']:.2f}x "
              f"numpy_rnn's time, {r['torch'] / r['products']:.2f}x the products alone{beyond})")
    return r


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=FLOOR_WORKLOADS + ("W6", "W7", "W8"), default=FLOOR_WORKLOADS,
                        help="the workloads (default W1 W4 W5; W6, W7 and W8 on request: their products alone)")
    parser.add_argument("--batches", type=int, default=100, help="batches per round (default 100)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, alternating the measurements (default 3)")
    args = parser.parse_args(argv)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        print("threadpoolctl is not installed: set OPENBLAS_NUM_THREADS=1 yourself for figures comparable to the "
              "benchmark's")
    return {workload: measure(workload, args.batches, args.rounds) if workload in FLOOR_WORKLOADS
            else measure_products(workload, args.rounds) for workload in args.only}


if __name__ == "__main__":
    main()
