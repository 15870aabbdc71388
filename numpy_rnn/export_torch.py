"""numpy_rnn's layers as PyTorch modules: what ``Sequential.to_torch()`` (export.py) builds.

This file imports torch at its top, so only export.py imports it, and only when a model is converted: ``import
numpy_rnn`` never imports torch. Each module computes what its numpy_rnn layer's forward pass does, from the same
weights (export.py says which weights go where), and hands the next module the mask of its output:

    module(x, mask) -> (y, mask)          x (B, T, F) or (B, F) floats, or (B, T) token ids; mask (B, T) or None

Recurrent layers run PyTorch's own nn.RNN / nn.LSTM / nn.GRU (its fused kernels, cuDNN on a GPU) over the whole
sequence. Two things they cannot do, done here around them:

- Padded steps (a mask). numpy_rnn skips them as Keras does, the state passing unchanged over a padded step, wherever
  the padding is (front, end, gaps), and outputs 0 before a sequence's first real step and the last real output after
  it (layers/recurrent.py). PyTorch's packed sequences handle padding at the end only, so with a mask the module
  calls its nn.LSTM one step at a time and keeps the old states where the mask is False.
- Token ids read as one-hot rows by a first recurrent layer. one_hot(ids) W_x = W_x[ids] (the design notes), but
  PyTorch's recurrent modules always multiply their input by weight_ih. So the module gathers the rows of the input
  weight itself, ``input_table[ids]`` (V, G) -> (B, T, G), and gives its nn.LSTM a frozen identity weight_ih (G, G):
  the same numbers, and no (B, T, V) one-hot array.
"""
import torch
import torch.nn.functional as F
from torch import nn

ACTIVATIONS = {"linear": lambda z: z, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
               "softmax": lambda z: torch.softmax(z, dim=-1)}


class Sequential(nn.Module):
    """The layers' modules in order. ``forward(x)`` takes a tensor (or a NumPy array: float features or integer
    token ids) and returns the model's output as a tensor. ``reset_states()`` forgets stateful layers' states."""

    def __init__(self, layers, name="sequential"):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.name = name

    def forward(self, x, mask=None):
        x = torch.as_tensor(x)
        if x.is_floating_point():
            x = x.to(torch.get_default_dtype() if not list(self.parameters()) else next(self.parameters()).dtype)
        for layer in self.layers:
            x, mask = layer(x, mask)
        return x

    def reset_states(self):
        for layer in self.modules():
            if isinstance(layer, Recurrent):
                layer.states = None


class Embedding(nn.Module):
    def __init__(self, table, mask_zero):
        super().__init__()
        self.embedding = nn.Embedding.from_pretrained(table, freeze=False)
        self.mask_zero = mask_zero

    def forward(self, ids, mask=None):
        return self.embedding(ids), (ids != 0 if self.mask_zero else mask)


class Dense(nn.Module):
    """activation(x W + b) by nn.Linear; token ids pick rows of W (one_hot(ids) W = W[ids], W = weight^T)."""

    def __init__(self, linear, activation):
        super().__init__()
        self.linear = linear
        self.activation = activation

    def forward(self, x, mask=None):
        if x.is_floating_point():
            z = self.linear(x)
        else:
            z = F.embedding(x, self.linear.weight.t()) + self.linear.bias
        return ACTIVATIONS[self.activation](z), mask


