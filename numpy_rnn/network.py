"""RecurrentNetwork: the textbook's one-layer recurrent classifier, with the textbook's API.

The model, for a minibatch of B sequences of T steps with F features (one-hot words), H = n_cells:

    h_0 = 0
    h_t = tanh(x_t W_1x + h_{t-1} W_1h + b_1)      x_t (B, F)   W_1x (F, H)   W_1h (H, H)   b_1 (H,)   h_t (B, H)
    z   = h_T W_2 + b_2                            W_2 (H, 1)   b_2 (1,)     z (B, 1)
    a   = sigmoid(z)                               the probability of the positive class
    L   = mean over the batch of -[y log a + (1 - y) log(1 - a)]

Backward (truncated BPTT over the last k = bptt_steps steps; see layers/recurrent.py):

    dz   = (a - y) / B                            the book's ``err = -(y - a)``, divided by the batch size
    dW_2 = h_T^T dz,   db_2 = sum dz,   dh_T = dz W_2^T
    for t = T, T-1, ..., T-k+1:
        da_t = dh_t * (1 - h_t^2)
        dW_1x += x_t^T da_t,   dW_1h += h_{t-1}^T da_t,   db_1 += sum da_t
        dh_{t-1} = da_t W_1h^T                    (the book writes ``err @ w1h``: the transpose is missing)

The recurrent layer is ``layers.SimpleRNN`` and the output layer ``layers.Dense``: this class is the book's API over
them, so the SimpleRNN math has one home. ``w1h``, ``w1x``, ``b1``, ``w2``, ``b2`` are plain attributes holding those
layers' own arrays, so training updates them in place, as the book writes it (``self.w1h -= lr * w1h_grad``). To
put other values in, assign into them (``rn.w1h[...] = values``); an attribute given a new array is refused, because
the layers would not see it.

``fit`` is the book's loop: for each epoch, ``self.training(x_batch, y_batch)`` on every batch of
``self.gen_batch(x, y)``, then the epoch's mean batch loss and the validation loss. training.py runs it, the same loop
that trains ``Sequential`` models, and adds progress, guards, Ctrl-C, checkpoints and callbacks around it.

What differs from the book, and why:

1. The backward pass uses ``W_1h`` transposed, as the chain rule requires (see above). The book's version only agrees
   with the true gradient when W_1h happens to be symmetric; tests/test_network.py shows the gradient check failing
   on exactly that mistake.
2. Truncation is a parameter, ``bptt_steps`` (the book's 10 by default; None for full BPTT), not a literal 10.
3. ``fit`` works without validation data.
4. No ``np.random.seed``: ``random_state`` seeds this model's own ``np.random.Generator``, which draws the weights
   and shuffles the batches. Two fits with the same ``random_state`` give identical weights and losses.
5. Initializers are written in NumPy (orthogonal for W_1h, Glorot uniform for W_1x and W_2); the book's TensorFlow
   initializers are available with ``initializer="tensorflow"`` when TensorFlow is installed.
6. Sigmoid and the log-loss are computed from the logit in forms that cannot overflow, instead of clipping.
7. Token ids (B, T) are accepted as well as one-hot arrays (B, T, F), with identical results; with ids the one-hot
   array is never built (see layers/projection.py).
8. Inputs are checked: a clear ValueError/TypeError names the argument, and the model is left as it was.
9. ``predict`` returns a 1-D array of 0/1 labels and ``predict_proba`` the probabilities; a fit starts from new
   weights and new ``losses`` / ``val_losses`` lists (the book's appended to the old lists).
10. ``verbose`` controls a progress bar and a per-epoch line with the loss (and val loss and accuracy).
11. ``save(path)`` / ``RecurrentNetwork.load(path)`` keep a model, its history and its random generator in one
    ``.npz`` file that cannot run code (persistence.py); ``fit(..., checkpoint=path)`` saves after every epoch, and a
    loaded model's ``fit`` continues where it stopped (``warm_start``), bit for bit. ``fit(..., callbacks=[...])``
    takes the same callbacks as ``Sequential`` (callbacks.py).
12. Training stops with ``TrainingDivergedError`` on a NaN or infinite loss or gradient, before the bad update;
    ``clipnorm`` clips the gradients by their global norm; gradient norms beyond ``gradient_warnings`` are reported;
    Ctrl-C stops cleanly after the current batch (guards.py).
"""
import numpy as np

