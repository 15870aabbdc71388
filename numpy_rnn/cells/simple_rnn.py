"""SimpleRNNCell: the Elman cell, h_t = activation(x_t W_x + h_{t-1} W_h + b), tanh by default.

Forward, one step (B batch, F features, H units):

    X_t = x_t W_x + b                  (B, H)    the input part (computed for all steps at once by the layer)
    a_t = X_t + h_{t-1} W_h            (B, H)
    h_t = tanh(a_t)                    (B, H)    or the ``activation`` given: "tanh", "relu", "sigmoid", "linear"/None

Backward, the same step in reverse, given dh_t (the gradient arriving at h_t from the output and from step t+1):

    da_t = dh_t * (1 - h_t^2)          tanh'(a) = 1 - tanh(a)^2, so the cached h_t is all we need
    dX_t = dR_t = da_t                 a_t is the plain sum of its two parts
    dh_{t-1} = da_t W_h^T

The factor 1 - h_t^2 does not depend on dh_t: ``backward_factors`` computes it, and the layer does so for a block of
steps in one call before going back through them (one multiplication per step instead of three). Another activation
puts its own derivative there, written with h_t as well (activations.py: relu' = 1 where h_t > 0, linear' = 1).

With recurrent dropout (training only; the layer draws the mask m_h (B, H), 0 or 1 / (1 - recurrent_dropout), once
per sequence), W_h sees the dropped state and the gradient goes back through the same mask (cells/base.py):

    a_t = X_t + (h_{t-1} * m_h) W_h              dh_{t-1} = (da_t W_h^T) * m_h

The transpose in the last line is the one the textbook's listing leaves out (it writes ``err @ w1h``); the gradient
checks in tests/ show that the omission is caught. The weight gradients dW_x = sum_t x_t^T dX_t, dW_h = sum_t
h_{t-1}^T dR_t and db = sum_t dX_t are the same for every cell (cells/base.py).

Parameters, in Keras's order and shapes: ``W_x`` = kernel (F, H), ``W_h`` = recurrent_kernel (H, H), ``b`` = bias (H,).
PyTorch's ``nn.RNN`` stores the transposes and two biases: weight_ih_l0 = W_x^T, weight_hh_l0 = W_h^T,
bias_ih_l0 + bias_hh_l0 = b (``to_torch`` / ``from_torch`` in cells/base.py; PyTorch's ``nonlinearity`` is "tanh" or
"relu").
"""
import numpy as np

from ..activations import get_elementwise_activation
from ..layers.base import documented
from .base import CELL_ARGUMENTS, Cell


@documented(CELL_ARGUMENTS)
class SimpleRNNCell(Cell):
    """``SimpleRNNCell(units, activation="tanh", dropout=0.0, recurrent_dropout=0.0, ...)``: one step; its state is
    ``[h]``.

    Arguments:
        activation="tanh"       "tanh", "relu", "sigmoid", "linear" or None (linear); ValueError for another name
    """

    gates = 1
    state_names = ("h",)
    config_keys = Cell.config_keys + ("activation",)

    def __init__(self, units, activation="tanh", **kwargs):
        self._activation, self._derivative = get_elementwise_activation(activation)
        super().__init__(units, **kwargs)
        self.activation = "linear" if activation is None else activation

    def _init_params(self, input_dim, rng):
        H = self.units
        return {"W_x": self._init("glorot_uniform")((input_dim, H), rng, self.dtype),
                "W_h": self._init("orthogonal")((H, H), rng, self.dtype),
                "b": np.zeros(H, dtype=self.dtype)}

    def step(self, X_t, states, m_h=None):
        (h_prev,) = states
        if m_h is not None:  # recurrent dropout: W_h sees the dropped state
            h_prev = h_prev * m_h
        a_t = X_t + np.dot(h_prev, self.params["W_h"])
        h_t = self._activation(a_t, out=a_t)  # in place: a_t is not needed again
        return [h_t], (h_t,)  # the backward pass needs only h_t

    def backward_factors(self, cache):
        (h_t,) = cache
        return (self._derivative(h_t),)  # tanh'(a_t) = 1 - h_t^2: the layer computes it for a block of steps at once

    def step_backward(self, dstates, cache, factors, m_h=None):
        (dh_t,) = dstates
        (dh_da,) = factors
        da_t = dh_t * dh_da
        dh_prev = np.dot(da_t, self.params["W_h"].T)
        if m_h is not None:
            dh_prev *= m_h
        return da_t, da_t, [dh_prev]
