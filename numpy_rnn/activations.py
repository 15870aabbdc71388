"""Activation functions and their derivatives.

Each activation is a pair: ``forward(z) -> a`` and ``backward(a, da) -> dz``. The backward pass is written in terms of
the *output* ``a`` because that is what the classic derivatives use and what the layers keep in their caches:

    sigmoid:  a = 1 / (1 + exp(-z))          da/dz = a (1 - a)
    tanh:     a = tanh(z)                    da/dz = 1 - a^2
    relu:     a = max(z, 0)                  da/dz = 1 if a > 0 else 0
    linear:   a = z                          da/dz = 1
    softmax:  a_i = exp(z_i) / sum_j exp(z_j)    dz = a * (da - sum(da * a))   (along the last axis)
"""
import numpy as np


def sigmoid(z):
    """Logistic sigmoid ``1 / (1 + exp(-z))``, computed as ``(1 + tanh(z / 2)) / 2``.

    The two are the same function (multiply the fraction's top and bottom by exp(z/2)). The tanh form is the one
    used here for two reasons:
    - it cannot overflow: ``exp(-z)`` overflows for z below about -709 (float64) or -88 (float32), tanh never does;
    - it is fast: NumPy's tanh is one vectorized call, so sigmoid costs four small operations and no temporary
      beyond one. The gates of an LSTM or GRU call it at every time step, and for a few units the number of
      NumPy calls, not their size, is what a step costs.
    The result is exact to within a unit in the last place of 1; below about 1e-16 it rounds to 0 (a probability
    that small only ever matters inside a logarithm, and the losses work from the logit for that: losses.py).
    """
    s = np.tanh(np.multiply(z, 0.5))
    s *= 0.5
    s += 0.5
    return s


def softmax(z):
    """Softmax along the last axis; subtracting the row maximum keeps ``exp`` from overflowing."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _linear(z):
    return z


def _relu(z):
    return np.maximum(z, 0)


def _softmax_backward(a, da):
    return a * (da - np.sum(da * a, axis=-1, keepdims=True))


ACTIVATIONS = {
    # name: (forward(z), backward(a, da))
    "linear": (_linear, lambda a, da: da),
    "sigmoid": (sigmoid, lambda a, da: da * a * (1 - a)),
    "tanh": (np.tanh, lambda a, da: da * (1 - a * a)),
    "relu": (_relu, lambda a, da: da * (a > 0)),
    "softmax": (softmax, _softmax_backward),
}


def get_activation(name):
    """Return ``(forward, backward)`` for an activation name; ``None`` means linear.

    Raises ValueError for an unknown name.
    """
    key = "linear" if name is None else name
    if key not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)} or None, got {name!r}")
    return ACTIVATIONS[key]
