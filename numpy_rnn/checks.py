"""Argument checks shared by the whole library: each raises ValueError or TypeError with a message that names the
argument and says what was expected, so that bad input never ends in a NumPy traceback from deep inside a layer."""
import numpy as np


def check_positive_int(value, name, allow_none=False):
    """Raise a ValueError/TypeError naming ``name`` unless ``value`` is a positive int (or None when allowed)."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        expected = "a positive integer or None" if allow_none else "a positive integer"
        raise TypeError(f"{name} must be {expected}, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_dtype(dtype):
    """``np.dtype`` float32 or float64; TypeError/ValueError naming ``dtype`` for anything else."""
    try:
        value = np.dtype(dtype)
    except (TypeError, ValueError):
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from None
    if value not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    return value


def check_input_array(x, ndim, n_features, dtype, name="x", n_features_name="input_dim", ids_hint="",
                      ids_only=False):
    """Validate ``x`` as dense input of rank ``ndim`` (last axis: ``n_features`` features) or as integer token ids
    of rank ``ndim - 1`` with values in ``[0, n_features)``. ``n_features=None`` accepts any width (dense only).
    ``ids_hint`` ends the message about ids out of that range (where ``n_features`` came from, what to set);
    ``ids_only``: the caller reads token ids only (an Embedding), which changes what the messages advise.

    Returns the array, float input cast to ``dtype``. Raises TypeError for non-numeric arrays and ValueError for the
    wrong rank, an empty array, NaN/inf, or features/ids that do not fit; the messages start with ``name``. Two
    mistakes get a message of their own: a single sample without its batch axis (one dimension short: pass
    ``x[None]``), and one-hot rows stored as integers, which would be read as token ids (pass floats).
    """
    x = np.asarray(x)
    ids = x.dtype.kind in "iu"
    if not ids and x.dtype.kind not in "fb":
        raise TypeError(f"{name} must be a float array or integer token ids, got dtype {x.dtype}")
    if x.ndim != (ndim - 1 if ids else ndim):
        raise ValueError(_rank_message(x, ndim, n_features, name, n_features_name, ids_only))
    if ids and n_features is not None and n_features >= ONE_HOT_MIN_WIDTH and one_hot_rows(x, n_features):
        raise ValueError(_one_hot_message(x, ndim, n_features, name, n_features_name, ids_only))
    if x.size == 0:
        raise ValueError(f"{name} is empty (shape {x.shape})")
    if ids:
        if n_features is None:
            raise ValueError(f"{name}: token-id input needs {n_features_name} (the vocabulary size)")
        low, high = int(x.min()), int(x.max())
        if low < 0 or high >= n_features:
            raise ValueError(f"{name} must hold token ids in [0, {n_features - 1}] ({n_features_name}="
                             f"{n_features}), got values from {low} to {high}{ids_hint}")
        return x
    if n_features is not None and x.shape[-1] != n_features:
        raise ValueError(f"{name} must have {n_features} features on its last axis, got shape {x.shape}")
    x = x.astype(dtype, copy=False)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


# Integer rows of zeros and a single 1 are taken for one-hot input only from this width up. Read as token ids they
# are sequences of as many steps as the vocabulary has words, holding word 1 once and word 0 everywhere else: from
# a real text, never; from random ids, a chance of V^(1 - V) per row, 1 in 9 for V = 3 (a gradient check's toy
# vocabulary) but 1 in 2 million for V = 8.
ONE_HOT_MIN_WIDTH = 8


def one_hot_rows(x, n_features):
    """True when integer ``x`` has rows of ``n_features`` zeros and ones, one 1 each: one-hot input stored as
    integers, which would be read as token ids (see ``ONE_HOT_MIN_WIDTH``)."""
    if n_features is None or x.ndim < 2 or x.shape[-1] != n_features or x.size == 0:
        return False
    return bool(np.all((x == 0) | (x == 1)) and np.all(x.sum(axis=-1) == 1))


def _argument(name):
    """The argument in a message's ``name`` ("lstm: x" -> "x"), for code the message suggests."""
    return name.rsplit(": ", 1)[-1]


def _one_hot_message(x, ndim, n_features, name, n_features_name, ids_only):
    arg = _argument(name)
    found = (f"{name} looks like one-hot rows stored as integers (shape {x.shape}: rows of zeros and a single 1, "
             f"{n_features_name}={n_features} wide), which would be read as token ids")
    if ids_only:
        return f"{found}: pass the token ids, {arg}.argmax(-1)"
    batch = "[None]" if x.ndim == ndim - 1 else ""  # as dense input, one dimension short: a single sample
    sample = " (one sample: add the batch axis)" if batch else ""
    return f"{found}{sample}: pass floats, {arg}{batch}.astype(float), or the token ids, {arg}.argmax(-1){batch}"


def _rank_message(x, ndim, n_features, name, n_features_name, ids_only):
    """Why ``x`` has not the rank ``ndim`` (dense) or ``ndim - 1`` (ids), and what to pass instead."""
    ids = x.dtype.kind in "iu"
    if ids and one_hot_rows(x, n_features):
        return _one_hot_message(x, ndim, n_features, name, n_features_name, ids_only)
    want = ndim - 1 if ids else ndim
    if ndim == 3:
        layout = "(samples, steps) of token ids" if ids else "(samples, steps, features)"
        other = ", or floats (samples, steps, features)" if ids else ", or integer token ids (samples, steps)"
    else:
        layout, other = ("token ids" if ids else "features"), ""
    if x.ndim == want - 1:
        return (f"{name} must have {want} dimensions, {layout}{other}; got shape {x.shape}: for a single sample, "
                f"add the batch axis, {_argument(name)}[None] (shape {(1,) + x.shape})")
    if ids and x.ndim == ndim and n_features is not None and x.shape[-1] == n_features:
        return (f"{name} has integer dtype and shape {x.shape}, with {n_features_name}={n_features} on its last "
                f"axis: token ids must have {want} dimensions, {layout}; one-hot input must be floats, "
                f"{_argument(name)}.astype(float)")
    return f"{name} must have {want} dimensions, {layout}{other}; got shape {x.shape}"


