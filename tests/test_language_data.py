"""Language-model data (numpy_rnn/data/language.py): the vocabularies and their files, the Penn Treebank loader (on
small files made here, and on the real files when ../shared/data is there), the built-in corpus, lm_windows.

The important cases are written out by hand: ids of short texts, the windows of short corpora."""
import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numpy_rnn import LSTM, Dense, Embedding, Sequential
from numpy_rnn.data import (
    PTB,
    CharVocab,
    DataError,
    WordVocab,
    corpus_entropy,
    lm_windows,
    load_ptb,
    make_corpus,
)
from numpy_rnn.data import language

# The project's data sit beside the repository (../shared/data); a user's machine has none, and these tests skip.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


# -- vocabularies -----------------------------------------------------------------------------------------------------
def test_char_ids_follow_first_appearance_and_round_trip():
    vocab = CharVocab.from_text("hello\nworld")
    assert vocab.tokens == ["h", "e", "l", "o", "\n", "w", "r", "d"]
    assert vocab.index == {"h": 0, "e": 1, "l": 2, "o": 3, "\n": 4, "w": 5, "r": 6, "d": 7}
    ids = vocab.encode("hold\nhe")
    assert ids.dtype == np.int32 and ids.tolist() == [0, 3, 2, 7, 4, 0, 1]
    assert vocab.decode(ids) == "hold\nhe" and len(vocab) == 8
    assert vocab.decode([]) == "" and vocab.encode("").tolist() == [] and vocab.encode("").dtype == np.int32
    text = "the quick brown fox\njumps over\n  the lazy dog.\n"
    assert CharVocab.from_text(text).decode(CharVocab.from_text(text).encode(text)) == text


def test_char_vocab_sorted_orders_by_code_point():
    assert CharVocab.from_text("hello\n", sorted=True).tokens == ["\n", "e", "h", "l", "o"]


def test_word_ids_follow_first_appearance_with_eos_for_each_newline():
    vocab = WordVocab.from_text("the cat sat\nthe dog sat\n")
    assert vocab.tokens == ["the", "cat", "sat", "<eos>", "dog"]
    assert vocab.encode("the cat sat\nthe dog sat\n").tolist() == [0, 1, 2, 3, 0, 4, 2, 3]
    # no <eos> after a last line without a newline; blank lines are an <eos> each
    assert vocab.encode("dog sat\n\nthe cat").tolist() == [4, 2, 3, 3, 0, 1]
    assert vocab.decode([0, 1, 2, 3, 0, 4, 2, 3]) == "the cat sat\nthe dog sat\n"
    assert vocab.decode([4, 2, 3, 3, 0, 1]) == "dog sat\n\nthe cat"
    # decode(encode(text)): each line's words joined by one space
    assert vocab.decode(vocab.encode("  the   cat\tsat \n dog ")) == "the cat sat\ndog"


@given(st.text(min_size=1))
def test_any_text_round_trips_through_its_character_vocabulary(text):
    vocab = CharVocab.from_text(text)
    ids = vocab.encode(text)
    assert vocab.decode(ids) == text and len(vocab) == len(set(text)) and ids.max() < len(vocab)
    assert [vocab.tokens[i] for i in ids[np.sort(np.unique(ids, return_index=True)[1])]] == vocab.tokens


@given(st.text(alphabet=st.sampled_from("ab \t\n\r\u2028"), min_size=1)
       .filter(lambda text: text.split()))
def test_a_word_text_decodes_to_its_lines_with_single_spaces(text):
    vocab = WordVocab.from_text(text)
    lines = text.split("\n")
    assert vocab.decode(vocab.encode(text)) == "\n".join(" ".join(line.split()) for line in lines)
    assert np.sum(vocab.encode(text) == vocab.index.get("<eos>", -1)) == len(lines) - 1


def test_word_vocab_without_eos_treats_newlines_as_spaces():
    vocab = WordVocab.from_text("a b\nc\n", eos=None)
    assert vocab.tokens == ["a", "b", "c"] and vocab.eos is None
    assert vocab.decode(vocab.encode("c a\nb")) == "c a b"


