"""Time-series forecasting: the next value, then the next ten, with baselines, deep RNNs, LSTM and GRU.

Each series is 0.5 sin((t - o1)(10 f1 + 10)) + 0.2 sin((t - o2)(20 f2 + 20)) + 0.1 (u - 0.5) at n steps of t over
[0, 1], with f1, f2, o1, o2 and every u uniform in [0, 1). 10,000 series are split 7,000 / 2,000 / 1,000 (training,
validation, test); every model is trained with Adam (Keras's defaults: learning rate 0.001; 0.01 for the
sequence-to-sequence SimpleRNN, as in the original), mean squared error, batch 32, 20 epochs, and scored by its mean
squared error on the validation series.

Next step (series of 51: the first 50 are the input, the 51st the target):
  naive (the last value), linear (the 50 values flattened into Dense(1)), SimpleRNN(1),
  deep SimpleRNN(20) -> SimpleRNN(20) -> SimpleRNN(1), and SimpleRNN(20) -> SimpleRNN(20) -> Dense(1).
Ten steps ahead (series of 60: 50 in, the next 10 out):
  naive (the last value ten times); the one-step model applied ten times, each prediction appended to its input;
  SimpleRNN 20-20 -> Dense(10), all ten at once; and sequence to sequence, where Dense(10) runs at every step
  and at step t forecasts steps t+1 ... t+10, trained on every step and scored on the last one
  (``last_time_step_mse``), with SimpleRNN, layer-normalized SimpleRNN, LSTM and GRU layers of 20 units.

    python scripts/forecasting.py              # every model, about five minutes on one core
    python scripts/forecasting.py --seeds 3    # each trained model three times: the run-to-run spread
    python scripts/forecasting.py --seeds 3 --keras    # and two of the models in Keras, for comparison
    python scripts/forecasting.py --quick

SimpleRNN(1) has a bad start: a single unit whose weights start at W_x < 0 and W_h = +1 (its 1 x 1 orthogonal
recurrent weight is +1 or -1) settles at W_x near 0, W_h near 1, and predicts almost nothing (MSE about 0.14) instead
of about 0.011. Keras, started from the same weights, does the same (``--keras``); so which seed a run uses decides it.
"""
import argparse
import time

import numpy as np

from numpy_rnn import GRU, LSTM, Adam, Dense, LayerNormSimpleRNN, Sequential, SimpleRNN
from numpy_rnn.plotting import plot_panels, save_figure

# The published validation MSEs these experiments reproduce.
PUBLISHED = {
    "naive": 0.0202, "linear": 0.0042, "SimpleRNN(1)": 0.0109, "deep 20-20-1": 0.0029, "deep 20-20 + Dense(1)": 0.0026,
    "10 ahead: naive": 0.257, "10 ahead: one-step model x 10": 0.0275, "10 ahead: 20-20 + Dense(10)": 0.0085,
    "seq2seq SimpleRNN": 0.0096, "seq2seq LN-SimpleRNN": 0.0121, "seq2seq LSTM": 0.0086, "seq2seq GRU": 0.0103,
}


def generate_series(n_series, n_steps, rng):
    """(n_series, n_steps, 1) series as in the module docstring."""
    f1, f2, o1, o2 = rng.random((4, n_series, 1))
    t = np.linspace(0, 1, n_steps)
    series = 0.5 * np.sin((t - o1) * (f1 * 10 + 10))
    series += 0.2 * np.sin((t - o2) * (f2 * 20 + 20))
    series += 0.1 * (rng.random((n_series, n_steps)) - 0.5)
    return series[..., None]


def split(array, n_train, n_val):
    return array[:n_train], array[n_train:n_train + n_val], array[n_train + n_val:]


def seq2seq_targets(series, n_in, ahead):
    """(n, n_in, ahead): at step t, the values of steps t+1 ... t+ahead."""
    return np.stack([series[:, k:k + n_in, 0] for k in range(1, ahead + 1)], axis=-1)


def deep(cell, outputs, sequence_out=False):
    """cell(20) -> cell(20) -> Dense(outputs), the second layer returning sequences when ``sequence_out``."""
    return [cell(20, return_sequences=True, input_shape=(None, 1)), cell(20, return_sequences=sequence_out),
            Dense(outputs)]


def iterate_one_step(model, x, ahead):
    """Forecast ``ahead`` steps by predicting one, appending it to the input window, and predicting again."""
    window = x
    for _ in range(ahead):
        next_value = model.predict(window[:, -x.shape[1]:], batch_size=1000)
        window = np.concatenate([window, next_value[:, None, :]], axis=1)
    return window[:, x.shape[1]:, 0]


