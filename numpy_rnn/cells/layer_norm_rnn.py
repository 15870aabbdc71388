"""LayerNormSimpleRNNCell: a SimpleRNN cell whose pre-activation is layer-normalized at every step.

Layer normalization rescales each sample's pre-activation to zero mean and unit variance across the H units before
the tanh, so the hidden state cannot drift into tanh's flat regions however long the sequence is; that is why the
textbooks use it to tame long sequences. Forward, one step (B batch, H units):

    a_t = X_t + h_{t-1} W_h                 X_t = x_t W_x + b                              (B, H)
    mu = mean(a_t), var = var(a_t)          over the H units of each sample                (B, 1)
    a_hat = (a_t - mu) / sqrt(var + eps)                                                    (B, H)
    h_t = tanh(gamma * a_hat + beta)        gamma, beta (H,); eps = 1e-3 (Keras's default)  (B, H)

Backward, given dh_t:

    dy = dh_t * (1 - h_t^2)
    dgamma += sum over the batch of dy * a_hat,   dbeta += sum of dy
    da_hat = dy * gamma
    da_t = (da_hat - mean(da_hat) - a_hat * mean(da_hat * a_hat)) / sqrt(var + eps)    (means over the H units)
    dX_t = dR_t = da_t
    dh_{t-1} = da_t W_h^T

With recurrent dropout (training only; the layer draws m_h (B, H), 0 or 1 / (1 - recurrent_dropout), once per
sequence), W_h sees the dropped state: a_t = X_t + (h_{t-1} * m_h) W_h, and dh_{t-1} = (da_t W_h^T) * m_h
(cells/base.py).

gamma and beta act inside the step, so their gradients are added step by step, in ``step_backward``; the other
weight gradients are those of every cell (cells/base.py).

Parameters: ``W_x`` (F, H), ``W_h`` (H, H), ``b`` (H,), ``gamma`` (H,) starting at 1, ``beta`` (H,) starting at 0.
In Keras this is a SimpleRNNCell without activation followed by LayerNormalization and tanh; its weights in that
order are the same five arrays. PyTorch has no such layer, so there is no ``to_torch``.
"""
import numpy as np

from ..activations import tanh
from ..layers.base import documented
from .base import CELL_ARGUMENTS, Cell


@documented(CELL_ARGUMENTS)
class LayerNormSimpleRNNCell(Cell):
    """``LayerNormSimpleRNNCell(units, epsilon=1e-3, ...)``: one layer-normalized SimpleRNN step; its state is
    ``[h]``.

    Arguments:
        epsilon=1e-3            added to the variance before its square root (Keras's LayerNormalization default);
                                ValueError unless a positive number
    """

    gates = 1
    state_names = ("h",)
    config_keys = Cell.config_keys + ("epsilon",)

    def __init__(self, units, epsilon=1e-3, **kwargs):
        super().__init__(units, **kwargs)
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.floating)) or not epsilon > 0:
            raise ValueError(f"epsilon must be a positive number, got {epsilon!r}")
        self.epsilon = float(epsilon)

    def _init_params(self, input_dim, rng):
        H = self.units
        return {"W_x": self._init("glorot_uniform")((input_dim, H), rng, self.dtype),
                "W_h": self._init("orthogonal")((H, H), rng, self.dtype),
                "b": np.zeros(H, dtype=self.dtype),
                "gamma": np.ones(H, dtype=self.dtype),
                "beta": np.zeros(H, dtype=self.dtype)}

    def step(self, X_t, states, m_h=None):
        (h_prev,) = states
        if m_h is not None:  # recurrent dropout: W_h sees the dropped state
            h_prev = h_prev * m_h
        a_t = X_t + np.dot(h_prev, self.params["W_h"])
        mu = a_t.mean(axis=1, keepdims=True)
        inv_std = 1.0 / np.sqrt(a_t.var(axis=1, keepdims=True) + self.epsilon)
        a_hat = (a_t - mu) * inv_std
        h_t = tanh(self.params["gamma"] * a_hat + self.params["beta"])
        return [h_t], (a_hat, inv_std, h_t)

    def step_backward(self, dstates, cache, factors, m_h=None):
        (dh_t,) = dstates
        a_hat, inv_std, h_t = cache
        dy = dh_t * (1 - h_t * h_t)
        self.grads["gamma"] += np.sum(dy * a_hat, axis=0)
        self.grads["beta"] += np.sum(dy, axis=0)
        da_hat = dy * self.params["gamma"]
        da_t = inv_std * (da_hat - da_hat.mean(axis=1, keepdims=True)
                          - a_hat * np.mean(da_hat * a_hat, axis=1, keepdims=True))
        dh_prev = np.dot(da_t, self.params["W_h"].T)
        if m_h is not None:
            dh_prev *= m_h
        return da_t, da_t, [dh_prev]

    def to_torch(self, arrays=None):
        raise NotImplementedError("PyTorch has no layer-normalized RNN layer to convert to")

    _params_from_torch = to_torch  # from_torch (layers/base.py) calls it: no PyTorch layer, nothing to load
