"""Sequence-to-sequence data: "Deep Learning from Scratch 2"'s addition and date problems, as the book prepares them.

Each line of the files is one sample, a question and its answer side by side, each padded with spaces to a fixed
width, the answer starting with ``_``:

    addition.txt   "16+75  _91  "                                    question 7 characters, answer 5
    date.txt       "september 27, 1994           _1994-09-27"        question 29 characters, answer 11

The book's preparation (DLFS2 ch. 7, ``dataset/sequence.py``), which ``load_addition`` and ``load_dates`` follow:

1. Each line splits at its first ``_``: the question before it, the answer from it on. The answer keeps the ``_``:
   it is the start symbol the decoder reads first (see decoding.py, "teacher forcing").
2. Characters get ids in order of first appearance, reading each line's question then its answer, line after line
   (a ``data.CharVocab``): 13 characters for addition, 59 for dates.
3. A seeded permutation of the samples; the last tenth (5,000 of 50,000) is the test split, the rest (45,000) the
   training split.
4. ``reverse=True`` reverses every question, padding included (``"16+75  "`` -> ``"  57+61"``): the book's second
   experiment, which puts the first digits the decoder writes close to the ones the encoder read last.

Shapes (N samples, Tq the question's width, Ta the answer's, start symbol included): questions (N, Tq) and answers
(N, Ta), int32 ids. The permutation comes from a ``np.random.Generator`` seeded by ``random_state`` (the book's seed,
1984, by default), so the split is the same on every machine, but it is not the book's own permutation (the book shuffles
with NumPy's legacy global generator, which numpy_rnn does not use): accuracies are comparable, the samples in each
split are not identical.
"""
import os
from collections import namedtuple

import numpy as np

from ..checks import check_random_state
from .imdb import DataError, read_text
from .language import CharVocab

MAX_SEQ2SEQ_BYTES = 256 * 2**20  # date.txt is 2 MB; a file past this is not one of these data sets
START = "_"  # where an answer starts, and the decoder's first input

Seq2SeqData = namedtuple("Seq2SeqData", "train test vocab")
Seq2SeqData.__doc__ = """``(x_train, y_train), (x_test, y_test), vocab``: questions and answers as ids, and the
``CharVocab`` that encodes and decodes both."""


def load_addition(path, reverse=False, random_state=1984):
    """DLFS2's ``addition.txt`` (``"16+75  _91  "``, 50,000 lines) prepared as the book does (module docstring).

    Returns ``Seq2SeqData(train, test, vocab)``: ``(x_train, y_train), (x_test, y_test), vocab = load_addition(path)``
    with questions (45,000, 7) and answers (45,000, 5) for training, (5,000, 7) and (5,000, 5) for testing, int32 ids
    of the 13-character ``vocab``; ``y[:, 0]`` is the start symbol ``_``. ``reverse=True``: every question reversed.
    ``random_state`` seeds the split (an integer, or None for a new one each call).

    Raises DataError (a ValueError) naming the path and line for a file that is not such a file (see ``load_seq2seq``).
    """
    return load_seq2seq(path, reverse=reverse, random_state=random_state)


def load_dates(path, reverse=False, random_state=1984):
    """DLFS2's ``date.txt`` (``"september 27, 1994           _1994-09-27"``, 50,000 lines), prepared as the book does.

    Returns ``Seq2SeqData(train, test, vocab)`` as ``load_addition`` does: questions (N, 29) and answers (N, 11)
    (``"_1994-09-27"``), 45,000 / 5,000, ids of a 59-character ``vocab``. The book's attention chapter trains on
    reversed questions (``reverse=True``).
    """
    return load_seq2seq(path, reverse=reverse, random_state=random_state)


def load_seq2seq(path, reverse=False, random_state=1984, test_fraction=0.1):
    """Any file of ``question_answer`` lines in DLFS2's format: every line holds a ``_``, the questions all have one
    width and the answers another (pad them with spaces). A final newline is fine; a blank line is not.

    Returns ``Seq2SeqData((x_train, y_train), (x_test, y_test), vocab)``, the test split the last
    ``int(N * test_fraction)`` samples of a permutation seeded by ``random_state`` (the book's: ``N // 10``).

    Raises DataError (a ValueError) naming the path for a file that cannot be read (see ``data.imdb.read_text``) or
    holds no line, and naming the line for one without ``_`` or whose question or answer is not as wide as the first
    line's; TypeError/ValueError naming the argument for a bad ``random_state`` or ``test_fraction``.
    """
    rng = check_random_state(random_state)
    if isinstance(test_fraction, (bool, np.bool_)) or not isinstance(test_fraction, (int, float, np.integer,
                                                                                     np.floating)):
        raise TypeError(f"test_fraction must be a number in [0, 1), got {test_fraction!r}")
    if not 0 <= test_fraction < 1:
        raise ValueError(f"test_fraction must be in [0, 1) (the share of samples held out), got {test_fraction}")
    path = os.fspath(path)
    text = read_text(path, MAX_SEQ2SEQ_BYTES, "a question_answer file")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    if not lines:
        raise DataError(f"{path!r} holds no lines: not a question_answer file")
    questions, answers = [], []
    for number, line in enumerate(lines, start=1):
        at = line.find(START)
        if at < 0:
            raise DataError(f"{path!r}, line {number}: no {START!r} between question and answer in {line!r:.80}")
        question, answer = line[:at], line[at:]  # the answer keeps its start symbol
        if questions and (len(question), len(answer)) != (len(questions[0]), len(answers[0])):
            raise DataError(f"{path!r}, line {number}: question and answer {len(question)} and {len(answer)} "
                            f"characters wide, but line 1's are {len(questions[0])} and {len(answers[0])} (pad "
                            "them with spaces to one width)")
        questions.append(question)
        answers.append(answer)
    if not questions[0]:
        raise DataError(f"{path!r}: the questions are empty (each line starts with {START!r})")

    # ids in order of first appearance, reading each line's question then its answer, as the book numbers them
    vocab = CharVocab.from_text("".join(lines))
    x = vocab.encode("".join(questions)).reshape(len(lines), -1)
    y = vocab.encode("".join(answers)).reshape(len(lines), -1)
    if reverse:
        x = x[:, ::-1].copy()
    order = rng.permutation(len(lines))
    n_train = len(lines) - int(len(lines) * test_fraction)
    train, test = order[:n_train], order[n_train:]
    return Seq2SeqData((x[train], y[train]), (x[test], y[test]), vocab)
