"""GRUCell: gated recurrent unit, "reset_after" form (the Keras and PyTorch default), Keras gate order z, r, n.

Forward, one step (B batch, H units, G = 3H). The recurrent product has its own bias b_h, because the reset gate
multiplies it *after* the matrix product:

    X_t = x_t W_x + b      R_t = h_{t-1} W_h + b_h       both (B, 3H), blocks [z | r | n]
    z = sigmoid(X_z + R_z)                  update gate                  (B, H)
    r = sigmoid(X_r + R_r)                  reset gate                   (B, H)
    n = tanh(X_n + r * R_n)                 candidate state              (B, H)
    h_t = z * h_{t-1} + (1 - z) * n                                      (B, H)

Backward, given dh_t, by the chain rule:

    dz = dh_t * (h_{t-1} - n)      dn = dh_t * (1 - z)
    da_z = dz * z (1 - z)          da_n = dn * (1 - n^2)          (a_z = X_z + R_z, a_n = X_n + r * R_n)
    da_r = da_n * R_n * r (1 - r)  the reset gate reaches the loss through a_n only
    dX_t = [da_z | da_r | da_n]    dR_t = [da_z | da_r | da_n * r]     (the only place the two differ)
    dh_{t-1} = dh_t * z  +  dR_t W_h^T       h_{t-1} reaches h_t directly, through z, and through R_t

With recurrent dropout (training only; the layer draws m_h (B, H), 0 or 1 / (1 - recurrent_dropout), once per
sequence), the recurrent product sees the dropped state but the interpolation keeps the undropped one, as in Keras:

    R_t = (h_{t-1} * m_h) W_h + b_h          h_t = z * h_{t-1} + (1 - z) * n       (h_{t-1} undropped)
    dh_{t-1} = dh_t * z  +  (dR_t W_h^T) * m_h

Each incoming gradient multiplies a factor that depends only on the forward pass: the local derivatives

    dh_da_z = (h_{t-1} - n) z (1 - z)       dh_da_n = (1 - z)(1 - n^2)       da_n_da_r = R_n r (1 - r)

so that da_z = dh_t * dh_da_z, da_n = dh_t * dh_da_n and da_r = da_n * da_n_da_r. ``backward_factors`` computes
them (the layer does so for all steps at once, before the backward loop).

Parameters: ``W_x`` (F, 3H), ``W_h`` (H, 3H), ``b`` (3H,) and ``b_h`` (3H,), both biases zero at the start (Keras's
``bias_initializer="zeros"``). Keras's weights are [kernel, recurrent_kernel, bias (2, 3H)] with bias[0] = b and
bias[1] = b_h. PyTorch's ``nn.GRU`` orders the gates r, z, n and transposes: weight_ih_l0 = W_x^T, weight_hh_l0 =
W_h^T, bias_ih_l0 = b, bias_hh_l0 = b_h, each with the blocks reordered.
"""
import numpy as np

from ..activations import sigmoid, tanh
from ..layers.base import documented
from .base import CELL_ARGUMENTS, Cell


def _swap_first_two_blocks(a, H, axis):
    """z, r, n <-> r, z, n along ``axis`` (its own inverse)."""
    blocks = np.split(np.asarray(a), [H, 2 * H], axis=axis)
    return np.concatenate([blocks[1], blocks[0], blocks[2]], axis=axis)


