"""LSTM: long short-term memory over every step of a sequence, Keras's (and PyTorch's) gate order i, f, g, o.

The equations, shapes and weights are the cell's (cells/lstm.py); the time loop, truncation and states are the RNN
layer's (layers/recurrent.py). Its states are [h, c]: ``initial_state`` takes two (B, H) arrays and ``return_state``
returns [output, h_T, c_T]. Keras weights: [kernel (F, 4H), recurrent_kernel (H, 4H), bias (4H,)], the forget-gate
bias starting at 1.
"""
from ..cells.lstm import LSTMCell
from .recurrent import RNN, layer_doc


class LSTM(RNN):
    __doc__ = layer_doc("LSTM", LSTMCell)

    config_keys = RNN.config_keys + ("units", "dropout", "recurrent_dropout")

    def __init__(self, units, dropout=0.0, recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 stateful=False, bptt_steps=None, **kwargs):
        super().__init__(LSTMCell(units, dropout=dropout, recurrent_dropout=recurrent_dropout),
                         return_sequences=return_sequences, return_state=return_state, stateful=stateful,
                         bptt_steps=bptt_steps, **kwargs)
