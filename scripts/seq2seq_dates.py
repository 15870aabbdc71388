"""Sequence to sequence with attention on dates, as "Deep Learning from Scratch 2" ch. 8 teaches it:
"september 27, 1994" -> "1994-09-27".

The questions come in many formats ("2/10/93", "TUESDAY, SEPTEMBER 25, 1984", "Sep 30, 1981"), the answers in one.
Every question is read backwards, as the book's chapter 8 does. Three models, each trained on the same 45,000 dates
and scored on the same 5,000 others by exact match (the whole answer right, the book's measure), after every epoch:

  attention  Embedding(59, 16) -> LSTM(256) encoder keeping all its hidden states hs; the decoder, Embedding(59, 16)
             -> LSTM(256) started from (h, c = 0), whose output s_t at every step reads a weighted average c_t of hs
             (dot-product attention), and Dense(59) reads [c_t | s_t]
  peeky      scripts/seq2seq_addition.py's peeky model at these sizes: the encoder's final h concatenated to the
             decoder's input and to its output layer's input at every step
  plain      scripts/seq2seq_addition.py's plain model at these sizes: the decoder sees the question only through h

Adam, gradients clipped to a global norm of 5, batches of 128, 10 epochs, in float32 as the book's code computes
(``--dtype float64`` for numpy_rnn's default precision), from the book's initial weights (``--init keras`` for
numpy_rnn's own; seq2seq_addition.py's ``start_as_the_book`` says how they differ). Training is teacher forcing;
scoring decodes greedily from the start symbol "_". The figure holds the three accuracy curves; ``--attention-plot``
draws the attention model's weights for a few test dates as heat maps, the question's characters left to right (the order a reader reads them,
though the encoder read them backwards), one row per character the model wrote.

    python scripts/seq2seq_dates.py --data ../shared/data/date.txt
    python scripts/seq2seq_dates.py --quick
"""
import argparse
import datetime
import importlib.util
import os

import numpy as np

from numpy_rnn import LSTM, Attention, Dense, Embedding, Model
from numpy_rnn.data import load_dates
from numpy_rnn.decoding import greedy_decode
from numpy_rnn.plotting import plot_attention, plot_panels, save_figure


