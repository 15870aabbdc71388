"""Sentiment classification four ways: the textbook's RecurrentNetwork, then SimpleRNN, Embedding + SimpleRNN and
Embedding + LSTM models.

1. RecurrentNetwork(n_cells=32, batch_size=32, learning_rate=0.01), 20 epochs, on the 100-word one-hot input
   (truncated BPTT over the last 10 steps, as the book's backward pass does);
2. SimpleRNN(32) -> Dense(1, sigmoid) on the same input, SGD (learning rate 0.01), binary cross-entropy, 20 epochs;
3. Embedding(1000, 32) -> SimpleRNN(8) -> Dense(1, sigmoid) on a 1,000-word vocabulary, Adam, 10 epochs;
4. Embedding(1000, 32) -> LSTM(8) -> Dense(1, sigmoid), Adam, 10 epochs.
All use batches of 32. The one-hot models read token ids: a one-hot row times a matrix is that matrix's row, so the
results are the same as with one-hot arrays, without the 1.6 GB array.

With ``--data`` (an ``aclImdb/`` folder or a Keras ``imdb.npz``) the data are IMDB prepared as the textbook does:
the 25,000 training reviews, the 20 most frequent words skipped, the ids 0-2 dropped, a stratified 20,000 / 5,000
split, 100 steps. The vocabulary is the 100 most frequent words for models 1 and 2 and the 1,000 most frequent for
3 and 4. Without it, 25,000 built-in reviews are used for all four, split 20,000 / 5,000 as IMDB is, so that every
model makes as many updates as on IMDB (their 26-word vocabulary stands in for both vocabularies).

    python scripts/imdb_four_ways.py
    python scripts/imdb_four_ways.py --data path/to/aclImdb
    python scripts/imdb_four_ways.py --quick
    python scripts/imdb_four_ways.py --dtype float32    # the same models in single precision: the same accuracy?
"""
import argparse
import time

import numpy as np

from numpy_rnn import LSTM, SGD, Adam, Dense, Embedding, RecurrentNetwork, Sequential, SimpleRNN
from numpy_rnn.data import load_imdb_book, make_reviews
from numpy_rnn.plotting import plot_panels, save_figure

PUBLISHED = {"RecurrentNetwork": 0.6816, "SimpleRNN(32)": 0.6998, "Embedding + SimpleRNN(8)": 0.8222,
             "Embedding + LSTM(8)": 0.8372}


def load_data(args):
    """``{vocabulary size: (x_train, y_train, x_val, y_val)}`` for the 100- and 1,000-word inputs, and a name."""
    if args.data:
        print(f"Reading IMDB from {args.data} (the textbook's preparation) ...")
        return {n: load_imdb_book(args.data, num_words=n, allow_pickle=args.allow_pickle, random_state=args.seed)
                for n in (100, 1000)}, "IMDB"
    ids, labels, vocabulary = make_reviews(args.samples, random_state=args.seed)
    n_train = int(0.8 * len(ids))
    split = (ids[:n_train], labels[:n_train], ids[n_train:], labels[n_train:])
    return {100: split, 1000: split}, "built-in reviews"


