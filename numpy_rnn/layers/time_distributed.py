"""TimeDistributed: one layer applied to every time step of a sequence, with the same weights at every step.

    x (B, T, ...)  ->  fold:   x_folded = x.reshape(B * T, ...)          each step becomes a sample of its own
                       layer:  y_folded = layer(x_folded)                 (B * T, ...out)
                       unfold: y = y_folded.reshape(B, T, ...out)

Row b * T + t of the folded batch is step t of sample b, so the unfolding puts every result back where its step came
from. Backward runs the same three steps on the gradient:

    dy (B, T, ...out)  ->  dy_folded = dy.reshape(B * T, ...out)
                           dx_folded = layer.backward(dy_folded)       fills layer.grads: the sum over all B * T rows,
                                                                       the gradient of weights shared by every step
                           dx = dx_folded.reshape(B, T, ...)

The wrapper has no weights of its own: ``params`` and ``grads`` are the inner layer's own dicts, so optimizers,
``get_weights`` / ``set_weights`` (Keras's: the inner layer's list) and saved files see the inner layer's arrays.
A Dense already maps every step of a sequence (its leading axes are free), so ``TimeDistributed(Dense(3))`` computes
what ``Dense(3)`` does; the wrapper says it in Keras's words, and works for any layer that maps one sample at a time.
A final ``TimeDistributed(Dense(C, activation="softmax"))`` with a categorical cross-entropy is fused with its loss as
Dense is (see losses.py). Token ids (B, T) fold to (B * T,) ids, which a Dense reads as one-hot rows.
"""
import numpy as np

from ..checks import check_gradient
from .base import Layer, documented


def _persistence():
    # persistence.py imports the layer classes to rebuild saved layers, so it can only be imported once they exist.
    from .. import persistence
    return persistence


@documented()
class TimeDistributed(Layer):
    """``TimeDistributed(layer, ...)``: ``layer`` applied to every time step, with the same weights at every step.

    Arguments:
        layer                   a layer instance (or, when a saved model is rebuilt, its description
                                ``{"class": ..., "config": ...}``)

    Raises TypeError for something that is not a layer, ValueError for a layer that cannot be applied step by step
    (one that carries state between calls or returns its states) and for input without a time axis."""

    needs_sequences = True
    config_keys = ("input_dim", "input_shape", "dtype", "name", "layer")

    def __init__(self, layer, **kwargs):
        if isinstance(layer, dict):
            layer = _persistence().layer_from_config(layer)
        if not isinstance(layer, Layer):
            raise TypeError(f"layer must be a numpy_rnn layer, got {type(layer).__name__}")
        if layer.stateful or layer.return_state:
            raise ValueError(f"layer: {layer.name} carries or returns states, which cannot be split into independent "
                             "time steps")
        if layer.reads_token_ids_only:
            raise ValueError(f"layer: {layer.name} must be a model's first layer; it cannot be wrapped")
        kwargs.setdefault("dtype", layer.dtype)
        kwargs.setdefault("input_dim", layer.input_dim)
        super().__init__(**kwargs)
        self.layer = layer
        if layer.built:
            if layer.dtype != self.dtype:
                raise ValueError(f"layer: {layer.name} was built in {layer.dtype.name}, not in {self.dtype.name}")
            self._share_inner_arrays()

    def _share_inner_arrays(self):
        self.params, self.grads, self.built = self.layer.params, self.layer.grads, True

    def build(self, input_dim, rng=None):
        if not self.layer.built:
            self.layer.dtype = self.dtype  # a model's dtype reaches the wrapper; the inner layer computes in it too
            self.layer.build(input_dim, rng)
        self.input_dim = self.layer.input_dim
        self._share_inner_arrays()

    def resolve_ties(self, layers):
        self.layer.resolve_ties(layers)  # a tied Dense inside: its Embedding is one of the model's layers

    def output_kind(self, input_kind):
        return "sequence"

    def output_shape(self, input_shape):
        steps, *rest = tuple(input_shape)
        return (steps,) + tuple(self.layer.output_shape(tuple(rest)))

    def get_config(self):
        config = super().get_config()
        config["layer"] = _persistence().layer_config(self.layer)
        return config

    def check_input(self, x, name="x"):
        """``x`` as the inner layer checks each of its steps (see ``Layer.check_input``), after checking that it has
        a time axis; the errors name ``name``."""
        x = np.asarray(x)
        ids = x.dtype.kind in "iu"
        if x.ndim < (2 if ids else 3):
            shape = "(batch, steps) of token ids" if ids else "(batch, steps, ...)"
            raise ValueError(f"{self.name}: {name} must have a time axis, {shape}; got shape {x.shape}")
        steps = self.layer.check_input(x.reshape((x.shape[0] * x.shape[1],) + x.shape[2:]), name)
        return steps.reshape(x.shape[:2] + steps.shape[1:])

    @property
    def activation(self):
        """The inner layer's activation when it can be fused with the loss (it has ``logits``), else None."""
        return getattr(self.layer, "activation", None) if hasattr(type(self.layer), "logits") else None

    @property
    def logits(self):
        """The inner layer's logits from the last forward pass, unfolded to (B, T, ...)."""
        B, T = self._require_cache()[:2]
        z = self.layer.logits
        return z.reshape((B, T) + z.shape[1:])

    def forward(self, x, training=False, mask=None):
        """The inner layer on every step of ``x`` (B, T, ...). ``training`` is passed on; ``mask`` (B, T) masks whole
        steps, which the inner layer (applied to one step at a time) has no use for."""
        x = self.check_input(x)
        if not self.built:
            self.build(self.input_dim if x.dtype.kind in "iu" else x.shape[-1])
        B, T = x.shape[:2]
        self.layer.input_grad = self.input_grad
        y_folded = self.layer.forward(x.reshape((B * T,) + x.shape[2:]), training=training)
        self.cache = (B, T, x.shape, y_folded.shape)
        return y_folded.reshape((B, T) + y_folded.shape[1:])

    def backward(self, dout, through_activation=True):
        """dL/dx (B, T, ...) given ``dout`` (B, T, ...out); the inner layer's ``grads`` (which are this layer's) are
        the sums over every step. ``through_activation=False``: ``dout`` is the gradient w.r.t. the logits."""
        B, T, x_shape, y_folded_shape = self._require_cache()
        dout = check_gradient(dout, (B, T) + y_folded_shape[1:], self.dtype)
        dy_folded = dout.reshape(y_folded_shape)
        if through_activation:
            dx_folded = self.layer.backward(dy_folded)
        else:
            dx_folded = self.layer.backward(dy_folded, through_activation=False)
        self.grads = self.layer.grads  # the inner layer made a new dict
        return None if dx_folded is None else dx_folded.reshape(x_shape)
