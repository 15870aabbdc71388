"""SimpleRNN: the Elman recurrent layer, h_t = tanh(x_t W_x + h_{t-1} W_h + b) (or another ``activation``), over every
step of a sequence.

The equations, shapes and weights are the cell's (cells/simple_rnn.py); the time loop, truncation and states are
the RNN layer's (layers/recurrent.py). Keras weights: [kernel (F, H), recurrent_kernel (H, H), bias (H,)].
"""
from ..cells.simple_rnn import SimpleRNNCell
from .recurrent import RNN, layer_doc


class SimpleRNN(RNN):
    __doc__ = layer_doc("SimpleRNN", SimpleRNNCell,
                        [("activation=\"tanh\"", "\"tanh\", \"relu\", \"sigmoid\", \"linear\" or None (linear)")])

    config_keys = RNN.config_keys + ("units", "activation", "dropout", "recurrent_dropout")

    def __init__(self, units, activation="tanh", dropout=0.0, recurrent_dropout=0.0, return_sequences=False,
                 return_state=False, stateful=False, bptt_steps=None, **kwargs):
        super().__init__(SimpleRNNCell(units, activation=activation, dropout=dropout,
                                       recurrent_dropout=recurrent_dropout),
                         return_sequences=return_sequences, return_state=return_state, stateful=stateful,
                         bptt_steps=bptt_steps, **kwargs)

    @property
    def activation(self):
        return self.cell.activation
