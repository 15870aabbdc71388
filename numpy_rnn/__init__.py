"""numpy_rnn: recurrent neural networks in pure NumPy, every gradient written by hand and checked."""
# layers before cells: a cell is built on the layers' base class, and the named layers on the cells.
from .layers import GRU, LSTM, RNN, Dense, Dropout, Embedding, LayerNormSimpleRNN, SimpleRNN  # isort: skip
from .cells import GRUCell, LayerNormSimpleRNNCell, LSTMCell, SimpleRNNCell  # isort: skip
from .callbacks import Callback, History, ModelCheckpoint
from .gradcheck import gradcheck, numerical_gradient, relative_error
from .model import Sequential
from .network import NotFittedError, RecurrentNetwork
from .optimizers import SGD, Adagrad, Adam, RMSprop

__version__ = "0.1.0"

__all__ = ["RecurrentNetwork", "NotFittedError", "Sequential", "Callback", "History", "ModelCheckpoint", "Embedding",
           "SimpleRNN", "LSTM", "GRU", "LayerNormSimpleRNN", "RNN", "SimpleRNNCell", "LSTMCell", "GRUCell",
           "LayerNormSimpleRNNCell", "Dense", "Dropout", "SGD", "RMSprop", "Adam", "Adagrad", "gradcheck",
           "numerical_gradient", "relative_error"]
