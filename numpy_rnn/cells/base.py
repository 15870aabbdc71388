"""What every recurrent cell has in common: its parameters, one step on its own, and the weight gradients.

A *cell* is the math of one time step. Every cell in numpy_rnn splits its pre-activation the same way,

    a_t = X_t + R_t,    X_t = x_t W_x + b       the input part: it does not depend on the previous step
                        R_t = h_{t-1} W_h       the recurrent part (the GRU adds a bias b_h of its own)

and each cell file writes the rest of the step with three methods, in the symbols of its docstring:

- ``step(X_t, states, m_h=None) -> (new_states, cache)``: the forward step, given the input part X_t (B, G).
  ``states`` and ``new_states`` are lists of (B, H) arrays in ``state_names`` order; ``cache`` is a tuple of arrays;
  ``m_h`` the recurrent dropout mask (B, H), or None (see "Dropout" below).
- ``backward_factors(cache) -> factors`` (optional): the parts of the step's derivative that do not depend on the
  gradient arriving from later steps (the gated cells' local derivatives, such as g * i (1 - i)). They are
  elementwise, so the same code works on one step's cache or on the caches of many steps stacked along a leading
  time axis; a tuple of arrays. A cell without them (the layer-normalized RNN) computes its whole derivative in
  ``step_backward``, and gets ``factors=None``.
- ``step_backward(dstates, cache, factors, m_h=None) -> (dX_t, dR_t, dstates_prev)``: given the gradients arriving
  at the new states, the gradients of the two parts of the pre-activation, and of the previous states (dh_{t-1}
  included), with the forward step's ``m_h``.

Two ways to run a cell:

- By hand, one step at a time, with ``forward_step`` and ``backward_step`` below: what text generation and decoders
  do, and what a learner can check against finite differences on its own (tests/test_cells.py).
- Over a whole sequence, by ``layers.recurrent.RNN``, which does the work that does not depend on the previous step
  once for all steps: X for every step in one product before the loop, the backward factors for every step in one
  call, and the weight gradients in one product after it. The cell's math is the same in both.

The weight gradients are sums over every step (and sample) of products that each step contributes:

    dW_x = sum_t x_t^T dX_t        dW_h = sum_t h_{t-1}^T dR_t        db = sum_t dX_t    (db_h = sum_t dR_t)

``backward_projections`` computes them for one step or for many stacked steps alike: their one home.

Dropout (Keras's ``dropout`` and ``recurrent_dropout``, training only). The layer draws two masks per sequence, the
same at every step, whose entries are 0 or 1 / (1 - rate) (layers/dropout.py): m_x (B, F) for the inputs and m_h
(B, H) for the state. As in Keras, each is applied where its kernel reads, and nowhere else:

    X_t = (x_t * m_x) W_x + b            the layer applies m_x before its one projection of every step
    R_t = (h_{t-1} * m_h) W_h            the cell's ``step(X_t, states, m_h)``; the undropped h_{t-1} everywhere else
                                         (the GRU's h_t = z * h_{t-1} + ...)

and backward, the same masks on the same paths:

    dW_x = sum_t (x_t * m_x)^T dX_t      dx_t = (dX_t W_x^T) * m_x
    dW_h = sum_t (h_{t-1} * m_h)^T dR_t  dh_{t-1} = ... + (dR_t W_h^T) * m_h     ``step_backward(..., m_h)``

For token ids, x_t * m_x is the one-hot row of id scaled by m_x[b, id]: the gathered row W_x[id] is scaled by it, and
so is its gradient (``x_scale`` below); the bias's is not. Stepping a cell by hand (``forward_step``) never drops.
"""
import numpy as np

from ..checks import check_positive_int, check_state_dict
from ..layers.base import Layer
from ..layers.dropout import check_rate
from ..layers.projection import bias_gradient, is_token_ids, project, project_backward, weight_gradient


