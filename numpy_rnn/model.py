"""Sequential: a stack of layers trained as one, with a Keras-like API.

One training step on a batch is the whole data flow of the library:

    out = layer_n(... layer_2(layer_1(x)))           forward, each layer caching what its backward needs
    loss, dout = loss(y, out)                        losses.py: the value and its gradient together
    d = dout; for each layer from the last: d = layer.backward(d)     fills every layer's grads
    optimizer.step([(layer.params, layer.grads) for each layer])      optimizers.py: updates in place

When the last layer is ``Dense(activation="sigmoid")`` with ``binary_crossentropy``, or ``Dense(activation="softmax")``
with a categorical cross-entropy, the activation and the loss are computed together from the logit, which is exact
and cannot overflow (see losses.py); the model still outputs probabilities.

Weights (``fit``'s ``sample_weight`` and ``class_weight``, one per sample or per time step) travel with their samples
through the minibatches and enter the loss in ``_loss``, the one place where the model computes its loss; a padding
mask joins them there as one more factor (losses.py, ``mask_weights``).

``fit`` hands training.py's loop the model's minibatches (data/batches.py) and its one-batch step; the loop runs the
epochs, the callbacks (callbacks.py) and the guards (guards.py): a NaN or infinite output, loss, gradient or update
stops training with ``TrainingDivergedError`` and the step undone as a whole (weights, optimizer slots and step count,
generator, carried states), gradient norms beyond ``gradient_warnings`` are reported, and Ctrl-C stops it cleanly after
the current batch (a second Ctrl-C at once). Every call checks all its arguments before it builds or changes anything,
so a refused call leaves the model as it was. ``save`` / ``Sequential.load`` keep everything needed to continue
training exactly (persistence.py writes and reads the file), and ``model.history`` continues across ``fit`` calls, so
a resumed model's curves continue too.

Stateful training: when a recurrent layer is ``stateful``, ``fit`` feeds the batches in order, never shuffled: sample i
of one batch must continue sample i of the batch before, so the carried state belongs to the same stream. Each batch is
then a window of truncated BPTT, and gradients stop at its start. Call ``reset_states()`` where the streams restart
(``callbacks.ResetStates`` does it at every epoch's start). Validation data are streams of their own: ``fit``
evaluates them from zero states, and training continues from the states it had. ``data.lm_windows`` lays a long text
out this way (a language model's batches).
"""
import contextlib
import inspect
import re
import sys
from functools import partial

import numpy as np

from . import export
from .callbacks import History
from .checks import all_finite, check_dtype, check_positive_int, check_random_state
from .data.batches import chunks, count_batches, minibatches, n_samples, take
from .guards import BatchGuard, TrainingDivergedError, diverged, first_non_finite, largest_weight
from .layers.base import Layer
from .losses import FUSED_LOSSES, class_weights, get_loss, mask_weights
from .metrics import METRICS, combine, get_metric
from .optimizers import get_optimizer
from .persistence import (
    check_can_save,
    layer_config,
    layer_from_config,
    load_model,
    optimizer_config,
    optimizer_from_config,
    save_model,
)
from .threads import BlasThreads
from .training import TrainingLoop

CLASS_LOSSES = ("categorical_crossentropy", "sparse_categorical_crossentropy")
LOSS_CONTRACT = ("a loss must be a function loss(y, output) returning (value, doutput): the mean loss as a float, and "
                 "its gradient with respect to output, an array of output's shape (see numpy_rnn/losses.py)")


