"""Text generation: a trained language model writes, one token at a time.

A language model reads token ids and outputs, at every step, a probability distribution over the next token:

    x          (B, T)        token ids (characters or words)
    p          (B, T, V)     p[b, t] = P(x[b, t + 1] | x[b, 0] ... x[b, t])

for instance ``Embedding(V, D) -> LSTM(H, return_sequences=True) -> Dense(V, activation="softmax")`` trained with
``sparse_categorical_crossentropy`` on ``data.lm_windows``'s batches. To write, it reads a prompt, draws the next
token from the last distribution, reads that token, draws the one after, and so on. Every token needs the one before
it, so generation runs the model one step at a time, carrying each recurrent layer's states from step to step:

    for each layer, on one step (B, ...) -> (B, ...):
        a recurrent layer      states = cell.forward_step(x_t, states)[0]; its output is states[0] = h_t
                               (cells/base.py: the same math as the whole-sequence loop, one step of it)
        any other layer        its own forward on a sequence of one step (Embedding, Dense, Dropout, which is off
                               outside training, Activation, TimeDistributed)

``Stepper`` is that loop; ``tests/test_generation.py`` checks that stepping gives the distributions of the model run on
the whole sequence at once, to rounding. ``Stepper`` keeps its own states: the model's layers, and what stateful
layers carry for training, are left as they are. It starts from zero states or from given ones (a decoder starts from
its encoder's), and its ``advance(ids, states)`` is one step as a function, the step decoding.py's greedy decoding and
beam search call.

Drawing a token from p (V,). With a temperature tau > 0 the distribution is sharpened (tau < 1) or flattened (tau > 1):

    q_i = p_i^(1 / tau) / sum_j p_j^(1 / tau) = softmax(log(p) / tau)_i

tau = 1 draws from p itself; ``temperature=0`` is greedy decoding, always the most likely token (the limit of tau ->
0). ``top_k=k`` first keeps only the k most likely tokens (the others get q = 0). Draws come from a NumPy Generator
seeded by ``random_state``: the same seed writes the same text.
"""
import numpy as np

from .checks import check_random_state
from .layers.base import Layer
from .layers.bidirectional import Bidirectional
from .layers.flatten import Flatten
from .layers.recurrent import RNN