def test_unknown_tokens_are_named_unless_the_vocabulary_has_unk():
    with pytest.raises(ValueError, match=r"'dog' \(token 3 of the text\)"):
        WordVocab.from_text("the cat sat\n").encode("the cat sat dog bird")
    with pytest.raises(ValueError, match="'z'"):
        CharVocab.from_text("abc").encode("abzy")
    words = WordVocab.from_text("the cat sat\n", unk="<unk>")
    assert words.tokens == ["the", "cat", "sat", "<eos>", "<unk>"] and words.unk == "<unk>"
    assert words.encode("the dog sat bird").tolist() == [0, 4, 2, 4]
    # an unk the text already holds keeps its place in first-appearance order
    assert WordVocab.from_text("a <unk> b", unk="<unk>").tokens == ["a", "<unk>", "b"]
    chars = CharVocab.from_text("abc", unk="?")
    assert chars.encode("abzc").tolist() == [0, 1, 3, 2] and chars.decode([3]) == "?"


@pytest.mark.parametrize("call, error, name", [
    (lambda: CharVocab.from_text(""), TypeError, "text"),
    (lambda: CharVocab.from_text(b"abc"), TypeError, "text"),
    (lambda: WordVocab.from_text(" \t "), ValueError, "at least one word"),
    (lambda: WordVocab.from_text("a b", eos="end of line"), ValueError, "eos"),
    (lambda: WordVocab(["a", "b", "a"]), ValueError, "distinct"),
    (lambda: WordVocab(["a", "b c"]), ValueError, "tokens"),
    (lambda: WordVocab([]), TypeError, "tokens"),
    (lambda: WordVocab("ab"), TypeError, "tokens"),
    (lambda: CharVocab(["a", "bc"]), ValueError, "tokens"),
    (lambda: CharVocab(["a", 1]), ValueError, "tokens"),
    (lambda: WordVocab(["a"], unk="<unk>"), ValueError, "unk"),
    (lambda: WordVocab(["a"]).encode(["a"]), TypeError, "text"),
    (lambda: WordVocab(["a"]).decode([0, 1]), ValueError, "ids"),
    (lambda: WordVocab(["a"]).decode([-1]), ValueError, "ids"),
    (lambda: CharVocab(["a"]).decode([0.0]), TypeError, "ids"),
    (lambda: CharVocab(["a"]).decode([[0]]), TypeError, "ids"),
])
def test_bad_vocabulary_arguments_are_named(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_configs_are_plain_json_and_rebuild_the_same_vocabulary():
    for vocab in (CharVocab.from_text("héllo\n", unk="?"), WordVocab.from_text("a b\nc", unk="<unk>"),
                  WordVocab.from_text("a b\nc", eos=None)):
        config = json.loads(json.dumps(vocab.get_config()))
        again = type(vocab).from_config(config)
        assert again == vocab and again.tokens == vocab.tokens and again.unk == vocab.unk
        assert getattr(again, "eos", None) == getattr(vocab, "eos", None)
    with pytest.raises(ValueError, match="config"):
        WordVocab.from_config({"tokens": ["a"], "unk": None})  # no eos
    with pytest.raises(ValueError, match="config"):
        CharVocab.from_config(["a"])


def test_tokens_and_index_are_copies():
    vocab = WordVocab.from_text("a b")
    vocab.tokens.append("c")
    vocab.index["c"] = 2
    assert len(vocab) == 2 and vocab.encode("b a").tolist() == [1, 0]


def test_save_and_load_round_trip_atomically(tmp_path):
    path = tmp_path / "vocab.json"
    vocab = WordVocab.from_text("the cat\nthe dog\n", unk="<unk>")
    assert vocab.save(path) == os.fspath(path)
    assert WordVocab.load(path) == vocab
    json.loads(path.read_text())  # the file is plain JSON
    chars = CharVocab.from_text("ünïcode\n")
    chars.save(path)  # overwrites
    assert CharVocab.load(path) == chars and sorted(os.listdir(tmp_path)) == ["vocab.json"]  # no temporaries left
    if os.name != "nt":
        os.chmod(path, 0o600)
        vocab.save(path)
        assert os.stat(path).st_mode & 0o777 == 0o600  # overwriting keeps the file's mode


def _vocabulary_file(tmp_path, **changes):
    meta = {"format": "numpy_rnn-vocabulary", "version": 1, "class": "WordVocab",
            "config": {"tokens": ["a", "b"], "unk": None, "eos": "<eos>"}}
    meta.update(changes)
    path = tmp_path / "v.json"
    path.write_text(json.dumps(meta))
    return path


@pytest.mark.parametrize("content, message", [
    ({"format": "something else"}, "format"),
    ({"version": 2}, "version"),
    ({"version": True}, "version"),
    ({"class": "CharVocab"}, "CharVocab"),
    ({"config": {"tokens": ["a", "a"], "unk": None, "eos": "<eos>"}}, "distinct"),
    ({"config": {"tokens": ["a", 3], "unk": None, "eos": "<eos>"}}, "tokens"),
    ({"config": {"tokens": ["a"], "unk": None, "eos": "<eos>", "code": "import os"}}, "config"),
    ({"config": "tokens"}, "config"),
    ({"config": {"tokens": "ab", "unk": None, "eos": "<eos>"}}, "tokens"),
])
def test_load_refuses_vocabulary_files_that_do_not_fit(tmp_path, content, message):
    with pytest.raises(DataError, match=message):
        WordVocab.load(_vocabulary_file(tmp_path, **content))


def test_load_refuses_hostile_files_with_data_error(tmp_path, monkeypatch):
    path = tmp_path / "v.json"
    for data in (b"\x80\x81 not utf-8", b"{not json", b"[" * 100_000 + b"]" * 100_000,
                 pickle.dumps(WordVocab(["a"])), b'{"format": "numpy_rnn-vocabulary", "version": 1' + b"1" * 5000 + b"}"):
        path.write_bytes(data)
        with pytest.raises(DataError, match="v.json"):
            WordVocab.load(path)
    with pytest.raises(DataError, match="missing.json"):
        WordVocab.load(tmp_path / "missing.json")
    with pytest.raises(DataError, match="not a regular file"):
        WordVocab.load(tmp_path)
    big = _vocabulary_file(tmp_path)
    monkeypatch.setattr(language, "MAX_VOCABULARY_BYTES", os.path.getsize(big) - 1)
    with pytest.raises(DataError, match="larger than"):
        WordVocab.load(big)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_load_refuses_a_fifo_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(DataError, match="not a regular file"):
        WordVocab.load(tmp_path / "fifo")


# -- the Penn Treebank ------------------------------------------------------------------------------------------------
def _ptb_folder(tmp_path, valid=" the cat <unk>\n", test=" a cat\n the a\n"):
    folder = tmp_path / "ptb"
    folder.mkdir()
    (folder / "ptb.train.txt").write_text(" the cat sat \n a <unk> sat on the N \n")
    (folder / "ptb.valid.txt").write_text(valid)
    (folder / "ptb.test.txt").write_text(test)
    return folder


def test_load_ptb_reads_three_splits_with_the_training_vocabulary(tmp_path):
    data = load_ptb(_ptb_folder(tmp_path))
    train, valid, test, vocab = data
    assert isinstance(data, PTB) and data.vocab is vocab
    assert vocab.tokens == ["the", "cat", "sat", "<eos>", "a", "<unk>", "on", "N"]
    assert vocab.eos == "<eos>" and vocab.unk == "<unk>"
    assert train.dtype == valid.dtype == test.dtype == np.int32
    assert train.tolist() == [0, 1, 2, 3, 4, 5, 2, 6, 0, 7, 3]
    assert valid.tolist() == [0, 1, 5, 3] and test.tolist() == [4, 1, 3, 0, 4, 3]
    assert vocab.encode("the dog").tolist() == [0, 5]  # new text with words PTB lacks still encodes


def test_load_ptb_names_the_file_with_a_word_the_training_split_lacks(tmp_path):
    with pytest.raises(DataError, match=r"ptb\.test\.txt.*'dog'"):
        load_ptb(_ptb_folder(tmp_path, test=" the dog\n"))


def test_load_ptb_names_a_missing_folder_or_file(tmp_path):
    with pytest.raises(DataError, match="nowhere"):
        load_ptb(tmp_path / "nowhere")
    folder = _ptb_folder(tmp_path)
    os.remove(folder / "ptb.valid.txt")
    with pytest.raises(DataError, match=r"ptb\.valid\.txt"):
        load_ptb(folder)


@pytest.mark.skipif(not (SHARED_DATA / "ptb").is_dir(), reason="no ../shared/data/ptb beside the repository")
def test_the_real_penn_treebank_has_its_published_counts():
    train, valid, test, vocab = load_ptb(SHARED_DATA / "ptb")
    assert (len(train), len(valid), len(test), len(vocab)) == (929_589, 73_760, 82_430, 10_000)
    assert vocab.tokens[:3] == ["aer", "banknote", "berlitz"]  # DLFS2's first ids
    assert vocab.decode(train[:3]) == "aer banknote berlitz"
    assert np.sum(train == vocab.index["<eos>"]) == 42_068


# -- the built-in corpus ----------------------------------------------------------------------------------------------
def _parse(line):
    """The sentence's head noun's number (0 singular, 1 plural) and its main verb's number, from the grammar."""
    def number(word, pairs):
        return next(pair.index(word) for pair in pairs if word in pair)
    words = line.split()
    assert words[0] == "the"
    head = number(words[1], language.NOUNS)
    rest = words[2:]
    if rest[0] == "that":
        assert rest[1] == "the" and number(rest[3], language.TRANSITIVE) == number(rest[2], language.NOUNS)
        rest = rest[4:]
    if len(rest) == 1:
        return head, number(rest[0], language.INTRANSITIVE)
    assert len(rest) == 3 and rest[1] == "the" and number(rest[2], language.NOUNS) in (0, 1)
    return head, number(rest[0], language.TRANSITIVE)


def test_the_corpus_is_reproducible_and_every_sentence_agrees():
    text = make_corpus(2000, random_state=3)
    assert text == make_corpus(2000, random_state=3) and text != make_corpus(2000, random_state=4)
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == 2001
    parsed = [_parse(line) for line in lines[:-1]]
    assert all(head == verb for head, verb in parsed)
    relative = [line for line in lines if " that " in line]
    assert 800 < len(relative) < 1200  # half the time
    # across the attractor: sentences whose relative clause's noun has the other number occur, and still agree
    assert any(_parse(line)[0] == 0 and " that the " in line and line.split()[4].endswith("s") for line in relative)


def test_corpus_size_and_entropy_match_the_docstring():
    text = make_corpus()
    assert 140_000 < len(text) < 160_000 and len(CharVocab.from_text(text)) == 22
    assert len(WordVocab.from_text(text)) == 31
    assert corpus_entropy("char") == pytest.approx(0.2789, abs=1e-4)
    assert corpus_entropy("word") == pytest.approx(1.2051, abs=1e-4)
    assert corpus_entropy("char", agreement=False) - corpus_entropy("char") == pytest.approx(0.0229, abs=1e-4)
    # the rate's denominator: the mean tokens per sentence it assumes is what the generator makes
    n = 20_000
    text = make_corpus(n, random_state=1)
    words = len(text.split()) + n  # an <eos> per line
    sentence = np.log(2) + np.log(6) + np.log(2) + 0.5 * np.log(48) + np.log(2) + np.log(4) + 0.5 * np.log(12)
    assert sentence * n / len(text) == pytest.approx(corpus_entropy("char"), rel=0.01)
    assert sentence * n / words == pytest.approx(corpus_entropy("word"), rel=0.01)


@pytest.mark.parametrize("kwargs, error, name", [
    ({"n_sentences": 0}, ValueError, "n_sentences"),
    ({"n_sentences": 2.5}, TypeError, "n_sentences"),
    ({"n_sentences": 10**7}, ValueError, "n_sentences"),
    ({"random_state": "a"}, TypeError, "random_state"),
])
def test_make_corpus_names_a_bad_argument(kwargs, error, name):
    with pytest.raises(error, match=name):
        make_corpus(**kwargs)
    with pytest.raises(ValueError, match="level"):
        corpus_entropy("byte")


# -- lm_windows -------------------------------------------------------------------------------------------------------
def test_windows_of_a_corpus_that_fits_exactly():
    x, y = lm_windows(np.arange(13), batch_size=2, steps=3)
    # streams: 0..5 and 6..11; rows: window 0 of streams 0 and 1, then window 1 of both
    assert x.tolist() == [[0, 1, 2], [6, 7, 8], [3, 4, 5], [9, 10, 11]]
    assert y.tolist() == [[1, 2, 3], [7, 8, 9], [4, 5, 6], [10, 11, 12]]
    assert x.dtype == y.dtype == np.int32


def test_windows_drop_the_tokens_that_do_not_fill_a_window():
    x, y = lm_windows(list(range(100, 120)), batch_size=2, steps=3)  # 19 targets, 3 windows of 2 x 3: 18 used
    assert x.tolist() == [[100, 101, 102], [109, 110, 111], [103, 104, 105], [112, 113, 114],
                          [106, 107, 108], [115, 116, 117]]
    assert y.tolist() == [[101, 102, 103], [110, 111, 112], [104, 105, 106], [113, 114, 115],
                          [107, 108, 109], [116, 117, 118]]
    x, y = lm_windows(np.arange(7), batch_size=3, steps=2)  # the shortest corpus for 3 streams of 2 steps
    assert x.tolist() == [[0, 1], [2, 3], [4, 5]] and y.tolist() == [[1, 2], [3, 4], [5, 6]]
    x, y = lm_windows(np.arange(5), batch_size=1, steps=1)
    assert x.ravel().tolist() == [0, 1, 2, 3] and y.ravel().tolist() == [1, 2, 3, 4]


@pytest.mark.parametrize("n, batch_size, steps", [(13, 2, 3), (20, 2, 3), (7, 3, 2), (100, 4, 5), (101, 4, 5),
                                                  (102, 4, 5), (37, 1, 7), (50, 7, 1), (64, 3, 4)])
def test_streams_are_consecutive_pieces_and_targets_continue_them(n, batch_size, steps):
    ids = np.random.default_rng(n).integers(0, 1000, size=n)
    x, y = lm_windows(ids, batch_size, steps)
    n_windows = (n - 1) // (batch_size * steps)
    length = n_windows * steps
    assert x.shape == y.shape == (n_windows * batch_size, steps)
    for b in range(batch_size):
        stream_x = x[b::batch_size].ravel()  # window 0, 1, ... of stream b
        stream_y = y[b::batch_size].ravel()
        np.testing.assert_array_equal(stream_x, ids[b * length:(b + 1) * length])
        np.testing.assert_array_equal(stream_y, ids[b * length + 1:(b + 1) * length + 1])
    np.testing.assert_array_equal(y[:, :-1], x[:, 1:])  # within a window, the target is the next input
    # a window's last target is the first input of the same stream's next window
    np.testing.assert_array_equal(y[:-batch_size, -1], x[batch_size:, 0])


@pytest.mark.parametrize("kwargs, error, message", [
    ({"ids": np.arange(6), "batch_size": 2, "steps": 3}, ValueError, "ids: a corpus of 6 tokens is too short"),
    ({"ids": np.arange(12), "batch_size": 3, "steps": 4}, ValueError, "ids: a corpus of 12 tokens is too short"),
    ({"ids": [], "batch_size": 1, "steps": 1}, ValueError, "ids"),
    ({"ids": np.arange(10.0), "batch_size": 1, "steps": 2}, ValueError, "ids"),
    ({"ids": ["a", "b", "c"], "batch_size": 1, "steps": 1}, ValueError, "ids"),
    ({"ids": np.arange(10).reshape(2, 5), "batch_size": 1, "steps": 2}, ValueError, "ids"),
    ({"ids": [3, -1, 2], "batch_size": 1, "steps": 1}, ValueError, "ids"),
    ({"ids": np.array([0, 2**40, 1]), "batch_size": 1, "steps": 1}, ValueError, "ids"),
    ({"ids": np.arange(10), "batch_size": 0, "steps": 2}, ValueError, "batch_size"),
    ({"ids": np.arange(10), "batch_size": 2, "steps": 0}, ValueError, "steps"),
    ({"ids": np.arange(10), "batch_size": 2.0, "steps": 2}, TypeError, "batch_size"),
])
def test_lm_windows_names_a_bad_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        lm_windows(**kwargs)


def test_a_stateful_language_model_trains_on_the_windows():
    text = make_corpus(60, random_state=0)
    vocab = CharVocab.from_text(text)
    x, y = lm_windows(vocab.encode(text), batch_size=4, steps=10)
    model = Sequential([Embedding(len(vocab), 8), LSTM(16, return_sequences=True, stateful=True),
                        Dense(len(vocab), activation="softmax")], random_state=0)
    model.compile("adam", "sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0] < np.log(len(vocab)) + 0.5


def test_config_keys_are_what_get_config_writes():
    assert tuple(CharVocab(["a"]).get_config()) == CharVocab.CONFIG_KEYS
    assert tuple(WordVocab(["a"]).get_config()) == WordVocab.CONFIG_KEYS
