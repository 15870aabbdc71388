"""Metrics: numbers to watch during training (no gradients).

    accuracy             one output column: mean of (output > 0.5) == y;  several columns: argmax(output) == y
    mse                  mean of (output - y)^2 over every element
    last_time_step_mse   the same on the last time step only, for sequence-to-sequence forecasts (B, T, n) whose
                         final step is the forecast that matters
"""
import numpy as np

from .checks import lookup


def accuracy(y, output):
    if output.shape[-1] == 1:
        return float(np.mean((output > 0.5) == (np.reshape(y, output.shape) > 0.5)))
    classes = np.asarray(y)
    if classes.shape == output.shape:
        classes = np.argmax(classes, axis=-1)
    return float(np.mean(np.argmax(output, axis=-1) == classes))


def mse(y, output):
    return float(np.mean((output - np.reshape(y, output.shape)) ** 2))


def last_time_step_mse(y, output):
    if output.ndim != 3:
        raise ValueError(f"last_time_step_mse needs sequence outputs (batch, steps, n), got shape {output.shape}")
    y = np.reshape(y, output.shape)
    return float(np.mean((output[:, -1] - y[:, -1]) ** 2))


METRICS = {"accuracy": accuracy, "acc": accuracy, "mse": mse, "mean_squared_error": mse,
           "last_time_step_mse": last_time_step_mse}


def get_metric(name):
    """A metric function by name (or a callable ``f(y, output) -> float``). Raises ValueError for unknown names."""
    return lookup(name, METRICS, "metric")