def sequential(layers, optimizer, seed, dtype):
    model = Sequential(layers, random_state=seed, dtype=dtype)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="an aclImdb/ folder or an imdb.npz file (default: the built-in reviews)")
    parser.add_argument("--allow-pickle", action="store_true",
                        help="trust the imdb.npz file enough to unpickle it (see numpy_rnn.data.load_imdb_npz)")
    parser.add_argument("--samples", type=int, default=25_000, help="built-in data set size (default 25,000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--dtype", default="float64", choices=("float64", "float32"),
                        help="the precision every model computes in (default float64)")
    parser.add_argument("--quick", action="store_true", help="tiny settings: that it runs, in seconds")
    parser.add_argument("--plot", default="imdb_four_ways.png", help="where to write the figure")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    args = parser.parse_args(argv)
    epochs_one_hot, epochs_embedding = (1, 1) if args.quick else (20, 10)
    if args.quick:
        args.samples = 300

    data, name = load_data(args)
    small, large = data[100], data[1000]
    one_hot_width = max(int(small[0].max()), int(small[2].max())) + 1
    steps = small[0].shape[1]
    print(f"{name}: {len(small[0])} training and {len(small[2])} validation sequences of {steps} token ids; "
          f"{args.dtype}")

    results, curves = {}, {}
    start = time.perf_counter()
    rn = RecurrentNetwork(n_cells=32, batch_size=32, learning_rate=0.01, n_features=one_hot_width,
                          random_state=args.seed, dtype=args.dtype, verbose=0)
    rn.fit(small[0], small[1], epochs=epochs_one_hot, x_val=small[2], y_val=small[3])
    seconds = (time.perf_counter() - start) / epochs_one_hot
    results["RecurrentNetwork"] = (rn.score(small[2], small[3]), seconds)
    curves["RecurrentNetwork"] = dict(loss=rn.losses, val_loss=rn.val_losses, val_accuracy=rn.val_scores)

    models = {
        "SimpleRNN(32)": (lambda: sequential([SimpleRNN(32, input_dim=one_hot_width), Dense(1, activation="sigmoid")],
                                             SGD(learning_rate=0.01), args.seed, args.dtype), small, epochs_one_hot),
        "Embedding + SimpleRNN(8)": (lambda: sequential([Embedding(1000, 32), SimpleRNN(8),
                                                         Dense(1, activation="sigmoid")], Adam(), args.seed,
                                                        args.dtype),
                                     large, epochs_embedding),
        "Embedding + LSTM(8)": (lambda: sequential([Embedding(1000, 32), LSTM(8),
                                                    Dense(1, activation="sigmoid")], Adam(), args.seed, args.dtype),
                                large, epochs_embedding),
    }
    for label, (build, (x_train, y_train, x_val, y_val), epochs) in models.items():
        model = build()
        start = time.perf_counter()
        history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_data=(x_val, y_val),
                            verbose=0)
        seconds = (time.perf_counter() - start) / epochs
        results[label] = (history.history["val_accuracy"][-1], seconds)
        curves[label] = history.history

    # The last epoch's accuracy is the book's figure; the best epoch's shows how much of a low final figure is the
    # last update's luck (plain SGD's validation accuracy moves by several points from one epoch to the next).
    best = {label: (max(c["val_accuracy"]), 1 + int(np.argmax(c["val_accuracy"]))) for label, c in curves.items()}
    print(f"{'model':<28}{'validation accuracy':>20}{'best (epoch)':>16}{'published (IMDB)':>18}{'s per epoch':>13}")
    for label, (accuracy, seconds) in results.items():
        print(f"{label:<28}{accuracy:>20.4f}{best[label][0]:>11.4f} ({best[label][1]:>2}){PUBLISHED[label]:>18.4f}"
              f"{seconds:>13.2f}")

    panels = []
    for label, history in curves.items():
        panels.append(dict(curves={"training": history.get("loss"), "validation": history.get("val_loss")},
                           title=f"{label}: loss", xlabel="epoch", ylabel="binary cross-entropy"))
    for label, history in curves.items():
        panels.append(dict(curves={"training": history.get("accuracy"), "validation": history.get("val_accuracy")},
                           title=f"{label}: accuracy", xlabel="epoch", ylabel="accuracy"))
    if not args.no_plot:
        save_figure(plot_panels, panels, args.plot, title=f"Sentiment classification on {name}", columns=4)
    figures = {label: accuracy for label, (accuracy, _) in results.items()}
    figures.update({f"{label}, best": accuracy for label, (accuracy, _) in best.items()})
    figures.update({f"{label}, best epoch": epoch for label, (_, epoch) in best.items()})
    return figures


if __name__ == "__main__":
    main()
