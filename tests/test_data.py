"""Text utilities, the two IMDB loaders (on small files made here), the textbook's preparation, the built-in data."""
import os

import numpy as np
import pytest

from numpy_rnn.data import (
    DataError,
    build_word_index,
    encode_ranks,
    load_aclimdb,
    load_imdb,
    load_imdb_book,
    load_imdb_npz,
    make_reviews,
    pad_sequences,
    review_score,
    texts_to_sequences,
    to_one_hot,
    tokenize,
)


def test_tokenize_lowercases_and_drops_html_breaks():
    assert tokenize("Great movie!<br /><br />I'd SEE it again.") == ["great", "movie", "i'd", "see", "it", "again"]


def test_word_index_ranks_by_frequency_then_first_appearance():
    index = build_word_index(["b a c", "a b a", "d"])
    assert index == {"a": 1, "b": 2, "c": 3, "d": 4}


def test_keras_encoding_reserves_ids_and_applies_num_words_and_skip_top():
    # ranks 1, 2, 5 -> ids 4, 5, 8 after the start id 1
    assert encode_ranks([[1, 2, 5]]) == [[1, 4, 5, 8]]
    assert encode_ranks([[1, 2, 5]], num_words=6) == [[1, 4, 5, 2]]  # id 8 >= num_words -> OOV
    assert encode_ranks([[1, 2, 5]], skip_top=5) == [[2, 2, 5, 8]]  # ids below 5 (the start id too) -> OOV
    index = {"good": 1, "bad": 2}
    assert texts_to_sequences(["good unknown bad"], index) == [[1, 4, 2, 5]]
    with pytest.raises(ValueError, match="num_words"):
        encode_ranks([[1]], num_words=2)


def test_pad_sequences_pre_and_post():
    seqs = [[1, 2, 3, 4], [5]]
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=3), [[2, 3, 4], [0, 0, 5]])
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=3, padding="post", truncating="post"),
                                  [[1, 2, 3], [5, 0, 0]])
    np.testing.assert_array_equal(pad_sequences(seqs), [[1, 2, 3, 4], [0, 0, 0, 5]])
    with pytest.raises(ValueError, match="padding"):
        pad_sequences(seqs, padding="middle")


def test_to_one_hot():
    out = to_one_hot(np.array([[0, 2]]), 3)
    assert out.shape == (1, 2, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out[0], [[1, 0, 0], [0, 0, 1]])
    with pytest.raises(ValueError, match="ids must lie"):
        to_one_hot(np.array([3]), 3)


# -- IMDB in its two forms, on small files made here ------------------------------------------------------------------
def write_aclimdb(root, reviews):
    for (split, polarity), texts in reviews.items():
        folder = os.path.join(root, split, polarity)
        os.makedirs(folder, exist_ok=True)
        for i, text in enumerate(texts):
            with open(os.path.join(folder, f"{i}_7.txt"), "w", encoding="utf-8") as f:
                f.write(text)
    return str(root)


REVIEWS = {("train", "pos"): ["a great great film", "great fun"], ("train", "neg"): ["a dull film", "dull dull"],
           ("test", "pos"): ["great"], ("test", "neg"): ["dull film, unseen-word"]}


def test_load_aclimdb_reads_texts_and_labels(tmp_path):
    (texts, y), (test_texts, y_test) = load_aclimdb(write_aclimdb(tmp_path, REVIEWS))
    assert texts == ["a great great film", "great fun", "a dull film", "dull dull"]
    np.testing.assert_array_equal(y, [1, 1, 0, 0])
    np.testing.assert_array_equal(y_test, [1, 0])


def test_load_imdb_from_the_folder_encodes_like_keras(tmp_path):
    (x, _), (x_test, _) = load_imdb(write_aclimdb(tmp_path, REVIEWS))
    # ranks from the training texts: great 1, dull 2, a 3, film 4, fun 5
    assert x[0] == [1, 6, 4, 4, 7] and x[3] == [1, 5, 5]
    assert x_test[1] == [1, 5, 7, 2, 2]  # "unseen", "word" are out of vocabulary


def test_aclimdb_errors(tmp_path):
    with pytest.raises(DataError, match="missing"):
        load_aclimdb(str(tmp_path))
    root = write_aclimdb(tmp_path / "a", REVIEWS)
    with open(os.path.join(root, "train", "pos", "bad_1.txt"), "wb") as f:
        f.write(b"\xff\xfe not utf-8 \xc3")
    with pytest.raises(DataError, match="not UTF-8"):
        load_aclimdb(root)
    with pytest.raises(DataError, match="neither"):
        load_imdb(str(tmp_path / "nothing-here"))


def write_npz(path, x_train, y_train, x_test, y_test):
    as_objects = lambda seqs: np.array([list(s) for s in seqs], dtype=object)  # noqa: E731
    np.savez(path, x_train=as_objects(x_train), y_train=np.array(y_train), x_test=as_objects(x_test),
             y_test=np.array(y_test))
    return str(path)


def test_imdb_npz_is_refused_without_opt_in_and_read_with_it(tmp_path):
    path = write_npz(tmp_path / "imdb.npz", [[1, 2, 3], [4, 5]], [1, 0], [[6]], [1])
    with pytest.raises(ValueError, match="allow_pickle=True"):
        load_imdb_npz(path)
    with pytest.raises(ValueError, match="execute arbitrary code"):
        load_imdb(path)
    (x, y), (x_test, y_test) = load_imdb_npz(path, allow_pickle=True)
    assert x == [[1, 2, 3], [4, 5]] and list(y) == [1, 0] and x_test == [[6]]
    (x, _), _ = load_imdb(path, num_words=7, allow_pickle=True)
    assert x == [[1, 4, 5, 6], [1, 2, 2]]


