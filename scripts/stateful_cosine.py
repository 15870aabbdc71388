"""A stateful stacked LSTM learns a decaying cosine, one time step per sample.

The data are 50,000 points of 100 cos(2 pi i / 1000) exp(-0.0001 i); each sample is one point, shaped (1 step,
1 feature), and its target is the next point (the last target is 0). The model is LSTM(50, return_sequences) ->
LSTM(50) -> Dense(1), both recurrent layers stateful, batch 25, RMSprop with Keras's defaults, mean squared error,
25 epochs of one pass each with ``reset_states()`` after it, and no shuffling.

What "stateful" means here is worth seeing. The samples are fed in order, 25 to a batch, and the state of row r of a
batch is carried into row r of the next batch. Row r therefore reads points r, r + 25, r + 50, ...: 25 interleaved
streams, each a cosine sampled every 25 points (40 samples a period), and each batch is a one-step window of
truncated BPTT. The network must carry what it knows about the wave in its state from one batch to the next.

    python scripts/stateful_cosine.py
    python scripts/stateful_cosine.py --quick
"""
import argparse
import time

import numpy as np

from numpy_rnn import LSTM, Dense, RMSprop, Sequential
from numpy_rnn.plotting import plot_panels, save_figure


def decaying_cosine(n_points, amplitude=100.0, period=1000, decay=1e-4):
    """(n_points, 1, 1) samples of one step each, and (n_points, 1) targets: the next point (0 after the last)."""
    i = np.arange(n_points)
    wave = amplitude * np.cos(2 * np.pi * i / period) * np.exp(-decay * i)
    targets = np.zeros((n_points, 1))
    targets[:-1, 0] = wave[1:]
    return wave[:, None, None], targets


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=50_000)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--batch-size", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="tiny settings: that it runs, in seconds")
    parser.add_argument("--plot", default="stateful_cosine.png", help="where to write the figure")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    args = parser.parse_args(argv)
    if args.quick:
        args.points, args.epochs = 2000, 2

    x, y = decaying_cosine(args.points)
    model = Sequential([LSTM(50, return_sequences=True, stateful=True, input_shape=(1, 1)),
                        LSTM(50, stateful=True), Dense(1)], random_state=args.seed)
    model.compile(optimizer=RMSprop(), loss="mse")
    print(f"{args.points} points in batches of {args.batch_size}, stateful LSTM(50) -> LSTM(50) -> Dense(1), "
          f"RMSprop, {args.epochs} epochs")
    start = time.perf_counter()
    for epoch in range(args.epochs):
        # Targets of size 100 make gradient norms in the thousands normal here, so no warnings about them.
        model.fit(x, y, batch_size=args.batch_size, epochs=1, shuffle=False, verbose=0, gradient_warnings=None)
        model.reset_states()
        print(f"epoch {epoch + 1:2d}/{args.epochs}: loss {model.history.history['loss'][-1]:9.3f}")
    seconds = time.perf_counter() - start
    losses = model.history.history["loss"]
    print(f"trained in {seconds:.1f} s ({seconds / args.epochs:.2f} s per epoch); loss {losses[0]:.1f} after the "
          f"first epoch, {losses[-1]:.2f} after the last")

    predicted = model.predict(x, batch_size=args.batch_size)
    model.reset_states()
    squared = (predicted - y)[:, 0] ** 2
    mse = float(np.mean(squared))
    fifth = args.points // 5
    print(f"prediction over the whole series (one more stateful pass, final weights): MSE {mse:.3f}; "
          f"first fifth {np.mean(squared[:fifth]):.3f}, last fifth {np.mean(squared[-fifth:]):.4f}")
    # The training loss is measured batch by batch while RMSprop keeps adjusting the weights to the wave as it
    # decays; the final weights were last adjusted at its small end, so they fit the first, largest periods less well.
    i = np.arange(args.points)
    zoom = slice(0, min(args.points, 3000))
    if not args.no_plot:
        save_figure(plot_panels, [
            dict(curves={"training loss": losses}, title="training loss per epoch", xlabel="epoch", ylabel="MSE",
                 logy=True),
            dict(curves={"expected": (i, y[:, 0]), "predicted": (i, predicted[:, 0])}, styles={"predicted": "--"},
                 title=f"expected and predicted next value (MSE {mse:.2f})", xlabel="point", ylabel="value"),
            dict(curves={"expected": (i[zoom], y[zoom, 0]), "predicted": (i[zoom], predicted[zoom, 0])},
                 styles={"predicted": "--"}, title="the first 3,000 points", xlabel="point", ylabel="value"),
        ], args.plot, title="Stateful LSTM(50) -> LSTM(50) -> Dense(1) on a decaying cosine")
    return dict(losses=losses, mse=mse, seconds=seconds)


if __name__ == "__main__":
    main()
