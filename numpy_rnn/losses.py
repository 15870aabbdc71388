"""Losses with their gradients, optionally weighted per sample or per position.

Every loss is a function ``loss(y, output, sample_weight=None) -> (value, doutput)``: the loss and its gradient with
respect to ``output``. Returning both from one call keeps the formula and its derivative next to each other.

Each loss first computes one value per *element*: per output entry for the squared error and binary cross-entropy
(``output.shape``), per position for the class losses, whose last axis holds the classes (``output.shape[:-1]``).
Then all of them are reduced the same way, in ``_weighted_mean``, as Keras 3's default reduction
"sum_over_batch_size" does:

    value = sum(w * loss) / number of elements          dvalue/dloss = w / number of elements

``w`` is ``sample_weight``: an array of shape ``output.shape[:k]`` for some 1 <= k <= output.ndim - 1, that is one
weight per sample ``(batch,)``, or per time step ``(batch, steps)`` (Keras's "temporal" weights), spread over the
axes it does not have. Without it every weight is 1 and the value is the plain mean. The divisor is the number of
elements, not the sum of the weights: weights of all ones give exactly the unweighted loss, a weight of 2 counts a
sample twice, and zeros drop samples from the sum but not from the count (as in Keras).

A 0/1 mask over positions (padding) enters as a weight rescaled so that the loss is the mean over the unmasked
positions only, ``w = mask * mask.size / sum(mask)`` (``mask_weights``, Keras's rule).

Binary cross-entropy is computed from the logit ``z``, never from ``a = sigmoid(z)``: with ``a`` the log of 0 appears
as soon as ``a`` rounds to 0 or 1 (logits beyond about +-37 in float64). With the logit,

    L = -[y log a + (1 - y) log(1 - a)] = max(z, 0) - y z + log(1 + exp(-|z|))
    dL/dz = a - y

and neither term can overflow. The same holds for softmax + cross-entropy, whose gradient is ``softmax(z) - onehot(y)``.

Raises nothing itself: the model checks targets and weights before it calls a loss (see ``Sequential.fit``).
"""
import numpy as np

from .activations import sigmoid, softmax
from .checks import lookup


def _weighted_mean(loss, dloss, sample_weight=None, picked=None):
    """``(value, gradient)``: Keras's "sum_over_batch_size" of the per-element ``loss`` and its gradient, given the
    per-element derivative ``dloss`` (of ``loss``'s shape, or with one more axis, the classes, for the class losses).

    ``sample_weight`` of shape ``loss.shape[:k]`` is spread over the remaining axes of ``loss`` and of ``dloss``.
    ``picked=(classes, p_c)``, for softmax cross-entropy: ``dloss`` is the probabilities p, not yet minus the one-hot
    targets; the gradient (p - onehot) w / n is then written in one pass over p into a new array, and the targets'
    entries (p_c - 1) w / n are put in after it. p itself, the model's output, is left as it is.
    """
    n = loss.size
    if sample_weight is None:
        # Divided before summing, so that a mean of losses near the largest float cannot overflow in the sum.
        value, w_loss, w_dloss = float(np.sum(loss / n)), None, None
    else:
        w = np.asarray(sample_weight)
        w_loss = w.reshape(w.shape + (1,) * (loss.ndim - w.ndim))  # (B, 1, 1) for loss (B, T, n): one w per sample
        w_dloss = w.reshape(w.shape + (1,) * (dloss.ndim - w.ndim))
        value = float(np.sum(w_loss * loss / n))
    if picked is None:
        if w_dloss is None:
            # ``dloss`` is the caller's own new array: divided in place
            return value, np.divide(dloss, n, out=dloss)
        return value, w_dloss * dloss / n
    classes, p_c = picked
    scale = 1 / n if w_dloss is None else w_dloss / n  # a number, or (B, ..., 1) weights
    # the one pass: p w / n, in C order whatever p's layout (the output layer's matrix products read it as rows)
    grad = np.multiply(dloss, scale, dtype=dloss.dtype, order="C")
    np.put_along_axis(grad, classes, ((p_c - 1)[..., None] * scale).astype(grad.dtype, copy=False), axis=-1)
    return value, grad


