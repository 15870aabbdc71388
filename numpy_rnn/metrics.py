"""Metrics: numbers to watch during training (no gradients).

    accuracy             one output column: mean of (output > 0.5) == y;  several columns: argmax(output) == y
    mse                  mean of (output - y)^2 over every element
    last_time_step_mse   the same on the last time step only, for sequence-to-sequence forecasts (B, T, n) whose
                         final step is the forecast that matters

Each is the mean of one value per element (per position for the class columns of accuracy). Given ``sample_weight``
(one weight per sample ``(B,)`` or per position ``(B, T)``, as the losses take it; see ``Sequential.compile``'s
``weighted_metrics``), it is the weighted mean instead, ``sum(w * value) / sum(w)``, as Keras's metrics compute it
(unlike the losses, which divide by the number of elements).
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


METRICS = {"accuracy": accuracy, "acc": accuracy, "mse": mse, "mean_squared_error": mse,
           "last_time_step_mse": last_time_step_mse}


def get_metric(name):
    """A metric function by name (or a callable ``f(y, output) -> float``, which takes ``sample_weight=`` too to be
    a weighted metric). Raises ValueError for unknown names."""
    return lookup(name, METRICS, "metric")
