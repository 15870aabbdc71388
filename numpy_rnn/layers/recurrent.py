"""RNN: the layer that runs a cell over time (Keras's ``RNN(cell)``). SimpleRNN, LSTM, GRU and LayerNormSimpleRNN are
this layer with their cell.

The cell (numpy_rnn/cells/) holds the math of one step; this layer holds everything about time: the loop, the
states it carries, truncation, what it returns, and the work that does not depend on the previous step, done once for
all steps instead of once per step (see "Speed without obscurity" in the design notes):

- before the forward loop, the input part of every step's pre-activation, X_t = x_t W_x + b, is one matrix product
  (one row gather for token ids) over all steps;
- before the backward loop, the cell's ``backward_factors`` (its gates' derivatives) for all steps in one call;
- after it, the weight gradients, one matrix product each over all steps: dW_x = sum_t x_t^T dX_t, ...

Shapes (B batch, T steps, F input features, H units, G = gates * H):

    x            (B, T, F) floats, or (B, T) integer token ids (read as one-hot rows of width F = input_dim)
    X, dX, dR    (T, B, G)    time-major, so each step's block is contiguous
    h            (T + 1, B, H)   h_0 ... h_T; h_0 is the initial state
    output       (B, T, H) with return_sequences, else (B, H) = h_T;  with return_state, [output, h_T (, c_T)]

Truncated backpropagation through time (``bptt_steps = k``): the gradient does not cross from step T-k into step
T-k+1. That is the exact gradient of the loss in which the state h_{T-k} (and c_{T-k}) is held constant. When only the
last output is used, the steps before T-k get no gradient at all, so the backward loop stops there. With ``k >= T``
or ``None`` this is full BPTT, and the gradient also reaches an ``initial_state`` that was passed in.

Stateful layers keep their final states and start the next call from them, as constants (no gradient crosses the
call boundary): consecutive windows of long streams are then trained with truncated BPTT, as in the textbooks.

Masks (padded steps, as Keras skips them). ``mask`` (B, T) is True at a sequence's real steps and False at padding
(an ``Embedding(mask_zero=True)`` or a ``Masking`` layer before this one makes it). With m_t the mask of step t,

    states_t = m_t * cell(X_t, states_{t-1}) + (1 - m_t) * states_{t-1}     a padded step changes nothing
    output_t = s_t * h_t,  s_t = 1 if some step <= t is real, else 0        Keras's outputs: 0 before the first
                                                                             real step, then the last real h

so a sequence padded at the front and the same one padded at the end give the same final state. Backward, the
gradient arriving at states_t goes to the cell's step where m_t = 1 and straight on to states_{t-1} where m_t = 0.
The cell itself runs on every row (a padded row's result is thrown away): one call per step for the whole batch.

``go_backwards=True`` runs the loop over the steps in reverse order (mask included), so h_T has read x_1 last; with
``return_sequences`` the outputs come in that reversed order, as in Keras. ``Bidirectional`` (bidirectional.py) runs
one layer each way.

Dropout (the cell's ``dropout`` and ``recurrent_dropout``; only when ``training`` is True, as Sequential.fit passes):
``_dropout_masks`` draws the masks once per call, m_x (B, F) and m_h (B, H), from the generator the layer was built
with (the model's). m_x is applied before the one projection of every step, m_h is handed to the cell's step and
backward step; cells/base.py has the equations. With both rates 0, or when predicting, nothing is drawn and the loops
run exactly as without dropout.
"""
from functools import partial

import numpy as np

from ..cells import CELL_CLASSES, Cell
from ..checks import check_gradient, check_positive_int, check_random_state, check_real_array
from .base import COMMON_ARGUMENTS, Layer
from .dropout import dropout_mask
from .projection import project