def mask_weights(mask, sample_weight=None):
    """The weights that make a loss the mean over the positions where ``mask`` (0/1, e.g. ``(batch, steps)``) is 1:
    ``mask * mask.size / sum(mask)``, times ``sample_weight`` when given (of shape ``mask.shape[:k]``). An all-zero
    mask gives all-zero weights (a loss of 0). Keras adds 1e-7 to ``sum(mask)``; here the division is exact."""
    mask = np.asarray(mask, dtype=np.float64)
    counted = float(mask.sum())
    w = mask * (mask.size / counted) if counted > 0 else np.zeros_like(mask)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight)
        w = w * sample_weight.reshape(sample_weight.shape + (1,) * (w.ndim - sample_weight.ndim))
    return w


def binary_crossentropy_from_logits(y, z, sample_weight=None, probabilities=None):
    """Binary cross-entropy of labels ``y`` (0/1) and logits ``z`` of the same shape; gradient w.r.t. ``z``.
    ``probabilities``: sigmoid(z) when the layer has computed it already (the model's output), else None."""
    loss = np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))
    return _weighted_mean(loss, (sigmoid(z) if probabilities is None else probabilities) - y, sample_weight)


def binary_crossentropy(y, a, sample_weight=None, epsilon=1e-7):
    """Binary cross-entropy of labels ``y`` and probabilities ``a``; gradient w.r.t. ``a``.

    Probabilities are clipped to ``[epsilon, 1 - epsilon]`` as Keras does. Models whose last layer is a sigmoid use the
    exact logit form above instead (see ``Sequential.compile``).
    """
    a = np.clip(a, epsilon, 1 - epsilon)
    loss = -(y * np.log(a) + (1 - y) * np.log(1 - a))
    return _weighted_mean(loss, (a - y) / (a * (1 - a)), sample_weight)


def mean_squared_error(y, yhat, sample_weight=None):
    """``(yhat - y)^2`` per element; gradient w.r.t. ``yhat``."""
    diff = yhat - y
    return _weighted_mean(diff * diff, 2 * diff, sample_weight)


def _class_targets(y, z):
    """Integer class targets from either integer labels ``(...,)`` or one-hot/probability targets ``(..., C)``."""
    y = np.asarray(y)
    if y.shape == z.shape:
        return np.argmax(y, axis=-1)
    return y.astype(np.intp)


def softmax_crossentropy_from_logits(y, z, sample_weight=None, probabilities=None):
    """Softmax + cross-entropy over the last axis of logits ``z`` ``(..., C)``: one loss per position ``(...)``.

    ``y`` holds integer classes ``(...)`` or one-hot rows ``(..., C)``. ``probabilities``: softmax(z) when the layer
    has computed it already (the model's output), else None.

    The loss of class c is -log p_c, and its gradient is p - onehot(c). Given the probabilities, both need only the
    one picked probability p_c per position besides the one pass that writes the gradient: a language model's softmax
    has (batch x steps x vocabulary) entries, millions, and each extra pass over them costs as much as the arithmetic.

    -log p_c is exact to rounding while p_c is a normal float. A class the model rules out so firmly that p_c
    underflows (z_c more than about 87 below the row's largest logit in float32, 708 in float64) would give -log 0 =
    inf; for those rows only the loss is taken from the logits instead: with m = max_j z_j and S = sum_j exp(z_j - m),
    -log p_c = log S - (z_c - m), where the largest probability is exp(0) / S = 1 / S, so log S = -log(max_j p_j).
    """
    classes = _class_targets(y, z)[..., None]
    p = softmax(z) if probabilities is None else probabilities
    p_c = np.take_along_axis(p, classes, axis=-1)[..., 0]
    underflow = p_c < np.finfo(p.dtype).tiny  # 0 or subnormal: too few digits left for its log
    with np.errstate(divide="ignore"):
        loss = -np.log(p_c)
    if underflow.any():
        rows_p, rows_z = p[underflow], z[underflow]  # (k, C): the k positions whose p_c underflowed
        log_S = -np.log(rows_p.max(axis=-1))  # >= 0; max p >= 1/C, far from 0, so its log is exact to rounding
        loss[underflow] = log_S - (np.take_along_axis(rows_z, classes[underflow], axis=-1)[:, 0]
                                   - rows_z.max(axis=-1))
    return _weighted_mean(loss, p, sample_weight, picked=(classes, p_c))


