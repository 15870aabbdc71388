"""Metrics: numbers to watch during training (no gradients).

    accuracy             one output column: mean of (output > 0.5) == y;  several columns: argmax(output) == y
    mse                  mean of (output - y)^2 over every element
    last_time_step_mse   the same on the last time step only, for sequence-to-sequence forecasts (B, T, n) whose
                         final step is the forecast that matters
    perplexity           exp of the mean cross-entropy per position, exp(mean of -log p[y]), for outputs that are
                         probabilities over classes (a softmax): a language model's score. A model that guesses
                         uniformly among V words has perplexity V; one that is always sure and right, 1.
    exact_match          the fraction of answers right in every position, for decoded ids (decoding.py), as
                         "Deep Learning from Scratch 2" scores its sequence-to-sequence models: an answer with one
                         wrong character counts as wrong. Not a training metric (it compares decoded ids, which
                         ``fit`` does not make), so it is called directly: ``exact_match(predicted_ids, answer_ids)``.

Each is the mean of one value per element (per position for the class columns of accuracy). Given ``sample_weight``
(one weight per sample ``(B,)`` or per position ``(B, T)``, as the losses take it; see ``Sequential.compile``'s
``weighted_metrics``), it is the weighted mean instead, ``sum(w * value) / sum(w)``, as Keras's metrics compute it
(unlike the losses, which divide by the number of elements).

Over many batches (an epoch's training logs, ``evaluate``), a metric is combined from its batches' values weighted by
how much each batch counted (its samples, or the sum of its weights or of its mask): ``combine`` below. For a mean
this is exactly the metric of the whole set. Perplexity is not a mean but the exp of one, so its batches are
combined as exp(weighted mean of log(value)): again exactly the whole set's perplexity, exp of the mean cross-entropy
over all its positions (not the mean of the batches' perplexities, which is larger).
"""
import numpy as np

from .checks import lookup


def _mean(values, sample_weight=None):
    """The mean of ``values``, or their mean weighted by ``sample_weight`` spread over the axes it does not have
    (0 when every weight is 0)."""
    if sample_weight is None:
        return float(np.mean(values))
    w = np.asarray(sample_weight, dtype=np.float64)
    w = np.broadcast_to(w.reshape(w.shape + (1,) * (values.ndim - w.ndim)), values.shape)
    total = float(np.sum(w))
    return float(np.sum(w * values) / total) if total > 0 else 0.0


def accuracy(y, output, sample_weight=None):
    if output.shape[-1] == 1:
        return _mean((output > 0.5) == (np.reshape(y, output.shape) > 0.5), sample_weight)
    classes = np.asarray(y)
    if classes.shape == output.shape:
        classes = np.argmax(classes, axis=-1)
    return _mean(np.argmax(output, axis=-1) == np.reshape(classes, output.shape[:-1]), sample_weight)


def mse(y, output, sample_weight=None):
    return _mean((output - np.reshape(y, output.shape)) ** 2, sample_weight)


def last_time_step_mse(y, output, sample_weight=None):
    if output.ndim != 3:
        raise ValueError(f"last_time_step_mse needs sequence outputs (batch, steps, n), got shape {output.shape}")
    y = np.reshape(y, output.shape)
    if sample_weight is not None and np.ndim(sample_weight) == 2:
        sample_weight = np.asarray(sample_weight)[:, -1]  # the weights of the last step
    return _mean((output[:, -1] - y[:, -1]) ** 2, sample_weight)


last_time_step_mse.needs_sequences = True  # the model refuses it for vector outputs before training


def perplexity(y, output, sample_weight=None):
    """exp(mean of -log p[y]) for probabilities ``output`` (..., C) and integer classes ``y`` (...) or one-hot rows
    (..., C). A probability that rounds to 0 counts as the smallest positive float, not as an infinite loss."""
    classes = np.asarray(y)
    if classes.shape == output.shape:
        classes = np.argmax(classes, axis=-1)
    classes = np.reshape(classes, output.shape[:-1]).astype(np.intp)
    p = np.take_along_axis(output, classes[..., None], axis=-1)[..., 0]
    p = np.maximum(p.astype(np.float64), np.finfo(np.float64).tiny)
    return float(np.exp(_mean(-np.log(p), sample_weight)))


perplexity.needs_classes = True  # outputs with one column (a sigmoid) have no class distribution
perplexity.combine = "geometric"  # combined over batches as exp(mean of log): see the module docstring


def exact_match(predicted_ids, answer_ids):
    """The fraction of rows of ``predicted_ids`` (N, T) equal to ``answer_ids`` (N, T) in every position (1-D: one id
    per sample). TypeError/ValueError naming the argument for ids that are not integers or shapes that differ."""
    predicted, answers = np.asarray(predicted_ids), np.asarray(answer_ids)
    for name, ids in (("predicted_ids", predicted), ("answer_ids", answers)):
        if ids.dtype.kind not in "iu" or ids.ndim not in (1, 2):
            raise TypeError(f"{name} must be integer ids, (samples, steps) or (samples,), got dtype {ids.dtype} and "
                            f"shape {ids.shape}")
    if predicted.shape != answers.shape or len(answers) == 0:
        raise ValueError(f"predicted_ids and answer_ids must have the same non-empty shape, got {predicted.shape} and "
                         f"{answers.shape} (decoders return the answer without its start symbol: compare with "
                         "answers[:, 1:])")
    right = predicted == answers
    if right.ndim == 2:
        right = right.all(axis=1)  # one wrong position makes the whole answer wrong
    return float(np.mean(right))


def combine(fn, values, weights):
    """One value for a whole set from a metric's batch ``values`` and the ``weights`` the batches count with:
    the weighted mean, or for a metric whose ``combine`` is "geometric", exp(weighted mean of log(value)); 0 when
    every weight is 0."""
    values, weights = np.asarray(values, dtype=np.float64), np.asarray(weights, dtype=np.float64)
    total = float(weights.sum())
    if total <= 0:
        return 0.0
    if getattr(fn, "combine", "mean") == "geometric":
        return float(np.exp(np.sum(weights * np.log(values)) / total))
    return float(np.sum(weights * values) / total)


METRICS = {"accuracy": accuracy, "acc": accuracy, "mse": mse, "mean_squared_error": mse,
           "last_time_step_mse": last_time_step_mse, "perplexity": perplexity}


def get_metric(name):
    """A metric function by name (or a callable ``f(y, output) -> float``, which takes ``sample_weight=`` too to be
    a weighted metric). Raises ValueError for unknown names."""
    return lookup(name, METRICS, "metric")
