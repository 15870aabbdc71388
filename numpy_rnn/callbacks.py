"""Callbacks: code of your own that the training loop (training.py) calls at fixed points, with Keras's names.

    on_train_begin(logs)            once, before the first epoch
        on_epoch_begin(epoch, logs)     logs: empty; what a callback writes into it joins the epoch's logs
            on_batch_begin(batch, logs)
            on_batch_end(batch, logs)       logs: the batch's own loss and metrics, before the update
        on_epoch_end(epoch, logs)       logs: the epoch's loss and metrics (their means), val_... ones, and what
                                        was written at on_epoch_begin (learning_rate)
    on_train_end(logs)              once, after the last epoch (also after Ctrl-C), with the last epoch's logs

Epochs count from 0 and continue across ``fit`` calls (after three epochs, the next ``fit`` starts at epoch 3);
batches count from 0 in each epoch. Before training, the loop gives every callback the model (``set_model``, then
``self.model``) and the run's settings (``set_params``, then ``self.params``: epochs, steps, verbose).

Setting ``model.stop_training = True`` in any hook stops training: the loop checks it after every batch and after
every epoch. An epoch stopped part way still ends as one (validation, ``on_epoch_end``, history), as in Keras.

The callbacks here, with Keras's arguments and defaults:

- ``History``: every epoch's logs; each model keeps one that continues across ``fit`` calls and is saved with it.
- ``ModelCheckpoint(filepath, monitor="val_loss", verbose=0, save_best_only=False, mode="auto")``: ``model.save``
  after every epoch, or only when ``monitor`` improved; ``filepath`` may hold ``{epoch:02d}``, ``{val_loss:.2f}``...
- ``EarlyStopping(monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
  restore_best_weights=False, start_from_epoch=0)``: stops when ``monitor`` stops improving.
- ``LearningRateScheduler(schedule, verbose=0)``: at each epoch's start, the rate becomes ``schedule(epoch, lr)``.
- ``ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
  cooldown=0, min_lr=0.0)``: multiplies the rate by ``factor`` when ``monitor`` stops improving.
- ``CSVLogger(filename, separator=",", append=False)``: one row per epoch in a CSV file.
- ``LambdaCallback(on_epoch_begin=None, ...)``: hooks given as functions.
- ``ResetStates()``: the stateful layers' states reset at each epoch's start (not in Keras, which leaves it to you).

Monitored values. ``monitor`` names a key of the epoch's logs ("loss", "val_loss", "val_accuracy", ...). ``mode``
says which way is better: "min", "max", or "auto", which picks "max" for names containing "acc" and "min" for the
rest. A value improves on the best so far when it is better by more than ``min_delta``. A monitored key missing from
the logs gives a warning that lists the keys there are, and the epoch is not judged.

The learning rate is the optimizer's ``learning_rate`` (for the textbook's RecurrentNetwork, its ``lr``). The rate
callbacks change it in place, so ``model.save`` keeps the rate training has reached and a loaded model continues with
it. Each of them writes the rate the epoch trains with into the logs at ``on_epoch_begin``, so ``learning_rate`` is
in that epoch's logs, its history and its CSV row (Keras writes it at ``on_epoch_end``, before changing the rate: the
same value).

Order. The loop calls, at every hook: the model's History first, then your callbacks in the order given, then the
checkpoint of ``fit(checkpoint=...)``. (Keras calls its History last.) History comes first so that a callback which
saves the model saves the epoch in its history: a file saved at the end of epoch N holds N + 1 epochs. History still
records what Keras's does, because the only key a callback here adds to the logs, ``learning_rate``, is written at
``on_epoch_begin``, before any ``on_epoch_end`` runs. (A key your own callback adds to the logs at ``on_epoch_end``
reaches the callbacks after it, but not the history, which has the epoch already.) Your callbacks keep the order you
give, as in Keras: a ``ModelCheckpoint`` placed after ``ReduceLROnPlateau`` saves the rate it has just reduced, one
placed before it saves the rate before that; ``EarlyStopping(restore_best_weights=True)`` puts the best weights back in
its ``on_train_end``, so callbacks after it see them there. The checkpoint of ``fit(checkpoint=...)``, last, saves each
epoch after every change your callbacks made.
"""
import csv
import inspect
import math
import numbers
import os
import string
import warnings


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
    that a resumed model's curves continue too. Every list has one value per epoch: an epoch that did not log a
    metric (a first ``fit`` without validation data, then one with it) has NaN for it, which plots leave out."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        for name, values in self.history.items():
            if name not in logs:
                values.append(math.nan)
        for name, value in logs.items():
            self.history.setdefault(name, [math.nan] * len(self.epoch)).append(value)
        self.epoch.append(epoch)

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


