"""RepeatVector: one vector per sample, repeated over n steps (Keras's RepeatVector).

    x (B, F)   ->   y (B, n, F)          y[b, t] = x[b] for every step t

A seq2seq "peeky" decoder reads the encoder's final state at every step: the state (B, H) repeated over the decoder's
steps, then concatenated to each step's input (Concatenate). Backward, x[b] was copied into every step, so its
gradient is the sum of the copies' gradients:

    dx[b] = sum over t of dy[b, t]           dy (B, n, F)   dx (B, F)

No weights. Keras weights: none.
"""
import numpy as np

from ..checks import check_gradient, check_positive_int
from .base import Layer, documented


@documented()
class RepeatVector(Layer):
    """``RepeatVector(n, ...)``: (B, F) -> (B, n, F), each sample's vector at every one of n steps.

    Arguments:
        n                       the number of steps

    Input: (B, F) floats. Raises ValueError/TypeError for an invalid n and for input of the wrong rank or values."""

    refuses_token_ids = "vectors (a float array (batch, features)), got integers"

    config_keys = Layer.config_keys + ("n",)

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = check_positive_int(n, "n")

    def input_ndim(self, x):
        return 2  # (B, F)

    def output_kind(self, input_kind):
        return "sequence"

    def output_shape(self, input_shape):
        return (self.n,) + tuple(input_shape)

    def forward(self, x, training=False, mask=None):
        """``x`` (B, F) repeated into (B, n, F); ``training`` and ``mask`` change nothing."""
        x = self.check_input(x)
        if not self.built:
            self.build(x.shape[-1])
        self.cache = x.shape
        return np.repeat(x[:, None, :], self.n, axis=1)

    def compute_mask(self, mask):
        return None  # the steps are all real: the vector is the same at each

    def backward(self, dout):
        """dx = sum over the steps of ``dout`` (B, n, F)."""
        shape = self._require_cache()
        dout = check_gradient(dout, (shape[0], self.n, shape[1]), self.dtype)
        return dout.sum(axis=1) if self.input_grad else None
