"""The layer contract every numpy_rnn layer follows.

- ``forward(x, training=False, mask=None)`` returns the output and keeps in ``self.cache`` what ``backward`` needs.
  ``training`` is True when a model fits and False when it predicts or evaluates (what differs between the two, such
  as dropout, switches on it); ``mask`` marks the padded steps of a batch of sequences, or is None. Recurrent layers
  take ``forward(x, initial_state=None, training=False, mask=None)``.
- ``backward(dout)`` returns the gradient w.r.t. the input and stores the parameter gradients in ``self.grads``, a dict
  with the same keys and shapes as ``self.params``. It never writes to ``dout``.
- Parameters are created by ``build(input_dim, rng)`` the first time the input size is known, from a
  ``np.random.Generator``: the model's, or one made from the layer's own ``random_state``.

Optimizers only ever see ``(params, grads)`` pairs, so they never need to know what a layer is. Models do not either:
a layer declares what it takes and gives, and what it carries from one call to the next, and a model asks (see "What
a model asks of a layer" below) instead of testing which class the layer is.
"""
import inspect
import re
import sys

import numpy as np

from ..checks import (NoForwardPassError, check_dtype, check_input_array, check_positive_int, check_random_state,
                      check_real_array)
from ..initializers import make_initializer

# The arguments every layer takes besides its own, as help() lists them (``documented`` adds them to each layer's).
COMMON_ARGUMENTS = """Arguments every layer takes:
    input_dim=None          the input's width F (for token ids: the vocabulary size); None: read from the input
    input_shape=None        the input's shape without the batch axis, (steps, features) or (steps,) for token ids
    dtype=float64           "float32" or "float64"
    random_state=None       seed of the initial weights (and dropout masks) when the layer builds itself; in
                            a model, the model's generator draws them
    initializer="numpy"     "numpy", or "tensorflow" for TensorFlow's own initializers (needs TensorFlow)
    name=None               the layer's name (None: its class name in snake case, as in Keras)"""


def documented(arguments=COMMON_ARGUMENTS):
    """Class decorator: what ``help(layer_class)`` shows. The class's own docstring (its signature, its arguments and
    what it raises), then ``arguments``, the ones every layer (or cell) takes, then the docstring of the class's file:
    the equations and shapes, written once, there."""
    def decorate(cls):
        module = sys.modules[cls.__module__]
        path = cls.__module__.replace(".", "/") + ".py"
        cls.__doc__ = "\n\n".join([inspect.cleandoc(cls.__doc__), arguments,
                                    f"The equations and shapes ({path}):", inspect.cleandoc(module.__doc__)])
        return cls
    return decorate