def check_random_state(random_state, name="random_state"):
    """A new ``np.random.Generator`` from an integer seed or None; TypeError naming ``name`` otherwise."""
    if random_state is not None and (isinstance(random_state, (bool, np.bool_))
                                     or not isinstance(random_state, (int, np.integer))):
        raise TypeError(f"{name} must be an integer seed or None, got {random_state!r}")
    if random_state is not None and random_state < 0:
        raise ValueError(f"{name} must be a non-negative integer seed or None, got {random_state!r}")
    return np.random.default_rng(random_state)


# From this many elements up, all_finite tests a float array through its sum of squares (see there).
ALL_FINITE_DOT_SIZE = 65536


def all_finite(x):
    """True when the array ``x`` holds no NaN and no infinity: ``np.all(np.isfinite(x))``.

    The training guards ask this of every layer's output and of the gradients at every batch; a language model's
    output layer has millions of entries. ``np.isfinite`` writes an array of booleans of that size and ``np.all``
    reads it back. The sum of squares ``x . x``, one BLAS dot product that only reads ``x``, answers the same
    question in about 60% of the time: a NaN or an infinity in ``x`` makes it NaN or infinite, and finite entries
    keep it finite unless their squares overflow (entries beyond about 1e19 in float32, 1e154 in float64). Only then,
    when the dot product is not finite, the elementwise test decides, so the answer is always exact.
    """
    x = np.asarray(x)
    if x.size >= ALL_FINITE_DOT_SIZE and x.dtype in (np.float32, np.float64):
        # the axes in memory order, a view: e.g. the (B, T, n) output of a layer that computed it as (T, B, n)
        in_memory_order = x if x.flags.c_contiguous else x.transpose(np.argsort(x.strides)[::-1])
        if in_memory_order.flags.c_contiguous:  # one block of memory, no gaps: flat without a copy
            flat = in_memory_order.reshape(-1)
            if np.isfinite(flat @ flat):
                return True
    return bool(np.isfinite(x).all())  # the method: 1.5 us less than np.all(...) on a step's small array


def check_gradient(dout, shape, dtype, name="dout"):
    """``dout`` as a finite float array of exactly ``shape`` (what a backward pass receives)."""
    dout = np.asarray(dout)
    if dout.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be a float array, got dtype {dout.dtype}")
    if dout.shape != tuple(shape):
        raise ValueError(f"{name} must have the shape of the layer's output {tuple(shape)}, got {dout.shape}")
    dout = dout.astype(dtype, copy=False)
    if not all_finite(dout):
        raise ValueError(f"{name} contains NaN or infinite values")
    return dout


def lookup(name, table, kind):
    """``table[name]`` for a name, or ``name`` itself when it is a callable; ValueError/TypeError naming ``kind``."""
    if callable(name):
        return name
    if not isinstance(name, str):
        raise TypeError(f"{kind} must be a name or a callable, got {name!r}")
    if name not in table:
        raise ValueError(f"{kind} must be one of {sorted(table)} or a callable, got {name!r}")
    return table[name]


class NoForwardPassError(ValueError):
    """``backward`` (or a value kept by the forward pass, such as ``Dense.logits``) asked of a layer that has not run
    ``forward`` yet: there is nothing to differentiate. A ValueError, so code that catches bad input catches it."""


def check_number(value, name, low=None, high=None, low_open=False, high_open=False):
    """``value`` as a float: a real, finite number (a NumPy scalar too, never a bool) within ``low`` and ``high``
    (None: unbounded; ``*_open``: that end excluded). TypeError or ValueError naming ``name`` otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if not np.isfinite(value) or too_low or too_high:
        interval = f"{'(' if low_open else '['}{'-inf' if low is None else low}, " \
                   f"{'inf' if high is None else high}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be a finite number in {interval}, got {value!r}")
    return value


def check_real_array(value, name):
    """``value`` as an array of real numbers (integers or floats) that are all finite; TypeError naming ``name`` for
    anything else (complex numbers would lose their imaginary part, strings and objects are not numbers), ValueError
    for NaN or infinity."""
    value = np.asarray(value)
    if value.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {value.dtype}")
    if not np.all(np.isfinite(value)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return value


def check_state_dict(state, keys, owner):
    """A PyTorch ``state_dict`` (a mapping from parameter names to arrays or tensors) that holds exactly ``keys``, as
    ``load_state_dict`` checks by default; TypeError/ValueError naming ``state`` and ``owner`` otherwise."""
    if not hasattr(state, "keys") or not hasattr(state, "__getitem__"):
        raise TypeError(f"{owner}: state must be a dict of PyTorch parameters ({', '.join(keys)}), "
                        f"got {type(state).__name__}")
    missing = [k for k in keys if k not in state]
    unexpected = sorted(str(k) for k in state.keys() if k not in keys)
    if missing or unexpected:
        raise ValueError(f"{owner}: state must hold the PyTorch parameters {', '.join(keys)}; missing: "
                         f"{', '.join(missing) or 'none'}; unexpected: {', '.join(unexpected) or 'none'}")
    return state
