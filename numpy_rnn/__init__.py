"""numpy_rnn: recurrent neural networks in pure NumPy, every gradient written by hand and checked."""
from .callbacks import Callback, History, ModelCheckpoint
from .gradcheck import gradcheck, numerical_gradient, relative_error
from .layers import GRU, LSTM, Dense, Embedding, LayerNormSimpleRNN, SimpleRNN
from .model import Sequential
from .network import NotFittedError, RecurrentNetwork
from .optimizers import SGD, Adagrad, Adam, RMSprop

__version__ = "0.1.0"

__all__ = ["RecurrentNetwork", "NotFittedError", "Sequential", "Callback", "History", "ModelCheckpoint", "Embedding",
           "SimpleRNN", "LSTM", "GRU", "LayerNormSimpleRNN", "Dense", "SGD", "RMSprop", "Adam", "Adagrad", "gradcheck",
           "numerical_gradient", "relative_error"]
