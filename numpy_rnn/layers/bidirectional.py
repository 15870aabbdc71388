"""Bidirectional: one recurrent layer reads the sequence forwards, a copy of it reads it backwards, and their outputs
are merged (Keras's ``Bidirectional``).

    y_f = forward_layer(x)                    reads x_1 ... x_T            (B, T, H) or (B, H)
    y_b = backward_layer(x)                   reads x_T ... x_1 (go_backwards=True)
    with return_sequences, y_b is flipped back to the input's order, so y_f[:, t] and y_b[:, t] both belong to x_t:
    y_f[:, t] has read x_1 ... x_t, and y_b[:, t] has read x_T ... x_t.

    merge_mode  "concat": y = [y_f | y_b] (..., 2H)    "sum": y_f + y_b    "mul": y_f * y_b    "ave": (y_f + y_b) / 2
                None: the list [y_f, y_b]

Backward, given dy, each merge splits the gradient between the directions by the same rule read backwards:

    concat: dy_f, dy_b = dy[..., :H], dy[..., H:]     sum: dy, dy     mul: dy * y_b, dy * y_f     ave: dy / 2, dy / 2
    dx = dx_f + dx_b                                   x feeds both directions

With a mask (padded steps), both directions skip the padding, so the backward direction starts at each sequence's last
real step, wherever the padding is. With return_sequences, both directions' outputs are 0 at the padded steps
(Keras's rule for Bidirectional, where a single layer repeats its last real output): y_f and y_b are multiplied by the
mask m (B, T, 1) before the merge, and so are their gradients after it. With ``return_state`` the output is
``[y, forward states..., backward states...]``.

Weights (Keras's order): ``get_weights()`` is the forward layer's list followed by the backward layer's. ``params``
names them ``forward_W_x``, ..., ``backward_W_x``, ...: the two layers' own arrays. PyTorch's ``bidirectional=True``
modules name the backward direction's parameters with a ``_reverse`` suffix (``to_torch`` / ``from_torch``).
"""
import numpy as np

from ..checks import check_gradient
from .base import Layer, documented

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


