"""What keeps a training run from going wrong silently: divergence, exploding or vanishing gradients, Ctrl-C.

- A loss, a layer's output or a gradient that is NaN or infinite stops training with ``TrainingDivergedError``, which
  names the epoch, the batch and the parameter. The checks run *before* the update, so the weights are those of the
  last good batch; if an update itself overflows a weight or an optimizer slot, the step is undone as a whole.
- A step is all or nothing: ``BatchGuard`` remembers, before the batch's forward pass, the weights, the optimizer's
  slots and step count, the model's generator (dropout draws from it) and the layers' carried states, and puts all of
  them back when the step is refused or interrupted. Half an update would leave a model that neither trains on nor
  saves: an infinite momentum buffer ruins every later step, and a file holding one cannot be loaded.
- Gradient norms outside ``(vanishing, exploding)`` thresholds are counted and reported once per epoch as a warning:
  tanh recurrent networks on long sequences do both, and seeing it happen is half of understanding it. Clipping by
  global norm (``clipnorm`` / ``global_clipnorm``) is the usual cure for the exploding kind.
- Ctrl-C during ``fit`` is caught between batches: the batch under way finishes, training stops, the weights of that
  last completed batch and the history so far are kept, and ``fit`` says so and returns normally. A second Ctrl-C
  before that raises ``KeyboardInterrupt`` at once (a long batch need not be waited for), and the step under way is
  undone.
"""
import signal
import threading
import warnings

import numpy as np

from .checks import all_finite


class TrainingDivergedError(ArithmeticError):
    """A NaN or infinite loss, gradient or weight during training."""


class GradientWarning(UserWarning):
    """Gradient norms above the exploding or below the vanishing threshold during an epoch."""


def first_non_finite(named_arrays):
    """The name of the first array holding NaN or inf, or None."""
    for name, array in named_arrays:
        if not all_finite(array):
            return name
    return None


def position(epoch, batch):
    return f"epoch {epoch + 1}, batch {batch + 1}"


def diverged(what):
    """The ``TrainingDivergedError`` for ``what`` went wrong, with the usual cures."""
    return TrainingDivergedError(f"{what} Try a smaller learning rate, or clipping by global norm.")


def largest_weight(named_arrays):
    """``"name (largest |value| v)"`` for the array of ``(name, array)`` pairs holding the largest magnitude: the
    weight to blame when an output overflows although every weight is finite."""
    with np.errstate(invalid="ignore"):
        name, array = max(named_arrays, key=lambda pair: float(np.max(np.abs(pair[1]), initial=0.0)))
    return f"{name} (largest |value| {float(np.max(np.abs(array), initial=0.0)):.3g})"


class BatchGuard:
    """Checks one training step, and undoes it as a whole when it is refused or interrupted.

    ``params`` is a list of ``(name, array)`` pairs; the arrays are updated in place by the optimizer. Made before
    the batch's forward pass, it also remembers the ``optimizer``'s slots and step count, the generator ``rng`` and
    the carried states of ``layers``, when given. ``before_update(loss, grads)`` refuses a non-finite loss or
    gradient; ``after_update()`` refuses non-finite weights or slots; ``restore()`` puts everything back. ``where``
    names the call in the messages (the training loop adds the epoch and batch itself).
    """

    def __init__(self, params, where=None, optimizer=None, rng=None, layers=()):
        self.where = where
        self.params = params
        self.saved = [p.copy() for _, p in params]
        self.optimizer = optimizer
        self.saved_optimizer = None if optimizer is None else optimizer.snapshot()
        self.rng = rng
        self.saved_rng = None if rng is None else rng.bit_generator.state
        # forward replaces a layer's carried arrays with new ones, so holding the old ones is enough
        self.layers = [layer for layer in layers if layer.stateful]
        self.saved_states = [layer.get_carried_states() for layer in self.layers]

    def restore(self):
        """Put back everything the guard remembers: the step never happened."""
        for (_, p), old in zip(self.params, self.saved):
            p[...] = old
        if self.optimizer is not None:
            self.optimizer.restore(self.saved_optimizer)
        if self.rng is not None:
            self.rng.bit_generator.state = self.saved_rng
        for layer, states in zip(self.layers, self.saved_states):
            if states:
                layer.set_carried_states(states)
            else:
                layer.reset_states()

    def _fail(self, what):
        self.restore()
        prefix = f"{self.where}: " if self.where else ""
        raise diverged(f"{prefix}{what}")

    def before_update(self, loss, grads):
        if not np.isfinite(loss):
            self._fail(f"the loss became {loss}; no update was made, the weights are those of the last good batch.")
        bad = first_non_finite(grads)
        if bad is not None:
            self._fail(f"the gradient of {bad} holds NaN or infinite values; no update was made.")

    def after_update(self):
        bad = first_non_finite(self.params)
        if bad is None and self.optimizer is not None:
            slots = self.optimizer.get_slots()
            bad = first_non_finite((f"the optimizer's slot {i}/{name}/{slot}", value)
                                   for (i, name, slot), value in slots.items())
        if bad is not None:
            also = "" if self.optimizer is None else ", with the optimizer's slots and step count"
            self._fail(f"the update made {bad} NaN or infinite; the weights from before it were restored{also}.")


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
    """A context in which a first Ctrl-C (SIGINT) sets ``requested`` instead of raising, so that the loop can stop
    between batches, and a second one raises ``KeyboardInterrupt`` at once: whoever presses twice does not want to
    wait for the batch. Outside the main thread, where Python allows no signal handler, Ctrl-C behaves as usual."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
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
