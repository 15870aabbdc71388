"""Concatenate: several inputs side by side on the last axis (Keras's Concatenate, axis=-1).

    x_1 (..., F_1), x_2 (..., F_2), ..., x_k (..., F_k)   ->   y (..., F_1 + ... + F_k)
    y = [x_1 | x_2 | ... | x_k]          the leading axes (B, or B and T) must be the same for all

A seq2seq "peeky" decoder concatenates the encoder's state, repeated over the steps (RepeatVector), to its input
embedding at every step, and again to its hidden states before the output layer. Backward, each part of y came from
one input, so the gradient is cut into the same parts:

    dx_i = dy[..., F_1 + ... + F_(i-1) : F_1 + ... + F_i]

Masks: a step is real where it is real in every input that has a mask (Keras's rule for the last axis). No weights.
Keras weights: none. Only axis=-1: the features (the one Keras's seq2seq examples use).
"""
import numpy as np

from ..checks import check_gradient, check_input_array
from .base import Layer, documented


@documented()
class Concatenate(Layer):
    """``Concatenate(axis=-1, ...)``: a list of inputs side by side on the last axis.

    Arguments:
        axis=-1                 the axis to join along: only -1, the features

    Call: ``forward([x_1, x_2, ...])`` (at least two float arrays with the same leading axes); ``backward(dout)``
    returns a list [dx_1, dx_2, ...]. Raises ValueError/TypeError for another axis and for inputs that do not fit."""

    config_keys = Layer.config_keys + ("axis",)
    takes_list = True  # a graph passes it a list of tensors

    def __init__(self, axis=-1, **kwargs):
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or axis != -1:
            raise ValueError(f"axis must be -1 (the features): other axes are not supported, got {axis!r}")
        super().__init__(**kwargs)
        self.axis = -1

    def output_shape(self, input_shape):
        """(..., F_1 + ... + F_k) for the input shapes [(..., F_1), ...] (without the batch axis)."""
        widths = [shape[-1] for shape in input_shape]
        return tuple(input_shape[0][:-1]) + (None if None in widths else sum(widths),)

    def forward(self, inputs, training=False, mask=None):
        """The inputs joined on the last axis; ``training`` changes nothing, ``mask`` (a list, one per input or None)
        gives the output's (``compute_mask``)."""
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise TypeError(f"{self.name}: inputs must be a list of at least two arrays, got "
                            f"{type(inputs).__name__}" + (f" of length {len(inputs)}"
                                                          if isinstance(inputs, (list, tuple)) else ""))
        xs = [check_input_array(np.asarray(x), np.ndim(x), None, self.dtype, name=f"{self.name}: inputs[{i}]")
              for i, x in enumerate(inputs)]
        if any(x.ndim < 2 or x.shape[:-1] != xs[0].shape[:-1] for x in xs):
            raise ValueError(f"{self.name}: the inputs must have the same axes but the last, (batch, ..., features), "
                             f"got shapes {[x.shape for x in xs]}")
        if not self.built:
            self.build(xs[0].shape[-1])
        self.cache = [x.shape[-1] for x in xs]
        return np.concatenate(xs, axis=-1)

    def compute_mask(self, mask):
        """True where every input with a mask is real; None when none has one."""
        if mask is None:
            return None
        given = [np.asarray(m, dtype=bool) for m in mask if m is not None]
        return np.logical_and.reduce(given) if given else None

    def backward(self, dout):
        """[dx_1, dx_2, ...]: ``dout`` cut into the inputs' widths."""
        widths = self._require_cache()
        dout = np.asarray(dout)
        dout = check_gradient(dout, dout.shape[:-1] + (sum(widths),), self.dtype)
        return np.split(dout, np.cumsum(widths)[:-1], axis=-1)

    def resolve_ties(self, layers):
        """Refuse to join a Sequential model, whose layers each take one input: this one takes a list."""
        raise ValueError(f"{self.name} takes a list of inputs, and a Sequential model passes each layer one array; "
                         "use it in a graph: Concatenate()([a, b]) on Input tensors (numpy_rnn.Model)")