from .activations import sigmoid
from .callbacks import Callback
from .checks import check_dtype, check_input_array, check_positive_int, check_random_state
from .data.batches import chunks, count_batches, minibatches
from .guards import BatchGuard, GradientMonitor
from .layers.dense import Dense
from .layers.simple_rnn import SimpleRNN
from .losses import binary_crossentropy_from_logits
from .optimizers import clip_scale, global_norm
from .persistence import check_can_save, load_model, save_model
from .threads import BlasThreads
from .training import TrainingLoop

# The book's weights, in the order backprop returns their gradients, and the parameter of the recurrent layer (0) or
# the output layer (1) each of them is.
MAX_INPUT_WEIGHT_BYTES = 2**30  # far above any vocabulary this textbook model trains on
WEIGHTS = {"w1h": (0, "W_h"), "w1x": (0, "W_x"), "b1": (0, "b"), "w2": (1, "W"), "b2": (1, "b")}
WEIGHT_NAMES = tuple(WEIGHTS)


class NotFittedError(ValueError):
    """Raised when a model is used for prediction before it was fitted."""


def _check_positive_number(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a positive number, got {value!r}")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


class RecurrentNetwork:
    """The textbook's recurrent classifier. Its equations, their shapes, and what differs from the book:
    ``help(numpy_rnn.network)`` (numpy_rnn/network.py).

    ``RecurrentNetwork(n_cells=10, batch_size=32, learning_rate=0.1, bptt_steps=10, n_features=None,
    random_state=None, initializer="numpy", dtype=np.float64, verbose=1, clipnorm=None,
    gradient_warnings=(1e-8, 1e3), warm_start=False)``

    ``n_features`` is the width of the one-hot input (the vocabulary size). It is read from one-hot data; for token
    ids it defaults to the largest id in ``fit``'s x and x_val plus one, so give it when later data (a test set,
    new text) may hold larger ids: they are refused otherwise. ``clipnorm``: clip the gradients to this global
    norm (None: no clipping, as in the book). ``gradient_warnings``: (vanishing, exploding) global-norm thresholds
    to warn about, or None. ``warm_start``: ``fit`` continues from the current weights, history and random state
    instead of starting over (set on loaded models).

    Raises ValueError/TypeError for invalid arguments.
    """

    def __init__(self, n_cells=10, batch_size=32, learning_rate=0.1, bptt_steps=10, n_features=None,
                 random_state=None, initializer="numpy", dtype=np.float64, verbose=1, clipnorm=None,
                 gradient_warnings=(1e-8, 1e3), warm_start=False):
        self.n_cells = check_positive_int(n_cells, "n_cells")
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.lr = _check_positive_number(learning_rate, "learning_rate")
        self.bptt_steps = check_positive_int(bptt_steps, "bptt_steps", allow_none=True)
        self.n_features = check_positive_int(n_features, "n_features", allow_none=True)
        if not isinstance(initializer, str) or initializer not in ("numpy", "tensorflow"):
            raise ValueError(f'initializer must be "numpy" or "tensorflow", got {initializer!r}')
        self.initializer = initializer
        self.dtype = check_dtype(dtype)
        if not isinstance(verbose, (int, np.integer)) or verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 0, 1 or 2, got {verbose!r}")
        self.verbose = int(verbose)
        self.clipnorm = None if clipnorm is None else _check_positive_number(clipnorm, "clipnorm")
        GradientMonitor(gradient_warnings)  # validates the thresholds
        self.gradient_warnings = None if gradient_warnings is None else tuple(float(t) for t in gradient_warnings)
        self.warm_start = bool(warm_start)
        self._rng = check_random_state(random_state)
        self.random_state = random_state
        self.h = None  # hidden states of the last forpass, (T + 1, B, H); h[0] is the zero initial state
        self.w1h = self.w1x = self.b1 = None  # recurrent layer: W_1h (H, H), W_1x (F, H), b_1 (H,)
        self.w2 = self.b2 = None  # output layer: W_2 (H, n_classes), b_2 (n_classes,)
        self.losses = []
        self.val_losses = []
        self.val_scores = []
        self._rnn = None
        self._dense = None
        self._last_loss = self._last_grad_norm = None  # of the last training step, for fit's loop
        self.stop_training = False  # a callback sets it to end fit after the current batch or epoch

    # -- the book's methods ------------------------------------------------------------------------------------------
    def init_weights(self, n_features, n_classes):
        """Create W_1x (F, H) and W_2 (H, n_classes) by Glorot uniform, W_1h (H, H) orthogonal, zero biases."""
        self._make_layers(n_features, n_classes, self._rng, self.initializer)

    def _make_layers(self, n_features, n_classes, rng, initializer):
        n_features = check_positive_int(n_features, "n_features")
        n_classes = check_positive_int(n_classes, "n_classes")
        layer_args = dict(dtype=self.dtype, initializer=initializer)
        rnn = SimpleRNN(self.n_cells, bptt_steps=self.bptt_steps, **layer_args)
        dense = Dense(n_classes, **layer_args)
        rnn.input_grad = False  # nothing needs dL/dx: skip the (T, B, F) product that one-hot input would cost
        rnn.build(n_features, rng)
        dense.build(self.n_cells, rng)
        self._rnn, self._dense = rnn, dense
        # The book's weights are the layers' own arrays: the layers compute with them, and training changes them in
        # place, so the two never disagree.
        self.w1h, self.w1x, self.b1 = rnn.params["W_h"], rnn.params["W_x"], rnn.params["b"]
        self.w2, self.b2 = dense.params["W"], dense.params["b"]

    def forpass(self, x):
        """Forward pass over a batch: the logits z (B, n_classes). Keeps the hidden states in ``self.h``."""
        self._require_fitted()
        h_T = self._rnn.forward(x)
        self.h = self._rnn.hidden_states
        return self._dense.forward(h_T)

    def backprop(self, x, err):
        """Gradients of the mean loss after ``forpass(x)``, given ``err = a - y`` (B, 1).

        Returns ``(w1h_grad, w1x_grad, b1_grad, w2_grad, b2_grad)``.
        """
        m = len(x)
        dh_T = self._dense.backward(np.asarray(err) / m, through_activation=False)
        self._rnn.backward(dh_T)
        g_rnn, g_dense = self._rnn.grads, self._dense.grads
        return g_rnn["W_h"], g_rnn["W_x"], g_rnn["b"], g_dense["W"], g_dense["b"]

    def sigmoid(self, z):
        return sigmoid(z)

    def training(self, x, y):
        """One SGD step on a batch; returns the activations a (B, 1).

        Raises TrainingDivergedError, with the weights as they were, when the loss, a gradient or an updated weight
        is NaN or infinite.
        """
        guard = BatchGuard([(name, getattr(self, name)) for name in WEIGHT_NAMES])
        try:
            z = self.forpass(x)
            a = self.sigmoid(z)
            err = -(y - a)
            w1h_grad, w1x_grad, b1_grad, w2_grad, b2_grad = self.backprop(x, err)
            self._last_loss, _ = binary_crossentropy_from_logits(y, z)
            guard.before_update(self._last_loss, zip(WEIGHT_NAMES, (w1h_grad, w1x_grad, b1_grad, w2_grad, b2_grad)))
            self._last_grad_norm = global_norm((w1h_grad, w1x_grad, b1_grad, w2_grad, b2_grad))
            lr = self.lr * clip_scale(self._last_grad_norm, self.clipnorm)  # clipping rescales the whole step
            self.w1h -= lr * w1h_grad
            self.w1x -= lr * w1x_grad
            self.b1 -= lr * b1_grad
            self.w2 -= lr * w2_grad
            self.b2 -= lr * b2_grad
            guard.after_update()
        except BaseException:  # a second Ctrl-C halfway through the update: no half-updated weights
            guard.restore()
            raise
        return a

    def gen_batch(self, x, y):
        """Yield shuffled minibatches ``(x_batch, y_batch)``; the last one may be smaller.

        The order is a new permutation from the model's generator at every call; only the indices are shuffled, so
        the data set is never copied whole (data/batches.py).
        """
        yield from minibatches(x, y, self.batch_size, shuffle=True, rng=self._rng)

    def fit(self, x, y, epochs=100, x_val=None, y_val=None, checkpoint=None, callbacks=None):
        """Train for ``epochs`` epochs of minibatch SGD; returns self.

        ``x``: one-hot (N, T, F) or token ids (N, T); ``y``: N labels in {0, 1}. Validation data is optional.
        A new model starts from new weights; with ``warm_start`` (a loaded model) training continues.
        ``checkpoint``: a path to save the model to after every epoch. ``callbacks``: a list of ``Callback``.
        Raises ValueError/TypeError, before anything is changed, for invalid input; TrainingDivergedError when the
        loss or the gradients stop being finite.
        """
        epochs = check_positive_int(epochs, "epochs")
        if (x_val is None) != (y_val is None):
            raise ValueError("x_val and y_val must be given together")
        loop = TrainingLoop(callbacks, checkpoint, self.gradient_warnings, self.verbose)
        if checkpoint is not None:
            check_can_save(self, "checkpoint")  # now, rather than after the first epoch
        resume = self.warm_start and self._rnn is not None
        if resume:
            n_features = self._rnn.input_dim
        else:
            n_features = self.n_features or self._infer_n_features(x, x_val) or 0
        x, y = self._check_xy(x, y, "x", "y", n_features)
        if x_val is not None:
            x_val, y_val = self._check_xy(x_val, y_val, "x_val", "y_val", n_features)

        if not resume:
            # the input weights are (F, H): a stray huge token id would ask for terabytes, so refuse it unbuilt
            if n_features * self.n_cells * self.dtype.itemsize > MAX_INPUT_WEIGHT_BYTES:
                raise ValueError(f"x: {n_features} features (n_features, or x's largest token id + 1) need input "
                                 f"weights ({n_features}, {self.n_cells}) of more than "
                                 f"{MAX_INPUT_WEIGHT_BYTES / 2**30:g} GiB; check the ids")
            self._rng = check_random_state(self.random_state)
            self.init_weights(n_features, 1)
            self.losses, self.val_losses, self.val_scores = [], [], []

        # The book's loop, run by training.py (see the module docstring):
        #     for each epoch:
        #         for x_batch, y_batch in self.gen_batch(x, y):
        #             self.training(x_batch, y_batch)
        #         self.losses.append(the mean of the batch losses)
        #         self.update_val_loss(x_val, y_val)
        def train_batch(x_batch, y_batch):
            self.training(x_batch, y_batch)
            return {"loss": self._last_loss}, self._last_grad_norm

        def validate():
            self.update_val_loss(x_val, y_val)
            return {"val_loss": self.val_losses[-1], "val_accuracy": self.val_scores[-1]}

        loop.run(self, epochs, batches=lambda: self.gen_batch(x, y), step=train_batch,
                 n_batches=count_batches(len(x), self.batch_size), history=BookHistory(),
                 initial_epoch=len(self.losses), validate=None if x_val is None else validate, mean_over="batches")
        return self

    def update_val_loss(self, x_val, y_val):
        """Append the validation loss (and accuracy, to ``val_scores``) of the current weights."""
        x_val, y_val = self._check_xy(x_val, y_val, "x_val", "y_val", self._rnn.input_dim if self._rnn else None)
        z = self._logits(x_val)
        val_loss, _ = binary_crossentropy_from_logits(y_val, z)
        self.val_losses.append(val_loss)
        self.val_scores.append(float(np.mean((z > 0) == y_val)))

    def predict(self, x):
        """0/1 labels, shape (N,)."""
        return (self._logits(self._check_x(x, "x")) > 0).astype(int).ravel()

    def predict_proba(self, x):
        """Probability of the positive class, shape (N,)."""
        return self.sigmoid(self._logits(self._check_x(x, "x"))).ravel()

    def score(self, x, y):
        """Accuracy on ``(x, y)``."""
        x, y = self._check_xy(x, y, "x", "y", self._rnn.input_dim if self._rnn else None)
        return float(np.mean((self._logits(x) > 0) == y))

    # -- saving and loading: persistence.py writes and reads the file; these say what goes into it --------------------
    _CONFIG = ("n_cells", "batch_size", "bptt_steps", "n_features", "random_state", "initializer", "verbose",
               "clipnorm")
    file_kind = "RecurrentNetwork"
    file_param_names = {f"layers/{i}/{key}": name for name, (i, key) in WEIGHTS.items()}  # the book's names

    def save(self, path):
        """Save weights, configuration, history and random state to ``path`` (an .npz file), atomically."""
        self._require_fitted()
        return save_model(self, path)

    @classmethod
    def load(cls, path):
        """A model saved by ``save``, ready to predict or to continue training (its ``warm_start`` is on).

        Raises ModelFileError (a ValueError) for a file that is not such a model or does not fit its configuration.
        """
        return load_model(cls, path)

    def _file_description(self):
        config = {name: getattr(self, name) for name in self._CONFIG}
        config.update(learning_rate=self.lr, dtype=self.dtype.name,
                      gradient_warnings=None if self.gradient_warnings is None else list(self.gradient_warnings))
        shapes = None if self._rnn is None else {"n_features": self._rnn.input_dim, "n_classes": self._dense.units}
        return {"config": config, "shapes": shapes,
                "history": {"losses": self.losses, "val_losses": self.val_losses, "val_scores": self.val_scores}}

    @classmethod
    def _from_file_description(cls, meta, placeholders):
        rn = cls(**meta["config"], warm_start=True)
        # Built with zeros for weights (``placeholders``, never an initializer): the file's weights go in next.
        rn._make_layers(meta["shapes"]["n_features"], meta["shapes"]["n_classes"], placeholders, "numpy")
        rn.losses, rn.val_losses, rn.val_scores = ([float(v) for v in meta["history"].get(k, [])]
                                                   for k in ("losses", "val_losses", "val_scores"))
        return rn

    def _file_layers(self):
        return [self._rnn, self._dense], None  # no optimizer object: training is the book's plain SGD step

    # -- helpers -------------------------------------------------------------------------------------------------------
    def _logits(self, x, chunk=1024):
        """Logits in chunks, so that predicting on a large set does not hold all its hidden states at once."""
        with BlasThreads(self, min(len(x), chunk)):  # numpy_rnn's BLAS threads (threads.py)
            return np.concatenate([self.forpass(x[part]) for part in chunks(len(x), chunk)])

    def _require_fitted(self):
        if self._rnn is None:
            raise NotFittedError("this RecurrentNetwork is not fitted yet: call fit(x, y) first")
        layers = (self._rnn, self._dense)
        for name, (layer, key) in WEIGHTS.items():
            if getattr(self, name) is not layers[layer].params[key]:
                raise ValueError(f"{name} was given a new array, which the layers do not compute with: put values "
                                 f"into the weights instead (rn.{name}[...] = values)")

    def _infer_n_features(self, *xs):
        widths = []
        for x in xs:
            if x is None:
                continue
            x = np.asarray(x)
            if np.issubdtype(x.dtype, np.integer) and x.size:
                widths.append(int(x.max()) + 1)
            elif x.ndim == 3:
                widths.append(x.shape[2])
        return max(widths) if widths else None

    def _check_x(self, x, name, n_features=None):
        """Validate x as one-hot/dense (N, T, F) floats or token ids (N, T); returns an array."""
        if n_features is None:
            self._require_fitted()
            n_features = self._rnn.input_dim
        # Ids beyond an inferred vocabulary: the fix is to give the whole vocabulary's size up front.
        hint = ("; n_features was not given, so fit took it from the largest token id in x and x_val: give "
                "RecurrentNetwork(n_features=...) the size of the whole vocabulary") if self.n_features is None else ""
        return check_input_array(x, 3, n_features, self.dtype, name=name, n_features_name="n_features",
                                 ids_hint=hint)

    def _check_xy(self, x, y, x_name, y_name, n_features):
        x = self._check_x(x, x_name, n_features)
        y = np.asarray(y)
        if y.dtype.kind not in "biuf":
            raise TypeError(f"{y_name} must hold numeric 0/1 labels, got dtype {y.dtype}")
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"{y_name} must have shape (samples,) or (samples, 1), got shape {y.shape}")
        if len(y) != len(x):
            raise ValueError(f"{x_name} has {len(x)} samples but {y_name} has {len(y)}")
        if not np.all((y == 0) | (y == 1)):
            raise ValueError(f"{y_name} must hold labels in {{0, 1}}, got values {np.unique(y)[:10]}")
        return x, y.reshape(-1, 1).astype(self.dtype)


class BookHistory(Callback):
    """The book's record of training: each epoch's mean batch loss appended to ``model.losses``. (The validation
    loss and accuracy are appended by ``update_val_loss``, as in the book.)"""

    def on_epoch_end(self, epoch, logs=None):
        self.model.losses.append(logs["loss"])
