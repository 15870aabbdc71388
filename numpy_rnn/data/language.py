"""Language-model data: vocabularies, the Penn Treebank, a built-in corpus, and truncated-BPTT windows.

A language model reads a text as one long stream of token ids and learns to predict each next token. This file holds
the four pieces that turn a text into what ``Sequential.fit`` takes:

1. ``CharVocab`` / ``WordVocab``: token <-> id, ids given in order of first appearance in the text they are built
   from (reproducible, and what "Deep Learning from Scratch 2" (DLFS2) does). A word text is split on whitespace and
   each newline becomes an end-of-sentence token (``"<eos>"``), as in the Penn Treebank's usual preparation.
2. ``load_ptb(folder)``: Mikolov's Penn Treebank files as three id arrays and the training split's vocabulary.
3. ``make_corpus()``: sentences from a tiny grammar with long-range number agreement, generated in code, so the
   language-model examples run offline; ``corpus_entropy`` is the best loss any model can reach on it.
4. ``lm_windows(ids, batch_size, steps)``: the stream cut into ``batch_size`` parallel streams read ``steps`` tokens at
   a time, in the layout that stateful training with ``fit(..., shuffle=False)`` needs (Zaremba et al. 2014, DLFS2).

Shapes: a corpus ``ids`` is (N,) int32; ``lm_windows`` gives ``x`` and ``y`` of shape (n_windows * B, S), int32.
"""
import json
import math
import os
from collections import namedtuple

import numpy as np

from ..checks import check_positive_int, check_random_state
from ..persistence import nests_deeper_than, write_atomically
from .imdb import DataError, read_text

_sorted = sorted  # CharVocab.from_text has an argument named ``sorted``, after the builtin it asks for
MAX_VOCABULARY_BYTES = 64 * 2**20  # a vocabulary file: 10,000 PTB words take 100 kB; past this it is not one
MAX_CORPUS_BYTES = 1 * 2**30  # a text file read whole into memory (PTB's training split is 5 MB)
VOCABULARY_FORMAT = "numpy_rnn-vocabulary"
VOCABULARY_VERSION = 1