def single_unit_from_same_start(data, seeds, first_seed, epochs):
    """SimpleRNN(1) trained by numpy_rnn and by Keras from the same initial weights (needs TensorFlow)."""
    import keras  # optional: only for this comparison

    x_train, y_train, x_val, y_val = data
    for seed in range(first_seed, first_seed + seeds):
        ours = Sequential([SimpleRNN(1, input_shape=(None, 1))], random_state=seed)
        ours.build()
        start = ours.layers[0].get_weights()
        theirs = keras.Sequential([keras.Input((None, 1)), keras.layers.SimpleRNN(1)])
        theirs.layers[0].set_weights(start)
        mses = []
        for model, optimizer in ((ours, Adam()), (theirs, keras.optimizers.Adam())):
            model.compile(optimizer=optimizer, loss="mse")
            model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=0)
            mses.append(float(np.mean((model.predict(x_val, batch_size=1000, verbose=0) - y_val) ** 2))
                        if model is theirs else model.evaluate(x_val, y_val, batch_size=1000))
        print(f"  seed {seed}: start W_x={start[0].item():+.3f}, W_h={start[1].item():+.0f}: validation MSE "
              f"numpy_rnn {mses[0]:.4f}, Keras {mses[1]:.4f}")


def keras_layer_norm_seq2seq(data, seeds, first_seed, epochs):
    """The layer-normalized sequence-to-sequence model built in Keras, as the original does: a SimpleRNNCell without
    activation, then LayerNormalization, then tanh (needs TensorFlow). Returns each seed's last-step MSE."""
    import keras  # optional: only for this comparison

    class LayerNormCell(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.state_size = self.output_size = units
            self.cell = keras.layers.SimpleRNNCell(units, activation=None)
            self.norm = keras.layers.LayerNormalization()

        def build(self, input_shape):
            self.cell.build(input_shape)
            self.norm.build((None, self.state_size))

        def call(self, inputs, states):
            a, _ = self.cell(inputs, states)
            h = keras.ops.tanh(self.norm(a))
            return h, [h]

    x_train, y_train, x_val, y_val = data
    mses = []
    for seed in range(first_seed, first_seed + seeds):
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([keras.Input((None, 1)), keras.layers.RNN(LayerNormCell(20), return_sequences=True),
                                  keras.layers.RNN(LayerNormCell(20), return_sequences=True), keras.layers.Dense(10)])
        model.compile(optimizer=keras.optimizers.Adam(), loss="mse")
        model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=0)
        forecast = model.predict(x_val, batch_size=1000, verbose=0)
        mses.append(float(np.mean((forecast[:, -1] - y_val[:, -1]) ** 2)))
    return mses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=1, help="train each model with this many seeds (default 1)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the data and of the first model")
    parser.add_argument("--keras", action="store_true",
                        help="also train in Keras (needs TensorFlow): SimpleRNN(1) from numpy_rnn's initial weights, "
                             "and the layer-normalized seq2seq model, one run per seed")
    parser.add_argument("--dtype", default="float64", choices=("float64", "float32"),
                        help="the precision every numpy_rnn model computes in (default float64)")
    parser.add_argument("--quick", action="store_true", help="tiny settings: that it runs, in seconds")
    parser.add_argument("--plot", default="forecasting.png", help="where to write the figure")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    args = parser.parse_args(argv)
    if args.quick:
        args.series, args.epochs = 300, 1
    n_train, n_val = int(0.7 * args.series), int(0.2 * args.series)
    n_in, ahead = 50, 10

    rng = np.random.default_rng(args.seed)
    one = generate_series(args.series, n_in + 1, rng)
    x_train, x_val, _ = split(one[:, :n_in], n_train, n_val)
    y_train, y_val, _ = split(one[:, -1], n_train, n_val)
    ten = generate_series(args.series, n_in + ahead, rng)
    X_train, X_val, _ = split(ten[:, :n_in], n_train, n_val)
    Y_train, Y_val, _ = split(ten[:, n_in:, 0], n_train, n_val)
    S_train, S_val, _ = split(seq2seq_targets(ten, n_in, ahead), n_train, n_val)
    print(f"{args.series} series: {n_train} training, {n_val} validation; Adam, MSE, batch 32, {args.epochs} epochs; "
          f"{args.dtype}")

    results, models = {}, {}

    def record(name, values, seconds=None):
        values = np.atleast_1d(values)
        results[name] = values
        spread = f" (min {values.min():.4f}, max {values.max():.4f}, {len(values)} seeds)" if len(values) > 1 else ""
        timing = f"   {seconds:5.1f} s per training" if seconds else ""
        print(f"  {name:<32} {values.mean():.4f}{spread}   published {PUBLISHED[name]:.4f}{timing}")

    def train(name, layers, x, y, xv, yv, metric="mse", learning_rate=0.001):
        scores, seconds = [], []
        for k in range(args.seeds):
            model = Sequential(layers(), random_state=args.seed + k, dtype=args.dtype)
            model.compile(optimizer=Adam(learning_rate=learning_rate), loss="mse", metrics=[metric])
            start = time.perf_counter()
            model.fit(x, y, epochs=args.epochs, batch_size=32, verbose=0)
            seconds.append(time.perf_counter() - start)
            scores.append(model.evaluate(xv, yv, batch_size=1000)[1])
            if k == 0:
                models[name] = model
        record(name, scores, np.mean(seconds))

    print("next step, validation MSE:")
    record("naive", np.mean((x_val[:, -1] - y_val) ** 2))
    flat = lambda x: x.reshape(len(x), -1)  # noqa: E731  (Flatten: the 50 values side by side)
    train("linear", lambda: [Dense(1, input_shape=(n_in,))], flat(x_train), y_train, flat(x_val), y_val)
    train("SimpleRNN(1)", lambda: [SimpleRNN(1, input_shape=(None, 1))], x_train, y_train, x_val, y_val)
    if args.keras:
        single_unit_from_same_start((x_train, y_train, x_val, y_val), args.seeds, args.seed, args.epochs)
    train("deep 20-20-1", lambda: [SimpleRNN(20, return_sequences=True, input_shape=(None, 1)),
                                   SimpleRNN(20, return_sequences=True), SimpleRNN(1)], x_train, y_train, x_val, y_val)
    train("deep 20-20 + Dense(1)", lambda: deep(SimpleRNN, 1), x_train, y_train, x_val, y_val)

    print("ten steps ahead, validation MSE (sequence to sequence: of the last step's ten forecasts):")
    record("10 ahead: naive", np.mean((X_val[:, -1] - Y_val) ** 2))
    iterated = iterate_one_step(models["deep 20-20 + Dense(1)"], X_val, ahead)
    record("10 ahead: one-step model x 10", np.mean((iterated - Y_val) ** 2))
    train("10 ahead: 20-20 + Dense(10)", lambda: deep(SimpleRNN, ahead), X_train, Y_train, X_val, Y_val)
    for label, cell, rate in (("SimpleRNN", SimpleRNN, 0.01), ("LN-SimpleRNN", LayerNormSimpleRNN, 0.001),
                              ("LSTM", LSTM, 0.001), ("GRU", GRU, 0.001)):
        train(f"seq2seq {label}", lambda cell=cell: deep(cell, ahead, sequence_out=True), X_train, S_train, X_val,
              S_val, metric="last_time_step_mse", learning_rate=rate)

    if args.keras:
        mses = keras_layer_norm_seq2seq((X_train, S_train, X_val, S_val), args.seeds, args.seed, args.epochs)
        print(f"  Keras's seq2seq LN-SimpleRNN on the same data: {', '.join(f'{m:.4f}' for m in mses)}")

    # A few validation series with their forecasts.
    at_once = models["10 ahead: 20-20 + Dense(10)"].predict(X_val[:3])
    lstm = models["seq2seq LSTM"].predict(X_val[:3])[:, -1]
    one_step = models["deep 20-20 + Dense(1)"].predict(x_val[:3])[:, 0]
    t_in, t_out = np.arange(n_in), np.arange(n_in, n_in + ahead)
    panels = []
    for i in range(3):
        panels.append(dict(curves={"series": (t_in, x_val[i, :, 0]), "next value": ([n_in], y_val[i]),
                                   "prediction": ([n_in], [one_step[i]])},
                           styles={"series": "k.-", "next value": "bo", "prediction": "rx"},
                           title=f"next step, validation series {i}", xlabel="t"))
    for i in range(3):
        panels.append(dict(curves={"series": (t_in, X_val[i, :, 0]), "truth": (t_out, Y_val[i]),
                                   "one-step x 10": (t_out, iterated[i]), "Dense(10)": (t_out, at_once[i]),
                                   "seq2seq LSTM": (t_out, lstm[i])},
                           styles={"series": "k.-", "truth": "bo-", "one-step x 10": "x--", "Dense(10)": "s--",
                                   "seq2seq LSTM": "^--"},
                           title=f"ten steps ahead, validation series {i}", xlabel="t"))
    if not args.no_plot:
        save_figure(plot_panels, panels, args.plot, title="Time-series forecasting (validation series)", columns=3)
    return {name: float(values.mean()) for name, values in results.items()}


if __name__ == "__main__":
    main()
