"""Layers: one file each, equations and shapes in the docstring, forward then backward."""
from .activation import Activation
from .attention import AdditiveAttention, Attention
from .base import Layer
from .bidirectional import Bidirectional
from .concatenate import Concatenate
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten
from .gru import GRU
from .layer_norm_rnn import LayerNormSimpleRNN
from .lstm import LSTM
from .masking import Masking
from .recurrent import RNN
from .repeat_vector import RepeatVector
from .simple_rnn import SimpleRNN
from .time_distributed import TimeDistributed

# By class name, for rebuilding saved models.
LAYER_CLASSES = {cls.__name__: cls for cls in (Bidirectional, Dense, Dropout, Embedding, GRU, LayerNormSimpleRNN, LSTM,
                                               Masking, RNN, SimpleRNN, Flatten, Activation, TimeDistributed,
                                               Attention, AdditiveAttention, Concatenate, RepeatVector)}

__all__ = ["Layer", "Bidirectional", "Dense", "Dropout", "Embedding", "GRU", "LayerNormSimpleRNN", "LSTM", "Masking",
           "RNN", "SimpleRNN", "Flatten", "Activation", "TimeDistributed", "Attention", "AdditiveAttention",
           "Concatenate", "RepeatVector"]