class Stepper:
    """``Stepper(model, batch_size=1)``: ``model`` (a built Sequential whose first layer reads token ids and whose last
    is a Dense with a softmax or no activation, or a list of such built layers, run in order) run one step at a time,
    ``batch_size`` sequences side by side.

    ``step(ids)`` reads one token per sequence, ids (B,), and returns the distribution of the next one, (B, V) as
    probabilities; ``log_probabilities`` the same as logs. ``reset()`` starts every sequence again from zero states,
    ``reset(states)`` from given ones (a decoder from its encoder's final states).

    ``states`` is a list of arrays, batch first: each recurrent layer's states in its ``state_names`` order, layer
    after layer (``[h, c]`` for one LSTM; ``[h1, c1, h2]`` for an LSTM under a GRU). ``advance(ids, states)`` is one
    step that keeps nothing: it returns ``(log_p, new_states)``, the step function decoding.py's greedy decoding and
    beam search call. Raises TypeError for a model that cannot run step by step (a layer reading the sequence
    backwards or all of it at once: Bidirectional, go_backwards, Flatten), ValueError for states that do not fit.
    """

    def __init__(self, model, batch_size=1):
        if isinstance(model, (list, tuple)):
            layers = list(model)
            for layer in layers:
                if not isinstance(layer, Layer):
                    raise TypeError(f"model: a list of layers must hold layers only, got {type(layer).__name__}")
            for layer in layers:
                if not layer.built:
                    raise ValueError(f"model: {layer.name} is not built yet (build it, or run it once, first)")
            check_ids = layers[0].check_input if layers else None
        else:
            layers = getattr(model, "layers", None)
            if layers:
                model._require_built()
                check_ids = model._check_x
        if not layers:
            raise TypeError(f"model must be a Sequential with layers or a list of layers, got {type(model).__name__}")
        for layer in layers:
            if isinstance(layer, (Bidirectional, Flatten)) or getattr(layer, "go_backwards", False):
                raise TypeError(f"model: {layer.name} needs the whole sequence before its first output, so the model "
                                "cannot write one token at a time")
        last = layers[-1]
        if getattr(last, "activation", None) not in ("softmax", "linear"):
            raise TypeError(f"model: the last layer ({last.name}) must be a Dense giving a distribution over the next "
                            "token: activation='softmax' (probabilities) or None (logits)")
        self.model, self.layers, self.batch_size, self._check_ids = model, layers, int(batch_size), check_ids
        self.reset()

    def reset(self, states=None):
        """Start new sequences: from zero states, or from ``states`` (a list of (B, units) arrays, see the class
        docstring), which sets the batch size B."""
        if states is None:
            states = [np.zeros((self.batch_size, layer.units), dtype=layer.dtype)
                      for layer in self.layers if isinstance(layer, RNN) for _ in layer.state_names]
        self.states = self.check_states(states)
        if self.states:
            self.batch_size = len(self.states[0])

    def check_states(self, states, batch_size=None, name="states"):
        """``states`` as a list of float arrays, one (B, units) per state of each recurrent layer, B = ``batch_size``
        if given (else that of the first); ValueError/TypeError naming ``name`` if they do not fit."""
        shapes = [(layer.name, state, layer.units) for layer in self.layers if isinstance(layer, RNN)
                  for state in layer.state_names]
        if not isinstance(states, (list, tuple)) or len(states) != len(shapes):
            described = ", ".join(f"{layer} {state}" for layer, state, _ in shapes) or "none"
            raise ValueError(f"{name} must be a list of {len(shapes)} arrays ({described}), got "
                             f"{len(states) if isinstance(states, (list, tuple)) else type(states).__name__}")
        checked, B = [], batch_size
        for value, (layer, state, units) in zip(states, shapes):
            value = np.asarray(value)
            if value.dtype.kind != "f":
                raise TypeError(f"{name}: {layer}'s {state} must be a float array, got dtype {value.dtype}")
            if value.ndim != 2 or value.shape[1] != units or (B is not None and len(value) != B):
                raise ValueError(f"{name}: {layer}'s {state} must have shape (batch, units) = "
                                 f"{('batch' if B is None else B, units)}, got {value.shape}")
            B = len(value)
            checked.append(value)
        return checked

    def advance(self, ids, states):
        """One step from ``states``, keeping nothing: reads ``ids`` (B,), returns ``(log_p, new_states)``, log p of
        the next token (B, V) and the recurrent layers' states after it (a new list)."""
        ids = np.asarray(ids)
        if ids.ndim != 1:
            raise ValueError(f"ids must be one token id per sequence, shape (batch,), got shape {ids.shape}")
        x = self._check_ids(ids[:, None], "ids")[:, 0]
        states = self.check_states(states, batch_size=len(ids))
        new_states, k = [], 0
        for layer in self.layers:
            if isinstance(layer, RNN):
                n = len(layer.state_names)  # this layer's states are states[k:k + n]
                carried = layer.cell.forward_step(x, states[k:k + n])[0]
                new_states += carried
                k += n
                x = carried[0]
            else:
                x = layer.forward(x[:, None], training=False)[:, 0]
        z = x.astype(np.float64)
        if self.layers[-1].activation == "softmax":
            return np.log(np.maximum(z, np.finfo(np.float64).tiny)), new_states
        return log_softmax(z), new_states

    def log_probabilities(self, ids):
        """log p of the next token (B, V), after reading ``ids`` (B,), one per sequence; carries the states on."""
        log_p, self.states = self.advance(np.asarray(ids).reshape(self.batch_size), self.states)
        return log_p

    def step(self, ids):
        """The distribution of the next token (B, V), after reading ``ids`` (B,)."""
        return np.exp(self.log_probabilities(ids))


