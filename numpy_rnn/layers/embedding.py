"""Embedding: token ids to dense vectors by table lookup.

    y[b, t] = W[ids[b, t]]          ids (B, T) integers in [0, V)   W (V, D)   y (B, T, D)

This is ``one_hot(ids) @ W`` without the one-hot array (see projection.py). Backward, given dy (B, T, D):

    dW[v] = sum of dy[b, t] over every position where ids[b, t] == v      (a scatter-add: repeats accumulate)

Ids have no gradient. With ``mask_zero=True``, id 0 is padding: the layer hands the next one the mask ids != 0
(B, T), which recurrent layers use to skip the padded steps (recurrent.py) and losses to ignore them; the vocabulary
then holds input_dim - 1 real words, ids 1 ... input_dim - 1, as in Keras. Keras weights: [embeddings (V, D)]; PyTorch's nn.Embedding: weight (V, D), the same array.
The table starts uniform in [-0.05, 0.05], Keras's default.

Tied weights (Press & Wolf 2017; Inan et al. 2017): a language model's output layer ``Dense(V, tied_to=embedding)``
uses this table, transposed, as its kernel (dense.py): ``z = x W^T + b`` for its input x (..., D). W is then one
parameter with two uses, kept here only (the optimizer updates it once, a model file holds it once), and its
gradient is the sum of the gradients through both uses:

    dW = dW_lookup + dW_dense      dW_lookup (V, D): the scatter-add above
                                   dW_dense  (V, D): dz^T x summed over the Dense's leading axes (dense.py)

The sum has one home, ``add_gradient(user, part)``: each use hands it its part (this layer's backward its lookup's,
the tied Dense's backward its own), it keeps the latest part of each user in ``grad_parts`` and sets ``grads["W"]``
to the sum of those parts. So the result does not depend on which backward runs first (a Sequential runs the
Dense's, the last layer's, before this one's), and a tied Dense can be checked on its own: its part is
``grad_parts[dense]``. This layer's forward pass starts a new pass and drops the parts of the last one, so no part
outlives the forward pass it belongs to.
"""
from functools import reduce

import numpy as np

from ..checks import check_gradient, check_input_array, check_positive_int, check_state_dict
from .base import Layer, documented
from .projection import project, project_backward


@documented()
class Embedding(Layer):
    """``Embedding(input_dim, output_dim, input_length=None, mask_zero=False, ...)``: token ids to vectors.

    Arguments:
        input_dim               V, the vocabulary size (ids in [0, V))
        output_dim              D, the size of each id's vector
        input_length=None       the number of steps, when fixed (Keras's way of giving an Embedding its input shape)
        mask_zero=False         id 0 is padding: the layers after this one skip it (recurrent layers) or ignore it
                                (losses)

    Input: integer ids of any shape; output: that shape plus (D,). Raises ValueError/TypeError for invalid arguments
    and for ids that are not integers in [0, V) (and for one-hot rows stored as integers: pass the ids).
    """

    config_keys = Layer.config_keys + ("output_dim", "input_length", "mask_zero")

    def __init__(self, input_dim, output_dim, input_length=None, mask_zero=False, **kwargs):
        super().__init__(input_dim=check_positive_int(input_dim, "input_dim"), **kwargs)
        self.output_dim = check_positive_int(output_dim, "output_dim")
        self.input_length = input_length
        if not isinstance(mask_zero, (bool, np.bool_)):
            raise TypeError(f"mask_zero must be True or False, got {mask_zero!r}")
        self.mask_zero = bool(mask_zero)
        self.grad_parts = {}  # each use of the table (this layer, a tied Dense) -> its part of dW in this pass

    def _init_params(self, input_dim, rng):
        return {"W": rng.uniform(-0.05, 0.05, size=(input_dim, self.output_dim))}

    reads_token_ids_only = True  # so it can only be a model's first layer

    def output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def output_kind(self, input_kind):
        return "sequence"  # one vector per token id

    def declared_input_shape(self):
        """``input_shape``, or ``(input_length,)`` (Keras's way of giving an Embedding its number of steps)."""
        return super().declared_input_shape() or (self.input_length,)

    def compute_mask(self, mask):
        """With ``mask_zero``, True where the last ids were not 0 (padding); otherwise the input's mask."""
        if not self.mask_zero:
            return mask
        return self._require_cache() != 0

    def check_input(self, ids, name="x"):
        ids = np.asarray(ids)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"{self.name}: {name} must be integer token ids, got dtype {ids.dtype}")
        return check_input_array(ids, ids.ndim + 1, self.input_dim, self.dtype, name=f"{self.name}: {name}",
                                 ids_only=True)

    def forward(self, ids, training=False, mask=None):
        """The table's rows for ``ids``; ``training`` and ``mask`` change nothing here."""
        ids = self.check_input(ids)
        if not self.built:
            self.build(self.input_dim)
        self.cache = ids
        self.grad_parts = {}  # a new pass: the parts of dW from the last one are spent
        if ids.ndim < 2:
            return project(ids, self.params["W"])
        # Looked up time-major and returned as a (B, T, D) view: the recurrent layer that usually follows reads its
        # input time-major, and then needs no copy of it (and hands back a gradient laid out the same way).
        return project(ids.swapaxes(0, 1), self.params["W"]).swapaxes(0, 1)

    def backward(self, dout):
        ids = self._require_cache()
        dout = check_gradient(dout, ids.shape + (self.output_dim,), self.dtype)
        if ids.ndim >= 2:  # the same pairs (id, gradient row) in time-major order: no copy of a time-major dout
            ids, dout = ids.swapaxes(0, 1), dout.swapaxes(0, 1)
        self.add_gradient(self, project_backward(ids, dout, self.params["W"])[0])
        return None

    def add_gradient(self, user, part):
        """Record ``part`` (V, D), the gradient of the table through ``user``'s use of it (this layer's lookup, or a
        tied Dense's kernel), replacing ``user``'s part from before, and set ``grads["W"]`` to the sum of every
        use's part in this pass (see "Tied weights" in the module docstring)."""
        self.grad_parts[user] = part
        # reduce, not sum(): with one part (no tie) grads["W"] is that part itself, with no copy of the table made
        self.grads = {"W": reduce(np.add, self.grad_parts.values())}

    def to_torch(self, arrays=None):
        """Parameters (or another dict with their keys) under nn.Embedding's name."""
        return {"weight": (self.params if arrays is None else arrays)["W"].copy()}

    def _params_from_torch(self, state):
        check_state_dict(state, ("weight",), self.name)
        return {"W": np.asarray(state["weight"])}