LAYER_ARGUMENTS = """Arguments:
    return_sequences=False  output every h_t, (B, T, H), instead of only h_T, (B, H)
    return_state=False      also return the final states: [output, h_T] ([output, h_T, c_T] for an LSTM)
    stateful=False          carry the final states into the next call, as constants (reset_states() forgets them)
    bptt_steps=None         truncate backpropagation through time to the last k steps (None: full BPTT)
    go_backwards=False      read the steps last to first; the output sequence comes in that (reversed) order
    dropout=0.0             the fraction of the inputs dropped while training (one mask per sequence), in [0, 1)
    recurrent_dropout=0.0   the fraction of h_{t-1} dropped before W_h while training (one mask per sequence)

""" + COMMON_ARGUMENTS + """

Input: (B, T, F) floats, or (B, T) integer token ids read as one-hot rows. ``forward(x, initial_state=None,
training=False, mask=None)``, ``mask`` (B, T) booleans, False at padded steps, which leave the state unchanged;
``backward(dout)`` returns dL/dx (None for ids), fills ``grads`` and
``initial_state_grads``. Weights in Keras's layout: ``get_weights`` / ``set_weights``; PyTorch's: ``to_torch`` /
``from_torch``. Raises ValueError or TypeError, naming the argument, for invalid arguments and for input of the
wrong rank, size or values, and leaves the layer as it was."""


def layer_doc(name, cell_class, own_arguments=()):
    """The docstring of a named recurrent layer: its signature, its arguments (its own, then the RNN layer's), and its
    cell's equations and shapes, read from the cell's file so that they have one home."""
    import sys
    own = "".join(f"    {argument:<24}{meaning}\n" for argument, meaning in
                  (("units", "H, the size of the hidden state"),) + tuple(own_arguments))
    equations = sys.modules[cell_class.__module__].__doc__
    return (f"``{name}(units, ...)``: ``RNN({cell_class.__name__}(units), ...)``, the cell run over every step of "
            f"a sequence.\n\n" + LAYER_ARGUMENTS.replace("Arguments:\n", "Arguments:\n" + own, 1)
            + f"\n\nThe cell (numpy_rnn/cells/): {equations}")


