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

tanh is ``np.tanh`` except for large float64 arrays on CPUs where NumPy has no vectorized float64 tanh: there
``table_tanh`` (below) computes it from a table and three terms of its series, within 3 units in the last place of
``np.tanh``, about twice as fast. Every layer and cell takes tanh (and sigmoid, built on it) from here.
"""
from fractions import Fraction

import numpy as np


def sigmoid(z, out=None):
    """Logistic sigmoid ``1 / (1 + exp(-z))``, computed as ``(1 + tanh(z / 2)) / 2``.

    The two are the same function (multiply the fraction's top and bottom by exp(z/2)). The tanh form is the one
    used here for two reasons:
    - it cannot overflow: ``exp(-z)`` overflows for z below about -709 (float64) or -88 (float32), tanh never does;
    - it is fast: tanh (below) is one vectorized call (or the table version, where that is faster), so sigmoid costs
      three small operations more and no temporary beyond one. The gates of an LSTM or GRU call it at every time
      step, and for a few units the number of NumPy calls, not their size, is what a step costs.
    The result is exact to within a few units in the last place of 1 (one with np.tanh, four with table_tanh); below
    about 1e-16 it rounds to 0 (a probability that small only ever matters inside a logarithm, and the losses work
    from the logit for that: losses.py).
    """
    s = tanh(np.multiply(z, 0.5, out=out), out=out)
    s *= 0.5
    s += 0.5
    return s


# -- tanh --------------------------------------------------------------------------------------------------------------
# A named speed trick. NumPy's float64 tanh is vectorized only where NumPy finds AVX-512; on an AVX2 CPU (most laptops)
# it calls the C library's tanh element by element, about 14 ns each: 14 us for a (32, 32) array, 20 times a multiply.
# table_tanh computes the same numbers with about 20 NumPy operations that are vectorized on every x86 and ARM build
# (abs, minimum, multiply, add, divide, rint, a table lookup, copysign). Each call costs about 0.7 us however small
# the array, so the trick pays only for arrays of at least TABLE_TANH_MIN_SIZE elements: measured on an AMD EPYC (AVX2)
# with NumPy 2.4, table_tanh runs at 0.8x np.tanh's speed for 1,024 elements (a (32, 32) step: np.tanh is kept there),
# 1.1x for 2,048, 1.5x for 4,096, 2.3x for 32,000 (1000, 32) and 1.8x for 70,000 (20, 35, 100).
# float32 keeps np.tanh: NumPy vectorizes it on AVX2 too (3 us for (32, 32)), faster than 20 operations can be.

TANH_TABLE_STEP = 1 / 256  # h, the table's spacing: a power of 2, so |z| / h and k h are exact
TANH_SATURATION = 20.0  # tanh(20) = 1 - 8.5e-18 rounds to 1 in float64, as does tanh of anything beyond
TABLE_TANH_MIN_SIZE = 2048  # arrays of this many elements or more use table_tanh (float64, and no AVX-512 tanh)
TABLE_TANH_BLOCK = 8192  # elements per block of table_tanh's work (its docstring says why)


def tanh_series(n_terms):
    """The first ``n_terms`` odd Taylor coefficients of tanh at 0 as exact fractions: [1, -1/3, 2/15, -17/315, ...].

    tanh solves t' = 1 - t^2 with t(0) = 0. Writing t = a_1 x + a_2 x^2 + ... and matching the powers of x on both
    sides gives (n + 1) a_(n+1) = [n = 0] - sum_(i + j = n) a_i a_j, with a_0 = 0; the even a_n come out 0.
    table_tanh's coefficients are computed from this at import (nothing is copied from anywhere)."""
    a = [Fraction(0)]
    while len(a) < 2 * n_terms:
        n = len(a) - 1
        a.append(((1 if n == 0 else 0) - sum(a[i] * a[n - i] for i in range(n + 1))) / (n + 1))
    return a[1::2]


_, _C3, _C5 = (np.array(float(c)) for c in tanh_series(3))
# tanh at the grid points k h, k = 0 .. 5120, from the C library through np.tanh (each within an ulp)
_TANH_TABLE = np.tanh(np.arange(round(TANH_SATURATION / TANH_TABLE_STEP) + 1) * TANH_TABLE_STEP)
# the constants as 0-d arrays: NumPy takes them faster than Python floats (about 0.2 us per operation)
_H, _PER_H, _SATURATION, _LAST_ROW, _ONE = (np.array(v) for v in (
    TANH_TABLE_STEP, 1 / TANH_TABLE_STEP, TANH_SATURATION, float(len(_TANH_TABLE) - 1), 1.0))


def table_tanh(z, out=None):
    """tanh of a float64 array, from a table of tanh on a grid and the addition formula. ``out=`` as NumPy's.

    tanh is odd, so work with x = |z| and give the result z's sign (this also keeps tanh(-0) = -0). Then

        a = k h, the grid point nearest x      h = 1/256; x is first clipped to 20, where tanh(x) rounds to 1
        b = x - a                              |b| <= h/2 = 1/512
        tanh(x) = (tanh(a) + tanh(b)) / (1 + tanh(a) tanh(b))      the addition formula
        tanh(a) = the table's row k            computed once by np.tanh
        tanh(b) = b - b^3/3 + 2 b^5/15         the series (tanh_series); the first term left out, 17 b^7/315, is
                                               below 3e-18 of b: far under float64's resolution, 1.1e-16

    Accuracy: within 3 ulp of np.tanh (tests/test_activations.py checks it on a dense grid). tanh(b) is at most half
    of tanh(a) when k > 0, so their sum cancels at most one bit; where the result is just below 1, the sum and the
    denominator are rounded to the spacing of the numbers just above 1, twice the result's: that is where the 3 ulp
    are reached. inf gives +-1 and NaN gives NaN. Speed: see the note above; ``tanh`` calls this only where it is the
    faster of the two.

    The array is worked through in blocks of TABLE_TANH_BLOCK elements: a block's five temporaries (320 KB) stay in
    the CPU's cache and are reused from block to block and from call to call. Whole-array temporaries of a large
    array can be fresh memory at every call, and the operating system's page faults to provide it then cost more
    than the arithmetic (measured, calling table_tanh alone: 218 faults per call for a (1000, 32) array, which made it
    twice as slow as np.tanh). Smaller blocks cost more calls: 8192 elements was the fastest in W5's float64 run.
    """
    z = np.asarray(z)
    flat_z = z.reshape(-1)  # a view when z is contiguous (else a copy)
    writes_out = out is not None and out.flags.c_contiguous
    flat_out = out.reshape(-1) if writes_out else np.empty(z.size, dtype=np.float64)
    for start in range(0, z.size, TABLE_TANH_BLOCK):
        block = slice(start, start + TABLE_TANH_BLOCK)
        _table_tanh_block(flat_z[block], flat_out[block])
    if writes_out:
        return out
    if out is None:
        return flat_out.reshape(z.shape)
    out[...] = flat_out.reshape(z.shape)
    return out


def _table_tanh_block(z, out):
    """table_tanh's arithmetic on one block (1-d arrays; out may be z itself)."""
    x = np.abs(z)
    np.minimum(x, _SATURATION, out=x)  # minimum keeps a NaN as NaN
    x_over_h = np.multiply(x, _PER_H, out=x)
    k = np.fmin(x_over_h, _LAST_ROW)  # fmin turns a NaN into the last row; b below keeps the NaN
    np.rint(k, out=k)
    tanh_a = _TANH_TABLE[k.astype(np.intp)]
    b = np.subtract(x_over_h, k, out=x_over_h)  # exact: the two are within a factor 2 of each other, or k = 0
    b *= _H
    b2 = np.multiply(b, b, out=k)
    tanh_b = np.multiply(b2, _C5)
    tanh_b += _C3
    tanh_b *= b2
    tanh_b *= b
    tanh_b += b
    numerator = np.add(tanh_a, tanh_b, out=b2)
    denominator = np.multiply(tanh_a, tanh_b, out=tanh_b)
    denominator += _ONE
    numerator /= denominator
    return np.copysign(numerator, z, out=out)


def _numpy_tanh_is_vectorized_in_float64():
    """Whether NumPy runs its float64 tanh on AVX-512 (X86_V4), where it is vectorized and faster than table_tanh.
    Asked once, at import, from numpy.lib.introspect (NumPy 2.0 and later; older NumPy: assumed not)."""
    try:
        from numpy.lib.introspect import opt_func_info
        current = opt_func_info(func_name="^tanh$", signature="^float64")["tanh"]
        return any("AVX512" in info["current"] or "X86_V4" in info["current"] for info in current.values())
    except (ImportError, KeyError, TypeError):
        return False


# decided once, at import: the dtypes table_tanh serves (on this CPU)
_TABLE_TANH_DTYPES = () if _numpy_tanh_is_vectorized_in_float64() else (np.dtype(np.float64),)


def tanh(z, out=None):
    """Hyperbolic tangent, ``out=`` as NumPy's: ``table_tanh`` for float64 arrays of TABLE_TANH_MIN_SIZE elements or
    more where NumPy's float64 tanh is not vectorized (the note above), ``np.tanh`` otherwise."""
    # size first: the small arrays of a recurrent step (the common case) leave after one comparison
    if isinstance(z, np.ndarray) and z.size >= TABLE_TANH_MIN_SIZE and z.dtype in _TABLE_TANH_DTYPES:
        return table_tanh(z, out=out)
    return np.tanh(z, out=out)


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
    "tanh": (tanh, lambda a, da: da * _dtanh(a)),
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
ELEMENTWISE = {"linear": (_linear, _dlinear), "sigmoid": (sigmoid, _dsigmoid), "tanh": (tanh, _dtanh),
               "relu": (_relu, _drelu)}


def get_elementwise_activation(name):
    """Return ``(forward(z, out=None), derivative(a))`` for an elementwise activation name; ``None`` means linear.

    Raises ValueError for an unknown name (softmax included: it is not elementwise).
    """
    key = "linear" if name is None else name
    if not isinstance(key, str) or key not in ELEMENTWISE:
        raise ValueError(f"activation must be one of {sorted(ELEMENTWISE)} or None, got {name!r}")
    return ELEMENTWISE[key]
