"""LayerNormSimpleRNN: a SimpleRNN whose pre-activation is layer-normalized at every step.

The equations, shapes and weights are the cell's (cells/layer_norm_rnn.py); the time loop, truncation and states are
the RNN layer's (layers/recurrent.py). Weights: [(F, H), (H, H), bias (H,), gamma (H,), beta (H,)].
"""
from ..cells.layer_norm_rnn import LayerNormSimpleRNNCell
from .recurrent import RNN


class LayerNormSimpleRNN(RNN):
    """``LayerNormSimpleRNN(units, epsilon=1e-3, ...)``: ``RNN(LayerNormSimpleRNNCell(units, epsilon), ...)``."""

    config_keys = RNN.config_keys + ("units", "epsilon")

    def __init__(self, units, epsilon=1e-3, **kwargs):
        super().__init__(LayerNormSimpleRNNCell(units, epsilon=epsilon), **kwargs)

    @property
    def epsilon(self):
        return self.cell.epsilon