class Recurrent(nn.Module):
    """An nn.RNN, nn.LSTM or nn.GRU (``rnn``, batch_first) run as numpy_rnn's RNN layer runs its cell: see the module
    docstring for masks and token ids. ``states``: a stateful layer's carried states, a list of (1, B, H) tensors
    (h, and c for an LSTM), or None."""

    def __init__(self, rnn, return_sequences, go_backwards, stateful, input_table=None, states=None):
        super().__init__()
        self.rnn = rnn
        self.return_sequences, self.go_backwards, self.stateful = return_sequences, go_backwards, stateful
        self.input_table = None if input_table is None else nn.Parameter(input_table)
        self.states = states

    def _hx(self, states):
        """States as nn.LSTM takes them, (h, c), or as nn.RNN and nn.GRU do, h."""
        if states is None:
            return None
        return tuple(states) if isinstance(self.rnn, nn.LSTM) else states[0]

    def _listed(self, final):
        return list(final) if isinstance(self.rnn, nn.LSTM) else [final]

    def forward(self, x, mask=None):
        if self.input_table is not None:  # token ids: the rows of the input weight (the module docstring)
            x = F.embedding(x, self.input_table)
        steps_mask = mask
        if self.go_backwards:
            x = x.flip(1)
            steps_mask = None if mask is None else mask.flip(1)
        states = self.states
        if states is not None and states[0].shape[1] != x.shape[0]:
            raise ValueError(f"a stateful layer keeps the batch size it started with ({states[0].shape[1]}), got a "
                             f"batch of {x.shape[0]}; call reset_states() first")
        if steps_mask is None or bool(steps_mask.all()):
            sequence, final = self.rnn(x, self._hx(states))
            states = self._listed(final)
            last = states[0][0]
        else:
            keep = steps_mask.bool()[:, :, None]  # (B, T, 1)
            seen = torch.cummax(keep.int(), dim=1).values.bool()  # a real step has been seen by step t
            if states is None:
                zeros = x.new_zeros((1, x.shape[0], self.rnn.hidden_size))
                states = [zeros] * (2 if isinstance(self.rnn, nn.LSTM) else 1)
            outputs = []
            for t in range(x.shape[1]):
                new = self._listed(self.rnn(x[:, t:t + 1], self._hx(states))[1])
                states = [torch.where(keep[None, :, t], n, s) for n, s in zip(new, states)]
                outputs.append(states[0][0])
            sequence = torch.stack(outputs, dim=1) * seen
            last = states[0][0] * seen[:, -1]
        if self.stateful:
            self.states = [s.detach() for s in states]  # constants in the next call, as in numpy_rnn
        if self.return_sequences:
            return sequence, mask
        return last, None


class Bidirectional(nn.Module):
    def __init__(self, forward_layer, backward_layer, merge_mode):
        super().__init__()
        self.forward_layer, self.backward_layer, self.merge_mode = forward_layer, backward_layer, merge_mode

    def forward(self, x, mask=None):
        y_f, out_mask = self.forward_layer(x, mask)
        y_b, _ = self.backward_layer(x, mask)
        if self.forward_layer.return_sequences:
            y_b = y_b.flip(1)  # back to the input's order
            if mask is not None:  # both directions output 0 at padded steps (bidirectional.py)
                real = mask.bool()[..., None]
                y_f, y_b = y_f * real, y_b * real
        merged = {"concat": lambda: torch.cat([y_f, y_b], dim=-1), "sum": lambda: y_f + y_b,
                  "mul": lambda: y_f * y_b, "ave": lambda: (y_f + y_b) / 2, None: lambda: [y_f, y_b]}
        return merged[self.merge_mode](), out_mask


class Dropout(nn.Module):
    """Inverted dropout with numpy_rnn's (and Keras's) ``noise_shape``: one draw shared along its axes of size 1."""

    def __init__(self, rate, noise_shape):
        super().__init__()
        self.rate, self.noise_shape = rate, noise_shape

    def forward(self, x, mask=None):
        if not self.training or self.rate == 0:
            return x, mask
        shape = x.shape if self.noise_shape is None else [s if n is None else n
                                                          for n, s in zip(self.noise_shape, x.shape)]
        keep = torch.rand(shape, device=x.device) >= self.rate
        return x * keep / (1 - self.rate), mask


class Masking(nn.Module):
    def __init__(self, mask_value):
        super().__init__()
        self.mask_value = mask_value

    def forward(self, x, mask=None):
        m = (x != self.mask_value).any(dim=-1)
        if mask is not None:
            m = m & mask.bool()
        return x * m[..., None], m


class Flatten(nn.Module):
    def forward(self, x, mask=None):
        return x.reshape(len(x), -1), None


class Activation(nn.Module):
    def __init__(self, activation):
        super().__init__()
        self.activation = activation

    def forward(self, x, mask=None):
        return ACTIVATIONS[self.activation](x), mask


class TimeDistributed(nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x, mask=None):
        B, T = x.shape[:2]
        y, _ = self.layer(x.reshape((B * T,) + tuple(x.shape[2:])))
        return y.reshape((B, T) + tuple(y.shape[1:])), mask