class Layer:
    """Base class: parameter bookkeeping, building, weights in and out, the cache check, and the defaults of what a
    model asks of a layer (a layer that differs overrides them)."""

    # What the layer takes and gives; a model reads these instead of testing the layer's class.
    reads_token_ids_only = False  # True: its input must be integer token ids, so it can only come first (Embedding)
    needs_sequences = False  # True: its input must be sequences (batch, steps, ...), not one vector per sample
    return_state = False  # True: forward returns a list [output, states...], which no layer after it could take
    stateful = False  # True: it carries state from one batch to the next, so a model must not shuffle the batches

    def __init__(self, input_dim=None, input_shape=None, dtype=np.float64, random_state=None, initializer="numpy",
                 name=None):
        if input_shape is not None:
            input_shape = tuple(input_shape)
            if input_dim is None and len(input_shape) > 0:
                input_dim = input_shape[-1]
        self.input_dim = check_positive_int(input_dim, "input_dim", allow_none=True)
        self.input_shape = input_shape
        self.dtype = check_dtype(dtype)
        check_random_state(random_state)
        self.random_state = random_state
        self.initializer = initializer
        # Keras's default names: SimpleRNN -> simple_rnn, LSTM -> lstm
        self.name = name or re.sub(r"(?<=[a-z])(?=[A-Z])", "_", type(self).__name__).lower()
        self.params = {}
        self.grads = {}
        self.cache = None
        self.built = False
        # False for a model's first layer: backward then skips dL/dx (returns None), which nothing would use.
        self.input_grad = True

    # -- building -------------------------------------------------------------------------------------------------
    def build(self, input_dim, rng=None):
        """Create the parameters for inputs with ``input_dim`` features, drawing from ``rng``."""
        input_dim = check_positive_int(input_dim, "input_dim")
        if self.input_dim is not None and self.input_dim != input_dim:
            raise ValueError(f"{self.name}: input_dim was set to {self.input_dim}, got inputs with {input_dim}")
        self.input_dim = input_dim
        if rng is None:
            rng = check_random_state(self.random_state)
        self.params = {name: np.ascontiguousarray(value, dtype=self.dtype)
                       for name, value in self._init_params(input_dim, rng).items()}
        self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        self.built = True

    def _init_params(self, input_dim, rng):
        return {}

    def _init(self, name):
        """An initializer by name, of the kind (numpy or tensorflow) this layer was asked for."""
        return make_initializer(self.initializer, name)

    # -- the forward pass ---------------------------------------------------------------------------------------------
    def forward(self, x, training=False, mask=None):
        """The output for ``x``; see the module docstring. Every layer writes its own."""
        raise NotImplementedError(f"{type(self).__name__} has no forward pass")

    def __call__(self, inputs, *args, **kwargs):
        """Keras's call. On symbolic tensors (``Input()`` and what layers called on it return) it records a node of a
        graph and returns the symbolic outputs (numpy_rnn/functional.py); on arrays it is ``forward``."""
        from ..functional import call_symbolic, is_symbolic  # the graph's module needs the layers first
        if is_symbolic(inputs) or is_symbolic(kwargs.get("initial_state")):
            return call_symbolic(self, inputs, *args, **kwargs)
        return self.forward(inputs, *args, **kwargs)

    # -- what a model asks of a layer ---------------------------------------------------------------------------------
    def declared_input_shape(self):
        """The input shape this layer was given, without the batch axis (``input_shape=``), or None."""
        return None if self.input_shape is None else tuple(self.input_shape)

    def output_kind(self, input_kind):
        """What the layer outputs per sample, "sequence" or "vector", for input of ``input_kind`` (one of those, or
        None when it is not known yet). By default the kind passes through (a Dense maps each step of a sequence)."""
        return input_kind

    def compute_mask(self, mask):
        """The mask of the layer's output, given the mask of its input (None: no step is masked). By default the
        layer keeps the steps as they are, so the mask passes on unchanged."""
        return mask

    def resolve_ties(self, layers):
        """Called by a model as the layer joins it, with the layers before it. A layer that uses another's weights (a
        Dense tied to an Embedding) finds that layer among them, and raises ValueError, changing nothing, when it is
        not there. Most layers use only their own: nothing to do."""

    def reset_states(self):
        """Forget what the layer carries from one call to the next. Most layers carry nothing: nothing to do."""

    def get_carried_states(self):
        """The arrays the layer carries into its next call (a stateful layer's last states), for a model file to
        keep: a list, empty when it carries nothing."""
        return []

    def set_carried_states(self, states):
        """Carry ``states`` (as ``get_carried_states`` returned them) into the next call. Raises ValueError when they
        do not fit the layer; this layer carries nothing, so anything but an empty list."""
        if len(states):
            raise ValueError(f"{self.name} carries no state, got {len(states)} array(s)")

    # -- shapes and weights ---------------------------------------------------------------------------------------
    def output_shape(self, input_shape):
        """Output shape, without the batch axis, for an input of ``input_shape`` (without the batch axis)."""
        return tuple(input_shape)

    def count_params(self):
        return int(sum(p.size for p in self.params.values()))

    # The constructor arguments that describe the layer; subclasses add their own.
    config_keys = ("input_dim", "input_shape", "dtype", "name", "initializer")

    def get_config(self):
        """The constructor's arguments as plain JSON values: ``type(layer)(**layer.get_config())`` rebuilds it."""
        config = {}
        for key in self.config_keys:
            value = getattr(self, key)
            if key == "dtype":
                value = np.dtype(value).name
            elif key == "input_shape" and value is not None:
                value = list(value)
            config[key] = value
        return config

    def get_weights(self):
        """The parameters as a list of arrays, in the order and shapes Keras uses for the same layer."""
        return [p.copy() for p in self.params.values()]

    def set_weights(self, weights):
        """Load a list of arrays as returned by ``get_weights`` (or Keras's ``layer.get_weights()``).

        Raises ValueError, and changes nothing, when the number of arrays or a shape does not match or a value is not
        finite; TypeError for arrays of anything but real numbers (complex ones would lose their imaginary part).
        """
        self._assign(self._params_from_weights(list(weights)))

    def from_torch(self, state):
        """Load PyTorch parameters: ``state`` is a dict (a ``state_dict``) of arrays or tensors under PyTorch's names,
        exactly the ones ``to_torch`` gives (see the layer's file). Raises TypeError/ValueError naming ``state``, and
        changes nothing, for anything else."""
        self._assign(self._params_from_torch(state))

    def _params_from_torch(self, state):
        raise NotImplementedError(f"{type(self).__name__} has no PyTorch counterpart")

    def _require_built(self):
        if not self.built:
            raise ValueError(f"{self.name}: build the layer (or call it once) before setting its weights")

    def _params_from_weights(self, weights):
        self._require_built()
        if len(weights) != len(self.params):
            raise ValueError(f"{self.name}: set_weights expects {len(self.params)} arrays "
                             f"({', '.join(self.params)}), got {len(weights)}")
        return dict(zip(self.params, weights))

    def _assign(self, new_params):
        """Check every array against the current shapes first, then copy them in: all or nothing."""
        self._require_built()
        checked = {}
        for name, value in new_params.items():
            value = np.asarray(value)
            if value.shape != self.params[name].shape:
                raise ValueError(f"{self.name}: weight {name!r} must have shape {self.params[name].shape}, "
                                 f"got {value.shape}")
            checked[name] = check_real_array(value, f"{self.name}: weight {name!r}")
        for name, value in checked.items():
            self.params[name][...] = value

    def input_ndim(self, x):
        """The rank dense input must have (token ids: one less). Layers that accept any rank return ``x``'s own."""
        return None

    # For a layer whose input can only be numbers (Flatten, Activation, RepeatVector): what it expects instead of
    # integers, said when it gets token ids. None: integers are token ids, read as one-hot rows.
    refuses_token_ids = None

    def check_input(self, x, name="x"):
        """Validate and return ``x`` as this layer's input (see ``check_input_array``); errors name ``name``."""
        x = np.asarray(x)
        if self.refuses_token_ids and x.dtype.kind in "iu":
            raise TypeError(f"{self.name}: {name} must be {self.refuses_token_ids}")
        ndim = self.input_ndim(x)
        if ndim is None:
            ndim = x.ndim + 1 if x.dtype.kind in "iu" else max(x.ndim, 2)
        return self._check_input(x, ndim, name)

    def _check_input(self, x, ndim, name="x"):
        return check_input_array(x, ndim, self.input_dim, self.dtype, name=f"{self.name}: {name}")

    def _scratch(self, name, shape):
        """A work array kept from one call to the next, for arrays that never leave the layer.

        Allocating a fresh array of a megabyte costs page faults on first touch, as much time as the arithmetic of a
        small recurrent layer on it; reusing the same memory batch after batch avoids that. Arrays handed to the
        caller (outputs, states) are always fresh, so no result ever changes under the caller's feet.
        """
        buffers = self.__dict__.setdefault("_buffers", {})
        buffer = buffers.get(name)
        if buffer is None or buffer.shape != tuple(shape) or buffer.dtype != self.dtype:
            buffer = buffers[name] = np.empty(shape, dtype=self.dtype)
        return buffer

    def _require_cache(self, what="backward"):
        """What ``forward`` kept for ``what`` (backward, logits); NoForwardPassError, a ValueError, before any."""
        if self.cache is None:
            raise NoForwardPassError(f"{self.name}: {what} called before forward (there is nothing to "
                                     f"{'differentiate' if what == 'backward' else 'read'})")
        return self.cache

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"
