"""Minibatches: the order of the samples in an epoch, and the batches cut from it.

An epoch visits every sample once. With shuffling, the order is a fresh permutation drawn from the model's own
``np.random.Generator`` (one draw per epoch), so the same ``random_state`` gives the same batches, and a model that
was saved and loaded with its generator continues the same sequence of permutations. Only the indices are
shuffled: each batch is gathered on its own, so the data set is never copied whole. The last batch may be smaller.
Sample weights, when there are any, are gathered with the same indices as the samples they weigh.
"""
import numpy as np


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
    ``(x_batch, y_batch, weight_batch)``: each sample keeps its own weight, whatever the order."""
    for idx in batch_indices(len(x), batch_size, shuffle, rng):
        if sample_weight is None:
            yield x[idx], y[idx]
        else:
            yield x[idx], y[idx], sample_weight[idx]


def chunks(n_samples, size):
    """Slices of ``size`` consecutive samples covering ``n_samples`` in order, for predicting in pieces."""
    return [slice(start, start + size) for start in range(0, n_samples, size)]
