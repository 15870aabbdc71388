"""numpy_rnn: recurrent neural networks in pure NumPy, every gradient written by hand and checked."""
# layers before cells: a cell is built on the layers' base class, and the named layers on the cells.
from .layers import (  # isort: skip
    GRU, LSTM, RNN, Activation, Bidirectional, Dense, Dropout, Embedding, Flatten, LayerNormSimpleRNN, Masking,
    SimpleRNN, TimeDistributed, Attention, AdditiveAttention, Concatenate, RepeatVector)
from .cells import GRUCell, LayerNormSimpleRNNCell, LSTMCell, SimpleRNNCell  # isort: skip
from .callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    ResetStates,
)
from .decoding import beam_search, decoder_step, greedy_decode, teacher_forcing
from .generation import Stepper, generate
from .gradcheck import gradcheck, numerical_gradient, relative_error
from .model import Model, Sequential
from .functional import Input  # isort: skip (after model.py, which it builds on)
from .network import NotFittedError, RecurrentNetwork
from .optimizers import SGD, Adagrad, Adam, RMSprop

__version__ = "0.1.0"

__all__ = ["RecurrentNetwork", "NotFittedError", "Sequential", "Callback", "History", "ModelCheckpoint",
           "EarlyStopping", "LearningRateScheduler", "ReduceLROnPlateau", "ResetStates", "CSVLogger", "LambdaCallback", "Embedding",
           "SimpleRNN", "LSTM", "GRU", "LayerNormSimpleRNN", "RNN", "SimpleRNNCell", "LSTMCell", "GRUCell",
           "LayerNormSimpleRNNCell", "Dense", "Dropout", "Bidirectional", "Masking", "Flatten", "Activation",
           "TimeDistributed", "Attention", "AdditiveAttention", "SGD", "RMSprop", "Adam", "Adagrad", "gradcheck", "numerical_gradient", "relative_error", "generate", "Stepper",
           "greedy_decode", "beam_search", "decoder_step", "teacher_forcing"]
# issue 15: composing layers (a Model to subclass, the functional API) and the layers a peeky decoder needs
__all__ += ["Model", "Input", "Concatenate", "RepeatVector"]