def test_imdb_npz_errors(tmp_path):
    not_npz = tmp_path / "imdb.npz"
    not_npz.write_bytes(b"this is not a zip file")
    with pytest.raises(DataError, match="not an .npz"):
        load_imdb_npz(str(not_npz), allow_pickle=True)
    partial = tmp_path / "partial.npz"
    np.savez(partial, x_train=np.zeros(3))
    with pytest.raises(DataError, match="missing array"):
        load_imdb_npz(str(partial), allow_pickle=True)


def test_the_books_preparation_in_one_call(tmp_path):
    rng = np.random.default_rng(0)
    # 50 reviews of word ranks 1..30: after skip_top=20 and num_words=100 only ranks 17..30 survive (ids 20..33).
    x = [list(rng.integers(1, 31, size=rng.integers(5, 40))) for _ in range(50)]
    y = [i % 2 for i in range(50)]
    path = write_npz(tmp_path / "imdb.npz", x, y, x[:2], y[:2])
    x_train, y_train, x_val, y_val = load_imdb_book(path, n_val=10, maxlen=12, allow_pickle=True)
    assert x_train.shape == (40, 12) and x_val.shape == (10, 12)
    assert y_val.sum() == 5  # stratified: half of each class
    kept = np.concatenate([x_train.ravel(), x_val.ravel()])
    assert set(np.unique(kept)) <= {0} | set(range(20, 34))  # no start/OOV ids, 0 only as padding
    again = load_imdb_book(path, n_val=10, maxlen=12, allow_pickle=True)
    np.testing.assert_array_equal(again[0], x_train)  # the split is seeded
    with pytest.raises(ValueError, match="n_val must be"):
        load_imdb_book(path, n_val=50, allow_pickle=True)


# -- the built-in review language ------------------------------------------------------------------------------------
def test_reviews_are_reproducible_and_labelled_by_their_score():
    ids, labels, vocab = make_reviews(300, random_state=3)
    again, _, _ = make_reviews(300, random_state=3)
    np.testing.assert_array_equal(ids, again)
    assert ids.shape == (300, 12) and len(vocab) == 26 and ids.max() < 26
    np.testing.assert_array_equal(labels, review_score(ids) > 0)
    assert 0.35 < labels.mean() < 0.65


def test_negation_flips_the_next_word_so_word_order_matters():
    ids = {w: i for i, w in enumerate(make_reviews(1)[2])}
    not_good_bad = [ids["not"], ids["good"], ids["bad"]]
    good_not_bad = [ids["good"], ids["not"], ids["bad"]]
    assert review_score(not_good_bad) == -2 and review_score(good_not_bad) == 2
    # The generated data contain such pairs: the same bag of words with both labels.
    x, labels, _ = make_reviews(4000, random_state=0)
    bags = {}
    for row, label in zip(x, labels):
        bags.setdefault(tuple(np.bincount(row, minlength=26)), set()).add(int(label))
    assert any(len(seen) == 2 for seen in bags.values())


def test_make_reviews_rejects_bad_sizes():
    with pytest.raises(ValueError, match="min_length"):
        make_reviews(10, min_length=3)
    with pytest.raises(ValueError, match="n_samples"):
        make_reviews(0)


class _CreatesAFileWhenUnpickled:
    """A pickle that, when loaded, opens (and so creates) a file: the proof that unpickling ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return open, (self.marker, "w")


def test_a_pickle_with_a_zip_appended_is_refused_before_anything_is_unpickled(tmp_path):
    # zipfile finds an archive by its directory at the end of the file, np.load decides by the first bytes: a pickle
    # followed by a real imdb.npz passes the first test and would be unpickled by the second.
    import pickle

    marker = tmp_path / "unpickled"
    archive = write_npz(tmp_path / "real.npz", [[1, 2]], [1], [[3]], [0])
    hostile = tmp_path / "imdb.npz"
    hostile.write_bytes(pickle.dumps(_CreatesAFileWhenUnpickled(str(marker))) + open(archive, "rb").read())
    import zipfile
    assert zipfile.is_zipfile(hostile)  # the trap: the appended archive is found
    with pytest.raises(DataError, match="not an .npz"):
        load_imdb_npz(str(hostile), allow_pickle=True)
    with pytest.raises(DataError, match="not an .npz"):
        load_imdb(str(hostile), allow_pickle=True)
    assert not marker.exists()


def test_pad_sequences_refuses_a_huge_maxlen_before_allocating():
    # Found by the fuzz test: maxlen=6,349,407,071 asked NumPy for 24 GiB and died with MemoryError.
    with pytest.raises(ValueError, match="maxlen"):
        pad_sequences([[]], maxlen=6_349_407_071)


def test_aclimdb_with_its_training_half_only_has_an_empty_test_split(tmp_path):
    """The shared archive holds aclImdb/train alone, all the textbook's preparation reads; a test/ that is there must
    still be whole."""
    train_only = {key: texts for key, texts in REVIEWS.items() if key[0] == "train"}
    (texts, y), (test_texts, y_test) = load_aclimdb(write_aclimdb(tmp_path / "train-only", train_only))
    assert len(texts) == 4 and test_texts == [] and y_test.shape == (0,)
    (x, _), (x_test, _) = load_imdb(str(tmp_path / "train-only"))
    assert len(x) == 4 and len(x_test) == 0
    half_test = {**train_only, ("test", "neg"): ["dull"]}  # test/ there, but without pos/
    with pytest.raises(DataError, match="pos.*missing"):
        load_aclimdb(write_aclimdb(tmp_path / "half-test", half_test))