# -- reading text files -----------------------------------------------------------------------------------------------
# -- vocabularies -----------------------------------------------------------------------------------------------------
class _Vocabulary:
    """What both vocabularies share: ``tokens`` (id -> token), ``index`` (token -> id), encode/decode, the JSON file.

    A subclass says how a text splits into tokens (``_split``), how tokens join back (``decode``) and what a token may
    be (``_check_token``).
    """
    CONFIG_KEYS = ("tokens", "unk")  # what get_config writes and from_config takes

    def __init__(self, tokens, unk=None):
        if not isinstance(tokens, (list, tuple)) or not tokens:
            raise TypeError(f"tokens must be a non-empty list of strings (the token of each id), got {tokens!r:.80}")
        for token in tokens:
            self._check_token(token, "tokens")
        index = {token: i for i, token in enumerate(tokens)}
        if len(index) != len(tokens):
            duplicate = next(t for i, t in enumerate(tokens) if index[t] != i)
            raise ValueError(f"tokens must be distinct, got {duplicate!r} twice")
        if unk is not None:
            self._check_token(unk, "unk")
            if unk not in index:
                raise ValueError(f"unk must be one of the tokens, got {unk!r}")
        self._tokens, self._index, self.unk = list(tokens), index, unk

    @property
    def tokens(self):
        """The token of each id, as a new list (id i is ``tokens[i]``)."""
        return list(self._tokens)

    @property
    def index(self):
        """The id of each token, as a new dict."""
        return dict(self._index)

    def __len__(self):
        return len(self._tokens)

    def __repr__(self):
        return f"{type(self).__name__}({len(self)} tokens)"

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def encode(self, text):
        """The ids of ``text``'s tokens, (n_tokens,) int32. A token not in the vocabulary becomes ``unk``'s id if the
        vocabulary has one; otherwise it is a ValueError naming the first such token and its position."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        tokens = self._split(text)
        unk_id = None if self.unk is None else self._index[self.unk]
        try:
            ids = [self._index[token] if unk_id is None else self._index.get(token, unk_id) for token in tokens]
        except KeyError:
            position = next(i for i, token in enumerate(tokens) if token not in self._index)
            raise ValueError(f"text: token {tokens[position]!r} (token {position} of the text) is not in the "
                             f"vocabulary of {len(self)} tokens, which has no unk token") from None
        return np.array(ids, dtype=np.int32)

    def _check_ids(self, ids):
        """``ids`` as a 1-D int64 array of ids in [0, len(self)); TypeError/ValueError naming ``ids`` otherwise."""
        ids = np.asarray(ids)
        if ids.shape == (0,):  # np.asarray([]) is float64: no ids at all are fine whatever their dtype
            ids = ids.astype(np.int64)
        if ids.dtype.kind not in "iu" or ids.ndim != 1:
            raise TypeError(f"ids must be a 1-D array of integer ids, got dtype {ids.dtype} and shape {ids.shape}")
        bad = (ids < 0) | (ids >= len(self))
        if np.any(bad):
            raise ValueError(f"ids must lie in [0, {len(self)}), got {ids[np.argmax(bad)]}")
        return ids.astype(np.int64)

    def get_config(self):
        """Plain JSON: what ``from_config`` takes to build the same vocabulary."""
        return {"tokens": list(self._tokens), "unk": self.unk}

    @classmethod
    def from_config(cls, config):
        """The vocabulary ``get_config`` describes; TypeError/ValueError naming what does not fit."""
        expected = set(cls.CONFIG_KEYS)
        if not isinstance(config, dict) or set(config) != expected:
            raise ValueError(f"config must be a dict with the keys {sorted(expected)}, got "
                             f"{sorted(config) if isinstance(config, dict) else type(config).__name__}")
        return cls(**config)

    def save(self, path):
        """Write the vocabulary to ``path`` as JSON, atomically as model files are written (persistence.py): a
        temporary file in the same folder, flushed to disk, then renamed over ``path`` (whose mode it keeps), so a
        crash mid-save leaves the previous file whole. Returns ``path``."""
        text = json.dumps({"format": VOCABULARY_FORMAT, "version": VOCABULARY_VERSION, "class": type(self).__name__,
                           "config": self.get_config()})
        return write_atomically(path, lambda f: f.write(text), binary=False)  # json.dumps escapes to ASCII

    @classmethod
    def load(cls, path):
        """The vocabulary saved in ``path`` by ``save``. A file that is not one (too large, not JSON, nested deeper
        than a vocabulary, another class or version, bad tokens) raises DataError (a ValueError) naming the path;
        the file is only ever parsed as JSON, never executed."""
        text = read_text(os.fspath(path), MAX_VOCABULARY_BYTES, "a vocabulary file")
        try:
            if nests_deeper_than(text, 3):  # {"config": {"tokens": [...]}}; checked before json's recursion
                raise ValueError("it nests deeper than a vocabulary file")
            meta = json.loads(text)
            if not isinstance(meta, dict) or meta.get("format") != VOCABULARY_FORMAT:
                raise ValueError(f"it is not a numpy_rnn vocabulary (no format {VOCABULARY_FORMAT!r})")
            if meta.get("version") != VOCABULARY_VERSION or isinstance(meta.get("version"), bool):
                raise ValueError(f"it has version {meta.get('version')!r}; this numpy_rnn reads {VOCABULARY_VERSION}")
            if meta.get("class") != cls.__name__:
                raise ValueError(f"it holds a {meta.get('class')!r}, not a {cls.__name__}")
            return cls.from_config(meta.get("config"))
        except (ValueError, TypeError) as error:  # json's errors are ValueErrors; so are too-long integers
            raise DataError(f"{os.fspath(path)!r} is not a {cls.__name__} file: {error}") from None


class CharVocab(_Vocabulary):
    """Characters <-> ids. ``CharVocab.from_text(text)`` numbers the characters in order of first appearance
    (``sorted=True``: in code-point order, as char-rnn does). Every character is a token, newlines included, so
    ``decode(encode(text)) == text``.

    ``CharVocab(tokens, unk=None)`` builds one from its tokens (each one character); with ``unk`` (one of them),
    unknown characters encode as ``unk``.
    """

    @classmethod
    def from_text(cls, text, sorted=False, unk=None):
        """The characters of ``text`` (a non-empty str) in order of first appearance, or code-point order if
        ``sorted``; ``unk``, if given and absent from the text, gets the last id."""
        if not isinstance(text, str) or not text:
            raise TypeError(f"text must be a non-empty str, got {text!r:.80}")
        tokens = list(dict.fromkeys(text))  # dicts keep insertion order: first appearance
        if sorted:
            tokens = _sorted(tokens)
        if unk is not None and unk not in tokens:
            tokens.append(unk)
        return cls(tokens, unk=unk)

    @staticmethod
    def _check_token(token, name):
        if not isinstance(token, str) or len(token) != 1:
            raise ValueError(f"{name} must hold single characters, got {token!r:.80}")

    @staticmethod
    def _split(text):
        return text

    def decode(self, ids):
        """The text of ``ids`` (1-D integers in [0, len(self)))."""
        return "".join(self._tokens[i] for i in self._check_ids(ids))


class WordVocab(_Vocabulary):
    """Words <-> ids. A text's words are its whitespace-separated pieces, and each newline is the word ``eos``
    (``"<eos>"``; ``eos=None``: newlines are plain whitespace). ``WordVocab.from_text(text, eos="<eos>", unk=None)``
    numbers the words in order of first appearance.

    ``decode`` joins the words with single spaces and renders ``eos`` as a newline, so ``decode(encode(text))`` is
    ``text`` with each line's words separated by one space (``" a  b\\n"`` -> ``"a b\\n"``).

    ``WordVocab(tokens, eos="<eos>", unk=None)`` builds one from its tokens (words: non-empty, no whitespace); with
    ``unk`` (one of them, e.g. ``"<unk>"``), unknown words encode as ``unk``.
    """
    CONFIG_KEYS = ("tokens", "unk", "eos")

    def __init__(self, tokens, eos="<eos>", unk=None):
        if eos is not None:
            self._check_token(eos, "eos")
        self.eos = eos
        super().__init__(tokens, unk=unk)

    @classmethod
    def from_text(cls, text, eos="<eos>", unk=None):
        """The words of ``text`` (a str with at least one word) in order of first appearance; ``unk``, if given and
        absent from the text, gets the last id."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        if eos is not None:
            cls._check_token(eos, "eos")
        tokens = list(dict.fromkeys(_words(text, eos)))
        if not tokens:
            raise ValueError("text must hold at least one word")
        if unk is not None and unk not in tokens:
            tokens.append(unk)
        return cls(tokens, eos=eos, unk=unk)

    @staticmethod
    def _check_token(token, name):
        if not isinstance(token, str) or token.split() != [token]:
            raise ValueError(f"{name} must hold words (non-empty, no whitespace), got {token!r:.80}")

    def _split(self, text):
        return _words(text, self.eos)

    def decode(self, ids):
        """The text of ``ids``: words separated by one space, ``eos`` as a newline."""
        pieces, line_start = [], True
        for i in self._check_ids(ids):
            token = self._tokens[i]
            if token == self.eos:
                pieces.append("\n")
                line_start = True
            else:
                pieces.append(token if line_start else " " + token)
                line_start = False
        return "".join(pieces)

    def get_config(self):
        return {**super().get_config(), "eos": self.eos}


