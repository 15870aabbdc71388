"""GRU: gated recurrent units over every step of a sequence ("reset_after", the Keras and PyTorch default).

The equations, shapes and weights are the cell's (cells/gru.py); the time loop, truncation and states are the RNN
layer's (layers/recurrent.py). Keras weights: [kernel (F, 3H), recurrent_kernel (H, 3H), bias (2, 3H)].
"""
from ..cells.gru import GRUCell
from .recurrent import RNN, layer_doc


class GRU(RNN):
    __doc__ = layer_doc("GRU", GRUCell)

    config_keys = RNN.config_keys + ("units", "dropout", "recurrent_dropout")

    def __init__(self, units, dropout=0.0, recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 stateful=False, bptt_steps=None, **kwargs):
        super().__init__(GRUCell(units, dropout=dropout, recurrent_dropout=recurrent_dropout),
                         return_sequences=return_sequences, return_state=return_state, stateful=stateful,
                         bptt_steps=bptt_steps, **kwargs)
