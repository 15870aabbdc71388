"""Sequence-to-sequence data (numpy_rnn/data/seq2seq.py): DLFS2's addition and date files, prepared as the book does.

On a small file made here: the split at ``_`` (the answer keeps it), ids in order of first appearance, reversed
questions, a seeded split that loses no sample, and bad files refused with the path and line. On the real files when
../shared/data is there (a user's machine has none, and those tests skip): counts, vocabulary sizes, known lines' ids,
and the split pinned."""
from pathlib import Path

import numpy as np
import pytest

from numpy_rnn.data import (
    DataError,
    Seq2SeqData,
    load_addition,
    load_dates,
    load_seq2seq,
)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
LINES = ["1+2 _3  ", "12+3_15 ", "9+9 _18 ", "5+5 _10 ", "40+2_42 ", "7+7 _14 ", "3+30_33 ", "8+1 _9  ",
         "6+60_66 ", "2+2 _4  "]


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "sums.txt"
    path.write_text("\n".join(LINES) + "\n")
    return path


def test_lines_split_at_the_underscore_and_characters_are_numbered_by_first_appearance(small_file):
    data = load_seq2seq(small_file)
    assert isinstance(data, Seq2SeqData)
    (x_train, y_train), (x_test, y_test), vocab = data
    # line by line, question then answer: "1+2 _3  " gives 1 + 2 space _ 3, then "12+3_15 " adds 5, ...
    assert vocab.tokens == ["1", "+", "2", " ", "_", "3", "5", "9", "8", "0", "4", "7", "6"]
    assert x_train.shape == (9, 4) and y_train.shape == (9, 4) and x_test.shape == (1, 4) and y_test.shape == (1, 4)
    assert x_train.dtype == np.int32 and y_train.dtype == np.int32
    questions, answers = np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test])
    # every line once, in some order: the split loses and repeats nothing
    assert sorted(vocab.decode(q) + vocab.decode(a) for q, a in zip(questions, answers)) == sorted(LINES)
    assert np.all(answers[:, 0] == vocab.index["_"])  # the answer keeps its start symbol
    row = next(i for i, q in enumerate(questions) if vocab.decode(q) == "12+3")
    assert questions[row].tolist() == [0, 2, 1, 5] and answers[row].tolist() == [4, 0, 6, 3]


def test_reversed_questions_read_last_character_first(small_file):
    (x, y), (xt, _), vocab = load_seq2seq(small_file, random_state=3)
    (rx, ry), (rxt, _), reversed_vocab = load_seq2seq(small_file, random_state=3, reverse=True)
    assert reversed_vocab == vocab
    np.testing.assert_array_equal(rx, x[:, ::-1])
    np.testing.assert_array_equal(rxt, xt[:, ::-1])
    np.testing.assert_array_equal(ry, y)  # answers are never reversed
    assert {vocab.decode(q) for q in np.concatenate([rx, rxt])} >= {" 2+1", "3+21"}


def test_the_split_is_seeded(small_file):
    first, again = load_seq2seq(small_file, random_state=5), load_seq2seq(small_file, random_state=5)
    other = load_seq2seq(small_file, random_state=6)
    for a, b in zip(first.train + first.test, again.train + again.test):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.train[0], other.train[0])
    # a tenth held out, rounded down, as the book does; test_fraction=0 keeps everything for training
    assert len(load_seq2seq(small_file, test_fraction=0.25).test[0]) == 2
    assert len(load_seq2seq(small_file, test_fraction=0).train[0]) == 10


@pytest.mark.parametrize("text, message", [
    ("1+2 _3  \n12+3 15 \n", r"line 2: no '_'"),
    ("1+2 _3  \n12+3_15 \n9+9  _18\n", r"line 3: question and answer 5 and 3 characters wide, but line 1's are 4"),
    ("1+2 _3  \n12+3_15\n", r"line 2: question and answer 4 and 3 characters wide"),  # only the answer differs
    ("1+2 _3  \n\n9+9 _18 \n", "line 2: no '_'"),  # a blank line
    ("", "holds no lines"),
    ("_3\n_4\n", "questions are empty"),
])
def test_bad_files_are_refused_with_the_path_and_line(tmp_path, text, message):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(DataError, match=message) as error:
        load_seq2seq(path)
    assert str(path) in str(error.value)