# -- argument checks: each names the argument, so that a bad one fails at construction ------------------------------
def check_save_path(path, name):
    """``path`` as a string when its folder exists and this process may create files in it; TypeError/ValueError
    naming the argument ``name`` otherwise, so that a save that could not succeed is refused before training."""
    try:
        path = os.fspath(path)
    except TypeError:
        raise TypeError(f"{name} must be a file path, got {path!r}") from None
    if not isinstance(path, str):
        raise TypeError(f"{name} must be a file path as text, got {path!r}")
    folder = os.path.dirname(os.path.realpath(path))  # a symbolic link is saved through, into its target's folder
    if not os.path.isdir(folder):
        raise ValueError(f"{name} must be a path in an existing folder, got {path!r}")
    if not os.access(folder, os.W_OK | os.X_OK):  # the save writes a temporary file there, then renames it
        raise ValueError(f"{name}: cannot write to the folder {folder!r} (no permission), got {path!r}")
    return path


def _check_count(value, name):
    """A non-negative int (patience, cooldown, start_from_epoch, verbose)."""
    if isinstance(value, float) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a non-negative integer, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def _check_number(value, name):
    """A finite real number, as a float (bools refused: True is no threshold)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _check_flag(value, name):
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def _check_monitor(monitor, mode):
    """``(monitor, "min" or "max")``: "auto" is "max" for accuracies, "min" for everything else (losses, errors)."""
    if not isinstance(monitor, str) or not monitor:
        raise TypeError(f"monitor must be the name of a logged value such as 'val_loss', got {monitor!r}")
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        mode = "max" if "acc" in monitor else "min"
    return monitor, mode


def improved(current, best, mode, min_delta):
    """Whether ``current`` is better than ``best`` by more than ``min_delta`` (any ``current`` beats None)."""
    if best is None:
        return True
    if mode == "min":
        return current < best - min_delta
    return current > best + min_delta


def monitored_value(logs, monitor, who):
    """``logs[monitor]``, or None with a warning naming the keys there are."""
    logs = logs or {}
    if monitor not in logs:
        warnings.warn(f"{who} monitors {monitor!r}, which is not in the epoch's logs; the logs have: "
                      f"{', '.join(logs) or 'nothing'}", stacklevel=3)
        return None
    return logs[monitor]


# -- the learning rate --------------------------------------------------------------------------------------------
def _rate_holder(model):
    """``(object, attribute)`` holding the model's learning rate: its optimizer's ``learning_rate``, or the
    textbook RecurrentNetwork's own ``lr`` (it has no optimizer object: its SGD step reads ``self.lr``)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        return optimizer, "learning_rate"
    if isinstance(getattr(model, "lr", None), float):
        return model, "lr"
    raise ValueError(f"{type(model).__name__} has no learning rate to change: compile it with an optimizer first")


def get_learning_rate(model):
    """The learning rate ``model`` trains with now."""
    holder, attribute = _rate_holder(model)
    return float(getattr(holder, attribute))


