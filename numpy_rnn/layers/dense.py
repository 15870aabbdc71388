"""Dense: an affine map on the last axis followed by an activation.

    z = x W + b          x (..., F)   W (F, U)   b (U,)   z (..., U)
    y = activation(z)

The leading axes are free, so the same layer maps a batch of vectors (B, F) or every step of a sequence (B, T, F)
(what Keras calls TimeDistributed(Dense)).

Backward, given dy:

    dz = activation'(z) * dy           (written with y: see activations.py)
    dW = sum over all leading axes of x^T dz,   db = sum of dz,   dx = dz W^T

Keras weights: [kernel (F, U), bias (U,)]. PyTorch's nn.Linear: weight = W^T (U, F), bias = b.

Tied to an Embedding (``tied_to=embedding``; Press & Wolf 2017, Inan et al. 2017): a language model's output layer maps
the last hidden vector back to the vocabulary with the embedding's own table E (V, D) (its W) as its kernel,
W = E^T:

    z = x E^T + b        x (..., D)   E (V, D)   b (V,)   z (..., V)        (so U = V and F = D)

and backward, the same equations with W = E^T:

    dx = dz E,   db = sum of dz,   dE = dW^T = sum over all leading axes of dz^T x   (V, D)

E stays a parameter of the Embedding only: this layer's ``params`` (and ``get_weights()``, ``grads``) hold b alone, so
the optimizer updates E once and a model file keeps it once. E has two uses, the Embedding's lookup and this kernel,
and its gradient is the sum of both: this layer hands its part dE to the Embedding (``add_gradient``), which adds up
the parts of every use into its ``grads["W"]`` whatever order the backward passes run in (see embedding.py, "Tied
weights"). PyTorch ties by sharing one array, ``linear.weight = embedding.weight``: nn.Linear's weight (V, D) is the
Embedding's table in its own layout, so ``to_torch`` gives ``{"weight": E, "bias": b}``.
"""
import numpy as np

from ..activations import get_activation
from ..checks import check_gradient, check_positive_int, check_state_dict
from .base import Layer, documented
from .embedding import Embedding
from .projection import bias_gradient, project, project_backward


