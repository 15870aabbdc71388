"""Train the textbook's RecurrentNetwork on text and plot its loss curves.

By default it uses numpy_rnn's built-in review data set (no download, a few seconds). With --data it reads IMDB from
an aclImdb/ folder or a Keras imdb.npz file, prepares it as the textbook does (100-word vocabulary, 20 most frequent
words skipped, 20,000 / 5,000 split, 100 steps) and uses the textbook's settings (32 cells, batch 32, learning rate
0.01, 20 epochs) unless you set them.

    python scripts/train_text.py                          # writes train_text_loss.png and prints where
    python scripts/train_text.py --plot figures/loss.png  # the figure somewhere else (--no-plot: none)
    python scripts/train_text.py --quick                  # a few seconds: 400 reviews, 3 epochs
    python scripts/train_text.py --data path/to/aclImdb
    python scripts/train_text.py --data path/to/imdb.npz --allow-pickle
"""
import argparse
import time

from numpy_rnn import RecurrentNetwork
from numpy_rnn.data import load_imdb_book, make_reviews
from numpy_rnn.plotting import plot_curves, save_figure


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="an aclImdb/ folder or an imdb.npz file (default: the built-in reviews)")
    parser.add_argument("--allow-pickle", action="store_true",
                        help="trust the imdb.npz file enough to unpickle it (see numpy_rnn.data.load_imdb_npz)")
    parser.add_argument("--cells", type=int, help="hidden units (built-in: 32, IMDB: 32)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, help="(built-in: 0.1, IMDB: 0.01)")
    parser.add_argument("--epochs", type=int, help="(built-in: 30, IMDB: 20)")
    parser.add_argument("--bptt-steps", type=int, default=10, help="truncation length; 0 for full BPTT (default 10)")
    parser.add_argument("--samples", type=int, default=5000, help="built-in data set size (default 5000)")
    parser.add_argument("--val-samples", type=int, default=5000,
                        help="IMDB: reviews held out for validation (default 5000, the textbook's split)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2))
    parser.add_argument("--quick", action="store_true",
                        help="tiny settings, a few seconds: 3 epochs (on 400 reviews of the built-in data)")
    parser.add_argument("--plot", default="train_text_loss.png",
                        help="where to write the loss curves (PNG; default train_text_loss.png in the current folder)")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the loss curves")
    args = parser.parse_args(argv)
    if args.quick:
        args.samples, args.epochs = min(args.samples, 400), args.epochs or 3

    if args.data:
        print(f"Reading IMDB from {args.data} (the textbook's preparation) ...")
        x_train, y_train, x_val, y_val = load_imdb_book(args.data, n_val=args.val_samples,
                                                        allow_pickle=args.allow_pickle, random_state=args.seed)
        defaults = dict(cells=32, learning_rate=0.01, epochs=20)
        name = "IMDB"
    else:
        ids, labels, _ = make_reviews(args.samples, random_state=args.seed)
        n_train = int(0.8 * len(ids))
        x_train, y_train, x_val, y_val = ids[:n_train], labels[:n_train], ids[n_train:], labels[n_train:]
        defaults = dict(cells=32, learning_rate=0.1, epochs=30)
        name = "built-in reviews"
    cells = args.cells or defaults["cells"]
    learning_rate = args.learning_rate or defaults["learning_rate"]
    epochs = args.epochs or defaults["epochs"]
    print(f"{name}: {len(x_train)} training and {len(x_val)} validation sequences of {x_train.shape[1]} token ids; "
          f"RecurrentNetwork(n_cells={cells}, batch_size={args.batch_size}, learning_rate={learning_rate}, "
          f"bptt_steps={args.bptt_steps or None}), {epochs} epochs")

    rn = RecurrentNetwork(n_cells=cells, batch_size=args.batch_size, learning_rate=learning_rate,
                          bptt_steps=args.bptt_steps or None, random_state=args.seed, verbose=args.verbose)
    start = time.perf_counter()
    rn.fit(x_train, y_train, epochs=epochs, x_val=x_val, y_val=y_val)
    seconds = time.perf_counter() - start
    print(f"trained in {seconds:.1f} s ({seconds / epochs:.2f} s per epoch)")
    print(f"final training loss {rn.losses[-1]:.4f}, validation loss {rn.val_losses[-1]:.4f}")
    print(f"validation accuracy {rn.score(x_val, y_val):.4f} (best epoch: {max(rn.val_scores):.4f})")
    if not args.no_plot:
        save_figure(plot_curves, {"training loss": rn.losses, "validation loss": rn.val_losses}, args.plot,
                    what="loss curves", title=f"RecurrentNetwork on {name}")
    return rn


if __name__ == "__main__":
    main()
