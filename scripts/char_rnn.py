"""A character-level language model (char-rnn) on tinyshakespeare, checked against PyTorch; and min-char-rnn.

    python scripts/char_rnn.py --data ../shared/data/tinyshakespeare.txt              # 2 x LSTM(128), 3 epochs
    python scripts/char_rnn.py --data ../shared/data/tinyshakespeare.txt --torch --seeds 0 1 2
    python scripts/char_rnn.py --min-char-rnn        # SimpleRNN(100), windows of 25, Adagrad 0.1, built-in corpus
    python scripts/char_rnn.py --quick               # tiny settings: that it runs, in seconds

The model reads one character at a time and predicts the next: LSTM(H) -> LSTM(H) -> Dense(V, softmax), the first
LSTM reading each character's id as a one-hot row (no Embedding: char-rnn's own set-up). H = 128 by default, so that
three seeds of both libraries train in under an hour on a laptop; ``--units 256`` is char-rnn's size (about three
times slower). The text's first 90% trains it, the last 10% validates it. It is read as in "language_model.py": B streams
in windows of T characters (data.lm_windows), stateful LSTMs, truncated BPTT at every window, states reset at each
epoch. Adam with learning rate 2e-3, gradients clipped to a global norm of 5; B = 32, T = 100.

The validation loss is in nats per character (divide by ln 2 = 0.693 for bits). No published figure fits this set-up
exactly, so ``--torch`` trains the same model with PyTorch (nn.LSTM, nn.Linear, CrossEntropyLoss, Adam with Keras's
epsilon, clip_grad_norm_) from the same initial weights (numpy_rnn's, exported with ``to_torch``), on the same windows
in the same order: the two must end within the spread of their seeds (``--seeds``). Both run on one BLAS thread.

``--min-char-rnn``: Karpathy's min-char-rnn, the smallest character model there is: SimpleRNN(100) -> Dense(V,
softmax), windows of 25, one stream, Adagrad with learning rate 0.1 and weights normal * 0.01. Its loss is the *sum*
over the window's 25 steps, numpy_rnn's the mean; Adagrad divides each gradient by the root of the sum of its
squares, so scaling the loss changes nothing there but the epsilon (here 1e-8, as there, with a zero initial
accumulator). min-char-rnn also clips every gradient entry to [-5, 5] (of its summed loss); this runs without.

Prints the validation loss after every epoch (and the time), then samples of 300 characters at temperatures 0.5 and 1.0
after the prompt "ROMEO:" (the built-in corpus: "the "). Writes the loss curves to ``--plot`` (default char_rnn.png);
``--json`` writes the figures.
"""
import argparse
import json
import time

import numpy as np

from numpy_rnn import LSTM, Adagrad, Adam, Dense, LambdaCallback, ResetStates, Sequential, SimpleRNN, generate
from numpy_rnn.data import CharVocab, lm_windows, make_corpus
from numpy_rnn.plotting import plot_curves, save_figure


def split_text(args):
    """The text, its vocabulary, and the ids of its first 90% and last 10%."""
    if args.data:
        with open(args.data, encoding="utf-8") as f:
            text = f.read()
    else:
        text = make_corpus(300 if args.quick else 5000, random_state=0)
    if args.quick:
        text = text[:20000]
    vocab = CharVocab.from_text(text, sorted=True)
    ids = vocab.encode(text)
    cut = int(0.9 * len(ids))
    return vocab, ids[:cut], ids[cut:]


def build_model(settings, V, seed):
    s = settings
    if s["cell"] == "simple":
        model = Sequential([SimpleRNN(s["units"], return_sequences=True, stateful=True, input_dim=V),
                            Dense(V, activation="softmax")], random_state=seed, dtype="float32")
        model.build((s["steps"],))
        rng = np.random.default_rng(seed)
        for layer in model.layers:  # min-char-rnn's weights: normal * 0.01, biases 0
            for p in layer.params.values():
                p[...] = 0 if p.ndim == 1 else rng.standard_normal(p.shape) * 0.01
        model.compile(Adagrad(s["learning_rate"], initial_accumulator_value=0.0, epsilon=1e-8),
                      "sparse_categorical_crossentropy")
        return model
    stack = [LSTM(s["units"], return_sequences=True, stateful=True, input_dim=V)]
    stack += [LSTM(s["units"], return_sequences=True, stateful=True) for _ in range(s["layers"] - 1)]
    model = Sequential(stack + [Dense(V, activation="softmax")], random_state=seed, dtype="float32")
    model.build((s["steps"],))
    model.compile(Adam(s["learning_rate"], global_clipnorm=s["clipnorm"]), "sparse_categorical_crossentropy")
    return model


def train_numpy_rnn(model, data, settings):
    (x, y), (x_val, y_val) = data
    times, started = [], {}

    def begin(epoch, logs):
        started["t"] = time.perf_counter()

    def end(epoch, logs):
        times.append(time.perf_counter() - started["t"])
        print(f"  numpy_rnn epoch {epoch + 1}: train loss {logs['loss']:.4f}, validation loss {logs['val_loss']:.4f} "
              f"nats/char ({times[-1]:.0f} s)", flush=True)

    history = model.fit(x, y, batch_size=settings["batch"], epochs=settings["epochs"], shuffle=False, verbose=0,
                        validation_data=(x_val, y_val),
                        callbacks=[ResetStates(), LambdaCallback(on_epoch_begin=begin, on_epoch_end=end)])
    return history.history["val_loss"], times


