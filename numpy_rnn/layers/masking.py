"""Masking: marks the steps whose features all equal ``mask_value`` as padding, for the layers after it.

    m[b, t] = 1 if any x[b, t, f] != mask_value else 0       x (B, T, F)   m (B, T)
    y[b, t] = m[b, t] * x[b, t]                              y (B, T, F)

The mask travels with the output to the next layers (recurrent layers skip the masked steps, losses ignore them);
the output itself has the padded steps zeroed, as Keras's ``Masking`` does. Backward: dx = m * dy. No parameters.
"""
import numpy as np

from ..checks import check_gradient
from .base import Layer, documented


@documented()
class Masking(Layer):
    """``Masking(mask_value=0.0, ...)``: the steps whose features all equal ``mask_value`` are padding.

    Arguments:
        mask_value=0.0          the value that marks a padded step (all of its features equal to it)

    Input: (B, T, F) floats (integers are read as numbers, not token ids). Raises TypeError/ValueError for a
    mask_value that is not a finite number or input that is not (B, T, F) numbers."""

    config_keys = Layer.config_keys + ("mask_value",)

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, (bool, np.bool_)) or not isinstance(mask_value, (int, float, np.integer, np.floating)):
            raise TypeError(f"mask_value must be a number, got {mask_value!r}")
        if not np.isfinite(mask_value):
            raise ValueError(f"mask_value must be a finite number, got {mask_value!r}")
        self.mask_value = float(mask_value)

    needs_sequences = True  # (batch, steps, features): it masks steps

    def check_input(self, x, name="x"):
        x = np.asarray(x)
        if x.dtype.kind in "iub":  # numbers, not token ids: a mask of features equal to mask_value
            x = x.astype(self.dtype)
        return self._check_input(x, 3, name)

    def forward(self, x, training=False, mask=None):
        """``x`` with the padded steps zeroed; the mask goes to the next layer through ``compute_mask``."""
        x = self.check_input(x)
        if not self.built:
            self.build(x.shape[-1])
        m = np.any(x != self.mask_value, axis=-1)  # (B, T)
        if mask is not None:  # a mask from before stays in force
            m = m & np.asarray(mask, dtype=bool)
        self.cache = m
        return x * m[..., None]

    def compute_mask(self, mask):
        return self._require_cache()

    def backward(self, dout):
        m = self._require_cache()
        dout = check_gradient(dout, m.shape + (self.input_dim,), self.dtype)
        return dout * m[..., None]