def set_learning_rate(model, value, what):
    """Make ``value`` the model's learning rate, once it is known to be a positive finite number; TypeError or
    ValueError naming ``what`` (and nothing changed) otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{what} must be a positive finite number, got {value!r}")
    holder, attribute = _rate_holder(model)
    setattr(holder, attribute, float(value))
    return float(value)


# -- the callbacks --------------------------------------------------------------------------------------------------
class ModelCheckpoint(Callback):
    """``ModelCheckpoint(filepath, monitor="val_loss", verbose=0, save_best_only=False, mode="auto")``:
    ``model.save(filepath)`` after every epoch (Keras's default), so a run that stops for any reason can be continued
    from its last completed epoch with ``load``.

    ``save_best_only=True`` saves only the epochs whose ``monitor`` value improves on the best one saved so far (by
    this callback, across ``fit`` calls, as Keras's does); an epoch whose logs lack it is saved, with a warning.
    ``filepath`` may name the epoch (counted from 1) and logged values in Python's format syntax, as Keras's does:
    ``"model-{epoch:02d}-{val_loss:.3f}.npz"``. ``verbose=1`` prints what it does.

    Raises ValueError (TypeError) when ``filepath`` is not a path in an existing folder or its braces do not parse,
    and for the other arguments as ``EarlyStopping`` does. Saving raises KeyError when ``filepath`` names a value
    that the epoch's logs do not hold.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, mode="auto"):
        super().__init__()
        filepath = check_save_path(filepath, "filepath")
        try:
            list(string.Formatter().parse(filepath))
        except ValueError as error:
            raise ValueError(f"filepath {filepath!r} is not a valid format string: {error}") from None
        self.monitor, self.mode = _check_monitor(monitor, mode)
        self.verbose = _check_count(verbose, "verbose")
        self.save_best_only = _check_flag(save_best_only, "save_best_only")
        self.filepath = filepath
        self.best = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self._path(epoch, logs)
        if self.save_best_only:
            current = monitored_value(logs, self.monitor, "ModelCheckpoint(save_best_only=True)")
            if current is not None and not improved(current, self.best, self.mode, 0.0):
                if self.verbose:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if current is not None:
                if self.verbose:
                    print(f"Epoch {epoch + 1}: {self.monitor} improved to {current:.5f}, saving the model to {path}")
                self.best = current
        elif self.verbose:
            print(f"Epoch {epoch + 1}: saving the model to {path}")
        self.model.save(path)

    def _path(self, epoch, logs):
        try:
            return self.filepath.format(**{**logs, "epoch": epoch + 1})
        except KeyError as error:
            raise KeyError(f"filepath {self.filepath!r} names {error}, which is not in the epoch's logs: "
                           f"{', '.join(['epoch', *logs])}") from None


class EarlyStopping(Callback):
    """``EarlyStopping(monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
    restore_best_weights=False, start_from_epoch=0)``: stop training when ``monitor`` has stopped improving.

    At the end of each epoch from ``start_from_epoch`` on (epochs before it are a warm-up, not judged), with ``wait``
    the number of judged epochs since the last improvement, as in Keras 3:

        wait += 1
        if current improves on best by more than |min_delta|:
            best = current (and its weights kept, with restore_best_weights)
            wait = 0, unless a baseline is given and current does not improve on it either
        elif wait >= patience (and this is not epoch 0):
            stop training

    So ``patience=0`` stops at the first epoch that does not improve, ``patience=2`` at the third in a row. The first
    judged epoch always improves (there is no best yet). With ``baseline``, improving on the best only resets the
    count when it also improves on the baseline: a run that never reaches the baseline stops at its first epoch
    without improvement after ``patience`` epochs.

    ``restore_best_weights=True``: at the end of training (stopped early or not, as Keras 3 does) the weights of the
    best epoch are written back into the model's arrays, in place, so the optimizer's references to them stay valid.
    Only the weights: the optimizer's state stays where training left it, as in Keras.

    Raises TypeError/ValueError naming the argument: ``mode`` not "auto", "min" or "max", a negative ``patience``
    or ``start_from_epoch``, a ``min_delta`` or ``baseline`` that is not a finite number, a ``monitor`` that is not
    a name. (Keras warns about an unknown mode and uses "auto".)
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor, self.mode = _check_monitor(monitor, mode)
        self.min_delta = abs(_check_number(min_delta, "min_delta"))
        self.patience = _check_count(patience, "patience")
        self.verbose = _check_count(verbose, "verbose")
        self.baseline = None if baseline is None else _check_number(baseline, "baseline")
        self.restore_best_weights = _check_flag(restore_best_weights, "restore_best_weights")
        self.start_from_epoch = _check_count(start_from_epoch, "start_from_epoch")
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        # Each fit starts afresh, as in Keras, so one instance can serve several fits.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        current = monitored_value(logs, self.monitor, "EarlyStopping")
        if current is None or epoch < self.start_from_epoch:
            return
        self.wait += 1
        if improved(current, self.best, self.mode, self.min_delta):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = copy_weights(self.model)
            if self.baseline is None or improved(current, self.baseline, self.mode, self.min_delta):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            put_weights(self.model, self.best_weights)


def _model_layers(model):
    # Both models list their layers for persistence.py (the textbook's RecurrentNetwork has no ``layers``).
    return model._file_layers()[0]


def copy_weights(model):
    """A copy of every layer's weights: one ``{name: array}`` per layer."""
    return [{name: value.copy() for name, value in layer.params.items()} for layer in _model_layers(model)]


def put_weights(model, weights):
    """Write ``copy_weights``'s arrays back into the layers' own arrays (which the optimizer also holds)."""
    for layer, saved in zip(_model_layers(model), weights):
        for name, value in saved.items():
            layer.params[name][...] = value


class LearningRateScheduler(Callback):
    """``LearningRateScheduler(schedule, verbose=0)``: at the start of every epoch, the learning rate becomes
    ``schedule(epoch, lr)``, with ``epoch`` counted from 0 (across ``fit`` calls) and ``lr`` the current rate. As in
    Keras, a schedule that takes one argument is called as ``schedule(epoch)``. Example: halve the rate every ten
    epochs with ``LearningRateScheduler(lambda epoch, lr: lr / 2 if epoch and epoch % 10 == 0 else lr)``.

    Raises TypeError when ``schedule`` is not a function of (epoch, lr) or of (epoch); training raises
    TypeError/ValueError, before the rate is changed, when it returns anything but a positive finite number.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"schedule must be a function schedule(epoch, lr) -> new lr, got {schedule!r}")
        self.takes_rate = _accepts(schedule, 2)
        if not self.takes_rate and not _accepts(schedule, 1):
            raise TypeError(f"schedule must take (epoch, lr) or (epoch), got {schedule!r}")
        self.schedule = schedule
        self.verbose = _check_count(verbose, "verbose")

    def on_train_begin(self, logs=None):
        get_learning_rate(self.model)  # a model without a rate fails here, before the first epoch

    def on_epoch_begin(self, epoch, logs=None):
        lr = get_learning_rate(self.model)
        new = self.schedule(epoch, lr) if self.takes_rate else self.schedule(epoch)
        new = set_learning_rate(self.model, new, f"the learning rate schedule returned for epoch {epoch}, which")
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {new}.")
        if logs is not None:
            logs["learning_rate"] = new


def _accepts(function, n):
    """Whether ``function`` can be called with ``n`` positional arguments (True when Python cannot tell)."""
    try:
        inspect.signature(function).bind(*range(n))
    except TypeError:
        return False
    except ValueError:  # some built-in functions have no signature to read
        return True
    return True


class ReduceLROnPlateau(Callback):
    """``ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
    cooldown=0, min_lr=0.0)``: multiply the learning rate by ``factor`` when ``monitor`` has stopped improving.

    At the end of each epoch, as in Keras:

        if in cooldown (cooldown_left > 0): cooldown_left -= 1, wait = 0
        if current improves on best by more than min_delta: best = current, wait = 0
        elif not in cooldown:
            wait += 1
            if wait >= patience and lr > min_lr:
                lr = max(lr * factor, min_lr), cooldown_left = cooldown, wait = 0

    So with ``patience=2`` the rate falls after the second epoch in a row without improvement, and after a reduction
    ``cooldown`` epochs pass before epochs count towards the next one. ``best``, ``wait`` and the cooldown start over
    at each ``fit``; the reduced rate stays in the optimizer, and ``model.save`` keeps it.

    Raises TypeError/ValueError naming the argument: ``factor`` not in (0, 1), a negative ``patience``,
    ``cooldown`` or ``min_lr``, ``mode`` not "auto", "min" or "max". (Keras refuses only factor >= 1.)
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0):
        super().__init__()
        self.monitor, self.mode = _check_monitor(monitor, mode)
        factor = _check_number(factor, "factor")
        if not 0 < factor < 1:
            raise ValueError(f"factor must lie between 0 and 1 (new_lr = lr * factor), got {factor!r}")
        self.factor = factor
        self.patience = _check_count(patience, "patience")
        self.verbose = _check_count(verbose, "verbose")
        self.min_delta = _check_number(min_delta, "min_delta")
        self.cooldown = _check_count(cooldown, "cooldown")
        min_lr = _check_number(min_lr, "min_lr")
        if min_lr < 0:
            raise ValueError(f"min_lr must be a non-negative number, got {min_lr!r}")
        self.min_lr = min_lr
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.best = None
        self.wait = 0
        self.cooldown_counter = 0
        if self.model is not None:
            get_learning_rate(self.model)  # a model without a rate fails here, before the first epoch

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_begin(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = get_learning_rate(self.model)

    def on_epoch_end(self, epoch, logs=None):
        current = monitored_value(logs, self.monitor, "ReduceLROnPlateau")
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if improved(current, self.best, self.mode, self.min_delta):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            lr = get_learning_rate(self.model)
            if self.wait >= self.patience and lr > self.min_lr:
                new = set_learning_rate(self.model, max(lr * self.factor, self.min_lr), "the reduced learning rate")
                if self.verbose:
                    print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                self.cooldown_counter = self.cooldown
                self.wait = 0


class CSVLogger(Callback):
    """``CSVLogger(filename, separator=",", append=False)``: write each epoch's logs as one row of a CSV file, under
    a header ``epoch,<the first epoch's keys, sorted>``; ``epoch`` counts from 0, as in Keras, and a key an epoch
    lacks is written as ``NA``. ``append=False`` starts the file afresh at each ``fit``; ``append=True`` adds to it
    (the header only when the file is new or empty), to continue a resumed run's log. The file is opened and closed
    for each row, so it is complete after every epoch, also if training stops with an error.

    Raises TypeError/ValueError: ``filename`` not a path in an existing folder, ``separator`` not one character,
    ``append`` not True or False.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = check_save_path(filename, "filename")
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"separator must be a single character, got {separator!r}")
        self.sep = separator
        self.append = _check_flag(append, "append")
        self.keys = None

    def on_train_begin(self, logs=None):
        self.keys = None
        if self.append:
            self.write_header = not os.path.isfile(self.filename) or os.path.getsize(self.filename) == 0
        else:
            open(self.filename, "w").close()
            self.write_header = True

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        with open(self.filename, "a", newline="") as f:
            writer = csv.writer(f, delimiter=self.sep)
            if self.write_header:
                writer.writerow(["epoch", *self.keys])
                self.write_header = False
            writer.writerow([epoch, *(logs.get(key, "NA") for key in self.keys)])


class LambdaCallback(Callback):
    """``LambdaCallback(on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None, on_batch_end=None,
    on_train_begin=None, on_train_end=None)``: a callback made of functions, called as the hooks are:
    ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)``, ``on_batch_begin(batch, logs)``,
    ``on_batch_end(batch, logs)``, ``on_train_begin(logs)``, ``on_train_end(logs)``. Keras 3's names for the batch
    hooks, ``on_train_batch_begin=None`` and ``on_train_batch_end=None``, are accepted too.

    Raises TypeError for a hook that is not callable, ValueError for a batch hook given under both names.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None, on_batch_end=None,
                 on_train_begin=None, on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None):
        super().__init__()
        if on_train_batch_begin is not None:
            if on_batch_begin is not None:
                raise ValueError("give on_batch_begin or on_train_batch_begin, not both")
            on_batch_begin = on_train_batch_begin
        if on_train_batch_end is not None:
            if on_batch_end is not None:
                raise ValueError("give on_batch_end or on_train_batch_end, not both")
            on_batch_end = on_train_batch_end
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end, "on_batch_begin": on_batch_begin,
                 "on_batch_end": on_batch_end, "on_train_begin": on_train_begin, "on_train_end": on_train_end}
        for name, hook in hooks.items():
            if hook is not None and not callable(hook):
                raise TypeError(f"{name} must be a function or None, got {hook!r}")
        for name, hook in hooks.items():
            if hook is not None:
                setattr(self, name, hook)  # the instance's function replaces the class's do-nothing hook


class ResetStates(Callback):
    """``ResetStates()``: ``model.reset_states()`` at the start of every epoch, so that stateful layers read each
    epoch's streams from their beginning with zero states (a language model trained on ``data.lm_windows``'s
    batches, as Zaremba et al. train theirs). Keras has no such callback; its users write this one as a
    ``LambdaCallback``."""

    def on_epoch_begin(self, epoch, logs=None):
        self.model.reset_states()
