"""Dense: an affine map on the last axis followed by an activation.

    z = x W + b          x (..., F)   W (F, U)   b (U,)   z (..., U)
    y = activation(z)

The leading axes are free, so the same layer maps a batch of vectors (B, F) or every step of a sequence (B, T, F)
(what Keras calls TimeDistributed(Dense)).

Backward, given dy:

    dz = activation'(z) * dy           (written with y: see activations.py)
    dW = sum over all leading axes of x^T dz,   db = sum of dz,   dx = dz W^T

Keras weights: [kernel (F, U), bias (U,)]. PyTorch's nn.Linear: weight = W^T (U, F), bias = b.
"""
import numpy as np

from ..activations import get_activation
from ..checks import check_gradient, check_positive_int, check_state_dict
from .base import Layer
from .projection import bias_gradient, project, project_backward


class Dense(Layer):
    """``Dense(units, activation=None)``: see the module docstring. Token ids as input are read as one-hot rows.

    Raises ValueError/TypeError for invalid arguments and for input of the wrong size or values.
    """

    config_keys = Layer.config_keys + ("units", "activation")

    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units")
        self.activation = "linear" if activation is None else activation
        self._act_forward, self._act_backward = get_activation(activation)

    def _init_params(self, input_dim, rng):
        return {"W": self._init("glorot_uniform")((input_dim, self.units), rng, self.dtype),
                "b": np.zeros(self.units, dtype=self.dtype)}

    def output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def forward(self, x, training=False, mask=None):
        """``activation(x W + b)``; ``training`` and ``mask`` change nothing here (each step is mapped alone)."""
        x = self.check_input(x)
        if not self.built:
            self.build(x.shape[-1])
        z = project(x, self.params["W"], self.params["b"])
        y = self._act_forward(z)
        self.cache = (x, z, y)
        return y

    def backward(self, dout, through_activation=True):
        """Gradient w.r.t. the input, given ``dout`` = dL/dy. With ``through_activation=False``, ``dout`` is already
        the gradient w.r.t. the logit ``z`` (used when the activation is fused with the loss)."""
        x, z, y = self._require_cache()
        dout = check_gradient(dout, y.shape, self.dtype)
        dz = self._act_backward(y, dout) if through_activation else dout
        dW, dx = project_backward(x, dz, self.params["W"], self.input_grad)
        self.grads = {"W": dW, "b": bias_gradient(dz)}
        return dx

    @property
    def logits(self):
        """``z`` from the last forward pass (before the activation)."""
        return self._require_cache("logits")[1]

    def to_torch(self, arrays=None):
        """Parameters (or another dict with their keys) under nn.Linear's names and layouts."""
        p = self.params if arrays is None else arrays
        return {"weight": p["W"].T.copy(), "bias": p["b"].copy()}

    def _params_from_torch(self, state):
        check_state_dict(state, ("weight", "bias"), self.name)
        return {"W": np.asarray(state["weight"]).T, "b": np.asarray(state["bias"])}
