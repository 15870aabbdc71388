"""Weight initializers, written in NumPy, each drawing from the caller's ``np.random.Generator``.

    glorot_uniform(fan_in, fan_out):  W ~ U(-limit, limit),  limit = sqrt(6 / (fan_in + fan_out))
    orthogonal(rows, cols):           W = Q from the QR decomposition of a standard normal matrix, with the signs of
                                      diag(R) folded in so that Q is uniformly distributed (Mezzadri, 2007)
    zeros

These are the Keras defaults for recurrent layers (kernel: Glorot uniform, recurrent kernel: orthogonal, bias: zeros).
An orthogonal recurrent matrix has all singular values 1, so repeated multiplication by it neither blows up nor
shrinks the hidden state at the start of training.

``initializer="tensorflow"`` asks TensorFlow's own initializers for the same three distributions (what the textbook did),
seeded from the model's generator. TensorFlow is imported only then and is never required otherwise.
"""
import numpy as np


def glorot_uniform(shape, rng, dtype=np.float64):
    """Glorot (Xavier) uniform; fan_in is ``shape[0]``, fan_out is ``shape[-1]``."""
    limit = np.sqrt(6.0 / (shape[0] + shape[-1]))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def orthogonal(shape, rng, dtype=np.float64):
    """A matrix with orthonormal rows or columns (whichever are fewer)."""
    rows, cols = shape
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))  # without this, QR's sign convention biases the distribution
    if rows < cols:
        q = q.T
    return q.astype(dtype)


def zeros(shape, rng=None, dtype=np.float64):
    return np.zeros(shape, dtype=dtype)


def _tensorflow_initializers():
    try:
        import tensorflow as tf
    except ImportError as error:
        raise ImportError(
            'initializer="tensorflow" needs TensorFlow, which is not installed. Install it with '
            "`pip install numpy_rnn[tensorflow]` (or `pip install tensorflow-cpu`), or use the default "
            'initializer="numpy", which draws from the same distributions.'
        ) from error
    return tf


def make_initializer(kind, name):
    """Return ``init(shape, rng, dtype)`` for ``kind`` in {"numpy", "tensorflow"} and ``name`` in
    {"glorot_uniform", "orthogonal", "zeros"}. Raises ValueError for an unknown kind or name, ImportError when
    TensorFlow is asked for and missing."""
    numpy_versions = {"glorot_uniform": glorot_uniform, "orthogonal": orthogonal, "zeros": zeros}
    if name not in numpy_versions:
        raise ValueError(f"initializer name must be one of {sorted(numpy_versions)}, got {name!r}")
    if kind == "numpy":
        return numpy_versions[name]
    if kind != "tensorflow":
        raise ValueError(f'initializer must be "numpy" or "tensorflow", got {kind!r}')
    tf = _tensorflow_initializers()
    classes = {"glorot_uniform": tf.keras.initializers.GlorotUniform, "orthogonal": tf.keras.initializers.Orthogonal,
               "zeros": tf.keras.initializers.Zeros}

    def init(shape, rng, dtype=np.float64):
        if name == "zeros":
            return np.zeros(shape, dtype=dtype)
        # A seed drawn from the model's generator keeps TensorFlow's draws reproducible without global state.
        seed = int(rng.integers(2**31 - 1))
        return np.asarray(classes[name](seed=seed)(shape), dtype=dtype)

    return init
