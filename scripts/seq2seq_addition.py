"""Sequence to sequence on addition problems, as "Deep Learning from Scratch 2" ch. 7 teaches it: "16+75" -> "91".

An encoder reads the question's characters and hands its final hidden state h to a decoder, which writes the answer
one character at a time. Three models, each trained on the same 45,000 questions and scored on the same 5,000 others
by exact match (the whole answer right, the book's measure), after every epoch:

  plain      Embedding(13, 16) -> LSTM(128) encoder; the decoder, Embedding(13, 16) -> LSTM(128) started from
             (h, c = 0) -> Dense(13) at every step
  reversed   the same model, reading each question backwards ("57+61" for "16+75"): the first digits the decoder
             writes are then close, in steps, to the ones they depend on
  peeky      reversed input, and h also concatenated to the decoder's input and to its output layer's input at every
             step, so that every step sees the question, not only the first

Adam, gradients clipped to a global norm of 5, batches of 128, 25 epochs, in float32 as the book's code computes
(``--dtype float64``: numpy_rnn's default precision, about twice the time), from the book's initial weights
(``--init keras``: numpy_rnn's own, which learn these problems about half as fast; ``start_as_the_book``). Training is
teacher forcing (the decoder reads the true answer shifted by one: "_91 " -> "91  "); scoring decodes greedily from
the start symbol "_".

``--keras`` (TensorFlow installed) trains the same model in Keras beside each one, as a side-by-side check: Keras's
layers given numpy_rnn's initial weights (the layouts are the same), the same split, Adam with the same clipping,
batches of 128 in Keras's own shuffled order, and the same greedy scoring (Keras's layers one step at a time).

    python scripts/seq2seq_addition.py --data ../shared/data/addition.txt
    python scripts/seq2seq_addition.py --data ../shared/data/addition.txt --keras --models plain
    python scripts/seq2seq_addition.py --quick
"""
import argparse
import os
import tempfile
import time

import numpy as np

from numpy_rnn import LSTM, Adam, Dense, Embedding, Model
from numpy_rnn.data import load_addition
from numpy_rnn.decoding import greedy_decode, teacher_forcing
from numpy_rnn.metrics import exact_match
from numpy_rnn.plotting import plot_panels, save_figure

# DLFS2's own code, run on this file (exact-match accuracy after epochs 1 / 5 / 10 / 15 / 20 / 25): issue 15
PUBLISHED = {"plain": (0.002, 0.023, 0.047, 0.073, 0.093, 0.121),
             "reversed": (0.001, 0.125, 0.298, 0.411, 0.499, 0.540),
             "peeky": (0.003, 0.094, 0.884, 0.967, 0.977, 0.984)}
REPORTED_EPOCHS = (1, 5, 10, 15, 20, 25)


