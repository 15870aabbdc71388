"""The input projection ``x @ W``, for dense input and for token ids, and its gradients.

A one-hot row times a matrix picks a row of the matrix:

    one_hot(ids) @ W == W[ids]

so token ids never need their one-hot array. For the textbook's IMDB data (20,000 reviews x 100 steps x 100 words)
the one-hot float64 array is 1.6 GB (800 MB in float32); the ids are 16 MB. The projection is then a gather and its
gradient a scatter-add: each row of ``dW`` receives the sum of the output gradients at the positions where its id
occurs (repeated ids accumulate, which is why it is a sum and not a plain assignment).

Embedding, Dense and the recurrent layers all project their inputs through these two functions, and every matrix
product they make over a whole batch of steps is made here (``matmul_rows``, ``weight_gradient``): the products
that may be large enough for BLAS's threads (threads.py), made inside ``for_product``.
"""
import numpy as np

from ..threads import for_product


def is_token_ids(x):
    """True for integer arrays, which every layer reads as token ids (one-hot positions)."""
    return np.issubdtype(np.asarray(x).dtype, np.integer)


def project(x, W, b=None, out=None):
    """``x @ W + b`` for dense ``x`` of shape ``(..., F)``; ``W[x] + b`` for token ids ``x`` of shape ``(...)``.

    Returns ``(..., G)`` for ``W`` of shape ``(F, G)`` and ``b`` of shape ``(G,)`` (or None), written into ``out``
    when it is given. For token ids the bias can be added to the table before the gather instead of to the result
    after it: a one-hot row has a single 1, so ``one_hot(ids) @ W + b == (W + b)[ids]``. Whichever has fewer rows
    gets it (the textbook's 100-word table against 3,200 positions per batch).
    """
    if is_token_ids(x):
        # mode="clip": the ids were checked on input (every layer's check_input), and with the default mode "raise"
        # np.take writes through a temporary copy whenever it is given ``out`` (twice the time here).
        if b is not None and len(W) <= x.size:
            return np.take(W + b, x, axis=0, out=out, mode="clip")
        y = np.take(W, x, axis=0, out=out, mode="clip")
    else:
        y = matmul_rows(x, W, out=out)
    if b is not None:
        y += b
    return y


def matmul_rows(x, W, out=None):
    """``x @ W`` for ``x`` (..., F) and ``W`` (F, G), as *one* 2-D matrix product over all the rows of ``x``.

    NumPy's matmul of a 3-D ``x`` runs one product per leading index (a recurrent layer's T steps, a language model's B
    sequences), each too small to keep the processor busy: on the output layer of a word model, (20, 35, 100) times
    (100, 10000), that is twice the time of the single (700, 100) x (100, 10000) product. The rows can be taken in
    memory order without a copy when ``x`` is C-contiguous, or when it is the (B, T, F) view of a time-major (T, B, F)
    array, as the recurrent layers return their sequences; the result then has the same layout.
    """
    if x.ndim > 2:
        for swapped in (False, True):
            rows = x.swapaxes(0, 1) if swapped else x
            if rows.flags.c_contiguous and (out is None or (out.swapaxes(0, 1) if swapped else out).flags.c_contiguous):
                G = W.shape[1]
                target = None if out is None else (out.swapaxes(0, 1) if swapped else out).reshape(-1, G)
                with for_product(x.size * G):
                    y = np.matmul(rows.reshape(-1, rows.shape[-1]), W, out=target).reshape(rows.shape[:-1] + (G,))
                y = y.swapaxes(0, 1) if swapped else y
                return y if out is None else out
    with for_product(x.size * W.shape[1]):
        return np.matmul(x, W, out=out)


def weight_gradient(x, dY):
    """``x^T dY`` summed over every leading axis (batch, time) in one matrix product: the gradient of a weight ``W``
    (F, G) through which ``x`` (..., F) was projected to ``Y`` (..., G)."""
    F, G = x.shape[-1], dY.shape[-1]
    with for_product(x.size * G):
        return x.reshape(-1, F).T @ dY.reshape(-1, G)


