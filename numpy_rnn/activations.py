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
    """Logistic sigmoid that never overflows.

    ``1 / (1 + exp(-z))`` overflows in ``exp`` for z below about -709 (float64) or -88 (float32). Writing it with
    ``e = exp(-|z|)``, which is always in (0, 1], gives ``1 / (1 + e)`` for z >= 0 and ``e / (1 + e)`` for z < 0,
    accurate to the last digit even for the tiniest probabilities.
    """
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


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
