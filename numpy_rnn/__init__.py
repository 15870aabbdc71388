"""numpy_rnn: recurrent neural networks in pure NumPy, every gradient written by hand and checked."""
from .gradcheck import gradcheck, numerical_gradient, relative_error
from .layers import Dense, SimpleRNN
from .network import NotFittedError, RecurrentNetwork

__version__ = "0.1.0"

__all__ = ["RecurrentNetwork", "NotFittedError", "SimpleRNN", "Dense", "gradcheck", "numerical_gradient",
           "relative_error"]