def project_backward(x, dY, W, input_grad=True, work=None):
    """Gradients of ``Y = project(x, W)`` given ``dY`` ``(..., G)``: returns ``(dW, dx)``.

    ``dx`` is None for token ids (they are not differentiable) and when ``input_grad`` is False (the first layer of a
    model: nothing below it needs dx, and for one-hot input it is the largest product of the backward pass).
    ``work``: optionally, an array of ``dY``'s size and dtype that the token-id gradient may use for its sorted copy of
    ``dY``, kept by the caller from one call to the next (see ``Layer._scratch`` for why that is faster).
    """
    V, G = W.shape
    if is_token_ids(x):
        rows = dY.reshape(-1, G)
        work = None if work is None else work.reshape(rows.shape)
        return _scatter_add_rows(x.reshape(-1), rows, V, work).astype(W.dtype, copy=False), None
    dW = weight_gradient(x, dY)
    return dW.astype(W.dtype, copy=False), (matmul_rows(dY, W.T) if input_grad else None)


def bias_gradient(dY):
    """The gradient of a bias added to every row: ``dY`` ``(..., G)`` summed over all its leading axes, ``(G,)``.

    Computed as ``ones @ dY``, a vector-matrix product that runs in BLAS: for the long, narrow arrays of a recurrent
    layer ((T * B, G), G small) it is several times faster than ``dY.sum(axis=0)``, which NumPy adds up row by row.
    """
    rows = dY.reshape(-1, dY.shape[-1])
    return np.ones(len(rows), dtype=rows.dtype) @ rows


def _scatter_add_rows(ids, dY, V, work=None):
    """``dW`` (V, G) with ``dW[v] = sum of dY[n] over the n where ids[n] == v``, for ids (N,) and dY (N, G).

    ``np.add.at(dW, ids, dY)`` says exactly this, but handles one element at a time. Two faster ways, each the
    better one in a different regime (measured on the benchmark's workloads):
    - a small vocabulary next to N (the textbook's 100 words, 3,200 positions per batch): every id repeats many
      times, so sort the positions by id and sum each id's group of rows with one ``np.add.reduceat``. A stable
      sort of integers of 16 bits or fewer is a radix sort in NumPy, hence the cast to the smallest type for V - 1;
    - otherwise (``reduceat`` pays a little for every group): ``np.add.at`` on the flattened ``dW``, indexed by
      ``id * G + column``, which NumPy runs on a fast path for one-dimensional arrays.
    """
    N, G = dY.shape
    dW = np.zeros((V, G), dtype=dY.dtype)
    if N == 0:
        return dW
    if 16 * V <= N:
        order = np.argsort(ids.astype(np.min_scalar_type(V - 1), copy=False), kind="stable")  # a permutation of
        # the positions: mode="clip" below never clips, and spares np.take its temporary copy (see project)
        sorted_ids = ids[order]
        starts = np.empty(N, dtype=bool)  # True where a new id's group starts
        starts[0] = True
        np.not_equal(sorted_ids[1:], sorted_ids[:-1], out=starts[1:])
        first = np.flatnonzero(starts)
        dW[sorted_ids[first]] = np.add.reduceat(np.take(dY, order, axis=0, out=work, mode="clip"), first, axis=0)
    else:
        # In chunks of rows, so that the index array stays small: a temporary of a megabyte made afresh at every
        # call costs more in page faults than the additions themselves (see Layer._scratch).
        flat_dW, columns = dW.reshape(-1), np.arange(G)
        rows = max(1, 8192 // G)  # an index array of 64 KB
        for start in range(0, N, rows):
            flat = ids[start:start + rows].astype(np.intp)[:, None] * G + columns  # intp: id * G may not fit ids' type
            np.add.at(flat_dW, flat.reshape(-1), dY[start:start + rows].reshape(-1))
    return dW
