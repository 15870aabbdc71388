"""Callbacks: code of your own that the training loop (training.py) calls at fixed points, with Keras's names.

    on_train_begin(logs)            once, before the first epoch
        on_epoch_begin(epoch, logs)
            on_batch_begin(batch, logs)
            on_batch_end(batch, logs)       logs: the batch's own loss and metrics, before the update
        on_epoch_end(epoch, logs)       logs: the epoch's loss and metrics (their means), and val_... ones
    on_train_end(logs)              once, after the last epoch (also after Ctrl-C), with the last epoch's logs

Epochs count from 0 and continue across ``fit`` calls (after three epochs, the next ``fit`` starts at epoch 3);
batches count from 0 in each epoch. Before training, the loop gives every callback the model (``set_model``, then
``self.model``) and the run's settings (``set_params``, then ``self.params``: epochs, steps, verbose).

Setting ``model.stop_training = True`` in any hook stops training: the loop checks it after every batch and after
every epoch. An epoch stopped part way still ends as one (validation, ``on_epoch_end``, history), as in Keras.

``History`` records every epoch's logs; each model keeps one that continues across ``fit`` calls and is saved with
the model. ``ModelCheckpoint(filepath)`` saves the model after every epoch (``fit(..., checkpoint=path)`` adds one).
Both run in this order around yours: the model's History first, so that a callback which saves the model saves the
epoch in its history, then your callbacks in the order given, then the checkpoint of ``fit(checkpoint=...)``.
"""
import os


class Callback:
    """Base class: every hook does nothing; override the ones you need. ``logs`` is a dict of floats."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass


class History(Callback):
    """What ``fit`` returns: ``history`` maps each metric (``loss``, ``val_loss``, ...) to its per-epoch values, and
    ``epoch`` lists the epochs' numbers. Unlike Keras's, it continues across ``fit`` calls (and after loading), so
    that a resumed model's curves continue too."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(value)

    def get_config(self):
        """The record as plain JSON values, for a model file."""
        return {"epoch": list(self.epoch), "history": {name: list(values) for name, values in self.history.items()}}

    @classmethod
    def from_config(cls, config):
        """The History ``get_config`` described. Raises TypeError/ValueError/KeyError for anything but a list of
        epoch numbers and, per metric, one number per epoch."""
        history = cls()
        history.epoch = [_whole_number(e) for e in config["epoch"]]
        for name, values in config["history"].items():
            if len(values) != len(history.epoch):
                raise ValueError(f"the history of {name!r} has {len(values)} values for {len(history.epoch)} epochs")
            history.history[str(name)] = [float(v) for v in values]
        return history


def _whole_number(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"an epoch number must be a non-negative integer, got {value!r}")
    return value


def check_save_path(path, name):
    """``path`` as a string when its folder exists; ValueError naming the argument ``name`` otherwise."""
    try:
        path = os.fspath(path)
    except TypeError:
        raise TypeError(f"{name} must be a file path, got {path!r}") from None
    if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        raise ValueError(f"{name} must be a path in an existing folder, got {path!r}")
    return path


class ModelCheckpoint(Callback):
    """``ModelCheckpoint(filepath)``: ``model.save(filepath)`` after every epoch (Keras's default behaviour), so a run
    that stops for any reason can be continued from its last completed epoch with ``load``.

    Raises ValueError (TypeError) when ``filepath`` is not a path in an existing folder.
    """

    def __init__(self, filepath):
        super().__init__()
        self.filepath = check_save_path(filepath, "filepath")

    def on_epoch_end(self, epoch, logs=None):
        self.model.save(self.filepath)
