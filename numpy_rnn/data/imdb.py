"""IMDB movie reviews, from either of the two forms people have them in, and the textbook's preparation.

- ``aclImdb/``: the original release, ``train|test/pos|neg/*.txt`` (one review per file; label 1 for pos).
- ``imdb.npz``: the Keras file, whose arrays hold Python lists of word ranks. NumPy can only read such object arrays
  by unpickling them, and unpickling a file can run any code its author put in it. ``load_imdb_npz`` therefore
  refuses unless the caller passes ``allow_pickle=True`` for a file they trust.

``load_imdb`` encodes either form as Keras's ``imdb.load_data`` does (see text.py); ``load_imdb_book`` is the textbook's
whole preparation in one call.
"""
import os
import stat
import zipfile

import numpy as np

from ..persistence import check_archive
from .text import OOV, build_word_index, encode_ranks, pad_sequences, texts_to_ranks

# The longest IMDB review is about 14 kB; a "review" file beyond this is not one, and is not read into memory.
MAX_REVIEW_BYTES = 1 * 2**20


class DataError(ValueError):
    """A data file or folder that cannot be read as the form it claims to be."""


def load_aclimdb(path):
    """Read an ``aclImdb/`` folder: returns ``((texts_train, y_train), (texts_test, y_test))``, labels 1 = pos.

    Files are read in sorted order, so the result does not depend on the file system. A folder without ``test/`` (the
    training half alone, all the textbook's preparation uses) gives an empty test split. Raises DataError for a
    missing ``train/pos`` or ``train/neg`` (or a ``test/`` without both), and for a ``.txt`` entry that is not a
    review file (see ``_read_review``).
    """
    splits = []
    for split in ("train", "test"):
        texts, labels = [], []
        if split == "test" and not os.path.lexists(os.path.join(path, split)):
            splits.append((texts, np.array(labels, dtype=np.int64)))
            continue
        for label, polarity in ((1, "pos"), (0, "neg")):
            folder = os.path.join(path, split, polarity)
            if not os.path.isdir(folder):
                raise DataError(f"{path!r} is not an aclImdb folder: {folder!r} is missing")
            try:
                names = sorted(os.listdir(folder))
            except OSError as error:
                raise DataError(f"{folder!r} cannot be listed: {error.strerror or error}") from None
            for name in names:
                if not name.endswith(".txt"):
                    continue
                texts.append(_read_review(os.path.join(folder, name)))
                labels.append(label)
        splits.append((texts, np.array(labels, dtype=np.int64)))
    return tuple(splits)


def _read_review(file):
    """The text of one review file: ``read_text(file, MAX_REVIEW_BYTES, "a review")``."""
    return read_text(file, MAX_REVIEW_BYTES, "a review")