def _sibling_script(name):
    """A script next to this one, loaded as a module (scripts/ is not a package)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


addition = _sibling_script("seq2seq_addition")
Seq2seq = addition.Seq2seq  # the plain and peeky models: one home, the addition script

# DLFS2's own code, run on this file: exact-match accuracy after the epochs given (issue 15)
PUBLISHED = {"attention": {1: 0.000, 2: 0.518, 3: 0.999},
             "peeky": {1: 0.000, 2: 0.005, 3: 0.391, 5: 0.999},
             "plain": {1: 0.000, 2: 0.000, 3: 0.000, 4: 0.000, 5: 0.000}}
REPORTED_EPOCHS = (1, 2, 3, 5, 10)


class AttentionSeq2seq(Model):
    """DLFS2's AttentionSeq2seq, with its forward and backward written out (the ``Model`` gives fit and the rest).

    Shapes: question ids q (B, Tq), the decoder's input ids y_in (B, Ta), V characters, E = 16, H = 256.

        encoder:    hs, h = LSTM_enc(Embed_enc(q))     hs (B, Tq, H) every step's hidden state, h = hs[:, -1] (B, H)
        decoder:    s = LSTM_dec(Embed_dec(y_in), initial state (h, 0))      (B, Ta, H)
        attention:  a[b, t, j] = softmax over j of s[b, t] . hs[b, j]        (B, Ta, Tq)
                    c[b, t] = sum_j a[b, t, j] hs[b, j]                      (B, Ta, H)   the context
        output:     p = softmax(Dense([c | s]))                              (B, Ta, V)

    Backward, in reverse. hs reaches the loss by two paths (as the attention's values, and through h, its last step,
    as the decoder's initial state), and s by two (straight into the output layer, and as the attention's queries):
        [dc | ds_out] = Dense's backward;   [ds_att, dhs] = Attention's backward of dc
        ds = ds_out + ds_att                the decoder LSTM's backward from ds, giving dh (its initial state's)
        the encoder's backward from dhs at every step, and dh added at the last
    """

    def __init__(self, vocab_size, wordvec_size=16, hidden_size=256, name="attention_seq2seq", random_state=None,
                 dtype=None):
        super().__init__(name=name, random_state=random_state, dtype=dtype)
        self.vocab_size, self.wordvec_size, self.hidden_size = vocab_size, wordvec_size, hidden_size
        self.encoder_embedding = Embedding(vocab_size, wordvec_size)
        self.encoder = LSTM(hidden_size, return_sequences=True, return_state=True)
        self.decoder_embedding = Embedding(vocab_size, wordvec_size)
        self.decoder = LSTM(hidden_size, return_sequences=True)
        self.attention = Attention()  # DLFS2's: a plain dot product, no scale, no weights
        self.output_layer = Dense(vocab_size, activation="softmax")
        self.attention_weights = None  # a (B, Ta, Tq) of the last forward pass: what the heat maps draw

    def get_config(self):
        return dict(vocab_size=self.vocab_size, wordvec_size=self.wordvec_size, hidden_size=self.hidden_size,
                    name=self.name)

    def encode(self, question, training=False):
        """(hs, h): every step's hidden state (B, Tq, H) and the last one (B, H)."""
        hs, h, _ = self.encoder.forward(self.encoder_embedding.forward(question), training=training)
        return hs, h

    def forward(self, inputs, training=False):
        question, answer_in = inputs
        hs, h = self.encode(question, training)
        s = self.decoder.forward(self.decoder_embedding.forward(answer_in), initial_state=[h, np.zeros_like(h)],
                                 training=training)
        context, self.attention_weights = self.attention.forward([s, hs], training=training,
                                                                 return_attention_scores=True)
        return self.output_layer.forward(np.concatenate([context, s], axis=-1))

    def backward(self, dout):
        H = self.hidden_size
        dcs = self.output_layer.backward(dout)
        dcontext, ds = dcs[..., :H], dcs[..., H:]
        ds_att, dhs = self.attention.backward(dcontext)  # the weights themselves did not reach the loss
        dd = self.decoder.backward(ds + ds_att)
        self.decoder_embedding.backward(dd)
        dh = self.decoder.initial_state_grads[0]
        de = self.encoder.backward([dhs, dh, None])
        self.encoder_embedding.backward(de)
        return None  # token ids have no gradient

    def step(self, ids, states):
        """The decoder one character at a time (decoding.py's step protocol): ``ids`` (R,), ``states`` [hs, h, c],
        hs (R, Tq, H) the encoder's states, read at every step and handed back unchanged, h and c (R, H). The
        equations of ``forward``, for one step, with the cell's ``forward_step``."""
        hs, h, c = states
        d = self.decoder_embedding.forward(ids[:, None])[:, 0]  # (R, E)
        (h, c), _ = self.decoder.cell.forward_step(d, [h, c])
        context = self.attention.forward([h[:, None], hs])[:, 0]  # (R, H): the one query step h
        p = self.output_layer.forward(np.concatenate([context, h], axis=-1))  # (R, V)
        return np.log(np.maximum(p, np.finfo(p.dtype).tiny)), [hs, h, c]

    def answer(self, questions, start_ids, length):
        """Greedy answers (N, length) to ``questions`` (N, Tq), in batches of 1,000."""
        answers = []
        for first in range(0, len(questions), 1000):
            hs, h = self.encode(questions[first:first + 1000])
            ids, _ = greedy_decode(self.step, [hs, h, np.zeros_like(h)], start_ids[first:first + 1000], length)
            answers.append(ids)
        return np.concatenate(answers)

    def attention_map(self, questions, answers):
        """The attention weights (N, Ta, Tq) with which the decoder wrote ``answers`` (N, Ta + 1, start symbol first)
        to ``questions``: the forward pass reading the answers, as in training."""
        self.forward([questions, answers[:, :-1]])
        return self.attention_weights


def build_model(name, vocab_size, units, seed, dtype):
    if name == "attention":
        return AttentionSeq2seq(vocab_size, hidden_size=units, random_state=seed, dtype=dtype)
    return Seq2seq(vocab_size, hidden_size=units, peeky=name == "peeky", random_state=seed, dtype=dtype)


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def date_lines(n, rng):
    """``n`` dates in the book's formats and casings, question padded to 29 and answer to 10 characters
    ("september 27, 1994           _1994-09-27"): what --quick trains on when no --data is given."""
    first, last = datetime.date(1970, 1, 1).toordinal(), datetime.date(2020, 12, 31).toordinal()
    lines = []
    for ordinal, style, case in zip(rng.integers(first, last + 1, n), rng.integers(0, 4, n), rng.integers(0, 3, n)):
        date = datetime.date.fromordinal(int(ordinal))
        month = MONTHS[date.month - 1]
        question = (f"{date.month}/{date.day}/{date.year % 100:02d}" if style == 0 else
                    f"{month} {date.day}, {date.year}" if style == 1 else
                    f"{month[:3]} {date.day}, {date.year}" if style == 2 else
                    f"{WEEKDAYS[date.weekday()]}, {month} {date.day}, {date.year}")
        question = (question.lower(), question.upper(), question)[case]
        lines.append(f"{question:<29}_{date.isoformat()}")
    return lines


