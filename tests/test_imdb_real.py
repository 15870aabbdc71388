"""The textbook's IMDB preparation on the real reviews (../shared/data/aclImdb_train.tar.gz beside the repository).

What ``scripts/imdb_four_ways.py --data`` trains on, checked against what is known of IMDB independently of this
code: 25,000 training reviews, half positive; Keras's published word ranks (the, and, a, of, ...); Keras's
``skip_top`` rule (ids below it are dropped); a stratified 20,000 / 5,000 split. A user's machine has no copy: the
tests skip.
"""
import tarfile
from pathlib import Path

import numpy as np
import pytest

from numpy_rnn.data import load_aclimdb, load_imdb_book
from numpy_rnn.data.text import build_word_index

ARCHIVE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "aclImdb_train.tar.gz"
pytestmark = pytest.mark.skipif(not ARCHIVE.exists(), reason=f"no IMDB archive at {ARCHIVE}")


@pytest.fixture(scope="module")
def aclimdb(tmp_path_factory):
    folder = tmp_path_factory.mktemp("imdb")
    with tarfile.open(ARCHIVE) as archive:
        archive.extractall(folder, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    return str(folder / "aclImdb")


@pytest.fixture(scope="module")
def book(aclimdb):
    return load_imdb_book(aclimdb)  # num_words=100, skip_top=20, maxlen=100, 5,000 for validation, seed 42


def test_the_training_reviews_are_all_there_half_of_them_positive(aclimdb):
    (texts, y), (test_texts, _) = load_aclimdb(aclimdb)
    assert len(texts) == 25_000 and int(y.sum()) == 12_500 and test_texts == []  # the archive holds train/ only
    # Keras's published word index ranks the, and, a, of, to, is, br, in, it, i, this, ... first. "br" is the HTML
    # line break <br />, a word in Keras's imdb.npz; numpy_rnn reads it as a space, so the later ranks are one less.
    word_index = build_word_index(texts)
    first = sorted(word_index, key=word_index.get)[:10]
    assert first == ["the", "and", "a", "of", "to", "is", "in", "it", "i", "this"]


def test_the_book_preparation_gives_its_shapes_split_and_ids(book):
    x_train, y_train, x_val, y_val = book
    assert x_train.shape == (20_000, 100) and x_val.shape == (5_000, 100)
    assert int(y_train.sum()) == 10_000 and int(y_val.sum()) == 2_500  # stratified: half positive in both
    ids = np.unique(np.concatenate([x_train.ravel(), x_val.ravel()]))
    # Keras adds index_from=3 to the ranks, then keeps ids in [skip_top, num_words) = [20, 100); the book drops the
    # out-of-vocabulary id 2 that replaced the rest, and pads at the front with 0.
    assert ids.tolist() == [0] + list(range(20, 100))
    assert (x_train[:, -1] != 0).all()  # front padding: every review ends with a word
    short = (x_train == 0).any(axis=1)
    assert 0 < short.mean() < 1  # some reviews keep fewer than 100 of these words, some more
    first_word = np.argmax(x_train[short] != 0, axis=1)
    assert all((row[:i] == 0).all() and (row[i:] != 0).all() for row, i in zip(x_train[short][:200], first_word))


def test_another_seed_splits_the_same_reviews_otherwise(aclimdb, book):
    other = load_imdb_book(aclimdb, random_state=43)
    assert not np.array_equal(book[2], other[2])
    # the same reviews, split otherwise: the 25,000 rows of both splits together are the same multiset
    rows = lambda split: sorted(map(bytes, np.concatenate([split[0], split[2]])))  # noqa: E731
    assert rows(book) == rows(other)