def read_text(file, max_bytes, what):
    """The UTF-8 text of the regular file ``file`` (a link to one is fine), read only if at most ``max_bytes``;
    ``what`` the file should be, for the messages. Newlines come back as ``\n``.

    Anything else raises DataError without being read: a FIFO would block the read until a writer came, and a
    device such as /dev/zero reports size 0 yet never ends, so only regular files are opened and no read asks for
    more than the cap allows. Dangling links, link loops, folders, unreadable and non-UTF-8 files are DataError too.
    """
    try:
        if not stat.S_ISREG(os.stat(file).st_mode):  # follows links: what matters is what they point to
            raise DataError(f"{file!r} is not a regular file (a folder, FIFO, device or socket): not {what}")
        # O_NONBLOCK: should the file be swapped for a FIFO after the check, opening it cannot block either
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            status = os.fstat(f.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise DataError(f"{file!r} is not a regular file: not {what}")
            # the size refuses most big files unread; the bounded read, a file that grew since
            data = b"" if status.st_size > max_bytes else f.read(max_bytes + 1)
    except OSError as error:  # missing, a dangling link, a link loop, no permission
        raise DataError(f"{file!r} cannot be read: {error.strerror or error}") from None
    if status.st_size > max_bytes or len(data) > max_bytes:
        raise DataError(f"{file!r} is larger than {max_bytes} bytes: not {what}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataError(f"{file!r} is not UTF-8 text: {error}") from None
    # What open(file, encoding="utf-8").read() gives: its universal newlines make \r\n and \r into \n.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load_imdb_npz(path, allow_pickle=False):
    """Read Keras's ``imdb.npz``: returns ``((ranks_train, y_train), (ranks_test, y_test))`` (lists of word ranks).

    Refuses with a ValueError unless ``allow_pickle=True``: the file's object arrays can only be read by unpickling,
    which executes whatever the file contains. Pass it only for a file from a source you trust. Raises DataError for a
    file that is not such an npz.
    """
    if not allow_pickle:
        raise ValueError(
            f"{path!r}: imdb.npz stores Python object arrays, which NumPy reads by unpickling them, and unpickling "
            "a file can execute arbitrary code hidden in it. Load it only if you trust where it came from, by "
            "passing allow_pickle=True (or --allow-pickle to the scripts). The aclImdb/ folder needs no such trust.")
    # np.load unpickles any file that is not a zip archive; the opt-in is for imdb.npz's arrays, not for that.
    check_archive(path, DataError, "an imdb.npz file")
    try:
        with np.load(path, allow_pickle=True) as f:
            arrays = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    except KeyError as error:
        raise DataError(f"{path!r} is not an imdb.npz file: missing array {error}") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, TypeError) as error:
        raise DataError(f"{path!r} could not be read as an .npz file: {error}") from None
    return tuple((list(map(list, arrays[f"x_{s}"])), np.asarray(arrays[f"y_{s}"], dtype=np.int64))
                 for s in ("train", "test"))


def load_imdb(path, num_words=None, skip_top=0, index_from=3, allow_pickle=False):
    """IMDB as Keras's ``imdb.load_data`` encodes it, from an ``aclImdb/`` folder or an ``imdb.npz`` file.

    Returns ``((x_train, y_train), (x_test, y_test))`` with lists of id lists. For the folder, the word ranks come
    from the training texts.
    """
    if os.path.isdir(path):
        (texts_train, y_train), (texts_test, y_test) = load_aclimdb(path)
        word_index = build_word_index(texts_train)
        ranks_train = texts_to_ranks(texts_train, word_index, index_from)
        ranks_test = texts_to_ranks(texts_test, word_index, index_from)
    elif os.path.isfile(path):
        (ranks_train, y_train), (ranks_test, y_test) = load_imdb_npz(path, allow_pickle=allow_pickle)
    else:
        raise DataError(f"{path!r} is neither an aclImdb/ folder nor an imdb.npz file")
    encode = lambda ranks: encode_ranks(ranks, num_words, skip_top, index_from)  # noqa: E731
    return (encode(ranks_train), y_train), (encode(ranks_test), y_test)


def split_train_val(x, y, n_val, rng):
    """A stratified split: ``n_val`` samples for validation with the class proportions of ``y``; seeded by ``rng``
    (a ``np.random.Generator``). Raises TypeError/ValueError naming the argument that does not fit."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a np.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be one label per sample (1-D), got shape {y.shape}")
    if not hasattr(x, "__len__") or len(x) != len(y):
        raise ValueError(f"x must hold one sample per label in y ({len(y)}), got "
                         f"{len(x) if hasattr(x, '__len__') else type(x).__name__}")
    if isinstance(n_val, (bool, np.bool_)) or not isinstance(n_val, (int, np.integer)) or not 0 < n_val < len(y):
        raise ValueError(f"n_val must be a whole number of samples between 1 and {len(y) - 1} (the data set has "
                         f"{len(y)}), got {n_val!r}")
    val_idx = []
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        val_idx.extend(members[:int(round(n_val * len(members) / len(y)))])
    val_mask = np.zeros(len(y), dtype=bool)
    val_mask[val_idx] = True
    train = rng.permutation(np.flatnonzero(~val_mask))
    val = rng.permutation(np.flatnonzero(val_mask))
    pick = lambda idx: [x[i] for i in idx]  # noqa: E731
    return pick(train), y[train], pick(val), y[val]


def load_imdb_book(path, num_words=100, skip_top=20, maxlen=100, n_val=5000, random_state=42, allow_pickle=False):
    """The textbook's IMDB preparation in one call; returns ``x_train, y_train, x_val, y_val``.

    From the 25,000 training reviews: Keras's encoding with ``num_words=100, skip_top=20``; the reserved ids 0, 1 and
    2 (padding, start, out of vocabulary) dropped; a stratified, seeded 20,000 / 5,000 train/validation split;
    sequences padded (and cut) at the front to ``maxlen=100``. The ids lie in [0, num_words), so the one-hot width is
    ``num_words`` (padding is id 0). Pass the ids to ``RecurrentNetwork`` as they are.
    """
    (x_all, y_all), _ = load_imdb(path, num_words=num_words, skip_top=skip_top, allow_pickle=allow_pickle)
    x_all = [[w for w in seq if w > OOV] for seq in x_all]
    x_train, y_train, x_val, y_val = split_train_val(x_all, y_all, n_val, np.random.default_rng(random_state))
    return pad_sequences(x_train, maxlen), y_train, pad_sequences(x_val, maxlen), y_val
