"""Layers: one file each, equations and shapes in the docstring, forward then backward."""
from .activation import Activation
from .base import Layer
from .dense import Dense
from .embedding import Embedding
from .flatten import Flatten
from .gru import GRU
from .layer_norm_rnn import LayerNormSimpleRNN
from .lstm import LSTM
from .recurrent import RNN
from .simple_rnn import SimpleRNN
from .time_distributed import TimeDistributed

# By class name, for rebuilding saved models.
LAYER_CLASSES = {cls.__name__: cls for cls in (Dense, Embedding, GRU, LayerNormSimpleRNN, LSTM, RNN, SimpleRNN, Flatten,
                                               Activation, TimeDistributed)}

__all__ = ["Layer", "Dense", "Embedding", "GRU", "LayerNormSimpleRNN", "LSTM", "RNN", "SimpleRNN", "Flatten",
           "Activation", "TimeDistributed"]
