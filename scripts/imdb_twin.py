"""Is a low final accuracy numpy_rnn's doing, or plain SGD's? Train the same model twice, side by side.

The textbook's second IMDB model (SimpleRNN(32) -> Dense(1, sigmoid) on 100-word one-hot input, SGD with learning
rate 0.01, batches of 32, 20 epochs) ends some runs several points below its best epoch. This script trains it in
numpy_rnn and, from the very same initial weights (``model.to_torch()``) and on the very same batches, in PyTorch
(float64, ``nn.RNN``, autograd, ``torch.optim.SGD``), and prints both validation accuracies after every epoch and how
far apart the two models' outputs are (the largest difference of a predicted probability on the validation set).

If the two curves rise and fall together, the drops belong to the optimisation (this learning rate, this data, this
order of batches), not to numpy_rnn's gradients: an independent implementation makes the same moves. Where they part
after many epochs, look at the output gap: it starts at rounding level (about 1e-15) and grows as any two
floating-point runs of a chaotic process do.

    python scripts/imdb_twin.py --data path/to/aclImdb            # needs torch (pip install torch)
    python scripts/imdb_twin.py --quick                           # built-in reviews, seconds
"""
import argparse
import time

import numpy as np

from numpy_rnn import SGD, Dense, Sequential, SimpleRNN
from numpy_rnn.data import batch_indices, load_imdb_book, make_reviews


def load_data(args):
    if args.data:
        print(f"Reading IMDB from {args.data} (the textbook's preparation) ...")
        return load_imdb_book(args.data, num_words=100, allow_pickle=args.allow_pickle, random_state=args.seed)
    ids, labels, _ = make_reviews(args.samples, random_state=args.seed)
    n_train = int(0.8 * len(ids))
    return ids[:n_train], labels[:n_train], ids[n_train:], labels[n_train:]


def torch_twin(model, steps):
    """The model in PyTorch, in float64, with its weights, reading ``steps`` token ids; and an SGD optimizer like
    numpy_rnn's. Rounds the model's weights to float32 first (see below)."""
    import torch
    # to_torch copies the weights in float32: round numpy_rnn's to float32 too, and both start from the same numbers.
    for layer in model.layers:
        layer.set_weights([w.astype(np.float32).astype(w.dtype) for w in layer.get_weights()])
    twin = model.to_torch(input_shape=(steps,)).double()
    for module in twin.modules():
        if isinstance(module, torch.nn.RNN):
            # nn.RNN adds two biases, b_ih + b_hh, where numpy_rnn has one b (the export puts it in b_ih and zeros in
            # b_hh). Trained, both would move by the same gradient: twice numpy_rnn's step. Keep b_hh at zero.
            module.bias_hh_l0.requires_grad_(False)
    return twin, torch.optim.SGD([p for p in twin.parameters() if p.requires_grad], lr=model.optimizer.learning_rate)


def torch_step(twin, optimizer, x, y):
    import torch
    optimizer.zero_grad()
    p = twin(torch.as_tensor(x))[:, 0]
    loss = torch.nn.functional.binary_cross_entropy(p, torch.as_tensor(y, dtype=torch.float64))
    loss.backward()
    optimizer.step()


def torch_probabilities(twin, x):
    import torch
    with torch.no_grad():
        return twin(torch.as_tensor(x))[:, 0].numpy()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="an aclImdb/ folder or an imdb.npz file (default: the built-in reviews)")
    parser.add_argument("--allow-pickle", action="store_true", help="trust the imdb.npz file enough to unpickle it")
    parser.add_argument("--samples", type=int, default=25_000, help="built-in data set size (default 25,000)")
    parser.add_argument("--seed", type=int, default=42, help="the data split, the weights and the batch order")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="tiny settings: that it runs, in seconds")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        parser.exit(1, "imdb_twin.py compares numpy_rnn with PyTorch: pip install torch\n")
    torch.set_num_threads(1)
    if args.quick:
        args.samples, args.epochs = 300, 2

    x_train, y_train, x_val, y_val = load_data(args)
    width = max(int(x_train.max()), int(x_val.max())) + 1
    model = Sequential([SimpleRNN(32, input_dim=width), Dense(1, activation="sigmoid")], random_state=args.seed)
    model.compile(optimizer=SGD(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
    model.build((x_train.shape[1],))  # (steps,): token ids
    twin, optimizer = torch_twin(model, x_train.shape[1])
    order = np.random.default_rng(args.seed)  # one batch order for both

    print(f"{len(x_train)} training, {len(x_val)} validation sequences; validation accuracy after each epoch")
    print(f"{'epoch':>5}{'numpy_rnn':>11}{'PyTorch':>10}{'output gap':>12}{'s (ours, torch)':>18}")
    curves = {"numpy_rnn": [], "torch": [], "gap": []}
    for epoch in range(1, args.epochs + 1):
        ours = theirs = 0.0
        for idx in batch_indices(len(x_train), 32, shuffle=True, rng=order):
            start = time.perf_counter()
            model.train_on_batch(x_train[idx], y_train[idx])
            middle = time.perf_counter()
            torch_step(twin, optimizer, x_train[idx], y_train[idx])
            ours, theirs = ours + middle - start, theirs + time.perf_counter() - middle
        p_ours, p_theirs = model.predict(x_val)[:, 0], torch_probabilities(twin, x_val)
        curves["numpy_rnn"].append(float(np.mean((p_ours > 0.5) == y_val)))
        curves["torch"].append(float(np.mean((p_theirs > 0.5) == y_val)))
        curves["gap"].append(float(np.max(np.abs(p_ours - p_theirs))))
        print(f"{epoch:>5}{curves['numpy_rnn'][-1]:>11.4f}{curves['torch'][-1]:>10.4f}{curves['gap'][-1]:>12.1e}"
              f"{ours:>9.1f}{theirs:>9.1f}", flush=True)
    for name in ("numpy_rnn", "torch"):
        best = int(np.argmax(curves[name]))
        print(f"{name}: last epoch {curves[name][-1]:.4f}, best {curves[name][best]:.4f} (epoch {best + 1})")
    return curves


if __name__ == "__main__":
    main()
