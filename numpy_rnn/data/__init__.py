"""Data: text encoding and padding, IMDB loaders, the built-in review data set, minibatches, language-model data,
sequence-to-sequence data."""
from .batches import batch_indices, count_batches, minibatches
from .imdb import DataError, load_aclimdb, load_imdb, load_imdb_book, load_imdb_npz, split_train_val
from .language import PTB, CharVocab, WordVocab, corpus_entropy, lm_windows, load_ptb, make_corpus
from .seq2seq import Seq2SeqData, load_addition, load_dates, load_seq2seq
from .synthetic import make_reviews, review_score
from .text import (
                   build_word_index,
                   encode_ranks,
                   pad_sequences,
                   texts_to_ranks,
                   texts_to_sequences,
                   to_one_hot,
                   tokenize,
)

__all__ = ["DataError", "load_aclimdb", "load_imdb", "load_imdb_book", "load_imdb_npz", "split_train_val",
           "make_reviews", "review_score", "build_word_index", "encode_ranks", "pad_sequences", "texts_to_ranks",
           "texts_to_sequences", "to_one_hot", "tokenize", "batch_indices", "count_batches", "minibatches",
           "PTB", "CharVocab", "WordVocab", "corpus_entropy", "lm_windows", "load_ptb", "make_corpus",
           "Seq2SeqData", "load_addition", "load_dates", "load_seq2seq"]
