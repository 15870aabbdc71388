"""Optimizers. Each sees only ``(params, grads)`` pairs of dicts, never a layer, and updates ``params`` in place.

With learning rate lr, gradient g, and per-parameter state kept by the optimizer (all start at 0 unless noted):

    SGD       v = momentum * v - lr * g
              p += v                                    (plain momentum)
              p += momentum * v - lr * g                (nesterov=True: look one step ahead)
    RMSprop   s = rho * s + (1 - rho) * g^2
              p -= lr * g / sqrt(s + eps)
    Adam      m = beta_1 * m + (1 - beta_1) * g,   v = beta_2 * v + (1 - beta_2) * g^2,   t = t + 1
              p -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + eps)
    Adagrad   s = s + g^2                               (s starts at initial_accumulator_value = 0.1)
              p -= lr * g / sqrt(s + eps)

Defaults are Keras's: SGD lr 0.01; RMSprop lr 0.001, rho 0.9; Adam lr 0.001, beta_1 0.9, beta_2 0.999; Adagrad lr 0.001;
eps 1e-7 throughout. The constructors check their arguments against Keras's ranges: learning_rate > 0, momentum in
[0, 1], rho, beta_1 and beta_2 in [0, 1), epsilon >= 0 (0 allowed, as in Keras and PyTorch: with it the two libraries'
formulas agree), initial_accumulator_value >= 0, global_clipnorm > 0 or None; each a finite real number (a NumPy
scalar is fine, a bool is not). Anything else raises TypeError or ValueError naming the argument.

``global_clipnorm=c`` rescales all gradients together when their joint norm ``sqrt(sum of every g^2)`` exceeds c, so
the update keeps its direction and only its length is capped. It is the usual cure for the exploding gradients of
recurrent networks on long sequences.
"""
import inspect

import numpy as np

from .checks import check_number


def global_norm(grads):
    """``sqrt(sum of every g^2)`` over an iterable of gradient arrays (inf when the squares overflow)."""
    with np.errstate(over="ignore"):  # an infinite norm is the right answer for diverging gradients
        return float(np.sqrt(sum(np.vdot(g, g) for g in grads)))  # vdot: g . g without the array g * g


def clip_scale(norm, clipnorm):
    """The factor that brings a global norm down to ``clipnorm`` (1.0 when it is already within it or no clip)."""
    return clipnorm / norm if clipnorm is not None and norm > clipnorm else 1.0