class Seq2seq(Model):
    """DLFS2's encoder-decoder, with its forward and backward written out (the ``Model`` gives fit and the rest).

    Shapes: question ids q (B, Tq), the decoder's input ids y_in (B, Ta), V characters, E = 16, H = 128.

        encoder:  e = Embed_enc(q) (B, Tq, E);  h = LSTM_enc(e)'s final hidden state (B, H)
        decoder:  d = Embed_dec(y_in) (B, Ta, E)
                  peeky: d' = [d | h repeated over Ta] (B, Ta, E + H), else d' = d
                  s = LSTM_dec(d', initial state (h, 0)) (B, Ta, H)
                  peeky: s' = [s | h repeated] (B, Ta, 2H), else s' = s
                  p = softmax(Dense(s')) (B, Ta, V)

    Backward, in reverse: the loss's gradient reaches h by up to three paths, and they add up:
        dh = (the decoder's initial-state gradient) + peeky: sum over steps of the h-columns of dd' and of ds'
    then the encoder's backward starts from dh at its last step.
    """

    def __init__(self, vocab_size, wordvec_size=16, hidden_size=128, peeky=False, name="seq2seq", random_state=None,
                 dtype=None):
        super().__init__(name=name, random_state=random_state, dtype=dtype)
        self.vocab_size, self.wordvec_size, self.hidden_size, self.peeky = vocab_size, wordvec_size, hidden_size, peeky
        self.encoder_embedding = Embedding(vocab_size, wordvec_size)
        self.encoder = LSTM(hidden_size, return_state=True)
        self.decoder_embedding = Embedding(vocab_size, wordvec_size)
        self.decoder = LSTM(hidden_size, return_sequences=True)
        self.output_layer = Dense(vocab_size, activation="softmax")

    def get_config(self):
        return dict(vocab_size=self.vocab_size, wordvec_size=self.wordvec_size, hidden_size=self.hidden_size,
                    peeky=self.peeky, name=self.name)

    def encode(self, question, training=False):
        _, h, _ = self.encoder.forward(self.encoder_embedding.forward(question), training=training)
        return h

    def forward(self, inputs, training=False):
        question, answer_in = inputs
        h = self.encode(question, training)
        steps = answer_in.shape[1]
        d = self.decoder_embedding.forward(answer_in)
        if self.peeky:
            d = np.concatenate([d, np.repeat(h[:, None], steps, axis=1)], axis=-1)
        s = self.decoder.forward(d, initial_state=[h, np.zeros_like(h)], training=training)
        if self.peeky:
            s = np.concatenate([s, np.repeat(h[:, None], steps, axis=1)], axis=-1)
        return self.output_layer.forward(s)

    def backward(self, dout):
        H = self.hidden_size
        ds = self.output_layer.backward(dout)
        dh = 0
        if self.peeky:
            ds, dh_out = ds[..., :H], ds[..., H:]
            dh = dh + dh_out.sum(axis=1)
        dd = self.decoder.backward(ds)
        dh = dh + self.decoder.initial_state_grads[0]
        if self.peeky:
            dd, dh_in = dd[..., :-H], dd[..., -H:]
            dh = dh + dh_in.sum(axis=1)
        self.decoder_embedding.backward(dd)
        de = self.encoder.backward([None, dh, None])
        self.encoder_embedding.backward(de)
        return None  # token ids have no gradient

    def step(self, ids, states):
        """The decoder one character at a time (decoding.py's step protocol): ``ids`` (R,), ``states`` [h_enc, h, c],
        each (R, H). The equations of ``forward``, for one step, with the cell's ``forward_step``."""
        h_enc, h, c = states
        d = self.decoder_embedding.forward(ids[:, None])[:, 0]  # (R, E)
        if self.peeky:
            d = np.concatenate([d, h_enc], axis=-1)
        (h, c), _ = self.decoder.cell.forward_step(d, [h, c])
        s = np.concatenate([h, h_enc], axis=-1) if self.peeky else h
        p = self.output_layer.forward(s)  # (R, V)
        return np.log(np.maximum(p, np.finfo(p.dtype).tiny)), [h_enc, h, c]

    def answer(self, questions, start_ids, length):
        """Greedy answers (N, length) to ``questions`` (N, Tq), in batches of 1,000."""
        answers = []
        for first in range(0, len(questions), 1000):
            h = self.encode(questions[first:first + 1000])
            ids, _ = greedy_decode(self.step, [h, h, np.zeros_like(h)], start_ids[first:first + 1000], length)
            answers.append(ids)
        return np.concatenate(answers)


def start_as_the_book(model, rng):
    """Redraw a built model's weights as the book's code draws them: every weight matrix N(0, 1 / fan_in), the
    embeddings N(0, 0.01^2), every bias 0 (the forget gate's too). numpy_rnn's own start (Keras's: Glorot-uniform
    kernels, orthogonal recurrent kernels, a forget-gate bias of 1, embeddings U(-0.05, 0.05)) makes the input weights
    a quarter as large, and on these problems the models then learn about half as fast (see the README). Used by
    seq2seq_dates.py too."""
    for layer in model.layers:
        for w in layer.params.values():
            if w.ndim == 1:
                w[...] = 0
            elif isinstance(layer, Embedding):
                w[...] = rng.normal(0, 0.01, size=w.shape)
            else:
                w[...] = rng.normal(0, 1 / np.sqrt(w.shape[0]), size=w.shape)

def add_training_arguments(parser):
    """The options both seq2seq scripts take for how their models train."""
    parser.add_argument("--seed", type=int, default=0, help="the models' initial weights and batch order")
    parser.add_argument("--split-seed", type=int, default=1984, help="the 45,000 / 5,000 split (the book's seed)")
    parser.add_argument("--dtype", default="float32", choices=("float32", "float64"),
                        help="the precision the models compute in (default float32, as the book's code does)")
    parser.add_argument("--init", default="book", choices=("book", "keras"),
                        help="initial weights: the book's (default) or numpy_rnn's own, Keras's")


def initialize(model, questions, decoder_in, args):
    """Compile ``model`` as the book trains it (Adam, global clipping at 5) and build it with the initial weights
    ``args.init`` names; a no-op for a model already compiled (training goes on from where it is)."""
    if model.optimizer is not None:
        return
    model.compile(optimizer=Adam(global_clipnorm=5.0), loss="sparse_categorical_crossentropy")
    model.predict([questions[:1], decoder_in[:1]])  # builds the layers (numpy_rnn's own start)
    if args.init == "book":
        start_as_the_book(model, np.random.default_rng(args.seed))