class Model:
    """``Model``: what every numpy_rnn model trains through (``compile``, ``fit``, ``evaluate``, ``predict``,
    ``train_on_batch``, ``save`` / ``load``, callbacks, the guards, the history), and the class to subclass to compose
    layers your own way, as "Deep Learning from Scratch 2" does. ``Model(inputs, outputs)`` is Keras's functional API
    instead: a graph of layers called on ``Input`` tensors (numpy_rnn/functional.py). ``Sequential`` is a Model too.

    Subclassing: call ``super().__init__(name=None, random_state=None, dtype=None)``, then assign the layers as
    attributes (layers in a list or tuple count too); the model finds them in the order they were assigned
    (``model.layers``), and its optimizer updates their weights. Then write the two passes by hand:

    - ``forward(self, inputs, training=False)``: ``inputs`` is what ``fit`` and ``predict`` are given (one array, or
      a list of arrays with as many samples each, e.g. ``[encoder_input, decoder_input]``); returns the output, one
      array (a list of arrays can be predicted, not trained: the loss takes one output);
    - ``backward(self, dout)``: ``dout`` is dL/doutput; call each layer's ``backward`` in the reverse order of
      ``forward``, handing each the gradient of what it returned. Where ``forward`` used a value twice, add the two
      gradients. The layers keep their parameter gradients in their ``grads``; nothing needs to be returned.

    An encoder-decoder (DLFS2's Seq2seq; teacher forcing: the decoder reads the answer shifted by one step)::

        class Seq2seq(Model):
            def __init__(self, vocab=13, embed=16, units=128, random_state=None):
                super().__init__(random_state=random_state)
                self.vocab, self.embed, self.units = vocab, embed, units
                self.encoder_embedding = Embedding(vocab, embed)
                self.encoder = LSTM(units, return_state=True)             # [output, h, c]
                self.decoder_embedding = Embedding(vocab, embed)
                self.decoder = LSTM(units, return_sequences=True)
                self.dense = Dense(vocab, activation="softmax")

            def forward(self, inputs, training=False):
                question, answer_in = inputs                               # (B, T_q), (B, T_a) token ids
                _, h, c = self.encoder.forward(self.encoder_embedding.forward(question), training=training)
                y = self.decoder_embedding.forward(answer_in)
                y = self.decoder.forward(y, initial_state=[h, c], training=training)
                return self.dense.forward(y)                               # (B, T_a, vocab)

            def backward(self, dout):
                dy = self.dense.backward(dout)
                self.decoder_embedding.backward(self.decoder.backward(dy))
                dh, dc = self.decoder.initial_state_grads                  # the gradient of the states handed over
                dx = self.encoder.backward([None, dh, dc])                 # its output itself was not used: None
                self.encoder_embedding.backward(dx)

            def get_config(self):                                          # the constructor's arguments, for load
                return {"vocab": self.vocab, "embed": self.embed, "units": self.units}

        model = Seq2seq(random_state=0)
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit([questions, answers_in], answers_out, epochs=25, batch_size=128)

    The layers are built by the first call, each from its input's width, drawing from the model's generator: the same
    ``random_state`` gives the same weights. ``model.dtype``, when given, is the dtype of every layer not built yet.

    Saving: ``save`` writes each layer's configuration and weights, the class's module and qualified name, and
    ``get_config()`` (the constructor's arguments, as plain JSON values; a subclass whose ``__init__`` takes
    arguments without defaults must give it, as in Keras). ``YourModel.load(path)`` (or ``Model.load``) rebuilds the
    model as ``YourModel(**config)`` and loads the weights. The class is looked up among the modules already imported
    by your program and must be a subclass of Model: a file can never make numpy_rnn import a module or create
    anything but a Model your program defined (a class defined inside a function cannot be found: define it at the
    top level of a module).

    Raises TypeError/ValueError, naming the argument, for a bad ``random_state`` or ``dtype``, and in ``fit``,
    ``evaluate`` and ``predict`` for inputs that are not arrays of numbers with as many samples each.

    The loss is computed from the output, so ``backward`` receives dL/doutput; a Sequential or a graph model whose
    output layer is a softmax (sigmoid) Dense computes softmax (sigmoid) and cross-entropy together from the logits
    instead (losses.py), which a subclass's hand-written ``backward`` could not receive.
    """

    def __new__(cls, *args, **kwargs):
        # ``Model(inputs, outputs)``: Keras's functional API makes a graph model (functional.py); a subclass, or
        # ``Model()`` alone, is a model whose passes are written by hand.
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from .functional import Functional
            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, name=None, random_state=None, dtype=None):
        self.name = name or _snake_case(type(self).__name__)
        self.dtype = None if dtype is None else check_dtype(dtype)
        self.random_state = random_state
        self._rng = check_random_state(random_state)
        self.optimizer = None
        self.loss = None
        self.metrics = []
        self.weighted_metrics = []
        self.history = None
        self.stop_training = False  # a callback sets it to end fit after the current batch or epoch
        self.output_mask = None  # the mask of the last training batch's output (None: nothing masked)

    # -- what a subclass writes (the module docstring of numpy_rnn/model.py has an example) ---------------------------
    def forward(self, inputs, training=False):
        """The model's output for ``inputs`` (one array, or a list of arrays): a subclass writes it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(self, inputs, training=False)")

    def backward(self, dout):
        """Every layer's gradients for ``dout`` = dL/doutput, through the layers in reverse: a subclass writes it."""
        raise NotImplementedError(f"{type(self).__name__} must define backward(self, dout)")

    def get_config(self):
        """The constructor's arguments as plain JSON values: ``type(model)(**model.get_config())`` makes the same
        model, unbuilt. A subclass whose ``__init__`` takes arguments gives them here (saving needs it)."""
        return {}

    @classmethod
    def from_config(cls, config):
        """``cls(**config)``: the model ``get_config`` described."""
        return cls(**config)

    @property
    def layers(self):
        """The layers assigned to the model's attributes (or held in a list or tuple there), each once, in the order
        they were assigned. A Sequential and a graph model list their own."""
        found = []
        for value in vars(self).values():
            for item in value if isinstance(value, (list, tuple)) else (value,):
                if isinstance(item, Layer) and not any(item is seen for seen in found):
                    found.append(item)
        return found

    # -- compiling ----------------------------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, weighted_metrics=None):
        """Choose the optimizer (name or instance), the loss (name or function) and metrics (names or functions).

        A loss given as a function must follow losses.py's contract: ``loss(y, output)`` returns ``(value, doutput)``,
        the mean loss as a float and its gradient with respect to ``output`` (an array of ``output``'s shape); to be
        used with sample or class weights it takes ``sample_weight=`` too. It is tried here on a tiny example (``y``
        and ``output`` of shape (2, 1)), and its results are checked again on every batch.

        ``metrics`` are computed without the sample weights, as Keras's are; ``weighted_metrics`` with them (the
        weighted mean, metrics.py), and are logged under their own names, or ``weighted_<name>`` when a metric of
        that name is in ``metrics`` too. A metric function used as a weighted metric must take ``sample_weight=``.

        Raises ValueError for unknown names and TypeError for a loss function that breaks the contract or a weighted
        metric function that takes no weights (nothing is changed then).
        """
        if loss is None:
            raise ValueError("compile needs a loss, e.g. loss='mse' or loss='binary_crossentropy'")
        optimizer = get_optimizer(optimizer)
        loss_fn = get_loss(loss)
        if not isinstance(loss, str):
            _try_custom_loss(loss_fn)
        metric_fns = [(_metric_label(metric), get_metric(metric)) for metric in _metric_list(metrics, "metrics")]
        plain_names = {name for name, _ in metric_fns}
        weighted_fns = []
        for metric in _metric_list(weighted_metrics, "weighted_metrics"):
            name, fn = _metric_label(metric), get_metric(metric)
            if not _takes_sample_weight(fn):
                raise TypeError(f"weighted_metrics: the metric {name} does not take sample_weight=")
            weighted_fns.append((f"weighted_{name}" if name in plain_names else name, fn))
        if self.layers and self._output_kind() == "vector":
            _check_metrics_fit(metric_fns + weighted_fns, "vector")
        self.optimizer, self.loss, self._loss_fn = optimizer, loss, loss_fn
        self.metrics, self.weighted_metrics = metric_fns, weighted_fns

    @property
    def log_functions(self):
        """``{log name: metric function}`` of the compiled metrics, for the training loop to combine each metric's
        batches its own way (metrics.combine)."""
        return dict(self.metrics + self.weighted_metrics) if self.optimizer is not None else {}

    def _require_compiled(self):
        if self.optimizer is None:
            raise ValueError("compile the model (optimizer and loss) before fit or evaluate")

    # -- one batch ----------------------------------------------------------------------------------------------------
    def loss_and_gradients(self, x, y, training=True, sample_weight=None):
        """Forward, loss and backward on one batch: returns ``(loss, output)`` and fills every layer's ``grads``.

        ``sample_weight``: None or checked weights (see ``_loss``). The optimizer is not called, so this is also what a
        gradient check of the whole model differentiates.
        """
        out, mask = self._forward(x, training=training)
        self.output_mask = mask  # the metrics of this batch leave the same positions out
        value, d, fused = self._loss(y, out, _masked(sample_weight, mask))
        # the targets were checked: a loss that is not finite means the outputs diverged
        if not np.isfinite(value):
            raise diverged(f"the loss became {value}; no update was made, the weights are those of the last good "
                           "batch.")
        if not all_finite(d):
            raise diverged(f"the gradient of the loss with respect to {self._output_name()}'s output holds NaN or "
                           "infinite values; no update was made.")
        self._backward(d, fused)
        return value, out

    def _loss(self, y, out, sample_weight=None):
        """``(value, gradient, fused)`` of the compiled loss for targets ``y`` and the model's output ``out``: the
        gradient is w.r.t. the last layer's logit when the loss is fused with its activation, else w.r.t. ``out``.
        Every loss the model computes (training, evaluation, validation) is computed here.

        ``sample_weight`` is None or an array of non-negative weights of shape ``out.shape[:k]``, 1 <= k < out.ndim:
        one per sample ``(batch,)``, or one per position ``(batch, steps)`` for sequence outputs
        ``(batch, steps, n)``, each spread over the axes it does not have. The value is Keras 3's
        "sum_over_batch_size": ``sum(w * loss per element) / number of elements``, so weights of ones give the
        unweighted loss exactly. A padding mask ``(batch, steps)`` is one more factor of the weights, rescaled so
        that the loss is the mean over the unmasked positions: ``losses.mask_weights(mask, sample_weight)``.
        """
        last = self._output_layer()
        targets = self._targets(y, out)
        weights = {} if sample_weight is None else {"sample_weight": sample_weight}  # custom losses may not take it
        fused = FUSED_LOSSES.get((getattr(last, "activation", None), self.loss))
        if fused is not None:
            # the layer has computed the probabilities (``out``) from its logits: the loss reuses them
            return (*fused(targets, last.logits, **weights, probabilities=out), True)
        if isinstance(self.loss, str):
            return (*self._loss_fn(targets, out, **weights), False)
        if weights and not _takes_sample_weight(self._loss_fn):
            raise TypeError(f"sample_weight: the loss {_name_of(self._loss_fn)} does not take sample_weight=, so it "
                            "cannot be weighted (by sample_weight, class_weight or a mask); add the argument")
        return (*_checked_loss_result(self._loss_fn(targets, out, **weights), out, self._loss_fn), False)

    def _targets(self, y, out):
        if self.loss in CLASS_LOSSES:
            return y
        return np.reshape(y, out.shape).astype(out.dtype, copy=False)

    def train_on_batch(self, x, y, sample_weight=None, class_weight=None):
        """One optimizer step on one batch; returns the batch loss (before the step). ``sample_weight`` and
        ``class_weight`` as in ``fit``. Raises ValueError/TypeError, before anything changes, for invalid data, and
        TrainingDivergedError, with the model as it was, when the step is not finite (guarded as ``fit``'s are)."""
        self._require_compiled()
        x, y = self._check_data(x, y, "x", "y")
        weights = self._training_weights(x, y, sample_weight, class_weight)
        self._check_stateful_batches(n_samples(x), n_samples(x), "x")
        self._build_for(x)
        try:
            return self._train_step(x, y, weights)[0]["loss"]
        except TrainingDivergedError as error:
            raise TrainingDivergedError(f"train_on_batch: {error}") from None

    # -- whole data sets ----------------------------------------------------------------------------------------------
    def fit(self, x, y, epochs=1, batch_size=32, validation_data=None, shuffle=None, verbose=1, checkpoint=None,
            gradient_warnings=(1e-8, 1e3), callbacks=None, validation_split=0.0, sample_weight=None, class_weight=None):
        """Train for ``epochs`` epochs of minibatches; returns ``model.history``, which continues across calls.

        ``shuffle`` defaults to True, and to False when a layer is stateful (where True is an error).
        ``validation_data``: ``(x_val, y_val)`` or ``(x_val, y_val, val_sample_weight)``, evaluated after every epoch
        (``val_loss``, ...). ``validation_split``: a fraction in [0, 1) of the samples held out as validation data,
        the *last* ones, taken before any shuffling (as Keras does; ignored when ``validation_data`` is given).
        ``sample_weight``: one non-negative weight per sample ``(samples,)``, or per time step ``(samples, steps)`` for
        sequence outputs; see ``_loss`` for how it enters the loss. ``class_weight``: ``{class: weight}``, turned into
        a weight per sample (or position) from the targets, times ``sample_weight`` when both are given; it weighs the
        training loss only, not validation. Metrics are unweighted.
        ``checkpoint``: a path to save the model to after every epoch. ``gradient_warnings``: (vanishing, exploding)
        global gradient-norm thresholds to warn about, or None. ``callbacks``: a list of ``Callback`` (callbacks.py).
        Raises ValueError/TypeError, before anything changes, for invalid data or arguments; TrainingDivergedError
        when the loss or the gradients stop being finite. The loop itself is training.py's.
        """
        self._require_compiled()
        epochs = check_positive_int(epochs, "epochs")
        batch_size = check_positive_int(batch_size, "batch_size")
        loop = TrainingLoop(callbacks, checkpoint, gradient_warnings, verbose)
        if checkpoint is not None:
            check_can_save(self, "checkpoint")  # now, rather than after the first epoch
        x, y = self._check_data(x, y, "x", "y")
        sample_weight = self._check_sample_weight(sample_weight, x, "sample_weight")
        validation_split = _check_fraction(validation_split, "validation_split")
        # Everything is checked before the model is built (the first fit builds it for x's shape) or anything
        # else changes: a refused call leaves the model as it was.
        validate = None
        if validation_data is None and validation_split > 0:
            x, y, sample_weight, validation_data = _split_off_validation(x, y, sample_weight, validation_split)
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight)")
            x_val, y_val = self._check_data(*validation_data[:2], "x_val", "y_val")
            _check_like(x_val, x)
            w_val = None if len(validation_data) == 2 else self._check_sample_weight(
                validation_data[2], x_val, "val_sample_weight")
            if w_val is not None:
                self._require_weighted_loss("val_sample_weight")

            def validate():
                with self._fresh_states():
                    return {f"val_{k}": v for k, v in self._evaluate(x_val, y_val, batch_size, w_val).items()}

        weights = self._training_weights(x, y, sample_weight, class_weight, checked=True)

        stateful = any(layer.stateful for layer in self.layers)
        if shuffle is None:
            shuffle = not stateful
        if stateful:
            if shuffle:
                raise ValueError("shuffle must be False with stateful layers: each batch continues the streams of "
                                 "the batch before it")
            if n_samples(x) % batch_size:
                raise ValueError(f"with stateful layers every batch must hold all the streams: {n_samples(x)} samples "
                                 f"do not split into batches of batch_size={batch_size}")
            self._check_stateful_batches(n_samples(x), batch_size, "x")
            if validate is not None:  # validation runs the same layers, in batches of batch_size, from their states
                self._check_stateful_batches(n_samples(x_val), batch_size, "validation_data")
        self._build_for(x)

        if weights is None:
            batches, step = (lambda: minibatches(x, y, batch_size, shuffle, self._rng)), self._train_step
        else:
            # The loop hands each batch to ``step`` as (x, targets): the weights travel with their targets, cut by
            # the same permutation as x and y.
            def batches():
                return ((xb, (yb, wb)) for xb, yb, wb in minibatches(x, y, batch_size, shuffle, self._rng, weights))

            def step(x_batch, targets):
                return self._train_step(x_batch, *targets)

        first_fit = self.history is None
        if first_fit:
            self.history = History()
        try:
            loop.run(self, epochs, batches=batches, step=step, n_batches=count_batches(n_samples(x), batch_size),
                     history=self.history, initial_epoch=len(self.history.epoch), validate=validate)
        except BaseException:
            if first_fit and not self.history.epoch:
                self.history = None  # no epoch was completed: the model has no history yet, as before the call
            raise
        return self.history

    def _train_step(self, x, y, sample_weight=None):
        """One update on one batch, all or nothing: returns the batch's logs (loss and metrics, before the update)
        and the global norm of its gradients. Raises TrainingDivergedError when a layer's output, the loss, a
        gradient, an updated weight or an optimizer slot is not finite (guards.py); then, and when the step is
        interrupted (a second Ctrl-C), the weights, the optimizer, the generator and the carried states are put back
        as they were before the batch."""
        guard = BatchGuard(self._named("params"), optimizer=self.optimizer, rng=self._rng, layers=self.layers)
        try:
            value, out = self.loss_and_gradients(x, y, training=True, sample_weight=sample_weight)
            guard.before_update(value, self._named("grads"))
            grad_norm = self.optimizer.step([(layer.params, layer.grads) for layer in self.layers])
            guard.after_update()
        except BaseException:  # TrainingDivergedError, KeyboardInterrupt, anything: the step did not happen
            guard.restore()
            raise
        return {"loss": value, **self._metric_values(y, out, sample_weight, self.output_mask)}, grad_norm

    def _training_weights(self, x, y, sample_weight, class_weight, checked=False):
        """The weights of the training loss: ``sample_weight`` (checked here unless ``checked``) times the weights
        ``class_weight`` gives each target's class, or None when neither is given."""
        if not checked:
            sample_weight = self._check_sample_weight(sample_weight, x, "sample_weight")
        if class_weight is None:
            return sample_weight
        by_class = class_weights(class_weight, y, (n_samples(x),) + self._sample_output_shape(x))
        self._require_weighted_loss("class_weight")
        by_class = by_class.astype(self._output_dtype())
        if sample_weight is None:
            return by_class
        # by_class has one weight per position, the most axes a weight can have: sample_weight is spread over it
        return sample_weight.reshape(sample_weight.shape + (1,) * (by_class.ndim - sample_weight.ndim)) * by_class

    def _check_sample_weight(self, sample_weight, x, name):
        """``sample_weight`` for the samples ``x`` as an array of the model's dtype, or None; see ``_loss`` for the
        shapes it may have. Raises TypeError/ValueError naming ``name``."""
        if sample_weight is None:
            return None
        w = np.asarray(sample_weight)
        if w.dtype.kind not in "biuf":
            raise TypeError(f"{name} must be an array of numbers, got dtype {w.dtype}")
        out_shape = (n_samples(x),) + tuple(self._sample_output_shape(x))
        allowed = [out_shape[:k] for k in range(1, len(out_shape))]
        if w.shape not in allowed:
            per_position = f", or one per position {' or '.join(map(str, allowed[1:]))}" if len(allowed) > 1 else ""
            raise ValueError(f"{name} has shape {w.shape}; for the model's outputs of shape {out_shape} it must hold "
                             f"one weight per sample {allowed[0]}{per_position}")
        if not np.all(np.isfinite(w)):
            raise ValueError(f"{name} contains NaN or infinite values")
        if np.any(w < 0):
            raise ValueError(f"{name} must be non-negative, got a minimum of {w.min()}")
        self._require_weighted_loss(name)
        return w.astype(self._output_dtype())

    def _require_weighted_loss(self, name):
        """TypeError naming ``name`` when the compiled loss is a function that does not take ``sample_weight``."""
        if not isinstance(self.loss, str) and not _takes_sample_weight(self._loss_fn):
            raise TypeError(f"{name}: the loss {_name_of(self._loss_fn)} does not take sample_weight=, so it cannot be "
                            "weighted; add the argument (see numpy_rnn/losses.py)")

    def _named(self, which):
        """``(layer.param, array)`` pairs of every layer's ``params`` or ``grads``."""
        return [(f"{layer.name}.{k}", v) for layer in self.layers for k, v in getattr(layer, which).items()]

    def evaluate(self, x, y, batch_size=32, sample_weight=None):
        """The loss on ``(x, y)``, or ``[loss, metric, ...]`` when metrics were compiled (as Keras returns them).
        ``sample_weight`` weighs the loss as in ``fit``; metrics are unweighted."""
        self._require_compiled()
        batch_size = check_positive_int(batch_size, "batch_size")
        x, y = self._check_data(x, y, "x", "y")
        sample_weight = self._check_sample_weight(sample_weight, x, "sample_weight")
        self._check_stateful_batches(n_samples(x), batch_size, "x")
        self._build_for(x)
        with BlasThreads(self, batch_size):  # numpy_rnn's BLAS threads (threads.py)
            values = list(self._evaluate(x, y, batch_size, sample_weight).values())
        return values[0] if len(values) == 1 else values

    def _evaluate(self, x, y, batch_size, sample_weight=None):
        """The loss and the metrics of the whole set, computed ``batch_size`` samples at a time. No batch's output is
        kept once its figures are taken: a language model's outputs over a whole split (tokens x vocabulary) would
        not fit in memory."""
        batch_size = check_positive_int(batch_size, "batch_size")
        total, values, counts = 0.0, {}, {}
        for part in chunks(n_samples(x), batch_size):
            out, mask = self._forward(take(x, part), training=False)
            # each batch's loss is a sum over its elements divided by their number: times the batch's number of
            # samples, the sum over batches divided by all the samples is the loss of the whole set
            weights = None if sample_weight is None else sample_weight[part]
            total += self._loss(y[part], out, _masked(weights, mask))[0] * len(out)
            for name, value in self._metric_values(y[part], out, weights, mask).items():
                values.setdefault(name, []).append(value)
                counts.setdefault(name, []).append(self._counted(name, len(out), weights, mask))
        return {"loss": total / n_samples(x),
                **{name: combine(self.log_functions[name], values[name], counts[name]) for name in values}}

    def _counted(self, name, n, sample_weight, mask):
        """How much a batch of ``n`` samples counts when the metric ``name``'s batch values are combined into the whole
        set's (metrics.combine): its samples, or the sum of the weights the metric used (its mask, and for a weighted
        metric its sample weights too), which makes the combined mean exactly the whole set's."""
        fn = self.log_functions[name]
        weighted = any(name == metric for metric, _ in self.weighted_metrics)
        if not weighted and (mask is None or not _takes_sample_weight(fn)):
            return n
        w = np.ones(n) if not weighted or sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if mask is not None:
            m = np.asarray(mask, dtype=np.float64)
            w = m * w.reshape(w.shape + (1,) * (m.ndim - w.ndim))
        return float(np.sum(w))

    def _metric_values(self, y, out, sample_weight=None, mask=None):
        """The metrics, unweighted, and the weighted metrics, weighted by ``sample_weight`` (unweighted without);
        with a ``mask`` of the output's steps, both leave the padded positions out, as Keras's do (a metric function
        of your own does so when it takes ``sample_weight=``)."""
        values = {}
        for name, fn in self.metrics:
            values[name] = fn(y, out) if mask is None or not _takes_sample_weight(fn) else fn(y, out,
                                                                                               sample_weight=mask)
        weights = _masked(sample_weight, mask)
        kwargs = {} if weights is None else {"sample_weight": weights}
        values.update({name: fn(y, out, **kwargs) for name, fn in self.weighted_metrics})
        return values

    def predict(self, x, batch_size=32):
        """The model's outputs for ``x``, computed ``batch_size`` samples at a time."""
        batch_size = check_positive_int(batch_size, "batch_size")
        x = self._check_x(x, "x")
        self._check_stateful_batches(n_samples(x), batch_size, "x")
        self._build_for(x)
        with BlasThreads(self, batch_size):  # numpy_rnn's BLAS threads (threads.py)
            return self._predict(x, batch_size)

    def _predict(self, x, batch_size):
        outputs = [self._forward(take(x, part), training=False)[0] for part in chunks(n_samples(x), batch_size)]
        if isinstance(outputs[0], (list, tuple)):  # several outputs: each one's batches joined
            return [np.concatenate(parts) for parts in zip(*outputs)]
        return np.concatenate(outputs)

    def reset_states(self):
        """Forget the carried state of every stateful layer."""
        for layer in self.layers:
            layer.reset_states()

    @contextlib.contextmanager
    def _fresh_states(self):
        """Stateful layers start from zero states inside, and carry on from where they were after: ``fit``'s
        validation data are streams of their own, which must neither start from the training streams' states nor
        change them."""
        carried = [layer.get_carried_states() for layer in self.layers]
        self.reset_states()
        try:
            yield
        finally:
            for layer, states in zip(self.layers, carried):
                layer.set_carried_states(states)

    # -- checks -------------------------------------------------------------------------------------------------------
    def _check_stateful_batches(self, n, batch_size, name):
        """With stateful layers, the ``n`` samples of ``name`` must go in batches of one size (``batch_size``, or
        ``n`` when fewer), the size of the states the layers carry, if any: a layer refuses a batch of another size,
        and finding that out halfway would leave the states of the batches before it changed. ValueError if not."""
        stateful = [layer for layer in self.layers if layer.stateful]
        if not stateful:
            return
        size = min(n, batch_size)
        if n % size:
            raise ValueError(f"{name}: with stateful layers every batch must hold all the streams, but {n} samples do "
                             f"not split into batches of batch_size={batch_size}")
        for layer in stateful:
            carried = layer.get_carried_states()
            if carried and len(carried[0]) != size:
                raise ValueError(f"{name}: {layer.name} is stateful and carries states for batches of "
                                 f"{len(carried[0])}, got batches of {size}; call reset_states() first")

    def _check_data(self, x, y, x_name, y_name):
        x = self._check_x(x, x_name)
        y = np.asarray(y)
        if y.dtype.kind not in "biuf":
            raise TypeError(f"{y_name} must be numeric, got dtype {y.dtype}")
        if y.ndim == 0:
            raise ValueError(f"{y_name} must be an array with one target per sample, got a scalar")
        if len(y) != n_samples(x):
            raise ValueError(f"{x_name} has {n_samples(x)} samples but {y_name} has {len(y)}")
        if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
            raise ValueError(f"{y_name} contains NaN or infinite values")
        out_shape = self._sample_output_shape(x)
        if self.loss in CLASS_LOSSES:
            expected = out_shape[:-1] if self.loss == "sparse_categorical_crossentropy" else out_shape
        else:
            expected = out_shape
        if None not in expected and int(np.prod(y.shape[1:])) != int(np.prod(expected)):
            raise ValueError(f"{y_name} has shape {y.shape}, but the model outputs {(len(y),) + tuple(out_shape)} "
                             f"per batch (loss {self.loss!r} needs targets of shape {(len(y),) + tuple(expected)})")
        if self.loss == "sparse_categorical_crossentropy" and y.size:
            # the loss picks each target's column: a label outside [0, classes) or with a fraction would pick
            # another column (-1 is the last) or fail halfway through the step
            classes = out_shape[-1]
            if np.any(y != np.round(y)) or y.min() < 0 or y.max() >= classes:
                raise ValueError(f"{y_name} must hold integer class labels in [0, {classes}) for "
                                 f"sparse_categorical_crossentropy, got values from {y.min()} to {y.max()}")
            if None not in expected:
                y = y.reshape((len(y),) + tuple(expected))  # labels (batch, 1), as Keras takes them, become (batch,)
        _check_metrics_fit(self.metrics + self.weighted_metrics, "sequence" if len(out_shape) >= 2 else "vector",
                           out_shape[-1] if out_shape else None)
        return x, y

    # -- saving and loading: persistence.py writes and reads the file; these say what goes into it --------------------
    file_kind = "Model"  # a Sequential's files are of their own kind
    file_param_names = {}  # the weights keep persistence's names, layers/{i}/{param}

    def save(self, path):
        """Save layers, weights, optimizer state, history, carried states and random state to ``path``, atomically.

        Raises ValueError for a model that is not built, or compiled with a loss or metric given as a function
        (only names can be saved).
        """
        self._require_built()
        return save_model(self, path)

    @classmethod
    def load(cls, path):
        """A model saved by ``save``, compiled as it was, ready to predict or to continue training exactly.

        Raises ModelFileError (a ValueError) for a file that is not such a model or does not fit its configuration.
        """
        return load_model(cls, path)

    def _file_description(self):
        if self.optimizer is None:
            compiled = None
        elif not isinstance(self.loss, str) or not all(
                fn in METRICS.values() for _, fn in self.metrics + self.weighted_metrics):
            raise ValueError("only models compiled with named losses and metrics can be saved")
        else:
            compiled = {**optimizer_config(self.optimizer), "loss": self.loss,
                        "metrics": [name for name, _ in self.metrics],
                        "weighted_metrics": [_metric_name(name, fn) for name, fn in self.weighted_metrics]}
        return {**self._description(), "compile": compiled,
                "history": None if self.history is None else self.history.get_config()}

    @classmethod
    def _from_file_description(cls, meta, placeholders):
        # Its layers are left unbuilt: persistence builds them with ``placeholders`` for weights.
        model = cls._from_description(meta)
        if meta.get("compile") is not None:
            model.compile(optimizer_from_config(meta["compile"]), meta["compile"]["loss"], meta["compile"]["metrics"],
                          meta["compile"].get("weighted_metrics"))
        if meta.get("history") is not None:
            model.history = History.from_config(meta["history"])
        return model

    def _file_layers(self):
        return self.layers, self.optimizer


    # -- what the training code asks a model (Sequential and functional.py's graph model answer for themselves) -------
    def _forward(self, x, training=False):
        """``(output, mask)``: the subclass's output, and None (its output has no mask). Layers not built yet build
        from the model's generator as they are first called."""
        with self._building():
            out = self.forward(x, training=training)
        if training and not all_finite(out):
            raise diverged("the model's output holds NaN or infinite values (the weights have grown too large: "
                           f"{largest_weight(self._named('params'))}); no update was made.")
        return out, None

    def _backward(self, dout, fused):
        """Every layer's gradients for ``dout``, the gradient of the loss w.r.t. the output (never fused here:
        ``_output_layer`` is None)."""
        self.backward(dout)

    def _output_layer(self):
        """The layer whose activation the loss may take over (a Sequential's last layer), or None."""
        return None

    def _output_name(self):
        return self.name

    def _output_dtype(self):
        """The dtype of the output, for sample weights: the model's, else its last layer's."""
        if self.dtype is not None:
            return self.dtype
        return self.layers[-1].dtype if self.layers else np.dtype(np.float64)

    def _output_kind(self):
        return None  # not known before the model runs: metrics are checked against the output by fit

    @contextlib.contextmanager
    def _building(self):
        """While the model runs, each layer not built yet builds from the model's generator (its forward builds it
        from its input's width, and its ``build`` is handed the generator here), so that the same random_state
        gives the same weights, and in the model's dtype when it has one."""
        unbuilt = [layer for layer in self.layers if not layer.built]
        if unbuilt:
            from .functional import _unique_names
            _unique_names(self.layers)
        for layer in unbuilt:
            if self.dtype is not None:
                layer.dtype = self.dtype
            layer.build = partial(type(layer).build, layer, rng=self._rng)
        try:
            yield
        finally:
            for layer in unbuilt:
                del layer.build  # the class's own build again

    def _check_x(self, x, name):
        """``x``, one array or a list of arrays (one per input), as NumPy arrays of numbers with as many samples each
        (nothing is built: the layers check their own input as they run). TypeError/ValueError naming ``name``."""
        several = isinstance(x, (list, tuple))
        arrays = list(x) if several else [x]
        if not arrays:
            raise ValueError(f"{name} must be an array or a list of arrays (one per input), got an empty list")
        checked = []
        for i, array in enumerate(arrays):
            what = f"{name}[{i}]" if several else name
            array = np.asarray(array)
            if array.dtype.kind not in "biuf":
                raise TypeError(f"{what} must be an array of numbers, got dtype {array.dtype}")
            if array.ndim == 0:
                raise ValueError(f"{what} must be an array with a batch axis (samples first), got a scalar")
            if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
                raise ValueError(f"{what} contains NaN or infinite values")
            checked.append(array)
        if len({len(array) for array in checked}) > 1:
            raise ValueError(f"{name}: every input must hold the same samples, but their first axes have "
                             f"{[len(array) for array in checked]} samples")
        return checked if several else checked[0]

    def _sample_output_shape(self, x):
        """The shape of one sample's output (without the batch axis) for the checked ``x``: the model is run on x's
        first sample (a subclass declares no shapes; the first run builds its layers), from zero states, leaving the
        carried states as they were. ValueError when the output is not one array (the loss takes one)."""
        with self._fresh_states():
            out = self._forward(take(x, slice(0, 1)), training=False)[0]
        if isinstance(out, (list, tuple)):
            raise ValueError(f"the model has {len(out)} outputs, but fit, evaluate and train_on_batch train a model "
                             "with one output (forward must return one array); predict takes several")
        return tuple(np.shape(out)[1:])

    def _build_for(self, x):
        """Nothing to do before the first forward pass, which builds the layers (see ``_building``)."""
        return x

    def _require_built(self):
        """ValueError unless every layer is built (a subclass's are built by its first call)."""
        if not self.layers:
            raise ValueError(f"{self.name} has no layers: assign them as attributes in __init__")
        unbuilt = [layer.name for layer in self.layers if not layer.built]
        if unbuilt:
            raise ValueError(f"{', '.join(unbuilt)} not built yet: call the model on data first (predict, fit), "
                             "which builds each layer for its input")

    def count_params(self):
        """Total number of parameters (the model must be built)."""
        self._require_built()
        return sum(layer.count_params() for layer in self.layers)

    def _summary_rows(self):
        """``(layer (type), output shape, parameters)`` per layer; a subclass's output shapes are not known."""
        return [(f"{layer.name} ({type(layer).__name__})", "?", layer.count_params()) for layer in self.layers]

    def summary(self, print_fn=print):
        """Print each layer's name and type, output shape (where known) and parameter count, and the total, as
        Keras's summary does."""
        self._require_built()
        _print_summary(self.name, self._summary_rows(), self.count_params(), print_fn)

    # -- a subclass in a model file: its class (looked up, never imported), its config, its layers --------------------
    def _description(self):
        cls = type(self)
        config = self.get_config()
        required = [p.name for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
                    if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        missing = [name for name in required if not isinstance(config, dict) or name not in config]
        if missing:
            raise ValueError(f"{cls.__name__}.__init__ needs {', '.join(missing)}: give {cls.__name__} a get_config() "
                             "returning the constructor's arguments (as Keras asks), so that load can rebuild it")
        return {"class": f"{cls.__module__}:{cls.__qualname__}", "config": config, "name": self.name,
                "layers": [layer_config(layer) for layer in self.layers]}

    @classmethod
    def _from_description(cls, meta):
        if "graph" in meta:  # a graph model (functional.py)
            from .functional import Functional
            if not issubclass(Functional, cls):
                raise ValueError(f"the file holds a graph model (Model(inputs, outputs)), not a {cls.__name__}")
            return Functional._from_description(meta)
        found = _saved_class(meta["class"])
        if not issubclass(found, cls):
            raise ValueError(f"the file holds a {meta['class']}, not a {cls.__name__}")
        model = found.from_config(meta["config"])
        layers, saved = model.layers, meta["layers"]
        if [type(layer).__name__ for layer in layers] != [entry.get("class") for entry in saved]:
            raise ValueError(f"the file's layers ({', '.join(str(entry.get('class')) for entry in saved)}) are not "
                             f"those {found.__name__}({meta['config']}) makes "
                             f"({', '.join(type(layer).__name__ for layer in layers)})")
        for layer, entry in zip(layers, saved):
            # each layer is built by persistence for the input width it had, in the dtype it had
            layer.input_dim = entry["config"]["input_dim"]
            layer.dtype = check_dtype(entry["config"]["dtype"])
        return model


class Sequential(Model):
    """``Sequential(layers=None, random_state=None, name="sequential", dtype=None)``: ``layers``, a list of layers,
    applied in order (``add`` appends more).

    ``random_state`` seeds the model's generator, which draws every layer's initial weights, the dropout masks and
    the shuffling of the batches (None: fresh entropy). ``name`` is the model's name, shown by ``summary()``.

    ``dtype`` ("float32" or "float64"), when given, is the one every layer computes in, including layers added later;
    None leaves each layer its own (float64 unless it was given another). float32 trains about twice as fast where
    matrix products dominate; gradient checks are done in float64.

    Raises TypeError for something that is not a layer and ValueError for a stack that cannot work (a recurrent
    layer after one that outputs vectors, an Embedding that is not first, a layer with ``return_state``, a layer
    already built in another dtype than the model's, a Dense tied to an Embedding that is not before it).

    A training step's data flow, from the layers to the loss and back: ``help(numpy_rnn.model)`` (numpy_rnn/model.py).
    """

    layers = None  # its own list, in the order of ``add`` (a plain attribute here, not Model's search of attributes)
    file_kind = "Sequential"

    def __init__(self, layers=None, random_state=None, name="sequential", dtype=None):
        super().__init__(name=name, random_state=random_state, dtype=dtype)
        self.layers = []
        for layer in layers or []:
            self.add(layer)

    # -- building -----------------------------------------------------------------------------------------------------
    def add(self, layer):
        if not isinstance(layer, Layer):
            raise TypeError(f"layer must be a numpy_rnn layer, got {type(layer).__name__}")
        if layer.return_state:
            raise ValueError(f"{layer.name}: a layer with return_state=True returns a list and cannot be stacked in a "
                             "Sequential model; use it on its own")
        if self.layers and layer.reads_token_ids_only:
            raise ValueError(f"{type(layer).__name__} must be the first layer: it reads token ids")
        if layer.needs_sequences and self._output_kind() == "vector":
            raise ValueError(f"{layer.name} needs sequences (batch, steps, features), but {self.layers[-1].name} "
                             "outputs one vector per sample; give the layer before it return_sequences=True")
        if self.dtype is not None and layer.dtype != self.dtype and layer.built:
            raise ValueError(f"{layer.name} was built in {layer.dtype.name}, but the model computes in "
                             f"{self.dtype.name}; pass an unbuilt layer or build it with dtype={self.dtype.name!r}")
        layer.resolve_ties(self.layers)  # a tied Dense finds its Embedding, or refuses to join (the last check)
        if self.dtype is not None:
            layer.dtype = self.dtype
        names = {existing.name for existing in self.layers}
        if layer.name in names:
            layer.name = f"{layer.name}_{len(self.layers)}"
        layer.input_grad = bool(self.layers)  # the first layer's input gradient would go nowhere
        self.layers.append(layer)

    def _output_kind(self):
        """"sequence", "vector" or None (not known yet) for what the current stack outputs per sample: each layer
        says what it gives for what it takes, starting from the input shape a layer declares."""
        kind = None
        for layer in self.layers:
            declared = layer.declared_input_shape()
            if kind is None and declared is not None:
                kind = "sequence" if len(declared) == 2 else "vector"
            kind = layer.output_kind(kind)
        return kind

    def build(self, input_shape=None):
        """Create every layer's parameters for inputs of ``input_shape`` (without the batch axis; ``(steps,)`` for
        token ids). Defaults to the first layer's ``input_shape``. Raises ValueError when it is unknown."""
        if not self.layers:
            raise ValueError("the model has no layers")
        first = self.layers[0]
        if input_shape is None:
            input_shape = self._declared_input_shape()
        if input_shape is None:
            raise ValueError("the input shape is unknown: give the first layer input_shape=(steps, features), "
                             "or call build(input_shape) or fit first")
        shape = _check_input_shape(input_shape)
        ids = first.reads_token_ids_only or (first.input_dim is not None and len(shape) == 1)
        if shape[-1] is None and not ids:
            raise ValueError(f"input_shape must end with the number of features, got {input_shape!r}")
        # Every layer's width first, then the building: a layer that cannot take its input must not leave the
        # layers before it built (and the generator advanced) for a shape the model will never see.
        widths, out = [], shape
        for i, layer in enumerate(self.layers):
            width = layer.input_dim if (i == 0 and ids) else out[-1]
            if not layer.built and layer.input_dim is not None and width != layer.input_dim:
                raise ValueError(f"{layer.name} was declared for {layer.input_dim} input features, but gets {width}")
            widths.append(width)
            out = layer.output_shape(out)
        for layer, width in zip(self.layers, widths):
            if not layer.built:
                try:
                    layer.build(width, self._rng)
                except MemoryError:  # a mistyped input_shape (or x) asking for weights of many gigabytes
                    raise ValueError(f"input_shape {shape}: the weights of {layer.name} for {width} input features "
                                     "do not fit in memory") from None
        return out

    def count_params(self):
        """Total number of parameters (the model must be built)."""
        self._require_built()
        return sum(layer.count_params() for layer in self.layers)

    def _summary_rows(self):
        """``(layer (type), output shape, parameters)`` per layer, for ``summary`` (Model's)."""
        shape = self._declared_input_shape() or (None, self.layers[0].input_dim)
        rows = []
        for layer in self.layers:
            shape = layer.output_shape(shape)
            rows.append((f"{layer.name} ({type(layer).__name__})", str((None,) + tuple(shape)), layer.count_params()))
        return rows

    def _declared_input_shape(self):
        """The input shape the first layer was given, or None."""
        return self.layers[0].declared_input_shape()

    def _require_built(self):
        """Build from the first layer's input_shape if need be (as Keras does); ValueError when it is unknown."""
        if not self.layers or not all(layer.built for layer in self.layers):
            self.build()

    def forward(self, x, training=False, mask=None):
        """The model's output for the batch ``x``. ``training`` is True when fitting (layers such as dropout act
        differently then); ``mask`` marks padded steps, and each layer hands the next the mask of its output."""
        return self._forward(x, training, mask)[0]

    def _forward(self, x, training=False, mask=None):
        """``(output, mask)``: the model's output and the mask of its steps (None when nothing is masked or the
        output is one vector per sample), for the loss and the metrics to leave the padded positions out."""
        if not all(layer.built for layer in self.layers):
            x = self._build_for(self._check_x(x, "x"))  # every layer from the model's generator, not fresh entropy
        for i, layer in enumerate(self.layers):
            x, mask = layer.forward(x, training=training, mask=mask), layer.compute_mask(mask)
            if training and not all_finite(x):
                # finite weights so large that a layer's output overflows: the model diverged, the input is fine
                weights = [(f"{below.name}.{k}", v) for below in self.layers[:i + 1] for k, v in below.params.items()]
                raise diverged(f"the output of {layer.name} holds NaN or infinite values (the weights have grown "
                               f"too large: {largest_weight(weights)}); no update was made.")
        if mask is not None and np.shape(mask) != np.shape(x)[:2]:
            mask = None  # a mask of steps, but the output has none (it is not a sequence)
        return x, mask

    def _check_x(self, x, name):
        """``x`` checked as the first layer's input, and for the rank the layers after it need (nothing is built:
        see ``_build_for``)."""
        if not self.layers:
            raise ValueError("the model has no layers")
        x = self.layers[0].check_input(x, name)
        self._check_rank(x, name)
        return x

    def _check_rank(self, x, name):
        """A layer after the first may need a rank the first does not check: an Embedding takes ids of any shape, the
        LSTM after it sequences (batch, steps, features). Followed through the layers' output shapes, a rank that
        will not fit is refused here, in terms of ``x``, instead of by that layer halfway through the forward pass."""
        first = self.layers[0]
        shape = x.shape[1:]  # one sample
        if x.dtype.kind in "iu" and not first.reads_token_ids_only:
            shape += (first.input_dim,)  # token ids are read as one-hot rows
        for before, layer in zip(self.layers, self.layers[1:]):
            shape = tuple(before.output_shape(shape))
            rank = len(shape) + 1  # with the batch axis
            needed = layer.input_ndim(np.empty((0,) * rank))  # only its rank is looked at
            if needed is None or needed == rank:
                continue
            want = x.ndim + needed - rank
            single = (f": for a single sample, add the batch axis, {name}[None] (shape {(1,) + x.shape})"
                      if want == x.ndim + 1 else "")
            ids = " token ids" if x.dtype.kind in "iu" else ""
            raise ValueError(f"{name} must have {want} dimensions ({layer.name} after {before.name} needs "
                             f"{needed}-dimensional input), got{ids} of shape {x.shape}{single}")

    def _build_for(self, x):
        """Build the layers not built yet for inputs like the checked ``x``; called once every argument of the call
        has been checked, so that a refused call never leaves the model built for data it did not take."""
        if not all(layer.built for layer in self.layers):
            self.build(x.shape[1:])
        return x

    def _output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.output_shape(shape)
        return shape

    def get_config(self):
        """The model as plain JSON values (its layers' configurations, not their weights):
        ``Sequential.from_config(model.get_config())`` is the same stack of layers, unbuilt and not compiled."""
        return {"name": self.name, "random_state": self.random_state,
                "dtype": None if self.dtype is None else self.dtype.name,
                "layers": [layer_config(layer) for layer in self.layers]}

    @classmethod
    def from_config(cls, config):
        """The model ``get_config`` described. Raises ValueError/TypeError for a description that does not fit."""
        return cls([layer_from_config(entry) for entry in config["layers"]], random_state=config.get("random_state"),
                   name=config.get("name", "sequential"), dtype=config.get("dtype"))

    # -- when you outgrow numpy_rnn: export.py maps each layer to Keras's and PyTorch's -------------------------------
    def to_keras(self, batch_size=None, input_shape=None, compile=True):
        """A ``keras.Sequential`` with the same layers and weights, compiled as this model is (``compile=False``:
        not compiled). ``batch_size`` is required for a stateful model (Keras fixes it); ``input_shape`` when the
        first layer was not given one. Raises ValueError for what Keras does not have (export.py lists it)."""
        return export.to_keras(self, batch_size, input_shape, compile)

    @classmethod
    def from_keras(cls, keras_model, dtype=None, compile=True):
        """The model of a ``keras.Sequential`` made of layers numpy_rnn has, with its weights, compiled as it is.
        ``dtype``: Keras's by default. Raises ValueError naming a layer or setting numpy_rnn does not have."""
        return export.from_keras(cls, keras_model, dtype, compile)

    def to_torch(self, input_shape=None):
        """A torch ``nn.Module`` whose forward gives this model's outputs (float32). Unlike a layer's ``to_torch()``,
        which gives a dict of arrays under PyTorch's names, this gives a module. Raises ValueError for what PyTorch
        does not have (export.py)."""
        return export.to_torch(self, input_shape)

    # -- what the training code asks a model (Model has the questions) -----------------------------------------------
    def _backward(self, d, fused):
        """Every layer's gradients, from ``d``, the gradient of the loss w.r.t. the output (w.r.t. the last layer's
        logit when ``fused``), down the stack."""
        d = self.layers[-1].backward(d, through_activation=False) if fused else self.layers[-1].backward(d)
        for below, layer in zip(reversed(self.layers[:-1]), reversed(self.layers[1:])):
            if d is None:  # token ids: nothing further down to differentiate
                break
            if not all_finite(d):
                bad = first_non_finite(layer.grads.items()) or "its input"
                raise diverged(f"the gradient of {layer.name}'s {bad} holds NaN or infinite values; no update was "
                               "made.")
            d = below.backward(d)

    def _output_layer(self):
        return self.layers[-1]

    def _output_name(self):
        return self.layers[-1].name

    def _output_dtype(self):
        return self.layers[-1].dtype

    def _sample_output_shape(self, x):
        return self._output_shape(x.shape[1:])

    def _description(self):
        return self.get_config()

    @classmethod
    def _from_description(cls, meta):
        return cls.from_config(meta)


# -- helpers of the models -------------------------------------------------------------------------------------------
def _print_summary(name, rows, total, print_fn):
    """Keras's table: a row ``(layer (type), output shape, parameters)`` per layer, then the total."""
    width = max(36, max(len(r[0]) for r in rows) + 2)
    shapes = max(26, max(len(r[1]) for r in rows) + 2)  # a layer with several outputs lists their shapes
    line = "_" * (width + shapes + 12)
    print_fn(f'Model: "{name}"')
    print_fn(line)
    print_fn(f"{'Layer (type)':<{width}}{'Output Shape':<{shapes}}{'Param #':>12}")
    print_fn("=" * (width + shapes + 12))
    for layer, out, count in rows:
        print_fn(f"{layer:<{width}}{out:<{shapes}}{count:>12,}")
    print_fn("=" * (width + shapes + 12))
    print_fn(f"Total params: {total:,}")
    print_fn(line)


def _snake_case(name):
    """Keras's default names: Seq2seq -> seq2seq, PeekyDecoder -> peeky_decoder."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _saved_class(text):
    """The Model subclass a model file names, ``"module:qualified.name"``, found among the modules the program has
    already imported, never by importing one: a file chooses nothing but which of the program's own Model classes
    to rebuild. ValueError naming what is missing otherwise."""
    if not isinstance(text, str) or text.count(":") != 1:
        raise ValueError(f"the model's class must be written 'module:ClassName', got {text!r}")
    module_name, qualname = text.split(":")
    module = sys.modules.get(module_name)
    if module is None:
        raise ValueError(f"the file holds a model of class {qualname} from the module {module_name}, which is not "
                         f"imported: import it (numpy_rnn never imports a module a file names), then load")
    found = module
    for part in qualname.split("."):
        found = getattr(found, part, None) if part.isidentifier() else None
        if found is None:
            raise ValueError(f"the module {module_name} has no class {qualname} (a class defined inside a function "
                             "cannot be found: define it at the top level of a module)")
    if not (isinstance(found, type) and issubclass(found, Model)) or found is Model or issubclass(found, Sequential):
        raise ValueError(f"{text} is not a subclass of numpy_rnn's Model")
    return found


def _check_like(x_val, x):
    """ValueError unless the validation inputs ``x_val`` are like ``x`` (both checked): as many inputs, each token ids
    where x's are, of x's rank and features; a layer built for x's width could not take another."""
    if isinstance(x_val, list) != isinstance(x, list) or (isinstance(x, list) and len(x_val) != len(x)):
        count = len(x) if isinstance(x, list) else 1
        raise ValueError(f"x_val must hold the model's inputs as x does ({count} array{'s' * (count > 1)}), got "
                         f"{len(x_val) if isinstance(x_val, list) else 'one array'}")
    for x_val, x in zip(*((x_val, x) if isinstance(x, list) else ([x_val], [x]))):
        # an unbuilt first layer takes any width, but it is built for x's: x_val must have the same
        ids, val_ids = x.dtype.kind in "iu", x_val.dtype.kind in "iu"
        if ids != val_ids or x_val.ndim != x.ndim or (not ids and x_val.shape[-1] != x.shape[-1]):
            raise ValueError(f"x_val has shape {x_val.shape} ({'token ids' if val_ids else 'features'}), but x "
                             f"{x.shape} ({'token ids' if ids else 'features'}): validation data must have x's "
                             "features")


# -- helpers of fit and compile -------------------------------------------------------------------------------------
def _check_input_shape(input_shape):
    """``input_shape`` (without the batch axis) as a tuple of positive ints, None for a length left open; TypeError or
    ValueError naming ``input_shape`` otherwise (an empty shape has no features to build for)."""
    if not isinstance(input_shape, (list, tuple)):
        raise TypeError(f"input_shape must be a tuple such as (steps, features), got {input_shape!r}")
    if not input_shape:
        raise ValueError("input_shape must have at least one axis, such as (steps, features) or (steps,) for token "
                         "ids, got ()")
    return tuple(None if n is None else check_positive_int(n, "input_shape") for n in input_shape)


def _metric_list(metrics, name):
    """The metrics given to compile as a list, each a name or a callable; TypeError naming ``name`` otherwise."""
    if metrics is None:
        return []
    if not isinstance(metrics, (list, tuple)):
        raise TypeError(f"{name} must be a list of metric names or functions, got {type(metrics).__name__}")
    for metric in metrics:
        if not (isinstance(metric, str) or callable(metric)):
            raise TypeError(f"{name} must hold metric names or functions, got {metric!r}")
    return list(metrics)


def _metric_label(metric):
    """The name a metric is logged under: its own name, or a function's (an object's class name if it has none)."""
    return metric if isinstance(metric, str) else getattr(metric, "__name__", type(metric).__name__)


def _check_fraction(value, name):
    """``value`` as a float in [0, 1); TypeError/ValueError naming ``name`` otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number in [0, 1), got {value!r}")
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return float(value)


def _split_off_validation(x, y, sample_weight, fraction):
    """``(x, y, sample_weight)`` of the training part and ``(x, y[, sample_weight])`` of the validation part: the
    last ``fraction`` of the samples, in their order, as Keras takes them (the first floor(n (1 - fraction)) train).
    Raises ValueError when either part would be empty."""
    n = n_samples(x)
    cut = int(np.floor(n * (1.0 - fraction)))
    if cut == 0 or cut == n:
        raise ValueError(f"validation_split={fraction} of {n} samples leaves {cut} for training and {n - cut} for "
                         "validation; both need at least one sample: use more data or another validation_split")
    train, held_out = slice(0, cut), slice(cut, n)
    validation = (take(x, held_out), y[held_out]) + (() if sample_weight is None else (sample_weight[held_out],))
    return take(x, train), y[train], None if sample_weight is None else sample_weight[train], validation


def _metric_name(log_name, fn):
    """The name ``fn`` was compiled with, from the name it is logged under (``weighted_`` may have been added)."""
    return next(name for name in (log_name, log_name[len("weighted_"):]) if METRICS.get(name) is fn)


def _check_metrics_fit(metrics, output_kind, columns=None):
    """ValueError naming ``metrics`` when one of the ``(name, fn)`` pairs needs sequence outputs (its function says so
    with ``needs_sequences``, metrics.py) and the model's are ``output_kind`` "vector", or needs probabilities over
    classes (``needs_classes``) and the model's outputs have ``columns`` = 1."""
    for name, fn in metrics:
        if output_kind == "vector" and getattr(fn, "needs_sequences", False):
            raise ValueError(f"metrics: {name} needs sequence outputs (batch, steps, n), but the model outputs one "
                             "vector per sample")
        if columns == 1 and getattr(fn, "needs_classes", False):
            raise ValueError(f"metrics: {name} needs probabilities over classes (a Dense(classes, "
                             "activation='softmax') output), but the model outputs one column")


def _name_of(fn):
    return getattr(fn, "__name__", type(fn).__name__)


def _masked(sample_weight, mask):
    """The weights of a loss (or metric) whose padded positions (``mask`` False) count for nothing: the mean over the
    real positions, times ``sample_weight`` (losses.mask_weights); ``sample_weight`` itself when there is no mask."""
    return sample_weight if mask is None else mask_weights(mask, sample_weight)


def _takes_sample_weight(fn):
    """Whether the function ``fn`` can be called with ``sample_weight=``."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # some callables have no signature Python can read: let the call decide
        return True
    return any(p.name == "sample_weight" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def _checked_loss_result(result, out, fn):
    """``(value, gradient)`` from what the loss function ``fn`` returned for the output ``out``; TypeError naming
    ``loss`` and explaining the contract when it is not that."""
    name = _name_of(fn)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        got = f"a {type(result).__name__}" + (f" of {len(result)} items" if isinstance(result, (tuple, list)) else "")
        raise TypeError(f"loss {name} returned {got}, not a pair (value, gradient); {LOSS_CONTRACT}")
    value, grad = result
    value_array, grad = np.asarray(value), np.asarray(grad)
    if value_array.shape != () or value_array.dtype.kind not in "iuf":
        raise TypeError(f"loss {name} returned a value of type {type(value).__name__} and shape {value_array.shape}, "
                        f"not one number; {LOSS_CONTRACT}")
    if grad.dtype.kind not in "iuf" or grad.shape != out.shape:
        raise TypeError(f"loss {name} returned a gradient of shape {grad.shape} and dtype {grad.dtype} for an output "
                        f"of shape {out.shape}; {LOSS_CONTRACT}")
    return float(value), grad


def _try_custom_loss(fn):
    """Call the loss function ``fn`` on targets and outputs of shape (2, 1), to refuse at compile time one that
    does not keep the contract. Raises TypeError naming ``loss``."""
    y, out = np.array([[0.0], [1.0]]), np.array([[0.25], [0.75]])
    try:
        result = fn(y, out)
    except Exception as error:  # whatever it raised, the message must say what a loss is asked to do
        raise TypeError(f"loss {_name_of(fn)} failed on y and output of shape (2, 1) with {type(error).__name__}: "
                        f"{error}; {LOSS_CONTRACT}") from error
    _checked_loss_result(result, out, fn)
