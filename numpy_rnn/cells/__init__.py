"""Recurrent cells: the math of one time step, one file each (equations, forward step, backward step)."""
from .base import Cell
from .gru import GRUCell
from .layer_norm_rnn import LayerNormSimpleRNNCell
from .lstm import LSTMCell
from .simple_rnn import SimpleRNNCell

# By class name, for rebuilding saved RNN(cell) layers.
CELL_CLASSES = {cls.__name__: cls for cls in (GRUCell, LayerNormSimpleRNNCell, LSTMCell, SimpleRNNCell)}

__all__ = ["Cell", "SimpleRNNCell", "LSTMCell", "GRUCell", "LayerNormSimpleRNNCell"]
