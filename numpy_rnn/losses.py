"""Losses with their gradients.

Every loss is a function ``loss(y, output, ...) -> (value, doutput)``: the mean loss and its gradient with respect to
``output``. Returning both from one call keeps the formula and its derivative next to each other.

Binary cross-entropy is computed from the logit ``z``, never from ``a = sigmoid(z)``: with ``a`` the log of 0 appears
as soon as ``a`` rounds to 0 or 1 (logits beyond about +-37 in float64). With the logit,

    L = -[y log a + (1 - y) log(1 - a)] = max(z, 0) - y z + log(1 + exp(-|z|))
    dL/dz = a - y

and neither term can overflow. The same holds for softmax + cross-entropy, whose gradient is ``softmax(z) - onehot(y)``.
"""
import numpy as np

from .activations import sigmoid, softmax
from .checks import lookup


def binary_crossentropy_from_logits(y, z):
    """Mean binary cross-entropy of labels ``y`` (0/1) and logits ``z`` of the same shape; gradient w.r.t. ``z``."""
    n = z.size
    # Divided before summing, so that a mean of losses near the largest float cannot overflow in the sum.
    value = np.sum((np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))) / n)
    return float(value), (sigmoid(z) - y) / n


def binary_crossentropy(y, a, epsilon=1e-7):
    """Mean binary cross-entropy of labels ``y`` and probabilities ``a``; gradient w.r.t. ``a``.

    Probabilities are clipped to ``[epsilon, 1 - epsilon]`` as Keras does. Models whose last layer is a sigmoid use the
    exact logit form above instead (see ``Sequential.compile``).
    """
    a = np.clip(a, epsilon, 1 - epsilon)
    n = a.size
    value = -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)) / n
    return float(value), (a - y) / (a * (1 - a)) / n


def mean_squared_error(y, yhat):
    """Mean over every element of ``(yhat - y)^2``; gradient w.r.t. ``yhat``."""
    diff = yhat - y
    return float(np.mean(diff * diff)), 2 * diff / diff.size


def _class_targets(y, z):
    """Integer class targets from either integer labels ``(...,)`` or one-hot/probability targets ``(..., C)``."""
    y = np.asarray(y)
    if y.shape == z.shape:
        return np.argmax(y, axis=-1)
    return y.astype(np.intp)


def softmax_crossentropy_from_logits(y, z, mask=None):
    """Softmax + cross-entropy over the last axis of logits ``z`` ``(..., C)``.

    ``y`` holds integer classes ``(...)`` or one-hot rows ``(..., C)``. ``mask`` ``(...)`` of 0/1 weights selects which
    positions count (padding in a sequence gets 0); the loss is the mean over the counted positions.
    """
    classes = _class_targets(y, z)
    weights = np.ones(z.shape[:-1]) if mask is None else np.asarray(mask, dtype=z.dtype)
    count = max(float(weights.sum()), 1.0)
    shifted = z - z.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    picked = np.take_along_axis(log_probs, classes[..., None], axis=-1)[..., 0]
    value = -np.sum(weights * picked) / count
    dz = softmax(z)
    np.put_along_axis(dz, classes[..., None], np.take_along_axis(dz, classes[..., None], axis=-1) - 1, axis=-1)
    return float(value), dz * (weights / count)[..., None]


def categorical_crossentropy(y, a, mask=None, epsilon=1e-7):
    """Cross-entropy of probabilities ``a`` ``(..., C)`` (e.g. a softmax output); gradient w.r.t. ``a``."""
    classes = _class_targets(y, a)
    weights = np.ones(a.shape[:-1]) if mask is None else np.asarray(mask, dtype=a.dtype)
    count = max(float(weights.sum()), 1.0)
    a = np.clip(a, epsilon, 1.0)
    picked = np.take_along_axis(a, classes[..., None], axis=-1)[..., 0]
    value = -np.sum(weights * np.log(picked)) / count
    da = np.zeros_like(a)
    np.put_along_axis(da, classes[..., None], (-weights / count / picked)[..., None], axis=-1)
    return float(value), da


LOSSES = {
    "mse": mean_squared_error,
    "mean_squared_error": mean_squared_error,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": categorical_crossentropy,
}

# A final activation fused with its loss: the pair is computed from the logit, exactly and without overflow.
FUSED_LOSSES = {
    ("sigmoid", "binary_crossentropy"): binary_crossentropy_from_logits,
    ("softmax", "categorical_crossentropy"): softmax_crossentropy_from_logits,
    ("softmax", "sparse_categorical_crossentropy"): softmax_crossentropy_from_logits,
}


def get_loss(name):
    """Return the loss function for a name (or a callable, returned as it is). Raises ValueError for unknown names."""
    return lookup(name, LOSSES, "loss")