def categorical_crossentropy(y, a, sample_weight=None, epsilon=1e-7):
    """Cross-entropy of probabilities ``a`` ``(..., C)`` (e.g. a softmax output), one loss per position ``(...)``;
    gradient w.r.t. ``a``, non-zero only at each position's true class: d(-log a_c)/da_c = -1/a_c."""
    classes = _class_targets(y, a)
    a = np.clip(a, epsilon, 1.0)
    picked = np.take_along_axis(a, classes[..., None], axis=-1)[..., 0]
    da = np.zeros_like(a)
    np.put_along_axis(da, classes[..., None], (-1 / picked)[..., None], axis=-1)
    return _weighted_mean(-np.log(picked), da, sample_weight)


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


def class_weights(class_weight, y, output_shape):
    """Per-sample (per-position) weights ``class_weight[class of each target]``, of shape ``output_shape[:-1]``, for
    a model whose output has ``output_shape`` (batch axis included).

    The classes are read from ``y`` as the loss reads them: integer labels ``(...)`` or one-hot rows ``(..., C)`` for
    outputs of C > 1 columns; 0/1 labels (rounded, as Keras does) for one column, whose classes are 0 and 1. A class
    missing from the dict weighs 1 (Keras). Raises TypeError/ValueError naming ``class_weight`` for anything but a
    dict of known classes (non-negative integers below the number of classes) to finite non-negative numbers, and
    naming ``y`` for targets that are not such classes.
    """
    if not isinstance(class_weight, dict):
        raise TypeError(f"class_weight must be a dict {{class: weight}}, got {type(class_weight).__name__}")
    n_classes = output_shape[-1] if output_shape[-1] > 1 else 2
    table = np.ones(n_classes)
    for key, weight in class_weight.items():
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)):
            raise TypeError(f"class_weight keys must be integer classes, got {key!r}")
        if not 0 <= key < n_classes:
            raise ValueError(f"class_weight has class {key}, but the model's output has classes 0 to "
                             f"{n_classes - 1}")
        if isinstance(weight, (bool, np.bool_)) or not isinstance(weight, (int, float, np.integer, np.floating)):
            raise TypeError(f"class_weight[{key}] must be a number, got {weight!r}")
        if not (np.isfinite(weight) and weight >= 0):
            raise ValueError(f"class_weight[{key}] must be a finite non-negative number, got {weight!r}")
        table[key] = weight
    y = np.asarray(y)
    if output_shape[-1] == 1:
        classes = np.round(y.reshape(output_shape)[..., 0])
    elif y.size == int(np.prod(output_shape)):  # one-hot rows
        classes = np.argmax(y.reshape(output_shape), axis=-1)
    else:
        classes = y.reshape(output_shape[:-1])
    if classes.size and (classes.min() < 0 or classes.max() >= n_classes or np.any(classes != np.round(classes))):
        raise ValueError(f"y must hold classes 0 to {n_classes - 1} to be weighted by class_weight, got values from "
                         f"{classes.min()} to {classes.max()}")
    return table[classes.astype(np.intp)]
