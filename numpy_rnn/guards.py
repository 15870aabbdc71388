"""What keeps a training run from going wrong silently: divergence, exploding or vanishing gradients, Ctrl-C.

- A loss or a gradient that is NaN or infinite stops training with ``TrainingDivergedError``, which names the epoch,
  the batch and the parameter. The check runs *before* the update, so the weights are those of the last good batch;
  if an update itself overflows a weight, the weights from before it are put back.
- Gradient norms outside ``(vanishing, exploding)`` thresholds are counted and reported once per epoch as a warning:
  tanh recurrent networks on long sequences do both, and seeing it happen is half of understanding it. Clipping by
  global norm (``clipnorm`` / ``global_clipnorm``) is the usual cure for the exploding kind.
- Ctrl-C during ``fit`` is caught between batches: the batch under way finishes, training stops, the weights of that
  last completed batch and the history so far are kept, and ``fit`` says so and returns normally.
"""
import signal
import threading
import warnings

import numpy as np


class TrainingDivergedError(ArithmeticError):
    """A NaN or infinite loss, gradient or weight during training."""


class GradientWarning(UserWarning):
    """Gradient norms above the exploding or below the vanishing threshold during an epoch."""


def first_non_finite(named_arrays):
    """The name of the first array holding NaN or inf, or None."""
    for name, array in named_arrays:
        if not np.all(np.isfinite(array)):
            return name
    return None


def position(epoch, batch):
    return f"epoch {epoch + 1}, batch {batch + 1}"


class BatchGuard:
    """Checks one training step: ``before_update`` (loss and gradients) and ``after_update`` (weights).

    ``params`` is a list of ``(name, array)`` pairs; the arrays are updated in place by the optimizer. ``where``
    says which batch it is, for the messages.
    """

    def __init__(self, params, where=None):
        self.where = where
        self.params = params
        self.saved = [p.copy() for _, p in params]

    def _fail(self, what):
        prefix = f"{self.where}: " if self.where else ""
        raise TrainingDivergedError(f"{prefix}{what} Try a smaller learning rate, or clipping by global norm.")

    def before_update(self, loss, grads):
        if not np.isfinite(loss):
            self._fail(f"the loss became {loss}; no update was made, the weights are those of the last good batch.")
        bad = first_non_finite(grads)
        if bad is not None:
            self._fail(f"the gradient of {bad} holds NaN or infinite values; no update was made.")

    def after_update(self):
        bad = first_non_finite(self.params)
        if bad is not None:
            for (_, p), old in zip(self.params, self.saved):
                p[...] = old
            self._fail(f"the update made {bad} NaN or infinite; the weights from before it were restored.")


class GradientMonitor:
    """Counts batches whose global gradient norm is below ``vanishing`` or above ``exploding``; warns per epoch."""

    def __init__(self, thresholds):
        self.vanishing, self.exploding = 0.0, np.inf
        if thresholds is not None:
            try:
                self.vanishing, self.exploding = (float(t) for t in thresholds)
            except (TypeError, ValueError):
                raise TypeError(f"gradient_warnings must be None or a pair of numbers (vanishing, exploding), got "
                                f"{thresholds!r}") from None
            if not 0 <= self.vanishing < self.exploding:
                raise ValueError(f"gradient_warnings must be (vanishing, exploding) with 0 <= vanishing < exploding, "
                                 f"got {thresholds!r}")
        self.start_epoch()

    def start_epoch(self):
        self.low = self.high = self.batches = 0

    def record(self, norm):
        self.batches += 1
        self.low += norm < self.vanishing
        self.high += norm > self.exploding

    def end_epoch(self, epoch):
        if self.high:
            warnings.warn(f"epoch {epoch + 1}: {self.high} of {self.batches} batches had a gradient norm above "
                          f"{self.exploding:g} (exploding gradients); clipping by global norm keeps them in check",
                          GradientWarning, stacklevel=4)
        if self.low:
            warnings.warn(f"epoch {epoch + 1}: {self.low} of {self.batches} batches had a gradient norm below "
                          f"{self.vanishing:g} (vanishing gradients): the early steps of long sequences barely learn",
                          GradientWarning, stacklevel=4)


class StopOnInterrupt:
    """A context in which Ctrl-C (SIGINT) sets ``requested`` instead of raising, so that the loop can stop between
    batches. Outside the main thread, where Python allows no signal handler, Ctrl-C behaves as usual."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handler(self, signum, frame):
        self.requested = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def report(self, epoch, batch, completed_epochs):
        print(f"Interrupted in {position(epoch, batch)}: training stopped; the weights are those after that batch "
              f"and the history holds the {completed_epochs} completed epoch(s).")

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False
