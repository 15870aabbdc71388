"""The input projection ``x @ W``, for dense input and for token ids, and its gradients.

A one-hot row times a matrix picks a row of the matrix:

    one_hot(ids) @ W == W[ids]

so token ids never need their one-hot array. For the textbook's IMDB data (20,000 reviews x 100 steps x 100 words)
the one-hot float64 array is 1.6 GB (800 MB in float32); the ids are 16 MB. The projection is then a gather and its
gradient a scatter-add: each row of ``dW`` receives the sum of the output gradients at the positions where its id
occurs (repeated ids accumulate, which is why it is a sum and not a plain assignment).

Embedding, Dense and the recurrent layers all project their inputs through these two functions.
"""
import numpy as np


def is_token_ids(x):
    """True for integer arrays, which every layer reads as token ids (one-hot positions)."""
    return np.issubdtype(np.asarray(x).dtype, np.integer)


def project(x, W, out=None):
    """``x @ W`` for dense ``x`` of shape ``(..., F)``; ``W[x]`` for token ids ``x`` of shape ``(...)``.

    Returns ``(..., G)`` for ``W`` of shape ``(F, G)``, written into ``out`` when it is given.
    """
    if is_token_ids(x):
        return np.take(W, x, axis=0, out=out)
    return np.matmul(x, W, out=out)


def project_backward(x, dY, W, input_grad=True):
    """Gradients of ``Y = project(x, W)`` given ``dY`` ``(..., G)``: returns ``(dW, dx)``.

    ``dx`` is None for token ids (they are not differentiable) and when ``input_grad`` is False (the first layer of a
    model: nothing below it needs dx, and for one-hot input it is the largest product of the backward pass).
    """
    V, G = W.shape
    if is_token_ids(x):
        # The scatter-add dW[x[n]] += dY[n], done by np.bincount over the flat index (id, column) -> id * G + column:
        # the same sums as np.add.at(dW, x, dY), about four times faster (add.at handles each element separately).
        flat = (x.reshape(-1, 1) * G + np.arange(G)).reshape(-1)
        dW = np.bincount(flat, weights=dY.reshape(-1), minlength=V * G).reshape(V, G)
        return dW.astype(W.dtype, copy=False), None
    F = W.shape[0]
    # Every leading axis (batch, time) is summed over in one matrix product.
    dW = x.reshape(-1, F).T @ dY.reshape(-1, G)
    return dW.astype(W.dtype, copy=False), (dY @ W.T if input_grad else None)
