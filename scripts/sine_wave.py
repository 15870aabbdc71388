"""Learn a noisy sine wave one step at a time, updating every 30 steps; then predict a cosine.

The classic first RNN exercise. The series is 1,000 points of sin(x) over one period plus uniform noise in
[-0.05, 0.05], and the model predicts the next value from the values so far: SimpleRNN(100) + Dense(1), Adam
(learning rate 0.001), mean squared error, 100 epochs. The network reads the sequence one step at a time and keeps
its hidden state from step to step; every 30 steps it backpropagates through those 30 steps and updates the weights
(truncated BPTT).

A stateful layer given windows of 30 steps in order does exactly that: the state flows from one window into the
next, and the gradient stops at the window's start. So each update here is one ``train_on_batch`` on a (1, 30, 1)
window (the last window of an epoch is shorter), and ``reset_states()`` starts each epoch at the wave's beginning.

The trained model then reads a cosine (1,000 points over two periods, no noise) and predicts each next value from
the cosine's own earlier values. ``--lstm`` trains LSTM(100) on a batch of 30 streams instead: 30 noisy sine waves
with random phases, fed side by side as the 30 rows of each (30, 30, 1) window.

    python scripts/sine_wave.py                 # SimpleRNN(100), one stream
    python scripts/sine_wave.py --lstm          # LSTM(100), 30 streams
    python scripts/sine_wave.py --quick         # a few seconds
"""
import argparse
import time

import numpy as np

from numpy_rnn import LSTM, Adam, Dense, Sequential, SimpleRNN
from numpy_rnn.plotting import plot_panels, save_figure


def noisy_sines(n_streams, n_points, noise, rng, random_phase):
    """(n_streams, n_points): sin over one period [0, 2 pi), each with its own phase and uniform noise."""
    x = np.linspace(0, 2 * np.pi, n_points, endpoint=False)
    phase = rng.uniform(0, 2 * np.pi, size=(n_streams, 1)) if random_phase else np.zeros((n_streams, 1))
    return np.sin(x + phase) + rng.uniform(-noise, noise, size=(n_streams, n_points))


def train_stepwise(model, series, window, epochs, verbose=True):
    """Truncated BPTT on ``series`` (streams, points): inputs are points 0..n-2, targets 1..n-1, one update per
    ``window`` steps, the state carried through the whole series. Returns each epoch's mean squared error."""
    inputs, targets = series[:, :-1, None], series[:, 1:, None]
    steps = inputs.shape[1]
    losses = []
    for epoch in range(epochs):
        model.reset_states()  # every epoch reads the wave from its start
        total = 0.0
        for start in range(0, steps, window):
            stop = min(start + window, steps)
            total += model.train_on_batch(inputs[:, start:stop], targets[:, start:stop]) * (stop - start)
        losses.append(total / steps)
        if verbose and (epoch + 1) % max(1, epochs // 10) == 0:
            print(f"epoch {epoch + 1:3d}/{epochs}: average training loss {losses[-1]:.5f}")
    return losses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lstm", action="store_true", help="LSTM(100) on a batch of 30 streams")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--window", type=int, default=30, help="steps between updates (the truncation length)")
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="tiny settings: that it runs, in seconds")
    parser.add_argument("--plot", help="where to write the figure (default: sine_wave[_lstm].png)")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.points, args.units = 2, 200, 16
    plot = args.plot or ("sine_wave_lstm.png" if args.lstm else "sine_wave.png")

    rng = np.random.default_rng(args.seed)
    streams = 30 if args.lstm else 1
    series = noisy_sines(streams, args.points, noise=0.05, rng=rng, random_phase=args.lstm)
    cell = LSTM if args.lstm else SimpleRNN
    model = Sequential([cell(args.units, return_sequences=True, stateful=True, input_shape=(None, 1)), Dense(1)],
                       random_state=args.seed)
    model.compile(optimizer=Adam(learning_rate=0.001), loss="mse")
    print(f"{cell.__name__}({args.units}) + Dense(1), {streams} stream(s) of {args.points} points, "
          f"an update every {args.window} steps, {args.epochs} epochs")

    start = time.perf_counter()
    losses = train_stepwise(model, series, args.window, args.epochs)
    seconds = time.perf_counter() - start
    print(f"trained in {seconds:.1f} s; final average training loss {losses[-1]:.5f} "
          f"(the noise alone, uniform in [-0.05, 0.05], has variance {0.05 ** 2 / 3:.5f})")

    # The cosine: two periods, read one step at a time from its own values, one stream (a fresh state).
    t = np.linspace(0, 4 * np.pi, args.points, endpoint=False)
    cosine = np.cos(t)
    model.reset_states()
    if args.lstm:  # the stateful layers keep the batch size they trained with: read the cosine in all 30 rows
        predicted = model.predict(np.repeat(cosine[None, :-1, None], streams, axis=0), batch_size=streams)[0, :, 0]
    else:
        predicted = model.predict(cosine[None, :-1, None], batch_size=1)[0, :, 0]
    cosine_mse = float(np.mean((predicted - cosine[1:]) ** 2))
    print(f"cosine, next-step prediction from its own values: MSE {cosine_mse:.5f}")

    if not args.no_plot:
        save_figure(plot_panels, [
            dict(curves={"training loss": losses}, title="average training loss per epoch", xlabel="epoch",
                 ylabel="MSE", logy=True),
            dict(curves={"cos(t)": (t[1:], cosine[1:]), "predicted": (t[1:], predicted)}, styles={"predicted": "--"},
                 title=f"next-step prediction of a cosine (MSE {cosine_mse:.4f})", xlabel="t", ylabel="value"),
        ], plot, title=f"{cell.__name__}({args.units}) on {streams} noisy sine stream(s), truncated BPTT every "
                       f"{args.window} steps")
    return dict(losses=losses, cosine_mse=cosine_mse, seconds=seconds)


if __name__ == "__main__":
    main()