@documented()
class Dense(Layer):
    """``Dense(units, activation=None, tied_to=None, ...)``: y = activation(x W + b) on the last axis (below).

    Arguments:
        units                   U, the output's width
        activation=None         "sigmoid", "tanh", "relu", "softmax", "linear", or None (linear)
        tied_to=None            an Embedding whose table (V, D) this layer uses, transposed, as its kernel; units
                                must then be its input_dim V and the input width its output_dim D. In a saved
                                configuration it is the Embedding's name, which a Sequential resolves when the Dense
                                joins it after that Embedding.

    Input: (B, F) or (B, T, F) floats; token ids are read as one-hot rows. Raises ValueError/TypeError for invalid
    arguments and for input of the wrong size or values.
    """

    config_keys = Layer.config_keys + ("units", "activation", "tied_to")

    def __init__(self, units, activation=None, tied_to=None, **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int(units, "units")
        if tied_to is not None and not isinstance(tied_to, (Embedding, str)):
            raise TypeError(f"tied_to must be an Embedding layer (or, in a saved configuration, its name), got "
                            f"{type(tied_to).__name__}")
        if isinstance(tied_to, Embedding):
            self._check_tie(tied_to)
        self.activation = "linear" if activation is None else activation
        self._act_forward, self._act_backward = get_activation(activation)
        self.tied_to = tied_to

    # -- the tie ------------------------------------------------------------------------------------------------------
    def _check_tie(self, embedding, width=None):
        """ValueError, naming what to change, unless this layer can use ``embedding``'s table as its kernel for
        inputs of ``width`` features (None: not known yet)."""
        V, D = embedding.input_dim, embedding.output_dim
        if self.units != V:
            raise ValueError(f"units={self.units}, but a Dense tied to {embedding.name} gives one logit per word of "
                             f"its vocabulary: units must be its input_dim, {V}")
        for what, value in (("input_dim", self.input_dim), ("its input width", width)):
            if value is not None and value != D:
                raise ValueError(f"tied_to: {self.name} uses the table of {embedding.name} (V, D) = ({V}, {D}) as its "
                                 f"kernel, so its input must have D = {D} features (the embedding's output_dim), but "
                                 f"{what} is {value}; make the layer before it output {D} features (e.g. LSTM({D}))")

    def resolve_ties(self, layers):
        """Find the Embedding this layer is tied to among ``layers`` (the model's layers before it): the very layer,
        or the one of that name when ``tied_to`` is a name. ValueError, with nothing changed, when it is not there."""
        if self.tied_to is None:
            return
        if isinstance(self.tied_to, str):
            found = [layer for layer in layers if isinstance(layer, Embedding) and layer.name == self.tied_to]
        else:
            found = [layer for layer in layers if layer is self.tied_to]
        if not found:
            name = self.tied_to if isinstance(self.tied_to, str) else self.tied_to.name
            raise ValueError(f"tied_to: the Embedding {name!r} is not in the model before {self.name}; add it to "
                             "the model first (a tied Dense uses the table of an Embedding below it)")
        self._check_tie(found[0])
        self.tied_to = found[0]

    def _tied_embedding(self):
        """The Embedding of the tie, built; ValueError when it is only a name, or not built yet."""
        if isinstance(self.tied_to, str):
            raise ValueError(f"tied_to: {self.name} names the Embedding {self.tied_to!r}, which is not connected: "
                             "add this Dense to a Sequential model after that Embedding")
        if not self.tied_to.built:
            raise ValueError(f"tied_to: {self.tied_to.name} is not built yet; build it (or call it once) before "
                             f"{self.name}, which uses its table")
        return self.tied_to

    @property
    def kernel(self):
        """W (F, U): the layer's own, or E^T (D, V), a view of the tied Embedding's table."""
        return self.params["W"] if self.tied_to is None else self.tied_to.params["W"].T

    # -- building -------------------------------------------------------------------------------------------------
    def build(self, input_dim, rng=None):
        if self.tied_to is not None:  # checked before anything is set
            embedding = self._tied_embedding()
            self._check_tie(embedding, check_positive_int(input_dim, "input_dim"))
            if embedding.dtype != self.dtype:
                raise ValueError(f"tied_to: {embedding.name} computes in {embedding.dtype.name} and {self.name} in "
                                 f"{self.dtype.name}; give both the same dtype")
        super().build(input_dim, rng)

    def _init_params(self, input_dim, rng):
        b = np.zeros(self.units, dtype=self.dtype)
        if self.tied_to is not None:
            return {"b": b}  # the kernel is the Embedding's table
        return {"W": self._init("glorot_uniform")((input_dim, self.units), rng, self.dtype), "b": b}

    def output_shape(self, input_shape):
        # A Sequential asks every layer's output shape before it builds any: a tie that cannot fit the input is
        # refused there, so that the model is left unbuilt.
        if isinstance(self.tied_to, Embedding) and input_shape and input_shape[-1] is not None:
            self._check_tie(self.tied_to, input_shape[-1])
        return tuple(input_shape[:-1]) + (self.units,)

    # -- forward and backward -----------------------------------------------------------------------------------------
    def forward(self, x, training=False, mask=None):
        """``activation(x W + b)``; ``training`` and ``mask`` change nothing here (each step is mapped alone)."""
        x = self.check_input(x)
        if not self.built:
            self.build(x.shape[-1])
        z = project(x, self.kernel, self.params["b"])
        y = self._act_forward(z)
        self.cache = (x, z, y)
        return y

    def backward(self, dout, through_activation=True):
        """Gradient w.r.t. the input, given ``dout`` = dL/dy. With ``through_activation=False``, ``dout`` is already
        the gradient w.r.t. the logit ``z`` (used when the activation is fused with the loss). Tied, the kernel's
        gradient goes to the Embedding (its ``grads["W"]``), and this layer's ``grads`` hold only b's."""
        x, z, y = self._require_cache()
        dout = check_gradient(dout, y.shape, self.dtype)
        dz = self._act_backward(y, dout) if through_activation else dout
        dW, dx = project_backward(x, dz, self.kernel, self.input_grad)
        db = bias_gradient(dz)
        if self.tied_to is None:
            self.grads = {"W": dW, "b": db}
        else:
            self.grads = {"b": db}
            self.tied_to.add_gradient(self, dW.T)  # W = E^T, so dE = dW^T = dz^T x
        return dx

    @property
    def logits(self):
        """``z`` from the last forward pass (before the activation)."""
        return self._require_cache("logits")[1]

    # -- configuration and other layouts ------------------------------------------------------------------------------
    def get_config(self):
        """The constructor's arguments; a tie as the Embedding's name (``tied_to="embedding"``)."""
        config = super().get_config()
        if isinstance(self.tied_to, Embedding):
            config["tied_to"] = self.tied_to.name
        return config

    def to_torch(self, arrays=None):
        """Parameters (or another dict with their keys) under nn.Linear's names and layouts. Tied, the weight is
        always the Embedding's table E (V, D) itself, the one array a tied PyTorch model shares."""
        p = self.params if arrays is None else arrays
        weight = p["W"].T if self.tied_to is None else self._tied_embedding().params["W"]
        return {"weight": weight.copy(), "bias": p["b"].copy()}

    def _params_from_torch(self, state):
        check_state_dict(state, ("weight", "bias"), self.name)
        if self.tied_to is None:
            return {"W": np.asarray(state["weight"]).T, "b": np.asarray(state["bias"])}
        table = self._tied_embedding().params["W"]
        weight = np.asarray(state["weight"])
        if weight.shape != table.shape or not np.array_equal(weight, table):
            raise ValueError(f"{self.name}: state's weight must be the table of {self.tied_to.name}, to which this "
                             "layer is tied; load the table into the Embedding (its from_torch), then the bias here")
        return {"b": np.asarray(state["bias"])}
