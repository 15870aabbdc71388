"""Text to token ids: tokenizing, a frequency-ranked vocabulary, Keras's IMDB id encoding, padding, one-hot.

Keras's IMDB encoding, which the textbooks use, reserves the smallest ids:

    0  padding          1  start of a review          2  out of vocabulary
    word of frequency rank r (1 = most frequent)  ->  id r + index_from   (index_from = 3)

then ``num_words`` keeps ids below ``num_words`` and ``skip_top`` drops ids below ``skip_top``; an id that is dropped
becomes the out-of-vocabulary id 2 (the start id 1 too, when skip_top > 1).
"""
import re
from collections import Counter

import numpy as np

PAD, START, OOV = 0, 1, 2
_TOKEN = re.compile(r"[a-z0-9']+")
_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def tokenize(text):
    """Lower-case words of ``text``: letters, digits and apostrophes; HTML line breaks count as spaces."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _TOKEN.findall(_HTML_BREAK.sub(" ", text).lower())


def build_word_index(texts):
    """``{word: rank}``, rank 1 for the most frequent word; ties keep the order in which words first appear."""
    counts = Counter()
    for text in texts:
        counts.update(tokenize(text))
    # Counter.most_common is stable: equal counts stay in first-seen order.
    return {word: rank for rank, (word, _) in enumerate(counts.most_common(), start=1)}


def encode_ranks(rank_sequences, num_words=None, skip_top=0, index_from=3, start_char=START, oov_char=OOV):
    """Apply Keras's IMDB encoding (module docstring) to sequences of word ranks; returns a list of lists of ids."""
    if num_words is not None and (not isinstance(num_words, (int, np.integer)) or num_words <= index_from):
        raise ValueError(f"num_words must be an integer above index_from={index_from} or None, got {num_words!r}")
    if not isinstance(skip_top, (int, np.integer)) or skip_top < 0:
        raise ValueError(f"skip_top must be a non-negative integer, got {skip_top!r}")
    encoded = []
    for ranks in rank_sequences:
        ids = ([start_char] if start_char is not None else []) + [int(r) + index_from for r in ranks]
        limit = num_words if num_words is not None else float("inf")
        encoded.append([i if skip_top <= i < limit else oov_char for i in ids])
    return encoded


def texts_to_ranks(texts, word_index, index_from=3):
    """Word ranks of raw texts; an unknown word gets the rank that ``encode_ranks`` turns into the OOV id."""
    unknown = OOV - index_from
    return [[word_index.get(w, unknown) for w in tokenize(t)] for t in texts]


def texts_to_sequences(texts, word_index, num_words=None, skip_top=0, index_from=3):
    """Encode raw texts with a word index from ``build_word_index``; unknown words become the OOV id."""
    return encode_ranks(texts_to_ranks(texts, word_index, index_from), num_words, skip_top, index_from)


def pad_sequences(sequences, maxlen=None, padding="pre", truncating="pre", value=0, dtype=np.int32):
    """A (N, maxlen) array from sequences of ids, as Keras's ``pad_sequences`` (both defaults "pre").

    ``padding="pre"`` puts the padding before the sequence, so the last step (the one a classifier reads) is a word;
    ``truncating="pre"`` drops the start of sequences that are too long. ``maxlen=None``: the longest length.
    Raises ValueError for invalid options.
    """
    for name, option in (("padding", padding), ("truncating", truncating)):
        if option not in ("pre", "post"):
            raise ValueError(f'{name} must be "pre" or "post", got {option!r}')
    sequences = [list(s) for s in sequences]
    if maxlen is None:
        maxlen = max((len(s) for s in sequences), default=0)
    if not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError(f"maxlen must be a non-negative integer or None, got {maxlen!r}")
    out = np.full((len(sequences), maxlen), value, dtype=dtype)
    for i, s in enumerate(sequences):
        s = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if maxlen == 0 or not s:
            continue
        if padding == "pre":
            out[i, maxlen - len(s):] = s
        else:
            out[i, :len(s)] = s
    return out


def to_one_hot(ids, num_classes=None, dtype=np.float32):
    """One-hot rows for integer ids: shape ``ids.shape + (num_classes,)``.

    Mostly for comparison: every numpy_rnn layer takes the ids themselves and gives the same result without the
    memory. Raises ValueError for ids outside ``[0, num_classes)``.
    """
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"ids must be integers, got dtype {ids.dtype}")
    if num_classes is None:
        num_classes = int(ids.max()) + 1 if ids.size else 0
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise ValueError(f"ids must lie in [0, {num_classes - 1}], got values from {ids.min()} to {ids.max()}")
    return np.eye(num_classes, dtype=dtype)[ids]
