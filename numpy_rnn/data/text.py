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


def _check_int(value, name, minimum=None, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer{' or None' if allow_none else ''}, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return int(value)


def _is_sequence(value):
    """A list, tuple or 1-D-or-more array: what counts as a sequence here (a string does not)."""
    return isinstance(value, (list, tuple)) or isinstance(value, np.ndarray) and value.ndim >= 1


def _int_sequences(value, name):
    """A list of lists of ints from a sequence of integer sequences; TypeError naming ``name`` otherwise."""
    if not _is_sequence(value):
        raise TypeError(f"{name} must be a sequence of sequences of integers, got {type(value).__name__}")
    sequences = []
    for seq in value:
        if not _is_sequence(seq) or isinstance(seq, np.ndarray) and seq.ndim != 1:
            raise TypeError(f"{name} must hold sequences of integers, got an element {seq!r}")
        ints = []
        for item in seq:
            if isinstance(item, (bool, np.bool_)) or not isinstance(item, (int, np.integer)):
                raise TypeError(f"{name} must hold integers, got {item!r}")
            ints.append(int(item))
        sequences.append(ints)
    return sequences


def _texts(value, name):
    if not _is_sequence(value):
        raise TypeError(f"{name} must be a sequence of strings, got {type(value).__name__}")
    texts = list(value)
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"{name} must hold strings, got {type(text).__name__}")
    return texts


def tokenize(text):
    """Lower-case words of ``text``: letters, digits and apostrophes; HTML line breaks count as spaces."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _TOKEN.findall(_HTML_BREAK.sub(" ", text).lower())


def build_word_index(texts):
    """``{word: rank}``, rank 1 for the most frequent word; ties keep the order in which words first appear."""
    counts = Counter()
    for text in _texts(texts, "texts"):
        counts.update(tokenize(text))
    # Counter.most_common is stable: equal counts stay in first-seen order.
    return {word: rank for rank, (word, _) in enumerate(counts.most_common(), start=1)}


def encode_ranks(rank_sequences, num_words=None, skip_top=0, index_from=3, start_char=START, oov_char=OOV):
    """Apply Keras's IMDB encoding (module docstring) to sequences of word ranks; returns a list of lists of ids."""
    num_words = _check_int(num_words, "num_words", minimum=index_from + 1, allow_none=True)
    skip_top = _check_int(skip_top, "skip_top", minimum=0)
    encoded = []
    for ranks in _int_sequences(rank_sequences, "rank_sequences"):
        ids = ([start_char] if start_char is not None else []) + [int(r) + index_from for r in ranks]
        limit = num_words if num_words is not None else float("inf")
        encoded.append([i if skip_top <= i < limit else oov_char for i in ids])
    return encoded


def texts_to_ranks(texts, word_index, index_from=3):
    """Word ranks of raw texts; an unknown word gets the rank that ``encode_ranks`` turns into the OOV id.
    Raises TypeError naming ``word_index`` unless it is a dict of words to integer ranks (``build_word_index``)."""
    if not isinstance(word_index, dict):
        raise TypeError(f"word_index must be a dict {{word: rank}} (from build_word_index), got "
                        f"{type(word_index).__name__}")
    for word, rank in word_index.items():
        if not isinstance(word, str) or isinstance(rank, (bool, np.bool_)) or not isinstance(rank, (int, np.integer)):
            raise TypeError(f"word_index must map words (str) to integer ranks, got {word!r}: {rank!r}")
    index_from = _check_int(index_from, "index_from", minimum=0)
    unknown = OOV - index_from
    return [[word_index.get(w, unknown) for w in tokenize(t)] for t in _texts(texts, "texts")]


def texts_to_sequences(texts, word_index, num_words=None, skip_top=0, index_from=3):
    """Encode raw texts with a word index from ``build_word_index``; unknown words become the OOV id."""
    return encode_ranks(texts_to_ranks(texts, word_index, index_from), num_words, skip_top, index_from)


