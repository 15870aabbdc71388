"""Flatten: every sample's features side by side in one vector.

    x (B, d1, d2, ..., dk)   ->   y (B, d1 * d2 * ... * dk)       y[b, i] = x[b].reshape(-1)[i]

Row-major order (NumPy's and Keras's): for a sequence x (B, T, F), y[b, t * F + f] = x[b, t, f], so a Dense after it
sees step 1's F features, then step 2's, and so on. The batch axis is kept; (B, F) stays (B, F).

Flatten only moves numbers, so its backward pass moves the gradient back to where each number came from:

    dx = dy.reshape(B, d1, ..., dk)          dy (B, d1 * ... * dk)

It has no weights, and it reduces a sequence to one vector per sample: after it, a model has no time axis (and no
mask). Keras weights: none.
"""
import numpy as np

from ..checks import check_gradient
from .base import Layer, documented


@documented()
class Flatten(Layer):
    """``Flatten(...)``: every sample's features side by side in one vector. No arguments of its own.

    Raises TypeError for token ids (flatten their one-hot rows, or put an Embedding first) and ValueError for input
    of the wrong size or values."""

    refuses_token_ids = ("features (a float array); token ids would be flattened as numbers, not as one-hot rows: "
                         "put an Embedding first or one-hot encode them")

    def output_kind(self, input_kind):
        return "vector"

    def compute_mask(self, mask):
        return None  # no steps left to mask

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        return (None,) if None in shape else (int(np.prod(shape)),)

    def forward(self, x, training=False, mask=None):
        """``x`` with every axis after the batch axis joined into one; ``training`` and ``mask`` change nothing."""
        x = self.check_input(x)
        if not self.built:
            self.build(x.shape[-1])
        self.cache = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dout):
        """``dout`` (B, d1 * ... * dk) put back into the input's shape (B, d1, ..., dk)."""
        shape = self._require_cache()
        dout = check_gradient(dout, (shape[0], int(np.prod(shape[1:]))), self.dtype)
        return dout.reshape(shape) if self.input_grad else None