def train(model, training, test, args, batch_size, show):
    """The book's training of ``model`` on ``training`` = (questions, answers): Adam, clipping 5, teacher forcing,
    ``args.epochs`` epochs from the start ``args.init`` names; after each epoch, the exact match of greedy answers to
    the ``test`` questions, printed with the first one's answer (``show(question_ids, answer_ids)``: that as text).
    Returns the accuracy per epoch, the seconds per epoch and the last epoch's answers."""
    (x_train, y_train), (x_test, y_test) = training, test
    decoder_in, target = teacher_forcing(y_train)
    initialize(model, x_train, decoder_in, args)
    curve, start = [], time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        history = model.fit([x_train, decoder_in], target, epochs=1, batch_size=batch_size, verbose=0)
        guesses = model.answer(x_test, y_test[:, 0], y_test.shape[1] - 1)
        curve.append(exact_match(guesses, y_test[:, 1:]))
        print(f"  epoch {epoch:>2}: loss {history.history['loss'][-1]:.4f}, exact match {curve[-1]:.3f}"
              f"  ({show(x_test[0], guesses[0])})", flush=True)
    return curve, (time.perf_counter() - start) / args.epochs, guesses


class KerasTwin:
    """The same encoder-decoder in Keras (``--keras``), from a built ``Seq2seq``'s weights: Keras's Embedding, LSTM and
    Dense take numpy_rnn's arrays as they are (the same layouts and gate order). TensorFlow is imported here only."""

    def __init__(self, model, question_steps, answer_steps):
        import tensorflow as tf
        k = self.keras = tf.keras
        H, peeky = model.hidden_size, model.peeky
        self.peeky = peeky
        self.encoder_embedding = k.layers.Embedding(model.vocab_size, model.wordvec_size)
        self.encoder = k.layers.LSTM(H, return_state=True)
        self.decoder_embedding = k.layers.Embedding(model.vocab_size, model.wordvec_size)
        self.decoder = k.layers.LSTM(H, return_sequences=True, return_state=True)
        self.output_layer = k.layers.Dense(model.vocab_size, activation="softmax")
        question = k.Input((question_steps,), dtype="int32")
        answer_in = k.Input((answer_steps,), dtype="int32")
        h = self.encode(question)
        d = self.decoder_embedding(answer_in)
        if peeky:  # h beside every step's input and output, as Seq2seq.forward
            d = k.layers.Concatenate()([d, k.layers.RepeatVector(answer_steps)(h)])
        s, _, _ = self.decoder(d, initial_state=[h, k.ops.zeros_like(h)])
        if peeky:
            s = k.layers.Concatenate()([s, k.layers.RepeatVector(answer_steps)(h)])
        self.model = k.Model([question, answer_in], self.output_layer(s))
        self.model.compile(k.optimizers.Adam(1e-3, global_clipnorm=5.0), "sparse_categorical_crossentropy")
        for ours, theirs in ((model.encoder_embedding, self.encoder_embedding), (model.encoder, self.encoder),
                             (model.decoder_embedding, self.decoder_embedding), (model.decoder, self.decoder),
                             (model.output_layer, self.output_layer)):
            theirs.set_weights(ours.get_weights())

    def encode(self, question):
        _, h, _ = self.encoder(self.encoder_embedding(question))
        return h

    def answer(self, questions, start_ids, length):
        """Greedy answers (N, length), the decoder run one step at a time on its own previous output."""
        k, answers = self.keras, []
        for first in range(0, len(questions), 1000):
            h_enc = self.encode(questions[first:first + 1000])
            h, c = h_enc, k.ops.zeros_like(h_enc)
            ids, written = start_ids[first:first + 1000, None], []
            for _ in range(length):
                d = self.decoder_embedding(ids)
                if self.peeky:
                    d = k.ops.concatenate([d, h_enc[:, None]], axis=-1)
                s, h, c = self.decoder(d, initial_state=[h, c])
                if self.peeky:
                    s = k.ops.concatenate([s, h_enc[:, None]], axis=-1)
                ids = np.asarray(k.ops.argmax(self.output_layer(s), axis=-1))
                written.append(ids[:, 0])
            answers.append(np.stack(written, axis=1))
        return np.concatenate(answers)

    def train(self, training, test, epochs, batch_size, seed):
        """Keras's fit, one epoch at a time, and the exact match of its greedy answers after each."""
        (x_train, y_train), (x_test, y_test) = training, test
        decoder_in, target = teacher_forcing(y_train)
        self.keras.utils.set_random_seed(seed)  # Keras's shuffling
        curve = []
        for epoch in range(1, epochs + 1):
            history = self.model.fit([x_train, decoder_in], target, epochs=1, batch_size=batch_size, verbose=0)
            curve.append(exact_match(self.answer(x_test, y_test[:, 0], y_test.shape[1] - 1), y_test[:, 1:]))
            print(f"  Keras epoch {epoch:>2}: loss {history.history['loss'][-1]:.4f}, exact match {curve[-1]:.3f}",
                  flush=True)
        return curve


