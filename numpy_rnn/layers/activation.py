"""Activation: a function applied to every element on its own (softmax: to every row of the last axis).

    y = activation(z)          z (B, ...)   y (B, ...), the same shape

Backward, given dy, with the derivative written in terms of the output y as activations.py does:

    dz = activation'(z) * dy          sigmoid: y (1 - y) dy     tanh: (1 - y^2) dy     relu: (y > 0) dy
                                      softmax: y * (dy - sum(dy * y))  along the last axis

The same functions as Dense's ``activation=`` (activations.py is their one home): ``Dense(3, activation="tanh")`` and
``Dense(3)`` followed by ``Activation("tanh")`` compute the same thing. A final ``Activation("sigmoid")`` with
``binary_crossentropy`` (or ``"softmax"`` with a categorical cross-entropy) is fused with its loss and computed from
``z``, as for Dense (see losses.py). Keras weights: none.
"""
import numpy as np

from ..activations import get_activation
from ..checks import check_gradient
from .base import Layer, documented


@documented()
class Activation(Layer):
    """``Activation(activation, ...)``: a function applied to every value (softmax: to every row of the last axis).

    Arguments:
        activation              one of activations.py's names ("sigmoid", "tanh", "relu", "softmax", "linear");
                                None means linear

    Raises ValueError for an unknown name, TypeError for token ids (they are not numbers to transform) and
    ValueError for input of the wrong size or values."""

    refuses_token_ids = "a float array, got integers (token ids?)"

    config_keys = Layer.config_keys + ("activation",)

    def __init__(self, activation, **kwargs):
        self._act_forward, self._act_backward = get_activation(activation)  # checks the name before anything else
        super().__init__(**kwargs)
        self.activation = "linear" if activation is None else activation

    def forward(self, x, training=False, mask=None):
        """``activation(x)``; ``training`` and ``mask`` change nothing here."""
        z = self.check_input(x)
        if not self.built:
            self.build(z.shape[-1])
        y = self._act_forward(z)
        self.cache = (z, y)
        return y

    def backward(self, dout, through_activation=True):
        """dL/dz given ``dout`` = dL/dy. With ``through_activation=False``, ``dout`` is already dL/dz (the activation
        fused with the loss), and passes through."""
        z, y = self._require_cache()
        dout = check_gradient(dout, y.shape, self.dtype)
        if not self.input_grad:
            return None
        return self._act_backward(y, dout) if through_activation else dout

    @property
    def logits(self):
        """``z`` from the last forward pass (before the activation)."""
        return self._require_cache("logits")[0]