def log_softmax(z):
    """log(softmax(z)) over the last axis, computed without overflow: z - max - log(sum(exp(z - max)))."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def sample(log_p, temperature=1.0, top_k=None, rng=None):
    """One token per row of ``log_p`` (B, V), drawn from softmax(log_p / temperature) restricted to the ``top_k``
    most likely (see the module docstring); ``temperature=0`` takes the most likely. Returns ids (B,)."""
    if top_k is not None and top_k < log_p.shape[-1]:
        # the k-th largest value of each row; ties with it are kept too, so a row never keeps fewer than k tokens
        kth = np.partition(log_p, -top_k, axis=-1)[:, -top_k][:, None]
        log_p = np.where(log_p >= kth, log_p, -np.inf)
    if temperature == 0:
        return np.argmax(log_p, axis=-1)
    q = np.exp(log_softmax(log_p / temperature))
    # inverse transform sampling: the first token whose cumulative probability passes a uniform draw
    u = rng.random((len(q), 1)) * q.sum(axis=-1, keepdims=True)
    return np.minimum(np.sum(np.cumsum(q, axis=-1) < u, axis=-1), q.shape[-1] - 1)


def generate(model, prompt, length, temperature=1.0, top_k=None, random_state=None, vocab=None):
    """Continue ``prompt`` by ``length`` tokens drawn from ``model``'s predictions, one at a time.

    ``prompt``: token ids, 1-D (T,) for one text or 2-D (B, T) for B texts written side by side, or a string when
    ``vocab`` (a ``data.CharVocab`` or ``data.WordVocab``) is given. ``temperature`` >= 0 (0: greedy), ``top_k``: None
    or the number of most likely tokens to draw from, ``random_state``: an integer seed, None, or a
    ``np.random.Generator``. Returns the new tokens only: ids (length,) or (B, length), or with ``vocab`` the text
    ``vocab.decode`` makes of them. The model's layers and carried states are not changed.

    Raises TypeError/ValueError naming the argument: ids outside the model's vocabulary, an empty prompt, a negative
    length or temperature, top_k outside [1, V], or a model that cannot write step by step (see ``Stepper``).
    """
    if vocab is not None:
        if not isinstance(prompt, str):
            raise TypeError(f"prompt must be a string when vocab is given, got {type(prompt).__name__}")
        prompt = vocab.encode(prompt)
    elif isinstance(prompt, str):
        raise TypeError("prompt is a string: give the vocabulary that encodes it (vocab=...), or token ids")
    ids = np.asarray(prompt)
    if ids.dtype.kind not in "iu" or ids.ndim not in (1, 2):
        raise TypeError(f"prompt must hold integer token ids, 1-D (steps,) or 2-D (texts, steps), got dtype "
                        f"{ids.dtype} and shape {ids.shape}")
    if ids.shape[-1] == 0 or ids.size == 0:
        raise ValueError("prompt must hold at least one token: the model needs something to continue")
    if isinstance(length, (bool, np.bool_)) or not isinstance(length, (int, np.integer)) or length < 0:
        raise ValueError(f"length must be a non-negative integer, got {length!r}")
    if isinstance(temperature, (bool, np.bool_)) or not isinstance(temperature, (int, float, np.integer,
                                                                                 np.floating)):
        raise TypeError(f"temperature must be a number >= 0, got {temperature!r}")
    if not np.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be a finite number >= 0 (0: always the most likely), got {temperature}")
    rng = random_state if isinstance(random_state, np.random.Generator) else check_random_state(random_state)
    texts = ids.reshape(-1, ids.shape[-1])
    stepper = Stepper(model, batch_size=len(texts))
    model._check_x(texts, "prompt")
    V = model.layers[-1].units
    if top_k is not None and (isinstance(top_k, (bool, np.bool_)) or not isinstance(top_k, (int, np.integer))
                              or not 1 <= top_k <= V):
        raise ValueError(f"top_k must be None or an integer in [1, {V}] (the model's vocabulary), got {top_k!r}")

    for t in range(texts.shape[1]):  # read the prompt
        log_p = stepper.log_probabilities(texts[:, t])
    written = np.zeros((len(texts), length), dtype=texts.dtype)
    for t in range(length):  # write: draw a token, read it, draw the next
        written[:, t] = sample(log_p, temperature, top_k, rng)
        if t + 1 < length:
            log_p = stepper.log_probabilities(written[:, t])
    written = written.reshape(ids.shape[:-1] + (length,))
    return written if vocab is None else vocab.decode(written)