def _words(text, eos):
    """The words of ``text`` with ``eos`` for each newline (none after the last line if it does not end in one)."""
    if eos is None:
        return text.split()
    lines = text.split("\n")
    words = []
    for line in lines[:-1]:
        words.extend(line.split())
        words.append(eos)
    words.extend(lines[-1].split())
    return words


# -- the Penn Treebank ------------------------------------------------------------------------------------------------
PTB = namedtuple("PTB", "train valid test vocab")


def load_ptb(folder):
    """Mikolov's Penn Treebank from ``folder`` (``ptb.train.txt``, ``ptb.valid.txt``, ``ptb.test.txt``).

    Returns the named tuple ``PTB(train, valid, test, vocab)``, so ``train, valid, test, vocab = load_ptb(folder)``:
    each split is a 1-D int32 array of word ids with ``<eos>`` for each newline (929,589 / 73,760 / 82,430 tokens for
    the standard files), and ``vocab`` is the ``WordVocab`` of the training split, ids in order of first appearance as
    in DLFS2 (10,000 words, ``<unk>`` and ``<eos>`` among them). ``vocab.unk`` is ``"<unk>"``, so new text with words
    PTB lacks still encodes; loading itself is strict.

    Raises DataError (a ValueError) naming the path for a missing folder or file, and naming the file for a word in
    the validation or test split that the training split never uses.
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise DataError(f"{folder!r} is not a folder holding ptb.train.txt, ptb.valid.txt and ptb.test.txt")
    files = [os.path.join(folder, f"ptb.{split}.txt") for split in ("train", "valid", "test")]
    texts = [read_text(file, MAX_CORPUS_BYTES, "a Penn Treebank file") for file in files]
    strict = WordVocab.from_text(texts[0], eos="<eos>")
    splits = []
    for file, text in zip(files, texts):
        try:
            splits.append(strict.encode(text))
        except ValueError as error:
            raise DataError(f"{file!r}: {error}; every word of the validation and test splits must occur in the "
                            "training split") from None
    unk = "<unk>" if "<unk>" in strict.index else None
    return PTB(*splits, WordVocab(strict.tokens, eos="<eos>", unk=unk))


# -- the built-in corpus ----------------------------------------------------------------------------------------------
# Each noun and verb in its singular and plural form. Every choice below is uniform, and each is visible in the text.
NOUNS = (("dog", "dogs"), ("cat", "cats"), ("bird", "birds"), ("girl", "girls"), ("boy", "boys"),
         ("teacher", "teachers"))
INTRANSITIVE = (("runs", "run"), ("sleeps", "sleep"), ("sings", "sing"), ("waits", "wait"))
TRANSITIVE = (("sees", "see"), ("likes", "like"), ("chases", "chase"), ("follows", "follow"))
RELATIVE_RATE = 0.5  # how often the subject carries a relative clause
TRANSITIVE_RATE = 0.5  # how often the main verb takes an object
MAX_SENTENCES = 1_000_000


def make_corpus(n_sentences=5000, random_state=0):
    """A text of ``n_sentences`` lines, each a sentence of a tiny English grammar with number agreement:

        sentence  ->  the NOUN [that the NOUN' VERB'] VERB [the NOUN'']

    Each noun is singular or plural at random (6 nouns), the relative clause comes half the time, the main verb is
    intransitive (4) or transitive with an object (4) half the time each. The main VERB agrees in number with the
    first NOUN, across the relative clause, whose own verb agrees with its own noun (the "attractor"):
    ``the dog that the cats see runs``, ``the dogs that the cat sees chase the bird``. A bigram model cannot get the
    main verb's number right after a relative clause; a recurrent model has to remember the subject's number for
    four words (Linzen et al. 2016). Words are separated by one space; about 30 characters (7 words with the
    ``<eos>``) a line, 150,000 characters by default (22 characters, 31 words), made in about 10 ms.

    The best loss a model can reach (the grammar's entropy per token, natural log; ``corpus_entropy``): 0.279 nats
    per character (perplexity 1.32; 0.40 bits), counting the newlines, and 1.205 nats per word (perplexity 3.34)
    with an ``<eos>`` per line. A model that has learnt everything but the main verb's agreement does 0.023 nats a
    character (0.099 a word) worse (``corpus_entropy(agreement=False)``).

    Seeded by ``random_state`` (a ``np.random.Generator`` is made from it); ValueError/TypeError for a bad size.
    """
    n_sentences = check_positive_int(n_sentences, "n_sentences")
    if n_sentences > MAX_SENTENCES:
        raise ValueError(f"n_sentences must be at most {MAX_SENTENCES:,} (the built-in corpus is meant to be small), "
                         f"got {n_sentences:,}")
    rng = check_random_state(random_state)
    n, draw = n_sentences, lambda high: rng.integers(high, size=n_sentences)
    number, noun = draw(2), draw(len(NOUNS))
    relative, number2, noun2, verb2 = rng.random(n) < RELATIVE_RATE, draw(2), draw(len(NOUNS)), draw(len(TRANSITIVE))
    transitive, verb = rng.random(n) < TRANSITIVE_RATE, draw(len(TRANSITIVE))
    number3, noun3 = draw(2), draw(len(NOUNS))
    lines = []
    for i in range(n):
        words = ["the", NOUNS[noun[i]][number[i]]]
        if relative[i]:
            words += ["that", "the", NOUNS[noun2[i]][number2[i]], TRANSITIVE[verb2[i]][number2[i]]]
        if transitive[i]:
            words += [TRANSITIVE[verb[i]][number[i]], "the", NOUNS[noun3[i]][number3[i]]]
        else:
            words.append(INTRANSITIVE[verb[i]][number[i]])
        lines.append(" ".join(words) + "\n")
    return "".join(lines)


def corpus_entropy(level="char", agreement=True):
    """The entropy of ``make_corpus``'s text per token, in nats: the lowest average loss (sparse categorical
    cross-entropy) a model can reach on it, for ``level`` ``"char"`` (newlines counted) or ``"word"`` (an ``<eos>``
    counted per line).

    Every choice of the grammar shows in the text, so a sentence's entropy is the sum of its choices' entropies; the
    rate per token is that sum's mean over the mean number of tokens a sentence takes (sentences are independent).
    ``agreement=False``: the best loss of a model that does not know the main verb's number (it must guess it, one
    more bit for each main verb).
    """
    if level not in ("char", "word"):
        raise ValueError(f"level must be 'char' or 'word', got {level!r}")

    def bernoulli(p):
        return -p * math.log(p) - (1 - p) * math.log(1 - p)

    def mean_length(pairs):  # the mean characters of a word whose form and number are both uniform
        return float(np.mean([len(word) for pair in pairs for word in pair]))

    number, noun = math.log(2), math.log(len(NOUNS))  # uniform choices
    transitive, intransitive = math.log(len(TRANSITIVE)), math.log(len(INTRANSITIVE))
    entropy = (number + noun + bernoulli(RELATIVE_RATE) + RELATIVE_RATE * (number + noun + transitive)
               + bernoulli(TRANSITIVE_RATE) + TRANSITIVE_RATE * (transitive + number + noun)
               + (1 - TRANSITIVE_RATE) * intransitive)
    if not agreement:
        entropy += number
    if level == "word":  # the, NOUN, [that the NOUN VERB], VERB, [the NOUN], <eos>
        tokens = 2 + RELATIVE_RATE * 4 + 1 + TRANSITIVE_RATE * 2 + 1
    else:  # "the NOUN[ that the NOUN VERB] VERB[ the NOUN]\n"
        nouns, verbs = mean_length(NOUNS), mean_length(TRANSITIVE)
        tokens = (len("the ") + nouns + RELATIVE_RATE * (len(" that the ") + nouns + 1 + verbs) + 1
                  + TRANSITIVE_RATE * (verbs + len(" the ") + nouns)
                  + (1 - TRANSITIVE_RATE) * mean_length(INTRANSITIVE) + 1)
    return entropy / tokens


# -- truncated-BPTT windows -------------------------------------------------------------------------------------------
def lm_windows(ids, batch_size, steps):
    """Cut a corpus of token ids into the windows of stateful truncated BPTT; returns ``(x, y)``, both int32 of
    shape (n_windows * batch_size, steps).

    With N = len(ids), B = batch_size, S = steps: every stream gets n_windows = (N - 1) // (B * S) windows, and
    stream b reads the L = n_windows * S tokens starting at offset b * L, so the streams are consecutive pieces of the
    corpus, never overlapping (DLFS2 uses offsets b * ((N - 1) // B) and wraps around instead). The targets are the
    same streams one token later: y[r, t] is the token after x[r, t], and a stream's last target is the first input of
    its next window. The last N - 1 - B * L tokens, which do not fill a whole window in every stream, are dropped.

    The rows are window-major: rows k*B ... k*B + B - 1 are window k of streams 0 ... B-1. So batch k of
    ``fit(x, y, batch_size=B, shuffle=False)`` is window k, and sample b of each batch continues sample b of the
    batch before: what a stateful layer's carried state needs (see model.py). ::

        x, y = lm_windows(np.arange(13), batch_size=2, steps=3)
        # streams: 0..5 and 6..11; x = [[0 1 2], [6 7 8], [3 4 5], [9 10 11]], y = x + 1

    Raises ValueError naming the argument for ids that are not a 1-D array of non-negative integers (below 2**31),
    for a corpus too short for one window in every stream (N < B * S + 1), and TypeError/ValueError for a
    batch_size or steps that is not a positive integer.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    steps = check_positive_int(steps, "steps")
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu" or ids.ndim != 1:
        raise ValueError(f"ids must be a 1-D array of integer token ids, got dtype {ids.dtype} and shape {ids.shape}")
    if ids.size and (ids.min() < 0 or ids.max() > np.iinfo(np.int32).max):
        raise ValueError(f"ids must be non-negative and below 2**31, got values from {ids.min()} to {ids.max()}")
    n_windows = (len(ids) - 1) // (batch_size * steps)
    if n_windows < 1:
        raise ValueError(f"ids: a corpus of {len(ids)} tokens is too short for one window of steps={steps} in each "
                         f"of batch_size={batch_size} streams (that needs {batch_size * steps + 1} tokens: the inputs "
                         "and one more target)")
    used = batch_size * n_windows * steps

    def windows(stream):  # (B * L,) -> rows window-major: [k * B + b] is window k of stream b
        return stream.reshape(batch_size, n_windows, steps).transpose(1, 0, 2).reshape(-1, steps).astype(np.int32)

    return windows(ids[:used]), windows(ids[1:used + 1])