class Optimizer:
    """Base class: gradient clipping and per-parameter state; subclasses write ``update(p, g, state)``."""

    def __init__(self, learning_rate, global_clipnorm=None):
        self.learning_rate = check_number(learning_rate, "learning_rate", low=0, low_open=True)
        self.global_clipnorm = (None if global_clipnorm is None
                                else check_number(global_clipnorm, "global_clipnorm", low=0, low_open=True))
        self.iterations = 0
        self.state = {}  # per parameter array, keyed by (pair index, parameter name)
        self._buffers = {}  # work arrays by (shape, dtype); not state: nothing in them outlives an update
        self._snapshots = {}  # snapshot()'s copies of the slots, by (state key, slot name)

    def step(self, pairs):
        """Apply one update to every ``(params, grads)`` pair. Returns the global gradient norm before clipping.

        The update changes the weights, the slots and ``iterations`` in place. It is not checked here: a model
        snapshots all three first (guards.py's ``BatchGuard``) and restores them when the result is not finite or
        the step is interrupted, so that a refused update leaves no trace."""
        pairs = list(pairs)
        norm = global_norm(g for _, grads in pairs for g in grads.values())
        scale = clip_scale(norm, self.global_clipnorm)
        self.iterations += 1
        for i, (params, grads) in enumerate(pairs):
            for name, p in params.items():
                g = grads[name] * scale if scale != 1.0 else grads[name]
                key = (i, name)
                if key not in self.state:
                    self.state[key] = self.init_state(p)
                self.update(p, g, self.state[key])
        return norm

    def snapshot(self):
        """A copy of what ``step`` changes (the step count and every slot), for ``restore``: an update is all or
        nothing, and the guards (guards.py) undo a refused one with it. The copies go into arrays kept from one
        snapshot to the next (fresh ones every batch cost page faults: see ``_work``), so a snapshot is valid until
        the next one is taken, which is all a guarded step needs."""
        copies = {}
        for key, slots in self.state.items():
            copies[key] = {}
            for slot, value in slots.items():
                kept = self._snapshots.get((key, slot))
                if kept is None or kept.shape != value.shape or kept.dtype != value.dtype:
                    kept = self._snapshots[(key, slot)] = np.empty_like(value)
                np.copyto(kept, value)
                copies[key][slot] = kept
        return self.iterations, copies

    def restore(self, snapshot):
        """Go back to the state ``snapshot()`` returned (slots created since then are dropped)."""
        iterations, copies = snapshot
        self.state = {key: slots for key, slots in self.state.items() if key in copies}
        for key, slots in copies.items():
            for slot, value in slots.items():
                self.state[key][slot] = value.copy()
        self.iterations = iterations

    def init_state(self, p):
        return {}

    def update(self, p, g, state):
        raise NotImplementedError

    def _work(self, p):
        """A scratch array shaped like ``p``. The updates below write their intermediate results into it instead of
        into fresh temporaries: for an embedding table of 32,000 weights, allocating those costs more than the
        arithmetic (measured: Adam's update of a (1000, 32) float32 table, 380 against 40 microseconds)."""
        key = (p.shape, p.dtype)
        if key not in self._buffers:
            self._buffers[key] = np.empty_like(p)
        return self._buffers[key]

    def get_config(self):
        """The constructor's arguments, for saving: ``type(opt)(**opt.get_config())`` is the same optimizer."""
        names = inspect.signature(type(self).__init__).parameters
        return {name: getattr(self, name) for name in names if name != "self"}

    # -- what a model file keeps besides get_config() and iterations (persistence.py) --------------------------------
    def get_slots(self):
        """The arrays kept per weight between steps (SGD's velocity, Adam's m and v, ...), as ``{(pair index, weight
        name, slot name): array}``; pair i is the i-th ``(params, grads)`` pair ``step`` is given."""
        return {(i, name, slot): value for (i, name), slots in self.state.items() for slot, value in slots.items()}

    def set_slots(self, slots, params):
        """Take back what ``get_slots`` returned, for the weights ``params`` (one dict per pair, as ``step`` sees
        them). Every slot must belong to a weight, have its shape and come with the weight's other slots; once the
        optimizer has stepped, every weight that has slots must have them. ValueError, with nothing changed, if not."""
        state = {}
        for (i, name, slot), value in slots.items():
            p = params[i].get(name) if 0 <= i < len(params) else None
            if p is None:
                raise ValueError(f"optimizer slot {i}/{name}/{slot} belongs to no weight")
            if slot not in self.init_state(p):
                raise ValueError(f"{type(self).__name__} keeps no slot {slot!r} (optimizer slot {i}/{name}/{slot})")
            if np.shape(value) != p.shape:
                raise ValueError(f"optimizer slot {i}/{name}/{slot} has shape {np.shape(value)}, its weight {p.shape}")
            state.setdefault((i, name), {})[slot] = np.array(value, dtype=p.dtype)
        for i, weights in enumerate(params):
            for name, p in weights.items():
                needed = set(self.init_state(p))
                kept = set(state.get((i, name), ()))
                if kept != needed and (kept or self.iterations):
                    raise ValueError(f"the optimizer slots of weight {i}/{name} are {sorted(kept)}, it needs "
                                     f"{sorted(needed)}")
        self.state = state


