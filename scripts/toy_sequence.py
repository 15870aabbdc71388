"""The toy sequence: from five numbers in a row, predict the next one.

X holds 10 windows of 5 values, (0.0, 0.1, ..., 0.4), (0.1, ..., 0.5), ..., (0.9, ..., 1.3); y holds the value after
each window, 0.5 ... 1.4. The model is SimpleRNN(10) on inputs of shape (5, 1), then Dense(1), trained with Adam
(learning rate 0.001) on the mean squared error. The summaries show where the 120 recurrent parameters come from
(10 x 1 input weights + 10 x 10 recurrent weights + 10 biases) and what ``return_sequences`` changes.

50 epochs of one batch each are 50 small Adam steps: the network has barely moved from its starting point (the
original run stopped at a loss of 0.78). Where it stops depends mostly on where it starts: ``--seeds N`` trains N
fresh models for the same 50 epochs and prints the spread of their final losses, and ``--keras`` does the same with
Keras, when TensorFlow is installed, for comparison. Training on for more epochs shows that it does learn the rule.

    python scripts/toy_sequence.py
    python scripts/toy_sequence.py --seeds 8 --keras
    python scripts/toy_sequence.py --quick
"""
import argparse

import numpy as np

from numpy_rnn import Adam, Dense, Sequential, SimpleRNN
from numpy_rnn.plotting import plot_panels, save_figure


def toy_data():
    """X (10, 5, 1): windows of 5 values in steps of 0.1; y (10, 1): the value after each window."""
    start = np.arange(10)[:, None] / 10
    x = start + np.arange(5) / 10
    return x[:, :, None], start + 0.5


def build(return_sequences=False, seed=0):
    model = Sequential([SimpleRNN(10, return_sequences=return_sequences, input_shape=(5, 1))]
                       + ([] if return_sequences else [Dense(1)]), random_state=seed)
    model.build()
    return model


def losses_after(epochs, seeds, keras=False):
    """The training loss after ``epochs`` epochs of fresh models, one per seed (numpy_rnn, or Keras if asked)."""
    x, y = toy_data()
    finals = []
    for seed in range(seeds):
        if keras:
            import keras as K  # optional: only for this comparison
            K.utils.set_random_seed(seed)
            model = K.Sequential([K.Input((5, 1)), K.layers.SimpleRNN(10), K.layers.Dense(1)])
            model.compile(optimizer=K.optimizers.Adam(learning_rate=0.001), loss="mse")
        else:
            model = build(seed=seed)
            model.compile(optimizer=Adam(learning_rate=0.001), loss="mse")
        finals.append(model.fit(x, y, epochs=epochs, batch_size=32, verbose=0).history["loss"][-1])
    return np.array(finals)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=50, help="the original run's epochs (default 50)")
    parser.add_argument("--more-epochs", type=int, default=3000, help="total epochs of the longer run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=0, help="also train this many fresh models and show the spread")
    parser.add_argument("--keras", action="store_true", help="with --seeds: the same with Keras (needs TensorFlow)")
    parser.add_argument("--quick", action="store_true", help="tiny settings: that it runs, in seconds")
    parser.add_argument("--plot", default="toy_sequence.png", help="where to write the figure")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.more_epochs = 5, 20

    x, y = toy_data()
    print("With return_sequences=True the layer outputs every step's state:")
    build(return_sequences=True).summary()
    print("\nWithout it, only the last step's state, which Dense(1) turns into the prediction:")
    model = build(seed=args.seed)
    model.summary()
    model.compile(optimizer=Adam(learning_rate=0.001), loss="mse")

    model.fit(x, y, epochs=args.epochs, batch_size=32, verbose=0)
    early = model.predict(x)[:, 0]
    print(f"\nafter {args.epochs} epochs: loss {model.history.history['loss'][-1]:.4f}")
    model.fit(x, y, epochs=args.more_epochs - args.epochs, batch_size=32, verbose=0)
    late = model.predict(x)[:, 0]
    losses = model.history.history["loss"]
    print(f"after {args.more_epochs} epochs: loss {losses[-1]:.6f}")
    print("  window            target  after {:<5d} after {:<5d}".format(args.epochs, args.more_epochs))
    for window, target, a, b in zip(x[:, :, 0], y[:, 0], early, late):
        print(f"  {window[0]:.1f} ... {window[-1]:.1f}   {target:6.2f}  {a:11.3f} {b:11.3f}")
    for name, use_keras in [("numpy_rnn", False)] + [("Keras", True)] * args.keras:
        if args.seeds:
            finals = losses_after(args.epochs, args.seeds, keras=use_keras)
            print(f"{name}, {args.seeds} seeds, loss after {args.epochs} epochs: min {finals.min():.4f}, "
                  f"median {np.median(finals):.4f}, max {finals.max():.4f}")
    unseen = np.array([[1.0, 1.1, 1.2, 1.3, 1.4]])[:, :, None]
    print(f"an unseen window 1.0 ... 1.4 (next: 1.5, outside the training range): {model.predict(unseen)[0, 0]:.3f}")

    if not args.no_plot:
        save_figure(plot_panels, [
            dict(curves={"training loss": losses}, title="training loss (MSE)", xlabel="epoch", ylabel="MSE",
                 logy=True),
            dict(curves={"target": (y[:, 0], y[:, 0]), f"after {args.epochs} epochs": (y[:, 0], early),
                         f"after {args.more_epochs} epochs": (y[:, 0], late)},
                 styles={"target": "k-", f"after {args.epochs} epochs": "o", f"after {args.more_epochs} epochs": "s"},
                 title="predicted next value", xlabel="true next value", ylabel="prediction"),
        ], args.plot, title="SimpleRNN(10) + Dense(1) on the toy sequence")
    return dict(loss_early=model.history.history["loss"][args.epochs - 1], loss=losses[-1], early=early, late=late)


if __name__ == "__main__":
    main()
