"""LayerNormSimpleRNN: a SimpleRNN whose pre-activation is layer-normalized at every step.

The equations, shapes and weights are the cell's (cells/layer_norm_rnn.py); the time loop, truncation and states are
the RNN layer's (layers/recurrent.py). Weights: [(F, H), (H, H), bias (H,), gamma (H,), beta (H,)].
"""
from ..cells.layer_norm_rnn import LayerNormSimpleRNNCell
from .recurrent import RNN, layer_doc


class LayerNormSimpleRNN(RNN):
    __doc__ = layer_doc("LayerNormSimpleRNN", LayerNormSimpleRNNCell,
                        [("epsilon=1e-3", "added to the variance in the normalization")])

    config_keys = RNN.config_keys + ("units", "epsilon", "dropout", "recurrent_dropout")

    def __init__(self, units, epsilon=1e-3, dropout=0.0, recurrent_dropout=0.0, return_sequences=False,
                 return_state=False, stateful=False, bptt_steps=None, **kwargs):
        super().__init__(LayerNormSimpleRNNCell(units, epsilon=epsilon, dropout=dropout,
                                                recurrent_dropout=recurrent_dropout),
                         return_sequences=return_sequences, return_state=return_state, stateful=stateful,
                         bptt_steps=bptt_steps, **kwargs)

    @property
    def epsilon(self):
        return self.cell.epsilon