@documented()
class Bidirectional(Layer):
    """``Bidirectional(layer, merge_mode="concat", backward_layer=None, name=None, ...)``: ``layer`` reads the
    sequence forwards, a copy of it backwards, and their outputs are merged.

    Arguments:
        layer                   a recurrent layer (SimpleRNN, LSTM, GRU, LayerNormSimpleRNN or RNN)
        merge_mode="concat"     "concat", "sum", "mul", "ave", or None (a list of the two outputs)
        backward_layer=None     the backward direction; None: a fresh copy of ``layer`` with ``go_backwards``
                                flipped (one given must have the same return_sequences and return_state, and
                                go_backwards set)
        name=None               None: "bidirectional_" and the layer's name

    Raises TypeError/ValueError for anything else."""

    def __init__(self, layer, merge_mode="concat", backward_layer=None, name=None, **kwargs):
        layer = _recurrent_layer(layer, "layer")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"merge_mode must be one of {MERGE_MODES}, got {merge_mode!r}")
        if backward_layer is None:
            backward_layer = type(layer)(**{**layer.get_config(), "go_backwards": not layer.go_backwards,
                                            "name": f"backward_{layer.name}"})
        else:
            backward_layer = _recurrent_layer(backward_layer, "backward_layer")
            for setting in ("return_sequences", "return_state"):
                if getattr(backward_layer, setting) != getattr(layer, setting):
                    raise ValueError(f"backward_layer must have the same {setting} as layer")
            if backward_layer.go_backwards == layer.go_backwards:
                raise ValueError("backward_layer must read the other way: give it go_backwards=True")
        kwargs.setdefault("dtype", layer.dtype)
        kwargs.setdefault("input_dim", layer.input_dim)  # token ids need the vocabulary size: the layer's own
        kwargs.setdefault("input_shape", layer.input_shape)
        super().__init__(name=name or f"bidirectional_{layer.name}", **kwargs)
        self.forward_layer, self.backward_layer = layer, backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = layer.stateful
        self.units = layer.units
        self.state_names = tuple(f"forward_{n}" for n in layer.state_names) + tuple(
            f"backward_{n}" for n in layer.state_names)

    # The parameters are the two layers' own arrays, under one dict per direction's prefix.
    @property
    def params(self):
        return {f"{d}_{k}": v for d, layer in self._directions() for k, v in layer.params.items()}

    @params.setter
    def params(self, value):
        if value:
            raise AttributeError("a Bidirectional layer's params are its two layers': set them with set_weights")

    @property
    def grads(self):
        return {f"{d}_{k}": v for d, layer in self._directions() for k, v in layer.grads.items()}

    @grads.setter
    def grads(self, value):
        if value:
            raise AttributeError("a Bidirectional layer's grads are its two layers'")

    def _directions(self):
        return (("forward", self.forward_layer), ("backward", self.backward_layer))

    @property
    def built(self):
        return self.forward_layer.built and self.backward_layer.built

    @built.setter
    def built(self, value):
        pass  # the two layers say whether they are built

    def build(self, input_dim, rng=None):
        for _, layer in self._directions():
            layer.dtype, layer.input_grad = self.dtype, self.input_grad
            if not layer.built:
                layer.build(input_dim, rng)
        self.input_dim = self.forward_layer.input_dim

    # -- the model contract -----------------------------------------------------------------------------------------
    needs_sequences = True

    def output_kind(self, input_kind):
        return self.forward_layer.output_kind(input_kind)

    def output_shape(self, input_shape):
        shape = self.forward_layer.output_shape(input_shape)
        return shape[:-1] + (2 * shape[-1],) if self.merge_mode == "concat" else shape

    def input_ndim(self, x):
        return 3

    def compute_mask(self, mask):
        return mask if self.return_sequences else None

    def reset_states(self):
        for _, layer in self._directions():
            layer.reset_states()

    def get_carried_states(self):
        forward, backward = (layer.get_carried_states() for _, layer in self._directions())
        return forward + backward if forward and backward else []

    def set_carried_states(self, states):
        states = list(states)
        if not states:
            for _, layer in self._directions():
                layer.set_carried_states([])
            return
        n = len(self.forward_layer.state_names)
        if len(states) != 2 * n:
            raise ValueError(f"{self.name} carries {2 * n} states ({', '.join(self.state_names)}), got {len(states)}")
        self.backward_layer.set_carried_states(states[n:])  # checked, and may raise, before anything changes...
        try:
            self.forward_layer.set_carried_states(states[:n])
        except ValueError:
            self.backward_layer.set_carried_states([])  # ...so that a rejected call leaves both as they were
            raise

    def get_config(self):
        from ..persistence import layer_config  # persistence knows every layer class; imported when needed

        config = super().get_config()
        config.update(layer=layer_config(self.forward_layer), backward_layer=layer_config(self.backward_layer),
                      merge_mode=self.merge_mode)
        return config

    # -- forward ----------------------------------------------------------------------------------------------------
    def forward(self, x, initial_state=None, training=False, mask=None):
        """The merged outputs of both directions (see the module docstring). ``initial_state``: the forward layer's
        states followed by the backward layer's."""
        x = self.check_input(x)
        n = len(self.forward_layer.state_names)
        if initial_state is not None:
            if not isinstance(initial_state, (list, tuple, np.ndarray)):
                raise TypeError(f"{self.name}: initial_state must be a list of arrays, got "
                                f"{type(initial_state).__name__}")
            initial_state = [initial_state] if isinstance(initial_state, np.ndarray) else list(initial_state)
            if len(initial_state) != 2 * n:
                raise ValueError(f"{self.name}: initial_state must hold {2 * n} arrays "
                                 f"({', '.join(self.state_names)}), got {len(initial_state)}")
            for k, (_, layer) in enumerate(self._directions()):  # both checked before either direction runs
                layer._initial_states(len(x), initial_state[k * n:(k + 1) * n])
        if not self.built:
            self.build(self.input_dim if x.dtype.kind in "iu" else x.shape[-1])
        for _, layer in self._directions():
            layer.input_grad = self.input_grad  # a model's first layer skips dL/dx: so do both directions
        outs = []
        for k, (_, layer) in enumerate(self._directions()):
            given = None if initial_state is None else initial_state[k * n:(k + 1) * n]
            outs.append(layer.forward(x, initial_state=given, training=training, mask=mask))
        (y_f, *states_f), (y_b, *states_b) = outs if self.return_state else [[y] for y in outs]
        real = None
        if self.return_sequences:
            y_b = y_b[:, ::-1]  # the backward layer's outputs come last step first: back to the input's order
            if mask is not None:  # Keras's Bidirectional outputs 0 at padded steps, in both directions
                real = np.asarray(mask, dtype=bool)[..., None]
                y_f, y_b = y_f * real, y_b * real
        self.cache = (x.dtype.kind in "iu", y_f, y_b, real)
        y = self._merge(y_f, y_b)
        if self.return_state:
            return [y] + states_f + states_b
        return y

    def _merge(self, y_f, y_b):
        if self.merge_mode == "concat":
            return np.concatenate([y_f, y_b], axis=-1)
        if self.merge_mode == "sum":
            return y_f + y_b
        if self.merge_mode == "mul":
            return y_f * y_b
        if self.merge_mode == "ave":
            return (y_f + y_b) / 2
        return [y_f, y_b]

    # -- backward ---------------------------------------------------------------------------------------------------
    def backward(self, dout):
        """dL/dx, the sum of both directions' (None for token ids). ``dout`` has the output's shape; a list
        ``[dy_f, dy_b]`` with ``merge_mode=None``; with ``return_state``, ``[dy, dstates...]`` (entries may be None)."""
        ids, y_f, y_b, real = self._require_cache()
        n = len(self.forward_layer.state_names)
        dstates = [None] * (2 * n)
        if self.return_state:
            if not isinstance(dout, (list, tuple)) or len(dout) != 1 + 2 * n:
                raise TypeError(f"{self.name}: with return_state, dout must be a list [doutput, "
                                f"{', '.join('d' + s for s in self.state_names)}] (entries may be None)")
            dout, *dstates = dout
        dy_f, dy_b = self._merge_backward(dout, y_f, y_b)
        if real is not None:  # the zeros at padded steps lead nowhere
            dy_f, dy_b = dy_f * real, dy_b * real
        if self.return_sequences:
            dy_b = dy_b[:, ::-1]  # in the backward layer's own order, last step first
        grads = []
        for dy, ds, (_, layer) in zip((dy_f, dy_b), (dstates[:n], dstates[n:]), self._directions()):
            grads.append(layer.backward([dy] + ds if self.return_state else dy))
        self.initial_state_grads = None if any(layer.initial_state_grads is None for _, layer in
                                               self._directions()) else [
            *self.forward_layer.initial_state_grads, *self.backward_layer.initial_state_grads]
        if ids or grads[0] is None:
            return None
        return grads[0] + grads[1]

    def _merge_backward(self, dout, y_f, y_b):
        if self.merge_mode is None:
            if not isinstance(dout, (list, tuple)) or len(dout) != 2:
                raise TypeError(f"{self.name}: with merge_mode=None, dout must be a list [dy_forward, dy_backward]")
            return [check_gradient(d, y_f.shape, self.dtype) for d in dout]
        shape = self.output_shape_of(y_f)
        dy = check_gradient(dout, shape, self.dtype)
        if self.merge_mode == "concat":
            H = y_f.shape[-1]
            return dy[..., :H], dy[..., H:]
        if self.merge_mode == "sum":
            return dy, dy
        if self.merge_mode == "mul":
            return dy * y_b, dy * y_f
        return dy / 2, dy / 2  # "ave"

    def output_shape_of(self, y_f):
        """The merged output's shape for the forward direction's output ``y_f``."""
        return y_f.shape[:-1] + (2 * y_f.shape[-1],) if self.merge_mode == "concat" else y_f.shape

    # -- weights ----------------------------------------------------------------------------------------------------
    def get_weights(self):
        return self.forward_layer.get_weights() + self.backward_layer.get_weights()

    def set_weights(self, weights):
        """The forward layer's weights followed by the backward layer's (Keras's order). Raises ValueError, and
        changes nothing, when their number or a shape does not fit."""
        weights = list(weights)
        self._require_built()
        n = len(self.forward_layer.get_weights())  # Keras's arrays: a GRU has 3 (its two biases in one), 4 params
        if len(weights) != 2 * n:
            raise ValueError(f"{self.name}: set_weights expects {2 * n} arrays (the forward layer's, then the "
                             f"backward layer's), got {len(weights)}")
        forward = self.forward_layer._params_from_weights(weights[:n])
        backward = self.backward_layer._params_from_weights(weights[n:])
        self._assign({**{f"forward_{k}": v for k, v in forward.items()},
                      **{f"backward_{k}": v for k, v in backward.items()}})

    def to_torch(self, arrays=None):
        """Both directions under PyTorch's names: the backward one's with the ``_reverse`` suffix."""
        p = self.params if arrays is None else arrays
        state = {}
        for d, layer in self._directions():
            suffix = "_reverse" if d == "backward" else ""
            own = layer.to_torch({k[len(d) + 1:]: v for k, v in p.items() if k.startswith(d + "_")})
            state.update({k + suffix: v for k, v in own.items()})
        return state

    def _params_from_torch(self, state):
        """A PyTorch ``bidirectional=True`` module's parameters (a dict of arrays under its names), both directions
        checked before either changes (``from_torch`` in layers/base.py)."""
        if not isinstance(state, dict):
            raise TypeError(f"{self.name}: state must be a dict of PyTorch parameters, got {type(state).__name__}")
        reverse = {k: k.endswith("_reverse") for k in state if isinstance(k, str)}
        forward = self.forward_layer._params_from_torch({k: v for k, v in state.items() if not reverse.get(k)})
        backward = self.backward_layer._params_from_torch({k[:-len("_reverse")]: v for k, v in state.items()
                                                            if reverse.get(k)})
        return {**{f"forward_{k}": v for k, v in forward.items()}, **{f"backward_{k}": v for k, v in backward.items()}}


def _recurrent_layer(layer, name):
    """``layer`` (or the layer a saved configuration describes), checked to be a recurrent layer."""
    if isinstance(layer, dict):
        from ..persistence import layer_from_config

        layer = layer_from_config(layer)
    if not isinstance(layer, Layer) or not hasattr(layer, "go_backwards"):
        raise TypeError(f"{name} must be a recurrent layer (SimpleRNN, LSTM, GRU, LayerNormSimpleRNN or RNN), "
                        f"got {type(layer).__name__}")
    return layer
