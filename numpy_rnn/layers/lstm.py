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

In the code, the factors that do not depend on the incoming gradient (i(1 - i), ..., 1 - g^2, o (1 - tanh(c_t)^2),
and [g, c_{t-1}, i]) are computed for all steps at once before the backward loop (``prepare_backward``), which then
does six small operations per step: an LSTM of a few units is bound by the number of NumPy calls, not their size.

Parameters, in Keras's order and shapes: ``W_x`` = kernel (F, 4H), ``W_h`` = recurrent_kernel (H, 4H), ``b`` = bias
(4H,). Keras starts the forget-gate bias at 1 (``unit_forget_bias``) so that the cell remembers at first; so does this
layer. PyTorch's ``nn.LSTM`` uses the same gate order with the matrices transposed: weight_ih_l0 = W_x^T,
weight_hh_l0 = W_h^T, bias_ih_l0 + bias_hh_l0 = b.
"""
import numpy as np

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

    def build(self, input_dim, rng=None):
        super().build(input_dim, rng)
        # sigmoid(a) = (1 + tanh(a / 2)) / 2, so one tanh call computes all four gates: the sigmoid blocks are halved
        # before and after it and shifted by 1/2, the g block passes through unchanged.
        H = self.units
        self._scale = np.full(4 * H, 0.5, dtype=self.dtype)
        self._scale[2 * H:3 * H] = 1.0
        self._shift = np.where(self._scale == 0.5, 0.5, 0.0).astype(self.dtype)

    def step_forward(self, t, a_t, R_t, states):
        h, c = states
        H = self.units
        gates = a_t  # the loop's scratch row: the gates replace a_t in place
        gates *= self._scale
        np.tanh(gates, out=gates)
        gates *= self._scale
        gates += self._shift  # [i, f, g, o] = [sigmoid(a_i), sigmoid(a_f), tanh(a_g), sigmoid(a_o)]
        i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
        c_t, h_t = c[t + 1], h[t + 1]
        np.multiply(f, c[t], out=c_t)
        c_t += i * g  # c_t = f * c_{t-1} + i * g
        np.tanh(c_t, out=h_t)
        h_t *= o  # h_t = o * tanh(c_t)
        return None  # the gates stay in the loop's buffer, where prepare_backward finds them

    def prepare_backward(self, caches, states, X, steps):
        # Everything the backward step needs that does not depend on the incoming gradient, for all the reached
        # steps at once (n of them): a few operations on (n, B, 4H) arrays instead of dozens of small ones per step.
        H = self.units
        gates = X[steps]  # (n, B, 4H): the forward steps wrote the gates over a_t
        n, B = gates.shape[:2]
        i, f, g, o = (gates[..., k * H:(k + 1) * H] for k in range(4))
        tanh_c = np.tanh(states[1][1:][steps], out=self._scratch("tanh_c", (n, B, H)))
        o_dtanh = self._scratch("o_dtanh", (n, B, H))  # dh_t -> dc: o * (1 - tanh(c_t)^2)
        np.multiply(tanh_c, tanh_c, out=o_dtanh)
        np.subtract(1.0, o_dtanh, out=o_dtanh)
        o_dtanh *= o
        slope = self._scratch("slope", gates.shape)  # each gate's derivative: s(1 - s), and 1 - g^2 for g
        np.subtract(1.0, gates, out=slope)
        slope *= gates
        np.multiply(g, g, out=slope[..., 2 * H:3 * H])
        np.subtract(1.0, slope[..., 2 * H:3 * H], out=slope[..., 2 * H:3 * H])
        partners = self._scratch("partners", (n, B, 3, H))  # dc times these gives di, df, dg
        partners[:, :, 0] = g
        partners[:, :, 1] = states[1][:-1][steps]  # c_{t-1}
        partners[:, :, 2] = i
        # One tuple of (B, ...) views per step, indexed by t like the caches (steps before the slice get None).
        return [None] * steps.start + list(zip(slope, partners, tanh_c, o_dtanh, f))

    def step_backward(self, dstates, cache, dX_t, dR_t):
        dh_t, dc_t = dstates
        slope, partners, tanh_c, o_dtanh, f = cache
        da = dX_t.reshape(len(dh_t), 4, self.units)  # dX_t's four gate blocks, as views
        dc = dh_t * o_dtanh
        dc += dc_t  # c_t reaches the loss directly and through h_t
        np.multiply(dc[:, None, :], partners, out=da[:, :3])  # [di, df, dg] = dc * [g, c_{t-1}, i]
        np.multiply(dh_t, tanh_c, out=da[:, 3])  # do = dh_t * tanh(c_t)
        dX_t *= slope  # back through each gate's nonlinearity
        np.multiply(dc, f, out=dc_t)  # dc_{t-1}: the cell state's own path
        return None