def test_unreadable_paths_and_bad_arguments_are_refused(tmp_path, small_file):
    with pytest.raises(DataError, match="cannot be read"):
        load_addition(tmp_path / "missing.txt")
    with pytest.raises(DataError, match="not a regular file"):
        load_dates(tmp_path)
    (tmp_path / "latin1.txt").write_bytes("1+2 _\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        load_seq2seq(tmp_path / "latin1.txt")
    with pytest.raises(TypeError, match="random_state"):
        load_addition(small_file, random_state=1.5)
    with pytest.raises(ValueError, match="test_fraction"):
        load_seq2seq(small_file, test_fraction=1)
    with pytest.raises(TypeError, match="test_fraction"):
        load_seq2seq(small_file, test_fraction="0.1")


# -- the real files -------------------------------------------------------------------------------------------------------
@pytest.mark.skipif(not (SHARED_DATA / "addition.txt").is_file(), reason="no ../shared/data/addition.txt")
def test_addition_as_the_book_prepares_it():
    (x, y), (xt, yt), vocab = load_addition(SHARED_DATA / "addition.txt")
    assert x.shape == (45000, 7) and y.shape == (45000, 5) and xt.shape == (5000, 7) and yt.shape == (5000, 5)
    # DLFS2's vocabulary, in the book's order: the first line "16+75  _91  " introduces 1 6 + 7 5 space _ 9
    assert len(vocab) == 13 and vocab.tokens == ["1", "6", "+", "7", "5", " ", "_", "9", "2", "0", "3", "8", "4"]
    questions, answers = np.concatenate([x, xt]), np.concatenate([y, yt])
    samples = np.concatenate([questions, answers], axis=1)
    for line in ("16+75  _91  ", "52+607 _659 ", "75+22  _97  "):  # the file's first three lines
        assert np.any(np.all(samples == vocab.encode(line), axis=1))
    row = np.flatnonzero(np.all(questions == vocab.encode("16+75  "), axis=1))
    assert vocab.encode("16+75  ").tolist() == [0, 1, 2, 3, 4, 5, 5]
    assert answers[row].tolist() == [[6, 7, 0, 5, 5]]
    # the split of seed 1984, pinned: the first training and the last test sample
    assert vocab.decode(x[0]) + vocab.decode(y[0]) == "374+715_1089"
    assert vocab.decode(xt[-1]) + vocab.decode(yt[-1]) == "25+691 _716 "
    (rx, _), (rxt, _), _ = load_addition(SHARED_DATA / "addition.txt", reverse=True)
    assert vocab.decode(rx[0]) == "517+473"
    np.testing.assert_array_equal(rxt, xt[:, ::-1])


@pytest.mark.skipif(not (SHARED_DATA / "date.txt").is_file(), reason="no ../shared/data/date.txt")
def test_dates_as_the_book_prepares_them():
    (x, y), (xt, yt), vocab = load_dates(SHARED_DATA / "date.txt")
    assert x.shape == (45000, 29) and y.shape == (45000, 11) and xt.shape == (5000, 29) and yt.shape == (5000, 11)
    assert len(vocab) == 59 and vocab.tokens[:8] == ["s", "e", "p", "t", "m", "b", "r", " "]
    questions, answers = np.concatenate([x, xt]), np.concatenate([y, yt])
    row = np.flatnonzero(np.all(questions == vocab.encode("september 27, 1994".ljust(29)), axis=1))
    assert len(row) >= 1 and vocab.decode(answers[row[0]]) == "_1994-09-27"
    assert vocab.encode("_1994-09-27").tolist() == [14, 11, 12, 12, 13, 15, 16, 12, 15, 8, 9]
    assert vocab.decode(x[0]).rstrip() == "august 23, 2015" and vocab.decode(y[0]) == "_2015-08-23"