def addition_lines(n, rng):
    """``n`` problems in the book's format ("16+75  _91  "): what --quick trains on when no --data is given."""
    a, b = rng.integers(0, 1000, size=(2, n))
    return [f"{f'{x}+{y}':<7}_{f'{x + y}':<4}" for x, y in zip(a, b)]


def load_or_generate(args, loader, make_lines, reverse):
    """``loader`` (load_addition, load_dates) on the file ``--data`` names or, without it, on ``--samples`` lines
    ``make_lines(n, rng)`` generated in the book's format and written to a temporary file (the loaders read files)."""
    if args.data:
        return loader(args.data, reverse=reverse, random_state=args.split_seed)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "generated.txt")
        with open(path, "w") as f:
            f.write("\n".join(make_lines(args.samples, np.random.default_rng(args.split_seed))) + "\n")
        return loader(path, reverse=reverse, random_state=args.split_seed)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="DLFS2's addition.txt (default: random problems in its format, --samples)")
    parser.add_argument("--samples", type=int, default=50_000, help="how many random problems without --data")
    parser.add_argument("--models", nargs="+", default=list(PUBLISHED), choices=list(PUBLISHED))
    parser.add_argument("--epochs", type=int, default=25)
    add_training_arguments(parser)
    parser.add_argument("--keras", action="store_true",
                        help="also train each model in Keras from the same initial weights (needs TensorFlow)")
    parser.add_argument("--quick", action="store_true", help="tiny settings: that it runs, in seconds")
    parser.add_argument("--plot", default="seq2seq_addition.png", help="where to write the figure")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    args = parser.parse_args(argv)
    units, batch_size = 128, 128
    if args.quick:
        args.samples, args.epochs, units, batch_size = 400, 2, 16, 32
        args.data = None

    curves, seconds, keras_curves = {}, {}, {}
    for name in args.models:
        data = load_or_generate(args, load_addition, addition_lines, reverse=name != "plain")
        (x_train, y_train), (x_test, y_test), vocab = data
        model = Seq2seq(len(vocab), hidden_size=units, peeky=name == "peeky", random_state=args.seed,
                        dtype=args.dtype)
        print(f"{name}: {len(x_train)} training and {len(x_test)} test questions, e.g. "
              f"{vocab.decode(x_test[0])!r} -> {vocab.decode(y_test[0][1:])!r}", flush=True)
        if args.keras:  # Keras's twin from numpy_rnn's initial weights, made before numpy_rnn trains
            initialize(model, x_train, teacher_forcing(y_train)[0], args)
            twin = KerasTwin(model, x_train.shape[1], y_train.shape[1] - 1)
        curves[name], seconds[name], _ = train(model, (x_train, y_train), (x_test, y_test), args, batch_size,
                                               show=lambda q, a: f"{vocab.decode(q)!r} -> {vocab.decode(a)!r}")
        if args.keras:
            keras_curves[name] = twin.train((x_train, y_train), (x_test, y_test), args.epochs, batch_size, args.seed)

    print(f"\n{'model':<10}" + "".join(f"{f'epoch {e}':>10}" for e in REPORTED_EPOCHS) + f"{'s/epoch':>9}")
    for name, accuracy in curves.items():
        print(f"{name:<10}" + "".join(f"{accuracy[e - 1]:>10.3f}" if e <= len(accuracy) else f"{'':>10}"
                                     for e in REPORTED_EPOCHS) + f"{seconds[name]:>9.1f}")
        if name in keras_curves:
            print(f"{'  Keras':<10}" + "".join(f"{keras_curves[name][e - 1]:>10.3f}" if e <= args.epochs else f"{'':>10}"
                                             for e in REPORTED_EPOCHS))
        print(f"{'  DLFS2':<10}" + "".join(f"{a:>10.3f}" for a in PUBLISHED[name]))
    if not args.no_plot:
        epochs = list(range(1, args.epochs + 1))
        lines = {name: (epochs, accuracy) for name, accuracy in curves.items()}
        lines.update({f"{name}, Keras": (epochs, accuracy) for name, accuracy in keras_curves.items()})
        panel = dict(curves=lines, xlabel="epoch",
                     ylabel="exact-match accuracy", title="addition: 5,000 held-out questions")
        save_figure(plot_panels, [panel], args.plot, title="Sequence to sequence")
    return {"accuracy": curves, "seconds": seconds, "keras_accuracy": keras_curves}


if __name__ == "__main__":
    main()
