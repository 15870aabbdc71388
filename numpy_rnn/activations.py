"""Activation functions and their derivatives.

Each activation is a pair: ``forward(z) -> a`` and ``backward(a, da) -> dz``. The backward pass is written in terms of
the *output* ``a`` because that is what the classic derivatives use and what the layers keep in their caches. The
elementwise ones have their derivative da/dz as a function of ``a`` on its own (``derivative(a)``, below), the one
home of each formula: Dense's backward multiplies it by the incoming gradient, a recurrent cell computes it for a
block of steps before its backward loop.

    sigmoid:  a = 1 / (1 + exp(-z))          da/dz = a (1 - a)
    tanh:     a = tanh(z)                    da/dz = 1 - a^2
    relu:     a = max(z, 0)                  da/dz = 1 if a > 0 else 0
    linear:   a = z                          da/dz = 1
    softmax:  a_i = exp(z_i) / sum_j exp(z_j)    dz = a * (da - sum(da * a))   (along the last axis)
"""
import numpy as np


def sigmoid(z, out=None):
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
    s = np.tanh(np.multiply(z, 0.5, out=out), out=out)
    s *= 0.5
    s += 0.5
    return s


def softmax(z):
    """Softmax along the last axis; subtracting the row maximum keeps ``exp`` from overflowing. Computed in one new
    array, in place: a language model's output layer has (batch x steps x vocabulary) entries, millions, and each
    temporary array of that size costs as much as the arithmetic."""
    e = z - z.max(axis=-1, keepdims=True)
    np.exp(e, out=e)
    e /= e.sum(axis=-1, keepdims=True)
    return e


# The elementwise forwards take ``out=`` as NumPy's ufuncs do, so that a recurrent cell can apply its activation in
# place of the pre-activation it no longer needs.
def _linear(z, out=None):
    return z


def _relu(z, out=None):
    return np.maximum(z, 0, out=out)


def _dlinear(a):
    return np.ones_like(a)


def _dsigmoid(a):
    return a * (1 - a)


def _dtanh(a):
    return 1 - a * a


def _drelu(a):
    return (a > 0).astype(a.dtype)


def _softmax_backward(a, da):
    return a * (da - np.sum(da * a, axis=-1, keepdims=True))


ACTIVATIONS = {
    # name: (forward(z), backward(a, da))
    "linear": (_linear, lambda a, da: da),
    "sigmoid": (sigmoid, lambda a, da: da * _dsigmoid(a)),
    "tanh": (np.tanh, lambda a, da: da * _dtanh(a)),
    "relu": (_relu, lambda a, da: da * _drelu(a)),
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


# name: (forward(z, out=None), derivative(a) = da/dz written with the output a)
ELEMENTWISE = {"linear": (_linear, _dlinear), "sigmoid": (sigmoid, _dsigmoid), "tanh": (np.tanh, _dtanh),
               "relu": (_relu, _drelu)}


def get_elementwise_activation(name):
    """Return ``(forward(z, out=None), derivative(a))`` for an elementwise activation name; ``None`` means linear.

    Raises ValueError for an unknown name (softmax included: it is not elementwise).
    """
    key = "linear" if name is None else name
    if not isinstance(key, str) or key not in ELEMENTWISE:
        raise ValueError(f"activation must be one of {sorted(ELEMENTWISE)} or None, got {name!r}")
    return ELEMENTWISE[key]