def plot_attention_maps(model, questions, guesses, start_id, vocab, path, count):
    """Heat maps of the attention weights for the first ``count`` questions, one file each (``path`` with -1, -2,
    ... before its extension). The questions were read backwards: the columns are turned back to reading order."""
    answers = np.concatenate([np.full((count, 1), start_id), guesses[:count]], axis=1)
    weights = model.attention_map(questions[:count], answers)  # (count, Ta, Tq)
    stem, extension = os.path.splitext(path)
    paths = []
    for k in range(count):
        question = vocab.decode(questions[k][::-1])
        answer = vocab.decode(guesses[k])
        paths.append(plot_attention(weights[k][:, ::-1], question, answer, f"{stem}-{k + 1}{extension or '.png'}",
                                    title=f"{question.strip()!r} -> {answer!r}"))
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="DLFS2's date.txt (default: random dates in its formats, --samples)")
    parser.add_argument("--samples", type=int, default=50_000, help="how many random dates without --data")
    parser.add_argument("--max-samples", type=int, help="train on the first this many training dates only")
    parser.add_argument("--models", nargs="+", default=list(PUBLISHED), choices=list(PUBLISHED))
    parser.add_argument("--epochs", type=int, default=10)
    addition.add_training_arguments(parser)
    parser.add_argument("--quick", action="store_true", help="tiny settings: that it runs, in seconds")
    parser.add_argument("--plot", default="seq2seq_dates.png", help="where to write the accuracy curves")
    parser.add_argument("--attention-plot", default="seq2seq_dates_attention.png",
                        help="the attention heat maps go to this path with -1, -2, ... before its extension")
    parser.add_argument("--attention-dates", type=int, default=3, help="how many test dates to draw (default 3)")
    parser.add_argument("--no-plot", action="store_true", help="draw no figure")
    args = parser.parse_args(argv)
    if args.max_samples is not None and args.max_samples < 1:
        parser.error(f"--max-samples must be at least 1, got {args.max_samples}")
    if args.attention_dates < 1:
        parser.error(f"--attention-dates must be at least 1, got {args.attention_dates}")
    units, batch_size = 256, 128
    if args.quick:
        args.samples, args.epochs, units, batch_size = 400, 2, 16, 32
        args.data = None

    (x_train, y_train), (x_test, y_test), vocab = addition.load_or_generate(args, load_dates, date_lines, reverse=True)
    x_train, y_train = x_train[:args.max_samples], y_train[:args.max_samples]
    print(f"{len(x_train)} training and {len(x_test)} test dates, {len(vocab)} characters, e.g. "
          f"{vocab.decode(x_test[0][::-1])!r} -> {vocab.decode(y_test[0][1:])!r}", flush=True)
    curves, seconds, attention_maps = {}, {}, []
    for name in args.models:
        model = build_model(name, len(vocab), units, args.seed, args.dtype)
        print(f"{name}:", flush=True)
        curves[name], seconds[name], guesses = addition.train(
            model, (x_train, y_train), (x_test, y_test), args, batch_size,
            show=lambda q, a: f"{vocab.decode(q[::-1]).strip()!r} -> {vocab.decode(a)!r}")
        if name == "attention" and not args.no_plot:
            attention_maps = plot_attention_maps(model, x_test, guesses, y_test[0, 0], vocab, args.attention_plot,
                                                 min(args.attention_dates, len(x_test)))

    print(f"\n{'model':<10}" + "".join(f"{f'epoch {e}':>10}" for e in REPORTED_EPOCHS) + f"{'s/epoch':>9}")
    for name, accuracy in curves.items():
        print(f"{name:<10}" + "".join(f"{accuracy[e - 1]:>10.3f}" if e <= len(accuracy) else f"{'':>10}"
                                     for e in REPORTED_EPOCHS) + f"{seconds[name]:>9.1f}")
        print(f"{'  DLFS2':<10}" + "".join(f"{PUBLISHED[name][e]:>10.3f}" if e in PUBLISHED[name] else f"{'':>10}"
                                          for e in REPORTED_EPOCHS))
    if not args.no_plot:
        epochs = list(range(1, args.epochs + 1))
        panel = dict(curves={name: (epochs, accuracy) for name, accuracy in curves.items()}, xlabel="epoch",
                     ylabel="exact-match accuracy", title="dates: 5,000 held-out questions")
        save_figure(plot_panels, [panel], args.plot, title="Sequence to sequence with attention")
    return {"accuracy": curves, "seconds": seconds, "attention_plots": attention_maps}


if __name__ == "__main__":
    main()