@documented(CELL_ARGUMENTS)
class GRUCell(Cell):
    """``GRUCell(units, dropout=0.0, recurrent_dropout=0.0, ...)``: one GRU step (reset_after); its state is
    ``[h]``."""

    gates = 3
    state_names = ("h",)

    def _init_params(self, input_dim, rng):
        H = self.units
        return {"W_x": self._init("glorot_uniform")((input_dim, 3 * H), rng, self.dtype),
                "W_h": self._init("orthogonal")((H, 3 * H), rng, self.dtype),
                "b": np.zeros(3 * H, dtype=self.dtype),
                "b_h": np.zeros(3 * H, dtype=self.dtype)}

    def step(self, X_t, states, m_h=None):
        (h_prev,) = states
        H = self.units
        # recurrent dropout: W_h sees the dropped state; h_t below mixes in the undropped h_{t-1}, as in Keras
        h_seen = h_prev if m_h is None else h_prev * m_h
        R_t = np.dot(h_seen, self.params["W_h"]) + self.params["b_h"]
        X_z, X_r, X_n = X_t[:, :H], X_t[:, H:2 * H], X_t[:, 2 * H:]
        R_z, R_r, R_n = R_t[:, :H], R_t[:, H:2 * H], R_t[:, 2 * H:]
        z = sigmoid(X_z + R_z)
        r = sigmoid(X_r + R_r)
        n = tanh(X_n + r * R_n)
        h_t = z * h_prev + (1 - z) * n
        return [h_t], (h_prev, z, r, n, R_n)

    def backward_factors(self, cache):
        h_prev, z, r, n, R_n = cache
        dh_da_z = (h_prev - n) * z * (1 - z)
        dh_da_n = (1 - z) * (1 - n * n)
        da_n_da_r = R_n * r * (1 - r)
        return dh_da_z, dh_da_n, da_n_da_r

    def step_backward(self, dstates, cache, factors, m_h=None):
        (dh_t,) = dstates
        h_prev, z, r, n, R_n = cache
        dh_da_z, dh_da_n, da_n_da_r = factors
        da_z = dh_t * dh_da_z
        da_n = dh_t * dh_da_n
        da_r = da_n * da_n_da_r
        dX_t = np.concatenate([da_z, da_r, da_n], axis=1)
        dR_t = np.concatenate([da_z, da_r, da_n * r], axis=1)
        dh_R = np.dot(dR_t, self.params["W_h"].T)  # the path through R_t
        if m_h is not None:
            dh_R *= m_h
        dh_prev = dh_t * z + dh_R
        return dX_t, dR_t, [dh_prev]

    # -- Keras and PyTorch layouts -----------------------------------------------------------------------------------
    def get_weights(self):
        p = self.params
        return [p["W_x"].copy(), p["W_h"].copy(), np.stack([p["b"], p["b_h"]])]

    def _params_from_weights(self, weights):
        self._require_built()
        if len(weights) != 3:
            raise ValueError(f"{self.name}: set_weights expects 3 arrays (kernel, recurrent_kernel, bias), "
                             f"got {len(weights)}")
        W_x, W_h, bias = weights
        bias = np.asarray(bias)
        if bias.shape != (2, 3 * self.units):
            raise ValueError(f"{self.name}: set_weights: the GRU bias must have shape (2, {3 * self.units}) (input and "
                             f"recurrent bias, reset_after), got {bias.shape}")
        return {"W_x": W_x, "W_h": W_h, "b": bias[0], "b_h": bias[1]}

    def to_torch(self, arrays=None):
        p, H = (self.params if arrays is None else arrays), self.units
        return {"weight_ih_l0": _swap_first_two_blocks(p["W_x"], H, axis=1).T.copy(),
                "weight_hh_l0": _swap_first_two_blocks(p["W_h"], H, axis=1).T.copy(),
                "bias_ih_l0": _swap_first_two_blocks(p["b"], H, axis=0),
                "bias_hh_l0": _swap_first_two_blocks(p["b_h"], H, axis=0)}

    def _params_from_torch(self, state):
        H, (W_ih, W_hh, b_ih, b_hh) = self.units, self._torch_arrays(state)
        return {"W_x": _swap_first_two_blocks(W_ih.T, H, axis=1), "W_h": _swap_first_two_blocks(W_hh.T, H, axis=1),
                "b": _swap_first_two_blocks(b_ih, H, axis=0), "b_h": _swap_first_two_blocks(b_hh, H, axis=0)}
