"""LSTMCell: long short-term memory, with Keras's (and PyTorch's) gate order i, f, g, o.

Forward, one step (B batch, H units; the four gate blocks side by side, G = 4H):

    X_t = x_t W_x + b                      (B, 4H)   the input part (computed for all steps at once by the layer)
    a = X_t + h_{t-1} W_h                  (B, 4H)   blocks [a_i | a_f | a_g | a_o], each (B, H)
    i = sigmoid(a_i)    input gate:  how much of the candidate to write
    f = sigmoid(a_f)    forget gate: how much of the old cell state to keep
    g = tanh(a_g)       candidate cell state
    o = sigmoid(a_o)    output gate: how much of the cell state to show
    c_t = f * c_{t-1} + i * g                        (B, H)
    h_t = o * tanh(c_t)                              (B, H)

Backward, given dh_t and dc_t (the gradients arriving from step t+1 and the outputs), by the chain rule:

    dc = dc_t + dh_t * o (1 - tanh(c_t)^2)          c_t reaches the loss directly and through h_t
    da_i = dc * g * i (1 - i)                        c_t = ... + i * g,    and di/da_i = sigmoid' = i (1 - i)
    da_f = dc * c_{t-1} * f (1 - f)                  c_t = f * c_{t-1} + ...
    da_g = dc * i * (1 - g^2)                        tanh' = 1 - g^2
    da_o = dh_t * tanh(c_t) * o (1 - o)              h_t = o * tanh(c_t)
    dX_t = dR_t = da = [da_i | da_f | da_g | da_o]
    dc_{t-1} = dc * f                                the cell state's own path, with no matrix in it
    dh_{t-1} = da W_h^T

In each line the incoming gradient (dc or dh_t) multiplies a factor that depends only on the forward pass: the local
derivatives of the step,

    dh_dc = o (1 - tanh(c_t)^2)                                       how h_t moves with c_t          (B, H)
    dstep_da = [g i (1 - i) | c_{t-1} f (1 - f) | i (1 - g^2) | tanh(c_t) o (1 - o)]
               how c_t moves with a_i, a_f, a_g, and h_t with a_o                                     (B, 4H)

so a backward step is  dc = dc_t + dh_t * dh_dc,  da = [dc | dc | dc | dh_t] * dstep_da,  and the two lines after.

With recurrent dropout (training only; the layer draws m_h (B, H), 0 or 1 / (1 - recurrent_dropout), once per
sequence), all four gates' recurrent products see the same dropped state, as in Keras, and the gradient goes back
through the same mask (cells/base.py):

    a = X_t + (h_{t-1} * m_h) W_h                    dh_{t-1} = (da W_h^T) * m_h
``backward_factors`` computes the local derivatives; the layer does so for all steps at once, before the backward
loop (an LSTM of a few units is bound by the number of NumPy calls per step, not by their size).

Parameters, in Keras's order and shapes: ``W_x`` = kernel (F, 4H), ``W_h`` = recurrent_kernel (H, 4H), ``b`` = bias
(4H,). Keras starts the forget-gate bias at 1 (``unit_forget_bias``) so that the cell remembers at first; so does this
cell. PyTorch's ``nn.LSTM`` uses the same gate order with the matrices transposed: weight_ih_l0 = W_x^T,
weight_hh_l0 = W_h^T, bias_ih_l0 + bias_hh_l0 = b.
"""
import numpy as np

from ..activations import sigmoid, tanh
from ..layers.base import documented
from .base import CELL_ARGUMENTS, Cell


@documented(CELL_ARGUMENTS)
class LSTMCell(Cell):
    """``LSTMCell(units, dropout=0.0, recurrent_dropout=0.0, ...)``: one LSTM step; its states are ``[h, c]``."""

    gates = 4
    state_names = ("h", "c")

    def _init_params(self, input_dim, rng):
        H = self.units
        b = np.zeros(4 * H, dtype=self.dtype)
        b[H:2 * H] = 1.0  # forget gate open at the start
        return {"W_x": self._init("glorot_uniform")((input_dim, 4 * H), rng, self.dtype),
                "W_h": self._init("orthogonal")((H, 4 * H), rng, self.dtype),
                "b": b}

    def step(self, X_t, states, m_h=None):
        h_prev, c_prev = states
        if m_h is not None:  # recurrent dropout: W_h sees the dropped state
            h_prev = h_prev * m_h
        H = self.units
        a = X_t + np.dot(h_prev, self.params["W_h"])  # [a_i | a_f | a_g | a_o]
        # i, f and o are the sigmoids of their blocks: one sigmoid call for all of a (its g block goes unused)
        gates = sigmoid(a)
        i, f, o = gates[:, :H], gates[:, H:2 * H], gates[:, 3 * H:]
        g = tanh(a[:, 2 * H:3 * H])
        c_t = f * c_prev + i * g
        tanh_c = tanh(c_t)
        h_t = o * tanh_c
        return [h_t, c_t], (gates, g, c_prev, tanh_c)

    def backward_factors(self, cache):
        gates, g, c_prev, tanh_c = cache
        H = self.units
        i, f, o = gates[..., :H], gates[..., H:2 * H], gates[..., 3 * H:]
        dh_dc = o * (1 - tanh_c * tanh_c)
        dstep_da = np.concatenate([g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g * g), tanh_c * o * (1 - o)],
                                  axis=-1)
        return dh_dc, dstep_da

    def step_backward(self, dstates, cache, factors, m_h=None):
        dh_t, dc_t = dstates
        gates, g, c_prev, tanh_c = cache
        dh_dc, dstep_da = factors
        f = gates[:, self.units:2 * self.units]
        dc = dc_t + dh_t * dh_dc
        da = np.concatenate([dc, dc, dc, dh_t], axis=1) * dstep_da  # [da_i | da_f | da_g | da_o]
        dc_prev = dc * f
        dh_prev = np.dot(da, self.params["W_h"].T)
        if m_h is not None:
            dh_prev *= m_h
        return da, da, [dh_prev, dc_prev]
