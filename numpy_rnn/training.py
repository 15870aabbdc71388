"""The training loop: one for every model (Sequential and the textbook's RecurrentNetwork).

    for epoch in epochs:
        for x_batch, y_batch in batches():              the model's minibatches (data/batches.py), one epoch's worth
            logs, grad_norm = step(x_batch, y_batch)    one update: forward, loss, backward, a guarded optimizer step
        logs = the means of the batches' logs, validation's val_... values, and what callbacks wrote at the
               epoch's start (learning_rate)
        history and callbacks see the epoch (callbacks.py)

A model gives the loop three functions: ``batches()``, which returns a fresh iterable of ``(x_batch, y_batch)`` for
each epoch (so the shuffling of each epoch is drawn when it starts); ``step(x_batch, y_batch)``, which makes one
update and returns the batch's logs (its loss and metrics, before the update) and the global norm of its gradients;
and ``validate()``, which returns the epoch's validation values, or None. Everything else is the loop's:

- progress: a bar or a line per epoch (progress.py);
- guards (guards.py): a step that finds a NaN or infinite output, loss, gradient or update raises
  ``TrainingDivergedError`` with the model as it was before the batch (a step is all or nothing), and the loop adds
  which epoch and batch it was; gradient norms beyond the warning thresholds are counted and reported once per epoch;
- Ctrl-C stops training after the batch under way; that epoch is not counted, and ``fit`` returns normally. A second
  Ctrl-C raises ``KeyboardInterrupt`` at once, and the step under way is undone;
- callbacks, the model's history first among them (callbacks.py says why), and ``model.stop_training``, checked
  after every batch and epoch.

The epoch's value of a metric is the mean over its batches, each weighted by its number of samples (as Keras reports
it), or each counted once (``mean_over="batches"``: the textbook's ``np.mean(batch_losses)``).
"""
import numpy as np

from .callbacks import Callback, ModelCheckpoint, check_save_path
from .data.batches import n_samples
from .guards import GradientMonitor, StopOnInterrupt, TrainingDivergedError, position
from .metrics import combine
from .progress import EpochProgress
from .threads import BlasThreads


class TrainingLoop:
    """``TrainingLoop(callbacks=None, checkpoint=None, gradient_warnings=(1e-8, 1e3), verbose=1)``, then ``run``.

    Making it checks the arguments, so that a model's ``fit`` can fail before it changes anything: ``callbacks``, a
    list of ``Callback``; ``checkpoint``, a path (in an existing folder) to save the model to after every epoch, or
    None; ``gradient_warnings``, (vanishing, exploding) global gradient-norm thresholds to warn about, or None;
    ``verbose``: 0 silent, 1 a progress bar, 2 a line per epoch. Raises TypeError/ValueError naming the argument.
    """

    def __init__(self, callbacks=None, checkpoint=None, gradient_warnings=(1e-8, 1e3), verbose=1):
        if callbacks is None:
            callbacks = []
        if not isinstance(callbacks, (list, tuple)) or not all(isinstance(c, Callback) for c in callbacks):
            raise TypeError(f"callbacks must be a list of Callback instances, got {callbacks!r}")
        self.callbacks = list(callbacks)
        if checkpoint is not None:  # saving after every epoch is a callback like any other, run after the user's
            self.callbacks.append(ModelCheckpoint(check_save_path(checkpoint, "checkpoint")))
        self.monitor = GradientMonitor(gradient_warnings)
        self.verbose = verbose

    def run(self, model, epochs, batches, step, n_batches, history, initial_epoch=0, validate=None,
            mean_over="samples"):
        """Train ``model`` for ``epochs`` epochs, numbered from ``initial_epoch`` (the epochs trained before).

        ``batches``, ``step`` and ``validate`` are the model's (see the module docstring); ``n_batches`` is how many
        batches an epoch has, for the progress bar; ``history`` is the callback that keeps the model's record of its
        epochs, run before the others. Returns the last completed epoch's logs.
        """
        callbacks = [history] + self.callbacks
        last = initial_epoch + epochs
        for callback in callbacks:
            callback.set_model(model)
            callback.set_params({"epochs": last, "steps": n_batches, "verbose": self.verbose})
        model.stop_training = False
        logs = {}
        with StopOnInterrupt() as interrupt, BlasThreads(model) as blas_threads:  # numpy_rnn's BLAS threads: threads.py
            _call(callbacks, "on_train_begin", logs)
            for epoch in range(initial_epoch, last):
                begin_logs = {}  # what callbacks write here (learning_rate) joins the epoch's logs
                _call(callbacks, "on_epoch_begin", epoch, begin_logs)
                progress = EpochProgress(epoch, last, n_batches, self.verbose)
                self.monitor.start_epoch()
                done = []  # (logs, number of samples) of each batch
                for batch, (x_batch, y_batch) in enumerate(batches()):
                    blas_threads.at_batch(n_samples(x_batch))  # a list of arrays for several inputs
                    _call(callbacks, "on_batch_begin", batch, {})
                    try:
                        batch_logs, grad_norm = step(x_batch, y_batch)
                    except TrainingDivergedError as error:
                        raise TrainingDivergedError(f"{position(epoch, batch)}: {error}") from None
                    self.monitor.record(grad_norm)
                    done.append((batch_logs, n_samples(x_batch)))
                    _call(callbacks, "on_batch_end", batch, batch_logs)
                    progress.update()
                    if interrupt.requested or model.stop_training:
                        break
                epoch_logs = epoch_means(done, mean_over, getattr(model, "log_functions", None))
                if interrupt.requested:
                    progress.finish(epoch_logs)
                    interrupt.report(epoch, batch, epoch)
                    break
                if validate is not None:
                    epoch_logs.update(validate())
                epoch_logs.update(begin_logs)
                progress.finish(epoch_logs)
                self.monitor.end_epoch(epoch)
                logs = epoch_logs
                _call(callbacks, "on_epoch_end", epoch, logs)
                if model.stop_training:
                    break
            _call(callbacks, "on_train_end", logs)
        return logs


def _call(callbacks, hook, *args):
    for callback in callbacks:
        getattr(callback, hook)(*args)


def epoch_means(batches, mean_over="samples", functions=None):
    """Each metric's value for the epoch, from its batches' ``(logs, number of samples)``: the mean over samples, or
    over batches with ``mean_over="batches"``; a metric among ``functions`` ({log name: metric function}) whose
    batches combine otherwise (perplexity) is combined its way (metrics.combine)."""
    functions = functions or {}
    weights = [1 if mean_over == "batches" else size for _, size in batches]
    return {name: combine(functions.get(name), [logs[name] for logs, _ in batches], weights)
            for name in batches[0][0]}
