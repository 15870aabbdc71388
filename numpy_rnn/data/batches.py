"""Minibatches: the order of the samples in an epoch, and the batches cut from it.

An epoch visits every sample once. With shuffling, the order is a fresh permutation drawn from the model's own
``np.random.Generator`` (one draw per epoch), so the same ``random_state`` gives the same batches, and a model that
was saved and loaded with its generator continues the same sequence of permutations. Only the indices are
shuffled: each batch is gathered on its own, so the data set is never copied whole. The last batch may be smaller.
Sample weights, when there are any, are gathered with the same indices as the samples they weigh.

A model with several inputs (an encoder's and a decoder's) takes ``x`` as a list of arrays, one per input, all with
the same number of samples on their first axis: sample i is row i of every one of them, so each batch takes the same
indices from each (``take``), and the shuffling, one permutation per epoch, keeps the rows of one sample together.
"""
import numpy as np


def n_samples(x):
    """The number of samples in ``x``: its length, or the first array's for a list of arrays (several inputs)."""
    return len(x[0]) if isinstance(x, (list, tuple)) else len(x)


def take(x, index):
    """The samples ``index`` (an index array or a slice) of ``x``, an array or a list of arrays (one per input)."""
    return [part[index] for part in x] if isinstance(x, (list, tuple)) else x[index]


def count_batches(n_samples, batch_size):
    """How many batches of at most ``batch_size`` the ``n_samples`` samples make (the last one may be smaller)."""
    return -(-n_samples // batch_size)


def batch_indices(n_samples, batch_size, shuffle, rng=None):
    """Yield the index array of each batch of one epoch: a permutation drawn from ``rng`` when ``shuffle``, else
    the samples in order (what a stateful model needs: batch k + 1 continues the streams of batch k)."""
    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    for start in range(0, n_samples, batch_size):
        yield order[start:start + batch_size]


def minibatches(x, y, batch_size, shuffle=True, rng=None, sample_weight=None):
    """Yield ``(x_batch, y_batch)`` for one epoch; see ``batch_indices``. With ``sample_weight`` (one row per sample),
    ``(x_batch, y_batch, weight_batch)``: each sample keeps its own weight, whatever the order. ``x`` may be a list
    of arrays (several inputs): each batch is then the list of their rows ``idx``."""
    for idx in batch_indices(n_samples(x), batch_size, shuffle, rng):
        if sample_weight is None:
            yield take(x, idx), y[idx]
        else:
            yield take(x, idx), y[idx], sample_weight[idx]


def chunks(n_samples, size):
    """Slices of ``size`` consecutive samples covering ``n_samples`` in order, for predicting in pieces."""
    return [slice(start, start + size) for start in range(0, n_samples, size)]