class SGD(Optimizer):
    """``SGD(learning_rate=0.01, momentum=0.0, nesterov=False, global_clipnorm=None)``: gradient descent, with
    momentum when ``momentum`` > 0.

    Arguments:
        learning_rate=0.01      lr, a positive number
        momentum=0.0            in [0, 1]: how much of the last step the next one keeps (0: p -= lr * g)
        nesterov=False          Nesterov's momentum: the step looks one momentum step ahead
        global_clipnorm=None    rescale all the gradients together when their global norm exceeds it (None: never)

    The update, with every optimizer's next to it: ``help(numpy_rnn.optimizers)`` (numpy_rnn/optimizers.py).
    Raises TypeError/ValueError, naming the argument, for a value outside Keras's range (listed there).
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, global_clipnorm=None):
        momentum = check_number(momentum, "momentum", low=0, high=1)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
        super().__init__(learning_rate, global_clipnorm)
        self.momentum = momentum
        self.nesterov = bool(nesterov)

    def init_state(self, p):
        return {"v": np.zeros_like(p)} if self.momentum else {}

    def update(self, p, g, state):
        if not self.momentum:
            p -= self.learning_rate * g
            return
        v = state["v"]
        v *= self.momentum
        v -= self.learning_rate * g
        if self.nesterov:
            p += self.momentum * v - self.learning_rate * g
        else:
            p += v


class RMSprop(Optimizer):
    """``RMSprop(learning_rate=0.001, rho=0.9, epsilon=1e-7, global_clipnorm=None)``: each weight's step divided by
    the root of a running mean of its squared gradients.

    Arguments:
        learning_rate=0.001     lr, a positive number
        rho=0.9                 in [0, 1): the decay of the running mean of g^2
        epsilon=1e-7            >= 0, added under the square root
        global_clipnorm=None    rescale all the gradients together when their global norm exceeds it (None: never)

    The update, with every optimizer's next to it: ``help(numpy_rnn.optimizers)`` (numpy_rnn/optimizers.py).
    Raises TypeError/ValueError, naming the argument, for a value outside Keras's range (listed there).
    """

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7, global_clipnorm=None):
        super().__init__(learning_rate, global_clipnorm)
        self.rho = check_number(rho, "rho", low=0, high=1, high_open=True)
        self.epsilon = check_number(epsilon, "epsilon", low=0)

    def init_state(self, p):
        return {"s": np.zeros_like(p)}

    def update(self, p, g, state):
        s, work = state["s"], self._work(p)
        np.multiply(g, g, out=work)
        work -= s
        work *= 1 - self.rho
        s += work  # s = rho * s + (1 - rho) * g^2
        np.add(s, self.epsilon, out=work)
        np.sqrt(work, out=work)
        np.divide(g, work, out=work)
        work *= self.learning_rate
        p -= work  # p -= lr * g / sqrt(s + eps)


class Adam(Optimizer):
    """``Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, global_clipnorm=None)``: running means
    of the gradient and of its square, corrected for their zero start.

    Arguments:
        learning_rate=0.001     lr, a positive number
        beta_1=0.9              in [0, 1): the decay of the running mean of g
        beta_2=0.999            in [0, 1): the decay of the running mean of g^2
        epsilon=1e-7            >= 0, added to sqrt(v)
        global_clipnorm=None    rescale all the gradients together when their global norm exceeds it (None: never)

    The update, with every optimizer's next to it: ``help(numpy_rnn.optimizers)`` (numpy_rnn/optimizers.py).
    Raises TypeError/ValueError, naming the argument, for a value outside Keras's range (listed there).
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, global_clipnorm=None):
        super().__init__(learning_rate, global_clipnorm)
        self.beta_1 = check_number(beta_1, "beta_1", low=0, high=1, high_open=True)
        self.beta_2 = check_number(beta_2, "beta_2", low=0, high=1, high_open=True)
        self.epsilon = check_number(epsilon, "epsilon", low=0)

    def init_state(self, p):
        return {"m": np.zeros_like(p), "v": np.zeros_like(p)}

    def update(self, p, g, state):
        m, v, t, work = state["m"], state["v"], self.iterations, self._work(p)
        np.subtract(g, m, out=work)
        work *= 1 - self.beta_1
        m += work  # m = beta_1 * m + (1 - beta_1) * g
        np.multiply(g, g, out=work)
        work -= v
        work *= 1 - self.beta_2
        v += work  # v = beta_2 * v + (1 - beta_2) * g^2
        # The bias corrections undo the zero start of m and v in the first steps.
        step = self.learning_rate * np.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        np.sqrt(v, out=work)
        work += self.epsilon
        np.divide(m, work, out=work)
        work *= step
        p -= work  # p -= step * m / (sqrt(v) + eps)


class Adagrad(Optimizer):
    """``Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, global_clipnorm=None)``: each
    weight's step divided by the root of the sum of all its squared gradients so far.

    Arguments:
        learning_rate=0.001     lr, a positive number
        initial_accumulator_value=0.1
                                >= 0, where the sum of squares starts
        epsilon=1e-7            >= 0, added under the square root
        global_clipnorm=None    rescale all the gradients together when their global norm exceeds it (None: never)

    The update, with every optimizer's next to it: ``help(numpy_rnn.optimizers)`` (numpy_rnn/optimizers.py).
    Raises TypeError/ValueError, naming the argument, for a value outside Keras's range (listed there).
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, global_clipnorm=None):
        super().__init__(learning_rate, global_clipnorm)
        self.initial_accumulator_value = check_number(initial_accumulator_value, "initial_accumulator_value", low=0)
        self.epsilon = check_number(epsilon, "epsilon", low=0)

    def init_state(self, p):
        return {"s": np.full_like(p, self.initial_accumulator_value)}

    def update(self, p, g, state):
        s = state["s"]
        s += g * g
        p -= self.learning_rate * g / np.sqrt(s + self.epsilon)


OPTIMIZERS = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adagrad": Adagrad}


def get_optimizer(optimizer):
    """An Optimizer from a name ("sgd", "rmsprop", "adam", "adagrad", with Keras's defaults) or an instance.

    Raises ValueError for an unknown name, TypeError for anything else.
    """
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str):
        if optimizer.lower() not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)} or an Optimizer, got {optimizer!r}")
        return OPTIMIZERS[optimizer.lower()]()
    raise TypeError(f"optimizer must be a name or an Optimizer instance, got {type(optimizer).__name__}")