class RNN(Layer):
    __doc__ = ("``RNN(cell, return_sequences=False, return_state=False, stateful=False, bptt_steps=None, ...)``: "
               "``cell`` (a SimpleRNNCell, LSTMCell, GRUCell, LayerNormSimpleRNNCell or a Cell of your own) run over "
               "the steps of its input. See the module docstring for the loop and the shapes.\n\n" + LAYER_ARGUMENTS)

    config_keys = Layer.config_keys + ("return_sequences", "return_state", "stateful", "bptt_steps", "go_backwards")

    def __init__(self, cell, return_sequences=False, return_state=False, stateful=False, bptt_steps=None,
                 go_backwards=False, dtype=None, initializer=None, **kwargs):
        if isinstance(cell, dict):  # a saved configuration: {"class": ..., "config": ...}
            if cell.get("class") not in CELL_CLASSES:
                raise ValueError(f"cell must be one of {sorted(CELL_CLASSES)}, got {cell.get('class')!r}")
            cell = CELL_CLASSES[cell["class"]](**cell.get("config", {}))
        if not isinstance(cell, Cell):
            raise TypeError(f"cell must be a recurrent cell (e.g. LSTMCell(units)), got {type(cell).__name__}")
        self.cell = cell
        params, grads = cell.params, cell.grads
        super().__init__(dtype=cell.dtype if dtype is None else dtype,
                         initializer=cell.initializer if initializer is None else initializer, **kwargs)
        cell.params, cell.grads = params, grads  # Layer.__init__ starts a layer empty: the cell keeps what it has
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.stateful = bool(stateful)
        self.go_backwards = bool(go_backwards)
        self.bptt_steps = check_positive_int(bptt_steps, "bptt_steps", allow_none=True)
        self.states = None  # the carried states of a stateful layer
        self.rng = None  # the generator of the dropout masks (build sets it)
        self.hidden_states = None  # (T + 1, B, H) after a forward pass: h_0 ... h_T
        self.initial_state_grads = None

    # The parameters are the cell's: the layer, the optimizers and the model files all see the cell's own arrays.
    @property
    def params(self):
        return self.cell.params

    @params.setter
    def params(self, value):
        self.cell.params = value

    @property
    def grads(self):
        return self.cell.grads

    @grads.setter
    def grads(self, value):
        self.cell.grads = value

    @property
    def units(self):
        return self.cell.units

    @property
    def state_names(self):
        return self.cell.state_names

    @property
    def dropout(self):
        return self.cell.dropout

    @property
    def recurrent_dropout(self):
        return self.cell.recurrent_dropout

    def build(self, input_dim, rng=None):
        input_dim = check_positive_int(input_dim, "input_dim")
        if self.input_dim is not None and self.input_dim != input_dim:
            raise ValueError(f"{self.name}: input_dim was set to {self.input_dim}, got inputs with {input_dim}")
        if self.cell.built:  # a cell built (or trained) on its own keeps its weights
            if self.cell.input_dim != input_dim or self.cell.dtype != self.dtype:
                raise ValueError(f"{self.name}: its cell was built for {self.cell.input_dim} input features in "
                                 f"{self.cell.dtype.name}, the layer needs {input_dim} in {self.dtype.name}")
        else:
            # The layer's dtype and initializer are the ones that count (a model may have changed its layers' dtype).
            self.cell.dtype, self.cell.initializer = self.dtype, self.initializer
            self.cell.build(input_dim, check_random_state(self.random_state) if rng is None else rng)
        self.input_dim = input_dim
        # The dropout masks' generator: the model's when a model builds the layer, else one of its own.
        if rng is not None or self.rng is None:
            self.rng = check_random_state(self.random_state) if rng is None else rng
        self.built = True

    def get_config(self):
        config = super().get_config()
        if type(self) is RNN:  # the named layers (SimpleRNN, ...) rebuild their cell from their own arguments
            config["cell"] = {"class": type(self.cell).__name__, "config": self.cell.get_config()}
        return config

    def output_shape(self, input_shape):
        steps = input_shape[0] if len(input_shape) else None
        return (steps, self.units) if self.return_sequences else (self.units,)

    def input_ndim(self, x):
        return 3  # (B, T, F); token ids (B, T)

    def reset_states(self):
        """Forget the carried state of a stateful layer: the next call starts from zeros."""
        self.states = None

    # -- forward ----------------------------------------------------------------------------------------------------
    def forward(self, x, initial_state=None, training=False, mask=None):
        """Run the cell over ``x`` (B, T, F) or token ids (B, T). See the module docstring for shapes and masks."""
        x = self.check_input(x)
        keep = self._check_mask(mask, x.shape[:2])
        states = self._initial_states(x.shape[0], initial_state)  # before building: a refused call builds nothing
        if not self.built:
            self.build(x.shape[-1])
        B, G = x.shape[0], self.cell.gates * self.units
        m_x, m_h = self._dropout_masks(B, training)

        x_tm = x.swapaxes(0, 1)  # time-major: x_t is a contiguous (B, F) block; ids stay ids
        if self.go_backwards:  # the steps in reverse order, and their mask with them
            x_tm = x_tm[::-1]
            keep = None if keep is None else keep[::-1]
        x_tm = np.ascontiguousarray(x_tm)
        # (T, B, G): the input part of every step at once, in a work array kept from call to call
        X, x_scale = self._scratch("X", (len(x_tm), B, G)), None
        if m_x is None:
            X = project(x_tm, self.params["W_x"], self.params["b"], out=X)
        else:  # x_tm becomes what W_x saw, x * m_x (ids stay ids; x_scale holds m_x[b, id])
            x_tm, X, x_scale = self._project_dropped(x_tm, m_x, X)
        # h_0 ... h_T (T + 1, B, H). With return_sequences it is the output, a new array at every call; otherwise it
        # never leaves the layer and is a work array kept from call to call (see "the work done for many steps").
        shape = (len(X) + 1, B, self.units)
        h = np.empty(shape, dtype=self.dtype) if self.return_sequences else self._scratch("h", shape)
        h[0] = states[0]
        step, caches = self.cell.step if m_h is None else partial(self.cell.step, m_h=m_h), []
        for t, X_t in enumerate(X):
            new_states, cache = step(X_t, states)
            if keep is not None:  # a masked step leaves the states as they were
                new_states = [np.where(keep[t], new, old) for new, old in zip(new_states, states)]
            states = new_states
            h[t + 1] = states[0]
            caches.append(cache)

        # Outputs at masked steps repeat the last real step's output, and are 0 before the first one (Keras's rule):
        # h_t times "a real step has been seen by step t".
        seen = None if keep is None else np.logical_or.accumulate(keep, axis=0)
        self.cache = (x_tm, h, caches, keep, seen, (m_x, m_h, x_scale))
        self.hidden_states = h
        if self.stateful:
            self.states = [s.copy() for s in states]
        if self.return_sequences:
            out = (h[1:] if seen is None else h[1:] * seen).swapaxes(0, 1)
        else:
            out = states[0] if seen is None else states[0] * seen[-1]
        if self.return_state:
            return [out] + list(states)
        return out

    def _check_mask(self, mask, shape):
        """The mask as (T, B, 1) booleans, time-major like the steps, or None when no step is masked.
        Raises ValueError/TypeError naming ``mask`` for anything but 0/1 or booleans of shape (B, T)."""
        if mask is None:
            return None
        mask = np.asarray(mask)
        if mask.shape != tuple(shape):
            raise ValueError(f"{self.name}: mask must have shape (batch, steps) = {tuple(shape)}, got {mask.shape}")
        if mask.dtype.kind not in "biuf" or not np.all((mask == 0) | (mask == 1)):
            raise TypeError(f"{self.name}: mask must hold booleans (or 0/1): True for a real step, False for padding")
        if mask.all():
            return None  # nothing to skip: the plain loop
        return mask.astype(bool).T[:, :, None]

    def _initial_states(self, B, initial_state):
        shape = (B, self.units)
        if initial_state is not None:
            if not isinstance(initial_state, (list, tuple, np.ndarray)):
                raise TypeError(f"{self.name}: initial_state must be an array or a list of arrays, got "
                                f"{type(initial_state).__name__}")
            given = [initial_state] if isinstance(initial_state, np.ndarray) else list(initial_state)
            if len(given) != len(self.state_names):
                raise ValueError(f"{self.name}: initial_state must hold {len(self.state_names)} array(s) "
                                 f"({', '.join(self.state_names)}), got {len(given)}")
            checked = []
            for name, s in zip(self.state_names, given):
                s = check_real_array(s, f"{self.name}: initial_state {name}")
                if s.shape != shape:
                    raise ValueError(f"{self.name}: initial_state {name} must have shape {shape}, got {s.shape}")
                checked.append(s.astype(self.dtype, copy=False))
            return checked
        if self.stateful and self.states is not None:
            if self.states[0].shape[0] != B:
                raise ValueError(f"{self.name}: a stateful layer keeps the batch size it started with "
                                 f"({self.states[0].shape[0]}), got a batch of {B}; call reset_states() first")
            return list(self.states)
        return [np.zeros(shape, dtype=self.dtype) for _ in self.state_names]

    def _dropout_masks(self, B, training):
        """``(m_x, m_h)``: this call's dropout masks (layers/dropout.py), (B, F) for the inputs and (B, H) for the
        state, each drawn once for the whole sequence; None for each that is off (predicting, or a rate of 0)."""
        if not training:
            return None, None
        m_x = dropout_mask(self.rng, (B, self.input_dim), self.dropout, self.dtype) if self.dropout else None
        m_h = (dropout_mask(self.rng, (B, self.units), self.recurrent_dropout, self.dtype)
               if self.recurrent_dropout else None)
        return m_x, m_h

    def _project_dropped(self, x_tm, m_x, out):
        """X = (x * m_x) W_x + b for every step into ``out``. Returns ``(x_seen, X, x_scale)``: what W_x saw (the
        dropped floats; the ids themselves) and, for ids, x_scale (T, B, 1) = m_x[b, id], since the dropped one-hot
        row of id is that one number times the row: (one_hot(id) * m_x) W_x = m_x[b, id] W_x[id]."""
        if x_tm.dtype.kind in "iu":
            x_scale = np.take_along_axis(m_x, x_tm.T, axis=1).T[..., None]  # (T, B, 1)
            X = project(x_tm, self.params["W_x"], out=out)
            X *= x_scale
            X += self.params["b"]
            return x_tm, X, x_scale
        x_seen = x_tm * m_x
        return x_seen, project(x_seen, self.params["W_x"], self.params["b"], out=out), None

    # -- backward ---------------------------------------------------------------------------------------------------
    def backward(self, dout):
        """Gradients of the loss w.r.t. the input (B, T, F), or None for token ids.

        ``dout`` has the output's shape; with ``return_state`` it is a list ``[doutput, dh_T (, dc_T)]`` whose entries
        may be None. Parameter gradients go to ``self.grads``, initial-state gradients to ``initial_state_grads``
        (None when truncation cut them off).
        """
        x_tm, h, caches, keep, seen, (m_x, m_h, x_scale) = self._require_cache()
        T, B, H = len(caches), h.shape[1], self.units
        if self.return_state:
            if not isinstance(dout, (list, tuple)) or len(dout) != 1 + len(self.state_names):
                raise TypeError(f"{self.name}: with return_state, dout must be a list [doutput, "
                                f"{', '.join('d' + n for n in self.state_names)}] (entries may be None)")
            dout, *dfinal = dout
        else:
            dfinal = [None] * len(self.state_names)
        # The steps only read these and return new arrays: the caller's arrays stay as they were.
        dstates = [np.zeros((B, H), dtype=self.dtype) if d is None else check_gradient(d, (B, H), self.dtype, "dout")
                   for d in dfinal]
        dh_seq = None
        if dout is not None:
            dout = check_gradient(dout, (B, T, H) if self.return_sequences else (B, H), self.dtype)
            if self.return_sequences:
                dh_seq = dout.swapaxes(0, 1)  # (T, B, H)
                if seen is not None:  # the zeros output before a sequence's first real step lead nowhere
                    dh_seq = dh_seq * seen
            else:
                dstates[0] = dstates[0] + (dout if seen is None else dout * seen[-1])

        cut = T - self.bptt_steps if self.bptt_steps is not None and self.bptt_steps < T else -1
        # The first step the gradient reaches: step 0, except that with truncation and only the last output used,
        # nothing reaches the steps before the cut.
        start = cut if cut >= 0 and dh_seq is None else 0
        # Each step's dX_t and dR_t go into rows of work arrays (n, B, G) as they come, for the weight gradients after
        # the loop; most cells' dX_t and dR_t are the same array, and then so are dX and dR.
        self.cell.zero_grads()
        step_backward = self.cell.step_backward if m_h is None else partial(self.cell.step_backward, m_h=m_h)
        dX = self._scratch("dX", (T - start, B, self.cell.gates * H))
        dR = None
        for first, last in reversed(self._blocks(caches, start, T)):
            factors = self._backward_factors(caches[first:last])  # the cell's local derivatives for these steps
            for t in range(last - 1, first - 1, -1):
                if dh_seq is not None:
                    dstates[0] = dstates[0] + dh_seq[t]
                factors_t = factors[t - first]
                if keep is None:
                    dX_t, dR_t, dstates = step_backward(dstates, caches[t], factors_t)
                else:  # the cell's new states were kept at real steps only; elsewhere the old ones passed through
                    dX_t, dR_t, dprev = step_backward([d * keep[t] for d in dstates], caches[t], factors_t)
                    dstates = [dp + np.where(keep[t], 0, d) for dp, d in zip(dprev, dstates)]
                dX[t - start] = dX_t
                if dR is None:
                    dR = dX if dR_t is dX_t else self._scratch("dR", dX.shape)
                if dR is not dX:
                    dR[t - start] = dR_t
                if t == cut:  # h_{T-k} is held constant: nothing flows into step T-k from here
                    dstates = [np.zeros_like(d) for d in dstates]

        # The weight gradients of all the reached steps at once (and dx, when wanted).
        # With dropout, the dropped values the kernels saw: x_tm already is (or x_scale says it), h_{t-1} * m_h.
        h_prev = h[start:T] if m_h is None else h[start:T] * m_h
        dx_reached = self.cell.backward_projections(x_tm[start:], h_prev, dX, dR, self.input_grad,
                                                    None if x_scale is None else x_scale[start:])
        if m_x is not None and dx_reached is not None:
            dx_reached *= m_x
        # The initial state gets a gradient when the loop ran down to step 0.
        self.initial_state_grads = dstates if start == 0 else None
        if dx_reached is None:  # token ids, or not wanted
            return None
        if start == 0:
            dx_tm = dx_reached
        else:  # the steps the gradient did not reach get zeros
            dx_tm = np.zeros(x_tm.shape, dtype=self.dtype)
            dx_tm[start:] = dx_reached
        if self.go_backwards:  # back to the input's order
            dx_tm = dx_tm[::-1]
        return dx_tm.swapaxes(0, 1)  # (B, T, F), a view of the time-major array

    # -- the work done for many steps at once -----------------------------------------------------------------------
    # Memory is the hidden cost here. A cell makes new (B, ...) arrays at every step; when the memory a batch used is
    # freed at the top of the allocator's heap, the allocator may give it back to the system, and the next batch
    # gets it again as fresh pages, each costing a page fault on first touch (measured on W4's shapes: 217,000 page
    # faults in one epoch, a fifth of its time). So the layer keeps what it can from call to call (``_scratch``: the
    # input projections, h_0 ... h_T when only h_T leaves the layer, dX and dR), writes each step's results into
    # those rows as they come instead of collecting arrays, and computes the cell's backward factors one block of
    # steps at a time, as the backward loop reaches it, in blocks whose arrays stay small.
    FACTOR_BLOCK_BYTES = 32 * 1024

    def _blocks(self, caches, start, stop):
        """``(first, last)`` step ranges covering ``start`` ... ``stop - 1``, each small enough that the cell's caches
        stacked over it take at most ``FACTOR_BLOCK_BYTES`` per array."""
        widest = max((a.nbytes for a in caches[start]), default=1)
        size = max(1, self.FACTOR_BLOCK_BYTES // widest)
        return [(first, min(first + size, stop)) for first in range(start, stop, size)]

    def _backward_factors(self, caches):
        """The cell's ``backward_factors`` for the steps in ``caches``, as one tuple of (B, ...) arrays per step.

        The factors do not depend on the gradient, so they are computed for all these steps in one call on their
        caches stacked along time: a few NumPy calls per block of steps instead of a few per step."""
        if type(self.cell).backward_factors is Cell.backward_factors:
            return [None] * len(caches)  # a cell without factors: its step_backward computes everything
        stacked = [np.array(field) for field in zip(*caches)]  # each (steps, B, ...)
        return list(zip(*self.cell.backward_factors(stacked)))

    # -- weights: the cell's, in Keras's and PyTorch's layouts ------------------------------------------------------
    def get_weights(self):
        return self.cell.get_weights()

    def _params_from_weights(self, weights):
        return self.cell._params_from_weights(weights)

    def _assign(self, new_params):
        self.cell._assign(new_params)

    def to_torch(self, arrays=None):
        """The cell's parameters (or ``arrays``, e.g. ``self.grads``) under PyTorch's names: see the cell's file."""
        return self.cell.to_torch(arrays)

    def _params_from_torch(self, state):
        """PyTorch's parameters (a dict of arrays under its names) in this layer's layout: see the cell's file."""
        return self.cell._params_from_torch(state)

    # -- model contract (training/persistence) ----------------------------------------------------------------------
    # What a model asks of a layer (layers/base.py has the defaults), kept in this one block so that it moves with
    # the layer. ``reset_states`` above, and ``training`` and ``mask`` in ``forward``, belong to the same contract:
    # ``training`` switches the dropout masks on (the module docstring), and no mask is produced yet (a mask given is
    # not used).
    needs_sequences = True  # input (batch, steps, features), or token ids (batch, steps)

    def output_kind(self, input_kind):
        return "sequence" if self.return_sequences else "vector"

    def compute_mask(self, mask):
        """The input's mask while every step is output; None once the steps are reduced to h_T."""
        return mask if self.return_sequences else None

    def get_carried_states(self):
        """The states a stateful layer carries into its next call, in ``state_names`` order ([] when none)."""
        return [] if self.states is None else list(self.states)

    def set_carried_states(self, states):
        """Carry ``states`` (one (B, units) array per name in ``state_names``) into the next call, as a stateful
        layer's own would be. Raises ValueError, and changes nothing, for a layer that is not stateful, the wrong
        number of arrays, shapes that differ, or values that are not finite numbers."""
        states = [np.asarray(s) for s in states]
        if not states:
            self.states = None
            return
        if not self.stateful:
            raise ValueError(f"{self.name} is not stateful: it carries no state, got {len(states)} array(s)")
        if len(states) != len(self.state_names):
            raise ValueError(f"{self.name} carries {len(self.state_names)} state(s) ({', '.join(self.state_names)}), "
                             f"got {len(states)}")
        shape = (len(states[0]), self.units) if states[0].ndim else None
        for name, s in zip(self.state_names, states):
            if s.shape != shape:
                raise ValueError(f"{self.name}: state {name} must have shape (batch, {self.units}), the same batch "
                                 f"for every state, got {s.shape}")
            if s.dtype.kind not in "fiu" or not np.all(np.isfinite(s)):
                raise ValueError(f"{self.name}: state {name} must hold finite numbers")
        self.states = [s.astype(self.dtype) for s in states]
