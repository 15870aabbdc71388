"""Where the padding goes, with and without a mask: the built-in reviews padded to 40 steps at the front or at the end.

    python scripts/padding.py [--epochs 15] [--seed 0] [--maxlen 40]
    python scripts/padding.py --quick      # 500 reviews, one epoch: that it runs, in seconds

The model is Embedding(26, 16) -> LSTM(16) -> Dense(1, sigmoid), trained with Adam on 4,000 reviews and validated on
1,000 more. Reviews are 6-12 words long, so about 30 of the 40 steps are padding. Padded at the front (Keras's
default), the LSTM reads the review last and remembers it; padded at the end, it reads 30 steps of padding after the
review, and must carry the review's sentiment through them. ``Embedding(mask_zero=True)`` makes the LSTM skip the
padding wherever it is: its final state is then the state after the review's last word, and the two paddings give
the same model. Prints one line per set-up: the validation accuracy after the last epoch; ``main`` returns them, as
``{"front": ..., "end": ..., "front, mask_zero": ..., "end, mask_zero": ...}``.
"""
import argparse
import time

import numpy as np

from numpy_rnn import LSTM, Dense, Embedding, Sequential
from numpy_rnn.data import make_reviews, pad_sequences


def repad(ids, maxlen, padding):
    """The reviews (front-padded with 0 by make_reviews) padded again to ``maxlen`` steps on the given side."""
    return pad_sequences([row[row != 0] for row in ids], maxlen=maxlen, padding=padding)


def run(x_train, y_train, x_val, y_val, mask_zero, epochs, seed):
    model = Sequential([Embedding(26, 16, mask_zero=mask_zero), LSTM(16), Dense(1, activation="sigmoid")],
                       random_state=seed)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_data=(x_val, y_val), verbose=0)
    return history.history["val_accuracy"][-1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0, help="the models' random_state (the data is fixed)")
    parser.add_argument("--maxlen", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="tiny settings: that it runs, in seconds")
    args = parser.parse_args(argv)
    n_reviews, n_train = (500, 400) if args.quick else (5000, 4000)
    if args.quick:
        args.epochs = 1
    ids, labels, vocabulary = make_reviews(n_reviews, random_state=0)
    assert len(vocabulary) == 26
    accuracies = {}
    print(f"{'padding':<8}{'mask_zero':<11}{'val accuracy':>12}{'time':>8}")
    for padding in ("pre", "post"):
        x = repad(ids, args.maxlen, padding)
        for mask_zero in (False, True):
            start = time.perf_counter()
            accuracy = run(x[:n_train], labels[:n_train], x[n_train:], labels[n_train:], mask_zero, args.epochs,
                           args.seed)
            accuracies[{"pre": "front", "post": "end"}[padding] + (", mask_zero" if mask_zero else "")] = accuracy
            print(f"{padding:<8}{str(mask_zero):<11}{accuracy:>12.3f}{time.perf_counter() - start:>7.1f}s",
                  flush=True)
    return accuracies


if __name__ == "__main__":
    main()
