"""LSTM: long short-term memory, with Keras's (and PyTorch's) gate order i, f, g, o.

Forward, one step (B batch, H units; the four gate blocks side by side, G = 4H):

    a_t = X_t + R_t                      X_t = x_t W_x + b (B, 4H)      R_t = h_{t-1} W_h (B, 4H)
    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)          each (B, H)
    c_t = f * c_{t-1} + i * g                                                        (B, H)
    h_t = o * tanh(c_t)                                                              (B, H)

Backward, given dh_t and dc_t (from step t+1 and the outputs):

    do = dh_t * tanh(c_t)
    dc = dc_t + dh_t * o * (1 - tanh(c_t)^2)          c_t reaches the loss directly and through h_t
    di = dc * g     df = dc * c_{t-1}     dg = dc * i
    da = [di * i(1 - i), df * f(1 - f), dg * (1 - g^2), do * o(1 - o)]      dX_t = dR_t = da
    dc_{t-1} = dc * f                     (the cell state's own path, with no matrix in it)
    dh_{t-1} = da W_h^T                   (added by the time loop in recurrent.py)

Parameters, in Keras's order and shapes: ``W_x`` = kernel (F, 4H), ``W_h`` = recurrent_kernel (H, 4H), ``b`` = bias
(4H,). Keras starts the forget-gate bias at 1 (``unit_forget_bias``) so that the cell remembers at first; so does this
layer. PyTorch's ``nn.LSTM`` uses the same gate order with the matrices transposed: weight_ih_l0 = W_x^T,
weight_hh_l0 = W_h^T, bias_ih_l0 + bias_hh_l0 = b.
"""
import numpy as np

from ..activations import sigmoid
from .recurrent import Recurrent


class LSTM(Recurrent):
    """LSTM layer. Same arguments as SimpleRNN (``units``, ``return_sequences``, ``return_state``, ``stateful``,
    ``bptt_steps``, ...); its state is ``[h, c]``, so ``initial_state`` takes two (B, H) arrays and ``return_state``
    returns ``[output, h_T, c_T]``."""

    gates = 4
    state_names = ("h", "c")

    def _init_params(self, input_dim, rng):
        H = self.units
        b = np.zeros(4 * H, dtype=self.dtype)
        b[H:2 * H] = 1.0  # forget gate open at the start
        return {"W_x": self._init("glorot_uniform")((input_dim, 4 * H), rng, self.dtype),
                "W_h": self._init("orthogonal")((H, 4 * H), rng, self.dtype),
                "b": b}

    def step_forward(self, X_t, R_t, prev, out):
        h_prev, c_prev = prev
        h_t, c_t = out
        H = self.units
        a = np.add(X_t, R_t, out=R_t)  # R_t is scratch: a_t takes its place
        s = sigmoid(a)  # one call for the i, f and o blocks (g's block of it goes unused)
        i, f, o = s[:, :H], s[:, H:2 * H], s[:, 3 * H:]
        g = np.tanh(a[:, 2 * H:3 * H])
        np.multiply(f, c_prev, out=c_t)
        c_t += i * g  # c_t = f * c_{t-1} + i * g
        tanh_c = np.tanh(c_t)
        np.multiply(o, tanh_c, out=h_t)  # h_t = o * tanh(c_t)
        return i, f, g, o, tanh_c

    def step_backward(self, dstates, cache, prev, dX_t):
        dh_t, dc_t = dstates
        i, f, g, o, tanh_c = cache
        c_prev = prev[1]
        H = self.units
        do = dh_t * tanh_c
        dc = dc_t + dh_t * o * (1 - tanh_c * tanh_c)
        di, df, dg = dc * g, dc * c_prev, dc * i
        # da = [di * i(1 - i), df * f(1 - f), dg * (1 - g^2), do * o(1 - o)], block by block into dX_t
        np.multiply(di, i * (1 - i), out=dX_t[:, :H])
        np.multiply(df, f * (1 - f), out=dX_t[:, H:2 * H])
        np.multiply(dg, 1 - g * g, out=dX_t[:, 2 * H:3 * H])
        np.multiply(do, o * (1 - o), out=dX_t[:, 3 * H:])
        return dX_t, [None, dc * f]