# The arguments every cell takes, as help() lists them (layers.base.documented adds them to each cell's).
CELL_ARGUMENTS = """Arguments every cell takes:
    units                   H, the size of the hidden state
    dropout=0.0             the fraction of the inputs dropped while training (applied by the RNN layer that runs
                            the cell, one mask per sequence), in [0, 1)
    recurrent_dropout=0.0   the fraction of h_{t-1} dropped before W_h while training, in [0, 1)
    dtype=float64           "float32" or "float64"
    initializer="numpy"     "numpy", or "tensorflow" for TensorFlow's own initializers (needs TensorFlow)
    random_state=None       seed of the initial weights when the cell builds itself
    name=None               the cell's name (None: its class name in snake case)

Stepped by hand: ``cell.build(F, rng)``, then ``(states, cache) = cell.forward_step(x_t, states)`` and
``dx_t, dstates_prev = cell.backward_step(dstates, cache)``, states a list of (B, H) arrays in ``state_names``
order. Raises ValueError/TypeError, naming the argument, for invalid arguments and inputs."""


class Cell(Layer):
    """Base class of the recurrent cells. Subclasses set ``gates`` (G = gates * units) and ``state_names``, and write
    ``_init_params``, ``step``, ``backward_factors`` and ``step_backward`` (see the module docstring).

    A cell is a layer in the sense of holding parameters (``params``, ``grads``, ``build``, ``get_weights``,
    ``set_weights``), but it computes one step: ``forward_step`` / ``backward_step``, not ``forward`` / ``backward``.
    To run it over sequences, wrap it: ``RNN(cell)``.
    """

    gates = 1
    state_names = ("h",)
    config_keys = ("units", "dropout", "recurrent_dropout", "dtype", "initializer")

    def __init__(self, units, dropout=0.0, recurrent_dropout=0.0, dtype=np.float64, initializer="numpy",
                 random_state=None, name=None):
        units = check_positive_int(units, "units")
        dropout, recurrent_dropout = check_rate(dropout, "dropout"), check_rate(recurrent_dropout, "recurrent_dropout")
        super().__init__(dtype=dtype, random_state=random_state, initializer=initializer, name=name)
        self.units = units
        self.dropout = dropout  # the fraction of the inputs dropped (per sequence; layers/recurrent.py draws the mask)
        self.recurrent_dropout = recurrent_dropout  # the fraction of h_{t-1} dropped before W_h

    def output_shape(self, input_shape):
        return (self.units,)

    def backward_factors(self, cache):
        """None: unless a cell says otherwise, its ``step_backward`` computes the whole derivative of its step."""
        return None

    def zero_grads(self):
        """Fresh zero gradients (new arrays: gradients handed out earlier stay as they were)."""
        self.grads = {name: np.zeros_like(p) for name, p in self.params.items()}

    # -- one step on its own -----------------------------------------------------------------------------------------
    def forward_step(self, x_t, states):
        """One step: ``x_t`` (B, F) floats or (B,) token ids, ``states`` a list of (B, H) arrays in ``state_names``
        order. Returns ``(new_states, cache)``; ``new_states[0]`` is h_t, the step's output."""
        if not self.built:
            self.build(self.input_dim if is_token_ids(x_t) else np.shape(x_t)[-1])
        X_t = project(x_t, self.params["W_x"], self.params["b"])
        new_states, cache = self.step(X_t, list(states))
        return new_states, (x_t, states[0], cache)

    def backward_step(self, dstates, cache):
        """The gradients of one ``forward_step``, given those arriving at its new states (a list; None for zeros).

        Returns ``(dx_t, dstates_prev)`` (``dx_t`` None for token ids) and *adds* the parameter gradients of the step
        to ``self.grads``, as the steps of a sequence must: call ``zero_grads()`` before the first step back.
        """
        x_t, h_prev, step_cache = cache
        dstates = [np.zeros_like(h_prev) if d is None else d for d in dstates]
        dX_t, dR_t, dstates_prev = self.step_backward(dstates, step_cache, self.backward_factors(step_cache))
        dx_t = self.backward_projections(x_t, h_prev, dX_t, dR_t)
        return dx_t, dstates_prev

    # -- the two projections' gradients, for one step or many ------------------------------------------------------
    def backward_projections(self, x, h_prev, dX, dR, input_grad=True, x_scale=None):
        """The gradients of X = x W_x + b and R = h_prev W_h (+ b_h), given ``dX`` and ``dR`` (..., G), for ``x``
        (..., F) or token ids (...) and ``h_prev`` (..., H): adds the weight gradients to ``self.grads`` and returns
        dx = dX W_x^T (None for token ids, or when ``input_grad`` is False). Every leading axis (the batch, and time
        when steps are stacked) is summed over, in one matrix product per weight. With dropout, ``x`` and ``h_prev``
        are the dropped values the kernels saw; for token ids, ``x_scale`` (..., 1) is m_x[b, id], by which each
        gathered row W_x[id] was scaled (see "Dropout" above)."""
        dX_x = dX if x_scale is None else dX * x_scale
        dW_x, dx = project_backward(x, dX_x, self.params["W_x"], input_grad, work=self._scratch("dX sorted", dX.shape))
        self.grads["W_x"] += dW_x
        self.grads["W_h"] += weight_gradient(h_prev, dR)
        self.grads["b"] += bias_gradient(dX)
        if "b_h" in self.params:
            self.grads["b_h"] += bias_gradient(dR)
        return dx

    # -- PyTorch's layout -------------------------------------------------------------------------------------------
    # nn.RNN and nn.LSTM keep the same gate blocks as here, as (G, F) and (G, H) matrices, and split the bias in two:
    # the cell adds bias_ih + bias_hh. Cells whose gates differ (the GRU) override these two methods.
    def to_torch(self, arrays=None):
        """``self.params`` (or another dict with the same keys, e.g. ``self.grads``) under PyTorch's names and
        layouts, as NumPy arrays: ``module.load_state_dict({k: torch.from_numpy(v) ...})`` loads them. The bias goes
        to ``bias_ih_l0``; ``bias_hh_l0`` is zero."""
        p = self.params if arrays is None else arrays
        return {"weight_ih_l0": p["W_x"].T.copy(), "weight_hh_l0": p["W_h"].T.copy(),
                "bias_ih_l0": p["b"].copy(), "bias_hh_l0": np.zeros_like(p["b"])}

    def _params_from_torch(self, state):
        """PyTorch's parameters (a dict of arrays under its names) in this cell's layout; the two biases are summed.
        ``from_torch`` (layers/base.py) loads them."""
        W_ih, W_hh, b_ih, b_hh = self._torch_arrays(state)
        return {"W_x": W_ih.T, "W_h": W_hh.T, "b": b_ih + b_hh}

    def _torch_arrays(self, state):
        """``weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0`` from ``state`` as arrays, each checked to have
        PyTorch's shape, (G, F), (G, H), (G,), (G,), before anything reshuffles their blocks."""
        self._require_built()
        G, (F, H) = self.gates * self.units, (self.params["W_x"].shape[0], self.units)
        shapes = {"weight_ih_l0": (G, F), "weight_hh_l0": (G, H), "bias_ih_l0": (G,), "bias_hh_l0": (G,)}
        check_state_dict(state, tuple(shapes), self.name)
        arrays = []
        for key, shape in shapes.items():
            value = np.asarray(state[key])
            if value.shape != shape:
                raise ValueError(f"{self.name}: state[{key!r}] must have PyTorch's shape {shape}, got {value.shape}")
            arrays.append(value)
        return arrays

    def forward(self, *args, **kwargs):
        raise TypeError(f"{self.name} is a cell: it computes one step (forward_step). To run it over sequences, "
                        f"wrap it in a layer: RNN({type(self).__name__}(...))")

    backward = forward