def pad_sequences(sequences, maxlen=None, padding="pre", truncating="pre", value=0, dtype=np.int32,
                  max_bytes=4 * 2**30):
    """A (N, maxlen) array from sequences of ids, as Keras's ``pad_sequences`` (both defaults "pre").

    ``padding="pre"`` puts the padding before the sequence, so the last step (the one a classifier reads) is a word;
    ``truncating="pre"`` drops the start of sequences that are too long. ``maxlen=None``: the longest length.
    ``value`` fills the padding; for an integer ``dtype`` it must be an integer that ``dtype`` holds (NumPy would
    wrap 1000 round to -24 in int8, and turn NaN into -2147483648 in int32).
    Raises ValueError/TypeError naming the argument for invalid options, and ValueError for a result larger than
    ``max_bytes`` (4 GiB by default), before allocating it.
    """
    for name, option in (("padding", padding), ("truncating", truncating)):
        if not isinstance(option, str) or option not in ("pre", "post"):
            raise ValueError(f'{name} must be "pre" or "post", got {option!r}')
    try:
        dtype = np.dtype(dtype)
    except (TypeError, ValueError):
        raise TypeError(f"dtype must be a NumPy integer or float dtype, got {dtype!r}") from None
    if dtype.kind not in "iuf":
        raise TypeError(f"dtype must be a NumPy integer or float dtype, got {dtype}")
    value = _check_pad_value(value, dtype)
    sequences = _int_sequences(sequences, "sequences")
    maxlen = _check_int(maxlen, "maxlen", minimum=0, allow_none=True)
    if maxlen is None:
        maxlen = max((len(s) for s in sequences), default=0)
    size = len(sequences) * maxlen * np.dtype(dtype).itemsize
    if size > max_bytes:
        raise ValueError(f"maxlen={maxlen} for {len(sequences)} sequences makes a {size / 2**30:.1f} GiB array, more "
                         f"than max_bytes={max_bytes}; choose a smaller maxlen")
    if np.issubdtype(dtype, np.integer):
        limits = np.iinfo(dtype)
        values = [v for s in sequences for v in s]
        if values and (min(values) < limits.min or max(values) > limits.max):
            raise ValueError(f"sequences hold ids from {min(values)} to {max(values)}, outside the range of "
                             f"dtype {np.dtype(dtype).name}")
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


def _check_pad_value(value, dtype):
    """``value`` as a number ``dtype`` holds exactly (NaN and infinity only in a float dtype); TypeError/ValueError
    naming ``value`` otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"value must be a number, got {value!r}")
    if dtype.kind == "f":
        finite = isinstance(value, (int, np.integer)) or np.isfinite(value)  # NaN and inf are values a float holds
        if finite and abs(value) > float(np.finfo(dtype).max):  # a Python float compares exactly with any int
            raise ValueError(f"value={value!r} is outside the range of dtype {dtype.name}")
        return value
    if isinstance(value, (float, np.floating)) and not (np.isfinite(value) and float(value).is_integer()):
        raise ValueError(f"value must be an integer for dtype {dtype.name}, got {value!r}")
    limits = np.iinfo(dtype)
    if not limits.min <= int(value) <= limits.max:
        raise ValueError(f"value={value!r} is outside the range of dtype {dtype.name} [{limits.min}, {limits.max}]")
    return int(value)


def to_one_hot(ids, num_classes=None, dtype=np.float32, max_bytes=4 * 2**30):
    """One-hot rows for integer ids: shape ``ids.shape + (num_classes,)``.

    Mostly for comparison: every numpy_rnn layer takes the ids themselves and gives the same result without the
    memory. Raises ValueError for ids outside ``[0, num_classes)`` and for a result larger than ``max_bytes``
    (4 GiB by default; the textbook's IMDB array is 800 MB in float32).
    """
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"ids must be integers, got dtype {ids.dtype}")
    num_classes = _check_int(num_classes, "num_classes", minimum=1, allow_none=True)
    if num_classes is None:
        num_classes = int(ids.max()) + 1 if ids.size else 1
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise ValueError(f"ids must lie in [0, {num_classes - 1}], got values from {ids.min()} to {ids.max()}")
    nbytes = ids.size * num_classes * np.dtype(dtype).itemsize
    if nbytes > max_bytes:
        raise ValueError(f"the one-hot array of these ids would take {nbytes / 2**30:.1f} GiB (num_classes="
                         f"{num_classes}); pass the ids to the layers as they are, which needs no one-hot array")
    out = np.zeros(ids.shape + (num_classes,), dtype=dtype)
    np.put_along_axis(out, ids[..., None], 1, axis=-1)
    return out