def train_torch(model, data, settings, V):
    """The same model in PyTorch, from numpy_rnn's initial weights, on the same windows in the same order."""
    import torch
    torch.set_num_threads(1)
    (x, y), (x_val, y_val) = data
    B, H = settings["batch"], settings["units"]
    lstms = torch.nn.ModuleList([torch.nn.LSTM(V if i == 0 else H, H, batch_first=True)
                                 for i in range(settings["layers"])])
    linear = torch.nn.Linear(H, V)
    for module, layer in zip(list(lstms) + [linear], model.layers):
        module.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))
                                for k, v in layer.to_torch().items()})
    params = list(lstms.parameters()) + list(linear.parameters())
    optimizer = torch.optim.Adam(params, lr=settings["learning_rate"], eps=1e-7)  # Keras's (and numpy_rnn's) epsilon
    eye = torch.eye(V)

    def run(xb, states):
        h = eye[torch.from_numpy(xb.astype(np.int64))]  # one-hot rows, as numpy_rnn's first LSTM reads ids
        new_states = []
        for lstm, state in zip(lstms, states):
            h, state = lstm(h, state)
            new_states.append(state)
        return linear(h), new_states

    def loss_of(logits, yb):
        return torch.nn.functional.cross_entropy(logits.reshape(-1, V), torch.from_numpy(yb.astype(np.int64)).ravel())

    def validate():
        states, total = [None] * len(lstms), 0.0
        with torch.no_grad():
            for k in range(0, len(x_val), B):
                logits, states = run(x_val[k:k + B], states)
                total += float(loss_of(logits, y_val[k:k + B])) * B
        return total / len(x_val)

    losses, times = [], []
    for epoch in range(settings["epochs"]):
        start, states = time.perf_counter(), [None] * len(lstms)
        for k in range(0, len(x), B):
            logits, states = run(x[k:k + B], states)
            states = [tuple(s.detach() for s in state) for state in states]  # truncated BPTT: cut at the window
            loss = loss_of(logits, y[k:k + B])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, settings["clipnorm"])
            optimizer.step()
        times.append(time.perf_counter() - start)
        losses.append(validate())
        print(f"  PyTorch   epoch {epoch + 1}: validation loss {losses[-1]:.4f} nats/char ({times[-1]:.0f} s)",
              flush=True)
    return losses, times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a text file (default: the built-in corpus, data.make_corpus)")
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--torch", action="store_true", help="also train the same model with PyTorch")
    parser.add_argument("--min-char-rnn", action="store_true", help="min-char-rnn's set-up instead")
    parser.add_argument("--quick", action="store_true", help="tiny settings: that it runs, in seconds")
    parser.add_argument("--plot", default="char_rnn.png", help="where to write the figure")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)

    if args.min_char_rnn:
        settings = dict(cell="simple", layers=1, units=100, steps=25, batch=1, learning_rate=0.1, epochs=3)
    else:
        settings = dict(cell="lstm", layers=2, units=args.units, steps=100, batch=32, learning_rate=2e-3,
                        clipnorm=5.0, epochs=3)
    if args.quick:
        settings.update(units=16, steps=20, batch=4 if settings["batch"] > 1 else 1, epochs=2)
    if args.epochs:
        settings["epochs"] = args.epochs
    vocab, train, valid = split_text(args)
    V, B, T = len(vocab), settings["batch"], settings["steps"]
    data = (lm_windows(train, B, T), lm_windows(valid, B, T))
    print(f"{len(train):,} training and {len(valid):,} validation characters, {V} distinct; "
          f"{len(data[0][0]) // B:,} windows of {T} x {B} streams an epoch")

    results = {"settings": settings, "data": args.data or "built-in corpus", "runs": []}
    for seed in args.seeds:
        print(f"seed {seed}:")
        model = build_model(settings, V, seed)
        run = {"seed": seed}
        if args.torch:  # the same initial weights, before numpy_rnn trains them
            torch_model = build_model(settings, V, seed)
            run["torch_val_loss"], run["torch_seconds"] = train_torch(torch_model, data, settings, V)
        run["val_loss"], run["seconds"] = train_numpy_rnn(model, data, settings)
        results["runs"].append(run)

    finals = [run["val_loss"][-1] for run in results["runs"]]
    print(f"\nnumpy_rnn final validation loss: {np.mean(finals):.4f} nats/char (min {min(finals):.4f}, max "
          f"{max(finals):.4f}, {len(finals)} seed(s))")
    if args.torch:
        torch_finals = [run["torch_val_loss"][-1] for run in results["runs"]]
        print(f"PyTorch   final validation loss: {np.mean(torch_finals):.4f} nats/char (min {min(torch_finals):.4f}, "
              f"max {max(torch_finals):.4f})")
        results["torch_final"] = torch_finals
    results["final"] = finals

    prompt = "ROMEO:" if args.data and all(c in vocab.index for c in "ROMEO:") else "the "
    results["samples"] = {}
    for temperature in (0.5, 1.0):
        text = generate(model, prompt, 60 if args.quick else 300, temperature=temperature, random_state=0,
                        vocab=vocab)
        results["samples"][str(temperature)] = prompt + text
        print(f"\nsampled at temperature {temperature}:\n{prompt}{text}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if not args.no_plot:
        curves = {f"numpy_rnn seed {run['seed']}": run["val_loss"] for run in results["runs"]}
        curves.update({f"PyTorch seed {run['seed']}": run["torch_val_loss"] for run in results["runs"]
                       if "torch_val_loss" in run})
        print()
        save_figure(plot_curves, curves, args.plot, title="validation loss", ylabel="nats per character")
    return results


if __name__ == "__main__":
    main()
