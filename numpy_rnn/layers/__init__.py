"""Layers: one file each, equations and shapes in the docstring, forward then backward."""
from .base import Layer
from .dense import Dense
from .recurrent import Recurrent
from .simple_rnn import SimpleRNN

__all__ = ["Layer", "Dense", "Recurrent", "SimpleRNN"]
