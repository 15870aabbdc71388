"""A built-in text classification data set: short "reviews" in a tiny language, generated in code.

Each review has one or three sentiment words among neutral filler. A sentiment word counts +1 (positive) or -1
(negative); the negation "not" just before it flips its sign. The label is 1 when the sum is positive (an odd number of
+-1 terms is never 0). "not" also appears before filler words, where it changes nothing.

Word order matters: "not good bad" (-1 -1) and "good not bad" (+1 +1) hold the same words and have opposite labels, so
a bag-of-words model cannot solve the task, while a recurrent network can learn it exactly. The first review in
``make_reviews``'s docstring example decodes to words like ``"the film was not bad and fun"``.

Reviews have random lengths and are padded at the front with id 0 (the ``<pad>`` word), as Keras pads by default.
"""
import numpy as np

from ..checks import check_positive_int, check_random_state

POSITIVE = ("good", "great", "fun", "moving", "brilliant", "loved")
NEGATIVE = ("bad", "dull", "awful", "boring", "weak", "hated")
NEUTRAL = ("the", "movie", "film", "plot", "actors", "story", "was", "and", "it", "this", "a", "very")
MAX_TOKENS = 10_000_000  # about 800,000 reviews: far more than the task needs, still a few seconds to make
VOCABULARY = ("<pad>", "not") + POSITIVE + NEGATIVE + NEUTRAL
_NOT = VOCABULARY.index("not")
_POLARITY = np.zeros(len(VOCABULARY), dtype=np.int64)
_POLARITY[[VOCABULARY.index(w) for w in POSITIVE]] = 1
_POLARITY[[VOCABULARY.index(w) for w in NEGATIVE]] = -1


def review_score(ids):
    """The sum of the review's sentiment, with each word right after "not" flipped. Its sign is the label."""
    ids = np.asarray(ids)
    polarity = _POLARITY[ids]
    negated = np.zeros(ids.shape, dtype=bool)
    negated[..., 1:] = ids[..., :-1] == _NOT
    return np.sum(np.where(negated, -polarity, polarity), axis=-1)


def make_reviews(n_samples=4000, min_length=6, max_length=12, negation_rate=0.35, random_state=0):
    """Generate ``n_samples`` reviews; returns ``(ids, labels, vocabulary)``.

    ``ids``: (n_samples, max_length) int64 token ids, padded at the front with 0; ``labels``: (n_samples,) in {0, 1};
    ``vocabulary``: the words, indexed by id (``len(vocabulary)`` is the one-hot width, 26).

    >>> ids, labels, vocab = make_reviews(3, random_state=1)
    >>> " ".join(vocab[i] for i in ids[0] if i)  # doctest: +SKIP

    Raises ValueError for sizes that cannot hold a review (three sentiment words, each possibly negated).
    """
    # As Python ints: NumPy's small integer types (np.uint8) would overflow in n_samples * max_length below.
    n_samples, min_length, max_length = (check_positive_int(value, name) for name, value in (
        ("n_samples", n_samples), ("min_length", min_length), ("max_length", max_length)))
    if n_samples * max_length > MAX_TOKENS:
        raise ValueError(f"n_samples x max_length = {n_samples * max_length:,} tokens is more than the built-in data "
                         f"set makes ({MAX_TOKENS:,}); it is meant to be small and quick")
    if min_length < 6 or max_length < min_length:
        raise ValueError(f"need 6 <= min_length <= max_length, got min_length={min_length}, max_length={max_length}")
    if isinstance(negation_rate, (bool, np.bool_)) or not isinstance(negation_rate, (int, float, np.number)):
        raise TypeError(f"negation_rate must be a number in [0, 1], got {negation_rate!r}")
    if not 0 <= negation_rate <= 1:
        raise ValueError(f"negation_rate must lie in [0, 1], got {negation_rate!r}")
    rng = check_random_state(random_state)
    sentiment_ids = np.flatnonzero(_POLARITY != 0)
    neutral_ids = np.array([VOCABULARY.index(w) for w in NEUTRAL])
    ids = np.zeros((n_samples, max_length), dtype=np.int64)
    for i in range(n_samples):
        length = int(rng.integers(min_length, max_length + 1))
        review = rng.choice(neutral_ids, size=length)
        # Sentiment words go to distinct odd-spaced slots, so a "not" in front of one never hits another.
        slots = rng.choice(np.arange(1, length, 2), size=rng.choice([1, 3]), replace=False)
        review[slots] = rng.choice(sentiment_ids, size=len(slots))
        negate = rng.random(length) < negation_rate
        for t in np.flatnonzero(negate[1:]) + 1:
            if _POLARITY[review[t - 1]] == 0:  # never overwrite a sentiment word with "not"
                review[t - 1] = _NOT
        ids[i, max_length - length:] = review
    labels = (review_score(ids) > 0).astype(np.int64)
    return ids, labels, list(VOCABULARY)
